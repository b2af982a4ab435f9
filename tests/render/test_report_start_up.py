"""What keeps one manager's Word report fast (issue 15: < 2 s, start-up included), checked
without a clock: the modules the command loads first leave pandas, matplotlib and Word's
modules to the functions that need them; the chart process (render.charts) writes the same
document as this process; the prepared Word template (render.templates) gives the same
document as one read and compiled again."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPORT = Path(__file__).resolve().parents[1] / "golden" / "expected" / "monthly-report-王建国-2026-10.json"
HEAVY = ("pandas", "numpy", "matplotlib", "docx", "docxtpl", "jinja2", "lxml", "openpyxl")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sys.modules))"],
                         check=True, capture_output=True, text=True).stdout
    return {name.split(".")[0] for name in out.split()}


def test_the_monthly_report_command_loads_no_heavy_library_before_it_runs():
    # What `cmgr monthly-report` imports before its first query: pandas is imported while the
    # queries run (jobs.monthly_report.load), matplotlib and Word's modules in the chart
    # process, and a library imported here first would hold this process up in start-up.
    loaded = _modules_after("import cmgr.cli.app, cmgr.cli.report_cmd, cmgr.jobs.monthly_report, "
                            "cmgr.render.monthly_report_doc, cmgr.render.charts, "
                            "cmgr.render.templates, cmgr.store.monthly, cmgr.core.workdays")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_the_chart_process_writes_a_word_report_without_pandas(tmp_path):
    # The chart process's path for a Word report (charts._serve: "prepare", then "write"):
    # matplotlib and Word's modules only; pandas would cost it half a second.
    code = (f"import json\nfrom cmgr.render.templates import prepare_docx\n"
            f"from cmgr.render.monthly_report_doc import write_report\n"
            f"prepare_docx('monthly_report.docx')\n"
            f"report = json.loads(open({str(REPORT)!r}, encoding='utf-8').read())\n"
            f"write_report(report, 'docx', {str(tmp_path / 'r.docx')!r})")
    loaded = _modules_after(code)
    assert {"matplotlib", "docxtpl"} <= loaded
    assert "pandas" not in loaded and "numpy" in loaded  # numpy: matplotlib's own
    assert (tmp_path / "r.docx").stat().st_size > 10_000


def _parts(path: Path) -> dict[str, bytes]:
    """The document's parts (the zip's own timestamps aside)."""
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@pytest.fixture
def report() -> dict:
    return json.loads(REPORT.read_text(encoding="utf-8"))


def _forget_prepared_templates() -> None:
    from cmgr.render import templates

    templates._template_bytes.cache_clear()
    templates._template_class.cache_clear()
    templates._word_environment.cache_clear()


def test_the_prepared_template_gives_the_same_document_as_a_fresh_one(report, tmp_path):
    from cmgr.render import charts, templates
    from cmgr.render.monthly_report_doc import write_report

    charts._stop_worker()  # drawn and written in this process
    _forget_prepared_templates()
    write_report(report, "docx", tmp_path / "fresh.docx")
    env = templates._word_environment(tuple(str(d) for d in templates.search_path(None)))
    compiled = dict(env.compiled)
    assert compiled  # the body, the footer and the properties, kept
    write_report(report, "docx", tmp_path / "kept.docx")
    assert env.compiled == compiled  # nothing compiled again: the same template objects
    _forget_prepared_templates()
    templates.prepare_docx("monthly_report.docx")
    env = templates._word_environment(tuple(str(d) for d in templates.search_path(None)))
    prepared = set(env.compiled)
    write_report(report, "docx", tmp_path / "prepared.docx")
    assert prepared and prepared <= set(env.compiled)
    assert max(map(len, prepared)) == max(map(len, env.compiled))  # the body was prepared
    fresh = _parts(tmp_path / "fresh.docx")
    assert _parts(tmp_path / "kept.docx") == fresh
    assert _parts(tmp_path / "prepared.docx") == fresh
    assert {"word/media/image1.png", "word/media/image2.png"} <= set(fresh)  # both charts


def test_a_changed_template_file_is_read_again(report, tmp_path):
    from cmgr.render import charts
    from cmgr.render.monthly_report_doc import write_report
    from cmgr.render.templates import find_template

    charts._stop_worker()
    user = tmp_path / "templates"
    user.mkdir()
    own = user / "monthly_report.docx"
    own.write_bytes(find_template("monthly_report.docx").read_bytes())
    write_report(report, "docx", tmp_path / "a.docx", user_dir=str(user))
    with zipfile.ZipFile(find_template("monthly_report.docx")) as src, \
            zipfile.ZipFile(own, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/document.xml":
                data = data.replace("上交期限".encode(), "交稿期限".encode())
            dst.writestr(item, data)
    write_report(report, "docx", tmp_path / "b.docx", user_dir=str(user))
    assert "上交期限".encode() in _parts(tmp_path / "a.docx")["word/document.xml"]
    changed = _parts(tmp_path / "b.docx")["word/document.xml"]
    assert "交稿期限".encode() in changed and "上交期限".encode() not in changed


def test_the_chart_process_writes_the_same_word_report_as_this_one(report, tmp_path):
    from cmgr.render import charts
    from cmgr.render.monthly_report_doc import draw_charts_ahead, write_report

    charts._stop_worker()
    write_report(report, "docx", tmp_path / "here.docx")
    charts.start_worker(("monthly_report.docx", None))
    worker = charts._worker
    try:
        assert worker is not None
        draw_charts_ahead({"trend": report["trend"], "price_mix": report["price_mix"],
                           "classes": list(report["settings"]["price_class_names"])}, "docx")
        written = charts.write_in_worker(report, "docx", tmp_path / "there.docx", None)
        assert written == [tmp_path / "there.docx"]  # written by the process, not here
        assert _parts(tmp_path / "there.docx") == _parts(tmp_path / "here.docx")
        assert write_report(report, "docx", tmp_path / "again.docx") == [tmp_path / "again.docx"]
        assert _parts(tmp_path / "again.docx") == _parts(tmp_path / "here.docx")
        assert charts._worker is worker and worker.poll() is None
        worker.kill()
        worker.wait()
        # a chart process that died: written here, the same document
        assert write_report(report, "docx", tmp_path / "after.docx") == [tmp_path / "after.docx"]
        assert _parts(tmp_path / "after.docx") == _parts(tmp_path / "here.docx")
        assert charts._worker is None
    finally:
        charts._stop_worker()


def test_a_word_template_the_chart_process_cannot_fill_is_reported_here(report, tmp_path):
    from cmgr.render import charts
    from cmgr.render.monthly_report_doc import write_report
    from cmgr.render.templates import RenderError

    user = tmp_path / "templates"
    user.mkdir()
    (user / "monthly_report.docx").write_text("not a Word file", encoding="utf-8")
    charts._stop_worker()
    charts.start_worker(("monthly_report.docx", str(user)))
    try:
        with pytest.raises(RenderError, match="不是 .docx 文件"):
            write_report(report, "docx", tmp_path / "r.docx", user_dir=str(user))
        assert charts._worker is not None and charts._worker.poll() is None  # still serving
        write_report(report, "docx", tmp_path / "r.docx")  # the packaged template
        assert (tmp_path / "r.docx").exists()
    finally:
        charts._stop_worker()
