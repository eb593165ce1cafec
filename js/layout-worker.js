// The code that lays out DOT with Graphviz (WebAssembly). It is bundled on its
// own as text (see worker-source.mjs) so that layout.js can start it as a Web
// Worker from a Blob URL, or, where no Worker exists, run the very same text in
// the page. `serve(port)` answers {id, dot} messages with {id, svg} or {id, error};
// the svg is already cleaned and cut into pieces (see svg-text.js).
import { Graphviz } from "@hpcc-js/wasm-graphviz";
import { prepareSvg } from "./svg-text.js";

let graphvizLoading = null;

export function serve(port) {
  port.onmessage = async (event) => {
    const { id, dot } = event.data;
    try {
      // loading compiles the wasm once; later layouts reuse it
      graphvizLoading ??= Graphviz.load();
      const graphviz = await graphvizLoading;
      const svg = graphviz.layout(dot, "svg", "dot");
      let prepared = svg;
      try {
        prepared = prepareSvg(svg);
      } catch {
        // unexpected markup: send it as it is, and the page parses and cleans it whole
      }
      port.postMessage({ id, svg: prepared });
    } catch (error) {
      port.postMessage({ id, error: String(error?.message ?? error) });
    }
  };
}
