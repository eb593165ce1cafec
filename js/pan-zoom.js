// Pan (drag) and zoom (wheel, buttons) of the drawing inside its viewport,
// done with one CSS transform on the canvas so the SVG itself is never touched.
const MIN_SCALE = 0.05;
const MAX_SCALE = 8;
const DRAG_THRESHOLD_PX = 4;
const BUTTON_ZOOM = 1.25;

// `onMove()` runs after every change of the transform.
export function createPanZoom(viewport, canvas, onMove = null) {
  let scale = 1;
  let x = 0;
  let y = 0;
  let contentWidth = 0;
  let contentHeight = 0;
  // framed by the widget, not moved by the reader: reframe when the view resizes
  let fitted = true;
  let drag = null; // { pointerId, startX, startY, originX, originY, moved }
  let lastWasDrag = false;
  // Plain wheel zooms only once the reader has clicked into the graph, so
  // scrolling past the widget still scrolls the notebook; Ctrl+wheel (and a
  // trackpad pinch) always zoom.
  let engaged = false;

  function apply() {
    canvas.style.transform = `translate(${x}px, ${y}px) scale(${scale})`;
    onMove?.();
  }

  // The drawing at `target` scale (default: the whole of it in the view),
  // centred; `maxScale` caps how far a small drawing is enlarged.
  function fit(target = null, maxScale = 1) {
    const width = viewport.clientWidth;
    const height = viewport.clientHeight;
    fitted = true;
    if (!width || !height || !contentWidth || !contentHeight) {
      scale = target ?? 1;
      x = 0;
      y = 0;
    } else {
      scale = target ?? Math.min(maxScale, width / contentWidth, height / contentHeight);
      x = (width - contentWidth * scale) / 2;
      y = (height - contentHeight * scale) / 2;
    }
    apply();
  }

  // zoom by `factor` keeping the point (px, py) of the viewport still
  function zoomAt(factor, px, py) {
    const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale * factor));
    x = px - ((px - x) * next) / scale;
    y = py - ((py - y) * next) / scale;
    scale = next;
    fitted = false;
    apply();
  }

  const zoomAtCentre = (factor) => zoomAt(factor, viewport.clientWidth / 2, viewport.clientHeight / 2);

  function onWheel(event) {
    if (!(event.ctrlKey || event.metaKey || engaged)) return;
    event.preventDefault();
    const box = viewport.getBoundingClientRect();
    // deltaMode 1 counts lines, not pixels
    const delta = event.deltaY * (event.deltaMode === 1 ? 16 : 1);
    zoomAt(Math.exp(-delta * 0.0015), event.clientX - box.left, event.clientY - box.top);
  }

  function onPointerDown(event) {
    engaged = true;
    lastWasDrag = false;
    if (event.button !== 0) return;
    drag = { pointerId: event.pointerId, startX: event.clientX, startY: event.clientY, originX: x,
      originY: y, moved: false };
  }

  function onPointerMove(event) {
    if (!drag || event.pointerId !== drag.pointerId) return;
    const dx = event.clientX - drag.startX;
    const dy = event.clientY - drag.startY;
    if (!drag.moved) {
      if (Math.hypot(dx, dy) < DRAG_THRESHOLD_PX) return;
      drag.moved = true;
      // capture only once it is a drag: capturing at pointerdown would retarget
      // the click of a plain press away from the node under the pointer
      viewport.setPointerCapture?.(event.pointerId);
      viewport.classList.add("vg-dragging");
    }
    x = drag.originX + dx;
    y = drag.originY + dy;
    fitted = false;
    apply();
  }

  function onPointerUp(event) {
    if (!drag || event.pointerId !== drag.pointerId) return;
    lastWasDrag = drag.moved;
    viewport.classList.remove("vg-dragging");
    drag = null;
  }

  const disengage = () => { engaged = false; };

  viewport.addEventListener("wheel", onWheel, { passive: false });
  viewport.addEventListener("pointerdown", onPointerDown);
  viewport.addEventListener("pointermove", onPointerMove);
  viewport.addEventListener("pointerup", onPointerUp);
  viewport.addEventListener("pointercancel", onPointerUp);
  viewport.addEventListener("pointerleave", disengage);

  return {
    setContentSize(width, height) {
      contentWidth = width;
      contentHeight = height;
    },
    fit,
    zoomIn: () => zoomAtCentre(BUTTON_ZOOM),
    zoomOut: () => zoomAtCentre(1 / BUTTON_ZOOM),
    zoomAt,
    // `framing`: the widget moving the view (which it may redo on a resize),
    // not the reader
    panBy(dx, dy, framing = false) {
      x += dx;
      y += dy;
      fitted &&= framing;
      apply();
    },
    // The widget's framing never shows paper beyond the drawing's edge where
    // the drawing is larger than the view, and centres it where it is smaller.
    keepContentInView() {
      const width = viewport.clientWidth;
      const height = viewport.clientHeight;
      if (!width || !height) return;
      const clampAxis = (offset, room, size) =>
        (size <= room ? (room - size) / 2 : Math.min(0, Math.max(room - size, offset)));
      x = clampAxis(x, width, contentWidth * scale);
      y = clampAxis(y, height, contentHeight * scale);
      apply();
    },
    get scale() { return scale; },
    // the drawing's box in the viewport: { left, top, right, bottom }
    contentBox: () => ({ left: x, top: y, right: x + contentWidth * scale, bottom: y + contentHeight * scale }),
    // where a point of the unscaled drawing lands in the viewport
    toViewport: (px, py) => [x + px * scale, y + py * scale],
    get fitted() { return fitted; },
    // true once for the click that ends a drag, which must not select anything
    takeDragEnd() {
      const wasDrag = lastWasDrag;
      lastWasDrag = false;
      return wasDrag;
    },
    destroy() {
      viewport.removeEventListener("wheel", onWheel);
      viewport.removeEventListener("pointerdown", onPointerDown);
      viewport.removeEventListener("pointermove", onPointerMove);
      viewport.removeEventListener("pointerup", onPointerUp);
      viewport.removeEventListener("pointercancel", onPointerUp);
      viewport.removeEventListener("pointerleave", disengage);
    },
  };
}
