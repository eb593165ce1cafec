"""The graph as data: what every drawing and the widget show."""

import html
import json

import numpy as np
import pytest

import vizgrad as vg
from vizgrad.drawing.group import COLLAPSE_LIMIT


def worked_example() -> vg.Graph:
    x, y = vg.Variable(3.0), vg.Variable(4.0)
    f = x * x * y + y + 2
    f.backward()
    return vg.graph(f, names={"x": x, "y": y, "f": f})


def test_worked_example_gradients_and_values():
    drawing = worked_example()
    x, y = drawing.find("x"), drawing.find("y")
    assert (x.value, x.grad, y.value, y.grad) == ("3", "24", "4", "10")
    assert x.kind == y.kind == "variable"
    assert drawing.find("2").kind == "constant"          # a literal is drawn by its value
    output = drawing.node(drawing.target)
    assert (output.kind, output.label, output.value, output.grad) == ("output", "f", "42", "1")
    assert drawing.target_name == "f"


def test_each_step_is_one_op_of_the_real_backward_pass():
    drawing = worked_example()
    assert [s.title for s in drawing.steps] == [
        "Step 0: the forward pass",
        "Step 1: backpropagate through add (add2)",       # the op, not a second "f"
        "Step 2: backpropagate through add (add1)",
        "Step 3: backpropagate through multiply (mul2)",
        "Step 4: backpropagate through multiply (mul1)",
    ]
    assert drawing.steps[3].lines[1] == "∂f/∂mul1 = ∂f/∂mul2 · ∂mul2/∂mul1 = 1 · 4 = 4"
    assert drawing.steps[3].lines[-1] == (
        "y is used 2 times, so its total gradient is the sum of the contributions: "
        "∂f/∂y = 9 + 1 = 10")
    # each path's part is called a contribution, never written as if it were the total
    assert drawing.steps[3].lines[2] == (
        "contribution to ∂f/∂y through mul2: ∂f/∂mul2 · ∂mul2/∂y = 1 · 9 = 9")
    assert drawing.steps[-1].lines[-1] == "Done: ∂f/∂x = 24, ∂f/∂y = 10"
    # a gradient is shown from the step that computed it
    assert drawing.find("x").grad_step == 4 and drawing.find("y").grad_step == 3


def test_the_json_form_has_what_the_widget_reads():
    data = json.loads(json.dumps(worked_example().to_dict()))
    node_keys = {"id", "kind", "label", "value", "grad", "grad_step", "detail", "scope",
                 "greyed", "unconnected", "outside_tape", "nonfinite"}
    edge_keys = {"id", "source", "target", "value", "grad", "grad_step", "detail", "nonfinite"}
    assert node_keys <= set(data["nodes"][0]) and edge_keys <= set(data["edges"][0])
    assert {"index", "node", "title", "lines", "edges"} <= set(data["steps"][1])
    assert {"nodes", "edges", "steps", "scopes", "target", "target_name", "colors",
            "note"} <= set(data)
    assert data["colors"]["value"] != data["colors"]["grad"]
    assert data["last_step"] == 4
    assert data["nodes"][0]["detail"] == {"value": "shape (), float64\n3",
                                          "grad": "shape (), float64\n24"}


def test_a_tensor_used_twice_shows_each_contribution_and_their_sum():
    x = vg.Variable(2.0, name="x")
    y = 3 * x + 5 * x
    y.backward()
    drawing = vg.graph(y, names={"y": y})
    x_node = drawing.find("x")
    leaving = [e for e in drawing.edges if e.source == x_node.id]
    assert sorted(e.grad for e in leaving) == ["3", "5"]
    assert x_node.grad == "8" and x_node.fan_out == 2
    assert any("∂y/∂x = 3 + 5 = 8" in line or "∂y/∂x = 5 + 3 = 8" in line
               for step in drawing.steps for line in step.lines)
    dot = drawing.to_dot()
    # each edge names whose gradient it carries a part of; the box holds the total
    assert "∂y/∂x += 3<" in dot and "∂y/∂x += 5<" in dot and "∂y/∂x = 8<" in dot


