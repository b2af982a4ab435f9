"""The flag engine: visits + price list + roster -> findings, and the review states."""

from __future__ import annotations

import pytest

from cmgr.core import flag_engine as fe
from cmgr.core.flag_rules import load_lexicon
from cmgr.core.flag_workers import NoteReader
from cmgr.errors import StateError


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon()


PRICES = [
    fe.PriceRow("6901028229524", "中华（软）", 610.0, 700.0, None),
    fe.PriceRow("6901016302772", "利群(新版)", 140.0, 160.0, 150.0),
    fe.PriceRow("6901000000001", "无价烟", None, None, None),
]


def book(factor: float = 1.0) -> fe.PriceBook:
    return fe.PriceBook(PRICES, factor)


def visit(key: str = "V1", notes: str | None = None, sku: str | None = None,
          price: float | None = None, text: str | None = None) -> fe.VisitRow:
    return fe.VisitRow(key, f"ID-{key}", "2026-11-03", "C001", "王建国", notes, sku, price, text)


# --- the price list ---------------------------------------------------------------------------

@pytest.mark.parametrize("checked", ["6901028229524", " 6901028229524 ", "中华(软)", "中华（软）",
                                     "中华 (软)", "中华【软】", "６９０１０２８２２９５２４"])
def test_price_book_matches_codes_and_names_written_differently(checked):
    ref = book().lookup(checked)
    assert ref is not None and ref.sku_code == "6901028229524"


@pytest.mark.parametrize("checked", ["中华(金中支)", "中华", "", None, "690102822952"])
def test_price_book_does_not_guess(checked):
    assert book().lookup(checked) is None


def test_minimum_is_the_lists_own_column_else_wholesale_times_factor():
    b = book(1.05)
    assert b.lookup("利群(新版)").minimum == 150.0  # the list's 最低零售价
    zhonghua = b.lookup("中华(软)")
    assert zhonghua.minimum == pytest.approx(610.0 * 1.05)
    assert "1.05" in zhonghua.minimum_basis
    assert b.lookup("无价烟").minimum is None


# --- observed prices ---------------------------------------------------------------------------

def test_observed_price_above_guide_with_deviation(lexicon):
    out = fe.scan_visits([visit(sku="中华(软)", price=800.0)], lexicon, book())
    [f] = out.findings
    assert (f.kind, f.subkind, f.source) == ("price", "above_guide", "observed_price")
    assert (f.observed_price, f.reference_price) == (800.0, 700.0)
    assert f.deviation == pytest.approx(100.0)
    assert f.deviation_pct == pytest.approx(100 / 7, abs=0.01)
    assert f.flag_key == "observed_price|V1|price|above_guide"
    assert "800" in f.matched and "700" in f.matched
    assert out.price_checks == 1


@pytest.mark.parametrize("text, expected", [("８００元/条", 800.0), ("800元", 800.0),
                                            ("80元/包", 800.0), (" ８０ 元 / 包 ", 800.0)])
def test_observed_price_written_as_text(lexicon, text, expected):
    out = fe.scan_visits([visit(sku="中华（软）", text=text)], lexicon, book())
    [f] = out.findings
    assert f.observed_price == expected and f.subkind == "above_guide"


def test_observed_price_below_minimum_from_factor(lexicon):
    out = fe.scan_visits([visit(sku="6901028229524", price=620.0)], lexicon, book(1.05))
    [f] = out.findings
    assert f.subkind == "below_minimum"
    assert f.reference_price == pytest.approx(640.5)
    assert f.deviation == pytest.approx(-20.5) and f.deviation_pct < 0


@pytest.mark.parametrize("price", [700.0, 610.0, 650.0])
def test_both_bounds_are_compliant(lexicon, price):
    assert fe.scan_visits([visit(sku="中华(软)", price=price)], lexicon, book()).findings == []


def test_unchecked_prices_are_reported_not_dropped(lexicon):
    visits = [visit("A", sku="中华(金中支)", price=900.0), visit("B", sku="中华(金中支)", price=950.0),
              visit("C", sku="中华(软)", text="很贵"), visit("D", price=800.0)]
    out = fe.scan_visits(visits, lexicon, book())
    assert out.findings == []
    assert out.unmatched_skus == {"中华(金中支)": 2}
    assert out.unparsed_prices == [("ID-C", "很贵")]
    assert out.price_without_sku == 1


# --- notes --------------------------------------------------------------------------------------

@pytest.mark.parametrize("note, kind", [
    ("隔壁新开的小卖部没有许可证也在卖烟", "unlicensed"),
    ("店主证早就过期了，烟还照样卖", "unlicensed"),
    ("软中华卖到800一条，超指导价了", "price"),
    ("好几个品规没有价签", "price"),
])
def test_note_findings_carry_the_visit(lexicon, note, kind):
    out = fe.scan_visits([visit("K9", notes=note)], lexicon, book())
    assert kind in {f.kind for f in out.findings}
    f = next(f for f in out.findings if f.kind == kind)
    assert f.source == "note" and f.visit_key == "K9" and f.visit_id == "ID-K9"
    assert f.flag_key == f"note|K9|{kind}|{f.subkind}"
    assert f.matched and f.matched in note and f.note == note
    assert (f.customer_code, f.manager, f.visit_date) == ("C001", "王建国", "2026-11-03")


