"""A drawing reads a long backward pass's steps and gradients only where it draws them, and
reads its tensors column by column: what it shows is what reading them one by one shows."""

import gc
import weakref
from dataclasses import replace

import numpy as np
import pytest

import vizgrad as vg
from vizgrad.drawing import build
from vizgrad.drawing.build import build_graph
from vizgrad.drawing.format import short
from vizgrad.drawing.record import trace_of_tensor
from vizgrad.drawing.trace import LazySteps

from .graphs import recurrence, sin_chain


def test_a_drawing_keeps_no_tensor_alive_though_it_reads_its_steps_when_drawn():
    x = vg.Variable(0.5, name="x")
    y = x
    for _ in range(400):   # past the collapse limit: steps are read when drawn
        y = vg.sin(y) * 1.0001
    y.backward()
    graph = vg.graph(y)
    alive = [weakref.ref(x), weakref.ref(y)]
    del x, y
    gc.collect()
    assert [ref() for ref in alive] == [None, None]
    step = graph.steps[5]           # the explanation is made now, from the kept numbers
    assert step.title.startswith("Step 5")
    assert "∂" in graph.to_dot(5)


def small_graph():
    """Scopes, a shared leaf, literals, a name that looks like a counted label ("mul1")."""
    a = vg.Variable(2.0, name="a")
    mul1 = vg.Variable(0.5, name="mul1")
    with vg.scope("layer/inner"):
        h = vg.tanh(a * mul1 * 3.0)
    with vg.scope("layer"):
        y = h * a + np.log2(a) + np.log(a)
    y.backward()
    return y, [vg.exp(a)]          # drawn greyed: not on the way to y


def huge_graph():
    """Past the collapse limit: unscoped ops cut into bands, a scope, a leaf used all along."""
    x = vg.Variable(0.3, name="x")
    h = x
    for i in range(400):
        if i % 50 == 0:
            with vg.scope("s"):
                h = vg.sin(h)
        h = vg.cos(h) + x
    h.backward()
    return h, []


def seen(graph: vg.Graph) -> tuple:
    """What a user sees of a drawing: the widget's data, the DOT at a few steps, the steps'
    words, each group opened, the details of what is drawn."""
    nodes, edges = graph.drawn(graph.default_collapsed())
    return (graph.to_dict(), [graph.to_dot(k) for k in (0, 1, graph.last_step)],
            graph.steps_dict(range(len(graph.steps))), [graph.part(s.id) for s in graph.scopes],
            [graph.nodes[i].detail for i in nodes], [graph.edges[k].detail for k, *_ in edges])


@pytest.mark.parametrize("make", [small_graph, huge_graph, lambda: (sin_chain(30), []),
                                  lambda: (recurrence(4), [])])
def test_tensors_read_column_by_column_draw_what_tensors_read_one_by_one_draw(make):
    y, extra = make()
    trace = trace_of_tensor(y, names={"y": y}, extra=extra)
    one_by_one = replace(trace, tensors=tuple(trace.tensors), steps=tuple(trace.steps),
                         totals=dict(trace.totals))
    assert seen(build_graph(trace)) == seen(build_graph(one_by_one))


@pytest.mark.parametrize("make", [huge_graph, lambda: (recurrence(4), [])])
def test_labels_counted_all_at_once_are_the_labels_given_one_by_one(make, monkeypatch):
    y, extra = make()
    at_once = [n.label for n in vg.graph(y, extra=extra).nodes]
    monkeypatch.setattr(build, "_may_collide", lambda kinds, names: True)
    assert at_once == [n.label for n in vg.graph(y, extra=extra).nodes]


def test_a_counted_label_never_repeats_a_name_or_another_label():
    y, extra = small_graph()
    labels = [n.label for n in vg.graph(y).nodes if n.kind != "constant"]
    assert len(labels) == len(set(labels)) and "mul1" in labels
    x = vg.Variable(2.0, name="x")
    z = x
    for _ in range(21):         # the 21st log and the first log2 could both be "log21"
        z = np.log(z + 3.0)
    z = np.log2(z)
    labels = [n.label for n in vg.graph(z).nodes if n.kind == "op"]
    assert len(labels) == len(set(labels)) == 43


class _SaysItsIndices(dict):
    """A recorder's lazy totals: says which indices it holds without making arrays."""

    def indices(self) -> frozenset[int]:
        return frozenset(self)


def test_a_recorder_may_outline_its_lazy_steps_as_pairs():
    y, extra = small_graph()
    trace = trace_of_tensor(y, names={"y": y}, extra=extra)
    steps = tuple(trace.steps)
    pairs = LazySteps(len(steps), steps.__getitem__, lambda: [
        (s.tensor, tuple(c is not None for c in s.contributions)) for s in steps])
    plain = replace(trace, tensors=tuple(trace.tensors), steps=steps, totals=dict(trace.totals))
    lazy = replace(plain, steps=pairs, totals=_SaysItsIndices(trace.totals))
    assert seen(build_graph(lazy)) == seen(build_graph(plain))


@pytest.mark.parametrize("start", [2.0, np.ones((2, 2))])
def test_each_edge_shows_the_value_its_op_saw_though_the_leaf_changed_since(start):
    w = vg.Variable(start, name="w")
    a = (vg.sin(w) * 3.0).sum()
    a.backward()
    before = np.array(w.numpy())
    vg.optim.SGD([w], lr=0.5).step()          # w changes between its two uses
    y = a + (vg.tanh(w) * w).sum()
    y.backward()
    drawing = vg.graph(y)
    w_id = drawing.find("w").id
    seen_by = {drawing.node(e.target).op: e.value for e in drawing.edges if e.source == w_id}
    assert seen_by["sin"] == short(before) and seen_by["tanh"] == short(w.numpy())
    assert drawing.find("w").value == short(before)   # the leaf: as its first user saw it
