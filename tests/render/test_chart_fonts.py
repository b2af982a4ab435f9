"""Charts without a CJK font: one hint, no flood of matplotlib warnings; and a CJK font
installed after matplotlib built its font cache is used at once."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import warnings

import pytest

TREND = [{"month": f"2026-{m:02d}", "cases": 10.0 * m, "amount": 1000.0 * m} for m in range(1, 13)]
MIX = [{"month": "2026-01", "shares": {"一类": 50.0, "二类": 50.0}}]


def test_no_cjk_font_draws_quietly_and_hints_once(monkeypatch, caplog):
    from cmgr.render import charts

    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    monkeypatch.setattr(charts, "_warned", False)
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        for fmt in ("svg", "png"):
            assert charts.trend_chart(TREND, fmt)
            assert charts.mix_chart(MIX, ["一类", "二类"], fmt)
    assert [str(w.message) for w in caught] == []
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]
    assert charts.font_warning() == charts.install_hint()
    assert charts.font_warning() is None  # once per process


def _cjk_font_files() -> bool:
    listed = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True) \
        if os.path.exists("/usr/bin/fc-list") else None
    return bool(listed and listed.stdout.strip())


@pytest.mark.skipif(not _cjk_font_files(), reason="no CJK font installed (fonts-noto-cjk)")
def test_a_font_installed_after_the_cache_was_built_is_used(tmp_path):
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path)}
    # A font cache as matplotlib wrote it before the CJK font was installed.
    stale = (
        "import matplotlib\n"
        "from matplotlib import font_manager as fm\n"
        "from pathlib import Path\n"
        "fm.fontManager.ttflist = [f for f in fm.fontManager.ttflist\n"
        "    if not any(k in f.fname.lower() for k in ('cjk', 'wqy', 'droid', 'han'))]\n"
        "fm.json_dump(fm.fontManager, Path(matplotlib.get_cachedir()) /\n"
        "             f'fontlist-v{fm.FontManager.__version__}.json')\n"
    )
    subprocess.run([sys.executable, "-c", stale], env=env, check=True, timeout=120)
    check = (
        "from matplotlib import font_manager as fm\n"
        "assert not [f for f in fm.fontManager.ttflist if 'CJK' in f.name], 'cache not stale'\n"
        "from cmgr.render.charts import cjk_font\n"
        "print(cjk_font())\n"
    )
    out = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() not in ("", "None")
