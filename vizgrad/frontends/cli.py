"""``vizgrad export SCRIPT.py [--target NAME] -o out.svg|out.png|out.html [--steps DIR]``."""

from __future__ import annotations

import argparse
import math
import runpy
import sys
import traceback
from pathlib import Path

from ..drawing.api import graph, is_drawable, size_of, torch_recording
from ..drawing.graph import Graph
from ..drawing.render import PNG_WIDTH
from ..errors import ArgumentError, VizgradError

MAX_STEPS = 500  # one SVG per step: a long chain would otherwise write thousands of files
FORMATS = (".svg", ".png", ".html", ".htm")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vizgrad", description="Draw reverse-mode autodiff.")
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="run a script and export the graph of a tensor")
    export.add_argument("script", type=Path, help="the Python script to run")
    export.add_argument("--target", default=None,
                        help="the tensor to backpropagate from (default: the last scalar "
                             "tensor the script assigns)")
    export.add_argument("-o", "--output", type=Path,
                        help="the file to write: .svg, .png (a slide) or .html (a page that "
                             "steps through backpropagation offline)")
    export.add_argument("--steps", type=Path, help="a folder for one SVG per step")
    export.add_argument("--max-steps", type=int, default=MAX_STEPS,
                        help=f"refuse --steps past this many files (default {MAX_STEPS})")
    export.add_argument("--step", type=int, default=None, help="the step to draw (default: last)")
    export.add_argument("--engine", default=None, help="graphviz-pure (default) or dot")
    export.add_argument("--collapse", default=None, metavar="SCOPES",
                        help="comma-separated vg.scope (or PyTorch module) names to draw as "
                             "one box each, e.g. transformer.h.0.attn ('' draws every scope "
                             "open; default: collapse only big graphs)")
    export.add_argument("--depth", type=int, default=None, metavar="N",
                        help="draw groups nested deeper than N as one box each (0: every "
                             "top-level group is one box)")
    export.add_argument("--rankdir", choices=("LR", "TB"), default=None,
                        help="LR: left to right (default); TB: top to bottom, for tall slides "
                             "(with --aspect, default: whichever fits the shape better)")
    export.add_argument("--aspect", default=None, metavar="W:H",
                        help="the picture's shape, e.g. 16:9 for a slide: the graph is laid "
                             "out to fill it")
    export.add_argument("--scale", type=float, default=1.0,
                        help="text size, as a multiple of the default (e.g. 1.5)")
    export.add_argument("--max-values", type=int, default=None, metavar="N",
                        help="show every entry of tensors with at most N entries (default 16)")
    export.add_argument("--width", type=int, default=PNG_WIDTH, metavar="PIXELS",
                        help=f"the width of a PNG (default {PNG_WIDTH})")
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
    refused = _check_paths(args) or _check_style(args)
    if refused:
        return fail(refused, 2)
    sys.path.insert(0, str(args.script.resolve().parent))
    sys.argv = [str(args.script)]  # the script sees itself run, not vizgrad's options
    try:
        source = args.script.read_text(encoding="utf-8", errors="replace")
        with torch_recording(source):  # a PyTorch script's ops, recorded as it runs
            namespace = runpy.run_path(str(args.script), run_name="__main__")
    except SystemExit as stop:
        if stop.code not in (None, 0):
            return fail(f"{args.script} exited with status {stop.code}")
        return fail(f"{args.script} called sys.exit() before defining "
                    f"{args.target or 'its result'!r}")
    except BaseException as error:  # the script's own error: show it, then one line
        _print_script_traceback(error, args.script)
        return fail(f"{args.script} raised {type(error).__name__}: {error}; fix the script "
                    "and run again")
    tensors = sorted(k for k, v in namespace.items() if is_drawable(v) and not k.startswith("_"))
    known = ", ".join(tensors) if tensors else "none"
    if args.target is None:
        args.target = _last_scalar(args.script, namespace)
        if args.target is None:
            return fail(f"{args.script} assigns no scalar tensor to draw from; fix: name one "
                        f"with --target (its tensors: {known})", 2)
    if args.target not in namespace:
        return fail(f"{args.script} defines no variable {args.target!r}; fix: --target one of "
                    f"its tensors: {known}", 2)
    target = namespace[args.target]
    if not is_drawable(target):
        kind = type(target).__name__
        article = "an" if kind[:1].lower() in "aeiou" else "a"
        return fail(f"{args.target!r} is {article} {kind}, not a vizgrad tensor; fix: "
                    f"--target one of the script's tensors: {known}", 2)
    try:
        drawing = graph(target, names=namespace, max_values=args.max_values, depth=args.depth)
        options = {"engine": args.engine, "rankdir": args.rankdir or "LR", "scale": args.scale}
        if args.aspect is not None:
            options["aspect"] = _aspect(args.aspect)
        if args.collapse is not None:
            names = [n.strip() for n in args.collapse.split(",") if n.strip()]
            try:
                options["collapse"] = drawing.scope_ids(names)
            except ArgumentError as error:
                return fail(str(error), 2)
        # every refusal comes before the first file is written
        if args.steps is not None and len(drawing.steps) > args.max_steps:
            return fail(f"{args.target!r} has {len(drawing.steps)} steps, so --steps would "
                        f"write {len(drawing.steps)} files; fix: raise --max-steps, or "
                        "draw a smaller part of the graph", 2)
        if args.aspect is not None and args.rankdir is None:
            options["rankdir"] = _closer_rankdir(drawing, args.step, options)
        if args.output is not None:
            _write(drawing, args, options)
            print(f"wrote {args.output}")
        if args.steps is not None:
            paths = drawing.save_steps(args.steps, **options)
            print(f"wrote {len(paths)} steps to {args.steps}")
    except VizgradError as error:
        return fail(str(error))
    return 0


