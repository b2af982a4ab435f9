"""Visits as the manager keeps them: record (with several prices), the special visit with its
《特殊访问记录》 (seed 4.1.2: both or neither), list, edit, delete, and the filled sign-in sheet.

One visit, one record: a visit recorded here and the company export's row for the same
customer, day and type become one (cmgr.store.visits.merge_export_rows). Editing or deleting
a visit keeps who and when (visit_events) and re-evaluates its flags at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cmgr.domain import OUT_SPECIAL_VISIT, VISIT_TYPE_SYNONYMS
from cmgr.errors import UsageError
from cmgr.i18n import tr
from cmgr.store import visits as store
from cmgr.store.db import Database

DUTY_LETTERS = "abcdef"  # seed 4.1.3 a)-f)


def current_user() -> str:
    from cmgr.store.db import os_user

    return os_user()


def _check(db: Database, cfg, customer_code: str):
    """The write rules of docs/area.md for a visit of the customer; the writer (None: no cfg)."""
    if cfg is None:
        return None
    from cmgr.i18n import tr
    from cmgr.jobs.area import check_customer_write

    return check_customer_write(db, cfg, customer_code, tr("访问记录"))


def _name(who) -> str:
    return who.name if who is not None else current_user()


def _stamp(db: Database, visit_id: int, who, *, created: bool) -> None:
    from cmgr.store.area import stamp_visit

    stamp_visit(db, visit_id, db.writer, created=created)


# --- parsing what the manager typed ----------------------------------------------------------

def parse_price_item(text: str, option: str = "--price") -> store.PriceSeen:
    """'中华(软):75元/包' or '中华(软):750' (元/条): a cigarette and the retail price seen."""
    from cmgr.sources.cells import CellError, parse_price_per_carton

    sku, sep, price_text = text.replace("：", ":").rpartition(":")
    sku, price_text = sku.strip(), price_text.strip()
    if not sep or not sku or not price_text:
        raise UsageError(tr("`{option}` {text}：应为 卷烟:价格", option=option, text=repr(text)),
                         hint=tr("例如 `{option} 中华(软):75元/包` 或 `{option} 中华(软):750元/条`",
                                 option=option))
    try:
        price = parse_price_per_carton(price_text)
    except CellError:
        price = None
    if price is None or price <= 0:
        raise UsageError(tr("`{option}` {text}：「{price}」不是价格", option=option, text=repr(text),
                            price=price_text),
                         hint=tr("请写 元/条（750、750元/条）或 元/包（75元/包）"))
    return store.PriceSeen(sku, float(price), price_text)


def parse_stock_item(text: str) -> tuple[str, float]:
    """'中华(软):5' : the cigarette and the stock counted, in 条."""
    from cmgr.sources.cells import CellError, parse_number

    sku, sep, qty = text.replace("：", ":").rpartition(":")
    try:
        value = parse_number(qty.strip()) if sep and sku.strip() else None
    except CellError:
        value = None
    if value is None or value < 0:
        raise UsageError(tr("`--stock` {text}：应为 卷烟:条数，例如 `--stock 中华(软):5`",
                            text=repr(text)))
    return sku.strip(), float(value)


def parse_duties(text: str) -> str:
    """The a-f duties ticked: 'abcf', 'a,b,c', 'a-f' or '全部' -> 'abcf' (sorted, no repeats)."""
    t = text.strip().lower().replace("，", ",").replace(" ", "").replace(",", "")
    if t in ("全部", "all", "a-f"):
        return DUTY_LETTERS
    if not t or any(ch not in DUTY_LETTERS for ch in t):
        raise UsageError(tr("`--duties` {text}：应为字母 a-f（岗位职责 4.1.3），例如 abcf 或 a-f",
                            text=repr(text)))
    return "".join(ch for ch in DUTY_LETTERS if ch in t)


def parse_visit_type(text: str) -> str:
    kind = VISIT_TYPE_SYNONYMS.get(text.strip())
    if kind is None:
        raise UsageError(tr("`--type` {text}：应为 常规 或 特殊", text=repr(text)))
    return kind


def merge_prices(prices: Sequence[store.PriceSeen], stock: Sequence[tuple[str, float]]
                 ) -> list[store.PriceSeen]:
    """Prices and stock counts of the same cigarettes as one list (a stock count alone is a
    cigarette checked without a price)."""
    out = {p.sku: p for p in prices}
    for sku, qty in stock:
        p = out.get(sku, store.PriceSeen(sku))
        out[sku] = store.PriceSeen(p.sku, p.price, p.price_text, qty)
    return list(out.values())


# --- use cases ---------------------------------------------------------------------------------

@dataclass
class LoggedVisit:
    visit: dict
    merged: int  # export rows folded into it (the export was imported before)


def log_visit(db: Database, record, prices: Sequence[store.PriceSeen] = (), *,
              arrival_time: str | None = None, duties: str | None = None,
              customer_signed: bool | None = None, cfg=None) -> LoggedVisit:
    """Record a visit made in cmgr with every cigarette checked; an export row of the same
    customer, day and type already imported is folded into it. With `cfg`, the write rules of
    docs/area.md are checked and who made it is kept (created_by)."""
    from cmgr.store.customers import add_visit

    who = _check(db, cfg, record.customer_code)

    def write() -> tuple[dict, int]:
        with db.transaction():
            visit = add_visit(db, record)
            _stamp(db, visit["id"], who, created=True)
            extra = {"arrival_time": arrival_time, "duties": duties,
                     "customer_signed": None if customer_signed is None else int(customer_signed)}
            extra = {k: v for k, v in extra.items() if v is not None}
            if extra:
                store.set_details(db, visit["visit_key"], extra)
            if prices:
                store.save_prices(db, visit["visit_key"], prices)
            merged = store.merge_export_rows(db, customer_code=visit["customer_code"],
                                             visit_date=visit["visit_date"])
        return visit, merged

    # A deadlock with another writer (PostgreSQL) rolls everything back: run it again.
    visit, merged = db.retrying(write)
    return LoggedVisit(store.find_visit(db, str(visit["id"])), merged)


def record_special(db, cfg, visit, *, form_format: str | None, out: str | None = None
                   ) -> tuple[dict, Path | None]:
    """Store the visit (a store.customers.VisitRecord) and, with `form_format`, render its
    record: a template error stores no visit. The export's row of the same special visit,
    imported before, is folded into it (as `log_visit` does)."""
    from cmgr.fileio import all_or_nothing
    from cmgr.render.forms import render_form, special_visit_context
    from cmgr.render.output import expand_out
    from cmgr.store.customers import add_visit, get_customer

    who = _check(db, cfg, visit.customer_code)

    def write() -> tuple[dict, Path | None]:
        path = None
        with all_or_nothing() as files, db.transaction():
            stored = add_visit(db, visit)
            _stamp(db, stored["id"], who, created=True)
            store.merge_export_rows(db, customer_code=stored["customer_code"],
                                    visit_date=stored["visit_date"])
            stored = store.find_visit(db, str(stored["id"]))
            if form_format:
                path = expand_out(out or OUT_SPECIAL_VISIT, id=stored["visit_id"],
                                  format=form_format)
                render_form("special_visit",
                            special_visit_context(stored, get_customer(db, stored["customer_code"])),
                            files.path(path), form_format, user_dir=cfg.get("templates.dir"))
        return stored, path

    return db.retrying(write)  # as log_visit


def reprint_special(db, cfg, visit_id: str, *, form_format: str, out: str | None = None) -> Path:
    """The 《特殊访问记录》 of a recorded special visit, rendered again from the record (another
    format, a lost copy); nothing is stored. NotFound for an unknown id, UsageError for a visit
    that is not a 特殊访问."""
    from cmgr.errors import UsageError
    from cmgr.fileio import all_or_nothing
    from cmgr.render.forms import render_form, special_visit_context
    from cmgr.render.output import expand_out
    from cmgr.store.customers import get_customer

    visit = store.find_visit(db, visit_id)
    if visit.get("visit_type") != "特殊访问":
        raise UsageError(tr("{id} 是{kind}，不是特殊访问", id=visit_id,
                            kind=visit.get("visit_type") or tr("访问")),
                         hint=tr("只有特殊访问才有《特殊访问记录》"))
    path = expand_out(out or OUT_SPECIAL_VISIT, id=visit["visit_id"], format=form_format)
    with all_or_nothing() as files:
        render_form("special_visit", special_visit_context(visit, get_customer(
            db, visit["customer_code"])), files.path(path), form_format,
            user_dir=cfg.get("templates.dir"))
    return path


def rescan_flags(db: Database, cfg, day: str):
    """Re-read the visits of `day` changed since the last flag scan (an edited visit)."""
    from cmgr.core.flag_rules import load_lexicon
    from cmgr.jobs.flags import text_model
    from cmgr.store.flags import scan

    return scan(db, load_lexicon(cfg.get("flags.lexicon")),
                min_retail_factor=float(cfg.get("flags.price.min_retail_factor")),
                since=day, until=day, workers=cfg.get("flags.workers"),
                text_model=text_model(cfg))


def edit_visit(db: Database, cfg, ref: str, changes: dict, *, prices=None, by: str | None = None):
    """Change a visit; its flags are re-evaluated at once (the old and the new day)."""
    visit = store.find_visit(db, ref)
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes and prices is None:
        raise UsageError(tr("没有要修改的内容"),
                         hint=tr("请给出 `--notes`、`--date`、`--type`、`--price` ……"))
    who = _check(db, cfg, visit["customer_code"])
    with db.transaction():
        after = store.edit_visit(db, visit, changes, by or _name(who), prices)
        _stamp(db, after["id"], who, created=False)
        after = store.find_visit(db, str(after["id"]))
    summaries = [rescan_flags(db, cfg, after["visit_date"])]
    if after["visit_date"] != visit["visit_date"]:
        summaries.append(rescan_flags(db, cfg, visit["visit_date"]))
    return visit, after, summaries


def delete_visit(db: Database, ref: str, *, by: str | None = None, cfg=None):
    """Delete a visit (kept in its history); its flags go or, when reported, are marked."""
    from cmgr.store.flags import forget_visit_flags

    visit = store.find_visit(db, ref)
    who = _check(db, cfg, visit["customer_code"])
    with db.transaction():
        store.delete_visit(db, visit, by or _name(who))
        flags = forget_visit_flags(db, [visit["visit_key"]])
    return visit, flags


def import_visit_sheet(db: Database, path, *, dry_run: bool = False, by: str | None = None):
    """A filled sign-in / visit sheet, as `cmgr import visits` reports any file: every filled
    row stored as a visit with its details, blank rows skipped and counted, unreadable rows
    rejected with their row number; an export row of the same visit is merged into it."""
    import time

    from cmgr.jobs.ingest import FileResult
    from cmgr.sources.importer import REJECTED, Issue, sha256_of
    from cmgr.sources.visit_sheet import TITLE, read_visit_sheets
    from cmgr.store.customers import customer_codes
    from cmgr.store.records import finish_import, start_import

    t0 = time.perf_counter()
    read = read_visit_sheets(path)
    known = customer_codes(db)
    good = []
    for v in read.visits:
        if v.customer_code in known:
            good.append(v)
        else:
            read.rejects.append(Issue(read.file, None, v.row, "客户编码", v.customer_code,
                                      tr("不是客户名册中的客户"), REJECTED))
    sheet = "、".join(read.sheets) or None
    stored = updated = merged = 0
    try:
        with db.transaction():
            import_id = start_import(db, "visits", Path(path).name, sheet, sha256_of(Path(path)),
                                     by=by)
            stored, updated, merged = store.store_sheet_visits(db, import_id, good)
            finish_import(db, import_id, rows_read=read.rows_read, stored=stored, updated=updated,
                          unchanged=0, skipped=read.blank, rejected=len(read.rejects))
            if dry_run:  # everything ran, so the counts are real; the rollback keeps nothing
                raise _DryRun()
    except _DryRun:
        pass
    result = FileResult(read.file, "visits", sheet, rows_read=read.rows_read, stored=stored,
                        updated=updated, skipped=read.blank, rejected=len(read.rejects),
                        issues=list(read.rejects), merged=merged,
                        skipped_detail={"blank": read.blank},
                        notes=[tr("{title}：{n} 行已填写的记录保存为访问", title=TITLE,
                                  n=len(good))])
    result.seconds = time.perf_counter() - t0
    return result


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""
