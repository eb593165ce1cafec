"""Compare analytic gradients with central differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import GradcheckError
from .autodiff import gradients
from .tensor import Tensor, ancestors, as_tensor, is_floating, no_grad


def gradcheck(f: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, show: bool = False) -> Any:
    """True when every floating input's gradient matches central differences.

    The output is projected on a fixed random direction, so every entry of the
    Jacobian takes part. Raises GradcheckError naming the input, the index and
    both values. ``show=True``: instead, the widget of ``f``'s graph with every
    op's analytic input gradients next to numerical ones and a wrong rule marked.

    >>> import vizgrad as vg
    >>> gradcheck(lambda x: vg.tanh(x) * x, [vg.tensor([0.3, -1.2])])
    True
    >>> gradcheck(lambda x: vg.tanh(x) * x, vg.tensor([0.3, -1.2]))   # one input alone
    True
    """
    if isinstance(inputs, (Tensor, np.ndarray, int, float, np.generic)):
        inputs = [inputs]  # one array is one input (PyTorch's gradcheck(f, t)), not its rows
    if show:  # the drawing lives in the front ends, which read the core, not the reverse
        from ..frontends.explore import gradcheck_widget
        return gradcheck_widget(f, inputs, eps=eps, atol=atol, rtol=rtol)
    tensors = [as_tensor(x) for x in inputs]
    tensors = [Tensor(t._data, name=t.name) for t in tensors]
    y = as_tensor(f(*tensors))
    direction = np.random.default_rng(0).uniform(0.5, 1.5, size=y.shape).astype(y.dtype)
    checked = [i for i, t in enumerate(tensors) if is_floating(t.dtype)]
    analytic = gradients(y, [tensors[i] for i in checked], grad_ys=direction)

    def projected(values: list[np.ndarray]) -> float:
        with no_grad():
            out = as_tensor(f(*[Tensor(v) for v in values]))
        return float(np.sum(np.asarray(out._data, dtype=np.float64) * direction))

    base = [np.array(t._data) for t in tensors]
    for position, i in enumerate(checked):
        g = analytic[position]
        g = np.zeros(tensors[i].shape) if g is None else np.asarray(g._data)
        label = tensors[i].name or f"input {i}"
        numerical = _numerical(lambda v, i=i: projected([*base[:i], v, *base[i + 1:]]),
                               base[i], eps)
        for index in np.ndindex(*tensors[i].shape):
            numeric = float(numerical[index])
            value = float(g[index])
            if not abs(value - numeric) <= atol + rtol * abs(numeric):
                raise GradcheckError(
                    f"gradient of {label!s} at index {index}: analytic {value:.6g} but "
                    f"numerical {numeric:.6g} (eps={eps}; both are of the output weighted by "
                    "a fixed random direction, so every output entry counts); check the op's "
                    "gradient rule, or use float64 inputs and a larger eps for float32")
    return True


# -- every operation of one recorded graph, checked on its own -----------------------------
CHECKED_ENTRIES = 4096  # perturbed entries at most per graph (each runs the rest of it twice)


@dataclass(frozen=True, eq=False)
class OpCheck:
    """One op's input gradients from backpropagation next to central differences.

    ``analytic``/``numerical``: per input position (None: no gradient was sent there).
    ``verdict``: "agrees", "disagrees" (its own rule is wrong: the gradient reaching it
    agrees but what it sends on does not), "downstream" (the gradient reaching it is
    already off), or "unchecked" (``error`` says why).
    """

    op: Tensor
    verdict: str
    analytic: tuple[np.ndarray | None, ...] = ()
    numerical: tuple[np.ndarray | None, ...] = ()
    wrong: tuple[int, ...] = ()
    error: str | None = None


def check_ops(y: Tensor, upstreams: dict[int, np.ndarray],
              contributions: dict[int, tuple[np.ndarray | None, ...]], seed: np.ndarray,
              eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3) -> list[OpCheck]:
    """Each op's analytic input gradients against central differences of the rest of the graph.

    ``upstreams``/``contributions``: by tensor id, what backpropagation from ``y`` (with
    ``seed``) brought to each op and sent to its inputs. The numerical gradient of an
    input of op T perturbs that input as T saw it, runs T's forward and every recorded op
    after it again (the others keep their recorded values) and projects the output on
    ``seed``: only T's own rule and the ones after it take part.

    >>> import vizgrad as vg
    >>> x = vg.Variable(3.0, name="x"); f = x * x; f.backward()
    >>> up = {f._id: np.array(1.0)}; sent = {f._id: (np.array(3.0), np.array(3.0))}
    >>> [c.verdict for c in check_ops(f, up, sent, np.array(1.0))]
    ['agrees']
    """
    order = [t for t in ancestors([y]) if t._op is not None]
    position = {t._id: k for k, t in enumerate(order)}
    budget = [CHECKED_ENTRIES]
    checks = []
    for t in order:
        if t._id not in contributions:
            continue
        checks.append(_check_op(t, order, position, y, upstreams[t._id],
                                contributions[t._id], seed, eps, atol, rtol, budget))
    return checks


def _check_op(t: Tensor, order: list[Tensor], position: dict[int, int], y: Tensor,
              upstream: np.ndarray, sent: tuple[np.ndarray | None, ...], seed: np.ndarray,
              eps: float, atol: float, rtol: float, budget: list[int]) -> OpCheck:
    saved = [np.asarray(v) for v in t._saved]
    size = int(np.size(upstream)) + sum(int(np.size(v)) for v, c in zip(saved, sent)
                                         if c is not None)
    if size > budget[0]:
        return OpCheck(t, "unchecked", error=f"more than {CHECKED_ENTRIES} entries to perturb")
    budget[0] -= size
    try:
        after = _replayer(t, order[position[t._id] + 1:], y, seed)
        reaching = _numerical(lambda out: after(out), np.asarray(t._data, dtype=np.float64),
                              eps)

        def through(j: int) -> Callable[[np.ndarray], float]:
            def run(value: np.ndarray) -> float:
                values = [value if i == j else v for i, v in enumerate(saved)]
                return after(_forward(t, values))
            return run

        numerical = tuple(None if c is None or not is_floating(np.asarray(c).dtype) else
                          _numerical(through(j), saved[j].astype(np.float64), eps)
                          for j, c in enumerate(sent))
    except Exception as error:  # an op that cannot run again on arrays: say so, go on
        return OpCheck(t, "unchecked", error=f"{type(error).__name__}: {error}")
    analytic = tuple(None if c is None else np.asarray(c) for c in sent)
    wrong = tuple(j for j, (a, n) in enumerate(zip(analytic, numerical))
                  if a is not None and n is not None and not _close(a, n, atol, rtol))
    verdict = "agrees"
    if wrong:
        verdict = "disagrees" if _close(np.asarray(upstream), reaching, atol, rtol) \
            else "downstream"
    return OpCheck(t, verdict, analytic, numerical, wrong)


def _forward(t: Tensor, values: list[np.ndarray]) -> np.ndarray:
    """``t``'s op run again on ``values``."""
    op = t._op
    if op.forward is None:
        raise ValueError(f"the op {op.name!r} keeps no forward function")
    params = t._params
    return np.asarray(op.forward(*values, **params) if params else op.forward(*values))


