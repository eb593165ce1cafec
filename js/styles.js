// The widget's stylesheet, added once per document (or shadow root) by the
// first view, so the bundle is the only file the notebook needs.
//
// Theme: panels use JupyterLab's --jp-* variables (VS Code's --vscode-* as a
// second choice). In the SVG, Graphviz's black ink and white paper follow the
// theme; value and gradient texts get lighter shades on dark themes; anything
// drawn on a light fill (the current op, a collapsed scope, a NaN marker)
// keeps dark ink so it stays readable in both.
//
// Palette: the drawing's colours come with each graph (graph.colors, from
// vizgrad/drawing/palette.py) and colorVariables() sets them on the widget as
// --vg-value-light, --vg-grad-light, --vg-current, --vg-dim and --vg-edge; this
// file spells none of them. Graphviz writes the small print and the arrows in
// palette colours; drawing.js marks those elements (vg-dim, vg-edge-stroke,
// vg-edge-fill) so the theme can recolour them here.
const STYLE_ID = "vizgrad-widget-style";

const DARK = [
  'body[data-jp-theme-light="false"] .vizgrad-widget',
  "body.vscode-dark .vizgrad-widget",
  "body.vscode-high-contrast:not(.vscode-high-contrast-light) .vizgrad-widget",
  '.vizgrad-widget[data-theme="dark"]',
].join(",\n");

const ON_LIGHT = (inner) =>
  [".vg-on-light", ".vg-current"].map((group) => `.vizgrad-widget svg ${group} ${inner}`).join(", ");

