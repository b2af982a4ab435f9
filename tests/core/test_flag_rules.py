"""The note flagger (rules, negation, resolution, odd characters), the lexicon loader and the
structured price check. Every note here was written for these tests."""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import pytest

from cmgr.core.flag_rules import (
    NoteFinding,
    PriceCheck,
    check_observed_price,
    load_lexicon,
    normalize_text,
    parse_price,
    scan_note,
    trace_note,
)
from cmgr.domain import normalize_name
from cmgr.errors import ConfigError

DEV_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "notes-dev" / "notes.csv"
REPO = Path(__file__).resolve().parents[2]
# Notes written for these tests before the licence-state rules (see its `why` column).
HELDOUT_CORPUS = Path(__file__).resolve().parent / "flag_heldout_notes.csv"
# Notes by an independent author, first run after the rules were built (see its `why` column).
UNSEEN_CORPUS = Path(__file__).resolve().parent / "flag_unseen_notes.csv"
# A second independent author's notes (see its `why` column); the rules first scored
# unlicensed 0.821/0.627 and price 0.897/0.686 (precision/recall) on them.
UNSEEN2_CORPUS = Path(__file__).resolve().parent / "flag_unseen2_notes.csv"
# A third independent author's notes (voice input, homophones, bureaucratic forms, slang,
# traditional characters, relative prices); first run: unlicensed 0.889/0.762, price 0.907/0.830.
UNSEEN3_CORPUS = Path(__file__).resolve().parent / "flag_unseen3_notes.csv"
# Round 5: two writers who never saw the rules (voice input with fillers, dialect, typing
# slips, checklists, traditional characters, long chatty notes). Before tuning: round5a
# unlicensed 0.894/0.797, price 0.891/0.781; round5b unlicensed 0.906/0.906, price 0.947/0.740.
ROUND5_CORPORA = [Path(__file__).resolve().parent / f"flag_round5{x}_notes.csv" for x in "ab"]
SAMPLE_LABELS = REPO / "sample_data" / "truth" / "visit_labels.csv"
SAMPLE_VISITS = REPO / "sample_data" / "visits.xlsx"


@pytest.fixture(scope="module")
def lex():
    return load_lexicon()


def kinds(note: str, lex) -> set[str]:
    return {f.kind for f in scan_note(note, lex)}


def subkinds(note: str, lex) -> set[tuple[str, str]]:
    return {(f.kind, f.subkind) for f in scan_note(note, lex)}


# --- each rule fires ---------------------------------------------------------------

RULES = [
    # unlicensed
    ("这家店没证，柜台里摆了十几条烟", "unlicensed", "no_license"),
    ("该户无照经营，烟酒都卖", "unlicensed", "no_license"),
    ("还没办证就开始卖烟了，已报专卖", "unlicensed", "no_license"),
    ("老板说证还没下来，先卖着烟", "unlicensed", "no_license"),
    ("证还在办，已经开始卖烟", "unlicensed", "no_license"),
    ("店主拿不出许可证", "unlicensed", "no_license"),
    ("许可证：无；价格：正常", "unlicensed", "no_license"),
    ("证过期快三个月了，还在卖烟", "unlicensed", "expired"),
    ("过期证，没续。", "unlicensed", "expired"),
    ("许可证到期未延续，照常营业", "unlicensed", "expired"),
    ("店内卷烟在售，但许可证已于上月失效", "unlicensed", "expired"),
    ("证被专卖吊销了，但店里还是在偷偷卖", "unlicensed", "revoked_suspended"),
    ("许可证暂扣期间仍在销售卷烟", "unlicensed", "revoked_suspended"),
    ("退网后还在卖烟", "unlicensed", "revoked_suspended"),
    ("店主用的是他哥哥的证，本人不是持证人", "unlicensed", "borrowed_license"),
    ("证是从别人那里租来的", "unlicensed", "borrowed_license"),
    ("店换了老板，证还是原来老板的", "unlicensed", "borrowed_license"),
    ("持证人已外出务工，店铺由其亲戚经营卷烟", "unlicensed", "borrowed_license"),
    ("搬到对面街后一直没办许可证变更，照常卖烟", "unlicensed", "moved_without_change"),
    ("店面搬了，证没换", "unlicensed", "moved_without_change"),
    ("实际经营地址和许可证上的地址不一致", "unlicensed", "moved_without_change"),
    ("隔壁新开的便利店也在卖烟，问了没有许可证", "unlicensed", "tip_other_outlet"),
    ("村口小卖部无证售烟，已反映给专卖所", "unlicensed", "tip_other_outlet"),
    ("附近有个流动烟摊，每天晚上出来", "unlicensed", "tip_other_outlet"),
    # price
    ("该户私自涨价，利群贵了5块", "price", "above_guide"),
    ("软玉溪标价高于指导价", "price", "above_guide"),
    ("玉溪卖到30一包，超了指导价", "price", "above_guide"),
    ("老板低于批发价卖中华抢生意", "price", "below_minimum"),
    ("卷烟打折销售", "price", "below_minimum"),
    ("附近两家店在打价格战，砸价严重", "price", "dumping"),
    ("该户存在压价销售行为", "price", "dumping"),
    ("柜台里好几个品规没标价", "price", "unmarked_tags"),
    ("店内价签普遍缺失", "price", "unmarked_tags"),
    ("价签掉了一半，没补", "price", "unmarked_tags"),
    ("标价和收银价对不上", "price", "inconsistent_price"),
    ("同一款烟两个价", "price", "inconsistent_price"),
    ("乱价！！！", "price", "inconsistent_price"),
    ("老板对熟客便宜卖，对生客加价", "price", "inconsistent_price"),
    ("该户存在价格欺诈行为", "price", "inconsistent_price"),
    ("卷烟售价存在上浮", "price", "above_guide"),
    ("买一条送一包", "price", "below_minimum"),
    ("该户擅自变更零售价格", "price", "not_following_guide"),
    ("该户不按指导价卖", "price", "not_following_guide"),
]


@pytest.mark.parametrize("note,kind,subkind", RULES, ids=[r[0] for r in RULES])
def test_each_rule_fires(lex, note, kind, subkind):
    found = scan_note(note, lex)
    assert (kind, subkind) in {(f.kind, f.subkind) for f in found}, trace_note(note, lex)
    other = "price" if kind == "unlicensed" else "unlicensed"
    assert other not in {f.kind for f in found}


# --- numbers in the note --------------------------------------------------------------

NUMERIC = [
    ("软中华卖750元/条，指导价650元/条", {"price"}),
    ("利群(新版)指导价140，实际卖150", {"price"}),
    ("指导价650一条，卖70一包", {"price"}),  # 70 x 10 = 700 per 条
    ("芙蓉王进价240，卖235", {"price"}),
    ("价签上写650，实际收700", {"price"}),
    ("玉溪（软）标价230元，零售指导价220元", {"price"}),
    ("检查品规：中华(硬)，售价：６６０，指导价：６５０", {"price"}),
    ("指导价650一条，卖65一包", set()),  # the same price per 包
    ("中华 650（指导价650）", set()),  # the bound itself is compliant
    ("批发价180元，店里卖200元", set()),
    ("卖了3条中华，指导价650", set()),  # a quantity, not a price
    ("中华批发价600，指导价650，利润空间小", set()),
    ("隔壁卖450，店里中华卖630，批发价600", set()),  # 600 goes with the nearest price, 630
]


@pytest.mark.parametrize("note,expected", NUMERIC, ids=[n[0] for n in NUMERIC])
def test_prices_written_as_numbers(lex, note, expected):
    assert kinds(note, lex) == expected, trace_note(note, lex)


# --- not flagged: negation, questions, hypotheticals, campaigns, renewal reminders -------

