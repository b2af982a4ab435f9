"""Who may touch what, enforced by PostgreSQL (issue 18, docs/postgresql.md "A team"): the
group roles, each member's login, the `team_members` table mapping a login to the roster's
manager name and area, the GRANTs and the row-level security policies. SQLite has no roles:
there the application checks the configured `[user]` (cmgr.core.area).

Everything here is idempotent: `apply_team` in one transaction creates what is missing and
replaces each policy with its current definition, so running it twice changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cmgr.store.db import Database, now_iso

MANAGER_ROLE = "cmgr_manager"
AREA_MANAGER_ROLE = "cmgr_area_manager"
GROUP_OF = {"manager": MANAGER_ROLE, "area_manager": AREA_MANAGER_ROLE}
LOGIN_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Member:
    login: str  # a database login role (lower-case letters, digits, _)
    role: str  # manager | area_manager
    manager: str | None  # the roster's 客户经理 (a manager); None for an area manager
    area: str | None  # 片区; None: the whole team


# The customer a row belongs to, per guarded table (the manager is the customer's 客户经理).
_CUSTOMER_OF = {
    "visits": "customer_code",
    "visit_prices": "(SELECT v.customer_code FROM visits v WHERE v.visit_key = visit_prices.visit_key)",
    "visit_events": "customer_code",
    "complaints": "customer_code",
    "complaint_events": "(SELECT c.customer_code FROM complaints c "
                        "WHERE c.id = complaint_events.complaint_id)",
    "flags": "customer_code",
    "flag_events": "(SELECT f.customer_code FROM flags f WHERE f.id = flag_events.flag_id)",
    "flag_decisions": "(SELECT f.customer_code FROM flags f WHERE f.id = flag_decisions.flag_id)",
    # Migration 014's round (issue 18): the rest of what is written about one customer.
    "promo_receipts": "customer_code",
    "customer_events": "customer_code",
    "customer_overrides": "customer_code",
}
# The manager (the roster's 客户经理 name) a row belongs to, per guarded table: what is a
# manager's own rather than a customer's (a week's plan, a promotion list).
_MANAGER_OF = {
    "plans": "manager",
    "plan_visits": "(SELECT p.manager FROM plans p WHERE p.id = plan_visits.plan_id)",
    "plan_pushed": "(SELECT p.manager FROM plans p WHERE p.id = plan_pushed.plan_id)",
    "plan_miss_reasons": "manager",
    "promo_lists": "manager",
    "promo_list_items": "(SELECT l.manager FROM promo_lists l WHERE l.id = promo_list_items.list_id)",
}
# The import log: a row is its importer's (imports.created_by, the login: Database.writer).
# Every member reads all of it: each imported row points at its log row, and the reports
# read the log (when the roster was imported); the imported tables themselves have no row
# rule (docs/postgresql.md).
_LOGIN_OF = {"imports": "created_by"}
GUARDED_TABLES = (*_CUSTOMER_OF, *_MANAGER_OF, *_LOGIN_OF)
DECISION_STEPS = "('approve', 'reject')"
# flag_events written by the flag scan itself (derived from the visits, whoever runs it).
SCAN_ACTIONS = "('joined', 'not_found')"

# Tables an area manager writes: the decisions and the status they set.
_AREA_MANAGER_WRITES = ("flags", "flag_events", "flag_decisions", "flag_scans", "complaints",
                        "complaint_events")
# Tables no team login writes (the administrator's, through init-team and migrations).
_ADMIN_ONLY = ("team_members", "schema_migrations", "flag_decisions")

_FUNCTIONS = (
    # Is the customer one of the login's own (the roster's 客户经理 is the login's manager)?
    "CREATE OR REPLACE FUNCTION cmgr_own_customer(TEXT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$ "
    "SELECT EXISTS (SELECT 1 FROM customers c JOIN team_members t ON t.manager = c.manager "
    "WHERE c.customer_code = $1 AND t.role = 'manager' "
    "AND t.login = CAST(current_user AS TEXT)) $$",
    # Is the customer in the login's area (a member without an area sees the whole team)?
    "CREATE OR REPLACE FUNCTION cmgr_area_customer(TEXT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$ "
    "SELECT EXISTS (SELECT 1 FROM team_members me WHERE me.login = CAST(current_user AS TEXT) "
    "AND (me.area IS NULL OR EXISTS (SELECT 1 FROM customers c JOIN team_members m "
    "ON m.role = 'manager' AND m.manager = c.manager "
    "WHERE c.customer_code = $1 AND m.area = me.area))) $$",
    # Is the manager (a roster name) the login's own?
    "CREATE OR REPLACE FUNCTION cmgr_own_manager(TEXT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$ "
    "SELECT EXISTS (SELECT 1 FROM team_members t WHERE t.role = 'manager' AND t.manager = $1 "
    "AND t.login = CAST(current_user AS TEXT)) $$",
    # Is the manager in the login's area (a member without an area sees the whole team)?
    "CREATE OR REPLACE FUNCTION cmgr_area_manager(TEXT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$ "
    "SELECT EXISTS (SELECT 1 FROM team_members me WHERE me.login = CAST(current_user AS TEXT) "
    "AND (me.area IS NULL OR EXISTS (SELECT 1 FROM team_members m WHERE m.role = 'manager' "
    "AND m.manager = $1 AND m.area = me.area))) $$",
)


def _policies() -> list[tuple[str, str, str, str, str | None, str | None]]:
    """(table, policy, command, role, USING, WITH CHECK) of every policy."""
    out = []
    for table, customer in _CUSTOMER_OF.items():
        own = f"cmgr_own_customer({customer})"
        area = f"cmgr_area_customer({customer})"
        out.append((table, "cmgr_read", "SELECT", f"{MANAGER_ROLE}, {AREA_MANAGER_ROLE}", area, None))
        if table == "flag_decisions":
            out.append((table, "cmgr_decide", "INSERT", AREA_MANAGER_ROLE, None, area))
            out.append((table, "cmgr_decide_again", "UPDATE", AREA_MANAGER_ROLE, area, area))
            continue
        if table == "flags":
            # The scan derives flags from the visits, for whoever runs it; a review or decision
            # writes its flag_events row in the same transaction, which is guarded below.
            for command in ("INSERT", "UPDATE", "DELETE"):
                using = None if command == "INSERT" else area
                check = None if command == "DELETE" else area
                out.append((table, f"cmgr_scan_{command.lower()}", command,
                            f"{MANAGER_ROLE}, {AREA_MANAGER_ROLE}", using, check))
            continue
        write = own
        if table == "complaint_events":
            write = f"{own} AND step NOT IN {DECISION_STEPS}"
        elif table == "flag_events":
            write = f"({own} OR (action IN {SCAN_ACTIONS} AND {area}))"
        out.extend(_own_writes(table, write, own))
        if table == "complaint_events":
            out.append((table, "cmgr_decide", "INSERT", AREA_MANAGER_ROLE, None,
                        f"{area} AND step IN {DECISION_STEPS}"))
        elif table == "complaints":
            out.append((table, "cmgr_decide", "UPDATE", AREA_MANAGER_ROLE, area, area))
        elif table == "flag_events":
            out.append((table, "cmgr_decide", "INSERT", AREA_MANAGER_ROLE, None, area))
    for table, manager in _MANAGER_OF.items():
        out.append((table, "cmgr_read", "SELECT", f"{MANAGER_ROLE}, {AREA_MANAGER_ROLE}",
                    f"cmgr_area_manager({manager})", None))
        own = f"cmgr_own_manager({manager})"
        out.extend(_own_writes(table, own, own))
    for table, login in _LOGIN_OF.items():
        out.append((table, "cmgr_read", "SELECT", f"{MANAGER_ROLE}, {AREA_MANAGER_ROLE}", "true",
                    None))
        own = f"{login} = CAST(current_user AS TEXT)"
        out.extend(_own_writes(table, own, own))
    return out


def _own_writes(table: str, write: str, own: str) -> list[tuple]:
    """A manager's INSERT (checked by `write`), UPDATE and DELETE (of rows `own`)."""
    return [(table, "cmgr_own_insert", "INSERT", MANAGER_ROLE, None, write),
            (table, "cmgr_own_update", "UPDATE", MANAGER_ROLE, own, own),
            (table, "cmgr_own_delete", "DELETE", MANAGER_ROLE, own, None)]