export const CSS = `
.vizgrad-widget {
  --vg-ink: var(--jp-ui-font-color1, var(--vscode-editor-foreground, #1a1a1a));
  --vg-ink-dim: var(--jp-ui-font-color2, var(--vscode-descriptionForeground, var(--vg-dim)));
  --vg-paper: var(--jp-layout-color0, var(--vscode-editor-background, #ffffff));
  --vg-panel: var(--jp-layout-color1, var(--vscode-editor-background, #ffffff));
  --vg-panel-alt: var(--jp-layout-color2, var(--vscode-editorWidget-background, #f3f4f6));
  --vg-border: var(--jp-border-color2, var(--vscode-widget-border, #d9dce1));
  --vg-accent: var(--jp-brand-color1, var(--vscode-focusBorder, #1976d2));
  --vg-edge-ink: var(--jp-ui-font-color2, var(--vg-edge));
  --vg-value: var(--vg-value-light);
  --vg-grad: var(--vg-grad-light);
  box-sizing: border-box;
  display: flex;
  flex-direction: column;
  gap: 6px;
  width: 100%;
  max-width: 100%;
  min-width: 0;
  overflow: hidden;
  padding: 6px;
  color: var(--vg-ink);
  background: var(--vg-panel);
  border: 1px solid var(--vg-border);
  border-radius: 4px;
  font-family: var(--jp-ui-font-family, var(--vscode-font-family, system-ui, -apple-system, "Segoe UI", sans-serif));
  /* the scale trait (--vg-scale) grows the panels' text with the drawing's */
  font-size: calc(var(--jp-ui-font-size1, 13px) * var(--vg-scale, 1));
  line-height: 1.4;
}
/* dark themes: lighter tints of the palette's value and gradient colours,
   computed from graph.colors by colorVariables() */
${DARK} {
  --vg-value: var(--vg-value-dark);
  --vg-grad: var(--vg-grad-dark);
}
.vizgrad-widget:focus { outline: none; }
.vizgrad-widget:focus-visible { outline: 2px solid var(--vg-accent); outline-offset: 1px; }
.vizgrad-widget *, .vizgrad-widget *::before, .vizgrad-widget *::after { box-sizing: border-box; }

.vizgrad-widget .vg-toolbar {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  gap: 4px 10px;
}
.vizgrad-widget .vg-group { display: flex; align-items: center; gap: 2px; }
.vizgrad-widget .vg-stepper { flex: 1 1 220px; min-width: 160px; gap: 8px; }
.vizgrad-widget button {
  display: inline-flex;
  align-items: center;
  justify-content: center;
  width: 28px;
  height: 26px;
  padding: 0;
  color: var(--vg-ink);
  background: var(--vg-panel-alt);
  border: 1px solid var(--vg-border);
  border-radius: 3px;
  cursor: pointer;
}
.vizgrad-widget button:hover { border-color: var(--vg-accent); }
.vizgrad-widget button:focus-visible, .vizgrad-widget select:focus-visible,
.vizgrad-widget input:focus-visible { outline: 2px solid var(--vg-accent); outline-offset: 1px; }
.vizgrad-widget button[aria-disabled="true"] { opacity: 0.4; cursor: default; border-color: var(--vg-border); }
.vizgrad-widget button svg { width: 14px; height: 14px; fill: currentColor; }
.vizgrad-widget .vg-play { width: 34px; }
.vizgrad-widget .vg-modes[hidden] { display: none; }
.vizgrad-widget .vg-mode { width: auto; padding: 0 8px; font: inherit; }
.vizgrad-widget .vg-mode[aria-pressed="true"] { border-color: var(--vg-accent); background: var(--vg-panel); font-weight: 600; }
.vizgrad-widget .vg-slider { flex: 1 1 auto; min-width: 80px; margin: 0; accent-color: var(--vg-accent); }
.vizgrad-widget .vg-counter { white-space: nowrap; font-variant-numeric: tabular-nums; min-width: 7.5em; }
.vizgrad-widget select {
  height: 26px;
  color: var(--vg-ink);
  background: var(--vg-panel-alt);
  border: 1px solid var(--vg-border);
  border-radius: 3px;
  font: inherit;
}

.vizgrad-widget .vg-stage { position: relative; min-width: 0; }
.vizgrad-widget .vg-viewport {
  position: relative;
  width: 100%;
  height: 160px;
  overflow: hidden;
  background: var(--vg-paper);
  border: 1px solid var(--vg-border);
  border-radius: 3px;
  cursor: grab;
  touch-action: none;
  user-select: none;
}
.vizgrad-widget .vg-viewport.vg-dragging { cursor: grabbing; }
/* more of the drawing lies past a shaded edge */
.vizgrad-widget .vg-viewport::after {
  content: "";
  position: absolute;
  inset: 0;
  pointer-events: none;
  box-shadow: var(--vg-cue-left, 0 0 transparent), var(--vg-cue-right, 0 0 transparent),
    var(--vg-cue-top, 0 0 transparent), var(--vg-cue-bottom, 0 0 transparent);
}
.vizgrad-widget .vg-viewport[data-more~="left"] { --vg-cue-left: inset 22px 0 18px -14px rgba(0, 0, 0, 0.38); }
.vizgrad-widget .vg-viewport[data-more~="right"] { --vg-cue-right: inset -22px 0 18px -14px rgba(0, 0, 0, 0.38); }
.vizgrad-widget .vg-viewport[data-more~="top"] { --vg-cue-top: inset 0 22px 18px -14px rgba(0, 0, 0, 0.38); }
.vizgrad-widget .vg-viewport[data-more~="bottom"] { --vg-cue-bottom: inset 0 -22px 18px -14px rgba(0, 0, 0, 0.38); }
.vizgrad-widget .vg-canvas { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
.vizgrad-widget .vg-canvas > svg { display: block; max-width: none; max-height: none; overflow: visible; }
.vizgrad-widget .vg-status {
  position: absolute;
  left: 8px;
  top: 6px;
  color: var(--vg-ink-dim);
  pointer-events: none;
}
.vizgrad-widget .vg-status:empty { display: none; }
.vizgrad-widget .vg-status.vg-error { color: var(--jp-error-color1, #c62828); white-space: pre-wrap; }

.vizgrad-widget svg .vg-background, .vizgrad-widget svg [fill="white"] { fill: var(--vg-paper); }
.vizgrad-widget svg [stroke="black"] { stroke: var(--vg-ink); }
.vizgrad-widget svg [fill="black"] { fill: var(--vg-ink); }
.vizgrad-widget svg text:not([fill]) { fill: var(--vg-ink); }
.vizgrad-widget svg text.vg-dim { fill: var(--vg-ink-dim); }
.vizgrad-widget svg .vg-edge-stroke { stroke: var(--vg-edge-ink); }
.vizgrad-widget svg .vg-edge-fill { fill: var(--vg-edge-ink); }
.vizgrad-widget svg text.vg-value { fill: var(--vg-value); }
.vizgrad-widget svg text.vg-grad { fill: var(--vg-grad); }
${ON_LIGHT("text:not([fill])")} { fill: #1a1a1a; }
${ON_LIGHT("text.vg-dim")} { fill: var(--vg-dim); }
${ON_LIGHT("text.vg-value")} { fill: var(--vg-value-light); }
${ON_LIGHT("text.vg-grad")} { fill: var(--vg-grad-light); }
.vizgrad-widget svg g.node, .vizgrad-widget svg g.edge { cursor: pointer; }
.vizgrad-widget svg g.node > ellipse, .vizgrad-widget svg g.node > polygon,
.vizgrad-widget svg g.node > path { pointer-events: visible; }
.vizgrad-widget svg .vg-hit { pointer-events: stroke; }
.vizgrad-widget svg g.cluster > text, .vizgrad-widget svg g.cluster > path,
.vizgrad-widget svg g.cluster > polygon { cursor: pointer; }
.vizgrad-widget svg g.edge.vg-active > path:not(.vg-hit) { stroke: var(--vg-grad); stroke-width: 2; }
.vizgrad-widget svg g.edge.vg-active > polygon.vg-edge-fill { fill: var(--vg-grad); stroke: var(--vg-grad); }
.vizgrad-widget svg g.vg-current > ellipse, .vizgrad-widget svg g.vg-current > polygon,
.vizgrad-widget svg g.vg-current > path { stroke-width: 2; }
.vizgrad-widget svg g.vg-selected > ellipse, .vizgrad-widget svg g.vg-selected > polygon,
.vizgrad-widget svg g.vg-selected > path:not(.vg-hit) { stroke: var(--vg-accent); stroke-width: 2.5; }

.vizgrad-widget .vg-panels { position: relative; display: flex; flex-wrap: wrap; gap: 6px; align-items: stretch; }
.vizgrad-widget .vg-explain, .vizgrad-widget .vg-details {
  min-width: 0;
  padding: 6px 8px;
  background: var(--vg-panel-alt);
  border: 1px solid var(--vg-border);
  border-radius: 3px;
}
.vizgrad-widget .vg-explain { flex: 1 1 320px; min-height: var(--vg-reserved, 0px); }
.vizgrad-widget .vg-details {
  position: absolute;
  right: 8px;
  top: 8px;
  width: min(26em, calc(100% - 16px));
  max-height: calc(100% - 16px);
  overflow: auto;
  box-shadow: 0 2px 10px rgba(0, 0, 0, 0.25);
  z-index: 1;
}
.vizgrad-widget .vg-details[hidden] { display: none; }
.vizgrad-widget .vg-panel-title { font-weight: 600; margin-bottom: 2px; overflow-wrap: anywhere; }
.vizgrad-widget .vg-explain-lines .vg-openable { cursor: pointer; }
.vizgrad-widget .vg-explain-lines .vg-openable:hover { text-decoration: underline dotted; }
.vizgrad-widget .vg-explain-lines > div {
  white-space: pre-wrap;
  overflow-wrap: anywhere;
  font-variant-numeric: tabular-nums;
}
.vizgrad-widget .vg-legend { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 4px; color: var(--vg-ink-dim); font-size: 0.92em; }
.vizgrad-widget .vg-legend span::before {
  content: "";
  display: inline-block;
  width: 10px;
  height: 10px;
  margin-right: 4px;
  border-radius: 2px;
  vertical-align: -1px;
  background: var(--vg-swatch);
}
.vizgrad-widget .vg-legend .vg-legend-value { --vg-swatch: var(--vg-value); }
.vizgrad-widget .vg-legend .vg-legend-grad { --vg-swatch: var(--vg-grad); }
.vizgrad-widget .vg-legend .vg-legend-current { --vg-swatch: var(--vg-current); }
.vizgrad-widget .vg-hint { color: var(--vg-ink-dim); margin-left: auto; }
.vizgrad-widget .vg-legend .vg-hint::before { display: none; }
.vizgrad-widget .vg-details dl {
  display: grid;
  grid-template-columns: max-content minmax(0, 1fr);
  gap: 1px 8px;
  margin: 2px 0 0;
}
.vizgrad-widget .vg-details dt { color: var(--vg-ink-dim); }
.vizgrad-widget .vg-details dd { margin: 0; min-width: 0; }
.vizgrad-widget .vg-details pre {
  margin: 0;
  max-height: 10em;
  overflow: auto;
  white-space: pre;
  font-family: var(--jp-code-font-family, var(--vscode-editor-font-family, monospace));
  font-size: 0.95em;
}
.vizgrad-widget .vg-details .vg-detail-head { overflow-wrap: anywhere; }
.vizgrad-widget .vg-details .vg-value-text { color: var(--vg-value); }
.vizgrad-widget .vg-details .vg-grad-text { color: var(--vg-grad); }
.vizgrad-widget .vg-details .vg-close { position: absolute; right: 4px; top: 4px; width: 22px; height: 22px; }
.vizgrad-widget .vg-details .vg-close svg { width: 10px; height: 10px; }
.vizgrad-widget .vg-details .vg-panel-title { padding-right: 26px; }

/* Presentation mode: full screen (or the whole window where full screen is
   refused), the drawing taking what the explanation leaves, text for the back
   of the room: at least 24 px on a 1024x768 projector. */
.vizgrad-widget.vg-presenting {
  position: fixed;
  inset: 0;
  z-index: 2147483000;
  width: 100vw;
  max-width: none;
  height: 100vh;
  padding: 10px 14px;
  gap: 10px;
  border: 0;
  border-radius: 0;
  font-size: calc(max(24px, 3.2vh) * var(--vg-scale, 1));
  line-height: 1.3;
}
.vizgrad-widget.vg-presenting .vg-toolbar { font-size: 0.7em; flex: 0 0 auto; }
.vizgrad-widget.vg-presenting button { width: 44px; height: 40px; }
/* buttons that say a word keep their width for it */
.vizgrad-widget.vg-presenting .vg-mode, .vizgrad-widget.vg-presenting .vg-quiz-toggle { width: auto; padding: 0 10px; }
.vizgrad-widget.vg-presenting button svg { width: 20px; height: 20px; }
.vizgrad-widget.vg-presenting .vg-play { width: 52px; }
.vizgrad-widget.vg-presenting select { height: 40px; }
.vizgrad-widget.vg-presenting .vg-stage { flex: 1 1 auto; min-height: 0; display: flex; flex-direction: column; }
.vizgrad-widget.vg-presenting .vg-viewport { flex: 1 1 auto; height: auto; min-height: 0; }
/* the explanation takes its own (reserved) height and never scrolls; the drawing the rest */
.vizgrad-widget.vg-presenting .vg-panels { flex: 0 0 auto; flex-wrap: nowrap; }
/* on a screen the drawing comes first: a step taller than this grows the panel for itself */
.vizgrad-widget.vg-presenting .vg-explain { min-height: min(var(--vg-reserved, 0px), 38vh); }
.vizgrad-widget.vg-presenting .vg-details { font-size: 0.6em; }
.vizgrad-widget.vg-presenting .vg-legend { font-size: 0.55em; }
.vizgrad-widget .vg-quiz-toggle { width: auto; padding: 0 8px; }
`;

