// The Python side displays each widget followed by a second output: a picture
// of the drawing (image/svg+xml) for readers that run no JavaScript (GitHub,
// nbviewer, nbconvert HTML offline, PDF). Wherever the widget itself runs
// (JupyterLab, Notebook 7, Voila, nbconvert HTML with its scripts) that
// picture would show the same drawing a second time, so the widget hides it.
// Only an output right after the widget's own, holding an SVG that carries
// PICTURE_MARK, is hidden; the output stays in the notebook file.
export const PICTURE_MARK = "data-vizgrad-picture";

const OUTPUT_CHILD = ".jp-OutputArea-child";

// -> undo(): shows the picture again (the widget view went away)
export function hideSavedPicture(el) {
  let hidden = null;
  let observer = null;
  const check = () => {
    const own = el.closest(OUTPUT_CHILD);
    const next = own?.nextElementSibling;
    if (!next || next === hidden || !isSavedPicture(next)) return;
    next.style.display = "none";
    hidden = next;
  };
  // The view can be in the page before the picture's output arrives, and an
  // updated picture replaces its output element: look again when they change.
  const start = () => {
    const area = el.closest(OUTPUT_CHILD)?.parentElement;
    if (!area || typeof MutationObserver === "undefined") return false;
    observer = new MutationObserver(check);
    observer.observe(area, { childList: true, subtree: true });
    check();
    return true;
  };
  // anywidget may hand us `el` before it is attached to the output area
  let tries = 0;
  let timer = null;
  const retry = () => {
    if (start() || ++tries > 50) return;
    timer = setTimeout(retry, 100);
  };
  retry();
  return () => {
    clearTimeout(timer);
    observer?.disconnect();
    if (hidden) hidden.style.display = "";
  };
}

export function isSavedPicture(output) {
  const svg = output.querySelector('[data-mime-type="image/svg+xml"] svg');
  if (svg) return svg.hasAttribute(PICTURE_MARK);
  const img = output.querySelector('[data-mime-type="image/svg+xml"] img');
  const src = img?.getAttribute("src") ?? "";
  return src.startsWith("data:image/svg+xml") && svgHead(src).includes(PICTURE_MARK);
}

// The first characters of the SVG in a data: URL (the mark is on the root element,
// near the start), base64 (nbconvert) or percent-encoded (JupyterLab).
function svgHead(src, length = 4096) {
  const comma = src.indexOf(",");
  const body = src.slice(comma + 1, comma + 1 + length);
  try {
    if (src.slice(0, comma).endsWith(";base64")) return atob(body.slice(0, body.length - (body.length % 4)));
    return decodeURIComponent(body.slice(0, body.lastIndexOf("%") === -1 ? body.length : body.lastIndexOf("%")));
  } catch {
    return "";
  }
}
