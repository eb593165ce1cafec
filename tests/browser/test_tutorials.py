"""The tutorials in the browser: `./dev lab` opens notebook 1 and it runs; every tutorial's
widgets open readable (whole, or with a cue that more lies outside) in both apps, and are
photographed as opened, stepped and full screen under test-artifacts/tutorials/."""

from __future__ import annotations

import os
import re
import shutil
import statistics
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


# Every tutorial in both apps, each at the size its readers have and at the other one:
# JupyterLab with its file browser open on a 1280x800 laptop, Notebook 7 on a 1024x768
# projector. One page per app runs the notebooks one after another.
SCREENS = {"lab": [(1280, 800), (1024, 768)], "notebook": [(1024, 768), (1280, 800)]}
# Running every tutorial in both apps takes about 10 minutes on 2 cores: the test suite
# runs the ones with real-sized graphs (matrices, an MLP, convolution, a PyTorch model);
# VIZGRAD_ALL_TUTORIALS=1 runs them all.
REAL_SIZED = ("05_", "09_", "10_", "12_")


def tutorials() -> list[str]:
    names = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    if os.environ.get("VIZGRAD_ALL_TUTORIALS") == "1":
        return names
    return [name for name in names if name.startswith(REAL_SIZED)]

# the view's box, the boxes of the drawn nodes, the visible texts' heights, the cue
SEEN = """(root) => {
  const box = (element) => {
    const r = element.getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
  };
  const visible = (text) => !text.closest('[visibility="hidden"]') && text.textContent.trim();
  return {
    view: box(root.querySelector(".vg-viewport")),
    nodes: [...root.querySelectorAll(".vg-canvas svg g.node")].map(box),
    texts: [...root.querySelectorAll(".vg-canvas svg text")].filter(visible)
      .map((text) => text.getBoundingClientRect().height),
    more: root.querySelector(".vg-viewport").getAttribute("data-more"),
    last: root.querySelector(".vg-slider").max,
  };
}"""


def run_all(page, path: str, url: str) -> object:
    """Open ``path``, run every cell, wait for each prompt; the notebook panel."""
    page.goto(url)
    panel = page.locator(".jp-NotebookPanel").first
    expect(panel.locator(".jp-KernelName")).to_have_text("Python 3 (ipykernel)")
    expect(panel.locator(".jp-Notebook-ExecutionIndicator")).to_have_attribute(
        "data-status", "idle")
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    code_cells = sum(cell.cell_type == "code"
                     for cell in nbformat.read(NOTEBOOKS / path, as_version=4).cells)
    prompts = panel.locator(".jp-CodeCell .jp-InputArea-prompt")
    expect(prompts).to_have_text([re.compile(r"^\[\d+\]:$")] * code_cells, timeout=180_000)
    expect(panel.locator('[data-mime-type="application/vnd.jupyter.error"]')).to_have_count(0)
    return panel


def shown_whole(seen: dict) -> bool:
    view = seen["view"]
    return all(box["left"] >= view["left"] - 1 and box["right"] <= view["right"] + 1 and
               box["top"] >= view["top"] - 1 and box["bottom"] <= view["bottom"] + 1
               for box in seen["nodes"])


@pytest.mark.parametrize("app", SCREENS)
def test_every_tutorial_widget_opens_readable_and_is_photographed(page, jupyter_server,
                                                                    artifacts, app):
    shutil.copytree(NOTEBOOKS, jupyter_server.root / "tutorials", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    folder = artifacts / "tutorials"
    folder.mkdir(exist_ok=True)
    problems = []
    for path in tutorials():
        (width, height), (other_width, other_height) = SCREENS[app]
        page.set_viewport_size({"width": width, "height": height})
        panel = run_all(page, path, jupyter_server.page_url(app, f"tutorials/{path}"))
        widgets = panel.locator(".jp-OutputArea-output .vizgrad-widget")
        for index in range(widgets.count()):
            widget = widgets.nth(index)
            expect(widget).to_have_attribute("data-rendered", "true")
            expect(widget).to_have_attribute("aria-busy", "false")
            widget.scroll_into_view_if_needed()
            name = f"{path.removesuffix('.ipynb')}-{app}-w{index}"
            widget.screenshot(path=str(folder / f"{name}-{width}x{height}-opened.png"))
            seen = widget.evaluate(SEEN)
            readable = statistics.median(seen["texts"]) >= 12 if seen["texts"] else False
            if not readable or not (shown_whole(seen) or seen["more"]):
                problems.append(f"{name}: text {seen['texts'][:3]}…, whole {shown_whole(seen)}, "
                                f"cue {seen['more']}")
            # a reader steps to the end with the keys, then puts it full screen
            widget.locator(".vg-viewport").click(position={"x": 3, "y": 3})
            page.keyboard.press("End")
            expect(widget).to_have_attribute("data-step", seen["last"])
            widget.screenshot(path=str(folder / f"{name}-{width}x{height}-stepped.png"))
            page.keyboard.press("f")
            page.wait_for_function("() => !!document.fullscreenElement")
            page.screenshot(path=str(folder / f"{name}-{width}x{height}-fullscreen.png"))
            page.evaluate("() => document.exitFullscreen()")
            expect(widget).not_to_have_attribute("data-presenting", "")
            # the same widget on the other screen size
            page.set_viewport_size({"width": other_width, "height": other_height})
            widget.scroll_into_view_if_needed()
            widget.screenshot(path=str(folder / f"{name}-{other_width}x{other_height}-opened.png"))
            page.set_viewport_size({"width": width, "height": height})
        jupyter_server.shut_down_kernels()
    assert not problems, "\n".join(problems)
    assert not page.vizgrad_errors.ours()
