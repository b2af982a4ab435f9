"""`cmgr init` and `cmgr config show`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common, options

config_app = common.new_app("The configuration: defaults < file < CMGR_* environment < options.")


def register(app: typer.Typer) -> None:
    app.command("init")(init_command)
    app.add_typer(config_app, name="config")


def init_command(
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented default configuration and create the database."""
    from cmgr.config import default_config_path, default_config_text, load_config

    st = common.state()
    path = Path(st.config_option) if st.config_option else default_config_path()
    if path.exists() and not force:
        common.info(f"configuration already exists: {path} (use --force to overwrite)")
    else:
        from cmgr.fileio import all_or_nothing

        with all_or_nothing() as files:
            files.path(path).write_text(default_config_text(), encoding="utf-8")
        common.info(f"wrote configuration {path}")
    st.config_option = path
    load_config(path)  # the file we wrote must load
    db = st.db(create=True)
    common.info(f"database ready: {db.location} (schema version {db.schema_version()})")


@config_app.command("show")
def show_command(
    fmt: options.TableJsonOpt = "table",
) -> None:
    """Print the effective configuration and where each value came from."""
    cfg = common.state().config()
    rows = [(k, v, cfg.sources[k]) for k, v in cfg.values.items()]
    structured = {
        "plan.policy": [{"grades": [b.grade_min, b.grade_max], "level": b.level, "name": b.name,
                         "interval_days": round(b.interval_days, 3)} for b in cfg.policy],
        "price_classes": {"basis": cfg.price_classes.basis, "bounds": list(cfg.price_classes.bounds),
                          "names": list(cfg.price_classes.names)},
        "mapping": cfg.mapping,
        "report.targets": cfg.targets,
        "plan.route_weekdays": cfg.route_weekdays,
        "plan.start_points": {m: list(p) for m, p in cfg.start_points.items()},
    }
    if fmt == "json":
        common.print_json({"config_file": str(cfg.path) if cfg.path else None,
                           "values": {k: {"value": v, "source": s} for k, v, s in rows}
                           | {k: {"value": v, "source": cfg.sources[k]} for k, v in structured.items()}})
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"configuration ({cfg.path or 'no file: defaults'})")
    table.add_column("key")
    table.add_column("value")
    table.add_column("source")
    for k, v, s in rows:
        table.add_row(k, escape(repr(v) if not isinstance(v, str) else v), escape(s))
    for k, v in structured.items():
        if k == "plan.policy":
            text = "\n".join(f"{b['grades'][0]}-{b['grades'][1]} {b['name']} (level {b['level']}): "
                             f"every {b['interval_days']:g} days" for b in v)
        else:
            text = repr(v)
        table.add_row(k, escape(text), escape(cfg.sources[k]))
    common.out_console.print(table)
