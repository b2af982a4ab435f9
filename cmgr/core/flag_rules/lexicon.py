"""The lexicon: load, check and compile cmgr/data/flag_lexicon.toml (or a user's file)."""

from __future__ import annotations

import dataclasses
import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from cmgr.core.flag_rules.normalize import _Spelling
from cmgr.core.flag_rules.pinyin import Homophones, compile_homophones
from cmgr.core.flag_rules.prefilter import (
    _anchors,
    _compile_fast,
    _first_chars,
    _split_alternatives,
)
from cmgr.core.flag_rules.prices import _BARE_TAG_ANCHORS, _labelled_number_pattern
from cmgr.errors import ConfigError
from cmgr.i18n import tr

KINDS = ("unlicensed", "price")
_SCOPES = ("after", "sentence", "report")
_WITHIN = ("clause", "sentence")
# ---------------------------------------------------------------------------
# The lexicon


@dataclass(frozen=True)
class _Piece:
    """One top-level alternative of a pattern, searched only when one of its anchors is present."""

    regex: re.Pattern[str]
    anchors: frozenset[str] | None  # a match contains one of these strings; None: always search


@dataclass(frozen=True)
class _State:
    """A state rule's second half: the rule's patterns find a thing (the licence) and this
    finds what the note says of it (过期, 不是他的, 没见过...办) close by, in either order."""

    regex: re.Pattern[str]
    anchors: frozenset[str] | None
    reach: int  # at most this many characters between the thing and its state
    within: str  # "clause" (no comma between them) | "sentence"


@dataclass(frozen=True)
class _Rule:
    kind: str
    subkind: str
    name: str
    pieces: tuple[_Piece, ...]
    requires_selling: bool
    suppress: re.Pattern[str] | None
    state: _State | None = None
    # The rule's own examples: notes it flags, and notes it must not make a case of
    # (tests/core/test_flag_lexicon_examples.py runs every one).
    examples: tuple[str, ...] = ()
    not_examples: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.kind}.{self.subkind}: {self.name}"


@dataclass(frozen=True)
class _Resolution:
    name: str
    pieces: tuple[_Piece, ...]
    resolves: frozenset[str]  # "price", "price.unmarked_tags", ...; empty: from the context
    scope: str  # "after" (problems before it) | "sentence" (the whole sentence)
    examples: tuple[str, ...] = ()  # notes whose problem it closes
    not_examples: tuple[str, ...] = ()  # notes whose problem stays open despite its words


@dataclass(frozen=True)
class _Numeric:
    regex: re.Pattern[str] | None  # labelled numbers: groups guide / minimum / tag / sold
    normal: re.Pattern[str] | None
    anchors: frozenset[str] | None
    # Right after an unlabelled price: a guide / minimum price that it is compared with
    # ("280元/条(指导价250)": 280 is the price charged).
    reference_after: re.Pattern[str] | None = None
    # Between two tag prices: another product, or a change over time (中华标45，玉溪标23;
    # 原来标45，现在标48); without one, two different tags are one product's two prices.
    tag_pair_breaks: re.Pattern[str] | None = None


