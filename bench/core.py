"""How fast is the vizgrad engine? Four workloads against numpy-only peers and plain numpy.

    python bench/core.py [--quick] [--cpu-time]

On a machine shared with other work, ``OMP_NUM_THREADS=1 python bench/core.py --cpu-time``
counts the CPU time this process used instead of wall time, every library on one thread:
the other programs' load then barely moves the numbers.

(a) a 10,000-op scalar expression ``y = y·0.5 + x`` written as a user writes it, so
    every engine wraps the number 0.5 its own way on every step;
(a') the same expression shape, 2,000 steps (4,000 ops), with every leaf (x and the
    2,000 coefficients) made beforehand, so only the ops themselves are timed;
(b) 1,000 chained elementwise ops on a 3x3 array, forward and backward;
(c) one training step of a 784-128-10 MLP (tanh, softmax cross-entropy) on a batch of 64:
    forward, loss, backward, SGD update.

Each is written once per library, computing the same numbers (checked before timing).
Every library gets the same treatment: setup (data, leaves, models) runs before the
clock starts; the timed call returns what it built, and freeing it (including
Python's cyclic garbage collection, which micrograd's closures need) happens after
the clock stops, with the collector paused while timing.
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

# run from a checkout; and not from bench/ itself, whose torch.py would stand in for PyTorch
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))
import vizgrad as vg  # noqa: E402

SCALAR_OPS = 10_000        # (a): two ops (multiply, add) per iteration
LEAF_STEPS = 2_000         # (a'): y = y·c[i] + x with the c[i] made beforehand
ELEMENTWISE_OPS = 1_000    # (b): four ops (multiply, add, tanh, sin) per iteration
BATCH, N_IN, N_HIDDEN, N_OUT = 64, 784, 128, 10
LEARNING_RATE = 0.1
COEFFICIENTS = np.linspace(0.2, 0.8, LEAF_STEPS)

# micrograd sorts its graph recursively: 10,000 ops nest 10,000 calls deep
sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * SCALAR_OPS))

# A timed function returns (the answer, what it built): the answer is checked against
# numpy's, and what it built is freed after the clock stops.
Timed = Callable[[], tuple[object, object]]


def has(module: str) -> bool:
    """True when ``module`` can be imported."""
    return importlib.util.find_spec(module) is not None


# -- (a) scalar expression, constants inline: y = 0.5·y + x, 5,000 times; dy/dx -------
def scalar_vizgrad() -> Timed:
    """vizgrad: Variable and Python-number operators."""
    def run():
        x = vg.Variable(0.3)
        y = x
        for _ in range(SCALAR_OPS // 2):
            y = y * 0.5 + x
        y.backward()
        return float(x.grad), y
    return run


def scalar_autograd() -> Timed:
    """HIPS autograd: the vector-Jacobian product of a Python function (kept to free later)."""
    import autograd

    def f(x):
        y = x
        for _ in range(SCALAR_OPS // 2):
            y = y * 0.5 + x
        return y

    def run():
        vjp, _ = autograd.make_vjp(f)(0.3)
        return float(vjp(1.0)), vjp
    return run


def scalar_mygrad() -> Timed:
    """mygrad: 0-d tensors."""
    import mygrad as mg

    def run():
        x = mg.tensor(0.3)
        y = x
        for _ in range(SCALAR_OPS // 2):
            y = y * 0.5 + x
        y.backward()
        return float(x.grad), y
    return run


def scalar_micrograd() -> Timed:
    """micrograd: Python-float Values (each 0.5 becomes a Value, as micrograd does)."""
    from micrograd.engine import Value

    def run():
        x = Value(0.3)
        y = x
        for _ in range(SCALAR_OPS // 2):
            y = y * 0.5 + x
        y.backward()
        return float(x.grad), y
    return run


def scalar_torch() -> Timed:
    """PyTorch: 0-d tensors on the CPU."""
    import torch

    def run():
        x = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
        y = x
        for _ in range(SCALAR_OPS // 2):
            y = y * 0.5 + x
        y.backward()
        return float(x.grad), y
    return run


def _scalar_by_hand(coefficients: list[float], x: float) -> float:
    """The forward values, then dy/dx accumulated backwards."""
    y = x
    for c in coefficients:
        y = y * c + x
    dy = 1.0
    dx = 0.0
    for c in reversed(coefficients):
        dx += dy           # through "+ x"
        dy *= c            # through "* c"
    return dx + dy


def scalar_numpy() -> Timed:
    """By hand, on numpy floats."""
    coefficients = [np.float64(0.5)] * (SCALAR_OPS // 2)
    return lambda: (_scalar_by_hand(coefficients, np.float64(0.3)), None)


# -- (a') scalar expression, leaves made beforehand: y = c[i]·y + x, 2,000 times ---------
def leaves_vizgrad() -> Timed:
    """vizgrad: constants made in setup."""
    coefficients = [vg.constant(c) for c in COEFFICIENTS]

    def run():
        x = vg.Variable(0.3)
        y = x
        for c in coefficients:
            y = y * c + x
        y.backward()
        return float(x.grad), y
    return run


def leaves_autograd() -> Timed:
    """HIPS autograd: constants are plain floats, never nodes (its design)."""
    import autograd

    coefficients = [float(c) for c in COEFFICIENTS]

    def f(x):
        y = x
        for c in coefficients:
            y = y * c + x
        return y

    def run():
        vjp, _ = autograd.make_vjp(f)(0.3)
        return float(vjp(1.0)), vjp
    return run


def leaves_mygrad() -> Timed:
    """mygrad: constant tensors made in setup."""
    import mygrad as mg

    coefficients = [mg.tensor(c, constant=True) for c in COEFFICIENTS]

    def run():
        x = mg.tensor(0.3)
        y = x
        for c in coefficients:
            y = y * c + x
        y.backward()
        return float(x.grad), y
    return run


def leaves_micrograd() -> Timed:
    """micrograd: Values made in setup."""
    from micrograd.engine import Value

    coefficients = [Value(float(c)) for c in COEFFICIENTS]

    def run():
        x = Value(0.3)
        y = x
        for c in coefficients:
            y = y * c + x
        y.backward()
        return float(x.grad), y
    return run


def leaves_torch() -> Timed:
    """PyTorch: 0-d tensors made in setup."""
    import torch

    coefficients = [torch.tensor(c, dtype=torch.float64) for c in COEFFICIENTS]

    def run():
        x = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
        y = x
        for c in coefficients:
            y = y * c + x
        y.backward()
        return float(x.grad), y
    return run


def leaves_numpy() -> Timed:
    """By hand, on numpy floats."""
    coefficients = [np.float64(c) for c in COEFFICIENTS]
    return lambda: (_scalar_by_hand(coefficients, np.float64(0.3)), None)


# -- (b) elementwise chain on a 3x3 array: y = sin(tanh(y)·x + x); returns d sum(y)/dx -
X33 = np.linspace(-1.0, 1.0, 9).reshape(3, 3)


def elementwise_vizgrad() -> tuple[np.ndarray, object]:
    """vizgrad: array Variable and vg functions."""
    x = vg.Variable(X33)
    y = x
    for _ in range(ELEMENTWISE_OPS // 4):
        y = vg.sin(vg.tanh(y) * x + x)
    y.sum().backward()
    return x.grad, y


def elementwise_autograd() -> tuple[np.ndarray, object]:
    """HIPS autograd."""
    import autograd
    import autograd.numpy as anp

    def f(x):
        y = x
        for _ in range(ELEMENTWISE_OPS // 4):
            y = anp.sin(anp.tanh(y) * x + x)
        return anp.sum(y)

    vjp, _ = autograd.make_vjp(f)(X33)
    return vjp(1.0), vjp


def elementwise_mygrad() -> tuple[np.ndarray, object]:
    """mygrad."""
    import mygrad as mg

    x = mg.tensor(X33)
    y = x
    for _ in range(ELEMENTWISE_OPS // 4):
        y = mg.sin(mg.tanh(y) * x + x)
    mg.sum(y).backward()
    return x.grad, y


def elementwise_torch() -> tuple[np.ndarray, object]:
    """PyTorch."""
    import torch

    x = torch.tensor(X33, requires_grad=True)
    y = x
    for _ in range(ELEMENTWISE_OPS // 4):
        y = torch.sin(torch.tanh(y) * x + x)
    y.sum().backward()
    return x.grad.numpy(), y


def elementwise_numpy() -> tuple[np.ndarray, object]:
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
    return dx + dy, None


# -- (c) one MLP training step --------------------------------------------------------
def mlp_data() -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """A fixed batch, labels and initial weights [W1, b1, W2, b2]."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, N_IN))
    labels = rng.integers(0, N_OUT, size=BATCH)
    weights = [rng.uniform(-1, 1, (N_IN, N_HIDDEN)) / np.sqrt(N_IN), np.zeros(N_HIDDEN),
               rng.uniform(-1, 1, (N_HIDDEN, N_OUT)) / np.sqrt(N_HIDDEN), np.zeros(N_OUT)]
    return x, labels, weights


