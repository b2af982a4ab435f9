"""The statistical second reader of visit notes: one model per label (unlicensed, price).

Measured in docs/flag-rules.md section 8 (rounds never seen by the rules nor the model): the
rules alone miss notes written in ways no rule covers yet; a character n-gram TF-IDF logistic
regression catches some of them. The combination is, per label, the rules' verdict OR the
model's score >= the threshold stored with the model (chosen on the training rounds as the
highest recall whose precision is no lower than the rules' own). A model never removes a
rule's finding, and it is asked only when the rules found no problem of its label and the note
names what the label is about (`GATES`).

The price model reads the note with brands and prices replaced by one placeholder each (the
file's `placeholder` lines): "华子还是60" and "芙蓉王又标26" are then the same shape, so a way of
writing learnt on one brand carries to the others (round-5-13 leave-one-round-out, docs
section 8).

The model files (cmgr/data/flag_model_<label>.tsv.gz) are written by bench/train_flag_model.py
with scikit-learn; here they are scored in pure Python, so cmgr needs no scikit-learn. They
are loaded only when a scan runs (never for `cmgr --help`).
"""

from __future__ import annotations

import gzip
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cmgr.core.flag_rules import Lexicon, NoteFinding, scan_note
from cmgr.core.flag_rules.normalize import _normalize_plain, _normalize_with_map
from cmgr.core.flag_rules.reader import scan_note_normalised
from cmgr.errors import InputError, Location
from cmgr.i18n import tr

_DATA = Path(__file__).resolve().parents[1] / "data"
DEFAULT_MODEL = _DATA / "flag_model_unlicensed.tsv.gz"
DEFAULT_MODELS = (DEFAULT_MODEL, _DATA / "flag_model_price.tsv.gz")
# The finding's sub-kind per label ("statistical" is the unlicensed one's, as flags stored
# before the price model have it).
SUBKINDS = {"unlicensed": "statistical", "price": "statistical_price"}
SUBKIND = SUBKINDS["unlicensed"]
RULE = "unlicensed.statistical"
_WHITE_RUNS = re.compile(r"\s\s+")  # as scikit-learn's char analyzer collapses whitespace
_CLAUSE_END = re.compile(r"[。，,；;！!？?\n]")
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
# The model is asked only about a note that names a licence or a licence's state (after the
# rule reader's normalisation: traditional characters, pinyin slips): on every labelled corpus,
# the sample territory, the city's 163,081 distinct notes and 15,413 synthetic ones, no note
# without one of these reaches the threshold where the rules found nothing, and of the city's
# 156,694 distinct notes without an unlicensed finding only 9,158 are scored (docs/flag-rules.md
# section 8).
LICENCE_WORDS = ("证", "證", "牌", "照", "许可", "許可", "license", "licence", "xkz", "wz",
                 "变更", "變更", "吊销", "吊銷", "注销", "注銷", "撤销", "撤銷", "暂停", "暫停",
                 "过期", "過期", "到期")
_LICENCE_WORD = re.compile("|".join(map(re.escape, LICENCE_WORDS)))
# The price model is asked only about a note that names a price, a tag or money, or gives a
# number right after a brand (华子还是60); not about every number: orders are counted in 条 too.
PRICE_WORDS = ("价", "元", "块", "蚊", "毛", "钱", "标", "签", "明码", "名码", "贵", "便宜", "折",
               "¥", "￥", "tag", "price", "zd", "mbj")
# The brands of the lexicon's BRAND macro (and two homophone slips of them the normaliser keeps).
# The lookahead of first characters lets the regex engine pass over a position at once (Python's
# re tries each alternative in turn).
BRANDS = ("(?=[中玉利芙南云黄红娇双白七真钻苏泰贵宽长好兰延软硬华钟])"
          "(?:中华|玉溪|利群|芙蓉王|南京|云烟|黄鹤楼|红塔山|娇子|双喜|白沙|红河|七匹狼|真龙|钻石|苏烟|泰山|"
          "贵烟|黄山|宽窄|黄金叶|长白山|红旗渠|好猫|兰州|延安|软中(?![心间午])|硬中(?![心间午])|华子|钟华|玉希)")
