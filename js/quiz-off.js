// Quiz mode's stand-in in the light bundle (widget-kernel-layout.js): only the
// Quiz button. Pressing it tells the kernel, which sends the bundle with the
// quiz (quiz.js) in its place; a saved notebook without quizzes stays light.
import { elementMaker } from "./dom.js";

export function createQuiz(document, { onToggle } = {}) {
  const { h } = elementMaker(document);
  const toggle = h("button", { type: "button", class: "vg-quiz-toggle", "aria-pressed": "false",
    title: "Quiz mode: predict each value and gradient before it is shown", text: "Quiz" });
  toggle.addEventListener("click", () => onToggle?.(true));
  return {
    element: h("div", { hidden: "" }),
    toggle,
    enabled: false,
    setEnabled() {},
    reveal() {},
    pending: () => false,
    masked: (stepInfo) => stepInfo,
    show() {},
    destroy() {},
  };
}
