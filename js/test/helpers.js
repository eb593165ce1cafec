// Shared by the tests: fixtures, a mounted widget, and waiting on the
// attributes the view sets when a redraw is done (no sleeping, no polling).
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createFakeModel } from "../fake-model.js";

// paths, not URL objects: under jsdom, URL is the browser's class, which node:fs refuses
export const TEST_DIR = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(TEST_DIR, "fixtures");

export function loadFixture(name) {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), "utf8"));
}

// every fixture file: the hand-checked ones and any the Python side writes
export function fixtureNames() {
  return readdirSync(FIXTURES).filter((file) => file.endsWith(".json")).map((file) => file.slice(0, -5));
}

// Resolves once `element` has attribute `name` equal to `value`.
export function attributeBecomes(element, name, value, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    if (element.getAttribute(name) === value) {
      resolve(element);
      return;
    }
    const timer = setTimeout(() => {
      observer.disconnect();
      reject(new Error(`${name} stayed ${JSON.stringify(element.getAttribute(name))}, ` +
        `expected ${JSON.stringify(value)}`));
    }, timeoutMs);
    const observer = new MutationObserver(() => {
      if (element.getAttribute(name) !== value) return;
      clearTimeout(timer);
      observer.disconnect();
      resolve(element);
    });
    observer.observe(element, { attributes: true, attributeFilter: [name] });
  });
}

// Renders the widget module with a fake model holding `fixture`; resolves once
// the first SVG is in and step `step` is drawn.
export async function mountWidget(widget, fixture, { step = 0, collapsed = [] } = {}) {
  const model = createFakeModel({ graph: fixture.graph, dot: fixture.dot, step, collapsed });
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = widget.render({ model, el });
  const root = el.querySelector(".vizgrad-widget");
  await attributeBecomes(root, "data-rendered", "true");
  await attributeBecomes(root, "data-step", String(step));
  const control = (label) => root.querySelector(`[aria-label="${label}"]`);
  return {
    model,
    el,
    root,
    control,
    svg: () => root.querySelector(".vg-canvas > svg"),
    group: (id) => root.querySelector(`.vg-canvas > svg g[id="${id}"]`),
    click: (label) => control(label).click(),
    // a key pressed while `target` (default: the widget) has focus; -> the event
    press(key, { target = root, ...modifiers } = {}) {
      const event = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...modifiers });
      target.dispatchEvent(event);
      return event;
    },
    explanation: () => root.querySelector(".vg-explain").textContent,
    details: () => root.querySelector(".vg-details").textContent,
    stepDrawn: (k) => attributeBecomes(root, "data-step", String(k)),
    unmount() {
      cleanup?.();
      el.remove();
    },
  };
}

// The gradient texts of a node or edge group, as the view tagged them.
export function gradientTexts(group, colors) {
  return [...group.querySelectorAll("text")].filter((text) => text.getAttribute("fill") === colors.grad);
}

export const isHidden = (element) => element.getAttribute("visibility") === "hidden";
