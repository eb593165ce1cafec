"""Collection rules for the whole repository."""

import importlib.util

# vizgrad/torch imports PyTorch, an optional extra: without it, skip its docstring examples
collect_ignore_glob = [] if importlib.util.find_spec("torch") else ["vizgrad/torch/*"]
