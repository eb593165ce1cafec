"""Shared notebooks and pages in Chromium, as their readers open them.

nbconvert's HTML and the exported page open from ``file://`` with every other
request blocked (no CDN, no network), Voila with only its own server reachable;
in JupyterLab and Voila the live widget hides the picture saved for readers
without JavaScript, and saving keeps the step shown.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import nbformat
import pytest
from playwright.sync_api import expect

import vizgrad as vg
from tests.browser.conftest import free_port
from tests.test_sharing import executed  # noqa: F401 - the notebook nbclient ran and saved
from vizgrad.frontends.html import MAX_STORED_SCOPES

pytestmark = pytest.mark.browser

SVG = "image/svg+xml"


def offline_page(browser, url: str):
    """A page on ``url`` that may load file:// only; it records what was blocked."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.blocked = []

    def only_files(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            page.blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_files)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(url)
    return page


def test_nbconvert_html_offline_shows_each_widgets_picture(browser, executed, artifacts,  # noqa: F811
                                                           tmp_path):
    subprocess.run([sys.executable, "-m", "nbconvert", "--to", "html", str(executed),
                    "--output-dir", str(tmp_path)], check=True, capture_output=True)
    page = offline_page(browser, (tmp_path / "three_widgets.html").as_uri())
    assert any("html-manager" in url for url in page.blocked), "nothing tried the network"
    pictures = page.locator(f'[data-mime-type="{SVG}"] img')
    expect(pictures).to_have_count(3)
    for i in range(3):
        expect(pictures.nth(i)).to_be_visible()
        assert pictures.nth(i).bounding_box()["height"] > 100
    # the second widget was left on its last step: its picture shows the gradients
    svg = pictures.nth(1).evaluate("img => atob(img.src.split(',')[1])")
    svg = svg.encode("latin-1").decode("utf-8")
    assert "∂f/∂x = 24" in svg and "∂f/∂y = 10" in svg
    pictures.nth(1).scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "nbconvert-offline.png"))
    page.context.close()


# What nbconvert's page fetches from CDNs, served from local copies instead: the
# same files (js/node_modules holds html-manager and require.js for this test;
# anywidget's front end is the copy the Python package ships).
def cdn_copies() -> dict[str, Path]:
    import anywidget

    modules = Path(__file__).resolve().parents[2] / "js" / "node_modules"
    copies = {
        "require": modules / "requirejs" / "require.js",
        "@jupyter-widgets/html-manager": modules / "@jupyter-widgets" / "html-manager" / "dist"
        / "embed-amd.js",
        "anywidget": Path(anywidget.__file__).parent / "nbextension" / "index.js",
    }
    missing = [str(path) for path in copies.values() if not path.exists()]
    assert not missing, f"missing {missing}; fix: (cd js && npm ci)"
    return copies


def test_nbconvert_html_steps_when_its_scripts_load(browser, executed, tmp_path):  # noqa: F811
    subprocess.run([sys.executable, "-m", "nbconvert", "--to", "html", str(executed),
                    "--output-dir", str(tmp_path)], check=True, capture_output=True)
    copies = cdn_copies()
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()

    def from_copies(route):
        url = route.request.url
        if url.startswith("file:"):
            return route.continue_()
        for name, path in copies.items():
            if name in url and url.endswith(".js"):
                return route.fulfill(path=path, content_type="text/javascript")
        return route.abort()  # MathJax and the rest: not needed to step

    page.route("**/*", from_copies)
    page.goto((tmp_path / "three_widgets.html").as_uri())
    widgets = page.locator(".vizgrad-widget")
    expect(widgets).to_have_count(3)
    widget = widgets.nth(1)  # `w`, saved on its last step
    expect(widget).to_have_attribute("data-rendered", "true")
    expect(widget).to_have_attribute("data-step", "4")
    widget.get_by_role("button", name="First step", exact=True).click()
    expect(widget).to_have_attribute("data-step", "0")
    widget.get_by_role("button", name="Next step", exact=True).click()
    expect(widget).to_have_attribute("data-step", "1")
    # each widget drew itself, so its saved picture is not shown a second time
    pictures = page.locator(f'[data-mime-type="{SVG}"]')
    expect(pictures).to_have_count(3)
    for i in range(3):
        expect(pictures.nth(i)).to_be_hidden()
    context.close()


def test_exported_page_steps_offline_on_click_and_keys(browser, artifacts, tmp_path):
    x = vg.Variable(3.0, name="x")
    y = vg.Variable(4.0, name="y")
    f = x * x * y + y + 2
    path = vg.export_html(f, tmp_path / "f.html")
    page = offline_page(browser, path.as_uri())
    widget = page.locator(".vizgrad-widget")
    expect(widget).to_have_attribute("data-rendered", "true")
    expect(widget).to_have_attribute("data-step", "0")
    x_grad = widget.locator("svg text", has_text="∂f/∂x = 24")
    expect(x_grad).to_be_hidden()

    widget.get_by_role("button", name="Next step", exact=True).click()
    expect(widget).to_have_attribute("data-step", "1")
    page.keyboard.press("PageDown")
    expect(widget).to_have_attribute("data-step", "2")
    page.keyboard.press("End")
    expect(widget).to_have_attribute("data-step", "4")
    expect(x_grad).to_be_visible()
    expect(widget.locator("svg text", has_text="∂f/∂y = 10")).to_be_visible()
    expect(widget.locator(".vg-explain")).to_contain_text("12 + 12 = 24")
    page.screenshot(path=str(artifacts / "html-export.png"))
    assert page.blocked == [] and page.errors == []
    page.context.close()


