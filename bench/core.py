"""How fast is the vizgrad engine? Three workloads against numpy-only peers and plain numpy.

    python bench/core.py [--quick]

(a) a 10,000-op scalar expression, forward and backward;
(b) 1,000 chained elementwise ops on a 3x3 array, forward and backward;
(c) one training step of a 784-128-10 MLP (tanh, softmax cross-entropy) on a batch of 64:
    forward, loss, backward, SGD update.

Each is written once per library, computing the same numbers (checked before timing).
The peers are the optional ``bench`` extras (HIPS autograd, mygrad, micrograd);
PyTorch is measured only if it is already installed. "numpy" is the same work
written by hand with the derivatives worked out on paper: the floor. vizgrad
always records the graph and every backward step for drawing; that is included.
Prints a markdown table of median times (ms) and each one's ratio to vizgrad.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
import vizgrad as vg  # noqa: E402

SCALAR_OPS = 10_000        # (a): two ops (multiply, add) per iteration
ELEMENTWISE_OPS = 1_000    # (b): four ops (multiply, add, tanh, sin) per iteration
BATCH, N_IN, N_HIDDEN, N_OUT = 64, 784, 128, 10
LEARNING_RATE = 0.1

# micrograd sorts its graph recursively: 10,000 ops nest 10,000 calls deep
sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * SCALAR_OPS))


def has(module: str) -> bool:
    """True when ``module`` can be imported."""
    return importlib.util.find_spec(module) is not None


# -- (a) scalar expression: y = 0.5·y + x, 5,000 times; returns dy/dx ----------------
def scalar_vizgrad() -> float:
    """vizgrad: Variable and Python-number operators."""
    x = vg.Variable(0.3)
    y = x
    for _ in range(SCALAR_OPS // 2):
        y = y * 0.5 + x
    y.backward()
    return float(x.grad)


def scalar_autograd() -> float:
    """HIPS autograd: grad of a Python function."""
    import autograd

    def f(x):
        y = x
        for _ in range(SCALAR_OPS // 2):
            y = y * 0.5 + x
        return y

    return float(autograd.grad(f)(0.3))


def scalar_mygrad() -> float:
    """mygrad: 0-d tensors."""
    import mygrad as mg

    x = mg.tensor(0.3)
    y = x
    for _ in range(SCALAR_OPS // 2):
        y = y * 0.5 + x
    y.backward()
    return float(x.grad)


def scalar_micrograd() -> float:
    """micrograd: Python-float Values."""
    from micrograd.engine import Value

    x = Value(0.3)
    y = x
    for _ in range(SCALAR_OPS // 2):
        y = y * 0.5 + x
    y.backward()
    return float(x.grad)


def scalar_torch() -> float:
    """PyTorch: 0-d tensors on the CPU."""
    import torch

    x = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(SCALAR_OPS // 2):
        y = y * 0.5 + x
    y.backward()
    return float(x.grad)


def scalar_numpy() -> float:
    """By hand: the forward values, then dy/dx accumulated backwards."""
    x = np.float64(0.3)
    y = x
    for _ in range(SCALAR_OPS // 2):
        y = y * 0.5 + x
    dy = 1.0
    dx = 0.0
    for _ in range(SCALAR_OPS // 2):
        dx += dy           # through "+ x"
        dy *= 0.5          # through "* 0.5"
    return dx + dy


# -- (b) elementwise chain on a 3x3 array: y = sin(tanh(y)·x + x); returns d sum(y)/dx -
X33 = np.linspace(-1.0, 1.0, 9).reshape(3, 3)


def elementwise_vizgrad() -> np.ndarray:
    """vizgrad: array Variable and vg functions."""
    x = vg.Variable(X33)
    y = x
    for _ in range(ELEMENTWISE_OPS // 4):
        y = vg.sin(vg.tanh(y) * x + x)
    y.sum().backward()
    return x.grad


def elementwise_autograd() -> np.ndarray:
    """HIPS autograd."""
    import autograd
    import autograd.numpy as anp

    def f(x):
        y = x
        for _ in range(ELEMENTWISE_OPS // 4):
            y = anp.sin(anp.tanh(y) * x + x)
        return anp.sum(y)

    return autograd.grad(f)(X33)


def elementwise_mygrad() -> np.ndarray:
    """mygrad."""
    import mygrad as mg

    x = mg.tensor(X33)
    y = x
    for _ in range(ELEMENTWISE_OPS // 4):
        y = mg.sin(mg.tanh(y) * x + x)
    mg.sum(y).backward()
    return x.grad


def elementwise_torch() -> np.ndarray:
    """PyTorch."""
    import torch

    x = torch.tensor(X33, requires_grad=True)
    y = x
    for _ in range(ELEMENTWISE_OPS // 4):
        y = torch.sin(torch.tanh(y) * x + x)
    y.sum().backward()
    return x.grad.numpy()


def elementwise_numpy() -> np.ndarray:
    """By hand: keep what backward needs, then apply the chain rule in reverse."""
    x = X33
    y = x
    kept = []
    for _ in range(ELEMENTWISE_OPS // 4):
        t = np.tanh(y)
        u = t * x + x
        kept.append((t, u))
        y = np.sin(u)
    dy = np.ones_like(y)
    dx = np.zeros_like(x)
    for t, u in reversed(kept):
        du = dy * np.cos(u)
        dx += du * t + du
        dy = du * x * (1 - t * t)
    return dx + dy


# -- (c) one MLP training step --------------------------------------------------------
def mlp_data() -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """A fixed batch, labels and initial weights [W1, b1, W2, b2]."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, N_IN))
    labels = rng.integers(0, N_OUT, size=BATCH)
    weights = [rng.uniform(-1, 1, (N_IN, N_HIDDEN)) / np.sqrt(N_IN), np.zeros(N_HIDDEN),
               rng.uniform(-1, 1, (N_HIDDEN, N_OUT)) / np.sqrt(N_HIDDEN), np.zeros(N_OUT)]
    return x, labels, weights


