// Quiz mode: predict, then reveal. Each backward step first shows its chain-rule
// line with the result blank ("∂f/∂mul1 = ∂f/∂mul2 · ∂mul2/∂mul1 = 1 · 4 = ?");
// the reader types an answer (Enter checks it) or asks for it. Step 0 asks for
// the output's value. The gradient on the drawing stays hidden until the step is
// answered or revealed; the score is kept per step.
//
//   const quiz = createQuiz(document, { onChange() {}, onToggle(on) {} });
//   quiz.setEnabled(true);
//   quiz.masked(stepInfo, step)   // the explanation as shown while the step is open
//   quiz.show({ graph, step, stepInfo, drawing })
//   quiz.pending(step) -> true while the step waits for an answer; quiz.reveal()
//
// The questions are read from the explanation lines the Python side wrote
// (vizgrad/drawing/narrate.py): "... = upstream · local = result".
import { elementMaker } from "./dom.js";
import { injectStyles } from "./styles.js";

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$|^[-+]?(?:nan|inf)$/i;
const FACTOR = / (·|⊙|@) /;
const SUFFIX = /\s{2}\(.*\)$/; // "  (as input 1)"
// relative tolerance by dtype: the values are shown with 4 significant digits
const RTOL = { float16: 1e-2, bfloat16: 2e-2, float32: 2e-3, float64: 1e-3 };
const ATOL = { float16: 1e-3, bfloat16: 1e-2, float32: 1e-5, float64: 1e-8 };
// here, not in styles.js: the light bundle has no quiz and needs none of it
const CSS = `
.vizgrad-widget .vg-quiz {
  flex: 1 1 260px; min-width: 0; padding: 6px 8px; display: flex; flex-direction: column; gap: 6px;
  background: var(--vg-panel-alt); border: 1px solid var(--vg-border); border-radius: 3px;
}
.vizgrad-widget .vg-quiz[hidden], .vizgrad-widget .vg-quiz-form[hidden] { display: none; }
.vizgrad-widget .vg-quiz-form { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
.vizgrad-widget .vg-quiz-label { flex: 1 0 100%; }
.vizgrad-widget .vg-quiz-input { flex: 1 1 8em; min-width: 6em; font: inherit; }
.vizgrad-widget .vg-quiz-form button { width: auto; padding: 0 8px; }
.vizgrad-widget .vg-quiz-toggle[aria-pressed="true"] { font-weight: 600; outline: 1px solid currentColor; }
.vizgrad-widget .vg-quiz-score { font-weight: 600; }
`;

// numpy-style text -> { values (flat), shape } or null: "4", "-0.5", "[1. 2.]",
// "[[9, 10]]", "[[1.2 2.3]\n [0 0]]", "1e-3", "nan".
export function parseNumbers(text) {
  const tokens = String(text ?? "").trim().match(/\[|\]|[^\s,[\]]+/g);
  if (!tokens?.length) return null;
  let at = 0;
  const read = () => {
    const token = tokens[at++];
    if (token === "[") {
      const items = [];
      while (tokens[at] !== "]") {
        if (at >= tokens.length) throw new Error("unclosed");
        items.push(read());
      }
      at++;
      return items;
    }
    if (token === undefined || !NUMBER.test(token)) throw new Error("not a number");
    return Number(token.replace(/^\+/, "").replace(/^(-?)inf$/i, "$1Infinity"));
  };
  let nested;
  try {
    nested = read();
  } catch {
    return null;
  }
  if (at !== tokens.length) return null;
  const shape = [];
  for (let level = nested; Array.isArray(level); level = level[0]) shape.push(level.length);
  const values = Array.isArray(nested) ? nested.flat(Infinity) : [nested];
  const expected = shape.reduce((a, b) => a * b, 1);
  if (values.length !== expected || values.some((v) => Array.isArray(v))) return null;
  return { values, shape };
}

