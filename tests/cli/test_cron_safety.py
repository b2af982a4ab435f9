"""Unattended runs, as cron makes them: `cmgr` as a subprocess without a terminal (stdin is
/dev/null, stdout and stderr are pipes). Exit codes, JSON on stdout, two writers at once, a
SIGKILL in the middle of an import, a backup taken while another process writes."""

from __future__ import annotations

import json
import os
import pty
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ANSI = "\x1b["


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CMGR_DEBUG")}
    base["PYTHONPATH"] = str(ROOT)
    return base | extra


def run(*args: str, timeout: float = 60, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cmgr", *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=env(**extra), timeout=timeout)


def orders_csv(path: Path, n: int, prefix: str) -> Path:
    lines = ["订单编号,订货日期,客户编码,卷烟编码,订购量,金额"]
    lines += [f"{prefix}{i:06d},2026-11-03,{i % 300:012d},6901028075022,2,900" for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def check(db: Path) -> dict:
    p = run("--db", str(db), "db", "check", "--format", "json")
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["ok"] and report["integrity"] == ["ok"]
    return report


def assert_clean(p: subprocess.CompletedProcess) -> None:
    """Off a terminal: no colour codes, no spinner frames, no traceback on screen."""
    for stream in (p.stdout, p.stderr):
        assert ANSI not in stream and "\r" not in stream and "Traceback" not in stream


def test_no_terminal_exit_codes_and_json_on_stdout(tmp_path):
    db = tmp_path / "cmgr.db"
    good = orders_csv(tmp_path / "good.csv", 50, "G")
    partial = orders_csv(tmp_path / "partial.csv", 5, "P")
    partial.write_text(partial.read_text(encoding="utf-8").replace(",2,900\n", ",x,900\n", 1),
                       encoding="utf-8")
    base = ("--db", str(db))

    p = run(*base, "import", "orders", str(good), "--format", "json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["files"][0]["stored"] == 50
    assert "导入结果" not in p.stdout  # the human summary is not mixed into the data
    assert_clean(p)

    p = run(*base, "import", "orders", str(partial), "--format", "json",
            "--rejects", str(tmp_path / "rej.csv"))
    assert p.returncode == 3, p.stderr
    assert json.loads(p.stdout)["files"][0]["rejected"] == 1
    assert_clean(p)

    p = run(*base, "import", "orders", str(tmp_path / "missing.csv"), "--format", "json")
    assert p.returncode == 2 and p.stdout == ""  # refused before anything: no summary
    assert "找不到文件" in p.stderr and "missing.csv" in p.stderr
    assert_clean(p)

    p = run(*base, "config", "show", "--format", "json")
    assert p.returncode == 0
    assert json.loads(p.stdout)["values"]["database.path"]["value"] == str(db)

    report = check(db)
    assert report["tables"]["order_lines"] == 54

    p = run(*base, "db", "backup", str(tmp_path / "b.db"), "--format", "json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["tables"]["order_lines"] == 54

    p = run(*base, "db", "restore", str(tmp_path / "b.db"), "--format", "json")
    assert p.returncode == 2 and p.stdout == "" and "--yes" in p.stderr  # never a hanging prompt
    assert_clean(p)
    p = run(*base, "db", "restore", str(tmp_path / "b.db"), "--format", "json", "--yes")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["tables"]["order_lines"] == 54

    for bad in (["no-such-command"], ["db", "check", "--no-such-option"], ["import", "nonsense", "x"]):
        p = run(*base, *bad)
        assert p.returncode == 2 and p.stdout == "", bad
        assert_clean(p)


def _on_a_terminal(args: list[str], **extra: str) -> str:
    """Run with stderr on a pseudo-terminal; return what it showed."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "cmgr", *args], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=slave,
                                env=env(TERM="xterm-256color", **extra))
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the child closed its end
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=30)
    finally:
        os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def colours(text: str) -> list[int]:
    """The colour parameters (foreground/background) of the SGR escape sequences in `text`."""
    import re

    found = []
    for params in re.findall(r"\x1b\[([0-9;]*)m", text):
        for p in params.split(";"):
            if p.isdigit() and (30 <= int(p) <= 48 or 90 <= int(p) <= 107):
                found.append(int(p))
    return found


def test_colours_only_on_a_terminal_and_never_with_no_color(tmp_path):
    args = ["--db", str(tmp_path / "absent.db"), "db", "check"]
    on_terminal = _on_a_terminal(args)
    assert "找不到数据库" in on_terminal and colours(on_terminal)  # the control: colour there
    with_no_color = _on_a_terminal(args, NO_COLOR="1")
    assert "找不到数据库" in with_no_color and not colours(with_no_color)
    piped = run(*args)
    assert piped.returncode == 2 and "找不到数据库" in piped.stderr
    assert ANSI not in piped.stderr


def test_two_imports_at_once_both_succeed_or_one_exits_4(tmp_path):
    """Three nightly imports started together on a database that does not exist yet (so the
    first-run migration races too), with a short lock timeout."""
    db = tmp_path / "cmgr.db"
    files = [orders_csv(tmp_path / f"o{i}.csv", 20000, f"F{i}-") for i in range(3)]
    procs = [subprocess.Popen([sys.executable, "-m", "cmgr", "--db", str(db), "import", "orders",
                               str(f), "--format", "json"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True,
                              env=env(CMGR_DATABASE_BUSY_TIMEOUT="0.5"))
             for f in files]
    outcomes = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    succeeded = 0
    for code, out, err in outcomes:
        assert code in (0, 4), err
        assert "Traceback" not in err
        if code == 0:
            assert json.loads(out)["files"][0]["stored"] == 20000
            succeeded += 1
        else:
            assert out == "" and "locked by" in err and "waited 0.5 s" in err
    assert succeeded >= 1
    report = check(db)
    # all or nothing per file: the rows of exactly the imports that succeeded
    assert report["tables"]["order_lines"] == 20000 * succeeded
    assert report["tables"]["imports"] == succeeded


HOLDER = textwrap.dedent("""
    import sys, time
    from cmgr.store.db import open_database
    db = open_database(sys.argv[1])
    with db.transaction():
        db.execute("INSERT INTO prices(sku_code, sku_name) VALUES ('6901028075022', '中华(硬)')")
        print("HOLDING", flush=True)
        sys.stdin.readline()  # hold the lock until the test says so: no race with slow starts
""")


def test_a_writer_past_the_timeout_exits_4_naming_the_holder_while_readers_go_on(tmp_path):
    db = tmp_path / "cmgr.db"
    check_fresh = run("--db", str(db), "init")  # creates and migrates
    assert check_fresh.returncode == 0, check_fresh.stderr
    orders = orders_csv(tmp_path / "o.csv", 100, "H")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], stdout=subprocess.PIPE,
                              stdin=subprocess.PIPE, text=True, env=env())
    try:
        assert holder.stdout.readline().strip() == "HOLDING"
        p = run("--db", str(db), "import", "orders", str(orders), "--format", "json",
                CMGR_DATABASE_BUSY_TIMEOUT="0.3")
        assert holder.poll() is None  # it gave up after its timeout, not when the holder ended
        assert p.returncode == 4, p.stderr
        assert p.stdout == ""
        assert f"locked by pid {holder.pid}" in p.stderr and "busy_timeout" in p.stderr
        assert_clean(p)
        report = check(db)  # a reader goes on while the writer holds the lock
        assert report["tables"]["order_lines"] == 0
        assert holder.poll() is None  # ...and the holder really was still holding it
    finally:
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()
    assert holder.returncode == 0
    p = run("--db", str(db), "import", "orders", str(orders), "--format", "json")
    assert p.returncode == 0, p.stderr
    assert check(db)["tables"]["order_lines"] == 100


KILLABLE = textwrap.dedent("""
    import sys, time
    import cmgr.jobs.ingest as ingest

    real = ingest.finish_import
    def slow_finish(*args, **kwargs):
        real(*args, **kwargs)
        print("STORED-IN-TX", flush=True)  # every row written, nothing committed yet
        time.sleep(60)
    ingest.finish_import = slow_finish
    from cmgr.cli.app import main
    sys.argv = ["cmgr", *sys.argv[1:]]
    main()
""")


def test_sigkill_half_way_through_an_import_leaves_a_consistent_database(tmp_path):
    db = tmp_path / "cmgr.db"
    assert run("--db", str(db), "init").returncode == 0
    big = orders_csv(tmp_path / "big.csv", 20000, "K")
    # The killed import's scratch folder (cmgr-stage-*) stays behind until a day old: in this
    # test's own temporary folder, not the machine's.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    child = subprocess.Popen([sys.executable, "-c", KILLABLE, "--db", str(db), "import", "orders",
                              str(big), "--format", "json"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=env(TMPDIR=str(scratch)))
    try:
        assert child.stdout.readline().strip() == "STORED-IN-TX"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    assert [p.name.startswith("cmgr-stage-") for p in scratch.iterdir()] == [True]
    report = check(db)
    assert report["tables"]["order_lines"] == 0  # none of the killed file
    assert report["tables"]["imports"] == 0  # not even its entry in the import log

    # The killed writer's note is left behind; a later lock holder is not blamed on it.
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        p = run("--db", str(db), "import", "orders", str(big), CMGR_DATABASE_BUSY_TIMEOUT="0.2")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert p.returncode == 4 and "by another process" in p.stderr
    assert f"pid {child.pid}" not in p.stderr

    p = run("--db", str(db), "import", "orders", str(big), "--format", "json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["files"][0]["stored"] == 20000
    report = check(db)
    assert report["tables"]["order_lines"] == 20000 and report["tables"]["imports"] == 1


def test_backups_taken_during_writes_restore_to_consistent_databases(tmp_path):
    db = tmp_path / "cmgr.db"
    assert run("--db", str(db), "init").returncode == 0
    files = [orders_csv(tmp_path / f"n{i}.csv", 5000, f"N{i}-") for i in range(8)]
    writer = subprocess.Popen([sys.executable, "-m", "cmgr", "--db", str(db), "-q", "import",
                               "orders", *map(str, files)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, env=env())
    backups = []
    while writer.poll() is None and len(backups) < 3:
        target = tmp_path / f"b{len(backups)}.db"
        p = run("--db", str(db), "db", "backup", str(target), "--format", "json")
        assert p.returncode == 0, p.stderr
        backups.append((target, json.loads(p.stdout)["tables"]["imports"]))
    writer.wait(timeout=120)
    assert writer.returncode == 0, writer.stderr.read()
    writer.stderr.close()
    assert backups, "the writer finished before a backup could start"
    assert check(db)["tables"]["order_lines"] == 40000
    for i, (backup, _) in enumerate(backups):
        restored = tmp_path / f"restored{i}.db"
        p = run("--db", str(restored), "db", "restore", str(backup), "--yes")
        assert p.returncode == 0, p.stderr
        report = check(restored)
        con = sqlite3.connect(restored)
        try:
            per_import = con.execute(
                "SELECT i.id, i.stored, i.finished_at, count(o.id) FROM imports i "
                "LEFT JOIN order_lines o ON o.import_id = i.id GROUP BY i.id").fetchall()
        finally:
            con.close()
        # every file in the backup is whole: logged as finished, with all of its 5,000 rows
        assert all(stored == rows == 5000 and finished for _, stored, finished, rows in per_import)
        assert report["tables"]["order_lines"] == 5000 * len(per_import)


CRASHING = textwrap.dedent("""
    import sys
    from cmgr.cli.app import app

    @app.command("boom")
    def boom() -> None:
        \"\"\"Fails with a bug.\"\"\"
        raise ZeroDivisionError("a bug")

    app(prog_name="cmgr", args=sys.argv[1:])
""")


def test_internal_error_exits_5_with_the_traceback_in_the_logs_not_on_screen(tmp_path):
    log = tmp_path / "logs" / "cmgr.log"
    state = tmp_path / "state"
    p = subprocess.run([sys.executable, "-c", CRASHING, "--log-file", str(log), "boom"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       env=env(XDG_STATE_HOME=str(state)), timeout=60)
    assert p.returncode == 5
    assert "内部错误" in p.stderr and "crash.log" in p.stderr
    assert "Traceback" not in p.stderr and "ZeroDivisionError" not in p.stderr
    assert p.stdout == ""
    logged = log.read_text(encoding="utf-8")
    assert "Traceback" in logged and "ZeroDivisionError: a bug" in logged
    assert "finish: exit 5" in logged
    [crash_log] = list(state.rglob("crash.log"))
    assert "ZeroDivisionError" in crash_log.read_text(encoding="utf-8")


@pytest.mark.parametrize("placement", ["global", "config"])
def test_log_file_for_cron(tmp_path, placement):
    log = tmp_path / "cron.log"
    orders = orders_csv(tmp_path / "o.csv", 10, "L")
    extra: dict[str, str] = {}
    args = ["--db", str(tmp_path / "cmgr.db")]
    if placement == "global":
        args += ["--log-file", str(log)]
    else:
        config = tmp_path / "config.toml"
        config.write_text(f'[log]\nfile = "{log}"\n', encoding="utf-8")
        extra["CMGR_CONFIG"] = str(config)
    p = run(*args, "-q", "import", "orders", str(orders), **extra)
    assert p.returncode == 0 and p.stderr == "", p.stderr  # quiet for cron...
    text = log.read_text(encoding="utf-8")  # ...and the log says what happened
    assert "import orders" in text and "10 read, 10 stored" in text and "finish: exit 0" in text


def _leaf_commands():
    import typer

    from cmgr.cli.app import app

    def walk(command, path=()):
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                yield from walk(sub, (*path, name))
        else:
            yield path, command

    return list(walk(typer.main.get_command(app)))


def test_every_command_without_a_terminal_exits_with_a_documented_code(tmp_path, monkeypatch):
    """Each command run bare, as a careless crontab line would: it must neither prompt (stdin
    is empty: a prompt would abort with exit 1) nor crash, and an error leaves stdout empty.
    Commands that succeed bare and take --format json must print only JSON on stdout."""
    from typer.testing import CliRunner

    from cmgr.cli.app import app

    monkeypatch.chdir(tmp_path)  # a command that writes into the working folder writes here
    runner = CliRunner()
    checked_json = []
    for path, command in _leaf_commands():
        if path == ("demo",):  # builds the whole sample database: covered by its own tests
            continue
        result = runner.invoke(app, list(path))
        name = " ".join(path)
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            f"{name}: {result.exception!r}"
        assert result.exit_code in (0, 2, 4), f"{name}: exit {result.exit_code}\n{result.stderr}"
        if result.exit_code != 0:
            assert result.stdout == "", name
            continue
        if any("--format" in getattr(p, "opts", ()) for p in command.params):
            as_json = runner.invoke(app, [*path, "--format", "json"])
            if as_json.exit_code == 2 and "json" in as_json.stderr:  # not one of its formats
                continue
            assert as_json.exit_code == 0, f"{name} --format json: {as_json.stderr}"
            json.loads(as_json.stdout)
            checked_json.append(name)
    assert {"config show", "db check"} <= set(checked_json), checked_json
