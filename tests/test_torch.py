"""Real PyTorch code: what vizgrad.torch records equals what PyTorch computed.

The oracle is PyTorch itself: ``param.grad`` after ``loss.backward()``, the
tensors a module returned (caught with forward hooks), and the order in which
PyTorch's engine fired hooks the test puts on the autograd nodes.
"""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed; `pip install torch==2.13.0` (the CPU wheel) "
    "or `pip install 'vizgrad-autodiff[torch]'` runs these tests")
import torch.nn.functional as F  # noqa: E402

import vizgrad.torch as vt  # noqa: E402


def index_named(trace, name: str) -> int:
    found = [t.index for t in trace.tensors if t.name == name]
    assert found, f"no tensor named {name} in {[t.name for t in trace.tensors]}"
    return found[0]


def assert_leaf_grads_equal(trace, model: torch.nn.Module) -> None:
    """Every parameter's total is its .grad, bit for bit, and so is the sum of its edges."""
    for name, param in model.named_parameters():
        i = index_named(trace, name)
        assert np.array_equal(trace.totals[i], param.grad.numpy()), name
        edges = [c for s in trace.steps for x, c in zip(trace.tensors[s.tensor].inputs,
                                                         s.contributions) if x == i]
        assert len(edges) == 1 and np.array_equal(edges[0], param.grad.numpy()), name


def module_outputs(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    outputs: dict[str, torch.Tensor] = {}
    for name, module in model.named_children():
        module.register_forward_hook(
            lambda m, i, out, name=name: outputs.__setitem__(name, out.detach().clone()))
    return outputs


def op_in_scope(trace, scope: str):
    found = [t for t in trace.tensors if t.op is not None and t.scope == scope]
    assert len(found) == 1, [(t.op, t.scope) for t in trace.tensors]
    return found[0]


@pytest.fixture
def mlp():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    x = torch.randn(5, 4)
    labels = torch.tensor([0, 1, 1, 0, 1])
    return model, x, labels


def test_mlp_gradients_values_and_names(mlp) -> None:
    model, x, labels = mlp
    outputs = module_outputs(model)
    with vt.record():
        loss = F.cross_entropy(model(x), labels)
    loss.backward()
    trace = vt.trace_of(loss, names={"x": x, "labels": labels, "loss": loss})

    assert [t.op for t in trace.tensors if t.op] == ["linear", "relu", "linear", "cross_entropy"]
    assert [t.scope for t in trace.tensors if t.op] == ["0", "1", "2", None]
    assert_leaf_grads_equal(trace, model)
    for scope, out in outputs.items():  # forward values: what each module returned
        assert np.array_equal(op_in_scope(trace, scope).value, out.numpy())
    loss_t = trace.tensors[trace.target]
    assert loss_t.name == "loss" and float(loss_t.value) == loss.item()
    relu = op_in_scope(trace, "1")
    assert np.array_equal(relu.input_values[0], outputs["0"].numpy())  # value on the edge
    assert trace.kind == "backward" and float(trace.seed) == 1.0
    assert set(trace.sources) == {index_named(trace, n) for n, _ in model.named_parameters()}


def test_conv_net_of_two_layers() -> None:
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Tanh(),
                                torch.nn.Conv2d(2, 1, 2))
    outputs = module_outputs(model)
    images = torch.randn(2, 1, 6, 6)
    with vt.record():
        loss = (model(images) ** 2).mean()
    loss.backward()
    trace = vt.trace_of(loss)
    assert [t.op for t in trace.tensors if t.op] == ["conv2d", "tanh", "conv2d", "pow", "mean"]
    assert_leaf_grads_equal(trace, model)
    for scope, out in outputs.items():
        assert np.array_equal(op_in_scope(trace, scope).value, out.numpy())


def test_fan_out_and_broadcasting() -> None:
    a = torch.tensor([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]], requires_grad=True)
    b = torch.tensor([0.5, -1.5, 2.0], requires_grad=True)
    with vt.record():
        s = a + b                 # b broadcast over the rows
        f = (s * a).sum() + s.exp().sum()   # s and a each used twice
    f.backward()
    names = {"a": a, "b": b, "s": s, "f": f}
    trace = vt.trace_of(f, names=names)
    ia, ib, i_s = (index_named(trace, n) for n in ("a", "b", "s"))
    assert np.array_equal(trace.totals[ia], a.grad.numpy())
    assert np.array_equal(trace.totals[ib], b.grad.numpy())
    assert trace.totals[ib].shape == (3,)
    # the edges into s: one per use, each its own local derivative times 1 (the sums' upstream)
    into_s = {trace.tensors[st.tensor].op: c for st in trace.steps
              for x, c in zip(trace.tensors[st.tensor].inputs, st.contributions) if x == i_s}
    sv, av = s.detach(), a.detach()
    assert np.array_equal(into_s["mul"], av.numpy())
    assert np.array_equal(into_s["exp"], sv.exp().numpy())
    assert np.allclose(into_s["mul"] + into_s["exp"], trace.totals[i_s])
    # b's edge is summed over the broadcast rows
    add = next(st for st in trace.steps if trace.tensors[st.tensor].op == "add"
               and ib in trace.tensors[st.tensor].inputs)
    assert np.allclose(add.contributions[1], add.upstream.sum(axis=0))


