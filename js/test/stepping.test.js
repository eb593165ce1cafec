// @vitest-environment jsdom
// Stepping on its own: the controls, the steps there are, playback.
import { afterEach, expect, test, vi } from "vitest";
import { clampStep, createStepping, lastStepOf } from "../stepping.js";

const graph = { steps: [{}, {}, {}, {}] }; // steps 0..3
const long = { steps: [{}, {}], more_steps: true, last_step: 40 };

afterEach(() => vi.useRealTimers());

function mount() {
  const seen = [];
  const stepping = createStepping(document, { onStep: (step, fromUser) => seen.push([step, fromUser]) });
  const bar = document.createElement("div");
  bar.append(...stepping.controls);
  stepping.setGraph(graph);
  const control = (label) => bar.querySelector(`[aria-label="${label}"]`);
  return { stepping, seen, control, counter: () => bar.querySelector(".vg-counter").textContent };
}

test("the last step counts the steps a long pass has not sent yet", () => {
  expect(lastStepOf(graph)).toBe(3);
  expect(lastStepOf(long)).toBe(40);
  expect(lastStepOf(null)).toBe(0);
  expect([clampStep(graph, 9), clampStep(graph, -2), clampStep(graph, "2.7")]).toEqual([3, 0, 2]);
});

test("the buttons step and say where the reader is; the first and last disable themselves", () => {
  const { stepping, seen, control, counter } = mount();
  expect(control("Previous step").getAttribute("aria-disabled")).toBe("true");
  control("Next step").click();
  control("Last step").click();
  expect(seen).toEqual([[1, true], [3, true]]);
  expect(counter()).toBe("step 3 / 3");
  expect(control("Next step").getAttribute("aria-disabled")).toBe("true");
  control("Next step").click(); // disabled: nothing happens
  expect(stepping.step).toBe(3);
});

test("a step set from outside is drawn but not reported as the reader's", () => {
  const { stepping, seen } = mount();
  stepping.goTo(2);
  stepping.goTo(2); // the same step: nothing to draw
  expect(seen).toEqual([[2, false]]);
});

test("play walks to the last step and stops; a step by hand pauses", () => {
  vi.useFakeTimers();
  const { stepping, seen, control } = mount();
  control("Play").click();
  vi.advanceTimersByTime(5000);
  expect(seen.map(([step]) => step)).toEqual([1, 2, 3]);
  expect(stepping.playing).toBe(false);
  control("Play").click(); // from the end: starts again at 0
  expect(stepping.step).toBe(0);
  stepping.act("next");
  expect(stepping.playing).toBe(false);
  expect(stepping.step).toBe(1);
});
