"""The widget in front of a class, in real JupyterLab 4 and Notebook 7.

As opened, with no resize, on a laptop (1280x800) and a projector (1024x768): the
worked example's text is at least 12 px on screen and every node is in the view.
Presentation mode makes the explanation at least 24 px on the projector; a
presenter's clicker (PageDown/PageUp, Space, the arrows) steps, and the kernel
sees each step; expanding a scope keeps it in view.
"""

from __future__ import annotations

import re
import statistics

import pytest
from playwright.sync_api import expect

from .test_widget_in_jupyter import APPS, GRAPH, SETUP, WORKED_EXAMPLE, button

pytestmark = pytest.mark.browser

SIZES = {"laptop": (1280, 800), "projector": (1024, 768)}

# On-screen heights of the drawing's visible texts, the view's box and every node's box.
MEASURE = """(root) => {
  const box = (element) => {
    const r = element.getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, height: r.height };
  };
  const visible = (text) => !text.closest('[visibility="hidden"]') && text.textContent.trim();
  return {
    texts: [...root.querySelectorAll(".vg-canvas svg text")].filter(visible)
      .map((text) => box(text).height),
    view: box(root.querySelector(".vg-viewport")),
    nodes: Object.fromEntries([...root.querySelectorAll(".vg-canvas svg g.node")]
      .map((node) => [node.id, box(node)])),
  };
}"""


def inside(inner: dict, outer: dict, slack: float = 1.0) -> bool:
    return (inner["left"] >= outer["left"] - slack and inner["right"] <= outer["right"] + slack
            and inner["top"] >= outer["top"] - slack and inner["bottom"] <= outer["bottom"] + slack)


def open_at(page, open_notebook, app: str, size: str, *cells: str):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    notebook = open_notebook(app, [SETUP, *cells])
    return notebook, notebook.first_widget()


def nodes_outside(seen: dict) -> list[str]:
    return [id_ for id_, box in seen["nodes"].items() if not inside(box, seen["view"])]


def assert_whole_and_readable(seen: dict) -> None:
    median = statistics.median(seen["texts"])
    assert median >= 12, f"median text height {median:.1f} px on screen"
    assert set(seen["nodes"]) == {node.id for node in GRAPH.nodes}
    assert not nodes_outside(seen), f"nodes outside the view: {nodes_outside(seen)}, {seen['view']}"


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("app", APPS)
def test_as_opened_the_text_is_readable_and_every_node_in_view(page, open_notebook, artifacts,
                                                               app, size):
    notebook, widget = open_at(page, open_notebook, app, size, WORKED_EXAMPLE)
    seen = widget.evaluate(MEASURE)
    widget.screenshot(path=str(artifacts / f"classroom-{app}-{size}-opened.png"))
    if app == "lab" and size == "projector":
        # JupyterLab opens with its file browser beside the notebook: at 1024 px the cell is
        # 580 px wide, and this 900-px drawing cannot be whole at 12 px. It is shown at 12 px
        # around the target, where backpropagation starts; Fit shows all of it.
        assert statistics.median(seen["texts"]) >= 12
        assert inside(seen["nodes"][GRAPH.target], seen["view"])
        # the teacher closes the file browser: the view follows its wider cell
        page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
        expect(page.locator("#jp-left-stack")).to_be_hidden()
        page.wait_for_function("(root) => { const v = root.querySelector('.vg-viewport');"
                               " return v.getBoundingClientRect().left < 200; }",
                               arg=widget.element_handle())
        # the view reframes in the resize observer, before the next frame is painted
        page.evaluate("() => new Promise((done) => requestAnimationFrame("
                      "() => requestAnimationFrame(done)))")
        seen = widget.evaluate(MEASURE)
        widget.screenshot(path=str(artifacts / f"classroom-{app}-{size}-sidebar-closed.png"))
        # 830 px is still a little narrow for this drawing at 12 px: readable, around
        # where backpropagation starts, with a shaded edge saying more lies outside
        if nodes_outside(seen):
            assert statistics.median(seen["texts"]) >= 12
            assert inside(seen["nodes"][GRAPH.target], seen["view"])
            assert widget.locator(".vg-viewport").get_attribute("data-more")
            return
    assert_whole_and_readable(seen)
    assert not notebook.errors()


