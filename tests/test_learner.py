"""The learner's tools: gradcheck(show=True), explore, and quiz mode's Python side."""

import json
import math
import re

import pytest

import vizgrad as vg
from vizgrad.drawing.render import render_svg


@vg.custom_gradient
def square_wrong(x):
    """x², with the factor 2 forgotten in its gradient."""
    return x * x, lambda dy: dy * x


@vg.custom_gradient
def cube(x):
    """x³ with a correct gradient."""
    return x * x * x, lambda dy: dy * 3 * x * x


def wrong_inside(a, b):
    return vg.tanh(square_wrong(a) * b) + cube(b)


def numbers(text):
    return [float(n) for n in re.findall(r"-?\d+\.?\d*(?:e-?\d+)?", text)]


def test_gradcheck_show_finds_the_one_wrong_custom_gradient_on_its_own_node():
    a, b = 0.7, -0.4
    widget = vg.gradcheck(wrong_inside, [vg.tensor(a), vg.tensor(b)], show=True)
    data = widget.data
    flagged = [n for n in data.nodes if n.flagged]
    assert [n.label for n in flagged] == ["square_wrong1"]  # the correct cube is not flagged
    (mark,) = [note for note in flagged[0].notes if note["mark"]]
    assert "numerical" in mark["text"]
    # both numbers: what the rule sent, and the true gradient (by hand: d/da tanh(a²b))
    sent, true = numbers(mark["text"].split("sent")[1])[:2]
    upstream = 1 - math.tanh(a * a * b) ** 2
    assert sent == pytest.approx(upstream * b * a, rel=1e-3)  # dy * x, times ∂(ab)/∂a = b
    assert true == pytest.approx(upstream * b * 2 * a, rel=1e-3)
    # drawn on the node, explained in its step
    assert "wrong rule for a" in data.to_dot()
    step = next(s for s in data.steps if s.node == flagged[0].id)
    assert any("numerical" in line and "wrong" in line for line in step.lines)
    # every other op shows its analytic gradients next to numerical ones, agreeing
    for node in data.nodes:
        if node.kind == "op" and not node.flagged and node.label != "f":
            assert any("(agree)" in (note["text"] or "") for note in node.notes), node.label


def test_gradcheck_show_points_at_a_wrong_rule_not_at_the_ops_before_it():
    @vg.custom_gradient
    def double_wrong(x):
        return 2 * x, lambda dy: 3 * dy

    def f(x):
        return double_wrong(vg.sin(x) * x)

    data = vg.gradcheck(f, [vg.tensor([0.5, 1.5])], show=True).data
    assert [n.label for n in data.nodes if n.flagged] == ["double_wrong1"]


def test_gradcheck_without_show_keeps_its_behaviour():
    assert vg.gradcheck(lambda x: cube(x) * 2, [vg.tensor(0.3)]) is True
    with pytest.raises(vg.GradcheckError, match="analytic"):
        vg.gradcheck(wrong_inside, [vg.tensor(0.7), vg.tensor(-0.4)])


def test_gradcheck_show_of_a_correct_graph_flags_nothing():
    data = vg.gradcheck(lambda w, x: vg.sum(vg.matmul(w, x) ** 2),
                        [vg.tensor([[1., 2.]]), vg.tensor([[9.], [10.]])], show=True).data
    assert not any(n.flagged for n in data.nodes)
    assert [n.label for n in data.nodes if n.kind == "variable"] == ["w", "x"]


def seed_f(x, y):
    return x * x * y + y + 2


def drawn_shapes(svg):
    return re.findall(r"<(?:polygon|ellipse|path)[^>]*>", svg)


def test_explore_predicts_with_the_gradient_and_measures_the_change():
    e = vg.explore(seed_f, x=3.0, y=4.0)
    assert e.predicted_change == 0 and e.actual_change == 0
    e.set(x=3.1)
    assert e.predicted_change == pytest.approx(2.4)
    assert e.actual_change == pytest.approx(seed_f(3.1, 4.0) - seed_f(3.0, 4.0))
    assert e.actual_change == pytest.approx(2.44)
    x = next(n for n in e.data.nodes if n.label == "x")
    assert (x.value, x.grad) == ("3.1", "24.8")  # the new Graph, at the new inputs
    assert "Reference point: x = 3, y = 4" in e.summary()
    assert "2.4" in e.panel.value and "2.44" in e.panel.value
    assert e.sliders["x"].value == pytest.approx(3.1)  # the controls follow set()