def _write(drawing: Graph, args: argparse.Namespace, options: dict) -> None:
    """Write ``-o``: SVG, PNG or HTML, by its suffix."""
    args.output.parent.mkdir(parents=True, exist_ok=True)
    suffix = args.output.suffix.lower()
    if suffix in (".html", ".htm"):
        from .html import save_html
        save_html(drawing, args.output, step=0 if args.step is None else args.step,
                  collapsed=_scope_names(drawing, options.get("collapse")))
    elif suffix == ".png":
        drawing.save_png(args.output, args.step, width=args.width, **options)
    else:
        drawing.save_svg(args.output, args.step, **options)


def _aspect(text: str) -> float:
    """'16:9' -> 16 / 9 (checked by _check_style first)."""
    width, height = (float(part) for part in text.split(":"))
    return width / height


def _closer_rankdir(drawing: Graph, step: int | None, options: dict) -> str:
    """LR or TB: the layout whose own shape is nearer the asked-for aspect."""
    from ..drawing.render import svg_size, to_svg
    style = {k: v for k, v in options.items() if k not in ("rankdir", "aspect")}

    def miss(rankdir: str) -> float:
        width, height = svg_size(to_svg(drawing, step, rankdir=rankdir, **style))
        return abs(math.log((width / height) / options["aspect"]))

    return min(("LR", "TB"), key=miss)


def _last_scalar(script: Path, namespace: dict) -> str | None:
    """The last scalar tensor the script assigns (the rule of ``%%vizgrad``), or None."""
    from .magic import assigned_names  # the same rule as the magic, read from the source
    try:
        names = assigned_names(script.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError):
        return None
    scalars = [n for n in names if is_drawable(namespace.get(n)) and size_of(namespace[n]) == 1]
    return scalars[-1] if scalars else None


def _check_paths(args: argparse.Namespace) -> str | None:
    """Why ``-o`` or ``--steps`` cannot be written, with the fix; None when they can."""
    if args.output is not None:
        output = args.output
        if output.is_dir():
            return (f"-o {output} is a folder; fix: give a file name in it, e.g. "
                    f"-o {output / 'graph.svg'}")
        if output.suffix.lower() not in FORMATS:
            return (f"-o {output}: vizgrad writes .svg, .png or .html, not "
                    f"{output.suffix or 'a file without a suffix'!r}; fix: e.g. "
                    f"-o {output.with_suffix('.svg')}")
        blocked = _file_in_the_way(output.parent)
        if blocked is not None:
            return (f"-o {output}: cannot make the folder {output.parent} because {blocked} "
                    "is a file; fix: choose another folder, e.g. -o "
                    f"{Path('drawings') / output.name}")
    if args.steps is not None:
        steps = args.steps
        if steps.exists() and not steps.is_dir():
            return (f"--steps {steps} is a file, and --steps needs a folder for one SVG per "
                    f"step; fix: give a folder, e.g. --steps {steps.with_suffix('')}_steps")
        blocked = _file_in_the_way(steps)
        if blocked is not None:
            return (f"--steps {steps}: cannot make that folder because {blocked} is a file; "
                    f"fix: choose another folder, e.g. --steps {Path('steps')}")
    return None


def _file_in_the_way(folder: Path) -> Path | None:
    """The first part of ``folder``'s path that exists as a file, or None."""
    for part in [*reversed(folder.parents), folder]:
        if part.exists() and not part.is_dir():
            return part
    return None


def _check_style(args: argparse.Namespace) -> str | None:
    """Why --scale, --max-values or --width cannot be used, with the fix; None if they can."""
    if not args.scale > 0 or args.scale > 20:
        return f"--scale {args.scale:g} is out of range; fix: a text size from 0.5 to 3, e.g. 1.5"
    if args.max_values is not None and args.max_values < 1:
        return (f"--max-values {args.max_values} shows nothing; fix: a positive number, e.g. "
                "--max-values 16")
    if args.aspect is not None:
        parts = args.aspect.split(":")
        try:
            ok = len(parts) == 2 and all(float(part) > 0 for part in parts)
        except ValueError:
            ok = False
        if not ok:
            return f"--aspect {args.aspect} is not a width:height; fix: e.g. --aspect 16:9"
    if args.width < 16:
        return f"--width {args.width} is too small for a picture; fix: e.g. --width 1920"
    return None


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
