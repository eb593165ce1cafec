"""Fixtures shared by the test modules."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import vizgrad as vg

from .graphs import sin_chain

ROOT = Path(__file__).resolve().parents[1]
# an extra cell, in memory only: which interpreter and folder the kernel ran in
WHERE = "import os, sys\nprint(sys.executable)\nprint(os.getcwd())"


@pytest.fixture(scope="session")
def long_chain() -> vg.Graph:
    """The drawing of a 20,000-op chain y = sin(sin(...sin(x))): past the collapse limit."""
    return vg.graph(sin_chain(20_000))


@pytest.fixture(scope="session")
def python3_kernel(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A folder for JUPYTER_PATH with a ``python3`` kernel: this interpreter, this checkout."""
    jupyter_path = tmp_path_factory.mktemp("jupyter")
    spec_dir = jupyter_path / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    python_path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (vizgrad tests)",
        "language": "python",
        "env": {"PYTHONPATH": python_path},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return str(jupyter_path)


@dataclass
class NotebookRun:
    """A tutorial notebook as nbclient ran it, and where its kernel ran."""

    tutorial: object  # docs/build_site.py's Tutorial: the executed notebook and its widgets
    where: list[str]  # the kernel's interpreter and working folder


@pytest.fixture(scope="session")
def run_notebook(python3_kernel: str) -> Iterator[Callable[[Path], NotebookRun]]:
    """``run_notebook(path)``: each tutorial runs once a session, for its test and the site."""
    import nbformat

    from docs.build_site import Tutorial, execute

    runs: dict[Path, NotebookRun | BaseException] = {}

    def run(path: Path) -> NotebookRun:
        if path not in runs:
            nb = nbformat.read(path, as_version=4)
            nb.cells.append(nbformat.v4.new_code_cell(WHERE))
            previous = os.environ.get("JUPYTER_PATH")
            os.environ["JUPYTER_PATH"] = os.pathsep.join(
                p for p in (python3_kernel, previous) if p)
            try:
                pages = execute(nb, path.parent, timeout=120)
                where = "".join(output.get("text", "") for output in nb.cells.pop().outputs
                                if output.get("name") == "stdout").splitlines()
                runs[path] = NotebookRun(Tutorial(path, nb, pages), where)
            except Exception as error:  # a failing notebook fails each test that runs it
                runs[path] = error
            finally:
                if previous is None:
                    os.environ.pop("JUPYTER_PATH", None)
                else:
                    os.environ["JUPYTER_PATH"] = previous
        if isinstance(runs[path], BaseException):
            raise runs[path]
        return runs[path]

    yield run
