// The explanation panel: what the step on show does, in the words the Python
// side wrote (vizgrad/drawing/narrate.py), and the colour legend.
//
//   const explanation = createExplanation(document);
//   panels.append(explanation.element);
//   explanation.show(graph.steps[k]);   // { title, lines }
import { elementMaker } from "./dom.js";

export function createExplanation(document) {
  const { h } = elementMaker(document);
  const title = h("div", { class: "vg-panel-title" });
  const lines = h("div", { class: "vg-explain-lines" });
  const legend = h("div", { class: "vg-legend", "aria-hidden": "true" },
    h("span", { class: "vg-legend-value", text: "value" }),
    h("span", { class: "vg-legend-grad", text: "gradient" }),
    h("span", { class: "vg-legend-current", text: "current operation" }));
  const element = h("div", { class: "vg-explain", "aria-live": "polite", "aria-label": "Explanation" },
    title, lines, legend);

  return {
    element,
    show(stepInfo) {
      title.textContent = stepInfo?.title ?? "No backward pass recorded";
      lines.replaceChildren(...(stepInfo?.lines ?? []).map((line) => h("div", { text: String(line) })));
    },
  };
}
