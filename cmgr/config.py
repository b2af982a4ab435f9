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
    Setting("database.path", None, str, "database file (default: the user data directory)"),
    Setting("database.busy_timeout", 30.0, (int, float),
            "seconds a writer waits for another writer before giving up (exit 4)", minimum=0),
    Setting("calendar.file", None, str,
            "TOML file with holidays and make-up working days for years the calendar package "
            "does not know yet, local days off and managers' leave (docs/calendar.md)"),
    Setting("templates.dir", None, str,
            "a directory of your own templates; a file there overrides the packaged one of the same name"),
    Setting("log.file", None, str, "rotating log of what ran, with timings and counts"),
    Setting("plan.visits_per_day", 25, int, "visits a manager makes per working day", minimum=1),
    Setting("plan.new_customer_days", 30, int,
            "customers who joined the network this many days before the week are due", minimum=0),
    Setting("plan.stop_ordering_weeks", 3, int,
            "断订: no order in this many weeks while the customer ordered in the look-back before",
            minimum=1),
    Setting("plan.stop_ordering_lookback_weeks", 8, int,
            "断订: the weeks before that in which the customer did order", minimum=1),
    Setting("plan.order_drop_ratio", 0.5, (int, float),
            "a large drop: last 4 weeks' orders below this share of the 8 weeks before", minimum=0),
    Setting("plan.start_lon", None, (int, float), "the manager's start point (default: territory centroid)"),
    Setting("plan.start_lat", None, (int, float), "the manager's start point (default: territory centroid)"),
    Setting("plan.solver_seconds", 0.0, (int, float),
            "seconds OR-Tools may spend improving each manager's tours (0: the built-in heuristic "
            "only, fast and byte-for-byte reproducible; see docs/plan-week.md)", minimum=0),
    Setting("flags.lexicon", None, str,
            "your own flag vocabulary file (TOML; default: the packaged lexicon)"),
    Setting("flags.price.min_retail_factor", 1.0, (int, float),
            "最低零售价 = 批发价 x factor, when the price list has no 最低零售价 column", minimum=0),
    Setting("report.stopped_lookback_months", 2, int,
            "断订 in the monthly report: ordered in any of this many months before, none this month",
            minimum=1),
    Setting("report.decline_pct", 30.0, (int, float),
            "大幅下降: like-for-like growth this many points below the grade band's average",
            minimum=0),
    Setting("report.warning_ratio", 0.8, (int, float),
            "预警: growth below this times the average growth of the same grade band", minimum=0),
    Setting("report.warning_gap_pct", 15.0, (int, float),
            "预警 also needs growth this many percentage points below the band's average",
            minimum=0),
    Setting("report.warning_sd", 1.0, (int, float),
            "预警 also needs growth this many robust standard deviations of the band's growths "
            "below its average", minimum=0),
    Setting("report.decline_sd", 1.5, (int, float),
            "大幅下降 also needs growth this many robust standard deviations below the band's "
            "average", minimum=0),
    Setting("report.list_rows", 15, int,
            "customers printed under each problem of the monthly report (all are in the xlsx)",
            minimum=1),
    # Imports: a cell beyond these is taken for a typo (a key cell rejects its row; another is
    # stored empty), each with a warning that names the bound.
    Setting("import.future_days", 31, int,
            "dates later than the export date (or today) plus this many days are typos",
            minimum=0),
    Setting("import.license_years", 30, int,
            "许可证有效期 later than this many years ahead is a typo", minimum=0),
    Setting("import.qty_min", 0.0, (int, float),
            "smallest plausible order quantity in 条 (below 0 if your exports carry returns)"),
    Setting("import.qty_max", 100_000.0, (int, float), "largest plausible order quantity in 条"),
    Setting("import.price_min", 0.0, (int, float), "smallest plausible price in 元/条"),
    Setting("import.price_max", 100_000.0, (int, float), "largest plausible price in 元/条"),
    Setting("import.amount_max", 100_000_000.0, (int, float),
            "largest plausible order-line amount in 元 (either sign)", minimum=0),
    # cmgr kpi --rank: the overall place is the weighted mean of the places on each figure.
    Setting("kpi.weight_completion", 3.0, (int, float),
            "ranking weight of 销量完成率 (sales against target); 0 leaves it out", minimum=0),
    Setting("kpi.weight_order_rate", 2.0, (int, float),
            "ranking weight of 订货率 (active customers who ordered)", minimum=0),
    Setting("kpi.weight_settlement", 2.0, (int, float),
            "ranking weight of 电子结算率 by amount", minimum=0),
    Setting("kpi.weight_value_per_case", 1.0, (int, float),
            "ranking weight of 单箱值 (元 per 箱)", minimum=0),
    Setting("kpi.weight_visits", 2.0, (int, float),
            "ranking weight of 拜访完成率 (visits done against the saved plans)", minimum=0),
    # Who makes the writes, and the rules of docs/area.md (none without a role).
    Setting("user.name", None, str,
            "who makes the writes (recorded in created_by/changed_by; default: the OS user); "
            "a manager's name as in the roster"),
    Setting("user.role", None, str,
            "manager (writes only their own customers' records) or area_manager (reads the "
            "area, records decisions); unset: no rule (a single-user laptop)",
            choices=("manager", "area_manager")),
    Setting("user.area", None, str,
            "an area manager's area, a name of the [area] table (片区 = [managers])"),
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
        raise ConfigError("expected one or more [[plan.policy]] tables", path=path, key="plan.policy")
    bands = []
    for i, item in enumerate(raw, start=1):
        key = f"plan.policy[{i}]"
        if not isinstance(item, dict):
            raise ConfigError("expected a table", path=path, key=key)
        unknown = set(item) - {"grades", "level", "name", "interval_days", "visits_per_week"}
        if unknown:
            raise ConfigError(f"unknown key(s) {sorted(unknown)}; expected grades, level, name, "
                              "interval_days or visits_per_week", path=path, key=key)
        grades = item.get("grades")
        if (not isinstance(grades, list) or len(grades) != 2
                or not all(isinstance(g, int) and not isinstance(g, bool) for g in grades)
                or grades[0] > grades[1]):
            raise ConfigError(f"grades must be [low, high], two whole numbers with low <= high; "
                              f"got {grades!r}", path=path, key=f"{key}.grades")
        level = item.get("level")
        if not isinstance(level, int) or isinstance(level, bool) or level < 1:
            raise ConfigError(f"level must be a whole number >= 1; got {level!r}", path=path,
                              key=f"{key}.level")
        has_days, has_week = "interval_days" in item, "visits_per_week" in item
        if has_days == has_week:
            raise ConfigError("give exactly one of interval_days or visits_per_week", path=path,
                              key=key)
        if has_days:
            value = item["interval_days"]
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"interval_days must be a positive number; got {value!r}",
                                  path=path, key=f"{key}.interval_days")
            interval = float(value)
        else:
            value = item["visits_per_week"]
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"visits_per_week must be a positive number; got {value!r}",
                                  path=path, key=f"{key}.visits_per_week")
            interval = 7.0 / value
        name = item.get("name", f"{level}级")
        if not isinstance(name, str):
            raise ConfigError(f"name must be text; got {name!r}", path=path, key=f"{key}.name")
        bands.append(GradeBand(grades[0], grades[1], level, name, interval))
    ordered = sorted(bands, key=lambda b: b.grade_min)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.grade_min <= a.grade_max:
            raise ConfigError(f"grade bands overlap: {a.grade_min}-{a.grade_max} ({a.name}) and "
                              f"{b.grade_min}-{b.grade_max} ({b.name})", path=path, key="plan.policy")
    return ordered


