"""cli.options: each option one spelling and meaning; --format lists exactly what a command
accepts and refuses the rest before anything runs; every date option reads the same forms."""

from __future__ import annotations

import re
from datetime import date

import pytest
import typer
from typer.testing import CliRunner

from cmgr.cli.options import parse_day, parse_moment

ALL_FORMATS = {"table", "csv", "json", "xlsx", "html", "md", "docx"}
# What each command really writes: its --format choices must be exactly these.
ACCEPTED = {
    ("import",): {"table", "json"},
    ("config", "show"): {"table", "json"},
    ("db", "backup"): {"table", "json"},
    ("db", "check"): {"table", "json"},
    ("db", "restore"): {"table", "json"},
    ("db", "export"): {"xlsx", "csv"},
    ("db", "init-team"): {"table", "json"},
    ("db", "remove-member"): {"table", "json"},
    ("db", "migrate-to"): {"table", "json"},
    ("plan-week",): {"table", "xlsx", "html", "csv", "json"},
    ("plan-review",): {"table", "json", "xlsx"},
    ("monthly-report",): {"docx", "html", "md", "xlsx", "json"},
    ("flag",): {"table", "csv", "xlsx", "json"},
    ("flag", "review"): {"table", "json"},
    ("flag", "decisions"): {"table", "json"},
    ("flag", "report"): {"html", "xlsx", "docx"},
    ("promo", "recommend"): {"table", "xlsx", "csv", "json"},
    ("promo", "receipt"): {"docx", "html"},
    ("complaint", "list"): {"table", "csv", "json"},
    ("complaint", "form"): {"docx", "html"},
    **{("complaint", step): {"table", "json"} for step in (
        "new", "inspect", "sign", "submit", "approve", "reject", "exchange", "confirm",
        "feedback", "show")},
    ("visit", "log"): {"table", "json"},
    ("visit", "special"): {"table", "json"},
    ("visit", "special-form"): {"docx", "html"},
    ("visit", "list"): {"table", "json"},
    ("visit", "edit"): {"table", "json"},
    ("today",): {"table", "json", "html", "xlsx"},
    ("customer", "edit"): {"table", "json"},
    ("customer", "join"): {"table", "json"},
    ("customer", "leave"): {"table", "json"},
    ("customer", "show"): {"table", "json"},
    ("settlements",): {"table", "csv", "json"},
    ("suggest",): {"table", "json"},
    ("kpi",): {"table", "json"},
    ("area", "summary"): {"table", "json", "csv", "xlsx"},
    ("area", "queue"): {"table", "json"},
    ("area", "decide"): {"table", "json"},
}
# Arguments a command needs before its options are looked at.
ARGS = {("import",): ["orders", "x.csv"], ("db", "backup"): ["b.db"], ("db", "restore"): ["b.db"],
        ("db", "export"): ["out"], ("db", "migrate-to"): ["postgresql://x@/y"],
        ("db", "remove-member"): ["mgr_a"], ("promo", "receipt"): ["--campaign", "x"],
        ("visit", "special-form"): ["FW-20261127-001"], ("suggest",): ["C001"], ("visit", "edit"): ["1"]}


def _commands():
    from cmgr.cli.app import app

    def walk(command, path=()):
        if any("--format" in getattr(p, "opts", ()) for p in command.params):
            yield path, command
        for name, sub in (getattr(command, "commands", None) or {}).items():
            yield from walk(sub, (*path, name))

    return list(walk(typer.main.get_command(app)))


def _args(path) -> list[str]:
    if path in ARGS:
        return ARGS[path]
    if path[0] == "complaint" and path[1] not in ("new", "list"):
        return ["TS-20261129-001"]
    if path[0] == "customer" or path == ("flag", "review"):
        return ["1"]
    return []


def test_every_format_option_is_in_the_table():
    assert {path for path, _ in _commands()} == set(ACCEPTED)


@pytest.mark.parametrize("path", sorted(ACCEPTED), ids=" ".join)
def test_format_help_lists_exactly_what_the_command_accepts(path):
    from cmgr.cli.app import app

    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    shown = re.search(r"--format ([a-z|]+)", text)
    assert shown, text
    assert set(shown.group(1).split("|")) == ACCEPTED[path]
    # ...and the option's own help names no format it does not take.
    after = text[shown.end():].split(" --", 1)[0]
    assert not {f for f in ALL_FORMATS - ACCEPTED[path] if re.search(rf"\b{f}\b", after)}, after


