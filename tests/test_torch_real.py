"""Real PyTorch programs, drawn edge by edge exactly as PyTorch computed them.

Each program is a minimal copy of public code (attribution at each class).
The oracle is PyTorch, run independently of vizgrad's hooks: a call log (a
TorchFunctionMode of the test's own) keeps every call's function and a copy
of its arguments, and a tensor hook on each result catches the gradient that
reached it. Each drawn edge is then checked against PyTorch's derivative of
that one call alone (``torch.autograd.grad`` of a re-run on copies), each op's
upstream against its hook, and each parameter against its ``.grad``.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed; `pip install torch==2.13.0` (the CPU wheel) "
    "or `pip install 'vizgrad-autodiff[torch]'` runs these tests")
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.overrides import TorchFunctionMode, resolve_name  # noqa: E402
from torch.utils.checkpoint import checkpoint  # noqa: E402

import vizgrad as vg  # noqa: E402
import vizgrad.torch as vt  # noqa: E402
from vizgrad.drawing.format import short  # noqa: E402
from vizgrad.torch.naming import describe  # noqa: E402
from vizgrad.torch.record import _ARITHMETIC, RECORDED  # noqa: E402

from .torch_programs import (  # noqa: E402
    GPT,
    RNN,
    BasicBlock,
    Block,
    GPTConfig,
    RNNConfig,
    conv1x1,
)

# --- the oracle ----------------------------------------------------------------------------

@dataclass
class Call:
    func: object
    args: tuple            # copies of the arguments as the call saw them
    kwargs: dict
    outputs: list          # the result tensors
    entries: list          # their (recording, entry index) in vizgrad's recording
    upstream: dict         # output position -> the gradient PyTorch's engine sent to it


def _copy_tree(value):
    if isinstance(value, torch.Tensor):
        return value.detach().clone().requires_grad_(value.requires_grad)
    if isinstance(value, (list, tuple)):
        return type(value)(_copy_tree(v) for v in value)
    if isinstance(value, dict):
        return {k: _copy_tree(v) for k, v in value.items()}
    return value


def _tensors(value) -> list:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors(v)]
    return []


class CallLog(TorchFunctionMode):
    """Every PyTorch call inside it, with copies of its arguments and hooks on its results."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.claimed: set = set()  # entries of earlier calls (dropout(p=0) returns its input)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        with torch._C.DisableTorchFunction():
            before = _copy_tree((args, kwargs))
        result = func(*args, **kwargs)  # vizgrad's recording (outside this mode) sees it
        outputs = _tensors(result)
        if result is None and args and isinstance(args[0], torch.Tensor):
            outputs = [args[0]]  # x[0] = 5 changes x
        found = [RECORDED.get(out) for out in outputs]
        if outputs and all(f is not None for f in found) and \
                all(f[0] is found[0][0] for f in found) and found[0][1] not in self.claimed:
            self.claimed.update(f[1] for f in found)
            call = Call(func, before[0], before[1], outputs, found, {})
            with torch._C.DisableTorchFunction():
                for k, out in enumerate(outputs):
                    if out.requires_grad:
                        out.register_hook(lambda g, k=k, call=call: call.upstream.__setitem__(
                            k, g.detach().clone()))
            self.calls.append(call)
        return result


def run_logged(program):
    """Run ``program()`` inside ``vizgrad.torch.record()`` and the call log; its result."""
    with vt.record(), CallLog() as log:
        result = program()
    return result, log


def operand_positions(call: Call) -> list:
    """The call's operands as vizgrad draws a call's inputs: tensors, then numbers, in order."""
    look = describe(resolve_name(call.func) or call.func.__name__)
    operands: list = []
    for a in (*call.args, *call.kwargs.values()):
        if isinstance(a, torch.Tensor):
            operands.append(a)
        elif isinstance(a, (list, tuple)):
            operands.extend(item for item in a if isinstance(item, torch.Tensor))
        elif look.name in _ARITHMETIC and isinstance(a, (int, float)) and \
                not isinstance(a, bool) and len(operands) < 2:
            operands.append(None)  # x * 2: the 2 is drawn as a constant, with no gradient
    return operands[::-1] if look.reversed else operands


