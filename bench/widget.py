"""How fast is the widget in a real browser? First render, step latency, longest main-thread task.

    python bench/widget.py [--quick] [--expanded]

Graphs of about 10, 100, 300, 1,000 and 3,000 nodes, in two shapes: a chain of scalar ops
(sin, tanh, ...) and a dense one, layered like an unrolled MLP of scalar ops (every
weight a variable, every product and sum its own node). Python builds each one's
``vg.graph(y).to_dict()`` and ``to_dot(highlight=False, collapse=default)`` -- exactly
the state the widget receives -- and Debian's Chromium (headless) renders it from the
built bundle ``vizgrad/static/widget.js`` on a static page with a stand-in for the
anywidget model.

- first render: JSON.parse of the state + importing the bundle + render() until the root
  has ``data-rendered="true"``, on a fresh page ("cold": Graphviz's wasm compiles too) and
  again in the same page ("warm": a second widget in the same notebook);
- step: click "Next step" until ``data-step`` reads the next step (median and worst of
  the clicks), and until the browser has also recomputed style and layout (forced), the
  main-thread work left before the frame is painted;
- longest task: the longest main-thread task (PerformanceObserver "longtask", which sees
  tasks over 50 ms) while rendering and while stepping.

Targets: no task over 200 ms at any size; a step under 16 ms at 1,000 nodes; first render
of the 300-node dense graph under 1 s. Graphs over 300 nodes open collapsed into groups
(the widget's default), so "drawn" counts the boxes actually laid out; ``--expanded``
adds rows with every node drawn. Prints a markdown table of medians over the repeats.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
import vizgrad as vg  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "vizgrad" / "static" / "widget.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ORIGIN = "http://bench.vizgrad.invalid"
SIZES = [10, 100, 300, 1_000, 3_000]
STEP_CLICKS = 30
FRAME_MS = 16

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>vizgrad widget bench</title></head>
<body style="margin:0;width:1200px"><div id="cell"></div></body></html>"""

