"""tests/pg_server.py cleans up after itself: a server whose owner was killed (SIGKILL: no
exit handler ran) is stopped and removed by the next start, and a server of a run told to
end (SIGTERM) is stopped by its own handler. Real servers; skipped, with the reason, when
PostgreSQL cannot be started here."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import pg_server

ROOT = Path(__file__).resolve().parents[1]
# A child that starts a server, prints its folder, and waits to be killed.
CHILD = """
import sys, time
sys.path.insert(0, {root!r})
from tests import pg_server
server, why = pg_server.start()
print(server.folder if server else "NONE " + why, flush=True)
time.sleep(600)
"""


def _start_child():
    child = subprocess.Popen([sys.executable, "-c", CHILD.format(root=str(ROOT))],
                             stdout=subprocess.PIPE, text=True)
    line = child.stdout.readline().strip()
    if line.startswith("NONE") or not line:
        child.kill()
        child.wait()
        pytest.skip(f"PostgreSQL not available: {line[5:] or 'no output'}")
    folder = Path(line)
    assert (folder / "data" / "postmaster.pid").exists()
    return child, folder


def _server_running(folder: Path) -> bool:
    pid_file = folder / "data" / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    return pg_server._process_start(pid) is not None


def _wait_gone(folder: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and folder.exists():
        time.sleep(0.2)


def test_a_killed_runs_server_is_swept_by_the_next_start() -> None:
    child, folder = _start_child()
    pid = int((folder / "data" / "postmaster.pid").read_text().split()[0])
    child.kill()  # SIGKILL: no atexit, no signal handler
    child.wait()
    assert folder.exists() and _server_running(folder)
    assert folder in pg_server.sweep_stale(pg_server.server_user()[1])
    assert not folder.exists()
    assert pg_server._process_start(pid) is None  # the server process ended too


def test_a_live_runs_server_is_left_alone() -> None:
    child, folder = _start_child()
    try:
        assert folder not in pg_server.sweep_stale([])
        assert _server_running(folder)
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(60)
    _wait_gone(folder)
    assert not folder.exists()


def test_a_run_told_to_end_stops_its_server() -> None:
    child, folder = _start_child()
    pid = int((folder / "data" / "postmaster.pid").read_text().split()[0])
    child.send_signal(signal.SIGTERM)
    assert child.wait(60) == -signal.SIGTERM  # ended by the signal, after the cleanup
    assert not folder.exists()
    assert pg_server._process_start(pid) is None