def test_explore_redraws_numbers_without_moving_the_layout():
    e = vg.explore(seed_f, x=3.0, y=4.0)
    before_svg, before_dot = e.view.svg, e.view.dot
    e.sliders["y"].value = 5.5  # as a learner drags the slider
    assert e.inputs["y"] == 5.5
    strip = lambda dot: re.sub(r"label=<.*?>>(?=[ ,;\]])", "", dot)  # noqa: E731
    assert strip(e.view.dot) == strip(before_dot)  # the same DOT structure
    assert e.view.dot != before_dot and e.view.svg != before_svg  # new numbers
    assert drawn_shapes(e.view.svg) == drawn_shapes(before_svg)  # nodes and edges stay
    # laid out afresh, the new numbers would have moved them
    assert drawn_shapes(render_svg(e.view.dot)) != drawn_shapes(before_svg)
    assert "5.5" in e.view.svg


def test_explore_across_a_relu_kink_shows_where_the_linear_picture_breaks():
    e = vg.explore(lambda w, x: vg.relu(w * x - 1.0), w=0.5, x=1.0)
    e.set(w=3.0)
    assert e.predicted_change == 0.0  # the gradient is 0 left of the kink
    assert e.actual_change == pytest.approx(2.0)


def test_explore_errors_name_the_input_and_the_fix():
    with pytest.raises(vg.ArgumentError, match="no input 'z'.*e.set"):
        vg.explore(seed_f, x=3.0, y=4.0).set(z=1.0)
    with pytest.raises(vg.ArgumentError, match="w=.*not one number"):
        vg.explore(lambda w: w, w=[1.0, 2.0])
    with pytest.raises(vg.ArgumentError, match="name each of f's parameters"):
        vg.explore(seed_f, a=1.0, b=2.0)


def test_quiz_mode_is_a_synced_trait_and_goes_into_the_page(tmp_path):
    x = vg.Variable(3.0, name="x")
    y = vg.Variable(4.0, name="y")
    f = x * x * y + y + 2
    widget = vg.show(f, quiz=True)
    assert widget.get_state()["quiz"] is True
    assert vg.show(f).get_state()["quiz"] is False
    page = vg.export_html(f, tmp_path / "quiz.html", quiz=True).read_text()
    data = json.loads(re.search(r'id="vizgrad-data">(.*?)</script>', page, re.S).group(1))
    assert data["quiz"] is True
    assert json.loads(re.search(r'id="vizgrad-data">(.*?)</script>',
                                widget.save_html(tmp_path / "w.html").read_text(),
                                re.S).group(1))["quiz"] is True


def test_only_a_widget_in_quiz_mode_carries_the_quiz_code():
    from vizgrad.frontends.widget import KERNEL_LAYOUT_BUNDLE, QUIZ_BUNDLE, kernel_can_lay_out
    if not kernel_can_lay_out():
        pytest.skip("without a Graphviz engine here every widget gets the full bundle")
    x = vg.Variable(3.0, name="x")
    f = x * x
    plain = vg.show(f)
    light = KERNEL_LAYOUT_BUNDLE.read_text(encoding="utf-8")
    assert plain.get_state()["_esm"] == light  # a saved notebook stays as light as before
    plain.quiz = True  # as the view's Quiz button does
    assert plain.get_state()["_esm"] == QUIZ_BUNDLE.read_text(encoding="utf-8")
    assert vg.show(f, quiz=True).get_state()["_esm"] != light
    assert "Your answer" not in light and "Your answer" in plain.get_state()["_esm"]


def test_the_chain_rule_lines_hold_both_factors_and_the_answer():
    # quiz mode reads "... = upstream · local = result" from each step's lines
    x = vg.Variable(3.0, name="x")
    y = vg.Variable(4.0, name="y")
    f = x * x * y + y + 2
    lines = [line for s in vg.graph(f, names=locals()).steps for line in s.lines]
    assert "∂f/∂mul1 = ∂f/∂mul2 · ∂mul2/∂mul1 = 1 · 4 = 4" in lines
