"""SVG drawings from both engines: what a learner sees on the page."""

import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import vizgrad as vg
from vizgrad.drawing.palette import COLORS
from vizgrad.drawing.render import find_engine, render_svg

SVG = "{http://www.w3.org/2000/svg}"
ORANGE = "#d1451b"
SYSTEM_DOT = pytest.param("dot", marks=[
    pytest.mark.system_dot,
    pytest.mark.skipif(shutil.which("dot") is None,
                       reason="no system Graphviz `dot` on PATH (apt-get install graphviz)"),
])
ENGINES = ["graphviz-pure", SYSTEM_DOT]


def worked_example() -> vg.Graph:
    x, y = vg.Variable(3.0), vg.Variable(4.0)
    f = x * x * y + y + 2
    f.backward()
    return vg.graph(f, names={"x": x, "y": y, "f": f})


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode("utf-8"))


def texts(element: ET.Element, fill: str | None = None) -> list[str]:
    """The text shown (non-breaking spaces as spaces), optionally only in one colour."""
    return [(t.text or "").replace("\xa0", " ") for t in element.iter(f"{SVG}text")
            if fill is None or t.get("fill") == fill]


def groups(root: ET.Element, kind: str) -> dict[str, ET.Element]:
    return {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("class") == kind}


def geometry(group: ET.Element) -> list[tuple]:
    """Where a node's outline sits: every coordinate of its shapes."""
    keys = ("points", "d", "cx", "cy", "rx", "ry", "x", "y", "width", "height")
    return [(shape.tag, tuple(shape.get(k) for k in keys)) for shape in group
            if shape.tag in {f"{SVG}{s}" for s in ("polygon", "path", "ellipse", "rect")}]


@pytest.mark.parametrize("engine", ENGINES)
def test_last_step_shows_the_gradients_24_and_10(engine):
    svg = worked_example().to_svg(engine=engine)
    root = parse(svg)
    shown = texts(root, fill=ORANGE)
    assert "∂f/∂x = 24" in shown and "∂f/∂y = 10" in shown
    # what flowed along the edges, named: x's two uses each send it a part
    assert "∂f/∂x += 12" in shown and "∂f/∂y += 9" in shown
    assert texts(root).count("42") == 1   # the output's value once, on its box
    assert COLORS["current"] not in svg   # the whole pass: no op is "current"


@pytest.mark.parametrize("engine", ENGINES)
def test_step_0_shows_values_and_no_gradient_at_all(engine):
    svg = worked_example().to_svg(0, engine=engine)
    root = parse(svg)
    assert texts(root, fill=ORANGE) == []
    assert not any("∂" in text for text in texts(root))
    assert {"3", "4", "9", "36", "40", "42"} <= set(texts(root))
    assert ORANGE not in svg


@pytest.mark.parametrize("engine", ENGINES)
def test_nodes_and_edges_do_not_move_between_steps(engine):
    drawing = worked_example()
    pictures = [parse(drawing.to_svg(step, engine=engine)) for step in range(5)]
    first = pictures[0]
    for picture in pictures[1:]:
        assert picture.get("viewBox") == first.get("viewBox")
        for kind, count in (("node", 8), ("edge", 9)):
            before, after = groups(first, kind), groups(picture, kind)
            assert len(before) == count and before.keys() == after.keys()
            for key in before:
                assert geometry(after[key]) == geometry(before[key]), key
    # a value keeps its place too: the text "42" of the output box
    out = [(t.get("x"), t.get("y")) for p in pictures for t in groups(p, "node")["n7"]
           if t.tag == f"{SVG}text" and t.text == "42"]
    assert len(set(out)) == 1


