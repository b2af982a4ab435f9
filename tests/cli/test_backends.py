"""The same commands on both backends give the same results: the sample territory imported
into an SQLite file and into a PostgreSQL database (the session's throwaway server, skipped
with the reason when none can be started), then the main commands run on each through the
real CLI, their JSON compared. Timestamps of now and timings are masked; nothing else."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
NOW = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
SECONDS = re.compile(r'"seconds": [0-9.]+')
VISIT_KEY = re.compile(r"cmgr:[0-9a-f]{32}")  # a visit typed in cmgr: a random uuid

IMPORTS = [
    ("customers", ["customers.xlsx"]),
    ("prices", ["prices.xlsx"]),
    ("orders", sorted(p.name for p in SAMPLE.glob("orders_*"))),
    ("visits", ["visits.xlsx"]),
    ("settlements", ["settlements_2026-09_11.xlsx"]),
    ("supply", ["supply_limits.xlsx"]),
    ("targets", ["targets_2026.xlsx"]),
]

# (name, arguments): run in this order on each backend; writes (visit log, complaint, flag
# review, saved plan) come before the reads that show them.
COMMANDS = [
    ("visit log", ["visit", "log", "--customer", "{customer}", "--date", "2026-11-30",
                   "--notes", "价签缺失，老板说中华卖到七百五", "--format", "json"]),
    ("complaint new", ["complaint", "new", "--customer", "{customer}", "--sku", "{sku}",
                       "--qty", "5包", "--problem", "受潮霉变", "--no-form",
                       "--date", "2026-11-30", "--format", "json"]),
    ("complaint list", ["complaint", "list", "--format", "json"]),
    ("flag", ["flag", "--format", "json"]),
    ("flag review", ["flag", "review", "--customer", "{customer}", "--report", "--close",
                     "--result", "已降级", "--by", "区域经理", "--format", "json"]),
    ("plan-week", ["plan-week", "--all", "--week", "2026-W49", "--format", "json"]),
    ("monthly-report", ["monthly-report", "--manager", "王建国", "--month", "2026-10",
                        "--format", "json"]),
    ("monthly-report all", ["monthly-report", "--all", "--month", "2026-11", "--format", "json"]),
    ("kpi", ["kpi", "--month", "2026-10", "--all", "--format", "json"]),
    ("visit list", ["visit", "list", "--customer", "{customer}", "--format", "json"]),
    ("customer show", ["customer", "show", "{customer}", "--format", "json"]),
]


def _cmgr(env: dict, args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cmgr", *args], env=env, capture_output=True,
                          text=True, timeout=600)


def _masked(text: str, env: dict) -> str:
    text = text.replace(env["CMGR_DB"], "<DB>").replace(str(SAMPLE), "<SAMPLE>")
    return VISIT_KEY.sub("cmgr:<UUID>", SECONDS.sub('"seconds": 0', NOW.sub("<NOW>", text)))


def _run_all(env: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    for kind, files in IMPORTS:
        done = _cmgr(env, ["import", kind, *[str(SAMPLE / f) for f in files], "--format", "json"])
        assert done.returncode == 0, f"import {kind} on {env['CMGR_DB']}: {done.stderr}"
        out[f"import {kind}"] = _masked(done.stdout, env)
    for name, args in COMMANDS:
        args = [a.format(customer="053200100141", sku="利群(休闲)") for a in args]
        done = _cmgr(env, args)
        out[name] = f"exit {done.returncode}\n" + _masked(done.stdout, env)
    return out


@pytest.fixture(scope="module")
def both(postgres, tmp_path_factory) -> tuple[dict[str, str], dict[str, str], str]:
    folder = tmp_path_factory.mktemp("backends")
    postgres.psql("CREATE DATABASE cli_backends TEMPLATE cmgr_template")
    base = {k: v for k, v in os.environ.items() if not k.startswith("CMGR_")}
    base.update(CMGR_CONFIG="", XDG_CONFIG_HOME=str(folder / "cfg"),
                XDG_DATA_HOME=str(folder / "data"), MPLBACKEND="Agg")
    os.chdir(folder)
    # Who made each write: the database user on PostgreSQL, `[user] name` on SQLite; named
    # alike here, so the *_by fields compare too.
    sqlite = _run_all({**base, "CMGR_DB": str(folder / "cmgr.db"), "CMGR_USER_NAME": postgres.user})
    url = postgres.url("cli_backends")
    pg = _run_all({**base, "CMGR_DB": url})
    return sqlite, pg, url


def test_the_sample_territory_is_really_in_postgresql(both) -> None:
    import psycopg

    _sqlite, _pg, url = both
    with psycopg.connect(url) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("customers", "order_lines", "visits", "complaints", "flags", "plans")}
    assert counts["customers"] > 100 and counts["order_lines"] > 10_000, counts
    assert counts["complaints"] == 1 and counts["plans"] >= 1 and counts["flags"] > 0, counts


@pytest.mark.parametrize("name", [f"import {k}" for k, _ in IMPORTS] + [n for n, _ in COMMANDS])
def test_same_json_on_both_backends(both, name: str) -> None:
    sqlite, pg, _url = both
    assert sqlite[name].startswith(("exit 0", "{", "[")), sqlite[name][:500]
    assert len(sqlite[name]) > 40, sqlite[name]
    if pg[name] == sqlite[name]:
        return
    # Sums of floating-point amounts may differ in their last digits (rows added in another
    # order); everything else must be the same.
    a, b = (_parsed(x[name]) for x in (sqlite, pg))
    assert _same(a, b), f"{name}: PostgreSQL differs from SQLite: {_first_difference(a, b)}"


def _parsed(text: str):
    head, _, body = text.partition("\n")
    return head, json.loads(body)


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return (isinstance(a, int | float) and isinstance(b, int | float)
                and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _first_difference(a, b, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b or not _same(a[k], b[k]):
                return _first_difference(a.get(k), b.get(k), f"{path}.{k}")
    if isinstance(a, list | tuple) and isinstance(b, list | tuple) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if not _same(x, y):
                return _first_difference(x, y, f"{path}[{i}]")
    return f"at {path or 'top'}: sqlite {str(a)[:300]!r} / postgresql {str(b)[:300]!r}"
