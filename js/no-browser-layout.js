// Stands in for layout.js in the bundles that carry no Graphviz (the widget
// whose kernel lays out, and the exported HTML page): they only show SVG laid
// out in Python, so a DOT to lay out here is a drawing the page cannot make.
export function sharedLayoutEngine() {
  return {
    layout() {
      return Promise.reject(new Error(
        "this drawing was not laid out in Python and this page has no Graphviz of its own"));
    },
    dispose() {},
  };
}

export const createLayoutEngine = sharedLayoutEngine;
