"""What a notebook user waits for when the widget opens: payload, Python, first render, a step.

    python bench/widget.py [--quick] [--browser-layout] [--max-nodes N]

Graphs of about 10, 100, 1,000, 10,000 and 100,000 nodes, in two shapes: a chain of
scalar ops (sin, tanh, ...) and a dense one, layered like an unrolled MLP of scalar ops
(every weight a variable, every product and sum its own node). Each is opened as a
notebook opens it: ``vg.show(y)`` builds the widget (the kernel lays the drawing out
with Graphviz when it has it), and the page gets exactly the widget's synced state
(``widget.get_state()``: graph, dot, svg, step, collapsed, scale) and the front end it
ships (``_esm``: the small kernel-layout bundle when ``svg`` is filled). Debian's
Chromium (headless) renders it on a static page with a stand-in for the anywidget model.

- vg.show: Python time of ``vg.show(y)`` (graph, the drawing's data and DOT, the
  kernel's layout); picture: the ``image/svg+xml`` output shown after the widget for
  readers without JavaScript (a second layout, at the step shown);
- sent: bytes of the widget's whole state as JSON (front end included) plus the picture;
- first render: JSON.parse of the state + importing the front end + render() until the
  root has ``data-rendered="true"``, on a fresh page (cold) and again in the same page
  (warm: a second widget in the same notebook);
- step: click "Next step" until ``data-step`` reads the next step (median and worst of
  the clicks);
- longest task: the longest main-thread task (PerformanceObserver "longtask", which sees
  tasks over 50 ms) anywhere on the page: loading, rendering, stepping.

Targets, for the 100,000-op chain: ``vg.show`` under 2 s, under 2 MB sent, no
main-thread task over 200 ms. ``--browser-layout`` adds rows for the fallback where
Python has no Graphviz (JupyterLite): the full bundle, Graphviz's WebAssembly laying the
DOT out in the browser. Graphs over 300 nodes open collapsed into groups (the widget's
default), so "drawn" counts the boxes actually laid out. Prints a markdown table of
medians over the repeats.
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
from vizgrad.frontends.widget import GraphWidget  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ORIGIN = "http://bench.vizgrad.invalid"
SIZES = [10, 100, 1_000, 10_000, 100_000]
STEP_CLICKS = 30
# the widget state the front end reads, besides the front end itself (_esm)
TRAITS = ("graph", "dot", "svg", "step", "collapsed", "scale")

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
    shapes = [(w, d) for w in range(1, 130) for d in range(2, 6)]
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
    browser_layout: bool
    nodes: int
    steps: int
    state: str          # the widget's synced state as JSON, as the front end reads it
    bundle: str         # the front end the widget ships (its _esm)
    state_bytes: int    # the whole synced state as JSON, front end (_esm) included
    picture_bytes: int  # the picture output
    show_ms: float      # vg.show(y)
    picture_ms: float   # the image/svg+xml output displayed after the widget

    @property
    def sent(self) -> int:
        return self.state_bytes + self.picture_bytes


def build(shape: str, target: int) -> vg.Tensor:
    return chain(target) if shape == "chain" else dense(*dense_shape(target))


def make_case(shape: str, y: vg.Tensor, browser_layout: bool) -> Case:
    """Open ``y`` as the widget does and keep what the browser receives."""
    started = time.perf_counter()
    if browser_layout:  # as where Python has no Graphviz: vg.show without the kernel's layout
        widget = GraphWidget(vg.graph(y), kernel_layout=False)
    else:
        widget = vg.show(y)
    show_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    picture = widget.picture_bundle().get("image/svg+xml", "")
    picture_ms = (time.perf_counter() - started) * 1000 if picture else 0.0
    full = widget.get_state()
    if bool(full["svg"]) == browser_layout:
        sys.exit(f"{shape}: svg is {'filled' if full['svg'] else 'empty'}, expected the "
                 f"{'browser' if browser_layout else 'kernel'} to lay out; is graphviz-pure "
                 "installed?")
    state = json.dumps({name: full[name] for name in TRAITS})
    data = widget.data
    widget.close()
    return Case(shape, browser_layout, len(data.nodes), len(data.steps), state, full["_esm"],
                len(json.dumps(full).encode()), len(picture.encode()), show_ms, picture_ms)


# -- the browser ---------------------------------------------------------------------------
def serve(route, pages: dict[str, tuple[str, str]]) -> None:
    path = route.request.url.removeprefix(ORIGIN)
    body, content_type = pages.get(path, ("not found", "text/plain"))
    route.fulfill(status=200 if path in pages else 404, body=body, content_type=content_type)


def longest(tasks: list[list[float]], start: float, end: float) -> float:
    """The longest task that started between ``start`` and ``end`` (0: none over 50 ms)."""
    return max((duration for begin, duration in tasks if start <= begin <= end), default=0.0)


def measure(browser, case: Case) -> dict[str, float]:
    """One fresh page: cold render, warm render, then clicks through the steps."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pages = {"/": (PAGE, "text/html"), "/widget.js": (case.bundle, "text/javascript")}
    context.route(f"{ORIGIN}/**", lambda route: serve(route, pages))
    context.add_init_script(WATCH_LONG_TASKS)
    page = context.new_page()
    page.set_default_timeout(600_000)
    errors: list[str] = []
    console: list[str] = []
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
        raise RuntimeError(f"{case.shape} {case.nodes}: errors in the page: {errors}")
    to_step = [t[0] for t in stepping["times"]]
    return {
        "drawn": cold["drawn"], "cold": cold["ms"], "warm": warm["ms"],
        "step": statistics.median(to_step), "step_max": max(to_step),
        "task_any": max((duration for _, duration in tasks), default=0.0),
        "console_errors": len(console),
        "console_sample": console[0] if console else "",
    }


