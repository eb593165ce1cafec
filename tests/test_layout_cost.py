"""The layout's structure: shared tensors drawn beside far uses, short edges, labels clear.

Graphviz's dot slows down with long edges (each one a chain of virtual nodes, two per rank
with edge labels): a tensor used all along a computation (an RNN's weights) is drawn
again, small, beside each far use, so no edge crosses more than two ranks. The picture
stays readable: no edge label overlaps a box or another label, checked on the geometry
Graphviz itself reports (its JSON output gives each text's width, which SVG text lacks).
"""

import json
import re

import pytest

import vizgrad as vg
from vizgrad.drawing.dot import LABELLED_BOXES, MAX_SPAN
from vizgrad.drawing.render import _run

from .graphs import recurrence

EDGE = re.compile(r"^ +(\w+) -> (\w+) \[id=\"(e\d+)\"", re.M)



def small_mlp(sizes: tuple[int, ...] = (2, 3, 1)) -> vg.Tensor:
    """An MLP of scalar ops (micrograd's neurons): every value fans out to the next layer."""
    values = [vg.constant(0.5, name="x0"), vg.constant(-1.0, name="x1")]
    for layer, (fan_in, width) in enumerate(zip(sizes[:-1], sizes[1:])):
        outputs = []
        for j in range(width):
            act = vg.Variable(0.1 * j, name=f"b{layer}_{j}")
            for i in range(fan_in):
                weight = vg.Variable(0.3 - 0.2 * i + 0.1 * j, name=f"w{layer}_{j}{i}")
                act = act + weight * values[i]
            outputs.append(vg.relu(act) if layer < len(sizes) - 2 else act)
        values = outputs
    values[0].backward()
    return values[0]


def worked_example() -> vg.Tensor:
    x, y = vg.Variable(3.0, name="x"), vg.Variable(4.0, name="y")
    f = x * x * y + y + 2
    f.backward()
    return f


def edges_of(dot: str) -> list[tuple[str, str, str]]:
    return EDGE.findall(dot)


def ranks(edges: list[tuple[str, str, str]]) -> dict[str, int]:
    """Longest-path ranks, as dot ranks; a box with no inputs sits just before its first use."""
    rank: dict[str, int] = {}
    for source, target, _ in edges:  # the DOT lists edges in creation order
        rank.setdefault(source, 0)
        rank[target] = max(rank.get(target, 0), rank[source] + 1)
    targets = {target for _, target, _ in edges}
    for box in rank:
        if box not in targets:
            rank[box] = min(rank[t] for s, t, _ in edges if s == box) - 1
    return rank


@pytest.mark.parametrize("steps", [10, 30, 60])
def test_shared_weights_are_drawn_once_in_full_and_small_beside_each_far_use(steps):
    graph = vg.graph(recurrence(steps))
    dot = graph.to_dot()
    assert not graph.default_collapsed()  # 60 steps (185 boxes) is drawn whole
    w, x = graph.find("W"), graph.find("x")
    for node in (w, x):
        assert dot.count(f'{node.id} [id="{node.id}"') == 1          # one full box
        copies = re.findall(rf'^ +({node.id}_e\d+) \[id="\1" label=<', dot, re.M)
        assert len(copies) == steps - 1                               # one per far use
        # each copy is named like the tensor and feeds the edge its id names
        for copy in copies:
            assert f"<B>{node.label}</B>" in dot.split(f'{copy} [id="{copy}"')[1].split("\n")[0]
            assert re.search(rf"^  {copy} -> n\d+ \[id=\"{copy.split('_')[1]}\"", dot, re.M)
    edges = edges_of(dot)
    rank = ranks(edges)
    assert max(rank[t] - rank[s] for s, t, _ in edges) <= MAX_SPAN
    # every drawn edge is still there once, with its own id and label
    assert sorted(int(k[1:]) for _, _, k in edges) == list(range(len(graph.edges)))


