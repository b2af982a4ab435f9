"""促销客户推荐 (duty 4.2, docs/domain.md): the 综合测评 (overall score) of the customers eligible for a
promotion, from documented, configurable parts. Pure: the figures come in as PromoCandidate.

Eligible: level >= promo.min_level (default 3: duty 4.2's 三级以上) by the visit policy's grade
bands; in normal business (cmgr.domain.is_active: not 暂停经营, 已退网 or a status word
cmgr does not know). Each part is a score from 0 to 1:

- growth (销量增长): 条 in the last `period_days` against the `period_days` before; growth at or
  below growth_floor scores 0, at or above growth_cap scores 1, linear between. A customer with
  no sales in the earlier period (new) scores `new_customer_growth`.
- structure (单箱值 = 金额 / 箱 over the last period): the percentile rank among the eligible
  customers with sales (0 = lowest, 1 = highest, ties share their mean rank); no sales: 0.
- compliance (守法经营): 1 with no open price or licence flag dated in the last period, else 0.
- settlement (电子结算): 1 for 电子结算, 0 for 现金, `settlement_unknown` when not known.
- complaints (质量投诉): 1 with no complaint open or filed in the last period, else 0.

综合得分 = 100 x sum(weight x part) / sum(weights), two decimals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cmgr.domain import CARTONS_PER_CASE, GradeBand, band_for, is_active, pays_electronically
from cmgr.errors import ConfigError
from cmgr.i18n import tr

PARTS = ("growth", "structure", "compliance", "settlement", "complaints")
PART_LABELS = {"growth": "销量增长", "structure": "单箱值", "compliance": "守法经营",
               "settlement": "电子结算", "complaints": "质量投诉"}
DEFAULT_WEIGHTS = {"growth": 0.30, "structure": 0.30, "compliance": 0.20, "settlement": 0.10,
                   "complaints": 0.10}


@dataclass(frozen=True)
class PromoSettings:
    min_level: int = 3
    period_days: int = 90
    growth_floor: float = -0.2
    growth_cap: float = 0.2
    new_customer_growth: float = 0.5
    settlement_unknown: float = 0.5
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))

    def as_dict(self) -> dict[str, Any]:
        return {"min_level": self.min_level, "period_days": self.period_days,
                "growth_floor": self.growth_floor, "growth_cap": self.growth_cap,
                "new_customer_growth": self.new_customer_growth,
                "settlement_unknown": self.settlement_unknown, "weights": dict(self.weights)}


def _number(value: Any, key: str, path: str | None, *, low: float | None = None,
            high: float | None = None, whole: bool = False) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if whole:
        ok = ok and isinstance(value, int)
    if ok and low is not None and value < low or ok and high is not None and value > high:
        ok = False
    if not ok:
        got = repr(value)
        if low is not None and high is not None:
            message = (tr("应为 {low} 至 {high} 的整数；得到的是 {got}", low=f"{low:g}", high=f"{high:g}",
                          got=got) if whole else
                       tr("应为 {low} 至 {high} 的数；得到的是 {got}", low=f"{low:g}", high=f"{high:g}",
                          got=got))
        elif low is not None:
            message = (tr("应为 >= {low} 的整数；得到的是 {got}", low=f"{low:g}", got=got) if whole
                       else tr("应为 >= {low} 的数；得到的是 {got}", low=f"{low:g}", got=got))
        else:
            message = (tr("应为整数；得到的是 {got}", got=got) if whole
                       else tr("应为数；得到的是 {got}", got=got))
        raise ConfigError(message, path=path, key=key)
    return value


def promo_settings(raw: Any, path: str | None = None) -> PromoSettings:
    """Validate the [promo] section (cfg.raw.get("promo")); missing keys take the defaults."""
    if raw is None:
        return PromoSettings()
    if not isinstance(raw, dict):
        raise ConfigError(tr("应为表 [promo]"), path=path, key="promo")
    scalars = {"min_level", "period_days", "growth_floor", "growth_cap", "new_customer_growth",
               "settlement_unknown"}
    unknown = set(raw) - scalars - {"weights"}
    if unknown:
        raise ConfigError(tr("未知的配置项 {keys}；应为 {expected} 或 [promo.weights] 表",
                             keys=", ".join(sorted(unknown)), expected=", ".join(sorted(scalars))),
                          path=path, key="promo")
    d = PromoSettings()
    values: dict[str, Any] = {}
    if "min_level" in raw:
        values["min_level"] = int(_number(raw["min_level"], "promo.min_level", path, low=1, whole=True))
    if "period_days" in raw:
        values["period_days"] = int(_number(raw["period_days"], "promo.period_days", path, low=7,
                                            whole=True))
    for key in ("growth_floor", "growth_cap"):
        if key in raw:
            values[key] = float(_number(raw[key], f"promo.{key}", path, low=-1.0))
    for key in ("new_customer_growth", "settlement_unknown"):
        if key in raw:
            values[key] = float(_number(raw[key], f"promo.{key}", path, low=0.0, high=1.0))
    floor = values.get("growth_floor", d.growth_floor)
    cap = values.get("growth_cap", d.growth_cap)
    if not floor < cap:
        raise ConfigError(tr("growth_floor（{floor}）必须小于 growth_cap（{cap}）", floor=f"{floor:g}",
                             cap=f"{cap:g}"),
                          path=path, key="promo.growth_cap")
    weights = dict(DEFAULT_WEIGHTS)
    if "weights" in raw:
        table = raw["weights"]
        if not isinstance(table, dict):
            raise ConfigError(tr("应为 部分 = 权重 的表，部分为 {parts}", parts=", ".join(PARTS)),
                              path=path, key="promo.weights")
        for part, w in table.items():
            if part not in PARTS:
                raise ConfigError(tr("未知的部分「{part}」；应为以下之一：{parts}", part=part,
                                     parts=", ".join(PARTS)),
                                  path=path, key=f"promo.weights.{part}")
            weights[part] = float(_number(w, f"promo.weights.{part}", path, low=0.0))
        if not sum(weights.values()) > 0:
            raise ConfigError(tr("权重之和为 0；请至少给一个部分正的权重"),
                              path=path, key="promo.weights")
    return PromoSettings(**{**d.as_dict(), **values, "weights": weights})


@dataclass(frozen=True)
class PromoCandidate:
    """A customer's figures over the scoring periods (from the store)."""

    customer_code: str
    customer_name: str | None
    grade: int | None
    grade_label: str | None = None
    manager: str | None = None
    status: str | None = None
    settlement: str | None = None
    qty_recent: float = 0.0  # 条 in the last period
    amount_recent: float | None = None  # 元 in the last period (None: amounts unknown)
    qty_prior: float = 0.0  # 条 in the period before
    open_flags: int | None = 0  # open price/licence flags dated in the last period; None: no flags table
    complaints: int = 0  # complaints open or filed in the last period


