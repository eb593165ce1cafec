// npm run build: bundles the front ends into the Python package.
//   widget.js                 the widget, with Graphviz (WebAssembly) to lay out in the browser
//   widget-kernel-layout.js   the widget without Graphviz, for kernels that lay out (graphviz-pure)
//   widget-kernel-layout-quiz.js  the same with quiz mode (sent once a widget turns it on)
//   standalone.js             the exported HTML page (a classic script, no Graphviz)
import * as esbuild from "esbuild";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { esbuildLayoutWorkerSource } from "./worker-source.mjs";

// a plugin that bundles `replacement` wherever `./file` is imported
const swap = (file, replacement) => ({
  name: `vizgrad-${file}-as-${replacement}`,
  setup(build) {
    build.onResolve({ filter: new RegExp(`^\\./${file.replace(".", "\\.")}$`) }, () => ({
      path: fileURLToPath(new URL(`./${replacement}`, import.meta.url)),
    }));
  },
});
// replaces layout.js (and with it the 800 KB engine) by no-browser-layout.js
const withoutBrowserLayout = swap("layout.js", "no-browser-layout.js");
// the quiz is sent only to widgets that use it: a saved notebook stays light
const withoutQuiz = swap("quiz.js", "quiz-off.js");

// esbuild minifies the code but not the text inside the stylesheet's template
// literal: its line breaks and indentation would be sent with every saved widget
const compactCss = {
  name: "vizgrad-compact-css",
  setup(build) {
    build.onLoad({ filter: /[\\/]styles\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const contents = source.replace(/export const CSS = `([^`]*)`/, (_, css) =>
        "export const CSS = `" + css.replace(/\n\s*/g, " ").replace(/\s*([{};])\s*/g, "$1")
          .replace(/,\s+/g, ",").replace(/([{;])([\w-]+): /g, "$1$2:") + "`");
      return { contents, loader: "js" };
    });
  },
};

const common = { bundle: true, minify: true, logLevel: "info" };
await Promise.all([
  esbuild.build({
    ...common, entryPoints: ["widget.js"], outfile: "../vizgrad/static/widget.js",
    format: "esm", plugins: [compactCss, esbuildLayoutWorkerSource()],
  }),
  esbuild.build({
    ...common, entryPoints: ["widget.js"], outfile: "../vizgrad/static/widget-kernel-layout.js",
    format: "esm", plugins: [compactCss, withoutBrowserLayout, withoutQuiz],
  }),
  esbuild.build({
    ...common, entryPoints: ["widget.js"], outfile: "../vizgrad/static/widget-kernel-layout-quiz.js",
    format: "esm", plugins: [compactCss, withoutBrowserLayout],
  }),
  esbuild.build({
    ...common, entryPoints: ["standalone.js"], outfile: "../vizgrad/static/standalone.js",
    format: "iife", plugins: [compactCss, withoutBrowserLayout],
  }),
]);
