"""Configuration: defaults < config file < CMGR_* environment < command-line options.

One TOML file. Every scalar key is declared once in SETTINGS (its default, type and a line of
help), so the file is validated key by key, `cmgr init` writes a commented default file and
`cmgr config show` prints each effective value with where it came from. Three structured
sections are validated by their own functions: `[[plan.policy]]`, `[price_classes]` and
`[mapping]`.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cmgr.domain import GradeBand, PriceClasses
from cmgr.errors import ConfigError
from cmgr.i18n import tr

APP_NAME = "cmgr"


def default_config_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "config.toml"


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME) / "cmgr.db"


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    type: type | tuple[type, ...]
    help: str
    choices: tuple | None = None
    minimum: float | None = None

    @property
    def env(self) -> str:
        return "CMGR_" + self.key.upper().replace(".", "_")


SETTINGS: list[Setting] = [
    Setting("database.path", None, str,
            tr("数据库文件（默认：用户数据目录），或 PostgreSQL 网址 "
               "postgresql://user@host:port/dbname（docs/postgresql.md）")),
    Setting("database.busy_timeout", 30.0, (int, float),
            tr("写入者等待另一个写入者的秒数，超过就放弃（退出码 4）"), minimum=0),
    Setting("calendar.file", None, str,
            tr("TOML 文件：日历包还不认识的年份的节假日和调休上班日、本地休息日和客户经理的假期（docs/calendar.md）")),
    Setting("templates.dir", None, str,
            tr("你自己的模板目录；其中的文件替换同名的自带模板")),
    Setting("log.file", None, str, tr("滚动日志：运行了什么，含耗时和数量")),
    Setting("plan.visits_per_day", 25, int, tr("客户经理每个工作日的访问户数"), minimum=1),
    Setting("plan.new_customer_days", 30, int,
            tr("在该周之前这么多天内入网的客户需要访问"), minimum=0),
    Setting("plan.stop_ordering_weeks", 3, int,
            tr("断订：这么多周没有订货，而此前的回看期内订过货"),
            minimum=1),
    Setting("plan.stop_ordering_lookback_weeks", 8, int,
            tr("断订：此前客户订过货的回看周数"), minimum=1),
    Setting("plan.order_drop_ratio", 0.5, (int, float),
            tr("大幅减少：近 4 周订货低于此前 8 周的这个比例"), minimum=0),
    Setting("plan.start_lon", None, (int, float), tr("客户经理的出发点（默认：辖区的中心）")),
    Setting("plan.start_lat", None, (int, float), tr("客户经理的出发点（默认：辖区的中心）")),
    Setting("plan.solver_seconds", 0.0, (int, float),
            tr("OR-Tools 为每位客户经理改进线路可用的秒数（0：只用内置的启发式，快，且结果逐字节可复现；见 docs/plan-week.md）"), minimum=0),
    Setting("flags.lexicon", None, str,
            tr("你自己的违规标记词表文件（TOML；默认：自带的词表）")),
    Setting("flags.workers", 0, int,
            tr("一次读取上万条访问记录时用几个进程读访问内容（0：每个 CPU 核一个；1：只在本进程内读）"),
            minimum=0),
    Setting("flags.statistical_reader", True, bool,
            tr("无证经营、价格违规：规则没有读出该类问题的访问记录，再由该类的统计读者（字 n 元逻辑回归）"
               "读一遍，得分够高也标记（docs/flag-rules.md 第 8 节）；false 只用规则")),
    Setting("flags.price.min_retail_factor", 1.0, (int, float),
            tr("价格表没有最低零售价一列时，最低零售价 = 批发价 × 这个系数"), minimum=0),
    Setting("report.stopped_lookback_months", 2, int,
            tr("月度报告中的断订：此前这么多个月内订过货，本月没有"),
            minimum=1),
    Setting("report.decline_pct", 30.0, (int, float),
            tr("大幅下降：同口径增长比同档位段的平均低这么多个百分点"),
            minimum=0),
    Setting("report.warning_ratio", 0.8, (int, float),
            tr("预警：增长低于同档位段平均增长的这个倍数"), minimum=0),
    Setting("report.warning_gap_pct", 15.0, (int, float),
            tr("预警还要求增长比档位段的平均低这么多个百分点"),
            minimum=0),
    Setting("report.warning_sd", 1.0, (int, float),
            tr("预警还要求增长比档位段的平均低这么多个稳健标准差"), minimum=0),
    Setting("report.decline_sd", 1.5, (int, float),
            tr("大幅下降还要求增长比档位段的平均低这么多个稳健标准差"), minimum=0),
    Setting("report.holiday_sd", 1.5, (int, float),
            tr("长假月份没有去年同月可比（只能与前3个月比）时，预警和大幅下降都要求增长比档位段的平均"
               "低这么多个稳健标准差"), minimum=0),
    Setting("report.list_rows", 15, int,
            tr("月度报告每个问题下列出的客户数（xlsx 中列出全部）"),
            minimum=1),
    # Imports: a cell beyond these is taken for a typo (a key cell rejects its row; another is
    # stored empty), each with a warning that names the bound.
    Setting("import.future_days", 31, int,
            tr("晚于导出日期（或今天）加这么多天的日期视为笔误"),
            minimum=0),
    Setting("import.license_years", 30, int,
            tr("许可证有效期晚于这么多年以后视为笔误"), minimum=0),
    Setting("import.qty_min", 0.0, (int, float),
            tr("合理的最小订货量（条；导出文件含退货时可小于 0）")),
    Setting("import.qty_max", 100_000.0, (int, float), tr("合理的最大订货量（条）")),
    Setting("import.price_min", 0.0, (int, float), tr("合理的最低价格（元/条）")),
    Setting("import.price_max", 100_000.0, (int, float), tr("合理的最高价格（元/条）")),
    Setting("import.amount_max", 100_000_000.0, (int, float),
            tr("合理的订单行最大金额（元，正负均可）"), minimum=0),
    # cmgr kpi --rank: the overall place is the weighted mean of the places on each figure.
    Setting("kpi.weight_completion", 3.0, (int, float),
            tr("销量完成率（销量对目标）的排名权重；0 表示不计"), minimum=0),
    Setting("kpi.weight_order_rate", 2.0, (int, float),
            tr("订货率（订过货的在网客户）的排名权重"), minimum=0),
    Setting("kpi.weight_settlement", 2.0, (int, float),
            tr("按金额计的电子结算率的排名权重"), minimum=0),
    Setting("kpi.weight_value_per_case", 1.0, (int, float),
            tr("单箱值（元/箱）的排名权重"), minimum=0),
    Setting("kpi.weight_visits", 2.0, (int, float),
            tr("拜访完成率（已访问对已保存计划）的排名权重"), minimum=0),
    # Who makes the writes, and the rules of docs/area.md (none without a role).
    Setting("user.name", None, str,
            tr("谁在写入（记入 created_by/changed_by；默认：操作系统用户）；客户经理的姓名与客户名册一致")),
    Setting("user.role", None, str,
            tr("manager（只写自己客户的记录）或 area_manager（查看片区、记录决定）；不设：不限制（单人使用的电脑）"),
            choices=("manager", "area_manager")),
    Setting("user.area", None, str,
            tr("区域市场经理的片区，即 [area] 表中的一个名称（片区 = [客户经理]）")),
]
SETTINGS_BY_KEY = {s.key: s for s in SETTINGS}
STRUCTURED = ("plan.policy", "price_classes", "mapping", "report.targets", "plan.route_weekdays",
              "plan.start_points")


# --- structured sections -----------------------------------------------------------------

DEFAULT_POLICY = [
    {"grades": [1, 6], "level": 1, "name": "一级", "interval_days": 30},
    {"grades": [7, 13], "level": 2, "name": "二级", "interval_days": 14},
    {"grades": [14, 20], "level": 3, "name": "三级", "interval_days": 14},
    {"grades": [21, 26], "level": 4, "name": "四级", "interval_days": 7},
    {"grades": [27, 30], "level": 5, "name": "五级", "visits_per_week": 2},
]


def _policy(raw: Any, path: str | None) -> list[GradeBand]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError(tr("应为一个或多个 [[plan.policy]] 表"), path=path, key="plan.policy")
    bands = []
    for i, item in enumerate(raw, start=1):
        key = f"plan.policy[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(tr("应为一个表"), path=path, key=key)
        unknown = set(item) - {"grades", "level", "name", "interval_days", "visits_per_week"}
        if unknown:
            raise ConfigError(tr("未知的配置项 {keys}；应为 grades、level、name、interval_days 或 "
                                 "visits_per_week", keys=sorted(unknown)), path=path, key=key)
        grades = item.get("grades")
        if (not isinstance(grades, list) or len(grades) != 2
                or not all(isinstance(g, int) and not isinstance(g, bool) for g in grades)
                or grades[0] > grades[1]):
            raise ConfigError(tr("grades 应为 [低, 高]，两个整数且低 <= 高；收到 {value}",
                                 value=repr(grades)), path=path, key=f"{key}.grades")
        level = item.get("level")
        if not isinstance(level, int) or isinstance(level, bool) or level < 1:
            raise ConfigError(tr("level 应为 >= 1 的整数；收到 {value}", value=repr(level)),
                              path=path, key=f"{key}.level")
        has_days, has_week = "interval_days" in item, "visits_per_week" in item
        if has_days == has_week:
            raise ConfigError(tr("interval_days 和 visits_per_week 只能给出其中一个"), path=path,
                              key=key)
        if has_days:
            value = item["interval_days"]
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise ConfigError(tr("interval_days 应为正数；收到 {value}", value=repr(value)),
                                  path=path, key=f"{key}.interval_days")
            interval = float(value)
        else:
            value = item["visits_per_week"]
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise ConfigError(tr("visits_per_week 应为正数；收到 {value}", value=repr(value)),
                                  path=path, key=f"{key}.visits_per_week")
            interval = 7.0 / value
        name = item.get("name", f"{level}级")
        if not isinstance(name, str):
            raise ConfigError(tr("name 应为文本；收到 {value}", value=repr(name)), path=path,
                              key=f"{key}.name")
        bands.append(GradeBand(grades[0], grades[1], level, name, interval))
    ordered = sorted(bands, key=lambda b: b.grade_min)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.grade_min <= a.grade_max:
            raise ConfigError(tr("档位段重叠：{a}（{a_name}）和 {b}（{b_name}）",
                                 a=f"{a.grade_min}-{a.grade_max}", a_name=a.name,
                                 b=f"{b.grade_min}-{b.grade_max}", b_name=b.name),
                              path=path, key="plan.policy")
    return ordered


def _price_classes(raw: Any, path: str | None) -> PriceClasses:
    if not isinstance(raw, dict):
        raise ConfigError(tr("应为一个表"), path=path, key="price_classes")
    unknown = set(raw) - {"basis", "bounds", "names"}
    if unknown:
        raise ConfigError(tr("未知的配置项 {keys}；应为 basis、bounds、names", keys=sorted(unknown)),
                          path=path, key="price_classes")
    default = PriceClasses()
    basis = raw.get("basis", default.basis)
    if basis not in ("wholesale_price", "retail_guide_price"):
        raise ConfigError(tr("basis 应为 \"wholesale_price\" 或 \"retail_guide_price\"；收到 {value}",
                             value=repr(basis)),
                          path=path, key="price_classes.basis")
    bounds = raw.get("bounds", list(default.bounds))
    if (not isinstance(bounds, list) or not bounds
            or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
            or any(a <= b for a, b in zip(bounds, bounds[1:], strict=False))):
        raise ConfigError(tr("bounds 应为数字列表，从高到低严格递减；收到 {value}", value=repr(bounds)),
                          path=path, key="price_classes.bounds")
    default_names = ["一类", "二类", "三类", "四类", "五类", "六类", "七类"]
    names = raw.get("names", default_names[: len(bounds) + 1])
    if (not isinstance(names, list) or len(names) != len(bounds) + 1
            or not all(isinstance(n, str) for n in names)):
        raise ConfigError(tr("names 应为 {n} 个文本（比 bounds 多一个）；收到 {value}",
                             n=len(bounds) + 1, value=repr(names)),
                          path=path, key="price_classes.names")
    return PriceClasses(basis, tuple(float(b) for b in bounds), tuple(names))


def read_mapping_file(path: Path) -> dict[str, str]:
    """A `--mapping FILE`: a [mapping] table (or a bare table) of "header" = "field"."""
    raw = read_toml(path, what=tr("对应关系文件"),
                    hint=tr("格式见 sample_data/mapping-example.toml"))
    return _mapping(raw.get("mapping", raw), str(path))


def _mapping(raw: Any, path: str | None) -> dict[str, str]:
    from cmgr.domain import CANONICAL_FIELDS

    key = "mapping"

    if not isinstance(raw, dict):
        raise ConfigError(tr("应为 \"表头\" = \"字段\" 的表"), path=path, key=key)
    out = {}
    for header, fieldname in raw.items():
        if fieldname not in CANONICAL_FIELDS:
            close = difflib.get_close_matches(str(fieldname), CANONICAL_FIELDS, n=3)
            message = (tr("{header} 对应到未知字段 {field}；应为标准字段之一（是不是 {close}？）",
                          header=repr(header), field=repr(fieldname), close=tr("、").join(close))
                       if close else
                       tr("{header} 对应到未知字段 {field}；应为标准字段之一", header=repr(header),
                          field=repr(fieldname)))
            raise ConfigError(message, path=path, key=f"{key}.{header}")
        out[str(header).strip()] = fieldname
    return out


def _targets(raw: Any, path: str | None) -> dict[str, dict[str, float]]:
    """[report.targets."王建国"] "2026-11" = 120.5   (箱)"""
    if not isinstance(raw, dict):
        raise ConfigError(tr("应为 客户经理 -> 表（\"YYYY-MM\" = 箱数）"), path=path,
                          key="report.targets")
    out: dict[str, dict[str, float]] = {}
    for manager, months in raw.items():
        if not isinstance(months, dict):
            raise ConfigError(tr("应为 \"YYYY-MM\" = 箱数 的表"), path=path,
                              key=f"report.targets.{manager}")
        for month, cases in months.items():
            if (len(month) != 7 or month[4] != "-" or not month.replace("-", "").isdigit()
                    or not isinstance(cases, int | float) or isinstance(cases, bool)):
                raise ConfigError(tr("应为 \"YYYY-MM\" = 箱数；收到 {month} = {cases}",
                                     month=repr(month), cases=repr(cases)),
                                  path=path, key=f"report.targets.{manager}")
            out.setdefault(manager, {})[month] = float(cases)
    return out


def _route_weekdays(raw: Any, path: str | None) -> dict[str, int]:
    """[plan.route_weekdays] "城东一线" = 1   (1 = Monday ... 7 = Sunday)"""
    if not isinstance(raw, dict):
        raise ConfigError(tr("应为 线路 = 星期几（1 = 星期一）的表"), path=path,
                          key="plan.route_weekdays")
    out = {}
    for route, day in raw.items():
        if not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= 7:
            raise ConfigError(tr("星期几应为 1（星期一）到 7（星期日）；收到 {value}", value=repr(day)),
                              path=path,
                              key=f"plan.route_weekdays.{route}")
        out[route] = day
    return out


def _start_points(raw: Any, path: str | None) -> dict[str, tuple[float, float]]:
    """[plan.start_points] "王建国" = [117.02, 36.67]   (longitude, latitude)"""
    if not isinstance(raw, dict):
        raise ConfigError(tr("应为 客户经理 = [经度, 纬度] 的表"), path=path,
                          key="plan.start_points")
    out = {}
    for manager, point in raw.items():
        ok = (isinstance(point, list) and len(point) == 2
              and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in point))
        if not ok or not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
            raise ConfigError(tr("应为 [经度, 纬度]，例如 [117.02, 36.67]；收到 {value}",
                                 value=repr(point)), path=path, key=f"plan.start_points.{manager}")
        out[manager] = (float(point[0]), float(point[1]))
    return out


# --- the effective configuration ----------------------------------------------------------

@dataclass
class Config:
    values: dict[str, Any]
    sources: dict[str, str]
    path: Path | None
    policy: list[GradeBand]
    price_classes: PriceClasses
    mapping: dict[str, str] = field(default_factory=dict)
    targets: dict[str, dict[str, float]] = field(default_factory=dict)
    route_weekdays: dict[str, int] = field(default_factory=dict)
    start_points: dict[str, tuple[float, float]] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)  # the file's parsed TOML, for sections others own

    def get(self, key: str) -> Any:
        return self.values[key]

    @property
    def db_url(self) -> str | None:
        """database.path when it is a PostgreSQL URL (postgresql://user@host:port/dbname)."""
        value = str(self.values["database.path"] or "")
        return value if value.startswith(("postgresql://", "postgres://")) else None

    @property
    def db_path(self) -> Path:
        """The SQLite file; with a PostgreSQL URL, where the local files beside a database go
        (rejects/), which is the user data directory."""
        if self.db_url:
            return default_db_path().with_name("postgresql")
        return Path(self.values["database.path"]).expanduser()



def _flatten(table: dict, prefix: str = "") -> dict[str, Any]:
    out = {}
    for k, v in table.items():
        key = f"{prefix}{k}"
        if key in STRUCTURED:
            out[key] = v
        elif isinstance(v, dict) and key not in SETTINGS_BY_KEY:
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _check(setting: Setting, value: Any, origin: str) -> Any:
    types = setting.type if isinstance(setting.type, tuple) else (setting.type,)
    if isinstance(value, bool) and bool not in types:
        ok = False
    else:
        ok = isinstance(value, types)
    if not ok:
        names = tr("或").join({int: tr("一个整数"), float: tr("一个数"), str: tr("一段文本"),
                               bool: tr("true 或 false")}[t] for t in types)
        raise ConfigError(tr("应为{kind}；收到 {value}", kind=names, value=repr(value)),
                          path=origin, key=setting.key)
    if setting.minimum is not None and value < setting.minimum:
        raise ConfigError(tr("应为 >= {minimum} 的值；收到 {value}", minimum=f"{setting.minimum:g}",
                             value=repr(value)), path=origin, key=setting.key)
    if setting.choices and value not in setting.choices:
        raise ConfigError(tr("应为 {choices} 之一；收到 {value}", choices=list(setting.choices),
                             value=repr(value)), path=origin, key=setting.key)
    return value


def _from_env(setting: Setting, text: str) -> Any:
    types = setting.type if isinstance(setting.type, tuple) else (setting.type,)
    if str in types:
        return text
    try:
        if int in types and text.strip().lstrip("-").isdigit():
            return int(text)
        if float in types:
            return float(text)
        if int in types:
            return int(text)
    except ValueError:
        pass
    if bool in types and text.lower() in ("1", "true", "yes", "0", "false", "no"):
        return text.lower() in ("1", "true", "yes")
    raise ConfigError(tr("环境变量 {name}={value} 不是有效的值", name=setting.env, value=repr(text)),
                      key=setting.key)


def read_toml(path: Path, *, what: str | None = None, hint: str | None = None) -> dict[str, Any]:
    what = what or tr("配置文件")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ConfigError(tr("找不到{what}", what=what), path=str(path),
                          hint=hint or tr("运行 `cmgr init` 写一份默认配置")) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(tr("无法读取{what}：{error}", what=what, error=exc), path=str(path)) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(tr("不是有效的 TOML：{error}", error=exc), path=str(path)) from exc


def load_config(path: str | Path | None = None, *, overrides: dict[str, Any] | None = None,
                environ: dict[str, str] | None = None) -> Config:
    """The effective configuration. `path` None means CMGR_CONFIG or the platform default
    (a missing default file is fine; a missing file the user named is an error)."""
    env = os.environ if environ is None else environ
    explicit = path is not None or bool(env.get("CMGR_CONFIG"))
    cfg_path = Path(path or env.get("CMGR_CONFIG") or default_config_path()).expanduser()
    raw: dict[str, Any] = {}
    if explicit or cfg_path.exists():
        raw = read_toml(cfg_path)
    origin = str(cfg_path)

    values = {s.key: s.default for s in SETTINGS}
    sources = {s.key: "default" for s in SETTINGS}
    flat = _flatten(raw)
    for key, value in flat.items():
        if key in STRUCTURED:
            continue
        setting = SETTINGS_BY_KEY.get(key)
        if setting is None:
            if key.split(".")[0] in _OWNED_ELSEWHERE:
                continue
            close = difflib.get_close_matches(key, list(SETTINGS_BY_KEY) + list(STRUCTURED), n=2)
            raise ConfigError(tr("未知的配置项；是不是 {close}？", close=tr("或").join(close)) if close
                              else tr("未知的配置项"),
                              path=origin, key=key)
        values[key] = _check(setting, value, origin)
        sources[key] = f"file {origin}"
    for setting in SETTINGS:
        text = env.get(setting.env)
        if text is not None and text != "":
            values[setting.key] = _check(setting, _from_env(setting, text), f"env {setting.env}")
            sources[setting.key] = f"env {setting.env}"
    if env.get("CMGR_DB"):
        values["database.path"] = env["CMGR_DB"]
        sources["database.path"] = "env CMGR_DB"
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        values[key] = _check(SETTINGS_BY_KEY[key], value, "option")
        sources[key] = "option"
    if values["database.path"] is None:
        values["database.path"] = str(default_db_path())
        sources["database.path"] = "default (user data directory)"

    plan = raw.get("plan", {}) if isinstance(raw.get("plan", {}), dict) else {}
    policy = _policy(plan["policy"], origin) if "policy" in plan else _policy(DEFAULT_POLICY, None)
    sources["plan.policy"] = f"file {origin}" if "policy" in plan else "default"
    price_classes = (_price_classes(raw["price_classes"], origin) if "price_classes" in raw
                     else PriceClasses())
    sources["price_classes"] = f"file {origin}" if "price_classes" in raw else "default"
    mapping = _mapping(raw["mapping"], origin) if "mapping" in raw else {}
    sources["mapping"] = f"file {origin}" if "mapping" in raw else "default"
    report = raw.get("report", {}) if isinstance(raw.get("report", {}), dict) else {}
    targets = _targets(report["targets"], origin) if "targets" in report else {}
    sources["report.targets"] = f"file {origin}" if "targets" in report else "default"
    route_weekdays = (_route_weekdays(plan["route_weekdays"], origin)
                      if "route_weekdays" in plan else {})
    sources["plan.route_weekdays"] = f"file {origin}" if "route_weekdays" in plan else "default"
    start_points = _start_points(plan["start_points"], origin) if "start_points" in plan else {}
    sources["plan.start_points"] = f"file {origin}" if "start_points" in plan else "default"
    return Config(values, sources, cfg_path if cfg_path.exists() else None, policy, price_classes,
                  mapping, targets, route_weekdays, start_points, raw)


# Top-level tables validated by the modules that own them (e.g. [promo] weights).
_OWNED_ELSEWHERE = {"promo", "area"}  # [area]: cmgr.core.area.parse_areas


def default_config_text() -> str:
    """The commented default configuration `cmgr init` writes."""
    lines = [
        "# " + tr("cmgr 配置。查找顺序：默认值 < 本文件 < CMGR_* 环境变量 < 选项。"),
        "# " + tr("`cmgr config show` 显示生效的值，以及每个值的来源。"),
        "",
    ]
    section = None
    for s in SETTINGS:
        head, _, name = s.key.rpartition(".")
        if head != section:
            lines += ["", f"[{head}]"]
            section = head
        value = _toml_value(s.default)
        lines.append("# " + tr("{help}；环境变量 {env}", help=s.help, env=s.env))
        lines.append(f"{'# ' if s.default is None else ''}{name} = {value}")
    lines += ["", "# " + tr("访问频次（分级管理规定）：每个档位段一个表。interval_days 是两次访问之间的自然日数；"),
              "# " + tr("visits_per_week = N 表示间隔 7 / N 天。"),
              "# " + tr("level 是客户等级（促销：三级以上 = level >= 3）。")]
    for band in DEFAULT_POLICY:
        lines.append("[[plan.policy]]")
        for k, v in band.items():
            lines.append(f"{k} = {_toml_value(v)}")
        lines.append("")
    lines += ["# " + tr("线路通常的访问日（1 = 星期一）。没有时从访问记录中学得。"),
              "[plan.route_weekdays]", "# \"城东一线\" = 1", "",
              "# " + tr("每位客户经理自己的出发点 [经度, 纬度]（办公室、家）；优先于"),
              "# " + tr("plan.start_lon/plan.start_lat，两者都没有时用辖区的中心。"),
              "[plan.start_points]", "# \"王建国\" = [117.02, 36.67]", "",
              "# " + tr("价类：一类至四类在 `basis` 上的下限（含），元/条；低于最后一个为五类。"),
              "[price_classes]", 'basis = "wholesale_price"', "bounds = [100, 70, 30, 16.5]",
              'names = ["一类", "二类", "三类", "四类", "五类"]', "",
              "# " + tr("每位客户经理的月度目标（箱），用于月度报告的完成率。"),
              "[report.targets]", '# "王建国" = { "2026-11" = 120.0 }', "",
              "# " + tr("补充的列标题：\"导出文件中的表头\" = \"标准字段\"。"),
              "[mapping]", '# "零售户代码" = "customer_code"', ""]
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)