def _price_classes(raw: Any, path: str | None) -> PriceClasses:
    if not isinstance(raw, dict):
        raise ConfigError("expected a table", path=path, key="price_classes")
    unknown = set(raw) - {"basis", "bounds", "names"}
    if unknown:
        raise ConfigError(f"unknown key(s) {sorted(unknown)}; expected basis, bounds, names",
                          path=path, key="price_classes")
    default = PriceClasses()
    basis = raw.get("basis", default.basis)
    if basis not in ("wholesale_price", "retail_guide_price"):
        raise ConfigError(f"basis must be \"wholesale_price\" or \"retail_guide_price\"; got {basis!r}",
                          path=path, key="price_classes.basis")
    bounds = raw.get("bounds", list(default.bounds))
    if (not isinstance(bounds, list) or not bounds
            or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
            or any(a <= b for a, b in zip(bounds, bounds[1:], strict=False))):
        raise ConfigError(f"bounds must be a list of numbers, highest first, strictly falling; got "
                          f"{bounds!r}", path=path, key="price_classes.bounds")
    default_names = ["一类", "二类", "三类", "四类", "五类", "六类", "七类"]
    names = raw.get("names", default_names[: len(bounds) + 1])
    if (not isinstance(names, list) or len(names) != len(bounds) + 1
            or not all(isinstance(n, str) for n in names)):
        raise ConfigError(f"names must be {len(bounds) + 1} texts (one more than bounds); got "
                          f"{names!r}", path=path, key="price_classes.names")
    return PriceClasses(basis, tuple(float(b) for b in bounds), tuple(names))


