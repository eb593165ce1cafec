// How big the drawing is shown: a pure function of the drawing's size, the
// room it has and the size of its text, so the rule can be tested on its own.
//
//   frame({ drawing: {width, height}, textPx, room: {width, maxHeight}, textScale, enlarge })
//     -> { scale, height, fits }
//
// The whole graph is shown when its text can be at least MIN_TEXT_PX tall on
// screen that way, enlarged up to MAX_TEXT_PX (a projector-friendly size, not
// a poster); otherwise it is shown at MIN_TEXT_PX and the reader pans. Both
// sizes grow with `textScale` (the widget's `scale` trait); `enlarge` raises
// the cap alone (presentation mode, where the drawing has the whole screen).
export const MIN_TEXT_PX = 12;
export const MAX_TEXT_PX = 20;
// the view is never shorter than this, so the status line and a small graph fit
export const MIN_VIEW_PX = 120;
// a border's worth of room, so a fitted drawing does not touch the edges
const PADDING_PX = 8;
// A text's box on screen (what getBoundingClientRect measures, and what a
// reader sees as its height) is its font size times this: 1.09-1.17 in
// Chromium for Graphviz's sans fonts; the low end, so 12 px is a floor.
export const TEXT_BOX_RATIO = 1.09;

// `drawing`: the drawing's size in CSS px at scale 1; `textPx`: its typical
// (median) font size at scale 1 (its box on screen is TEXT_BOX_RATIO times that); `room.width`: the view's width;
// `room.maxHeight`: the tallest the view may be (`room.height`, when given,
// fixes its height, as in presentation mode).
// `minTextPx`: the smallest text shown whole; `croppedTextPx`: the text of a graph
// too big for that, shown in part (presentation mode shows that part larger).
export function frame({ drawing, textPx, room, textScale = 1, enlarge = 1, minTextPx = MIN_TEXT_PX,
  croppedTextPx = minTextPx }) {
  const width = Math.max(0, (room.width ?? 0) - PADDING_PX);
  const fixedHeight = room.height != null ? Math.max(0, room.height - PADDING_PX) : null;
  const maxHeight = fixedHeight ?? Math.max(MIN_VIEW_PX, room.maxHeight ?? Infinity) - PADDING_PX;
  const multiplier = textScale > 0 && Number.isFinite(textScale) ? textScale : 1;
  const text = (textPx > 0 ? textPx : MIN_TEXT_PX) * TEXT_BOX_RATIO;
  const readable = (minTextPx * multiplier) / text;
  const cap = Math.max(readable, (MAX_TEXT_PX * multiplier * Math.max(1, enlarge)) / text);
  const room_ = (height) => (height == null ? null : Math.round(height + PADDING_PX));
  if (!drawing?.width || !drawing?.height || !width) {
    return { scale: readable, height: room.height ?? MIN_VIEW_PX, fits: false };
  }
  const fitScale = Math.min(width / drawing.width, maxHeight / drawing.height, cap);
  if (fitScale >= readable) {
    const height = fixedHeight ?? Math.max(MIN_VIEW_PX - PADDING_PX, drawing.height * fitScale);
    return { scale: fitScale, height: room_(height), fits: true };
  }
  // too big to show whole at a readable size: as much of it as the room allows
  const cropped = Math.max(readable, (croppedTextPx * multiplier) / text);
  const height = fixedHeight ?? Math.min(maxHeight, Math.max(MIN_VIEW_PX - PADDING_PX, drawing.height * cropped));
  return { scale: cropped, height: room_(height), fits: false };
}

// The median of the font sizes of a drawing's texts (in the drawing's own
// units), or null when it has none.
export function medianFontSize(sizes) {
  const numbers = sizes.map(Number).filter((size) => size > 0).sort((a, b) => a - b);
  if (!numbers.length) return null;
  const middle = numbers.length >> 1;
  return numbers.length % 2 ? numbers[middle] : (numbers[middle - 1] + numbers[middle]) / 2;
}

// How tall the inline view may be: most of the browser window, so the
// controls and the explanation stay on screen beside it.
export function maxInlineHeight(windowHeight) {
  return Math.max(MIN_VIEW_PX, Math.round((windowHeight || 800) * 0.72));
}

// Of the drawings laid out two ways (left to right, top to bottom), the index
// of the one shown larger in `room` (the first when they tie).
export function betterOrientation(drawings, { textPx, room, textScale = 1, enlarge = 1, minTextPx }) {
  let best = 0;
  let bestScale = -Infinity;
  drawings.forEach((drawing, index) => {
    if (!drawing) return;
    const { scale, fits, height } = frame({ drawing, textPx, room, textScale, enlarge, minTextPx });
    // a drawing shown whole beats one that is not, and then the larger text wins;
    // of two that are not, the one showing more of itself
    const shown = Math.min(1, (room.width ?? 0) / (drawing.width * scale)) *
      Math.min(1, (height ?? 0) / (drawing.height * scale));
    const score = fits ? 1000 + scale : shown;
    if (score > bestScale + 1e-6) {
      best = index;
      bestScale = score;
    }
  });
  return best;
}

// The same DOT laid out top to bottom instead of left to right; null when it
// says no rankdir=LR.
export function turnedDot(dot) {
  return typeof dot === "string" && /\brankdir=LR\b/.test(dot) ? dot.replace(/\brankdir=LR\b/, "rankdir=TB") : null;
}

// An SVG's size in CSS px, read from its text ({ width, height }), or null.
export function svgTextSize(text) {
  const match = /<svg\b[^>]*?\swidth="([\d.]+)(pt|px)?"[^>]*?\sheight="([\d.]+)(pt|px)?"/.exec(text ?? "");
  if (!match) return null;
  const px = (value, unit) => Number(value) * (unit === "pt" ? 4 / 3 : 1);
  return { width: px(match[1], match[2]), height: px(match[3], match[4]) };
}