NOT_FLAGGED = [
    ("未见无证经营户", "negation before: 未见"),
    ("经查，该户无超价、无乱价", "negation adjacent: 无"),
    ("检查中未发现该户存在超价销售、不明码标价、乱价等问题", "negation scope over a list"),
    ("辖区内暂无无证经营现象", "negation adjacent: 暂无"),
    ("无证经营：无", "negation after: ：无"),
    ("超价情况不存在", "negation after: 不存在"),
    ("检查情况：无证经营（否）超价（否）", "negation after in brackets"),
    ("做到不超价不压价", "negation adjacent: 不"),
    ("没有许可证被吊销的情况", "negation before: 没有"),
    ("证照齐全 亮证经营 👍", "compliance statement"),
    ("明码标价到位，价签齐全，价格规范", "compliance statement"),
    ("许可证下个月到期，提醒按时延续", "renewal reminder"),
    ("许可证快过期了，已提醒客户尽快办理延续手续", "renewal reminder"),
    ("许可证2027年到期", "expiry date in the future"),
    ("客户问许可证过期了怎么办？", "question mark"),
    ("客户咨询无证经营如何处罚", "consultation"),
    ("客户问能不能卖高于指导价", "question"),
    ("如发现无证经营，应及时上报", "hypothetical"),
    ("若再发现超价将降级处理", "hypothetical"),
    ("提醒客户不得超价销售", "prohibition"),
    ("宣传无证经营的危害，发放宣传资料", "education"),
    ("配合专卖开展打击无证经营专项行动", "campaign"),
    ("对超价行为零容忍", "campaign"),
    ("该户以前无证经营过", "history only"),
    ("周边超市中华售价650，未见异常", "another shop's price, no violation"),
    ("通报下月部分品规批发价上调", "wholesale price news"),
    ("客户反映中华利润太低，价格倒挂", "margin complaint"),
    ("客户说市场上有人低于批发价卖，影响生意", "market talk"),
    ("低价烟销售好", "cheap cigarettes are a price class, not a violation"),
    ("无证据显示该户有违规行为", "证据 is not a licence"),
    ("客户拍了照片发给我，无照片原件", "照片 is not a licence"),
    ("客户身份证过期，提醒更新信息", "an identity card is not the licence"),
    ("店员健康证过期了", "a health certificate is not the licence"),
    ("新店装修中，许可证还在办理，暂未卖烟", "not selling yet"),
    ("客户准备搬店，提醒先办理许可证变更", "plan, not a move"),
    ("客户打算加价销售，已劝阻", "intention not carried out"),
    ("店主计划下月开始卖烟，证还在办", "will sell, does not yet"),
]


@pytest.mark.parametrize("note,why", NOT_FLAGGED, ids=[n[0] for n in NOT_FLAGGED])
def test_not_flagged(lex, note, why):
    assert scan_note(note, lex) == [], (why, trace_note(note, lex))


def test_a_suppressed_match_says_why(lex):
    traces = trace_note("经查，未发现无证经营", lex)
    assert traces and all(t.outcome.startswith("suppressed: negated") for t in traces)


# --- resolved in the note, and what does not resolve ---------------------------------

RESOLVED = [
    ("前期超价已整改", "已整改"),
    ("发现超价销售，已当场整改到位", "当场整改到位"),
    ("超价销售，当场责令整改，现已按指导价销售", "责令 then 现已按指导价"),
    ("超价销售。经教育，已按指导价销售。", "remedy in the next sentence"),
    ("发现部分品规未标价，已当场补齐价签", "已补齐价签"),
    ("价签没了，当场改了价签", "当场改了价签"),
    ("店主当即把价格改回来了，之前超价", "price restored"),
    ("上次乱价，本次复查未发现", "本次复查未发现"),
    ("之前没证，现在已经办好了，亮证经营", "licence obtained"),
    ("上次说的无证问题，已办理许可证", "已办理许可证"),
    ("该户曾因无证经营被处罚，现已持证", "现已持证"),
    ("许可证过期后已停止销售卷烟，正在办理延续", "stopped selling"),
    ("该户已不再经营卷烟，许可证过期不续", "no longer sells (before the problem)"),
    ("该户无证经营，卷烟已被专卖暂扣", "stock seized"),
    ("已搬到新址，许可证变更手续已办结", "change completed"),
    ("价签不全，当场补齐", "short form: 当场补齐"),
    ("超价，已改", "short form: 已改"),
    ("超价，改了", "short form: 改了"),
    ("许可证过期，已续上", "short form: 已续上"),
    ("无证，已补办", "short form: 已补办"),
    ("该户许可证过期两天，已当场办理延续", "已当场办理延续"),
    ("该户超价问题已于上周整改", "已于上周整改"),
    ("检查发现该户价签不全，已协助补齐", "the manager helped: 已协助补齐"),
    ("价签缺失，已帮其重新摆放价签", "已帮其重新摆放价签"),
]


@pytest.mark.parametrize("note,form", RESOLVED, ids=[n[0] for n in RESOLVED])
def test_resolved_in_the_note(lex, note, form):
    assert scan_note(note, lex) == [], (form, trace_note(note, lex))


STILL_OPEN = [
    ("超价销售，承诺整改", "price", "promise"),
    ("超价，已要求整改到位", "price", "order to fix"),
    ("超价，已下达整改通知书", "price", "notice served"),
    ("超价问题整改中", "price", "in progress"),
    ("超价问题已移交专卖", "price", "referred"),
    ("许可证过期。已上报专卖。", "unlicensed", "reported to 专卖"),
    ("许可证已过期，已责令其停止销售并办理延续", "unlicensed", "ordered to stop"),
    ("店主承诺尽快办理延续，目前许可证已失效", "unlicensed", "promise"),
    ("上次无证问题还没解决", "unlicensed", "old problem not solved"),
    ("上月发现的乱价现象本月依旧", "price", "old problem continues"),
    ("上次超价已整改，这次发现价签不全", "price", "old fixed, new current"),
    ("前期无证已办证；本次发现超价", "price", "old licence fixed, new price problem"),
    ("超价问题已整改，但仍存在乱价", "price", "one fixed, another open"),
    ("未发现无证经营，但发现超价", "price", "negation ends at 但"),
    ("价签不全，客户表示会尽快补齐", "price", "promise to 补齐"),
    ("价签不全，已督促补齐", "price", "urged to 补齐"),
    ("该户许可证已过期，延续申请已受理", "unlicensed", "application accepted, not granted"),
    ("许可证已过期，老板不想续了", "unlicensed", "refuses to renew"),
]


@pytest.mark.parametrize("note,kind,form", STILL_OPEN, ids=[n[0] for n in STILL_OPEN])
def test_not_resolved(lex, note, kind, form):
    assert kind in kinds(note, lex), (form, trace_note(note, lex))


def test_old_problem_fixed_new_problem_flags_only_the_new_one(lex):
    found = scan_note("上次超价已整改，这次发现价签不全", lex)
    assert [(f.kind, f.subkind) for f in found] == [("price", "unmarked_tags")]


def test_resolving_one_kind_leaves_the_other(lex):
    assert kinds("该户无证经营，超价问题已整改", lex) == {"unlicensed"}
    assert kinds("该户超价销售，已办理许可证", lex) == {"price"}


def test_this_shop_stopping_does_not_close_a_tip(lex):
    found = scan_note("该户已停止销售卷烟，隔壁小店无证卖烟", lex)
    assert [(f.kind, f.subkind) for f in found] == [("unlicensed", "tip_other_outlet")]
    found = scan_note("隔壁有家无证烟摊。该户许可证已完成延续。", lex)
    assert [(f.kind, f.subkind) for f in found] == [("unlicensed", "tip_other_outlet")]


