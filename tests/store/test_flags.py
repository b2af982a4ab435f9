"""Flags in the database: scanning, idempotent re-runs, edited notes, the roster rule, review."""

from __future__ import annotations

import pytest

from cmgr.core.flag_rules import load_lexicon
from cmgr.errors import NotFound, StateError, UsageError
from cmgr.store import flags as sf
from tests.conftest import write_xlsx


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon()


VISIT_HEADER = ["访问编号", "访问日期", "客户编码", "客户名称", "客户经理", "访问类型", "访问内容",
                "检查品规", "实际零售价"]


def seed(db):
    db.executemany(
        "INSERT INTO customers (customer_code, customer_name, license_no, license_expiry, manager, "
        "status, address) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [("C001", "张三便利店", "037010000001", "2028-01-01", "王建国", "正常", "城东路1号"),
         ("C002", "李四烟酒", None, None, "王建国", "正常", "城东路9号"),
         ("C003", "王五超市", "037010000003", "2026-10-15", "王建国", None, "城南路5号"),
         ("C004", "赵六商店", None, None, "李娜", "暂停经营", "城西路7号")])
    db.execute("INSERT INTO prices (sku_code, sku_name, wholesale_price, retail_guide_price) "
               "VALUES ('6901028229524', '中华(软)', 610, 700)")


def add_visit(db, key, day, code, notes, sku=None, price=None, updated="2026-11-01T08:00:00"):
    db.execute("INSERT INTO visits (visit_key, visit_id, visit_date, customer_code, manager, notes, "
               "checked_sku, observed_price, updated_at) VALUES (?, ?, ?, ?, "
               "(SELECT manager FROM customers WHERE customer_code = ?), ?, ?, ?, ?)",
               (key, key, day, code, code, notes, sku, price, updated))


def count(db, where="1=1"):
    return db.scalar(f"SELECT count(*) FROM flags WHERE {where}")


def test_scan_stores_each_flag_once(db, lexicon):
    seed(db)
    add_visit(db, "V1", "2026-11-02", "C001", "软中华卖800一条，超指导价了", "中华（软）", 800)
    add_visit(db, "V2", "2026-11-02", "C001", "陈列整齐，价签齐全")
    first = sf.scan(db, lexicon)
    assert first.visits == 2
    rows = sf.list_flags(db, sf.FlagFilter(kind="price"))
    assert {(r["source"], r["subkind"]) for r in rows} == {("note", "above_guide"),
                                                          ("observed_price", "above_guide")}
    assert all(r["status"] == "new" and r["customer_name"] == "张三便利店" for r in rows)
    before = count(db)
    again = sf.scan(db, lexicon)
    assert again.visits == 0 and again.added == 0 and count(db) == before
    full = sf.scan(db, lexicon, rescan=True)
    assert full.visits == 2 and full.added == 0 and full.removed == 0 and count(db) == before


def test_an_edited_note_is_read_again(db, lexicon):
    seed(db)
    add_visit(db, "V1", "2026-11-02", "C001", "这户没有许可证还在卖烟")
    sf.scan(db, lexicon)
    [flag] = sf.list_flags(db)
    assert flag["kind"] == "unlicensed"
    # the export corrected the note: the importer updates the row and its updated_at
    db.execute("UPDATE visits SET notes = '价签不全，好几个品规没标价', updated_at = ? WHERE visit_key = 'V1'",
               ("2999-01-01T00:00:00",))
    summary = sf.scan(db, lexicon)
    assert summary.visits == 1 and summary.removed == 1 and summary.added == 1
    [flag] = sf.list_flags(db)
    assert flag["kind"] == "price" and flag["note"].startswith("价签不全")


def test_a_reported_flag_survives_an_edit_with_an_event(db, lexicon):
    seed(db)
    add_visit(db, "V1", "2026-11-02", "C001", "这户没有许可证还在卖烟")
    sf.scan(db, lexicon)
    [flag] = sf.list_flags(db)
    sf.review(db, flag["id"], "report", by="王建国", text="已报区域经理")
    db.execute("UPDATE visits SET notes = '一切正常', updated_at = '2999-01-01T00:00:00'")
    sf.scan(db, lexicon)
    sf.scan(db, lexicon, rescan=True)  # a second look adds no second event
    kept = sf.get_flag(db, flag["id"])
    assert kept["status"] == "reported" and kept["note"] == "这户没有许可证还在卖烟"
    assert [e["action"] for e in kept["events"]] == ["report", "not_found"]


