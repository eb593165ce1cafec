"""How fast is drawing? vg.graph(), to_dot and the SVG layout, for graphs of growing size.

    python bench/draw.py [--timeout SECONDS] [--quick]

Two shapes, each at about 100, 1,000 and 3,000 nodes:
  chain  -- one long path, x -> tanh -> tanh -> ...;
  layers -- an unrolled MLP of scalar ops: every neuron multiplies each input by
            its own weight, sums, adds a bias and applies tanh, so each node fans
            out to the whole next layer.
A graph past graph.COLLAPSE_LIMIT nodes is drawn collapsed by default; it is
timed both ways ("collapsed", the default, and "expanded", every node). A
20,000-op chain is timed collapsed. Layouts run with both engines: the
graphviz-pure wheel (the default) and a system `dot` if installed, each with a
timeout so nothing can hang. Prints a markdown table of the fastest of several
runs (least disturbed by whatever else the machine is doing).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
import vizgrad as vg  # noqa: E402
from vizgrad.drawing.group import COLLAPSE_LIMIT  # noqa: E402
from vizgrad.drawing.render import render_svg  # noqa: E402
from vizgrad.errors import RenderError  # noqa: E402

SIZES = (100, 1_000, 3_000)
LAYER_WIDTH = {100: 4, 1_000: 6, 3_000: 8}   # neurons per layer for each size
LONG_CHAIN_OPS = 20_000
TO_DOT_TARGET_MS = 20        # at 1,000 nodes, drawn in full
COLLAPSED_TARGET_S = 2       # a graph past the collapse limit, drawn as it starts


def chain(nodes: int) -> vg.Tensor:
    """x and nodes - 2 tanh ops; the drawing adds the output box: ``nodes`` nodes."""
    y = vg.Variable(0.5, name="x")
    for _ in range(nodes - 2):
        y = vg.tanh(y)
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
    return loss


def best_seconds(work: Callable[[], object], budget: float = 0.5, most: int = 7) -> float:
    """Fastest wall time of ``work``, run until ``budget`` seconds pass (at least once)."""
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < most and (not times or time.perf_counter() - start < budget):
        begin = time.perf_counter()
        work()
        times.append(time.perf_counter() - begin)
    return min(times)


def layout(dot: str, engine: str, timeout: float) -> str:
    """Time one layout with ``engine``: a cell of the table."""
    try:
        seconds = best_seconds(lambda: render_svg(dot, engine=engine, timeout=timeout),
                                 budget=1.0, most=3)
    except RenderError as error:
        return f"> {timeout:g} s" if "longer than" in str(error) else "failed"
    return duration(seconds)


def duration(seconds: float) -> str:
    if seconds < 0.01:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="give up on one layout after this many seconds (default 60)")
    parser.add_argument("--quick", action="store_true",
                        help="skip the expanded 3,000-node drawings")
    args = parser.parse_args()
    engines = ["graphviz-pure"] + (["dot"] if shutil.which("dot") else [])

    rows = []
    cases = [(shape.__name__, shape, size) for shape in (chain, layers) for size in SIZES]
    cases.append(("chain", chain, LONG_CHAIN_OPS + 2))
    for shape_name, build, size in cases:
        y = build(size)
        y.backward()
        graph_seconds = best_seconds(lambda y=y: vg.graph(y), budget=1.0, most=3)
        drawing = vg.graph(y)
        n = len(drawing.nodes)
        drawings = [("collapsed" if drawing.default_collapsed() else "full", None)]
        if drawing.default_collapsed() and n <= 3_000 and not (args.quick and n > 1_500):
            drawings.append(("expanded", []))
        for kind, collapse in drawings:
            dot = drawing.to_dot(collapse=collapse)
            dot_seconds = best_seconds(
                lambda d=drawing, c=collapse: d.to_dot(collapse=c))
            drawn = dot.count(' [id="n') + dot.count(" shape=box3d")
            cells = [layout(dot, engine, args.timeout) for engine in engines]
            rows.append([shape_name, f"{n:,}", kind, f"{drawn:,}", duration(graph_seconds),
                         duration(dot_seconds), *cells])
            print(f"  {shape_name} {n:,} {kind}: done", file=sys.stderr, flush=True)

    header = ["graph", "nodes", "drawn", "boxes drawn", "vg.graph()", "to_dot",
              *[f"layout+SVG ({engine})" for engine in engines]]
    print()
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(" --- " for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    print(f"Targets: to_dot under {TO_DOT_TARGET_MS} ms at 1,000 nodes drawn in full; a graph "
          f"past {COLLAPSE_LIMIT} nodes, drawn collapsed (its default), laid out in under "
          f"{COLLAPSED_TARGET_S} s. Layouts time out after {args.timeout:g} s.")
    if "dot" not in engines:
        print("No system `dot` found: only graphviz-pure was timed.")


if __name__ == "__main__":
    main()
