"""Drawing options a user can set once for every drawing: ``vg.set_options(max_values=25)``.

>>> previous = set_options(max_values=25); OPTIONS["max_values"]
25
>>> _ = set_options(**previous)
"""

from __future__ import annotations

from typing import Any

from ..errors import ArgumentError

OPTIONS: dict[str, Any] = {
    "max_values": 16,   # a tensor with at most this many entries shows them all (a 4x4 whole)
}


def check_max_values(value: Any) -> int:
    """``value`` as a count of entries to show, or a clear error."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ArgumentError(f"max_values must be a positive integer, got {value!r}; fix: e.g. "
                            "max_values=16 shows every entry of a 4x4 matrix")
    return value


_CHECKS = {"max_values": check_max_values}


def set_options(**options: Any) -> dict[str, Any]:
    """Set drawing options for every later drawing; returns the previous values.

    ``max_values``: show every entry of tensors with at most this many (default 16);
    larger ones show their shape and a summary.

    >>> import vizgrad as vg
    >>> before = vg.set_options(max_values=4)
    >>> vg.graph(vg.Variable([1., 2., 3., 4., 5.], name="v").sum()).find("v").value
    '(5,) mean 3 [1, 5]'
    >>> _ = vg.set_options(**before)
    """
    unknown = sorted(set(options) - set(_CHECKS))
    if unknown:
        raise ArgumentError(f"unknown option {unknown[0]!r}; fix: use one of "
                            f"{', '.join(sorted(_CHECKS))}")
    previous = {name: OPTIONS[name] for name in options}
    for name, value in options.items():
        OPTIONS[name] = _CHECKS[name](value)
    return previous
