"""Real-sized graphs in the widget, in real JupyterLab 4 and Notebook 7.

An MLP step with scopes (as notebook 9 shows it) and a PyTorch nn.Sequential by
module (notebook 12), on a laptop in JupyterLab with its file browser open
(1280x800) and on a projector in Notebook 7 (1024x768): the graph opens whole and
readable, or says more lies outside; stepping with the keys never changes the
widget's height, never loses the current operation and never scrolls inside the
explanation; in presentation mode the current operation stays in view with text
of at least 16 px, or the whole graph is in view. Measured with getBoundingClientRect.
"""

from __future__ import annotations

import statistics

import pytest
from playwright.sync_api import expect

from .test_classroom import SIZES, inside
from .test_widget_in_jupyter import SETUP

pytestmark = pytest.mark.browser

MLP_STEP = """\
import numpy as np
rng = np.random.default_rng(0)
points = rng.normal(size=(40, 2))
labels = (points[:, 0] * points[:, 1] > 0).astype(int)
model = vg.nn.MLP(2, [8, 2], seed=0)
logits = model(points)
with vg.scope("loss"):
    loss = vg.nn.cross_entropy(logits, labels)
vg.show(loss, collapsed=["layer1", "layer2", "loss"])"""

TORCH_SEQUENTIAL = """\
import torch, torch.nn as nn, torch.nn.functional as F
import vizgrad.torch as vt
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
x = torch.tensor([[1.0, 2.0], [-1.0, 0.5]])
labels = torch.tensor([0, 1])
with vt.record():
    loss = F.cross_entropy(model(x), labels)
loss.backward()
vg.show(loss, collapsed=["0", "1", "2"])"""

GRAPHS = {"mlp": MLP_STEP, "torch": TORCH_SEQUENTIAL}
# (app, size): JupyterLab on a laptop with its file browser open, Notebook 7 on a projector
PLACES = [("lab", "laptop"), ("notebook", "projector")]

# What a reader sees: the view's box, every drawn node's box, the current one, the
# visible texts' heights, the widget's height, and whether the explanation scrolls.
SEEN = """(root) => {
  const box = (element) => {
    const r = element.getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
  };
  const visible = (text) => !text.closest('[visibility="hidden"]') && text.textContent.trim();
  const explain = root.querySelector('[aria-label="Explanation"]');
  const scrolls = [explain, ...explain.querySelectorAll("*")]
    .some((element) => element.scrollHeight > element.clientHeight + 1 &&
      ["auto", "scroll"].includes(getComputedStyle(element).overflowY));
  const current = root.querySelector('.vg-canvas svg [data-current="true"]');
  return {
    height: root.getBoundingClientRect().height,
    view: box(root.querySelector(".vg-viewport")),
    nodes: [...root.querySelectorAll(".vg-canvas svg g.node")].map(box),
    texts: [...root.querySelectorAll(".vg-canvas svg text")].filter(visible)
      .map((text) => text.getBoundingClientRect().height),
    current: current ? box(current) : null,
    more: root.querySelector(".vg-viewport").getAttribute("data-more"),
    explainScrolls: scrolls,
    explainBottom: box(explain).bottom,
    screenBottom: window.innerHeight,
    step: root.getAttribute("data-step"),
  };
}"""


def whole(seen: dict) -> bool:
    return all(inside(node, seen["view"]) for node in seen["nodes"])


def median_text(seen: dict) -> float:
    return statistics.median(seen["texts"])


def step_through(page, widget, last_step: int) -> list[dict]:
    """Press the real keys from step 0 to the last: what the reader saw at each step."""
    seen = [widget.evaluate(SEEN)]
    for step in range(1, last_step + 1):
        page.keyboard.press("ArrowRight")
        expect(widget).to_have_attribute("data-step", str(step))
        seen.append(widget.evaluate(SEEN))
    return seen


def assert_followed(seen: list[dict], where: str) -> None:
    for k, at in enumerate(seen[1:], start=1):
        assert at["current"] is not None, f"{where}: step {k} marks no current operation"
        assert inside(at["current"], at["view"]), f"{where}: step {k}'s op is out of view"
        assert not at["explainScrolls"], f"{where}: the explanation scrolls at step {k}"


