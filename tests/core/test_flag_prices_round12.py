"""Price mechanisms added for round 12's kinds, one at a time: numbers compared across
sentences (numbered items, a guide price stated elsewhere), a minimum written as N多, the
charged price equal to the guide once a wrong tag is put right, and a price remedy the note
contradicts. Every note here was written for these tests (none is copied from a corpus).
"""

from __future__ import annotations

import pytest

from cmgr.core.flag_rules import load_lexicon, scan_note, trace_note
from tests.core.flag_corpus import explain

LEX = load_lexicon()


def is_price(note: str) -> bool:
    return "price" in {f.kind for f in scan_note(note, LEX)}


def flagged_rules(note: str) -> list[str]:
    return [t.rule for t in trace_note(note, LEX)
            if t.kind == "price" and t.outcome in ("flagged", "duplicate")]


# -- the tag and the charge in two numbered items ----------------------------------------

@pytest.mark.parametrize("note, want", [
    ("1. 价签红河11 2. 实收12", "售价12与标价11"),
    ("1.价签:黄山16\n2.结账收17", "售价17与标价16"),
])
def test_tag_and_charge_in_two_items_are_compared(note, want):
    assert any(want in r for r in flagged_rules(note)), explain(note)


@pytest.mark.parametrize("note", [
    "1. 价签红河11 2. 实收11",           # the same
    "1. 价签红河11 2. 白沙实收12",       # another brand's charge
    "红河标11。老板说下个月卖12",        # not a charge: what he will sell at
])
def test_a_tag_is_not_compared_with_another_item_that_is_no_charge_of_it(note):
    assert not is_price(note), explain(note)


# -- a guide price stated elsewhere in the note -------------------------------------------

def test_a_guide_price_far_away_goes_with_a_price_of_the_same_brand():
    note = "指导价黄山16。今天雨大。老板在盘货。黄山他卖18一包"
    assert any("售价18与指导价16" in r for r in flagged_rules(note)), explain(note)


@pytest.mark.parametrize("note", [
    "指导价黄山16。今天雨大。老板在盘货。白沙他卖12一包",   # another brand
    "指导价黄山16。今天雨大。老板在盘货。黄山他卖16一包",   # at the guide
])
def test_a_guide_price_far_away_is_not_compared_with_another_brand(note):
    assert not is_price(note), explain(note)


def test_a_minimum_far_away_is_not_compared():
    # a wholesale price told in the shop's margin talk, two sentences from the prices
    note = "1. 黄山16元/包，白沙10元/包。2. 店主说黄山批发价170元/条，利润薄。"
    assert not is_price(note), explain(note)


# -- N多: a lower bound, compared only as a minimum price ----------------------------------

@pytest.mark.parametrize("note, want", [
    ("苏烟一条卖四百，批发都要四百多", True),
    ("苏烟一条卖四百五，批发四百多", False),
    ("苏烟一条卖四百多，指导价四百", False),   # no upper bound: not compared
    ("苏烟一条卖四百，指导价三百多", False),    # a guide of 三百多 is not compared
])
def test_a_price_written_as_n_duo(note, want):
    assert is_price(note) is want, explain(note)


# -- the charged price equal to the guide once the tag is put right -------------------------

def test_a_charge_at_the_guide_is_not_a_second_case_against_a_wrong_tag():
    note = "黄山标的18，指导价16，当场改成16了，现在按16卖"
    assert not is_price(note), explain(note)
    # the tag still off the guide is a case of its own (the tag against the guide)
    rules = flagged_rules("黄山标的18，指导价16，实收16")
    assert any("标价18与指导价16" in r for r in rules) and not any("售价16与标价18" in r
                                                              for r in rules), rules


# -- a price remedy the note contradicts -------------------------------------------------

@pytest.mark.parametrize("note, want", [
    ("上回黄山超价，老板讲已经改了，今天看还是卖18", True),
    ("上回黄山超价，老板讲已经改了。结果今天仍然收18", True),
    ("上回黄山超价，老板讲已经改了，今天看按16卖", False),
    ("上回黄山超价，老板讲已经改了，还是卖了3条", False),   # a quantity, not a price
])
def test_a_price_remedy_contradicted_by_the_same_price(note, want):
    assert is_price(note) is want, explain(note)


def test_a_contradicted_price_remedy_still_closes_a_licence_problem():
    # 已经改了 closes both kinds; the price given after it keeps only the price open
    note = "之前证过期还在卖、超价，都已经改了，今天看还是卖18"
    assert {f.kind for f in scan_note(note, LEX)} == {"price"}, explain(note)


# -- questions that are not questions --------------------------------------------------

@pytest.mark.parametrize("note, want", [
    ("白沙标十卖十一? 他说找不开", True),            # surprise at the price charged
    ("指导价16，他家是不是卖18?", False),            # a real doubt: 是不是
    ("黄山卖18，指导价16，他说进价涨了??", True),     # doubt of the excuse
    ("黄山卖18，指导价16，老板说：能不能先这样卖?", False),
])
def test_question_marks_after_prices_and_excuses(note, want):
    assert is_price(note) is want, explain(note)