def read_mapping_file(path: Path) -> dict[str, str]:
    """A `--mapping FILE`: a [mapping] table (or a bare table) of "header" = "field"."""
    raw = read_toml(path, what="mapping file",
                    hint="see sample_data/mapping-example.toml for the format")
    return _mapping(raw.get("mapping", raw), str(path))


def _mapping(raw: Any, path: str | None) -> dict[str, str]:
    from cmgr.domain import CANONICAL_FIELDS

    key = "mapping"

    if not isinstance(raw, dict):
        raise ConfigError("expected a table of \"header\" = \"field\"", path=path, key=key)
    out = {}
    for header, fieldname in raw.items():
        if fieldname not in CANONICAL_FIELDS:
            close = difflib.get_close_matches(str(fieldname), CANONICAL_FIELDS, n=3)
            raise ConfigError(
                f"{header!r} maps to unknown field {fieldname!r}; expected one of the canonical "
                f"fields{' (did you mean ' + ', '.join(close) + '?)' if close else ''}",
                path=path, key=f"{key}.{header}")
        out[str(header).strip()] = fieldname
    return out


def _targets(raw: Any, path: str | None) -> dict[str, dict[str, float]]:
    """[report.targets."王建国"] "2026-11" = 120.5   (箱)"""
    if not isinstance(raw, dict):
        raise ConfigError("expected tables of manager -> {\"YYYY-MM\" = cases}", path=path,
                          key="report.targets")
    out: dict[str, dict[str, float]] = {}
    for manager, months in raw.items():
        if not isinstance(months, dict):
            raise ConfigError("expected a table of \"YYYY-MM\" = cases", path=path,
                              key=f"report.targets.{manager}")
        for month, cases in months.items():
            if (len(month) != 7 or month[4] != "-" or not month.replace("-", "").isdigit()
                    or not isinstance(cases, int | float) or isinstance(cases, bool)):
                raise ConfigError(f"expected \"YYYY-MM\" = number of 箱; got {month!r} = {cases!r}",
                                  path=path, key=f"report.targets.{manager}")
            out.setdefault(manager, {})[month] = float(cases)
    return out


def _route_weekdays(raw: Any, path: str | None) -> dict[str, int]:
    """[plan.route_weekdays] "城东一线" = 1   (1 = Monday ... 7 = Sunday)"""
    if not isinstance(raw, dict):
        raise ConfigError("expected a table of route = weekday (1 = Monday)", path=path,
                          key="plan.route_weekdays")
    out = {}
    for route, day in raw.items():
        if not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= 7:
            raise ConfigError(f"weekday must be 1 (Monday) .. 7 (Sunday); got {day!r}", path=path,
                              key=f"plan.route_weekdays.{route}")
        out[route] = day
    return out


