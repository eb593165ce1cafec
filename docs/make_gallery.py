"""Draw the gallery: one SVG per tutorial notebook, exported with ``vizgrad export``.

    .venv/bin/python docs/make_gallery.py            # writes docs/gallery/NN_name.svg
    .venv/bin/python docs/make_gallery.py --png DIR  # also a PNG of each, via headless Chromium

Each ``docs/examples/NN_name.py`` reproduces its notebook's key graph and names the
tensor to draw on a ``target: NAME`` line of its docstring.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
EXAMPLES = DOCS / "examples"
GALLERY = DOCS / "gallery"
TARGET = re.compile(r"^target: (\w+)$", re.M)
SVG_SIZE = re.compile(r'<svg[^>]*width="([\d.]+)pt"[^>]*height="([\d.]+)pt"')


def target_of(script: Path) -> str:
    """The tensor a script names on its ``target: NAME`` line."""
    found = TARGET.search(script.read_text(encoding="utf-8"))
    if not found:
        raise SystemExit(f"{script}: no 'target: NAME' line in the docstring")
    return found.group(1)


def export(script: Path, svg: Path) -> None:
    """Run ``python -m vizgrad export`` on one script, with this checkout on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "vizgrad", "export", str(script.relative_to(ROOT)),
               "--target", target_of(script), "-o", str(svg.relative_to(ROOT))]
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def to_png(svg: Path, png: Path) -> None:
    """Screenshot an SVG with headless Chromium, the window sized to the drawing."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("--png needs chromium (apt-get install chromium)")
    size = SVG_SIZE.search(svg.read_text(encoding="utf-8"))
    width, height = (round(float(v) * 4 / 3) + 2 for v in size.groups()) if size else (0, 0)
    width, height = max(width, 1200), max(height, 600)  # a smaller window crops the shot
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", "--hide-scrollbars",
                        f"--user-data-dir={profile}", f"--screenshot={png}",
                        f"--window-size={width},{height}", svg.resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--png", type=Path, help="also write a PNG of each SVG to this folder")
    args = parser.parse_args()
    GALLERY.mkdir(exist_ok=True)
    scripts = sorted(EXAMPLES.glob("[0-9][0-9]_*.py"))
    if importlib.util.find_spec("torch") is None:  # keep the PyTorch drawings as they are
        scripts = [s for s in scripts if "import torch" not in s.read_text(encoding="utf-8")]
    for script in scripts:
        svg = GALLERY / f"{script.stem}.svg"
        export(script, svg)
        if args.png:
            args.png.mkdir(parents=True, exist_ok=True)
            to_png(svg, args.png / f"{script.stem}.png")
    print(f"{len(scripts)} drawings in {GALLERY.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