@pytest.mark.parametrize("graph", GRAPHS)
@pytest.mark.parametrize(("app", "size"), PLACES)
def test_a_real_graph_opens_whole_follows_the_step_and_never_jumps(page, open_notebook, artifacts,
                                                                    app, size, graph):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    notebook = open_notebook(app, [SETUP, GRAPHS[graph], "w = _\nprint(w.data.last_step)"])
    widget = notebook.first_widget()
    notebook.run(2)
    last_step = int(notebook.output(2).inner_text().strip())
    name = f"real-{graph}-{app}-{size}"
    widget.screenshot(path=str(artifacts / f"{name}-opened.png"))

    opened = widget.evaluate(SEEN)
    assert median_text(opened) >= 12, f"text {median_text(opened):.1f} px as opened"
    assert whole(opened) or opened["more"], "cropped, with no cue that more lies outside"
    assert not (whole(opened) and opened["more"]), "a cue on a graph shown whole"
    if graph == "mlp":  # the collapsed MLP step (4 boxes) always fits whole
        assert whole(opened), f"the MLP step does not open whole: {opened['view']}"
    # the whole widget fits on the screen: the explanation is not below the fold
    assert opened["explainBottom"] <= opened["screenBottom"] + 1

    widget.locator(".vg-viewport").click(position={"x": 3, "y": 3})
    stepped = step_through(page, widget, last_step)
    assert {round(at["height"]) for at in stepped} == {round(opened["height"])}, \
        "the widget changed height while stepping"
    assert_followed(stepped, f"{app} inline")
    widget.screenshot(path=str(artifacts / f"{name}-last-step.png"))

    # presentation mode on the same screen: back to the start, then every step again
    page.keyboard.press("Home")
    expect(widget).to_have_attribute("data-step", "0")
    page.keyboard.press("f")
    expect(widget).to_have_attribute("data-presenting", "")
    page.wait_for_function("() => !!document.fullscreenElement")
    presented = step_through(page, widget, last_step)
    assert_followed(presented, f"{app} full screen")
    assert len({round(at["view"]["top"]) for at in presented}) == 1, "the drawing moved"
    for k, at in enumerate(presented):
        assert median_text(at) >= 16 or whole(at), \
            f"full screen step {k}: text {median_text(at):.1f} px and the graph cropped"
    page.screenshot(path=str(artifacts / f"{name}-presenting.png"))
    page.evaluate("() => document.exitFullscreen()")
    expect(widget).not_to_have_attribute("data-presenting", "")
    assert not notebook.errors()


HUGE_CHAIN = """\
x = vg.Variable(0.5, name="x")
y = x
for i in range(1000):
    y = vg.sin(y) if i % 2 == 0 else vg.tanh(y)
y.backward()
vg.show(y)"""


@pytest.mark.parametrize("app", ["lab", "notebook"])
def test_a_huge_graph_steps_past_the_explanations_it_opened_with(open_notebook, artifacts, app):
    # a drawing with its groups closed opens with its first explanations; the last
    # step's, and the one before it, come from the kernel when the learner steps there
    from .test_widget_in_jupyter import button

    notebook = open_notebook(app, [SETUP, HUGE_CHAIN])
    widget = notebook.first_widget()
    explain = widget.locator(".vg-explain")
    expect(explain).to_contain_text("Forward pass")
    button(widget, "Last step").click()
    expect(widget).to_have_attribute("data-step", "1000")
    expect(explain).to_contain_text("Step 1000: backpropagate through")
    button(widget, "Previous step").click()
    expect(widget).to_have_attribute("data-step", "999")
    expect(explain).to_contain_text("Step 999: backpropagate through")
    assert widget.bounding_box()["height"] > 200, "the widget collapsed while it waited"
    widget.screenshot(path=str(artifacts / f"{app}-huge-chain-step-999.png"))
    assert not notebook.errors()