def mlp_vizgrad() -> Callable[[], list[np.ndarray]]:
    """vizgrad: nn.MLP, nn.cross_entropy and optim.SGD, as a tutorial would write it."""
    x, labels, weights = mlp_data()
    model = vg.nn.MLP(N_IN, [N_HIDDEN, N_OUT])
    for layer, (w, b) in zip(model.layers, [weights[:2], weights[2:]]):
        layer.W = vg.Variable(w, name=layer.W.name)
        layer.b = vg.Variable(b, name=layer.b.name)
    params = model.parameters()
    optimizer = vg.optim.SGD(params, lr=LEARNING_RATE)
    inputs = vg.constant(x, name="x")

    def step() -> list[vg.Tensor]:
        optimizer.minimize(vg.nn.cross_entropy(model(inputs), labels))
        return params

    return step


def mlp_autograd() -> Callable[[], list[np.ndarray]]:
    """HIPS autograd: grad of the loss with respect to a list of weights."""
    import autograd
    import autograd.numpy as anp

    x, labels, weights = mlp_data()
    rows = np.arange(BATCH)

    def loss(params):
        w1, b1, w2, b2 = params
        logits = anp.tanh(x @ w1 + b1) @ w2 + b2
        shifted = logits - anp.max(logits, axis=1, keepdims=True)
        log_probs = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
        return -anp.mean(log_probs[rows, labels])

    gradient = autograd.grad(loss)

    def step() -> list[np.ndarray]:
        grads = gradient(weights)
        weights[:] = [w - LEARNING_RATE * g for w, g in zip(weights, grads)]
        return weights

    return step


def mlp_mygrad() -> Callable[[], list[np.ndarray]]:
    """mygrad: tensors, nnet.logsoftmax, in-place update of .data."""
    import mygrad as mg

    x, labels, weights = mlp_data()
    params = [mg.tensor(w) for w in weights]
    rows = np.arange(BATCH)

    def step() -> list[np.ndarray]:
        w1, b1, w2, b2 = params
        logits = mg.matmul(mg.tanh(mg.matmul(x, w1) + b1), w2) + b2
        loss = -mg.mean(mg.nnet.logsoftmax(logits, axis=1)[rows, labels])
        loss.backward()
        for p in params:
            p.data -= LEARNING_RATE * p.grad
            p.null_grad()
        return [p.data for p in params]

    return step


def mlp_torch() -> Callable[[], list[np.ndarray]]:
    """PyTorch: nn.Sequential, CrossEntropyLoss, optim.SGD."""
    import torch

    x, labels, weights = mlp_data()
    model = torch.nn.Sequential(torch.nn.Linear(N_IN, N_HIDDEN), torch.nn.Tanh(),
                                torch.nn.Linear(N_HIDDEN, N_OUT)).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(weights[0].T))
        model[0].bias.copy_(torch.from_numpy(weights[1]))
        model[2].weight.copy_(torch.from_numpy(weights[2].T))
        model[2].bias.copy_(torch.from_numpy(weights[3]))
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    inputs, targets = torch.from_numpy(x), torch.from_numpy(labels)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step() -> list[np.ndarray]:
        optimizer.zero_grad()
        loss_fn(model(inputs), targets).backward()
        optimizer.step()
        w1, b1, w2, b2 = (p.detach().numpy() for p in model.parameters())
        return [w1.T, b1, w2.T, b2]

    return step


def mlp_numpy() -> Callable[[], list[np.ndarray]]:
    """By hand: forward, the softmax cross-entropy gradient, backward, in-place update."""
    x, labels, weights = mlp_data()
    rows = np.arange(BATCH)

    def step() -> list[np.ndarray]:
        w1, b1, w2, b2 = weights  # updated in place below
        hidden = np.tanh(x @ w1 + b1)
        logits = hidden @ w2 + b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        _loss = -log_probs[rows, labels].mean()
        d_logits = np.exp(log_probs)
        d_logits[rows, labels] -= 1
        d_logits /= BATCH
        d_hidden = (d_logits @ w2.T) * (1 - hidden * hidden)
        w2 -= LEARNING_RATE * (hidden.T @ d_logits)
        b2 -= LEARNING_RATE * d_logits.sum(axis=0)
        w1 -= LEARNING_RATE * (x.T @ d_hidden)
        b1 -= LEARNING_RATE * d_hidden.sum(axis=0)
        return weights

    return step


