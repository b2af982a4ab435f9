"""Round 12: the kinds of unlicensed and price miss and false alarm the round-12 corpora showed
(managers revisiting the same shops with recurring sentences; a new hire's pinyin slips, a formal
inspection style, sales-first notes), and the kinds left from earlier rounds (an echo question,
a space that is a clause break, a shop name in 【】), each on notes written for these tests (not
taken from the corpora).

Each case: the note and the kinds it reports (U unlicensed, P price, N neither).
"""

from __future__ import annotations

import pytest

from cmgr.core.flag_rules import load_lexicon, scan_note, trace_note
from cmgr.core.flag_rules.normalize import _normalize_plain, _normalize_with_map
from cmgr.errors import ConfigError
from tests.core.flag_corpus import round_tests

LEX = load_lexicon()
U, P, N, UP = {"unlicensed"}, {"price"}, set(), {"unlicensed", "price"}

CASES = [
    # an echo question: a plain statement with a "?" and no question word, the case going on in
    # the next sentence; a real question when the next sentence answers no, or none follows
    ('没证？都卖三四年了', U),
    ('证被注销了？查了系统确实注销了，柜台还摆着烟卖', U),
    ('证过期了？老板说没有，有效期到后年，烟在卖', N),
    ('证过期了还在卖？', N),
    ('无证？否。超价？否。', N),
    ('证能不能先借给亲戚用？他说不行', N),
    # a hedged licence state with "?", a complaint (凭什么) is not a question
    ('他说证好像过期了？看了一眼是上上个月到的期，烟还在卖', U),
    ('老板抱怨对面那家没证凭什么也能卖，专卖不管吗', U),
    # 零售 is retail, not a zero count; zero counts still negate
    ('夜市一个摊位无证零售香烟', U),
    ('无证0户，超价0个', N),
    # somebody called by a kin title asking, and 还能卖不
    ('李姐问证过期了还能卖不，我说不能，她的证下半年才到期', N),
    ('张叔问证到期了还能卖不', N),
    # about to expire (又要到期了), years left (还有好几年)
    ('老板说他的证又要到期了，让他早点去续', N),
    ('证还有好几年才到期，烟在卖', N),
    # a licence change not done or still pending, while the shop sells
    ('店交给外甥打理，经营者变更还没批下来，烟照常卖', U),
    ('接手的人讲变更材料报上去了还没批，这几天是他在卖烟', U),
    ('许可证变更申请交了还没批，这期间烟都收起来了，暂时不卖', N),
    ('过户手续办好了，证上现在是他自己的名字', N),
    ('店主前年病故后证没办变更，现由女儿经营，柜台照样卖烟', U),
    # moved: the old licence at the new shop, 搬了店面, the licence address not this shop's, the
    # licence address asked about and not changed
    ('还用着旧证，新店也卖烟', U),
    ('搬了店面以后没去办变更，照样卖烟', U),
    ('许可证上的登记地址不是本店地址，烟在卖', U),
    ('搬到菜场后门了，烟在卖，问他证上地址改了没，他讲还没去改', U),
    ('搬到菜场后门了，烟在卖，问他证上地址改了没，他讲早就改好了', N),
    ('兴隆百货搬到新址后没办变更，照样卖烟', U),
    # somebody else's licence: held (持), bought from someone, a holder from elsewhere, a shop
    # taken over with the licence unchanged
    ('他一直持他表哥的许可证在卖烟', U),
    ('证是从外村一个人那里买来的，挂在店里卖烟', U),
    ('这店是从老周手里盘下来的，证一直没过户，烟照卖', U),
    ('持证人为外省人员，店里是别人在卖', U),
    # cancelled, as the system shows it; not yet issued (核发); planning to apply, already selling
    ('看了一下他的证，系统里显示已经吊销，他还接着卖', U),
    ('许可证尚未核发，柜台已经摆烟卖了', U),
    ('他说回头再去办证，现在先卖着', U),
    ('老板打算月底去办证，证下来之前一包都不卖', N),
    # a licence not shown, checked and found valid; or found cancelled
    ('店员拿不出许可证，查了下系统，许可证是有效的', N),
    ('店员拿不出许可证，查了下系统，许可证已经注销了', U),
    # selling: handing over cigarettes for money; a stop contradicted by a pack sold after it
    ('证注销以后说不卖了，结果路过看见他递烟收钱', U),
    ('证注销了还在卖，烟柜倒是撤了，可我亲眼见他卖了两包', U),
    # a remedy told as expected in a few days is not done
    ('证还没批下来就卖上了，说批下来也就这两天', U),
    # closed down, told by the neighbours (旁边说 is a speaker, not another outlet)
    ('上回那个没证的小卖部，今天去看卷帘门拉着，旁边说不干了', N),
    # a space that is a clause break: 没有 then the selling (没有 在卖 is not 没有在卖)
    ('许可证 没有 在卖烟', U),
    ('听说路口那家没证 我去看了 确实没有 在卖', U),
    ('听说路口那家没证 我去看了 确实没有在卖', N),
    # rule talk does not reach across a statement of selling (没证 小孩在买 得管管: a case)
    ('文具店 偷着卖散烟 没证 小孩在买 得管管', U),
    ('没证卖烟肯定要查的', N),
    # a shop's name in 【】 is a name, not a heading: the words before it still reach the case
    ('去年【福来超市】没证卖过烟', N),
    ('去年【福来超市】没证，现在还在卖', U),
    ('隔壁【福来超市】没证，天天在卖烟', U),
    ('【证照】无【价格】齐', U),
    # more of the same kinds, written after the corpora were fixed
    ('证过期了？我看了下还有三个月才到期', N),
    ('证要到期了还没续，烟在卖', N),
    ('他说准备下个月办证，烟已经进了在卖', U),
    ('已经办证了，现在在卖', N),
    ('许可证地址变更还没批，店还没搬，在原址照常卖', N),
    ('经营者还没办变更，新老板在卖烟', U),
    ('用的是他岳父名下的许可证卖烟', U),
    ('该户持有效许可证经营，亮证规范', N),
    ('日用百货没标价，烟价签齐', N),
    # -- price (the price round)
    # brands written short (软中/硬中 for 软/硬中华, 华子) and a single pack's price (单包N)
    ('华子一包五十八，指导价是五十', P),
    ('硬中单包52，指导价45', P),
    ('软中单包65，指导价65，一样', N),
    # singles dearer than the carton (拆开卖要加价, 收拆条费)
    ('黄山拆开卖要加价，整条才按指导价', P),
    ('零卖的白沙还要收拆零费', P),
    ('散卖也不加价，跟整条一个价', N),
    ('老板说单包加价的事他从来不干', N),
    # a price, then the verdict alone (又超, 也超)
    ('红河十三 又超 问他他不吭声', P),
    ('宽窄标二十 也超', P),
    ('宽窄标二十 没超', N),
    # several prices, then one verdict (…，全都偏高)
    ('红塔山卖十，宽窄卖二十，全都偏高', P),
    # back at the old price, told as a recurrence (又卖N 老毛病, 屡教不改)
    ('钻石又卖二十二 老毛病了 上周刚说过', P),
    ('这户屡教不改，双喜又收十五了', P),
    ('钻石又卖完了 下周补货', N),
    # said to be fixed, and the price still what it was
    ('问了，他说已经调回来了，结果还是收二十一', P),
    ('问了，他说已经调回来了，今天按十九收', N),
    # tags: 不贴价, taken down and not put back, fallen off, "still less", few of many tagged
    ('苏烟卖四十 不贴价 问了才说', P),
    ('换货架那天价签全撤了，一直没挂回去', P),
    ('价签有好几张都掉了，老板在忙没顾上', P),
    ('价签掉了两张，当场帮他贴回去了', N),
    ('证照挂着，价签那就更没有了', P),
    ('三十来个品规只有六个有价签', P),
    ('三十来个品规都有价签', N),
    # one price per counter, another each time asked, prices in a mess, one item two tags
    ('一个柜台三个价，一个货架又是一个价', P),
    ('一个货架一个价签，都对得上', N),
    ('同一包问了三回说了三个价', P),
    ('这家价格乱的很，自己都记不清', P),
    ('同一款宽窄，标价分别为19元和21元', P),
    ('宽窄和红河标价分别为19元和11元', N),
    ('系统价与价签对不上，差两块', P),
    # wholesale written without 价 (低于批发, 比批发还低)
    ('南京卖十块 低于批发 说是清货', P),
    ('红塔山卖八块，比批发都便宜', P),
    ('没有低于批发的情况', N),
    # the till system's price against the tag (系统里是N, 系统N元)
    ('红河价签写11，系统里是12', P),
    ('红河价签写11，系统里也是11', N),
    # a tag on a board (牌子写N), the tag still saying N (还是写N), a tag said of a brand
    ('宽窄条烟收220 牌子写200', P),
    ('1. 价签南京12 2. 实收13', P),
    ('1. 价签南京12 2. 实收12', N),
    # a guide price asked back (指导价不是N吗), and a minimum of N多 (四百多)
    ('黄鹤楼卖25，指导价不是二十吗，他说进货涨了', P),
    ('苏烟一条卖四百 批发都要四百多', P),
    ('苏烟一条卖五百 批发四百多', N),
    # the guide price stated elsewhere in a long note, the brand the same
    ('指导价宽窄19。今天送货车晚了。老板在理货。他宽窄卖21一包', P),
    ('指导价宽窄19。今天送货车晚了。老板在理货。他红河卖15一包', N),
    # a "?" after a price charged is surprise, not a question; a guess about what he said
    ('红河标十一卖十二? 说没零钱找', P),
    ('苏烟卖45一包，指导价40，问他他说厂家涨价了??', P),
    ('红河卖多少?', N),
    # negation over two coordinated price problems (无超价、低价现象)
    ('抽查十个品规，无超价、压价行为', N),
    # intentions (也考虑降价卖), and a promotion whose cigarettes may not be cheaper
    ('老板说要是对面降价，他也考虑降价卖', N),
    ('说想搞买烟送纸巾，我讲纸巾能送，烟不能降价', N),
    # remedies: the price now N on a re-check, put up in front of the manager, a fine paid
    # and put right, a re-check finding the prices right, a complaint found a misunderstanding
    ('上回说的红河超价，这回去看已经是十一了', N),
    ('上回红河超价，这回去看又是十三了', P),
    ('有几个没价签，老板当着我的面写好贴上了', N),
    ('前阵子乱价挨了处罚，已交了罚款并整改完毕', N),
    ('前期价签不全，这次复查价格执行到位', N),
    ('有顾客投诉他多收钱，问了一下，误会', N),
    # a remedy the note contradicts (说已经改了，还是卖N); a change by somebody unknown
    ('上次宽窄超价，他讲已经改了，今天看还是卖21', P),
    ('价签写20，收银系统是22，店员说系统被人改了', P),
    # pinyin slips: 一调 (一条), 已整该 (已整改); 调整该户 is left alone
    ('红河一调八十 批发都要九十多', P),
    ('价签缺了几个，已整该', N),
    ('调整该户的订货量，价签缺了几个', P),
    # the charged price equal to the guide after the tag was put right is no second case
    ('宽窄标的21，指导价19，当场改成19了，现在按19卖', N),
    # -- regression corpora (6d, 9m, 10q): the kinds of price miss left on rounds 6d, 9m and
    # 10q (issue 12), in this project's own words
    # one verdict for a counted list of prices (两样都贵了), also in English (both sku都超)
    ('白沙十一、红河十二，两样都贵了', P),
    ('南京卖十二，黄山卖十五，两款都不贵', N),
    ('hongta 11, baisha 12, both sku都超', P),
    # English guide, compared (比guide贵) or exceeded by a sum (超 guide 3块)
    ('这户price比guide贵，利群21', P),
    ('利群卖21，超 guide 3块', P),
    # English "sell N" is the price charged
    ('白沙 sell 12, guide 11', P),
    ('白沙 sell 11, guide 11, ok', N),
    # below the guide by a sum, unless called allowed
    ('芙蓉王条价230，指导价250，低了二十', P),
    ('芙蓉王条价248，指导价250，少了两块，在允许范围内', N),
    # two prices said in English
    ('红河有两个price，柜台12收银台13', P),
    ('红河只有一个price', N),
    # the price charged to one customer against the tag
    ('黄山标十五，看见他收一个学生十七', P),
    ('黄山标十五，收一个学生十五', N),
    # zero price tags
    ('烟柜zero price tags, boss说明天打印', P),
    # the tags counted: those with one and those without
    ('三十个规格有价签的是二十五个，剩下五个都没有', P),
    ('有价签的是二十五个，剩下五个都没有，当场帮他补齐了', N),
    # the writer asking why (问老板…为啥) is told the fact; asking whether is a question
    ('问老板价签为啥缺了两张，说是被风吹掉了', P),
    ('问价签不全要不要罚', N),
    # "not even one ..." closes its own object
    ('价签一张像样的都没有，好几款烟没标价', P),
    # the shop's excuse is no finding that it is untrue; a check that finds the error is
    ('白沙价签11，扫码收款记录显示12，老板解释是店员按错了', P),
    ('白沙价签11，扫码记录显示12，经核实是店员按错了，已当场退还差价', N),
    ('红塔山标10收11，已当场退还顾客差价', N),
    # a tip checked and found wrong
    ('隔壁老板说这家比指导价卖得低，我去看了一下，都按价签收，隔壁说的不对', N),
    # a loose cigarette's price reckoned per pack in brackets
    ('利群拆包卖，每支1.5元(合30元/包)，指导价17元/包', P),
    # said to be fixed, the price still what it was
    ('上回芙蓉王卖贵，老板说改了，今天看还是二十八', P),
    # a price ticked failed in a checklist
    ('南京条130 包13 ×', P),
    ('南京条120 包12 √', N),
    # the rule told, not a case
    ('老板问卖低一点行不行，我说低于批发价是不允许的', N),
]


