// The explanation panel: what the step on show does, in the words the Python
// side wrote (vizgrad/drawing/narrate.py), the colour legend and a hint.
//
//   const explanation = createExplanation(document, { onOpen(id) {} });
//   panels.append(explanation.element);
//   explanation.show(graph.steps[k]);   // { title, lines, line_items }
//   explanation.reserve(graph.steps);   // as tall as the longest step: no jumps
//
// A line that sums a long value up (line_items[i] names the node or edge it
// belongs to) opens that item's full value when clicked. The panel never
// scrolls inside: it is as tall as its longest step, so the widget keeps one
// height while the reader steps.
import { elementMaker } from "./dom.js";

const HINT = "Click a node, an edge or a line above for its full value · drag to pan · " +
  "Ctrl+scroll to zoom";
// steps measured to reserve the panel's height (a long pass sends its first ones)
const MEASURED_STEPS = 400;

export function createExplanation(document, { onOpen } = {}) {
  const { h } = elementMaker(document);
  const title = h("div", { class: "vg-panel-title" });
  const lines = h("div", { class: "vg-explain-lines" });
  const legend = () => h("div", { class: "vg-legend" },
    h("span", { class: "vg-legend-value", text: "value", "aria-hidden": "true" }),
    h("span", { class: "vg-legend-grad", text: "gradient", "aria-hidden": "true" }),
    h("span", { class: "vg-legend-current", text: "current operation", "aria-hidden": "true" }),
    h("span", { class: "vg-hint", text: HINT }));
  const element = h("div", { class: "vg-explain", "aria-live": "polite", "aria-label": "Explanation" },
    title, lines, legend());
  let reserved = null; // the steps the height was reserved for
  let reservedWidth = 0;

  function fill(titleElement, linesElement, stepInfo, note) {
    titleElement.textContent = (stepInfo?.title ?? "No backward pass recorded") + (note ? ` ${note}` : "");
    const items = stepInfo?.line_items ?? [];
    linesElement.replaceChildren(...(stepInfo?.lines ?? []).map((line, index) => {
      const id = items[index];
      if (id == null) return h("div", { text: String(line) });
      const row = h("div", { text: String(line), class: "vg-openable", role: "button", tabindex: "-1",
        title: "Show the full value" });
      row.addEventListener("click", () => onOpen?.(id));
      return row;
    }));
  }

  // The panel's height: the tallest of the steps' explanations at this width.
  function reserve(steps = reserved) {
    reserved = steps;
    const width = element.offsetWidth;
    if (!width || !element.parentElement || !steps?.length) return;
    reservedWidth = width;
    const probe = element.cloneNode(false);
    probe.removeAttribute("aria-live");
    probe.removeAttribute("aria-label");
    probe.setAttribute("aria-hidden", "true");
    Object.assign(probe.style, { position: "absolute", visibility: "hidden", left: "0", top: "0",
      width: `${width}px`, minHeight: "0", height: "auto" });
    const probeTitle = title.cloneNode(false);
    const probeLines = lines.cloneNode(false);
    probe.append(probeTitle, probeLines, legend());
    element.parentElement.append(probe);
    let tallest = 0;
    for (const stepInfo of steps.slice(0, MEASURED_STEPS)) {
      if (!stepInfo) continue;
      fill(probeTitle, probeLines, stepInfo, "(inside the group, highlighted)");
      tallest = Math.max(tallest, probe.offsetHeight);
    }
    probe.remove();
    // a variable, not min-height itself: full screen caps it (styles.js), so a long pass's
    // tallest step cannot leave the drawing a sliver of the screen
    element.style.setProperty("--vg-reserved", tallest ? `${Math.ceil(tallest)}px` : "0px");
  }

  // a new width re-wraps the lines: reserve again
  const window = document.defaultView;
  const resizeObserver = typeof window?.ResizeObserver === "function"
    ? new window.ResizeObserver(() => {
      if (reserved && element.offsetWidth && element.offsetWidth !== reservedWidth) reserve();
    })
    : null;
  resizeObserver?.observe(element);

  return {
    element,
    // `scopeName`: the collapsed group drawn in place of the step's op
    show(stepInfo, scopeName = null) {
      fill(title, lines, stepInfo, scopeName ? `(inside the group ${scopeName}, highlighted)` : "");
    },
    reserve,
    destroy: () => resizeObserver?.disconnect(),
  };
}
