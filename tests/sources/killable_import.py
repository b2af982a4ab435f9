"""Helper for the killed-import test: a child process that imports and is SIGKILLed mid-store."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

CHILD = textwrap.dedent("""
    import sys, time
    from cmgr.store.db import open_database
    from cmgr.jobs.ingest import import_file

    import cmgr.jobs.ingest as ingest
    real = ingest.finish_import
    def slow_finish(*args, **kwargs):
        real(*args, **kwargs)
        print("STORED-IN-TX", flush=True)
        time.sleep(60)  # killed here, inside the open transaction, every row written
    ingest.finish_import = slow_finish
    db = open_database(sys.argv[1])
    import_file(db, "orders", sys.argv[2])
""")


def _orders_csv(path: Path, n: int) -> Path:
    lines = ["订单编号,订货日期,客户编码,卷烟编码,订购量,金额"]
    lines += [f"D{i:06d},2026-11-03,{i % 300:012d},6901028075022,2,900" for i in range(n)]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def run_and_kill(tmp_path: Path) -> tuple[int, int, str]:
    db_path = tmp_path / "k.db"
    src = _orders_csv(tmp_path / "big.csv", 20000)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db_path), str(src)],
                             stdout=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 60
    line = ""
    while time.time() < deadline and "STORED-IN-TX" not in line:
        line = child.stdout.readline()
        if not line and child.poll() is not None:
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    con = sqlite3.connect(db_path)
    before = con.execute("SELECT count(*) FROM order_lines").fetchone()[0]
    con.close()
    from cmgr.jobs.ingest import import_file
    from cmgr.store.db import open_database

    db = open_database(db_path)
    import_file(db, "orders", src)
    after = db.scalar("SELECT count(*) FROM order_lines")
    integrity = db.scalar("PRAGMA integrity_check")
    db.close()
    return before, after, integrity