def test_an_op_output_used_twice_shows_its_summed_gradient():
    x = vg.Variable([2.0, 3.0], name="x")
    h = x * 2
    y = vg.sum(h * h[1])
    drawing = vg.graph(y, names={"h": h, "y": y})
    h_node = drawing.find("h")
    assert h_node.fan_out == 2 and h_node.grad == "[6, 16]"
    assert "∂y/∂h = [6, 16]" in drawing.to_dot() and "Σ∂" not in drawing.to_dot()


def test_a_value_too_big_to_list_is_summarised():
    big = vg.Variable(np.arange(10_000.0).reshape(100, 100), name="big")
    drawing = vg.graph(vg.mean(big))
    node = drawing.find("big")
    assert node.value == "(100, 100) mean 5000 [0, 9999]"
    assert node.grad == "(100, 100) all 0.0001"
    assert node.shape == (100, 100) and node.dtype == "float64"
    # the click-for-details text is bounded too
    assert len(node.detail["value"]) < 2_000


def test_small_tensors_show_every_value_numpy_style():
    w1 = vg.Variable([[1.0, 2.0]], name="w1")
    y = vg.matmul(w1, vg.constant([[9.0], [10.0]]))
    drawing = vg.graph(y)
    assert drawing.find("w1").grad == "[[9, 10]]"
    assert drawing.find("const1").value == "[[9],\n [10]]"
    values = vg.Variable([-0.5, 1 / 3, 12345.678, 1e-7], name="v")
    assert vg.graph(vg.sum(values)).find("v").value == "[-0.5, 0.3333, 1.235e+04, 1e-07]"


def test_nan_is_marked_where_it_first_appears():
    x = vg.Variable(-1.0, name="x")
    with np.errstate(invalid="ignore"):
        y = vg.log(x) * 2 + 1
    drawing = vg.graph(y, names={"y": y})
    marked = [n.label for n in drawing.nodes if n.nonfinite]
    assert marked == ["log1"]                      # not every node after it
    assert drawing.find("log1").value == "nan"
    assert "NaN/inf appears here" in drawing.to_dot()


def test_an_infinite_gradient_is_marked_on_the_edge_where_it_first_appears():
    x = vg.Variable(0.0, name="x")
    y = vg.sqrt(x) * 3 + 1
    with np.errstate(divide="ignore"):
        drawing = vg.graph(y)
    marked = [e for e in drawing.edges if e.nonfinite]
    assert [(drawing.node(e.source).label, e.grad) for e in marked] == [("x", "inf")]
    assert drawing.find("x").grad == "inf"
    # the highlight shows from the step the gradient arrives, not before
    first = marked[0].grad_step
    assert 'BGCOLOR="#ffd0d0"' in drawing.to_dot(first)
    assert 'BGCOLOR="#ffd0d0"' not in drawing.to_dot(first - 1)


def test_an_unused_source_is_drawn_unconnected():
    w1 = vg.Variable([[1.0, 2.0]], name="w1")
    w2 = vg.Variable([[3.0, 4.0]], name="w2")
    y = vg.matmul(w1, vg.constant([[9.0], [10.0]]))
    assert vg.gradients(y, [w1, w2])[1] is None
    drawing = vg.graph(y, names={"y": y})
    w1_node, w2_node = drawing.find("w1"), drawing.find("w2")
    assert w2_node.unconnected and w2_node.greyed and w2_node.grad is None
    assert not w1_node.unconnected and w1_node.grad == "[[9, 10]]"
    assert "w2 is unconnected" in " ".join(drawing.steps[0].lines)
    assert "unconnected: no path to y" in drawing.to_dot()


def tape_example(index_inside: bool) -> tuple[vg.Graph, object]:
    w = vg.Variable([[1.0, 2.3], [4.5, 6.7]], name="w")
    x = vg.constant([[1.2], [2.3]], name="x")
    with vg.GradientTape() as tape:
        y = vg.matmul(w, x)
        if index_inside:
            y0 = y[0]
    if not index_inside:
        y0 = y[0]
    d = tape.gradient(y0, w)
    return vg.graph(y0, names={"y": y, "y0": y0}), d


