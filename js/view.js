// The widget's view: (graph, dot, step) -> DOM. It never touches an anywidget
// model; widget.js wires one in, and the tests and demo.html drive it directly.
//
//   const view = createView(el, { onStep(k) {}, onCollapse(scopeNames) {} });
//   view.update({ graph, dot, step, collapsed });   // any subset
//
// `dot` is laid out once (off the main thread); a step only restyles the SVG.
// The SVG is then parsed and indexed in slices of a few milliseconds, yielding
// to the page between them, so no single task of the page runs long.
// The root gets data-rendered="true" once an SVG is in, and data-step="k" after
// step k is drawn; aria-busy is "true" while a layout is running or a new SVG
// is being put in.
//
// Sizing (sizing.js): as opened, after each layout and whenever the view
// resizes, the whole graph is shown with its text at least 12 px on screen;
// a graph too big for that is shown at 12 px around the current op instead.
// Presentation mode puts the root element full screen (key F).
import { createDrawing, parseSvg } from "./drawing.js";
import { icon } from "./icons.js";
import { keyAction, keyIsTheControls } from "./keys.js";
import { toggledScopes } from "./scopes.js";
import { sharedLayoutEngine } from "./layout.js";
import { createPanZoom } from "./pan-zoom.js";
import { frame, MAX_TEXT_PX, maxInlineHeight } from "./sizing.js";
import { colorVariables, injectStyles } from "./styles.js";

export const SPEEDS = [
  { label: "0.5×", interval: 2000 },
  { label: "1×", interval: 1000 },
  { label: "2×", interval: 500 },
  { label: "4×", interval: 250 },
];
const DEFAULT_SPEED = 1;
// in presentation mode the drawing may grow this much larger than inline
const PRESENTING_ENLARGE = 2.5;
const REVEAL_MARGIN_PX = 24;
// Putting a new SVG in runs in slices this long, then lets the page breathe.
const SLICE_MS = 12;
// Nodes, edges and boxes put in the page per frame when a large SVG goes in.
const GROUPS_PER_FRAME = 400;

const CANCELLED = Symbol("cancelled");

// Lets the page handle input and paint; scheduler.yield where there is one
// (it resumes ahead of other tasks), a timer elsewhere.
function yieldToPage(window) {
  const scheduler = window.scheduler ?? globalThis.scheduler;
  if (typeof scheduler?.yield === "function") return scheduler.yield();
  return new Promise((resolve) => window.setTimeout(resolve, 0));
}

