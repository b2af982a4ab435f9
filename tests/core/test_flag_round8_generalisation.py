"""Round 8: the kinds of miss the round-8 corpora showed, each on notes written for these tests
(not taken from the corpora): checklist marks, prices against a guide price the note states,
somebody other than the holder running the shop, tips and problems resolved in the note, and
dialect and typing slips.

Each case: the note and the kinds it reports (U unlicensed, P price, N neither).
"""

from __future__ import annotations

from cmgr.core.flag_rules import load_lexicon, scan_note
from tests.core.flag_corpus import round_tests

LEX = load_lexicon()
U, P, N, UP = {"unlicensed"}, {"price"}, set(), {"unlicensed", "price"}

CASES = [
    # checklist marks: an item name with a fail mark is the problem, with a pass mark it is not
    ('许可证 ✓ 价签 ✗ 有五六个品规空着', P),
    ('证 ✗（还没批） 柜台在卖 √', U),
    ('价 ×（黄鹤楼多收两块） 证 √', P),
    ('价签NG 其余OK', P),
    ('价签OK 证OK 陈列NG', N),
    ('明码标价: 部分 | 许可证: 有效', P),
    ('价格 不合格：云烟卖25（应22）', P),
    ('证 √ 价 √ 卖 √', N),
    ('√价签 √证照 ×卫生', N),
    ('小卖部 ✓；水果摊边上那个三轮 卖散烟 无证 ×；五金店 ✓', U),
    ('无证：无 乱价：有（同一款两个价） 价签：有', P),
    ('超价：无 低价：无 无证：无', N),
    ('过期 无 / 借证 无 / 变更 无 / 超价 无', N),
    ('证无；在售是', U),
    # prices against a guide or minimum price the note states, per 包 or per 条
    ('芙蓉王卖28（应25）', P),
    ('红塔山 指导价一条100 该户一条卖120', P),
    ('云烟一条卖190，批发价都要205，等于赔着卖', P),
    ('黄金叶一包卖的十五块，指导价是十三', P),
    ('玉溪一条整到二百六，指导价二百三', P),
    ('娇子批发价一包都要九块，他卖八块', P),
    ('南京 标12 收我14', P),
    ('利群每条多 20，一包多 2', P),
    ('白沙卖到二十一包，问他为啥这么贵，他说进价涨了', P),
    ('玉溪已经按二十五卖了，指导价二十三', P),
    ('云烟卖21（应21）', N),
    ('他交了电子结算的手续费，说利润薄', N),
    # one product, several prices
    ('同一款白沙，有人卖十一有人卖十二', P),
    ('黄山价签有标14的有标15的', P),
    ('老顾客来买收20，生人来买收22', P),
    ('这家看人要价，外地人就多收', P),
    ('红河有三个价', P),
    # tags missing, out of date, or to be made later
    ('价格牌牌一个都没挂', P),
    ('价签被顾客扯掉了几个，还没补', P),
    ('抽了8个品规，有价签5个，缺3个', P),
    ('货架上的烟无一标价', P),
    ('价签没剩几张了', P),
    ('价签还是前年的，好几个品规价格早变了', P),
    ('老板说过两天去印价签，今天柜台一个价都没有', P),
    ('价签还没来得及贴，新到的烟就摆上了', P),
    ('价签：有 字有点小', N),
    # somebody other than the holder runs the shop (the operator is not the holder)
    ('现在经营者是持证人的外甥，证一直没变更', U),
    ('店里一直以前店主名义在卖烟，证没过户', U),
    ('这个月店其实是老板的表弟在看，证是老板的，老板出去打工了', U),
    ('他外甥用的是他的证，在镇上又开了一家', U),
    ('证是隔壁饭店老板的，说是借来用的', U),
    ('柜台卖烟的是另外一个人，证上是老张', U),
    ('拿着他哥的证复印件摆着卖烟', U),
    ('证上的名字是他前夫，现在店是她一个人开', U),
    ('证上名字是她老公，老公也天天在店里', N),
    # a tip about another outlet, checked and found over
    ('听说菜场门口有人无证卖烟，去看了一下没有烟，只卖早餐', N),
    ('那个无证的报亭，已经把烟全撤了，不卖了', N),
    ('隔壁是无证的，老板当场表示以后不卖了，柜台已经清空了', N),
    ('隔壁无证卖烟，店主说会停，烟还在卖', U),
    ('居民楼里有人在微信上卖香烟，送货上门', U),
    # fixed on the spot or told fixed
    ('价签掉了三个，帮他贴回去了', N),
    ('价签写23收25，当场让他退了两块，现在按23收', N),
    ('前阵子一个烟两个价，现在统一了', N),
    ('上次价签不齐，这次去看摆得整整齐齐', N),
    ('之前乱价的事，他都改过来了，没问题了', N),
    ('说是超价，经核实系收银员输错了', N),
    ('顾客说他家不标价，我去看了，是他乱说', N),
    ('价签写错了，实际按23收，新价签还没打', P),
    ('价签还是旧价，老板忘改了', P),
    # negations, intentions, rules told, history
    ('无证经营及价格违规均未发现', N),
    ('群众反映的无证卖烟情况不属实', N),
    ('说要加价卖，被我劝住了', N),
    ('跟他讲了证过期还卖会按无证经营处理，他的证还有两年', N),
    ('我寻思他证过期了，一看还有半年', N),
    ('前些年他因为超价被罚过，现在很规矩', N),
    ('证还有两个月到期，提醒他早点续', N),
    ('巡查时发现桥头有个无证烟摊', U),
    ('上午专卖来查过，说他证过期，下午去看照样在卖', U),
    # dialect words and typing slips
    ('许可证已经倒期半个月，还在卖', U),
    ('价签压根木贴', P),
    ('证木批下来，柜台已经有烟卖', U),
    ('之前价签唔齐，今日补返晒', N),
    ('证仲係旧铺地址，冇改，新铺卖紧烟', U),
    ('这家搬了地方，证没整变更，新店照卖', U),
    ('证都莫得，柜台摆起一排烟', U),
    ('xkz没有 烟照卖', U),
    ('他家证的有效期到上周，过期了，烟照卖', U),
    ('南京写的13，指导价12', P),
    # a price compared with the guide price it names, the number in between
    ('云烟卖二十五一包，比指导价二十二高', P),
    ('玉溪一包卖19，比批发价21还低', P),
    # a licence said missing twice, a negation closed by its own object, a suspended licence
    ('柜台在卖烟 没有许可证 无证经营', U),
    ('摆摊卖烟 啥证都没有 价签也没贴', UP),
    ('专卖暂停了许可证，烟照卖', U),
    ('柜台里好几个烟没价签', P),
    # a tag showing the old price, a price charged to a customer, two prices said plainly
    ('价签上写的还是旧价，收的是新价', P),
    ('中华标45，收客48', P),
    ('同一款云烟，前面标22，后面标23，两个价', P),
    ('他家价钱标得不对', P),
    ('问了两个店员，都是一个价', N),
]


