"""Forward mode: every op's J·v against central differences, and the textbook's Table 2.

Table 2 of Baydin, Pearlmutter, Radul and Siskind, "Automatic Differentiation in Machine
Learning: a Survey", JMLR 18 (2018): f(x1, x2) = ln(x1) + x1·x2 − sin(x2) at (2, 5)
with ẋ = (1, 0) gives ẏ = 5.5.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vizgrad as vg
from tests.test_ops import CASES


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_ops_jvp_matches_central_differences(name, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    arrays, call = CASES[name].make(data, rng)
    arrays = [np.asarray(a, np.float64 if np.asarray(a).dtype.kind == "f" else None)
              for a in arrays]
    floats = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
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
