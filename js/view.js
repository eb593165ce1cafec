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
// The view is wired from rooms, each its own module, as the data flows:
//   stepping.js     which step is on show, its controls and playback
//   framing.js      the view's size, the drawing's scale, what is in view
//   explanation.js  what the step does, in words
//   details.js      the clicked node's or edge's full value
//   presenting.js   full screen
//   quiz.js         predict, then reveal: each step's result asked before it is shown
//   mode-toggle.js  reverse or forward mode (the kernel sends the other mode's steps)
// A room that shows something per step goes in `stepRooms` (it gets
// show({ graph, step, stepInfo, drawing })); its element goes in the panels or
// the toolbar below.
import { elementMaker, onClick } from "./dom.js";
import { createDetails } from "./details.js";
import { createDrawing, parseSvg } from "./drawing.js";
import { createExplanation } from "./explanation.js";
import { createFraming } from "./framing.js";
import { keyAction, keyIsTheControls } from "./keys.js";
import { toggledScopes } from "./scopes.js";
import { sharedLayoutEngine } from "./layout.js";
import { createModeToggle } from "./mode-toggle.js";
import { createPresenting } from "./presenting.js";
import { createQuiz } from "./quiz.js";
import { svgTextSize, turnedDot } from "./sizing.js";
import { createStepping } from "./stepping.js";
import { colorVariables, injectStyles } from "./styles.js";

export { SPEEDS } from "./stepping.js";

// Putting a new SVG in runs in slices this long, then lets the page breathe.
const SLICE_MS = 12;
// Nodes, edges and boxes put in the page per frame when a large SVG goes in.
const GROUPS_PER_FRAME = 400;
// Graphs up to this many nodes are laid out both left to right and top to
// bottom, and the one shown larger is kept; a bigger one is not shown whole anyway.
const ORIENT_UP_TO_NODES = 150;

