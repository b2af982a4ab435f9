"""docs/cron.md's schedule runs the nightly work in the order the data needs: import the day's
exports, then (Fridays) plan next week, then list new flags; no separate Friday plan job that
would run before Friday's visits are imported."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "cron.md"


def test_nightly_script_imports_then_plans_then_flags():
    text = DOC.read_text(encoding="utf-8")
    script = text[text.index("#!/bin/bash"):]
    script = script[:script.index("```")]
    last_import = max(m.start() for m in re.finditer(r"^import_files ", script, re.M))
    plan = script.index("plan-week --all")
    flag = script.index("flag --new-only")
    assert last_import < plan < flag
    assert 'date +%u)" = 5' in script[last_import:plan]  # the plan is made on Fridays


def test_crontab_has_no_plan_job_of_its_own():
    text = DOC.read_text(encoding="utf-8")
    crontab = text[text.index("```cron"):]
    crontab = crontab[:crontab.index("```", 7)]
    jobs = [line for line in crontab.splitlines() if line and not line.startswith("#")
            and re.match(r"^[\d*]", line)]
    assert not any("plan-week" in j for j in jobs)
    assert any("nightly.sh" in j for j in jobs)
