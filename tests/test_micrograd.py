"""micrograd-style values: drawn, stepped through their own _backward, checked, left untouched.

Two engines are drawn: the ``micrograd`` package (Karpathy's, from pip) and a ``Value``
written here in the style of the lecture that builds it (with ``label``, ``tanh``, ``exp``).
The oracle for every edge is micrograd's own ``backward()``.
"""

from __future__ import annotations

import math
import os
import random
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import vizgrad as vg
from vizgrad.drawing.api import is_micrograd_value
from vizgrad.micrograd import topological, trace_of

engine = pytest.importorskip("micrograd.engine")
micrograd_nn = pytest.importorskip("micrograd.nn")
CHECKOUT = Path(__file__).resolve().parents[1]


class Value:
    """A learner's engine, written out as in the lecture."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __repr__(self):
        return f"Value(data={self.data})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad
        out._backward = _backward
        return out

    def __radd__(self, other):
        return self + other

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __rmul__(self, other):
        return self * other

    def __pow__(self, other):
        out = Value(self.data ** other, (self,), f"**{other}")

        def _backward():
            self.grad += other * (self.data ** (other - 1)) * out.grad
        out._backward = _backward
        return out

    def __truediv__(self, other):
        return self * other ** -1

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def tanh(self):
        x = self.data
        t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t ** 2) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def backward(self):
        topo, visited = [], set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)
        build_topo(self)
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()


ENGINES = {"micrograd": engine.Value, "lecture": Value}


def lecture_example(V):
    a, b, c, f = V(2.0), V(-3.0), V(10.0), V(-2.0)
    e = a * b
    d = e + c
    L = d * f
    return {"a": a, "b": b, "c": c, "f": f, "e": e, "d": d, "L": L}


def readme_example(V):
    """micrograd's README expression: every op it has, leaves used many times."""
    a, b = V(-4.0), V(2.0)
    c = a + b
    d = a * b + b ** 3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu() if hasattr(b, "relu") else d * 2
    d += 3 * d + (b - a).relu() if hasattr(b, "relu") else 3 * d
    e = c - d
    f = e ** 2
    g = f / 2.0
    g += 10.0 / f if hasattr(f, "__rtruediv__") else f ** -1 * 10.0
    return {"a": a, "b": b, "g": g}


def state(values):
    return [(v.data, v.grad) for v in values]


def shown_text(svg: Path) -> list[str]:
    root = ET.fromstring(svg.read_bytes())
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def edge_grads(graph, name):
    """The gradients on the edges leaving the node called ``name``."""
    node = graph.find(name)
    return [e.grad for e in graph.edges if e.source == node.id]


@pytest.mark.parametrize("kind", ENGINES)
def test_the_lecture_example_steps_three_ops_in_micrograds_order(kind):
    ns = lecture_example(ENGINES[kind])
    widget = vg.show(ns["L"], names=ns)
    graph = widget.data
    assert len(graph.steps) == 4  # step 0, then the three ops
    ops = [graph.nodes[int(s.node[1:])] for s in graph.steps[1:]]
    assert [n.label for n in ops[1:]] == ["d", "e"]  # L's op first, then d, then e
    assert edge_grads(graph, "a") == ["6"] and edge_grads(graph, "b") == ["-4"]
    assert (graph.find("c").grad, graph.find("f").grad) == ("-2", "4")
    # the widget's synced state carries the same numbers and steps
    synced = widget.get_state()["graph"]
    by_label = {n["label"]: n["id"] for n in synced["nodes"]}
    assert [e["grad"] for e in synced["edges"] if e["source"] == by_label["a"]] == ["6"]
    assert synced["last_step"] == 3
    assert "∂L/∂a = ∂L/∂e · ∂e/∂a = -2 · -3 = 6" in graph.steps[3].lines
    assert not any(n.flagged for n in graph.nodes)
    # nothing the user holds changed: micrograd's grads are still the ones it started with
    assert all(v.grad == 0 for v in ns.values())


@pytest.mark.parametrize("kind", ENGINES)
def test_the_steps_follow_micrograds_own_backward(kind):
    ns = readme_example(ENGINES[kind])
    g = ns["g"]
    order = [id(v) for v in reversed(topological(g)) if v._prev]
    calls = []
    for v in topological(g):  # record the order micrograd's backward() calls them
        if v._prev:
            inner = v._backward

            def spy(inner=inner, v=v):
                calls.append(id(v))
                inner()
            v._backward = spy
    g.backward()
    assert calls == order


