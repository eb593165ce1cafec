"""The widget under a strict Content-Security-Policy, as in VS Code's notebook webviews.

No Web Worker may start and no string may be evaluated as code ('unsafe-eval'); only
WebAssembly may be compiled ('wasm-unsafe-eval'). The built bundle on js/demo.html,
driven by a fake model, must still draw and step; and where even WebAssembly is
refused, the widget must say so instead of "Laying out…" forever.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from .conftest import ROOT

pytestmark = pytest.mark.browser

# No inline styles either: the widget's stylesheet is a constructed one, which applies.
STRICT = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
          "worker-src 'none'; child-src 'none'")
NO_WASM = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
           "worker-src 'none'")


class PolicyHandler(SimpleHTTPRequestHandler):
    """Serves the repository with the policy of the server it belongs to."""

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", self.server.policy)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def policy_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(PolicyHandler, directory=str(ROOT)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def open_demo(browser, server: ThreadingHTTPServer, policy: str):
    server.policy = policy
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error.message}"))
    host, port = server.server_address[:2]
    page.goto(f"http://{host}:{port}/js/demo.html")
    return context, page, messages


def test_draws_and_steps_with_workers_and_eval_blocked(browser, policy_server, artifacts):
    context, page, messages = open_demo(browser, policy_server, STRICT)
    try:
        widget = page.locator(".vizgrad-widget")
        expect(widget).to_have_attribute("data-rendered", "true")
        expect(widget).to_have_attribute("data-step", "0")
        # the policy really was in force: the Worker was refused
        assert any("worker" in message.lower() for message in messages), messages
        expect(widget.locator("svg g.node").first).to_be_visible()
        # the widget's own stylesheet is in force: controls in a row, the drawing clipped
        expect(widget.locator(".vg-toolbar")).to_have_css("display", "flex")
        expect(widget.locator(".vg-viewport")).to_have_css("overflow", "hidden")
        expect(widget.locator(".vg-status")).to_be_hidden()
        widget.get_by_role("button", name="Next step", exact=True).click()
        expect(widget).to_have_attribute("data-step", "1")
        widget.press("PageDown")
        expect(widget).to_have_attribute("data-step", "2")
        expect(page.locator("#log")).to_have_text("model step = 2")
        page.screenshot(path=str(artifacts / "strict-csp-step-2.png"))
        assert not [m for m in messages if "pageerror" in m or "unsafe-eval" in m], messages
    finally:
        context.close()


def test_a_page_that_refuses_webassembly_gets_an_error_not_a_hang(browser, policy_server):
    context, page, _ = open_demo(browser, policy_server, NO_WASM)
    try:
        status = page.locator(".vizgrad-widget .vg-status")
        expect(status).to_have_class("vg-status vg-error")
        expect(status).to_contain_text("Could not lay out the graph")
        expect(page.locator(".vizgrad-widget")).to_have_attribute("aria-busy", "false")
    finally:
        context.close()
