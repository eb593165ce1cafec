"""The widget in a real JupyterLab 4 and Notebook 7: the worked example, stepped through.

``f = x*x*y + y + 2`` at x = 3, y = 4: step 0 is the forward pass alone; each click
on "Next step" backpropagates through one more op, until ∂f/∂x = 24 and ∂f/∂y = 10.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

import vizgrad as vg

pytestmark = pytest.mark.browser

APPS = ["lab", "notebook"]
SETUP = "import vizgrad as vg\n%load_ext vizgrad"
WORKED_EXAMPLE = "%%vizgrad\nx = vg.Variable(3.0)\ny = vg.Variable(4.0)\nf = x*x*y + y + 2"

# Gradient texts in the SVG (drawn in the gradient colour), each with the id of the
# node or edge it belongs to and whether it is hidden (by visibility, display or opacity).
GRADIENT_TEXTS = """(root, [color, rgb]) => {
  const hidden = (node) => {
    for (let n = node; n && n !== root; n = n.parentElement) {
      const style = getComputedStyle(n);
      if (style.display === "none" || style.visibility === "hidden"
          || style.visibility === "collapse" || parseFloat(style.opacity) === 0) return true;
    }
    return false;
  };
  const isGradient = (text) =>
    (text.getAttribute("fill") || "").toLowerCase() === color
    || getComputedStyle(text).fill === rgb;
  return [...root.querySelectorAll("svg text")].filter(isGradient).map((text) => ({
    owner: text.closest("g.node, g.edge")?.id ?? null,
    text: text.textContent,
    hidden: hidden(text),
  }));
}"""


def worked_example() -> vg.Graph:
    """The graph the kernel draws, built here too to know what each step must show."""
    x = vg.Variable(3.0)
    y = vg.Variable(4.0)
    f = x * x * y + y + 2
    return vg.graph(f, names={"x": x, "y": y, "f": f})


GRAPH = worked_example()
GRAD_COLOR = GRAPH.colors["grad"]


def rgb(color: str) -> str:
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def gradients_due(step: int) -> set[str]:
    """Ids of the nodes and edges whose gradient text the drawing shows at ``step``."""
    with_text = set(re.findall(rf'id="(\w+)"[^\n]*{GRAD_COLOR}', GRAPH.to_dot(highlight=False)))
    due = {item.id for item in (*GRAPH.nodes, *GRAPH.edges)
           if item.grad_step is not None and item.grad_step <= step}
    return with_text & due


def gradient_texts(widget) -> list[dict]:
    return widget.evaluate(GRADIENT_TEXTS, [GRAD_COLOR.lower(), rgb(GRAD_COLOR)])


def visible_gradients(widget) -> dict[str, str]:
    """Owner id -> text of every gradient text the user can see."""
    return {t["owner"]: t["text"] for t in gradient_texts(widget) if not t["hidden"]}


def show_worked_example(open_notebook, app: str, *more_cells: str):
    notebook = open_notebook(app, [SETUP, WORKED_EXAMPLE, *more_cells])
    return notebook, notebook.first_widget()


def button(widget, name: str):
    return widget.get_by_role("button", name=name, exact=True)


def download_svg(notebook, widget, path) -> str:
    """Click "Download SVG", save the file to ``path`` and return its text."""
    with notebook.page.expect_download() as download_info:
        button(widget, "Download SVG").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".svg"), download.suggested_filename
    download.save_as(path)
    svg = path.read_text(encoding="utf-8")
    assert re.match(r"\s*(<\?xml[^>]*>\s*)?(<!DOCTYPE[^>]*>\s*)?(<!--.*?-->\s*)*<svg\b", svg, re.S)
    assert "http://www.w3.org/2000/svg" in svg
    return svg


@pytest.mark.parametrize("app", APPS)
def test_next_step_walks_backpropagation_with_the_chain_rule(open_notebook, artifacts, app):
    notebook, widget = show_worked_example(open_notebook, app)
    explain = widget.locator(".vg-explain")

    for name in ("First step", "Previous step", "Play", "Next step", "Last step",
                 "Download SVG", "Zoom in", "Zoom out", "Fit"):
        expect(button(widget, name)).to_be_visible()
    expect(widget.get_by_role("slider", name="Step")).to_have_value("0")
    # the details open over the drawing only when something is clicked
    expect(widget.locator(".vg-details")).to_be_hidden()

    assert gradient_texts(widget), "no gradient text in the drawing at all"
    assert visible_gradients(widget) == {}, "step 0 is the forward pass: no gradient yet"
    expect(explain).to_contain_text("Forward pass")
    expect(widget.locator("svg g.node#n0")).to_be_visible()
    expect(widget.locator("svg g.edge#e0")).to_be_visible()

    for step in range(1, GRAPH.last_step + 1):
        button(widget, "Next step").click()
        expect(widget).to_have_attribute("data-step", str(step))
        for line in GRAPH.steps[step].lines:
            expect(explain).to_contain_text(line)
        assert set(visible_gradients(widget)) == gradients_due(step), f"at step {step}"
        if step == 3:
            expect(explain).to_contain_text("1 · 4 = 4")
            widget.screenshot(path=str(artifacts / f"{app}-step-3.png"))

    expect(explain).to_contain_text("12 + 12 = 24")
    shown = visible_gradients(widget)
    assert "24" in shown["n0"], shown  # x
    assert "10" in shown["n1"], shown  # y
    assert "12" in shown["e0"] and "12" in shown["e1"], shown
    assert "9" in shown["e3"], shown
    widget.screenshot(path=str(artifacts / f"{app}-last-step.png"))

    widget.locator("svg g.node#n0").click()  # x: its full value and gradient
    expect(widget.locator(".vg-details")).to_contain_text("24")
    assert not notebook.errors()


@pytest.mark.parametrize("app", APPS)
def test_step_is_synced_both_ways(open_notebook, app):
    notebook, widget = show_worked_example(
        open_notebook, app, "w = _\nw.step = 2", "print(w.step)")
    notebook.run(2)
    expect(widget).to_have_attribute("data-step", "2")
    expect(widget.get_by_role("slider", name="Step")).to_have_value("2")
    expect(widget.locator(".vg-explain")).to_contain_text(GRAPH.steps[2].lines[-1])

    button(widget, "Next step").click()
    expect(widget).to_have_attribute("data-step", "3")
    notebook.run(3)
    expect(notebook.output(3)).to_have_text("3")

    button(widget, "Last step").click()
    expect(widget).to_have_attribute("data-step", str(GRAPH.last_step))
    notebook.run(3)
    expect(notebook.output(3)).to_have_text(str(GRAPH.last_step))

    button(widget, "First step").click()
    expect(widget).to_have_attribute("data-step", "0")
    assert visible_gradients(widget) == {}
    notebook.run(3)
    expect(notebook.output(3)).to_have_text("0")
    assert not notebook.errors()


@pytest.mark.parametrize("app", APPS)
def test_download_button_saves_the_step_shown_as_svg(open_notebook, artifacts, app):
    notebook, widget = show_worked_example(open_notebook, app)
    button(widget, "Next step").click()
    button(widget, "Next step").click()
    expect(widget).to_have_attribute("data-step", "2")
    svg = download_svg(notebook, widget, artifacts / f"{app}-download-step-2.svg")
    assert "∂f/∂f = 1" in svg
    assert "∂f/∂x = 24" not in svg, "x's gradient arrives at step 4"

    widget.get_by_role("combobox", name="Speed").select_option(label="4×")
    button(widget, "Play").click()
    expect(button(widget, "Pause")).to_be_visible()
    expect(widget).to_have_attribute("data-step", str(GRAPH.last_step))
    expect(button(widget, "Play")).to_be_visible()  # it stops at the last step
    svg = download_svg(notebook, widget, artifacts / f"{app}-download-last-step.svg")
    assert "∂f/∂x = 24" in svg and "∂f/∂y = 10" in svg
    assert not notebook.errors()
