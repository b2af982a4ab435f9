"""Copy a manager's SQLite database into the team's PostgreSQL one (`cmgr db migrate-to URL`).

Each table is read from one read-only snapshot of the file, sent by COPY into a temporary
stage table on the server, and compared there with what the team database already holds, by
the table's natural key (`TABLES`): a row whose key is not there is copied; a row that is there
with the same content is "already there" (so a second run copies nothing); a row that is there
with other content is a clash, reported field by field and never overwritten.

Surrogate ids (`id INTEGER PRIMARY KEY`) are another database's numbering: a copied row keeps
its id when the team database does not use it yet (a manager's flag 17 stays flag 17 where it
can), else it gets a new one; the tables that point at it (flag events and decisions, complaint
history, plan lines, promotion lists, every row's import) are rewritten through the map of old
to new ids before their own comparison. A complaint id (TS-YYYYMMDD-NNN, numbered per
database) taken by another complaint gets the next free number of its day, and is reported.
A row whose parent clashed is held back with it (its parent would be the other version).

Everything happens in the caller's one transaction on the target: `copy_database` computes the
report, and the caller commits or rolls back (on a clash, or a dry run).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from cmgr.errors import DatabaseError, InputError, Location
from cmgr.i18n import tr
from cmgr.store.db import Database, DatabaseConflict, migrations
from cmgr.store.maintenance import (
    CORE_TABLES,
    SQLITE_HEADER,
    applied_versions,
    open_read_only,
    quote_identifier,
    read_snapshot,
)

# Columns that say when or through which import this database learnt a row, not what the row
# says: never compared (two managers importing the same price list at different times agree).
BOOKKEEPING = ("id", "import_id", "updated_at")
_STATE, _NEW_ID = "_mig_state", "_mig_new_id"  # stage columns; `id` stays the source's
CLASH_DETAILS_PER_TABLE = 200  # the report lists this many clashes of one table; all are counted


@dataclass(frozen=True)
class TableSpec:
    """How one table is matched. `key`: its natural key (None: the whole row, for logs that
    have none); `refs`: column -> parent table whose surrogate ids it holds; `ignore`: more
    bookkeeping columns; `also_unique`: another unique column a new row must not collide on."""

    name: str
    key: tuple[str, ...] | None
    refs: dict[str, str] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    also_unique: str | None = None


# Parents before the tables that point at them. Every table of the schema is here (a test
# checks it): a new migration's table must say how it is matched before it can be migrated.
TABLES: tuple[TableSpec, ...] = (
    TableSpec("imports", ("kind", "file_name", "sheet", "sha256", "started_at")),
    TableSpec("customers", ("customer_code",)),
    TableSpec("prices", ("sku_code",)),
    TableSpec("order_lines", ("line_key",)),
    TableSpec("visits", ("visit_key",), also_unique="export_key"),
    TableSpec("visit_prices", ("visit_key", "sku")),
    TableSpec("visit_events", None),
    TableSpec("flag_scans", ("visit_key",), ignore=("scanned_at",)),
    TableSpec("flags", ("flag_key",), ignore=("created_at",)),
    TableSpec("flag_events", None, refs={"flag_id": "flags"}),
    TableSpec("flag_decisions", ("flag_id",), refs={"flag_id": "flags"}),
    # Complaint ids are numbered per database: the same complaint is the same customer,
    # moment and problem; its id is renumbered when another complaint has it.
    TableSpec("complaints", ("customer_code", "created_at", "problem")),
    TableSpec("complaint_events", None, refs={"complaint_id": "complaints"}),
    TableSpec("customer_events", None),
    TableSpec("customer_overrides", ("customer_code", "field")),
    TableSpec("promo_lists", None),
    TableSpec("promo_list_items", ("list_id", "rank"), refs={"list_id": "promo_lists"}),
    TableSpec("promo_campaigns", ("name",), ignore=("created_at",)),
    TableSpec("promo_receipts", ("campaign_id", "customer_code", "item"),
              refs={"campaign_id": "promo_campaigns"}, ignore=("created_at",)),
    TableSpec("plans", ("manager", "week")),
    TableSpec("plan_visits", None, refs={"plan_id": "plans"}),
    TableSpec("plan_pushed", None, refs={"plan_id": "plans"}),
    TableSpec("plan_miss_reasons", ("manager", "week", "customer_code")),
    TableSpec("settlements", ("settlement_key",)),
    TableSpec("supply_limits", ("limit_key",)),
    TableSpec("targets", ("target_key",)),
    TableSpec("surveys", ("survey_key",)),
)
# schema_migrations: the target has its own, migrated before the copy; team_members: the
# team's logins and roles (db init-team), empty in a manager's own file and never theirs to set.
NOT_COPIED = ("schema_migrations", "team_members")
# Renumbered ids people see and type (flag review 17, complaint show TS-...): listed.
SHOWN_IDS = ("flags", "complaints")


@dataclass
class TableResult:
    copied: int = 0
    already_there: int = 0
    clashes: int = 0
    held_back: int = 0  # rows whose parent clashed

    def as_dict(self) -> dict:
        return {"copied": self.copied, "already_there": self.already_there,
                "clashes": self.clashes, "held_back": self.held_back}


@dataclass
class Clash:
    table: str
    key: dict
    fields: list[dict]  # {"field", "source", "target"}
    label: str | None = None  # the customer's name, where there is one

    def as_dict(self) -> dict:
        return {"table": self.table, "key": self.key, "label": self.label, "fields": self.fields}


@dataclass
class MigrationReport:
    source: str
    target: str
    schema_version: int
    tables: dict[str, TableResult] = field(default_factory=dict)
    clashes: list[Clash] = field(default_factory=list)
    renumbered: dict[str, list[tuple]] = field(default_factory=dict)  # table -> (old, new)
    target_migrations: list[int] = field(default_factory=list)
    committed: bool = False
    seconds: float = 0.0

    @property
    def clash_count(self) -> int:
        return sum(t.clashes for t in self.tables.values())

    def as_dict(self) -> dict:
        return {"source": self.source, "target": self.target,
                "schema_version": self.schema_version, "committed": self.committed,
                "target_migrations_applied": self.target_migrations,
                "copied": sum(t.copied for t in self.tables.values()),
                "clash_count": self.clash_count,
                "tables": {name: t.as_dict() for name, t in self.tables.items()},
                "clashes": [c.as_dict() for c in self.clashes],
                "renumbered": {t: [{"from": a, "to": b} for a, b in pairs]
                               for t, pairs in self.renumbered.items()},
                "seconds": round(self.seconds, 3)}


# --- the source ----------------------------------------------------------------------------

def open_source(path: str | Path) -> tuple[sqlite3.Connection, int]:
    """The manager's SQLite file, read-only, with its schema version; refused when it is not a
    cmgr database of exactly this cmgr's schema (older: open it with cmgr first; newer:
    upgrade cmgr)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(tr("找不到数据库文件") if not path.exists() else tr("不是文件"),
                         Location(str(path)), hint=tr("用 `--db 路径` 给出要并入的 SQLite 数据库"))
    with path.open("rb") as fh:
        if fh.read(16) != SQLITE_HEADER:
            raise InputError(tr("不是 SQLite 数据库文件，无法并入"), Location(str(path)),
                             hint=tr("`--db` 应指向客户经理自己的 cmgr 数据库文件（SQLite）"))
    con = open_read_only(path)
    try:
        applied = applied_versions(con)
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        con.close()
        raise InputError(tr("无法读取：{error}", error=exc), Location(str(path)),
                         hint=tr("先运行 `cmgr db check` 检查它")) from None
    known = {v for v, _, _ in migrations()}
    missing = [t for t in CORE_TABLES if t not in tables]
    problem = None
    if not applied or missing:
        problem = InputError(tr("不是 cmgr 数据库（没有 cmgr 的表）"), Location(str(path)),
                             hint=tr("`--db` 应指向客户经理自己的 cmgr 数据库文件"))
    elif applied - known:
        problem = DatabaseError(
            tr("{path} 由更新版本的 cmgr 写入（数据库结构版本 {version}；本 cmgr 最高只认识 {known}）",
               path=path, version=max(applied), known=max(known)),
            hint=tr("先升级 cmgr，再并入"))
    elif known - applied:
        problem = DatabaseError(
            tr("{path} 的数据库结构较旧（版本 {version}，本 cmgr 为 {known}）：并入前请先用本 cmgr "
               "打开它一次", path=path, version=max(applied), known=max(known)),
            hint=tr("例如 `cmgr --db {path} complaint list`：它会先备份，再升级数据库结构",
                    path=path))
    if problem is not None:
        con.close()
        raise problem
    return con, max(applied)


