"""The %vizgrad and %%vizgrad magics, run in a real IPython shell."""

from __future__ import annotations

import builtins
import re

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from vizgrad.frontends.widget import GraphWidget

WORKED_EXAMPLE = """\
x = vg.Variable(3.0)
y = vg.Variable(4.0)
f = x*x*y + y + 2
"""

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def shell():
    """The IPython shell with vizgrad loaded and a fresh namespace."""
    # IPython leaves `_` alone when builtins has one (as gettext does); a doctest run
    # earlier in the same process leaves its last value there
    builtins.__dict__.pop("_", None)
    ipython = InteractiveShell.instance()
    ipython.reset(new_session=False)
    ipython.run_cell("import vizgrad as vg", store_history=True).raise_error()
    ipython.run_cell("%load_ext vizgrad", store_history=True).raise_error()
    yield ipython
    ipython.reset(new_session=False)


def run(shell: InteractiveShell, cell: str):
    return shell.run_cell(cell, store_history=True)


def labels(widget: GraphWidget) -> set[str]:
    return {node.label for node in widget.data.nodes}


def plain(text: str) -> str:
    return ANSI.sub("", text)


def test_cell_magic_draws_the_worked_example(shell):
    result = run(shell, "%%vizgrad\n" + WORKED_EXAMPLE)
    assert result.success
    widget = result.result
    assert isinstance(widget, GraphWidget)
    assert widget.data.target_name == "f"
    assert {"x", "y", "f"} <= labels(widget)
    x, y = widget.data.find("x"), widget.data.find("y")
    assert (x.grad, y.grad) == ("24", "10")
    assert widget.step == 0
    # the cell ran in the notebook's namespace
    assert float(shell.user_ns["f"].data) == 42.0


def test_the_widget_is_the_cells_value(shell):
    result = run(shell, "%%vizgrad\n" + WORKED_EXAMPLE)
    assert shell.user_ns["_"] is result.result
    assert shell.user_ns["Out"][result.execution_count] is result.result
    run(shell, "w = _\nw.step = 2").raise_error()
    assert result.result.step == 2


def test_default_target_is_the_last_scalar_the_cell_assigned(shell):
    cell = WORKED_EXAMPLE + "g = f * 2\nv = vg.tensor([1.0, 2.0]) * x\nn = 3.0\n"
    widget = run(shell, "%%vizgrad\n" + cell).result
    assert widget.data.target_name == "g"
    assert "v" in labels(widget)  # drawn, though not on the way to g
    assert widget.data.find("v").greyed


def test_a_name_assigned_again_counts_from_its_last_assignment(shell):
    cell = "a = vg.Variable(1.0)\nb = a * 3\na = b + 1\n"
    assert run(shell, "%%vizgrad\n" + cell).result.data.target_name == "a"


def test_explicit_target(shell):
    cell = WORKED_EXAMPLE + "g = f * 2\n"
    widget = run(shell, "%%vizgrad f\n" + cell).result
    assert widget.data.target_name == "f"
    assert widget.data.find("x").grad == "24"


def test_explicit_target_may_be_an_expression(shell):
    widget = run(shell, "%%vizgrad f * 2\n" + WORKED_EXAMPLE).result
    assert isinstance(widget, GraphWidget)
    assert widget.data.find("x").grad == "48"


def test_wrt_shows_a_source_no_gradient_reached(shell):
    cell = WORKED_EXAMPLE + "z = vg.Variable(5.0)\n"
    widget = run(shell, "%%vizgrad f --wrt x,z\n" + cell).result
    z = widget.data.find("z")
    assert z.unconnected
    assert not widget.data.find("x").unconnected
    assert widget.data.find("x").grad == "24"


def test_wrt_a_name_that_is_not_a_tensor(shell, capsys):
    result = run(shell, "%%vizgrad f --wrt x,nothing\n" + WORKED_EXAMPLE)
    assert isinstance(result.error_in_exec, UsageError)
    assert "'nothing'" in str(result.error_in_exec)
    assert result.result is None


def test_the_cells_own_error_is_its_traceback_and_no_widget(shell, capsys):
    result = run(shell, "%%vizgrad\nx = vg.Variable(3.0)\nf = x * 2 + undefined_name\n")
    out = plain(capsys.readouterr().out)
    assert "NameError" in out and "undefined_name" in out
    assert "Traceback" in out
    assert result.result is None
    assert not result.success  # so "Run All" stops at this cell
    assert isinstance(result.error_in_exec, NameError)
    assert "magic.py" not in out  # the traceback is the cell's, not the magic's