def scoped_widget(count: int, collapsed: list[str]):
    x = vg.Variable(0.5, name="x")
    out = x
    for i in range(count):
        with vg.scope(f"layer{i}"):
            out = vg.tanh(out * 2.0)
    widget = vg.show(out)
    widget.collapsed = collapsed
    return widget


def test_a_group_expands_in_the_exported_page(browser, tmp_path):
    path = scoped_widget(2, ["layer0"]).save_html(tmp_path / "scoped.html")
    page = offline_page(browser, path.as_uri())
    widget = page.locator(".vizgrad-widget")
    expect(widget).to_have_attribute("data-rendered", "true")
    box = widget.locator("svg text", has_text="click to expand")
    expect(box).to_have_count(1)
    box.click()
    expect(box).to_have_count(0)
    expect(widget.locator("svg g.cluster")).to_have_count(2)  # both groups drawn open
    expect(page.locator("#vizgrad-note")).to_have_text("")
    page.context.close()


def test_a_page_with_many_groups_says_why_one_does_not_expand(browser, tmp_path):
    path = scoped_widget(MAX_STORED_SCOPES + 1, ["layer0"]).save_html(tmp_path / "many.html")
    page = offline_page(browser, path.as_uri())
    widget = page.locator(".vizgrad-widget")
    expect(widget).to_have_attribute("data-rendered", "true")
    box = widget.locator("svg text", has_text="click to expand")
    box.dispatch_event("click")  # the drawing is framed on the step, this box may be off it
    expect(page.locator("#vizgrad-note")).to_contain_text("open the notebook")
    expect(box).to_have_count(1)
    page.context.close()


def test_the_live_widget_hides_its_picture_and_saving_keeps_the_step(open_notebook, jupyter_server):
    notebook = open_notebook("lab", ["import vizgrad as vg\n%load_ext vizgrad",
                                     "%%vizgrad\nx = vg.Variable(3.0)\ny = vg.Variable(4.0)\n"
                                     "f = x*x*y + y + 2"])
    widget = notebook.first_widget()
    cell = notebook.cell(1)
    picture = cell.locator(f'[data-mime-type="{SVG}"]')
    expect(picture).to_have_count(1)
    expect(picture).to_be_hidden()  # in the notebook, not shown twice

    # opened on step 0 and not stepped yet: the picture shows the whole pass
    every_gradient = re.compile(re.escape(quote("∂f/∂x = 24", safe="")))
    expect(picture.locator("img")).to_have_attribute("src", every_gradient)
    for _ in range(2):
        widget.get_by_role("button", name="Next step", exact=True).click()
    expect(widget).to_have_attribute("data-step", "2")
    # left on step 2: the kernel redraws the picture once the clicks settle (JupyterLab
    # encodes it in the URL), and x's gradient has not arrived there
    expect(picture.locator("img")).not_to_have_attribute("src", every_gradient)
    expect(picture).to_be_hidden()
    notebook.page.keyboard.press("Control+s")
    expect(notebook.page.locator(".jp-NotebookPanel-toolbar, .lm-TabBar-tab.jp-mod-current")
           .locator(".jp-mod-dirty")).to_have_count(0)
    expect(notebook.page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty")).to_have_count(0)
    path = jupyter_server.root / notebook.page.url.split("/tree/")[1].split("?")[0]
    saved = nbformat.read(path, as_version=4).cells[1].outputs
    assert saved[-1]["data"]["text/plain"] == "vizgrad graph of f, step 2/4"
    assert "∂f/∂x = 24" not in saved[-1]["data"][SVG]
    assert not notebook.errors()


@pytest.fixture
def voila_app(tmp_path):
    """Voila serving one notebook that shows the worked example; -> its URL."""
    pytest.importorskip("voila")
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(
            "import vizgrad as vg\nx = vg.Variable(3.0, name='x')\ny = vg.Variable(4.0, name='y')"
            "\nf = x*x*y + y + 2\nvg.show(f)")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}})
    nbformat.write(notebook, tmp_path / "worked.ipynb")
    port = free_port()
    env = {**os.environ, "JUPYTER_DATA_DIR": str(tmp_path / "data"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    log = (tmp_path / "voila.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "voila", "worked.ipynb", "--no-browser", f"--port={port}",
         "--Voila.ip=127.0.0.1", "--Voila.port_retries=0"],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:  # a page request would run the notebook: only see that it listens
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                break
            except OSError:
                assert process.poll() is None, (tmp_path / "voila.log").read_text()
                assert time.monotonic() < deadline, "Voila did not start in 60 s"
                time.sleep(0.2)  # the server is not listening yet: nothing to wait on but time
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_voila_offline_steps_and_shows_no_picture_twice(browser, voila_app, artifacts):
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    blocked = []

    def local_only(route):
        if route.request.url.startswith(voila_app):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", local_only)
    page.goto(voila_app)
    widget = page.locator(".vizgrad-widget")
    expect(widget).to_have_attribute("data-rendered", "true")
    widget.get_by_role("button", name="Next step", exact=True).click()
    expect(widget).to_have_attribute("data-step", "1")
    expect(widget.locator("svg text", has_text="∂f/∂f = 1")).to_be_visible()
    picture = page.locator(f'[data-mime-type="{SVG}"]')
    expect(picture).to_have_count(1)
    expect(picture).to_be_hidden()
    assert not [url for url in blocked if "vizgrad" in url or "anywidget" in url]
    page.screenshot(path=str(artifacts / "voila-offline.png"))
    context.close()
