// The widget's keys: what each key does while the widget has focus. Pure, so
// it is tested on its own; view.js listens and acts.
//
//   keyAction({ key: "PageDown" })          -> "next"
//   keyAction({ key: " ", shiftKey: true }) -> "previous"
//
// Presenters' clickers send PageDown/PageUp (some Space/Enter or the arrows),
// so all of them step.
const NEXT = new Set(["ArrowRight", "ArrowDown", "PageDown", " ", "Spacebar", "Enter"]);
const PREVIOUS = new Set(["ArrowLeft", "ArrowUp", "PageUp"]);

// -> "next" | "previous" | "first" | "last" | "fullscreen" | null
export function keyAction({ key, shiftKey = false, ctrlKey = false, altKey = false, metaKey = false }) {
  // Ctrl/Alt/Cmd combinations belong to the browser and the notebook
  if (ctrlKey || altKey || metaKey) return null;
  if (key === " " || key === "Spacebar") return shiftKey ? "previous" : "next";
  // Shift+Enter runs the notebook's cell; Shift+arrows select text
  if (shiftKey && key !== "F") return null;
  if (NEXT.has(key)) return "next";
  if (PREVIOUS.has(key)) return "previous";
  if (key === "Home") return "first";
  if (key === "End") return "last";
  if (key === "f" || key === "F") return "fullscreen";
  return null;
}

// Where a key keeps its own meaning: a text field, the slider and the speed
// list use the arrows (and every key) themselves, and a focused button is
// pressed by Space and Enter.
export function keyIsTheControls(key, tagName) {
  if (/^(INPUT|SELECT|TEXTAREA)$/.test(tagName ?? "")) return true;
  return tagName === "BUTTON" && (key === " " || key === "Spacebar" || key === "Enter");
}
