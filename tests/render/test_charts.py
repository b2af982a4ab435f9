"""render/charts.py: the monthly report's charts find a CJK font or say how to get one."""

from __future__ import annotations


def test_charts_find_a_cjk_font_or_say_how_to_install_one(monkeypatch):
    from cmgr.render import charts

    monkeypatch.setattr(charts, "_warned", False)
    if charts.cjk_font() is None:
        first = charts.font_warning()
        assert first and "fonts-noto-cjk" in first
        assert charts.font_warning() is None  # once
    else:
        assert charts.font_warning() is None
    png = charts.trend_chart([{"month": "2026-11", "cases": 10.0, "amount": 1e5}], "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    svg = charts.trend_chart([{"month": "2026-11", "cases": 10.0, "amount": 1e5}], "svg")
    assert b"<text" in svg and "近13个月".encode() in svg


def test_charts_without_a_cjk_font_warn_once_and_label_in_english(monkeypatch):
    from cmgr.render import charts

    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    monkeypatch.setattr(charts, "_warned", False)
    hint = charts.font_warning()
    assert hint and "apt-get install fonts-noto-cjk" in hint
    assert charts.font_warning() is None
    assert charts._setup("png")[1] is False   # no boxes: English labels in PNG
    assert charts._setup("svg")[1] is True    # SVG text is drawn by the reader's fonts
    png = charts.mix_chart([{"month": "2026-11", "shares": {"一类": 40.0, "二类": 60.0}}],
                           ["一类", "二类"], "png")
    assert png[:4] == b"\x89PNG"


def _chart_request(fmt: str) -> list[tuple[str, tuple]]:
    trend = [{"month": f"2026-{m:02d}", "cases": 10.0 * m, "amount": 1e4 * m} for m in range(1, 12)]
    trend.append({"month": "2026-12", "cases": None, "amount": None})
    mix = [{"month": "2026-10", "shares": {"一类": 40.0, "二类": 60.0}},
           {"month": "2026-11", "shares": {"一类": 35.0, "二类": 65.0}}]
    return [("trend", (trend, fmt)), ("mix", (mix, ["一类", "二类"], fmt))]


def test_the_chart_process_draws_the_same_bytes_as_this_one_and_falls_back(monkeypatch):
    from cmgr.render import charts

    charts._stop_worker()  # one an earlier CLI test started in this process
    here = {fmt: charts.draw(_chart_request(fmt)) for fmt in ("png", "svg")}
    charts.start_worker()
    worker = charts._worker
    try:
        assert worker is not None
        assert charts.cjk_font() == charts._find_cjk_font()  # the font the process found
        for fmt in ("png", "svg"):
            assert charts.draw(_chart_request(fmt)) == here[fmt]
        assert charts._worker is worker and worker.poll() is None  # it served both
        worker.kill()
        worker.wait()
        # a chart process that died: drawn here, same bytes, and the process is let go
        assert charts.draw(_chart_request("png")) == here["png"]
        assert charts._worker is None
    finally:
        charts._stop_worker()
    assert worker.poll() is not None