def test_an_op_taken_outside_the_tape_is_marked():
    drawing, d = tape_example(index_inside=False)
    assert d is None
    marked = [n for n in drawing.nodes if n.outside_tape]
    assert [n.op for n in marked] == ["getitem"]
    assert drawing.find("w").unconnected
    assert "ran outside the GradientTape" in " ".join(drawing.steps[0].lines)
    dot = drawing.to_dot()
    assert "outside the tape" in dot
    assert "unconnected: no gradient reaches it" in dot  # w is on a path, but not the tape's


def test_the_same_op_inside_the_tape_carries_the_gradient():
    drawing, d = tape_example(index_inside=True)
    np.testing.assert_allclose(np.asarray(d), [[1.2, 2.3], [0.0, 0.0]])
    assert not any(n.outside_tape for n in drawing.nodes)
    assert drawing.find("w").grad == "[[1.2, 2.3],\n [0, 0]]"


def test_names_come_from_name_then_the_namespace_then_the_op():
    a = vg.Variable(1.0, name="alpha")
    b = vg.Variable(2.0)
    c = a * b + b
    drawing = vg.graph(c, names={"a": a, "b": b, "c": c})
    labels = [n.label for n in drawing.nodes]
    assert labels == ["alpha", "b", "mul1", "add1", "c"]   # the op that makes c, then c
    anonymous = vg.graph(a * b + b)
    assert [n.label for n in anonymous.nodes] == ["alpha", "var1", "mul1", "add1", "f"]


def test_a_later_optimizer_step_does_not_change_the_drawing():
    X = vg.constant([-1.0, -2.0], name="X")
    w = vg.Variable([2.0, 3.0], name="w")
    Y = w * X
    cost = Y[1] * Y
    vg.optim.SGD([w], lr=1).minimize(cost)
    np.testing.assert_array_equal(w.numpy(), [-4.0, -25.0])
    drawing = vg.graph(cost)
    # drawn as it was when it ran, with the gradient that moved it
    assert drawing.find("w").value == "[2, 3]"
    assert drawing.find("w").grad == "[6, 28]"
    before = drawing.to_dot()
    w2 = vg.Variable(1.0)
    vg.optim.SGD([w], lr=1).minimize(vg.sum(w * w2))
    assert drawing.to_dot() == before


def test_extra_tensors_off_the_path_are_greyed():
    x = vg.Variable(2.0, name="x")
    y = x * 3
    z = x + 100
    drawing = vg.graph(y, extra=[z], names={"y": y, "z": z})
    assert drawing.find("z").greyed and not drawing.find("x").greyed


def test_scopes_are_recorded_and_small_graphs_start_expanded():
    x = vg.Variable([1.0, 2.0], name="x")
    with vg.scope("layer1"):
        h = vg.tanh(x * 2.0)
    with vg.scope("layer2"):
        out = vg.sum(h * 3.0)
    drawing = vg.graph(out)
    assert [(s.id, s.name, s.collapsed) for s in drawing.scopes] == [
        ("s0", "layer1", False), ("s1", "layer2", False)]
    assert drawing.default_collapsed() == [] and drawing.note == ""
    assert drawing.node(drawing.find("x").id).scope == "s0"


def test_a_20000_op_chain_builds_collapsed_into_about_forty_groups(long_chain):
    drawing = long_chain
    assert len(drawing.nodes) == 20_002 > COLLAPSE_LIMIT
    assert len(drawing.steps) == 20_001
    assert 30 <= len(drawing.default_collapsed()) <= 41
    assert sum(s.size for s in drawing.scopes) == 20_001   # every op and x, in some group
    assert "20,002 nodes" in drawing.note and "collapsed" in drawing.note


def test_asking_for_a_step_that_does_not_exist_says_which_exist():
    drawing = worked_example()
    with pytest.raises(vg.ArgumentError, match="steps 0 to 4"):
        drawing.to_dot(5)
    with pytest.raises(vg.ArgumentError, match="must be an integer"):
        drawing.to_dot("last")