def test_x_times_x_two_edges() -> None:
    x = torch.tensor([3.0, -2.0], requires_grad=True)
    with vt.record():
        y = (x * x).sum()
    y.backward()
    trace = vt.trace_of(y, names={"x": x})
    mul = next(s for s in trace.steps if trace.tensors[s.tensor].op == "mul")
    assert trace.tensors[mul.tensor].inputs == (0, 0)
    assert [c.tolist() for c in mul.contributions] == [[3.0, -2.0], [3.0, -2.0]]
    assert np.array_equal(mul.contributions[0] + mul.contributions[1], x.grad.numpy())
    assert np.array_equal(trace.totals[0], x.grad.numpy())


def test_step_order_is_the_order_pytorch_ran() -> None:
    x = torch.tensor([0.5, -1.0], requires_grad=True)
    with vt.record():
        u = x.sin()
        v = x.exp()
        w = u * v
        z = w.sum() + u.sum()
    fired = []
    for name, t in {"u": u, "v": v, "w": w, "z": z}.items():
        t.grad_fn.register_prehook(lambda g, name=name: fired.append(name))
    z.backward()
    trace = vt.trace_of(z, names={"x": x, "u": u, "v": v, "w": w, "z": z})
    named = [trace.tensors[s.tensor].name for s in trace.steps]
    assert [n for n in named if n in fired] == fired
    assert set(fired) <= set(named)


def test_retain_grad_total_is_the_tensors_grad(mlp) -> None:
    model, x, labels = mlp
    with vt.record():
        hidden = model[1](model[0](x))
        hidden.retain_grad()
        loss = F.cross_entropy(model[2](hidden), labels)
    loss.backward()
    trace = vt.trace_of(loss, names={"hidden": hidden})
    assert np.array_equal(trace.totals[index_named(trace, "hidden")], hidden.grad.numpy())


def test_grads_accumulate_across_two_backward_calls() -> None:
    w = torch.tensor([2.0, 3.0], requires_grad=True)
    with vt.record():
        loss = (w * torch.tensor([-1.0, -2.0])).sum()
    loss.backward(retain_graph=True)
    first = w.grad.clone()
    loss.backward()
    trace = vt.trace_of(loss, names={"w": w})
    i = index_named(trace, "w")
    assert np.array_equal(trace.previous_grads[i], first.numpy())
    assert np.array_equal(trace.previous_grads[i] + trace.totals[i], w.grad.numpy())
    assert w.grad.tolist() == [-2.0, -4.0]
    import vizgrad as vg
    first = vg.graph(loss, names={"w": w}).steps[0].lines
    assert "w.grad already held [-1, -2] from an earlier backward(); this pass adds [-1, -2], " \
        "so .grad becomes [-2, -4] (optimizer.zero_grad() starts each step from zero)." in first


def test_detach_and_no_grad_cut_the_graph() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    with vt.record():
        frozen = (x * 2).detach()
        with torch.no_grad():
            scale = w * 10
        y = (frozen * w * scale).sum()
    y.backward()
    trace = vt.trace_of(y, names={"x": x, "w": w, "frozen": frozen, "scale": scale})
    stopped = {trace.tensors[i].name for i in trace.stopped}
    assert stopped == {"frozen", "scale"}
    assert trace.stopped_by == "detach() / no_grad()"
    import vizgrad as vg
    first = vg.graph(y, names={"frozen": frozen, "scale": scale}).steps[0].lines
    assert any(line.startswith("frozen, scale is cut off by detach() / no_grad()")
               for line in first)
    assert index_named(trace, "x") not in trace.totals and x.grad is None
    assert np.array_equal(trace.totals[index_named(trace, "w")], w.grad.numpy())


def test_leaf_without_requires_grad_gets_no_gradient() -> None:
    x = torch.tensor([1.0, 2.0])
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    with vt.record():
        y = (x * w).sum()
    y.backward()
    trace = vt.trace_of(y, names={"x": x, "w": w})
    ix = index_named(trace, "x")
    assert ix not in trace.sources and ix not in trace.totals
    assert not trace.tensors[ix].requires_grad and trace.tensors[ix].value.tolist() == [1, 2]


