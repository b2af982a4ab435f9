"""`cmgr db init-team`: the team's roles and row-level security on a PostgreSQL database
(cmgr.store.team), with each member's login, name and area (docs/postgresql.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from cmgr.errors import InputError, Location, NotFound, UsageError
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


# The team file's words: a CSV header (Chinese or English) and a role's words, per field.
_COLUMNS = {"login": ("登录名", "login"), "role": ("角色", "role"),
            "name": ("姓名", "客户经理", "name", "manager"), "area": ("片区", "area")}
_ROLE_WORDS = {"manager": ("客户经理", "manager"),
               "area_manager": ("区域市场经理", "区域经理", "area_manager", "area-manager")}


def read_team_file(path: str | Path) -> tuple[list[str], list[str]]:
    """A team file -> the (`--manager`, `--area-manager`) items it stands for (LOGIN=姓名,
    LOGIN=片区 or LOGIN). TOML: `[[manager]] login = "…" name = "…"` and `[[area_manager]]
    login = "…" area = "…"` (area optional: the whole team). CSV (UTF-8, with a header):
    登录名, 角色 (客户经理 / 区域市场经理), 姓名 (a manager's), 片区 (an area manager's)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(tr("读不了团队文件：{error}", error=exc), Location(str(path)),
                         hint=tr("团队文件应为 UTF-8 的 .toml 或 .csv")) from exc
    entries = _toml_entries(path, text) if path.suffix.lower() == ".toml" else _csv_entries(path, text)
    managers, area_managers = [], []
    for where, role, login, value in entries:
        if not LOGIN_NAME.match(login):
            raise InputError(tr("数据库登录名应为小写字母、数字和下划线，以字母开头；实际为「{login}」",
                                login=login), where)
        if role == "manager":
            if not value:
                raise InputError(tr("客户经理 {login} 缺少姓名（与客户名册的客户经理列相同）",
                                    login=login), where)
            managers.append(f"{login}={value}")
        else:
            area_managers.append(f"{login}={value}" if value else login)
    if not managers and not area_managers:
        raise InputError(tr("团队文件中没有成员"), Location(str(path)),
                         hint=tr("见 docs/postgresql.md「团队文件」"))
    return managers, area_managers


def _toml_entries(path: Path, text: str) -> list[tuple[Location, str, str, str]]:
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(tr("不是有效的 TOML：{error}", error=exc), Location(str(path))) from exc
    out = []
    for role, value_key in (("manager", "name"), ("area_manager", "area")):
        items = data.get(role, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise InputError(tr("[[{table}]] 应为表的数组，每项有 login 和 {key}", table=role,
                                key=value_key), Location(str(path), sheet=role))
        for n, item in enumerate(items, start=1):
            where = Location(str(path), sheet=f"{role} #{n}")
            unknown = set(item) - {"login", value_key}
            if unknown:
                raise InputError(tr("不认识的键：{keys}（应为 login 和 {key}）",
                                    keys=", ".join(sorted(unknown)), key=value_key), where)
            out.append((where, role, str(item.get("login", "")).strip(),
                        str(item.get(value_key, "") or "").strip()))
    unknown = set(data) - {"manager", "area_manager"}
    if unknown:
        raise InputError(tr("不认识的表：{tables}（应为 [[manager]] 和 [[area_manager]]）",
                            tables=", ".join(sorted(unknown))), Location(str(path)))
    return out


def _csv_entries(path: Path, text: str) -> list[tuple[Location, str, str, str]]:
    import csv
    import io

    reader = csv.reader(io.StringIO(text))
    header = next(reader, None) or []
    where_is: dict[str, int] = {}
    for i, title in enumerate(header):
        for field, words in _COLUMNS.items():
            if title.strip().lower() in words:
                where_is[field] = i
    missing = [_COLUMNS[f][0] for f in ("login", "role") if f not in where_is]
    if missing:
        raise InputError(tr("表头缺少列：{columns}（应有 登录名、角色、姓名、片区）",
                            columns="、".join(missing)), Location(str(path), row=1))
    out = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cell = {f: (row[i].strip() if i < len(row) else "") for f, i in where_is.items()}
        role = next((r for r, words in _ROLE_WORDS.items() if cell["role"].lower() in words), None)
        if role is None:
            raise InputError(tr("角色应为 客户经理 或 区域市场经理"),
                             Location(str(path), row=line, column=header[where_is["role"]],
                                      value=cell["role"]))
        value = cell.get("name", "") if role == "manager" else cell.get("area", "")
        out.append((Location(str(path), row=line), role, cell["login"], value))
    return out


def init_team(db, cfg, managers: Sequence[str], area_managers: Sequence[str], *,
              team_file: str | Path | None = None) -> TeamResult:
    """Set up (or bring up to date) the team: the members given as options and in
    `team_file`, the roles, grants and policies; running it again changes nothing."""
    from cmgr.jobs.area import areas as configured_areas
    from cmgr.store.team import apply_team, roster_managers, team_members

    require_postgres(db.is_postgres)
    if team_file is not None:
        from_file = read_team_file(team_file)
        managers, area_managers = [*from_file[0], *managers], [*from_file[1], *area_managers]
    members = parse_members(managers, area_managers, configured_areas(cfg))
    known = roster_managers(db)
    unknown = sorted({m.manager for m in members if m.manager and m.manager not in known})
    created = apply_team(db, members)
    rows = team_members(db)
    for row in rows:
        row["config"] = f"CMGR_DB={_url_for(db.url, row['login'])}"
    return TeamResult(rows, created, unknown)


@dataclass
class Removed:
    login: str
    role: str
    manager: str | None
    remaining: list[dict]  # team_members after the removal


def remove_member(db, who: str) -> Removed:
    """Take a member out of the team: its group (and so every right it had) revoked and its
    team_members row deleted; the rows it wrote stay, and the login role itself stays (it may
    serve other databases; `DROP ROLE` removes it). `who` is a login or a manager's name."""
    from cmgr.store.team import remove_member as store_remove
    from cmgr.store.team import team_members

    require_postgres(db.is_postgres)
    who = who.strip()
    members = team_members(db)
    found = [m for m in members if m["login"] == who] or [
        m for m in members if m["manager"] == who]
    if not found:
        raise NotFound(tr("「{who}」不是团队成员（既不是登录名，也不是成员的客户经理姓名）", who=who),
                       hint=tr("团队成员：{logins}", logins="、".join(m["login"] for m in members)
                               or "—"))
    if len(found) > 1:
        raise UsageError(tr("「{who}」对应多个登录名：{logins}；请给出登录名", who=who,
                            logins="、".join(m["login"] for m in found)))
    member = found[0]
    store_remove(db, member["login"])
    return Removed(member["login"], member["role"], member["manager"], team_members(db))


def _url_for(url: str, login: str) -> str:
    """The administrator's database URL with the member's login as its user."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{login}@{host}"))
