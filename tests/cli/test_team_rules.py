"""The second round of who-may-touch-what (issue 18): every write records who made it (the
database user on PostgreSQL, `[user] name` on SQLite); the plan, promotion, customer-upkeep
and import-log tables have row rules (PostgreSQL) and application checks (SQLite); an UPDATE
or DELETE of rows the login sees but may not write is refused, not a silent "0 rows".

The territory of tests/cli/records_seed.py (王建国: C001-C004, 李娜: C005) plus 张敏's C900 in
another area. On PostgreSQL (the session's throwaway server; skipped, with the reason, when
none can be started) the logins are mgr_a (王建国), mgr_b (李娜) and boss_east (区域市场经理 of
城东片区, both managers' area); 张敏 has no login."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from cmgr.core.area import NotPermitted
from cmgr.errors import ExitCode
from cmgr.store.db import open_database
from tests.cli.records_seed import rows, run, run_json, seed
from tests.cli.test_team_pg import CONFIG, TEAM, as_login  # the same team on both files

WEST = "C900"


def _configure(tmp_path, monkeypatch, name: str | None = None, role: str | None = None) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("CMGR_CONFIG", str(config))
    for var, value in (("CMGR_USER_NAME", name), ("CMGR_USER_ROLE", role)):
        if value is None:
            monkeypatch.delenv(var, raising=False)
        else:
            monkeypatch.setenv(var, value)


def _seed(target) -> None:
    db = open_database(target)
    try:
        with db.transaction():
            seed(db)
            db.execute("INSERT INTO customers (customer_code, customer_name, manager, status, route) "
                       "VALUES (?, '城西超市', '张敏', '正常', '城西二线')", (WEST,))
    finally:
        db.close()


@pytest.fixture
def team(pg_url, tmp_path, monkeypatch):
    _configure(tmp_path, monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CMGR_DB", pg_url)
    _seed(pg_url)
    done = run(TEAM)
    assert done.exit_code == 0, done.output
    return pg_url


def _plan(manager: str, week: str = "2026-W49") -> dict:
    return {"manager": manager, "week": week, "week_start": "2026-11-30", "week_end": "2026-12-06",
            "workdays": "2026-11-30", "visits_per_day": 1, "km": None,
            "visits": [{"date": "2026-11-30", "seq": 1, "customer_code": "C005",
                        "customer_name": "赵六商店", "route": None, "grade": None,
                        "kind": "routine", "due": 1, "reasons": "", "last_visit": None,
                        "next_due": None, "km_from_previous": None}],
            "pushed": []}


def _scalar(url: str, sql: str, params: tuple = ()):
    db = open_database(url)
    try:
        return db.scalar(sql, params)
    finally:
        db.close()


# --- who made each write ---------------------------------------------------------------------

def test_on_postgresql_every_write_records_the_database_user(team, monkeypatch, tmp_path) -> None:
    """mgr_a has `[user] name = 王建国` configured: the rows record the login the server
    vouches for, not the name a configuration could give."""
    from cmgr.store.plans import save_plans

    _configure(tmp_path, monkeypatch, name="王建国")
    monkeypatch.setenv("CMGR_DB", as_login(team, "mgr_a"))
    visit = run_json(["visit", "log", "--customer", "C001", "--date", "2026-11-30",
                      "--notes", "价签齐全"])
    assert (visit["created_by"], visit["changed_by"]) == ("mgr_a", "mgr_a")
    done = run(["visit", "edit", visit["visit_id"], "--notes", "价签齐全，已补"])
    assert done.exit_code == 0, done.output
    cid = run(["complaint", "new", "--customer", "C001", "--sku", "6901028229524", "--qty", "2",
               "--problem", "烟支发霉", "--no-form"]).stdout.strip()
    assert run(["complaint", "inspect", cid, "--note", "现场"]).exit_code == 0
    done = run(["customer", "edit", "C001", "--phone", "13900000000", "--reason", "信息维护"])
    assert done.exit_code == 0, done.output
    done = run(["promo", "receipt", "--campaign", "冬季", "--item", "台历", "--qty", "1",
                "--customers", "C001", "--format", "html", "--out", str(tmp_path / "r.html")])
    assert done.exit_code == 0, done.output
    csv = tmp_path / "prices.csv"
    csv.write_text("卷烟编码,卷烟名称,批发价,零售指导价\n6901028075022,利群(休闲),230,260\n",
                   encoding="utf-8")
    assert run(["import", "prices", str(csv)]).exit_code == 0
    a = open_database(as_login(team, "mgr_a"))
    try:
        save_plans(a, [_plan("王建国")])
    finally:
        a.close()
    admin = open_database(team)
    try:
        recorded = {
            "visits": admin.query("SELECT created_by, changed_by FROM visits"),
            "visit_events": admin.query("SELECT recorded_by FROM visit_events"),
            "complaints": admin.query("SELECT changed_by FROM complaints"),
            "complaint_events": admin.query("SELECT recorded_by FROM complaint_events"),
            "customer_events": admin.query("SELECT recorded_by FROM customer_events"),
            "customer_overrides": admin.query("SELECT set_by FROM customer_overrides"),
            "promo_receipts": admin.query("SELECT created_by FROM promo_receipts"),
            "promo_campaigns": admin.query("SELECT created_by FROM promo_campaigns"),
            "plans": admin.query("SELECT created_by FROM plans"),
            "imports": admin.query("SELECT created_by FROM imports WHERE kind = 'prices'"),
        }
        # The history still names the person (the configured name), beside the login.
        assert admin.scalar("SELECT by FROM complaint_events WHERE step = 'inspect'") == "王建国"
    finally:
        admin.close()
    for table, found in recorded.items():
        assert found, table
        assert {v for r in found for v in tuple(r)} == {"mgr_a"}, (table, found)


def test_on_sqlite_every_write_records_the_configured_name(seeded_dbpath, tmp_path,
                                                           monkeypatch) -> None:
    _configure(tmp_path, monkeypatch, name="王建国")
    visit = run_json(["visit", "log", "--customer", "C001", "--date", "2026-11-30",
                      "--notes", "价签齐全"])
    assert (visit["created_by"], visit["changed_by"]) == ("王建国", "王建国")
    done = run(["plan-week", "--manager", "王建国", "--week", "2026-W49", "--format", "json"])
    assert done.exit_code == 0, done.output
    done = run(["customer", "edit", "C001", "--phone", "13900000000"])
    assert done.exit_code == 0, done.output
    done = run(["promo", "recommend", "--manager", "王建国", "--top", "2", "--format", "json"])
    assert done.exit_code == 0, done.output
    assert rows(seeded_dbpath, "SELECT created_by FROM plans") == [{"created_by": "王建国"}]
    assert rows(seeded_dbpath, "SELECT set_by FROM customer_overrides") == [{"set_by": "王建国"}]
    assert rows(seeded_dbpath, "SELECT recorded_by FROM customer_events") == [
        {"recorded_by": "王建国"}]
    assert rows(seeded_dbpath, "SELECT created_by FROM promo_lists") == [{"created_by": "王建国"}]


# --- row rules on plans, promotion lists, customer upkeep, the import log ----------------------

def test_plans_are_the_managers_own_and_the_area_reads_them(team) -> None:
    from cmgr.store.plans import save_plans

    a = open_database(as_login(team, "mgr_a"))
    b = open_database(as_login(team, "mgr_b"))
    boss = open_database(as_login(team, "boss_east"))
    admin = open_database(team)
    try:
        save_plans(b, [_plan("李娜")])
        save_plans(admin, [_plan("张敏")])
        with pytest.raises(NotPermitted) as refused:  # 李娜's week, by 王建国's login
            save_plans(a, [_plan("李娜")])
        assert refused.value.exit_code == ExitCode.USAGE
        assert "plans" in refused.value.message
        assert "访问计划" in refused.value.hint
        with pytest.raises(NotPermitted):
            save_plans(a, [_plan("李娜", week="2026-W50")])  # a week 李娜 has no plan for
        with pytest.raises(NotPermitted):
            save_plans(boss, [_plan("王建国")])  # the area manager writes no plan
        # 李娜's plan is untouched, and seen across the area; 张敏's (城西片区) is not.
        assert b.scalar("SELECT count(*) FROM plan_visits") == 1
        assert {r[0] for r in a.query("SELECT manager FROM plans")} == {"李娜"}
        assert {r[0] for r in boss.query("SELECT manager FROM plans")} == {"李娜"}
        assert admin.scalar("SELECT count(*) FROM plans") == 2
        with pytest.raises(NotPermitted):  # reasons in another manager's plan
            a.execute("INSERT INTO plan_miss_reasons (manager, week, customer_code, reason, "
                      "recorded_at) VALUES ('李娜', '2026-W49', 'C005', '关门', '2026-12-01')")
    finally:
        for db in (a, b, boss, admin):
            db.close()


def test_promotion_lists_receipts_and_customer_upkeep_are_the_managers_own(team) -> None:
    from cmgr.store.promo import ensure_campaign, record_receipts

    a = open_database(as_login(team, "mgr_a"))
    try:
        with pytest.raises(NotPermitted) as refused:
            a.execute("INSERT INTO promo_lists (created_at, manager, as_of, settings) "
                      "VALUES ('2026-12-01T00:00:00', '李娜', '2026-11-30', '{}')")
        assert "promo_lists" in refused.value.message and "促销推荐名单" in refused.value.hint
        a.execute("INSERT INTO promo_lists (created_at, manager, as_of, settings) "
                  "VALUES ('2026-12-01T00:00:00', '王建国', '2026-11-30', '{}')")
        camp = ensure_campaign(a, "冬季", item="台历", qty=1)  # campaigns are the team's
        record_receipts(a, int(camp["id"]), [("C001", "台历", 1)], date(2026, 12, 1))
        with pytest.raises(NotPermitted):
            record_receipts(a, int(camp["id"]), [("C005", "台历", 1)], date(2026, 12, 1))
        with pytest.raises(NotPermitted):
            a.execute("INSERT INTO customer_overrides (customer_code, field, value, set_on) "
                      "VALUES ('C005', 'phone', '1', '2026-12-01')")
        assert a.scalar("SELECT count(*) FROM promo_receipts") == 1
    finally:
        a.close()


def test_the_import_log_is_its_importers(team, monkeypatch, tmp_path) -> None:
    csv = tmp_path / "prices.csv"
    csv.write_text("卷烟编码,卷烟名称,批发价,零售指导价\n6901028075022,利群(休闲),230,260\n",
                   encoding="utf-8")
    monkeypatch.setenv("CMGR_DB", as_login(team, "mgr_b"))
    assert run(["import", "prices", str(csv)]).exit_code == 0
    monkeypatch.setenv("CMGR_DB", as_login(team, "boss_east"))
    done = run(["import", "prices", str(csv)])  # the area manager does not import
    assert done.exit_code == ExitCode.USAGE, done.output
    a = open_database(as_login(team, "mgr_a"))
    try:
        theirs = a.scalar("SELECT id FROM imports WHERE created_by = 'mgr_b'")
        assert theirs is not None  # readable by every member
        with pytest.raises(NotPermitted) as refused:
            a.execute("UPDATE imports SET stored = 0 WHERE id = ?", (theirs,))
        assert "imports" in refused.value.message
        with pytest.raises(NotPermitted):
            a.execute("INSERT INTO imports (kind, file_name, started_at, created_by) "
                      "VALUES ('prices', 'x.csv', '2026-12-01T00:00:00', 'mgr_b')")
    finally:
        a.close()
    assert _scalar(team, "SELECT stored FROM imports WHERE created_by = 'mgr_b'") == 1


# --- an UPDATE/DELETE narrowed by row-level security is a refusal -----------------------------

def test_changing_another_managers_rows_is_refused_not_silently_skipped(team) -> None:
    from cmgr.store.customers import VisitRecord, add_visit

    b = open_database(as_login(team, "mgr_b"))
    admin = open_database(team)
    try:
        theirs = add_visit(b, VisitRecord(visit_date=date(2026, 11, 30), customer_code="C005",
                                          visit_type="常规访问", notes="李娜的访问"))["id"]
        west = add_visit(admin, VisitRecord(visit_date=date(2026, 11, 30), customer_code=WEST,
                                            visit_type="常规访问", notes="城西"))["id"]
    finally:
        b.close()
        admin.close()
    a = open_database(as_login(team, "mgr_a"))
    try:
        with pytest.raises(NotPermitted) as refused:
            a.execute("UPDATE visits SET notes = '改了' WHERE id = ?", (theirs,))
        assert refused.value.exit_code == ExitCode.USAGE
        assert "visits" in refused.value.message and "能查看但不能修改" in refused.value.message
        assert "自己客户的记录" in refused.value.hint
        with pytest.raises(NotPermitted) as refused:
            a.execute("DELETE FROM visits WHERE id = ?", (theirs,))
        assert "能查看但不能删除" in refused.value.message
        with pytest.raises(NotPermitted):  # in a transaction: nothing of it is kept
            with a.transaction():
                a.executemany("UPDATE visits SET notes = ? WHERE id = ?",
                              [("自己的", theirs), ("别人的", theirs)])
        # A row of another area is not seen at all: nothing to change, not a refusal.
        assert a.execute("UPDATE visits SET notes = '改了' WHERE id = ?", (west,)).rowcount == 0
        mine = add_visit(a, VisitRecord(visit_date=date(2026, 11, 30), customer_code="C001",
                                        visit_type="常规访问", notes="王建国的"))["id"]
        assert a.execute("UPDATE visits SET notes = '已补' WHERE id = ?", (mine,)).rowcount == 1
    finally:
        a.close()
    assert _scalar(team, "SELECT notes FROM visits WHERE id = ?", (theirs,)) == "李娜的访问"


def test_the_cli_refuses_editing_another_managers_visit(team, monkeypatch) -> None:
    """No `[user] role` configured, so only the database says no: exit 2, the rule named."""
    monkeypatch.setenv("CMGR_DB", as_login(team, "mgr_b"))
    visit = run_json(["visit", "log", "--customer", "C005", "--date", "2026-11-30",
                      "--notes", "李娜的访问"])
    monkeypatch.setenv("CMGR_DB", as_login(team, "mgr_a"))
    for args in (["visit", "edit", visit["visit_id"], "--notes", "改了"],
                 ["--yes", "visit", "delete", visit["visit_id"]]):
        done = run(args)
        assert done.exit_code == ExitCode.USAGE, done.output
        assert "不允许" in done.output and "visits" in done.output
        assert "Traceback" not in done.output
    assert _scalar(team, "SELECT notes FROM visits WHERE visit_id = ?",
                   (visit["visit_id"],)) == "李娜的访问"


# --- SQLite: the same rules, checked by the application -----------------------------------------

def test_on_sqlite_a_manager_saves_only_their_own_plans_and_lists(seeded_dbpath, tmp_path,
                                                                  monkeypatch) -> None:
    _configure(tmp_path, monkeypatch, name="王建国", role="manager")
    done = run(["plan-week", "--manager", "李娜", "--week", "2026-W49", "--format", "json"])
    assert done.exit_code == ExitCode.USAGE, done.output
    assert "只能写入自己的访问计划" in done.output and "李娜" in done.output
    done = run(["plan-week", "--manager", "李娜", "--week", "2026-W49", "--no-save",
                "--format", "json"])
    assert done.exit_code == 0, done.output  # a preview saves nothing: allowed
    done = run(["plan-week", "--manager", "王建国", "--week", "2026-W49", "--format", "json"])
    assert done.exit_code == 0, done.output
    done = run(["promo", "recommend", "--manager", "李娜", "--format", "json"])
    assert done.exit_code == ExitCode.USAGE, done.output
    assert "只能写入自己的促销推荐名单" in done.output
    done = run(["promo", "receipt", "--campaign", "冬季", "--item", "台历", "--customers", "C005",
                "--format", "html", "--out", str(tmp_path / "r.html")])
    assert done.exit_code == ExitCode.USAGE, done.output
    assert "只能写入自己客户的促销签收" in done.output
    assert not (tmp_path / "r.html").exists()
    assert rows(seeded_dbpath, "SELECT manager FROM plans") == [{"manager": "王建国"}]
    assert rows(seeded_dbpath, "SELECT count(*) AS n FROM promo_lists") == [{"n": 0}]
    assert rows(seeded_dbpath, "SELECT count(*) AS n FROM promo_receipts") == [{"n": 0}]


def test_on_sqlite_a_miss_reason_goes_only_into_the_managers_own_plan(seeded_dbpath, tmp_path,
                                                                     monkeypatch) -> None:
    last = rows(seeded_dbpath, "SELECT max(order_date) AS d FROM order_lines")[0]["d"]
    week = (date.fromisoformat(last) - timedelta(days=7)).isocalendar()
    label = f"{week[0]}-W{week[1]:02d}"
    _configure(tmp_path, monkeypatch)
    done = run(["plan-week", "--manager", "李娜", "--week", label, "--format", "json"])
    assert done.exit_code == 0, done.output
    _configure(tmp_path, monkeypatch, name="王建国", role="manager")
    done = run(["plan-review", "--manager", "李娜", "--week", label, "--reason", "C005:关门"])
    assert done.exit_code == ExitCode.USAGE, done.output
    assert "只能写入自己的访问计划" in done.output
    assert rows(seeded_dbpath, "SELECT count(*) AS n FROM plan_miss_reasons") == [{"n": 0}]
    _configure(tmp_path, monkeypatch, name="区域经理", role="area_manager")
    done = run(["plan-week", "--manager", "王建国", "--week", label])
    assert done.exit_code == ExitCode.USAGE, done.output
    assert "区域市场经理不能写入" in done.output


# --- migrate-to is the owner's -----------------------------------------------------------------

def test_migrate_to_as_a_team_member_is_refused_first_naming_the_owner(team, tmp_path,
                                                                      monkeypatch) -> None:
    source = tmp_path / "own.db"
    _seed(source)
    before = _scalar(team, "SELECT count(*) FROM order_lines")
    monkeypatch.delenv("CMGR_DB", raising=False)
    done = run(["--db", str(source), "db", "migrate-to", as_login(team, "mgr_a")])
    assert done.exit_code == ExitCode.USAGE, done.output
    assert "所有者" in done.output and "mgr_a" in done.output and "未写入任何内容" in done.output
    assert "Traceback" not in done.output and "psycopg" not in done.output
    assert _scalar(team, "SELECT count(*) FROM order_lines") == before
    # The owner's run goes through (all already there: the same territory).
    done = run(["-q", "--db", str(source), "db", "migrate-to", team, "--format", "json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["committed"] and report["tables"]["order_lines"]["copied"] == 0, report


# --- the team file, and removing a member --------------------------------------------------------

TEAM_TOML = """
[[area_manager]]
login = "boss_east"
area = "城东片区"

