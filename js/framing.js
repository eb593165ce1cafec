// Framing: how big the view is, how big the drawing is shown in it, and which
// part of the drawing is in view.
//
//   const framing = createFraming(viewport, panZoom, () => ({ drawing, presenting, textScale, focus }));
//   framing.frame();          // after a new drawing, a resize, full screen: size and frame the view
//   framing.follow(id);       // after a step: keep the current op in view
//   framing.fitWhole();       // the Fit button
//
// The rule for the size is sizing.js's `frame`; this room applies it to the
// page. `focus` lists the node ids to frame a drawing too big to show whole
// around, most wanted first (a scope just toggled, the current op, the target).
import { createPanZoom } from "./pan-zoom.js";
import { betterOrientation, frame, MAX_TEXT_PX, maxInlineHeight, MIN_TEXT_PX } from "./sizing.js";

// in presentation mode the drawing may grow this much larger than inline
export const PRESENTING_ENLARGE = 2.5;
// in presentation mode a graph too big to show whole is shown this large around
// the current op: readable from the back of a room
export const PRESENTING_CROPPED_TEXT_PX = 18;
const REVEAL_MARGIN_PX = 24;
// Graphviz's margin around a drawing (4 pt), in drawing px: cut off, it hides nothing
const DRAWING_MARGIN_PX = 5.3;
// the notebook's own scrolling panel, whose height is the room a cell has on screen
const SCROLLER = ".jp-WindowedPanel-outer, .jp-Notebook, .jp-NotebookPanel-notebook";
// kept free below the widget in that panel, so the next cell's top shows
const BELOW_PX = 24;
// a typical text size (px) before any drawing was measured: the same for both orientations
const TYPICAL_TEXT_PX = 13.3;

