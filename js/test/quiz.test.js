// @vitest-environment jsdom
// Quiz mode: the answer parser, the questions read from the explanation lines,
// the verdicts, and the view in quiz mode (masked lines, hidden gradients,
// Enter checks, Show answer, the clicker's Next reveals first, the score).
import { afterEach, expect, test } from "vitest";
import { judge, parseNumbers, questionFor } from "../quiz.js";
import { createQuiz as createQuizButtonOnly } from "../quiz-off.js";
import { createView } from "../view.js";
import { attributeBecomes, loadFixture } from "./helpers.js";

const worked = loadFixture("worked_example");
const views = [];

afterEach(() => {
  while (views.length) views.pop().destroy();
});

const gradientStep = { index: 3, node: "n3", title: "Step 3", lines: [
  "∂f/∂mul2 = 1",
  "∂f/∂mul1 = ∂f/∂mul2 · ∂mul2/∂mul1 = 1 · 4 = 4",
  "∂f/∂y = ∂f/∂mul2 · ∂mul2/∂y = 1 · 9 = 9",
] };

test("numpy-style text is read as numbers with a shape", () => {
  expect(parseNumbers("4")).toEqual({ values: [4], shape: [] });
  expect(parseNumbers(" -0.5 ")).toEqual({ values: [-0.5], shape: [] });
  expect(parseNumbers("[[9, 10]]")).toEqual({ values: [9, 10], shape: [1, 2] });
  expect(parseNumbers("[[1.2 2.3]\n [0 0]]")).toEqual({ values: [1.2, 2.3, 0, 0], shape: [2, 2] });
  expect(parseNumbers("[1. 2.]")).toEqual({ values: [1, 2], shape: [2] });
  expect(parseNumbers("1e-3").values).toEqual([0.001]);
  expect(parseNumbers("-inf").values).toEqual([-Infinity]);
  for (const bad of ["", "four", "[1, 2", "[[1, 2], [3]]", "1 2"]) expect(parseNumbers(bad)).toBeNull();
});

test("a backward step asks for its first chain-rule result, with both factors known", () => {
  const q = questionFor(gradientStep, worked.graph);
  expect(q.prompt).toBe("∂f/∂mul1 = ∂f/∂mul2 · ∂mul2/∂mul1 = 1 · 4 = ?");
  expect(q.answer.values).toEqual([4]);
  expect(q.upstream.values).toEqual([1]);
  expect(q.local.values).toEqual([4]);
  expect(q.upstreamName).toBe("∂f/∂mul2");
  expect(q.localName).toBe("∂mul2/∂mul1");
  // "(as input 1)" stays after the blank
  const twice = questionFor({ index: 4, node: "n2", lines: ["∂f/∂mul1 = 4",
    "∂f/∂x = ∂f/∂mul1 · ∂mul1/∂x = 4 · 3 = 12  (as input 1)"] }, worked.graph);
  expect(twice.prompt).toBe("∂f/∂x = ∂f/∂mul1 · ∂mul1/∂x = 4 · 3 = ?  (as input 1)");
  expect(twice.answer.values).toEqual([12]);
});

test("a contribution through one path names the path and both factors", () => {
  const q = questionFor({ index: 4, node: "n2", lines: ["∂f/∂mul1 = 4",
    "contribution to ∂f/∂x through mul1: ∂f/∂mul1 · ∂mul1/∂x = 4 · 3 = 12  (as input 1)"] }, worked.graph);
  expect(q.ask).toBe("Your answer for the contribution to ∂f/∂x through mul1");
  expect([q.upstreamName, q.localName]).toEqual(["∂f/∂mul1", "∂mul1/∂x"]);
  expect(q.prompt).toBe("contribution to ∂f/∂x through mul1: ∂f/∂mul1 · ∂mul1/∂x = 4 · 3 = ?  (as input 1)");
  expect(judge(q, "3").message).toMatch(/upstream gradient is missing: that is the local derivative ∂mul1\/∂x/);
});