def test_another_outlet_closed_does_not_close_this_shop(lex):
    found = scan_note("该户无证经营，隔壁的无证烟摊已被取缔", lex)
    assert [(f.kind, f.subkind) for f in found] == [("unlicensed", "no_license")]
    assert scan_note("附近有家无证烟摊。已被取缔。", lex) == []


def test_the_visited_shop_is_not_a_tip(lex):
    assert subkinds("该户系无证户，烟从外地进", lex) == {("unlicensed", "no_license")}


# --- licence states: the licence and what the note says of it --------------------------

LICENCE_STATES = [
    # expired: the state next to the licence, either order, and the shop sells
    ("烟草证到期都仨月了，柜台照样卖", "expired"),
    ("这户的证是前年到期的，一直没去换，烟照卖", "expired"),
    ("证的有效期到上月底，到今天还没去续，烟柜里的货挺全", "expired"),
    ("License expired，烟还在卖", "expired"),
    # never issued, not seen, in progress, gone
    ("新开的烟酒行在卖烟，一直没看见他们挂证", "no_license"),
    ("老板说证还在审批，这两天先卖着", "no_license"),
    ("证压根没办下来，已经卖上烟了", "no_license"),
    ("过户还没办完，证正在过户，新老板已经在卖烟", "no_license"),
    ("证都没有就敢卖烟", "no_license"),
    # someone else's licence
    ("他用的是他姑姑的证", "borrowed_license"),
    ("店里的证写的是他舅舅的名字", "borrowed_license"),
    ("许可证不是老板本人的", "borrowed_license"),
    ("证是从上家手里顶下来的", "borrowed_license"),
    ("烟草证还是前一任店主的名字", "borrowed_license"),
    ("实际经营人是持证人的外甥", "borrowed_license"),
]


@pytest.mark.parametrize("note,subkind", LICENCE_STATES, ids=[n[0] for n in LICENCE_STATES])
def test_a_licence_state_fires(lex, note, subkind):
    assert ("unlicensed", subkind) in subkinds(note, lex), trace_note(note, lex)


LICENCE_STATES_NOT_FLAGGED = [
    ("证到期了，烟柜空着", "expired but not selling"),
    ("许可证下个月到期，烟卖得正常", "not expired yet"),
    ("证2029年到期，照常卖烟", "a date with 到期: still valid"),
    ("证要是过期不续，就不能卖烟了", "a condition between the licence and its state"),
    ("证有没有过期？老板说卖烟一直正常", "a question between the two"),
    ("许可证没过期，照常卖烟", "the state is negated"),
    ("没发现无证卖烟的情况", "a negation before the licence closes the state's negation"),
    ("没看到证照问题，烟卖得好", "the licence's problems, not the licence"),
    ("证还在办，烟柜还没摆烟，等证下来再卖", "not selling yet"),
    ("证是老板自己的，烟照卖", "his own licence"),
    ("证是去年新办的，卖烟正常", "a date, not a person"),
    ("证是不是他的？要核实一下", "a question"),
    ("他哥的证也在这条街上，生意都不错", "another person's licence, not used here"),
    ("健康证过期了，烟照常卖", "a health certificate"),
]


@pytest.mark.parametrize("note,why", LICENCE_STATES_NOT_FLAGGED,
                         ids=[n[0] for n in LICENCE_STATES_NOT_FLAGGED])
def test_a_licence_state_that_is_not_a_case(lex, note, why):
    assert "unlicensed" not in kinds(note, lex), (why, trace_note(note, lex))


LICENCE_REMEDIES = [
    "上次说的借证的事，老板已经自己办了证，证照一致了",
    "前阵子人证不符，现在重新办了证，持证人和经营者是同一人",
    "之前证过期，这回去看证换好了",
    "上回租证那家，证已经过户到老板本人名下",
    "之前没证的那家烟摊，今天去看证办下来了",
    "证过期的那家店已经不卖烟了",
    "无证经营户已被查处，烟全部没收",
]


@pytest.mark.parametrize("note", LICENCE_REMEDIES)
def test_a_licence_remedy_closes_the_case(lex, note):
    assert "unlicensed" not in kinds(note, lex), trace_note(note, lex)


def test_a_tip_after_a_remedy_of_this_shop_stays_open(lex):
    found = scan_note("该户已经不卖烟了，隔壁那家没证也卖烟", lex)
    assert [(f.kind, f.subkind) for f in found] == [("unlicensed", "tip_other_outlet")]


def test_a_state_match_covers_the_licence_and_its_state(lex):
    note = "今天看了下，许可证到期好一阵了，烟照卖"
    found = [f for f in scan_note(note, lex) if f.kind == "unlicensed"]
    assert found and found[0].matched.startswith("许可证") and "到期" in found[0].matched
    assert note[found[0].start:found[0].end] == found[0].matched


def test_an_outlet_named_after_the_problem_is_a_tip(lex):
    assert subkinds("没证那家小卖部还在卖烟", lex) == {("unlicensed", "tip_other_outlet")}


# --- prices in other words ------------------------------------------------------------------

PRICE_WORDS = [
    ("中华卖五十一包，指导价四十五", "above_guide"),  # numbers in Chinese
    ("软中华卖七百一条，指导价六百五", "above_guide"),
    ("利群标30一包，实际要32", "inconsistent_price"),  # 标 / 实际要
    ("黄鹤楼五十块一包，超了", "above_guide"),
    ("老板自己把中华涨了5块", "above_guide"),
    ("烟价都是老板自己定的", "not_following_guide"),
    ("店里烟价普遍上浮", "above_guide"),
    ("利群卖得比指导价低", "below_minimum"),
    ("价目表上的价跟收银系统对不上", "inconsistent_price"),
    ("便宜卖给熟人，跟标价不一样", "inconsistent_price"),
    ("价牌子一个都没摆", "unmarked_tags"),
    ("价签好几个都不见了", "unmarked_tags"),
    ("明码标价：否", "unmarked_tags"),
]


@pytest.mark.parametrize("note,subkind", PRICE_WORDS, ids=[n[0] for n in PRICE_WORDS])
def test_price_problems_in_other_words(lex, note, subkind):
    assert ("price", subkind) in subkinds(note, lex), trace_note(note, lex)


@pytest.mark.parametrize("note", [
    "中华卖四十五一包，指导价四十五",  # the bound itself
    "卖了一条中华，指导价六百五",  # a quantity
    "厂家调价，批发价格上浮5%",  # wholesale news
    "价签打印机坏了，价签都是手写的，价格都对",
    "价签没几个需要换的",
])
def test_price_words_that_are_not_a_problem(lex, note):
    assert "price" not in kinds(note, lex), trace_note(note, lex)


# --- held-out style: short, colloquial, lists, mixed chatter -------------------------

