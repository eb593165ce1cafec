"""Recording a PyTorch computation and the backward pass PyTorch's engine runs on it.

Forward: a ``TorchFunctionMode`` sees every PyTorch function at the level a
user called it (``F.linear``, ``F.cross_entropy``, ``x * w``), not the aten
kernels underneath (``addmm``, ``_log_softmax``, ``nll_loss_forward``) that a
dispatch mode would see, so the drawing uses the names in the user's code.
Global module hooks keep the stack of ``nn.Module`` names the call ran in.

Backward: each recorded op owns the autograd nodes between its output's
``grad_fn`` and its inputs' gradient edges (``linear`` owns ``AddmmBackward0``
and ``TBackward0``). A post-hook on the first gives the gradient that reached
the op, post-hooks on those that feed an input give each input's
contribution (the transpose of a weight inside ``linear`` is read from the node
before it: it passes the same numbers on, transposed), and pre-hooks on
``AccumulateGrad`` give what reached each leaf (what PyTorch adds to ``.grad``).
Hooks fire in the order the engine runs the nodes, so the steps are PyTorch's,
not a re-simulation. A hook only keeps what its node received and sent; the
pass is read from that when drawn.

>>> import torch
>>> w = torch.tensor([2.0, 3.0], requires_grad=True)
>>> with record() as rec:
...     loss = (w * w).sum()
>>> loss.backward()
>>> [op.look.name for op in rec.entries if op.look]
['mul', 'sum']
"""

from __future__ import annotations

import inspect
import sys
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import torch
from torch.overrides import TorchFunctionMode, resolve_name

from ..drawing.graph import paused_gc
from ..errors import VizgradError
from .naming import Look, describe


class _Recorded:
    """tensor -> (the Recording that made it, its entry index), holding no tensor alive.

    A plain dict by ``id()``, each row with a weak reference to its tensor that deletes the
    row when the tensor dies: several times cheaper per op than a weak-keyed dictionary.
    """

    def __init__(self) -> None:
        self._rows: dict[int, tuple[Recording, int, weakref.ref]] = {}

    def add(self, t: torch.Tensor, recording: Recording, index: int) -> None:
        key = id(t)
        self._rows[key] = (recording, index, weakref.ref(t, partial(self._forget, key)))

    def _forget(self, key: int, ref: weakref.ref) -> None:
        row = self._rows.get(key)
        if row is not None and row[2] is ref:
            del self._rows[key]

    def get(self, t: Any, default: Any = None) -> Any:
        """(recording, entry index) of ``t``, or ``default`` if no recording made it."""
        row = self._rows.get(id(t))
        if row is not None and row[2]() is t:
            return row[0], row[1]
        if _active is not None:  # still recording: rows are added when it ends
            index = _active._made.get(id(t))
            if index is not None:
                return _active, index
        return default

    def __getitem__(self, t: torch.Tensor) -> tuple[Recording, int]:
        found = self.get(t)
        if found is None:
            raise KeyError("this tensor was not made inside vizgrad.torch.record()")
        return found


# every tensor an op made inside record() and still used when it ended, weakly: its
# recording is kept while the tensor lives
RECORDED = _Recorded()

# PyTorch function -> (its name, how it is drawn, the position of its ``inplace`` argument)
_NAMES: dict[Any, tuple[Look, int | None, bool]] = {}