# What bench/train_flag_model.py has the price model read in place of a brand and of a price
# (digits, or Chinese numerals before a unit); stored in the model file, which the scorer
# follows. The tokens are lower case, as scikit-learn lower-cases the text after them.
PRICE_PLACEHOLDERS = (("ｂ", BRANDS),
                      ("９", r"\d+(?:\.\d+)?|[一二两三四五六七八九十百廿卅]{1,4}(?=[块元毛蚊包条盒])"))
PLACEHOLDER_NAMES = {"ｂ": "〔品牌〕", "９": "〔价〕"}  # how an explanation shows them
# (a spec in brackets is no price: 泰山(1916)卖得快; nor one Chinese numeral: 要多备一些)
_BRAND_NUMBER = (rf"{BRANDS}(?:\([^)]{{1,8}}\))?[^,;。!?\n\d(]{{0,4}}?"
                 r"(?:\d|[一二两三四五六七八九十廿卅]{2}|[一二两三四五六七八九十廿卅][块元蚊毛])")
_PRICE_WORD = re.compile("|".join([
    "[" + "".join(re.escape(w) for w in PRICE_WORDS if len(w) == 1) + "]",
    *(re.escape(w) for w in PRICE_WORDS if len(w) > 1), _BRAND_NUMBER]))
# Words with 价 or 钱 that name no price (评价, 卡里的钱 of the e-settlement), and a clause that
# says the prices are in order: not a reason to ask the price model (the rest of the note may be).
_NOT_A_PRICE = re.compile(
    r"评价|价值|代价|性价比|(?:卡|账户|户头)里?的?钱|(?:把|存)钱|钱(?:不够|存够|存上|没存)"
    r"|(?:明码标价|价签|标价|价格|售价)(?:都|均|也)?(?:规范|齐全|正常|到位|一致|相符|合规)"
    r"|(?:跟|与|和)指导价(?:都|均|也)?(?:一致|相符)")


class _PriceGate:
    """`search(text)`: a price word of the note outside `_NOT_A_PRICE`'s spans (None if none)."""

    def search(self, text: str):
        return _PRICE_WORD.search(_NOT_A_PRICE.sub(",", text))


GATES = {"unlicensed": _LICENCE_WORD, "price": _PriceGate()}
# The price model is not asked about a note in which a price rule matched and a modifier or a
# resolution dropped it (查了售价，都没有低于最低价的): the model reads the whole note and cannot
# tell a negated check from a finding; it is there for ways of writing no rule knows. On rounds
# 5-13 that costs 3 of its 77 finds (recall 0.811 -> 0.808) and keeps it off the city's
# "没有低于最低价" notes. The unlicensed model may overrule the rules' modifiers: there that
# is half of what it finds (docs/flag-rules.md section 8, round 11).
OVERRULES_MODIFIERS = {"unlicensed": True, "price": False}


def asks(label: str, text: str, dropped: frozenset[str] = frozenset()) -> bool:
    """Whether the model of `label` is asked about normalised, lower-cased `text` in which the
    rules found no problem of that label: it passes the label's gate (`GATES`), and no rule of
    the label was dropped by a modifier unless the model may overrule one (`dropped`: the kinds
    `scan_note_normalised` says were dropped). bench/train_flag_model.py asks it too."""
    gate = GATES.get(label)
    if gate is not None and not gate.search(text):
        return False
    return label not in dropped or OVERRULES_MODIFIERS.get(label, True)


def substitute(text: str, subs) -> str:
    """`text` with each (token, compiled pattern) of `subs`' matches replaced by its token, in
    order: the placeholders a model reads (`TextModel.features`, bench/train_flag_model.py)."""
    for token, pattern in subs:
        text = pattern.sub(token, text)
    return text