def _ensure_role(db: Database, name: str, *, login: bool) -> bool:
    """Create the role when missing; True when it was created."""
    if db.scalar("SELECT count(*) FROM pg_roles WHERE rolname = ?", (name,)):
        return False
    db.execute(f'CREATE ROLE "{name}" {"LOGIN" if login else "NOLOGIN"}')
    return True


def _is_member(db: Database, login: str, group: str) -> bool:
    return bool(db.scalar(
        "SELECT count(*) FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid "
        "JOIN pg_roles m ON m.oid = a.member WHERE g.rolname = ? AND m.rolname = ?",
        (group, login)))


def apply_team(db: Database, members: Sequence[Member]) -> list[str]:
    """Roles, grants, policies and the members, in one transaction; returns the logins
    created (an existing login is kept as it is, with its password)."""
    created = []
    with db.transaction():
        db.lock("cmgr-init-team")
        for group in (MANAGER_ROLE, AREA_MANAGER_ROLE):
            _ensure_role(db, group, login=False)
        for statement in _FUNCTIONS:
            db.execute(statement)
        _grant(db)
        for table in GUARDED_TABLES:
            db.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        for table, name, command, roles, using, check in _policies():
            db.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
            db.execute(f"CREATE POLICY {name} ON {table} FOR {command} TO {roles}"
                       + (f" USING ({using})" if using else "")
                       + (f" WITH CHECK ({check})" if check else ""))
        for member in members:
            if _ensure_role(db, member.login, login=True):
                created.append(member.login)
            group = GROUP_OF[member.role]
            other = GROUP_OF["area_manager" if member.role == "manager" else "manager"]
            if _is_member(db, member.login, other):
                db.execute(f'REVOKE {other} FROM "{member.login}"')
            if not _is_member(db, member.login, group):
                db.execute(f'GRANT {group} TO "{member.login}"')
            db.execute("INSERT INTO team_members (login, role, manager, area, added_at) "
                       "VALUES (?, ?, ?, ?, ?) ON CONFLICT (login) DO UPDATE SET "
                       "role = excluded.role, manager = excluded.manager, area = excluded.area "
                       "WHERE team_members.role IS DISTINCT FROM excluded.role "
                       "OR team_members.manager IS DISTINCT FROM excluded.manager "
                       "OR team_members.area IS DISTINCT FROM excluded.area",
                       (member.login, member.role, member.manager, member.area, now_iso()))
    return created


