// Bundles layout-worker.js (with Graphviz and its inlined wasm) into one
// script and hands it to the widget under the import name
// "vizgrad:layout-worker-source": as a function that runs it in the page, and
// as the text a Worker runs. Used by the esbuild build (build.mjs) and by
// vitest (vitest.config.mjs), so the tests run the same worker text that ships.
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";

export const LAYOUT_WORKER_SOURCE = "vizgrad:layout-worker-source";
// the global the script defines; layout.js calls `<name>.serve(port)`
export const LAYOUT_WORKER_GLOBAL = "vizgradLayoutWorker";

let bundled = null;

export function bundleLayoutWorker() {
  bundled ??= esbuild
    .build({
      entryPoints: [fileURLToPath(new URL("./layout-worker.js", import.meta.url))],
      bundle: true,
      format: "iife",
      globalName: LAYOUT_WORKER_GLOBAL,
      minify: true,
      write: false,
      logLevel: "silent",
    })
    .then((result) => result.outputFiles[0].text);
  return bundled;
}

// The worker script is put in the widget as code, inside a function, not as a
// string: the page can then run it by calling that function (no eval, which a
// strict Content-Security-Policy forbids), and the Blob for the Worker is the
// function's own source text (Function.prototype.toString), so it ships once.
async function workerSourceModule() {
  const source = await bundleLayoutWorker();
  return `export const LAYOUT_WORKER_GLOBAL = ${JSON.stringify(LAYOUT_WORKER_GLOBAL)};\n` +
    `export function startLayoutWorkerScript() {\n${source}\nreturn ${LAYOUT_WORKER_GLOBAL};\n}\n` +
    "export default `(${startLayoutWorkerScript})().serve(self);\\n`;\n";
}

export function esbuildLayoutWorkerSource() {
  return {
    name: "vizgrad-layout-worker-source",
    setup(build) {
      build.onResolve({ filter: /^vizgrad:layout-worker-source$/ }, (args) => ({
        path: args.path,
        namespace: "vizgrad-layout-worker",
      }));
      build.onLoad({ filter: /.*/, namespace: "vizgrad-layout-worker" }, async () => ({
        contents: await workerSourceModule(),
        loader: "js",
      }));
    },
  };
}

export function viteLayoutWorkerSource() {
  const resolvedId = "\0" + LAYOUT_WORKER_SOURCE;
  return {
    name: "vizgrad-layout-worker-source",
    resolveId: (id) => (id === LAYOUT_WORKER_SOURCE ? resolvedId : null),
    load: (id) => (id === resolvedId ? workerSourceModule() : null),
  };
}
