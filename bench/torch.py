"""What does ``vizgrad.torch.record()`` cost on a real PyTorch training step?

    python bench/torch.py [--repeats N]

One SGD step of a 784-128-10 MLP (ReLU, cross-entropy) on a batch of 64:
forward, loss, ``loss.backward()``, update. Timed plain, then with the forward
inside ``with vizgrad.torch.record():`` (every op's values copied, hooks on the
autograd nodes, each backward step's gradients copied), then record plus
``trace_of(loss)`` (the plain-data Trace the drawing reads). Prints a markdown
table of median times and the ratio to plain PyTorch; the target is under 2x.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
sys.path = [p for p in sys.path if Path(p).resolve() != Path(__file__).resolve().parent]
import torch  # noqa: E402  (bench/ itself is off the path: this file is named torch.py)
import torch.nn.functional as F  # noqa: E402

import vizgrad.torch as vt  # noqa: E402

BATCH, N_IN, N_HIDDEN, N_OUT = 64, 784, 128, 10
TARGET = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)  # two cores shared: one thread gives steadier numbers
    model = torch.nn.Sequential(torch.nn.Linear(N_IN, N_HIDDEN), torch.nn.ReLU(),
                                torch.nn.Linear(N_HIDDEN, N_OUT))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(BATCH, N_IN)
    labels = torch.randint(0, N_OUT, (BATCH,))

    def plain() -> None:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        optimizer.step()

    def recorded() -> None:
        optimizer.zero_grad()
        with vt.record():
            loss = F.cross_entropy(model(x), labels)
        loss.backward()
        optimizer.step()

    def recorded_and_traced() -> None:
        optimizer.zero_grad()
        with vt.record():
            loss = F.cross_entropy(model(x), labels)
        loss.backward()
        vt.trace_of(loss)
        optimizer.step()

    rows = [("plain PyTorch", plain), ("record()", recorded),
            ("record() + trace_of(loss)", recorded_and_traced)]
    times = measure(dict(rows), args.repeats)
    base = times["plain PyTorch"]
    print(f"\nPyTorch {torch.__version__}, one thread; median of {args.repeats} SGD steps of "
          f"a {N_IN}-{N_HIDDEN}-{N_OUT} MLP, batch {BATCH}\n")
    print("| step | ms | × plain PyTorch |")
    print("| --- | --- | --- |")
    for name, ms in times.items():
        print(f"| {name} | {ms:.3f} | {ms / base:.2f} |")
    print(f"\nTarget: record() under {TARGET}× plain PyTorch: "
          f"{'met' if times['record()'] / base < TARGET else 'NOT met'}.")


def measure(steps: dict[str, Callable[[], None]], repeats: int) -> dict[str, float]:
    """Median milliseconds of each step; the steps take turns, so a busy machine slows all."""
    for step in steps.values():
        for _ in range(10):
            step()
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            samples[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


if __name__ == "__main__":
    main()
