"""`cmgr demo`: a fresh database from the bundled sample data, and the main jobs run on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common
from cmgr.i18n import tr

# Sample files per kind, in import order (the roster first, so orders find their customers).
SAMPLE_IMPORTS = [
    ("customers", ["customers.xlsx"]),
    ("prices", ["prices.xlsx"]),
    ("orders", ["orders_*.xlsx", "orders_*.xls", "orders_*.csv"]),
    ("visits", ["visits.xlsx"]),
    ("settlements", ["settlements_*.xlsx"]),
    ("supply", ["supply_limits.xlsx"]),
    ("targets", ["targets_*.xlsx"]),
]

# Later jobs add themselves here: (title, function(state, out_dir) -> list of output paths).
DEMO_STEPS: list[tuple[str, Callable[[common.AppState, Path], list[Path]]]] = []


def add_demo_step(title: str, step: Callable[[common.AppState, Path], list[Path]]) -> None:
    """Called from a command module's register(): its job then runs in `cmgr demo`, in the
    order the modules are registered in cli/app.py."""
    DEMO_STEPS.append((title, step))


def register(app: typer.Typer) -> None:
    app.command("demo", help=tr(
        "用示例数据建一个新的数据库，并在上面运行主要的工作。`cmgr --db 文件 demo` 把演示数据库建在那个文件。"
    ))(demo_command)


def demo_command(
    directory: Annotated[Path, typer.Option(
        "--dir", metavar=tr("目录"), help=tr("演示数据库和输出文件放在哪里。"))] = Path("cmgr-demo"),
) -> None:
    from cmgr.config import read_mapping_file
    from cmgr.errors import UsageError
    from cmgr.jobs.ingest import import_files
    from cmgr.resources import packaged_dir

    st = common.state()
    # `cmgr --db FILE demo` builds the demo there; CMGR_DB alone (perhaps the real database)
    # is not used: the demo starts from an empty file.
    if st.db_on_command_line and isinstance(st.db_option, str):  # a PostgreSQL URL

        raise UsageError(tr("演示在一个新的 SQLite 文件里建库，不能用 PostgreSQL 地址：{url}",
                            url=st.db_option),
                         hint=tr("去掉 --db，或给一个新的文件名"))
    db_path = st.db_option if st.db_on_command_line and st.db_option else directory / "demo.db"
    if db_path != directory / "demo.db" and db_path.exists() and db_path.stat().st_size > 0:
        raise UsageError(tr("{path} 已存在：演示要建一个全新的数据库", path=db_path),
                         hint=tr("给 `--db` 一个新的文件名，或不给 `--db`（演示就用 {default}）",
                                 default=directory / "demo.db"))
    directory.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    st.use_database(db_path)
    sample = packaged_dir("sample_data")
    common.info(tr("示例数据：{path}", path=sample))
    db = st.db(create=True)
    # One sample export names its cigarette column 卷烟规格名称: mapped the way a user would.
    mapping_file = sample / "mapping-example.toml"
    mapping = read_mapping_file(mapping_file) if mapping_file.exists() else None
    for kind, patterns in SAMPLE_IMPORTS:
        files = sorted({p for pat in patterns for p in sample.glob(pat)})
        results = import_files(db, kind, files, mapping=mapping)
        for r in results:
            if r.error:
                raise r.error
            common.info(tr("已导入 {kind} {file}：新增 {stored}，跳过 {skipped}，拒收 {rejected}",
                           kind=f"{kind:11}", file=Path(r.file).name,
                           stored=f"{r.stored:,}", skipped=f"{r.skipped:,}",
                           rejected=f"{r.rejected:,}"))
    common.info(tr("数据库：{path}", path=db_path))
    for title, step in DEMO_STEPS:
        outputs = step(st, directory)
        for path in outputs:
            common.info(tr("{title}：{path}", title=title, path=path))
    common.info(tr("演示完成"))
    _next_steps(db_path, db)


def _next_steps(db_path: Path, db) -> None:
    """The demo's database is not the default one: say how to keep using it, and two commands
    that show something on it (the demo's own plan week, the complaint it walked)."""
    import shlex
    from datetime import date

    from cmgr.core.workdays import next_week_start
    from cmgr.store.plans import latest_visit_date

    week = next_week_start(latest_visit_date(db) or date.today()).isocalendar()
    common.info(tr("接下来在演示数据库上试试："))
    common.info(f"  export CMGR_DB={shlex.quote(str(db_path.resolve()))}")
    common.info(f"  cmgr plan-week --all --week {week.year}-W{week.week:02d} --no-save")
    common.info("  cmgr complaint list")
