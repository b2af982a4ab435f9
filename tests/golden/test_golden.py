"""Golden files: the bundled sample territory in, each document command's output compared
exactly with the file committed beside this test (beangulp's testing.py, for cmgr).

Regenerate on purpose only, after a change meant to alter an output:

    python -m pytest tests/golden --update-golden

and read the diff of tests/golden/expected/ before committing it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

EXPECTED = Path(__file__).parent / "expected"
# The demo's printed form carries the time it was printed; nothing else depends on the clock.
PRINTED_AT = re.compile(r"(打印时间：)\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def _cmgr(env: dict, *args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "cmgr", *args], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, f"cmgr {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict]:
    """The demo territory, built once by `cmgr demo` from the committed sample_data/."""
    out = tmp_path_factory.mktemp("golden-demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CMGR_")}
    env.update(CMGR_CONFIG="", CMGR_DB=str(out / "demo.db"), XDG_CONFIG_HOME=str(out / "cfg"),
               XDG_DATA_HOME=str(out / "data"), MPLBACKEND="Agg")
    _cmgr(env, "demo", "--dir", str(out))
    return out, env


def _normalise(text: str, out: Path) -> str:
    text = text.replace(str(out), "<DEMO>")
    return PRINTED_AT.sub(r"\1<NOW>", text)


CASES = {
    "plan-week.json": ["plan-week", "--all", "--week", "2026-W49", "--format", "json",
                       "--no-save"],
    "monthly-report-王建国-2026-10.json": ["monthly-report", "--manager", "王建国", "--month",
                                        "2026-10", "--format", "json"],
    "monthly-report-李娜-2026-10.json": ["monthly-report", "--manager", "李娜", "--month",
                                       "2026-10", "--format", "json"],
    "flag.json": ["flag", "--format", "json"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_command_output_matches_golden(demo, name: str, request) -> None:
    out, env = demo
    actual = _normalise(_cmgr(env, *CASES[name]), out)
    # A missing licence is dated by the day its roster was imported, the demo's import: the
    # only date of these outputs that comes from the clock (patterns narrow, so a date of the
    # sample data equal to today stays as it is).
    today = date.today().isoformat()
    if name == "flag.json":
        actual = actual.replace(f'"visit_date": "{today}"', '"visit_date": "<IMPORTED>"')
        actual = actual.replace(f"（{today}导入的名册）", "（<IMPORTED>导入的名册）")
    if name == "plan-week.json":
        actual = actual.replace(f"，{today} 发现）", "，<IMPORTED> 发现）")
    _compare(request, name, actual)


def test_complaint_form_html_matches_golden(demo, request) -> None:
    out, _env = demo
    forms = sorted(out.glob("TS-*.html"))
    assert len(forms) == 1, forms
    _compare(request, "complaint-form.html", _normalise(forms[0].read_text("utf-8"), out))


def _compare(request, name: str, actual: str) -> None:
    path = EXPECTED / name
    if request.config.getoption("--update-golden"):
        EXPECTED.mkdir(exist_ok=True)
        path.write_text(actual, "utf-8")
        return
    assert path.exists(), f"{path} missing: run pytest tests/golden --update-golden"
    expected = path.read_text("utf-8")
    if actual != expected:
        import difflib

        diff = "".join(list(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                                 f"expected/{name}", "actual", n=2))[:80])
        pytest.fail(f"{name} differs from its golden file:\n{diff}")


def test_demo_writes_the_chase_list_and_the_ranking(demo) -> None:
    """Not golden files (they would pin the sample's chase list to the byte), but the demo's
    settlement and kpi step must run on the sample's settlement export and targets."""
    import csv

    out, env = demo
    chase = out / "催缴清单-2026-11-27.csv"
    with chase.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 5 and rows[0]["状态"] == "失败" and rows[-1]["状态"] == "待扣款"
    assert [int(r["序号"]) for r in rows] == list(range(1, len(rows) + 1))
    with (out / "排名-2026-11.csv").open(encoding="utf-8-sig") as fh:
        ranking = list(csv.DictReader(fh))
    assert sorted(r["客户经理"] for r in ranking) == ["李娜", "王建国"]
    assert all(r["目标(箱)"] and r["电结率(金额)%"] for r in ranking)
    again = _cmgr(env, "settlements", "--date", "2026-11-27", "--format", "csv")
    assert again.splitlines()[1].split(",")[1] == rows[0]["客户编码"]
