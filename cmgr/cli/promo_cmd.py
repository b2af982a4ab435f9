"""`cmgr promo recommend` / `cmgr promo receipt`: 促销客户推荐 and the 《宣传促销品签收单》
(seed 4.2). The score and its parts are documented in cmgr/core/promo.py and docs/complaints.md."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common
from cmgr.errors import UsageError

app = common.new_app("促销客户: rank the 三级以上 customers by the 综合测评 and print the "
                     "《宣传促销品签收单》.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="promo")


def _settings(cfg):
    from cmgr.core.promo import promo_settings

    return promo_settings(cfg.raw.get("promo"), str(cfg.path) if cfg.path else None)


def _as_of(text: str | None, option: str = "--as-of") -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date; expected e.g. 2026-11-27") from None


COLUMNS = [("rank", "排名"), ("customer_code", "客户编码"), ("customer_name", "客户名称"),
           ("grade", "档位"), ("band", "等级"), ("growth", "销量增长"), ("growth_score", "增长得分"),
           ("value_per_case", "单箱值(元/箱)"), ("structure_score", "结构得分"),
           ("open_flags", "未结违规"), ("compliance_score", "守法得分"),
           ("settlement", "结算方式"), ("settlement_score", "结算得分"),
           ("complaints", "投诉"), ("complaints_score", "投诉得分"), ("total", "综合得分")]


def score_rows(scores) -> list[dict]:
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


@app.command("recommend")
def recommend_command(
    top: Annotated[int, typer.Option("--top", min=1, help="How many customers to list.")] = 20,
    manager: Annotated[str | None, typer.Option(help="Only this manager's customers.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Last day of the scoring period "
                                                              "(default: the last order date).")] = None,
    fmt: Annotated[common.Format, typer.Option("--format", help="table, xlsx, csv or json")]
    = common.Format.table,
    out: Annotated[str | None, typer.Option("--out", help="Output file for xlsx/csv; placeholders "
                                                          "{manager} {date} {format}.")] = None,
) -> None:
    """Rank the customers eligible for a promotion (三级以上) by the 综合测评, with every part of
    every score. The list is kept for `promo receipt`."""
    from cmgr.core.promo import score_customers
    from cmgr.store.promo import default_as_of, promo_candidates, save_list

    if fmt not in (common.Format.table, common.Format.xlsx, common.Format.csv, common.Format.json):
        raise UsageError(f"--format must be table, xlsx, csv or json; got {fmt.value}")
    st = common.state()
    cfg = st.config()
    settings = _settings(cfg)
    db = st.db()
    day = _as_of(as_of) or default_as_of(db, manager)
    candidates = promo_candidates(db, as_of=day, period_days=settings.period_days, manager=manager)
    scores, excluded = score_customers(candidates, cfg.policy, settings)
    chosen = scores[:top]
    save_list(db, chosen, manager=manager, as_of=day, settings=settings.as_dict())
    common.info(f"{len(scores)} customers eligible (等级 >= {settings.min_level}), "
                f"{len(excluded)} not; scored over the {settings.period_days} days to {day}; "
                f"listing {len(chosen)}")
    rows = score_rows(chosen)
    if fmt == common.Format.json:
        common.print_json({"as_of": day.isoformat(), "manager": manager,
                           "settings": settings.as_dict(), "eligible": len(scores),
                           "excluded": len(excluded), "customers": rows})
    elif fmt == common.Format.table:
        _table(rows, settings)
    else:
        from cmgr.render.output import expand_out

        path = expand_out(out or "促销推荐-{manager}-{date}.{format}", manager=manager or "全部",
                          date=day.isoformat(), format=fmt.value)
        if fmt == common.Format.xlsx:
            _write_xlsx(path, rows, title=f"促销客户推荐名单（{manager or '全部'}，截至 {day}）")
        else:
            _write_csv(path, rows)
        common.info(f"list: {path}")
        typer.echo(str(path))


def _table(rows: list[dict], settings) -> None:
    """Each part as its figure over its 0-1 score; the weights in the header."""
    from rich.markup import escape
    from rich.table import Table

    w = settings.weights
    table = Table(title="促销客户推荐 综合测评 (每项: 指标 / 得分 0-1)")
    table.add_column("#", justify="right")
    table.add_column("客户")
    table.add_column("等级")
    for part, label in (("growth", "增长"), ("structure", "单箱值"), ("compliance", "违规"),
                        ("settlement", "结算"), ("complaints", "投诉")):
        table.add_column(f"{label}\n×{w[part]:g}", justify="right")
    table.add_column("综合得分", justify="right")
    for r in rows:
        p = {x["part"]: x for x in r["parts"]}
        vpc = p["structure"]["value"]
        flags = p["compliance"]["value"]
        settlement = r["settlement"] or "未知"
        table.add_row(
            str(r["rank"]), escape(f"{r['customer_name'] or ''}\n{r['customer_code']}"),
            f"{r['band']}\n{r['grade']}档",
            f"{p['growth']['text']}\n{p['growth']['score']:.2f}",
            f"{'—' if vpc is None else f'{vpc:,.0f}'}\n{p['structure']['score']:.2f}",
            f"{'—' if flags is None else f'{flags:g}'}\n{p['compliance']['score']:g}",
            f"{settlement.replace('结算', '')}\n{p['settlement']['score']:g}",
            f"{r['complaints']}\n{p['complaints']['score']:g}",
            f"{r['total']:.2f}")
    common.out_console.print(table)


def _write_csv(path: Path, rows: list[dict]) -> None:
    import io

    from cmgr.render.output import csv_writer, write_text

    buf = io.StringIO()
    writer = csv_writer(buf, lineterminator="\n")
    writer.writerow([label for _, label in COLUMNS])
    for r in rows:
        writer.writerow(["" if r.get(k) is None else r.get(k) for k, _ in COLUMNS])
    write_text(path, buf.getvalue(), encoding="utf-8-sig")  # BOM: Excel opens it as UTF-8


def _write_xlsx(path: Path, rows: list[dict], *, title: str) -> None:
    import openpyxl
    from openpyxl.styles import Alignment, Font

    from cmgr.render.output import append_row, save_workbook

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "推荐名单"
    append_row(ws, [title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([label for _, label in COLUMNS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r in rows:
        append_row(ws, [r.get(k) for k, _ in COLUMNS])
    for row in ws.iter_rows(min_row=3):
        for cell, (key, _) in zip(row, COLUMNS, strict=True):
            if key == "growth":
                cell.number_format = "0.0%"
            elif key == "value_per_case":
                cell.number_format = "#,##0"
            elif key.endswith("_score") or key == "total":
                cell.number_format = "0.00"
    for i, (_, label) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width = max(8, len(label) * 2 + 2)
    ws.freeze_panes = "A3"
    save_workbook(wb, path)


@app.command("receipt")
def receipt_command(
    campaign: Annotated[str, typer.Option("--campaign", help="Campaign name (created on first use).")],
    item: Annotated[str | None, typer.Option(help="促销品 / 促销资料 given (default: the "
                                                  "campaign's).")] = None,
    qty: Annotated[float | None, typer.Option(min=0, help="Quantity per customer.")] = None,
    customers: Annotated[str | None, typer.Option(
        help="Customer codes, comma separated (default: the last `promo recommend` list).")] = None,
    top: Annotated[int | None, typer.Option("--top", min=1, help="Only the first N of the last list.")]
    = None,
    day: Annotated[str | None, typer.Option("--date", help="Issue date (default today).")] = None,
    form_format: Annotated[str, typer.Option("--format", help="docx or html")] = "docx",
    out: Annotated[str | None, typer.Option("--out", help="Output file; placeholders {id} {date} "
                                                          "{format} (default 签收单-{id}-{date}.{format}).")]
    = None,
) -> None:
    """Render the 《宣传促销品签收单》 for the chosen customers (item, quantity, 客户签名, date)
    and record what each was given."""
    from cmgr.core.promo import level_of
    from cmgr.render.forms import promo_receipt_context, render_form
    from cmgr.render.output import expand_out
    from cmgr.store.promo import customers_by_code, ensure_campaign, last_list, record_receipts

    if form_format not in ("docx", "html"):
        raise UsageError(f"--format must be docx or html; got {form_format!r}")
    st = common.state()
    cfg = st.config()
    db = st.db()
    issued = _as_of(day, "--date") if day else date.today()
    if customers:
        codes = [c.strip() for c in customers.replace("，", ",").split(",") if c.strip()]
        if top:
            codes = codes[:top]
    else:
        head, codes = last_list(db)
        codes = codes[:top] if top else codes
        common.info(f"customers: the recommendation list of {head['created_at']} ({len(codes)})")
    if not codes:
        raise UsageError("no customers for the receipt: give --customers CODES")
    codes = list(dict.fromkeys(codes))
    found = customers_by_code(db, codes)
    unknown = [c for c in codes if c not in found]
    if unknown:
        from cmgr.errors import NotFound

        raise NotFound(f"unknown customer code(s): {', '.join(unknown)}; nothing written")
    camp = ensure_campaign(db, campaign, item=item, qty=qty)
    item_text = item or camp.get("item")
    if not item_text:
        raise UsageError(f"campaign {campaign!r} has no 促销品 yet: give --item TEXT")
    per_customer = qty if qty is not None else camp.get("qty")
    settings = _settings(cfg)
    for code in codes:
        c = found[code]
        band = level_of(c.get("grade"), cfg.policy)
        if band is None or band.level < settings.min_level:
            common.warn(f"{code} {c.get('customer_name') or ''}: "
                        f"{band.name if band else '等级未知'}, below the 三级以上 the seed asks for")
        if c.get("status") in ("已退网", "暂停经营"):
            common.warn(f"{code} {c.get('customer_name') or ''}: status {c['status']}")
    record_receipts(db, int(camp["id"]), [(code, item_text, per_customer) for code in codes], issued)
    managers = sorted({found[c].get("manager") for c in codes if found[c].get("manager")})
    lines = [{"customer_code": code, "customer_name": found[code].get("customer_name"),
              "address": found[code].get("address"), "item": item_text, "qty": per_customer}
             for code in codes]
    context = promo_receipt_context(camp, lines, issued, "、".join(managers))
    path = expand_out(out or "签收单-{id}-{date}.{format}", id=camp["name"], date=issued.isoformat(),
                      format=form_format)
    render_form("promo_receipt", context, path, form_format, user_dir=cfg.get("templates.dir"))
    common.info(f"receipt for {len(codes)} customers: {path}")
    typer.echo(str(path))