def test_in_place_op_is_drawn_with_the_value_before_and_after() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with vt.record():
        h = x * 2
        h.add_(1)
        y = (h * h).sum()
    y.backward()
    trace = vt.trace_of(y)
    ops = [t for t in trace.tensors if t.op]
    assert [t.op for t in ops] == ["mul", "add_", "mul", "sum"]
    assert ops[0].value.tolist() == [2, 4] and ops[1].value.tolist() == [3, 5]
    assert np.array_equal(trace.totals[0], x.grad.numpy())


def test_version_counter_error_is_explained() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with vt.record():
        a = x.sigmoid()
        a.add_(1)   # sigmoid saved its result for the backward pass
        loss = a.sum()
        with pytest.raises(vt.InPlaceError, match=r"changed in place.*Fix: use the out-of-pl"):
            loss.backward()  # inside record(); outside it, vt.backward(loss) explains
    b = x.exp()
    b.mul_(2)
    with pytest.raises(RuntimeError, match="version counter"):
        vt.backward(b.sum())


def test_non_scalar_backward_is_explained() -> None:
    y = torch.ones(3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="shape \\(3,\\).*loss.sum\\(\\).backward\\(\\)"):
        vt.backward(y)


def test_drawing_before_backward_leaves_grad_alone(mlp) -> None:
    model, x, labels = mlp
    with vt.record():
        loss = F.cross_entropy(model(x), labels)
    trace = vt.trace_of(loss)          # PyTorch runs a pass for the drawing
    assert all(p.grad is None for p in model.parameters())
    loss.backward()                    # and the graph is still there for the user's
    assert trace.kind == "gradients" and len(trace.steps) == 4
    assert_leaf_grads_equal(trace, model)


def test_without_record_the_grad_fn_graph_is_drawn(mlp) -> None:
    model, x, labels = mlp
    loss = F.cross_entropy(model(x), labels)
    trace = vt.trace_of(loss, names={"loss": loss, "model": model})
    assert {t.name for t in trace.tensors if t.op is None} == {
        name for name, _ in model.named_parameters()}
    ops = [t.op for t in trace.tensors if t.op]
    assert ops.count("addmm") == 2 and "relu" in ops and ops[-1] == "nll_loss"
    assert "with vizgrad.torch.record()" in trace.notes[0]
    relu = next(t for t in trace.tensors if t.op == "relu")
    assert relu.value is not None          # ReluBackward0 saved its result
    addmm = next(t for t in trace.tensors if t.op == "addmm")
    assert addmm.value is None and addmm.shape == (5, 3)   # not saved: not recorded
    loss.backward()
    for p in model.parameters():
        leaf = next(t for t in trace.tensors if t.op is None and t.shape == tuple(p.shape)
                    and np.array_equal(t.value, p.detach().numpy()))
        assert np.array_equal(trace.totals[leaf.index], p.grad.numpy())


def test_without_record_after_backward_says_the_graph_was_freed() -> None:
    x = torch.tensor(2.0, requires_grad=True)
    y = x.exp() * x
    y.backward()
    trace = vt.trace_of(y)
    assert trace.steps == () and any("freed" in note for note in trace.notes)


def test_import_vizgrad_does_not_import_torch() -> None:
    code = "import sys, vizgrad; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_an_intermediate_is_drawn_with_its_own_pass_not_the_losss(mlp) -> None:
    model, x, labels = mlp
    with vt.record():
        logits = model(x)
        loss = F.cross_entropy(logits, labels)
    loss.backward(retain_graph=True)
    trace = vt.trace_of(logits)        # backpropagation from logits, seeded with ones
    assert trace.kind == "gradients" and np.array_equal(trace.seed, np.ones((5, 2)))
    weight = index_named(trace, "2.weight")
    expected = torch.autograd.grad(logits, model[2].weight, torch.ones_like(logits))[0]
    assert np.allclose(trace.totals[weight], expected.numpy())


def test_a_freed_graph_is_said_so() -> None:
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    with vt.record():
        h = w.exp()
        loss = h.sum()
    loss.backward()                    # frees the graph: h's own pass cannot run
    trace = vt.trace_of(h)
    assert trace.steps == () and any("freed" in note for note in trace.notes)
    assert trace.tensors[trace.target].value.tolist() == pytest.approx([np.e, np.e ** 2])


def test_a_leaf_alone_is_one_box() -> None:
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    trace = vt.trace_of(w, names={"w": w})
    assert [t.name for t in trace.tensors] == ["w"] and trace.steps == ()


def test_assignment_into_a_tensor_is_an_in_place_op() -> None:
    w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with vt.record():
        h = w * 2
        h[0] = 10.0
        loss = (h * h).sum()
    loss.backward()
    trace = vt.trace_of(loss)
    ops = [t for t in trace.tensors if t.op]
    assert [t.op for t in ops] == ["mul", "setitem", "mul", "sum"]
    assert ops[0].value.tolist() == [2, 4, 6] and ops[1].value.tolist() == [10, 4, 6]
    assert np.array_equal(trace.totals[0], w.grad.numpy()) and w.grad.tolist() == [0, 16, 24]


