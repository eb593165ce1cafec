"""How long a teacher waits for ``./dev lab``: from the command to JupyterLab answering.

    python bench/dev_lab.py [--runs 3]

Starts ``./dev lab`` (with ``--no-browser`` on a free port and a token of its own) and
times it until the server answers ``/api/status`` with 200, then stops it; the first
run may set up (pip, npm, the bundle), the others show a warm start. Also times
``import jupyterlab.labapp`` alone in the venv, most of a warm start. Prints a markdown
table: each run's wall time, its CPU time (what the wall time would be on an idle
machine, near enough: the start is one process), and the load average, since the
machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """CPU time of process ``pid`` and its waited-for children (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def time_dev_lab() -> tuple[float, float]:
    """Seconds from starting ``./dev lab`` to a 200 from /api/status: wall and CPU time.

    ``./dev`` execs JupyterLab, so one process id covers the set-up and the server.
    """
    port, token = free_port(), uuid.uuid4().hex
    start = time.monotonic()
    process = subprocess.Popen(
        ["./dev", "lab", "--no-browser", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while True:
            try:
                url = f"http://127.0.0.1:{port}/api/status?token={token}"
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return time.monotonic() - start, cpu_seconds(process.pid)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if process.poll() is not None:
                raise SystemExit(f"./dev lab exited with {process.returncode}")
            time.sleep(0.05)  # polling a server that is starting: nothing else to wait on
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def time_import() -> float:
    python = ROOT / ".venv" / "bin" / "python"
    start = time.monotonic()
    subprocess.run([str(python), "-c", "import jupyterlab.labapp"], check=True)
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print("| run | ./dev lab to /api/status | its CPU time | import jupyterlab.labapp "
          "| load average |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for run in range(1, args.runs + 1):
        wall, cpu = time_dev_lab()
        load = os.getloadavg()[0]
        print(f"| {run} | {wall:.2f} s | {cpu:.2f} s | {time_import():.2f} s | {load:.1f} |",
              flush=True)


if __name__ == "__main__":
    sys.exit(main())
