"""综合测评: scores recomputed from their parts, eligibility, the [promo] configuration."""

from __future__ import annotations

from datetime import date

import pytest

from cmgr.config import DEFAULT_POLICY, _policy
from cmgr.core.promo import (
    PromoCandidate,
    PromoSettings,
    promo_settings,
    score_customers,
)
from cmgr.errors import ConfigError

POLICY = _policy(DEFAULT_POLICY, None)  # 1-6 一级, 7-13 二级, 14-20 三级, 21-26 四级, 27-30 五级


def cand(code, grade, *, recent=100.0, prior=100.0, amount=None, flags=0, settlement="电子结算",
         complaints=0, status=None):
    return PromoCandidate(customer_code=code, customer_name=f"店{code}", grade=grade, status=status,
                          settlement=settlement, qty_recent=recent,
                          amount_recent=amount if amount is not None else recent * 100.0,
                          qty_prior=prior, open_flags=flags, complaints=complaints)


def test_level_two_never_appears_and_reasons_are_given():
    cands = [cand("A", 13, recent=900, prior=100, amount=900 * 500),  # 二级, the best figures
             cand("B", 14), cand("C", 30), cand("D", None), cand("E", 40),
             cand("F", 20, status="已退网")]
    scores, excluded = score_customers(cands, POLICY, PromoSettings())
    totals = [s.total for s in scores]
    assert totals == sorted(totals, reverse=True)
    assert {s.candidate.customer_code for s in scores} == {"B", "C"}
    reasons = {e.candidate.customer_code: e.reason for e in excluded}
    assert set(reasons) == {"A", "D", "E", "F"}
    assert "二级" in reasons["A"] and "已退网" in reasons["F"]
    assert all(s.level >= 3 for s in scores)


def test_min_level_is_configurable():
    cands = [cand("B", 14), cand("C", 22)]
    scores, _ = score_customers(cands, POLICY, promo_settings({"min_level": 4}))
    assert [s.candidate.customer_code for s in scores] == ["C"]


def test_scores_recomputed_from_parts():
    settings = PromoSettings()
    cands = [
        cand("G1", 15, recent=120, prior=100, amount=120 * 200.0),   # +20%, 50,000 元/箱
        cand("G2", 16, recent=90, prior=100, amount=90 * 100.0, flags=1, settlement="现金"),
        cand("G3", 25, recent=50, prior=0, amount=50 * 150.0, settlement=None, complaints=2),
        cand("G4", 28, recent=0, prior=80, amount=None),
    ]
    scores, _ = score_customers(cands, POLICY, settings)
    by_code = {s.candidate.customer_code: s for s in scores}
    w = settings.weights
    for s in scores:
        expected = 100 * sum(w[p.name] * p.score for p in s.parts) / sum(w.values())
        assert s.total == pytest.approx(round(expected, 2))
        assert 0 <= s.total <= 100
    # Each part from its own figure, as documented in cmgr/core/promo.py.
    g1, g2, g3, g4 = (by_code[c] for c in ("G1", "G2", "G3", "G4"))
    assert g1.part("growth").value == pytest.approx(0.2) and g1.part("growth").score == pytest.approx(1.0)
    # -10% with floor -20% and cap +20%: a quarter of the way
    assert g2.part("growth").score == pytest.approx((-0.1 + 0.2) / 0.4)
    assert g3.part("growth").value is None and g3.part("growth").score == settings.new_customer_growth
    assert g4.part("growth").score == 0.0
    # 单箱值 = 金额 / (条 / 250); percentile rank among those with sales: G2 < G3 < G1
    assert g1.part("structure").value == pytest.approx(200.0 * 250)
    assert [g2.part("structure").score, g3.part("structure").score, g1.part("structure").score] == [0.0, 0.5, 1.0]
    assert g4.part("structure").score == 0.0 and g4.part("structure").value is None
    assert (g1.part("compliance").score, g2.part("compliance").score) == (1.0, 0.0)
    assert (g1.part("settlement").score, g2.part("settlement").score,
            g3.part("settlement").score) == (1.0, 0.0, settings.settlement_unknown)
    assert (g1.part("complaints").score, g3.part("complaints").score) == (1.0, 0.0)
    # G1 has the best of every part: 100
    assert g1.total == 100.0
    assert scores[0] is g1


def test_ties_in_structure_share_their_rank():
    cands = [cand("T1", 15, amount=100 * 100.0), cand("T2", 15, amount=100 * 100.0),
             cand("T3", 15, amount=100 * 300.0)]
    scores, _ = score_customers(cands, POLICY, PromoSettings())
    ranks = {s.candidate.customer_code: s.part("structure").score for s in scores}
    assert ranks == {"T1": 0.25, "T2": 0.25, "T3": 1.0}


