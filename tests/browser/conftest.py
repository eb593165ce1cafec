"""A real Jupyter server (JupyterLab 4 and Notebook 7) and Debian's Chromium, once per session.

Each test writes its own notebook, opens it in a fresh browser context, waits until
the kernel is really ready and runs cells one by one. Waits are on attributes the
widget sets (``data-rendered``, ``data-step``) and on execution prompts, never on time.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
BUNDLE = ROOT / "vizgrad" / "static" / "widget.js"
CHROMIUM = os.environ.get("VIZGRAD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 60_000
KERNEL_NAME = "Python 3 (ipykernel)"
KERNELSPEC = {"name": "python3", "display_name": KERNEL_NAME, "language": "python"}
# what the JupyterLab / Notebook 7 front ends read from JUPYTERLAB_SETTINGS_DIR
SETTINGS = {
    # every cell stays in the DOM, so cells far down can be found and clicked
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}
# console messages and page errors that are ours: the widget bundle, anywidget, Graphviz
OURS = re.compile(r"vizgrad|anywidget|graphviz|wasm|widget\.js|blob:", re.IGNORECASE)


@dataclass
class JupyterServer:
    """A running ``python -m jupyter_server`` with its token and root folder."""

    url: str
    token: str
    root: Path
    log: Path

    def request(self, method: str, path: str) -> bytes:
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.read()

    def write_notebook(self, name: str, cells: list[str]) -> str:
        """Write ``name`` (one code cell per source) under the server root; its path there."""
        notebook = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell(source) for source in cells],
            metadata={"kernelspec": KERNELSPEC,
                      "language_info": {"name": "python"}})
        nbformat.write(notebook, self.root / name)
        return name

    def page_url(self, app: str, path: str) -> str:
        """Where ``path`` opens in ``app`` ("lab" or "notebook")."""
        if app == "lab":
            # ?reset: start from an empty workspace, not the notebooks earlier tests opened
            return f"{self.url}/lab/tree/{path}?reset&token={self.token}"
        return f"{self.url}/notebooks/{path}?token={self.token}"

    def shut_down_kernels(self) -> None:
        for kernel in json.loads(self.request("GET", "/api/kernels")):
            try:
                self.request("DELETE", f"/api/kernels/{kernel['id']}")
            except urllib.error.HTTPError:
                pass  # already gone


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_settings(folder: Path) -> None:
    for plugin, values in SETTINGS.items():
        path = folder / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


def wait_until_ready(server: JupyterServer, process: subprocess.Popen, timeout: float) -> None:
    """Poll /api/status until it answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter_server exited with {process.returncode}:\n"
                               f"{server.log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{server.url}/api/status?token={server.token}",
                                        timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)  # a server poll, not a wait in a test
    raise RuntimeError(f"jupyter_server did not answer within {timeout:.0f} s:\n"
                       f"{server.log.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    """One Jupyter server for the session, in temporary config, data and runtime folders."""
    if not BUNDLE.exists():
        pytest.fail(f"the widget front-end is not built ({BUNDLE.relative_to(ROOT)} is missing); "
                    "fix: (cd js && npm ci && npm run build), or run ./dev test")
    base = tmp_path_factory.mktemp("jupyter")
    folders = {name: base / name for name in
               ("config", "data", "runtime", "settings", "workspaces", "root")}
    for folder in folders.values():
        folder.mkdir()
    write_settings(folders["settings"])
    env = dict(os.environ)
    env.update(JUPYTER_CONFIG_DIR=str(folders["config"]), JUPYTER_DATA_DIR=str(folders["data"]),
               JUPYTER_RUNTIME_DIR=str(folders["runtime"]),
               JUPYTERLAB_SETTINGS_DIR=str(folders["settings"]),
               JUPYTERLAB_WORKSPACES_DIR=str(folders["workspaces"]),
               JUPYTER_PLATFORM_DIRS="1",
               # kernels import this checkout's vizgrad, installed or not
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
    env.pop("JUPYTER_PATH", None)
    port, token = free_port(), uuid.uuid4().hex
    server = JupyterServer(f"http://127.0.0.1:{port}", token, folders["root"],
                           base / "server.log")
    with server.log.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", "--no-browser",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={folders['root']}", "--allow-root"],
            cwd=folders["root"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_ready(server, process, timeout=60)
        yield server
    finally:
        try:
            server.request("POST", "/api/shutdown")
            process.wait(timeout=30)
        except Exception:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright."""
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}; fix: apt-get install chromium, or run ./dev test")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def artifacts() -> Path:
    """test-artifacts/ (git-ignored): screenshots and downloads to look at after a run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@dataclass
class PageErrors:
    """Console errors and uncaught exceptions a page produced."""

    all: list[str] = field(default_factory=list)

    def ours(self) -> list[str]:
        return [message for message in self.all if OURS.search(message)]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, jupyter_server: JupyterServer, request: pytest.FixtureRequest):
    """A fresh page; fails the test on our console errors and screenshots a failure."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors = PageErrors()
    page.on("console", lambda message: errors.all.append(f"console: {message.text}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.all.append(
        f"pageerror: {error.message}\n{error.stack or ''}"))
    page.vizgrad_errors = errors
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}.png"), full_page=True)
    context.close()
    jupyter_server.shut_down_kernels()
    if report is not None and report.passed:
        assert not errors.ours(), "errors in the browser:\n" + "\n".join(errors.ours())


