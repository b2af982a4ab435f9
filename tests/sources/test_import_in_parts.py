"""Every import rule again, with files cut into parts of two rows: a big file is parsed and
stored a part at a time (records.stage_parts), and must come out exactly as if whole: repeats
across parts, rejects, warnings, counts and notes included."""

from __future__ import annotations

import pytest

from tests.sources.test_import import *  # noqa: F403  (the same tests, collected again here)
from tests.sources.test_import import import_file, order_rows, write_csv


@pytest.fixture(autouse=True)
def parts_of_two_rows(monkeypatch):
    from cmgr.store import records

    monkeypatch.setattr(records, "STAGE_PART_ROWS", 2)


def test_repeats_across_parts_are_skipped_or_rejected_like_within_one(db, tmp_path):
    header = ["订单编号", "订货日期", "客户编码", "卷烟编码", "数量"]
    rows = [header,
            ["D9", "2026-11-03", "001", "690", 1],   # row 2
            ["D1", "2026-11-03", "001", "690", 1],   # row 3
            ["D5", "2026-11-03", "001", "690", 1],   # row 4: parts overlap in key range
            ["D9", "2026-11-03", "001", "690", 1],   # row 5: exact repeat of row 2, next part
            ["D3", "2026-11-03", "001", "690", 1],   # row 6
            ["D1", "2026-11-03", "001", "690", 7],   # row 7: clashes with row 3
            ["D7", "2026-11-03", "001", "690", 1]]   # row 8
    r = import_file(db, "orders", write_csv(tmp_path / "o.csv", rows))
    assert (r.stored, r.skipped_detail["duplicate"], r.rejected) == (5, 1, 1)
    (clash,) = [i for i in r.issues if i.action == "rejected"]
    assert clash.row == 7 and "与第 3 行的键相同" in clash.reason
    assert dict(db.query("SELECT order_id, qty FROM order_lines"))["D1"] == 1


def test_parts_of_two_rows_really_are_parts(db, tmp_path):
    from cmgr.store.records import stage_parts

    assert len(stage_parts(len(order_rows()) - 1)) == 3
