"""`cmgr db init-team`: the team's roles and row-level security on a PostgreSQL database
(cmgr.store.team), with each member's login, name and area (docs/postgresql.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from cmgr.errors import UsageError
from cmgr.i18n import tr
from cmgr.store.team import LOGIN_NAME, Member


@dataclass
class TeamResult:
    members: list[dict]  # every member of team_members, with the configuration line
    created: list[str]  # logins created by this run
    unknown_managers: list[str]  # names given that no customer of the roster has


def parse_members(managers: Sequence[str], area_managers: Sequence[str],
                  areas: dict[str, list[str]]) -> list[Member]:
    """`LOGIN=姓名` for a manager (the area from the configuration's [area]); `LOGIN=片区`
    (or `LOGIN`: the whole team) for an area manager."""
    from cmgr.core.area import area_of_manager

    out: dict[str, Member] = {}
    for option, items in (("--manager", managers), ("--area-manager", area_managers)):
        for item in items:
            login, sep, value = item.replace("＝", "=").partition("=")
            login, value = login.strip(), value.strip()
            if not LOGIN_NAME.match(login):
                raise UsageError(tr("{option} {item}：数据库登录名应为小写字母、数字和下划线，"
                                    "以字母开头", option=option, item=item),
                                 hint=tr("例如 {option} wangjg=王建国", option=option))
            if option == "--manager":
                if not value:
                    raise UsageError(tr("{option} {item}：缺少客户经理姓名", option=option,
                                        item=item),
                                     hint=tr("写成 登录名=姓名，姓名与客户名册的客户经理列相同，"
                                             "例如 --manager wangjg=王建国"))
                member = Member(login, "manager", value, area_of_manager(areas, value))
            else:
                if value and areas and value not in areas:
                    raise UsageError(tr("{option} {item}：找不到片区「{area}」", option=option,
                                        item=item, area=value),
                                     hint=tr("配置 [area] 中的片区：{names}",
                                             names="、".join(areas)))
                member = Member(login, "area_manager", None, value or None)
            if login in out and out[login] != member:
                raise UsageError(tr("登录名 {login} 出现了两次，且内容不同", login=login))
            out[login] = member
    return list(out.values())


def require_postgres(is_postgres: bool) -> None:
    """init-team on an SQLite file: refused, saying where SQLite's rules are checked."""
    if not is_postgres:
        raise UsageError(
            tr("cmgr db init-team 只用于 PostgreSQL 数据库；SQLite 文件没有数据库用户，"
               "由 cmgr 按配置 [user] name/role/area 检查谁能写什么"),
            hint=tr("见 docs/area.md「谁能写什么」；团队共用数据库见 docs/postgresql.md"))


def init_team(db, cfg, managers: Sequence[str], area_managers: Sequence[str]) -> TeamResult:
    from cmgr.jobs.area import areas as configured_areas
    from cmgr.store.team import apply_team, roster_managers, team_members

    require_postgres(db.is_postgres)
    members = parse_members(managers, area_managers, configured_areas(cfg))
    known = roster_managers(db)
    unknown = sorted({m.manager for m in members if m.manager and m.manager not in known})
    created = apply_team(db, members)
    rows = team_members(db)
    for row in rows:
        row["config"] = f"CMGR_DB={_url_for(db.url, row['login'])}"
    return TeamResult(rows, created, unknown)


def _url_for(url: str, login: str) -> str:
    """The administrator's database URL with the member's login as its user."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{login}@{host}"))
