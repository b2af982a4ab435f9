"""Round 12: the kinds of price miss and false alarm the round-12 corpora showed (managers
revisiting the same shops with recurring sentences; a new hire's pinyin slips, a formal
inspection style, sales-first notes), each on notes written for these tests (not taken from
the corpora).

Each case: the note and the kinds it reports (U unlicensed, P price, N neither).
"""

from __future__ import annotations

from cmgr.core.flag_rules import load_lexicon
from tests.core.flag_corpus import round_tests

LEX = load_lexicon()
U, P, N, UP = {"unlicensed"}, {"price"}, set(), {"unlicensed", "price"}

CASES = [
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
]

# The after-tuning floors (docs/flag-rules.md, round 12): (unlicensed P, R, price P, R). Price
# at what this branch reaches; unlicensed (tuned on another branch) at its before-tuning
# figures (0.955/0.840 and 0.967/0.806), cut to three decimals below the exact fractions
# (63/66, 63/75; 58/60, 58/72) so that they hold as floors.
FLOORS = {
    "flag_round12u_notes": (0.954, 0.840, 1.00, 1.00),
    "flag_round12v_notes": (0.966, 0.805, 1.00, 1.00),
}
(
    test_round12_generalisation,
    test_own_wordings_are_not_taken_from_the_round12_corpora,
    test_round12_corpora_as_regression_sets,
) = round_tests("12", CASES, FLOORS, LEX)
