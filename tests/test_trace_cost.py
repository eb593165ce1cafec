"""A drawing reads a long backward pass's steps and gradients only where it draws them."""

import gc
import weakref

import vizgrad as vg


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
