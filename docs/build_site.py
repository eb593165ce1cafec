"""Build the course site: every tutorial run, each widget live offline, the gallery, the API.

    .venv/bin/python docs/build_site.py [--out site] [notebooks/01_*.ipynb ...]

(``./dev docs`` sets up and runs this.) Each notebook in ``notebooks/`` is run
top to bottom by nbclient and converted by nbconvert into one page with every
cell's output. In place of each vizgrad widget the page holds what
``vg.export_html`` writes: the widget's view with the graph's data and its
drawings inline (every choice of collapsed groups when there are at most four),
run by the exported page's script, so stepping, keys, presentation mode and
groups work from ``file://`` with no kernel and no network. Formulas become
MathML (latex2mathml), which browsers draw without a script. ``index.html``
lists the tutorials with the gallery; ``api/`` is pdoc's page of the docstrings.
Every link is relative: the folder opens from disk or from any static host.
"""

from __future__ import annotations

import argparse
import html
import json
import shutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import latex2mathml.converter
import nbclient
import nbformat
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.preprocessors import Preprocessor
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
GALLERY = ROOT / "docs" / "gallery"
TEMPLATES = ROOT / "docs" / "site_templates"
API_MODULES = ("vizgrad", "!vizgrad\\..*", "vizgrad.nn", "vizgrad.optim", "vizgrad.torch",
               "!vizgrad\\.torch\\..*")

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# an output that a page shows as the widget's offline view (HTML made here)
OFFLINE_WIDGET = "application/vnd.vizgrad.offline-widget+html"
PICTURE_TEXT = "vizgrad graph of "  # the text/plain of the picture saved after a widget

# Run in the kernel after the notebook: what the offline view of each widget shown stores
# (the exported page's data), by the widget's model id, as the widget is at the end.
EXPORT_CELL = """\
import json as _json
import ipywidgets.widgets.widget as _widget
from vizgrad.frontends.html import page_data as _page_data
from vizgrad.frontends.widget import GraphWidget as _GraphWidget
with open({path!r}, "w", encoding="utf-8") as _file:
    _json.dump({{_id: _page_data(_w.data, step=_w.step, collapsed=_w.collapsed)
                for _id, _w in list(_widget._instances.items())
                if isinstance(_w, _GraphWidget)}}, _file, allow_nan=False)
"""


class SiteError(Exception):
    """A notebook that cannot be put on the site, with the reason and the fix."""


@dataclass
class Tutorial:
    """One notebook, run: its cells' outputs and the offline data of each widget it shows."""

    path: Path
    nb: nbformat.NotebookNode
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def page_name(self) -> str:
        return f"{self.path.stem}.html"

    @property
    def title(self) -> str:
        """The first heading of the notebook (markdown), else its file name."""
        for cell in self.nb.cells:
            if cell.cell_type == "markdown":
                for line in cell.source.splitlines():
                    if line.startswith("# "):
                        return line[2:].strip()
        return self.path.stem.replace("_", " ")


