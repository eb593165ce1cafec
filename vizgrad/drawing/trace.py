"""A Trace: plain data of one recorded computation and its backward pass.

It is the seam between whatever recorded a computation (vizgrad's own engine,
PyTorch) and every drawing: graph building, grouping, narration, DOT, the
widget's data and the exports read a Trace and nothing else. It holds no tensor
references, only numbers (numpy arrays), names and indices.

Tensors are numbered by their position in ``Trace.tensors``; a tensor always
comes after its inputs (creation order), so index order is a topological order.

>>> import numpy as np
>>> x = TracedTensor(0, "x", None, "", (), False, (), (), np.array(3.0), True, None)
>>> f = TracedTensor(1, "f", "multiply", "×", ("b", "a"), True, (0, 0),
...                  (np.array(3.0), np.array(3.0)), np.array(9.0), False, None)
>>> t = Trace((x, f), target=1, seed=np.array(1.0),
...           steps=(TracedStep(1, np.array(1.0), (np.array(3.0), np.array(3.0))),),
...           totals={1: np.array(1.0), 0: np.array(6.0)}, sources=(0,))
>>> t.tensors[t.target].op, float(t.totals[0])
('multiply', 6.0)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np


@dataclass(frozen=True, eq=False)
class TracedTensor:
    """One tensor of the computation: a leaf (``op`` is None) or the result of an op."""

    index: int                          # its position in Trace.tensors
    name: str | None                    # the name given by the user (or found in a namespace)
    op: str | None                      # the op's name as a user knows it ("multiply", "linear")
    symbol: str                         # how the op is drawn ("×", "@", "relu"); "" for a leaf
    formulas: tuple[str, ...]           # the local derivative of each input, as text
    elementwise: bool                   # the op works entry by entry (explanations use ⊙)
    inputs: tuple[int, ...]             # indices of its inputs, in argument order
    input_values: tuple[np.ndarray | None, ...]  # each input's value when the op ran
    value: np.ndarray | None            # its value as recorded (None: not recorded)
    requires_grad: bool                 # a leaf that asks for a gradient (a variable)
    scope: str | None                   # "layer1/inner": the scopes it ran in
    shape: tuple[int, ...] | None = None  # when ``value`` is None but the shape is known
    dtype: str | None = None            # likewise
    note: str | None = None             # a front end's remark on this tensor, shown on click


@dataclass(frozen=True, eq=False)
class TracedStep:
    """One op the backward pass went through, in the order the engine ran it."""

    tensor: int                                   # index of the op's result
    upstream: np.ndarray                          # the gradient that arrived at it
    contributions: tuple[np.ndarray | None, ...]  # the gradient sent to each input (None: none)


@dataclass(frozen=True, eq=False)
class Columns:
    """Every tensor of a trace at once, column by column: what the drawing's structure
    (edges, paths, groups, labels) reads of all of them, with no TracedTensor made.

    Tensor ``i``'s inputs are ``inputs[starts[i]:starts[i + 1]]``; its op is
    ``op_names[op_codes[i]]`` (None: a leaf).
    """

    op_codes: np.ndarray                # int, per tensor: its op's position in op_names
    op_names: tuple[str | None, ...]    # each distinct op's name (None: a leaf)
    starts: np.ndarray                  # int64, n + 1 offsets into ``inputs``
    inputs: np.ndarray                  # int64: every tensor's inputs, in tensor order
    names: Sequence[str | None]
    scopes: Sequence[str | None]
    requires_grad: np.ndarray           # bool, per tensor
    literal: np.ndarray                 # bool: a leaf drawn by its value (the 2 of x * 2)
    on_path: np.ndarray | None = None   # bool: leads to the target (None: not worked out)
    ids: np.ndarray | None = None       # the recorder's own id of each tensor (None: none)

    def __len__(self) -> int:
        return len(self.op_codes)

    @cached_property
    def is_leaf(self) -> np.ndarray:
        """Per tensor: True for a leaf (no op made it)."""
        leaf_ops = np.array([name is None for name in self.op_names], dtype=bool)
        return leaf_ops[self.op_codes]

    @cached_property
    def counts(self) -> np.ndarray:
        """Per tensor: how many inputs it has."""
        return self.starts[1:] - self.starts[:-1]

    def op(self, i: int) -> str | None:
        """The op name of tensor ``i`` (None: a leaf)."""
        return self.op_names[self.op_codes[i]]


def offsets(counts: Sequence[int]) -> np.ndarray:
    """Where each of a run of parts starts, and (last) where the run ends.

    >>> offsets([2, 0, 1]).tolist()
    [0, 2, 2, 3]
    """
    starts = np.zeros(len(counts) + 1, np.int64)
    starts[1:] = np.cumsum(np.asarray(counts, dtype=np.int64))
    return starts


def codes_of(values: Sequence) -> tuple[np.ndarray, tuple]:
    """Each value's position among the distinct values, and those values in order of first
    appearance (hashable values; one pass in C).

    >>> codes, table = codes_of(["sin", None, "sin"]); codes.tolist(), table
    ([0, 1, 0], ('sin', None))
    """
    table = dict.fromkeys(values)
    position = {value: k for k, value in enumerate(table)}
    return np.fromiter(map(position.__getitem__, values), np.int64, len(values)), tuple(table)


def columns_of(tensors: Sequence[TracedTensor]) -> Columns:
    """The columns of a trace's tensors: those a recorder made with them, or read here from
    the TracedTensors (a trace built by hand, by PyTorch's recorder, by micrograd's).

    >>> x = TracedTensor(0, "x", None, "", (), False, (), (), np.array(3.0), True, None)
    >>> f = TracedTensor(1, None, "multiply", "×", (), True, (0, 0), (), np.array(9.0), False, None)
    >>> columns_of((x, f)).inputs.tolist(), columns_of((x, f)).op(1)
    ([0, 0], 'multiply')
    """
    made = getattr(tensors, "columns", None)
    if made is not None:
        return made
    op_codes, op_names = codes_of([t.op for t in tensors])
    starts = offsets([len(t.inputs) for t in tensors])
    inputs = np.fromiter((x for t in tensors for x in t.inputs), np.int64, int(starts[-1]))
    return Columns(
        op_codes, op_names, starts, inputs, [t.name for t in tensors],
        [t.scope for t in tensors], np.array([t.requires_grad for t in tensors], dtype=bool),
        np.array([t.op is None and not t.requires_grad and t.value is not None and
                  np.ndim(t.value) == 0 for t in tensors], dtype=bool))


class LazyTensors(Sequence[TracedTensor]):
    """The tensors of a large trace, each TracedTensor made when first read: a drawing of 41
    boxes reads a few of 100,000. ``columns`` holds what the drawing reads of every one.

    >>> x = TracedTensor(0, "x", None, "", (), False, (), (), np.array(3.0), True, None)
    >>> tensors = LazyTensors(lambda i: x, columns_of((x,))); len(tensors), tensors[0].name
    (1, 'x')
    """

    def __init__(self, make: Callable[[int], TracedTensor], columns: Columns) -> None:
        self._count = len(columns)
        self._make = make
        self._made: dict[int, TracedTensor] = {}
        self.columns = columns

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self._count))]
        if i < 0:
            i += self._count
        if not 0 <= i < self._count:
            raise IndexError(i)
        made = self._made.get(i)
        if made is None:
            made = self._made[i] = self._make(i)
        return made

    def __iter__(self) -> Iterator[TracedTensor]:
        return (self[i] for i in range(self._count))


class LazySteps(Sequence[TracedStep]):
    """The steps of a long backward pass, each made when first read: a drawing of 41 boxes
    reads a few of 100,000. ``outline`` gives, without making any step, what the drawing's
    structure needs: each step's tensor, and which inputs it sent a gradient (``Outline``).

    >>> outline = Outline(np.array([1, 0]), np.array([0, 1, 2]), np.array([True, False]))
    >>> steps = LazySteps(2, lambda k: TracedStep(k, np.array(1.0), (None,)), lambda: outline)
    >>> len(steps), steps[1].tensor
    (2, 1)
    """

    def __init__(self, count: int, make: Callable[[int], TracedStep],
                 outline: Callable[[], Outline | list[tuple[int, tuple[bool, ...]]]]
                 ) -> None:
        self._count = count
        self._make = make
        self._made: dict[int, TracedStep] = {}
        self.outline = outline

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, k):  # type: ignore[override]
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(self._count))]
        if k < 0:
            k += self._count
        if not 0 <= k < self._count:
            raise IndexError(k)
        step = self._made.get(k)
        if step is None:
            step = self._made[k] = self._make(k)
        return step


@dataclass(frozen=True, eq=False)
class Outline:
    """Each step's tensor and which of its inputs it sent a gradient, as arrays: step k's
    flags are ``sent[starts[k]:starts[k + 1]]``, one per input of ``tensors[k]``."""

    tensors: np.ndarray     # int64, per step
    starts: np.ndarray      # int64, steps + 1
    sent: np.ndarray        # bool


def step_outline(steps: Sequence[TracedStep]) -> Outline:
    """The Outline of a trace's steps (lazy ones say it without making a step; their
    ``outline`` may also give a list of (tensor, which inputs were sent a gradient)).

    >>> step_outline((TracedStep(1, np.array(1.0), (np.array(3.0), None)),)).sent.tolist()
    [True, False]
    >>> step_outline(LazySteps(1, None, lambda: [(1, (True, False))])).sent.tolist()
    [True, False]
    """
    if isinstance(steps, LazySteps):
        made = steps.outline()
        if isinstance(made, Outline):
            return made
        return Outline(np.array([tensor for tensor, _ in made], dtype=np.int64),
                       offsets([len(sent) for _, sent in made]),
                       np.array([flag for _, sent in made for flag in sent], dtype=bool))
    starts = offsets([len(s.contributions) for s in steps])
    return Outline(np.array([s.tensor for s in steps], dtype=np.int64), starts,
                   np.array([c is not None for s in steps for c in s.contributions], dtype=bool))


@dataclass(frozen=True, eq=False)
class TracedForwardStep:
    """One op forward mode went through: its inputs' tangents, what each contributes
    (∂out/∂input · tangent), the local derivatives of an elementwise op, and the sum."""

    tensor: int                                   # index of the op's result
    inputs: tuple[np.ndarray | None, ...]         # each input's tangent (None: carries none)
    contributions: tuple[np.ndarray | None, ...]  # J_i · tangent_i
    locals: tuple[np.ndarray | None, ...]         # ∂out/∂input of an elementwise op, else None
    tangent: np.ndarray                           # the result's tangent: the contributions' sum


@dataclass(frozen=True, eq=False)
class RuleCheck:
    """A hand-written backward rule of one op (micrograd's ``_backward``), checked.

    ``verdict``: "agrees", "disagrees" (the rule sent another gradient than the chain
    rule gives), "unchecked" (an op vizgrad does not know) or "raised" (``error``).
    Per input, in the op's input order: ``local`` its local derivative, ``expected`` the
    chain rule's contribution, ``parts`` that contribution per operand it is (``a * a``:
    two parts on one edge), ``uses`` how many operands it is (also for an unknown op).
    """

    rule: str                                     # the op as its author named it ("*")
    verdict: str
    local: tuple[np.ndarray, ...] = ()
    expected: tuple[np.ndarray, ...] = ()
    parts: tuple[tuple[np.ndarray, ...], ...] = ()
    uses: tuple[int, ...] = ()
    wrong: tuple[int, ...] = ()                   # the inputs it sent another gradient to
    error: str | None = None                      # what it raised; why it went unchecked
    by: str = "chain rule"  # what the rule is checked against: "numerical" (central
    # differences of the rest of the graph: vg.gradcheck(..., show=True)); then ``expected``
    # holds the numerical gradients and ``sent`` what the rule sent, per input
    sent: tuple[np.ndarray | None, ...] = ()


@dataclass(frozen=True, eq=False)
class Trace:
    """One computation, its backward pass and what the drawing marks on it."""

    tensors: Sequence[TracedTensor]             # a tuple, or LazyTensors (same reading)
    target: int                                   # the tensor backpropagation started from
    seed: np.ndarray | None                       # the gradient it started with (None: no pass)
    steps: Sequence[TracedStep]                   # in the order they ran
    totals: Mapping[int, np.ndarray]              # index -> total gradient that reached it
    sources: tuple[int, ...] = ()                 # the tensors gradients were asked for
    stopped: frozenset[int] = frozenset()         # treated as constants (stop_gradients, detach)
    outside_tape: frozenset[int] = frozenset()    # ops a GradientTape did not record
    kind: str = "gradients"           # "backward", "gradients", "tape", "torch", "micrograd"
    notes: tuple[str, ...] = ()                   # said at step 0 (e.g. what was not recorded)
    previous_grads: Mapping[int, np.ndarray] = field(default_factory=dict)
    # ^ a leaf's accumulated gradient from earlier backward passes (PyTorch's .grad)
    stopped_by: str = "stop_gradients"  # what made ``stopped`` constants ("detach() / no_grad()")
    target_name: str | None = None                # the output's name, when the namespace
    # gives the target a second name (v5 = v4 - v3; y = v5): the op is then drawn as v5
    mode: str = "reverse"                         # "forward": the steps are forward_steps
    forward_steps: tuple[TracedForwardStep, ...] = ()  # in the order the ops ran
    tangents: Mapping[int, np.ndarray] = field(default_factory=dict)  # index -> tangent
    seeded: tuple[int, ...] = ()                  # the leaves given a tangent (the seed)
    checks: Mapping[int, RuleCheck] = field(default_factory=dict)
    # ^ op index -> its hand-written backward rule, checked (a micrograd-style engine)

    def tensor(self, index: int) -> TracedTensor:
        """The tensor at ``index``."""
        return self.tensors[index]