def _outcomes(note: str) -> list[str]:
    return [t.outcome for t in trace_note(note, LEX) if t.kind == "unlicensed"]


def test_an_echo_question_is_a_statement_but_a_denied_one_stays_a_question():
    """证被吊销了？ followed by the case is the writer's surprise; followed by 没有 it was asked."""
    assert "flagged" in _outcomes("证被吊销了？老板说去年就吊了，现在还卖")
    assert all(o.startswith("suppressed: question")
               for o in _outcomes("证被吊销了？老板说没有，是暂停了两天又恢复了"))
    # a question word keeps it a question whatever follows
    assert all(o.startswith("suppressed: question")
               for o in _outcomes("证被吊销了怎么办？还在卖"))


def test_a_space_before_selling_after_a_bare_no_is_a_clause_break_and_keeps_spans():
    """[normalize] space_breaks: 没有 在卖 becomes 没有,在卖; other spaces between Chinese words
    are dropped as before; the finding's span is the note's own text."""
    assert _normalize_plain("证 没有 在卖", LEX.char_map, LEX.spelling) == "证没有,在卖"
    assert _normalize_plain("价签 缺失", LEX.char_map, LEX.spelling) == "价签缺失"
    note = "许可证  没有  在卖烟"
    norm, offsets = _normalize_with_map(note, LEX.char_map, LEX.spelling)
    assert norm == "许可证没有,在卖烟" and len(offsets) == len(norm) + 1
    [finding] = scan_note(note, LEX)
    assert note[finding.start:finding.end] == finding.matched