def mlp_vizgrad() -> Timed:
    """vizgrad: nn.MLP, nn.cross_entropy and optim.SGD, as a tutorial would write it."""
    x, labels, weights = mlp_data()
    model = vg.nn.MLP(N_IN, [N_HIDDEN, N_OUT])
    for layer, (w, b) in zip(model.layers, [weights[:2], weights[2:]]):
        layer.W = vg.Variable(w, name=layer.W.name)
        layer.b = vg.Variable(b, name=layer.b.name)
    params = model.parameters()
    optimizer = vg.optim.SGD(params, lr=LEARNING_RATE)
    inputs = vg.constant(x, name="x")

    def step() -> tuple[list[vg.Tensor], vg.Tensor]:
        loss = vg.nn.cross_entropy(model(inputs), labels)
        optimizer.minimize(loss)
        return params, loss

    return step


def mlp_autograd() -> Timed:
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

    vjp_of_loss = autograd.make_vjp(loss)

    def step() -> tuple[list[np.ndarray], object]:
        vjp, _ = vjp_of_loss(weights)
        grads = vjp(1.0)
        weights[:] = [w - LEARNING_RATE * g for w, g in zip(weights, grads)]
        return weights, vjp

    return step


def mlp_mygrad() -> Timed:
    """mygrad: tensors, nnet.logsoftmax, in-place update of .data."""
    import mygrad as mg

    x, labels, weights = mlp_data()
    params = [mg.tensor(w) for w in weights]
    rows = np.arange(BATCH)

    def step() -> tuple[list[np.ndarray], object]:
        w1, b1, w2, b2 = params
        logits = mg.matmul(mg.tanh(mg.matmul(x, w1) + b1), w2) + b2
        loss = -mg.mean(mg.nnet.logsoftmax(logits, axis=1)[rows, labels])
        loss.backward()
        for p in params:
            p.data -= LEARNING_RATE * p.grad
            p.null_grad()
        return [p.data for p in params], loss

    return step


