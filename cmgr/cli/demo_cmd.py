"""`cmgr demo`: a fresh database from the bundled sample data, and the main jobs run on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common

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
    app.command("demo")(demo_command)


def demo_command(
    directory: Annotated[Path, typer.Option("--dir", help="Where the demo database and outputs go.")]
    = Path("cmgr-demo"),
) -> None:
    """Build a fresh database from the sample data and run the main jobs on it."""
    from cmgr.config import read_mapping_file
    from cmgr.jobs.ingest import import_files
    from cmgr.resources import packaged_dir

    st = common.state()
    directory.mkdir(parents=True, exist_ok=True)
    db_path = directory / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    st.use_database(db_path)
    sample = packaged_dir("sample_data")
    common.info(f"sample data: {sample}")
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
            common.info(f"imported {kind:9} {Path(r.file).name:24} {r.stored:>7,} stored, "
                        f"{r.skipped:,} skipped, {r.rejected:,} rejected")
    common.info(f"database: {db_path}")
    for title, step in DEMO_STEPS:
        outputs = step(st, directory)
        for path in outputs:
            common.info(f"{title}: {path}")
    common.info("demo complete")