HELD_OUT = [
    ("无证还超价", 1, 1),
    ("证过期+超价", 1, 1),
    ("1、许可证过期 2、价签不全 3、已上报", 1, 1),
    ("本次走访：①无证经营；②价签缺失", 1, 1),
    ("该户许可证过期、未明码标价", 1, 1),
    ("今天店主不在，老板娘接待😊。聊了聊年货，她说证今年三月就过期了还没去续，价签倒是挺全的", 1, 0),
    ("帮忙下单 5条芙蓉王 2条黄鹤楼&nbsp;价签都有", 0, 0),
    ("老板很配合👍👍 价格规范 无违规", 0, 0),
    ("【价格】乱价【许可】正常", 0, 1),
    ("【价格】正常【许可】无证", 1, 0),
    ("价格✅ 许可证✅", 0, 0),
    ("价格❌超价 许可证✅", 0, 1),
    ("价签&lt;缺失&gt;", 0, 0),
    ("听说村东头有人在家里卖烟，没有证", 1, 0),
    ("附近水果店兼卖香烟，估计无证", 1, 0),
    ("群众举报某超市私自销售卷烟，去看了确实在卖", 1, 0),
    ("老店主已去世，其子用父亲的许可证继续经营", 1, 0),
    ("该户经营场地已搬迁至新街，但许可证地址仍为原址", 1, 0),
    ("许可证于2023年12月31日到期，至今未延续，仍在经营", 1, 0),
    ("查看许可证发现已过期", 1, 0),
    ("新开店，没看到许可证，但在卖烟", 1, 0),
    ("店里没看到许可证，店主说在家里", 0, 0),
    ("许可证正本已悬挂", 0, 0),
    ("协助客户补办遗失的许可证", 0, 0),
    ("客户许可证延续材料已提交，等待审批", 0, 0),
    ("该户为新入网客户，许可证刚办下来", 0, 0),
    ("送去新版价签20张", 0, 0),
    ("检查价签20个，全部规范", 0, 0),
    ("抽查5个品规，售价均与指导价一致", 0, 0),
    ("高价烟走得慢，建议少订", 0, 0),
    ("超市会员日饮料打折", 0, 0),
    ("客户觉得指导价定得太高，不好卖", 0, 0),
    ("顾客投诉该店中华多收了50元", 0, 1),
    ("小票价格比价签贵", 0, 1),
    ("价格：超价", 0, 1),
    ("违规情况：未明码标价", 0, 1),
    ("该店长期低价销售，扰乱市场", 0, 1),
    ("客户反映隔壁超市低价卖中华，价格比批发价还低", 0, 1),
    ("上月发现的乱价现象本月依旧，已约谈", 0, 1),
    # formal register
    ("该户许可证被暂停，仍在售卖卷烟", 1, 0),
    ("经营者与许可证登记负责人不一致", 1, 0),
    ("该户实际经营场所已迁移，许可证仍登记在原地址", 1, 0),
    ("实际销售价格与标价不一致", 0, 1),
    ("该户零售价格偏离指导价", 0, 1),
    ("卷烟价格标识不清", 0, 1),
    ("该户以高于零售指导价的价格销售卷烟", 0, 1),
    ("此前无证经营的问题，已于本月取得许可证", 0, 0),
    ("该户许可证已超过有效期，已于昨日办结延续手续", 0, 0),
    ("超指导价销售问题，已于当日恢复按指导价销售", 0, 0),
    ("售价高于零售指导价，经现场沟通，已调整至指导价", 0, 0),
    ("售价高于零售指导价，经现场沟通，店主同意调整", 0, 1),
    ("该户许可证已注销，经营者已将卷烟全部退回", 0, 0),
    ("该户未亮证经营，已提醒", 0, 0),
    ("发现该户销售假冒卷烟", 0, 0),
    ("该户向未成年人售烟", 0, 0),
]


@pytest.mark.parametrize("note,unlicensed,price", HELD_OUT, ids=[n[0] for n in HELD_OUT])
def test_held_out_style_notes(lex, note, unlicensed, price):
    found = kinds(note, lex)
    assert ("unlicensed" in found, "price" in found) == (bool(unlicensed), bool(price)), \
        trace_note(note, lex)


# --- more ways of writing the same things (dialect, typos, other wordings) ---------------
# (note, unlicensed, price): every note written for this test, none from a corpus.

OTHER_WORDINGS = [
    # licence revoked or held, said colloquially, and still selling
    ("许可证去年就被吊了，店里烟还照卖", 1, 0),
    ("他家证叫专卖给吊掉了，柜台里还摆着烟", 1, 0),
    ("烟草证被扣了半个月，这几天还在偷偷卖", 1, 0),
    ("证暂扣期间还在卖烟", 1, 0),
    ("证被吊了以后就不卖烟了", 0, 0),
    ("证没被吊销，正常经营", 0, 0),
    ("客户问证被吊了还能不能卖", 0, 0),
    ("证过期了还在卖呢", 1, 0),  # 呢 after 卖: still at it, not a question
    ("这证过期了怎么办呢", 0, 0),
    # dialect and typos (the lexicon's spelling table)
    ("佢冇证，仲喺度卖烟", 1, 0),
    ("没得证，烟照卖", 1, 0),
    ("木有许可证，还在卖", 1, 0),
    ("双喜每包贵咗三蚊", 0, 1),
    ("价签妹有几个", 0, 1),
    ("他妹有证，在隔壁开店", 0, 0),  # his sister has a licence: not 没有
    ("烟草证早被吊消，柜台烟照卖", 1, 0),
    ("软中华超指道价卖", 0, 1),
    ("老板说要什么证，烟柜里摆满了烟", 1, 0),
    ("客户问办烟草证要什么材料", 0, 0),
    # someone else's licence: the holder is another person, dead, or a branch on it
    ("租用他人许可证卖烟", 1, 0),
    ("持证人是他舅舅，实际是他在看店卖烟", 1, 0),
    ("证上的人是老王，现在店是小李在开", 1, 0),
    ("持证人前年病故，店由儿子接手照常卖烟", 1, 0),
    ("拿他姐店里的证又开了家分店卖烟", 1, 0),
    ("新开的分店没有单独办证，烟已经摆上了", 1, 0),
    ("持证人是老板本人", 0, 0),
    ("老李的店证照齐全", 0, 0),
    ("严禁借用他人许可证", 0, 0),
    ("前期用他哥的证经营，现已用本人名义办好许可证", 0, 0),
    # moved: the licence's address and the new place
    ("证上登记的地址是老街12号，现在搬到新街去卖了", 1, 0),
    ("许可证上的地址在菜市场，店挪到路口了还在卖", 1, 0),
    ("证上地址是老店，已搬到新址并办理了变更", 0, 0),
    # no licence on record, and selling
    ("系统内查无该户许可信息，店里在卖烟", 1, 0),
    ("证还在办，店内陈列了中华、玉溪", 1, 0),
    ("店内陈列整齐，证照齐全", 0, 0),
    # prices raised, said with a number
    ("烟价统一涨了2块一包", 0, 1),
    ("利群每包加了1块钱卖", 0, 1),
    ("中华每条贵了20块", 0, 1),
    ("把玉溪卖到28一包", 0, 1),
    ("黄鹤楼标价比指导价高出30元", 0, 1),
    ("超标价卖烟", 0, 1),
    ("批发价涨了5块一条", 0, 0),
    ("厂家把批发价格抬了5块", 0, 0),
    ("客户说进价每条贵了10块，利润薄", 0, 0),
    ("老板说明天卖到25一包", 0, 0),
    # prices without a label next to a reference, and a product's price against the charge
    ("利群 300元/条 (指导价260)", 0, 1),
    ("中华 450元/条，批发价480", 0, 1),
    ("软云烟 200元/条（指导价220），正常", 0, 0),
    ("周边超市中华450元/条（指导价450），一致", 0, 0),
    ("20元一包的黄鹤楼收了22", 0, 1),
    ("23元一包的玉溪按23卖", 0, 0),
    ("客户进了5条20元一包的利群", 0, 0),
    # tags: hung wrong, faded, missing (a promise does not fix it), added since
    ("价签挂错位置了", 0, 1),
    ("价签都发黄看不清了", 0, 1),
    ("价格也不写，问了才报", 0, 1),
    ("老板说下周把缺的价签补齐", 0, 1),
    ("价签已补标", 0, 0),
    ("几个新品规没标价，当场补标了", 0, 0),
    ("价签褪色，已当场更换", 0, 0),
    ("价格都标得很清楚", 0, 0),
    # several prices for one product (乱价)
    ("熟客一个价，外地人另一个价", 0, 1),
    ("同一款黄鹤楼卖两个价", 0, 1),
    ("店里有两个价位的烟", 0, 0),
    ("没有一人一价现象", 0, 0),
    # a report checked and found untrue; a vague "cheaper over there"
    ("举报说该户超价，经核实不属实", 0, 0),
    ("有人反映他家卖高价，现场核实无此事", 0, 0),
    ("传言该户无证经营，经核实不属实，证在有效期内", 0, 0),
    ("举报该户低价倾销，现场核实属实，已上报", 0, 1),
    ("客户说隔壁卖得便宜，没具体说多少", 0, 0),
    ("隔壁低于批发价卖中华", 0, 1),
    # licence that expired at the end of a past month or year
    ("许可证已于去年底到期，一直没续，照常卖烟", 1, 0),
    ("许可证年底到期，已提醒延续", 0, 0),
    ("许可证已于上月到期，现仍在卖", 1, 0),
    # the new words in notes that report nothing
    ("店里烟卖得挺好呢", 0, 0),
    ("店内陈列中华、玉溪，证照齐全，亮证经营", 0, 0),
    ("同一品规两个价签都对", 0, 0),
    ("利群24一包（指导价26）", 0, 0),
    ("玉溪 25元/包 指导价23", 0, 1),
    ("55元一包的中华卖55元", 0, 0),
    ("经核实该户价格规范，举报不实，但发现许可证过期仍在卖烟", 1, 0),
]