@dataclass(repr=False)
class Lexicon:
    """A loaded, compiled lexicon. Build it with `load_lexicon`."""

    path: str
    rules: list[_Rule]
    resolutions: list[_Resolution]
    cues: dict[str, re.Pattern[str] | None]
    numeric: _Numeric
    char_map: dict[int, str]
    sentence_breaks: re.Pattern[str]
    clause_breaks: re.Pattern[str]
    subkinds: dict[str, set[str]] = field(default_factory=dict)
    # The prefilter: anchors by first char, and the pieces (rule, piece) each anchor unlocks.
    anchor_index: dict[str, tuple[str, ...]] = field(default_factory=dict)
    pieces_by_anchor: dict[str, frozenset[int]] = field(default_factory=dict)
    unanchored: frozenset[int] = frozenset()
    all_pieces: tuple[tuple[_Rule, _Piece], ...] = ()
    remedies_by_anchor: dict[str, frozenset[int]] = field(default_factory=dict)
    unanchored_remedies: frozenset[int] = frozenset()
    all_remedies: tuple[tuple[_Resolution, _Piece], ...] = ()
    spelling: _Spelling | None = None

    def anchors_in(self, text: str) -> set[str]:
        """The anchors (of all rules) that occur in `text` (lower-cased)."""
        index = self.anchor_index
        found: set[str] = set()
        for ch in index.keys() & set(text):
            for anchor in index[ch]:
                if len(anchor) == 1 or anchor in text:
                    found.add(anchor)
        return found

    def live_pieces(self, present: set[str]) -> list[tuple[_Rule, _Piece]]:
        ids = set(self.unanchored)
        for anchor in present:
            ids |= self.pieces_by_anchor.get(anchor, frozenset())
        return [self.all_pieces[i] for i in sorted(ids)]

    def live_remedies(self, present: set[str]) -> list[tuple[_Resolution, _Piece]]:
        ids = set(self.unanchored_remedies)
        for anchor in present:
            ids |= self.remedies_by_anchor.get(anchor, frozenset())
        return [self.all_remedies[i] for i in sorted(ids)]

    def describe(self) -> str:
        counts = ", ".join(f"{k}: {len(v)} sub-kinds" for k, v in self.subkinds.items())
        return f"lexicon {self.path} ({len(self.rules)} rules, {counts})"

    def __repr__(self) -> str:
        return f"<Lexicon {self.path}: {len(self.rules)} rules, {len(self.resolutions)} remedies>"


_CUE_KEYS = {
    # key: how the code anchors it (see _compile_cue)
    "negation_before": "search",
    "negation_object_end": "search",
    "negation_adjacent": "end",
    "negation_after": "start",
    "question_before": "search",
    "question_after": "search",
    "question_end": "end",
    "question_mark_aside": "end",
    "hypothetical_before": "search",
    "hypothetical_after": "search",
    "education_before": "search",
    "education_after": "start",
    "market_before": "search",
    "margin_complaint": "search",
    "punished_price_after": "start",
    "past": "search",
    "history": "search",
    "current": "search",
    "other_outlet": "search",
    "this_outlet": "search",
    "owner_word": "search",
    "selling": "search",
    "selling_negated": "end",
    "selling_negated_after": "search",
    "non_resolution_before": "search",
    "non_resolution_adjacent": "end",
    "hint_price": "search",
    "hint_unlicensed": "search",
    "pending_after": "start",
    "checklist_head": "search",
    "checklist_yes": "start",
    "partial_before": "search",
    "shop_marker": "search",
    "not_cigarette": "search",
    "cigarette": "search",
    # ConText additions: where a modifier's scope ends inside a clause, talk about the rules
    # after a problem word, and shop names that name other goods (水果店)
    "scope_end": "search",
    "rule_talk_after": "search",
    "goods_shop": "search",
    # a case told as a story of somebody already punished, and a remedy the note contradicts
    "punished_after": "search",
    "contradicted_after": "search",
    # an echo question (证被吊销了？): the words that make a "?" sentence a real question, and a
    # next sentence that answers no
    "question_words": "search",
    "question_denied_next": "search",
    # a price remedy the note contradicts right after (说改了，今天还是卖70)
    "price_contradicted_after": "search",
}
_TOP_KEYS = {"version", "extends", "normalize", "segmentation", "macros", "cues", "rules",
             "resolutions", "numeric"}
_MACRO_RE = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


def _default_lexicon_path() -> Path:
    from cmgr.resources import data_file

    return data_file("flag_lexicon.toml")


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """Load and compile a lexicon; None loads the packaged default.

    A file that does not parse, has an unknown key or an invalid pattern raises
    ConfigError naming the file, the line and the entry; the default is never used instead.
    Compiled lexicons are cached per file and modification time.
    """
    file_path = Path(path) if path is not None else _default_lexicon_path()
    try:
        stat = file_path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = None  # let _read_toml report it
    if stamp is None:
        return _load_lexicon(file_path)
    return _load_cached(str(file_path.resolve()), stamp)


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, stamp: tuple[int, int]) -> Lexicon:
    return _load_lexicon(Path(path))