def call_vjp(call: Call) -> list:
    """PyTorch's own derivative of this one call: what each operand gets from its outputs."""
    def fresh(value):
        if isinstance(value, torch.Tensor):
            base = value.detach().clone().requires_grad_(value.requires_grad)
            bases[id(value)] = base
            return base.clone() if value.requires_grad else base  # in place needs a non-leaf
        if isinstance(value, (list, tuple)):
            return type(value)(fresh(v) for v in value)
        if isinstance(value, dict):
            return {k: fresh(v) for k, v in value.items()}
        return value

    bases: dict[int, torch.Tensor] = {}
    with torch._C.DisableTorchFunction(), torch.enable_grad():
        args, kwargs = fresh(call.args), fresh(call.kwargs)
        result = call.func(*args, **kwargs)
        outs = _tensors(result) or _tensors(args[:1])
        pairs = [(o, call.upstream.get(k, torch.zeros_like(o))) for k, o in enumerate(outs)
                 if o.requires_grad]
        operands = operand_positions(call)
        wanted = [bases[id(t)] for t in operands if t is not None and t.requires_grad]
        grads = iter(torch.autograd.grad([o for o, _ in pairs], wanted, [g for _, g in pairs],
                                         allow_unused=True) if wanted and pairs else ())
        return [next(grads) if t is not None and t.requires_grad else None for t in operands]


def trace_positions(trace_target: torch.Tensor) -> dict[int, int]:
    """Entry index -> tensor index in the trace of ``trace_target`` (drawn entries, in order)."""
    recording, target = RECORDED[trace_target]
    drawn, stack = set(), [target]
    while stack:
        i = stack.pop()
        if i not in drawn:
            drawn.add(i)
            stack.extend(recording.entries[i].inputs)
    return {old: k for k, old in enumerate(sorted(drawn))}


def close(a, b) -> bool:
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-4, atol=1e-6)


def assert_edges_are_pytorchs(loss: torch.Tensor, log: CallLog, model: nn.Module,
                              names: dict | None = None):
    """Every drawn edge, upstream and parameter total equals what PyTorch computed."""
    loss.backward()
    trace = vt.trace_of(loss, names=names or {"model": model})
    where = trace_positions(loss)
    steps = {s.tensor: s for s in trace.steps}
    checked = 0
    for call in log.calls:
        first = where.get(call.entries[0][1])
        if first is None:
            continue  # not on the way to the loss
        for k, (_, entry) in enumerate(call.entries):  # each output: its upstream
            if k in call.upstream and where.get(entry) in steps:
                later = steps[where[entry]]
                assert close(later.upstream, call.upstream[k].numpy()), \
                    trace.tensors[where[entry]].op
                assert k == 0 or all(c is None for c in later.contributions)
        step = steps.get(first)
        if step is None:
            continue
        expected = call_vjp(call)
        got = [c for c in step.contributions]
        op = trace.tensors[first].op
        assert len(got) == len(expected), (op, len(got), len(expected))
        for position, (g, e) in enumerate(zip(got, expected)):
            if e is None:
                assert g is None or not np.any(g), (op, position)
                continue
            assert g is not None, f"{op}: no gradient drawn on the edge from input {position}"
            assert close(g, e.numpy()), (op, position, np.abs(g - e.numpy()).max())
            checked += 1
    assert checked > 0
    for name, param in model.named_parameters():  # every parameter, named by its full path
        found = [t.index for t in trace.tensors if t.name == name]
        assert len(found) == 1, (name, [t.name for t in trace.tensors if t.op is None])
        i = found[0]
        assert np.array_equal(trace.totals[i], param.grad.numpy()), name
        # a call of several outputs (split, nn.GRU's output and h_n) sends its whole
        # gradient along the edges into its first output; the others carry none
        edges = [c for s in trace.steps for x, c in zip(trace.tensors[s.tensor].inputs,
                                                         s.contributions)
                 if x == i and c is not None]
        assert edges and close(sum(edges), param.grad.numpy()), name
    graph = vg.graph(loss, names=names or {"model": model})
    assert not [n.label for n in graph.nodes if n.unconnected]
    return trace


# --- the programs drawn ------------------------------------------------------------------

def test_nanogpt_block_every_edge_is_pytorchs() -> None:
    torch.manual_seed(0)
    config = GPTConfig()
    model = Block(config)
    x = torch.randn(2, config.block_size, config.n_embd)
    loss, log = run_logged(lambda: (model(x) ** 2).mean())
    trace = assert_edges_are_pytorchs(loss, log, model)
    scopes = {t.scope for t in trace.tensors if t.op is not None}
    assert {"attn/c_attn", "attn", "mlp/c_fc", "ln_1"} <= scopes


