"""Who may touch what, enforced by PostgreSQL (`cmgr db init-team`, cmgr/store/team.py), and
numbers given once when two writers create at once. Against the session's throwaway server
(skipped, with the reason, when none can be started); each login connects through the local
socket, which that server trusts.

Two managers (王建国 of 城东片区 as `mgr_a`, 李娜 of 城东片区 as `mgr_b`), 张敏 of 城西片区
without a login, and the area manager of 城东片区 (`boss_east`)."""

from __future__ import annotations

import threading
from datetime import date
from urllib.parse import urlsplit, urlunsplit

import pytest

from cmgr.core.area import NotPermitted
from cmgr.errors import ExitCode
from cmgr.store.db import open_database
from tests.cli.records_seed import run

A_CUSTOMER, B_CUSTOMER, WEST_CUSTOMER = "053200100001", "053200100002", "053200100003"
CONFIG = """
[area]
"城东片区" = ["王建国", "李娜"]
"城西片区" = ["张敏"]
"""
TEAM = ["db", "init-team", "--manager", "mgr_a=王建国", "--manager", "mgr_b=李娜",
        "--area-manager", "boss_east=城东片区"]


def as_login(url: str, login: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{login}@{parts.netloc.rpartition('@')[2]}"))


@pytest.fixture
def team(pg_url, tmp_path, monkeypatch):
    """A seeded database with the team set up by the administrator (the server's owner)."""
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("CMGR_CONFIG", str(config))
    monkeypatch.setenv("CMGR_DB", pg_url)
    db = open_database(pg_url)
    with db.transaction():
        db.executemany("INSERT INTO customers (customer_code, customer_name, manager, status) "
                       "VALUES (?, ?, ?, '正常')",
                       [(A_CUSTOMER, "张记便利店", "王建国"), (B_CUSTOMER, "李家烟酒", "李娜"),
                        (WEST_CUSTOMER, "城西超市", "张敏")])
    db.close()
    done = run([*TEAM, "--format", "json"])
    assert done.exit_code == 0, done.output
    return pg_url


def _visit(customer: str, day: date = date(2026, 11, 30)):
    from cmgr.store.customers import VisitRecord

    return VisitRecord(visit_date=day, customer_code=customer, visit_type="常规访问",
                       notes="价签齐全")


def _complaint(customer: str):
    from cmgr.core.complaint_flow import parse_quantity
    from cmgr.store.complaints import NewComplaint

    return NewComplaint(customer, None, "利群(休闲)", parse_quantity("5包"), "受潮霉变",
                        at="2026-11-30T10:00:00")


def test_init_team_records_members_and_prints_each_configuration_line(team) -> None:
    import json

    done = run([*TEAM, "--format", "json"])
    assert done.exit_code == 0, done.output
    members = {m["login"]: m for m in json.loads(done.stdout)["members"]}
    assert set(members) == {"mgr_a", "mgr_b", "boss_east"}
    assert (members["mgr_a"]["role"], members["mgr_a"]["manager"], members["mgr_a"]["area"]) == (
        "manager", "王建国", "城东片区")
    assert (members["boss_east"]["role"], members["boss_east"]["area"]) == ("area_manager", "城东片区")
    assert members["mgr_b"]["config"] == "CMGR_DB=" + as_login(team, "mgr_b")


def test_a_manager_writes_their_own_customers_and_the_database_refuses_the_others(team) -> None:
    from cmgr.store.complaints import create_complaint
    from cmgr.store.customers import add_visit

    a = open_database(as_login(team, "mgr_a"))
    try:
        assert add_visit(a, _visit(A_CUSTOMER))["customer_code"] == A_CUSTOMER
        assert create_complaint(a, _complaint(A_CUSTOMER))["id"].startswith("TS-20261130-")
        # No application check on this path (the store, no [user] role): the database refuses.
        with pytest.raises(NotPermitted) as refused:
            add_visit(a, _visit(B_CUSTOMER))
        assert "只能写入自己客户的记录" in refused.value.message
        assert "visits" in refused.value.message
        assert refused.value.exit_code == ExitCode.USAGE
        with pytest.raises(NotPermitted):
            create_complaint(a, _complaint(B_CUSTOMER))
        # Nothing of the refused writes was kept, and the connection is usable after them.
        assert a.scalar("SELECT count(*) FROM visits WHERE customer_code = ?", (B_CUSTOMER,)) == 0
        assert a.scalar("SELECT count(*) FROM complaints") == 1
        # A manager reads their area (李娜's customer) but not 城西片区.
        b = open_database(as_login(team, "mgr_b"))
        try:
            add_visit(b, _visit(B_CUSTOMER))
        finally:
            b.close()
        seen = {r[0] for r in a.query("SELECT customer_code FROM visits")}
        assert seen == {A_CUSTOMER, B_CUSTOMER}
    finally:
        a.close()
    admin = open_database(team)
    try:
        add_visit(admin, _visit(WEST_CUSTOMER))  # the owner is not bound by the policies
    finally:
        admin.close()
    a = open_database(as_login(team, "mgr_a"))
    try:
        assert WEST_CUSTOMER not in {r[0] for r in a.query("SELECT customer_code FROM visits")}
    finally:
        a.close()


def test_the_cli_says_which_rule_refused_the_write(team, monkeypatch) -> None:
    monkeypatch.setenv("CMGR_DB", as_login(team, "mgr_a"))
    done = run(["visit", "log", "--customer", A_CUSTOMER, "--date", "2026-11-30",
                "--notes", "价签齐全", "--format", "json"])
    assert done.exit_code == 0, done.output
    done = run(["visit", "log", "--customer", B_CUSTOMER, "--date", "2026-11-30",
                "--notes", "价签齐全"])
    assert done.exit_code == ExitCode.USAGE, done.output
    assert "不允许：数据库拒绝了对表 visits 的写入：客户经理只能写入自己客户的记录" in done.output
    assert "Traceback" not in done.output


def test_the_area_manager_reads_the_area_and_records_decisions_but_writes_no_visit(team) -> None:
    from cmgr.core import complaint_flow as flow
    from cmgr.store.complaints import create_complaint, record_step
    from cmgr.store.customers import add_visit

    a = open_database(as_login(team, "mgr_a"))
    b = open_database(as_login(team, "mgr_b"))
    boss = open_database(as_login(team, "boss_east"))
    try:
        add_visit(a, _visit(A_CUSTOMER))
        add_visit(b, _visit(B_CUSTOMER))
        cid = create_complaint(a, _complaint(A_CUSTOMER))["id"]
        for step in ("inspect", "sign", "submit"):
            record_step(a, cid, flow.StepInput(step, by="王建国", note="现场查看"))
        # The manager cannot approve their own complaint: the database says no.
        with pytest.raises(NotPermitted):
            record_step(a, cid, flow.StepInput("approve", by="王建国", remark="同意"))
        assert {r[0] for r in boss.query("SELECT customer_code FROM visits")} == {
            A_CUSTOMER, B_CUSTOMER}
        approved = record_step(boss, cid, flow.StepInput("approve", by="刘主任", remark="同意调换"))
        assert approved["status"] == "approved"
        with pytest.raises(NotPermitted):
            add_visit(boss, _visit(A_CUSTOMER))
        # The decision is visible to the manager at once.
        assert a.scalar("SELECT status FROM complaints WHERE id = ?", (cid,)) == "approved"
    finally:
        for db in (a, b, boss):
            db.close()


def _catalogue(url: str) -> dict:
    db = open_database(url)
    try:
        return {
            "policies": [tuple(r) for r in db.query(
                "SELECT tablename, policyname, cmd, roles::text, qual, with_check FROM pg_policies "
                "WHERE schemaname = current_schema() ORDER BY tablename, policyname")],
            "grants": [tuple(r) for r in db.query(
                "SELECT grantee, table_name, privilege_type FROM information_schema.role_table_grants "
                "WHERE grantee LIKE 'cmgr_%' ORDER BY grantee, table_name, privilege_type")],
            "members": [tuple(r) for r in db.query("SELECT * FROM team_members ORDER BY login")],
            "roles": [tuple(r) for r in db.query(
                "SELECT g.rolname, m.rolname FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid "
                "JOIN pg_roles m ON m.oid = a.member WHERE g.rolname LIKE 'cmgr_%' "
                "ORDER BY g.rolname, m.rolname")],
            "rls": [tuple(r) for r in db.query(
                "SELECT relname, relrowsecurity FROM pg_class WHERE relrowsecurity ORDER BY relname")],
        }
    finally:
        db.close()


def test_init_team_twice_changes_nothing(team) -> None:
    before = _catalogue(team)
    assert len(before["policies"]) > 20 and ("team_members",) not in before["rls"]
    assert ("cmgr_manager", "mgr_a") in before["roles"]
    done = run(TEAM)
    assert done.exit_code == 0, done.output
    assert _catalogue(team) == before


def test_init_team_on_sqlite_says_the_application_checks_there(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CMGR_DB", str(tmp_path / "cmgr.db"))
    done = run(["db", "init-team", "--manager", "mgr_a=王建国"])
    assert done.exit_code == ExitCode.USAGE, done.output
    assert "只用于 PostgreSQL" in done.output and "[user]" in done.output
    assert not (tmp_path / "cmgr.db").exists()


def test_bad_login_names_are_refused(team) -> None:
    done = run(["db", "init-team", "--manager", "Wang JG=王建国"])
    assert done.exit_code == ExitCode.USAGE, done.output
    assert "登录名" in done.output


def test_two_writers_at_once_get_distinct_numbers(team) -> None:
    """Two connections create complaints and visits of the same day at the same moment: each
    number is given once (the advisory lock around the numbering)."""
    from cmgr.store.complaints import create_complaint
    from cmgr.store.customers import add_visit

    start = threading.Barrier(2)
    made: dict[str, list[str]] = {"complaints": [], "visits": []}
    errors: list[BaseException] = []
    guard = threading.Lock()

    def writer(login: str, customer: str) -> None:
        db = open_database(as_login(team, login))
        try:
            start.wait()
            for _ in range(6):
                cid = create_complaint(db, _complaint(customer))["id"]
                vid = add_visit(db, _visit(customer))["visit_id"]
                with guard:
                    made["complaints"].append(cid)
                    made["visits"].append(vid)
        except BaseException as exc:  # reported below, with the thread's error
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=writer, args=args)
               for args in (("mgr_a", A_CUSTOMER), ("mgr_b", B_CUSTOMER))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert len(made["complaints"]) == 12 and len(set(made["complaints"])) == 12
    assert len(made["visits"]) == 12 and len(set(made["visits"])) == 12
    assert sorted(made["visits"]) == [f"FW-20261130-{n:03d}" for n in range(1, 13)]


def test_an_import_records_who_made_it(team, monkeypatch, tmp_path) -> None:
    csv = tmp_path / "prices.csv"
    csv.write_text("卷烟编码,卷烟名称,批发价,零售指导价\n6901028075022,利群(休闲),230,260\n",
                   encoding="utf-8")
    monkeypatch.setenv("CMGR_DB", as_login(team, "mgr_a"))
    done = run(["import", "prices", str(csv)])
    assert done.exit_code == 0, done.output
    db = open_database(team)
    try:
        assert db.scalar("SELECT created_by FROM imports ORDER BY id DESC LIMIT 1") == "mgr_a"
    finally:
        db.close()


def test_flags_scanned_by_a_manager_reviewed_by_their_own_and_decided_by_the_area_manager(
        team, monkeypatch) -> None:
    """The scan (derived from the visits) runs for any member; a review is the customer's
    manager's; the decision the area manager's, through the CLI as each login."""
    import json

    admin = open_database(team)
    with admin.transaction():
        admin.executemany("INSERT INTO visits (visit_key, visit_date, customer_code, manager, notes) "
                          "VALUES (?, '2026-11-20', ?, ?, '店内发现无证经营的卷烟')",
                          [("va", A_CUSTOMER, "王建国"), ("vb", B_CUSTOMER, "李娜")])
    admin.close()
    monkeypatch.setenv("CMGR_DB", as_login(team, "mgr_a"))
    done = run(["flag", "--format", "json"])
    assert done.exit_code == 0, done.output
    flags = {f["customer_code"]: f for f in json.loads(done.stdout)}
    assert {A_CUSTOMER, B_CUSTOMER} <= set(flags)
    done = run(["flag", "review", "--customer", A_CUSTOMER, "--report"])
    assert done.exit_code == 0, done.output
    done = run(["flag", "review", "--customer", B_CUSTOMER, "--report"])
    assert done.exit_code == ExitCode.USAGE, done.output
    assert "只能写入自己客户的记录" in done.output
    # A manager records no decision; the area manager does.
    done = run(["area", "decide", str(flags[A_CUSTOMER]["id"]), "--decision", "降级",
                "--by", "刘主任", "--date", "2026-11-25"])
    assert done.exit_code == ExitCode.USAGE, done.output
    assert "只有区域市场经理能记录决定" in done.output
    monkeypatch.setenv("CMGR_DB", as_login(team, "boss_east"))
    done = run(["area", "decide", str(flags[A_CUSTOMER]["id"]), "--decision", "降级",
                "--by", "刘主任", "--date", "2026-11-25"])
    assert done.exit_code == 0, done.output
    a = open_database(as_login(team, "mgr_a"))
    try:
        assert a.scalar("SELECT status FROM flags WHERE id = ?", (flags[A_CUSTOMER]["id"],)) == "closed"
        assert a.scalar("SELECT decision FROM flag_decisions") == "downgrade"
    finally:
        a.close()


def test_a_member_cannot_migrate_and_is_told_who_can(team) -> None:
    admin = open_database(team)
    with admin.transaction():
        admin.execute("DELETE FROM schema_migrations WHERE version = 13")  # as if not yet upgraded
    admin.close()
    with pytest.raises(NotPermitted) as refused:
        open_database(as_login(team, "mgr_a"))
    assert "数据库用户没有这项权限" in refused.value.message
    assert "所有者" in refused.value.hint


def test_init_team_by_a_member_is_refused_and_changes_nothing(team, monkeypatch) -> None:
    before = _catalogue(team)
    monkeypatch.setenv("CMGR_DB", as_login(team, "mgr_a"))
    done = run(["db", "init-team", "--manager", "mgr_a=李娜"])
    assert done.exit_code == ExitCode.USAGE, done.output
    assert "所有者" in done.output and "Traceback" not in done.output
    assert _catalogue(team) == before