# -- running and reporting ------------------------------------------------------------
LIBRARIES = {  # name -> the module that must be importable
    "vizgrad": "vizgrad", "numpy": "numpy", "autograd": "autograd", "mygrad": "mygrad",
    "micrograd": "micrograd", "torch": "torch",
}
def as_is(function: Callable[[], object]) -> Callable[[], Callable[[], object]]:
    """A workload that needs no setup: time ``function`` itself."""
    return lambda: function


# each entry makes (untimed) the function that is timed
WORKLOADS: dict[str, dict[str, Callable[[], Callable[[], object]]]] = {
    "(a) 10,000-op scalar expression": {
        "vizgrad": as_is(scalar_vizgrad), "numpy": as_is(scalar_numpy),
        "autograd": as_is(scalar_autograd), "mygrad": as_is(scalar_mygrad),
        "micrograd": as_is(scalar_micrograd), "torch": as_is(scalar_torch)},
    "(b) 1,000 elementwise ops on 3x3": {
        "vizgrad": as_is(elementwise_vizgrad), "numpy": as_is(elementwise_numpy),
        "autograd": as_is(elementwise_autograd), "mygrad": as_is(elementwise_mygrad),
        "torch": as_is(elementwise_torch)},
    "(c) 784-128-10 MLP step, batch 64": {
        "vizgrad": mlp_vizgrad, "numpy": mlp_numpy, "autograd": mlp_autograd,
        "mygrad": mlp_mygrad, "torch": mlp_torch},
}


ROUNDS = 5  # libraries take turns, so a busy moment of the machine does not hit only one


def time_in_turns(functions: dict[str, Callable[[], object]], budget: float,
                  min_runs: int = 3) -> dict[str, float]:
    """Median wall time (ms) of each function, run in ROUNDS turns of about budget/ROUNDS s."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    for function in functions.values():
        function()  # warm up imports and caches
    for _ in range(ROUNDS):
        for name, function in functions.items():
            start = time.perf_counter()
            runs = 0
            while runs < min_runs or time.perf_counter() - start < budget / ROUNDS:
                begin = time.perf_counter()
                function()
                times[name].append(time.perf_counter() - begin)
                runs += 1
    return {name: 1000 * statistics.median(values) for name, values in times.items()}


def same_result(expected: object, got: object) -> bool:
    """True when two libraries computed the same numbers (a benchmark of wrong code is void)."""
    if isinstance(expected, list):
        return all(np.allclose(e, g, rtol=1e-6, atol=1e-9) for e, g in zip(expected, got))
    return bool(np.allclose(expected, got, rtol=1e-6, atol=1e-9))


def main() -> None:
    """Time every workload in every installed library and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="time each cell for 0.3 s, not 2 s")
    budget = 0.3 if parser.parse_args().quick else 2.0
    available = [name for name, module in LIBRARIES.items() if has(module)]
    missing = [name for name in LIBRARIES if name not in available]
    for name in available:
        importlib.import_module(LIBRARIES[name])
    # Importing PyTorch leaves millions of objects for Python's cyclic garbage collector
    # to scan at every full collection, which doubles the time of any pure-Python engine
    # (vizgrad, micrograd) timed in the same process. Freezing what the imports made
    # keeps every library timed as if it were alone.
    gc.collect()
    gc.freeze()

    medians: dict[str, dict[str, float]] = {}
    for workload, implementations in WORKLOADS.items():
        expected = implementations["numpy"]()()
        timed = {}
        for library in available:
            setup = implementations.get(library)
            if setup is None:
                continue
            if not same_result(expected, setup()()):
                raise SystemExit(f"{library} computed different numbers for {workload}")
            timed[library] = setup()
        medians[workload] = time_in_turns(timed, budget * len(timed))
        for library, median in medians[workload].items():
            print(f"  {workload:36} {library:10} {median:9.2f} ms", file=sys.stderr)

    header = "| workload | " + " | ".join(available) + " |"
    print(header)
    print("|" + " --- |" * (len(available) + 1))
    for workload, row in medians.items():
        base = row["vizgrad"]
        cells = [f"{row[lib]:.2f} ({row[lib] / base:.2f}x)" if lib in row else "n/a"
                 for lib in available]
        print(f"| {workload} | " + " | ".join(cells) + " |")
    print(f"\nmedian ms (ratio to vizgrad); numpy = written by hand, the floor. "
          f"Python {sys.version.split()[0]}, numpy {np.__version__}.")
    if missing:
        print(f"not installed: {', '.join(missing)}")


if __name__ == "__main__":
    main()