@pytest.mark.parametrize("cell_type", ["rnn", "gru"])
def test_makemore_rnn_and_gru_every_edge_is_pytorchs(cell_type: str) -> None:
    torch.manual_seed(1)
    config = RNNConfig()
    model = RNN(config, cell_type)
    idx = torch.randint(0, config.vocab_size, (3, config.block_size))
    targets = torch.randint(0, config.vocab_size, (3, config.block_size))
    loss, log = run_logged(lambda: model(idx, targets)[1])
    assert_edges_are_pytorchs(loss, log, model)


@pytest.mark.parametrize("downsample", [False, True])
def test_resnet_basic_block_in_place_relu_and_add(downsample: bool) -> None:
    torch.manual_seed(2)
    down = nn.Sequential(conv1x1(4, 6, 2), nn.BatchNorm2d(6)) if downsample else None
    model = BasicBlock(4, 6 if downsample else 4, stride=2 if downsample else 1,
                       downsample=down)
    x = torch.randn(2, 4, 6, 6)
    loss, log = run_logged(lambda: model(x).sum())
    trace = assert_edges_are_pytorchs(loss, log, model)
    ops = [t.op for t in trace.tensors if t.op is not None]
    assert ops.count("relu_") == 2 and "add_" in ops  # nn.ReLU(inplace=True), out += identity


@pytest.mark.parametrize("form", [
    lambda h: F.relu(h, inplace=True), lambda h: F.leaky_relu(h, 0.1, True),
    lambda h: F.silu(h, inplace=True), lambda h: F.hardtanh(h, -0.5, 0.5, True),
    lambda h: h.relu_(), lambda h: h.mul_(3), lambda h: nn.LeakyReLU(inplace=True)(h),
    lambda h: nn.SiLU(inplace=True)(h), lambda h: h.add_(h * 2), lambda h: h.sigmoid_(),
], ids=["F.relu", "F.leaky_relu", "F.silu", "F.hardtanh", "relu_", "mul_", "nn.LeakyReLU",
        "nn.SiLU", "add_", "sigmoid_"])
def test_every_in_place_form_is_an_op_with_pytorchs_gradients(form) -> None:
    torch.manual_seed(3)
    model = nn.Linear(3, 4)
    x = torch.randn(5, 3)

    def program():
        h = model(x)
        h = form(h)
        return (h * h).sum()
    loss, log = run_logged(program)
    trace = assert_edges_are_pytorchs(loss, log, model)
    assert any(t.op is not None and t.op.endswith("_") for t in trace.tensors)


@pytest.mark.parametrize("form", [lambda h: F.dropout(h, 0.5, True, True),
                                  lambda h: nn.Dropout(0.5, inplace=True)(h)],
                         ids=["F.dropout", "nn.Dropout"])
def test_in_place_dropout_is_drawn_with_its_mask(form) -> None:
    torch.manual_seed(3)
    model = nn.Linear(3, 40)
    x = torch.randn(5, 3)
    with vt.record():
        h = model(x)
        before = h.detach().clone()
        h = form(h)
        loss = (h * h).sum()
    loss.backward()
    trace = vt.trace_of(loss, names={"model": model})
    dropout = next(t for t in trace.tensors if t.op == "dropout_")
    assert np.array_equal(dropout.input_values[0], before.numpy())  # the values it was given
    step = next(s for s in trace.steps if s.tensor == dropout.index)
    mask = h.detach().numpy() != 0
    assert np.allclose(step.contributions[0], step.upstream * mask * 2)  # mask / (1 - p)
    weight = next(t.index for t in trace.tensors if t.name == "weight")
    assert np.array_equal(trace.totals[weight], model.weight.grad.numpy())


@pytest.mark.parametrize("kind", [nn.GRU, nn.RNN, nn.LSTM])
@pytest.mark.parametrize("length", [8, 40])
def test_recurrent_modules_edges_are_complete(kind, length: int) -> None:
    torch.manual_seed(4)
    model = kind(3, 5, batch_first=True)
    x = torch.randn(2, length, 3)
    def program():
        output, hidden = model(x)
        hidden = hidden[0] if isinstance(hidden, tuple) else hidden  # LSTM: (h_n, c_n)
        return output.pow(2).sum() + hidden.sum()  # both outputs reach the loss
    loss, log = run_logged(program)
    assert_edges_are_pytorchs(loss, log, model)


@pytest.mark.parametrize("reentrant", [False, True])
def test_checkpointing(reentrant: bool) -> None:
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x = torch.randn(6, 3, requires_grad=reentrant)  # reentrant needs an input with grad
    if reentrant:
        with vt.record():
            loss = checkpoint(model, x, use_reentrant=True).sum()
        loss.backward()
        with pytest.raises(vg.VizgradError, match="use_reentrant=False"):
            vg.graph(loss)
        return
    loss, log = run_logged(lambda: checkpoint(model, x, use_reentrant=False).sum())
    assert_edges_are_pytorchs(loss, log, model)


