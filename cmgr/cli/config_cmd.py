"""`cmgr init` and `cmgr config show`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common, options
from cmgr.i18n import tr

config_app = common.new_app(tr("配置：默认值 < 配置文件 < CMGR_* 环境变量 < 选项。"))


def register(app: typer.Typer) -> None:
    app.command("init", help=tr("写一份带注释的默认配置，并创建数据库。"))(init_command)
    app.add_typer(config_app, name="config")


def init_command(
    force: Annotated[bool, typer.Option("--force", help=tr("覆盖已有的文件。"))] = False,
) -> None:
    from cmgr.config import default_config_path, default_config_text, load_config

    st = common.state()
    path = Path(st.config_option) if st.config_option else default_config_path()
    if path.exists() and not force:
        common.info(tr("配置已存在：{path}（用 `--force` 覆盖）", path=path))
    else:
        from cmgr.fileio import all_or_nothing

        with all_or_nothing() as files:
            files.path(path).write_text(default_config_text(), encoding="utf-8")
        common.info(tr("配置已写入：{path}", path=path))
    st.config_option = path
    load_config(path)  # the file we wrote must load
    db = st.db(create=True)
    common.info(tr("数据库已就绪：{path}（结构版本 {version}）", path=db.location,
                   version=db.schema_version()))


@config_app.command("show", help=tr("显示生效的配置，以及每个值的来源。"))
def show_command(
    fmt: options.TableJsonOpt = "table",
) -> None:
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

    table = Table(title=escape(tr("配置（{path}）", path=cfg.path) if cfg.path
                               else tr("配置（没有配置文件：默认值）")))
    table.add_column(tr("配置项"))
    table.add_column(tr("值"))
    table.add_column(tr("来源"))
    for k, v, s in rows:
        table.add_row(k, escape(repr(v) if not isinstance(v, str) else v), escape(_source(s)))
    for k, v in structured.items():
        if k == "plan.policy":
            text = "\n".join(tr("{low}-{high} {name}（等级 {level}）：每 {days} 天", low=b["grades"][0],
                                high=b["grades"][1], name=b["name"], level=b["level"],
                                days=f"{b['interval_days']:g}") for b in v)
        else:
            text = repr(v)
        table.add_row(k, escape(text), escape(_source(cfg.sources[k])))
    common.out_console.print(table)


def _source(source: str) -> str:
    """Where a value came from, for a person (`config show --format json` keeps the raw text)."""
    kind, _, rest = source.partition(" ")
    if kind == "file":
        return tr("配置文件 {path}", path=rest)
    if kind == "env":
        return tr("环境变量 {name}", name=rest)
    if source == "option":
        return tr("命令行选项")
    if source.startswith("default"):
        return tr("默认值（用户数据目录）") if rest else tr("默认值")
    return source