def test_a_fail_mark_is_a_no_without_pass_marks_in_the_note():
    """× after a problem word is a "no" in a note that ticks nothing with √ (超价 ×)."""
    assert scan_note("超价 × 无证 ×", LEX) == []
    assert {f.kind for f in scan_note("超价 × 无证 × 陈列 √", LEX)} == {"unlicensed", "price"}


def test_a_guide_price_in_brackets_is_compared_with_the_price_before_it():
    [finding] = scan_note("芙蓉王卖28（应25）", LEX)
    assert finding.kind == "price" and "28" in finding.rule and "25" in finding.rule


def test_the_owner_word_after_a_tip_is_the_other_outlets_owner():
    """店主 after a tip about the shop next door is that shop's owner: its remedy closes the tip;
    a remedy said of the visited shop (该户) does not."""
    assert scan_note("隔壁是无证的，店主当场把烟全收起来了", LEX) == []
    assert {f.kind for f in scan_note("隔壁是无证的，该户当场把烟全收起来了", LEX)} == {"unlicensed"}


# The 0.95 target, kept after tuning (docs/flag-rules.md, round 8): (unlicensed P, R, price P, R).
FLOORS = {
    "flag_round8k_notes": (0.95, 0.95, 0.95, 0.95),
    "flag_round8l_notes": (0.95, 0.95, 0.95, 0.95),
}
(
    test_round8_generalisation,
    test_own_wordings_are_not_taken_from_the_round8_corpora,
    test_round8_corpora_as_regression_sets,
) = round_tests("8", CASES, FLOORS, LEX, stretch=None)
