"""Ctrl-C and Ctrl-D at a prompt, on a real (pseudo-)terminal: 已取消, exit 130, nothing written."""

from __future__ import annotations

import os
import select
import signal
import sqlite3
import sys
import time

import pytest

from tests.cli.records_seed import seeded_db_path

pty = pytest.importorskip("pty")


def _run_in_terminal(args: list[str], env: dict, keys: bytes, *, timeout: float = 60) -> tuple[int, str]:
    """Run cmgr on a pseudo-terminal, wait for its first prompt, type `keys`; exit code, output."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: cmgr, with the terminal as stdin, stdout and stderr
        # As an interactive shell starts a command: Ctrl-C's signal at its default. A test run
        # started in the background by a non-interactive shell inherits SIGINT ignored, and
        # cmgr would then never see the key (the run hung at the prompt).
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.execve(sys.executable, [sys.executable, "-m", "cmgr", *args], env)
    output = b""
    sent = False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
        elif not sent and output.rstrip().endswith((b":", "：".encode())):
            time.sleep(0.3)  # the prompt is waiting for input
            os.write(fd, keys)
            sent = True
    else:  # the deadline passed with cmgr still running: stop it, so the test fails, not hangs
        os.kill(pid, 9)
        output += b"\n[still running at the deadline: killed]"
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace")


def _count(path, table: str) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize("keys", [b"\x03", b"\x04"], ids=["ctrl-c", "ctrl-d"])
def test_cancel_at_a_prompt(tmp_path, monkeypatch, keys):
    db = seeded_db_path(tmp_path, monkeypatch)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CMGR_")}
    env.update(CMGR_DB=str(db), CMGR_CONFIG="", TERM="dumb", COLUMNS="100")
    before = (_count(db, "complaints"), _count(db, "complaint_events"))
    code, output = _run_in_terminal(["complaint", "new", "--customer", "C001"], env, keys)
    assert code == 130, output
    assert "已取消" in output
    assert "内部错误" not in output and "Traceback" not in output
    assert (_count(db, "complaints"), _count(db, "complaint_events")) == before == (0, 0)
    assert not list(tmp_path.glob("TS-*"))  # no form written