@dataclass(frozen=True)
class ScorePart:
    name: str
    label: str
    value: float | None  # the figure: growth ratio, 单箱值 元/箱, flag count, ...
    value_text: str
    score: float  # 0..1
    weight: float

    @property
    def points(self) -> float:
        return self.score * self.weight


@dataclass(frozen=True)
class PromoScore:
    candidate: PromoCandidate
    level: int
    band: str
    parts: tuple[ScorePart, ...]
    total: float  # 0..100

    def part(self, name: str) -> ScorePart:
        return next(p for p in self.parts if p.name == name)


@dataclass(frozen=True)
class Excluded:
    candidate: PromoCandidate
    reason: str


def growth_ratio(c: PromoCandidate) -> float | None:
    if c.qty_prior <= 0:
        return None
    return c.qty_recent / c.qty_prior - 1.0


def value_per_case(c: PromoCandidate) -> float | None:
    if c.amount_recent is None or c.qty_recent <= 0:
        return None
    return c.amount_recent / (c.qty_recent / CARTONS_PER_CASE)


def growth_score(c: PromoCandidate, s: PromoSettings) -> float:
    g = growth_ratio(c)
    if g is None:
        return s.new_customer_growth if c.qty_recent > 0 else 0.0
    return min(1.0, max(0.0, (g - s.growth_floor) / (s.growth_cap - s.growth_floor)))