def test_a_syntax_error_in_the_cell(shell, capsys):
    result = run(shell, "%%vizgrad\nf = (\n")
    assert "SyntaxError" in plain(capsys.readouterr().out)
    assert result.result is None
    assert not result.success


def test_a_bad_target_is_a_one_line_usage_error_naming_it(shell, capsys):
    result = run(shell, "%%vizgrad nope\n" + WORKED_EXAMPLE)
    assert isinstance(result.error_in_exec, UsageError)
    assert result.result is None
    captured = capsys.readouterr()
    err = plain(captured.err).strip()
    assert err.startswith("UsageError:")
    assert "'nope'" in err
    assert len(err.splitlines()) == 1
    assert "Traceback" not in captured.out + captured.err


def test_a_target_that_is_not_a_tensor(shell, capsys):
    result = run(shell, "%%vizgrad n\nn = 3\n" + WORKED_EXAMPLE)
    assert isinstance(result.error_in_exec, UsageError)
    assert "'n' is a int" in str(result.error_in_exec)
    assert len(plain(capsys.readouterr().err).strip().splitlines()) == 1


def test_a_cell_with_no_scalar_asks_for_a_target(shell):
    result = run(shell, "%%vizgrad\nv = vg.tensor([1.0, 2.0])\n")
    assert isinstance(result.error_in_exec, UsageError)
    assert "%%vizgrad loss" in str(result.error_in_exec)


def test_bad_options_are_a_usage_error(shell):
    result = run(shell, "%%vizgrad --nope\n" + WORKED_EXAMPLE)
    assert isinstance(result.error_in_exec, UsageError)
    assert "usage: %%vizgrad [TARGET] [--wrt a,b]" in str(result.error_in_exec)


def test_ipython_lines_in_the_cell(shell):
    cell = "import math\n%time a = vg.Variable(2.0)\nb = a * a\n!true\n"
    widget = run(shell, "%%vizgrad\n" + cell).result
    assert widget.data.target_name == "b"


def test_line_magic_on_an_existing_tensor(shell):
    run(shell, WORKED_EXAMPLE).raise_error()
    result = run(shell, "%vizgrad f")
    widget = result.result
    assert isinstance(widget, GraphWidget)
    assert widget.data.target_name == "f"
    assert {"x", "y", "f"} <= labels(widget)
    assert shell.user_ns["_"] is widget


def test_line_magic_on_an_expression(shell):
    run(shell, WORKED_EXAMPLE).raise_error()
    widget = run(shell, "%vizgrad f * 2").result
    assert widget.data.find("x").grad == "48"
    assert widget.data.find("y").grad == "20"


def test_line_magic_keeps_the_expression_as_written(shell):
    run(shell, WORKED_EXAMPLE + 'losses = {"total": f * 2}\n').raise_error()
    widget = run(shell, '%vizgrad losses["total"]').result
    assert isinstance(widget, GraphWidget)
    assert widget.data.find("x").grad == "48"


def test_wrt_with_an_equals_sign(shell):
    cell = WORKED_EXAMPLE + "z = vg.Variable(5.0)\n"
    widget = run(shell, "%%vizgrad f --wrt=z\n" + cell).result
    assert widget.data.find("z").unconnected


def test_wrt_without_names_is_a_usage_error(shell):
    result = run(shell, "%%vizgrad --wrt\n" + WORKED_EXAMPLE)
    assert isinstance(result.error_in_exec, UsageError)
    assert "--wrt x,y" in str(result.error_in_exec)


def test_line_magic_without_a_tensor(shell):
    result = run(shell, "%vizgrad")
    assert isinstance(result.error_in_exec, UsageError)
    assert "%vizgrad loss" in str(result.error_in_exec)


def test_line_magic_on_a_missing_name(shell, capsys):
    result = run(shell, "%vizgrad missing")
    assert isinstance(result.error_in_exec, UsageError)
    assert len(plain(capsys.readouterr().err).strip().splitlines()) == 1


def test_load_ext_through_the_package(shell):
    assert "vizgrad" in shell.magics_manager.magics["cell"]
    assert "vizgrad" in shell.magics_manager.magics["line"]
