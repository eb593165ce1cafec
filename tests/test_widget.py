"""The widget's Python side: the state it sends to the browser and what it accepts back."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import traitlets

import vizgrad as vg
from vizgrad.frontends.widget import BUNDLE, KERNEL_LAYOUT_BUNDLE, GraphWidget

from .graphs import sin_chain


def worked_example() -> vg.Tensor:
    x = vg.Variable(3.0, name="x")
    y = vg.Variable(4.0, name="y")
    return x * x * y + y + 2


def scoped_example() -> vg.Tensor:
    x = vg.Variable(3.0, name="x")
    with vg.scope("layer1"):
        h = vg.tanh(x * 2.0 + 1.0)
    with vg.scope("layer2"):
        out = h * h + x
    return out


def test_show_returns_a_widget_at_step_zero():
    widget = vg.show(worked_example())
    assert isinstance(widget, GraphWidget)
    assert widget.step == 0
    assert widget.data.last_step == 4


def test_state_holds_the_front_end_and_every_synced_trait():
    f = worked_example()
    widget = vg.show(f)
    state = widget.get_state()
    # this kernel has Graphviz: it lays out, and the front end it sends has no engine of its own
    if KERNEL_LAYOUT_BUNDLE.exists():
        assert state["_esm"] == KERNEL_LAYOUT_BUNDLE.read_text(encoding="utf-8")
        assert len(state["_esm"]) < BUNDLE.stat().st_size / 10
    else:
        assert "export default" in state["_esm"]
    # the layout of the DOT it sends, every gradient in it: a step only restyles it
    assert state["svg"].lstrip().startswith(("<?xml", "<svg", "<!DOCTYPE"))
    assert "∂f/∂x = 24" in state["svg"] and "∂f/∂y = 10" in state["svg"]
    expected = vg.graph(f).to_dict()
    assert json.loads(json.dumps(state["graph"])) == json.loads(json.dumps(expected))
    assert state["graph"]["last_step"] == 4
    assert state["graph"]["colors"]["grad"] == "#d1451b"
    assert state["step"] == 0
    assert state["collapsed"] == []
    assert state["dot"].startswith("digraph vizgrad {")
    assert 'id="n0"' in state["dot"] and 'id="e0"' in state["dot"]


def test_dot_has_every_gradient_so_the_layout_never_changes_between_steps():
    widget = vg.show(worked_example())
    # the browser lays out this one DOT once and only shows or hides gradients per step
    assert "∂f/∂x = 24" in widget.dot
    assert "∂f/∂y = 10" in widget.dot
    # the only hidden texts are forward mode's tangents, laid out so a switch moves nothing
    hidden = re.findall(r'COLOR="transparent"[^>]*>([^<]*)<', widget.dot)
    assert hidden and all(text[1] == "\u0307" or text.startswith("˙ ") for text in hidden)
    widget.step = 3
    assert "∂f/∂x = 24" in widget.dot


def test_state_is_plain_json():
    state = vg.show(worked_example()).get_state()
    synced = {key: state[key] for key in ("graph", "dot", "step", "collapsed")}
    assert json.loads(json.dumps(synced, allow_nan=False))["graph"]["target"] == "n7"


def test_step_none_opens_on_the_last_step():
    assert vg.show(worked_example(), step=None).step == 4


def test_negative_step_counts_from_the_end():
    widget = vg.show(worked_example())
    widget.step = -1
    assert widget.step == 4


@pytest.mark.parametrize("bad", [5, 99, -6])
def test_step_out_of_range_is_refused_with_the_range(bad):
    widget = vg.show(worked_example())
    widget.step = 2
    with pytest.raises(traitlets.TraitError, match=rf"step {bad} does not exist: .* steps 0 to 4"):
        widget.step = bad
    assert widget.step == 2


@pytest.mark.parametrize("bad", ["2", 2.5, None])
def test_step_of_the_wrong_type_is_refused(bad):
    widget = vg.show(worked_example())
    with pytest.raises(traitlets.TraitError):
        widget.step = bad
    assert widget.step == 0


def test_bool_step_is_refused():
    widget = vg.show(worked_example())
    with pytest.raises(traitlets.TraitError, match="step must be an integer"):
        widget.step = True


def test_opening_on_a_missing_step_is_an_argument_error():
    with pytest.raises(vg.ArgumentError, match="step 7 does not exist"):
        vg.show(worked_example(), step=7)


def test_collapsing_a_scope_sends_a_new_dot():
    widget = vg.show(scoped_example())
    assert [s.name for s in widget.data.scopes] == ["layer1", "layer2"]
    assert widget.collapsed == []
    expanded = widget.dot
    assert "cluster_s0" in expanded
    widget.collapsed = ["layer1"]
    collapsed = widget.dot
    assert collapsed != expanded
    assert "cluster_s0" not in collapsed
    assert "click to expand" in collapsed
    assert widget.get_state()["dot"] == collapsed
    widget.collapsed = []
    assert widget.dot == expanded


def test_unknown_scope_is_refused_and_the_drawing_kept():
    widget = vg.show(scoped_example())
    before = widget.dot
    with pytest.raises(traitlets.TraitError, match="no scope is called 'layer9'.*layer1, layer2"):
        widget.collapsed = ["layer9"]
    assert widget.collapsed == []
    assert widget.dot == before


def test_big_graphs_start_collapsed():
    x = vg.Variable(0.5, name="x")
    y = x
    for _ in range(200):
        y = vg.sin(y) * 0.9
    widget = vg.show(y)
    assert len(widget.data.nodes) > 300
    assert widget.collapsed
    assert widget.collapsed == [s.name for s in widget.data.scopes if s.collapsed]
    assert "click to expand" in widget.dot


def test_save_svg_writes_the_step_shown(tmp_path):
    widget = vg.show(worked_example())
    widget.step = 2
    mid = widget.save_svg(tmp_path / "mid.svg").read_text(encoding="utf-8")
    assert mid.lstrip().startswith(("<?xml", "<svg", "<!DOCTYPE"))
    assert mid == widget.data.to_svg(2)
    assert "∂f/∂f = 1" in mid
    assert "∂f/∂x = 24" not in mid  # x's gradient arrives at step 4
    widget.step = widget.data.last_step
    last = widget.save_svg(tmp_path / "last.svg").read_text(encoding="utf-8")
    assert last == widget.data.to_svg(4)
    assert "∂f/∂x = 24" in last and "∂f/∂y = 10" in last


def test_save_svg_of_another_step_leaves_the_view_alone(tmp_path):
    widget = vg.show(worked_example())
    path = widget.save_svg(tmp_path / "three.svg", step=3)
    assert path.read_text(encoding="utf-8") == widget.data.to_svg(3)
    assert widget.step == 0


def test_save_svg_draws_collapsed_scopes_collapsed(tmp_path):
    widget = vg.show(scoped_example())
    widget.collapsed = ["layer2"]
    svg = widget.save_svg(tmp_path / "c.svg").read_text(encoding="utf-8")
    assert "click to expand" in svg
    assert svg == widget.to_svg()


def test_show_in_a_notebook_names_nodes_after_its_variables():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_cell("import vizgrad as vg\nweight = vg.Variable(2.0)\nloss = weight * weight\n"
                   "shown = vg.show(loss)")
    labels = {node["label"] for node in shell.user_ns["shown"].graph["nodes"]}
    assert {"weight", "loss"} <= labels



def answers(widget: GraphWidget, request: dict) -> list[dict]:
    """What the kernel sends back to the view for ``request``."""
    sent = []
    widget.send = sent.append
    widget._answer(widget, request, [])
    return sent


def test_a_long_pass_sends_its_first_steps_and_the_rest_on_request():
    # a pass this long opens with its groups closed: a hundred explanations at first
    widget = vg.show(sin_chain(800))
    total = len(widget.data.steps)
    sent = widget.graph["steps"]
    assert widget.graph["more_steps"] and 0 < len(sent) < total
    received = list(sent)
    while len(received) < total:  # the view asks from the first step it lacks
        (reply,) = answers(widget, {"type": "steps", "from": len(received)})
        assert reply["start"] == len(received) and reply["steps"]
        received += reply["steps"]
    assert received == widget.data.steps_dict(range(total))
    assert answers(widget, {"type": "steps", "from": total}) == []  # past the end: nothing


def test_a_click_on_a_big_value_gets_its_full_text():
    w = vg.Variable(np.arange(200.0).reshape(100, 2), name="w")
    widget = vg.show(vg.reduce_sum(w * w))
    node = next(n for n in widget.graph["nodes"] if n["label"] == "w")
    assert node["detail"]["value"] is None  # not sent until asked
    (reply,) = answers(widget, {"type": "detail", "id": node["id"]})
    assert reply["id"] == node["id"]
    assert "199" in reply["detail"]["value"]  # its last entry
    assert answers(widget, {"type": "detail", "id": "no-such-id"}) == []
