"""The learner acts, in a real JupyterLab 4 and Notebook 7 and in the exported page:
quiz mode (wrong, then right answers; Show answer; the score) and nudging an input
of ``vg.explore`` (values and gradients redrawn, no node moved)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

import vizgrad as vg

from .test_sharing import offline_page

pytestmark = pytest.mark.browser

APPS = ["lab", "notebook"]
SEED = ("import vizgrad as vg\nx = vg.Variable(3.0)\ny = vg.Variable(4.0)\n"
        "f = x*x*y + y + 2\nw = vg.show(f, quiz=True)\nw")


def seed_graph() -> vg.Graph:
    x = vg.Variable(3.0)
    y = vg.Variable(4.0)
    f = x * x * y + y + 2
    return vg.graph(f, names={"x": x, "y": y, "f": f})


def expected_answers(graph: vg.Graph) -> list[str]:
    """Each step's answer as the explanation writes it: step 0 the output's value, then
    the result of each step's first chain-rule line."""
    answers = [re.search(r"= (.+)\.$", graph.steps[0].lines[0]).group(1)]
    for step in graph.steps[1:]:
        chain = [line for line in step.lines[1:] if line.count(" = ") >= 2]
        answers.append(re.sub(r"\s{2}\(.*\)$", "", chain[0]).split(" = ")[-1])
    return answers


def hidden_gradients(widget) -> int:
    """Texts the quiz keeps hidden until the step is answered: the step's new gradients
    (at step 0 the output's value), which the step on show would otherwise draw."""
    return widget.evaluate("""(root) => [...root.querySelectorAll('.vg-canvas text')]
        .filter((t) => t.style.visibility === 'hidden'
                && t.getAttribute('visibility') !== 'hidden').length""")


def answer(widget, text: str) -> None:
    field = widget.get_by_label("Your answer")
    field.fill(text)
    field.press("Enter")


def feedback(widget):
    return widget.locator('.vg-quiz [role="status"]')


def take_the_quiz(widget, answers: list[str]) -> None:
    """Step 0 and 3 wrong first, step 2 revealed, the rest right at once."""
    last = len(answers) - 1
    for step, right in enumerate(answers):
        expect(widget).to_have_attribute("data-step", str(step))
        expect(widget.locator(".vg-explain")).to_contain_text("?")
        assert hidden_gradients(widget) > 0, f"step {step}: the result shows before the answer"
        if step == 2:
            widget.get_by_role("button", name="Show answer").click()
            expect(feedback(widget)).to_have_text(f"The answer: {right}.")
        else:
            if step in (0, 3):
                answer(widget, "1" if step == 3 else "40")
                expect(feedback(widget)).to_contain_text("Not quite")
                if step == 3:  # 1 is the upstream gradient alone
                    expect(feedback(widget)).to_contain_text("local derivative is missing")
                expect(widget.locator(".vg-explain")).to_contain_text("?")
            answer(widget, right)
            expect(feedback(widget)).to_contain_text("Correct")
        expect(widget.locator(".vg-explain")).not_to_contain_text("= ?")
        assert hidden_gradients(widget) == 0
        if step < last:
            widget.get_by_role("button", name="Next step", exact=True).click()
    first_try = len(answers) - 3
    expect(widget.locator(".vg-quiz-score")).to_have_text(
        f"Score: {first_try} of {len(answers)} at the first try")


@pytest.mark.parametrize("app", APPS)
def test_a_learner_answers_every_step_of_the_quiz(open_notebook, artifacts, app):
    notebook = open_notebook(app, [SEED, "print('quiz', w.quiz, 'step', w.step)"])
    notebook.run(0)
    widget = notebook.widget(0)
    expect(widget).to_have_attribute("data-rendered", "true")
    expect(widget.locator(".vg-explain")).to_contain_text("f = ?")
    widget.screenshot(path=str(artifacts / f"quiz-{app}-step-0.png"))
    answers = expected_answers(seed_graph())
    take_the_quiz(widget, answers)
    widget.screenshot(path=str(artifacts / f"quiz-{app}-score.png"))

    # the clicker's Next reveals first: back at step 3 (answered) nothing is asked again,
    # so turn the quiz off and on in the widget and check the kernel sees the toggle
    widget.locator(".vg-quiz-toggle").click()
    expect(widget.locator(".vg-quiz")).to_be_hidden()
    notebook.run(1)
    expect(notebook.output(1)).to_contain_text(f"quiz False step {len(answers) - 1}")
    assert not notebook.errors()


@pytest.mark.parametrize("app", APPS)
def test_the_quiz_button_turns_quiz_mode_on_in_a_plain_widget(open_notebook, app):
    notebook = open_notebook(app, [SEED.replace("quiz=True", "step=0"), "print('quiz', w.quiz)"])
    notebook.run(0)
    widget = notebook.widget(0)
    expect(widget).to_have_attribute("data-rendered", "true")
    expect(widget.get_by_label("Your answer")).to_have_count(0)
    widget.locator(".vg-quiz-toggle").click()
    # the kernel sends the bundle with the quiz; the view comes back in quiz mode
    widget = notebook.widget(0)
    expect(widget.get_by_label("Your answer")).to_be_visible()
    expect(widget.locator(".vg-explain")).to_contain_text("f = ?")
    answer(widget, "42")
    expect(feedback(widget)).to_contain_text("Correct")
    notebook.run(1)
    expect(notebook.output(1)).to_contain_text("quiz True")
    assert not notebook.errors()


