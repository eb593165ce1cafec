"""Products: dot, inner, outer, tensordot, einsum, kron, cross, trace.

dot, inner and tensordot are all one contraction (sum over paired axes), so they
share one pair of rules: the gradient of one side contracts the upstream
gradient with the other side over the axes that stayed.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ..errors import ArgumentError, UnsupportedError
from . import ops
from .ops import OPS, Op, defop
from .tensor import Tensor, apply, as_tensor

_CONTRACT_FIX = "the summed axes must have the same lengths on both sides"


def _pairs(a: np.ndarray, b: np.ndarray, axes: Any) -> tuple[list[int], list[int]]:
    """numpy's ``axes`` argument of tensordot as two lists of non-negative axes."""
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        return list(range(a.ndim - n, a.ndim)), list(range(n))
    left, right = axes
    left = [left] if isinstance(left, (int, np.integer)) else list(left)
    right = [right] if isinstance(right, (int, np.integer)) else list(right)
    return [int(i) % a.ndim for i in left], [int(i) % b.ndim for i in right]


def _contract_left(g, a, b, left, right):
    free_a = a.ndim - len(left)
    free_b = [i for i in range(b.ndim) if i not in right]
    grad = np.tensordot(g, b, axes=(list(range(free_a, g.ndim)), free_b))
    # grad's axes: a's free axes, then b's summed axes in b's order, i.e. their partners in a
    order = [i for i in range(a.ndim) if i not in left] + [left[right.index(j)]
                                                            for j in sorted(right)]
    return np.transpose(grad, np.argsort(order))


def _contract_right(g, a, b, left, right):
    free_a = [i for i in range(a.ndim) if i not in left]
    grad = np.tensordot(a, g, axes=(free_a, list(range(len(free_a)))))
    order = [right[left.index(i)] for i in sorted(left)] + [j for j in range(b.ndim)
                                                            if j not in right]
    return np.transpose(grad, np.argsort(order))


def _tensordot_axes(a, b, axes):
    return _pairs(a, b, axes)


def _dot_axes(a, b, axes=None):
    if a.ndim == 0 or b.ndim == 0:
        return [], []
    return [a.ndim - 1], [0 if b.ndim == 1 else b.ndim - 2]


def _inner_axes(a, b, axes=None):
    if a.ndim == 0 or b.ndim == 0:
        return [], []
    return [a.ndim - 1], [b.ndim - 1]


def _contraction(name: str, symbol: str, forward, pairs, formulas, shape_fix=_CONTRACT_FIX):
    def left(g, out, a, b, **params):
        return _contract_left(g, a, b, *pairs(a, b, **params))

    def right(g, out, a, b, **params):
        return _contract_right(g, a, b, *pairs(a, b, **params))

    return defop(name, symbol, forward, left, right, formulas=formulas, shape_fix=shape_fix)


def _contract_forward(pairs):
    def forward(a, b, **params):
        left, right = pairs(a, b, **params)
        return np.tensordot(a, b, axes=(left, right))
    return forward


_dot = _contraction("dot", "·", _contract_forward(_dot_axes), _dot_axes, ("g·bᵀ", "aᵀ·g"),
                    "the last axis of a must match the second-to-last of b (the only one of "
                    "a 1-d b)")
_inner = _contraction("inner", "⟨a, b⟩", _contract_forward(_inner_axes), _inner_axes,
                      ("g·b", "g·a"), "the last axes of a and b must have the same length")
_tensordot = _contraction("tensordot", "⊗·", _contract_forward(_tensordot_axes),
                          _tensordot_axes, ("g·b, summed over b's axes not paired with a",
                                            "a·g, summed over a's axes not paired with b"))


def dot(a: Any, b: Any) -> Tensor:
    """numpy's dot: scalars multiply, vectors give the inner product, matrices multiply.

    >>> dot(Tensor([1., 2.]), Tensor([3., 4.])).item()
    11.0
    """
    a_t = as_tensor(a, b if isinstance(b, Tensor) else None)
    return apply(_dot, (a_t, as_tensor(b, a_t)))


def inner(a: Any, b: Any) -> Tensor:
    """Sum of products over the last axis of both.

    >>> inner(Tensor([[1., 2.]]), Tensor([[3., 4.]])).numpy()
    array([[11.]])
    """
    a_t = as_tensor(a, b if isinstance(b, Tensor) else None)
    return apply(_inner, (a_t, as_tensor(b, a_t)))


