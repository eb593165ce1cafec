// The details panel: the full value and gradient of the node or edge the
// reader clicked, over a corner of the drawing; hidden while nothing is.
//
//   const details = createDetails(document, { onClose() {} });
//   stage.append(details.element);
//   details.show({ item: drawing.item(id), graph, step });   // item null: hidden
import { elementMaker } from "./dom.js";

export function createDetails(document, { onClose } = {}) {
  const { h, button } = elementMaker(document);
  const element = h("div", { class: "vg-details", role: "region", "aria-label": "Details" });
  element.hidden = true;

  function show({ item, graph, step }) {
    element.hidden = !item;
    if (!item) {
      element.replaceChildren();
      return;
    }
    const close = button("close", "Close details", "vg-close");
    close.addEventListener("click", () => onClose?.());
    const { title, rows } = describe(item, graph, step);
    const list = [];
    for (const { term, value, className } of rows) {
      // A many-line value is a summary line, which wraps to the panel's width
      // so it is never cut off, then the array, whose columns must stay aligned.
      const lines = String(value).split("\n");
      const content = lines.length > 1
        ? [h("div", { class: `vg-detail-head ${className}`, text: lines[0] }),
          h("pre", { class: className, text: lines.slice(1).join("\n") })]
        : [h("span", { class: className, text: lines[0] })];
      list.push(h("dt", { text: term }), h("dd", {}, ...content));
    }
    element.replaceChildren(close, h("div", { class: "vg-panel-title", text: title }), h("dl", {}, ...list));
  }

  return { element, show };
}

// What the panel says about a node or an edge at `step`: a title and rows of
// { term, value, className }.
export function describe({ kind, data }, graph, step) {
  const rows = [];
  // forward mode's orange numbers are tangents, as the legend says
  const carried = graph?.mode === "forward" ? "tangent" : "gradient";
  const row = (term, value, className = "") => rows.push({ term, value: String(value), className });
  let title;
  if (kind === "edge") {
    const nodes = new Map((graph?.nodes ?? []).map((node) => [node.id, node]));
    const source = nodes.get(data.source)?.label ?? data.source;
    const target = nodes.get(data.target)?.label ?? data.target;
    title = `${source} → ${target}`;
    if (data.input_index != null) row("input", `${Number(data.input_index) + 1} of ${target}`);
    row("value", data.detail?.value ?? data.value ?? "", "vg-value-text");
    row(carried, gradientText(data, data.detail?.grad ?? data.grad, step, carried), "vg-grad-text");
  } else {
    title = data.label;
    row("kind", data.op ? `${data.kind} (${data.op})` : data.kind);
    row("shape", formatShape(data.shape));
    row("dtype", data.dtype ?? "");
    row("value", data.detail?.value ?? data.value ?? "", "vg-value-text");
    row(carried, gradientText(data, data.detail?.grad ?? data.grad, step, carried), "vg-grad-text");
    // the notes are written in Python (vizgrad/drawing/narrate.py), never here
    for (const note of data.notes ?? []) row("note", note.text);
  }
  return { title, rows };
}

// A gradient (or a tangent) as of `step`: none, not yet arrived, or its text.
export function gradientText(data, fullText, step, carried = "gradient") {
  if (data.grad_step == null || fullText == null) return "none";
  if (step < data.grad_step) return `no ${carried} yet (arrives at step ${data.grad_step})`;
  return fullText;
}

// numpy's spelling: () for a scalar, (3,) for a vector
export function formatShape(shape) {
  if (!Array.isArray(shape)) return String(shape ?? "");
  if (shape.length === 0) return "() scalar";
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(", ")})`;
}