@pytest.mark.parametrize("app", ["lab"])
def test_in_presentation_mode_the_clickers_next_reveals_first(open_notebook, artifacts, app):
    notebook = open_notebook(app, [SEED])
    notebook.run(0)
    widget = notebook.widget(0)
    expect(widget).to_have_attribute("data-rendered", "true")
    widget.locator(".vg-canvas").click()
    notebook.page.keyboard.press("f")
    notebook.page.wait_for_function("() => !!document.fullscreenElement")
    notebook.page.keyboard.press("PageDown")  # step 0 is open: reveal
    expect(feedback(widget)).to_have_text("The answer: 42.")
    expect(widget).to_have_attribute("data-step", "0")
    notebook.page.keyboard.press("PageDown")  # now step
    expect(widget).to_have_attribute("data-step", "1")
    expect(widget.locator(".vg-explain")).to_contain_text("= ?")
    widget.screenshot(path=str(artifacts / "quiz-presenting.png"))
    notebook.page.evaluate("() => document.exitFullscreen()")
    assert not notebook.errors()


def test_the_exported_page_quizzes_offline(browser, artifacts, tmp_path):
    x = vg.Variable(3.0, name="x")
    y = vg.Variable(4.0, name="y")
    f = x * x * y + y + 2
    path = vg.export_html(f, tmp_path / "quiz.html", quiz=True)
    page = offline_page(browser, path.as_uri())
    widget = page.locator(".vizgrad-widget")
    expect(widget).to_have_attribute("data-rendered", "true")
    take_the_quiz(widget, expected_answers(seed_graph()))
    page.screenshot(path=str(artifacts / "quiz-html-page.png"))
    assert page.blocked == [] and page.errors == []
    page.context.close()


NODE_BOXES = """(root) => Object.fromEntries([...root.querySelectorAll('svg g.node')].map((g) => {
  const box = g.querySelector('ellipse, polygon, path').getBoundingClientRect();
  return [g.id, [box.x, box.y, box.width, box.height].map((v) => Math.round(v * 10) / 10)];
}))"""
TEXTS = "(root) => [...root.querySelectorAll('svg text')].map((t) => t.textContent)"


@pytest.mark.parametrize("app", APPS)
def test_moving_a_slider_redraws_values_and_gradients_without_moving_nodes(
        open_notebook, artifacts, app):
    notebook = open_notebook(app, [
        "import vizgrad as vg\ne = vg.explore(lambda x, y: x*x*y + y + 2, x=3.0, y=4.0)\ne",
        "print('x', round(e.inputs['x'], 2), 'predicted', round(e.predicted_change, 4), "
        "'actual', round(e.actual_change, 4))"])
    notebook.run(0)
    output = notebook.output(0)
    widget = output.locator(".vizgrad-widget")
    expect(widget).to_have_attribute("data-rendered", "true")
    panel = output.locator(".vizgrad-explore-panel")
    expect(panel).to_contain_text("Reference point: x = 3, y = 4")
    before_boxes = widget.evaluate(NODE_BOXES)
    before_texts = widget.evaluate(TEXTS)
    assert "∂f/∂x = 24" in before_texts

    handle = output.locator(".vizgrad-explore-slider").first.locator(".noUi-handle")
    box = handle.bounding_box()
    page = notebook.page
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    # the kernel ran f again: the number box follows, the drawing gets new numbers
    expect(panel).not_to_contain_text("Δxᵢ = 24 · 0 ")
    page.wait_for_function(
        "([root, old]) => { const t = [...root.querySelectorAll('svg text')]"
        ".map((e) => e.textContent); return !t.includes(old); }",
        arg=[widget.element_handle(), "∂f/∂x = 24"])
    after_texts = widget.evaluate(TEXTS)
    assert after_texts != before_texts
    assert any(t.startswith("∂f/∂x = ") for t in after_texts)  # gradients redrawn, too
    assert widget.evaluate(NODE_BOXES) == before_boxes  # not one node moved
    widget.screenshot(path=str(artifacts / f"explore-{app}.png"))

    notebook.run(1)
    printed = notebook.output(1).inner_text()
    x_now = float(re.search(r"x ([-\d.]+)", printed).group(1))
    assert x_now > 3.0
    predicted = float(re.search(r"predicted ([-\d.e]+)", printed).group(1))
    actual = float(re.search(r"actual ([-\d.e]+)", printed).group(1))
    dx = x_now - 3.0
    assert predicted == pytest.approx(24 * dx, abs=1e-3)
    assert actual == pytest.approx((x_now ** 2 * 4 + 6) - 42, abs=1e-2)
    assert not notebook.errors()
