"""The statistical second reader (cmgr/core/flag_model.py), one model for unlicensed notes and one
for price: the pure-Python scorer against scikit-learn's own figures, the price model's
placeholders and gate, the combination with the rules, the explanation, the switch, a damaged
model file, and that `cmgr --help` does not load it.

The example notes are our own (none is taken from a corpus); docs/flag-rules.md section 8 has
the measurement that decided to use the model."""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from cmgr.core.flag_model import (
    DEFAULT_MODEL,
    DEFAULT_MODELS,
    GATES,
    RULE,
    SUBKIND,
    SUBKINDS,
    load_statistical_reader,
    load_text_model,
    normalised,
    read_note,
)
from cmgr.core.flag_rules import load_lexicon, scan_note
from cmgr.errors import InputError
from tests.cli.records_seed import run, seeded_db_path

# Written the ways the rules do not read yet (the holder abroad, an address change in
# Cantonese, a business licence changed but not the tobacco one); the model scores each above
# its threshold. (Notes the rules have since learnt to read leave this list: the test checks
# they still miss.)
RULES_MISS = [
    "证是他大哥的 大哥出国好多年了 店一直他一个人在卖",
    "許可證係舊鋪嘅地址，搬咗過嚟都冇改，照賣煙",
    "营业执照换了人 烟草那个证还是老板他爸的",
]
# A price said against what it was before, with no guide price and no judgement word: the rules
# do not read it, the price model does (checked as RULES_MISS is).
PRICE_RULES_MISS = ["黄鹤楼一包二十二，本来十九，他说别家也这么卖"]
CLEAN = ["证照齐全，价格正常", "没发现无证经营的情况", "陈列整齐，明码标价到位，未发现无证经营",
         "老板问办许可证要带什么材料，我跟他讲了", "正常走访，无异常"]


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon()


@pytest.fixture(scope="module")
def model():
    return load_text_model()


@pytest.fixture(scope="module")
def models():
    return load_statistical_reader()


@pytest.mark.parametrize("path", DEFAULT_MODELS, ids=[p.name for p in DEFAULT_MODELS])
def test_the_pure_python_scorer_gives_scikit_learns_probabilities(path):
    model = load_text_model(path)
    assert len(model.checks) == 40 and path.name == f"flag_model_{model.label}.tsv.gz"
    assert 0.5 < model.threshold < 1.0 and len(model.grams) > 10_000
    worst = max(abs(model.score(text) - prob) for text, prob in model.checks)
    assert worst < 1e-5  # the file rounds idf and weight to 6 significant digits
    # the checks are not all on one side of the threshold: the test sees both kinds of note
    assert {prob >= model.threshold for _, prob in model.checks} == {True, False}


def test_the_price_model_reads_brands_and_prices_as_placeholders(models):
    unlicensed, price = models
    assert (unlicensed.label, price.label) == ("unlicensed", "price") and not unlicensed.placeholders
    assert price.features("华子还是60,芙蓉王标二十七块") == "ｂ还是９,ｂ标９块"
    assert price.features("订了五条利群，收了三百") == "订了９条ｂ，收了三百"  # 三百 with no unit stays
    # the same way of writing scores alike whatever the brand and the price
    assert price.score("芙蓉王还是卖28") == pytest.approx(price.score("玉溪还是卖25"))


@pytest.mark.parametrize(("text", "asked"), [
    ("华子还是60", True), ("价签没贴全", True), ("烟柜一半没标价", True), ("收了他二十块", True),
    ("老板说这周生意一般,天冷人少", False), ("证照齐全,陈列整齐", False), ("订了五条,下周送", False),
    # a spec in brackets, one Chinese numeral, a bar code are no price
    ("泰山(1916)卖得挺快", False), ("白沙(硬)要多备一些", False), ("教老板录卷烟的条码", False),
    ("中华(硬)按450卖", True), ("华子还是六十", True),
    # words of 价/钱 that name no price, and prices said to be in order
    ("问了老板对送货员的评价", False), ("卡里钱不够,让他存上", False), ("明码标价规范,价签齐全", False),
    ("价签齐全,但华子卖60", True), ("价格正常,就是比外面贵", True),
])
def test_the_price_model_is_asked_only_about_notes_that_name_a_price(text, asked):
    assert bool(GATES["price"].search(text)) is asked


@pytest.mark.parametrize("note", PRICE_RULES_MISS)
def test_the_price_model_flags_what_the_rules_miss_and_says_so(note, lexicon, models):
    price = models[1]
    assert not any(f.kind == "price" for f in scan_note(note, lexicon))
    [finding] = [f for f in read_note(note, lexicon, models) if f.kind == "price"]
    score = price.score(normalised(note, lexicon))
    assert finding.subkind == SUBKINDS["price"] == "statistical_price" and score >= price.threshold
    assert finding.rule.startswith("price.statistical: 统计读者")
    # the clause is found through the placeholders: the note's own words, not "ｂ一包９"
    assert finding.matched and note[finding.start:finding.end].strip() == finding.matched
    assert "，" not in finding.matched and finding.matched in note


@pytest.mark.parametrize("note", CLEAN)
def test_clean_notes_stay_clean_with_both_models(note, lexicon, models):
    assert read_note(note, lexicon, models) == scan_note(note, lexicon) == []


