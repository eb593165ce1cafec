"""The course site, opened from disk in Chromium with every network request blocked.

The site is built as ``./dev docs`` builds it (docs/build_site.py's ``build``), into a
temporary folder, from the runs of the tutorial notebooks that their own tests check
(``run_notebook``: each notebook runs once a session).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

from docs.build_site import GALLERY, build, needs_torch, notebook_paths
from tests.browser.test_sharing import offline_page

pytestmark = pytest.mark.browser


def runnable(path: Path) -> bool:
    """False for a PyTorch tutorial where PyTorch is not installed (its test says so)."""
    return not needs_torch(nbformat.read(path, as_version=4)) or \
        importlib.util.find_spec("torch") is not None


@pytest.fixture(scope="module")
def site(run_notebook, tmp_path_factory) -> Path:
    """The built site's folder."""
    tutorials = [run_notebook(path).tutorial for path in notebook_paths() if runnable(path)]
    return build(tmp_path_factory.mktemp("site") / "site", tutorials).parent


def open_offline(browser, path: Path):
    page = offline_page(browser, path.as_uri())
    page.set_viewport_size({"width": 1280, "height": 900})
    return page


def test_the_index_links_every_tutorial_the_gallery_and_the_api(browser, site, artifacts):
    page = open_offline(browser, site / "index.html")
    for path in notebook_paths():
        if runnable(path):
            link = page.locator(f'a[href="{path.stem}.html"]').first
            expect(link).to_be_visible()
            assert (site / f"{path.stem}.html").is_file()
    pictures = page.locator(".gallery img")
    expect(pictures).to_have_count(len(list(GALLERY.glob("*.svg"))))
    for i in range(pictures.count()):
        pictures.nth(i).scroll_into_view_if_needed()
        expect(pictures.nth(i)).to_have_js_property("complete", True)
        assert pictures.nth(i).evaluate("img => img.naturalWidth") > 0, "a drawing did not load"
    page.screenshot(path=str(artifacts / "site-index.png"), full_page=True)

    page.get_by_role("link", name="API").first.click()
    expect(page.locator("#GradientTape")).to_be_visible()  # pdoc's page of the docstrings
    assert page.blocked == [] and page.errors == []
    page.context.close()


def test_every_page_loads_only_files_of_the_site_by_relative_links(site):
    from bs4 import BeautifulSoup

    pages = sorted(site.rglob("*.html"))
    assert len(pages) > len(notebook_paths()), "a tutorial page or the API page is missing"
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for tag, attribute in (("script", "src"), ("link", "href"), ("img", "src"),
                               ("iframe", "src"), ("a", "href")):
            for element in soup.find_all(tag, attrs={attribute: True}):
                url = element[attribute].split("#")[0]
                if tag == "a" and (url.startswith(("http://", "https://")) or not url):
                    continue  # a link a reader may follow, not something the page loads
                assert not url.startswith(("http:", "https:", "//", "/")), \
                    f"{page.relative_to(site)} loads {url}"
                if not url.startswith("data:"):
                    assert (page.parent / url).is_file(), f"{page.relative_to(site)}: {url}"


def test_a_tutorials_widget_steps_on_keys_and_buttons_offline(browser, site, artifacts):
    page = open_offline(browser, site / "01_reverse_mode_by_hand.html")
    widgets = page.locator(".vizgrad-widget")
    expect(widgets).to_have_count(2)  # the %%vizgrad cell's widget, shown again as `w`
    widget = widgets.first
    expect(widget).to_have_attribute("data-rendered", "true")
    x_grad = widget.locator("svg text", has_text="∂f/∂x = 24")

    widget.get_by_role("button", name="First step", exact=True).click()
    expect(widget).to_have_attribute("data-step", "0")
    expect(x_grad).to_be_hidden()
    page.keyboard.press("ArrowRight")
    expect(widget).to_have_attribute("data-step", "1")
    page.keyboard.press("End")
    expect(widget).to_have_attribute("data-step", "4")
    expect(x_grad).to_be_visible()
    expect(widget.locator("svg text", has_text="∂f/∂y = 10")).to_be_visible()
    expect(widget.locator(".vg-explain")).to_contain_text("12 + 12 = 24")
    expect(widgets.nth(1)).to_have_attribute("data-step", "3")  # each widget steps alone

    drawing = widget.locator(".vg-viewport").bounding_box()
    text = x_grad.bounding_box()
    assert 400 < drawing["width"] <= 1280 and 150 < drawing["height"] < 900, drawing
    assert text["height"] >= 10, f"the gradient's text is {text['height']:.1f} px tall"
    page.screenshot(path=str(artifacts / "site-tutorial-01.png"))

    page.keyboard.press("f")  # presentation mode, as in the notebook
    page.wait_for_function("() => !!document.fullscreenElement")
    assert page.evaluate("() => document.fullscreenElement.contains("
                         "document.querySelector('.vizgrad-widget'))")
    page.evaluate("() => document.exitFullscreen()")
    assert page.blocked == [] and page.errors == []
    page.context.close()


def test_a_tutorials_collapsed_groups_open_offline(browser, site, artifacts):
    page = open_offline(browser, site / "09_training_an_mlp.html")
    widgets = page.locator(".vizgrad-widget")
    expect(widgets).to_have_count(2)  # the whole graph, then the same step collapsed
    widget = widgets.nth(1)
    expect(widget).to_have_attribute("data-rendered", "true")
    boxes = widget.locator("svg text", has_text="click to expand")
    expect(boxes).to_have_count(3)  # layer1, layer2, loss
    boxes.first.dispatch_event("click")
    expect(boxes).to_have_count(2)
    expect(widget.locator("svg g.cluster")).to_have_count(1)  # the opened group
    widget.get_by_role("button", name="Last step", exact=True).click()
    expect(widget.locator("svg text", has_text="∂loss/∂").first).to_be_visible()
    expect(page.locator(".vizgrad-site-note").nth(1)).to_have_text("")
    widget.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "site-tutorial-09.png"))
    assert page.blocked == [] and page.errors == []
    page.context.close()


def test_a_tutorials_formulas_are_drawn_without_a_script(browser, site):
    page = open_offline(browser, site / "11_the_textbook_trace.html")
    formulas = page.locator("main math")
    assert formulas.count() > 10
    size = formulas.first.bounding_box()
    assert size["width"] > 50 and size["height"] > 10, size
    expect(page.get_by_text("$", exact=False).filter(has_text="\\partial")).to_have_count(0)
    assert page.blocked == [] and page.errors == []
    page.context.close()