def test_graph_of_something_else_says_what_to_pass():
    with pytest.raises(vg.ArgumentError, match="vg.graph\\(loss\\)"):
        vg.graph(3.0)


def test_a_large_unscoped_graph_is_grouped_so_it_reads_left_to_right():
    # an unrolled MLP of scalar ops: every value feeds every neuron of the next layer
    values = [vg.Variable(0.1 * (i + 1)) for i in range(6)]
    for _ in range(4):
        values = [vg.tanh(vg.sum(vg.stack([vg.Variable(0.2) * v for v in values])))
                  for _ in range(6)]
    drawing = vg.graph(vg.sum(vg.stack(values)))
    assert len(drawing.nodes) > COLLAPSE_LIMIT
    order = {s.id: i for i, s in enumerate(drawing.scopes)}
    assert drawing.scopes[0].name.startswith("ops 1–")
    scope_of = {n.id: n.scope for n in drawing.nodes}
    between = [(scope_of[e.source], scope_of[e.target]) for e in drawing.edges
               if scope_of[e.source] and scope_of[e.target]
               and scope_of[e.source] != scope_of[e.target]]
    assert between and all(order[a] < order[b] for a, b in between)
    # groups are bands of depth: each links to a few next ones, so the collapsed
    # drawing has few arrows (grouped in creation order, it had 146 for 37 boxes)
    assert len(set(between)) < 2 * len(drawing.scopes)


def test_a_tensor_in_stop_gradients_is_marked_and_explained():
    a = vg.Variable(2.0, name="a")
    b = vg.multiply(a, a)
    b.name = "b"
    s = vg.add(b, a)
    s.name = "s"
    (grad_a,) = vg.gradients(s, [a], stop_gradients=[b])
    assert grad_a.item() == 1.0
    drawing = vg.graph(s)
    assert drawing.find("b").stopped
    assert not drawing.find("a").stopped
    assert any("b is in stop_gradients" in line for line in drawing.steps[0].lines)
    assert "stop_gradients: a constant here" in drawing.to_svg()


# -- explanations that name their sums ----------------------------------------------------
def lines_of(drawing: vg.Graph) -> list[str]:
    return [line for step in drawing.steps for line in step.lines]


def test_backward_from_a_vector_says_it_sums_the_entries():
    X = vg.constant([-1.0, -2.0], name="X")
    w = vg.Variable([2.0, 3.0], name="w")
    Y = w * X
    cost = Y[1] * Y
    drawing = vg.graph(cost, names={"Y": Y, "cost": cost})
    assert drawing.steps[1].lines[0].startswith(
        "∂cost/∂cost = [1, 1]: backward from a vector sums its entries, as TensorFlow does")
    assert "∂cost/∂cost = [1, 1]" in drawing.steps[0].lines[1]


def test_a_sum_over_broadcast_rows_is_named():
    A = vg.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], name="A")
    b = vg.Variable([10.0, 20.0, 30.0], name="b")
    z = vg.reduce_sum(A * b)
    drawing = vg.graph(z, names={"z": z})
    line = next(li for li in lines_of(drawing) if li.startswith("∂z/∂b = "))
    assert "⊙ (A), summed over the 2 rows because b was broadcast = [5, 7, 9]" in line
    # and the sum's own step says its gradient is copied to every entry
    assert any("copied to each of the 6 entries" in li for li in lines_of(drawing))


def test_elementwise_and_matrix_products_have_their_own_symbols():
    w = vg.Variable([[1.0, 2.0]], name="w")
    x = vg.constant([[9.0], [10.0]], name="x")
    v = vg.Variable([1.0, 2.0], name="v")
    loss = vg.sum(vg.matmul(w, x)) + vg.sum(v * v)
    lines = lines_of(vg.graph(loss))
    matrix = next(li for li in lines if li.startswith("∂f/∂w = "))
    elementwise = next(li for li in lines if "∂f/∂v through" in li)
    assert " @ xᵀ" in matrix and "⊙" not in matrix and " · " not in matrix
    assert " ⊙ " in elementwise and "@" not in elementwise and " · " not in elementwise


