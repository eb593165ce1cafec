"""What a drawing sends and keeps: only what is drawn, and what the steps need."""

import json

import numpy as np
import pytest

import vizgrad as vg
from vizgrad.drawing.graph import STEP_WINDOW

from .graphs import sin_chain


def test_a_collapsed_graph_sends_only_its_boxes_and_gives_a_group_when_expanded():
    drawing = vg.graph(sin_chain(2_000))
    data = drawing.to_dict()                      # as the widget opens it: collapsed
    scope_ids = {s["id"] for s in data["scopes"]}
    assert data["drawn_collapsed"] == drawing.default_collapsed() and scope_ids
    shown = {n["id"] for n in data["nodes"]}
    assert all(drawing.node(i).scope not in scope_ids for i in shown)
    assert len(data["nodes"]) < 5 and len(data["edges"]) < 2 * len(scope_ids)
    assert len(json.dumps(data)) < 200_000
    # expanding one group: its nodes and the edges touching them
    first = drawing.scopes[0]
    part = drawing.part(first.id)
    assert len(part["nodes"]) == first.size
    assert {n["scope"] for n in part["nodes"]} == {first.id}
    inside = {n["id"] for n in part["nodes"]}
    assert all(e["source"] in inside or e["target"] in inside for e in part["edges"])
    # the same drawing with that group open sends it too
    opened = drawing.to_dict(collapse=[s for s in drawing.default_collapsed() if s != first.id])
    assert inside <= {n["id"] for n in opened["nodes"]}
    with pytest.raises(vg.ArgumentError, match="no scope has the id 's999'"):
        drawing.part("s999")


def test_a_long_pass_sends_its_first_steps_and_the_rest_on_request():
    drawing = vg.graph(sin_chain(STEP_WINDOW + 100))
    data = drawing.to_dict()
    assert len(data["steps"]) == STEP_WINDOW and data["more_steps"]
    assert data["last_step"] == STEP_WINDOW + 100
    later = drawing.steps_dict([STEP_WINDOW + 50, drawing.last_step])
    assert [s["index"] for s in later] == [STEP_WINDOW + 50, STEP_WINDOW + 100]
    assert later[-1]["lines"][-1].startswith("Done: ∂f/∂x = ")
    small = vg.graph(sin_chain(3)).to_dict()
    assert len(small["steps"]) == 4 and not small["more_steps"]


def test_the_details_of_a_big_value_are_made_when_asked():
    big = vg.Variable(np.arange(10_000.0).reshape(100, 100), name="big")
    drawing = vg.graph(vg.sum(big * 2))
    node = next(n for n in drawing.to_dict()["nodes"] if n["label"] == "big")
    assert node["detail"] == {"value": None, "grad": None}     # not sent as opened
    asked = drawing.detail(node["id"])                          # the click asks for it
    assert asked["value"].startswith("shape (100, 100), float64") and "9999" in asked["value"]


def test_a_bare_graph_in_a_notebook_lays_out_only_when_a_picture_is_wanted():
    x = vg.Variable(3.0, name="x")
    drawing = vg.graph(x * x)
    assert set(drawing._repr_mimebundle_(include=["text/plain"])) == {"text/plain"}
    assert set(drawing._repr_mimebundle_(exclude=["image/svg+xml"])) == {"text/plain"}
    assert drawing._repr_mimebundle_()["image/svg+xml"].lstrip().startswith("<?xml")


def test_the_steps_of_a_pass_whose_result_is_gone_say_so():
    x = vg.Variable(3.0, name="x")
    passed = vg.backward(x * x)                   # the result is freed at once
    with pytest.raises(vg.VizgradError, match="has been freed.*keep the result in a variable"):
        _ = passed.steps
    y = x * x
    kept = vg.backward(y)
    assert [s.node.op for s in kept.steps] == ["multiply"]
    assert float(kept.steps[0].upstream) == 1.0


def test_a_drawing_made_from_a_trace_alone_has_no_tensor_in_it():
    from vizgrad.drawing.build import build_graph
    from vizgrad.drawing.record import trace_of_tensor
    x = vg.Variable([1.0, 2.0], name="x")
    y = vg.sum(x * x)
    trace = trace_of_tensor(y, names={"y": y})
    for t in trace.tensors:
        for value in (t.value, *t.input_values):
            assert value is None or isinstance(value, np.ndarray)
    drawing = build_graph(trace)
    assert drawing.find("x").grad == "[2, 4]" and drawing.target_name == "y"


def test_the_widget_sends_the_data_of_the_drawing_it_shows():
    drawing = vg.graph(sin_chain(400))                # past the collapse limit: opens collapsed
    view = vg.show(drawing)
    assert len(view.graph["nodes"]) < 5
    first = drawing.scopes[0]
    view.collapsed = [s.name for s in drawing.scopes[1:]]      # the reader opens one group
    assert {n["id"] for n in drawing.part(first.id)["nodes"]} <= {
        n["id"] for n in view.graph["nodes"]}
    opened = vg.show(drawing, collapsed=[])
    assert len(opened.graph["nodes"]) == len(drawing.nodes)
