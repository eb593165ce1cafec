"""The cost targets, measured side by side in one run and repeated: every ratio printed.

    python bench/targets.py [--rounds 3] [--only layout|scalars|trace|torch ...]

- layout: the 60-step recurrence ``h = tanh(h @ W + x)`` (bench/draw.py) drawn whole, as
  ``vg.show`` opens it with the kernel's Graphviz layout, against a 10,000-op scalar
  forward + backward (``y = y·0.5 + x``); target at most 20x;
- scalars: 2,000 steps of ``y = y·c + x`` with every leaf made beforehand (bench/core.py's
  (a'), "W1"), and the 10,000-op expression with 0.5 written inline ((a)), against
  micrograd; target at most 1.5x for (a');
- trace: ``vg.show`` of a 100,000-op chain against the forward + backward that recorded
  it; target at most 0.7x;
- PyTorch: a training step of the two small transformers of bench/torch.py (nanoGPT's
  blocks and an ``nn.TransformerEncoderLayer``) recorded with ``vizgrad.torch.record()``
  and drawn with ``vg.graph``, against the plain step; target at most 2x (skipped when
  PyTorch is not installed; bench/torch.py gives every model and record() alone).

Times are CPU seconds of this process and its children (the layout runs as one), the
fastest of a few runs; the machine may be shared, and CPU time is the steady number
there. Each round measures everything once; the table gives every round's ratios and
their median.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent


def _bench(name: str) -> ModuleType:
    """bench/<name>.py as a module (bench/ itself stays off the path: it has a torch.py)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


core = _bench("core")   # puts the checkout first on the path
draw = _bench("draw")

import vizgrad as vg  # noqa: E402
from vizgrad.frontends.widget import show  # noqa: E402


def cpu_of(work: Callable[[], object], runs: int = 3) -> float:
    """Fastest CPU seconds of ``work`` (children included), collector paused while timed;
    what it built is freed after the clock stops."""
    best = float("inf")
    for _ in range(runs):
        gc.disable()
        begin = draw.cpu_seconds()
        built = work()
        best = min(best, draw.cpu_seconds() - begin)
        gc.enable()
        del built
        gc.collect()
    return best


def layout_ratio() -> tuple[float, float, float]:
    """(vg.show of the 60-step recurrence, drawn whole; 10,000-op forward + backward; ratio)."""
    y = draw.recurrence(60)
    drawing = vg.graph(y)
    if drawing.default_collapsed():
        raise SystemExit("the 60-step recurrence opened collapsed: it must be drawn whole")
    drawn = cpu_of(lambda: show(y, names={}))
    scalar = cpu_of(draw.scalar_expression, runs=5)
    return drawn, scalar, drawn / scalar


def micrograd_ratios() -> dict[str, tuple[float, float, float]]:
    """(vizgrad ms, micrograd ms, ratio) for (a') "W1" and (a), medians of turns."""
    core.CLOCK = time.process_time
    shapes = {"W1 (a')": (core.leaves_vizgrad, core.leaves_micrograd),
              "(a)": (core.scalar_vizgrad, core.scalar_micrograd)}
    found = {}
    for name, (ours, theirs) in shapes.items():
        medians = core.time_in_turns({"vizgrad": ours(), "micrograd": theirs()}, 1.0)
        found[name] = (medians["vizgrad"], medians["micrograd"],
                       medians["vizgrad"] / medians["micrograd"])
    return found


def trace_ratio() -> tuple[float, float, float]:
    """(vg.show of a 100,000-op chain, the forward + backward that recorded it, ratio)."""
    recording = cpu_of(lambda: draw.chain(100_000), runs=5)
    y = draw.chain(100_000)
    drawn = cpu_of(lambda: show(y, names={}), runs=5)
    return drawn, recording, drawn / recording


ROWS = ("layout", "scalars", "trace", "torch")  # what --only picks
TRANSFORMERS = {"nanoGPT, 2 blocks": "nanoGPT", "nn.TransformerEncoderLayer": "encoder"}


