// @vitest-environment jsdom
// The explanation and details panels on their own.
import { expect, test } from "vitest";
import { createDetails, describe, formatShape, gradientText } from "../details.js";
import { createExplanation } from "../explanation.js";

test("the explanation shows the step's title and lines, and is labelled for screen readers", () => {
  const explanation = createExplanation(document);
  explanation.show({ title: "Step 1: backpropagate through mul (f)", lines: ["∂f/∂x = 2", "∂f/∂y = 3"] });
  expect(explanation.element.getAttribute("aria-label")).toBe("Explanation");
  expect(explanation.element.querySelector(".vg-panel-title").textContent).toMatch(/^Step 1/);
  expect([...explanation.element.querySelectorAll(".vg-explain-lines > div")].map((d) => d.textContent))
    .toEqual(["∂f/∂x = 2", "∂f/∂y = 3"]);
  explanation.show(undefined);
  expect(explanation.element.textContent).toMatch(/No backward pass recorded/);
});

test("a gradient that has not arrived yet says when it will", () => {
  expect(gradientText({ grad_step: 2 }, "4", 1)).toBe("no gradient yet (arrives at step 2)");
  expect(gradientText({ grad_step: 2 }, "4", 2)).toBe("4");
  expect(gradientText({ grad_step: null }, "4", 5)).toBe("none");
  expect([formatShape([]), formatShape([3]), formatShape([2, 3])]).toEqual(["() scalar", "(3,)", "(2, 3)"]);
});

test("an edge is described by the nodes it joins and which input it is", () => {
  const graph = { nodes: [{ id: "n0", label: "x" }, { id: "n1", label: "f" }] };
  const { title, rows } = describe({ kind: "edge", data: { source: "n0", target: "n1", input_index: 1,
    value: "3", grad: "6", grad_step: 1 } }, graph, 1);
  expect(title).toBe("x → f");
  expect(rows.map((row) => [row.term, row.value])).toEqual([["input", "2 of f"], ["value", "3"], ["gradient", "6"]]);
});

test("details stay hidden until something is clicked, and have a close button after", () => {
  let closed = 0;
  const details = createDetails(document, { onClose: () => { closed += 1; } });
  details.show({ item: null });
  expect(details.element.hidden).toBe(true);
  details.show({ item: { kind: "node", data: { label: "w", kind: "variable", shape: [2, 2],
    dtype: "float64", value: "(2, 2)\n[[1, 2],\n [3, 4]]" } }, graph: {}, step: 0 });
  expect(details.element.querySelector("pre").textContent).toBe("[[1, 2],\n [3, 4]]");
  expect(details.element.hidden).toBe(false);
  details.element.querySelector('[aria-label="Close details"]').click();
  expect(closed).toBe(1);
});

test("in forward mode the details name the orange number a tangent, not a gradient", () => {
  const item = { kind: "node", data: { label: "y", kind: "op", op: "mul", shape: [], value: "6",
    grad: "2", grad_step: 2 } };
  const terms = (graph, step) => describe(item, graph, step).rows.map((row) => `${row.term}: ${row.value}`);
  expect(terms({ mode: "forward" }, 1)).toContain("tangent: no tangent yet (arrives at step 2)");
  expect(terms({ mode: "forward" }, 2)).toContain("tangent: 2");
  expect(terms({ mode: "reverse" }, 2)).toContain("gradient: 2");
  expect(terms({ mode: "forward" }, 2).some((text) => text.startsWith("gradient"))).toBe(false);
});

test("a line that sums a long value up opens the full value; the group holding the op is named", () => {
  const opened = [];
  const explanation = createExplanation(document, { onOpen: (id) => opened.push(id) });
  explanation.show({ title: "Step 3: backpropagate through relu (relu1)",
    lines: ["∂loss/∂relu1 = (4, 8) [0.1, 0.2, 0.3, …] norm 1.2", "Done"], line_items: ["n7", null] }, "1");
  const [first, second] = explanation.element.querySelectorAll(".vg-explain-lines > div");
  first.click();
  second.click();
  expect(opened).toEqual(["n7"]);
  expect(second.classList.contains("vg-openable")).toBe(false);
  expect(explanation.element.querySelector(".vg-panel-title").textContent).toMatch(/inside the group 1, highlighted/);
  expect(explanation.element.textContent).toMatch(/Click a node, an edge or a line above/);
});
