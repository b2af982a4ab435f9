"""`promo recommend` and `promo receipt`: the 综合测评 list (kept for the receipt) and the
《宣传促销品签收单》 with the receipts it records (seed 4.2). Raises CmgrError subclasses; never
prints: what the user should be told comes back in the results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from cmgr.domain import OUT_PROMO_LIST, OUT_PROMO_RECEIPT, PROMO_ITEM_UNIT
from cmgr.errors import NotFound, UsageError
from cmgr.i18n import tr


def settings(cfg):
    from cmgr.core.promo import promo_settings

    return promo_settings(cfg.raw.get("promo"), str(cfg.path) if cfg.path else None)


def score_rows(scores) -> list[dict]:
    """The documented records of a ranked list: each part's figure, score and weight."""
    rows = []
    for rank, s in enumerate(scores, start=1):
        c = s.candidate
        row = {"rank": rank, "customer_code": c.customer_code, "customer_name": c.customer_name,
               "grade": c.grade if c.grade is not None else c.grade_label, "level": s.level,
               "band": s.band, "manager": c.manager, "total": s.total}
        g, v, f, st, k = (s.part(n) for n in ("growth", "structure", "compliance", "settlement",
                                               "complaints"))
        row.update({
            "growth": None if g.value is None else round(g.value, 4), "growth_text": g.value_text,
            "growth_score": round(g.score, 4),
            "value_per_case": None if v.value is None else round(v.value, 2),
            "structure_score": round(v.score, 4),
            "open_flags": None if f.value is None else int(f.value), "compliance_score": f.score,
            "settlement": c.settlement, "settlement_score": st.score,
            "complaints": int(k.value or 0), "complaints_score": k.score,
            "qty_recent": c.qty_recent, "qty_prior": c.qty_prior, "amount_recent": c.amount_recent,
            "parts": [{"part": p.name, "label": p.label, "value": p.value, "text": p.value_text,
                       "score": p.score, "weight": p.weight} for p in s.parts],
        })
        rows.append(row)
    return rows


@dataclass
class Recommendation:
    as_of: date
    manager: str | None
    settings: object
    eligible: int
    excluded: int
    rows: list[dict]

    def as_json(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "manager": self.manager,
                "settings": self.settings.as_dict(), "eligible": self.eligible,
                "excluded": self.excluded, "customers": self.rows}


def recommend(db, cfg, *, top: int, manager: str | None, as_of: date | None) -> Recommendation:
    """Score the customers, keep the first `top` as the list `receipt` uses by default."""
    from cmgr.core.promo import score_customers
    from cmgr.store.promo import default_as_of, promo_candidates, save_list

    chosen_settings = settings(cfg)
    day = as_of or default_as_of(db, manager)
    candidates = promo_candidates(db, as_of=day, period_days=chosen_settings.period_days,
                                  manager=manager)
    scores, excluded = score_customers(candidates, cfg.policy, chosen_settings)
    chosen = scores[:top]
    from cmgr.jobs.area import check_manager_writes

    check_manager_writes(cfg, [manager], tr("促销推荐名单"))
    save_list(db, chosen, manager=manager, as_of=day, settings=chosen_settings.as_dict())
    return Recommendation(day, manager, chosen_settings, len(scores), len(excluded),
                          score_rows(chosen))


def write_recommendation(rec: Recommendation, fmt: str, out: str | None) -> Path:
    """The list as an xlsx, csv or json file."""
    import json

    from cmgr.fileio import all_or_nothing
    from cmgr.render.output import expand_out
    from cmgr.render.promo_list import write_csv, write_xlsx

    who = rec.manager or "全部"
    path = expand_out(out or OUT_PROMO_LIST, manager=who, date=rec.as_of.isoformat(), format=fmt)
    with all_or_nothing() as files:
        if fmt == "xlsx":
            write_xlsx(files.path(path), rec.rows, title=f"促销客户推荐名单（{who}，截至 {rec.as_of}）")
        elif fmt == "json":
            files.path(path).write_text(json.dumps(rec.as_json(), ensure_ascii=False, indent=2)
                                        + "\n", encoding="utf-8")
        else:
            write_csv(files.path(path), rec.rows)
    return path


@dataclass
class Receipt:
    path: Path
    codes: list[str]
    from_list: dict | None = None  # the recommendation list used (id, manager, created_at)
    warnings: list[str] = field(default_factory=list)