@pytest.mark.parametrize("kind", ENGINES)
def test_edges_sum_to_micrograds_own_gradients(kind):
    ns = readme_example(ENGINES[kind])
    g = ns["g"]
    nodes = topological(g)
    trace = trace_of(g, names=ns)
    assert [c.verdict for c in trace.checks.values()] == ["agrees"] * len(trace.steps)
    # each edge carries what one _backward sent; a node's edges sum to its gradient
    arrived = {}
    for step in trace.steps:
        for x, c in zip(trace.tensors[step.tensor].inputs, step.contributions):
            arrived[x] = arrived.get(x, 0.0) + float(c)
    g.backward()  # micrograd's own pass: the oracle
    for i, v in enumerate(nodes):
        assert float(trace.totals[i]) == pytest.approx(v.grad, rel=1e-9)
        if v is not g:
            assert arrived[i] == pytest.approx(v.grad, rel=1e-9)
    graph = vg.graph(g, names=ns)
    assert graph.find("a").grad == f"{ns['a'].grad:.4g}"


@pytest.mark.parametrize("kind", ENGINES)
def test_grads_already_there_are_restored_and_not_drawn_doubled(kind):
    ns = lecture_example(ENGINES[kind])
    L = ns["L"]
    L.backward()
    before = state(topological(L))
    assert ns["a"].grad == 6
    graph = vg.graph(L, names=ns)
    assert graph.find("a").grad == "6"  # this pass alone, not added to the one before
    assert state(topological(L)) == before
    assert all(type(v.grad) is type(g) for v, (_, g) in zip(topological(L), before))


def test_a_wrong_backward_is_flagged_once_with_both_numbers():
    class Wrong(Value):
        def __mul__(self, other):
            out = Value.__mul__(self, other)
            a, b = self, other

            def _backward():  # sends a's value to b (the mistake) and b's to a
                a.grad += b.data * out.grad
                b.grad += 3.0 / 1.5 * out.grad
            out._backward = _backward
            return out

    a, b = Wrong(-4.0, label="a"), Wrong(5.0, label="b")
    out = a * b
    out.label = "out"
    loss = out * Value(1.5, label="k")
    graph = vg.graph(loss)
    flagged = [n for n in graph.nodes if n.flagged]
    assert len(flagged) == 1 and flagged[0].label == "out"
    text = flagged[0].notes[0]["text"]
    assert "your _backward for * sent 3 to b" in text
    assert "∂out/∂b · out.grad = -4 · 1.5 = -6" in text
    assert flagged[0].notes[0]["mark"]  # said on the drawing too
    step = graph.steps[[s.node for s in graph.steps].index(flagged[0].id)]
    assert text in step.lines
    dot = graph.to_dot()
    assert "sent 3 to b" in dot and 'penwidth="2"' in dot


def test_a_wrong_tanh_is_found_in_a_neuron():
    class WrongTanh(Value):
        def tanh(self):
            t = math.tanh(self.data)
            out = WrongTanh(t, (self,), "tanh")

            def _backward():
                self.grad += (1 - t) * out.grad  # forgot the square
            out._backward = _backward
            return out

    x1, w1, b = WrongTanh(2.0, label="x1"), WrongTanh(-3.0, label="w1"), WrongTanh(6.5, label="b")
    n = x1 * w1 + b
    n.label = "n"
    o = WrongTanh.tanh(n)  # n was made by Value's +: its own tanh is the right one
    o.label = "o"
    graph = vg.graph(o)
    flagged = [node for node in graph.nodes if node.flagged]
    assert [node.op for node in flagged] == ["tanh"]
    t = math.tanh(0.5)
    assert f"sent {1 - t:.4f} to n" in flagged[0].notes[0]["text"]
    assert f"= {1 - t * t:.4f}" in flagged[0].notes[0]["text"]


def test_an_unknown_op_is_drawn_and_stepped_but_not_checked():
    x = Value(3.0, label="x")
    out = Value(x.data ** 3, (x,), "cube")

    def _backward():
        x.grad += 27.0 * out.grad
    out._backward = _backward
    graph = vg.graph(out)
    op = next(n for n in graph.nodes if n.kind == "op")
    assert op.symbol == "cube" and not op.flagged
    assert "could not check" in op.notes[0]["text"]
    assert graph.find("x").grad == "27"
    assert any("could not check" in line for line in graph.steps[1].lines)


def test_a_backward_that_raises_is_shown_at_its_node_and_grads_restored():
    x = Value(2.0, label="x")
    y = Value(1.0, label="y")
    out = x * y

    def _backward():
        x.grad += out.grad
        raise ZeroDivisionError("division by zero")
    out._backward = _backward
    loss = out + Value(1.0, label="z")
    graph = vg.graph(loss)
    flagged = [n for n in graph.nodes if n.flagged]
    assert len(flagged) == 1
    assert "ZeroDivisionError: division by zero" in flagged[0].notes[0]["text"]
    assert edge_grads(graph, "x") == ["1"] and edge_grads(graph, "y") == [None]  # never sent
    assert (x.grad, y.grad, out.grad, loss.grad) == (0.0, 0.0, 0.0, 0.0)