def remove_member(db: Database, login: str) -> None:
    """Revoke the login's team group and forget its mapping, in one transaction: the
    policies then let it read and write nothing (they look the login up in team_members)."""
    with db.transaction():
        db.lock("cmgr-init-team")
        for group in (MANAGER_ROLE, AREA_MANAGER_ROLE):
            if _is_member(db, login, group):
                db.execute(f'REVOKE {group} FROM "{login}"')
        db.execute("DELETE FROM team_members WHERE login = ?", (login,))


def _grant(db: Database) -> None:
    both = f"{MANAGER_ROLE}, {AREA_MANAGER_ROLE}"
    db.execute(f"GRANT USAGE ON SCHEMA {_schema(db)} TO {both}")
    db.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {_schema(db)} TO {both}")
    db.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_schema(db)} TO {both}")
    # Tables a later migration adds (made by the owner, who runs init-team) are readable at
    # once; their writes come with the next init-team.
    db.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {_schema(db)} GRANT SELECT ON TABLES TO {both}")
    db.execute(f"GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {_schema(db)} TO {MANAGER_ROLE}")
    db.execute(f"REVOKE INSERT, UPDATE, DELETE ON {', '.join(_ADMIN_ONLY)} FROM {MANAGER_ROLE}")
    # Row-level security narrows these to the decisions (a table without a policy for a
    # command lets no row through; flag_scans has no rows of anyone's).
    db.execute(f"GRANT INSERT, UPDATE, DELETE ON {', '.join(_AREA_MANAGER_WRITES)} "
               f"TO {AREA_MANAGER_ROLE}")


def _schema(db: Database) -> str:
    return '"' + str(db.scalar("SELECT current_schema()")).replace('"', '""') + '"'


def team_members(db: Database) -> list[dict]:
    return [dict(r) for r in db.query(
        "SELECT login, role, manager, area, added_at FROM team_members ORDER BY role, area, login")]


def login_member(db: Database) -> dict | None:
    """The team member the database login is (role, manager, area), on a PostgreSQL team
    database; None elsewhere (SQLite, a login outside the team, the administrator)."""
    if not db.is_postgres or not db.has_table("team_members"):
        return None
    row = db.execute("SELECT role, manager, area FROM team_members "
                     "WHERE login = CAST(current_user AS TEXT)").fetchone()
    return dict(row) if row is not None else None


def area_managers_of(db: Database, area: str | None) -> list[str] | None:
    """The managers (roster names) of a team area; None for a member without an area (the
    whole team)."""
    if area is None:
        return None
    return [r[0] for r in db.query("SELECT manager FROM team_members WHERE role = 'manager' "
                                   "AND area = ? ORDER BY manager", (area,))]


def roster_managers(db: Database) -> set[str]:
    return {r[0] for r in db.query(
        "SELECT DISTINCT manager FROM customers WHERE manager IS NOT NULL")}