# functions that read a tensor rather than compute a new one
_NOT_OPS = frozenset({
    "grad", "data", "shape", "dtype", "device", "requires_grad", "grad_fn", "is_leaf",
    "layout", "names", "ndim", "output_nr", "_version", "_base", "is_cuda", "is_sparse",
    "__repr__", "__format__", "__str__", "numpy", "item", "tolist", "size", "dim", "numel",
    "__len__", "__bool__", "__index__", "__int__", "__float__", "__hash__", "__iter__",
    "register_hook", "retain_grad", "requires_grad_", "data_ptr", "storage",
    "untyped_storage", "stride", "is_contiguous", "element_size", "__reduce_ex__",
    "__deepcopy__", "__setstate__", "type", "is_floating_point", "get_device", "__array__",
    "__contains__", "_is_view", "has_names", "__dlpack__", "new_empty", "new_zeros",
    "new_ones", "new_full", "new_tensor", "zeros_like", "ones_like", "empty_like",
    "full_like", "rand_like", "randn_like", "retains_grad", "is_complex", "nelement",
    "_has_symbolic_sizes_strides", "__get__", "__set__", "__torch_function__",
})
_Tensor = torch.Tensor
_ACCUMULATE_GRAD = torch._C._functions.AccumulateGrad  # the node that adds into .grad
_T_BACKWARD = type(torch.zeros(1, 1, requires_grad=True).t().grad_fn)  # weight.t() in linear
_ARITHMETIC = frozenset({"add", "sub", "mul", "div", "pow", "add_", "sub_", "mul_", "div_",
                         "pow_", "maximum", "minimum"})


@dataclass(eq=False, slots=True)  # slots: no dict per tensor, fewer objects to collect
class Entry:
    """One tensor of a recording: a leaf (``look`` is None) or the result of one call."""

    index: int
    look: Look | None
    inputs: tuple[int, ...]
    value: torch.Tensor | None            # the tensor's values when it was made or first used
    requires_grad: bool
    scope: int | None                     # id() of the innermost module it ran in
    name: str | None = None
    stopped: bool = False                 # made by detach() or under torch.no_grad()
    leaf: weakref.ref | None = None       # a leaf's tensor, for a pass run for the drawing
    note: str | None = None
    external: bool = False                # made by autograd before the recording started
    version: int | None = None            # ``value`` is an alias at this version (None: a copy)
    refused: str | None = None            # why this tensor cannot be drawn right

    def current_value(self) -> torch.Tensor | None:
        """Its values as recorded, or None when an alias was changed in place since."""
        if self.version is None or self.value._version == self.version:
            return self.value
        return None

    def own(self) -> None:
        """Copy the values before an in-place op changes the tensor they alias."""
        if self.version is not None:
            self.value, self.version = self.value.clone(), None


@dataclass(eq=False)
class Pass:
    """What one run of PyTorch's engine did through a recording's ops."""

    kind: str                                              # "backward" or "gradients"
    order: list[int] = field(default_factory=list)         # ops, as the engine reached them
    upstream: dict[int, torch.Tensor] = field(default_factory=dict)
    contributions: dict[int, dict[int, torch.Tensor]] = field(default_factory=dict)
    leaf_totals: dict[int, torch.Tensor] = field(default_factory=dict)
    previous: dict[int, torch.Tensor] = field(default_factory=dict)   # .grad before it
    # what each hooked node received and sent, in the order the engine ran them; read
    # into the fields above by ``settle`` (the hooks do no more than keep it)
    log: list[tuple[tuple, tuple, tuple]] = field(default_factory=list)

    def settle(self) -> Pass:
        """Read the nodes' gradients kept so far into ``order``, ``upstream``, ``contributions``."""
        if self.log:
            with torch._C.DisableTorchFunction():  # inside record(): not ops of the recording
                self._settle()
        return self

    def _settle(self) -> None:
        log, self.log = self.log, []
        order, upstream, contributions = self.order, self.upstream, self.contributions
        for (heads, targets), grad_inputs, grad_outputs in log:
            for op, output_nr in heads:
                g = grad_outputs[output_nr] if output_nr < len(grad_outputs) else None
                if g is not None:
                    order.append(op)
                    upstream[op] = g
            for op, j, position, transposed in targets:
                g = grad_inputs[j]
                if g is not None:
                    if transposed:
                        g = g.t()
                    pieces = contributions.get(op)
                    if pieces is None:
                        contributions[op] = {position: g}
                    else:
                        before = pieces.get(position)
                        pieces[position] = g if before is None else before + g


class InPlaceError(VizgradError, RuntimeError):
    """PyTorch's version counter caught a tensor changed in place after an op saved it."""