def mlp_torch() -> Timed:
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

    def step() -> tuple[list[np.ndarray], object]:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        w1, b1, w2, b2 = (p.detach().numpy() for p in model.parameters())
        return [w1.T, b1, w2.T, b2], loss

    return step


def mlp_numpy() -> Timed:
    """By hand: forward, the softmax cross-entropy gradient, backward, in-place update."""
    x, labels, weights = mlp_data()
    rows = np.arange(BATCH)

    def step() -> tuple[list[np.ndarray], None]:
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
        return weights, None

    return step


# -- running and reporting ------------------------------------------------------------
LIBRARIES = {  # name -> the module that must be importable
    "vizgrad": "vizgrad", "numpy": "numpy", "autograd": "autograd", "mygrad": "mygrad",
    "micrograd": "micrograd", "torch": "torch",
}


def as_is(function: Timed) -> Callable[[], Timed]:
    """A workload that needs no setup: time ``function`` itself."""
    return lambda: function


# each entry makes (untimed) the function that is timed
WORKLOADS: dict[str, dict[str, Callable[[], Timed]]] = {
    "(a) 10,000-op scalar expression, constants inline": {
        "vizgrad": scalar_vizgrad, "numpy": scalar_numpy, "autograd": scalar_autograd,
        "mygrad": scalar_mygrad, "micrograd": scalar_micrograd, "torch": scalar_torch},
    "(a') 4,000-op scalar expression, leaves made beforehand": {
        "vizgrad": leaves_vizgrad, "numpy": leaves_numpy, "autograd": leaves_autograd,
        "mygrad": leaves_mygrad, "micrograd": leaves_micrograd, "torch": leaves_torch},
    "(b) 1,000 elementwise ops on 3x3": {
        "vizgrad": as_is(elementwise_vizgrad), "numpy": as_is(elementwise_numpy),
        "autograd": as_is(elementwise_autograd), "mygrad": as_is(elementwise_mygrad),
        "torch": as_is(elementwise_torch)},
    "(c) 784-128-10 MLP step, batch 64": {
        "vizgrad": mlp_vizgrad, "numpy": mlp_numpy, "autograd": mlp_autograd,
        "mygrad": mlp_mygrad, "torch": mlp_torch},
}