@pytest.mark.parametrize("note,unlicensed,price", OTHER_WORDINGS, ids=[n[0] for n in OTHER_WORDINGS])
def test_other_wordings(lex, note, unlicensed, price):
    found = kinds(note, lex)
    assert ("unlicensed" in found, "price" in found) == (bool(unlicensed), bool(price)), \
        trace_note(note, lex)


# Wordings for the mechanisms added after the second unseen set (tests/core/
# flag_unseen2_notes.csv); written here, not copied from it.
SECOND_UNSEEN_MECHANISMS = [
    # pinyin initials typed on a phone (spelling table)
    ("今天路过菜场 wz 烟摊两处", 1, 0),
    ("利群 cj 了三块", 0, 1),
    ("mmbj 不到位 货架上一半没价签", 0, 1),
    ("xkz 过期快两个月 还照常卖", 1, 0),
    ("wz 无 cj 无 mmbj ✓", 0, 0),
    ("jqbq 三个品规", 0, 1),
    ("没有发现 wz", 0, 0),
    # checklist fields and their answers
    ("是否持证：否；是否在售卷烟：是", 1, 0),
    ("是否持证：否；是否在售卷烟：否（尚未开业）", 0, 0),
    ("持证：×  在售：✓", 1, 0),
    ("Q:是否持证 A:否 Q:在售 A:是", 1, 0),
    ("是否明码标价：否；是否执行零售指导价：是", 0, 1),
    ("Q:是否明码标价 A:部分", 0, 1),
    ("是否超价：否；是否无证经营：否", 0, 0),
    ("检查是否超价，是否明码标价", 0, 0),
    ("是否持证：停业期内；是否在售卷烟：是", 1, 0),
    # English mixed in
    ("Outlet has no licence but keeps selling 散烟", 1, 0),
    ("License expired in May, still selling cigarettes", 1, 0),
    ("License expired, stopped selling cigarettes last week", 0, 0),
    ("no price tags on the 细支 shelf", 0, 1),
    ("price tags all fine, license valid", 0, 0),
    ("sells 利群 at 30/pack, guide price 26", 0, 1),
    ("tag 26 but charged 28 for 利群", 0, 1),
    ("The liquor licence has lapsed, 烟证 fine", 0, 0),
    # goods that are not cigarettes
    ("老板无证驾驶三轮被扣了，跟烟无关，店里一切正常", 0, 0),
    ("食品经营许可证过期了，卷烟证有效，在卖烟", 0, 0),
    ("健康证还没办，烟证齐全", 0, 0),
    ("饮料没标价，卷烟价签齐全", 0, 0),
    ("矿泉水比指导价贵一块，烟价正常", 0, 0),
    ("白酒没有明码标价，中华也没标价", 0, 1),
    # a mistaken belief corrected later; a couple's shop
    ("刚进门以为无证，后来看到证挂在收银台后面", 0, 0),
    ("夫妻俩一起经营，证是老婆的名字，老公在看店", 0, 0),
    ("证是他表哥的名字，表哥人在外地，店是他在开", 1, 0),
    # a remedy for part of a case, a remedy that is not done yet
    ("查到两家无证，其中一家已办证，另一家还在卖", 1, 0),
    ("查到两家无证，两家都已办证", 0, 0),
    ("证过期了，已去办延续了，但还没批下来，烟照卖", 1, 0),
    ("证过期了，延续已经批下来了", 0, 0),
    ("证过期好久了，前天续下来，今天新证挂上了", 0, 0),
    # a follow-up of an outlet named before
    ("上周说的那家无证小卖部，今天去看，老板现在不卖烟了", 0, 0),
    ("之前举报的那个无证烟摊，烟柜已经清空了", 0, 0),
    # an earlier list of problems, each fixed in a terse re-check
    ("上回两个问题：价签缺、利群超价。复查：价签补齐，利群按26卖", 0, 0),
    ("上回利群超价已改了，这次价签又少了三个", 0, 1),
    # tags in a field style, absent owner is not a missing tag
    ("店主不在 店员看店 价签齐全", 0, 0),
    ("价签一个都没有", 0, 1),
    ("两个货架两个价，同一款云烟", 0, 1),
    # gift with a purchase at the guide price
    ("买两条送一个打火机，烟价不变，按指导价卖", 0, 0),
    ("买两条送一包", 0, 1),
    # prices: a promise to change back, a raise to a number, a per-carton sum
    ("玉溪卖26，老板说明天改回23", 0, 1),
    ("玉溪卖26，老板已把价改回23", 0, 0),
    ("擅自把云烟零售价调到12，指导价还是11", 0, 1),
    ("一条标260，拆包卖28一包，算下来一条280", 0, 1),
    ("价格“很规范”：利群一条标260，实收270", 0, 1),
    # dates deciding expiry
    ("许可证有效期至2026年5月31日，今天6月3日，还在卖烟", 1, 0),
    ("许可证有效期至2026年5月31日，今天5月20日，已提醒延续，在卖烟", 0, 0),
    ("到期日 2026-01-15，检查日期 2026-02-01，烟照卖", 1, 0),
    ("到期日 2026-01-15，检查日期 2026-02-01，已停止销售卷烟", 0, 0),
    # one dense line with two outlets; several shops, each judged on its own
    ("前面那家 wz 在卖，后面这家证照齐全", 1, 0),
    ("①老周副食：没证在卖烟。②刘家超市：价签已补齐", 1, 0),
    ("①老周副食：价签缺了三个。②刘家超市：已整改", 0, 1),
    ("①老周副食：价签缺了三个，已当场补齐。②刘家超市：正常", 0, 0),
    ("A店超价卖利群；B店已按指导价执行", 0, 1),
    ("查了两家：A店无证卖烟，当场已停止销售卷烟；B店价签齐全", 0, 0),
]


@pytest.mark.parametrize("note,unlicensed,price", SECOND_UNSEEN_MECHANISMS,
                         ids=[n[0] for n in SECOND_UNSEEN_MECHANISMS])
def test_second_unseen_mechanisms(lex, note, unlicensed, price):
    found = kinds(note, lex)
    assert ("unlicensed" in found, "price" in found) == (bool(unlicensed), bool(price)), \
        trace_note(note, lex)