# -- the drawing, end to end: vg.graph, vg.show, vg.export_svg, vizgrad export ----------
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / \
    "12_your_pytorch_model_step_by_step.py"


def test_graph_of_a_recorded_loss_shows_pytorchs_gradients() -> None:
    import vizgrad as vg
    from vizgrad.drawing.format import short

    ns = runpy.run_path(str(EXAMPLE))
    graph = vg.graph(ns["loss"], names=ns)
    assert graph.last_step == 4  # linear, relu, linear, cross_entropy
    assert [s.name for s in graph.scopes] == ["0", "1", "2"]
    for name, param in ns["model"].named_parameters():
        assert graph.find(name).grad == short(param.grad.numpy()), name
    assert "cross_entropy" in graph.steps[1].title


def test_show_and_export_svg_of_a_pytorch_tensor(tmp_path: Path) -> None:
    import vizgrad as vg

    ns = runpy.run_path(str(EXAMPLE))
    widget = vg.show(ns["loss"], names=ns, collapsed=["0", "1", "2"])
    assert widget.collapsed == ["0", "1", "2"] and "svg" in widget.to_svg()
    path = vg.export_svg(ns["loss"], tmp_path / "loss.svg", names=ns)
    assert "2.bias" in path.read_text(encoding="utf-8")


def test_without_record_the_drawing_says_what_was_not_recorded(mlp) -> None:
    import vizgrad as vg

    model, x, labels = mlp
    loss = F.cross_entropy(model(x), labels)
    graph = vg.graph(loss, names={"loss": loss, "model": model})
    assert any("with vizgrad.torch.record()" in line for line in graph.steps[0].lines)
    assert any(edge.value == "not recorded" for edge in graph.edges)
    assert "not recorded" in graph.to_dot()


def test_vizgrad_export_draws_a_pytorch_script(tmp_path: Path) -> None:
    out = tmp_path / "loss.svg"
    subprocess.run([sys.executable, "-m", "vizgrad", "export", str(EXAMPLE), "--target",
                    "loss", "-o", str(out)], check=True, capture_output=True, text=True)
    svg = out.read_text(encoding="utf-8")
    assert "cross entropy" in svg and "0.weight" in svg


def test_the_magics_draw_pytorch_tensors() -> None:
    import builtins

    from IPython.core.interactiveshell import InteractiveShell

    builtins.__dict__.pop("_", None)  # a doctest's last value would hide IPython's `_`
    shell = InteractiveShell.instance()
    shell.reset(new_session=False)
    try:
        shell.run_cell("%load_ext vizgrad").raise_error()
        # %%vizgrad records the cell's PyTorch ops itself
        cell = shell.run_cell("%%vizgrad\nimport torch\nv = torch.tensor([1.0, -1.0], "
                              "requires_grad=True)\nh = (v * 3).exp()\ntotal = h.sum()")
        cell.raise_error()
        drawn = cell.result.data
        assert drawn.target_name == "total"
        assert {"v", "h", "total"} <= {node.label for node in drawn.nodes}
        v = shell.user_ns["v"]
        assert drawn.find("v").grad == short_text(3 * (v.detach() * 3).exp())
        line = shell.run_cell("%vizgrad h")
        line.raise_error()
        assert line.result.data.target_name == "h"
    finally:
        shell.reset(new_session=False)


def short_text(t: torch.Tensor) -> str:
    from vizgrad.drawing.format import short
    return short(t.numpy())


def test_a_whole_training_step_inside_record() -> None:
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=0.5)
    with vt.record():
        first = (w * w).sum()
        first.backward()
        optimizer.step()         # changes w in place: the next forward sees a new w
        optimizer.zero_grad()
        second = (w * w).sum()
        second.backward()
    trace = vt.trace_of(second)
    leaf = trace.tensors[0]
    assert leaf.value.tolist() == [0.0, 0.0] and np.array_equal(trace.totals[0], w.grad.numpy())
    again = vt.trace_of(first)
    assert again.tensors[0].value.tolist() == [1.0, -2.0]
    assert again.totals[0].tolist() == [2.0, -4.0]


def test_drawing_inside_record_is_the_drawing_after_it() -> None:
    import vizgrad as vg
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    with vt.record():
        loss = (w * w * 3).sum()
        loss.backward()
        inside = vg.graph(loss, names={"w": w}).to_dict()
    after = vg.graph(loss, names={"w": w}).to_dict()
    assert inside == after  # drawn from the recording both times, nothing added by drawing
    assert [n["label"] for n in after["nodes"]] == ["w", "mul1", "3", "mul2", "sum1", "f"]
    trace = vt.trace_of(loss, names={"w": w})
    assert np.array_equal(trace.totals[0], w.grad.numpy())
