// @vitest-environment jsdom
// Framing on its own, with a viewport whose size is set by hand (jsdom measures nothing).
import { expect, test } from "vitest";
import { createFraming } from "../framing.js";
import { MIN_TEXT_PX, TEXT_BOX_RATIO } from "../sizing.js";

function sized(width, height) {
  const viewport = document.createElement("div");
  const canvas = document.createElement("div");
  viewport.append(canvas);
  Object.defineProperty(viewport, "clientWidth", { get: () => width });
  Object.defineProperty(viewport, "clientHeight", { get: () => height ?? parseFloat(viewport.style.height) });
  return { viewport, canvas };
}

const scaleOf = (canvas) => Number(/scale\(([\d.]+)\)/.exec(canvas.style.transform)[1]);

test("a small drawing is shown whole and the view is as tall as it needs", () => {
  const { viewport, canvas } = sized(800);
  const drawing = { width: 400, height: 100, textPx: 13, box: () => null };
  const framing = createFraming(viewport, canvas, () => ({ drawing, presenting: false, textScale: 1 }));
  framing.setDrawing(drawing);
  framing.frame();
  const scale = scaleOf(canvas);
  expect(400 * scale).toBeLessThanOrEqual(800);
  expect(parseFloat(viewport.style.height)).toBeGreaterThanOrEqual(100 * scale);
  expect(13 * TEXT_BOX_RATIO * scale).toBeGreaterThanOrEqual(MIN_TEXT_PX);
  framing.destroy();
});

test("a drawing too big to read whole is framed around its focus", () => {
  const { viewport, canvas } = sized(600, 300);
  const target = { left: 9000, top: 50, width: 60, height: 30 };
  const drawing = { width: 10000, height: 200, textPx: 13, box: (id) => (id === "n9" ? target : null) };
  const framing = createFraming(viewport, canvas, () => ({ drawing, presenting: true, textScale: 1,
    focus: [null, "n9"] }));
  framing.setDrawing(drawing);
  framing.frame();
  const scale = scaleOf(canvas);
  const x = Number(/translate\((-?[\d.]+)px/.exec(canvas.style.transform)[1]);
  const centre = x + (target.left + target.width / 2) * scale;
  expect(centre).toBeGreaterThan(0);
  expect(centre).toBeLessThan(600);
  framing.destroy();
});