class NotebookPage:
    """A notebook opened in JupyterLab or Notebook 7 (the same selectors work in both)."""

    def __init__(self, page, server: JupyterServer, app: str) -> None:
        self.page = page
        self.server = server
        self.app = app
        self.executed = 0  # the kernel's execution count, to wait for the next prompt

    def open(self, path: str) -> NotebookPage:
        from playwright.sync_api import expect

        self.page.goto(self.server.page_url(self.app, path))
        panel = self.page.locator(".jp-NotebookPanel").first
        # Right after loading, the indicator says idle while there is no kernel yet,
        # and a cell run then is silently dropped: wait for the kernel's name first.
        expect(panel.locator(".jp-KernelName")).to_have_text(KERNEL_NAME)
        expect(panel.locator(".jp-Notebook-ExecutionIndicator")).to_have_attribute(
            "data-status", "idle")
        return self

    def cell(self, index: int):
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index)

    def run(self, index: int):
        """Run cell ``index`` in place (Ctrl+Enter) and wait for its execution prompt."""
        from playwright.sync_api import expect

        cell = self.cell(index)
        cell.locator(".jp-InputArea-editor .cm-content").click()
        self.page.keyboard.press("Control+Enter")
        self.executed += 1
        expect(cell.locator(".jp-InputArea-prompt")).to_have_text(f"[{self.executed}]:")
        return cell

    def output(self, index: int):
        return self.cell(index).locator(".jp-OutputArea-output")

    def widget(self, index: int):
        """The vizgrad widget in cell ``index``'s output (it has no data-mime-type)."""
        return self.cell(index).locator(".jp-OutputArea-output .vizgrad-widget")

    def first_widget(self):
        """Run the set-up cell and the cell after it; that cell's widget, drawn at step 0."""
        from playwright.sync_api import expect

        self.run(0)
        self.run(1)
        widget = self.widget(1)
        expect(widget).to_have_attribute("data-rendered", "true")
        expect(widget).to_have_attribute("data-step", "0")
        return widget

    def errors(self) -> list[str]:
        """Console errors and page errors that come from the widget."""
        return self.page.vizgrad_errors.ours()


@pytest.fixture
def open_notebook(page, jupyter_server: JupyterServer, request: pytest.FixtureRequest):
    """``open_notebook(app, cells)``: write this test's own notebook and open it in ``app``."""

    def opener(app: str, cells: list[str]) -> NotebookPage:
        name = re.sub(r"[^A-Za-z0-9_-]+", "_", request.node.name).strip("_") + ".ipynb"
        jupyter_server.write_notebook(name, cells)
        return NotebookPage(page, jupyter_server, app).open(name)

    return opener