# Wordings for the mechanisms added after the third unseen set (tests/core/
# flag_unseen3_notes.csv); written here, not copied from it.
THIRD_UNSEEN_MECHANISMS = [
    # traditional characters folded to simplified
    ("該店許可證已過期，櫃檯裡還在賣煙", 1, 0),
    ("此前價簽缺了幾個，已於上週全部補齊，現明碼標價", 0, 0),
    ("本店明碼標價不到位，好幾個品規沒有價簽", 0, 1),
    # homophones from voice input (spelling table)
    ("老张那个许可整到期半年了还在卖烟", 1, 0),
    ("明码标家没做 好几个烟没价签", 0, 1),
    ("价格都按只到价卖的 没问题", 0, 0),
    ("村口小卖部无正经营 一直在卖散烟", 1, 0),
    # dictated notes without punctuation: 然后 starts a new clause
    ("那个店里没有价签的烟有好几个然后他的证也是过期的还在卖", 1, 1),
    ("证是有的就是过期半年了然后也没去续烟还在卖价格的话都还可以", 1, 0),
    # bureaucratic forms: 未予, 业经整改, 予以销号
    ("经查，该户三个品规未予明码标价，拟下周复查", 0, 1),
    ("经查，该户前期价签不全问题业经整改，予以销号", 0, 0),
    ("该户此前部分价签缺失，现价签齐全", 0, 0),
    # tags half blank or unwritten
    ("货架上的价签好多是空白的，问价全靠老板说", 0, 1),
    ("价签都是手写的，一半都没写", 0, 1),
    # at cost, at the wholesale price
    ("玉溪按进价卖，说是为了拉人气", 0, 1),
    ("云烟批发价多少他就卖多少", 0, 1),
    ("老板说利群倒贴卖也卖不动，已按指导价销售", 0, 0),
    # one cigarette, two prices; a checked overcharge that was a scanning slip
    ("有个烟一个烟三个价", 0, 1),
    ("同一款中华收银台和货架上两个价", 0, 1),
    ("顾客说结账多收了钱，核对后是店员扫错了码，已退还，价格本身没问题", 0, 0),
    # indirect evidence of no licence
    ("店里烟柜摆着烟，墙上没挂证，问起来说还在办", 1, 0),
    ("烟柜里在卖烟，系统里查无此户", 1, 0),
    ("门口挂着烟酒招牌，在卖烟，系统里是未审批状态", 1, 0),
    ("店里没有任何许可证，柜台下有烟，我在的时候卖出去三包", 1, 0),
    ("在卖烟，许可证有效期到去年五月，老板说一直没空去续", 1, 0),
    # someone else's licence: the former owner, a parent, the name on it
    ("新店主接手后证还是前面老板的名字，照样在卖烟", 1, 0),
    ("证上是我妈的名字，她早就不管店了，现以其母许可证经营", 1, 0),
    ("许可证一看名字不是店主，店主说是他表姐的", 1, 0),
    # still valid; resolved in plain words; the case a shop says is another's and fixed
    ("老板问证过期了怎么办，他的证下个月才到期，已提醒延续", 0, 0),
    ("前期无证问题终于解决了，证前天下来了", 0, 0),
    ("之前无证的事已经搞定了，今天看价签少了好几个", 0, 1),
    ("店主说：“你们说的那家无证的，是对面那家，上周已经办下来了。”经核实对面已持证", 0, 0),
    ("对面那家也是无证经营，我去看了，证是有的挂着，是他看错了", 0, 0),
    ("价签有几个没放，当场帮他放好了，现在都齐了", 0, 0),
]


@pytest.mark.parametrize("note,unlicensed,price", THIRD_UNSEEN_MECHANISMS,
                         ids=[n[0] for n in THIRD_UNSEEN_MECHANISMS])
def test_third_unseen_mechanisms(lex, note, unlicensed, price):
    found = kinds(note, lex)
    assert ("unlicensed" in found, "price" in found) == (bool(unlicensed), bool(price)), \
        trace_note(note, lex)


def test_dates_in_the_note_decide_expiry(lex):
    [finding] = scan_note("有效期至2026-03-31。今天2026-04-02。仍在售", lex)
    assert finding.kind == "unlicensed" and finding.subkind == "expired"
    assert finding.matched.startswith("有效期至")
    # the visit before the expiry date: not expired; no visit date: nothing to compare
    assert scan_note("有效期至2026-03-31。今天2026-03-02。仍在售", lex) == []
    assert scan_note("有效期至2026-03-31，仍在售", lex) == []


def test_pinyin_initials_keep_spans_in_the_original(lex):
    note = "老街口 wz 在卖"
    [finding] = scan_note(note, lex)
    assert note[finding.start:finding.end] == finding.matched and "wz" in finding.matched


def test_spelling_keeps_spans_in_the_original(lex):
    note = "佢冇证，仲喺度卖烟"
    finding = next(f for f in scan_note(note, lex) if f.kind == "unlicensed")
    assert note[finding.start:finding.end] == finding.matched == "冇证"


def test_a_company_spelling_table(tmp_path):
    path = _write(tmp_path, """extends = "default"
[normalize]
spelling = { '白版' = '无证' }
""")
    company = load_lexicon(path)
    assert "unlicensed" in kinds("这是个白版店，在卖烟", company)
    assert "unlicensed" not in kinds("这是个白版店，在卖烟", load_lexicon())


def test_a_bad_spelling_entry_is_refused(tmp_path):
    path = _write(tmp_path, """extends = "default"
[normalize]
spelling = { '白(版' = '无证' }
""")
    with pytest.raises(ConfigError) as err:
        load_lexicon(path)
    assert "spelling" in str(err.value)


# --- odd characters and spans ----------------------------------------------------------

ODD = [
    ("ＡＢＣ超市中华售价７５０元／条，零售指导价６５０元／条", "price", "售价７５０元／条"),
    ("超价！！！😤😤", "price", "超价"),
    ("无\u200b证经营", "unlicensed", "无\u200b证经营"),
    ("<span style='color:red'>许可证过期</span>", "unlicensed", "许可证过期"),
    ("许可证&nbsp;过期", "unlicensed", "许可证&nbsp;过期"),
    ("<div>价签缺失</div><div>许可证过期</div>", "price", "价签缺失"),
    ("该戶無證經營卷煙", "unlicensed", "無證經營"),
    ("许可证過期，仍在銷售", "unlicensed", "许可证過期"),
    ("价签 缺失", "price", "价签 缺失"),
    ("１．价签缺失；２．证过期", "unlicensed", "证过期"),
]


@pytest.mark.parametrize("note,kind,matched", ODD, ids=[n[0] for n in ODD])
def test_odd_characters_and_spans_in_the_original(lex, note, kind, matched):
    found = [f for f in scan_note(note, lex) if f.kind == kind]
    assert found, trace_note(note, lex)
    finding = found[0]
    assert finding.matched == matched
    assert note[finding.start:finding.end] == finding.matched


def test_findings_are_in_note_order_and_carry_the_rule(lex):
    note = "价签缺失。该户无证经营。"
    found = scan_note(note, lex)
    assert [f.kind for f in found] == ["price", "unlicensed"]
    assert all(isinstance(f, NoteFinding) for f in found)
    assert found[1].rule.startswith("unlicensed.no_license: ")
    assert found[0].start < found[1].start


def test_one_finding_per_kind_and_subkind(lex):
    found = scan_note("该户无证经营。无证卖烟。还是无证。", lex)
    assert len(found) == 1


def test_empty_and_blank_notes(lex):
    assert scan_note("", lex) == []
    assert scan_note("   \n ", lex) == []
    assert scan_note(None, lex) == []  # an empty spreadsheet cell
    assert scan_note(float("nan"), lex) == []