# Runs first in every page: remember every long main-thread task.
WATCH_LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push([entry.startTime, entry.duration]);
}).observe({ type: "longtask", buffered: true });
"""

# A stand-in for the anywidget model: get/set/on/off/save_changes, "change:<name>" fired
# synchronously by set, as Backbone does.
FAKE_MODEL = """
  const fakeModel = (values) => {
  const listeners = new Map();
  return {
    get: (name) => values[name],
    set(name, value) {
      const changed = values[name] !== value;
      values[name] = value;
      if (changed) for (const callback of [...(listeners.get(`change:${name}`) ?? [])]) callback();
    },
    on(event, callback) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(callback);
    },
    off(event, callback) { listeners.get(event)?.delete(callback); },
    save_changes() {},
    send() {},
  };
};
"""

# -> milliseconds from receiving the state to data-rendered="true"
RENDER = """
async (stateText) => {""" + FAKE_MODEL + """
  const started = performance.now();
  const state = JSON.parse(stateText);
  const widget = (await import("/widget.js")).default;
  const cell = document.getElementById("cell");
  cell.replaceChildren();
  const el = document.createElement("div");
  cell.append(el);
  const rendered = new Promise((resolve) => {
    const watch = new MutationObserver(() => {
      const root = el.querySelector(".vizgrad-widget");
      if (root?.getAttribute("data-rendered") === "true" && root.hasAttribute("data-step")) {
        watch.disconnect();
        resolve();
      }
    });
    watch.observe(el, { attributes: true, subtree: true, childList: true });
  });
  window.__cleanup?.();
  window.__cleanup = await widget.render({ model: fakeModel(state), el });
  await rendered;
  const finished = performance.now();
  return { started, finished, ms: finished - started,
           drawn: el.querySelectorAll("svg g.node").length,
           edges: el.querySelectorAll("svg g.edge").length };
}
"""

# -> per click: [ms until data-step shows the next step, ms until style and layout are redone]
STEP = """
async (clicks) => {
  const root = document.querySelector(".vizgrad-widget");
  const next = root.querySelector('[aria-label="Next step"]');
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  await frame();
  const started = performance.now();
  const times = [];
  for (let i = 0; i < clicks; i++) {
    const want = String(Number(root.getAttribute("data-step")) + 1);
    const t0 = performance.now();
    next.click();
    if (root.getAttribute("data-step") !== want) {
      await new Promise((resolve) => {
        const watch = new MutationObserver(() => {
          if (root.getAttribute("data-step") === want) { watch.disconnect(); resolve(); }
        });
        watch.observe(root, { attributes: true, attributeFilter: ["data-step"] });
      });
    }
    const t1 = performance.now();
    void root.offsetHeight;  // the style and layout the browser must redo before painting
    const t2 = performance.now();
    times.push([t1 - t0, t2 - t0]);
    await frame();
  }
  return { started, finished: performance.now(), times };
}
"""


# -- the graphs -------------------------------------------------------------------------
def chain(nodes: int) -> vg.Tensor:
    """x -> sin -> tanh -> sin -> ... : one op node per step."""
    x = vg.Variable(0.5, name="x")
    y = x
    for i in range(max(1, nodes - 2)):  # x and the output node make up the rest
        y = vg.sin(y) if i % 2 == 0 else vg.tanh(y)
    return y


def dense_nodes(width: int, depth: int) -> int:
    """Nodes of ``dense(width, depth)``: inputs, per layer 3w² + 2w, the sum and the output."""
    return 2 * width + depth * (3 * width * width + 2 * width)


def dense_shape(nodes: int) -> tuple[int, int]:
    """The (width, depth), depth 2 to 5, whose node count is closest to ``nodes``."""
    shapes = [(w, d) for w in range(1, 40) for d in range(2, 6)]
    return min(shapes, key=lambda s: (abs(dense_nodes(*s) - nodes), -s[0]))


def dense(width: int, depth: int) -> vg.Tensor:
    """An unrolled MLP of scalars: h_j = tanh(Σ_i h_i · w_ij + b_j), layer after layer."""
    h = [vg.Variable(0.1 * (i + 1), name=f"in{i}") for i in range(width)]
    for layer in range(depth):
        out = []
        for j in range(width):
            total = None
            for i in range(width):
                weight = vg.Variable(0.3 - 0.05 * ((i + j + layer) % 7), name=f"w{layer}_{i}_{j}")
                term = h[i] * weight
                total = term if total is None else total + term
            out.append(vg.tanh(total + vg.Variable(0.01 * j, name=f"b{layer}_{j}")))
        h = out
    loss = h[0]
    for value in h[1:]:
        loss = loss + value
    return loss


@dataclass
class Case:
    shape: str
    target: int
    expanded: bool
    nodes: int
    steps: int
    state: str        # the JSON the widget receives: graph, dot, step, collapsed
    python_ms: float  # vg.graph + to_dict + to_dot


def make_case(shape: str, target: int, expanded: bool) -> Case:
    y = chain(target) if shape == "chain" else dense(*dense_shape(target))
    started = time.perf_counter()
    data = vg.graph(y)
    collapse = [] if expanded else data.default_collapsed()
    state = {"graph": data.to_dict(), "dot": data.to_dot(highlight=False, collapse=collapse),
             "step": 0, "collapsed": [s.name for s in data.scopes if s.id in collapse]}
    text = json.dumps(state)
    python_ms = (time.perf_counter() - started) * 1000
    return Case(shape, target, expanded, len(data.nodes), len(data.steps), text, python_ms)


# -- the browser ---------------------------------------------------------------------------
def serve(route, pages: dict[str, tuple[str, str]]) -> None:
    path = route.request.url.removeprefix(ORIGIN)
    body, content_type = pages.get(path, ("not found", "text/plain"))
    route.fulfill(status=200 if path in pages else 404, body=body, content_type=content_type)


def longest(tasks: list[list[float]], start: float, end: float) -> float:
    """The longest task that started between ``start`` and ``end`` (0: none over 50 ms)."""
    return max((duration for begin, duration in tasks if start <= begin <= end), default=0.0)


def measure(browser, case: Case, bundle: str) -> dict[str, float]:
    """One fresh page: cold render, warm render, then clicks through the steps."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pages = {"/": (PAGE, "text/html"), "/widget.js": (bundle, "text/javascript")}
    context.route(f"{ORIGIN}/**", lambda route: serve(route, pages))
    context.add_init_script(WATCH_LONG_TASKS)
    page = context.new_page()
    page.set_default_timeout(600_000)
    errors: list[str] = []
    console: list[str] = []  # Graphviz reports edges it could not route on the console
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.goto(f"{ORIGIN}/")
    cold = page.evaluate(RENDER, case.state)
    warm = page.evaluate(RENDER, case.state)
    clicks = min(STEP_CLICKS, case.steps - 1)
    stepping = page.evaluate(STEP, clicks)
    tasks = page.evaluate("window.__longTasks")
    context.close()
    if errors:
        raise RuntimeError(f"{case.shape} {case.target}: errors in the page: {errors}")
    to_step = [t[0] for t in stepping["times"]]
    to_layout = [t[1] for t in stepping["times"]]
    return {
        "drawn": cold["drawn"], "cold": cold["ms"], "warm": warm["ms"],
        "step": statistics.median(to_step), "step_max": max(to_step),
        "layout": statistics.median(to_layout), "layout_max": max(to_layout),
        "task_cold": longest(tasks, cold["started"], cold["finished"]),
        "task_warm": longest(tasks, warm["started"], warm["finished"]),
        "task_step": longest(tasks, stepping["started"], stepping["finished"]),
        "task_any": max((duration for _, duration in tasks), default=0.0),
        "console_errors": len(console),
        "console_sample": console[0] if console else "",
    }