def _start_points(raw: Any, path: str | None) -> dict[str, tuple[float, float]]:
    """[plan.start_points] "王建国" = [117.02, 36.67]   (longitude, latitude)"""
    if not isinstance(raw, dict):
        raise ConfigError("expected a table of manager = [longitude, latitude]", path=path,
                          key="plan.start_points")
    out = {}
    for manager, point in raw.items():
        ok = (isinstance(point, list) and len(point) == 2
              and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in point))
        if not ok or not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
            raise ConfigError(f"expected [longitude, latitude] such as [117.02, 36.67]; got "
                              f"{point!r}", path=path, key=f"plan.start_points.{manager}")
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
    def db_path(self) -> Path:
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
        names = " or ".join({int: "a whole number", float: "a number", str: "text",
                             bool: "true or false"}[t] for t in types)
        raise ConfigError(f"expected {names}; got {value!r}", path=origin, key=setting.key)
    if setting.minimum is not None and value < setting.minimum:
        raise ConfigError(f"expected a value >= {setting.minimum:g}; got {value!r}", path=origin,
                          key=setting.key)
    if setting.choices and value not in setting.choices:
        raise ConfigError(f"expected one of {list(setting.choices)}; got {value!r}", path=origin,
                          key=setting.key)
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
    raise ConfigError(f"environment variable {setting.env}={text!r} is not a valid value",
                      key=setting.key)


def read_toml(path: Path, *, what: str = "configuration file",
              hint: str = "run `cmgr init` to write a default one") -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ConfigError(f"{what} not found", path=str(path), hint=hint) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {what}: {exc}", path=str(path)) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=str(path)) from exc


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
            raise ConfigError("unknown key" + (f"; did you mean {' or '.join(close)}?" if close else ""),
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
        "# cmgr configuration. Lookup order: defaults < this file < CMGR_* environment < options.",
        "# `cmgr config show` prints the effective values and where each came from.",
        "",
    ]
    section = None
    for s in SETTINGS:
        head, _, name = s.key.rpartition(".")
        if head != section:
            lines += ["", f"[{head}]"]
            section = head
        value = _toml_value(s.default)
        lines.append(f"# {s.help} (env {s.env})")
        lines.append(f"{'# ' if s.default is None else ''}{name} = {value}")
    lines += ["", "# Visit policy (分级管理规定): one table per 档位 band. interval_days is calendar days",
              "# between visits; visits_per_week = N means an interval of 7 / N days.",
              "# level is the 客户等级 (promotion: 三级以上 = level >= 3)."]
    for band in DEFAULT_POLICY:
        lines.append("[[plan.policy]]")
        for k, v in band.items():
            lines.append(f"{k} = {_toml_value(v)}")
        lines.append("")
    lines += ["# A route's usual weekday (1 = Monday). Learned from the visit history when absent.",
              "[plan.route_weekdays]", "# \"城东一线\" = 1", "",
              "# Each manager's own start point [longitude, latitude] (the office, home); it wins",
              "# over plan.start_lon/plan.start_lat, and without either the territory's centroid.",
              "[plan.start_points]", "# \"王建国\" = [117.02, 36.67]", "",
              "# 价类: lower bounds (inclusive) of 一类..四类 in 元/条 on `basis`; below the last is 五类.",
              "[price_classes]", 'basis = "wholesale_price"', "bounds = [100, 70, 30, 16.5]",
              'names = ["一类", "二类", "三类", "四类", "五类"]', "",
              "# Monthly targets in 箱, per manager, for 完成率 in the monthly report.",
              "[report.targets]", '# "王建国" = { "2026-11" = 120.0 }', "",
              "# Extra column headers: \"header in your export\" = \"canonical field\".",
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