function close(a, b, rtol, atol) {
  if (!a || !b) return false;
  const sameShape = a.values.length === b.values.length &&
    (a.shape.length === 0 || b.shape.length === 0 || a.shape.join() === b.shape.join());
  if (!sameShape) return false;
  return a.values.every((x, i) => {
    const y = b.values[i];
    if (Number.isNaN(y)) return Number.isNaN(x);
    if (!Number.isFinite(y)) return x === y;
    return Math.abs(x - y) <= atol + rtol * Math.abs(y);
  });
}

const times = (a, b) => (a && b && a.values.length === 1 && b.values.length === 1
  ? { values: [a.values[0] * b.values[0]], shape: [] } : null);
const negated = (a) => (a ? { values: a.values.map((v) => -v), shape: a.shape } : null);

// The question of one step: { prompt, answer, answerText, upstream, local, ... } or null.
export function questionFor(stepInfo, graph = {}) {
  if (!stepInfo) return null;
  const lines = stepInfo.lines ?? [];
  const dtype = (graph.nodes ?? []).find((n) => n.id === (stepInfo.node ?? graph.target))?.dtype ?? "float64";
  if (stepInfo.index === 0) {
    const match = /^(.*; )(.+?) = (.+)\.$/.exec(lines[0] ?? "");
    const answer = match && parseNumbers(match[3]);
    if (!answer) return null;
    return { step: 0, line: 0, kind: "value", name: match[2], answer, answerText: match[3], dtype,
      prompt: `${match[1]}${match[2]} = ?`, ask: `Predict the value of ${match[2]}` };
  }
  // reverse mode: line 0 is the gradient that arrived; forward mode: line 0 is the question
  const forward = graph.mode === "forward";
  for (let line = forward ? 0 : 1; line < lines.length; line++) {
    const text = String(lines[line]);
    const suffix = SUFFIX.exec(text)?.[0] ?? "";
    const parts = text.slice(0, text.length - suffix.length).split(" = ");
    if (parts.length < 3) continue;
    const answerText = parts[parts.length - 1];
    const answer = parseNumbers(answerText);
    if (!answer) continue;
    const factors = parts[parts.length - 2].split(FACTOR);
    // "contribution to ∂f/∂x through mul1: ∂f/∂mul1 · ∂mul1/∂x = 4 · 3 = 12"
    const part = /^contribution to (.+?) through (.+?): /.exec(parts[0]);
    const symbolic = parts.length > 3 ? parts[1] : part ? parts[0].slice(part[0].length) : "";
    const names = symbolic.split(FACTOR);
    const head = part ? `the contribution to ${part[1]} through ${part[2]}` : parts[0];
    return {
      step: stepInfo.index, line, kind: forward ? "tangent" : "gradient", answer, answerText, dtype,
      name: head,
      upstream: factors.length === 3 ? parseNumbers(factors[0]) : null,
      local: factors.length === 3 ? parseNumbers(factors[2].replace(/^\((.*)\)$/, "$1")) : null,
      upstreamName: names.length === 3 ? names[0] : "the upstream gradient",
      localName: names.length === 3 ? names[2] : "the local derivative",
      prompt: `${parts.slice(0, -1).join(" = ")} = ?${suffix}`,
      ask: `Your answer for ${head}`,
    };
  }
  return null;
}