def test_normalize_text():
    assert normalize_text("ＡＢＣ１２３，价签！") == "ABC123,价签!"
    assert normalize_text("<p>价签<br>缺失</p>") == "价签\n缺失"
    assert normalize_text("价签&nbsp;缺失&amp;超价") == "价签缺失&超价"
    assert normalize_text("超价👍👍 ok  then") == "超价 ok then"
    assert normalize_text("  价签   缺失 \n\n 超价 ") == "价签缺失\n超价"


# --- the lexicon file ------------------------------------------------------------------


def test_default_lexicon_loads_with_all_subkinds(lex):
    assert lex.subkinds["unlicensed"] >= {"no_license", "expired", "revoked_suspended",
                                          "borrowed_license", "moved_without_change",
                                          "tip_other_outlet"}
    assert lex.subkinds["price"] >= {"above_guide", "below_minimum", "dumping", "unmarked_tags",
                                     "inconsistent_price"}


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "lexicon.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_toml_error_names_the_file_and_line(tmp_path):
    path = _write(tmp_path, 'version = 1\n\n[[rules]]\nkind = "price\n')
    with pytest.raises(ConfigError) as err:
        load_lexicon(path)
    assert str(path) in str(err.value)
    assert "line 4" in str(err.value)


def test_a_bad_pattern_names_the_entry_the_pattern_and_the_line(tmp_path):
    path = _write(tmp_path, """version = 1
[[rules]]
kind = "price"
subkind = "above_guide"
patterns = [
  '超价',
  '加价(卖',
]
""")
    with pytest.raises(ConfigError) as err:
        load_lexicon(path)
    message = str(err.value)
    assert str(path) in message
    assert "rules[0].patterns[1]" in message
    assert "加价(卖" in message
    assert "第 7 行" in message


@pytest.mark.parametrize("body,expected", [
    ('[[rules]]\nkind = "smuggling"\nsubkind = "x"\npatterns = ["a"]\n', "kind 应为以下之一"),
    ('[[rules]]\nkind = "price"\nsubkind = "x"\npatterns = ["{NOPE}"]\n', "未知的宏 {NOPE}"),
    ('[[rule]]\nkind = "price"\n', "未知的顶层配置项"),
    ('[cues]\nnegations = ["无"]\n', "未知的提示词列表"),
    ('[[resolutions]]\nresolves = ["price.nothing"]\npatterns = ["已整改"]\n', "price.nothing"),
    ('[normalize]\nchar_map = { "無" = "无无" }\n', "一个字符对一个字符"),
])
def test_invalid_lexicon_content_is_refused(tmp_path, body, expected):
    with pytest.raises(ConfigError) as err:
        load_lexicon(_write(tmp_path, "version = 1\n" + body))
    assert expected in str(err.value)


@pytest.mark.parametrize("rule,expected", [
    ('state = ["过期"]\nreach = 99\n', "reach 应为 0 至 60 的整数"),
    ('state = ["过期"]\nwithin = "note"\n', "within 应为以下之一"),
    ('reach = 5\n', "reach 只能与 state 一起使用"),
    ('state = ["过期("]\n', "rules[0].state[0]"),
    ('state = []\n', "state 至少需要一个模式"),
])
def test_invalid_state_rules_are_refused(tmp_path, rule, expected):
    body = f'[[rules]]\nkind = "unlicensed"\nsubkind = "expired"\npatterns = ["证"]\n{rule}'
    with pytest.raises(ConfigError) as err:
        load_lexicon(_write(tmp_path, "version = 1\n" + body))
    assert expected in str(err.value)


def test_a_company_state_rule(tmp_path):
    lex = load_lexicon(_write(tmp_path, """extends = "default"
[[rules]]
kind = "unlicensed"
subkind = "expired"
name = "牌照黄了 (local slang)"
patterns = ['牌照']
state = ['黄了']
requires = ["selling"]
"""))
    assert ("unlicensed", "expired") in subkinds("他家牌照早就黄了，烟照卖", lex)
    assert kinds("他家牌照早就黄了，烟不卖了", lex) == set()
    assert kinds("牌照还行，生意黄了，烟照卖", lex) == set()  # another clause


def test_a_missing_file_is_an_error_not_the_default(tmp_path):
    with pytest.raises(ConfigError):
        load_lexicon(tmp_path / "missing.toml")


def test_a_custom_file_replaces_the_default(tmp_path):
    lex = load_lexicon(_write(tmp_path, """version = 1
[[rules]]
kind = "unlicensed"
subkind = "no_license"
name = "白板店"
patterns = ['白板店']
"""))
    assert kinds("发现一家白板店在卖烟", lex) == {"unlicensed"}
    assert kinds("该户超价销售", lex) == set()  # the default words are not there


def test_an_error_in_an_extending_file_is_numbered_as_in_that_file(tmp_path):
    path = _write(tmp_path, """extends = "default"
[[rules]]
kind = "price"
subkind = "above_guide"
patterns = ['[卖高价']
""")
    with pytest.raises(ConfigError) as err:
        load_lexicon(path)
    assert "rules[0].patterns[0]" in str(err.value)
    assert "第 5 行" in str(err.value)


def test_extends_default_adds_company_words(tmp_path):
    lex = load_lexicon(_write(tmp_path, """extends = "default"
[[rules]]
kind = "unlicensed"
subkind = "no_license"
name = "白板店 (company slang)"
patterns = ['白板店']

[cues]
negation_before = ['查无']
"""))
    found = scan_note("发现一家白板店在卖烟", lex)
    assert [f.rule for f in found] == ["unlicensed.no_license: 白板店 (company slang)"]
    assert kinds("该户超价销售", lex) == {"price"}  # the defaults are kept
    assert kinds("经查，查无白板店", lex) == set()


# --- structured price check ---------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    ("２３元/条", 23.0),
    ("23.5元", 23.5),
    ("¥23", 23.0),
    ("￥２３", 23.0),
    (23, 23.0),
    (23.5, 23.5),
    ("23.00 元/条", 23.0),
    (" 1,200 ", 1200.0),
    ("６．５元/包", 65.0),  # per 包 -> per 条
    (None, None),
    ("", None),
    ("  ", None),
    (float("nan"), None),
])
def test_parse_price(value, expected):
    assert parse_price(value) == expected


@pytest.mark.parametrize("value", ["abc", "23元/支", "-5", "约23", True, [23]])
def test_parse_price_refuses_garbage(value):
    with pytest.raises(ValueError):
        parse_price(value)


def test_check_observed_price():
    above = check_observed_price(700, retail_guide=650, minimum=600)
    assert above == PriceCheck("above_guide", 700.0, 650.0, 50.0, 7.69)
    below = check_observed_price(590, retail_guide=650, minimum=600)
    assert below == PriceCheck("below_minimum", 590.0, 600.0, -10.0, -1.67)
    assert check_observed_price(650, 650, 600) is None  # both bounds are compliant
    assert check_observed_price(600, 650, 600) is None
    assert check_observed_price(620, None, None) is None
    assert check_observed_price(parse_price("２３．５元/条"), 23.0, None).deviation == 0.5


# --- accuracy on the dev corpus, and speed -------------------------------------------------

@pytest.mark.skipif(not DEV_CORPUS.exists(), reason=f"dev corpus not found at {DEV_CORPUS}")
def test_dev_corpus_precision_and_recall(lex):
    with DEV_CORPUS.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for label, kind in (("unlicensed", "unlicensed"), ("price_violation", "price")):
        tp = fp = fn = 0
        for row in rows:
            truth = row[label].strip() == "1"
            predicted = kind in kinds(row["note"], lex)
            tp += truth and predicted
            fp += predicted and not truth
            fn += truth and not predicted
        assert tp / (tp + fp) >= 0.95, label
        assert tp / (tp + fn) >= 0.95, label