test("in forward mode a step asks for its tangent", () => {
  const q = questionFor({ index: 1, node: "n2", lines: ["ṁul1 = ẋ·x + ẋ·x = 1·3 + 1·3 = 6"] },
    { ...worked.graph, mode: "forward" });
  expect(q).toMatchObject({ kind: "tangent", prompt: "ṁul1 = ẋ·x + ẋ·x = 1·3 + 1·3 = ?" });
  expect(judge(q, "6").correct).toBe(true);
  expect(judge(q, "3").message).toMatch(/^Not quite: add up/);
});

test("step 0 asks for the output's value", () => {
  const q = questionFor(worked.graph.steps[0], worked.graph);
  expect(q.kind).toBe("value");
  expect(q.answer.values).toEqual([42]);
  expect(q.prompt.endsWith("f = ?")).toBe(true);
});

test("a wrong answer says which factor is off", () => {
  const q = questionFor(gradientStep, worked.graph);
  expect(judge(q, "4").message).toMatch(/^Correct/);
  expect(judge(q, "4.0004").correct).toBe(true); // within the shown precision
  expect(judge(q, "4.1").correct).toBe(false);
  const upstreamOnly = { ...q, upstream: parseNumbers("2"), answer: parseNumbers("8"), answerText: "8" };
  expect(judge(upstreamOnly, "4").message).toMatch(/^Not quite: the upstream gradient is missing/);
  expect(judge(upstreamOnly, "2").message).toMatch(/^Not quite: the local derivative is missing/);
  expect(judge(q, "-4").message).toMatch(/sign/);
  expect(judge(q, "5").message).toMatch(/^Not quite: the local derivative looks off/);
  expect(judge(q, "abc")).toMatchObject({ correct: false, valid: false });
  // arrays: numpy-style text, same shape
  const matrix = { ...q, answer: parseNumbers("[[9, 10]]"), upstream: null, local: null };
  expect(judge(matrix, "[[9, 10]]").correct).toBe(true);
  expect(judge(matrix, "[[9 10]]").correct).toBe(true);
  expect(judge(matrix, "[[10, 9]]").correct).toBe(false);
  // float16 is checked more loosely than float64
  expect(judge({ ...q, dtype: "float16" }, "4.03").correct).toBe(true);
  expect(judge({ ...q, dtype: "float64" }, "4.03").correct).toBe(false);
});

async function quizView() {
  const el = document.createElement("div");
  document.body.append(el);
  const toggles = [];
  const view = createView(el, { onQuiz: (on) => toggles.push(on) });
  views.push(view);
  const root = el.querySelector(".vizgrad-widget");
  view.update({ graph: worked.graph, dot: worked.dot, step: 0, collapsed: [], quiz: true });
  await attributeBecomes(root, "data-rendered", "true");
  await attributeBecomes(root, "data-step", "0");
  const q = (selector) => root.querySelector(selector);
  const answer = async (text) => {
    q('[aria-label="Your answer"]').value = text;
    q(".vg-quiz-form").requestSubmit();
    return q('.vg-quiz [role="status"]').textContent;
  };
  const lines = () => [...q(".vg-explain-lines").children].map((line) => line.textContent);
  const hiddenGrads = () => [...root.querySelectorAll(".vg-canvas .vg-grad")]
    .filter((t) => t.style.visibility === "hidden").length;
  return { view, root, q, answer, lines, hiddenGrads, toggles };
}

