// Lays out DOT into SVG text off the main thread, so a large graph never
// freezes the notebook. One engine (one Worker, one compiled Graphviz) serves
// every widget on the page.
import workerSource, { LAYOUT_WORKER_GLOBAL } from "vizgrad:layout-worker-source";

let sharedEngine = null;

export function sharedLayoutEngine() {
  sharedEngine ??= createLayoutEngine();
  return sharedEngine;
}

// -> { layout(dot): Promise<svgText>, dispose() }
export function createLayoutEngine() {
  let nextId = 1;
  const pending = new Map(); // request id -> { dot, resolve, reject }
  let workerAnswered = false;
  let port = startWorker(receive, workerFailed) ?? startInPage(receive);

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
      port = startInPage(receive);
      for (const [id, { dot }] of pending) port.postMessage({ id, dot });
      return;
    }
    // It worked before and then died (out of memory on a huge graph, say):
    // fail what was in flight rather than retry it in the page and freeze the tab.
    for (const { reject } of pending.values()) {
      reject(new Error(`Graphviz stopped: ${event?.message || "the layout worker crashed"}`));
    }
    pending.clear();
    port = startWorker(receive, workerFailed) ?? startInPage(receive);
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
    const script = new Blob([workerSource, `\n${LAYOUT_WORKER_GLOBAL}.serve(self);\n`],
      { type: "text/javascript" });
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

// The same worker script, run in this page and spoken to through the same
// message shape. Messages go through setTimeout so the page can paint
// "Laying out…" before Graphviz blocks it.
function startInPage(receive) {
  const worker = new Function(`${workerSource}\nreturn ${LAYOUT_WORKER_GLOBAL};`)();
  const workerSide = {
    onmessage: null,
    postMessage: (data) => setTimeout(() => receive({ data }), 0),
  };
  worker.serve(workerSide);
  return {
    postMessage: (data) => setTimeout(() => workerSide.onmessage({ data }), 0),
    terminate() {},
  };
}