CLOCK = time.perf_counter  # --cpu-time: time.process_time


def time_once(function: Timed) -> float:
    """Seconds one call takes; freeing what it built happens after the clock stops."""
    gc.disable()   # a collection started by this call's allocations is cleanup too
    try:
        begin = CLOCK()
        built = function()
        elapsed = CLOCK() - begin
    finally:
        gc.enable()
    del built
    gc.collect()
    return elapsed


def time_in_turns(functions: dict[str, Timed], budget: float,
                  min_runs: int = 3) -> dict[str, float]:
    """Median time (ms) of each function; they take turns run by run, about ``budget`` s
    each in all, so a busy moment of a shared machine falls on every library alike."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    for function in functions.values():
        time_once(function)  # warm up imports and caches
    start, runs = time.perf_counter(), 0
    while runs < min_runs or time.perf_counter() - start < budget * len(functions):
        for name, function in functions.items():
            times[name].append(time_once(function))
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
    parser.add_argument("--cpu-time", action="store_true",
                        help="count this process's CPU time, not wall time (a shared machine)")
    arguments = parser.parse_args()
    budget = 0.3 if arguments.quick else 2.0
    global CLOCK
    CLOCK = time.process_time if arguments.cpu_time else time.perf_counter
    available = [name for name, module in LIBRARIES.items() if has(module)]
    missing = [name for name in LIBRARIES if name not in available]
    for name in available:
        importlib.import_module(LIBRARIES[name])
    if arguments.cpu_time and "torch" in available:
        import torch
        torch.set_num_threads(1)   # as OMP_NUM_THREADS=1 does for numpy's BLAS
    # Importing PyTorch leaves millions of objects for Python's cyclic garbage collector
    # to scan at every full collection, which doubles the time of any pure-Python engine
    # (vizgrad, micrograd) timed in the same process. Freezing what the imports made
    # keeps every library timed as if it were alone.
    gc.collect()
    gc.freeze()

    medians: dict[str, dict[str, float]] = {}
    for workload, implementations in WORKLOADS.items():
        expected = implementations["numpy"]()()[0]
        timed = {}
        for library in available:
            setup = implementations.get(library)
            if setup is None:
                continue
            if not same_result(expected, setup()()[0]):
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
    scalar_rows = [(workload, row) for workload, row in medians.items()
                   if workload.startswith("(a") and "micrograd" in row]
    if scalar_rows:  # scalar code's yardstick: micrograd, plain Python floats
        print("\nvizgrad ÷ micrograd on scalar code: " + "; ".join(
            f"{workload.split(' ')[0]} {row['vizgrad'] / row['micrograd']:.2f}x"
            for workload, row in scalar_rows) + " (target for (a'): at most 1.5x)")
    clock = "CPU ms of this process" if arguments.cpu_time else "wall-clock ms"
    print(f"\nmedian {clock} (ratio to vizgrad); numpy = written by hand, the floor. "
          f"Python {sys.version.split()[0]}, numpy {np.__version__}.")
    if missing:
        print(f"not installed: {', '.join(missing)}")


if __name__ == "__main__":
    main()
