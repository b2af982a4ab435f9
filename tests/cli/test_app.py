"""The root app (cli/app.py): every command has help, the help is fast and shows the exit
codes, and the global options (-q, -v, --log-file) behave the same for every command."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from cmgr.cli.app import app

runner = CliRunner()


def cmgr(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def _walk(command, prefix=()):
    yield prefix, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _walk(sub, (*prefix, name))


def test_every_command_and_option_has_help():
    root = typer.main.get_command(app)
    missing = []
    for path, command in _walk(root):
        name = " ".join(("cmgr", *path))
        if not (command.help or command.short_help or "").strip():
            missing.append(f"{name}: no help text")
        for param in command.params:
            if param.name == "help" or getattr(param, "hidden", False):
                continue
            if not (getattr(param, "help", None) or "").strip():
                missing.append(f"{name}: {param.opts[0] if param.opts else param.name} has no help")
    assert not missing, "\n".join(missing)
    assert {"backup", "check", "export", "restore"} <= set(root.commands["db"].commands)


def test_help_shows_the_exit_codes_and_global_options():
    result = cmgr("--help")
    assert result.exit_code == 0
    for text in ("退出状态", "4  数据库忙", "--log-file", "--yes"):
        assert text in result.stdout


def test_quiet_silences_messages_but_not_errors_and_verbose_adds_detail(dbfile, tmp_path):
    loud = cmgr("db", "export", str(tmp_path / "a"), "--format", "csv")
    assert "已导出" in loud.stderr and "order_lines：40 行" not in loud.stderr
    quiet = cmgr("-q", "db", "export", str(tmp_path / "b"), "--format", "csv")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    verbose = cmgr("-v", "db", "export", str(tmp_path / "c"), "--format", "csv")
    assert "order_lines：40 行" in verbose.stderr
    failing = cmgr("-q", "db", "backup", str(dbfile))
    assert failing.exit_code == 2 and "就是数据库本身" in failing.stderr


def test_log_file_records_what_ran_with_timings_counts_and_exit_code(dbfile, tmp_path):
    log = tmp_path / "logs" / "cmgr.log"
    orders = tmp_path / "o.csv"
    orders.write_text("订单编号,订货日期,客户编码,卷烟编码,订购量\n"
                      "N1,2026-11-05,000532001001,6901028075022,3\n"
                      "N2,2026-11-05,000532001002,6901028075022,x\n", encoding="utf-8")
    result = cmgr("-q", "--log-file", str(log), "import", "orders", str(orders),
                  "--rejects", str(tmp_path / "rej.csv"))
    assert result.exit_code == 3
    cmgr("--log-file", str(log), "db", "backup", str(dbfile))  # a failing run is logged too
    text = log.read_text(encoding="utf-8")
    assert f"start: cmgr -q --log-file {log} import orders {orders}" in text
    assert "2 read, 1 stored" in text and "1 rejected" in text
    assert "finish: exit 3 after" in text
    assert "就是数据库本身" in text and "finish: exit 2 after" in text


def test_log_file_from_the_configuration(dbfile, tmp_path, monkeypatch):
    log = tmp_path / "from-config.log"
    config = tmp_path / "config.toml"
    config.write_text(f'[log]\nfile = "{log}"\n', encoding="utf-8")
    monkeypatch.setenv("CMGR_CONFIG", str(config))
    result = cmgr("db", "check")
    assert result.exit_code == 0, result.stderr
    assert "start: cmgr db check" in log.read_text(encoding="utf-8")
    shown = cmgr("--log-file", str(tmp_path / "x.log"), "config", "show", "--format", "json")
    assert json.loads(shown.stdout)["values"]["log.file"] == {"value": str(tmp_path / "x.log"),
                                                              "source": "option"}


def test_unwritable_log_file_is_a_usage_error(dbfile, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = cmgr("--log-file", str(blocker / "cmgr.log"), "db", "check")
    assert result.exit_code == 2 and "--log-file" in result.stderr


def test_help_is_fast_to_import():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "cmgr", "--help"],
                         capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0
    assert "ortools" not in out.stderr and "openpyxl" not in out.stderr


def test_help_lists_the_command():
    result = cmgr("monthly-report", "--help")
    assert result.exit_code == 0 and "--notes" in result.output