def _load_lexicon(file_path: Path) -> Lexicon:
    default_path = _default_lexicon_path()
    data, text = _read_toml(file_path)
    if data.get("extends") not in (None, "default"):
        raise ConfigError(tr('extends 应为 "default"，而不是 {value}', value=repr(data.get("extends"))),
                          path=str(file_path), key="extends")
    if data.get("extends") == "default" and file_path.resolve() != default_path.resolve():
        base, base_text = _read_toml(default_path)
        _check_shape(base, str(default_path), base_text)
        _check_shape(data, str(file_path), text)
        # Entries are numbered as in the user's file: the default's come first in the merge.
        offsets = {"rules": len(base.get("rules", [])),
                   "resolutions": len(base.get("resolutions", []))}
        return _compile(_merge(base, data), str(file_path), text, offsets)
    _check_shape(data, str(file_path), text)
    return _compile(data, str(file_path), text)


def _read_toml(path: Path) -> tuple[dict, str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(tr("无法读取词库：{error}", error=exc.strerror or exc), path=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(tr("词库不是 UTF-8 文本"), path=str(path)) from exc
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        # The message carries "(at line N, column M)".
        raise ConfigError(tr("不是有效的 TOML：{error}", error=exc), path=str(path),
                          hint=tr("请检查引号：模式最好写成 '...' 字面字符串")) from exc


def _line_of(text: str, needle: str) -> int | None:
    for quoted in (f"'{needle}'", f'"{needle}"', needle):
        idx = text.find(quoted)
        if idx >= 0:
            return text.count("\n", 0, idx) + 1
    return None


def _err(path: str, text: str, key: str, message: str, needle: str | None = None) -> ConfigError:
    line = _line_of(text, needle) if needle else None
    where = tr("{key}（第 {line} 行）", key=key, line=line) if line else key
    return ConfigError(message, path=path, key=where)


def _check_shape(data: dict, path: str, text: str) -> None:
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _err(path, text, sorted(unknown)[0],
                   tr("未知的顶层配置项；应为以下之一：{keys}", keys=", ".join(sorted(_TOP_KEYS))),
                   sorted(unknown)[0])
    for table in ("normalize", "segmentation", "macros", "cues", "numeric"):
        if table in data and not isinstance(data[table], dict):
            raise _err(path, text, table, tr("应为表（[...]）"), table)
    for key in data.get("cues", {}):
        if key not in _CUE_KEYS:
            raise _err(path, text, f"cues.{key}",
                       tr("未知的提示词列表；应为以下之一：{keys}", keys=", ".join(sorted(_CUE_KEYS))),
                       key)
    for array in ("rules", "resolutions"):
        if array in data and not (isinstance(data[array], list)
                                  and all(isinstance(x, dict) for x in data[array])):
            raise _err(path, text, array, tr("应为表数组（[[{array}]]）", array=array), array)


def _merge(base: dict, extra: dict) -> dict:
    merged = dict(base)
    for key, value in extra.items():
        if key == "extends":
            continue
        if key in ("rules", "resolutions"):
            merged[key] = list(base.get(key, [])) + list(value)
        elif isinstance(value, dict):
            table = dict(base.get(key, {}))
            for sub, sub_value in value.items():
                if isinstance(sub_value, list) and isinstance(table.get(sub), list):
                    table[sub] = list(table[sub]) + list(sub_value)
                elif isinstance(sub_value, dict) and isinstance(table.get(sub), dict):
                    table[sub] = {**table[sub], **sub_value}
                else:
                    table[sub] = sub_value
            merged[key] = table
        else:
            merged[key] = value
    return merged


def _string_list(value, path: str, text: str, key: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _err(path, text, key, tr("应为字符串列表"), key.rsplit(".", 1)[-1])
    return value


class _Compiler:
    def __init__(self, macros: dict[str, str], path: str, text: str) -> None:
        self.path, self.text = path, text
        self.macros: dict[str, str] = {}
        for name, value in macros.items():
            if not re.fullmatch(r"[A-Z][A-Z0-9_]*", name) or not isinstance(value, str):
                raise _err(path, text, f"macros.{name}",
                           tr("宏名应为大写（UPPER_CASE），其值应为字符串"), name)
            self.macros[name] = value
        for name in self.macros:  # expand eagerly so a bad macro is reported as itself
            self.compile(f"{{{name}}}", f"macros.{name}", self.macros[name])

    def expand(self, pattern: str, key: str, needle: str, depth: int = 0) -> str:
        if depth > 10:
            raise _err(self.path, self.text, key, tr("宏之间循环引用"), needle)

        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.macros:
                raise _err(self.path, self.text, key,
                           tr("模式「{pattern}」中有未知的宏 {macro}；已定义的：{defined}",
                              macro="{" + name + "}", pattern=needle,
                              defined=", ".join(sorted(self.macros)) or tr("无")), needle)
            return "(?:" + self.expand(self.macros[name], key, needle, depth + 1) + ")"

        return _MACRO_RE.sub(sub, pattern)

    def compile(self, pattern: str, key: str, needle: str | None = None) -> re.Pattern[str]:
        needle = needle if needle is not None else pattern
        expanded = self.expand(pattern, key, needle)
        try:
            return re.compile(expanded, re.IGNORECASE)
        except re.error as exc:
            raise _err(self.path, self.text, key,
                       tr("无效的正则表达式「{pattern}」：{error}（位置 {pos}）", pattern=needle,
                          error=exc.msg, pos=exc.pos) if exc.pos is not None else
                       tr("无效的正则表达式「{pattern}」：{error}", pattern=needle, error=exc.msg),
                       needle) from exc

    def compile_list(self, patterns: list[str], key: str) -> tuple[re.Pattern[str], list[str]]:
        expanded = []
        for i, pattern in enumerate(patterns):
            self.compile(pattern, f"{key}[{i}]")  # validates each entry on its own
            expanded.append(self.expand(pattern, f"{key}[{i}]", pattern))
        return re.compile("|".join(f"(?:{p})" for p in expanded), re.IGNORECASE), expanded


def _compile_cue(compiler: _Compiler, patterns: list[str], how: str, key: str) -> re.Pattern[str] | None:
    if not patterns:
        return None
    _, expanded = compiler.compile_list(patterns, key)
    body = "|".join(f"(?:{p})" for p in expanded)
    if how == "end":
        body = f"(?:{body})$"
    elif how == "start":
        body = f"^(?:{body})"
    return re.compile(body, re.IGNORECASE)


def _compile(data: dict, path: str, text: str, offsets: dict[str, int] | None = None) -> Lexicon:
    compiler = _Compiler(data.get("macros", {}), path, text)

    normalize = data.get("normalize", {})
    char_map_src = normalize.get("char_map", {})
    if not isinstance(char_map_src, dict):
        raise _err(path, text, "normalize.char_map", tr("应为一个字符对一个字符的表"), "char_map")
    char_map: dict[int, str] = {}
    for src, dst in char_map_src.items():
        if not (isinstance(dst, str) and len(src) == 1 and len(dst) == 1):
            raise _err(path, text, f"normalize.char_map.{src}",
                       tr("只能一个字符对一个字符（记录中的位置保持不变）"), src)
        char_map[ord(src)] = dst
    spelling = _compile_spelling(compiler, normalize.get("spelling", {}), path, text,
                                 normalize.get("homophones"), normalize.get("dialect"))
    before_map = {}
    for name in ("space_breaks", "bracket_names"):
        patterns = _string_list(normalize.get(name, []), path, text, f"normalize.{name}")
        if patterns:
            before_map[name] = compiler.compile_list(patterns, f"normalize.{name}")[0]
    if before_map:
        spelling = (_Spelling(None, (), **before_map) if spelling is None
                    else dataclasses.replace(spelling, **before_map))

    seg = data.get("segmentation", {})
    sentence_breaks = compiler.compile(seg.get("sentence_breaks", r"[。;!?\n…]+"),
                                       "segmentation.sentence_breaks")
    clause_breaks = compiler.compile(seg.get("clause_breaks", r"[,]+"), "segmentation.clause_breaks")
    scope_end = data.get("cues", {}).get("scope_end")
    if scope_end:
        # A scope end (但/不过/然后, a new speaker) starts a new clause: a zero-width break.
        _, ends = compiler.compile_list(_string_list(scope_end, path, text, "cues.scope_end"),
                                        "cues.scope_end")
        clause_breaks = re.compile(f"(?:{clause_breaks.pattern})|(?=" + "|".join(
            f"(?:{e})" for e in ends) + ")", re.IGNORECASE)

    cues: dict[str, re.Pattern[str] | None] = {}
    cue_data = data.get("cues", {})
    for key, how in _CUE_KEYS.items():
        patterns = _string_list(cue_data.get(key, []), path, text, f"cues.{key}")
        cues[key] = _compile_cue(compiler, patterns, how, f"cues.{key}")

    rules: list[_Rule] = []
    subkinds: dict[str, set[str]] = {k: set() for k in KINDS}
    for i, entry in enumerate(data.get("rules", [])):
        key = f"rules[{i - (offsets or {}).get('rules', 0)}]"
        unknown = set(entry) - {"kind", "subkind", "name", "patterns", "requires", "suppress",
                                "state", "reach", "within", "examples", "not_examples"}
        if unknown:
            raise _err(path, text, f"{key}.{sorted(unknown)[0]}",
                       tr("未知的配置项；规则的配置项有 kind、subkind、name、patterns、requires、suppress、"
                          "state、reach、within、examples、not_examples"), sorted(unknown)[0])
        kind = entry.get("kind")
        if kind not in KINDS:
            raise _err(path, text, f"{key}.kind",
                       tr("kind 应为以下之一：{kinds}，而不是 {value}", kinds=", ".join(KINDS),
                          value=repr(kind)), str(kind))
        subkind = entry.get("subkind")
        if not isinstance(subkind, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", subkind):
            raise _err(path, text, f"{key}.subkind", tr("subkind 应为小写单词（lower_case）"),
                       str(subkind))
        name = entry.get("name", subkind)
        if not isinstance(name, str):
            raise _err(path, text, f"{key}.name", tr("name 应为字符串"), "name")
        patterns = _string_list(entry.get("patterns"), path, text, f"{key}.patterns")
        if not patterns:
            raise _err(path, text, f"{key}.patterns", tr("规则至少需要一个模式"), subkind)
        _, expanded = compiler.compile_list(patterns, f"{key}.patterns")
        pieces = _pieces(expanded)
        requires = _string_list(entry.get("requires", []), path, text, f"{key}.requires")
        if set(requires) - {"selling"}:
            raise _err(path, text, f"{key}.requires", tr('唯一已知的条件是 "selling"'), "requires")
        suppress_list = _string_list(entry.get("suppress", []), path, text, f"{key}.suppress")
        suppress = _compile_cue(compiler, suppress_list, "search", f"{key}.suppress")
        state = _compile_state(compiler, entry, path, text, key)
        examples = _string_list(entry.get("examples", []), path, text, f"{key}.examples")
        not_examples = _string_list(entry.get("not_examples", []), path, text,
                                    f"{key}.not_examples")
        rules.append(_Rule(kind, subkind, name, pieces, "selling" in requires, suppress, state,
                           tuple(examples), tuple(not_examples)))
        subkinds[kind].add(subkind)

    resolutions: list[_Resolution] = []
    for i, entry in enumerate(data.get("resolutions", [])):
        key = f"resolutions[{i - (offsets or {}).get('resolutions', 0)}]"
        unknown = set(entry) - {"name", "patterns", "resolves", "scope", "examples",
                                "not_examples"}
        if unknown:
            raise _err(path, text, f"{key}.{sorted(unknown)[0]}",
                       tr("未知的配置项；整改说法的配置项有 name、patterns、resolves、scope、examples、"
                          "not_examples"), sorted(unknown)[0])
        resolves = _string_list(entry.get("resolves", []), path, text, f"{key}.resolves")
        for target in resolves:
            kind, _, sub = target.partition(".")
            if kind not in KINDS or (sub and sub not in subkinds[kind]):
                raise _err(path, text, f"{key}.resolves",
                           tr("「{target}」不是规则中定义的 kind 或 kind.subkind", target=target),
                           target)
        scope = entry.get("scope", "after")
        if scope not in _SCOPES:
            raise _err(path, text, f"{key}.scope",
                       tr("scope 应为以下之一：{values}", values=", ".join(_SCOPES)), str(scope))
        patterns = _string_list(entry.get("patterns"), path, text, f"{key}.patterns")
        _, expanded = compiler.compile_list(patterns, f"{key}.patterns")
        examples = _string_list(entry.get("examples", []), path, text, f"{key}.examples")
        not_examples = _string_list(entry.get("not_examples", []), path, text,
                                    f"{key}.not_examples")
        resolutions.append(_Resolution(str(entry.get("name", f"resolution {i}")),
                                       _pieces(expanded), frozenset(resolves), scope,
                                       tuple(examples), tuple(not_examples)))

    num = data.get("numeric", {})
    numeric = _Numeric(None, None, None)
    if num:
        labels = {}
        for group in ("guide", "minimum", "tag", "sold"):
            items = _string_list(num.get(f"{group}_labels", []), path, text, f"numeric.{group}_labels")
            if items:
                _, expanded = compiler.compile_list(items, f"numeric.{group}_labels")
                labels[group] = "|".join(f"(?:{p})" for p in expanded)
        if "sold" in labels or "tag" in labels:
            label_re = "|".join(f"(?P<{g}>{p})" for g, p in labels.items())
            number_re = _labelled_number_pattern(label_re)
            normal = _compile_cue(compiler, _string_list(num.get("normal_cues", []), path, text,
                                                         "numeric.normal_cues"),
                                  "search", "numeric.normal_cues")
            # Without a guide or minimum price there is nothing to compare: those labels anchor.
            references = [labels[g] for g in ("guide", "minimum", "tag") if g in labels]
            reference_after = None
            if "guide" in labels or "minimum" in labels:
                ref_labels = "|".join(labels[g] for g in ("guide", "minimum") if g in labels)
                reference_after = re.compile(rf"\s*[(,:]?\s*(?:{ref_labels})", re.IGNORECASE)
            anchors = _anchors(references)
            if anchors is not None:
                anchors = anchors | _BARE_TAG_ANCHORS
            breaks = _compile_cue(compiler, _string_list(num.get("tag_pair_breaks", []), path,
                                                         text, "numeric.tag_pair_breaks"),
                                  "search", "numeric.tag_pair_breaks")
            numeric = _Numeric(re.compile(number_re, re.IGNORECASE), normal, anchors,
                               reference_after, breaks)
    all_pieces = tuple((rule, piece) for rule in rules for piece in rule.pieces)
    by_anchor: dict[str, set[int]] = {}
    for i, (_, piece) in enumerate(all_pieces):
        for anchor in piece.anchors or ():
            by_anchor.setdefault(anchor, set()).add(i)
    state_anchors = {a for rule in rules if rule.state for a in rule.state.anchors or ()}
    all_remedies = tuple((res, piece) for res in resolutions for piece in res.pieces)
    remedies_by_anchor: dict[str, set[int]] = {}
    for i, (_, piece) in enumerate(all_remedies):
        for anchor in piece.anchors or ():
            remedies_by_anchor.setdefault(anchor, set()).add(i)
    index: dict[str, list[str]] = {}
    for anchor in sorted(set(by_anchor) | set(numeric.anchors or ()) | set(remedies_by_anchor)
                         | state_anchors):
        index.setdefault(anchor[0], []).append(anchor)
    return Lexicon(path, rules, resolutions, cues, numeric, char_map, sentence_breaks,
                   clause_breaks, {k: v for k, v in subkinds.items() if v},
                   {k: tuple(v) for k, v in index.items()},
                   {k: frozenset(v) for k, v in by_anchor.items()},
                   frozenset(i for i, (_, p) in enumerate(all_pieces) if p.anchors is None),
                   all_pieces,
                   {k: frozenset(v) for k, v in remedies_by_anchor.items()},
                   frozenset(i for i, (_, p) in enumerate(all_remedies) if p.anchors is None),
                   all_remedies, spelling)


def _pieces(patterns: list[str]) -> tuple[_Piece, ...]:
    return tuple(_Piece(_compile_fast(piece), _anchors([piece]))
                 for pattern in patterns for piece in _split_alternatives(pattern))


def _compile_spelling(compiler: _Compiler, table, path: str, text: str,
                      homophone_table=None, dialect_table=None,
                      name: str = "spelling") -> _Spelling | None:
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise _err(path, text, f"normalize.{name}", tr("应为 模式 = 替换字符串 的表"), name)
    homophones = _compile_homophones(compiler, homophone_table, path, text)
    dialect = (None if dialect_table is None else
               _compile_spelling(compiler, dialect_table, path, text, name="dialect"))
    if not table and homophones is None and dialect is None:
        return None
    bodies, replacements = [], []
    for pattern, replacement in table.items():
        key = f"normalize.{name}.{pattern}"
        compiler.compile(pattern, key)
        if not replacement:
            raise _err(path, text, key, tr("替换字符串不能为空"), pattern)
        # Inner groups would shift the group numbers: make them non-capturing.
        body = re.sub(r"(?<!\\)\((?!\?)", "(?:", compiler.expand(pattern, key, pattern))
        bodies.append(f"({body})")
        replacements.append(replacement)
    regex = _compile_fast("|".join(bodies)) if bodies else None
    by_char: dict[str, list[tuple[str, int]]] = {}
    unanchored = []
    for i, body in enumerate(bodies):
        anchors = _anchors([body])
        if anchors is None:
            unanchored.append(i)
        for anchor in sorted(anchors or ()):
            by_char.setdefault(anchor[0], []).append((anchor, i))
    guard = None
    if name == "dialect" and bodies:
        # The dialect pass runs only on a note holding a character one of its words starts with.
        firsts = _first_chars("|".join(bodies))
        guard = re.compile("[" + "".join(sorted(map(re.escape, firsts))) + "]") if firsts else None
    return _Spelling(regex, tuple(replacements), homophones, tuple(bodies),
                     {ch: tuple(v) for ch, v in by_char.items()}, tuple(unanchored),
                     dialect, guard)


def _compile_homophones(compiler: _Compiler, table, path: str, text: str) -> Homophones | None:
    if table is None:
        return None
    if not isinstance(table, dict) or set(table) - {"words", "keep"}:
        raise _err(path, text, "normalize.homophones", tr("应为含 words 和 keep 的表"), "homophones")
    words = _string_list(table.get("words", []), path, text, "normalize.homophones.words")
    keep = _string_list(table.get("keep", []), path, text, "normalize.homophones.keep")
    if not words:
        return None
    keep_re = compiler.compile_list(keep, "normalize.homophones.keep")[0].pattern if keep else None
    try:
        return compile_homophones(words, keep_re)
    except ValueError as exc:
        raise _err(path, text, "normalize.homophones.words", str(exc), "homophones") from exc


def _compile_state(compiler: _Compiler, entry: dict, path: str, text: str, key: str) -> _State | None:
    if "state" not in entry:
        for extra in ("reach", "within"):
            if extra in entry:
                raise _err(path, text, f"{key}.{extra}", tr("{key} 只能与 state 一起使用", key=extra),
                           extra)
        return None
    patterns = _string_list(entry["state"], path, text, f"{key}.state")
    if not patterns:
        raise _err(path, text, f"{key}.state", tr("state 至少需要一个模式"), "state")
    _, expanded = compiler.compile_list(patterns, f"{key}.state")
    reach = entry.get("reach", 12)
    if not isinstance(reach, int) or isinstance(reach, bool) or not 0 <= reach <= 60:
        raise _err(path, text, f"{key}.reach", tr("reach 应为 0 至 60 的整数（字符数）"), "reach")
    within = entry.get("within", "clause")
    if within not in _WITHIN:
        raise _err(path, text, f"{key}.within",
                   tr("within 应为以下之一：{values}", values=", ".join(_WITHIN)), str(within))
    body = "|".join(f"(?:{p})" for p in expanded)
    return _State(_compile_fast(body), _anchors(expanded), reach, within)
