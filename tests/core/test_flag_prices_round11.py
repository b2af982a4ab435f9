"""Price findings of the kinds round 11's writers used (voice input, Cantonese / Minnan,
traditional characters, checklists, WeChat shorthand, long notes), one mechanism at a time.

Every note here was written for these tests (none is copied from a corpus). Each case says
whether the note reports a price problem; the numbers read are checked where the finding
comes from comparing them.
"""

from __future__ import annotations

import pytest

from cmgr.core.flag_rules import load_lexicon, scan_note, trace_note
from cmgr.core.flag_rules.pinyin import toneless
from tests.core.flag_corpus import explain

LEX = load_lexicon()


def is_price(note: str) -> bool:
    return "price" in {f.kind for f in scan_note(note, LEX)}


def flagged_rules(note: str) -> list[str]:
    return [t.rule for t in trace_note(note, LEX) if t.outcome in ("flagged", "duplicate")]


def check(note: str, want: bool) -> None:
    assert is_price(note) is want, explain(note)


# -- numbers in Chinese: 廿/卅, 块五, 两百八, Minnan 箍 ---------------------------------------

@pytest.mark.parametrize("note, compared", [
    ("利群一包收廿三，价牌写廿一", "售价23与标价21"),
    ("芙蓉王標廿六，收我廿八", "售价28与标价26"),
    ("黄山卖卅二 指导价二十八", "售价32与指导价28"),
    ("南京卖二十三块五 标的二十二", "售价23.5与标价22"),
    ("云烟卖18块5 指导价17", "售价18.5与指导价17"),
    ("一条玉溪卖两百八 指导价二百五", "售价280与指导价250"),
    ("伊講白沙一包十一箍，價數牌寫十箍", "售价11与标价10"),
])
def test_prices_in_chinese_numerals_are_compared(note, compared):
    assert any(compared in rule for rule in flagged_rules(note)), explain(note)
    check(note, True)


@pytest.mark.parametrize("note", [
    "利群卖二十五块一包，指导价二十五",  # 块一包: a pack, not 25.1
    "玉溪卖廿三，指导价廿三",
    "卖了二十块三包",  # three packs for twenty: a quantity, no 角
])
def test_chinese_numerals_that_agree_are_not_a_case(note):
    check(note, False)


def test_a_pack_count_after_the_unit_is_not_read_as_jiao():
    assert not any("20.3" in rule for rule in flagged_rules("标价二十块三包"))


# -- brand names typed with the wrong character of the same sound ---------------------------

@pytest.mark.parametrize("note", [
    "他软中化卖七十 指导价六十五",
    "玉西硬的卖二十六 指导价二十三",
    "芙蓉网一包收二十八 标的二十五",
    "黄河楼卖二十二 标的十九",
])
def test_brand_slips_are_read_as_the_brand(note):
    check(note, True)
    assert any("售价" in rule for rule in flagged_rules(note)), explain(note)


def test_the_slip_is_rewritten_to_the_brand():
    homophones = LEX.spelling.homophones
    assert homophones.apply("软中化七十") == "软中华七十"
    assert homophones.apply("玉西二十六") == "玉溪二十六"
    assert homophones.apply("芙蓉网") == "芙蓉王"
    assert toneless("网") == toneless("王")


@pytest.mark.parametrize("text", [
    "其中化妆品卖得最好", "集中化管理", "中化肥料到货了", "空中花园小区门口",
    "黄河边的小卖部", "上网买东西", "玉米卖完了",
])
def test_brand_matching_does_not_confuse_real_words(text):
    assert LEX.spelling.homophones.apply(text) == text


# -- the tag and the price charged, in either order and in other words ----------------------

@pytest.mark.parametrize("note", [
    "那个娇子标的二十二 我问他卖多少 他说二十四",  # the answer to "how much"
    "问老板利群多少钱 老板说二十 柜台上标的十八",
    "价钱牌写十三，七匹狼一包收十五",
    "白沙標十，收我十一，話冇散紙",
    "价签写的是23，扫码出来是24",
    "柜台标25 冰柜旁边贴的27",  # one product, two tags
    "价钱牌有贴，毋过收钱的时阵拢加一箍",  # Minnan: always one 块 more at the till
    "伊还是贵卖，一包贵两箍",
])
def test_tag_and_charged_price_in_other_words(note):
    check(note, True)