def test_weights_change_the_order():
    growth = cand("GR", 15, recent=150, prior=100, amount=150 * 50.0, settlement="现金")
    structure = cand("ST", 15, recent=80, prior=100, amount=80 * 400.0, settlement="现金")
    heavy_growth = promo_settings({"weights": {"growth": 1, "structure": 0, "compliance": 0,
                                               "settlement": 0, "complaints": 0}})
    heavy_structure = promo_settings({"weights": {"growth": 0, "structure": 1}})
    assert score_customers([growth, structure], POLICY, heavy_growth)[0][0].candidate.customer_code == "GR"
    assert score_customers([growth, structure], POLICY, heavy_structure)[0][0].candidate.customer_code == "ST"


def test_no_flags_table_counts_as_compliant_and_says_so():
    c = PromoCandidate("N", "店N", 15, qty_recent=10, amount_recent=1000, qty_prior=10, open_flags=None)
    s = score_customers([c], POLICY, PromoSettings())[0][0]
    assert s.part("compliance").score == 1.0 and "无违规记录表" in s.part("compliance").value_text


@pytest.mark.parametrize(("raw", "key"), [
    ({"weights": {"growth": -1}}, "promo.weights.growth"),
    ({"weights": {"sales": 1}}, "promo.weights.sales"),
    ({"weights": {"growth": "0.3"}}, "promo.weights.growth"),
    ({"weights": {p: 0 for p in ("growth", "structure", "compliance", "settlement", "complaints")}},
     "promo.weights"),
    ({"min_level": 0}, "promo.min_level"),
    ({"min_level": 2.5}, "promo.min_level"),
    ({"period_days": 3}, "promo.period_days"),
    ({"settlement_unknown": 2}, "promo.settlement_unknown"),
    ({"growth_floor": 0.5, "growth_cap": 0.1}, "promo.growth_cap"),
    ({"colour": "red"}, "promo"),
    ("weights", "promo"),
])
def test_bad_promo_config_names_key(raw, key):
    with pytest.raises(ConfigError) as exc:
        promo_settings(raw, "/etc/cmgr.toml")
    assert f"配置项 {key}" in exc.value.message and "/etc/cmgr.toml" in exc.value.message


def test_promo_config_from_file(tmp_path):
    from cmgr.config import load_config

    path = tmp_path / "c.toml"
    path.write_text("[promo]\nmin_level = 4\nperiod_days = 60\n[promo.weights]\ngrowth = 0.5\n",
                    encoding="utf-8")
    cfg = load_config(path)
    s = promo_settings(cfg.raw.get("promo"), str(path))
    assert (s.min_level, s.period_days, s.weights["growth"], s.weights["structure"]) == (4, 60, 0.5, 0.3)


def test_candidates_from_the_store(db):
    """The store's figures: periods, 金额 fallback, flags and complaints counted in the window."""
    from cmgr.store.promo import promo_candidates

    db.execute("INSERT INTO customers (customer_code, customer_name, grade, manager, settlement) "
               "VALUES ('K1', '店一', 15, '王建国', '电子结算'), ('K2', '店二', 16, '李娜', '现金')")
    rows = [("1", "2026-11-20", "K1", 10, 1000.0, None), ("2", "2026-09-01", "K1", 20, 2000.0, None),
            ("3", "2026-08-01", "K1", 5, 500.0, None),  # prior period
            ("4", "2026-11-27", "K1", 4, None, 150.0),   # no 金额: qty x price
            ("5", "2026-04-01", "K1", 99, 9900.0, None),  # before both periods
            ("6", "2026-11-27", "K2", 7, 700.0, None)]
    db.executemany("INSERT INTO order_lines (line_key, order_date, customer_code, sku_code, qty, "
                   "amount, wholesale_price) VALUES (?, ?, ?, 'S', ?, ?, ?)", rows)
    db.execute("INSERT INTO complaints (id, customer_code, qty, problem, status, created_at) VALUES "
               "('TS-20261101-001', 'K1', 1, 'x', 'closed', '2026-11-01T10:00:00'), "
               "('TS-20260101-001', 'K1', 1, 'x', 'closed', '2026-01-01T10:00:00'), "
               "('TS-20260102-001', 'K2', 1, 'x', 'approved', '2026-01-02T10:00:00')")
    got = {c.customer_code: c for c in promo_candidates(db, as_of=date(2026, 11, 27), period_days=90)}
    k1 = got["K1"]
    # last 90 days: 2026-08-30 .. 2026-11-27
    assert (k1.qty_recent, k1.amount_recent, k1.qty_prior) == (34, 1000 + 2000 + 600.0, 5)
    assert k1.complaints == 1 and got["K2"].complaints == 1  # K1: filed in window; K2: still open
    assert k1.open_flags in (0, None)
    only = promo_candidates(db, as_of=date(2026, 11, 27), period_days=90, manager="李娜")
    assert [c.customer_code for c in only] == ["K2"]
