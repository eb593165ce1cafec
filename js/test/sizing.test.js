// How big the drawing is shown as opened: whole when its text can be read that
// way, else at the smallest readable size (and the reader pans).
import { describe, expect, test } from "vitest";
import { betterOrientation, frame, MAX_TEXT_PX, maxInlineHeight, medianFontSize, MIN_TEXT_PX, MIN_VIEW_PX,
  svgTextSize, TEXT_BOX_RATIO, turnedDot }
  from "../sizing.js";

// the worked example's drawing: about 700 x 250 px with 13.3-px labels (10 pt)
const SMALL = { drawing: { width: 700, height: 250 }, textPx: 13.3 };
// the height of a typical text on screen
const onScreen = ({ textPx }, { scale }) => textPx * TEXT_BOX_RATIO * scale;

describe("frame", () => {
  test("a small graph is enlarged to fill the width, up to the readable cap", () => {
    const result = frame({ ...SMALL, room: { width: 1200, maxHeight: 576 } });
    expect(result.fits).toBe(true);
    expect(onScreen(SMALL, result)).toBeCloseTo(MAX_TEXT_PX, 5);
    expect(700 * result.scale).toBeLessThanOrEqual(1200);
    // the view is as tall as the enlarged drawing, not a fixed strip
    expect(result.height).toBeGreaterThanOrEqual(250 * result.scale);
    expect(result.height).toBeLessThanOrEqual(576);
  });

  test("a graph that fits at a readable size is shown whole, shrunk to the room", () => {
    const wide = { drawing: { width: 1400, height: 300 }, textPx: 18 };
    const result = frame({ ...wide, room: { width: 1000, maxHeight: 576 } });
    expect(result.fits).toBe(true);
    expect(1400 * result.scale).toBeLessThanOrEqual(1000);
    expect(onScreen(wide, result)).toBeGreaterThanOrEqual(MIN_TEXT_PX);
  });

  test("a graph too big to show whole at 12 px is shown at 12 px, in the tallest view allowed", () => {
    const big = { drawing: { width: 6000, height: 900 }, textPx: 13.3 };
    const result = frame({ ...big, room: { width: 1000, maxHeight: 576 } });
    expect(result.fits).toBe(false);
    expect(onScreen(big, result)).toBeCloseTo(MIN_TEXT_PX, 5);
    expect(result.height).toBe(576);
  });

  test("a tall graph is limited by the height it may take, not cropped", () => {
    const tall = { drawing: { width: 300, height: 600 }, textPx: 13.3 };
    const result = frame({ ...tall, room: { width: 1000, maxHeight: 576 } });
    expect(result.fits).toBe(true);
    expect(600 * result.scale).toBeLessThanOrEqual(576);
    expect(onScreen(tall, result)).toBeGreaterThanOrEqual(MIN_TEXT_PX);
  });

  test("the text scale grows the readable minimum and the cap", () => {
    const plain = frame({ ...SMALL, room: { width: 3000, maxHeight: 2000 } });
    const large = frame({ ...SMALL, room: { width: 3000, maxHeight: 2000 }, textScale: 1.5 });
    expect(onScreen(SMALL, large)).toBeCloseTo(1.5 * onScreen(SMALL, plain), 5);
    const tight = frame({ ...SMALL, room: { width: 600, maxHeight: 2000 }, textScale: 2 });
    expect(tight.fits).toBe(false);
    expect(onScreen(SMALL, tight)).toBeCloseTo(2 * MIN_TEXT_PX, 5);
  });

  test("presentation mode enlarges up to a higher cap, and shows whole what fits inline", () => {
    const big = frame({ ...SMALL, room: { width: 3000, height: 2000 }, enlarge: 2.5 });
    expect(onScreen(SMALL, big)).toBeCloseTo(2.5 * MAX_TEXT_PX, 5);
    const wide = { drawing: { width: 1000, height: 250 }, textPx: 13.3 };
    expect(frame({ ...wide, room: { width: 1000, height: 500 }, enlarge: 2.5 }).fits).toBe(true);
  });

  test("a fixed height (presentation mode) is kept whatever the drawing", () => {
    const result = frame({ ...SMALL, room: { width: 1000, height: 500 } });
    expect(result.height).toBe(500);
    expect(250 * result.scale).toBeLessThanOrEqual(500);
  });

  test("a tiny graph still gets a view tall enough for its status line", () => {
    const tiny = { drawing: { width: 60, height: 20 }, textPx: 13.3 };
    expect(frame({ ...tiny, room: { width: 1000, maxHeight: 576 } }).height).toBeGreaterThanOrEqual(MIN_VIEW_PX);
  });

  test("a hidden view (no width yet) asks for nothing it cannot know", () => {
    const result = frame({ ...SMALL, room: { width: 0, maxHeight: 576 } });
    expect(result.fits).toBe(false);
    expect(result.height).toBe(MIN_VIEW_PX);
  });
});

describe("helpers", () => {
  test("median font size ignores missing sizes", () => {
    expect(medianFontSize(["10", "11", null, "14"])).toBe(11);
    expect(medianFontSize(["10", "12"])).toBe(11);
    expect(medianFontSize([])).toBeNull();
  });

  test("the inline view may take most of the window, never less than the minimum", () => {
    expect(maxInlineHeight(800)).toBeLessThan(800);
    expect(maxInlineHeight(800)).toBeGreaterThan(500);
    expect(maxInlineHeight(100)).toBe(MIN_VIEW_PX);
  });
});

describe("orientation", () => {
  const room = { width: 800, maxHeight: 440 };
  test("a flat strip is turned top to bottom when that shows it larger", () => {
    const strip = { width: 3000, height: 300 };
    const tall = { width: 700, height: 900 };
    expect(betterOrientation([strip, tall], { textPx: 13.3, room })).toBe(1);
  });

  test("a graph shown whole left to right stays so; a missing second layout is never chosen", () => {
    const small = { width: 600, height: 150 };
    const column = { width: 150, height: 700 };
    expect(betterOrientation([small, column], { textPx: 13.3, room })).toBe(0);
    expect(betterOrientation([{ width: 5000, height: 200 }, null], { textPx: 13.3, room })).toBe(0);
  });

  test("the DOT turned and an SVG's size read from its text", () => {
    expect(turnedDot('digraph { graph [rankdir=LR]; a -> b }')).toBe('digraph { graph [rankdir=TB]; a -> b }');
    expect(turnedDot("digraph { a -> b }")).toBe(null);
    expect(svgTextSize('<svg width="75pt" height="30pt" viewBox="0 0 75 30">')).toEqual({ width: 100, height: 40 });
  });
});

test("full screen shows a graph too big to be whole larger than inline: at the cropped text size", () => {
  const big = { drawing: { width: 5000, height: 400 }, textPx: 13.3 };
  const inline = frame({ ...big, room: { width: 1000, maxHeight: 500 } });
  const presenting = frame({ ...big, room: { width: 1000, height: 500 }, croppedTextPx: 18 });
  expect(inline.fits).toBe(false);
  expect(onScreen(big, inline)).toBeCloseTo(MIN_TEXT_PX, 5);
  expect(onScreen(big, presenting)).toBeCloseTo(18, 5);
});
