"""vg.show's classroom options: a text scale, the scopes drawn collapsed, independent widgets."""

from __future__ import annotations

import numpy as np
import pytest
import traitlets

import vizgrad as vg
from vizgrad.errors import ArgumentError

from .test_widget import scoped_example, worked_example


def test_scale_is_a_synced_trait_the_view_reads():
    widget = vg.show(worked_example(), scale=1.5)
    assert widget.scale == 1.5
    assert widget.get_state()["scale"] == 1.5
    widget.scale = 2
    assert widget.get_state()["scale"] == 2.0
    assert vg.show(worked_example()).scale == 1.0


@pytest.mark.parametrize("scale", [0, -1, 100])
def test_a_scale_out_of_range_is_refused_with_the_fix(scale):
    with pytest.raises(traitlets.TraitError, match=r"scale=.* between 0\.25 and 8"):
        vg.show(worked_example(), scale=scale)


def test_collapsed_chooses_the_scopes_drawn_as_one_box():
    out = scoped_example()
    widget = vg.show(out, collapsed=["layer1"])
    ids = {scope.name: scope.id for scope in widget.data.scopes}
    assert widget.collapsed == ["layer1"]
    assert f'id="{ids["layer1"]}" shape=box3d' in widget.dot
    assert f"subgraph cluster_{ids['layer2']}" in widget.dot
    expanded = vg.show(out, collapsed=[])
    assert expanded.collapsed == [] and "box3d" not in expanded.dot


def test_collapsed_names_a_scope_that_exists():
    with pytest.raises(ArgumentError, match="no scope is called 'layer9'"):
        vg.show(scoped_example(), collapsed=["layer9"])
    with pytest.raises(ArgumentError, match=r"not a list of scope names.*collapsed=\[\]"):
        vg.show(scoped_example(), collapsed="layer1")


def test_two_widgets_of_one_result_are_independent():
    out = scoped_example()
    first = vg.show(out, collapsed=[])
    second = vg.show(out, collapsed=["layer1", "layer2"])
    second.step = 3
    assert first.collapsed == [] and "box3d" not in first.dot
    assert first.step == 0
    assert second.collapsed == ["layer1", "layer2"]


def test_max_values_decides_which_tensors_show_every_entry():
    x = vg.Variable(np.arange(16.0).reshape(4, 4), name="x")
    total = vg.reduce_sum(x * x)
    whole = vg.show(total).graph["nodes"]
    summarised = vg.show(total, max_values=4).graph["nodes"]
    shown = {node["label"]: node["value"] for node in whole}
    assert "12, 13, 14, 15" in shown["x"]                       # a 4x4 shows whole by default
    assert {node["label"]: node["value"] for node in summarised}["x"].startswith("(4, 4) mean")