def test_full_module_paths_when_submodules_are_called_one_by_one() -> None:
    torch.manual_seed(6)
    model = nn.Module()
    model.features = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    model.classifier = nn.Sequential(nn.Linear(4, 2))
    x = torch.randn(5, 3)
    loss, log = run_logged(lambda: model.classifier(model.features(x)).sum())
    trace = assert_edges_are_pytorchs(loss, log, model)
    labels = {t.name for t in trace.tensors if t.op is None}
    assert {"features.0.weight", "classifier.0.weight"} <= labels
    scopes = {t.scope for t in trace.tensors if t.op is not None}
    assert {"features/0", "classifier/0"} <= scopes


def small_gpt():
    torch.manual_seed(7)
    config = GPTConfig()
    model = GPT(config, vocab=11, layers=2)
    idx, targets = torch.randint(0, 11, (2, 8)), torch.randint(0, 11, (2, 8))
    return model, idx, targets


def test_nanogpt_edges_and_nested_groups() -> None:
    model, idx, targets = small_gpt()
    loss, log = run_logged(lambda: model(idx, targets))
    assert_edges_are_pytorchs(loss, log, model)
    drawing = vg.graph(loss, names={"model": model})
    scopes = {s.name: s for s in drawing.scopes}
    by_id = {s.id: s for s in drawing.scopes}
    attn = scopes["transformer/h/0/attn"]
    chain = []
    while attn is not None:
        chain.append(attn.name)
        attn = by_id.get(attn.parent)
    assert chain == ["transformer/h/0/attn", "transformer/h/0", "transformer/h", "transformer"]
    # the weight of attn's c_attn is drawn inside it
    node = drawing.find("transformer.h.0.attn.c_attn.weight")
    assert by_id[node.scope].name == "transformer/h/0/attn/c_attn"
    assert scopes["transformer"].size > scopes["transformer/h"].size > \
        scopes["transformer/h/0"].size


def test_a_nested_group_collapses_by_its_module_path() -> None:
    model, idx, targets = small_gpt()
    with vt.record():
        loss = model(idx, targets)
    loss.backward()
    widget = vg.show(loss, names={"model": model}, collapsed=["transformer.h.0.attn"])
    assert widget.collapsed == ["transformer/h/0/attn"]
    drawing = widget._graph
    attn = drawing.scope_ids(["transformer.h.0.attn"])[0]
    shown = {n["id"] for n in widget.graph["nodes"]}
    inside = {n["id"] for n in drawing.part(attn)["nodes"]}
    assert inside and not inside & shown  # attn's nodes, c_attn's too, are hidden
    assert drawing.find("transformer.h.1.attn.c_attn.weight").id in shown
    dot = drawing.to_dot(collapse=[attn])
    cluster = dot[dot.index("subgraph cluster_" + drawing.scope_ids(["transformer.h.0"])[0]):]
    assert cluster.index(f'{attn} [id="{attn}" shape=box3d') < cluster.index("\n  }")
    with pytest.raises(vg.VizgradError, match="transformer/h/0/attn"):
        vg.show(loss, names={"model": model}, collapsed=["transformer.h.9"])


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_depth_collapses_the_groups_deeper_than_it(depth: int) -> None:
    model, idx, targets = small_gpt()
    with vt.record():
        loss = model(idx, targets)
    loss.backward()
    drawing = vg.graph(loss, names={"model": model}, depth=depth)
    by_id = {s.id: s for s in drawing.scopes}

    def level(scope) -> int:
        return 1 if scope.parent is None else 1 + level(by_id[scope.parent])
    assert {s.name for s in drawing.scopes if s.collapsed} == \
        {s.name for s in drawing.scopes if level(s) > depth}
    data = drawing.to_dict()
    drawn_scopes = {n["scope"] for n in data["nodes"]}
    assert all(level(by_id[s]) <= depth for s in drawn_scopes if s is not None)
    # opening one collapsed group shows its nodes, and the groups in it stay boxes
    opened = next(s for s in drawing.scopes if level(s) == depth + 1 and
                  any(t.parent == s.id for t in drawing.scopes))
    rest = [i for i in drawing.default_collapsed() if i != opened.id]
    dot = drawing.to_dot(collapse=rest)
    assert f"subgraph cluster_{opened.id} " in dot
    shown = {n["id"] for n in drawing.to_dict(collapse=rest)["nodes"]}
    for inner in (t for t in drawing.scopes if t.parent == opened.id):
        assert f'{inner.id} [id="{inner.id}" shape=box3d' in dot
        assert not {n["id"] for n in drawing.part(inner.id)["nodes"]} & shown


