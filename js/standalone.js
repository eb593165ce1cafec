// The exported HTML page: the widget's view driven by a stand-in model, with
// every drawing it can show stored in the page (see vizgrad/frontends/html.py):
//   <script type="application/json" id="vizgrad-data">
//     {"steps": [...], "step": k, "collapsed": [...], "expandable": bool,
//      "drawings": {"<collapsed names, sorted, joined by \n>": {"graph": ..., "dot": ..., "svg": ...}}}
// Each drawing's graph holds what it shows; the explanations are stored once.
// No network, no kernel: a step only restyles the stored SVG.
import { createView } from "./view.js";
import { createFakeModel } from "./fake-model.js";
import { kernelLayoutEngine } from "./widget.js";

export const drawingKey = (names) => [...names].sort().join("\n");

export function mount(el, data, note) {
  const withSteps = (drawing) => ({ ...drawing, graph: { ...drawing.graph, steps: data.steps } });
  const first = withSteps(data.drawings[drawingKey(data.collapsed)]);
  const model = createFakeModel({ ...first, step: data.step, collapsed: data.collapsed });
  let shown = data.collapsed;
  let quizOn = Boolean(data.quiz); // quiz mode, as saved; the page's toggle changes it
  const view = createView(el, {
    layoutEngine: kernelLayoutEngine(model),
    onStep(step) {
      model.set("step", step);
    },
    onQuiz(on) {
      quizOn = on;
    },
    onCollapse(names) {
      const drawing = data.drawings[drawingKey(names)];
      if (!drawing) {
        // not stored: keep the drawing as it is and say why
        if (note) note.textContent = "This page keeps only the drawings it was saved with; " +
          "open the notebook to expand or collapse other groups.";
        view.update({ collapsed: shown });
        return;
      }
      shown = names;
      if (note) note.textContent = "";
      // one update with the new graph, DOT and layout together
      const next = { ...withSteps(drawing), collapsed: names };
      for (const [name, value] of Object.entries(next)) {
        model.set(name, value);
      }
      sync();
    },
  });
  const sync = () => view.update({
    graph: model.get("graph"), dot: model.get("dot"), step: model.get("step"),
    collapsed: model.get("collapsed"), quiz: quizOn,
  });
  sync();
  return { view, model };
}

const data = document.getElementById("vizgrad-data");
if (data) {
  window.vizgradPage = mount(document.getElementById("vizgrad-view"),
    JSON.parse(data.textContent), document.getElementById("vizgrad-note"));
}