@pytest.mark.parametrize("app", APPS)
def test_a_clicker_steps_and_presentation_mode_is_large(page, open_notebook, artifacts, app):
    notebook, widget = open_at(page, open_notebook, app, "projector", WORKED_EXAMPLE,
                               "w = _", "print(w.step)", "w.scale = 1.5")
    notebook.run(2)
    # a presenter clicks the drawing once (not a node), then drives it from a clicker
    view = widget.locator(".vg-viewport")
    view.click(position={"x": 4, "y": 4})
    expect(widget).to_be_focused()
    keyboard = page.keyboard
    for key, step in [("PageDown", 1), ("Space", 2), ("ArrowRight", 3), ("ArrowDown", 4),
                      ("PageUp", 3), ("ArrowLeft", 2), ("ArrowUp", 1), ("End", GRAPH.last_step),
                      ("Home", 0), ("Enter", 1), ("Space", 2), ("Shift+Space", 1),
                      ("PageDown", 2)]:
        keyboard.press(key)
        expect(widget).to_have_attribute("data-step", str(step))
    # the keys stepped the widget, not the notebook: no cell moved into edit mode or
    # lost its selection, and the widget kept the focus
    expect(widget).to_be_focused()
    expect(notebook.cell(1)).to_have_class(re.compile(r"\bjp-mod-selected\b"))
    expect(page.locator(".jp-Notebook.jp-mod-editMode")).to_have_count(0)
    notebook.run(3)
    expect(notebook.output(3)).to_have_text("2")

    # running the cell took the focus: click the drawing again, then F for full screen
    widget.locator(".vg-viewport").click(position={"x": 4, "y": 4})
    keyboard.press("f")
    expect(widget).to_have_attribute("data-presenting", "")
    assert page.evaluate("() => document.fullscreenElement?.classList.contains('vizgrad-widget')")
    keyboard.press("PageDown")
    expect(widget).to_have_attribute("data-step", "3")
    explain = widget.locator(".vg-explain-lines > div").first
    expect(explain).to_be_visible()
    font_size = explain.evaluate("(line) => getComputedStyle(line).fontSize")
    font_px = float(font_size.removesuffix("px"))
    assert font_px >= 24, f"explanation text {font_px} px in presentation mode"
    assert_whole_and_readable(widget.evaluate(MEASURE))
    page.screenshot(path=str(artifacts / f"classroom-{app}-presenting.png"))
    for name in ("Next step", "Previous step", "Leave full screen"):
        expect(button(widget, name)).to_be_visible()
    button(widget, "Leave full screen").click()
    expect(widget).not_to_have_attribute("data-presenting", "")
    assert page.evaluate("() => document.fullscreenElement") is None
    notebook.run(3)
    expect(notebook.output(3)).to_have_text("3")

    # the scale trait, set from Python, grows the explanation and the drawing's text
    line_px = explain.evaluate("(line) => parseFloat(getComputedStyle(line).fontSize)")
    text_px = statistics.median(widget.evaluate(MEASURE)["texts"])
    notebook.run(4)
    expect(explain).to_have_css("font-size", f"{line_px * 1.5:g}px")
    assert statistics.median(widget.evaluate(MEASURE)["texts"]) > text_px
    assert not notebook.errors()


SCOPED = """\
import numpy as np
model = vg.nn.MLP(2, [3, 2], seed=0)
logits = model(np.array([[0.5, -1.0], [1.0, 2.0]]))
with vg.scope("loss"):
    loss = vg.nn.cross_entropy(logits, np.array([0, 1]))
vg.show(loss, collapsed=["layer1", "layer2", "loss"])"""


@pytest.mark.parametrize("app", APPS)
def test_expanding_a_scope_keeps_it_in_view(page, open_notebook, artifacts, app):
    notebook, widget = open_at(page, open_notebook, app, "laptop", SCOPED)
    box = widget.locator("svg g.node", has_text="layer2")
    expect(box).to_be_visible()
    box.locator("text").first.click()
    cluster = widget.locator("svg g.cluster", has_text="layer2")
    expect(cluster).to_be_visible()
    seen = widget.evaluate(MEASURE)
    scope_box = cluster.evaluate("""(g) => { const r = g.getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom }; }""")
    widget.screenshot(path=str(artifacts / f"classroom-{app}-scope-expanded.png"))
    # as much of the scope as the view can hold is in it
    view = seen["view"]
    for low, high in (("left", "right"), ("top", "bottom")):
        shown = min(scope_box[high], view[high]) - max(scope_box[low], view[low])
        assert shown >= min(scope_box[high] - scope_box[low], view[high] - view[low]) - 2, \
            (scope_box, view)
    assert statistics.median(seen["texts"]) >= 12
    assert not notebook.errors()
