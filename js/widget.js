// The anywidget entry point: connects the model's traits to the view.
//   graph, dot, svg, collapsed, scale: Python -> view;  step: both ways;  collapsed: view -> Python
//
// When the kernel can run Graphviz it sends `svg`, the layout of `dot`, and the
// page lays nothing out: that is the small bundle (widget-kernel-layout.js,
// built without the WebAssembly engine). Where the kernel cannot (Pyodide in
// JupyterLite) `svg` is empty and the full bundle lays `dot` out in the browser.
import { createView } from "./view.js";
import { sharedLayoutEngine } from "./layout.js";
import { prepareSvg } from "./svg-text.js";
import { hideSavedPicture } from "./saved-picture.js";

const TRAITS = ["graph", "dot", "step", "collapsed", "scale"];

// A layout engine that answers with the kernel's layout of the DOT it is asked for.
export function kernelLayoutEngine(model, browserEngine = sharedLayoutEngine) {
  return {
    layout(dot) {
      const svg = model.get("svg");
      if (svg && model.get("dot") === dot) {
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

function render({ model, el }) {
  const view = createView(el, {
    layoutEngine: kernelLayoutEngine(model),
    onStep(step) {
      model.set("step", step);
      model.save_changes();
    },
    onCollapse(scopeNames) {
      model.set("collapsed", scopeNames);
      model.save_changes();
    },
  });
  // every change hands the view all the traits; it redraws only what differs
  const sync = () => view.update(Object.fromEntries(TRAITS.map((name) => [name, model.get(name)])));
  for (const name of TRAITS) model.on(`change:${name}`, sync);
  sync();
  // the picture saved beside the widget (for readers without JavaScript) is not shown twice
  const showPicture = hideSavedPicture(el);
  return () => {
    for (const name of TRAITS) model.off(`change:${name}`, sync);
    showPicture();
    view.destroy();
  };
}

export default { render };
