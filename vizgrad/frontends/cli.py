"""``vizgrad export SCRIPT.py --target NAME -o out.svg [--steps DIR]``."""

from __future__ import annotations

import argparse
import runpy
import sys
import traceback
from pathlib import Path

from ..core.tensor import Tensor
from ..drawing.graph import Graph, graph
from ..errors import ArgumentError, VizgradError

MAX_STEPS = 500  # one SVG per step: a long chain would otherwise write thousands of files


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vizgrad", description="Draw reverse-mode autodiff.")
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="run a script and export the graph of a tensor")
    export.add_argument("script", type=Path, help="the Python script to run")
    export.add_argument("--target", required=True, help="the tensor to backpropagate from")
    export.add_argument("-o", "--output", type=Path,
                        help="the file to write: .svg, or .html for a page that steps "
                             "through backpropagation offline")
    export.add_argument("--steps", type=Path, help="a folder for one SVG per step")
    export.add_argument("--max-steps", type=int, default=MAX_STEPS,
                        help=f"refuse --steps past this many files (default {MAX_STEPS})")
    export.add_argument("--step", type=int, default=None, help="the step to draw (default: last)")
    export.add_argument("--engine", default=None, help="graphviz-pure (default) or dot")
    export.add_argument("--collapse", default=None, metavar="SCOPES",
                        help="comma-separated vg.scope names to draw as one box each "
                             "('' draws every scope open; default: collapse only big graphs)")
    return parser


def fail(message: str, code: int = 1) -> int:
    """Print vizgrad's one-line error and return the exit code."""
    print(f"vizgrad: error: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``vizgrad`` command."""
    args = _parser().parse_args(argv)
    if args.output is None and args.steps is None:
        return fail("nothing to write; fix: give -o out.svg and/or --steps DIR", 2)
    if not args.script.is_file():
        return fail(f"no such script: {args.script}", 2)
    sys.path.insert(0, str(args.script.resolve().parent))
    sys.argv = [str(args.script)]  # the script sees itself run, not vizgrad's options
    try:
        namespace = runpy.run_path(str(args.script), run_name="__main__")
    except SystemExit as stop:
        if stop.code not in (None, 0):
            return fail(f"{args.script} exited with status {stop.code}")
        return fail(f"{args.script} called sys.exit() before defining {args.target!r}")
    except BaseException as error:  # the script's own error: show it, then one line
        _print_script_traceback(error, args.script)
        return fail(f"{args.script} raised {type(error).__name__}: {error}; fix the script "
                    "and run again")
    tensors = sorted(k for k, v in namespace.items()
                     if isinstance(v, Tensor) and not k.startswith("_"))
    known = ", ".join(tensors) if tensors else "none"
    if args.target not in namespace:
        return fail(f"{args.script} defines no variable {args.target!r}; fix: --target one of "
                    f"its tensors: {known}", 2)
    target = namespace[args.target]
    if not isinstance(target, Tensor):
        kind = type(target).__name__
        article = "an" if kind[:1].lower() in "aeiou" else "a"
        return fail(f"{args.target!r} is {article} {kind}, not a vizgrad tensor; fix: "
                    f"--target one of the script's tensors: {known}", 2)
    try:
        drawing = graph(target, names=namespace)
        options = {"engine": args.engine}
        if args.collapse is not None:
            names = [n.strip() for n in args.collapse.split(",") if n.strip()]
            try:
                options["collapse"] = drawing.scope_ids(names)
            except ArgumentError as error:
                return fail(str(error), 2)
        if args.output is not None:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            if args.output.suffix.lower() in (".html", ".htm"):
                from .html import save_html
                save_html(drawing, args.output, step=0 if args.step is None else args.step,
                          collapsed=_scope_names(drawing, options.get("collapse")))
            else:
                drawing.save_svg(args.output, args.step, **options)
            print(f"wrote {args.output}")
        if args.steps is not None:
            if len(drawing.steps) > args.max_steps:
                return fail(f"{args.target!r} has {len(drawing.steps)} steps, so --steps would "
                            f"write {len(drawing.steps)} files; fix: raise --max-steps, or "
                            "draw a smaller part of the graph", 2)
            paths = drawing.save_steps(args.steps, **options)
            print(f"wrote {len(paths)} steps to {args.steps}")
    except VizgradError as error:
        return fail(str(error))
    return 0


def _scope_names(drawing: Graph, ids: list[str] | None) -> list[str] | None:
    """The names of the scopes with ``ids`` (None: the drawing's default)."""
    if ids is None:
        return None
    return [s.name for s in drawing.scopes if s.id in ids]


def _print_script_traceback(error: BaseException, script: Path) -> None:
    """The script's traceback, from its first frame on (vizgrad's own frames left out)."""
    frames = traceback.extract_tb(error.__traceback__)
    script_path = str(script.resolve())
    first = next((i for i, f in enumerate(frames)
                  if Path(f.filename).resolve().as_posix() == Path(script_path).as_posix()), 0)
    print("Traceback (most recent call last):", file=sys.stderr)
    print("".join(traceback.format_list(frames[first:])), end="", file=sys.stderr)
    print("".join(traceback.format_exception_only(type(error), error)), end="", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
