"""fileio.all_or_nothing: a run's files all land, or none does."""

from __future__ import annotations

import pytest

from cmgr.errors import UsageError
from cmgr.fileio import all_or_nothing


def files_in(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_every_file_lands_together(tmp_path):
    (tmp_path / "a.txt").write_text("old a", encoding="utf-8")
    with all_or_nothing() as files:
        files.path(tmp_path / "a.txt").write_text("new a", encoding="utf-8")
        files.path(tmp_path / "sub" / "b.txt").write_text("new b", encoding="utf-8")
        assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "old a"  # not yet
        assert not (tmp_path / "sub" / "b.txt").exists()
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "new a"
    assert (tmp_path / "sub" / "b.txt").read_text(encoding="utf-8") == "new b"
    assert sorted(files.written) == [tmp_path / "a.txt", tmp_path / "sub" / "b.txt"]
    assert files_in(tmp_path) == ["a.txt", "sub", "sub/b.txt"]  # no staging folder left


def test_one_failing_file_leaves_none_and_earlier_outputs_untouched(tmp_path):
    earlier = {"王建国.xlsx": "earlier 王建国", "李娜.xlsx": "earlier 李娜"}
    for name, text in earlier.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(RuntimeError, match="template broke"), all_or_nothing() as files:
        files.path(tmp_path / "王建国.xlsx").write_text("new 王建国", encoding="utf-8")
        files.path(tmp_path / "新人.xlsx").write_text("new 新人", encoding="utf-8")
        files.path(tmp_path / "李娜.xlsx").write_text("half", encoding="utf-8")
        raise RuntimeError("template broke on the third file")
    assert files_in(tmp_path) == sorted(earlier)  # no new file, no staging folder
    for name, text in earlier.items():
        assert (tmp_path / name).read_text(encoding="utf-8") == text
    assert files.written == []


def test_side_files_keep_their_names(tmp_path):
    """A writer that puts files next to its output (the Markdown report's charts) names them
    from the path it was given: they land under those names, beside it."""
    with all_or_nothing() as files:
        md = files.path(tmp_path / "月报.md")
        md.write_text("![](月报.trend.svg)", encoding="utf-8")
        md.with_name(f"{md.stem}.trend.svg").write_text("<svg/>", encoding="utf-8")
    assert files_in(tmp_path) == ["月报.md", "月报.trend.svg"]


def test_a_folder_that_cannot_be_made_is_a_usage_error(tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="无法在 .* 中写文件"), all_or_nothing() as files:
        files.path(tmp_path / "file" / "out.txt")


def test_a_staged_folder_for_writers_given_a_folder(tmp_path):
    with all_or_nothing() as files:
        staged = files.directory(tmp_path / "export")
        (staged / "customers.csv").write_text("a", encoding="utf-8")
        (staged / "orders.csv").write_text("b", encoding="utf-8")
        assert files.final(staged / "orders.csv") == tmp_path / "export" / "orders.csv"
    assert files_in(tmp_path / "export") == ["customers.csv", "orders.csv"]


def test_monthly_report_run_writes_every_report_or_none(tmp_path, monkeypatch):
    """Through the job: the second of three reports fails to render, so the first is not
    left either and last month's run (same names) is untouched."""
    from datetime import date

    import cmgr.render.monthly_report_doc as doc
    from cmgr.jobs.monthly_report import ReportRun, write_run

    (tmp_path / "月度报告-王建国-2026-10.html").write_text("last run", encoding="utf-8")
    calls = []

    def write_report(report, fmt, path, *, user_dir=None):
        calls.append(report["manager"])
        if len(calls) == 2:
            raise RuntimeError("template error")
        path.write_text(f"report of {report['manager']}", encoding="utf-8")
        return [path]

    monkeypatch.setattr(doc, "write_report", write_report)
    run = ReportRun("2026-10", date(2026, 11, 5),
                    [{"manager": m} for m in ("王建国", "李娜", "张伟")], None)
    pattern = str(tmp_path / "月度报告-{manager}-{month}.{format}")
    with pytest.raises(RuntimeError):
        write_run(run, "html", pattern)
    assert calls == ["王建国", "李娜"]
    assert files_in(tmp_path) == ["月度报告-王建国-2026-10.html"]
    assert (tmp_path / "月度报告-王建国-2026-10.html").read_text(encoding="utf-8") == "last run"

    calls.clear()
    monkeypatch.setattr(doc, "write_report", lambda report, fmt, path, user_dir=None: [
        path.write_text(report["manager"], encoding="utf-8") and path])
    assert len(write_run(run, "html", pattern)) == 3
    assert (tmp_path / "月度报告-王建国-2026-10.html").read_text(encoding="utf-8") == "王建国"


def test_a_killed_runs_staging_folder_is_removed_a_day_later(tmp_path):
    import os
    import time

    from cmgr.fileio import STAGE_PREFIX

    old, recent = tmp_path / f"{STAGE_PREFIX}old", tmp_path / f"{STAGE_PREFIX}recent"
    for stage in (old, recent):
        stage.mkdir()
        (stage / "plan.xlsx").write_text("half", encoding="utf-8")
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    with all_or_nothing() as files:
        files.path(tmp_path / "new.txt").write_text("new", encoding="utf-8")
    assert not old.exists()
    assert recent.exists()  # perhaps another run, still writing
