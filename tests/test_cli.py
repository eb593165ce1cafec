"""``vizgrad export``, run as a user runs it: ``python -m vizgrad`` in a fresh process."""

import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import vizgrad

CHECKOUT = Path(vizgrad.__file__).resolve().parents[1]
WORKED_EXAMPLE = """\
import vizgrad as vg

x, y = vg.Variable(3.0), vg.Variable(4.0)
f = x * x * y + y + 2
count = 3
"""


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(CHECKOUT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    return subprocess.run([sys.executable, "-m", "vizgrad", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "worked.py"
    path.write_text(WORKED_EXAMPLE)
    return path


def shown_text(svg: str) -> list[str]:
    root = ET.fromstring(svg.encode())
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def assert_one_line_error(done: subprocess.CompletedProcess, *words: str) -> str:
    assert done.returncode != 0
    last = done.stderr.rstrip("\n").splitlines()[-1]
    assert last.startswith("vizgrad: error: ")
    for word in words:
        assert word in last
    return last


def test_export_writes_the_svg_of_the_last_step(tmp_path, script):
    done = run(tmp_path, "export", "worked.py", "--target", "f", "-o", "out/f.svg")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "wrote out/f.svg"
    shown = shown_text((tmp_path / "out" / "f.svg").read_text())
    assert "∂f/∂x = 24" in shown and "∂f/∂y = 10" in shown
    assert "x" in shown and "y" in shown           # named after the script's variables


def test_export_steps_writes_one_svg_per_step(tmp_path, script):
    done = run(tmp_path, "export", "worked.py", "--target", "f", "--steps", "slides")
    assert done.returncode == 0, done.stderr
    files = sorted(p.name for p in (tmp_path / "slides").iterdir())
    assert files == ["step_00.svg", "step_01.svg", "step_02.svg", "step_03.svg",
                     "step_04.svg"]
    first = shown_text((tmp_path / "slides" / "step_00.svg").read_text())
    last = shown_text((tmp_path / "slides" / "step_04.svg").read_text())
    assert not any("∂" in text for text in first)
    assert "∂f/∂x = 24" in last


def test_a_missing_script_is_one_clear_line(tmp_path):
    done = run(tmp_path, "export", "nowhere.py", "--target", "f", "-o", "f.svg")
    assert done.stderr == "vizgrad: error: no such script: nowhere.py\n"
    assert done.returncode == 2


def test_an_unknown_target_lists_the_scripts_tensors(tmp_path, script):
    done = run(tmp_path, "export", "worked.py", "--target", "loss", "-o", "f.svg")
    last = assert_one_line_error(done, "'loss'", "f, x, y")
    assert done.stderr.count("\n") == 1, done.stderr
    assert "count" not in last                     # only tensors are offered
    assert not (tmp_path / "f.svg").exists()


def test_a_target_that_is_not_a_tensor_says_what_it_is(tmp_path, script):
    done = run(tmp_path, "export", "worked.py", "--target", "count", "-o", "f.svg")
    assert_one_line_error(done, "'count' is an int, not a vizgrad tensor", "f, x, y")
    assert done.stderr.count("\n") == 1


def test_a_script_that_raises_shows_its_traceback_then_one_line(tmp_path):
    (tmp_path / "broken.py").write_text(textwrap.dedent("""\
        import vizgrad as vg

        x = vg.Variable(1.0)
        raise ValueError("the data file is missing")
    """))
    done = run(tmp_path, "export", "broken.py", "--target", "x", "-o", "f.svg")
    lines = done.stderr.rstrip("\n").splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert 'broken.py", line 4, in <module>' in done.stderr
    assert "cli.py" not in done.stderr and "runpy" not in done.stderr  # only the script's part
    assert lines[-2] == "ValueError: the data file is missing"
    assert_one_line_error(done, "broken.py raised ValueError: the data file is missing")


def test_nothing_to_write_is_an_error_with_the_fix(tmp_path, script):
    done = run(tmp_path, "export", "worked.py", "--target", "f")
    assert_one_line_error(done, "-o out.svg", "--steps DIR")
