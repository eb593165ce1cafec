"""Every tutorial notebook runs top to bottom in a fresh kernel without an error.

Each notebook asserts its own key numbers, so a wrong gradient fails here. The
kernel is this interpreter (the test's venv) with the repository on its path,
registered as ``python3`` in a temporary JUPYTER_PATH. Each notebook runs once
a session (the ``run_notebook`` fixture): the course site's test shows that run.
The executed notebooks are saved, widget state and all, to
test-artifacts/notebooks/ as a reader would get them, and each widget there must
carry its picture.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")

from docs.build_site import needs_torch, notebook_paths  # noqa: E402 - after the skips

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PATHS = notebook_paths(NOTEBOOKS)
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
SAVED = ROOT / "test-artifacts" / "notebooks"


def shows_widget(nb: nbformat.NotebookNode) -> bool:
    """True when a code cell displays the widget (vg.show or the %vizgrad magics)."""
    return any(cell.cell_type == "code" and ("vg.show(" in cell.source or "%vizgrad" in
                                             cell.source) for cell in nb.cells)


def test_notebooks_exist() -> None:
    """One notebook per tutorial, numbered from 01, each number once."""
    numbers = [int(p.name[:2]) for p in PATHS]
    assert numbers[:10] == list(range(1, 11)) and len(set(numbers)) == len(numbers)


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs(path: Path, run_notebook) -> None:
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    if needs_torch(nb) and importlib.util.find_spec("torch") is None:
        pytest.skip(f"{path.name} runs PyTorch, which is not installed: "
                    "`pip install torch==2.13.0` (the CPU wheel) runs it")
    assert "widgets" not in nb.metadata and all(
        not cell.get("outputs") and cell.get("execution_count") is None
        for cell in nb.cells if cell.cell_type == "code"), "the notebook has stored outputs"

    run = run_notebook(path)  # raises CellExecutionError on the first cell that fails
    assert run.where == [sys.executable, str(NOTEBOOKS)], "the kernel ran elsewhere"
    nb = run.tutorial.nb
    if shows_widget(nb):
        state = nb.metadata["widgets"][WIDGET_STATE]["state"]
        models = [model["state"] for model in state.values()]
        assert any("graph" in model and "dot" in model for model in models), \
            "no vizgrad widget state was stored"
    SAVED.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, SAVED / path.name)
    assert_every_widget_has_a_picture(nbformat.read(SAVED / path.name, as_version=4))


def assert_every_widget_has_a_picture(nb: nbformat.NotebookNode) -> None:
    """Where no JavaScript runs (GitHub, nbviewer) each widget's next output is its picture."""
    for cell in nb.cells:
        outputs = cell.get("outputs", [])
        for i, output in enumerate(outputs):
            if WIDGET_VIEW not in output.get("data", {}):
                continue
            assert i + 1 < len(outputs), f"a widget without its picture in:\n{cell.source}"
            picture = outputs[i + 1]["data"]
            assert picture["image/svg+xml"].lstrip().startswith(("<?xml", "<svg", "<!DOCTYPE"))
            assert picture["text/plain"].startswith("vizgrad graph of "), picture["text/plain"]
