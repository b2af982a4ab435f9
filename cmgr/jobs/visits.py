"""`visit special`: the special visit recorded with its 《特殊访问记录》 (seed 4.1.2), both or
neither. Raises CmgrError subclasses; never prints."""

from __future__ import annotations

from pathlib import Path

DEFAULT_RECORD_OUT = "特殊访问-{id}.{format}"


def record_special(db, cfg, visit, *, form_format: str | None, out: str | None = None
                   ) -> tuple[dict, Path | None]:
    """Store the visit (a store.customers.VisitRecord) and, with `form_format`, render its
    record: a template error stores no visit."""
    from cmgr.fileio import all_or_nothing
    from cmgr.render.forms import render_form, special_visit_context
    from cmgr.render.output import expand_out
    from cmgr.store.customers import add_visit, get_customer

    path = None
    with all_or_nothing() as files, db.transaction():
        stored = add_visit(db, visit)
        if form_format:
            path = expand_out(out or DEFAULT_RECORD_OUT, id=stored["visit_id"], format=form_format)
            render_form("special_visit",
                        special_visit_context(stored, get_customer(db, stored["customer_code"])),
                        files.path(path), form_format, user_dir=cfg.get("templates.dir"))
    return stored, path


def reprint_special(db, cfg, visit_id: str, *, form_format: str, out: str | None = None) -> Path:
    """The 《特殊访问记录》 of a recorded special visit, rendered again from the record (another
    format, a lost copy); nothing is stored. NotFound for an unknown id, UsageError for a visit
    that is not a 特殊访问."""
    from cmgr.errors import UsageError
    from cmgr.fileio import all_or_nothing
    from cmgr.render.forms import render_form, special_visit_context
    from cmgr.render.output import expand_out
    from cmgr.store.customers import find_visit, get_customer

    visit = find_visit(db, visit_id)
    if visit.get("visit_type") != "特殊访问":
        raise UsageError(f"{visit_id} is a {visit.get('visit_type') or 'visit'}, not a 特殊访问",
                         hint="only special visits have a 《特殊访问记录》")
    path = expand_out(out or DEFAULT_RECORD_OUT, id=visit["visit_id"], format=form_format)
    with all_or_nothing() as files:
        render_form("special_visit", special_visit_context(visit, get_customer(
            db, visit["customer_code"])), files.path(path), form_format,
            user_dir=cfg.get("templates.dir"))
    return path