def explain(error: RuntimeError) -> InPlaceError | None:
    """PyTorch's version-counter error, said in vizgrad's words (None for any other error)."""
    text = str(error)
    if "modified by an inplace operation" not in text:
        return None
    return InPlaceError(
        "A tensor was changed in place (add_, relu_, x += ..., x[i] = ...) after an op had "
        "saved it for the backward pass, so its gradient would be computed from the wrong "
        "values; PyTorch's version counter noticed and refused. PyTorch says: "
        f"{text.splitlines()[0]} Fix: use the out-of-place form (x = x + 1 instead of "
        "x.add_(1) or x += 1), or .clone() the tensor before changing it.")


def _copy(t: torch.Tensor) -> torch.Tensor:
    return t.detach().clone()

# Gradients seen by the hooks are kept as the very tensor objects PyTorch passed, not
# copies: while a reference is held, PyTorch's engine neither adds into that tensor in
# place nor adopts it as a leaf's .grad (it copies instead), so the values stay as they
# were, and a leaf used once costs one copy (PyTorch's) instead of two.


_task_id = torch._C._current_graph_task_id  # the backward pass running now (-1: none)


class Recording:
    """The tensors and calls seen inside one ``record()`` block, and the passes run on them."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.passes: dict[int, Pass] = {}
        # id(tensor) -> (entry, version); ids stay unique while recording, as every tensor
        # seen is kept alive until ``finish`` (a leaf's entry keeps a weak reference after)
        self._where: dict[int, tuple[int, int]] = {}
        self._alive: list[torch.Tensor] = []      # kept while recording: ids stay unique
        self._made: dict[int, int] = {}           # id(tensor) -> the last entry an op made it
        self._gradless: set[int] = set()          # entries of ops that made no gradient path
        self._pending: list[tuple] = []           # ops whose autograd nodes need hooks
        self._accumulators: dict[int, Any] = {}   # leaf entry -> its AccumulateGrad node
        self._hooked: set[int] = set()            # leaf entries whose node has a hook
        self._heads: set[int] = set()             # id() of the autograd nodes ops start at
        self._owned: set[int] = set()             # id() of nodes some op's walk went through
        self._constants: dict[tuple, torch.Tensor] = {}  # the 2 of x * 2, made once
        self._last_task: int | None = None
        self._current: Pass | None = None          # the pass of ``_last_task``
        self.next_kind = "backward"
        self.scopes: list[int | None] = [None]     # id() of the modules running, innermost last
        # names as the model called at the top knows them ("0.weight" in model.features);
        # a namespace holding the whole model gives full paths when drawn (module_paths)
        self.module_names: dict[int, str] = {}
        self.param_names: dict[int, str] = {}

    # -- forward ------------------------------------------------------------------------
    def _leaf(self, t: torch.Tensor, changed: bool) -> int:
        """A new leaf entry for ``t``: unseen, or ``changed`` in place since its last entry."""
        # a parameter is copied (an optimizer step will change it in place); anything
        # else is aliased and checked against its version counter when drawn
        grad_fn, requires_grad, version = t.grad_fn, t.requires_grad, t._version
        variable = requires_grad and grad_fn is None
        entry = Entry(len(self.entries), None, (), _copy(t) if variable else t.detach(),
                      requires_grad, None, name=self.param_names.get(id(t)),
                      leaf=weakref.ref(t), version=None if variable else version)
        if changed:
            entry.note = ("changed in place since its earlier use (an optimizer step, or an "
                          "op outside the recording); drawn with the values this op used")
        elif grad_fn is not None:
            entry.external = True
            entry.note = ("computed before the recording started, so the ops that made it are "
                          "not drawn; put them inside `with vizgrad.torch.record():` too")
        self.entries.append(entry)
        self._where[id(t)] = (entry.index, version)
        self._alive.append(t)
        return entry.index

    def leaf_index(self, t: torch.Tensor) -> int | None:
        """The leaf entry of a tensor this recording used, or None."""
        found = self._where.get(id(t))
        if found is None:
            return None
        entry = self.entries[found[0]]
        if entry.look is not None or entry.leaf is None or entry.leaf() is not t:
            return None
        return found[0]

    def call(self, func: Any, args: tuple, kwargs: dict) -> Any:
        """Run one PyTorch function and record it if it computes a tensor from tensors."""
        named = _NAMES.get(func)
        if named is None:
            named = _name(func)
        look, inplace_at, passive = named
        if passive:  # x.shape, x.size(), x.grad: reads a tensor, computes nothing
            return func(*args, **kwargs)
        if inplace_at is not None and not look.inplace and _asks_inplace(args, kwargs, inplace_at):
            look = _in_place(look)  # F.relu(x, inplace=True), nn.ReLU(inplace=True)
        if look.name == "backward":
            return self._backward(func, args, kwargs)
        tensors, numbers = _operands(args, kwargs, look.name in _ARITHMETIC)
        if not tensors or (look.inplace or look.name[:1] == "_") and \
                _updates_a_parameter(look, tensors):
            return func(*args, **kwargs)
        if look.reversed:
            tensors = tensors[::-1]
            if numbers is not None:
                numbers = {len(tensors) - 1 - k: n for k, n in numbers.items()}
        where, entries = self._where, self.entries
        inputs: list = []
        edges: list = []
        grads = False
        for t in tensors:
            if t is None:
                inputs.append(None)
                edges.append(None)
                continue
            found = where.get(id(t))  # its entry, unless unseen or changed in place since
            index = found[0] if found is not None and found[1] == t._version else \
                self._leaf(t, found is not None)
            inputs.append(index)
            if t.requires_grad:
                grads = True
                grad_fn = t.grad_fn
                if grad_fn is not None:
                    if index in self._gradless:  # made without autograd, then given grad_fn
                        entries[index].refused = refusal(grad_fn)
                    edges.append((grad_fn, t.output_nr))
                else:  # a leaf: its AccumulateGrad node is found when the graph is walked
                    edges.append((None, id(t), index))
            else:
                edges.append(None)
        first = tensors[0]
        if look.inplace and inputs[0] is not None:
            entries[inputs[0]].own()
        version = first._version if first is not None else None
        result = func(*args, **kwargs)
        if isinstance(result, _Tensor):
            if result is first:
                if first._version == version:  # .to() of the same dtype, .contiguous() of a
                    return result              # contiguous tensor, dropout(inplace) in eval
                if first.requires_grad and first.grad_fn is None:
                    return result  # a leaf set under no_grad (nn.init): a new value, not an op
                look = _in_place(look)  # it changed its input and returned it
            outputs = (result,)
        else:
            if isinstance(result, (tuple, list)):
                outputs = [r for r in result if isinstance(r, _Tensor)]
            else:
                outputs = []
            if not outputs and look.inplace:  # x[0] = 5 returns None and changes x
                outputs = [first]
            if not outputs:
                return result
            if len(outputs) == 1 and outputs[0] is first:
                if first._version == version:
                    return result
                if first.requires_grad and first.grad_fn is None:
                    return result
                look = _in_place(look)
        if numbers is not None:  # x * 2: the 2 is drawn as a constant
            for k, number in numbers.items():
                inputs[k] = self._constant(number)
        stopped = grads and not torch.is_grad_enabled() or look.name == "detach"
        inputs = tuple(inputs)
        scope, alive, made = self.scopes[-1], self._alive, self._made
        for out in outputs:
            grad_fn, version = out.grad_fn, out._version
            index = len(entries)
            requires_grad = grad_fn is not None or out.requires_grad
            entries.append(Entry(index, look, inputs, out.detach(), requires_grad, scope, None,
                                 stopped, None, None, False, version))
            where[id(out)] = (index, version)
            made[id(out)] = index
            alive.append(out)
            if grad_fn is not None:
                self._pending.append((index, grad_fn, out.output_nr, edges))
            elif not requires_grad:
                self._gradless.add(index)
        return result

    def _backward(self, func: Any, args: tuple, kwargs: dict) -> Any:
        self.attach_hooks()
        try:
            return func(*args, **kwargs)
        except RuntimeError as error:
            explained = explain(error)
            if explained is None:
                raise
            raise explained from error

    def _constant(self, number: float) -> int:
        # one tensor per distinct number (never changed in place: no op takes it first);
        # 0.0 and -0.0 are equal keys but drawn apart, so zero is made each time
        dtype = torch.get_default_dtype()
        value = self._constants.get((number, dtype)) if number else None
        if value is None:
            value = torch.tensor(number)
            if number:
                self._constants[(number, dtype)] = value
        entry = Entry(len(self.entries), None, (), value, False, None)
        self.entries.append(entry)
        return entry.index

    def finish(self) -> None:
        """End recording: hooks on the autograd graph, and no more strong references."""
        with paused_gc():  # many small objects, no cycles: a collection would walk them all
            self.attach_hooks()
            # the tensors ops made that outlive the recording can be drawn (RECORDED); the
            # others (most: intermediate results) die with the list that kept them
            made = self._made
            outputs = {id(t): t for t in self._alive if id(t) in made}
            self._alive.clear()
            for key in list(outputs):
                if sys.getrefcount(outputs[key]) > 2:  # more than ``outputs`` and the argument
                    RECORDED.add(outputs[key], self, made[key])
            made.clear()
        self._accumulators.clear()
        self._constants.clear()

    def enter_module(self, module: torch.nn.Module, inputs: Any) -> None:
        """A forward pre-hook of every module: ops run now are inside ``module``."""
        if id(module) not in self.module_names:  # a model called at the top: name what it has
            count = len(module._modules)
            cached = _MODEL_NAMES.get(module)
            if cached is None or cached[0] != count:  # named once per model, not per step
                cached = _MODEL_NAMES[module] = (
                    count, {id(sub): sub_name for sub_name, sub in module.named_modules()},
                    {id(param): param_name for param_name, param in module.named_parameters()})
            for mine, theirs in ((self.module_names, cached[1]), (self.param_names, cached[2])):
                for key, value in theirs.items():
                    mine.setdefault(key, value)
        self.scopes.append(id(module))

    def leave_module(self, module: torch.nn.Module, inputs: Any, output: Any) -> None:
        """A forward hook of every module: ``module`` has returned."""
        if len(self.scopes) > 1:
            self.scopes.pop()

    # -- backward -------------------------------------------------------------------------
    def attach_hooks(self) -> None:
        """Put hooks on the autograd nodes of the ops recorded since the last call.

        One post-hook per node: its ``grad_outputs`` are what reached the op (when the
        node is an op's first), its ``grad_inputs`` what it sends to the op's inputs.
        """
        pending, self._pending = self._pending, []
        plans: dict[int, tuple[Any, list, list]] = {}
        heads_seen, owned = self._heads, self._owned
        for op, head, output_nr, edges in pending:
            key = id(head)
            plan = plans.get(key)
            if plan is None:
                plan = plans[key] = (head, [], [])
            plan[1].append((op, output_nr))
            if key in heads_seen:
                continue  # a second output of one node (split, max with indices)
            heads_seen.add(key)
            owned.add(key)
            if not self._direct(op, head, edges, plan):
                self._walk(op, head, edges, plan, plans)
        node_hook = self._node_hook
        for node, heads, targets in plans.values():
            node.register_hook(partial(node_hook, (tuple(heads), tuple(targets))))
        for leaf, node in self._accumulators.items():  # those the walks found
            if leaf not in self._hooked:
                self._hooked.add(leaf)
                node.register_prehook(partial(self._leaf_hook, leaf))

    def _direct(self, op: int, head: Any, edges: list, plan: tuple) -> bool:
        """Plan an op whose one node takes its operands in order (x * y, sigmoid(x)): slot j
        is input j. False (nothing planned) for any other op, which is walked."""
        functions = head.next_functions
        if len(functions) != len(edges):
            return False
        leaves = None
        for pair, edge in zip(functions, edges):
            if edge is None:
                if pair[0] is not None:
                    return False
            elif len(edge) == 2:
                if pair != edge:
                    return False
            elif type(pair[0]) is not _ACCUMULATE_GRAD or id(pair[0].variable) != edge[1]:
                return False
            elif leaves is None:
                leaves = [(edge[2], pair[0])]
            else:
                leaves.append((edge[2], pair[0]))
        plan[2].extend([(op, j, j, False) for j, edge in enumerate(edges) if edge is not None])
        if leaves is not None:
            for leaf, node in leaves:
                self._accumulators.setdefault(leaf, node)
        return True

    def _walk(self, op: int, head: Any, edges: list, plan: tuple, plans: dict) -> None:
        """Add to ``plans`` the nodes from ``head`` that send a gradient to an input:
        node -> [(op, slot, input position)]."""
        # an edge -> the positions it is the input at (x * x: twice, in order); a leaf's
        # edge is its AccumulateGrad node, found here by its tensor (id -> entry)
        wanted: dict[Any, list[int]] = {}
        leaves: dict[int, int] | None = None
        for position, edge in enumerate(edges):
            if edge is None:
                continue
            if len(edge) == 3:  # (None, id(leaf tensor), its entry)
                if leaves is None:
                    leaves = {}
                leaves[edge[1]] = edge[2]
                edge = edge[1]
            found = wanted.get(edge)
            if found is None:
                wanted[edge] = [position]
            else:
                found.append(position)
        last: dict[Any, int] = {}
        # a node walked once belongs to that op: the next output of one call (GRU's h_n
        # after its output) or a later op does not count its gradient twice; and so the
        # walks together visit each autograd node once, however long the chain inside a call
        owned, heads = self._owned, self._heads
        node, stack = head, None
        while True:
            targets = None
            for j, pair in enumerate(node.next_functions):
                key = pair
                queue = wanted.get(pair)
                if queue is None:
                    nxt = pair[0]
                    if nxt is None:
                        continue
                    if type(nxt) is _ACCUMULATE_GRAD:
                        if leaves is None:
                            continue
                        key = id(nxt.variable)
                        queue = wanted.get(key)
                        if queue is None:
                            continue
                        self._accumulators.setdefault(leaves[key], nxt)
                    else:
                        if id(nxt) in owned or id(nxt) in heads:
                            continue
                        owned.add(id(nxt))
                        key = self._transposed_input(nxt, wanted, leaves)
                        if key is None:
                            if stack is None:
                                stack = [nxt]
                            else:
                                stack.append(nxt)
                            continue
                        # linear's weight.t(): what it sends is what it got, transposed (a
                        # view), so it is read from this node instead of a hook of its own
                        queue = wanted[key]
                        if queue:
                            last[key] = queue.pop(0)
                        if targets is None:
                            targets = plan[2] if node is head else []
                        targets.append((op, j, last[key], True))
                        continue
                if queue:  # the same tensor twice (x * x): its uses in order
                    last[key] = queue.pop(0)
                if targets is None:
                    targets = plan[2] if node is head else []
                targets.append((op, j, last[key], False))
            if targets is not None and node is not head:
                inner = plans.get(id(node))
                if inner is None:
                    plans[id(node)] = (node, [], targets)
                else:
                    inner[2].extend(targets)
            if not stack:
                return
            node = stack.pop()

    def _transposed_input(self, node: Any, wanted: dict, leaves: dict | None) -> Any:
        """The key in ``wanted`` of the input a TBackward0 node sends its gradient to (None:
        another node, or a transpose that does not lead straight to an input)."""
        functions = node.next_functions
        if type(node) is not _T_BACKWARD or len(functions) != 1:
            return None
        pair = functions[0]
        if pair in wanted:
            return pair
        nxt = pair[0]
        if leaves is not None and type(nxt) is _ACCUMULATE_GRAD and id(nxt.variable) in wanted:
            self._accumulators.setdefault(leaves[id(nxt.variable)], nxt)
            return id(nxt.variable)
        return None

    def _pass(self) -> Pass:
        task = _task_id()
        if task != self._last_task:
            self._last_task = task
            self._current = self.passes[task] = Pass(self.next_kind)
            while len(self.passes) > 4:  # a training loop: keep the last few
                del self.passes[next(iter(self.passes))]
        return self._current

    def _node_hook(self, plan: tuple, grad_inputs: tuple, grad_outputs: tuple) -> None:
        if _task_id() != self._last_task:
            self._pass()
        self._current.log.append((plan, grad_inputs, grad_outputs))

    def _leaf_hook(self, leaf: int, grad_outputs: tuple) -> None:
        if _task_id() != self._last_task:
            return  # a pass through another recording's graph that shares this leaf
        p = self._pass()
        p.leaf_totals[leaf] = grad_outputs[0]
        ref = self.entries[leaf].leaf
        tensor = ref() if ref is not None else None
        if tensor is not None and tensor.grad is not None:
            p.previous[leaf] = _copy(tensor.grad)

    def run_for_drawing(self, target: torch.Tensor) -> Pass | None:
        """Backpropagate from ``target`` to its leaves without touching ``.grad``."""
        leaves = {}
        for entry in self.entries:
            tensor = entry.leaf() if entry.leaf is not None else None
            if tensor is not None and tensor.requires_grad and tensor.grad_fn is None:
                leaves[entry.index] = tensor
        if target.grad_fn is None or not leaves:
            return None
        self.attach_hooks()
        self.next_kind = "gradients"
        try:
            grads = torch.autograd.grad(target, list(leaves.values()),
                                        torch.ones_like(target), retain_graph=True,
                                        allow_unused=True)
        finally:
            self.next_kind = "backward"
        p = self.passes.get(self._last_task)
        if p is None or p.kind != "gradients":
            return None
        p.settle()
        for index, g in zip(leaves, grads):
            if g is not None:
                p.leaf_totals[index] = g
        return p


def _name(func: Any) -> tuple[Look, int | None, bool]:
    """How ``func`` is drawn, where it takes ``inplace``, and whether it only reads a tensor;
    worked out once per function (resolve_name is slow: it silences warnings on every call)."""
    qualified = resolve_name(func) or getattr(func, "__name__", "op")
    look = describe(qualified)
    passive = look.name in _NOT_OPS or qualified.endswith(".__get__") and \
        look.name not in ("T", "mT", "transpose")
    named = _NAMES[func] = (look, _inplace_position(func), passive)
    return named


def _inplace_position(func: Any) -> int | None:
    """Where ``func`` takes an ``inplace`` flag (``F.relu(input, inplace=False)``: 1), or None."""
    try:
        parameters = list(inspect.signature(func).parameters)
    except (TypeError, ValueError):  # a builtin without a signature: relu_ says it by name
        return None
    return parameters.index("inplace") if "inplace" in parameters else None


def _asks_inplace(args: tuple, kwargs: dict, position: int) -> bool:
    flag = kwargs.get("inplace", args[position] if position < len(args) else False)
    return bool(flag) and isinstance(flag, bool)


_IN_PLACE: dict[Look, Look] = {}


def _in_place(look: Look) -> Look:
    """The look of the in-place form of an op (``relu`` -> ``relu_``)."""
    if look.inplace:
        return look
    found = _IN_PLACE.get(look)
    if found is None:
        found = _IN_PLACE[look] = look._replace(name=look.name + "_", inplace=True)
    return found


def refusal(grad_fn: Any) -> str:
    """Why a tensor whose ops ran without autograd, then gained ``grad_fn``, is not drawn."""
    name = grad_fn.name()
    if name.startswith("CheckpointFunction"):
        return ("torch.utils.checkpoint(..., use_reentrant=True) ran these ops without "
                "autograd and recomputes them in a separate backward pass that vizgrad cannot "
                "follow, so their parameters' gradients would be drawn as missing. Fix: pass "
                "use_reentrant=False (PyTorch's recommended mode), which vizgrad draws exactly")
    return (f"a custom torch.autograd.Function made this tensor ({name}); its forward ran "
            "without autograd, so the ops inside it and what each input receives cannot be "
            "drawn. Fix: draw the code without the Function (its plain PyTorch ops), or draw "
            "a tensor computed before it")


def _updates_a_parameter(look: Look, tensors: list) -> bool:
    """An optimizer's in-place step on a parameter: not part of the computation drawn."""
    if look.name.startswith(("_foreach", "_fused")):
        return True
    first = tensors[0]
    return look.inplace and first is not None and first.requires_grad and \
        first.grad_fn is None and not torch.is_grad_enabled()


def _operands(args: tuple, kwargs: dict, arithmetic: bool) -> tuple[list, dict | None]:
    """The tensor operands of a call, in order, and the numbers of ``x * 2`` (an arithmetic
    op's, by position among them; None without any)."""
    tensors: list = []
    numbers: dict | None = None
    for a in (*args, *kwargs.values()) if kwargs else args:
        if isinstance(a, _Tensor):
            tensors.append(a)
        elif isinstance(a, (list, tuple)):
            for item in a:
                if isinstance(item, _Tensor):
                    tensors.append(item)
        elif arithmetic and isinstance(a, (int, float)) and not isinstance(a, bool) and \
                len(tensors) + (0 if numbers is None else len(numbers)) < 2:
            if numbers is None:
                numbers = {}
            numbers[len(tensors)] = float(a)
            tensors.append(None)
    if numbers is None:
        return tensors, None
    for t in tensors:  # a loop, not all(): no generator per op (and no tensor == None)
        if t is not None:
            return tensors, numbers
    return [], None


_NO_KEYWORDS: dict = {}  # a call without keyword arguments (never changed)


class _Mode(TorchFunctionMode):
    def __init__(self, recording: Recording) -> None:
        super().__init__()
        self.call = recording.call

    def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: ANN001, ANN204
        return self.call(func, args, kwargs or _NO_KEYWORDS)


_active = None


@contextmanager
def record() -> Iterator[Recording]:
    """Record every PyTorch op run inside the block, with its values and module.

    >>> import torch
    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> with record():
    ...     y = (x * 3).sum()
    >>> y.backward()
    >>> from vizgrad.torch import trace_of
    >>> trace_of(y).totals[0]
    array([3., 3.], dtype=float32)
    """
    global _active
    if _active is not None:  # inside another record() (a %%vizgrad cell): one recording
        yield _active
        return
    recording = Recording()
    pre = torch.nn.modules.module.register_module_forward_pre_hook(recording.enter_module)
    post = torch.nn.modules.module.register_module_forward_hook(recording.leave_module)
    _active = recording
    try:
        with _Mode(recording):
            yield recording
    finally:
        _active = None
        pre.remove()
        post.remove()
        recording.scopes[:] = [None]
        recording.finish()


# a model -> (its number of modules, module names, parameter names), by object id
_MODEL_NAMES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def as_numpy(t: torch.Tensor | None) -> np.ndarray | None:
    """A private tensor copy as a numpy array (bfloat16 widened to float32)."""
    if t is None:
        return None
    try:
        return t.numpy()  # a CPU tensor of a numpy dtype: shares its memory, no copy
    except (RuntimeError, TypeError):  # bfloat16, on a GPU, with the conjugate bit set
        pass
    if t.dtype == torch.bfloat16:
        t = t.float()
    return t.cpu().resolve_conj().resolve_neg().numpy()


def module_paths(recording: Recording, names: Mapping[str, Any]) -> tuple[dict, dict]:
    """(module id -> its path, parameter id -> its path), full paths from ``names``' models.

    A model in the namespace names what it holds from its root (``features.0.weight``
    even when ``model.features`` was called on its own); the longest path wins (``model``
    over ``features = model.features``). Modules outside the namespace keep the names
    they had when called.
    """
    modules, params = dict(recording.module_names), dict(recording.param_names)
    found_modules: dict[int, str] = {}
    found_params: dict[int, str] = {}
    for key, value in names.items():
        if key.startswith("_") or not isinstance(value, torch.nn.Module):
            continue
        for path, sub in value.named_modules(remove_duplicate=False):
            if id(sub) in modules and len(path) >= len(found_modules.get(id(sub), "")):
                found_modules[id(sub)] = path
        for path, param in value.named_parameters(remove_duplicate=False):
            if len(path) > len(found_params.get(id(param), "")):
                found_params[id(param)] = path
    modules.update(found_modules)
    params.update(found_params)
    return modules, params