[[manager]]
login = "mgr_a"
name = "王建国"

[[manager]]
login = "mgr_b"
name = "李娜"
"""
TEAM_CSV = "登录名,角色,姓名,片区\nboss_east,区域市场经理,,城东片区\nmgr_a,客户经理,王建国,\n" \
           "mgr_b,客户经理,李娜,\n"


def _members(url: str) -> list[tuple]:
    db = open_database(url)
    try:
        return [tuple(r) for r in db.query(
            "SELECT t.login, t.role, t.manager, t.area, (SELECT string_agg(g.rolname, ',') "
            "FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m "
            "ON m.oid = a.member WHERE m.rolname = t.login) FROM team_members t ORDER BY t.login")]
    finally:
        db.close()


@pytest.mark.parametrize("suffix, text", [(".toml", TEAM_TOML), (".csv", TEAM_CSV)])
def test_a_team_file_sets_up_the_same_team_and_twice_changes_nothing(pg_url, tmp_path,
                                                                     monkeypatch, suffix,
                                                                     text) -> None:
    from tests.cli.test_team_pg import _catalogue

    _configure(tmp_path, monkeypatch)
    monkeypatch.setenv("CMGR_DB", pg_url)
    _seed(pg_url)
    team_file = tmp_path / f"team{suffix}"
    team_file.write_text(text, encoding="utf-8")
    done = run(["db", "init-team", "--team", str(team_file)])
    assert done.exit_code == 0, done.output
    assert _members(pg_url) == [
        ("boss_east", "area_manager", None, "城东片区", "cmgr_area_manager"),
        ("mgr_a", "manager", "王建国", "城东片区", "cmgr_manager"),
        ("mgr_b", "manager", "李娜", "城东片区", "cmgr_manager")]
    before = _catalogue(pg_url)
    done = run(["db", "init-team", "--team", str(team_file)])
    assert done.exit_code == 0, done.output
    assert _catalogue(pg_url) == before
    done = run(TEAM)  # the same team given as options: the same catalogue
    assert done.exit_code == 0, done.output
    assert _catalogue(pg_url) == before


@pytest.mark.parametrize("suffix, text, said", [
    (".toml", '[[manager]]\nlogin = "Wang JG"\nname = "王建国"\n', "manager #1"),
    (".toml", '[[manager]]\nlogin = "mgr_a"\n', "缺少姓名"),
    (".toml", '[[managers]]\nlogin = "mgr_a"\n', "[[manager]]"),
    (".csv", "登录名,角色,姓名\nmgr_a,组长,王建国\n", "第 2 行"),
    (".csv", "姓名\n王建国\n", "登录名"),
])
def test_a_bad_team_file_is_refused_naming_where(pg_url, tmp_path, monkeypatch, suffix, text,
                                                 said) -> None:
    _configure(tmp_path, monkeypatch)
    monkeypatch.setenv("CMGR_DB", pg_url)
    team_file = tmp_path / f"team{suffix}"
    team_file.write_text(text, encoding="utf-8")
    done = run(["db", "init-team", "--team", str(team_file)])
    assert done.exit_code == ExitCode.USAGE, done.output
    assert said in done.output and "team" in done.output and "Traceback" not in done.output
    assert _members(pg_url) == []


def test_a_removed_member_keeps_its_rows_but_loses_every_right(team, monkeypatch) -> None:
    from cmgr.store.customers import VisitRecord, add_visit

    b = open_database(as_login(team, "mgr_b"))
    try:
        add_visit(b, VisitRecord(visit_date=date(2026, 11, 30), customer_code="C005",
                                 visit_type="常规访问", notes="李娜的访问"))
    finally:
        b.close()
    done = run(["db", "remove-member", "李娜", "--format", "json"])  # by the manager's name
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    assert out["removed"] == "mgr_b" and {m["login"] for m in out["members"]} == {"mgr_a",
                                                                                  "boss_east"}
    assert [m[0] for m in _members(team)] == ["boss_east", "mgr_a"]
    # The rows stay; the login still exists but may not even use the schema any more.
    assert _scalar(team, "SELECT count(*) FROM visits WHERE customer_code = 'C005'") == 1
    with pytest.raises(NotPermitted) as refused:
        open_database(as_login(team, "mgr_b"))
    assert "没有这项权限" in refused.value.message
    monkeypatch.setenv("CMGR_DB", as_login(team, "mgr_b"))
    done = run(["visit", "log", "--customer", "C005", "--date", "2026-12-01", "--notes", "又一次"])
    assert done.exit_code == ExitCode.USAGE and "Traceback" not in done.output, done.output
    monkeypatch.setenv("CMGR_DB", team)
    done = run(["db", "remove-member", "mgr_b"])  # not a member any more
    assert done.exit_code != 0 and "不是团队成员" in done.output, done.output
    done = run(TEAM)  # added back: its rights come back, its rows are there
    assert done.exit_code == 0, done.output
    assert _scalar(as_login(team, "mgr_b"), "SELECT count(*) FROM visits") == 1


def test_on_sqlite_a_manager_keeps_only_their_own_customers_details(seeded_dbpath, tmp_path,
                                                                    monkeypatch) -> None:
    _configure(tmp_path, monkeypatch, name="王建国", role="manager")
    for args in (["customer", "edit", "C005", "--phone", "13900000000"],
                 ["customer", "edit", "C001", "--manager", "李娜"],  # handing one over
                 ["customer", "leave", "C005", "--reason", "转让"],
                 ["customer", "join", "C777", "--name", "新店", "--manager", "李娜"]):
        done = run(args)
        assert done.exit_code == ExitCode.USAGE, (args, done.output)
        assert "不允许" in done.output and "客户信息" in done.output, (args, done.output)
    assert rows(seeded_dbpath, "SELECT count(*) AS n FROM customer_events") == [{"n": 0}]
    assert rows(seeded_dbpath, "SELECT manager FROM customers WHERE customer_code = 'C001'") == [
        {"manager": "王建国"}]
    for args in (["customer", "edit", "C001", "--phone", "13900000000"],
                 ["customer", "join", "C778", "--name", "新店", "--manager", "王建国"],
                 ["customer", "leave", "C002", "--reason", "转让"]):
        done = run(args)
        assert done.exit_code == 0, (args, done.output)
    assert rows(seeded_dbpath, "SELECT count(*) AS n FROM customer_events") == [{"n": 3}]


def test_on_postgresql_promo_receipt_takes_the_logins_own_last_list(team, tmp_path,
                                                                    monkeypatch) -> None:
    """A team database: without --customers, mgr_b (李娜) gets her own last list, not mgr_a's
    later one (whose customers the database would refuse her), and is told which it is."""
    monkeypatch.setenv("CMGR_DB", as_login(team, "mgr_b"))
    done = run(["promo", "recommend", "--manager", "李娜", "--format", "json"])
    assert done.exit_code == 0, done.output
    monkeypatch.setenv("CMGR_DB", as_login(team, "mgr_a"))
    done = run(["promo", "recommend", "--manager", "王建国", "--format", "json"])
    assert done.exit_code == 0, done.output
    monkeypatch.setenv("CMGR_DB", as_login(team, "mgr_b"))
    done = run(["promo", "receipt", "--campaign", "冬季", "--item", "台历", "--qty", "1",
                "--format", "html", "--out", str(tmp_path / "r.html")])
    assert done.exit_code == 0, done.output
    assert "取自李娜的推荐名单" in done.stderr
    admin = open_database(team)
    try:
        assert [r[0] for r in admin.query("SELECT customer_code FROM promo_receipts")] == ["C005"]
    finally:
        admin.close()