def fmt(ms: float) -> str:
    if ms == 0:
        return "< 50"
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:.1f}"


def main() -> None:
    """Measure every size and shape and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one page per graph, not three")
    parser.add_argument("--expanded", action="store_true",
                        help="also the 1,000 and 3,000-node graphs with no group collapsed")
    args = parser.parse_args()
    if not BUNDLE.exists():
        sys.exit(f"{BUNDLE} is missing; build it: (cd js && npm ci && npm run build)")
    bundle = BUNDLE.read_text(encoding="utf-8")
    repeats = 1 if args.quick else 3

    cases = [(shape, n, False) for shape in ("chain", "dense") for n in SIZES]
    if args.expanded:
        cases += [(shape, n, True) for shape in ("chain", "dense") for n in SIZES if n > 300]

    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        measure(browser, make_case("chain", 10, False), bundle)  # warm up the browser itself
        for shape, target, expanded in cases:
            case = make_case(shape, target, expanded)
            runs = [measure(browser, case, bundle) for _ in range(repeats)]
            numbers = [key for key, value in runs[0].items() if not isinstance(value, str)]
            result = {key: statistics.median(run[key] for run in runs) for key in numbers}
            result["console_sample"] = runs[0]["console_sample"]
            result["task_any"] = max(run["task_any"] for run in runs)
            for worst in ("step_max", "layout_max"):
                result[worst] = max(run[worst] for run in runs)
            rows.append((case, result))
            print(f"  {shape:5} {case.nodes:5} nodes{' expanded' if expanded else ''}: "
                  f"cold {result['cold']:.0f} ms, step {result['step']:.2f} ms, "
                  f"longest task {result['task_any']:.0f} ms", file=sys.stderr, flush=True)
        browser.close()

    print("| graph | nodes | drawn | steps | Python state (ms) | first render cold / warm (ms) | "
          "step: click → data-step, median / worst (ms) | step + style & layout, median / worst "
          "(ms) | longest task: cold render / warm render / steps (ms) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for case, r in rows:
        name = case.shape + (" (expanded)" if case.expanded else "")
        print(f"| {name} | {case.nodes:,} | {r['drawn']:,.0f} | {case.steps:,} | "
              f"{case.python_ms:,.0f} | {fmt(r['cold'])} / {fmt(r['warm'])} | "
              f"{r['step']:.2f} / {r['step_max']:.2f} | "
              f"{r['layout']:.2f} / {r['layout_max']:.2f} | "
              f"{fmt(r['task_cold'])} / {fmt(r['task_warm'])} / {fmt(r['task_step'])} |")
    print(f"\nmedians of {repeats} fresh page(s) per graph (worst: of all clicks of all pages); "
          f"{STEP_CLICKS} clicks per page, fewer when the graph has fewer steps; headless "
          "Chromium; \"< 50\": no task long enough for the longtask observer.")
    for case, r in rows:
        if r["console_errors"]:
            sample = r["console_sample"].split("/")[-1]
            print(f"\n{case.shape} {case.nodes:,} nodes{' expanded' if case.expanded else ''}: "
                  f"{r['console_errors']:.0f} console errors per page from Graphviz, e.g. "
                  f"{sample!r}")

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    default = [(case, r) for case, r in rows if not case.expanded]
    expanded = [(case, r) for case, r in rows if case.expanded]
    at_1000 = [(case, r) for case, r in rows if case.target == 1_000 and not case.expanded]
    step_1000 = max(r["step"] for _, r in at_1000)
    layout_1000 = max(r["layout"] for _, r in at_1000)
    dense_300 = next(r for case, r in rows
                     if case.shape == "dense" and case.target == 300 and not case.expanded)
    print("\ntargets:")
    for label, group in (("as the widget opens them", default), ("expanded", expanded)):
        if not group:
            continue
        worst_case, worst = max(group, key=lambda row: row[1]["task_any"])
        print(f"- longest main-thread task, graphs {label}: {worst['task_any']:.0f} ms, "
              f"{worst_case.shape} {worst_case.nodes:,} nodes (< 200 ms: "
              f"{verdict(worst['task_any'] < 200)})")
    print(f"- step at 1,000 nodes: {step_1000:.2f} ms to data-step, {layout_1000:.2f} ms with "
          f"style & layout (< {FRAME_MS} ms: {verdict(max(step_1000, layout_1000) < FRAME_MS)})")
    print(f"- first render, dense 300: {dense_300['cold']:.0f} ms cold, {dense_300['warm']:.0f} ms "
          f"warm (< 1,000 ms: cold {verdict(dense_300['cold'] < 1000)}, "
          f"warm {verdict(dense_300['warm'] < 1000)})")

if __name__ == "__main__":
    main()
