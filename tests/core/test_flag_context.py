"""The note reader's ConText modifiers, one kind at a time, and the pinyin typing slips.

Every note here was written for these tests, in the ways managers write: colloquial, run-on,
shorthand, with typing slips. Each case names what the note reports (kinds) and, where a
problem word is dropped, the modifier that must say why.
"""

from __future__ import annotations

import pytest

from cmgr.core.flag_rules import load_lexicon, scan_note, trace_note
from cmgr.core.flag_rules.pinyin import syllables

LEX = load_lexicon()
U, P, N = {"unlicensed"}, {"price"}, set()


def kinds(note: str) -> set[str]:
    return {f.kind for f in scan_note(note, LEX)}


def outcomes(note: str) -> list[str]:
    return [t.outcome for t in trace_note(note, LEX)]


def explain(note: str) -> str:
    return note + "\n" + "\n".join(f"  {t.outcome} | {t.rule} | {t.matched!r}"
                                   for t in trace_note(note, LEX))


def check(note: str, want: set[str], why: str | None = None) -> None:
    assert kinds(note) == want, explain(note)
    if why is not None:
        assert any(o.startswith(why) for o in outcomes(note)), explain(note)


# -- negated -------------------------------------------------------------------------------

@pytest.mark.parametrize("note", [
    "今天转了一圈，没瞧见无证的，也没碰到超价的。",
    "片区里暂时没遇到无证卖烟的情况",
    "这周跑了十几家，没抓到超价的",
    "没听说附近有谁没证卖烟",
    "查了一圈也没看到哪家不标价的",
    "转了一圈没瞅见无证的",
])
def test_negated_through_a_verb_of_looking_or_finding(note):
    check(note, N, "suppressed: negated")


@pytest.mark.parametrize("note", [
    "检查了柜台，没发现超价、低价的情况。",
    "未见无证、超价、乱价等问题",
    "没发现有人超价或者低价甩卖",
    "走访三户，没查到无证经营、超价销售的情况。",
])
def test_one_negation_covers_coordinated_problems(note):
    check(note, N, "suppressed: negated")


@pytest.mark.parametrize("note, want", [
    ("没发现超价，但是价签缺了好几个", P),  # a comma and 但: the negation stops
    ("没查到无证的，不过隔壁那家小卖部有人举报没证卖烟", U),
    ("没看见他们家的许可证，老板说证还没办下来，烟照卖", U),  # not seeing the licence is the case
])
def test_a_negation_ends_at_its_scope_end(note, want):
    check(note, want)


def test_the_negation_says_which_words_dropped_the_finding():
    traces = trace_note("没碰到超价的", LEX)
    assert traces and traces[0].outcome.startswith("suppressed: negated before (")
    assert "没碰到" in traces[0].outcome


# -- question, hypothetical, intention, worry ---------------------------------------------

@pytest.mark.parametrize("note", [
    "老板娘问没证卖烟会不会被查",
    "店主打听了一下超价卖会罚多少",
    "客户想知道许可证过期了要怎么续",
    "问我价签不贴行不行 我说不行",
    "老板问办个烟草证要多久",
    "问一下办证要啥手续，我说带身份证来。",
])
def test_idle_questions_without_a_question_mark(note):
    check(note, N)


def test_a_question_mark_makes_a_question_but_a_dialect_particle_after_selling_does_not():
    check("那家店没证也在卖烟？", N, "suppressed: question")
    check("莫得证还在卖烟嘛", U)


@pytest.mark.parametrize("note", [
    "老板说要是再无证卖烟就报专卖",
    "提醒他证到期前一定要续，不然算无证经营",
    "店主打算下个月涨价卖中华",
    "他想低价走量被我劝住了",
    "老板担心隔壁砸价会影响生意",
])
def test_hypotheticals_intentions_and_worries(note):
    check(note, N, "suppressed: hypothetical")


# -- reported talk about the rules --------------------------------------------------------

@pytest.mark.parametrize("note", [
    "老板说没证卖烟要罚好几千，所以赶紧办了",
    "聊到现在超价卖抓得很严",
    "老板娘说没证卖烟是要被罚的，她们不敢",
])
def test_talk_about_the_rules_is_not_a_case(note):
    check(note, N)


def test_a_tip_about_another_outlet_is_reported_but_is_a_case():
    findings = scan_note("店主说隔壁没证在卖烟，让我们管管", LEX)
    assert [f.subkind for f in findings] == ["tip_other_outlet"]


# -- resolved, told after the fact ----------------------------------------------------------

