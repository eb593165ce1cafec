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

test("details show the hint until something is clicked, and a close button after", () => {
  let closed = 0;
  const details = createDetails(document, { onClose: () => { closed += 1; } });
  details.show({ item: null });
  expect(details.element.textContent).toMatch(/Click a node or an edge/);
  details.show({ item: { kind: "node", data: { label: "w", kind: "variable", shape: [2, 2],
    dtype: "float64", value: "(2, 2)\n[[1, 2],\n [3, 4]]" } }, graph: {}, step: 0 });
  expect(details.element.querySelector("pre").textContent).toBe("[[1, 2],\n [3, 4]]");
  details.element.querySelector('[aria-label="Close details"]').click();
  expect(closed).toBe(1);
});
