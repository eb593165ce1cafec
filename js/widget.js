// The anywidget entry point: connects the model's traits to the view.
//   graph, dot, collapsed, scale: Python -> view;  step: both ways;  collapsed: view -> Python
import { createView } from "./view.js";

const TRAITS = ["graph", "dot", "step", "collapsed", "scale"];

function render({ model, el }) {
  const view = createView(el, {
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
  return () => {
    for (const name of TRAITS) model.off(`change:${name}`, sync);
    view.destroy();
  };
}

export default { render };
