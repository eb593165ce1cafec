// Lays out DOT into SVG text off the main thread, so a large graph never
// freezes the notebook. One engine (one Worker, one compiled Graphviz) serves
// every widget on the page. Where the page allows no Worker (a strict
// Content-Security-Policy, as in VS Code's webviews), the same script runs in
// the page, started without eval; if even that fails, every layout asked for
// fails with the reason, so the widget shows it instead of waiting forever.
import workerSource, { startLayoutWorkerScript } from "vizgrad:layout-worker-source";

let sharedEngine = null;

export function sharedLayoutEngine() {
  sharedEngine ??= createLayoutEngine();
  return sharedEngine;
}

// -> { layout(dot): Promise<svgText>, dispose() }
// `inPage`: how the page runs the script itself (the tests replace it).
export function createLayoutEngine({ inPage = startInPage } = {}) {
  let nextId = 1;
  const pending = new Map(); // request id -> { dot, resolve, reject }
  let workerAnswered = false;
  let port = startWorker(receive, workerFailed) ?? startInPageOrFail();

  // The in-page engine, or a port that fails every request with the reason.
  function startInPageOrFail() {
    try {
      return inPage(receive);
    } catch (error) {
      const reason = `Graphviz could not start in this page (${error?.message ?? error}); ` +
        "it allows no Web Worker either";
      for (const { reject } of pending.values()) reject(new Error(reason));
      pending.clear();
      return {
        postMessage: ({ id }) => setTimeout(() => receive({ data: { id, error: reason } }), 0),
        terminate() {},
      };
    }
  }

  function receive({ data }) {
    workerAnswered = true;
    const request = pending.get(data.id);
    if (!request) return;
    pending.delete(data.id);
    if (data.error !== undefined) request.reject(new Error(data.error));
    else request.resolve(data.svg);
  }

  function workerFailed(event) {
    event?.preventDefault?.();
    port.terminate();
    if (!workerAnswered) {
      // The worker never started (e.g. a Content-Security-Policy without blob:
      // workers): lay out in the page instead, and resend what was asked.
      port = startInPageOrFail();
      for (const [id, { dot }] of pending) port.postMessage({ id, dot });
      return;
    }
    // It worked before and then died (out of memory on a huge graph, say):
    // fail what was in flight rather than retry it in the page and freeze the tab.
    for (const { reject } of pending.values()) {
      reject(new Error(`Graphviz stopped: ${event?.message || "the layout worker crashed"}`));
    }
    pending.clear();
    port = startWorker(receive, workerFailed) ?? startInPageOrFail();
  }

  return {
    layout(dot) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { dot, resolve, reject });
        port.postMessage({ id, dot });
      });
    },
    dispose() {
      port.terminate();
      pending.clear();
    },
  };
}

function startWorker(receive, failed) {
  if (typeof Worker === "undefined" || typeof Blob === "undefined" ||
      typeof URL === "undefined" || typeof URL.createObjectURL !== "function") {
    return null;
  }
  let url = null;
  try {
    const script = new Blob([workerSource], { type: "text/javascript" });
    url = URL.createObjectURL(script);
    const worker = new Worker(url);
    const release = () => { if (url) URL.revokeObjectURL(url); url = null; };
    worker.onmessage = (event) => { release(); receive(event); };
    worker.onerror = (event) => { release(); failed(event); };
    return worker;
  } catch {
    if (url) URL.revokeObjectURL(url);
    return null;
  }
}

// In the page, one layout is one call into Graphviz, which cannot be cut into
// slices: past this many DOT statements (nodes and edges; about 1,500 nodes,
// a second or more of a frozen tab) it is refused with the way out instead.
export const MAX_IN_PAGE_STATEMENTS = 3000;

// The same worker script, run in this page and spoken to through the same
// message shape. Messages go through setTimeout so the page can paint
// "Laying out…" before Graphviz runs; compiling the wasm is asynchronous.
function startInPage(receive) {
  const worker = startLayoutWorkerScript();
  const workerSide = {
    onmessage: null,
    postMessage: (data) => setTimeout(() => receive({ data }), 0),
  };
  worker.serve(workerSide);
  return {
    postMessage(data) {
      const statements = countStatements(data.dot);
      const error = statements > MAX_IN_PAGE_STATEMENTS
        ? `this page allows no Web Worker, so Graphviz would run in the page itself, and ` +
          `${statements.toLocaleString("en")} nodes and edges would freeze it; fix: collapse ` +
          "scopes (click a group, or vg.show(y, collapsed=[...])) or open the notebook in " +
          "JupyterLab or Notebook 7"
        : null;
      if (error) setTimeout(() => receive({ data: { id: data.id, error } }), 0);
      else setTimeout(() => workerSide.onmessage({ data }), 0);
    },
    terminate() {},
  };
}

// node and edge statements that start a line (`n0 [id=...`, `n0 -> n1 [...`),
// as vizgrad writes DOT; a rough count is enough here
function countStatements(dot) {
  return (String(dot).match(/^\s*[\w"]+(?:\s*->\s*[\w"]+)?\s*\[/gm) ?? []).length;
}