@pytest.mark.parametrize("kind", ENGINES)
def test_a_child_used_twice_is_one_edge_carrying_the_sum(kind):
    V = ENGINES[kind]
    a = V(3.0)
    y = a * a
    graph = vg.graph(y, names={"a": a, "y": y})
    assert edge_grads(graph, "a") == ["6"]
    op = next(n for n in graph.nodes if n.kind == "op")
    note = next(n for n in op.notes if "used 2×" in (n["mark"] or ""))
    assert "3 + 3 = 6" in note["text"] and not op.flagged


def test_a_rule_that_assigns_instead_of_adding_is_flagged_where_it_overwrites():
    class Assigning(Value):
        def __add__(self, other):
            out = Assigning(self.data + other.data, (self, other), "+")

            def _backward():  # the lecture's first version: = instead of +=
                self.grad = out.grad
                other.grad = out.grad
            out._backward = _backward
            return out

    a = Assigning(3.0, label="a")
    b = a + a
    b.label = "b"
    graph = vg.graph(b)
    flagged = [n for n in graph.nodes if n.flagged]
    assert len(flagged) == 1
    assert "sent 1 to a" in flagged[0].notes[0]["text"] and "= 2" in flagged[0].notes[0]["text"]


def test_a_deep_graph_is_drawn_without_hitting_the_recursion_limit():
    x = engine.Value(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0
    graph = vg.graph(y, names={"x": x})
    assert graph.find("x").grad == "1" and len(graph.steps) == 5001


def test_an_mlp_is_drawn_whole_with_its_parameters_named():
    random.seed(1)
    model = micrograd_nn.MLP(3, [4, 4, 1])
    x = [2.0, 3.0, -1.0]
    out = model(x)
    loss = (out - 1.0) ** 2
    graph = vg.graph(loss, names={"model": model, "x": x, "loss": loss})
    assert not any(n.flagged for n in graph.nodes)
    params = {}
    for li, layer in enumerate(model.layers):
        for ni, neuron in enumerate(layer.neurons):
            at = f"model.layers[{li}].neurons[{ni}]"
            params.update({f"{at}.w[{wi}]": w for wi, w in enumerate(neuron.w)})
            params[f"{at}.b"] = neuron.b
    drawn = {n.label: n for n in graph.nodes if n.label in params}
    loss.backward()  # micrograd's own pass: the oracle
    assert len(drawn) == len(params) == len(model.parameters()) == 41
    for name, p in params.items():
        shown = drawn[name].detail["grad"].splitlines()[-1]  # under "shape (), float64"
        assert float(shown) == pytest.approx(p.grad, rel=1e-4, abs=1e-12)
    assert "model.layers[0].neurons[0].w[0]" in graph.to_svg()


def test_values_are_recognised_by_their_attributes():
    assert is_micrograd_value(engine.Value(1.0)) and is_micrograd_value(Value(1.0))
    assert not is_micrograd_value(vg.Variable(1.0))

    class NoBackward:
        data, grad, _prev, _op = 1.0, 0.0, set(), ""
    assert not is_micrograd_value(NoBackward())
    with pytest.raises(vg.errors.ArgumentError, match="micrograd-style Value"):
        vg.graph(NoBackward())


def test_the_cli_exports_the_last_value_a_script_assigns(tmp_path):
    (tmp_path / "lecture.py").write_text(
        "from micrograd.engine import Value\n"
        "a, b, c, f = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)\n"
        "e = a * b\nd = e + c\nL = d * f\n")
    env = {**os.environ, "PYTHONPATH": str(CHECKOUT)}
    done = subprocess.run([sys.executable, "-m", "vizgrad", "export", "lecture.py", "-o",
                           "L.svg"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    shown = shown_text(tmp_path / "L.svg")
    assert "grad 6" in shown and "grad -4" in shown and "data -3" in shown


def test_the_line_magic_draws_a_value():
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    shell.reset(new_session=False)
    shell.run_cell("%load_ext vizgrad").raise_error()
    shell.run_cell("from micrograd.engine import Value\n"
                   "a, b = Value(2.0), Value(-3.0)\nL = a * b").raise_error()
    result = shell.run_cell("%vizgrad L")
    result.raise_error()
    assert result.result.data.find("a").grad == "-3"
    cell = shell.run_cell("%%vizgrad\nx = Value(4.0)\ny = x * x")
    cell.raise_error()
    assert cell.result.data.target_name == "y" and cell.result.data.find("x").grad == "8"
    shell.reset(new_session=False)


def test_export_svg_and_html_accept_a_value(tmp_path):
    ns = lecture_example(Value)
    svg = vg.export_svg(ns["L"], tmp_path / "L.svg", names=ns)
    assert "grad -4" in shown_text(svg)
    html = vg.export_html(ns["L"], tmp_path / "L.html", names=ns)
    assert "grad -4" in html.read_text(encoding="utf-8")
    png = vg.export_svg(ns["L"], tmp_path / "L.png", names=ns)  # a picture, not SVG text
    assert png.read_bytes().startswith(b"\x89PNG")


def test_subtraction_and_division_written_directly_are_checked_in_operand_order():
    class Direct(Value):
        def __sub__(self, other):
            out = Direct(self.data - other.data, (self, other), "-")

            def _backward():
                self.grad += out.grad
                other.grad -= out.grad
            out._backward = _backward
            return out

        def __truediv__(self, other):
            out = Direct(self.data / other.data, (self, other), "/")

            def _backward():
                self.grad += out.grad / other.data
                other.grad -= self.data / other.data ** 2 * out.grad
            out._backward = _backward
            return out

    p, q = Direct(3.0, label="p"), Direct(4.0, label="q")
    r = (p - q) / q
    graph = vg.graph(r)
    assert not any(n.flagged for n in graph.nodes)
    trace = trace_of(r)
    assert sorted(c.verdict for c in trace.checks.values()) == ["agrees", "agrees"]
    assert (graph.find("p").grad, graph.find("q").grad) == ("0.25", "-0.1875")


def test_an_order_sensitive_op_with_unknown_operand_order_is_not_checked():
    p, q = Value(3.0, label="p"), Value(4.0, label="q")
    out = Value(p.data - q.data, (p, q), "-")

    def make(first, second, result):
        def _backward():  # closure names that do not say which operand is first
            first.grad += result.grad
            second.grad -= result.grad
        return _backward
    out._backward = make(p, q, out)
    graph = vg.graph(out)
    op = next(n for n in graph.nodes if n.kind == "op")
    assert not op.flagged and "could not check" in op.notes[0]["text"]
    assert "which operand of '-' comes first" in op.notes[0]["text"]
    assert (graph.find("p").grad, graph.find("q").grad) == ("1", "-1")


def unary(op, forward, rule):
    """A one-input op of a learner's engine: ``rule(x, out)`` is its local derivative."""
    def method(self):
        out = Value(forward(self.data), (self,), op)

        def _backward():
            self.grad += rule(self.data, out.data) * out.grad
        out._backward = _backward
        return out
    return method


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


# (op, forward, the right local derivative, a plausible slip)
UNARY_RULES = [
    ("exp", math.exp, lambda x, out: out, lambda x, out: x),
    ("log", math.log, lambda x, out: 1 / x, lambda x, out: x),
    ("sigmoid", sigmoid, lambda x, out: out * (1 - out), lambda x, out: 1 - out),
    ("tanh", math.tanh, lambda x, out: 1 - out ** 2, lambda x, out: 1 - out),
    ("ReLU", lambda x: max(x, 0.0), lambda x, out: float(out > 0), lambda x, out: 1.0 * 0),
    ("**2", lambda x: x ** 2, lambda x, out: 2 * x, lambda x, out: x),
]


@pytest.mark.parametrize("op, forward, right, slip", UNARY_RULES, ids=[r[0] for r in UNARY_RULES])
def test_each_known_op_is_checked_right_and_wrong(op, forward, right, slip):
    for rule, flagged in ((right, False), (slip, True)):
        x = Value(0.7, label="x")
        y = unary(op, forward, rule)(x)
        y.label = "y"
        loss = y * Value(1.5, label="k")
        graph = vg.graph(loss)
        assert [n.label for n in graph.nodes if n.flagged] == (["y"] if flagged else [])
        assert graph.find("x").grad == vg.graph(loss).find("x").grad  # drawing twice: same
        assert x.grad == 0.0


def test_a_value_with_no_children_is_drawn_alone():
    x = Value(3.0, label="x")
    graph = vg.graph(x)
    assert graph.last_step == 0 and graph.find("x").value == "3"


def test_data_changed_after_the_forward_pass_is_said():
    ns = lecture_example(engine.Value)
    L = ns["L"]
    assert vg.graph(L, names=ns).steps[0].lines[-1].startswith("Backpropagation starts")
    L.backward()
    for leaf in ("a", "b"):  # one step of gradient descent, the micrograd way
        ns[leaf].data += -0.01 * ns[leaf].grad
    said = vg.graph(L, names=ns).steps[0].lines[-1]
    assert said.startswith("Not the data its inputs give now: e (data -6, its * gives -5.742)")
    assert "run the forward pass again" in said