INJECTIONS = ['"]; evil [label="x', "<script>alert(1)</script>", "&amp;"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", INJECTIONS)
def test_a_hostile_name_is_drawn_as_plain_text(engine, name):
    x = vg.Variable(2.0, name=name)
    y = x * 3
    drawing = vg.graph(y)
    svg = drawing.to_svg(engine=engine)
    root = parse(svg)                              # well-formed XML
    assert len(groups(root, "node")) == len(drawing.nodes) == 4
    assert "<script" not in svg
    assert not list(root.iter(f"{SVG}script"))
    assert name in texts(root)                     # the name itself, shown as text
    assert f"∂f/∂{name} = 3" in texts(root, fill=ORANGE)


def test_a_100_by_100_tensor_renders_small_with_its_summary():
    big = vg.Variable(np.arange(10_000.0).reshape(100, 100), name="big")
    svg = vg.graph(vg.sum(big * 2)).to_svg()
    assert len(svg.encode()) < 200_000
    shown = texts(parse(svg))
    assert "(100, 100) mean 5000 [0, 9999]" in shown
    assert "∂f/∂big = (100, 100) all 2" in shown


def test_nan_is_highlighted_on_the_node_where_it_first_appears():
    x = vg.Variable(-1.0, name="x")
    with np.errstate(invalid="ignore"):
        y = vg.log(x) + 1
    drawing = vg.graph(y)
    root = parse(drawing.to_svg(0))
    nodes = groups(root, "node")
    highlighted = [key for key, g in nodes.items()
                   if any(shape.get("fill") == "#ffd0d0" for shape in g)]
    assert highlighted == [drawing.find("log1").id]
    assert "NaN/inf appears here" in texts(nodes[highlighted[0]])


def test_matrix_rows_start_at_the_same_x():
    w = vg.Variable([[1.0, 2.3], [-4.5, 6.0]], name="w")
    root = parse(vg.graph(vg.sum(w * 2)).to_svg())
    node = groups(root, "node")["n0"]
    rows = [t for t in node.iter(f"{SVG}text") if (t.text or "").lstrip().startswith("[")]
    first, second = rows[0], rows[1]
    assert first.text.startswith("[[") and second.text.replace("\xa0", " ").startswith(" [")
    assert first.get("x") == second.get("x")


def test_a_20000_op_chain_renders_collapsed_with_its_note(long_chain):
    drawing = long_chain
    root = parse(drawing.to_svg())
    boxes = [key for key in groups(root, "node") if key.startswith("s")]
    assert len(boxes) == len(drawing.scopes)
    assert any(text.startswith("Large graph: 20,002 nodes") for text in texts(root))


def test_a_scope_is_a_cluster_and_collapses_to_one_box():
    x = vg.Variable([1.0, 2.0], name="x")
    b = vg.Variable(0.5, name="b")
    with vg.scope("layer1"):
        h = vg.tanh(x * 2.0)
    out = vg.sum(h * b)
    drawing = vg.graph(out)
    expanded = parse(drawing.to_svg())
    assert "s0" in groups(expanded, "cluster")
    assert "layer1" in texts(groups(expanded, "cluster")["s0"])
    collapsed = parse(drawing.to_svg(collapse=["s0"]))
    assert "s0" in groups(collapsed, "node") and "s0" not in groups(collapsed, "cluster")
    # the edge out of the box is still drawn, with the value that flowed along it
    titles = [g.find(f"{SVG}title").text for g in groups(collapsed, "edge").values()]
    assert any(t.startswith("s0->") for t in titles)


def test_export_svg_and_save_steps_write_files(tmp_path):
    x, y = vg.Variable(3.0, name="x"), vg.Variable(4.0, name="y")
    f = x * x * y + y + 2
    path = vg.export_svg(f, tmp_path / "f.svg")
    assert "∂f/∂x = 24" in texts(parse(path.read_text()), fill=ORANGE)
    paths = vg.graph(f).save_steps(tmp_path / "steps")
    assert [p.name for p in paths] == [f"step_{i:02d}.svg" for i in range(5)]
    assert texts(parse(paths[0].read_text()), fill=ORANGE) == []


def test_a_notebook_shows_a_graph_as_svg():
    bundle = worked_example()._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    assert "Graph of 'f'" in bundle["text/plain"]


def test_an_unknown_engine_is_a_clear_error():
    with pytest.raises(vg.RenderError, match="unknown engine 'neato'.*graphviz-pure, dot"):
        render_svg("digraph { a }", engine="neato")


def test_broken_dot_reports_graphvizs_message():
    with pytest.raises(vg.RenderError, match="failed.*syntax error"):
        render_svg("digraph { a -> }")


def test_a_layout_that_takes_too_long_stops_with_advice():
    chain = "digraph {" + " ".join(f"n{i} -> n{i + 1};" for i in range(3000)) + "}"
    with pytest.raises(vg.RenderError, match="longer than .* collapsed"):
        render_svg(chain, timeout=0.01)


def test_the_default_engine_is_the_bundled_graphviz():
    assert find_engine().endswith("graphviz-pure")
    svg = render_svg("digraph { a }")
    assert "graphviz version 16.1.0" in svg


def scalar_mlp(width: int, depth: int) -> vg.Tensor:
    """An unrolled MLP of scalar ops: every input feeds every neuron of the next layer."""
    values = [vg.Variable(0.1 * (i + 1)) for i in range(width)]
    for layer in range(depth):
        outputs = []
        for j in range(width):
            terms = [vg.Variable(0.3 - 0.05 * ((i + j + layer) % 7)) * v
                     for i, v in enumerate(values)]
            total = terms[0]
            for term in terms[1:]:
                total = total + term
            outputs.append(vg.tanh(total + vg.Variable(0.01 * j)))
        values = outputs
    loss = values[0]
    for v in values[1:]:
        loss = loss + v
    return loss


@pytest.mark.parametrize("engine", ENGINES)
def test_a_large_graph_expanded_into_many_groups_still_lays_out(engine):
    drawing = vg.graph(scalar_mlp(width=6, depth=3))
    assert len(drawing.nodes) > 300 and len(drawing.scopes) > 30
    root = parse(drawing.to_svg(collapse=[], engine=engine))
    assert len(groups(root, "cluster")) == len(drawing.scopes)
    assert len([k for k in groups(root, "node") if k.startswith("n")]) == len(drawing.nodes)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", ["\\Gamma", "C:\\Temp\\Net", "\\N\\G\\E\\T\\H\\L\\l\\r\\n"])
def test_a_name_with_backslashes_shows_exactly_as_given(engine, name):
    # Graphviz expands \G, \N, \l ... inside labels: "\Gamma" used to draw "vizgradamma"
    x = vg.Variable(2.0, name=name)
    with vg.scope(name):
        y = x * 3
    svg = vg.graph(y).to_svg(collapse=[], engine=engine)
    shown = texts(parse(svg))
    assert name in shown                                  # the node's title
    assert shown.count(name) >= 2                         # and the scope's
    assert f"∂f/∂{name} = 3" in texts(parse(svg), fill=ORANGE)
