"""Forward mode: every op's J·v against central differences, and the textbook's Table 2.

Table 2 of Baydin, Pearlmutter, Radul and Siskind, "Automatic Differentiation in Machine
Learning: a Survey", JMLR 18 (2018): f(x1, x2) = ln(x1) + x1·x2 − sin(x2) at (2, 5)
with ẋ = (1, 0) gives ẏ = 5.5.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import traitlets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vizgrad as vg
from tests.test_ops import CASES, drawn_case


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_ops_jvp_matches_central_differences(name, data):
    rng, arrays, call, floats = drawn_case(name, data)
    tangents = {i: rng.normal(size=arrays[i].shape) for i in floats}
    moving = tangents if CASES[name].gradient != "none" else {}

    inputs = [vg.tensor(a) for a in arrays]
    y = call(vg, *inputs)
    from vizgrad.core.forward import forward_pass
    result = forward_pass(y, {inputs[i]._id: t for i, t in moving.items()})
    tangent = result.tangents.get(y._id)

    eps = 1e-6
    with vg.no_grad():
        plus = call(vg, *[vg.tensor(a + eps * tangents[i]) if i in moving else vg.tensor(a)
                          for i, a in enumerate(arrays)]).numpy()
        minus = call(vg, *[vg.tensor(a - eps * tangents[i]) if i in moving else vg.tensor(a)
                           for i, a in enumerate(arrays)]).numpy()
    if y.dtype.kind != "f":        # comparisons: no tangent at all
        assert tangent is None
        return
    numeric = (plus.astype(np.float64) - minus) / (2 * eps)
    assert tangent.shape == y.shape
    np.testing.assert_allclose(tangent, numeric, rtol=1e-5, atol=1e-6)


def baydin(x1, x2):
    return vg.log(x1) + x1 * x2 - vg.sin(x2)


def test_table_2_exactly():
    y, y_dot = vg.jvp(baydin, (2.0, 5.0), (1.0, 0.0))
    assert round(y.item(), 3) == 11.652
    assert float(y_dot) == 5.5
    _, along_x2 = vg.jvp(baydin, (2.0, 5.0), (0.0, 1.0))
    assert float(along_x2) == pytest.approx(2 - np.cos(5.0))       # x1 − cos x2


def test_jvp_agrees_with_the_gradient_in_every_direction():
    rng = np.random.default_rng(0)
    x = rng.normal(size=3)
    f = lambda v: vg.sum(vg.tanh(v) * v[0])   # noqa: E731
    gradient = vg.grad(f)(x)
    for _ in range(3):
        direction = rng.normal(size=3)
        _, tangent = vg.jvp(f, (x,), (direction,))
        assert float(tangent) == pytest.approx(float(gradient @ direction), rel=1e-12)


def test_jvp_refuses_bad_arguments_with_the_fix():
    with pytest.raises(vg.ArgumentError, match="as tuples.*vg.jvp\\(f, \\(x,\\), \\(v,\\)\\)"):
        vg.jvp(baydin, 2.0, 1.0)
    with pytest.raises(vg.ArgumentError, match="2 primals but 1 tangents"):
        vg.jvp(baydin, (2.0, 5.0), (1.0,))
    with pytest.raises(vg.ShapeError, match="tangents\\[0\\] has shape \\(2,\\)"):
        vg.jvp(lambda x: x * 2, (3.0,), (np.ones(2),))
    with pytest.raises(vg.DtypeError, match="primals\\[0\\]"):
        vg.jvp(lambda x: x * 2, (np.array([1, 2]),), (np.array([1, 2]),))


def test_stop_gradient_stops_the_tangent_too():
    _, tangent = vg.jvp(lambda x: x * vg.stop_gradient(x), (3.0,), (1.0,))
    assert float(tangent) == 3.0


# -- forward mode drawn on the recorded graph --------------------------------------------------
def paper_trace():
    """Table 2's primal trace with the paper's names (as notebook 11 writes Table 3's)."""
    v_1 = vg.Variable(2.0, name="v₋₁")
    v0 = vg.Variable(5.0, name="v₀")
    v1 = vg.log(v_1)
    v1.name = "v₁"
    v2 = v_1 * v0
    v2.name = "v₂"
    v3 = vg.sin(v0)
    v3.name = "v₃"
    v4 = v1 + v2
    v4.name = "v₄"
    v5 = v4 - v3
    v5.name = "v₅"
    return v5


DOT = "\u0307"   # the combining dot over a tangent's name


def test_table_2_stepped_one_op_per_step_with_the_numbers():
    drawing = vg.graph(paper_trace(), mode="forward", seed={"v₋₁": 1.0})
    lines = [step.lines[0] for step in drawing.steps[1:]]
    assert lines == [
        f"v{DOT}₁ = v{DOT}₋₁·(1/v₋₁) = 1·0.5 = 0.5",
        f"v{DOT}₂ = v{DOT}₋₁·v₀ + v{DOT}₀·v₋₁ = 1·5 + 0·2 = 5",
        f"v{DOT}₃ = v{DOT}₀·cos(v₀) = 0·0.2837 = 0",
        f"v{DOT}₄ = v{DOT}₁ + v{DOT}₂ = 0.5 + 5 = 5.5",
        f"v{DOT}₅ = v{DOT}₄ + v{DOT}₃·(−1) = 5.5 + 0·(−1) = 5.5",
    ]
    assert drawing.steps[-1].lines[-1].startswith(f"Done: v{DOT}₅ = 5.5")
    assert drawing.find("v₋₁").grad == "1" and drawing.find("v₀").grad == "0"
    assert [step.node for step in drawing.steps[1:]] == ["n2", "n3", "n4", "n5", "n6"]
    assert drawing.to_dict()["mode"] == "forward"


def test_both_modes_draw_the_same_nodes_and_edges():
    y = paper_trace()
    reverse, forward = vg.graph(y), vg.graph(y, mode="forward", seed={"v₀": 1.0})
    assert [(n.id, n.label, n.kind) for n in reverse.nodes] == \
        [(n.id, n.label, n.kind) for n in forward.nodes]
    assert [(e.id, e.source, e.target) for e in reverse.edges] == \
        [(e.id, e.source, e.target) for e in forward.edges]
    assert float(forward.nodes[-1].grad) == pytest.approx(2 - np.cos(5.0), abs=5e-4)
    # a tangent is written as such on the drawing: v̇₀ = 1, never ∂f/∂v₀
    dot = forward.to_dot()
    assert f"v{DOT}₀ = 1" in dot and "∂v₅/∂" not in dot


def _boxes(svg: str) -> list[str]:
    """Every shape's coordinates in an SVG (the texts left out)."""
    return re.findall(r'(?:points|cx|cy|d)="([^"]+)"', svg)


def test_the_widget_switches_mode_without_moving_a_box():
    widget = vg.show(paper_trace())
    assert widget.mode == "reverse"
    before = _boxes(widget.svg)
    widget.step = 2
    widget.mode = "forward"
    assert widget.graph["mode"] == "forward" and widget.step == 2
    assert widget.data.steps[2].lines[0].startswith(f"v{DOT}₂ = ")
    assert _boxes(widget.svg) == before
    widget.mode = "reverse"
    assert widget.data.steps[-1].lines[-1] == "Done: ∂v₅/∂v₋₁ = 5.5, ∂v₅/∂v₀ = 1.716"
    assert _boxes(widget.svg) == before


def test_show_with_a_seed_opens_in_forward_mode():
    widget = vg.show(paper_trace(), seed={"v₀": 1.0})
    assert widget.mode == "forward"
    assert widget.data.steps[-1].lines[-1].startswith(f"Done: v{DOT}₅ = 1.716")


def test_forward_mode_names_a_bad_seed_with_the_fix():
    y = paper_trace()
    with pytest.raises(vg.ArgumentError, match="seed names 'x9'.*v₀, v₋₁"):
        vg.graph(y, mode="forward", seed={"x9": 1.0})
    with pytest.raises(vg.ArgumentError, match="forward mode needs a seed"):
        vg.graph(y, mode="forward")
    with pytest.raises(vg.ArgumentError, match="mode='forward'"):
        vg.graph(y, seed={"v₀": 1.0})
    with pytest.raises(vg.ArgumentError, match="mode='sideways' is not known"):
        vg.graph(y, mode="sideways")
    with pytest.raises(traitlets.TraitError, match="not known"):
        vg.show(y).mode = "sideways"


def test_the_second_derivative_is_drawn_and_stepped():
    x = vg.Variable(2.0, name="x")
    y = x ** 3
    y.backward(create_graph=True)
    widget = vg.show(x.grad)              # the computation that made 3x², and its backward
    assert widget.data.find("x").grad == "12"          # d(3x²)/dx = 6x
    assert widget.data.steps[-1].lines[-1] == "Done: ∂f/∂x = 12"


def test_the_widget_offers_the_switch_only_where_both_modes_exist():
    y = paper_trace()
    assert vg.show(y).modes == ["reverse", "forward"]
    assert vg.show(vg.graph(y)).modes == ["reverse"]      # a Graph given as it is
    with pytest.raises(traitlets.TraitError, match="has no other mode; fix"):
        vg.show(vg.graph(y)).mode = "forward"
    counts = vg.tensor([1, 2]) * 3                         # integers: nothing can move
    assert vg.show(counts.sum()).modes == ["reverse"]


def test_complex_values_in_the_middle_are_refused_by_name_not_dropped():
    with pytest.raises(vg.UnsupportedError, match="through multiply, whose values are complex"):
        vg.jvp(lambda a: vg.abs(vg.exp(a * 0.5j)), (1.0,), (1.0,))
