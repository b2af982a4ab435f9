"""Round 13 (price_violation): the kinds of price miss and false alarm the round-13 corpora
showed (voice dictation and WeChat shorthand; checklists, Cantonese and traditional characters),
each on notes written for these tests (not taken from the corpora).

Each case: the note and the kinds it reports (P price, N neither).
"""

from __future__ import annotations

from cmgr.core.flag_rules import load_lexicon
from tests.core.flag_corpus import round_tests

LEX = load_lexicon()
P, N = {"price"}, set()

CASES = [
    # the shorthand zd (指导) before a price: compared like a written guide price
    ('利群卖19 zd16 老板说进价涨了', P),
    ('南京卖12 zd价12 没毛病', N),
    # the slip 米有 (没有) before a verb of tagging
    ('新进的几款烟价签米有贴', P),
    # Cantonese: 高过 (高于) a guide price, 指导系 (指导是) a number, 旧年 (去年), 即刻 (当即)
    ('玉溪卖30蚊，高過指導價好多', P),
    ('整條收700，指導係650', P),
    ('旧年超价被罚过，今次睇过冇问题', N),
    ('利群收20，指导17，叫佢改，佢即刻改返17', N),
    # the slip 准被 (准备): a plan, not a case
    ('老板准被过两天涨价卖，跟他说了不行', N),
    # tags half gone, not yet made, a product without one, none at all, a slot left empty
    ('柜台价签又掉了一半', P),
    ('那几款新烟的价签都还没来得及打', P),
    ('利群跟黄山都还没签', P),
    ('整排烟一个价钱都没有标', P),
    ('价签卡掉了以后那一格一直空着没补', P),
    ('烟柜冇晒价签，话听日补', P),
    ('价签掉了一半，当场帮他都贴回去了', N),
    ('合同还没签，下周再谈', N),
    # prices told as written anyhow, a checklist's price item failed
    ('价格也是乱写的', P),
    ('证照 √ 卖价 × 陈列 √', P),
    ('证照 √ 卖价 √ 陈列 √', N),
    # resold at a mark-up
    ('宾馆前台拿烟加价转卖给住客', P),
    # what a self-service till shows against the tag; a tag in Chinese numerals against the charge
    ('自助收银机上显示28，价签写的是26', P),
    ('黄山贴的十五 结账收十七', P),
    # a discount on the cigarettes, a brand at N折; charged to someone, the brand after
    ('开业三天，烟也打折了', P),
    ('利群打8折清货', P),
    ('搞活动零食打折，烟不打折', N),
    ('老板收熟客利群21 柜台标19', P),
    # a price report checked and found right
    ('有人说他家利群卖贵了，去核实过柜台和收款，都正常', N),
    # a price matter told as stopped
    ('上次说的烟打折的事，过了两天就停了', N),
]

# The floors: (unlicensed P, R, price P, R), rules only as round_tests reads them. Price at what
# the round-13 price tuning reaches; unlicensed (the other helper's label) at the rules-only
# figures on this branch's start (79b9217), truncated to 3 decimals.
FLOORS = {
    "flag_round13w_notes": (0.941, 0.761, 1.000, 0.819),
    "flag_round13x_notes": (0.934, 0.898, 0.986, 0.912),
}
(
    test_round13_generalisation,
    test_own_wordings_are_not_taken_from_the_round13_corpora,
    test_round13_corpora_as_regression_sets,
) = round_tests("13", CASES, FLOORS, LEX)