def torch_ratios() -> dict[str, tuple[float, float, float]]:
    """(record() + vg.graph ms, plain ms, ratio) of each small transformer's training step;
    empty when PyTorch is not installed."""
    if not core.has("torch"):
        return {}
    bench_torch = _bench("torch")
    bench_torch.torch.set_num_threads(1)
    found = {}
    for name, (model, forward) in bench_torch.workloads().items():
        if name in TRANSFORMERS:
            steps = bench_torch.steps(model, forward)
            times = bench_torch.measure({"plain": steps["plain"],
                                         "drawn": steps["record() + vg.graph"]}, 20)
            found[TRANSFORMERS[name]] = (times["drawn"], times["plain"],
                                         times["drawn"] / times["plain"])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="times to measure everything")
    parser.add_argument("--only", choices=ROWS, action="append",
                        help="measure only this row (repeatable; default: every row)")
    args = parser.parse_args()
    wanted = set(args.only or ROWS)
    if not core.has("micrograd"):
        raise SystemExit("micrograd is not installed: pip install -e '.[bench]'")
    gc.collect()
    gc.freeze()  # what the imports made is never scanned while timing (see bench/core.py)
    rows: dict[str, list[str]] = {}
    ratios: dict[str, list[float]] = {}

    def add(name: str, text: str, ratio: float) -> None:
        rows.setdefault(name, []).append(text)
        ratios.setdefault(name, []).append(ratio)

    for round_number in range(1, args.rounds + 1):
        if "layout" in wanted:
            drawn, scalar, ratio = layout_ratio()
            add("layout", f"{drawn * 1000:.0f} / {scalar * 1000:.0f} ms = {ratio:.1f}x", ratio)
        if "scalars" in wanted:
            for name, (ours, theirs, ratio) in micrograd_ratios().items():
                add(name, f"{ours:.1f} / {theirs:.1f} ms = {ratio:.2f}x", ratio)
        if "trace" in wanted:
            drawn, recording, ratio = trace_ratio()
            add("trace", f"{drawn * 1000:.0f} / {recording * 1000:.0f} ms = {ratio:.2f}x",
                ratio)
        if "torch" in wanted:
            for name, (drawn, plain, ratio) in torch_ratios().items():
                add(name, f"{drawn:.1f} / {plain:.1f} ms = {ratio:.2f}x", ratio)
        print(f"  round {round_number}: done", file=sys.stderr, flush=True)

    labels = {
        "layout": "60-step recurrence drawn whole ÷ 10,000-op scalar forward + backward",
        "W1 (a')": "W1: 2,000 steps, leaves made beforehand, vizgrad ÷ micrograd",
        "(a)": "(a): 10,000 ops, 0.5 inline, vizgrad ÷ micrograd",
        "trace": "vg.show of a 100,000-op chain ÷ its forward + backward",
        "nanoGPT": "PyTorch nanoGPT step, record() + vg.graph ÷ plain",
        "encoder": "PyTorch nn.TransformerEncoderLayer step, record() + vg.graph ÷ plain",
    }
    targets = {"layout": "≤ 20x", "W1 (a')": "≤ 1.5x", "(a)": "—", "trace": "≤ 0.7x",
               "nanoGPT": "≤ 2x", "encoder": "≤ 2x"}
    print("| ratio | target | " + " | ".join(f"round {k + 1}" for k in range(args.rounds))
          + " | median |")
    print("|" + " --- |" * (args.rounds + 3))
    for name, label in labels.items():
        if name not in ratios:
            continue
        median = statistics.median(ratios[name])
        print(f"| {label} | {targets[name]} | " + " | ".join(rows[name])
              + f" | {median:.2f}x |")
    print("\nCPU time of this process and its children; every PyTorch model, and record()"
          " alone: bench/torch.py.")


if __name__ == "__main__":
    main()