def notebook_paths(folder: Path = NOTEBOOKS) -> list[Path]:
    """Every tutorial notebook in ``folder``, in their numbered order."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def needs_torch(nb: nbformat.NotebookNode) -> bool:
    """True when a code cell imports PyTorch."""
    return any(cell.cell_type == "code" and "import torch" in cell.source for cell in nb.cells)


def execute(nb: nbformat.NotebookNode, folder: Path, *, kernel_name: str = "python3",
            timeout: int = 300) -> dict[str, dict[str, Any]]:
    """Run ``nb`` in place (widget state stored) in ``folder``; each vizgrad widget's page data.

    Raises nbclient's CellExecutionError, naming the cell, when one fails.
    """
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "pages.json"
        nb.cells.append(nbformat.v4.new_code_cell(EXPORT_CELL.format(path=str(out))))
        try:
            nbclient.NotebookClient(nb, kernel_name=kernel_name, store_widget_state=True,
                                    timeout=timeout,
                                    resources={"metadata": {"path": str(folder)}}).execute()
        finally:
            nb.cells.pop()
        return json.loads(out.read_text(encoding="utf-8"))


def run_tutorial(path: Path, *, kernel_name: str = "python3") -> Tutorial:
    """Read and run one notebook; a clear SiteError when it cannot run here."""
    nb = nbformat.read(path, as_version=4)
    if needs_torch(nb):
        try:
            import torch  # noqa: F401
        except ImportError:
            raise SiteError(f"{path.name} runs PyTorch, which is not installed; fix: "
                            "`./dev docs` installs it, or `pip install torch==2.13.0` "
                            "(the CPU wheel)") from None
    try:
        pages = execute(nb, path.parent, kernel_name=kernel_name)
    except nbclient.exceptions.CellExecutionError as error:
        raise SiteError(f"{path.name} stopped with an error, so no page was made for it; "
                        f"fix the notebook (it must run top to bottom):\n{error}") from None
    return Tutorial(path, nb, pages)


# ---------------------------------------------------------------- tutorial pages


class OfflineWidgets(Preprocessor):
    """Puts each vizgrad widget's offline view in place of its widget output.

    The picture saved after the widget (for readers without JavaScript) goes into the
    view's ``<noscript>``; the widget state, which only a widget manager from a CDN
    could read, is dropped.
    """

    def preprocess(self, nb, resources):
        pages = resources["vizgrad_pages"]
        for cell in nb.cells:
            outputs, kept = cell.get("outputs", []), []
            pictures = set()  # the indices of the pictures moved into their widget
            for i, output in enumerate(outputs):
                if i in pictures:
                    continue
                view = output.get("data", {}).get(WIDGET_VIEW)
                page = pages.get(view["model_id"]) if view else None
                if page is not None:
                    picture = ""
                    if i + 1 < len(outputs) and is_picture(outputs[i + 1]):
                        picture = outputs[i + 1].data["image/svg+xml"]
                        pictures.add(i + 1)
                    output.data = {OFFLINE_WIDGET: widget_html(page, picture)}
                kept.append(output)
            if outputs:
                cell.outputs = kept
        nb.metadata.pop("widgets", None)
        return nb, resources


def is_picture(output: dict[str, Any]) -> bool:
    data = output.get("data", {})
    return "image/svg+xml" in data and data.get("text/plain", "").startswith(PICTURE_TEXT)


def widget_html(page: dict[str, Any], picture: str) -> str:
    """One widget's offline view: its data inline, mounted by the page's script."""
    from vizgrad.frontends.html import _inline

    data = _inline(json.dumps(page, separators=(",", ":"), allow_nan=False))
    picture = picture[picture.find("<svg"):] if "<svg" in picture else ""
    return ('<div class="vizgrad-site-widget"><div class="vizgrad-site-view"></div>'
            '<p class="vizgrad-site-note" role="status"></p>'
            f'<noscript>{picture}</noscript>'
            f'<script type="application/json" class="vizgrad-site-data">{data}</script></div>')


class MathMLRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer with formulas as MathML: no MathJax from a CDN."""

    def block_math(self, body: str) -> str:
        return latex2mathml.converter.convert(body, display="block")

    def inline_math(self, body: str) -> str:
        return latex2mathml.converter.convert(body)

    def latex_environment(self, name: str, body: str) -> str:
        return latex2mathml.converter.convert(f"\\begin{{{name}}}{body}\\end{{{name}}}",
                                              display="block")


class TutorialExporter(HTMLExporter):
    """nbconvert's JupyterLab-look HTML with the site's template and MathML formulas."""

    def markdown2html(self, context, source):  # noqa: D102 - nbconvert's filter, MathML renderer
        cell = context.get("cell", {})
        renderer = MathMLRenderer(
            escape=False, attachments=cell.get("attachments", {}),
            embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links, **self.lexer_options)
        return MarkdownWithMath(renderer=renderer).render(source)

    markdown2html = jinja2.pass_context(markdown2html)


def tutorial_exporter() -> TutorialExporter:
    priority = [OFFLINE_WIDGET, *HTMLExporter().default_config.NbConvertBase.display_data_priority]
    exporter = TutorialExporter(
        template_name="vizgrad_tutorial", extra_template_basedirs=[str(TEMPLATES)],
        config=Config({"NbConvertBase": {"display_data_priority": priority}}))
    exporter.register_preprocessor(OfflineWidgets(), enabled=True)
    exporter.register_filter("code_spans", code_spans)
    return exporter


def standalone_script() -> str:
    """The exported page's script, safe to inline; a clear error when it is not built."""
    from vizgrad.frontends.html import STANDALONE_BUNDLE, _inline

    if not STANDALONE_BUNDLE.exists():
        raise SiteError("the widget's page script is not built; fix: `./dev docs` builds it, "
                        "or (cd js && npm ci && npm run build)")
    return _inline(STANDALONE_BUNDLE.read_text(encoding="utf-8"))