@pytest.mark.parametrize("note", [
    "娇子标的二十二 我问他卖多少 他说二十二",
    "柜台标25 冰柜旁边贴的25",
    "我问他明天几点开门 他说八点",
])
def test_the_same_price_twice_is_not_a_case(note):
    check(note, False)


@pytest.mark.parametrize("note, want", [
    ("有两款标的跟实际卖的不一样", True),
    ("卖的和写的不同，老板说忘了改", True),
    ("店內的價錢攏寫佇板頂，毋過賣的佮寫的無仝", True),  # Minnan: 佮 = 和, 無仝 = 不同
    ("收的跟标价两样", True),
    ("电子价签和纸质价签对不上", True),
    ("货架和收银台两个地方标的不一样", True),
    ("一品两价 利群", True),
    ("4.一品一价 ×", True),
    ("价签很乱 有几个标错了", True),
    ("价格这块有点乱", True),
    ("價數嘛烏白喊，有时十二有时十四", True),  # Minnan: 烏白 = 乱
    ("标的二十一 他说写错了 其实就是卖二十一", True),
    ("标的跟卖的一样", False),
    ("没发现标的跟卖的不一样", False),
    ("两个地方标的价一样", False),
    ("一品一价 √", False),
    ("有时十点开门有时九点", False),
])
def test_charged_price_differs_from_the_tag(note, want):
    check(note, want)


# -- tags missing or giving no price ------------------------------------------------------

@pytest.mark.parametrize("note, want", [
    ("好几个品规价签是空的", True),
    ('价签打的是"电议"', True),
    ("price tag 写的都是询价", True),
    ("冰柜里那排都没标价", True),
    ("条装有价签 单包全没标", True),
    ("店里一个价签也没有", True),
    ("伊的烟攏無貼價數", True),  # Minnan: 價數 = 价钱
    ("烟柜一半无价数", True),
    ("价签是旧的上次调价以后一直没换", True),
    ("老板答应周末就把价签补上 今天去看还是没补", True),
    ("价签都贴了 没有空的", False),
    ("那排都标了价", False),
    ("老板向我询价 问玉溪批发多少", False),
    ("价签上周说要贴 今天去看都贴上了", False),
])
def test_tags_missing_or_without_a_price(note, want):
    check(note, want)


# -- below the minimum / wholesale price ----------------------------------------------------

@pytest.mark.parametrize("note, want", [
    ("佢話平賣吸客，低過批發價都照賣", True),
    ("伊一条玉溪比批发价阁较俗", True),  # Minnan 俗 = cheap
    ("红河一包卖九块 比指导价俗一块", True),
    ("玉溪卖二十 批发都要二十一", True),  # 批发 alone as the minimum price's label
    ("批发价比指导价低", False),
    ("玉溪卖二十三 批发都要二十一", False),
])
def test_below_the_wholesale_price(note, want):
    check(note, want)


# -- a judgement of the price charged, the guide price not written --------------------------

@pytest.mark.parametrize("note, want", [
    ("这家黄鹤楼卖三十二 离谱", True),
    ("他家价格偏高 利群要二十", True),
    ("软玉溪收二十五 多了两块", True),
    ("价签也标高了", True),
    ("玉溪卖二十四 我让他改 他说卖完这批再说", True),  # an order to change: not done
    ("利群卖二十 当场叫他改了 现在按十八卖", False),
    ("新品试摆，老板反映价格偏高不好推", False),
    ("批发价格偏高，利润薄", False),
    ("卖二十，找零多了两块给他", False),
])
def test_a_price_with_a_judgement(note, want):
    check(note, want)


# -- checklists: a trailing × marks the failed item after prices compared -------------------