def test_a_visit_reimported_with_an_edited_note(db, lexicon, tmp_path):
    """The real path: import, flag, re-import the corrected export, flag again."""
    from cmgr.jobs.ingest import import_file

    seed(db)
    rows = [VISIT_HEADER, ["ZF1", "2026-11-03", "C001", "张三便利店", "王建国", "常规访问",
                           "这户没有许可证还在卖烟", "中华(软)", "８００元/条"]]
    path = write_xlsx(tmp_path / "visits.xlsx", rows)
    assert import_file(db, "visits", path).stored == 1
    sf.scan(db, lexicon)
    assert {(r["kind"], r["source"]) for r in sf.list_flags(db)} == {
        ("unlicensed", "note"), ("price", "observed_price")}
    rows[1][6] = "证照齐全，经营正常"
    write_xlsx(path, rows)
    assert import_file(db, "visits", path).updated == 1
    sf.scan(db, lexicon)
    assert {(r["kind"], r["source"]) for r in sf.list_flags(db)} == {("price", "observed_price")}
    assert sf.list_flags(db)[0]["observed_price"] == 800


def test_roster_rule(db, lexicon):
    seed(db)
    db.executemany("INSERT INTO order_lines (line_key, order_date, customer_code, sku_code, qty) "
                   "VALUES (?, ?, ?, '6901028229524', 1)",
                   [("o1", "2026-10-10", "C003"), ("o2", "2026-10-20", "C003"),
                    ("o3", "2026-09-01", "C002"), ("o4", "2026-11-01", "C004")])
    add_visit(db, "V9", "2026-10-18", "C003", "正常走访")
    sf.scan(db, lexicon)
    roster = {r["customer_code"]: r for r in sf.list_flags(db) if r["source"] == "roster"}
    assert set(roster) == {"C002", "C003"}  # C001 valid, C004 suspended
    assert roster["C002"]["subkind"] == "license_missing"
    # no roster import recorded for C002 (inserted directly): dated by its first trade
    assert roster["C002"]["visit_date"] == "2026-09-01"
    # dated the day after the 2026-10-15 expiry; the first trade after it is the visit on
    # 10-18 (not the order on 10-10), kept as the evidence
    c3 = roster["C003"]
    assert (c3["subkind"], c3["visit_date"], c3["visit_id"]) == ("license_expired", "2026-10-16", "V9")
    assert "2026-10-18仍被走访" in c3["matched"]
    assert sf.scan(db, lexicon).added == 0
    # the roster now shows a renewed licence: the case nobody reported yet goes
    db.execute("UPDATE customers SET license_expiry = '2031-10-15' WHERE customer_code = 'C003'")
    assert sf.scan(db, lexicon).removed == 1
    assert {r["customer_code"] for r in sf.list_flags(db)} == {"C002"}


def test_roster_rule_respects_the_range(db, lexicon):
    seed(db)
    db.execute("INSERT INTO order_lines (line_key, order_date, customer_code, sku_code, qty) "
               "VALUES ('o1', '2026-09-01', 'C002', 'x', 1)")
    sf.scan(db, lexicon, since="2026-11-01")
    assert count(db) == 0
    sf.scan(db, lexicon, since="2026-08-01")
    assert count(db, "source = 'roster'") == 1


def test_list_filters(db, lexicon):
    seed(db)
    add_visit(db, "V1", "2026-11-02", "C001", "这户没有许可证还在卖烟")
    add_visit(db, "V2", "2026-11-05", "C004", "价签不全")
    add_visit(db, "V3", "2026-10-05", "C001", "价签不全")
    sf.scan(db, lexicon)
    assert {r["visit_id"] for r in sf.list_flags(db, sf.FlagFilter(manager="李娜"))} == {"V2"}
    assert {r["visit_id"] for r in sf.list_flags(db, sf.FlagFilter(since="2026-11-01", kind="price"))} \
        == {"V2"}
    assert {r["visit_id"] for r in sf.list_flags(db, sf.FlagFilter(until="2026-10-31"))} == {"V3"}
    v1 = next(r for r in sf.list_flags(db) if r["visit_id"] == "V1")
    sf.review(db, v1["id"], "dismiss", by=None, text="误报")
    assert {r["visit_id"] for r in sf.list_flags(db, sf.FlagFilter(statuses=("dismissed",)))} == {"V1"}