const CANCELLED = Symbol("cancelled");
const EMPTY_GRAPH = { nodes: [], edges: [], steps: [], scopes: [], colors: {} };

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
  const { h, button } = elementMaker(document);
  injectStyles(el);

  const state = {
    graph: EMPTY_GRAPH,
    dot: null,
    collapsed: [],
    svgText: null,
    layouts: [], // the DOT laid out left to right, and (small graphs) top to bottom
    drawing: null,
    layoutRequest: 0,
    installRequest: 0,
    layoutPending: false, // a layout is running in the worker
    installing: false, // a new SVG is being parsed and indexed
    selectedId: null,
    textScale: 1, // the `scale` trait: text size multiplier
    keepInView: null, // a scope just expanded or collapsed: frame the next drawing around it
    destroyed: false,
  };

  // ---- rooms and DOM ---------------------------------------------------------
  const root = h("div", { class: "vizgrad-widget", tabindex: "0", role: "group" });
  const stepping = createStepping(document, {
    onStep(step, fromUser) {
      showStep();
      if (fromUser) callbacks.onStep?.(step);
    },
  });
  const explanation = createExplanation(document, { onOpen: (id) => select(id) });
  const details = createDetails(document, { onClose: () => select(null) });
  const quiz = createQuiz(document, { onChange: () => showStep(), onToggle: (on) => callbacks.onQuiz?.(on) });
  // rooms redrawn with every step, in the order their panels appear
  const detailsRoom = { element: details.element, show: ({ graph, step, drawing }) => details.show({
    item: state.selectedId == null ? null : drawing?.item(state.selectedId), graph, step }) };
  // the panels under the drawing; a new panel (a quiz, a mode switch) is one more entry
  const stepRooms = [
    { element: explanation.element,
      show: ({ step, stepInfo, currentScope }) => explanation.show(quiz.masked(stepInfo, step), currentScope) },
    { element: quiz.element, show: (context) => quiz.show(context) },
  ];

  const modeToggle = createModeToggle(document, { onMode: (mode) => callbacks.onMode?.(mode) });
  const zoomOutButton = button("zoomOut", "Zoom out");
  const zoomInButton = button("zoomIn", "Zoom in");
  const fitButton = button("fit", "Fit");
  const fullscreenButton = button("fullscreen", "Full screen");
  const downloadButton = button("download", "Download SVG");
  const toolbar = h("div", { class: "vg-toolbar" }, ...stepping.controls, modeToggle.element,
    h("div", { class: "vg-group vg-view-tools" }, zoomOutButton, zoomInButton, fitButton,
      downloadButton, fullscreenButton, quiz.toggle));

  const canvas = h("div", { class: "vg-canvas" });
  const status = h("div", { class: "vg-status", role: "status" });
  const viewport = h("div", { class: "vg-viewport" }, canvas, status);
  // the drawing, with the clicked item's details over its corner
  const stage = h("div", { class: "vg-stage" }, viewport, details.element);
  const panels = h("div", { class: "vg-panels" }, ...stepRooms.map((room) => room.element));

  root.append(toolbar, stage, panels);
  el.append(root);

  const presenting = createPresenting(root, fullscreenButton, {
    onChange(on) {
      if (on) framing.clearHeight();
      explanation.reserve();
      framing.frame();
      reorient();
    },
  });
  const framing = createFraming(viewport, canvas, () => ({
    drawing: state.drawing,
    presenting: presenting.on,
    textScale: state.textScale,
    focus: [state.keepInView, state.drawing?.currentGroup()?.id, state.graph.target],
  }));

  // ---- steps ----------------------------------------------------------------
  const roomContext = () => {
    const stepInfo = state.graph.steps?.[stepping.step];
    const currentId = state.drawing && !state.installing ? state.drawing.currentGroup()?.id : null;
    const scope = currentId != null && currentId !== stepInfo?.node
      ? (state.graph.scopes ?? []).find((s) => s.id === currentId) : null;
    return { graph: state.graph, step: stepping.step, stepInfo, drawing: state.drawing,
      currentScope: scope?.name ?? null };
  };

  // Everything that depends on the step; cheap, so it runs whole every time.
  function showStep() {
    const step = stepping.step;
    // while a new SVG is going in, it draws the step itself once it is ready
    const drawn = state.drawing && !state.installing;
    if (drawn) state.drawing.showStep(step);
    const context = roomContext();
    for (const room of stepRooms) room.show(context);
    detailsRoom.show(context);
    if (drawn) {
      framing.follow(state.drawing.currentGroup()?.id);
      root.setAttribute("data-step", String(step));
    }
  }

  function select(id) {
    state.selectedId = id;
    state.drawing?.select(id);
    detailsRoom.show(roomContext());
    callbacks.onSelect?.(id); // the widget may fetch the full value from the kernel
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
      state.layouts = [];
      installSvg(null);
      return;
    }
    state.layoutPending = true;
    root.setAttribute("aria-busy", "true");
    const nodeCount = state.graph.nodes?.length ?? 0;
    if (!state.drawing) status.textContent = `Laying out ${nodeCount.toLocaleString("en")} nodes…`;
    const turned = nodeCount <= ORIENT_UP_TO_NODES ? turnedDot(state.dot) : null;
    // the second orientation is a bonus: without it the first is shown
    const second = turned ? layoutEngine.layout(turned).catch(() => null) : Promise.resolve(null);
    Promise.all([layoutEngine.layout(state.dot), second]).then(
      (texts) => {
        if (state.destroyed || request !== state.layoutRequest) return;
        state.layoutPending = false;
        state.layouts = texts;
        installSvg(texts[orientation()]);
      },
      (error) => {
        if (state.destroyed || request !== state.layoutRequest) return;
        state.layoutPending = false;
        if (!state.installing) root.setAttribute("aria-busy", "false");
        status.classList.add("vg-error");
        status.textContent = `Could not lay out the graph: ${error?.message ?? error}`;
      });
  }

  // Which layout to show: the one shown larger in the room the view has.
  function orientation() {
    if (!state.layouts[1]) return 0;
    return framing.chooseOrientation(state.layouts.map(svgTextSize)) ?? 0;
  }

  // After the room changed (full screen): the other layout, if it is now the better one.
  function reorient() {
    const text = state.layouts[orientation()];
    if (text && text !== state.svgText) installSvg(text);
  }

  // Parses, indexes and frames `svgText` in slices; the newest call wins, and
  // the drawing on show stays (and keeps stepping) until the new one is ready.
  async function installSvg(svgText) {
    const request = ++state.installRequest;
    const graph = state.graph;
    const current = () => !state.destroyed && request === state.installRequest;
    let sliceStart = performance.now();
    const breathe = () => {
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
        const svg = await parseSvg(svgText, document, breathe);
        drawing = await createDrawing(svg, graph, breathe);
        await breathe();
      } catch (error) {
        if (error === CANCELLED || !current()) return;
        failure = error;
      }
    }
    if (!current()) return;
    framing.setDrawing(drawing);
    state.drawing = drawing;
    status.classList.remove("vg-error");
    status.textContent = svgText ? "" : "Nothing to draw.";
    if (failure) {
      status.classList.add("vg-error");
      status.textContent = `Could not show the graph: ${failure?.message ?? failure}`;
    }
    if (state.selectedId != null && !drawing?.hasItem(state.selectedId)) state.selectedId = null;
    if (drawing) {
      drawing.select(state.selectedId);
      drawing.showStep(stepping.step);
      // size and frame the view before the SVG is in the page, so that
      // reading the viewport's size lays out the controls, not the graph
      framing.frame();
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

  // ---- download -------------------------------------------------------------
  function downloadName() {
    const target = String(state.graph.target_name ?? "graph").replace(/[^\w.-]+/g, "_") || "graph";
    return `${target}_step${stepping.step}.svg`;
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
  onClick(zoomInButton, framing.zoomIn);
  onClick(zoomOutButton, framing.zoomOut);
  onClick(fitButton, framing.fitWhole);
  onClick(fullscreenButton, presenting.toggle);
  onClick(downloadButton, download);

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
      if (event.key === "Escape" && presenting.leaveWindowCover()) event.stopPropagation();
      return;
    }
    // keep the notebook from treating the key as a shortcut of its own
    event.stopPropagation();
    // the slider and the speed list have their own arrow keys, a button its Space and Enter
    if (keyIsTheControls(event.key, event.composedPath()[0]?.tagName)) return;
    event.preventDefault();
    if (action === "fullscreen") presenting.toggle();
    else if (action === "next" && quiz.pending(stepping.step)) quiz.reveal(); // a clicker reveals first
    else stepping.act(action);
  };
  window.addEventListener("keydown", onKeyDown, true);

  viewport.addEventListener("click", (event) => {
    if (framing.takeDragEnd()) return;
    root.focus({ preventScroll: true });
    const item = state.drawing?.itemAt(event.target);
    if (item?.kind === "scope") toggleScope(item.data);
    else select(item ? item.group.id : null);
  });

  stepping.setGraph(state.graph);
  showStep();

  return {
    root,
    update({ graph, dot, step, collapsed, scale, quiz: quizOn, mode, modes } = {}) {
      if (state.destroyed) return;
      if (quizOn !== undefined) quiz.setEnabled(quizOn);
      if (mode !== undefined || modes !== undefined) modeToggle.show({ mode: mode ?? undefined, modes });
      const textScale = Number(scale);
      if (scale !== undefined && textScale > 0 && textScale !== state.textScale) {
        state.textScale = textScale;
        root.style.setProperty("--vg-scale", String(textScale));
        if (framing.fitted) framing.frame();
      }
      if (collapsed !== undefined) state.collapsed = [...(collapsed ?? [])];
      const graphChanged = graph !== undefined && graph !== state.graph;
      if (graphChanged) {
        state.graph = graph ?? EMPTY_GRAPH;
        root.setAttribute("aria-label", `Backpropagation through the graph of ${state.graph.target_name ?? "the target"}`);
        for (const [name, value] of Object.entries(colorVariables(state.graph.colors))) {
          root.style.setProperty(name, value);
        }
        stepping.setGraph(state.graph);
        // forward mode's orange numbers are tangents, and the legend says so
        for (const key of root.querySelectorAll(".vg-legend-grad")) {
          key.textContent = state.graph.mode === "forward" ? "tangent" : "gradient";
        }
        explanation.reserve(state.graph.steps ?? []);
        // same SVG, new data to index it with
        if (state.svgText && (dot === undefined || dot === state.dot)) installSvg(state.svgText);
      }
      if (dot !== undefined && dot !== state.dot) {
        state.dot = dot;
        relayout();
      }
      // the model echoing the step the reader just drew is not drawn again
      if (step !== undefined || graphChanged) stepping.goTo(step ?? stepping.step, false, graphChanged);
    },
    get step() { return stepping.step; },
    get presenting() { return presenting.on; },
    togglePresenting: presenting.toggle,
    play: stepping.play,
    pause: stepping.pause,
    select,
    exportSvg: () => state.drawing?.exportSvg() ?? null,
    downloadName,
    destroy() {
      state.destroyed = true;
      stepping.pause();
      framing.destroy();
      window.removeEventListener("keydown", onKeyDown, true);
      presenting.destroy();
      explanation.destroy();
      quiz.destroy();
      root.remove();
    },
  };
}
