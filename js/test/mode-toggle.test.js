// @vitest-environment jsdom
// The switch between reverse and forward mode, on its own and in the view.
import { expect, test } from "vitest";
import { createModeToggle } from "../mode-toggle.js";
import { createView } from "../view.js";

test("the switch shows the mode on show, says which it is, and asks for the other", () => {
  const asked = [];
  const toggle = createModeToggle(document, { onMode: (mode) => asked.push(mode) });
  expect(toggle.element.hidden).toBe(true); // nothing to switch between yet
  toggle.show({ mode: "reverse", modes: ["reverse", "forward"] });
  expect(toggle.element.hidden).toBe(false);
  expect(toggle.element.getAttribute("aria-label")).toBe("Mode");
  const [reverse, forward] = toggle.element.querySelectorAll("button");
  expect([reverse.textContent, reverse.getAttribute("aria-pressed")]).toEqual(["Reverse", "true"]);
  expect([forward.textContent, forward.getAttribute("aria-pressed")]).toEqual(["Forward", "false"]);
  reverse.click(); // already on show: nothing to ask
  forward.click();
  expect(asked).toEqual(["forward"]);
  expect(forward.getAttribute("aria-pressed")).toBe("true");
  expect(toggle.mode).toBe("forward");
});

test("a drawing with one mode has no switch", () => {
  const toggle = createModeToggle(document);
  toggle.show({ mode: "reverse", modes: ["reverse"] });
  expect(toggle.element.hidden).toBe(true);
});

test("the view puts the switch on its toolbar and follows the model's mode", () => {
  const asked = [];
  const el = document.createElement("div");
  document.body.append(el);
  const view = createView(el, { onMode: (mode) => asked.push(mode),
    layoutEngine: { layout: () => new Promise(() => {}) } });
  const group = el.querySelector('.vg-toolbar [aria-label="Mode"]');
  expect(group.hidden).toBe(true);
  view.update({ mode: "forward", modes: ["reverse", "forward"] });
  expect(group.hidden).toBe(false);
  expect(group.querySelector('[aria-pressed="true"]').textContent).toBe("Forward");
  group.querySelector("button").click();
  expect(asked).toEqual(["reverse"]);
  const legend = () => el.querySelector(".vg-legend-grad").textContent;
  expect(legend()).toBe("gradient");
  view.update({ graph: { nodes: [], edges: [], steps: [], scopes: [], colors: {}, mode: "forward" } });
  expect(legend()).toBe("tangent");
  view.destroy();
});