@pytest.mark.parametrize("note", RULES_MISS)
def test_the_model_flags_what_the_rules_miss_and_says_so(note, lexicon, model):
    assert not any(f.kind == "unlicensed" for f in scan_note(note, lexicon))
    [finding] = [f for f in read_note(note, lexicon, model) if f.kind == "unlicensed"]
    score = model.score(normalised(note, lexicon))
    assert finding.subkind == SUBKIND and score >= model.threshold
    assert finding.rule.startswith(RULE + ": 统计读者")
    assert f"得分 {score:.2f}（阈值 {model.threshold:.2f}）" in finding.rule
    assert finding.matched and note[finding.start:finding.end].strip() == finding.matched
    assert "「" in finding.rule  # the n-grams that weighed most


@pytest.mark.parametrize("note", CLEAN)
def test_clean_notes_stay_clean(note, lexicon, model):
    assert read_note(note, lexicon, model) == scan_note(note, lexicon) == []


def test_the_model_is_not_asked_when_the_rules_found_the_problem(lexicon, model):
    note = "证早就过期了还在卖烟"
    assert model.score(normalised(note, lexicon)) >= model.threshold
    assert read_note(note, lexicon, model) == scan_note(note, lexicon)
    assert [f.subkind for f in scan_note(note, lexicon)] == ["expired"]


def test_without_the_model_the_rules_alone(lexicon):
    for note in RULES_MISS + ["证早就过期了还在卖烟", None]:
        assert read_note(note, lexicon, None) == scan_note(note, lexicon)


def test_a_price_finding_of_the_rules_does_not_keep_the_model_out(lexicon, model):
    note = RULES_MISS[0] + "，价签也没贴"
    kinds = [(f.kind, f.subkind) for f in read_note(note, lexicon, model)]
    assert kinds == [("price", "unmarked_tags"), ("unlicensed", SUBKIND)]
    # the model reads the whole note: more words about other things can take it under
    longer = RULES_MISS[0] + "，好几个品规没有价签，陈列也乱，货架上落了灰，提醒他整理一下"
    assert model.score(normalised(longer, lexicon)) < model.threshold
    assert [f.kind for f in read_note(longer, lexicon, model)] == ["price"]


def _rewrite(path: Path, lines: list[str]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


def test_a_damaged_model_file_is_named_with_its_line(tmp_path):
    lines = gzip.open(DEFAULT_MODEL, "rt", encoding="utf-8").read().split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("ngrams\t")) + 1
    short = _rewrite(tmp_path / "short.tsv.gz", lines[:start + 100])
    with pytest.raises(InputError, match="应有 .* 个 n 元，读到 100 个") as err:
        load_text_model(short)
    assert err.value.location.file == str(short) and "train_flag_model" in err.value.hint
    bad = list(lines)
    bad[start + 5] = "坏的一行"
    with pytest.raises(InputError, match="三栏") as err:
        load_text_model(_rewrite(tmp_path / "bad.tsv.gz", bad))
    assert err.value.location.row == start + 6
    bad_placeholder = [lines[0], "placeholder\t９\t(unclosed"] + lines[1:]
    with pytest.raises(InputError, match="占位符") as err:
        load_text_model(_rewrite(tmp_path / "badph.tsv.gz", bad_placeholder))
    assert err.value.location.row == 2
    no_header = _rewrite(tmp_path / "noheader.tsv.gz", [lines[0]] + lines[start:start + 10])
    with pytest.raises(InputError, match="文件头"):
        load_text_model(no_header)
    plain = tmp_path / "plain.tsv.gz"
    plain.write_text("not gzip")
    with pytest.raises(InputError, match="无法读取"):
        load_text_model(plain)


def test_help_does_not_load_the_model():
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "cmgr", "--help"],
                         capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0
    assert "cmgr.core.flag_model" not in out.stderr and "sklearn" not in out.stderr


def _flags(dbpath: Path, monkeypatch, switch: str | None) -> list[dict]:
    con = sqlite3.connect(dbpath)
    con.executemany(
        "INSERT INTO visits (visit_key, visit_id, visit_date, customer_code, manager, notes, "
        "updated_at) VALUES (?, ?, '2026-11-02', 'C001', "
        "(SELECT manager FROM customers WHERE customer_code = 'C001'), ?, '2026-11-06T00:00:00')",
        [("SM1", "SM1", RULES_MISS[2]), ("SM2", "SM2", CLEAN[0])])
    con.commit()
    con.close()
    if switch is not None:
        monkeypatch.setenv("CMGR_FLAGS_STATISTICAL_READER", switch)
    result = run(["flag", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cmgr_flag_uses_the_model_and_shows_why(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    flags = _flags(seeded_db_path(tmp_path, monkeypatch), monkeypatch, None)
    [flag] = [f for f in flags if f["visit_id"] in ("SM1", "SM2")]
    assert (flag["visit_id"], flag["kind"], flag["subkind"]) == ("SM1", "unlicensed", SUBKIND)
    assert flag["rule"].startswith(RULE) and "得分" in flag["rule"]


def test_the_switch_turns_the_model_off(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    flags = _flags(seeded_db_path(tmp_path, monkeypatch), monkeypatch, "false")
    assert not [f for f in flags if f["visit_id"] in ("SM1", "SM2")]