# --- the copy --------------------------------------------------------------------------------

def copy_database(source: sqlite3.Connection, target: Database, report: MigrationReport) -> None:
    """Every table of `source` into `target` (inside the caller's transaction), filling
    `report`. The caller commits, or rolls back on clashes or a dry run."""
    target.lock("cmgr-migrate-to")  # two managers' copies take turns over the id numbering
    with read_snapshot(source):
        names = [r[0] for r in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        known = {spec.name for spec in TABLES}
        unknown = sorted(set(names) - known - set(NOT_COPIED))
        if unknown:
            raise DatabaseError(tr("不知道如何并入这些表：{tables}", tables=", ".join(unknown)),
                                hint=tr("这是 cmgr 的缺陷，请报告（cmgr/store/migrate_to.py 的 TABLES）"))
        for spec in TABLES:
            if spec.name in names:
                report.tables[spec.name] = _copy_table(source, target, spec, report)


def _copy_table(source: sqlite3.Connection, db: Database, spec: TableSpec,
                report: MigrationReport) -> TableResult:
    result = TableResult()
    table, stage = spec.name, f"mig_{spec.name}"
    columns = [r[1] for r in source.execute(f"PRAGMA table_info({quote_identifier(table)})")]
    nullable = {r[0]: r[1] == "YES" for r in db.query(
        "SELECT column_name, is_nullable FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ?", (table,))}
    if set(columns) != set(nullable):
        raise DatabaseError(tr("表 {table} 的列在两个数据库中不同：{source} / {target}", table=table,
                               source=", ".join(sorted(columns)),
                               target=", ".join(sorted(nullable))),
                            hint=tr("两边都用本 cmgr 打开一次（升级到同一结构版本）后再试"))
    has_id = "id" in columns
    # The table's columns and types, no constraints (the source met them already).
    db.execute(f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT * FROM {table} WITH NO DATA")
    db.execute(f"ALTER TABLE {stage} ADD COLUMN {_STATE} TEXT")
    _stage_rows(source, db, table, stage, columns)
    if has_id:
        db.execute(f"ALTER TABLE {stage} ADD COLUMN {_NEW_ID} {_id_type(table)}")

    # Ids of other tables, as the target numbers them; a row whose parent clashed stays out.
    for column, parent in spec.refs.items():
        held = db.execute(
            f"DELETE FROM {stage} s WHERE s.{column} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM mig_map_{parent} m WHERE m.old = s.{column})").rowcount
        result.held_back += held
        # Only the rows whose id changes are rewritten (none, into an empty team database).
        db.execute(f"UPDATE {stage} s SET {column} = m.new FROM mig_map_{parent} m "
                   f"WHERE s.{column} = m.old AND m.new <> m.old")
    if "import_id" in columns and table != "imports":
        db.execute(f"UPDATE {stage} s SET import_id = NULL WHERE s.import_id IS NOT NULL AND NOT "
                   "EXISTS (SELECT 1 FROM mig_map_imports m WHERE m.old = s.import_id)")
        db.execute(f"UPDATE {stage} s SET import_id = m.new FROM mig_map_imports m "
                   f"WHERE s.import_id = m.old AND m.new <> m.old")

    key = list(spec.key) if spec.key else [c for c in columns if c != "id"]
    compared = [] if spec.key is None else [
        c for c in columns if c not in key and c not in BOOKKEEPING and c not in spec.ignore]
    on = " AND ".join(f"t.{c} IS NOT DISTINCT FROM s.{c}" if nullable[c] else f"t.{c} = s.{c}"
                      for c in key)
    same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM s.{c}" for c in compared) or "TRUE"
    db.execute(f"UPDATE {stage} s SET {_STATE} = 'same' FROM {table} t WHERE {on} AND {same}")
    db.execute(f"UPDATE {stage} s SET {_STATE} = 'clash' WHERE {_STATE} IS NULL "
               f"AND EXISTS (SELECT 1 FROM {table} t WHERE {on})")
    if spec.also_unique:  # visits.export_key: the export's row folded into a recorded visit
        u, k = spec.also_unique, key[0]
        # The export's row, which the team database has folded into a visit: already there.
        db.execute(f"UPDATE {stage} s SET {_STATE} = 'same' WHERE {_STATE} IS NULL "
                   f"AND EXISTS (SELECT 1 FROM {table} t WHERE t.{u} = s.{k})")
        # A visit with the export's row folded in, which the team database has (as its own
        # row, or folded into another visit): two records of one visit, not merged here.
        db.execute(f"UPDATE {stage} s SET {_STATE} = 'clash_unique' WHERE {_STATE} IS NULL "
                   f"AND s.{u} IS NOT NULL AND EXISTS (SELECT 1 FROM {table} t "
                   f"WHERE t.{u} = s.{u} OR t.{k} = s.{u})")
    if has_id:  # a new row keeps its id where the target does not use it (_choose_ids)
        db.execute(f"UPDATE {stage} s SET {_STATE} = 'new', {_NEW_ID} = CASE WHEN NOT EXISTS "
                   f"(SELECT 1 FROM {table} t WHERE t.id = s.id) THEN s.id END "
                   f"WHERE {_STATE} IS NULL")
    else:
        db.execute(f"UPDATE {stage} SET {_STATE} = 'new' WHERE {_STATE} IS NULL")
    counts = dict(db.query(f"SELECT {_STATE}, count(*) FROM {stage} GROUP BY {_STATE}"))
    result.already_there = int(counts.get("same", 0))
    result.clashes = int(counts.get("clash", 0)) + int(counts.get("clash_unique", 0))
    new = int(counts.get("new", 0))
    if result.clashes:
        report.clashes += _clash_details(db, spec, stage, key, compared, on)

    if new:
        if has_id:
            _choose_ids(db, table, stage, report)
        result.copied = _insert_new(db, table, stage, columns, has_id, new)
    if (has_id and any(table in s.refs.values() for s in TABLES)) or table == "imports":
        # old id -> id in the target, for the rows that are there now as the source has them
        db.execute(f"CREATE TEMP TABLE mig_map_{table} ON COMMIT DROP AS "
                   f"SELECT DISTINCT ON (s.id) s.id AS old, t.id AS new "
                   f"FROM {stage} s JOIN {table} t ON {on} "
                   f"WHERE s.{_STATE} IN ('same', 'new') ORDER BY s.id, t.id")
        db.execute(f"CREATE INDEX ON mig_map_{table} (old)")
        db.execute(f"ANALYZE mig_map_{table}")
    db.execute(f"DROP TABLE {stage}")
    return result


def _id_type(table: str) -> str:
    return "TEXT" if table == "complaints" else "BIGINT"


def _stage_rows(source: sqlite3.Connection, db: Database, table: str, stage: str,
                columns: list[str]) -> None:
    cur = source.execute(f"SELECT {', '.join(quote_identifier(c) for c in columns)} "
                         f"FROM {quote_identifier(table)}")
    import psycopg

    try:
        while batch := cur.fetchmany(20_000):
            db.copy_csv(stage, columns, _csv(batch))
    except psycopg.Error as exc:
        raise DatabaseError(tr("表 {table} 的数据无法写入 PostgreSQL：{error}", table=table,
                               error=str(exc).strip()),
                            hint=tr("先运行 `cmgr db check` 检查这个数据库；未写入任何内容")) from exc
    db.execute(f"ANALYZE {stage}")


def _csv(rows: Iterable[tuple]) -> bytes:
    """COPY's CSV: every value quoted, NULL an unquoted empty field; floats exactly (repr)."""
    lines = []
    for row in rows:
        cells = []
        for v in row:
            if v is None:
                cells.append("")
            elif isinstance(v, float):
                cells.append(repr(v))
            elif isinstance(v, bytes):
                cells.append('"' + v.hex() + '"')
            else:
                cells.append('"' + str(v).replace('"', '""') + '"')
        lines.append(",".join(cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _choose_ids(db: Database, table: str, stage: str, report: MigrationReport) -> None:
    """A new row whose id the target uses already (no _NEW_ID yet) gets a new one: above
    every id either side uses (numbers), or the next free number of its day (complaints)."""
    taken = db.query(f"SELECT id FROM {stage} WHERE {_STATE} = 'new' AND {_NEW_ID} IS NULL "
                     f"ORDER BY id")
    if not taken:
        return
    if table == "complaints":
        from cmgr.core import complaint_flow as flow

        used = {r[0] for r in db.query(f"SELECT id FROM {table}")}
        used |= {r[0] for r in db.query(f"SELECT id FROM {stage}")}
        pairs = []
        for (old,) in taken:
            try:
                day = date(int(old[3:7]), int(old[7:9]), int(old[9:11]))
            except ValueError:
                day = date.today()
            new = flow.complaint_id(day, flow.next_sequence(sorted(used), day))
            used.add(new)
            pairs.append((old, new))
        db.executemany(f"UPDATE {stage} SET {_NEW_ID} = ? WHERE id = ?",
                       [(new, old) for old, new in pairs])
    else:
        # Above every id either side uses, so no later identity value runs into one kept.
        start = int(db.scalar(f"SELECT max(m) FROM (SELECT max(id) AS m FROM {table} UNION ALL "
                              f"SELECT max(id) FROM {stage}) x") or 0)
        db.execute(f"UPDATE {stage} s SET {_NEW_ID} = n.new FROM (SELECT id, ? + row_number() "
                   f"OVER (ORDER BY id) AS new FROM {stage} WHERE {_STATE} = 'new' "
                   f"AND {_NEW_ID} IS NULL) n WHERE s.id = n.id", (start,))
        pairs = [tuple(r) for r in db.query(
            f"SELECT id, {_NEW_ID} FROM {stage} WHERE {_STATE} = 'new' AND id <> {_NEW_ID} "
            f"ORDER BY id")]
    if table in SHOWN_IDS:
        report.renumbered[table] = pairs


def _insert_new(db: Database, table: str, stage: str, columns: list[str], has_id: bool,
                expected: int) -> int:
    names = ", ".join(columns)
    values = ", ".join(_NEW_ID if c == "id" else c for c in columns)
    order = f" ORDER BY {_NEW_ID}" if has_id else ""
    inserted = db.execute(f"INSERT INTO {table} ({names}) SELECT {values} FROM {stage} "
                          f"WHERE {_STATE} = 'new'{order} ON CONFLICT DO NOTHING").rowcount
    if inserted != expected:  # another writer put the same rows in meanwhile
        raise DatabaseConflict(
            tr("并入 {table} 时，另一个写入同时写了相同的记录；本次已全部撤销", table=table),
            hint=tr("再运行一次该命令"))
    if has_id and table != "complaints":
        # Explicit ids bypass the identity: move it past them, so the next insert does not
        # pick one already used.
        db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                   f"(SELECT max(id) FROM {table}))")
    return inserted


def _clash_details(db: Database, spec: TableSpec, stage: str, key: list[str],
                   compared: list[str], on: str) -> list[Clash]:
    label = "customer_name" if "customer_name" in compared else None
    out: list[Clash] = []
    cols = [*key, *compared]
    select = ", ".join([*(f"s.{c}" for c in cols), *(f"t.{c}" for c in compared)])
    rows = db.query(f"SELECT {select} FROM {stage} s JOIN {spec.name} t ON {on} "
                    f"WHERE s.{_STATE} = 'clash' ORDER BY {', '.join(f's.{c}' for c in key)} "
                    f"LIMIT {CLASH_DETAILS_PER_TABLE}")
    for row in rows:
        values = list(row)
        keyed = dict(zip(key, values[:len(key)], strict=True))
        mine = dict(zip(compared, values[len(key):len(cols)], strict=True))
        theirs = dict(zip(compared, values[len(cols):], strict=True))
        fields = [{"field": c, "source": mine[c], "target": theirs[c]} for c in compared
                  if mine[c] != theirs[c]]
        out.append(Clash(spec.name, keyed, fields, mine.get(label) if label else None))
    if spec.also_unique:
        u = spec.also_unique
        for row in db.query(f"SELECT {', '.join(key)}, {u} FROM {stage} WHERE {_STATE} = "
                            f"'clash_unique' LIMIT {CLASH_DETAILS_PER_TABLE}"):
            out.append(Clash(spec.name, dict(zip(key, list(row)[:len(key)], strict=True)),
                             [{"field": u, "source": row[len(key)],
                               "target": tr("（另一条记录已使用）")}]))
    return out