@dataclass(frozen=True)
class TextModel:
    """Logistic regression on sublinear-tf, idf-weighted, L2-normalised char n-grams."""

    label: str
    threshold: float
    intercept: float
    max_n: int
    grams: dict[str, tuple[float, float]]  # n-gram -> (idf, weight)
    checks: tuple[tuple[str, float], ...] = ()  # (normalised text, scikit-learn's probability)
    # (placeholder, regular expression): what the model reads in place of each match, in order
    placeholders: tuple[tuple[str, str], ...] = ()
    # n-gram -> (idf * weight, idf ** 2, idf, weight): a gram seen once needs no log
    _terms: dict[str, tuple[float, float, float, float]] = field(
        default_factory=dict, repr=False, compare=False)
    _subs: list[tuple[str, re.Pattern]] = field(default_factory=list, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._terms.update((g, (i * w, i * i, i, w)) for g, (i, w) in self.grams.items())
        self._subs.extend((token, re.compile(pattern)) for token, pattern in self.placeholders)

    def features(self, text: str) -> str:
        """Normalised `text` as the model reads it: each placeholder's matches replaced by it."""
        return substitute(text, self._subs)

    def _counts(self, text: str) -> Counter:
        doc = _WHITE_RUNS.sub(" ", self.features(text))
        size = len(doc)
        keys = list(doc)
        for n in range(2, min(self.max_n, size) + 1):
            keys += [doc[i:i + n] for i in range(size - n + 1)]
        return Counter(keys)

    def decision(self, text: str) -> float:
        """The decision value (log-odds) of normalised `text`."""
        dot = squares = 0.0
        get = self._terms.get
        for gram, count in self._counts(text).items():
            term = get(gram)
            if term is None:
                continue
            if count == 1:
                dot += term[0]
                squares += term[1]
            else:
                value = (1.0 + math.log(count)) * term[2]
                dot += value * term[3]
                squares += value * value
        return self.intercept + (dot / math.sqrt(squares) if squares else 0.0)

    def score(self, text: str) -> float:
        """The probability that normalised `text` reports the label's problem."""
        return _sigmoid(self.decision(text))

    def weightiest(self, text: str, n: int = 3) -> list[str]:
        """The `n` n-grams of normalised `text` that raise its score most (the explanation)."""
        counts = self._counts(text)
        shares = {g: (1.0 + math.log(c)) * self.grams[g][0] * self.grams[g][1]
                  for g, c in counts.items() if g in self.grams and g.strip()}
        return [g for g, v in sorted(shares.items(), key=lambda kv: -kv[1]) if v > 0][:n]

    def shown(self, gram: str) -> str:
        """`gram` as an explanation shows it: a placeholder by its name (〔品牌〕, 〔价〕)."""
        for token, _ in self.placeholders:
            gram = gram.replace(token, PLACEHOLDER_NAMES.get(token, token))
        return gram


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _unescape(field: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), field) \
        if "\\" in field else field


@lru_cache(maxsize=4)
def load_text_model(path: Path = DEFAULT_MODEL) -> TextModel:
    """The model in `path` (bench/train_flag_model.py's format); a damaged file is an InputError."""
    def bad(line_no: int, what: str) -> InputError:
        return InputError(tr("统计读者的模型文件已损坏：{what}", what=what),
                          Location(str(path), row=line_no),
                          hint=tr("重新运行 `python bench/train_flag_model.py`，或把配置项 "
                                  "flags.statistical_reader 设为 false"))

    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            lines = fh.read().split("\n")
        if lines[-1] == "":  # the file's final newline
            lines.pop()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise InputError(tr("无法读取统计读者的模型文件：{error}", error=exc),
                         Location(str(path)),
                         hint=tr("把配置项 flags.statistical_reader 设为 false 可只用规则")) from exc
    header: dict[str, list[str]] = {}
    checks, placeholders = [], []
    line_no = 1  # the first line is a comment; the header ends with "ngrams N"
    while "ngrams" not in header and line_no < len(lines):
        key, _, rest = lines[line_no].partition("\t")
        line_no += 1
        if key == "check":
            prob, _, text = rest.partition("\t")
            checks.append((_unescape(text), float(prob)))
        elif key == "placeholder":
            token, _, pattern = rest.partition("\t")
            try:
                re.compile(_unescape(pattern))
            except re.error as exc:
                raise bad(line_no, tr("占位符的正则表达式写错了：{error}", error=exc)) from exc
            placeholders.append((_unescape(token), _unescape(pattern)))
        else:
            header[key] = rest.split("\t")
    try:
        n_grams = int(header["ngrams"][0])
        label, threshold = header["label"][0], float(header["threshold"][0])
        intercept, max_n = float(header["intercept"][0]), int(header["ngram_range"][1])
    except (KeyError, IndexError, ValueError) as exc:
        raise bad(line_no, tr("文件头缺少或写错了 {key}", key=exc)) from exc
    body = lines[line_no:line_no + n_grams]
    grams = {}
    for offset, line in enumerate(body):
        fields = line.split("\t")
        try:
            grams[_unescape(fields[0])] = (float(fields[1]), float(fields[2]))
        except (IndexError, ValueError) as exc:
            raise bad(line_no + 1 + offset, tr("应为 n 元、idf、权重三栏")) from exc
    if len(grams) != n_grams:
        raise bad(line_no + len(body), tr("应有 {expected} 个 n 元，读到 {found} 个",
                                          expected=n_grams, found=len(grams)))
    return TextModel(label, threshold, intercept, max_n, grams, tuple(checks), tuple(placeholders))