def tensordot(a: Any, b: Any, axes: Any = 2) -> Tensor:
    """Sum of products over the given pairs of axes (numpy's ``axes``: an int or two lists).

    >>> tensordot(Tensor([[1., 2.], [3., 4.]]), Tensor([[1., 0.], [0., 1.]])).item()
    5.0
    """
    a_t = as_tensor(a, b if isinstance(b, Tensor) else None)
    b_t = as_tensor(b, a_t)
    if not isinstance(axes, (int, np.integer)):
        left, right = axes
        axes = (tuple(left) if isinstance(left, (list, tuple)) else int(left),
                tuple(right) if isinstance(right, (list, tuple)) else int(right))
    return apply(_tensordot, (a_t, b_t), {"axes": axes})


_outer = defop("outer", "⊗", lambda a, b: np.outer(a, b),
               lambda g, out, a, b: (g @ b.reshape(-1)).reshape(a.shape),
               lambda g, out, a, b: (a.reshape(-1) @ g).reshape(b.shape),
               formulas=("g·b", "aᵀ·g"))


def outer(a: Any, b: Any) -> Tensor:
    """Every product a[i]·b[j] (both flattened), as a matrix.

    >>> outer(Tensor([1., 2.]), Tensor([3., 4.])).numpy()
    array([[3., 4.],
           [6., 8.]])
    """
    a_t = as_tensor(a, b if isinstance(b, Tensor) else None)
    return apply(_outer, (a_t, as_tensor(b, a_t)))