def write_tutorial(tutorial: Tutorial, out: Path, *, previous: Tutorial | None,
                   following: Tutorial | None, exporter: TutorialExporter, script: str) -> Path:
    nb = nbformat.from_dict(json.loads(json.dumps(tutorial.nb)))  # the exporter changes it
    resources = {
        "metadata": {"name": tutorial.title.replace("`", ""), "path": str(tutorial.path.parent)},
        "vizgrad_pages": tutorial.pages,
        "vizgrad": {
            "title": tutorial.title,
            "notebook": f"notebooks/{tutorial.path.name}",
            "previous": previous and {"href": previous.page_name, "title": previous.title},
            "next": following and {"href": following.page_name, "title": following.title},
            "script": script,
        },
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    path = out / tutorial.page_name
    path.write_text(body, encoding="utf-8")
    return path


# ---------------------------------------------------------------- index, gallery, API


def write_index(tutorials: Sequence[Tutorial], out: Path, *, api: bool) -> Path:
    """The front page: each tutorial, then the gallery (one drawing per tutorial)."""
    gallery_dir = out / "gallery"
    gallery_dir.mkdir(exist_ok=True)
    by_stem = {t.path.stem: t for t in tutorials}
    gallery = []
    for svg in sorted(GALLERY.glob("*.svg")):
        shutil.copyfile(svg, gallery_dir / svg.name)
        tutorial = by_stem.get(svg.stem)
        gallery.append({"src": f"gallery/{svg.name}",
                        "href": tutorial.page_name if tutorial else None,
                        "title": tutorial.title if tutorial else svg.stem.replace("_", " ")})
    loader = jinja2.FileSystemLoader([TEMPLATES, TEMPLATES / "vizgrad_tutorial"])
    env = jinja2.Environment(loader=loader, autoescape=True)
    env.filters["code_spans"] = code_spans
    page = env.get_template("index.html.j2").render(
        tutorials=[{"href": t.page_name, "title": t.title} for t in tutorials],
        gallery=gallery, api=api)
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def code_spans(text: str) -> str:
    """A title's `code` in <code>, the rest escaped (titles are one line of Markdown)."""
    parts = html.escape(text).split("`")
    return jinja2.utils.markupsafe.Markup("".join(
        f"<code>{part}</code>" if i % 2 else part for i, part in enumerate(parts)))


def write_api(out: Path) -> Path:
    """pdoc's pages of the public names' docstrings, under ``out/api``."""
    import pdoc
    import pdoc.render

    pdoc.render.configure(docformat="restructuredtext", footer_text="vizgrad",
                          show_source=False)
    api = out / "api"
    modules = [m for m in API_MODULES if m != "vizgrad.torch" or _has_torch()]
    pdoc.pdoc(*modules, output_directory=api)
    return api / "vizgrad.html"


def _has_torch() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


# ---------------------------------------------------------------- the whole site


def build(out: Path, tutorials: Iterable[Tutorial], *, api: bool = True) -> Path:
    """Write the site for ``tutorials`` (already run) into ``out``; the index page's path."""
    tutorials = list(tutorials)
    if out.exists():
        shutil.rmtree(out)
    (out / "notebooks").mkdir(parents=True)
    exporter, script = tutorial_exporter(), standalone_script()
    for i, tutorial in enumerate(tutorials):
        write_tutorial(tutorial, out, exporter=exporter, script=script,
                       previous=tutorials[i - 1] if i else None,
                       following=tutorials[i + 1] if i + 1 < len(tutorials) else None)
        shutil.copyfile(tutorial.path, out / "notebooks" / tutorial.path.name)
    if api:
        write_api(out)
    return write_index(tutorials, out, api=api)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="the notebooks to put on the site (default: all of notebooks/)")
    parser.add_argument("--out", type=Path, default=ROOT / "site",
                        help="the folder to write (replaced; default: site/)")
    args = parser.parse_args(argv)
    paths = [path.resolve() for path in args.notebooks] or notebook_paths()
    missing = [str(path) for path in paths if not path.is_file()]
    if missing or not paths:
        print(f"error: no notebook at {', '.join(missing) or NOTEBOOKS}; fix: name .ipynb "
              "files that exist, or leave them out to build every tutorial", file=sys.stderr)
        return 2
    try:
        tutorials = []
        for path in paths:
            print(f"running {path.name}", flush=True)
            tutorials.append(run_tutorial(path))
        index = build(args.out, tutorials)
    except SiteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {index} ({len(tutorials)} tutorials); open it in a browser")
    return 0


if __name__ == "__main__":
    sys.exit(main())