def load_statistical_reader(paths: tuple[Path, ...] = DEFAULT_MODELS) -> tuple[TextModel, ...]:
    """The models of the statistical second reader, one per label (`read_note`'s `model`)."""
    return tuple(load_text_model(path) for path in paths)


def normalised(note: str, lexicon: Lexicon) -> str:
    """The note as the model reads it: the rule reader's normalisation, lower-cased."""
    text = _normalize_plain(note, lexicon.char_map, lexicon.spelling)
    if text is None:
        text = _normalize_with_map(note, lexicon.char_map, lexicon.spelling)[0]
    return text.lower()


def read_note(note: str, lexicon: Lexicon,
              model: TextModel | tuple[TextModel, ...] | None) -> list[NoteFinding]:
    """The rules' findings of `note`, and, per model (one label each) when the rules found no
    problem of its label, the note passes the label's gate (`GATES`) and, for the price model,
    no price rule's match was dropped by a modifier (`OVERRULES_MODIFIERS`), the model's finding
    if its score reaches the threshold.

    The finding's `matched` is the clause of the note holding the n-gram that weighs most in
    the score, and its `rule` says it came from the statistical reader, with the score and
    the n-grams that weighed most, so a manager can see why."""
    models = () if model is None else (model,) if isinstance(model, TextModel) else model
    if not models:
        return scan_note(note, lexicon)
    found, text, dropped = scan_note_normalised(note, lexicon)
    text = text.lower()  # as bench/train_flag_model.py's notes
    added = []
    for m in models:
        if any(f.kind == m.label for f in found) or not asks(m.label, text, dropped):
            continue
        finding = _model_finding(note, text, lexicon, m)
        if finding is not None:
            added.append(finding)
    return [*found, *added] if added else found


def _model_finding(note: str, text: str, lexicon: Lexicon, model: TextModel) -> NoteFinding | None:
    score = model.score(text)
    if score < model.threshold:
        return None
    top = model.weightiest(text)
    start, end = _clause_of(text, model.features(text), top[0]) if top else (0, len(text))
    offsets = _normalize_with_map(note, lexicon.char_map, lexicon.spelling)[1]
    last = len(offsets) - 1  # (lower() may lengthen a rare letter: stay inside the note)
    begin, finish = offsets[min(start, last)], offsets[min(end, last)]
    rule = tr("{rule}: 统计读者（字 n 元逻辑回归）判断，得分 {score}（阈值 {threshold}），"
              "最有分量的字串 {grams}", rule=f"{model.label}.statistical", score=f"{score:.2f}",
              threshold=f"{model.threshold:.2f}", grams="、".join(f"「{model.shown(g)}」" for g in top))
    return NoteFinding(model.label, SUBKINDS.get(model.label, "statistical"),
                       note[begin:finish].strip() or note, begin, finish, rule)


def _clause_of(text: str, read: str, gram: str) -> tuple[int, int]:
    """The span in `text` of the clause holding the first occurrence of `gram` in `read` (the
    text as the model reads it: placeholders never stand for a clause's end, so the clauses of
    the two correspond one to one)."""
    at = read.find(gram)
    if at < 0:
        return 0, len(text)
    ends = list(_CLAUSE_END.finditer(text))
    k_start = sum(1 for _ in _CLAUSE_END.finditer(read, 0, at))
    k_end = sum(1 for _ in _CLAUSE_END.finditer(read, 0, at + len(gram)))
    start = ends[k_start - 1].end() if k_start else 0
    return start, ends[k_end].start() if k_end < len(ends) else len(text)