# -- einsum ------------------------------------------------------------------------------
def _parse_einsum(subscripts: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Explicit input and output subscripts, each ``...`` spelled out as letters the
    subscripts do not use (aligned at the right, as numpy broadcasts them); the implicit
    output is numpy's: the ellipsis axes, then the letters used once, sorted."""
    text = subscripts.replace(" ", "")
    inputs, arrow, output = text.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ArgumentError(f"einsum subscripts {subscripts!r} name {len(terms)} operands but "
                            f"{len(shapes)} were given; fix: one comma-separated term per operand")
    spare = [c for c in "ZYXWVUTSRQPONMLKJIHGFEDCBA" if c not in text]
    width = 0
    for term, shape in zip(terms, shapes):
        if "..." in term:
            width = builtins.max(width, len(shape) - len(term.replace("...", "")))
    if width > len(spare):
        raise ArgumentError(f"einsum subscripts {subscripts!r}: the ellipsis stands for more "
                            "axes than there are free letters; fix: name the axes with letters")
    broadcast = "".join(spare[:width][::-1])
    spelled = []
    for term, shape in zip(terms, shapes):
        if "..." in term:
            own = len(shape) - len(term.replace("...", ""))
            term = term.replace("...", broadcast[width - own:] if own > 0 else "")
        spelled.append(term)
    if not arrow:
        letters = "".join(spelled)
        output = broadcast + "".join(sorted(c for c in set(letters)
                                            if letters.count(c) == 1 and c not in broadcast))
    else:
        output = output.replace("...", broadcast)
    return spelled, output


def _einsum_rule(index: int):
    def rule(g, out, *operands, subscripts):
        terms, output = _parse_einsum(subscripts, [x.shape for x in operands])
        term = terms[index]
        sizes: dict[str, int] = {}
        for t, x in zip(terms, operands):
            for c, n in zip(t, x.shape):
                sizes[c] = builtins.max(sizes.get(c, 1), n)   # a length-1 axis broadcasts
        unique = "".join(dict.fromkeys(term))
        others = [(t, x) for i, (t, x) in enumerate(zip(terms, operands)) if i != index]
        present = set(output).union(*[set(t) for t, _ in others])
        # letters only this operand has were summed out: the gradient is spread over them
        missing = "".join(c for c in unique if c not in present)
        spec = [output] + [t for t, _ in others]
        values = [g] + [x for _, x in others]
        if missing:
            spec.append(missing)
            values.append(np.ones([sizes[c] for c in missing], dtype=g.dtype))
        reduced = np.einsum(",".join(spec) + "->" + unique, *values, optimize=True)
        own = dict(zip(term, operands[index].shape))
        stretched = tuple(i for i, c in enumerate(unique) if own[c] == 1 and sizes[c] != 1)
        if stretched:   # this operand's length-1 axis was broadcast: add its gradient up
            reduced = reduced.sum(axis=stretched, keepdims=True)
        if unique == term:
            return reduced
        # a repeated letter: the gradient sits on its diagonal, spread there by identities
        spare = iter(c for c in "zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONMLKJIHGFEDCBA"
                     if c not in term)
        target, pairs = "", []
        for c in term:
            if c in target:
                fresh = next(spare)
                pairs.append(c + fresh)
                target += fresh
            else:
                target += c
        identities = [np.eye(sizes[pair[0]], dtype=reduced.dtype) for pair in pairs]
        return np.einsum(",".join([unique, *pairs]) + "->" + target, reduced, *identities)
    return rule


_einsum = Op("einsum", "einsum", lambda *operands, subscripts: np.einsum(
    subscripts, *operands, optimize=True), _einsum_rule,
    ("g times the other operands, summed over every letter this operand lacks",),
    "give each operand as many letters as it has axes, the same letter for equal lengths",
    variadic=True)
OPS["einsum"] = _einsum


def einsum(subscripts: str, *operands: Any) -> Tensor:
    """Einstein summation over named axes, ``...`` for broadcast axes, as numpy's.

    >>> einsum("ij,j->i", Tensor([[1., 2.], [3., 4.]]), Tensor([1., 1.])).numpy()
    array([3., 7.])
    """
    if not isinstance(subscripts, str):
        raise ArgumentError("einsum needs its subscripts as a string first; "
                            "fix: vg.einsum('ij,jk->ik', a, b)")
    tensors = tuple(as_tensor(x) for x in operands)
    _parse_einsum(subscripts, [t.shape for t in tensors])   # a clear error for a bad count
    return apply(_einsum, tensors, {"subscripts": subscripts.replace(" ", "")})


# -- kron, cross, trace ----------------------------------------------------------------
def _kron_parts(g, a, b):
    """g as (a0, b0, a1, b1, ...), with a and b padded to the same number of axes."""
    ndim = max(a.ndim, b.ndim)
    a = a.reshape((1,) * (ndim - a.ndim) + a.shape)
    b = b.reshape((1,) * (ndim - b.ndim) + b.shape)
    paired = g.reshape([n for pair in zip(a.shape, b.shape) for n in pair])
    return paired, a, b, ndim


def _kron_left(g, out, a, b):
    paired, a_full, b_full, ndim = _kron_parts(g, a, b)
    spread = np.expand_dims(b_full, tuple(range(0, 2 * ndim, 2)))
    return (paired * spread).sum(axis=tuple(range(1, 2 * ndim, 2))).reshape(a.shape)


def _kron_right(g, out, a, b):
    paired, a_full, b_full, ndim = _kron_parts(g, a, b)
    spread = np.expand_dims(a_full, tuple(range(1, 2 * ndim, 2)))
    return (paired * spread).sum(axis=tuple(range(0, 2 * ndim, 2))).reshape(b.shape)


_kron = defop("kron", "⊗", np.kron, _kron_left, _kron_right,
              formulas=("Σ g·b over each block", "Σ g·a over the blocks"))


def kron(a: Any, b: Any) -> Tensor:
    """Kronecker product: a block for each entry of a, that entry times b.

    >>> kron(Tensor([1., 2.]), Tensor([1., 10.])).numpy()
    array([ 1., 10.,  2., 20.])
    """
    a_t = as_tensor(a, b if isinstance(b, Tensor) else None)
    return apply(_kron, (a_t, as_tensor(b, a_t)))


_cross = defop("cross", "×", lambda a, b: np.cross(a, b),
               lambda g, out, a, b: np.cross(b, g), lambda g, out, a, b: np.cross(g, a),
               formulas=("b × g", "g × a"),
               shape_fix="give 3-vectors along the last axis (the other axes broadcast)")


def cross(a: Any, b: Any) -> Tensor:
    """Cross product of 3-vectors along the last axis.

    >>> cross(Tensor([1., 0., 0.]), Tensor([0., 1., 0.])).numpy()
    array([0., 0., 1.])
    """
    a_t = as_tensor(a, b if isinstance(b, Tensor) else None)
    b_t = as_tensor(b, a_t)
    if a_t.ndim == 0 or b_t.ndim == 0 or a_t.shape[-1] != 3 or b_t.shape[-1] != 3:
        raise ArgumentError(f"cross() takes 3-vectors along the last axis, got shapes "
                            f"{a_t.shape} and {b_t.shape}; fix: give both a last axis of length 3")
    return apply(_cross, (a_t, b_t))


def _diagonal_positions(shape, offset, axis1, axis2):
    """The flat positions of the diagonal np.diagonal would take, in its output order."""
    return np.diagonal(np.arange(int(np.prod(shape))).reshape(shape), offset, axis1, axis2)


def _trace_rule(g, out, a, offset, axis1, axis2):
    positions = _diagonal_positions(a.shape, offset, axis1, axis2)
    if isinstance(g, Tensor):   # a recorded backward: the same sum as recorded ops
        spread = np.broadcast_to(np.expand_dims(g, -1), positions.shape)
        return ops.scatter_add(spread.ravel(), (positions.ravel(),), (a.size,),
                               True).reshape(a.shape)
    weights = np.broadcast_to(np.expand_dims(g, -1), positions.shape)
    return np.bincount(positions.ravel(), weights.ravel(), minlength=a.size).reshape(a.shape)


_trace = defop("trace", "tr", lambda a, offset, axis1, axis2: np.trace(a, offset, axis1, axis2),
               _trace_rule, formulas=("1 on the diagonal, 0 elsewhere",),
               shape_fix="give a tensor with at least two axes")


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """Sum of the diagonal (``offset`` above it when positive).

    >>> trace(Tensor([[1., 2.], [3., 4.]])).item()
    5.0
    """
    return apply(_trace, (as_tensor(x),), {"offset": int(offset), "axis1": int(axis1),
                                           "axis2": int(axis2)})



def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The Euclidean (Frobenius) norm, recorded as the ops it is made of: √(Σ x²).

    >>> norm(Tensor([3., 4.])).item()
    5.0
    """
    x_t = as_tensor(x)
    vector = x_t.ndim == 1 or isinstance(axis, (int, np.integer))
    if not (ord is None or ord == "fro" or (ord == 2 and vector)):
        raise UnsupportedError(f"np.linalg.norm(..., ord={ord!r}) has no vizgrad op; only the "
                               "Euclidean norm (ord=None, 'fro', or 2 for vectors) is built in. "
                               "Fix: write the norm from its formula, e.g. np.sum(np.abs(x)) "
                               "for ord=1")
    return ops.sqrt(ops.sum(ops.square(x_t), axis, keepdims))


# -- np.linalg: inv, solve, det, slogdet, cholesky ------------------------------------------
# Rules from Giles, "An extended collection of matrix derivative results" (2008), as HIPS
# autograd writes them; each is written with numpy calls only (np.linalg.solve, np.swapaxes,
# ...), so called with tensors it records the same ops.
_SQUARE_FIX = ("give square matrices in the last two axes that are invertible (not "
               "singular); e.g. add a small multiple of np.eye(n)")


def _mT(x):
    """The matrices in the last two axes, transposed."""
    return np.swapaxes(x, -1, -2)


def _matrix_axes(g):
    """``g`` with two new axes at the end, to scale whole matrices."""
    return np.expand_dims(g, (-2, -1))


_inv = defop("inv", "A⁻¹", np.linalg.inv,
             lambda g, out, a: -np.matmul(np.matmul(_mT(out), g), _mT(out)),
             formulas=("−a⁻ᵀ·g·a⁻ᵀ",), shape_fix=_SQUARE_FIX)


def _solve_right(g, out, a, b):
    if b.ndim == 1:   # numpy 2: a 1-d b is one vector, every other b is a stack of matrices
        return np.linalg.solve(_mT(a), np.expand_dims(g, -1))[..., 0]
    return np.linalg.solve(_mT(a), g)


def _solve_left(g, out, a, b):
    grad_b = _solve_right(g, out, a, b)
    if b.ndim == 1:
        return -np.expand_dims(grad_b, -1) * np.expand_dims(out, -2)
    return -np.matmul(grad_b, _mT(out))


_solve = defop("solve", "A⁻¹b", np.linalg.solve, _solve_left, _solve_right,
               formulas=("−a⁻ᵀ·g·(a⁻¹b)ᵀ", "a⁻ᵀ·g"),
               shape_fix="give a as square matrices (..., n, n) and b as (n,) or (..., n, k), "
                         "with a invertible")
_det = defop("det", "det", np.linalg.det,
             lambda g, out, a: _matrix_axes(g * out) * _mT(np.linalg.inv(a)),
             formulas=("det(x)·x⁻ᵀ",), shape_fix="give square matrices in the last two axes")
_slogdet = defop("slogdet", "log|det|", lambda a: np.linalg.slogdet(a)[1],
                 lambda g, out, a: _matrix_axes(g) * _mT(np.linalg.inv(a)),
                 formulas=("x⁻ᵀ",), shape_fix="give square matrices in the last two axes")


def _cholesky_rule(g, out, a):
    # Murray, "Differentiation of the Cholesky decomposition" (2016): with Φ the lower
    # triangle and half the diagonal, ∂A = sym(L⁻ᵀ Φ(Lᵀ ∂L) L⁻¹)
    n = out.shape[-1]
    halve_diagonal = 1 - 0.5 * np.eye(n, dtype=out.dtype)
    phi = np.tril(np.matmul(_mT(out), g)) * halve_diagonal
    s = np.linalg.solve(_mT(out), _mT(np.linalg.solve(_mT(out), _mT(phi))))
    return (s + _mT(s)) / 2


_cholesky = defop("cholesky", "chol", np.linalg.cholesky, _cholesky_rule,
                  formulas=("sym(L⁻ᵀ·Φ(Lᵀg)·L⁻¹)",),
                  shape_fix="give symmetric positive-definite matrices in the last two axes")


def inv(a: Any) -> Tensor:
    """The inverse of each square matrix in the last two axes.

    >>> inv(Tensor([[2., 0.], [0., 4.]])).numpy()
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    return apply(_inv, (as_tensor(a),))


def solve(a: Any, b: Any) -> Tensor:
    """x with a·x = b (numpy 2's rule: a 1-d b is a vector, otherwise matrices).

    >>> solve(Tensor([[2., 0.], [0., 4.]]), Tensor([1., 1.])).numpy()
    array([0.5 , 0.25])
    """
    a_t = as_tensor(a, b if isinstance(b, Tensor) else None)
    return apply(_solve, (a_t, as_tensor(b, a_t)))


def det(a: Any) -> Tensor:
    """The determinant of each square matrix in the last two axes.

    >>> det(Tensor([[2., 1.], [1., 3.]])).item()
    5.000000000000001
    """
    return apply(_det, (as_tensor(a),))


_SlogdetResult = type(np.linalg.slogdet(np.eye(1)))   # numpy's named pair (sign, logabsdet)


def slogdet(a: Any) -> Any:
    """(sign, log|det|) as numpy's SlogdetResult; log|det| is differentiable, the sign a
    constant (it does not change under small moves).

    >>> sign, logabsdet = slogdet(Tensor([[-2., 0.], [0., 1.]]))
    >>> sign.item(), round(logabsdet.item(), 6)
    (-1.0, 0.693147)
    """
    a_t = as_tensor(a)
    logabsdet = apply(_slogdet, (a_t,))
    sign = Tensor(np.linalg.slogdet(np.asarray(a_t._data))[0])
    return _SlogdetResult(sign, logabsdet)


def cholesky(a: Any, upper: bool = False) -> Tensor:
    """The lower Cholesky factor L (L·Lᵀ = a) of symmetric positive-definite matrices.

    Only the lower triangle of ``a`` is read (numpy's rule); the gradient is the
    symmetric one, as in HIPS autograd and PyTorch.

    >>> cholesky(Tensor([[4., 2.], [2., 2.]])).numpy()
    array([[2., 0.],
           [1., 1.]])
    """
    lower = apply(_cholesky, (as_tensor(a),))
    return np.swapaxes(lower, -1, -2) if upper else lower


# -- eigh and svd: several outputs, one op each --------------------------------------------
# The engine's ops have one output, so eigh is two ops (eigenvalues, eigenvectors) and svd
# three (U, S, Vh), each running the whole decomposition forward; each draws as its own node
# and its rule is the part of HIPS autograd's grad_eigh / grad_svd (both linear in the
# upstream gradients) that its output contributes. A rule that needs another output calls
# np.linalg.eigh / svd again: with tensors that records, so the rules differentiate again.
# Eigenvector and singular-vector rules divide by differences of eigenvalues (squared
# singular values): equal ones give inf or nan there, as in autograd and PyTorch.
def _eye_like(n, like):
    return np.eye(n, dtype=like.dtype)


def _read_triangle(grad, UPLO):
    """The gradient with respect to the entries eigh reads: the diagonal and one triangle
    (numpy reads only the lower one for UPLO='L'), where both symmetric halves land."""
    n = grad.shape[-1]
    ones = np.ones((n, n), dtype=grad.dtype)
    strict = np.tril(ones, -1) if UPLO == "L" else np.triu(ones, 1)
    return grad * _eye_like(n, grad) + (grad + _mT(grad)) * strict


def _eigvalsh_rule(g, out, a, UPLO):
    v = np.linalg.eigh(a, UPLO=UPLO)[1]
    return _read_triangle(np.matmul(v * np.expand_dims(g, -2), _mT(v)), UPLO)


def _eigh_vectors_rule(g, out, a, UPLO):
    w = np.linalg.eigvalsh(a, UPLO=UPLO)
    n = out.shape[-1]
    eye = _eye_like(n, out)
    gaps = np.expand_dims(w, -2) - np.expand_dims(w, -1) + eye   # w_j − w_i, 1 on the diagonal
    inner = (1 - eye) / gaps * np.matmul(_mT(out), g)
    return _read_triangle(np.matmul(np.matmul(out, inner), _mT(out)), UPLO)


_SYMMETRIC_FIX = ("give square symmetric matrices (..., n, n) to np.linalg.eigh (numpy reads "
                  "one triangle)")
_eigvalsh = defop("eigvalsh", "eigh w", lambda a, UPLO: np.linalg.eigvalsh(a, UPLO=UPLO),
                  _eigvalsh_rule, formulas=("v·diag(g)·vᵀ",), shape_fix=_SYMMETRIC_FIX)
_eigh_vectors = defop("eigh_vectors", "eigh v",
                      lambda a, UPLO: np.linalg.eigh(a, UPLO=UPLO)[1], _eigh_vectors_rule,
                      formulas=("v·(F∘vᵀg)·vᵀ, F = 1/(wⱼ − wᵢ) off the diagonal",),
                      shape_fix=_SYMMETRIC_FIX)


def _svd_parts(a):
    """u, s, vh (reduced), the identity of s's length and f = 1/(sⱼ² − sᵢ²) off the diagonal."""
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    eye = _eye_like(s.shape[-1], s)
    f = 1 / (np.expand_dims(s, -2) ** 2 - np.expand_dims(s, -1) ** 2 + eye)
    return u, s, vh, eye, f


def _svd_u_rule(g, out, a):
    u, s, vh, eye, f = _svd_parts(a)
    utgu = np.matmul(_mT(u), g)
    grad = np.matmul(np.matmul(u, f * (utgu - _mT(utgu)) * np.expand_dims(s, -2)), vh)
    if a.shape[-2] > a.shape[-1]:   # the part of g outside u's columns
        outside = g - np.matmul(u, utgu)
        grad = grad + np.matmul(outside / np.expand_dims(s, -2), vh)
    return grad


def _svdvals_rule(g, out, a):
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return np.matmul(u * np.expand_dims(g, -2), vh)


def _svd_vh_rule(g, out, a):
    u, s, vh, eye, f = _svd_parts(a)
    vtgv = np.matmul(vh, _mT(g))
    grad = np.matmul(np.matmul(u, np.expand_dims(s, -1) * (f * (vtgv - _mT(vtgv)))), vh)
    if a.shape[-2] < a.shape[-1]:   # the part of g outside vh's rows
        outside = g - np.matmul(np.matmul(g, _mT(vh)), vh)
        grad = grad + np.matmul(u / np.expand_dims(s, -2), outside)
    return grad


_SVD_FIX = "give matrices in the last two axes"
_svd_u = defop("svd_u", "svd U", lambda a: np.linalg.svd(a, full_matrices=False)[0],
               _svd_u_rule, formulas=("u·(F∘(uᵀg − gᵀu))·diag(s)·vh + (I − uuᵀ)·g·diag(1/s)·vh, "
                         "F = 1/(sⱼ² − sᵢ²)",),
               shape_fix=_SVD_FIX)
_svdvals = defop("svdvals", "svd S", lambda a: np.linalg.svd(a, compute_uv=False),
                 _svdvals_rule, formulas=("u·diag(g)·vh",), shape_fix=_SVD_FIX)
_svd_vh = defop("svd_vh", "svd Vh", lambda a: np.linalg.svd(a, full_matrices=False)[2],
                _svd_vh_rule,
                formulas=("u·diag(s)·(F∘(vh·gᵀ − g·vhᵀ))·vh + u·diag(1/s)·g·(I − vhᵀvh), "
                          "F = 1/(sⱼ² − sᵢ²)",),
                shape_fix=_SVD_FIX)

_EighResult = type(np.linalg.eigh(np.eye(1)))   # numpy's named pairs and triples
_SVDResult = type(np.linalg.svd(np.eye(1)))


def _uplo(UPLO: Any) -> str:
    if UPLO not in ("L", "U"):
        raise ArgumentError(f"eigh's UPLO must be 'L' or 'U', got {UPLO!r}; fix: UPLO='L' "
                            "(the lower triangle, numpy's default)")
    return UPLO


def eigvalsh(a: Any, UPLO: str = "L") -> Tensor:
    """The eigenvalues, ascending, of symmetric matrices (one triangle is read, as in numpy).

    >>> eigvalsh(Tensor([[2., 1.], [1., 2.]])).numpy()
    array([1., 3.])
    """
    return apply(_eigvalsh, (as_tensor(a),), {"UPLO": _uplo(UPLO)})


def eigh(a: Any, UPLO: str = "L") -> Any:
    """(eigenvalues, eigenvectors) of symmetric matrices as numpy's EighResult; both are
    differentiable (eigenvectors only up to sign, and not where eigenvalues are equal).

    >>> w, v = eigh(Tensor([[2., 0.], [0., 1.]]))
    >>> w.numpy(), abs(v.numpy())
    (array([1., 2.]), array([[0., 1.],
           [1., 0.]]))
    """
    a_t = as_tensor(a)
    params = {"UPLO": _uplo(UPLO)}
    return _EighResult(apply(_eigvalsh, (a_t,), params), apply(_eigh_vectors, (a_t,), params))


def svdvals(a: Any) -> Tensor:
    """The singular values, descending, of the matrices in the last two axes.

    >>> svdvals(Tensor([[3., 0.], [0., -4.]])).numpy()
    array([4., 3.])
    """
    return apply(_svdvals, (as_tensor(a),))


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True,
        hermitian: bool = False) -> Any:
    """(U, S, Vh) with a = U·diag(S)·Vh, as numpy's SVDResult; S alone for compute_uv=False.

    >>> u, s, vh = svd(Tensor([[3., 0.], [0., -4.]]))
    >>> s.numpy(), np.allclose((u * s) @ vh, [[3., 0.], [0., -4.]])
    (array([4., 3.]), True)
    """
    a_t = as_tensor(a)
    if a_t.ndim < 2:
        raise ArgumentError(f"svd needs matrices in the last two axes, got shape {a_t.shape}; "
                            "fix: give a 2-d (or stacked) tensor, e.g. x.reshape(1, -1)")
    if hermitian:
        raise UnsupportedError("np.linalg.svd(..., hermitian=True) has no vizgrad op; fix: "
                               "leave hermitian out (the result is the same up to signs)")
    if not compute_uv:
        return svdvals(a_t)
    if full_matrices and a_t.shape[-2] != a_t.shape[-1]:
        raise UnsupportedError(
            f"np.linalg.svd(x, full_matrices=True) of a non-square {a_t.shape[-2]}×"
            f"{a_t.shape[-1]} matrix: the extra columns of U (or rows of Vh) are not unique, so "
            "they have no gradient. Fix: np.linalg.svd(x, full_matrices=False)")
    return _SVDResult(apply(_svd_u, (a_t,)), svdvals(a_t), apply(_svd_vh, (a_t,)))
