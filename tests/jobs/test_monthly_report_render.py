"""`--all` draws its documents in worker processes: the same files as one process, all or
nothing on an error."""

from __future__ import annotations

import os
import zipfile

import pytest

from cmgr.config import load_config
from cmgr.jobs import monthly_report
from cmgr.render.templates import RenderError
from tests.core.test_monthly import build_fixture


@pytest.fixture
def area_run(db, tmp_path):
    build_fixture(db)
    cfg = load_config(None, overrides={"database.path": str(tmp_path / "unused.db")})
    return monthly_report.make_reports(db, cfg, "2026-11", None)


def _members(path):
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_workers_write_the_same_documents_as_one_process(area_run, tmp_path, monkeypatch):
    assert len(area_run.reports) == 2
    one = monthly_report.write_run(area_run, "docx", tmp_path / "one" / "{manager}.{format}")
    monkeypatch.setattr(monthly_report, "PARALLEL_FROM", 2)
    if (os.cpu_count() or 1) > 1:
        assert monthly_report._render_workers(2, "docx") == 2
    many = monthly_report.write_run(area_run, "docx", tmp_path / "many" / "{manager}.{format}")
    assert sorted(p.name for p in one) == sorted(p.name for p in many)
    for a in one:
        b = tmp_path / "many" / a.name
        assert _members(a) == _members(b), a.name


def test_an_error_in_a_worker_leaves_no_file(area_run, tmp_path, monkeypatch):
    broken = tmp_path / "templates"
    broken.mkdir()
    (broken / "monthly_report.docx").write_text("not a Word file", encoding="utf-8")
    monkeypatch.setattr(monthly_report, "PARALLEL_FROM", 2)
    out = tmp_path / "out"
    with pytest.raises(RenderError) as caught:
        monthly_report.write_run(area_run, "docx", out / "{manager}.{format}",
                                 user_dir=str(broken))
    assert caught.value.hint  # the hint survives the trip from the worker
    assert not out.exists() or not any(out.iterdir())
