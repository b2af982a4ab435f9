"""Round 15: the kinds of price miss and false alarm the round-15 corpora showed (voice input
with homophone slips, spoken numbers and dialect, WeChat threads pasted in; hurried template and
checklist notes, pinyin initials, long run-on notes), each on notes written for these tests (not
taken from the corpora).

Each case: the note and the kinds it reports (U unlicensed, P price, N neither).
"""

from __future__ import annotations

from cmgr.core.flag_rules import load_lexicon
from tests.core.flag_corpus import round_tests

LEX = load_lexicon()
U, P, N, UP = {"unlicensed"}, {"price"}, set(), {"unlicensed", "price"}

CASES = [
    # -- price (round 15)
    # a negated licence (没证, 没有证) ends its negation before what the shop goes on doing or the
    # brand after it: the price there is not negated
    ('那个报刊亭没有证 还卖利群二十二 指导价十九', UP),
    ('路口烟摊没证 黄山十八一包 指导价十五', UP),
    ('没有发现超价，也没有发现无证', N),
    # the price labels: paid on a test purchase (付了), what the till scans in Chinese numerals
    # (扫出来二十二), written on a shelf (冰柜上写) or a tag (写的十五), a tag as changed (价签换了 N)
    ('暗访买了一包南京 付了十五 指导价十二', P),
    ('买了一包黄山 付了十五 指导价十五', N),
    ('冰柜上写二十 收银扫出来二十二', P),
    ('柜台上写十九 扫出来也是十九', N),
    ('群里照片：这款南京写的十五，指导价十二', P),
    ('西门那家利群标二十五的 今天去了\n价签换了 二十一 买了一包 收二十一', N),
    # tags half made, left undone out of laziness, still at the old prices; no prices at all;
    # the checklist shorthand mbj (明码标价) and 执行指导价 failed
    ('新到的几款价签只打了一半', P),
    ('价签嫌麻烦懒得贴', P),
    ('调价两个月了 货架上价签都还是旧价钱', P),
    ('柜台里的烟价钱都没有，全靠嘴说', P),
    ('价钱也没有变，跟上月一样', N),
    ('证照 √ mbj ×', P),
    ('mbj √', N),
    ('证照 √ 执行指导价 ×', P),
    ('执行指导价 √', N),
    # one product priced differently by turns or on two visits, two tag prices of one product
    ('问利群多少钱 他一会儿说二十一会儿说二十二', P),
    ('头一回收我黄山十六 第二回收十八', P),
    ('第一回收十六 第二回也收十六', N),
    ('玉溪标价有两张 一张二十三一张二十五', P),
    ('价签有两张 一张二十三一张二十三', N),
    # the shop putting its price up on its own; a wholesale rise is not it
    ('这阵子利群紧俏 他就涨了点价', P),
    ('听说厂家批发又涨了点价', N),
    # the carton's price against its packs sold split
    ('黄山整条卖一百六 拆开单包卖十八', P),
    ('黄山整条一百六 单包十六', N),
    # 照卖 is now: a 去年 before it dating the licence does not make the tag problem history
    ('证前年就过期了 烟照卖 价签都有 就是南京标十二实际收十四', UP),
    # 软华 / 硬华 are 软/硬中华
    ('价签:硬华45，收50', P),
    ('软华一包70 指导价65', P),
    # remedies: a report found false (误传, the customer remembered wrong), tag and takings at
    # the guide price, tags renewed, finished by the time the manager left or put up at once,
    # the till and the tag agreeing now, the shop selling at the guide price now
    ('群里说东门有家加价，去看了，是误传', N),
    ('那天说他多收钱，是那位顾客记错了', N),
    ('标二十收二十二，老板说是顾客听错了', P),
    ('有人反映他家黄山偏贵，查了标价跟收银流水，都是指导价', N),
    ('上回乱标价那家，这回价签全都换成新的了', N),
    ('有几款没价签，他正在贴，走的时候贴完了', N),
    ('南京没价签，店员马上从柜子里拿出一张贴上了', N),
    ('价签和收银对不上，老板改了系统，重扫一次一致了', N),
    ('之前超价的那户，今天去看按指导价在卖了', N),
]


# The floors: (unlicensed P, R, price P, R) with the rules alone (as round_tests scores), price at
# what the round-15 price tuning reaches, unlicensed at the branch start's rules figures
# (docs/flag-rules.md, round 15), truncated to 3 decimals.
FLOORS = {
    "flag_round15a_notes": (0.971, 0.944, 1.00, 0.986),
    "flag_round15b_notes": (0.957, 0.918, 1.00, 0.909),
}
(
    test_round15_generalisation,
    test_own_wordings_are_not_taken_from_the_round15_corpora,
    test_round15_corpora_as_regression_sets,
) = round_tests("15", CASES, FLOORS, LEX)
