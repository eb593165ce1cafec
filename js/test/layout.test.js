// @vitest-environment jsdom
// Where the layout runs: a Worker from a Blob URL when the page allows one,
// the page itself otherwise; and what a reader sees when Graphviz fails.
import { afterEach, describe, expect, test, vi } from "vitest";
import { createLayoutEngine, MAX_IN_PAGE_STATEMENTS } from "../layout.js";

const DOT = 'digraph { a [id="a"]; b [id="b"]; a -> b [id="e"]; }';

// A Worker stand-in whose behaviour each test scripts through `onPost`.
function installFakeWorker(onPost) {
  const workers = [];
  class FakeWorker {
    constructor(url) {
      this.url = url;
      this.posted = [];
      workers.push(this);
    }
    postMessage(data) {
      this.posted.push(data);
      setTimeout(() => onPost(this, data), 0);
    }
    terminate() {
      this.terminated = true;
    }
  }
  const blobs = [];
  vi.stubGlobal("Worker", FakeWorker);
  URL.createObjectURL = vi.fn((blob) => {
    blobs.push(blob);
    return `blob:layout-${blobs.length}`;
  });
  URL.revokeObjectURL = vi.fn();
  return { workers, blobs };
}

describe("layout engine", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    delete URL.createObjectURL;
    delete URL.revokeObjectURL;
  });

  test("runs the bundled worker script from a Blob URL", async () => {
    const { workers, blobs } = installFakeWorker((worker, { id }) =>
      worker.onmessage({ data: { id, svg: "<svg>from the worker</svg>" } }));
    const engine = createLayoutEngine();
    expect(await engine.layout(DOT)).toBe("<svg>from the worker</svg>");
    expect(workers).toHaveLength(1);
    expect(workers[0].url).toBe("blob:layout-1");
    expect(workers[0].posted[0].dot).toBe(DOT);
    const script = await blobs[0].text();
    expect(script).toMatch(/\)\(\)\.serve\(self\);\s*$/);
    expect(script).toContain("Graphviz");
    expect(blobs[0].type).toBe("text/javascript");
    expect(URL.revokeObjectURL).toHaveBeenCalledWith("blob:layout-1");
  });

  test("lays out in the page when the worker cannot start", async () => {
    installFakeWorker((worker) => worker.onerror({ message: "blocked by Content-Security-Policy" }));
    const engine = createLayoutEngine();
    const svg = await engine.layout(DOT);
    expect(svg).toContain("<svg");
    expect(svg).toContain('id="a"');
  });

  test("a worker that dies after working fails what was in flight instead of freezing the page", async () => {
    let answered = 0;
    const { workers } = installFakeWorker((worker, { id }) => {
      if (answered++ === 0) worker.onmessage({ data: { id, svg: "<svg/>" } });
      else worker.onerror({ message: "out of memory" });
    });
    const engine = createLayoutEngine();
    await engine.layout(DOT);
    await expect(engine.layout(DOT)).rejects.toThrow(/out of memory/);
    expect(workers[0].terminated).toBe(true);
    expect(workers).toHaveLength(2); // a fresh worker for the next layout
  });

  test("without a Worker at all it lays out in the page", async () => {
    expect(typeof Worker).toBe("undefined"); // jsdom
    const svg = await createLayoutEngine().layout(DOT);
    expect(svg).toContain('<g id="e" class="edge">');
  });

  test("the in-page script runs as code, not through eval", async () => {
    // a page under a Content-Security-Policy without 'unsafe-eval'
    vi.stubGlobal("Function", () => { throw new EvalError("Refused to evaluate a string as JavaScript"); });
    vi.stubGlobal("eval", () => { throw new EvalError("Refused to evaluate a string as JavaScript"); });
    installFakeWorker((worker) => worker.onerror({ message: "blocked by Content-Security-Policy" }));
    const svg = await createLayoutEngine().layout(DOT);
    expect(svg).toContain('id="a"');
  });

  test("when the page cannot lay out either, the layout fails with the reason, never hangs", async () => {
    installFakeWorker((worker) => worker.onerror({ message: "blocked by Content-Security-Policy" }));
    const engine = createLayoutEngine({ inPage: () => { throw new EvalError("eval is refused"); } });
    await expect(engine.layout(DOT)).rejects.toThrow(/could not start in this page \(eval is refused\)/);
    await expect(engine.layout(DOT)).rejects.toThrow(/eval is refused/);
  });

  test("in the page, a graph too large to lay out without freezing the tab is refused with the fix", async () => {
    installFakeWorker((worker) => worker.onerror({ message: "blocked by Content-Security-Policy" }));
    const nodes = Array.from({ length: MAX_IN_PAGE_STATEMENTS + 1 }, (_, i) => `n${i} [id="n${i}"];`);
    const engine = createLayoutEngine();
    await expect(engine.layout(`digraph {\n${nodes.join("\n")}\n}`))
      .rejects.toThrow(/allows no Web Worker.*freeze it; fix: collapse scopes/);
    expect(await engine.layout(DOT)).toContain('id="a"'); // a small one still lays out
  });

  test("DOT that Graphviz rejects comes back as an error", async () => {
    await expect(createLayoutEngine().layout("digraph { a -> }")).rejects.toThrow();
  });
});