def test_review_keeps_who_and_when(db, lexicon):
    seed(db)
    add_visit(db, "V1", "2026-11-02", "C001", "这户没有许可证还在卖烟")
    sf.scan(db, lexicon)
    fid = sf.list_flags(db)[0]["id"]
    sf.review(db, fid, "report", by=None, text=None)
    closed = sf.review(db, fid, "close", by="区域经理刘", text="专卖已查处，责令停售",
                       at="2026-11-20T10:00:00")
    assert closed["status"] == "closed"
    assert [(e["action"], e["by"]) for e in closed["events"]] == [("report", "王建国"),
                                                                  ("close", "区域经理刘")]
    assert closed["events"][1]["text"] == "专卖已查处，责令停售"
    assert closed["events"][1]["at"] == "2026-11-20T10:00:00"
    with pytest.raises(StateError):
        sf.review(db, fid, "dismiss", by=None, text="x")
    assert sf.get_flag(db, fid)["status"] == "closed" and len(sf.get_flag(db, fid)["events"]) == 2


def test_review_needs_its_text_and_an_existing_flag(db, lexicon):
    seed(db)
    add_visit(db, "V1", "2026-11-02", "C001", "这户没有许可证还在卖烟")
    sf.scan(db, lexicon)
    fid = sf.list_flags(db)[0]["id"]
    with pytest.raises(UsageError):
        sf.review(db, fid, "dismiss", by=None, text="  ")
    with pytest.raises(NotFound):
        sf.review(db, 999, "report", by=None, text=None)
    assert sf.get_flag(db, fid)["status"] == "new"


def test_mark_reported_only_touches_new_flags(db, lexicon):
    seed(db)
    add_visit(db, "V1", "2026-11-02", "C001", "这户没有许可证还在卖烟")
    add_visit(db, "V2", "2026-11-02", "C001", "价签不全")
    sf.scan(db, lexicon)
    ids = [r["id"] for r in sf.list_flags(db)]
    sf.review(db, ids[0], "dismiss", by=None, text="误报")
    assert sf.mark_reported(db, ids, by="王建国", text="随报告上报") == len(ids) - 1
    assert sf.get_flag(db, ids[0])["status"] == "dismissed"
    assert sf.last_events(db, ids)[ids[-1]]["text"] == "随报告上报"


def test_missing_licence_is_dated_by_the_roster_import_that_showed_it(db, lexicon):
    """Not at the customer's first order years ago: the roster import that first showed the
    licence missing; a later re-import of the same roster does not move the date."""
    seed(db)
    db.execute("INSERT INTO order_lines (line_key, order_date, customer_code, sku_code, qty) "
               "VALUES ('o1', '2023-03-01', 'C002', 'x', 1)")
    first = db.insert_id("INSERT INTO imports (kind, file_name, sha256, started_at) VALUES "
                        "('customers', 'roster.xlsx', 'a', '2026-11-20T09:00:00')")
    db.execute("UPDATE customers SET import_id = ? WHERE customer_code = 'C002'", (first,))
    sf.scan(db, lexicon)
    (flag,) = [r for r in sf.list_flags(db) if r["source"] == "roster"]
    assert (flag["subkind"], flag["visit_date"]) == ("license_missing", "2026-11-20")
    assert "2023-03-01订货" in flag["matched"]  # the evidence stays the first trade
    later = db.insert_id("INSERT INTO imports (kind, file_name, sha256, started_at) VALUES "
                        "('customers', 'roster.xlsx', 'b', '2026-12-01T09:00:00')")
    db.execute("UPDATE customers SET import_id = ? WHERE customer_code = 'C002'", (later,))
    sf.scan(db, lexicon)
    (flag,) = [r for r in sf.list_flags(db) if r["source"] == "roster"]
    assert flag["visit_date"] == "2026-11-20"


# ---------------------------------------------------------------------------
# One case per visit problem (issue 12): a note's and an observed price's flag of one visit


