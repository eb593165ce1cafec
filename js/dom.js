// Building the view's elements: `h(tag, props, ...children)` and an icon button.
//
//   const { h, button } = elementMaker(document);
//   h("div", { class: "vg-x", text: "hello" });
//   button("next", "Next step");
import { icon } from "./icons.js";

export function elementMaker(document) {
  const h = (tag, props = {}, ...children) => {
    const element = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "class") element.className = value;
      else if (key === "text") element.textContent = value;
      else element.setAttribute(key, value);
    }
    element.append(...children);
    return element;
  };
  const button = (iconName, label, className = "") =>
    h("button", { type: "button", "aria-label": label, title: label, class: className }, icon(iconName, document));
  return { h, button };
}

// aria-disabled, not disabled: a disabled button drops focus, and the arrow
// keys would stop reaching the widget
export function setDisabled(control, disabled) {
  control.setAttribute("aria-disabled", String(disabled));
}

// A click on `control` runs `action` unless the control is disabled.
export function onClick(control, action) {
  control.addEventListener("click", () => {
    if (control.getAttribute("aria-disabled") !== "true") action();
  });
}