def test_a_large_network_opens_collapsed_with_its_groups_drawn_beside_far_uses():
    graph = vg.graph(small_mlp((2, 16, 16, 1)))   # micrograd's demo network: 985 nodes
    assert graph.default_collapsed()
    dot = graph.to_dot()
    copies = re.findall(r'^ +(s\d+)_e\d+ \[id="\1_e\d+" shape=box3d', dot, re.M)
    assert copies and set(copies) <= {s.id for s in graph.scopes}
    edges = edges_of(dot)
    rank = ranks(edges)
    assert max(rank[t] - rank[s] for s, t, _ in edges) <= MAX_SPAN


def test_a_tensor_used_close_by_is_not_copied():
    dot = vg.graph(worked_example()).to_dot()
    assert not re.search(r"\bn\d+_e\d+\b", dot)  # y feeds two neighbouring ops: one box


def layout_geometry(dot: str) -> tuple[list[tuple], list[tuple]]:
    """Graphviz's own layout of ``dot``: the boxes of the nodes and the text boxes of the
    edge labels, (left, bottom, right, top) in points, with the edge each belongs to."""
    laid_out = json.loads(_run(dot, ["-Tjson"], None, 60, "{").decode("utf-8"))
    boxes = []
    for node in laid_out.get("objects", []):
        points = []
        for op in node.get("_draw_", []):
            if op["op"] == "e":
                cx, cy, rx, ry = op["rect"]
                points += [(cx - rx, cy - ry), (cx + rx, cy + ry)]
            elif op["op"] in "pPbBL":
                points += [tuple(p) for p in op["points"]]
        if points:
            xs, ys = zip(*points)
            boxes.append((node["name"], (min(xs), min(ys), max(xs), max(ys))))
    texts = []
    for edge in laid_out.get("edges", []):
        size = 10.0
        for op in edge.get("_ldraw_", []):
            if op["op"] == "F":
                size = op["size"]
            elif op["op"] == "T":
                x, y = op["pt"]
                width = op["width"]
                left = {"l": x, "r": x - width}.get(op["align"], x - width / 2)
                texts.append((edge["id"], (left, y - 0.2 * size, left + width, y + 0.75 * size)))
    return boxes, texts


def overlap(a: tuple, b: tuple, slack: float = 0.5) -> bool:
    return (a[0] < b[2] - slack and b[0] < a[2] - slack
            and a[1] < b[3] - slack and b[1] < a[3] - slack)


@pytest.mark.parametrize("make", [lambda: recurrence(12), small_mlp, worked_example],
                         ids=["recurrence", "mlp", "worked_example"])
def test_edge_labels_overlap_no_box_and_no_other_label(make):
    graph = vg.graph(make())
    boxes, texts = layout_geometry(graph.to_dot(highlight=False))
    assert texts and boxes
    for edge, text in texts:
        hits = [name for name, box in boxes if overlap(text, box)]
        assert not hits, f"a label of {edge} lies on the box of {hits}"
    for k, (edge, text) in enumerate(texts):
        for other, other_text in texts[k + 1:]:
            assert other == edge or not overlap(text, other_text), \
                f"the labels of {edge} and {other} overlap"


def test_past_the_bound_edges_are_drawn_without_labels_and_the_drawing_says_so():
    x = vg.Variable(0.5, name="x")
    y = x
    for i in range(LABELLED_BOXES + 10):
        y = vg.sin(y) if i % 2 else vg.tanh(y)
    graph = vg.graph(y)
    collapsed = graph.to_dot()                       # as it opens: groups, labelled edges
    assert graph.default_collapsed() and re.search(r'-> \w+ \[id="e\d+" label=<', collapsed)
    expanded = graph.to_dot(collapse=[])             # every group opened by the reader
    assert not re.search(r'-> \w+ \[id="e\d+" label=', expanded)
    assert "edges drawn without their values" in expanded
    assert len(edges_of(expanded)) == len(graph.edges)