def own_list_managers(db, cfg) -> list[str] | None:
    """Whose recommendation lists are the caller's to hand out by default: on a PostgreSQL
    team database the login's (a manager's own; an area manager's area), else `[user]`'s role
    (a manager: `[user] name`; an area manager: the managers of `[user] area`); None, anyone's,
    in a database without a team (one user)."""
    from cmgr.core.area import managers_of_area
    from cmgr.jobs.area import actor, areas
    from cmgr.store.team import area_managers_of, login_member, roster_managers

    member = login_member(db)
    if member is not None:
        if member["role"] == "manager":
            return [member["manager"]]
        return area_managers_of(db, member["area"])
    who = actor(cfg)
    if who.role == "manager":
        return [who.name]
    if who.role == "area_manager" and who.area is not None:
        return managers_of_area(areas(cfg), who.area, sorted(roster_managers(db)))
    return None


def _codes(db, cfg, customers: str | None, top: int | None) -> tuple[list[str], dict | None]:
    from cmgr.store.promo import last_list

    if customers:
        codes = [c.strip() for c in customers.replace("，", ",").split(",") if c.strip()]
        from_list = None
    else:
        head, codes = last_list(db, own_list_managers(db, cfg))
        from_list = {"id": head["id"], "manager": head["manager"],
                     "created_at": head["created_at"]}
    codes = codes[:top] if top else codes
    if not codes:
        raise UsageError(tr("签收单没有客户：请用 `--customers 客户编码` 给出"))
    return list(dict.fromkeys(codes)), from_list


def receipt(db, cfg, *, campaign: str, item: str | None, qty: float | None,
            customers: str | None, top: int | None, issued: date, fmt: str,
            out: str | None, unit: str = PROMO_ITEM_UNIT) -> Receipt:
    """Render the 《宣传促销品签收单》 for the customers (given, or the last list) and record
    what each was given. The form is rendered first (to a staged file); the campaign and the
    receipts are recorded, and the form put in place, only when it rendered: a template error
    records nothing, and a failed record leaves no form."""
    from cmgr.domain import band_for, is_active
    from cmgr.fileio import all_or_nothing
    from cmgr.render.forms import promo_receipt_context, render_form
    from cmgr.render.output import expand_out
    from cmgr.store.promo import customers_by_code, ensure_campaign, record_receipts

    codes, from_list = _codes(db, cfg, customers, top)
    found = customers_by_code(db, codes)
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise NotFound(tr("未知的客户编码：{codes}；未写入任何内容", codes=", ".join(unknown)))
    result = Receipt(Path(), codes, from_list)
    min_level = settings(cfg).min_level
    for code in codes:
        c = found[code]
        band = band_for(c.get("grade"), cfg.policy)
        if band is None or band.level < min_level:
            result.warnings.append(tr("{code} {name}：{band}，低于岗位职责要求的三级以上",
                                      code=code, name=c.get("customer_name") or "",
                                      band=band.name if band else tr("等级未知")))
        if not is_active(c.get("status")):
            result.warnings.append(tr("{code} {name}：状态为{status}", code=code,
                                      name=c.get("customer_name") or "", status=c["status"]))
    managers = sorted({found[c].get("manager") for c in codes if found[c].get("manager")})
    from cmgr.jobs.area import check_customers_write

    check_customers_write(db, cfg, codes, tr("促销签收"))
    # Any error inside rolls the transaction back and removes the staged form; on success the
    # transaction commits, then the form is renamed into the folder it was just written in.
    with all_or_nothing() as files, db.transaction():
        camp = ensure_campaign(db, campaign, item=item, qty=qty)
        item_text = item or camp.get("item")
        if not item_text:
            raise UsageError(tr("活动「{campaign}」还没有促销品：请用 `--item 促销品` 给出",
                                campaign=campaign))
        per_customer = qty if qty is not None else camp.get("qty")
        lines = [{"customer_code": code, "customer_name": found[code].get("customer_name"),
                  "address": found[code].get("address"), "item": item_text, "qty": per_customer}
                 for code in codes]
        context = promo_receipt_context(camp, lines, issued, "、".join(managers), unit=unit)
        result.path = expand_out(out or OUT_PROMO_RECEIPT, id=camp["name"],
                                 date=issued.isoformat(), format=fmt)
        render_form("promo_receipt", context, files.path(result.path), fmt,
                    user_dir=cfg.get("templates.dir"))
        record_receipts(db, int(camp["id"]), [(code, item_text, per_customer) for code in codes],
                        issued)
    return result
