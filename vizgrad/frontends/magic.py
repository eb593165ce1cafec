"""The ``%vizgrad`` and ``%%vizgrad`` IPython magics."""

from __future__ import annotations

import ast
import re
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class

from ..core.autodiff import gradients
from ..core.tensor import Tensor
from ..drawing.api import is_drawable, size_of, torch_recording
from ..errors import VizgradError
from .widget import GraphWidget, show

USAGE = "usage: %%vizgrad [TARGET] [--wrt a,b]"
_WRT = re.compile(r"(?:^|\s)--wrt(?:=|\s+)(?P<names>\S+)")


def parse_line(line: str) -> tuple[str, list[str] | None]:
    """The magic's line as (TARGET expression, --wrt names or None).

    The target is kept as written, quotes and all, so any expression works.

    >>> parse_line('losses["total"] --wrt w1,b1')
    ('losses["total"]', ['w1', 'b1'])
    """
    wrt = None
    found = _WRT.search(line)
    if found:
        wrt = [name.strip() for name in found["names"].split(",") if name.strip()]
        line = line[:found.start()] + line[found.end():]
    for token in line.split():
        if token.startswith("--wrt"):
            raise UsageError(f"%vizgrad: --wrt takes tensor names once, e.g. --wrt x,y; {USAGE}")
        if re.match(r"--[A-Za-z]", token):
            raise UsageError(f"%vizgrad: unknown option {token!r}; {USAGE}")
    return line.strip(), wrt


def assigned_names(cell: str) -> list[str]:
    """Names the cell assigns, in the order of their last assignment.

    >>> assigned_names("x = 1\\ny = x * 2\\nx += 1")
    ['y', 'x']
    """
    order: dict[str, int] = {}
    for node in ast.walk(ast.parse(cell)):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.NamedExpr)):
            targets = [node.target]
        elif isinstance(node, ast.With):
            targets = [item.optional_vars for item in node.items if item.optional_vars]
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    order.pop(name.id, None)
                    order[name.id] = (node.lineno, getattr(node, "col_offset", 0))
    return sorted(order, key=order.__getitem__)


@magics_class
class VizgradMagics(Magics):
    """``%%vizgrad [TARGET] [--wrt a,b]`` runs the cell and draws backpropagation."""

    @line_cell_magic
    def vizgrad(self, line: str, cell: str | None = None) -> GraphWidget | None:
        """Draw backpropagation from TARGET (default: the last scalar tensor assigned)."""
        expression, wrt = parse_line(line)
        namespace = self.shell.user_ns
        assigned: list[str] = []
        if cell is not None:
            outer = self.shell.displayhook.exec_result
            with torch_recording(cell):
                result = self.shell.run_cell(cell, store_history=False)
            self.shell.displayhook.exec_result = outer  # so this cell's result is our widget
            if not result.success:
                # the cell's own traceback has been shown; fail this cell too, so that
                # "Run All" stops here as it does for any failing cell
                if outer is not None:
                    outer.error_in_exec = result.error_before_exec or result.error_in_exec
                return None
            python = self.shell.transform_cell(cell)  # `%time`, `!ls` lines are not Python
            assigned = [n for n in assigned_names(python) if is_drawable(namespace.get(n))]
        elif not expression:
            raise UsageError("%vizgrad needs a tensor: %vizgrad loss, or use %%vizgrad on a cell")
        target = self._target(expression, assigned, namespace)
        if wrt and not isinstance(target, Tensor):
            raise UsageError("%vizgrad --wrt works on vizgrad tensors; a PyTorch tensor is "
                             "drawn back to every leaf that requires grad, a micrograd value "
                             "to every Value it was made from")
        if wrt:
            sources = []
            for name in wrt:
                value = namespace.get(name)
                if not isinstance(value, Tensor):
                    raise UsageError(f"%vizgrad --wrt: {name!r} is not a vizgrad tensor in this "
                                     "notebook; fix: name variables the cell defines")
                sources.append(value)
            try:
                gradients(target, sources)
            except VizgradError as error:
                raise UsageError(f"%vizgrad: {error}") from None
        extra = [namespace[n] for n in assigned]
        try:
            return show(target, names=namespace, extra=extra)
        except VizgradError as error:  # e.g. what cannot be drawn exactly: one line, the fix
            raise UsageError(f"%vizgrad: {error}") from None

    def _target(self, expression: str, assigned: list[str], namespace: dict) -> Tensor:
        if not expression:
            scalars = [n for n in assigned if size_of(namespace[n]) == 1]
            if not scalars:
                raise UsageError("%%vizgrad found no scalar tensor assigned in the cell; fix: "
                                 "name the target, e.g. %%vizgrad loss")
            return namespace[scalars[-1]]
        try:
            value = eval(expression, namespace)  # noqa: S307 - the user's own notebook code
        except Exception as error:
            raise UsageError(f"%vizgrad: the target {expression!r} could not be evaluated: "
                             f"{type(error).__name__}: {error}") from None
        if not is_drawable(value):
            raise UsageError(f"%vizgrad: the target {expression!r} is a {type(value).__name__}, "
                             "not a tensor vizgrad can draw (a vizgrad or PyTorch tensor, or a "
                             "micrograd Value); fix: name a tensor the cell computes")
        return value


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext vizgrad``."""
    ipython.register_magics(VizgradMagics)