// -> { correct, message }: "Correct" or "Not quite", which factor is off, a hint.
export function judge(question, typed) {
  const given = parseNumbers(typed);
  if (!given) {
    return { correct: false, valid: false,
      message: "Not quite: that is not a number. Type a number (2.5, -1e-3) or, for an array, " +
        "numpy-style text such as [[1, 2], [3, 4]]." };
  }
  const rtol = RTOL[question.dtype] ?? RTOL.float64;
  const atol = ATOL[question.dtype] ?? ATOL.float64;
  const near = (x) => close(given, x, rtol, atol);
  if (near(question.answer)) return { correct: true, valid: true, message: `Correct: ${question.answerText}.` };
  if (question.kind === "value") {
    return { correct: false, valid: true, message: "Not quite: follow the blue values forward, " +
      "one operation at a time, from the inputs to the output." };
  }
  if (question.kind === "tangent") {
    return { correct: false, valid: true, message: "Not quite: add up, over the operation's " +
      "inputs, each input's tangent times the local derivative; the terms are written above." };
  }
  const { upstream, local, upstreamName, localName } = question;
  let why;
  if (near(negated(question.answer))) {
    why = "the sign is off: check the sign of the local derivative.";
  } else if (upstream && near(local)) {
    why = `the upstream gradient is missing: that is the local derivative ${localName} alone; ` +
      `multiply it by ${upstreamName}, the gradient that arrived from the step before.`;
  } else if (local && near(upstream)) {
    why = `the local derivative is missing: that is ${upstreamName} alone; multiply it by ` +
      `${localName}, the derivative of this operation's output with respect to this input.`;
  } else if (upstream && given.values.length === 1 && upstream.values.length === 1 && upstream.values[0] !== 0) {
    why = `the local derivative looks off: your answer is ${upstreamName} = ${upstream.values[0]} times ` +
      `${given.values[0] / upstream.values[0]}, but ${localName} is something else. Hint: hold the ` +
      "other inputs fixed and differentiate this operation with respect to this input.";
  } else {
    why = `check both factors: ${upstreamName} comes from the step before (it is written above); ` +
      `${localName} is this operation's derivative with respect to this input.`;
  }
  return { correct: false, valid: true, message: `Not quite: ${why}` };
}

const identity = (graph) => (graph ? [graph.mode, graph.nodes?.length, graph.last_step,
  ...(graph.steps?.[0]?.lines ?? [])].join("\n") : "");

