// The mode switch: reverse mode (backpropagation) or forward mode (tangents
// pushed forward), two buttons on the toolbar. Both modes draw the same nodes
// and edges in the same places; the kernel sends the other mode's numbers and
// steps when the reader switches.
//
//   const toggle = createModeToggle(document, { onMode(mode) {} });
//   toolbar.append(toggle.element);
//   toggle.show({ mode: "reverse", modes: ["reverse", "forward"] });
//
// With fewer than two modes to offer (a PyTorch graph, a saved page with one)
// the switch is hidden.
import { elementMaker, onClick } from "./dom.js";

export const MODES = [
  { mode: "reverse", text: "Reverse", title: "Reverse mode: backpropagate gradients from the output" },
  { mode: "forward", text: "Forward", title: "Forward mode: push tangents forward from the seed" },
];

export function createModeToggle(document, { onMode } = {}) {
  const { h } = elementMaker(document);
  const buttons = new Map(MODES.map(({ mode, text, title }) => [mode,
    h("button", { type: "button", class: "vg-mode", "aria-pressed": "false", title, text })]));
  const element = h("div", { class: "vg-group vg-modes", role: "group", "aria-label": "Mode" },
    ...buttons.values());
  let current = "reverse";
  for (const [mode, control] of buttons) {
    onClick(control, () => {
      if (mode === current) return;
      show({ mode });
      onMode?.(mode);
    });
  }

  function show({ mode = current, modes } = {}) {
    current = mode ?? "reverse";
    for (const [name, control] of buttons) control.setAttribute("aria-pressed", String(name === current));
    if (modes !== undefined) element.hidden = !(modes?.length > 1);
  }

  show({ modes: [] });
  return { element, show, get mode() { return current; } };
}
