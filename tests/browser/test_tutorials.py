"""The README's `./dev lab` opens JupyterLab on notebooks/: notebook 1 runs and shows the widget."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
FIRST = "01_reverse_mode_by_hand.ipynb"


def test_notebook_1_runs_in_jupyterlab_and_shows_the_widget(page, jupyter_server, artifacts):
    # a copy of notebooks/, as `jupyter lab notebooks/` serves it, so running it leaves
    # the tutorials untouched
    shutil.copytree(NOTEBOOKS, jupyter_server.root / "notebooks", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    code_cells = sum(cell.cell_type == "code"
                     for cell in nbformat.read(NOTEBOOKS / FIRST, as_version=4).cells)

    page.goto(jupyter_server.page_url("lab", f"notebooks/{FIRST}"))
    panel = page.locator(".jp-NotebookPanel").first
    expect(panel.locator(".jp-KernelName")).to_have_text("Python 3 (ipykernel)")
    expect(panel.locator(".jp-Notebook-ExecutionIndicator")).to_have_attribute(
        "data-status", "idle")

    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()

    prompts = panel.locator(".jp-CodeCell .jp-InputArea-prompt")
    expect(prompts).to_have_text([re.compile(r"^\[\d+\]:$")] * code_cells)
    expect(panel.locator('[data-mime-type="application/vnd.jupyter.error"]')).to_have_count(0)
    widget = panel.locator(".jp-OutputArea-output .vizgrad-widget").first
    expect(widget).to_have_attribute("data-rendered", "true")
    expect(widget.locator("svg g.node").first).to_be_visible()
    widget.screenshot(path=str(artifacts / "tutorial-01.png"))
    assert not page.vizgrad_errors.ours()
