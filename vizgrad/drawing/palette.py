"""The drawing's colours, defined once: DOT reads them, the widget gets them in the data.

>>> COLORS["value"], COLORS["grad"]
('#1f5fbf', '#d1451b')
"""

from __future__ import annotations

COLORS: dict[str, str] = {
    "value": "#1f5fbf",        # forward values (blue)
    "grad": "#d1451b",         # gradients (orange)
    "current": "#ffe08a",      # the op of the current step
    "grey": "#9a9a9a",         # off every path to the target; scope outlines
    "nonfinite": "#ffd0d0",    # behind a NaN/inf where it first appears
    "unconnected": "#b03a2e",  # status notes: unconnected, outside the tape, stopped, NaN
    "dim": "#5f6368",          # small print: op names, shapes, scope titles
    "edge": "#555555",         # arrows
    "collapsed": "#eef1f5",    # the fill of a collapsed group
}
