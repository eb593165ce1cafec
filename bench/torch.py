"""What does ``vizgrad.torch.record()`` cost on real PyTorch training steps?

    python bench/torch.py [--repeats N] [--only NAME]

One SGD training step (zero_grad, forward, loss, ``loss.backward()``,
``optimizer.step()``) of five models, each timed three ways on the same
weights and batch (made before timing):

- plain PyTorch;
- ``record()``: the forward inside ``with vizgrad.torch.record():`` (values
  kept, hooks on the autograd nodes, each backward step's gradients kept);
- ``record() + vg.graph``: also the drawing built from it (``vg.graph(loss)``,
  what ``vg.show`` and ``%%vizgrad`` draw).

The models: an MLP 784-128-10 (batch 64); nanoGPT (its Block, twice, with
token and position embeddings and a head: makemore's small transformer,
n_embd 64, 4 heads, 16 tokens, batch 16); makemore's GRU (n_embd 64, 16
steps, batch 32); a torchvision ResNet BasicBlock (32 channels, 16x16,
batch 8); an ``nn.TransformerEncoderLayer`` (d_model 64, 4 heads, feed-forward
128, 16 tokens, batch 16) under a linear head. The vendored models are in
tests/torch_programs.py. Prints a markdown table of median CPU times and the
ratios to plain PyTorch; the targets are record() <= 1.5x and record() +
vg.graph <= 2x.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout
sys.path = [p for p in sys.path if Path(p).resolve() != Path(__file__).resolve().parent]
import torch  # noqa: E402  (bench/ itself is off the path: this file is named torch.py)
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import vizgrad as vg  # noqa: E402
import vizgrad.torch as vt  # noqa: E402

RECORD_TARGET, DRAWING_TARGET = 1.5, 2.0


def _programs():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("torch_programs",
                                                  ROOT / "tests" / "torch_programs.py")
    module = sys.modules["torch_programs"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


P = _programs()


def workloads() -> dict[str, tuple[nn.Module, Callable[[nn.Module], torch.Tensor]]]:
    """Name -> (model, the forward pass to the loss), inputs made here, outside timing."""
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    x, labels = torch.randn(64, 784), torch.randint(0, 10, (64,))

    gpt_config = P.GPTConfig(block_size=16, n_embd=64, n_head=4)
    gpt = P.GPT(gpt_config, vocab=27, layers=2)
    idx, targets = torch.randint(0, 27, (16, 16)), torch.randint(0, 27, (16, 16))

    rnn_config = P.RNNConfig(block_size=16, vocab_size=27, n_embd=64, n_embd2=64)
    gru = P.RNN(rnn_config, "gru")
    words, next_chars = torch.randint(0, 27, (32, 16)), torch.randint(0, 27, (32, 16))

    block = P.BasicBlock(32, 32)
    images = torch.randn(8, 32, 16, 16)

    encoder = nn.Sequential(nn.TransformerEncoderLayer(64, 4, dim_feedforward=128, dropout=0.0,
                                                       batch_first=True), nn.Linear(64, 1))
    sequences = torch.randn(16, 16, 64)
    return {
        "MLP 784-128-10": (mlp, lambda m: F.cross_entropy(m(x), labels)),
        "nanoGPT, 2 blocks": (gpt, lambda m: m(idx, targets)),
        "makemore GRU, 16 steps": (gru, lambda m: m(words, next_chars)[1]),
        "ResNet BasicBlock": (block, lambda m: m(images).square().mean()),
        "nn.TransformerEncoderLayer": (encoder, lambda m: m(sequences).square().mean()),
    }


def steps(model: nn.Module, forward: Callable) -> dict[str, Callable[[], None]]:
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)

    def plain() -> None:
        optimizer.zero_grad()
        loss = forward(model)
        loss.backward()
        optimizer.step()

    def recorded() -> None:
        optimizer.zero_grad()
        with vt.record():
            loss = forward(model)
        loss.backward()
        optimizer.step()

    def drawn() -> None:
        optimizer.zero_grad()
        with vt.record():
            loss = forward(model)
        loss.backward()
        vg.graph(loss, names={"model": model})
        optimizer.step()

    return {"plain": plain, "record()": recorded, "record() + vg.graph": drawn}


def measure(steps: dict[str, Callable[[], None]], repeats: int) -> dict[str, float]:
    """Median CPU milliseconds of each step (the process's CPU time, so other programs on a
    busy machine do not count); the steps take turns."""
    for step in steps.values():
        for _ in range(3):
            step()
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.process_time()
            step()
            samples[name].append((time.process_time() - start) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--only", default=None, help="time only the model whose name has this")
    args = parser.parse_args()
    torch.set_num_threads(1)  # two cores shared: one thread gives steadier numbers
    print(f"\nPyTorch {torch.__version__}, one thread; median CPU time of {args.repeats} "
          "SGD steps\n")
    print("| model | plain ms | record() ms | × plain | record() + vg.graph ms | × plain |")
    print("| --- | --- | --- | --- | --- | --- |")
    worst = [0.0, 0.0]
    for name, (model, forward) in workloads().items():
        if args.only and args.only.lower() not in name.lower():
            continue
        times = measure(steps(model, forward), args.repeats)
        base = times["plain"]
        ratios = times["record()"] / base, times["record() + vg.graph"] / base
        worst = [max(worst[0], ratios[0]), max(worst[1], ratios[1])]
        print(f"| {name} | {base:.2f} | {times['record()']:.2f} | {ratios[0]:.2f} | "
              f"{times['record() + vg.graph']:.2f} | {ratios[1]:.2f} |", flush=True)
    print(f"\nTargets: record() <= {RECORD_TARGET}x plain: "
          f"{'met' if worst[0] <= RECORD_TARGET else 'NOT met'} (worst {worst[0]:.2f}x); "
          f"with vg.graph <= {DRAWING_TARGET}x: "
          f"{'met' if worst[1] <= DRAWING_TARGET else 'NOT met'} (worst {worst[1]:.2f}x).")


if __name__ == "__main__":
    main()