@pytest.mark.parametrize("note", [
    "之前那家无证的小卖部，证已经办下来了",
    "上次说的价签问题，今天去看都补上了",
    "上回说的价签不全，现在都贴上了",
    "前几天超价的那个店，现在按指导价卖了",
    "上回没证的那户，已经不卖烟了",
    "上个月说的那个路边烟摊，这次去看已经不在了。",
])
def test_resolved_on_a_later_visit_referring_back(note):
    check(note, N)
    assert any(o.startswith("resolved: ") for o in outcomes(note)) or not outcomes(note), \
        explain(note)


@pytest.mark.parametrize("note, want", [
    ("上次价签不全，这次还是没补", P),
    ("去年证被吊销了，现在柜台还在卖烟", U),  # history that goes on
    ("以前有过低价卖烟的情况，现在规范了", N),  # history
])
def test_past_problems_that_go_on_stay_open(note, want):
    check(note, want)


# -- goods: what is sold, not the shop's name ----------------------------------------------

@pytest.mark.parametrize("note, want", [
    ("文具店里没证卖烟，柜台摆着中华", U),
    ("路口那家五金店没证偷偷卖烟", U),
    ("早餐店老板说没证，烟放柜子里卖", U),
    ("水果店无证卖烟", U),
    ("食品店无证卖烟", U),
    ("洗车店兼卖香烟，没有许可证", U),
    ("酒类没有明码标价，卷烟价签齐全", N),
    ("店里的酒没有标价，烟的价签都齐", N),
    ("啤酒超价卖，烟价正常", N),
])
def test_other_goods_are_what_is_sold_not_the_shop_name(note, want):
    check(note, want)


# -- prices per pack with a judgement word --------------------------------------------------

@pytest.mark.parametrize("note, want", [
    ("玉溪一包卖25块，加价了", P),
    ("芙蓉王一包卖30，贵了", P),
    ("利群一包卖28，明显卖贵了", P),
    ("黄鹤楼一包收了30块，这就超价了", P),
    ("软中华每包要65，贵了", P),
    ("芙蓉王一包25块，正常", N),
    ("进了30条玉溪，批发价贵了", N),  # a quantity and wholesale news
])
def test_a_pack_price_with_a_judgement_word(note, want):
    check(note, want)


# -- pinyin typing slips --------------------------------------------------------------------

@pytest.mark.parametrize("note, want", [
    ("他家无症卖烟被人举报了", U),
    ("该户无症经营，柜台有烟在卖。", U),
    ("许可正过期三个月了还在卖", U),
    ("中华炒价卖到70一包", P),
    ("中华抄价卖，一条多要了50", P),
    ("部分品规没有明码标加", P),
    ("名码标价没做到", P),
    ("玉溪按底价甩卖", P),
    ("底价甩卖玉溪抢客", P),
])
def test_pinyin_slips_of_the_key_words_are_read(note, want):
    check(note, want)


@pytest.mark.parametrize("note", [
    "老板无症状，精神不错。",
    "门口贴着五证合一的营业执照",
    "这家五正经营好久了",
    "与世无争的老头，店里卖点日用品",
    "两口子吵架了，今天没开门",
    "地价太贵，打算搬走",
    "屋正在装修，货物整理好了",
    "家家都在卖烟",
    "不知道价格怎么定的，问了老板",
    "价钱都标清楚了",
    "车被抄家似的翻了一遍",
])
def test_pinyin_matching_does_not_confuse_real_words(note):
    check(note, N)


def test_a_slip_keeps_the_words_of_the_note_in_the_finding():
    [finding] = scan_note("他家无症卖烟", LEX)
    assert finding.matched == "无症卖烟"


def test_floor_price_is_kept_where_it_is_the_floor():
    check("低于底价卖烟拉客", P)  # 低于底价: the floor price, read as written


# Dictionary words that sound like a key word (at its slip positions) but are slips we mean
# to read as the key word.
DELIBERATE = {"底价"}


def test_every_dictionary_homophone_of_a_key_word_is_kept():
    """pypinyin's phrase list: any real word containing a same-sound variant of a key word
    must come out of normalisation unchanged (so 与世无争 never reads as 无证)."""
    from pypinyin.phrases_dict import phrases_dict

    homophones = LEX.spelling.homophones
    sounds = syllables()
    checked = 0
    for word, fixed in homophones.by_key.values():
        want = tuple(sounds.get(c) for c in word)
        for phrase in phrases_dict:
            for i in range(len(phrase) - len(word) + 1):
                sub = phrase[i:i + len(word)]
                if (sub == word or sub in DELIBERATE
                        or tuple(sounds.get(c) for c in sub) != want
                        or any(sub[p] != word[p] for p in fixed)):
                    continue
                checked += 1
                assert homophones.apply(phrase) == phrase, (word, phrase)
    assert checked >= 5  # 与世无争, 吵架, 抄家, 地价... were looked at
