"""How much does drawing cost? Time, bytes sent to the widget and memory, by graph size.

    python bench/draw.py [--quick] [--layout] [--timeout SECONDS]

Shapes:
  mlp    -- notebook 9's 2-8-2 MLP on 200 points, one training step, scoped by layer;
  chain  -- one long path, x -> sin -> tanh -> sin -> ...;
  layers -- an unrolled MLP of scalar ops: every neuron multiplies each input by
            its own weight, sums, adds a bias and applies tanh, so each node fans
            out to the whole next layer.
Chains and layers at about 18, 1,000, 10,000 and 100,000 nodes (the 100,000-node
layers only without --quick), and layers at 12,000. A graph past the collapse limit (300 nodes) is
drawn collapsed, as it opens. Then the shapes whose layout is the cost, each laid out:
  recurrence -- h = tanh(h @ W + x) on 4-vectors unrolled over 10, 30, 60 and 120 steps
                (backpropagation through time: W and x are used by every step);
  micrograd  -- micrograd's demo network, an MLP 2-16-16-1 of scalar ops (relu), on one
                point with its max-margin loss.

Columns: ``vg.graph`` (record the trace and build the graph), ``+ to_dot`` (the
DOT of the drawing as it opens), ``vg.show`` (the widget, built as a notebook
builds it) and the bytes of its synced state (the JSON the browser receives:
graph, dot, step, collapsed). ``--layout`` adds a Graphviz layout of the DOT.
Then memory: peak bytes per recorded node while a 10,000-node scalar graph is
built and backpropagated (the backward pass kept for drawing), with tracemalloc.
Times are the fastest of several runs, as "CPU (wall)": CPU seconds of this process and
its children (steady on a machine shared with other work), then wall-clock seconds.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import runpy
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout
import vizgrad as vg  # noqa: E402
from tests.graphs import recurrence  # noqa: E402  (the tests draw the same graph)
from vizgrad.drawing.render import render_svg  # noqa: E402
from vizgrad.errors import RenderError  # noqa: E402

SIZES = (18, 1_000, 10_000, 100_000)
LAYER_WIDTH = {18: 2, 1_000: 6, 10_000: 12, 12_000: 12, 100_000: 24}   # neurons per layer
TARGET_NODES = 12_000
MEMORY_NODES = 10_000


# -- the graphs ---------------------------------------------------------------------
def mlp() -> vg.Tensor:
    """Notebook 9's graph: a 2-8-2 MLP, cross-entropy on 200 points, one Adam step."""
    return runpy.run_path(str(ROOT / "docs" / "examples" / "09_training_an_mlp.py"))["loss"]


def chain(nodes: int) -> vg.Tensor:
    """x and nodes - 2 ops (sin, tanh alternating); the drawing adds the output box."""
    y = vg.Variable(0.5, name="x")
    for i in range(nodes - 2):
        y = vg.sin(y) if i % 2 == 0 else vg.tanh(y)
    y.backward()
    return y


def layers(nodes: int) -> vg.Tensor:
    """An unrolled MLP of scalar ops with about ``nodes`` nodes."""
    width = LAYER_WIDTH.get(nodes, 6)
    per_layer = width * (3 * width + 2)     # weights, products, sums, bias, bias add, tanh
    depth = max(1, round((nodes - width) / per_layer))
    values = [vg.Variable(0.1 * (i + 1), name=f"x{i}") for i in range(width)]
    for layer in range(depth):
        outputs = []
        for j in range(width):
            total = None
            for i, v in enumerate(values):
                weight = vg.Variable(0.3 - 0.05 * ((i + j + layer) % 7), name=f"w{layer}_{i}{j}")
                term = weight * v
                total = term if total is None else total + term
            bias = vg.Variable(0.01 * j, name=f"b{layer}_{j}")
            outputs.append(vg.tanh(total + bias))
        values = outputs
    loss = values[0]
    for v in values[1:]:
        loss = loss + v
    loss.backward()
    return loss


