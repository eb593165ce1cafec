// npm run build: bundles the front ends into the Python package.
//   widget.js                 the widget, with Graphviz (WebAssembly) to lay out in the browser
//   widget-kernel-layout.js   the widget without Graphviz, for kernels that lay out (graphviz-pure)
//   standalone.js             the exported HTML page (a classic script, no Graphviz)
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";
import { esbuildLayoutWorkerSource } from "./worker-source.mjs";

// replaces layout.js (and with it the 800 KB engine) by no-browser-layout.js
const withoutBrowserLayout = {
  name: "vizgrad-without-browser-layout",
  setup(build) {
    build.onResolve({ filter: /^\.\/layout\.js$/ }, () => ({
      path: fileURLToPath(new URL("./no-browser-layout.js", import.meta.url)),
    }));
  },
};

const common = { bundle: true, minify: true, logLevel: "info" };
await Promise.all([
  esbuild.build({
    ...common, entryPoints: ["widget.js"], outfile: "../vizgrad/static/widget.js",
    format: "esm", plugins: [esbuildLayoutWorkerSource()],
  }),
  esbuild.build({
    ...common, entryPoints: ["widget.js"], outfile: "../vizgrad/static/widget-kernel-layout.js",
    format: "esm", plugins: [withoutBrowserLayout],
  }),
  esbuild.build({
    ...common, entryPoints: ["standalone.js"], outfile: "../vizgrad/static/standalone.js",
    format: "iife", plugins: [withoutBrowserLayout],
  }),
]);