def test_export_depth_on_a_pytorch_script(tmp_path: Path) -> None:
    script = tmp_path / "gpt.py"
    programs = Path(__file__).with_name("torch_programs.py").read_text(encoding="utf-8")
    script.write_text(programs + """
torch.manual_seed(0)
model = GPT(GPTConfig(), vocab=11, layers=2)
idx, targets = torch.randint(0, 11, (2, 8)), torch.randint(0, 11, (2, 8))
loss = model(idx, targets)
loss.backward()
""", encoding="utf-8")
    out = tmp_path / "gpt.svg"
    done = subprocess.run([sys.executable, "-m", "vizgrad", "export", str(script), "--depth",
                           "1", "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    svg = out.read_text(encoding="utf-8")
    assert "click to expand" in svg and ">h<" in svg and "c_attn" not in svg
    refused = subprocess.run([sys.executable, "-m", "vizgrad", "export", str(script),
                              "--depth", "-1", "-o", str(out)], capture_output=True, text=True)
    assert refused.returncode != 0 and "depth=-1" in refused.stderr
    assert "Traceback" not in refused.stderr


# --- the front ends on PyTorch code as people write it ---------------------------------------

TRAINING_CELL = """\
import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)
device = torch.device("cpu")
x = torch.randn(5, 4, device=device)
y = torch.tensor([0, 2, 1, 1, 0])
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(inplace=True), nn.Linear(8, 3)).to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
logits = model(x)
loss = F.cross_entropy(logits, y)
optimizer.zero_grad()
loss.backward()
optimizer.step()
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1)
model = model.train()
device = torch.device("cpu")
"""


def test_magic_on_the_most_common_pytorch_cell() -> None:
    import builtins

    from IPython.core.interactiveshell import InteractiveShell

    builtins.__dict__.pop("_", None)
    shell = InteractiveShell.instance()
    shell.reset(new_session=False)
    try:
        shell.run_cell("%load_ext vizgrad").raise_error()
        cell = shell.run_cell("%%vizgrad\n" + TRAINING_CELL)
        cell.raise_error()
        drawn = cell.result.data  # the model, optimizer, scheduler and device are skipped
        assert drawn.target_name == "loss"
        labels = {node.label for node in drawn.nodes}
        assert {"0.weight", "2.weight", "x", "loss"} <= labels
        assert not [n.label for n in drawn.nodes if n.unconnected]
        model = shell.user_ns["model"]
        assert drawn.find("2.bias").grad == short(model[2].bias.grad.numpy())
        refused = shell.run_cell("%vizgrad model")
        assert "Sequential" in str(refused.error_in_exec)
    finally:
        shell.reset(new_session=False)


def test_export_without_target_on_a_pytorch_script(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(TRAINING_CELL, encoding="utf-8")
    out = tmp_path / "loss.svg"
    done = subprocess.run([sys.executable, "-m", "vizgrad", "export", str(script), "-o",
                           str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    svg = out.read_text(encoding="utf-8")
    assert "cross entropy" in svg and "0.weight" in svg
    assert "not connected" not in svg and "freed" not in svg  # recorded: every step drawn


REENTRANT = """\
import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
x = torch.randn(6, 3, requires_grad=True)
loss = checkpoint(model, x, use_reentrant=True).sum()
loss.backward()
"""


def test_reentrant_checkpointing_is_refused_in_one_line_by_the_magic_and_the_cli(
        tmp_path: Path) -> None:
    import builtins

    from IPython.core.error import UsageError
    from IPython.core.interactiveshell import InteractiveShell

    builtins.__dict__.pop("_", None)
    shell = InteractiveShell.instance()
    shell.reset(new_session=False)
    try:
        shell.run_cell("%load_ext vizgrad").raise_error()
        cell = shell.run_cell("%%vizgrad\n" + REENTRANT)
        assert isinstance(cell.error_in_exec, UsageError)
        assert "use_reentrant=False" in str(cell.error_in_exec)
    finally:
        shell.reset(new_session=False)
    script = tmp_path / "checkpointed.py"
    script.write_text(REENTRANT, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "vizgrad", "export", str(script), "-o",
                           str(tmp_path / "out.svg")], capture_output=True, text=True)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "use_reentrant=False" in done.stderr
