// @vitest-environment jsdom
// The view on its own, as demo.html or a test drives it: no model anywhere.
import { afterEach, expect, test } from "vitest";
import { createView } from "../view.js";
import { attributeBecomes, loadFixture } from "./helpers.js";

const worked = loadFixture("worked_example");
const views = [];

function mountView(callbacks = {}) {
  const el = document.createElement("div");
  document.body.append(el);
  const view = createView(el, callbacks);
  views.push(view);
  return { view, root: el.querySelector(".vizgrad-widget") };
}

afterEach(() => {
  while (views.length) views.pop().destroy();
});

test("update() draws a graph and reports the reader's steps through onStep", async () => {
  const steps = [];
  const { view, root } = mountView({ onStep: (k) => steps.push(k) });
  view.update({ graph: worked.graph, dot: worked.dot, step: 1, collapsed: [] });
  await attributeBecomes(root, "data-step", "1");
  root.querySelector('[aria-label="Next step"]').click();
  expect(root.getAttribute("data-step")).toBe("2"); // drawn at once, before any model echoes it
  expect(steps).toEqual([2]);
  view.update({ step: 0 }); // a step from outside is not reported back
  expect(root.getAttribute("data-step")).toBe("0");
  expect(steps).toEqual([2]);
});

test("a step out of range is clamped to the steps there are", async () => {
  const { view, root } = mountView();
  view.update({ graph: worked.graph, dot: worked.dot, step: 99 });
  await attributeBecomes(root, "data-step", String(worked.graph.steps.length - 1));
  view.update({ step: -3 });
  expect(root.getAttribute("data-step")).toBe("0");
});

test("DOT that cannot be laid out shows the reason instead of a drawing", async () => {
  const { view, root } = mountView();
  view.update({ graph: worked.graph, dot: "digraph { a -> }", step: 0 });
  await attributeBecomes(root, "aria-busy", "false");
  expect(root.querySelector(".vg-status").textContent).toMatch(/^Could not lay out the graph/);
  expect(root.hasAttribute("data-rendered")).toBe(false);
});

test("a newer DOT wins over a layout still running", async () => {
  const scoped = loadFixture("scoped");
  const { view, root } = mountView();
  view.update({ graph: scoped.graph, dot: scoped.dots[""], step: 0 });
  view.update({ dot: scoped.dots.layer1, collapsed: ["layer1"] });
  await attributeBecomes(root, "data-rendered", "true");
  expect(root.querySelector('.vg-canvas g[id="s0"]').classList.contains("node")).toBe(true);
});

test("a node drawn again beside a far use is the node: a click on a copy selects it everywhere", async () => {
  const shared = loadFixture("shared");
  const { view, root } = mountView();
  view.update({ graph: shared.graph, dot: shared.dot, step: 0, collapsed: [] });
  await attributeBecomes(root, "data-rendered", "true");
  const w = shared.graph.nodes.find((node) => node.label === "w");
  const copies = [...root.querySelectorAll(`.vg-canvas g.node[id^="${w.id}_e"]`)];
  expect(copies.length).toBeGreaterThan(0);
  copies[0].querySelector("text").dispatchEvent(new MouseEvent("click", { bubbles: true }));
  const selected = [...root.querySelectorAll(".vg-canvas g.vg-selected")].map((group) => group.id);
  expect(selected.sort()).toEqual([w.id, ...copies.map((group) => group.id)].sort());
  expect(root.querySelector(".vg-details").textContent).toContain("w");
});
