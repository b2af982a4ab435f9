"""Round 15: the kinds of unlicensed and price miss and false alarm the round-15 corpora showed (voice
input with homophone slips, spoken numbers and dialect, WeChat threads pasted in; hurried template
and checklist notes, pinyin initials, half-English, long run-on notes), each on notes written for
these tests (not taken from the corpora).

Each case: the note and the kinds it reports (U unlicensed, P price, N neither).
"""

from __future__ import annotations

from cmgr.core.flag_rules import load_lexicon, scan_note
from cmgr.core.flag_rules.normalize import _normalize_plain
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
    # -- unlicensed (round 15)
    # a licence tip checked and found wrong: the one named has no cigarettes at all, no seller
    # was found, the licence is the operator's own, the check found a licence; a tip checked
    # and found true stays
    ('有人反映桥下那个摊子没证卖烟，过去看了，摊主卖的是烤红薯，根本没有烟', N),
    ('听说东巷有人无证卖烟，转了两圈没看到卖烟的', N),
    ('听说西头杂货店用别人的证，查了，证上就是店主本人', N),
    ('街坊说这家没证，现场核实持证经营', N),
    ('有人说东巷那家无证卖烟，去看了，柜台里摆着烟，问证拿不出来', U),
    # a hearsay tip whose teller cannot say which outlet; one who names it is a tip
    ('老板娘说这附近有人卖烟没证，问她是哪家，她也讲不清', N),
    ('老板娘说这附近有人卖烟没证，问她是哪家，她说是菜市场门口那个', U),
    ('听顾客讲小区里有人没证偷着卖烟，问是谁，顾客也答不上来', N),
    # ...but not where the licence is, or whose it is: that is the visited shop's case
    ('柜台在卖烟，拿不出许可证，问证搁哪了，他说不清楚', U),
    # the stock named (都有货, a bare 都有 ending its clause), cigarettes put on show again or
    # got from somewhere to sell, as signs of selling
    ('玉溪黄鹤楼都有货，系统里查无此户', U),
    ('中华玉溪都有货，证照齐全', N),
    ('利群南京都有 没证', U),
    ('证被暂扣了，今天路过又摆出烟了', U),
    ('证早就注销了，他从批发市场拿烟来卖', U),
    # the licence not issued said verb first (还没下证), an application turned down, selling
    ('店开了一个月 还没下证 烟先卖起来了', U),
    ('还没下证，烟柜空着', N),
    ('申请烟草证被退回，柜台照样卖', U),
    ('许可证被驳回的那家现在不卖了', N),
    # a reply that starts with a bare 没有(的): the answer, not a negation of what follows
    ('周经理：没有的 之前办证被驳回 现在还在卖', U),
    # moved, the change not needed in the owner's view; the English moved / licence not updated
    ('店从二楼挪到一楼门面，老板认为没必要变更，照常卖烟', U),
    ('relocated to unit 3 in May, licence has not been updated, it sells cigs daily', U),
    ('relocated to unit 3 in May, licence has been updated, it sells cigs daily', N),
    # the outlet let out while the licence stays with the one who let it; the taker's own
    # licence, or the licence transferred, is no case
    ('许可证是房东的，店面转租给外地老板了，现在外地老板在卖烟', U),
    ('许可证是房东的，店面转租给外地老板了，外地老板自己办了新证，照卖', N),
    ('超市包给别人了，证也过户了，烟在卖', N),
    # voice-input slips: 吴证 (无证) after an outlet or an adverb, 被主销 (被注销); a name and
    # the real word 主销 (best-selling) are kept
    ('那个烟摊也吴证，烟就摆在外面卖', U),
    ('小吴证件都带齐了，烟在卖', N),
    ('证去年被主销了，现在照样卖烟', U),
    ('这款是店里的主销品牌，卖得好', N),
]


def test_a_space_after_you_before_no_licence_and_after_a_bare_reply_ends_a_clause():
    """[normalize] space_breaks (round 15): 都有 没证 is two statements (not 有没证, the question
    form); a reply's bare 没有的 then its reason is the answer, then what follows."""
    assert _normalize_plain("利群都有 没证", LEX.char_map, LEX.spelling) == "利群都有,没证"
    assert _normalize_plain("周经理：没有的 办证被驳回", LEX.char_map, LEX.spelling) == "周经理:没有的,办证被驳回"
    assert _normalize_plain("问他有 没有 证", LEX.char_map, LEX.spelling) == "问他有没有证"


def test_voice_slips_of_wuzheng_and_zhuxiao_are_respelled_only_in_place():
    """Round 15: 吴证 after an outlet or an adverb reads 无证, 被主销 reads 被注销; 小吴证件 and
    主销品牌 are kept."""
    assert _normalize_plain("那家吴证", LEX.char_map, LEX.spelling) == "那家无证"
    assert _normalize_plain("小吴证件", LEX.char_map, LEX.spelling) == "小吴证件"
    assert _normalize_plain("证被主销了", LEX.char_map, LEX.spelling) == "证被注销了"
    assert _normalize_plain("主销品牌", LEX.char_map, LEX.spelling) == "主销品牌"
    [finding] = scan_note("证给主销了，柜台还在卖烟", LEX)
    assert finding.subkind == "revoked_suspended"



# The floors: (unlicensed P, R, price P, R) with the rules alone (as round_tests scores), at what
# the round-15 tuning of both labels reaches (docs/flag-rules.md, round 15), truncated to 3
# decimals.
FLOORS = {
    "flag_round15a_notes": (1.00, 1.00, 1.00, 0.986),
    "flag_round15b_notes": (1.00, 1.00, 1.00, 0.909),
}
(
    test_round15_generalisation,
    test_own_wordings_are_not_taken_from_the_round15_corpora,
    test_round15_corpora_as_regression_sets,
) = round_tests("15", CASES, FLOORS, LEX)