def fmt(ms: float) -> str:
    if ms == 0:
        return "< 50"
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:.1f}"


def kb(size: int) -> str:
    return f"{size / 1000:,.0f} KB" if size < 1_000_000 else f"{size / 1e6:.2f} MB"


def main() -> None:
    """Measure every size and shape and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one page per graph, not three")
    parser.add_argument("--browser-layout", action="store_true",
                        help="also the fallback: the full bundle laying out in the browser")
    parser.add_argument("--max-nodes", type=int, default=SIZES[-1],
                        help="skip the graphs larger than this (default: all)")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3
    sizes = [n for n in SIZES if n <= args.max_nodes]

    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        measure(browser, make_case("chain", chain(10), False))  # warm up the browser itself
        for shape in ("chain", "dense"):
            for target in sizes:
                y = build(shape, target)
                for browser_layout in (False, True) if args.browser_layout else (False,):
                    # vg.show is timed on each repeat too: a fresh widget each time
                    cases = [make_case(shape, y, browser_layout) for _ in range(repeats)]
                    case = cases[0]
                    case.show_ms = statistics.median(c.show_ms for c in cases)
                    case.picture_ms = statistics.median(c.picture_ms for c in cases)
                    runs = [measure(browser, case) for _ in range(repeats)]
                    numbers = [key for key, value in runs[0].items() if not isinstance(value, str)]
                    result = {key: statistics.median(run[key] for run in runs) for key in numbers}
                    result["console_sample"] = runs[0]["console_sample"]
                    for worst in ("task_any", "step_max"):
                        result[worst] = max(run[worst] for run in runs)
                    rows.append((case, result))
                    print(f"  {shape:5} {case.nodes:6} nodes"
                          f"{' browser layout' if browser_layout else ''}: vg.show "
                          f"{case.show_ms:.0f} ms, sent {kb(case.sent)}, cold "
                          f"{result['cold']:.0f} ms, step {result['step']:.2f} ms, longest task "
                          f"{result['task_any']:.0f} ms", file=sys.stderr, flush=True)
        browser.close()

    print("| graph | nodes | drawn | vg.show + picture (ms) | sent: state (front end "
          "included) + picture | first render cold / warm (ms) | step: click → redrawn, "
          "median / worst (ms) | longest main-thread task (ms) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for case, r in rows:
        name = case.shape + (", browser layout" if case.browser_layout else "")
        picture = f" + {case.picture_ms:,.0f}" if case.picture_bytes else ""
        sent = kb(case.state_bytes) + (f" + {kb(case.picture_bytes)}" if case.picture_bytes else "")
        print(f"| {name} | {case.nodes:,} | {r['drawn']:,.0f} | {case.show_ms:,.0f}{picture} | "
              f"{sent} | "
              f"{fmt(r['cold'])} / {fmt(r['warm'])} | "
              f"{r['step']:.2f} / {r['step_max']:.2f} | {fmt(r['task_any'])} |")
    print(f"\nmedians of {repeats} widget(s) and fresh page(s) per graph (worst: of all clicks "
          f"of all pages); {STEP_CLICKS} clicks per page, fewer when the graph has fewer "
          "steps; headless Chromium; \"< 50\": no task long enough for the longtask observer.")
    for case, r in rows:
        if r["console_errors"]:
            print(f"\n{case.shape} {case.nodes:,} nodes: {r['console_errors']:.0f} console "
                  f"errors per page, e.g. {r['console_sample'][:200]!r}")

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    print("\ntargets (kernel layout, as a notebook opens the graph):")
    for case, r in rows:
        if case.browser_layout or case.nodes < 10_000:
            continue
        print(f"- {case.shape} {case.nodes:,}: vg.show {case.show_ms / 1000:.2f} s (< 2 s: "
              f"{verdict(case.show_ms < 2000)}), sent {kb(case.sent)} (< 2 MB: "
              f"{verdict(case.sent < 2_000_000)}), longest task {fmt(r['task_any'])} ms "
              f"(< 200 ms: {verdict(r['task_any'] < 200)})")


if __name__ == "__main__":
    main()
