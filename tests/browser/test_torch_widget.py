"""``vg.show(loss)`` of a real PyTorch model in JupyterLab: it draws and steps like any graph.

The model is notebook 12's (its gallery script is run as a cell); the gradient the last
step must show is PyTorch's own ``.grad``, computed here in the test process.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed; `pip install torch==2.13.0` runs this test")

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / \
    "12_your_pytorch_model_step_by_step.py"


def test_show_of_a_pytorch_loss_renders_and_steps_in_jupyterlab(open_notebook, artifacts):
    expected = runpy.run_path(str(EXAMPLE))["model"][2].bias.grad.tolist()
    notebook = open_notebook("lab", [EXAMPLE.read_text(encoding="utf-8"),
                                     "import vizgrad as vg\nvg.show(loss)"])
    widget = notebook.first_widget()
    expect(widget.locator("svg g.node", has_text="cross entropy")).to_have_count(1)
    expect(widget.locator("svg g.node", has_text="linear")).to_have_count(2)

    widget.get_by_role("button", name="Next step", exact=True).click()
    expect(widget).to_have_attribute("data-step", "1")
    expect(widget).to_contain_text("cross_entropy")
    widget.get_by_role("button", name="Last step", exact=True).click()
    expect(widget).to_have_attribute("data-step", "4")  # linear, relu, linear, cross_entropy
    bias = widget.locator("svg g.node", has_text="2.bias")
    for value in expected:  # PyTorch's model[2].bias.grad, as the drawing rounds it
        expect(bias).to_contain_text(f"{value:.4g}")
    widget.screenshot(path=str(artifacts / "torch-widget-last-step.png"))
    assert not notebook.errors()


PROGRAMS = Path(__file__).resolve().parents[1] / "torch_programs.py"
GPT_CELL = """\
import torch
import vizgrad as vg
import vizgrad.torch as vt
torch.manual_seed(0)
model = GPT(GPTConfig(), vocab=11, layers=2)
idx, targets = torch.randint(0, 11, (2, 8)), torch.randint(0, 11, (2, 8))
with vt.record():
    loss = model(idx, targets)
loss.backward()
vg.show(loss, names={"model": model}, depth=0)
"""


def test_a_models_groups_open_one_level_per_click(open_notebook, artifacts):
    notebook = open_notebook("lab", [PROGRAMS.read_text(encoding="utf-8"), GPT_CELL])
    widget = notebook.first_widget()
    boxes = widget.locator("svg g.node", has_text="click to expand")

    def box(name: str):
        return boxes.filter(has=widget.page.get_by_text(name, exact=True))

    def open_box(name: str) -> None:  # the drawing is framed on the step: it may be off it
        box(name).locator("text").first.dispatch_event("click")

    expect(box("transformer")).to_have_count(1)
    expect(widget.locator("svg g.node", has_text="c_attn")).to_have_count(0)
    open_box("transformer")  # wte, wpe, h and ln_f inside it, each still one box
    expect(box("transformer")).to_have_count(0)
    for inner in ("wte", "wpe", "h", "ln_f"):
        expect(box(inner)).to_have_count(1)
    expect(widget.locator("svg g.node", has_text="c_attn")).to_have_count(0)
    open_box("h")  # the two blocks, each still one box
    expect(box("0")).to_have_count(1)
    expect(box("1")).to_have_count(1)
    expect(widget.locator("svg g.node", has_text="c_attn")).to_have_count(0)
    widget.screenshot(path=str(artifacts / "torch-widget-nested-groups.png"))
    assert not notebook.errors()