def _scores(rows, lex) -> dict[str, tuple[float, float]]:
    scores = {}
    for label, kind in (("unlicensed", "unlicensed"), ("price_violation", "price")):
        tp = fp = fn = 0
        for row in rows:
            truth = str(row[label]).strip() == "1"
            predicted = kind in kinds(row["note"], lex)
            tp += truth and predicted
            fp += predicted and not truth
            fn += truth and not predicted
        scores[label] = (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0)
    return scores


def test_heldout_notes_precision_and_recall(lex):
    with HELDOUT_CORPUS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 120
    assert {r["unlicensed"] for r in rows} == {"0", "1"} and all(r["why"] for r in rows)
    for label, (precision, recall) in _scores(rows, lex).items():
        assert precision >= 0.95 and recall >= 0.95, (label, precision, recall)


def test_unseen_notes_precision_and_recall(lex):
    """Notes by another author, labelled by the notes-dev rules before the rules saw them."""
    with UNSEEN_CORPUS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 150 and all(r["why"] for r in rows)
    for label, (precision, recall) in _scores(rows, lex).items():
        assert precision >= 0.95 and recall >= 0.95, (label, precision, recall)


def test_second_unseen_notes_precision_and_recall(lex):
    """The second independent author's notes. Measured after the mechanisms they showed up:
    0.98 recall on both labels (two known misses: a shop seen selling after saying it
    stopped, and 中华卖55 with no guide price written), precision 1.0."""
    with UNSEEN2_CORPUS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 150 and all(r["why"] for r in rows)
    for label, (precision, recall) in _scores(rows, lex).items():
        assert precision >= 0.95 and recall >= 0.95, (label, precision, recall)


def test_third_unseen_notes_precision_and_recall(lex):
    """The third independent author's notes. After the mechanisms they showed up: 1.000
    precision and recall on both labels; asserted at the 0.95 target."""
    with UNSEEN3_CORPUS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 150 and all(r["why"] for r in rows)
    for label, (precision, recall) in _scores(rows, lex).items():
        assert precision >= 0.95 and recall >= 0.95, (label, precision, recall)


@pytest.mark.parametrize("corpus", ROUND5_CORPORA, ids=[p.stem for p in ROUND5_CORPORA])
def test_round5_notes_precision_and_recall(lex, corpus):
    """After the kinds of language they showed up were added as general cues and rules (with
    examples of our own, tests/core/test_flag_context.py ROUND5_KINDS): asserted at 0.95."""
    with corpus.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 300 and all(r["why"] for r in rows)
    for label, (precision, recall) in _scores(rows, lex).items():
        assert precision >= 0.95 and recall >= 0.95, (label, precision, recall)


def test_mechanism_wordings_are_not_taken_from_the_third_unseen_notes():
    with UNSEEN3_CORPUS.open(encoding="utf-8", newline="") as fh:
        unseen = {r["note"] for r in csv.DictReader(fh)}
    assert not unseen & {n for n, _, _ in THIRD_UNSEEN_MECHANISMS}


def test_mechanism_wordings_are_not_taken_from_the_second_unseen_notes():
    with UNSEEN2_CORPUS.open(encoding="utf-8", newline="") as fh:
        unseen = {r["note"] for r in csv.DictReader(fh)}
    assert not unseen & {n for n, _, _ in SECOND_UNSEEN_MECHANISMS}


def test_wordings_are_not_taken_from_the_unseen_notes():
    with UNSEEN_CORPUS.open(encoding="utf-8", newline="") as fh:
        unseen = {r["note"] for r in csv.DictReader(fh)}
    assert not unseen & {n for n, _, _ in OTHER_WORDINGS}


def test_heldout_notes_are_not_taken_from_the_dev_corpus():
    if not DEV_CORPUS.exists():
        pytest.skip("dev corpus not found")
    with HELDOUT_CORPUS.open(encoding="utf-8", newline="") as fh:
        held = {r["note"] for r in csv.DictReader(fh)}
    with DEV_CORPUS.open(encoding="utf-8-sig", newline="") as fh:
        dev = {r["note"] for r in csv.DictReader(fh)}
    assert not held & dev


@pytest.mark.skipif(not (SAMPLE_LABELS.exists() and SAMPLE_VISITS.exists()),
                    reason="sample data not generated")
def test_sample_answer_key_precision_and_recall(lex):
    """The sample territory's notes (another author) against its answer key, joined by the
    same loader as bench/eval_flags.py --corpus sample."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("eval_flags", REPO / "bench" / "eval_flags.py")
    eval_flags = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(eval_flags)
    rows = eval_flags.load_corpus(SAMPLE_LABELS, SAMPLE_VISITS)
    assert len(rows) > 1000
    for label, (precision, recall) in _scores(rows, lex).items():
        assert precision >= 0.95 and recall >= 0.95, (label, precision, recall)


def test_the_first_character_lookahead_keeps_every_match(lex):
    """Patterns are compiled with a lookahead for their first characters (speed): the
    matches must be those of the plain pattern."""
    import re

    from cmgr.core.flag_rules.prefilter import _first_chars

    notes = [n for n, *_ in RULES + HELD_OUT + NOT_FLAGGED + LICENCE_STATES + PRICE_WORDS]
    notes = [normalize_text(n) for n in notes]
    checked = 0
    for rule in lex.rules:
        for piece in rule.pieces:
            plain = piece.regex.pattern
            if plain.startswith("(?=["):
                plain = plain[plain.index("])") + 2:]
                checked += 1
            plain_re = re.compile(plain, re.IGNORECASE)
            for note in notes:
                assert ([m.span() for m in piece.regex.finditer(note)]
                        == [m.span() for m in plain_re.finditer(note)]), (plain, note)
    assert checked > 50
    assert _first_chars("(?:烟草)?许可证|烟证") == {"烟", "许"}
    assert _first_chars("(?<!a)x*证") == {"x", "X", "证"}
    assert _first_chars(".证") is None and _first_chars("a?") is None


def test_the_city_price_list_is_consistent_with_its_visit_generator():
    """bench/gen_city.py: the names the visit generator checks as unlisted stay out of the
    city price list, and no spec is so cheap that a below-minimum price goes negative."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_city", REPO / "bench" / "gen_city.py")
    gen_city = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_city", gen_city)  # its dataclasses look their module up
    spec.loader.exec_module(gen_city)
    unlisted = {normalize_name(n) for n in gen_city.sample.UNLISTED_SKU_NAMES}
    for seed in (gen_city.DEFAULT_SEED, 1, 2, 3):
        skus = gen_city.extended_catalogue(seed)
        assert not {normalize_name(s.name) for s in skus} & unlisted
        assert all(s.min_price is None or s.min_price > gen_city.MAX_UNDERCUT for s in skus)


def test_scanning_is_fast(lex):
    notes = [note for note, *_ in RULES + HELD_OUT + NOT_FLAGGED + LICENCE_STATES] * 40
    started = time.process_time()
    for note in notes:
        scan_note(note, lex)
    per_note = (time.process_time() - started) / len(notes)
    # A guard against a runaway rule (a pattern that backtracks), not the speed figure: that is
    # bench/eval_flags.py --speed and bench/bench_flags.py. These notes are all "hard" ones and
    # take 140-230 µs each on a two-core machine whose speed varies by a third from run to run.
    assert per_note < 500e-6, f"{per_note * 1e6:.0f} µs per note"


def test_a_runaway_note_stays_fast(lex):
    started = time.process_time()
    found = scan_note("超价，" * 5000 + "已整改", lex)
    assert time.process_time() - started < 2.0
    assert found == []  # the remedy closes what comes before it in its sentence
