from __future__ import annotations

import tomllib

import pytest

from cmgr.config import default_config_text, load_config
from cmgr.domain import band_for
from cmgr.errors import ConfigError


def write(tmp_path, text):
    p = tmp_path / "c.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_without_a_file(tmp_path):
    cfg = load_config(None, environ={})
    assert cfg.get("plan.visits_per_day") == 25
    assert cfg.sources["plan.visits_per_day"] == "default"
    assert [b.level for b in cfg.policy] == [1, 2, 3, 4, 5]
    assert cfg.price_classes.classify(100) == "一类"
    assert cfg.price_classes.classify(99.99) == "二类"
    assert cfg.price_classes.classify(16.5) == "四类"
    assert cfg.price_classes.classify(16.49) == "五类"


def test_issue_policy_example_is_accepted(tmp_path):
    p = write(tmp_path, """
[plan]
visits_per_day = 20

[[plan.policy]]
grades = [1, 6]
level = 1
name = "一级"
interval_days = 30

[[plan.policy]]
grades = [25, 30]
level = 5
name = "五级"
visits_per_week = 2
""")
    cfg = load_config(p, environ={})
    assert cfg.get("plan.visits_per_day") == 20
    assert cfg.sources["plan.visits_per_day"].startswith("file ")
    assert band_for(26, cfg.policy).interval_days == pytest.approx(3.5)
    assert band_for(3, cfg.policy).name == "一级"
    assert band_for(10, cfg.policy) is None


def test_lookup_order_env_over_file_and_option_over_env(tmp_path):
    p = write(tmp_path, "[plan]\nvisits_per_day = 20\n")
    cfg = load_config(p, environ={"CMGR_PLAN_VISITS_PER_DAY": "22"})
    assert cfg.get("plan.visits_per_day") == 22
    assert cfg.sources["plan.visits_per_day"] == "env CMGR_PLAN_VISITS_PER_DAY"
    cfg = load_config(p, environ={"CMGR_PLAN_VISITS_PER_DAY": "22"},
                      overrides={"plan.visits_per_day": 30})
    assert cfg.get("plan.visits_per_day") == 30
    assert cfg.sources["plan.visits_per_day"] == "option"


@pytest.mark.parametrize("text, key, words", [
    ("[plan]\nvisits_per_day = \"many\"\n", "plan.visits_per_day", "应为一个整数"),
    ("[plan]\nvisits_per_day = 0\n", "plan.visits_per_day", ">= 1"),
    ("[plan]\nvisits_per_dya = 3\n", "plan.visits_per_dya", "是不是 plan.visits_per_day"),
    ("[[plan.policy]]\ngrades = [6, 1]\nlevel = 1\ninterval_days = 7\n", "plan.policy[1].grades",
     "低 <= 高"),
    ("[[plan.policy]]\ngrades = [1, 6]\nlevel = 1\n", "plan.policy[1]", "只能给出其中一个"),
    ("[[plan.policy]]\ngrades = [1, 6]\nlevel = 1\ninterval_days = 7\n"
     "[[plan.policy]]\ngrades = [5, 9]\nlevel = 2\ninterval_days = 7\n", "plan.policy", "档位段重叠"),
    ("[price_classes]\nbounds = [30, 70]\n", "price_classes.bounds", "从高到低严格递减"),
    ("[mapping]\n\"零售户代码\" = \"customer_cod\"\n", "mapping.零售户代码", "customer_code"),
    ("[plan.start_points]\n\"王建国\" = [36.67, 117.02]\n", "plan.start_points.王建国",
     "[经度, 纬度]"),
    ("[plan.start_points]\n\"王建国\" = \"117,36\"\n", "plan.start_points.王建国", "[117.02, 36.67]"),
])
def test_invalid_values_name_the_key_and_expectation(tmp_path, text, key, words):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_config(p, environ={})
    assert key in str(exc.value)
    assert words in str(exc.value)


def test_broken_toml_names_file_and_line(tmp_path):
    p = write(tmp_path, "[plan]\nvisits_per_day = = 3\n")
    with pytest.raises(ConfigError, match=r"c\.toml.*line 2"):
        load_config(p, environ={})


def test_missing_named_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="找不到配置文件"):
        load_config(tmp_path / "nope.toml", environ={})


def test_default_text_is_valid_toml_and_loads_to_defaults(tmp_path):
    text = default_config_text()
    tomllib.loads(text)
    p = write(tmp_path, text)
    cfg = load_config(p, environ={})
    default = load_config(None, environ={})
    assert cfg.values["plan.visits_per_day"] == default.values["plan.visits_per_day"]
    assert cfg.policy == default.policy


def test_each_settings_section_is_declared_in_one_run():
    """`cmgr init` writes SETTINGS in order, one [section] header per run of keys: a section
    split in two would declare its table twice, which TOML refuses."""
    from cmgr.config import SETTINGS

    seen: list[str] = []
    for s in SETTINGS:
        section = s.key.rpartition(".")[0]
        if not seen or seen[-1] != section:
            assert section not in seen, f"settings of [{section}] are split: keep them together"
            seen.append(section)