def _replayer(t: Tensor, later: list[Tensor], y: Tensor,
              seed: np.ndarray) -> Callable[[np.ndarray], float]:
    """The output projected on ``seed`` as a function of ``t``'s value: the recorded ops
    after ``t`` that depend on it run again; the others keep their recorded values."""
    downstream = []
    changed = {t._id}
    for u in later:
        if any(x._id in changed for x in u._inputs):
            changed.add(u._id)
            downstream.append(u)
    weights = np.asarray(seed, dtype=np.float64)

    def run(value: np.ndarray) -> float:
        values = {t._id: value}
        for u in downstream:
            inputs = [values.get(x._id, np.asarray(s)) for x, s in zip(u._inputs, u._saved)]
            values[u._id] = _forward(u, inputs)
        out = values.get(y._id, np.asarray(y._data))
        return float(np.sum(np.real(np.asarray(out, dtype=np.complex128)) * weights))

    return run


def _numerical(run: Callable[[np.ndarray], float], at: np.ndarray, eps: float) -> np.ndarray:
    """Central differences of ``run`` at ``at``, entry by entry."""
    grad = np.zeros(at.shape)
    for index in np.ndindex(*at.shape):
        plus, minus = at.copy(), at.copy()
        plus[index] += eps
        minus[index] -= eps
        grad[index] = (run(plus) - run(minus)) / (2 * eps)
    return grad


def _close(analytic: np.ndarray, numerical: np.ndarray, atol: float, rtol: float) -> bool:
    a = np.real(np.asarray(analytic, dtype=np.complex128))
    return a.shape == numerical.shape and bool(np.allclose(a, numerical, rtol=rtol, atol=atol))