def test_note_and_observed_price_of_one_visit_are_one_case_with_both_evidences(db, lexicon):
    seed(db)
    add_visit(db, "V1", "2026-11-02", "C001", "软中华卖800一条，超指导价了", "6901028229524", 800)
    sf.scan(db, lexicon)
    flags = sf.list_flags(db, sf.FlagFilter(kind="price"))
    assert len(flags) == 2  # two pieces of evidence are stored ...
    [case] = sf.list_cases(db, sf.FlagFilter(kind="price"))  # ... and listed as one case
    assert case["flag_ids"] == sorted(f["id"] for f in flags)
    assert case["id"] == min(case["flag_ids"]) and case["source"] == "note+observed_price"
    assert [e["source"] for e in case["evidence"]] == ["note", "observed_price"]
    assert case["evidence"][0]["matched"] in case["note"]  # the note's phrase
    assert case["observed_price"] == 800 and case["reference_price"] == 700
    assert case["subkind"] == "above_guide"
    # both phrases are in the one row a person reads
    assert case["evidence"][0]["matched"] in case["matched"]
    assert "实际零售价800元/条" in case["matched"]
    # looked up by either id, it is the same case
    other = max(case["flag_ids"])
    assert sf.get_flag(db, other)["flag_ids"] == case["flag_ids"]


def test_reviewing_one_flag_of_a_case_reviews_the_whole_case(db, lexicon):
    seed(db)
    add_visit(db, "V1", "2026-11-02", "C001", "软中华卖800一条，超指导价了", "6901028229524", 800)
    sf.scan(db, lexicon)
    [case] = sf.list_cases(db)
    low, high = case["flag_ids"]
    sf.review(db, high, "report", by=None, text=None)
    assert {f["status"] for f in sf.list_flags(db)} == {"reported"}
    sf.review(db, low, "close", by="区域经理刘", text="已降级")
    rows = sf.list_flags(db)
    assert {f["status"] for f in rows} == {"closed"}
    assert all([e["action"] for e in sf.get_flag(db, f["id"])["events"]] == ["report", "close"]
               for f in rows)
    [closed] = sf.list_cases(db)
    assert closed["status"] == "closed" and len(closed["evidence"]) == 2


def test_note_and_price_flags_of_different_visits_stay_two_cases(db, lexicon):
    seed(db)
    add_visit(db, "V1", "2026-11-02", "C001", "软中华卖800一条，超指导价了")
    add_visit(db, "V2", "2026-11-09", "C001", "陈列整齐", "6901028229524", 800)
    sf.scan(db, lexicon)
    cases = sf.list_cases(db, sf.FlagFilter(kind="price"))
    assert [(c["visit_id"], c["source"], len(c["evidence"])) for c in cases] == [
        ("V1", "note", 1), ("V2", "observed_price", 1)]
    sf.review(db, cases[0]["id"], "report", by=None, text=None)
    assert sf.get_flag(db, cases[1]["id"])["status"] == "new"  # the other case did not move


def test_an_unlicensed_note_and_a_price_of_one_visit_are_two_problems(db, lexicon):
    seed(db)
    add_visit(db, "V1", "2026-11-02", "C002", "这户没有许可证还在卖烟", "6901028229524", 800)
    sf.scan(db, lexicon)
    assert sorted(c["kind"] for c in sf.list_cases(db) if c["source"] != "roster") == [
        "price", "unlicensed"]


def test_evidence_found_later_joins_a_reported_case(db, lexicon):
    seed(db)
    add_visit(db, "V1", "2026-11-02", "C001", "软中华卖800一条，超指导价了")
    sf.scan(db, lexicon)
    [case] = sf.list_cases(db)
    sf.review(db, case["id"], "report", by=None, text=None)
    # the visit is corrected: the observed price comes in after the note was reported
    db.execute("UPDATE visits SET checked_sku = '6901028229524', observed_price = 800, "
               "updated_at = '2999-01-01T00:00:00' WHERE visit_key = 'V1'")
    sf.scan(db, lexicon)
    [case] = sf.list_cases(db)
    assert case["status"] == "reported" and len(case["flag_ids"]) == 2
    joined = sf.get_flag(db, max(case["flag_ids"]))
    assert joined["status"] == "reported"
    assert [e["action"] for e in joined["events"]] == ["joined"]
    assert str(case["id"]) in joined["events"][0]["text"]
