"""How a PyTorch function is drawn: its user-facing name, symbol and local derivatives.

PyTorch functions that vizgrad also has borrow the symbol and formulas of
vizgrad's op table, so ``x * w`` looks the same whichever library ran it.

>>> describe("torch.Tensor.__mul__")
Look(name='mul', symbol='×', formulas=('b', 'a'), elementwise=True, reversed=False, inplace=False)
>>> describe("torch.Tensor.__rsub__").reversed
True
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..core.ops import OPS


class Look(NamedTuple):
    """How one PyTorch function is drawn."""

    name: str                 # "mul", "linear", "add_"
    symbol: str               # "×", "linear"
    formulas: tuple[str, ...]
    elementwise: bool
    reversed: bool            # ``__rsub__(x, c)`` is ``c - x``: its inputs are drawn swapped
    inplace: bool             # ``add_``, ``__iadd__``: the result replaces its first input


# PyTorch's name -> vizgrad's op of the same meaning
_SAME_AS_VIZGRAD = {
    "add": "add", "sub": "subtract", "subtract": "subtract", "mul": "multiply",
    "multiply": "multiply", "div": "divide", "true_divide": "divide", "divide": "divide",
    "neg": "negative", "negative": "negative", "pow": "power", "matmul": "matmul",
    "mm": "matmul", "bmm": "matmul", "exp": "exp", "log": "log", "sqrt": "sqrt",
    "square": "square", "abs": "abs", "sin": "sin", "cos": "cos", "tanh": "tanh",
    "sigmoid": "sigmoid", "relu": "relu", "sign": "sign", "sum": "sum", "mean": "mean",
    "max": "max", "min": "min", "amax": "max", "amin": "min", "maximum": "maximum",
    "minimum": "minimum", "clamp": "clip", "clip": "clip", "where": "where",
    "softmax": "softmax", "log_softmax": "log_softmax", "logsumexp": "logsumexp",
    "reshape": "reshape", "view": "reshape", "flatten": "reshape", "squeeze": "reshape",
    "unsqueeze": "reshape", "view_as": "reshape", "reshape_as": "reshape",
    "transpose": "transpose", "t": "transpose", "T": "transpose", "mT": "transpose",
    "permute": "transpose", "expand": "broadcast_to", "expand_as": "broadcast_to",
    "broadcast_to": "broadcast_to", "getitem": "getitem", "cat": "concatenate",
    "concat": "concatenate", "stack": "stack", "conv2d": "conv2d",
}

# PyTorch functions vizgrad has no op for: symbol, formulas (a, b, x name the inputs)
_OWN: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "linear": ("linear", ("g·W", "gᵀ·x", "Σ g over the batch"), False),
    "addmm": ("addmm", ("1", "g·bᵀ", "aᵀ·g"), False),
    "cross_entropy": ("cross entropy", ("(softmax(x) − onehot(label)) / n",), False),
    "nll_loss": ("nll loss", ("−onehot(label) / n",), False),
    "mse_loss": ("mse", ("2(a − b) / n", "−2(a − b) / n"), False),
    "l1_loss": ("l1", ("sign(a − b) / n", "−sign(a − b) / n"), False),
    "binary_cross_entropy_with_logits": ("bce", ("(σ(x) − target) / n",), False),
    "leaky_relu": ("leaky relu", ("1 if x > 0 else slope",), True),
    "gelu": ("gelu", ("gelu′(x)",), True),
    "silu": ("silu", ("σ(x)(1 + x(1 − σ(x)))",), True),
    "softplus": ("softplus", ("σ(x)",), True),
    "dropout": ("dropout", ("mask / (1 − p)",), True),
    "clone": ("clone", ("1",), True),
    "contiguous": ("contiguous", ("1",), True),
    "detach": ("detach", ("0 (cut)",), True),
    "max_pool2d": ("max pool", ("1 at each window's max",), False),
    "avg_pool2d": ("avg pool", ("1 / window size",), False),
    "batch_norm": ("batch norm", (), False),
    "layer_norm": ("layer norm", (), False),
    "embedding": ("embedding", ("", "g scattered to the picked rows"), False),
}

_DUNDER = re.compile(r"^__(r|i)?([a-z]+)__$")
_DUNDER_NAMES = {"truediv": "div", "floordiv": "floor_divide", "matmul": "matmul",
                 "getitem": "getitem", "setitem": "setitem", "neg": "neg", "abs": "abs"}
_cache: dict[str, Look] = {}


def describe(qualified: str) -> Look:
    """How to draw the PyTorch function named ``qualified`` ("torch.nn.functional.linear")."""
    look = _cache.get(qualified)
    if look is None:
        look = _cache[qualified] = _describe(qualified)
    return look


def _describe(qualified: str) -> Look:
    short = qualified.rsplit(".", 1)[-1]
    if short == "__get__":  # a property: torch.Tensor.T.__get__
        short = qualified.rsplit(".", 2)[-2]
    reversed_, inplace = False, False
    dunder = _DUNDER.match(short)
    if dunder:
        kind, stem = dunder.groups()
        reversed_, inplace = kind == "r", kind == "i" or stem == "setitem"
        short = _DUNDER_NAMES.get(stem, stem)
    elif short.endswith("_") and not short.startswith("_"):
        inplace, short = True, short[:-1]
    name = short + ("_" if inplace and short != "setitem" else "")
    if short in _SAME_AS_VIZGRAD:
        op = OPS[_SAME_AS_VIZGRAD[short]]
        return Look(name, op.symbol, op.formulas, op.elementwise, reversed_, inplace)
    symbol, formulas, elementwise = _OWN.get(short, (short, (), False))
    return Look(name, symbol, formulas, elementwise, reversed_, inplace)
