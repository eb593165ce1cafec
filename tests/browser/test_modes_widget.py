"""The Reverse / Forward switch in JupyterLab: one click swaps the steps, and no box moves."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TABLE = """import vizgrad as vg
x1, x2 = vg.Variable(2.0, name="x1"), vg.Variable(5.0, name="x2")
y = vg.log(x1) + x1 * x2 - vg.sin(x2)
view = vg.show(y)"""

BOXES = """(root) => [...root.querySelectorAll("svg g.node")].map((node) => {
  const box = node.getBBox(); return [node.id, Math.round(box.x), Math.round(box.y)]; })"""


def test_the_switch_steps_forward_mode_on_the_same_layout(open_notebook, artifacts):
    notebook = open_notebook("lab", [TABLE, "view", "print(view.mode, view.step)"])
    notebook.run(0)
    notebook.run(1)
    widget = notebook.widget(1)
    expect(widget).to_have_attribute("data-rendered", "true")
    switch = widget.get_by_role("group", name="Mode")
    expect(switch.get_by_role("button", name="Reverse")).to_have_attribute("aria-pressed", "true")
    before = widget.evaluate(BOXES)

    switch.get_by_role("button", name="Forward").click()
    expect(switch.get_by_role("button", name="Forward")).to_have_attribute("aria-pressed", "true")
    widget.get_by_role("button", name="Next step", exact=True).click()
    widget.get_by_role("button", name="Next step", exact=True).click()
    expect(widget).to_have_attribute("data-step", "2")
    panel = widget.get_by_label("Explanation")
    dot = "\u0307"                                    # the dot over a tangent's name
    expect(panel).to_contain_text(f"x{dot}1·x2 + x{dot}2·x1 = 1·5 + 0·2 = 5")
    assert widget.evaluate(BOXES) == before            # the same boxes, where they were
    widget.screenshot(path=str(artifacts / "modes-forward-step-2.png"))

    notebook.run(2)                                    # the kernel saw the switch
    expect(notebook.output(2)).to_contain_text("forward 2")
    switch.get_by_role("button", name="Reverse").click()
    widget.get_by_role("button", name="Last step", exact=True).click()
    expect(panel).to_contain_text("Done: ∂y/∂x1 = 5.5, ∂y/∂x2 = 1.716")
    assert widget.evaluate(BOXES) == before
    widget.screenshot(path=str(artifacts / "modes-reverse-last-step.png"))
    assert not notebook.errors()