RECURRENCE_STEPS = (10, 30, 60, 120)


def micrograd_mlp(sizes: tuple[int, ...] = (2, 16, 16, 1)) -> vg.Tensor:
    """micrograd's demo MLP (its nn.MLP: each neuron sums w·x onto its bias, relu but the
    last layer) on one point, with the demo's max-margin loss relu(1 - y·score)."""
    rng = np.random.default_rng(1)
    values = [vg.constant(v) for v in (0.5, -1.0)]
    for layer, (fan_in, width) in enumerate(zip(sizes[:-1], sizes[1:])):
        outputs = []
        for j in range(width):
            act = vg.Variable(0.0, name=f"b{layer}_{j}")
            for i in range(fan_in):
                act = act + vg.Variable(rng.uniform(-1, 1), name=f"w{layer}_{j}_{i}") * values[i]
            outputs.append(vg.relu(act) if layer < len(sizes) - 2 else act)
        values = outputs
    loss = vg.relu(1 + -1.0 * values[0])
    loss.backward()
    return loss


def layout_shapes() -> list[tuple[str, Callable[[], vg.Tensor]]]:
    """The shapes whose cost is the layout: the unrolled recurrence and micrograd's MLP."""
    shapes: list[tuple[str, Callable[[], vg.Tensor]]] = [
        (f"recurrence, {steps} steps", lambda steps=steps: recurrence(steps))
        for steps in RECURRENCE_STEPS]
    shapes.append(("micrograd MLP 2-16-16-1", micrograd_mlp))
    return shapes


# -- measuring ----------------------------------------------------------------------
def cpu_seconds() -> float:
    """CPU time of this process and its finished children (a Graphviz layout runs as one)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # microseconds, not 10 ms ticks
    return time.process_time() + children.ru_utime + children.ru_stime


def best_seconds(work: Callable[[], object], budget: float = 1.0,
                 most: int = 5) -> tuple[float, float]:
    """Fastest wall time and fastest CPU time of ``work``, run until ``budget`` seconds pass
    (at least twice). On a machine shared with other work the CPU time is the steadier."""
    walls: list[float] = []
    cpus: list[float] = []
    start = time.perf_counter()
    while len(walls) < most and (len(walls) < 2 or time.perf_counter() - start < budget):
        begin, begin_cpu = time.perf_counter(), cpu_seconds()
        work()
        walls.append(time.perf_counter() - begin)
        cpus.append(cpu_seconds() - begin_cpu)
    return min(walls), min(cpus)


def synced_bytes(widget: object) -> int:
    """Bytes of the widget's synced state as JSON: what the browser receives as it opens."""
    state = {name: getattr(widget, name) for name in ("graph", "dot", "step", "collapsed")}
    return len(json.dumps(state, ensure_ascii=False).encode("utf-8"))


def duration(seconds: float) -> str:
    if seconds < 0.01:
        return f"{seconds * 1000:.2f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"


def both(seconds: tuple[float, float]) -> str:
    """'CPU (wall)' of a best_seconds result."""
    return f"{duration(seconds[1])} ({duration(seconds[0])})"


def size_text(count: int) -> str:
    if count < 10_000:
        return f"{count:,} B"
    if count < 10_000_000:
        return f"{count / 1000:,.0f} kB"
    return f"{count / 1e6:,.1f} MB"


def layout(dot: str, timeout: float) -> str:
    try:
        seconds = best_seconds(lambda: render_svg(dot, timeout=timeout), most=2)
    except RenderError as error:
        return f"> {timeout:g} s" if "longer than" in str(error) else "failed"
    return both(seconds)


def layout_rows(timeout: float) -> list[list[str]]:
    """Per layout shape: nodes, boxes drawn, vg.show (which lays out in the kernel) and the
    layout alone, as CPU (wall)."""
    from vizgrad.frontends.widget import show
    rows = []
    for name, make in layout_shapes():
        y = make()
        drawing = vg.graph(y)
        dot = drawing.to_dot(collapse=drawing.default_collapsed(), highlight=False)
        drawn = dot.count(' [id="n') + dot.count(" shape=box3d")
        show_s = best_seconds(lambda y=y: show(y, names={}), most=3)
        rows.append([name, f"{len(drawing.nodes):,}", f"{drawn:,}", both(show_s),
                     layout(dot, timeout)])
        print(f"  {name}: done", file=sys.stderr, flush=True)
    return rows