test("in quiz mode a step shows its question first, the gradient only once answered", async () => {
  const { view, root, q, answer, lines, hiddenGrads } = await quizView();
  // step 0: predict f; its value is hidden on the drawing
  expect(lines()[0]).toMatch(/f = \?$/);
  expect(await answer("40")).toMatch(/^Not quite/);
  expect(await answer("42")).toMatch(/^Correct/);
  expect(lines()[0]).toMatch(/f = 42\.$/);

  view.update({ step: 3 });
  await attributeBecomes(root, "data-step", "3");
  expect(lines()).toEqual(["∂f/∂mul2 = 1", "∂f/∂mul1 = ∂f/∂mul2 · ∂mul2/∂mul1 = 1 · 4 = ?"]);
  expect(hiddenGrads()).toBeGreaterThan(0); // the step's new gradients wait for the answer
  expect(await answer("1")).toMatch(/^Not quite: the local derivative is missing/);
  expect(await answer("4")).toMatch(/^Correct/);
  expect(hiddenGrads()).toBe(0);
  expect(lines()).toHaveLength(worked.graph.steps[3].lines.length);

  // Show answer reveals without answering
  view.update({ step: 4 });
  await attributeBecomes(root, "data-step", "4");
  expect(hiddenGrads()).toBeGreaterThan(0);
  q(".vg-quiz-form button[type=button]").click();
  expect(q('.vg-quiz [role="status"]').textContent).toBe("The answer: 12.");
  expect(hiddenGrads()).toBe(0);
  // the last step, settled: the score (step 0 and step 3 wrong first, step 4 revealed)
  expect(q(".vg-quiz-score").textContent).toBe("Score: 0 of 5 at the first try");
});

test("Next from the keyboard (a clicker) reveals first, then steps; the button skips", async () => {
  const { root, q, lines, toggles } = await quizView();
  root.focus();
  root.dispatchEvent(new KeyboardEvent("keydown", { key: "PageDown", bubbles: true }));
  expect(root.getAttribute("data-step")).toBe("0");
  expect(lines()[0]).toMatch(/f = 42\.$/);
  root.dispatchEvent(new KeyboardEvent("keydown", { key: "PageDown", bubbles: true }));
  expect(root.getAttribute("data-step")).toBe("1");
  q('[aria-label="Next step"]').click(); // a teacher skips a question
  expect(root.getAttribute("data-step")).toBe("2");
  // the toggle turns quiz mode off and tells the model
  q(".vg-quiz-toggle").click();
  expect(toggles).toEqual([false]);
  expect(q(".vg-quiz").hidden).toBe(true);
  expect(lines()).toEqual(worked.graph.steps[2].lines);
});

test("answers survive more steps arriving for the same graph, not a new computation", async () => {
  const { view, root, answer, q } = await quizView();
  expect(await answer("42")).toMatch(/^Correct/);
  view.update({ graph: { ...worked.graph, steps: [...worked.graph.steps] } }); // more steps sent
  await attributeBecomes(root, "data-step", "0");
  expect(q('[aria-label="Your answer"]').disabled).toBe(true); // still answered
  const other = JSON.parse(JSON.stringify(worked.graph));
  other.steps[0].lines[0] = other.steps[0].lines[0].replace("f = 42.", "f = 44.");
  view.update({ graph: other }); // the function at other inputs: asked again
  await attributeBecomes(root, "data-step", "0");
  expect(q('[aria-label="Your answer"]').disabled).toBe(false);
});

test("right first time counts in the score", async () => {
  const { view, root, answer, q } = await quizView();
  expect(await answer("42")).toMatch(/^Correct/);
  for (const [step, value] of [[1, "1"], [2, "1"], [3, "4"], [4, "12"]]) {
    view.update({ step });
    await attributeBecomes(root, "data-step", String(step));
    expect(await answer(value)).toMatch(/^Correct/);
  }
  expect(q(".vg-quiz-score").textContent).toBe("Score: 5 of 5 at the first try");
});

test("the light bundle's stand-in is only the Quiz button, which asks for quiz mode", () => {
  const asked = [];
  const quiz = createQuizButtonOnly(document, { onToggle: (on) => asked.push(on) });
  expect(quiz.toggle.textContent).toBe("Quiz");
  quiz.toggle.click();
  expect(asked).toEqual([true]);
  expect(quiz.pending(0)).toBe(false);
  const stepInfo = { lines: ["a = 1 · 2 = 2"] };
  expect(quiz.masked(stepInfo, 1)).toBe(stepInfo);
});