export function createView(el, callbacks = {}) {
  const document = el.ownerDocument;
  const window = document.defaultView;
  const layoutEngine = callbacks.layoutEngine ?? sharedLayoutEngine();
  injectStyles(el);

  const state = {
    graph: { nodes: [], edges: [], steps: [], scopes: [], colors: {} },
    dot: null,
    step: 0,
    collapsed: [],
    svgText: null,
    drawing: null,
    layoutRequest: 0,
    installRequest: 0,
    layoutPending: false, // a layout is running in the worker
    installing: false, // a new SVG is being parsed and indexed
    selectedId: null,
    playTimer: null,
    speed: SPEEDS[DEFAULT_SPEED],
    textScale: 1, // the `scale` trait: text size multiplier
    presenting: false, // full screen (or, where that is refused, the whole window)
    keepInView: null, // a scope just expanded or collapsed: frame the next drawing around it
    destroyed: false,
  };

  // ---- DOM -----------------------------------------------------------------
  const h = (tag, props = {}, ...children) => {
    const element = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "class") element.className = value;
      else if (key === "text") element.textContent = value;
      else element.setAttribute(key, value);
    }
    element.append(...children);
    return element;
  };
  const button = (iconName, label, className = "") => {
    const element = h("button", { type: "button", "aria-label": label, title: label, class: className },
      icon(iconName, document));
    return element;
  };

  const root = h("div", { class: "vizgrad-widget", tabindex: "0", role: "group" });
  const firstButton = button("first", "First step");
  const previousButton = button("previous", "Previous step");
  const playButton = button("play", "Play", "vg-play");
  const nextButton = button("next", "Next step");
  const lastButton = button("last", "Last step");
  const slider = h("input", { type: "range", min: "0", max: "0", step: "1", value: "0",
    "aria-label": "Step", class: "vg-slider" });
  const counter = h("span", { class: "vg-counter", text: "step 0 / 0" });
  const speedSelect = h("select", { "aria-label": "Speed", title: "Playback speed", class: "vg-speed" },
    ...SPEEDS.map((speed, index) => h("option", { value: String(index), text: speed.label })));
  speedSelect.value = String(DEFAULT_SPEED);
  const zoomOutButton = button("zoomOut", "Zoom out");
  const zoomInButton = button("zoomIn", "Zoom in");
  const fitButton = button("fit", "Fit");
  const fullscreenButton = button("fullscreen", "Full screen");
  const downloadButton = button("download", "Download SVG");

  const toolbar = h("div", { class: "vg-toolbar" },
    h("div", { class: "vg-group vg-playback" }, firstButton, previousButton, playButton, nextButton,
      lastButton),
    h("div", { class: "vg-group vg-stepper" }, slider, counter),
    h("div", { class: "vg-group" }, speedSelect),
    h("div", { class: "vg-group vg-view-tools" }, zoomOutButton, zoomInButton, fitButton,
      downloadButton, fullscreenButton));

  const canvas = h("div", { class: "vg-canvas" });
  const status = h("div", { class: "vg-status", role: "status" });
  const viewport = h("div", { class: "vg-viewport" }, canvas, status);

  const explainTitle = h("div", { class: "vg-panel-title" });
  const explainLines = h("div", { class: "vg-explain-lines" });
  const legend = h("div", { class: "vg-legend", "aria-hidden": "true" },
    h("span", { class: "vg-legend-value", text: "value" }),
    h("span", { class: "vg-legend-grad", text: "gradient" }),
    h("span", { class: "vg-legend-current", text: "current operation" }));
  const explain = h("div", { class: "vg-explain", "aria-live": "polite" }, explainTitle, explainLines, legend);
  const details = h("div", { class: "vg-details" });
  const panels = h("div", { class: "vg-panels" }, explain, details);

  root.append(toolbar, viewport, panels);
  el.append(root);

  const panZoom = createPanZoom(viewport, canvas);
  let geometry = null; // see measureGeometry()

  // ---- steps ----------------------------------------------------------------
  // a long pass sends only its first steps' explanations (more_steps, Graph.to_dict)
  const lastStep = () => (state.graph.more_steps ? state.graph.last_step
    : Math.max(0, (state.graph.steps?.length ?? 1) - 1));
  const clampStep = (step) => Math.min(lastStep(), Math.max(0, Math.trunc(Number(step)) || 0));

  // `redraw`: draw the step even if it is the one on show (the graph changed)
  function goTo(step, fromUser, redraw = false) {
    const next = clampStep(step);
    const changed = next !== state.step;
    state.step = next;
    if (changed || redraw) showStep();
    if (fromUser && changed) callbacks.onStep?.(next);
  }

  // Everything that depends on the step; cheap, so it runs whole every time.
  function showStep() {
    const step = state.step;
    const last = lastStep();
    slider.max = String(last);
    slider.value = String(step);
    slider.setAttribute("aria-valuetext", `step ${step} of ${last}`);
    counter.textContent = `step ${step} / ${last}`;
    setDisabled(firstButton, step === 0);
    setDisabled(previousButton, step === 0);
    setDisabled(nextButton, step === last);
    setDisabled(lastButton, step === last);
    setDisabled(playButton, last === 0 && !state.playTimer);
    showExplanation(state.graph.steps?.[step]);
    showDetails();
    // while a new SVG is going in, it draws the step itself once it is ready
    if (state.drawing && !state.installing) {
      state.drawing.showStep(step);
      // a graph shown whole stays put; a larger one, or one the reader zoomed
      // into, follows the current op
      if (!framing?.fits || !panZoom.fitted) {
        reveal(state.drawing.currentGroup()?.id, false, panZoom.fitted);
      }
      root.setAttribute("data-step", String(step));
    }
  }

  function setDisabled(control, disabled) {
    // aria-disabled, not disabled: a disabled button drops focus, and the
    // arrow keys would stop reaching the widget
    control.setAttribute("aria-disabled", String(disabled));
  }

  function showExplanation(stepInfo) {
    explainTitle.textContent = stepInfo?.title ?? "No backward pass recorded";
    explainLines.replaceChildren(...(stepInfo?.lines ?? []).map((line) => h("div", { text: String(line) })));
  }

  // Pans so that node `id` is in view (centred if it was not). Node boxes come
  // from the SVG's attributes and the viewport size is measured once per
  // layout, so neither a step nor a new SVG forces the browser to lay out the
  // page; under jsdom, which measures nothing, it does nothing.
  // `framing`: the widget's own move, redone when the view resizes.
  function reveal(id, always = false, framing = false) {
    const box = geometry ? state.drawing?.box(id) : null;
    if (!box) return;
    const [left, top] = panZoom.toViewport(box.left, box.top);
    const [right, bottom] = panZoom.toViewport(box.left + box.width, box.top + box.height);
    const { width, height } = geometry;
    const inside = left >= REVEAL_MARGIN_PX && right <= width - REVEAL_MARGIN_PX &&
      top >= REVEAL_MARGIN_PX && bottom <= height - REVEAL_MARGIN_PX;
    if (inside && !always) return;
    panZoom.panBy(width / 2 - (left + right) / 2, height / 2 - (top + bottom) / 2, framing);
    if (framing) panZoom.keepContentInView();
  }

  // The viewport's size (null while it is hidden). Read before a new SVG is
  // put in the page, it costs a layout of the controls only.
  function measureGeometry() {
    const width = viewport.clientWidth;
    if (!state.drawing || !width) return null;
    return { width, height: viewport.clientHeight };
  }

  // Sizes the view for the drawing and frames it (see sizing.js): the whole
  // graph when its text is readable that way, else a readable scale around
  // the scope just toggled, the current op or the target.
  let framing = null; // the last frame(): { scale, height, fits }
  function frameView() {
    const drawing = state.drawing;
    const width = viewport.clientWidth;
    if (!drawing?.width || !drawing?.height || !width) {
      panZoom.fit(); // hidden, or nothing measures (jsdom): framed once it shows
      return;
    }
    const enlarge = state.presenting ? PRESENTING_ENLARGE : 1;
    const room = state.presenting
      ? { width, height: viewport.clientHeight }
      : { width, maxHeight: maxInlineHeight(window.innerHeight) };
    framing = frame({ drawing, textPx: drawing.textPx, room, textScale: state.textScale, enlarge });
    if (!state.presenting) viewport.style.height = `${framing.height}px`;
    panZoom.fit(framing.scale);
    geometry = measureGeometry();
    const focus = [state.keepInView, drawing.currentGroup()?.id, state.graph.target]
      .find((id) => id != null && drawing.box(id));
    if (!framing.fits && focus != null) reveal(focus, true, true);
  }

  // Fit: the whole graph, however small, enlarged no further than the
  // readable cap (a reader who wants more zooms in).
  function fitWhole() {
    const drawing = state.drawing;
    const enlarge = state.presenting ? PRESENTING_ENLARGE : 1;
    const cap = drawing?.textPx ? (MAX_TEXT_PX * state.textScale * enlarge) / drawing.textPx : 1;
    panZoom.fit(null, cap);
  }

  // ---- play -----------------------------------------------------------------
  function play() {
    if (state.playTimer) return;
    if (state.step >= lastStep()) goTo(0, true);
    state.playTimer = window.setInterval(() => {
      goTo(state.step + 1, true);
      if (state.step >= lastStep()) pause();
    }, state.speed.interval);
    setPlayButton(true);
  }

  function pause() {
    if (!state.playTimer) return;
    window.clearInterval(state.playTimer);
    state.playTimer = null;
    setPlayButton(false);
  }

  function setPlayButton(playing) {
    const label = playing ? "Pause" : "Play";
    playButton.setAttribute("aria-label", label);
    playButton.title = label;
    playButton.replaceChildren(icon(playing ? "pause" : "play", document));
  }

  // a step the reader chose: stop playing and go there
  const stepByHand = (step) => {
    pause();
    goTo(step, true);
  };

  // ---- details --------------------------------------------------------------
  function select(id) {
    state.selectedId = id;
    state.drawing?.select(id);
    showDetails();
    callbacks.onSelect?.(id); // the widget may fetch the full value from the kernel
  }

  function showDetails() {
    const item = state.selectedId == null ? null : state.drawing?.item(state.selectedId);
    if (!item) {
      details.replaceChildren(
        h("div", { class: "vg-panel-title", text: "Details" }),
        h("div", { class: "vg-hint", text: "Click a node or an edge for its full value and gradient. " +
          "Drag to pan; scroll to zoom once you have clicked the graph (Ctrl+scroll any time)." }));
      return;
    }
    const close = button("close", "Close details", "vg-close");
    close.addEventListener("click", () => select(null));
    details.replaceChildren(close, ...describe(item));
  }

  function describe({ kind, data }) {
    const graph = state.graph;
    const rows = [];
    // A many-line value is a summary line, which wraps to the panel's width so
    // it is never cut off, then the array, whose columns must stay aligned.
    const row = (term, value, className = "") => {
      const lines = String(value).split("\n");
      const content = lines.length > 1
        ? [h("div", { class: `vg-detail-head ${className}`, text: lines[0] }),
          h("pre", { class: className, text: lines.slice(1).join("\n") })]
        : [h("span", { class: className, text: lines[0] })];
      rows.push(h("dt", { text: term }), h("dd", {}, ...content));
    };
    let title;
    if (kind === "edge") {
      const nodes = new Map((graph.nodes ?? []).map((node) => [node.id, node]));
      const source = nodes.get(data.source)?.label ?? data.source;
      const target = nodes.get(data.target)?.label ?? data.target;
      title = `${source} → ${target}`;
      if (data.input_index != null) row("input", `${Number(data.input_index) + 1} of ${target}`);
      row("value", data.detail?.value ?? data.value ?? "", "vg-value-text");
      row("gradient", gradientText(data, data.detail?.grad ?? data.grad), "vg-grad-text");
    } else {
      title = data.label;
      row("kind", data.op ? `${data.kind} (${data.op})` : data.kind);
      row("shape", formatShape(data.shape));
      row("dtype", data.dtype ?? "");
      row("value", data.detail?.value ?? data.value ?? "", "vg-value-text");
      row("gradient", gradientText(data, data.detail?.grad ?? data.grad), "vg-grad-text");
      // the notes are written in Python (vizgrad/drawing/narrate.py), never here
      for (const note of data.notes ?? []) row("note", note.text);
    }
    return [h("div", { class: "vg-panel-title", text: title }), h("dl", {}, ...rows)];
  }

  function gradientText(data, fullText) {
    if (data.grad_step == null || fullText == null) return "none";
    if (state.step < data.grad_step) return `no gradient yet (arrives at step ${data.grad_step})`;
    return fullText;
  }

  // ---- scopes ---------------------------------------------------------------
  function toggleScope(scope) {
    // the next drawing is framed around this scope, not the current op
    state.keepInView = scope.id;
    state.collapsed = toggledScopes(state.graph.scopes ?? [], state.collapsed, scope);
    callbacks.onCollapse?.([...state.collapsed]);
  }

  // ---- layout ---------------------------------------------------------------
  function relayout() {
    const request = ++state.layoutRequest;
    state.layoutPending = false;
    if (!state.dot) {
      installSvg(null);
      return;
    }
    state.layoutPending = true;
    root.setAttribute("aria-busy", "true");
    const nodeCount = state.graph.nodes?.length ?? 0;
    if (!state.drawing) status.textContent = `Laying out ${nodeCount.toLocaleString("en")} nodes…`;
    layoutEngine.layout(state.dot).then(
      (svgText) => {
        if (state.destroyed || request !== state.layoutRequest) return;
        state.layoutPending = false;
        installSvg(svgText);
      },
      (error) => {
        if (state.destroyed || request !== state.layoutRequest) return;
        state.layoutPending = false;
        if (!state.installing) root.setAttribute("aria-busy", "false");
        status.classList.add("vg-error");
        status.textContent = `Could not lay out the graph: ${error?.message ?? error}`;
      });
  }

  // Parses, indexes and frames `svgText` in slices; the newest call wins, and
  // the drawing on show stays (and keeps stepping) until the new one is ready.
  async function installSvg(svgText) {
    const request = ++state.installRequest;
    const graph = state.graph;
    const current = () => !state.destroyed && request === state.installRequest;
    let sliceStart = performance.now();
    const pause = () => {
      if (performance.now() - sliceStart < SLICE_MS) return undefined;
      return yieldToPage(window).then(() => {
        if (!current()) throw CANCELLED;
        sliceStart = performance.now();
      });
    };
    let drawing = null;
    let failure = null;
    // the newest text, for a new graph to index while this one is going in
    state.svgText = svgText;
    if (svgText) {
      state.installing = true;
      root.setAttribute("aria-busy", "true");
      try {
        const svg = await parseSvg(svgText, document, pause);
        drawing = await createDrawing(svg, graph, pause);
        await pause();
      } catch (error) {
        if (error === CANCELLED || !current()) return;
        failure = error;
      }
    }
    if (!current()) return;
    if (drawing) panZoom.setContentSize(drawing.width, drawing.height);
    state.drawing = drawing;
    geometry = null;
    status.classList.remove("vg-error");
    status.textContent = svgText ? "" : "Nothing to draw.";
    if (failure) {
      status.classList.add("vg-error");
      status.textContent = `Could not show the graph: ${failure?.message ?? failure}`;
    }
    if (state.selectedId != null && !drawing?.hasItem(state.selectedId)) state.selectedId = null;
    if (drawing) {
      drawing.select(state.selectedId);
      drawing.showStep(state.step);
      // size and frame the view before the SVG is in the page, so that
      // reading the viewport's size lays out the controls, not the graph
      frameView();
      state.keepInView = null;
    }
    if (drawing && !(await attachByFrames(drawing.svg, current))) return;
    canvas.replaceChildren(...(drawing ? [drawing.svg] : []));
    state.installing = false;
    root.setAttribute("aria-busy", String(state.layoutPending));
    if (drawing) root.setAttribute("data-rendered", "true");
    showStep();
  }

  // The browser styles, lays out and paints a new SVG in the frame after it
  // goes in: for a large one, put its groups in a frame's worth at a time
  // (the first few frames show it partly drawn). -> false if superseded.
  async function attachByFrames(svg, current) {
    const graphGroup = [...svg.children].find((child) => child.localName === "g");
    const groups = graphGroup ? [...graphGroup.children].filter((child) => child.localName === "g") : [];
    if (groups.length <= GROUPS_PER_FRAME || document.visibilityState === "hidden" ||
        typeof window.requestAnimationFrame !== "function") {
      return true;
    }
    for (const group of groups) group.remove();
    canvas.replaceChildren(svg);
    for (let start = 0; start < groups.length; start += GROUPS_PER_FRAME) {
      graphGroup.append(...groups.slice(start, start + GROUPS_PER_FRAME));
      await new Promise((resolve) => {
        window.requestAnimationFrame(() => window.setTimeout(resolve, 0));
        window.setTimeout(resolve, 250); // a tab that went to the background paints nothing
      });
      if (!current()) return false;
    }
    return true;
  }

  // ---- presentation mode ----------------------------------------------------
  // The Fullscreen API on the root; where a page refuses it (an iframe without
  // allowfullscreen, a webview), the root covers the window instead.
  const fullscreenElement = () => document.fullscreenElement ?? document.webkitFullscreenElement ?? null;

  function togglePresenting() {
    if (state.presenting) {
      if (fullscreenElement() === root) document.exitFullscreen?.();
      else setPresenting(false);
      return;
    }
    const request = root.requestFullscreen ?? root.webkitRequestFullscreen;
    if (!request || document.fullscreenEnabled === false) {
      setPresenting(true);
      return;
    }
    Promise.resolve()
      .then(() => request.call(root))
      .catch(() => setPresenting(true));
  }

  function setPresenting(presenting) {
    if (presenting === state.presenting) return;
    state.presenting = presenting;
    root.classList.toggle("vg-presenting", presenting);
    root.toggleAttribute("data-presenting", presenting);
    const label = presenting ? "Leave full screen" : "Full screen";
    fullscreenButton.setAttribute("aria-label", label);
    fullscreenButton.title = `${label} (F)`;
    fullscreenButton.replaceChildren(icon(presenting ? "exitFullscreen" : "fullscreen", document));
    if (presenting) viewport.style.height = "";
    root.focus({ preventScroll: true });
    frameView();
  }

  const onFullscreenChange = () => setPresenting(fullscreenElement() === root);
  document.addEventListener("fullscreenchange", onFullscreenChange);
  document.addEventListener("webkitfullscreenchange", onFullscreenChange);

  // ---- download -------------------------------------------------------------
  function downloadName() {
    const target = String(state.graph.target_name ?? "graph").replace(/[^\w.-]+/g, "_") || "graph";
    return `${target}_step${state.step}.svg`;
  }

  function download() {
    if (!state.drawing) return;
    const text = state.drawing.exportSvg();
    if (callbacks.saveFile) {
      callbacks.saveFile(downloadName(), text);
      return;
    }
    const url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
    const link = h("a", { href: url, download: downloadName() });
    link.style.display = "none";
    root.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 0);
  }

  // ---- events ---------------------------------------------------------------
  const onClick = (control, action) => control.addEventListener("click", () => {
    if (control.getAttribute("aria-disabled") !== "true") action();
  });
  onClick(firstButton, () => stepByHand(0));
  onClick(previousButton, () => stepByHand(state.step - 1));
  onClick(nextButton, () => stepByHand(state.step + 1));
  onClick(lastButton, () => stepByHand(lastStep()));
  onClick(playButton, () => (state.playTimer ? pause() : play()));
  onClick(zoomInButton, () => panZoom.zoomIn());
  onClick(zoomOutButton, () => panZoom.zoomOut());
  onClick(fitButton, fitWhole);
  onClick(fullscreenButton, togglePresenting);
  onClick(downloadButton, download);
  slider.addEventListener("input", () => stepByHand(slider.value));
  speedSelect.addEventListener("change", () => {
    state.speed = SPEEDS[Number(speedSelect.value)] ?? SPEEDS[DEFAULT_SPEED];
    if (state.playTimer) {
      pause();
      play();
    }
  });

  // Keys are caught on the window, in the capture phase, before anything else
  // on the page sees them: the notebook's shortcuts (arrows move between cells,
  // Enter edits one) are read by a keydown listener on the document, in the
  // capture phase in Notebook 7 (so it sees a key before the widget does) and
  // in the bubbling phase in JupyterLab. Only keys aimed at this widget (it or
  // something in it has focus) are taken, and only the widget's own keys.
  const onKeyDown = (event) => {
    // composedPath: the widget may sit in a shadow root, whose host is the target seen here
    if (event.defaultPrevented || !event.composedPath().includes(root)) return;
    const action = keyAction(event);
    if (action == null) {
      if (event.key === "Escape" && state.presenting && fullscreenElement() !== root) {
        event.stopPropagation();
        setPresenting(false);
      }
      return;
    }
    // keep the notebook from treating the key as a shortcut of its own
    event.stopPropagation();
    // the slider and the speed list have their own arrow keys, a button its Space and Enter
    if (keyIsTheControls(event.key, event.composedPath()[0]?.tagName)) return;
    event.preventDefault();
    if (action === "fullscreen") togglePresenting();
    else if (action === "next") stepByHand(state.step + 1);
    else if (action === "previous") stepByHand(state.step - 1);
    else if (action === "first") stepByHand(0);
    else if (action === "last") stepByHand(lastStep());
  };
  window.addEventListener("keydown", onKeyDown, true);

  viewport.addEventListener("click", (event) => {
    if (panZoom.takeDragEnd()) return;
    root.focus({ preventScroll: true });
    const item = state.drawing?.itemAt(event.target);
    if (item?.kind === "scope") toggleScope(item.data);
    else select(item ? item.group.id : null);
  });

  // The view follows its container: a wider cell, a side panel closed, full
  // screen. The height it sets itself does not count as a resize inline.
  let resizeObserver = null;
  let observed = { width: 0, height: 0 };
  if (typeof window.ResizeObserver === "function") {
    resizeObserver = new window.ResizeObserver(() => {
      const width = viewport.clientWidth;
      const height = viewport.clientHeight;
      if (!state.drawing || !width) return;
      const resized = width !== observed.width || (state.presenting && height !== observed.height);
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

  showStep();

  return {
    root,
    update({ graph, dot, step, collapsed, scale } = {}) {
      if (state.destroyed) return;
      const textScale = Number(scale);
      if (scale !== undefined && textScale > 0 && textScale !== state.textScale) {
        state.textScale = textScale;
        root.style.setProperty("--vg-scale", String(textScale));
        if (panZoom.fitted) frameView();
      }
      if (collapsed !== undefined) state.collapsed = [...(collapsed ?? [])];
      const graphChanged = graph !== undefined && graph !== state.graph;
      if (graphChanged) {
        state.graph = graph ?? { nodes: [], edges: [], steps: [], scopes: [], colors: {} };
        root.setAttribute("aria-label", `Backpropagation through the graph of ${state.graph.target_name ?? "the target"}`);
        for (const [name, value] of Object.entries(colorVariables(state.graph.colors))) {
          root.style.setProperty(name, value);
        }
        state.step = clampStep(state.step);
        // same SVG, new data to index it with
        if (state.svgText && (dot === undefined || dot === state.dot)) installSvg(state.svgText);
      }
      if (dot !== undefined && dot !== state.dot) {
        state.dot = dot;
        relayout();
      }
      // the model echoing the step the reader just drew is not drawn again
      if (step !== undefined || graphChanged) goTo(step ?? state.step, false, graphChanged);
    },
    get step() { return state.step; },
    get presenting() { return state.presenting; },
    togglePresenting,
    play,
    pause,
    select,
    exportSvg: () => state.drawing?.exportSvg() ?? null,
    downloadName,
    destroy() {
      state.destroyed = true;
      pause();
      resizeObserver?.disconnect();
      window.removeEventListener("keydown", onKeyDown, true);
      document.removeEventListener("fullscreenchange", onFullscreenChange);
      document.removeEventListener("webkitfullscreenchange", onFullscreenChange);
      if (fullscreenElement() === root) document.exitFullscreen?.();
      panZoom.destroy();
      root.remove();
    },
  };
}

// numpy's spelling: () for a scalar, (3,) for a vector
function formatShape(shape) {
  if (!Array.isArray(shape)) return String(shape ?? "");
  if (shape.length === 0) return "() scalar";
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(", ")})`;
}
