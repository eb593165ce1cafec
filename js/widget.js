// The anywidget entry point: connects the model's traits to the view.
//   graph, dot, svg, collapsed, scale, modes: Python -> view;  step, quiz, mode: both ways;
//   collapsed: view -> Python
//
// When the kernel can run Graphviz it sends `svg`, the layout of `dot`, and the
// page lays nothing out: that is the small bundle (widget-kernel-layout.js,
// built without the WebAssembly engine). Where the kernel cannot (Pyodide in
// JupyterLite) `svg` is empty and the full bundle lays `dot` out in the browser.
//
// `graph` holds only what the drawing shows: the first steps' explanations of a
// long pass, and the short text of big values. The rest is asked of the kernel
// (custom messages {type: "steps", from} and {type: "detail", id}) when a step
// or a click needs it; where no kernel answers (a saved page) it stays short.
import { createView } from "./view.js";
import { sharedLayoutEngine } from "./layout.js";
import { prepareSvg } from "./svg-text.js";
import { turnedDot } from "./sizing.js";
import { hideSavedPicture } from "./saved-picture.js";

const TRAITS = ["graph", "dot", "step", "collapsed", "scale", "quiz", "mode", "modes"];

// A layout engine that answers with the kernel's layout of the DOT it is asked
// for: `svg` for `dot`, `svg_tb` for the same DOT laid out top to bottom.
export function kernelLayoutEngine(model, browserEngine = sharedLayoutEngine) {
  const kernelSvg = (dot) => {
    if (model.get("dot") === dot) return model.get("svg");
    if (turnedDot(model.get("dot")) === dot) return model.get("svg_tb");
    return "";
  };
  return {
    layout(dot) {
      const svg = kernelSvg(dot);
      if (svg) {
        try {
          return Promise.resolve(prepareSvg(svg));
        } catch {
          return Promise.resolve(svg); // the view parses and cleans it whole
        }
      }
      return browserEngine().layout(dot);
    },
  };
}

// The model's graph with what the kernel sent since (more steps), until the
// kernel sends a new graph.
function growingGraph(model) {
  let base = null;
  let grown = null;
  return {
    get: () => (model.get("graph") === base ? grown : model.get("graph")),
    grow(change) {
      const current = model.get("graph");
      grown = change(current === base ? grown : current);
      base = current;
    },
  };
}

function send(model, message) {
  try {
    model.send?.(message);
  } catch {
    // no kernel behind this model (an exported page): the view keeps what it has
  }
}

function render({ model, el }) {
  const graph = growingGraph(model);
  const asked = new Set(); // step windows and details already asked for
  let view = null;

  const askForStep = (step) => {
    const data = graph.get();
    if (!data?.more_steps || data.steps?.[step] || asked.has(`step ${step}`)) return;
    asked.add(`step ${step}`);
    send(model, { type: "steps", from: step });
  };
  const askForDetail = (id) => {
    const data = graph.get();
    const item = [...(data?.nodes ?? []), ...(data?.edges ?? [])].find((entry) => entry.id === id);
    if (!item || item.detail?.value != null || asked.has(`detail ${id}`)) return;
    asked.add(`detail ${id}`);
    send(model, { type: "detail", id });
  };
  const answer = (message) => {
    if (message?.type === "steps") {
      graph.grow((data) => {
        const steps = [...(data.steps ?? [])];
        message.steps.forEach((entry, i) => { steps[message.start + i] = entry; });
        return { ...data, steps };
      });
      sync();
    } else if (message?.type === "detail") {
      // the item the view shows is this object: fill it in and show it again
      const data = graph.get();
      const item = [...(data?.nodes ?? []), ...(data?.edges ?? [])].find((entry) => entry.id === message.id);
      if (item) item.detail = message.detail;
      view.select(message.id);
    }
  };

  view = createView(el, {
    layoutEngine: kernelLayoutEngine(model),
    onStep(step) {
      model.set("step", step);
      model.save_changes();
      askForStep(step);
    },
    onMode(mode) {
      model.set("mode", mode);
      model.save_changes();
    },
    onCollapse(scopeNames) {
      model.set("collapsed", scopeNames);
      model.save_changes();
    },
    onQuiz(on) {
      model.set("quiz", on);
      model.save_changes();
    },
    onSelect(id) {
      if (id != null) askForDetail(id);
    },
  });
  // every change hands the view all the traits; it redraws only what differs
  const sync = () => view.update({
    ...Object.fromEntries(TRAITS.map((name) => [name, model.get(name)])), graph: graph.get(),
  });
  const onStepFromKernel = () => askForStep(model.get("step"));
  const onNewGraph = () => asked.clear();
  for (const name of TRAITS) model.on(`change:${name}`, sync);
  model.on("change:step", onStepFromKernel);
  model.on("change:graph", onNewGraph);
  model.on("msg:custom", answer);
  sync();
  askForStep(model.get("step"));
  // the picture saved beside the widget (for readers without JavaScript) is not shown twice
  const showPicture = hideSavedPicture(el);
  return () => {
    for (const name of TRAITS) model.off(`change:${name}`, sync);
    model.off("change:step", onStepFromKernel);
    model.off("change:graph", onNewGraph);
    model.off("msg:custom", answer);
    showPicture();
    view.destroy();
  };
}

export default { render };