def test_the_sum_into_an_op_used_twice_is_explained():
    X = vg.Variable(np.ones((2, 2)), name="X")
    s = vg.reduce_sum(X)
    y = s**2 + s - 1
    drawing = vg.graph(y, names={"s": s, "y": y})
    assert any(li.startswith("s is used 2 times, so its total gradient is the sum of the "
                             "contributions: ∂y/∂s = ")
               and li.endswith("= 9") for li in lines_of(drawing))   # 2s + 1 at s = 4


def test_a_literal_is_drawn_by_its_value_and_no_label_is_the_outputs_twice():
    x = vg.Variable(3.0, name="x")
    f = x * 2 + 0.5
    drawing = vg.graph(f, names={"x": x, "f": f})
    labels = [n.label for n in drawing.nodes]
    assert "2" in labels and "0.5" in labels and not any(lb.startswith("const") for lb in labels)
    assert labels.count("f") == 1 and drawing.node(drawing.target).label == "f"


# -- values ---------------------------------------------------------------------------------
def test_a_4x4_matrix_shows_whole_and_max_values_is_configurable():
    m = vg.Variable(np.arange(16.0).reshape(4, 4), name="m")
    loss = vg.sum(m * m)
    assert vg.graph(loss).find("m").value.startswith("[[0, 1, 2, 3],\n [4, 5, 6, 7],")
    assert vg.graph(loss, max_values=8).find("m").value == "(4, 4) mean 7.5 [0, 15]"
    previous = vg.set_options(max_values=4)
    try:
        assert vg.graph(loss).find("m").value == "(4, 4) mean 7.5 [0, 15]"
    finally:
        vg.set_options(**previous)
    with pytest.raises(vg.ArgumentError, match="max_values must be a positive integer"):
        vg.set_options(max_values=0)
    with pytest.raises(vg.ArgumentError, match="unknown option 'max_value'"):
        vg.set_options(max_value=3)


def test_rounding_noise_shows_as_zero():
    noisy = vg.Variable([1.0, -2.168e-20, 3.0], name="noisy")
    assert vg.graph(vg.sum(noisy)).find("noisy").value == "[1, 0, 3]"
    big = vg.Variable([0.1, 0.2, -0.3] * 6, name="big")   # its mean is 1.5e-17 in floats
    assert np.mean(big.numpy()) != 0
    assert vg.graph(vg.sum(big)).find("big").value == "(18,) mean 0 [-0.3, 0.2]"
    tiny = vg.Variable(1e-20, name="tiny")          # alone, a small number is its own scale
    assert vg.graph(tiny * 1).find("tiny").value == "1e-20"


def test_a_pytorch_tensor_is_drawn_from_the_trace_pytorch_recorded(tmp_path):
    torch = pytest.importorskip("torch")
    import vizgrad.torch as vt
    w = torch.tensor([2.0, -1.0], requires_grad=True)
    with vt.record():
        loss = (w * w).sum()
    loss.backward()
    drawing = vg.graph(loss, names={"w": w, "loss": loss})
    assert drawing.find("w").grad == "[4, -2]" and drawing.target_name == "loss"
    assert any("w is used 2 times" in line for line in lines_of(drawing))
    path = vg.export_svg(loss, tmp_path / "loss.svg", names={"w": w, "loss": loss})
    assert "∂loss/∂w = [4, -2]" in html.unescape(path.read_text())


def test_the_where_step_names_the_condition_and_each_side():
    # where(c, x, y): the condition is the op's first input, x and y the two sides
    x, y = vg.Variable([1.0, 2.0], name="x"), vg.Variable([3.0, 4.0], name="y")
    c = vg.tensor(np.array([True, False]), name="c")
    lines = lines_of(vg.graph(vg.where(c, x, y).sum()))
    assert "∂f/∂x = ∂f/∂where1 ⊙ ∂where1/∂x = [1, 1] ⊙ ([c]) = [1, 0]" in lines
    assert "∂f/∂y = ∂f/∂where1 ⊙ ∂where1/∂y = [1, 1] ⊙ ([not c]) = [0, 1]" in lines