@pytest.mark.parametrize("note, want", [
    ("1.证：有\n2.价格：南京标12卖13 ×", True),
    ("价格：玉溪卖26 指导价23 ✗", True),
    ("1.证：有\n2.价格：南京标12卖12 √", False),
    ("超价 ×", False),  # a field answered no
])
def test_a_trailing_cross_after_compared_prices_marks_the_problem(note, want):
    check(note, want)


# -- time: a verb that looks like history, a price kept "as before", checklist sections -----

@pytest.mark.parametrize("note, want", [
    ("今天过去 他利群卖二十 指导价十八", True),  # 过去 = went over there
    ("证前年就注销了 现在又在卖 价钱说按以前的卖 比批发价还便宜两块", True),
    ("【证照】证是前年借来的【价格】没有价签", True),
    ("过去他家超价卖，现在按指导价了", False),
    ("前几年他家超价卖过", False),
])
def test_history_does_not_hide_a_current_price(note, want):
    check(note, want)


# -- promises, reported cases, checked tips, fixed earlier problems -------------------------

@pytest.mark.parametrize("note, want", [
    ("他芙蓉王卖二十七 说等这条卖完再改", True),
    ("价签掉了几张 老板答应下午贴 走的时候还没贴", True),
    ("听说西街有两家超价被专卖罚了 提醒老板别这样", False),
    ("老板说去年加价被罚过款 现在规规矩矩按指导价卖", False),
    ("有人说菜场那家低价卖烟 我过去看了一下 人家是按指导价卖的", False),
    ("群里说路口那家超价 去看了一下 没有超价", False),
    ("上回没标价 这回已全部标价", False),
    ("上回没标价 这回还是没标", True),
])
def test_promises_reports_checked_tips_and_fixes(note, want):
    check(note, want)


# -- a rhetorical question asserts; a long note gives the guide price in another sentence ---

@pytest.mark.parametrize("note, want", [
    ("利群标18 收19 这不就是乱价吗", True),
    ("这不是超价吗?中华卖52，指导价45", True),
    ("老板问这样算不算乱价吗", False),
])
def test_a_rhetorical_question_is_a_statement(note, want):
    check(note, want)


@pytest.mark.parametrize("note, want", [
    ("进去一看，硬中华卖到了五十二一包。我说这不行，指导价就是四十五。", True),
    ("指导价是四十五。他家硬中华卖五十。", True),
    ("隔壁硬中华卖四十五。指导价四十五，他家也按这个卖。", False),
    ("软中华卖到了七十。指导价六十五的那种他家没有，这是另一个规格，正常。", False),
])
def test_the_guide_price_in_the_next_sentence(note, want):
    check(note, want)


# -- more of the same kinds, in other writers' words -----------------------------------------

@pytest.mark.parametrize("note, want", [
    ("佢賣雙喜十三蚊包，指導價系十二", True),  # Cantonese 系 = 是; 十三蚊包 = per pack
    ("收了我二十五 价签上明明写的二十三", True),
    ("白沙卖十一 别的店都卖十块 这家贵一块", True),
    ("云烟卖二十 我说你这超了", True),
    ("云烟卖十七 不贵", False),
    ("嗯 他价签啊 大部分都没有 就几个有", True),  # a spoken filler after the tag word
    ("价牌又唔齐，老细话下个礼拜先搞", True),
    ("同一款利群两处价签，一处20一处22", True),
    ("价签：缺2个 ×", True),  # a count, then the fail mark
])
def test_other_words_for_the_same_kinds(note, want):
    check(note, want)


@pytest.mark.parametrize("note, want", [
    ("上回价签不全，这回补了一部分，还有几款还空着没标", True),  # still, after a partial fix
    ("上次乱价的事说改了，今天结账还是乱价", True),
    ("上回超价的问题 这次去看已经没有了", False),
    ("上月利群超价，这次回访价格没问题", False),
    ("玉溪卖26，指导价23，当场已调整为23并换了价签", False),  # a number without 元
    ("价签有三张褪色看不清 已当场换新", False),
    ("群里说东街那家超价 去看了人家卖45 没问题", False),
    ("搞活动买烟送打火机，不涉及价格变动", False),
])
def test_still_so_and_put_right(note, want):
    check(note, want)
