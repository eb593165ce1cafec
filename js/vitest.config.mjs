import { defineConfig } from "vitest/config";
import { viteLayoutWorkerSource } from "./worker-source.mjs";

export default defineConfig({
  plugins: [viteLayoutWorkerSource()],
  test: {
    include: ["test/**/*.test.js"],
    // laying out with the wasm Graphviz and importing the 800 KB bundle take a moment
    testTimeout: 20_000,
  },
});