const styledRoots = new Map(); // style id -> the roots that have it

// Adds the stylesheet to the document or shadow root that holds `element`:
// as a constructed stylesheet where the browser has them (a page whose
// Content-Security-Policy forbids inline styles still applies those), else as
// a <style> element.
// `css` (the widget's own by default) once per document or shadow root, under `id`.
export function injectStyles(element, css = CSS, id = STYLE_ID) {
  const root = element.getRootNode?.() ?? element.ownerDocument;
  const container = root.head ?? root;
  if (!styledRoots.has(id)) styledRoots.set(id, new WeakSet());
  if (!container || styledRoots.get(id).has(root)) return;
  styledRoots.get(id).add(root);
  if (root.getElementById?.(id)) return;
  const window = element.ownerDocument.defaultView;
  if (Array.isArray(root.adoptedStyleSheets) && typeof window?.CSSStyleSheet?.prototype?.replaceSync === "function") {
    if (root.adoptedStyleSheets.some((sheet) => sheet[id])) return;
    const sheet = new window.CSSStyleSheet();
    sheet.replaceSync(css);
    sheet[id] = true; // the same sheet from another copy of the bundle is not added twice
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    return;
  }
  const style = element.ownerDocument.createElement("style");
  style.id = id;
  style.textContent = css;
  container.append(style);
}

const HEX_COLOR = /^#[0-9a-f]{6}$/i;

// The graph's palette colours as CSS variables on the widget, plus lighter
// shades of value and gradient for dark themes.
export function colorVariables(colors = {}) {
  const variables = {};
  for (const [key, name] of [["value", "value"], ["grad", "grad"]]) {
    const color = colors[key];
    if (typeof color !== "string" || !HEX_COLOR.test(color)) continue;
    variables[`--vg-${name}-light`] = color;
    variables[`--vg-${name}-dark`] = mixWithWhite(color, 0.42);
  }
  for (const key of ["current", "dim", "edge"]) {
    const color = colors[key];
    if (typeof color === "string" && HEX_COLOR.test(color)) variables[`--vg-${key}`] = color;
  }
  return variables;
}

function mixWithWhite(hex, amount) {
  const channels = [1, 3, 5].map((start) => parseInt(hex.slice(start, start + 2), 16));
  return "#" + channels
    .map((channel) => Math.round(channel + (255 - channel) * amount).toString(16).padStart(2, "0"))
    .join("");
}