def percentile_ranks(values: dict[str, float]) -> dict[str, float]:
    """key -> (mean rank - 1) / (n - 1) among the values; a single value ranks 1."""
    n = len(values)
    if n == 1:
        return {k: 1.0 for k in values}
    ordered = sorted(values.items(), key=lambda kv: kv[1])
    out: dict[str, float] = {}
    i = 0
    while i < n:
        j = i
        while j + 1 < n and ordered[j + 1][1] == ordered[i][1]:
            j += 1
        mean_rank = (i + j) / 2
        for k in range(i, j + 1):
            out[ordered[k][0]] = mean_rank / (n - 1)
        i = j + 1
    return out


def settlement_score(settlement: str | None, s: PromoSettings) -> float:
    electronic = pays_electronically(settlement)
    return s.settlement_unknown if electronic is None else float(electronic)


def score_customers(candidates: list[PromoCandidate], policy: list[GradeBand],
                    settings: PromoSettings) -> tuple[list[PromoScore], list[Excluded]]:
    """Rank the eligible customers by 综合得分 (highest first; ties by 单箱值, then code) and
    say why each of the others is not on the list."""
    eligible: list[tuple[PromoCandidate, GradeBand]] = []
    excluded: list[Excluded] = []
    for c in candidates:
        band = band_for(c.grade, policy)
        if not is_active(c.status):
            excluded.append(Excluded(c, f"状态 {c.status}"))
        elif band is None:
            excluded.append(Excluded(c, "档位未知，无法确定客户等级" if c.grade is None
                                     else f"档位 {c.grade} 不在分级管理规定的档位范围内"))
        elif band.level < settings.min_level:
            excluded.append(Excluded(c, f"{band.name} (等级 {band.level}) 低于 {settings.min_level} 级"))
        else:
            eligible.append((c, band))
    vpc = {c.customer_code: v for c, _ in eligible if (v := value_per_case(c)) is not None}
    ranks = percentile_ranks(vpc) if vpc else {}
    w = settings.weights
    total_weight = sum(w.values())
    scores = []
    for c, band in eligible:
        g = growth_ratio(c)
        g_text = (f"{g * 100:+.1f}%" if g is not None
                  else "上期无销量" if c.qty_recent > 0 else "无销量")
        v = vpc.get(c.customer_code)
        flags_text = "无违规记录表" if c.open_flags is None else f"{c.open_flags} 条未结违规"
        parts = (
            ScorePart("growth", PART_LABELS["growth"], g, g_text, growth_score(c, settings), w["growth"]),
            ScorePart("structure", PART_LABELS["structure"], v,
                      f"{v:,.0f} 元/箱" if v is not None else "无销量",
                      ranks.get(c.customer_code, 0.0), w["structure"]),
            ScorePart("compliance", PART_LABELS["compliance"],
                      None if c.open_flags is None else float(c.open_flags), flags_text,
                      1.0 if not c.open_flags else 0.0, w["compliance"]),
            ScorePart("settlement", PART_LABELS["settlement"], None, c.settlement or "未知",
                      settlement_score(c.settlement, settings), w["settlement"]),
            ScorePart("complaints", PART_LABELS["complaints"], float(c.complaints),
                      f"{c.complaints} 件", 1.0 if c.complaints == 0 else 0.0, w["complaints"]),
        )
        total = round(100.0 * sum(p.points for p in parts) / total_weight, 2)
        scores.append(PromoScore(c, band.level, band.name, parts, total))
    scores.sort(key=lambda s: (-s.total, -(vpc.get(s.candidate.customer_code) or 0.0),
                               s.candidate.customer_code))
    return scores, excluded
