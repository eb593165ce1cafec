"""``vg.show(o)`` of a micrograd-style value in JupyterLab: it draws, steps, and marks a wrong rule.

The engine is the gallery's (docs/examples/14_your_own_micrograd.py): a neuron whose
``tanh`` has the slip ``1 − t`` for ``1 − t²``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "14_your_own_micrograd.py"


def test_a_wrong_backward_is_marked_and_said_in_the_widget(open_notebook, artifacts):
    notebook = open_notebook("lab", [EXAMPLE.read_text(encoding="utf-8"),
                                     "import vizgrad as vg\nvg.show(o)"])
    widget = notebook.first_widget()
    expect(widget.locator("svg g.node", has_text="data 2")).to_have_count(1)  # x1
    expect(widget.locator("svg g.node", has_text="wrong _backward")).to_have_count(1)

    widget.get_by_role("button", name="Next step", exact=True).click()
    expect(widget).to_have_attribute("data-step", "1")  # the tanh: micrograd's first call
    panel = widget.locator(".vg-explain")
    expect(panel).to_contain_text("Wrong: your _backward for tanh sent 0.2929 to n")
    expect(panel).to_contain_text("∂o/∂n · o.grad = 0.5 · 1 = 0.5")
    widget.get_by_role("button", name="Last step", exact=True).click()
    expect(widget).to_have_attribute("data-step", "5")  # tanh, +, +, *, *
    expect(widget.locator("svg g.node", has_text="x1")).to_contain_text("grad -0.8787")
    widget.screenshot(path=str(artifacts / "micrograd-widget-last-step.png"))
    assert not notebook.errors()
