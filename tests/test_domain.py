"""cmgr.domain: the one definition of each domain word (docs/domain.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cmgr import domain
from cmgr.domain import (
    LEFT,
    NORMAL,
    SUSPENDED,
    GradeBand,
    band_for,
    canonical_status,
    has_left,
    is_active,
    normalize_name,
    parse_numeral,
)

# The cases the cell parser (sources/cells.py) and the note reader (core/flag_rules.py) each
# read correctly before they shared one parser: the one parser reads the union.
CELL_CASES = [
    ("二十", 20), ("十二", 12), ("一百零五", 105), ("两", 2), ("〇", 0), ("十", 10),
    ("一百二", 120), ("三千五", 3500), ("一千零五十", 1050), ("一万零五百", 10500), ("两百", 200),
    ("二〇二六", 2026), ("三点五", 3.5), ("贰拾", 20), ("一万二", 12000), ("一万零二", 10002),
    ("两万五千", 25000), ("一亿二千万", 120000000),
]
NOTE_CASES = [
    ("45", 45), ("23.5", 23.5), ("四十五", 45), ("五十", 50), ("十五", 15), ("一百二", 120),
    ("六百五", 650), ("一百零二", 102), ("两千三", 2300), ("六五零", 650), ("两百", 200),
]


@pytest.mark.parametrize("text,expected", CELL_CASES + NOTE_CASES)
def test_numerals(text, expected):
    assert parse_numeral(text) == expected


@pytest.mark.parametrize("text", ["二二十", "百", "十百", "一二三十", "", "abc", "三点", "1e5",
                                  "-3", "点五"])
def test_malformed_numerals_are_none_not_a_guess(text):
    assert parse_numeral(text) is None


def test_the_cell_parser_and_the_note_reader_use_the_one_parser():
    from cmgr.core import flag_rules
    from cmgr.sources import cells

    assert flag_rules._number is parse_numeral
    assert cells.parse_numeral is parse_numeral
    assert cells.parse_number("六百五条") == 650  # a note-reader case, now read by cells too


def test_names_match_across_brackets_spaces_width_and_middle_dots():
    assert normalize_name("中华（软）") == normalize_name("中华(软)") == "中华(软)"
    assert normalize_name("黄鹤楼 （ 硬 金砂 ）") == "黄鹤楼(硬金砂)"
    assert normalize_name("Marlboro・万宝路") == normalize_name("marlboro·万宝路")
    assert normalize_name("ＫＥＮＴ【蓝】") == "kent(蓝)"
    assert normalize_name("苏烟〔五星红杉树〕") == normalize_name("苏烟（五星红杉树）")
    assert normalize_name("苏烟（五星红杉树）") == normalize_name("苏烟(五星红杉树)")
    assert normalize_name("中华 (软)") == "中华(软)"
    assert normalize_name(None) == ""


@pytest.mark.parametrize("word,canonical", [
    ("正常", NORMAL), ("营业", NORMAL), (" 正常经营 ", NORMAL), (None, NORMAL), ("", NORMAL),
    ("暂停", SUSPENDED), ("停业", SUSPENDED), ("退网", LEFT), ("已注销", LEFT),
    ("停业整顿", None), ("正长", None),
])
def test_status_words(word, canonical):
    assert canonical_status(word) == canonical


def test_only_normal_business_is_active_and_an_unknown_word_is_not():
    assert is_active(None) and is_active("正常") and is_active("在营")
    assert not is_active(SUSPENDED) and not is_active(LEFT)
    assert not is_active("停业整顿")
    assert has_left("注销") and not has_left("停业整顿") and not has_left(None)


def test_band_for():
    bands = [GradeBand(1, 6, 1, "一级", 30), GradeBand(14, 20, 3, "三级", 14)]
    assert band_for(3, bands).name == "一级"
    assert band_for(20, bands).level == 3
    assert band_for(10, bands) is None and band_for(None, bands) is None
    assert bands[1].label == "三级（14-20档）"


def test_one_label_per_flag_status():
    assert set(domain.FLAG_STATUS_LABELS) == set(domain.FLAG_STATUSES)
    assert len(set(domain.FLAG_STATUS_LABELS.values())) == len(domain.FLAG_STATUSES)
    assert set(domain.OPEN_FLAG_STATUSES) < set(domain.FLAG_STATUSES)


def test_importing_domain_loads_no_heavy_library():
    code = ("import sys, cmgr.domain; heavy = {'pandas', 'numpy', 'openpyxl', 'jinja2'} & "
            "set(sys.modules); assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_settlement_method_words():
    """结算方式 as rosters write it: the promo score and the kpi share read it alike."""
    from cmgr.domain import pays_electronically

    assert pays_electronically("电子结算") is True
    assert pays_electronically(" 电子支付 ") is True
    assert pays_electronically("现金") is False
    assert pays_electronically("现金结算") is False
    assert pays_electronically(None) is None
    assert pays_electronically("转账") is None