def test_a_shop_name_in_brackets_keeps_its_sentence_and_a_heading_does_not():
    """[normalize] bracket_names: 【福来超市】 becomes 〔福来超市〕 (one character for one); 【证照】
    is still a heading on a line of its own."""
    assert _normalize_plain("隔壁【福来超市】没证", LEX.char_map, LEX.spelling) == "隔壁〔福来超市〕没证"
    assert _normalize_plain("【证照】无", LEX.char_map, LEX.spelling) == "证照:无"
    [finding] = scan_note("隔壁【福来超市】没证，天天在卖烟", LEX)
    assert finding.subkind == "tip_other_outlet"


def test_a_company_lexicon_adds_space_breaks_and_bracket_names(tmp_path):
    """extends = "default": the lists are appended to the packaged ones."""
    path = tmp_path / "lexicon.toml"
    path.write_text("""extends = "default"
[normalize]
space_breaks = ['(?<=冒牌)\\s+']
bracket_names = ['【[^【】]{1,8}档口】']
""", encoding="utf-8")
    company = load_lexicon(path)
    assert _normalize_plain("他 冒牌 照卖", company.char_map, company.spelling) == "他冒牌,照卖"
    assert _normalize_plain("隔壁【阿明档口】", company.char_map, company.spelling) == "隔壁〔阿明档口〕"
    assert _normalize_plain("证 没有 在卖", company.char_map, company.spelling) == "证没有,在卖"


def test_a_bad_space_break_is_refused_with_its_key(tmp_path):
    path = tmp_path / "lexicon.toml"
    path.write_text("""extends = "default"
[normalize]
space_breaks = ['(没有\\s+']
""", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_lexicon(path)
    assert "normalize.space_breaks" in str(err.value)


# The floors: (unlicensed P, R, price P, R), at what the round-12 tuning reaches
# (docs/flag-rules.md, round 12).
FLOORS = {
    "flag_round12u_notes": (1.00, 1.00, 1.00, 1.00),
    "flag_round12v_notes": (1.00, 0.98, 1.00, 1.00),
}
(
    test_round12_generalisation,
    test_own_wordings_are_not_taken_from_the_round12_corpora,
    test_round12_corpora_as_regression_sets,
) = round_tests("12", CASES, FLOORS, LEX)