@pytest.mark.parametrize("note", [
    "检查了一圈，未发现无证经营，证照齐全",
    "明码标价到位，价格规范",
    "上次超价的问题已整改，现在按指导价卖",
    "老板问办许可证要带什么材料？",
    "对面超市中华卖680一条，这家正常",
])
def test_clean_notes_raise_nothing(lexicon, note):
    assert fe.scan_visits([visit(notes=note)], lexicon, book()).findings == []


def test_identical_notes_each_get_their_own_flag(lexicon):
    notes = NoteReader(lexicon)
    note = "这户没有许可证还在卖烟"
    out = fe.scan_visits([visit("A", notes=note), visit("B", notes=note)], lexicon, book(),
                         notes=notes)
    assert [f.visit_key for f in out.findings] == ["A", "B"]
    assert note in notes.cache
    again = fe.scan_visits([visit("C", notes=note)], lexicon, book(), notes=notes)
    assert [f.visit_key for f in again.findings] == ["C"]


def test_note_and_observed_price_are_separate_flags(lexicon):
    out = fe.scan_visits([visit(notes="中华卖得比指导价还贵", sku="中华(软)", price=750.0)],
                         lexicon, book())
    assert {(f.source, f.subkind) for f in out.findings} == {("note", "above_guide"),
                                                             ("observed_price", "above_guide")}


# --- roster ---------------------------------------------------------------------------------------

def customer(license_no="037010000001", expiry="2027-05-01", status="正常"):
    return fe.RosterCustomer("C1", "张三便利店", "王建国", license_no, expiry, status)


@pytest.mark.parametrize("license_no", [None, "", "  ", "无", "暂无", "—", "/"])
def test_missing_licence_number(license_no):
    gap = fe.licence_gap(customer(license_no=license_no, expiry=None))
    assert gap is not None and gap.subkind == "license_missing" and gap.after is None


def test_expiry_makes_later_trade_unlicensed():
    gap = fe.licence_gap(customer(expiry="2026-08-13"))
    assert gap.subkind == "license_expired" and gap.after == "2026-08-13"
    assert gap.flag_key == "roster|C1|unlicensed|license_expired|2026-08-13"
    f = fe.roster_finding(gap, fe.Activity("2026-09-02", "visit", "VK", "ZF1"))
    # Dated the first day without a valid licence; the first trade after it is the evidence.
    assert (f.kind, f.source, f.visit_date, f.visit_key) == ("unlicensed", "roster", "2026-08-14", "VK")
    assert "2026-08-13" in f.matched and "2026-09-02" in f.matched


def test_missing_licence_is_dated_by_the_roster_that_showed_it():
    c = fe.RosterCustomer("C1", "张三便利店", "王建国", None, None, "正常", seen_on="2026-11-20")
    f = fe.roster_finding(fe.licence_gap(c), fe.Activity("2023-03-01", "order"))
    # not the customer's first order years ago
    assert f.visit_date == "2026-11-20"
    assert "2026-11-20导入的名册" in f.matched and "2023-03-01订货" in f.matched
    unknown = fe.RosterCustomer("C1", "张三便利店", "王建国", None, None, "正常")
    assert fe.roster_finding(fe.licence_gap(unknown), fe.Activity("2023-03-01", "order")).visit_date \
        == "2023-03-01"


@pytest.mark.parametrize("status", ["暂停经营", "已退网"])
def test_inactive_customers_are_not_judged(status):
    assert fe.licence_gap(customer(license_no=None, status=status)) is None


@pytest.mark.parametrize("status", [None, "", "正常"])
def test_no_status_means_active(status):
    assert fe.licence_gap(customer(license_no=None, status=status)) is not None


def test_no_expiry_date_is_not_judged():
    assert fe.licence_gap(customer(expiry=None)) is None


# --- lifecycle ----------------------------------------------------------------------------------

@pytest.mark.parametrize("status, action, target", [
    ("new", "report", "reported"), ("reported", "close", "closed"),
    ("new", "dismiss", "dismissed"), ("reported", "dismiss", "dismissed")])
def test_allowed_steps(status, action, target):
    assert fe.next_status(7, status, action) == target


@pytest.mark.parametrize("status, action, says", [
    ("new", "close", "还没有上报"), ("reported", "report", "已经上报"),
    ("closed", "dismiss", "closed"), ("closed", "report", "closed"),
    ("dismissed", "report", "dismissed"), ("dismissed", "close", "dismissed")])
def test_refused_steps_say_why(status, action, says):
    with pytest.raises(StateError) as err:
        fe.next_status(7, status, action)
    assert says in err.value.message and "7" in err.value.message
    assert err.value.hint