export function createFraming(viewport, canvas, context) {
  const window = viewport.ownerDocument.defaultView;
  const panZoom = createPanZoom(viewport, canvas, showCue);
  let geometry = null; // the viewport's size, measured once per drawing
  let framed = null; // the last frame(): { scale, height, fits }

  // Pans so that node `id` is in view (centred if it was not). Node boxes come
  // from the SVG's attributes and the viewport size is measured once per
  // layout, so neither a step nor a new SVG forces the browser to lay out the
  // page; under jsdom, which measures nothing, it does nothing.
  // `byWidget`: the widget's own move, redone when the view resizes.
  function reveal(id, always = false, byWidget = false) {
    const box = geometry ? context().drawing?.box(id) : null;
    if (!box) return;
    const [left, top] = panZoom.toViewport(box.left, box.top);
    const [right, bottom] = panZoom.toViewport(box.left + box.width, box.top + box.height);
    const { width, height } = geometry;
    const inside = left >= REVEAL_MARGIN_PX && right <= width - REVEAL_MARGIN_PX &&
      top >= REVEAL_MARGIN_PX && bottom <= height - REVEAL_MARGIN_PX;
    if (inside && !always) return;
    panZoom.panBy(width / 2 - (left + right) / 2, height / 2 - (top + bottom) / 2, byWidget);
    if (byWidget) panZoom.keepContentInView();
  }

  // The viewport's size (null while it is hidden). Read before a new SVG is
  // put in the page, it costs a layout of the controls only.
  function measureGeometry() {
    const width = viewport.clientWidth;
    if (!context().drawing || !width) return null;
    return { width, height: viewport.clientHeight };
  }

  // The edges of the view past which more of the drawing lies get a shade
  // (data-more="left right top bottom"), so a cropped graph says so.
  function showCue() {
    const box = panZoom.contentBox();
    const width = geometry?.width ?? viewport.clientWidth;
    const height = geometry?.height ?? viewport.clientHeight;
    if (!width || !height || !context().drawing) {
      viewport.removeAttribute("data-more");
      return;
    }
    // the drawing's own margin past an edge is not "more"
    const slack = DRAWING_MARGIN_PX * panZoom.scale + 0.5;
    const more = [box.left < -slack && "left", box.right > width + slack && "right",
      box.top < -slack && "top", box.bottom > height + slack && "bottom"].filter(Boolean);
    if (more.length) viewport.setAttribute("data-more", more.join(" "));
    else viewport.removeAttribute("data-more");
  }

  // The tallest the inline view may be: what the notebook shows of the cell,
  // less the widget's controls and panels, or most of the window outside a notebook.
  function inlineMaxHeight() {
    const scroller = viewport.closest(SCROLLER);
    const root = viewport.closest(".vizgrad-widget");
    const around = root ? root.offsetHeight - viewport.offsetHeight : 0;
    const visible = scroller?.clientHeight || 0;
    if (!visible || around <= 0) return maxInlineHeight(window.innerHeight);
    return Math.min(maxInlineHeight(window.innerHeight), visible - around - BELOW_PX);
  }

  // The room the drawing has, and how it is sized there.
  function sizing() {
    const { presenting, textScale } = context();
    const width = viewport.clientWidth;
    return {
      room: presenting ? { width, height: viewport.clientHeight } : { width, maxHeight: inlineMaxHeight() },
      textScale,
      enlarge: presenting ? PRESENTING_ENLARGE : 1,
      minTextPx: MIN_TEXT_PX, // whole when readable, as large as the screen allows
      croppedTextPx: presenting ? PRESENTING_CROPPED_TEXT_PX : MIN_TEXT_PX,
    };
  }

  // Sizes the view for the drawing and frames it: the whole graph when its
  // text is readable that way, else a readable scale around the first focus.
  function frameView() {
    const { drawing, presenting, focus = [] } = context();
    const width = viewport.clientWidth;
    if (!drawing?.width || !drawing?.height || !width) {
      panZoom.fit(); // hidden, or nothing measures (jsdom): framed once it shows
      return;
    }
    framed = frame({ drawing, textPx: drawing.textPx, ...sizing() });
    if (!presenting) viewport.style.height = `${framed.height}px`;
    geometry = measureGeometry();
    panZoom.fit(framed.scale);
    const target = focus.find((id) => id != null && drawing.box(id));
    if (!framed.fits && target != null) reveal(target, true, true);
    else if (!framed.fits) panZoom.keepContentInView();
    showCue();
  }

  // Of drawings laid out two ways ({ width, height } each, or null), the one
  // shown larger in the room the view has now; null while it is hidden.
  function chooseOrientation(sizes) {
    if (!viewport.clientWidth) return null;
    const textPx = context().drawing?.textPx ?? TYPICAL_TEXT_PX;
    return betterOrientation(sizes, { textPx, ...sizing() });
  }

  // Fit: the whole graph, however small, enlarged no further than the
  // readable cap (a reader who wants more zooms in).
  function fitWhole() {
    const { drawing, presenting, textScale } = context();
    const enlarge = presenting ? PRESENTING_ENLARGE : 1;
    const cap = drawing?.textPx ? (MAX_TEXT_PX * textScale * enlarge) / drawing.textPx : 1;
    panZoom.fit(null, cap);
  }

  // After a step: a graph shown whole stays put; a larger one, or one the
  // reader zoomed into, follows the current op.
  function follow(id) {
    if (!framed?.fits || !panZoom.fitted) reveal(id, false, panZoom.fitted);
  }

  // The view follows its container: a wider cell, a side panel closed, full
  // screen. The height it sets itself does not count as a resize inline.
  let resizeObserver = null;
  let observed = { width: 0, height: 0 };
  if (typeof window.ResizeObserver === "function") {
    resizeObserver = new window.ResizeObserver(() => {
      const width = viewport.clientWidth;
      const height = viewport.clientHeight;
      if (!context().drawing || !width) return;
      const resized = width !== observed.width || (context().presenting && height !== observed.height);
      observed = { width, height };
      if (!geometry) {
        // drawn while hidden (a collapsed output, a background tab): frame it now
        frameView();
        return;
      }
      geometry.width = width;
      geometry.height = height;
      if (resized && panZoom.fitted) frameView();
    });
    resizeObserver.observe(viewport);
  }

  return {
    panZoom,
    frame: frameView,
    chooseOrientation,
    fitWhole,
    follow,
    // a new drawing: its size, and nothing measured for it yet
    setDrawing(drawing) {
      if (drawing) panZoom.setContentSize(drawing.width, drawing.height);
      geometry = null;
    },
    // when the view frames itself again (a text scale, full screen)
    get fitted() { return panZoom.fitted; },
    // presentation mode sizes the view itself
    clearHeight() { viewport.style.height = ""; },
    zoomIn: () => panZoom.zoomIn(),
    zoomOut: () => panZoom.zoomOut(),
    takeDragEnd: () => panZoom.takeDragEnd(),
    destroy() {
      resizeObserver?.disconnect();
      panZoom.destroy();
    },
  };
}
