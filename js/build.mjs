// npm run build: bundles the widget into the Python package as one ES module.
import * as esbuild from "esbuild";
import { esbuildLayoutWorkerSource } from "./worker-source.mjs";

await esbuild.build({
  entryPoints: ["widget.js"],
  outfile: "../vizgrad/static/widget.js",
  bundle: true,
  format: "esm",
  minify: true,
  plugins: [esbuildLayoutWorkerSource()],
  logLevel: "info",
});