def memory_per_node(build: Callable[[], vg.Tensor]) -> tuple[float, float, int]:
    """(peak, retained) bytes per recorded tensor while ``build`` records and backpropagates."""
    gc.collect()
    tracemalloc.start()
    y = build()
    retained, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    count = len(vg.core.tensor.ancestors([y]))
    return peak / count, retained / count, count


def scalar_expression() -> vg.Tensor:
    """y = 0.5·y + x, 5,000 times (bench/core.py's (a)): 10,000 ops, 5,001 leaves."""
    x = vg.Variable(0.3)
    y = x
    for _ in range(MEMORY_NODES // 2):
        y = y * 0.5 + x
    y.backward()
    return y


def scalar_chain() -> vg.Tensor:
    """tanh(y · w), 5,000 times: 10,000 ops, 2 leaves."""
    x, w = vg.Variable(0.5), vg.Variable(1.0001)
    y = x
    for _ in range(MEMORY_NODES // 2):
        y = vg.tanh(y * w)
    y.backward()
    return y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-node layers")
    parser.add_argument("--layout", action="store_true",
                        help="also time a Graphviz layout of each drawing as it opens")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="give up on one layout after this many seconds (default 60)")
    args = parser.parse_args()
    from vizgrad.frontends.widget import show

    cases: list[tuple[str, Callable[[], vg.Tensor]]] = [("mlp", mlp)]
    for size in SIZES:
        cases.append(("chain", lambda size=size: chain(size)))
        if not (args.quick and size == 100_000):
            cases.append(("layers", lambda size=size: layers(size)))
        if size == 10_000:  # the size of the collapsed-drawing target (under 100 ms)
            cases.append(("layers", lambda: layers(TARGET_NODES)))
    rows = []
    for shape, make in cases:
        y = make()
        drawing = vg.graph(y)
        n = len(drawing.nodes)
        graph_s = best_seconds(lambda y=y: vg.graph(y))
        dot_s = best_seconds(lambda y=y: vg.graph(y).to_dot())
        dot = drawing.to_dot()
        drawn = dot.count(' [id="n') + dot.count(" shape=box3d")
        show_s = best_seconds(lambda y=y: show(y, names={}), most=3)
        payload = synced_bytes(show(y, names={}))
        row = [shape, f"{n:,}", f"{drawn:,}", *(both(s) for s in (graph_s, dot_s, show_s)),
               size_text(payload)]
        if args.layout:
            row.append(layout(dot, args.timeout))
        rows.append(row)
        print(f"  {shape} {n:,}: done", file=sys.stderr, flush=True)
        del y, drawing
        gc.collect()

    header = ["graph", "nodes", "boxes drawn", "vg.graph", "vg.graph + to_dot", "vg.show",
              "widget state as opened"] + (["layout + SVG"] if args.layout else [])
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(" --- " for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")

    print("\n| graph (layout is the cost) | nodes | boxes drawn | vg.show | layout + SVG |")
    print("| --- | --- | --- | --- | --- |")
    for row in layout_rows(args.timeout):
        print("| " + " | ".join(row) + " |")

    print("\n| 10,000-op graph, forward + backward | recorded tensors | peak per tensor | "
          "kept per tensor |")
    print("| --- | --- | --- | --- |")
    for name, build in (("y = y·0.5 + x (bench/core.py (a))", scalar_expression),
                        ("y = tanh(y·w)", scalar_chain)):
        peak, kept, count = memory_per_node(build)
        print(f"| {name} | {count:,} | {peak:,.0f} B | {kept:,.0f} B |")


if __name__ == "__main__":
    main()
