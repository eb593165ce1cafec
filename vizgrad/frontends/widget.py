"""The notebook widget: a thin anywidget that hands a Graph to the browser.

It holds no autodiff code: it sends ``Graph.to_dict()`` and the DOT to lay
out, and keeps ``step`` and the collapsed scopes in sync with the view.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ..core.tensor import Tensor
from ..drawing.api import graph
from ..drawing.graph import Graph
from ..errors import ArgumentError, VizgradError

BUNDLE = Path(__file__).parent.parent / "static" / "widget.js"


class GraphWidget(anywidget.AnyWidget):
    """Draws a Graph and steps through its backward pass.

    ``step`` is synced both ways: set it from Python and the view follows.
    """

    _esm = BUNDLE if BUNDLE.exists() else "export default { render({ el }) { el.textContent = " \
        "'vizgrad: the widget front-end is not built; run ./dev lab or (cd js && npm ci && " \
        "npm run build)'; } }"
    graph = traitlets.Dict().tag(sync=True)
    dot = traitlets.Unicode("").tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    collapsed = traitlets.List(traitlets.Unicode()).tag(sync=True)

    def __init__(self, data: Graph, step: int | None = 0, **kwargs: Any) -> None:
        self._graph = data
        scope_ids = data.default_collapsed()
        names = [s.name for s in data.scopes if s.id in scope_ids]
        super().__init__(graph=data.to_dict(), collapsed=names,
                         dot=data.to_dot(collapse=scope_ids, highlight=False),
                         step=data.check_step(step), **kwargs)

    @property
    def data(self) -> Graph:
        """The Graph this widget shows."""
        return self._graph

    @traitlets.validate("step")
    def _valid_step(self, proposal: dict) -> int:
        try:
            return self._graph.check_step(proposal["value"])
        except ArgumentError as error:
            raise traitlets.TraitError(str(error)) from None

    @traitlets.validate("collapsed")
    def _valid_collapsed(self, proposal: dict) -> list[str]:
        # checked before the trait changes, so a typo leaves the drawing as it was
        try:
            self._scope_ids(proposal["value"])
        except VizgradError as error:
            raise traitlets.TraitError(str(error)) from None
        return proposal["value"]

    @traitlets.observe("collapsed")
    def _relayout(self, change: dict) -> None:
        ids = self._scope_ids()
        self.graph = self._graph.to_dict(collapse=ids)  # the data of what is now drawn
        self.dot = self._graph.to_dot(collapse=ids, highlight=False)

    def _scope_ids(self, names: list[str] | None = None) -> list[str]:
        return self._graph.scope_ids(self.collapsed if names is None else names)

    def save_svg(self, path: str | Path, step: int | None = None) -> Path:
        """Write the drawing at ``step`` (default: the step shown) to an SVG file."""
        shown = self.step if step is None else step
        return self._graph.save_svg(path, shown, collapse=self._scope_ids())

    def to_svg(self, step: int | None = None) -> str:
        """The drawing at ``step`` (default: the step shown) as SVG text."""
        return self._graph.to_svg(self.step if step is None else step,
                                  collapse=self._scope_ids())


def show(y: Tensor | Graph, *, names: Mapping[str, Any] | None = None, step: int | None = 0,
         **options: Any) -> GraphWidget:
    """A widget that draws ``y``'s graph and steps through backpropagation.

    ``names``: a namespace (``locals()``) to name tensors after their variables;
    in a notebook the notebook's own variables are used when it is not given.
    """
    if names is None:
        names = _notebook_namespace()
    data = y if isinstance(y, Graph) else graph(y, names=names, **options)
    return GraphWidget(data, step=step)


def _notebook_namespace() -> Mapping[str, Any] | None:
    """The running IPython shell's variables, or None outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return None
    shell = get_ipython()
    return None if shell is None else shell.user_ns