@pytest.mark.parametrize("path", sorted(ACCEPTED), ids=" ".join)
def test_a_format_the_command_does_not_accept_exits_2_before_anything_runs(path, tmp_path,
                                                                         monkeypatch):
    from cmgr.cli.app import app

    monkeypatch.chdir(tmp_path)
    refused = sorted(ALL_FORMATS - ACCEPTED[path] | {"pdf"})
    for fmt in refused:
        result = CliRunner().invoke(app, [*path, *_args(path), "--format", fmt])
        assert result.exit_code == 2, (fmt, result.output)
        assert "--format" in result.stderr and fmt in result.stderr
    assert not (tmp_path / "cmgr.db").exists()  # refused while parsing: no database opened


@pytest.mark.parametrize("text", ["2026-11-30", "2026/11/30", "20261130", "2026年11月30日",
                                  " 2026-11-30 ", "2026.11.30"])
def test_every_date_form(text):
    assert parse_day(text) == date(2026, 11, 30)


@pytest.mark.parametrize("text", ["昨天", "2026-02-30", "", "11/30"])
def test_not_a_date(text):
    with pytest.raises(ValueError, match="2026年11月30日"):
        parse_day(text)


def test_moments_read_the_same_date_forms():
    assert parse_moment("2026/11/29 14:30") == "2026-11-29T14:30:00"
    assert parse_moment("2026年11月29日") == "2026-11-29"
    assert parse_moment("20261129T09:05") == "2026-11-29T09:05:00"
    with pytest.raises(ValueError, match="HH:MM"):
        parse_moment("2026-11-29 下午")


@pytest.mark.parametrize("form", ["2026-11-30", "2026/11/30", "20261130", "2026年11月30日"])
def test_date_options_of_different_commands_read_the_same_forms(form, tmp_path, monkeypatch):
    from tests.cli.records_seed import run, run_json, seeded_db_path

    monkeypatch.chdir(tmp_path)
    seeded_db_path(tmp_path, monkeypatch)
    assert run_json(["visit", "log", "--customer", "C001", "--date", form])["visit_date"] \
        == "2026-11-30"
    joined = run_json(["customer", "join", "C100", "--name", "新店", "--date", form,
                       "--license-expiry", form])
    assert (joined["joined_on"], joined["license_expiry"]) == ("2026-11-30", "2026-11-30")
    cid = run(["complaint", "new", "--customer", "C001", "--sku", "利群(新版)", "--qty", "1",
               "--problem", "受潮", "--no-form", "--date", form]).stdout.strip()
    assert cid == "TS-20261130-001"
    assert run(["flag", "--since", form, "--until", form]).exit_code == 0
    assert run_json(["settlements", "--date", form, "--format", "json"])["as_of"] == "2026-11-30"
    result = run(["promo", "recommend", "--as-of", form, "--format", "json"])
    assert result.exit_code == 0 and '"as_of": "2026-11-30"' in result.stdout


def test_a_bad_date_names_its_option_and_exits_2(tmp_path, monkeypatch):
    from tests.cli.records_seed import run

    monkeypatch.chdir(tmp_path)
    for args in (["flag", "--since", "昨天"], ["plan-week", "--start", "30/11"],
                 ["visit", "log", "--date", "11-30"], ["complaint", "inspect", "X", "--at", "x"],
                 ["settlements", "--date", "昨天"], ["suggest", "C001", "--date", "11-30"]):
        result = run(args)
        option = next(a for a in args if a.startswith("--"))
        assert result.exit_code == 2 and option in result.stderr, (args, result.output)


def test_manager_is_one_spelling_everywhere():
    """Every --manager also answers to -m; where a command takes several it is repeatable."""
    several = {("plan-week",), ("plan-review",), ("monthly-report",), ("db", "init-team")}
    from cmgr.cli.app import app

    def walk(command, path=()):
        for p in command.params:
            if "--manager" in getattr(p, "opts", ()):
                yield path, p
        for name, sub in (getattr(command, "commands", None) or {}).items():
            yield from walk(sub, (*path, name))

    found = list(walk(typer.main.get_command(app)))
    assert {path for path, _ in found} >= several | {("flag",), ("promo", "recommend"),
                                                      ("settlements",), ("kpi",)}
    for path, param in found:
        assert "-m" in param.opts, path
        assert bool(param.multiple) == (path in several), path