export function createQuiz(document, { onChange, onToggle } = {}) {
  const window = document.defaultView;
  const { h } = elementMaker(document);
  let enabled = false;
  let graph = null;
  let question = null;
  const results = new Map(); // step -> { tries, settled: "correct" | "revealed", firstTry }
  const hidden = []; // elements hidden until their step is settled

  const toggle = h("button", { type: "button", class: "vg-quiz-toggle", "aria-pressed": "false",
    title: "Quiz mode: predict each value and gradient before it is shown", text: "Quiz" });
  const label = h("label", { class: "vg-quiz-label" });
  const input = h("input", { type: "text", "aria-label": "Your answer", autocomplete: "off",
    spellcheck: "false", class: "vg-quiz-input" });
  const check = h("button", { type: "submit", text: "Check" });
  const revealButton = h("button", { type: "button", text: "Show answer" });
  // a form: Enter in the field submits it even where the notebook sees the key first
  const form = h("form", { class: "vg-quiz-form" }, label, input, check, revealButton);
  const feedback = h("div", { class: "vg-quiz-feedback", role: "status", "aria-live": "polite" });
  const score = h("div", { class: "vg-quiz-score" });
  const element = h("div", { class: "vg-quiz", "aria-label": "Quiz", hidden: "" }, form, feedback, score);

  const settledOf = (step) => results.get(step)?.settled;

  function scoreText() {
    const steps = graph?.steps ?? [];
    const known = steps.filter(Boolean);
    const asked = known.map((s) => questionFor(s, graph)).filter(Boolean);
    // a long pass sends its explanations as they are needed: a step not sent yet counts too
    const total = asked.length + Math.max(0, (graph?.last_step ?? steps.length - 1) + 1 - known.length);
    const first = asked.filter((q) => results.get(q.step)?.firstTry).length;
    return `${first} of ${total} at the first try`;
  }

  function restoreHidden() {
    while (hidden.length) hidden.pop().style.removeProperty("visibility");
  }

  function hide(elements) {
    for (const el of elements) {
      el.style.setProperty("visibility", "hidden");
      hidden.push(el);
    }
  }

  // the step's new gradients (or, at step 0, the output's value) stay hidden until settled
  function hideOnDrawing(drawing, step) {
    restoreHidden();
    if (!drawing || !enabled || !question || settledOf(step)) return;
    if (step === 0) {
      hide(drawing.item(graph.target)?.group.querySelectorAll(".vg-value") ?? []);
      return;
    }
    for (const item of [...(graph.nodes ?? []), ...(graph.edges ?? [])]) {
      if (item.grad_step !== step) continue;
      hide(drawing.item(item.id)?.group.querySelectorAll(".vg-grad") ?? []);
    }
  }

  function settle(how, message) {
    if (!question) return;
    const record = results.get(question.step) ?? { tries: 0 };
    if (how === "correct") record.firstTry = record.tries === 0;
    if (how === "correct" || how === "revealed") record.settled = record.settled ?? how;
    if (how === "correct" || how === "wrong") record.tries += 1; // not a typo that is no number
    results.set(question.step, record);
    feedback.textContent = message;
    onChange?.();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!question) return;
    const verdict = judge(question, input.value);
    if (verdict.correct) settle("correct", verdict.message);
    else settle(verdict.valid ? "wrong" : "invalid", verdict.message);
  });
  revealButton.addEventListener("click", reveal);
  toggle.addEventListener("click", () => {
    setEnabled(!enabled);
    onToggle?.(enabled);
  });
  // typing in the field is not a notebook shortcut (JupyterLab's "1", "a", "d d")
  const keepKeys = (event) => {
    if (event.composedPath?.()[0] === input && event.key !== "Escape") event.stopPropagation();
  };
  window?.addEventListener("keydown", keepKeys, true);

  function reveal() {
    if (!question || settledOf(question.step)) return;
    settle("revealed", `The answer: ${question.answerText}.`);
  }

  function setEnabled(on) {
    if (Boolean(on) === enabled) return;
    enabled = Boolean(on);
    toggle.setAttribute("aria-pressed", String(enabled));
    if (enabled) element.removeAttribute("hidden");
    else element.setAttribute("hidden", "");
    onChange?.();
  }

  return {
    element,
    toggle,
    get enabled() { return enabled; },
    setEnabled,
    reveal,
    pending: (step) => enabled && Boolean(question) && question.step === step && !settledOf(step),
    score: scoreText,
    // the answers are kept while the graph is the same computation (more steps arriving,
    // the same graph sent again) and forgotten for another one
    setGraph(next) {
      if (identity(next) !== identity(graph)) results.clear();
      graph = next;
    },
    // the explanation while the step is open: the lines up to its question, the result blank
    masked(stepInfo, step) {
      const asked = enabled ? questionFor(stepInfo, graph ?? {}) : null;
      if (!asked || settledOf(step)) return stepInfo;
      const lines = [...(stepInfo.lines ?? []).slice(0, asked.line), asked.prompt];
      if (step === 0) lines.push(...(stepInfo.lines ?? []).slice(1));
      return { ...stepInfo, lines, line_items: [] };
    },
    show({ graph: shown, step, stepInfo, drawing }) {
      if (element.isConnected) injectStyles(element, CSS, "vizgrad-quiz-style");
      this.setGraph(shown);
      const previous = question?.step;
      question = enabled ? questionFor(stepInfo, graph) : null;
      hideOnDrawing(drawing, step);
      if (!enabled) return;
      const settled = question ? settledOf(step) : null;
      form.hidden = !question;
      if (question) {
        label.textContent = `${question.ask}:`;
        input.disabled = Boolean(settled);
        check.disabled = Boolean(settled);
        revealButton.disabled = Boolean(settled);
        if (previous !== step) {
          input.value = "";
          feedback.textContent = settled === "revealed" ? `The answer: ${question.answerText}.`
            : settled ? `Correct: ${question.answerText}.` : "";
        }
      } else if (previous !== step) {
        feedback.textContent = step > 0 ? "Nothing to predict at this step." : "";
      }
      const last = (graph?.steps?.length ?? 1) - 1;
      score.textContent = step === last && (!question || settled) ? `Score: ${scoreText()}` : "";
    },
    destroy: () => window?.removeEventListener("keydown", keepKeys, true),
  };
}
