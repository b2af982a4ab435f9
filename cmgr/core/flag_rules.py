"""Flag rules: find unlicensed sales (无证经营) and price violations (价格违规).

Two pure checks live here:

* `scan_note` reads the free text of a visit note (访问内容) and reports the current,
  unresolved problems it describes. The vocabulary, the cue words and the patterns come
  from a user-editable lexicon (`cmgr/data/flag_lexicon.toml` by default); the rule set
  is documented in docs/flag-rules.md and in the lexicon's comments.
* `check_observed_price` compares a visit's observed retail price with the guide price
  list (above the retail guide price, below the minimum price).

No I/O apart from reading the lexicon file; nothing here prints or exits.
"""

from __future__ import annotations

import bisect
import functools
import html
import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cmgr.domain import parse_numeral as _number
from cmgr.errors import ConfigError

KINDS = ("unlicensed", "price")
_SCOPES = ("after", "sentence")
_WITHIN = ("clause", "sentence")

# ---------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class NoteFinding:
    """One current, unresolved problem found in a note."""

    kind: str  # "unlicensed" | "price"
    subkind: str
    matched: str  # the matched phrase as it appears in the original note
    start: int  # span in the original note text
    end: int
    rule: str  # which rule fired, e.g. "unlicensed.expired: 许可证过期/超期"


@dataclass(frozen=True)
class CandidateTrace:
    """A rule match and what became of it (for `bench/eval_flags.py` and debugging)."""

    kind: str
    subkind: str
    matched: str
    start: int
    end: int
    rule: str
    outcome: str  # "flagged", "suppressed: <why>", "resolved: <by what>", "duplicate"


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

    @property
    def label(self) -> str:
        return f"{self.kind}.{self.subkind}: {self.name}"


@dataclass(frozen=True)
class _Resolution:
    name: str
    pieces: tuple[_Piece, ...]
    resolves: frozenset[str]  # "price", "price.unmarked_tags", ...; empty: from the context
    scope: str  # "after" (problems before it) | "sentence" (the whole sentence)


@dataclass(frozen=True)
class _Numeric:
    regex: re.Pattern[str] | None  # labelled numbers: groups guide / minimum / tag / sold
    normal: re.Pattern[str] | None
    anchors: frozenset[str] | None
    # Right after an unlabelled price: a guide / minimum price that it is compared with
    # ("280元/条(指导价250)": 280 is the price charged).
    reference_after: re.Pattern[str] | None = None


@dataclass(frozen=True)
class _Spelling:
    """Respellings applied after the char_map: dialect words and common typos written the
    standard way (冇 -> 没, 妹有 -> 没有, 吊消 -> 吊销). A match is replaced only when the
    replacement has the same length, so spans in the original note stay exact."""

    regex: re.Pattern[str]
    replacements: tuple[str, ...]  # by group number - 1

    def apply(self, text: str) -> str:
        if not self.regex.search(text):
            return text

        def sub(m: re.Match[str]) -> str:
            new = self.replacements[m.lastindex - 1]
            return new if len(new) == len(m.group()) else m.group()

        return self.regex.sub(sub, text)


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
    "negation_adjacent": "end",
    "negation_after": "start",
    "question_before": "search",
    "question_end": "end",
    "hypothetical_before": "search",
    "hypothetical_after": "search",
    "education_before": "search",
    "education_after": "start",
    "market_before": "search",
    "margin_complaint": "search",
    "past": "search",
    "history": "search",
    "current": "search",
    "other_outlet": "search",
    "this_outlet": "search",
    "selling": "search",
    "selling_negated": "end",
    "selling_negated_after": "search",
    "non_resolution_before": "search",
    "non_resolution_adjacent": "end",
    "hint_price": "search",
    "hint_unlicensed": "search",
    "pending_after": "start",
    "checklist_head": "search",
    "partial_before": "search",
    "shop_marker": "search",
    "not_cigarette": "search",
    "cigarette": "search",
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
        raise ConfigError(f"extends must be \"default\", not {data.get('extends')!r}",
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
        raise ConfigError(f"cannot read the lexicon: {exc.strerror or exc}", path=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError("the lexicon is not UTF-8 text", path=str(path)) from exc
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        # The message carries "(at line N, column M)".
        raise ConfigError(f"not valid TOML: {exc}", path=str(path),
                          hint="check quoting: patterns are easiest as '...' literal strings") from exc


def _line_of(text: str, needle: str) -> int | None:
    for quoted in (f"'{needle}'", f'"{needle}"', needle):
        idx = text.find(quoted)
        if idx >= 0:
            return text.count("\n", 0, idx) + 1
    return None


def _err(path: str, text: str, key: str, message: str, needle: str | None = None) -> ConfigError:
    line = _line_of(text, needle) if needle else None
    where = f"{key} (line {line})" if line else key
    return ConfigError(message, path=path, key=where)


def _check_shape(data: dict, path: str, text: str) -> None:
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _err(path, text, sorted(unknown)[0],
                   f"unknown top-level key; expected one of {', '.join(sorted(_TOP_KEYS))}",
                   sorted(unknown)[0])
    for table in ("normalize", "segmentation", "macros", "cues", "numeric"):
        if table in data and not isinstance(data[table], dict):
            raise _err(path, text, table, "must be a table ([...])", table)
    for key in data.get("cues", {}):
        if key not in _CUE_KEYS:
            raise _err(path, text, f"cues.{key}",
                       f"unknown cue list; expected one of {', '.join(sorted(_CUE_KEYS))}", key)
    for array in ("rules", "resolutions"):
        if array in data and not (isinstance(data[array], list)
                                  and all(isinstance(x, dict) for x in data[array])):
            raise _err(path, text, array, f"must be an array of tables ([[{array}]])", array)


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
        raise _err(path, text, key, "must be a list of strings", key.rsplit(".", 1)[-1])
    return value


class _Compiler:
    def __init__(self, macros: dict[str, str], path: str, text: str) -> None:
        self.path, self.text = path, text
        self.macros: dict[str, str] = {}
        for name, value in macros.items():
            if not re.fullmatch(r"[A-Z][A-Z0-9_]*", name) or not isinstance(value, str):
                raise _err(path, text, f"macros.{name}",
                           "macro names are UPPER_CASE and their values strings", name)
            self.macros[name] = value
        for name in self.macros:  # expand eagerly so a bad macro is reported as itself
            self.compile(f"{{{name}}}", f"macros.{name}", self.macros[name])

    def expand(self, pattern: str, key: str, needle: str, depth: int = 0) -> str:
        if depth > 10:
            raise _err(self.path, self.text, key, "macros refer to each other in a loop", needle)

        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.macros:
                raise _err(self.path, self.text, key,
                           f"unknown macro {{{name}}} in pattern {needle!r}; defined: "
                           f"{', '.join(sorted(self.macros)) or 'none'}", needle)
            return "(?:" + self.expand(self.macros[name], key, needle, depth + 1) + ")"

        return _MACRO_RE.sub(sub, pattern)

    def compile(self, pattern: str, key: str, needle: str | None = None) -> re.Pattern[str]:
        needle = needle if needle is not None else pattern
        expanded = self.expand(pattern, key, needle)
        try:
            return re.compile(expanded, re.IGNORECASE)
        except re.error as exc:
            raise _err(self.path, self.text, key,
                       f"invalid regular expression {needle!r}: {exc.msg}"
                       + (f" at position {exc.pos}" if exc.pos is not None else ""),
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
        raise _err(path, text, "normalize.char_map", "must be a table of one character to one character",
                   "char_map")
    char_map: dict[int, str] = {}
    for src, dst in char_map_src.items():
        if not (isinstance(dst, str) and len(src) == 1 and len(dst) == 1):
            raise _err(path, text, f"normalize.char_map.{src}",
                       "maps one character to one character (spans in the note stay exact)", src)
        char_map[ord(src)] = dst
    spelling = _compile_spelling(compiler, normalize.get("spelling", {}), path, text)

    seg = data.get("segmentation", {})
    sentence_breaks = compiler.compile(seg.get("sentence_breaks", r"[。;!?\n…]+"),
                                       "segmentation.sentence_breaks")
    clause_breaks = compiler.compile(seg.get("clause_breaks", r"[,]+"), "segmentation.clause_breaks")

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
                                "state", "reach", "within"}
        if unknown:
            raise _err(path, text, f"{key}.{sorted(unknown)[0]}",
                       "unknown key; a rule has kind, subkind, name, patterns, requires, suppress, "
                       "state, reach, within", sorted(unknown)[0])
        kind = entry.get("kind")
        if kind not in KINDS:
            raise _err(path, text, f"{key}.kind", f"kind must be one of {', '.join(KINDS)}, not {kind!r}",
                       str(kind))
        subkind = entry.get("subkind")
        if not isinstance(subkind, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", subkind):
            raise _err(path, text, f"{key}.subkind", "subkind must be a lower_case word", str(subkind))
        name = entry.get("name", subkind)
        if not isinstance(name, str):
            raise _err(path, text, f"{key}.name", "name must be a string", "name")
        patterns = _string_list(entry.get("patterns"), path, text, f"{key}.patterns")
        if not patterns:
            raise _err(path, text, f"{key}.patterns", "a rule needs at least one pattern", subkind)
        _, expanded = compiler.compile_list(patterns, f"{key}.patterns")
        pieces = _pieces(expanded)
        requires = _string_list(entry.get("requires", []), path, text, f"{key}.requires")
        if set(requires) - {"selling"}:
            raise _err(path, text, f"{key}.requires", "the only requirement known is \"selling\"",
                       "requires")
        suppress_list = _string_list(entry.get("suppress", []), path, text, f"{key}.suppress")
        suppress = _compile_cue(compiler, suppress_list, "search", f"{key}.suppress")
        state = _compile_state(compiler, entry, path, text, key)
        rules.append(_Rule(kind, subkind, name, pieces, "selling" in requires, suppress, state))
        subkinds[kind].add(subkind)

    resolutions: list[_Resolution] = []
    for i, entry in enumerate(data.get("resolutions", [])):
        key = f"resolutions[{i - (offsets or {}).get('resolutions', 0)}]"
        unknown = set(entry) - {"name", "patterns", "resolves", "scope"}
        if unknown:
            raise _err(path, text, f"{key}.{sorted(unknown)[0]}",
                       "unknown key; a resolution has name, patterns, resolves, scope",
                       sorted(unknown)[0])
        resolves = _string_list(entry.get("resolves", []), path, text, f"{key}.resolves")
        for target in resolves:
            kind, _, sub = target.partition(".")
            if kind not in KINDS or (sub and sub not in subkinds[kind]):
                raise _err(path, text, f"{key}.resolves",
                           f"{target!r} is not a kind or kind.subkind defined by the rules", target)
        scope = entry.get("scope", "after")
        if scope not in _SCOPES:
            raise _err(path, text, f"{key}.scope", f"scope must be one of {', '.join(_SCOPES)}",
                       str(scope))
        patterns = _string_list(entry.get("patterns"), path, text, f"{key}.patterns")
        _, expanded = compiler.compile_list(patterns, f"{key}.patterns")
        resolutions.append(_Resolution(str(entry.get("name", f"resolution {i}")),
                                       _pieces(expanded), frozenset(resolves), scope))

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
            number_re = ("(?:" + label_re + ")"
                         r"(?:还是|仍是|仍为|应该是|本来是|是|为|:|应为|只有|只要|才|约|大约|大概|在|到|了|高达)?\s*(?:¥|rmb)?\s*"
                         # digits, or a number in Chinese (四十五, 六百五); "五十一包" is
                         # 五十 + 一包 (per 包), not 五十一
                         r"(?P<num>\d+(?:\.\d+)?(?!\d)"
                         f"|[{_CN_NUMERALS}]+?(?=一\\s*[条包盒]|(?![{_CN_NUMERALS}])))"
                         r"(?!\s*(?:个|张|款|种|家|户|次|天|%|年|月|号|日|人|名|位|小时|分钟|岁))"
                         r"\s*(?P<unit>元|块|¥)?\s*(?P<sep>/|每|一)?\s*(?P<per>条|包|盒|支|箱|件)?")
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
            numeric = _Numeric(re.compile(number_re, re.IGNORECASE), normal, anchors,
                               reference_after)
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


def _compile_spelling(compiler: _Compiler, table, path: str, text: str) -> _Spelling | None:
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise _err(path, text, "normalize.spelling",
                   "must be a table of pattern = replacement strings", "spelling")
    if not table:
        return None
    bodies, replacements = [], []
    for pattern, replacement in table.items():
        key = f"normalize.spelling.{pattern}"
        compiler.compile(pattern, key)
        if not replacement:
            raise _err(path, text, key, "the replacement must not be empty", pattern)
        # Inner groups would shift the group numbers: make them non-capturing.
        body = re.sub(r"(?<!\\)\((?!\?)", "(?:", compiler.expand(pattern, key, pattern))
        bodies.append(f"({body})")
        replacements.append(replacement)
    return _Spelling(_compile_fast("|".join(bodies)), tuple(replacements))


def _compile_state(compiler: _Compiler, entry: dict, path: str, text: str, key: str) -> _State | None:
    if "state" not in entry:
        for extra in ("reach", "within"):
            if extra in entry:
                raise _err(path, text, f"{key}.{extra}", f"{extra} only goes with state", extra)
        return None
    patterns = _string_list(entry["state"], path, text, f"{key}.state")
    if not patterns:
        raise _err(path, text, f"{key}.state", "state needs at least one pattern", "state")
    _, expanded = compiler.compile_list(patterns, f"{key}.state")
    reach = entry.get("reach", 12)
    if not isinstance(reach, int) or isinstance(reach, bool) or not 0 <= reach <= 60:
        raise _err(path, text, f"{key}.reach", "reach is a whole number of characters, 0 to 60",
                   "reach")
    within = entry.get("within", "clause")
    if within not in _WITHIN:
        raise _err(path, text, f"{key}.within", f"within must be one of {', '.join(_WITHIN)}",
                   str(within))
    body = "|".join(f"(?:{p})" for p in expanded)
    return _State(_compile_fast(body), _anchors(expanded), reach, within)


# -- prefilter anchors ---------------------------------------------------------
# For every pattern, find a small set of literal strings one of which every match must
# contain (from the parsed regex). A note that contains none of a rule's anchors cannot
# match it, so most notes never reach the rule's regex; one lookahead alternation over all
# anchors finds which rules can fire.

_COMMON = set("的了是在有不一无未没价格证卖售烟经营户该店客已发现检查销零指导规其仍还个和与多同人来到")
# Everyday note text (written for this purpose): an anchor found here would let most notes
# through the prefilter, so another anchor of the same pattern is preferred when there is one.
_BACKGROUND = (
    "走访时店主在店,交流了本周订货情况。检查卷烟陈列和价格标签,价格执行到位,明码标价规范。"
    "证照齐全,亮证经营,许可证在有效期内。提醒客户按时存款,保证电子结算正常。"
    "向客户通报批发价格调整信息,介绍新品规卷烟的市场定位。了解客户经营情况,销售基本平稳。"
    "客户反映部分品规货源偏紧,希望多投放畅销品规。指导客户规范陈列,做好卫生。"
    "核实联系电话和经营地址。收集客户对货源投放的意见。讲解真伪鉴别方法。"
    "客户咨询档位调整政策,已解答。周边超市同品规售价相同,未见异常。"
    "开展安全经营宣传,提醒注意防火。协助客户网上订货,反馈上周订单到货情况。"
)


def _anchors(patterns: Iterable[str]) -> frozenset[str] | None:
    try:
        from re import _parser  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - very old or very new Python: no prefilter
        return None
    anchors: set[str] = set()
    for pattern in patterns:
        try:
            parsed = _parser.parse(pattern, re.IGNORECASE)
        except Exception:  # pragma: no cover - compiled fine above
            return None
        cover = _cover(list(parsed), _parser)
        if cover is None:
            return None
        anchors |= cover
    return frozenset(a.lower() for a in anchors)


def _cover(items: list, p) -> set[str] | None:
    """Literal strings one of which every match of this sequence contains; None if unknown."""
    candidates: list[set[str]] = []
    run = ""
    for op, av in items:
        if op is p.LITERAL:
            run += chr(av)
            continue
        if run:
            candidates.append({run})
            run = ""
        cover: set[str] | None = None
        if op is p.IN:
            chars = set()
            for sub_op, sub_av in av:
                if sub_op is not p.LITERAL:
                    chars = set()
                    break
                chars.add(chr(sub_av))
            cover = chars or None
        elif op is p.SUBPATTERN:
            cover = _cover(list(av[-1]), p)
        elif op in (p.MAX_REPEAT, p.MIN_REPEAT, getattr(p, "POSSESSIVE_REPEAT", None)):
            lo, _hi, body = av
            cover = _cover(list(body), p) if lo >= 1 else None
        elif op is p.BRANCH:
            union: set[str] = set()
            for branch in av[1]:
                sub = _cover(list(branch), p)
                if sub is None:
                    union = set()
                    break
                union |= sub
            cover = union or None
        elif op is getattr(p, "ATOMIC_GROUP", None):
            cover = _cover(list(av), p)
        if cover:
            candidates.append(cover)
    if run:
        candidates.append({run})
    return min(candidates, key=_cost) if candidates else None


def _cost(strings: set[str]) -> int:
    # Long strings are selective; a lone common character lets nearly every note through.
    return sum((1 if len(s) >= 2 else (12 if s in _COMMON else 4)) + 10 * _BACKGROUND.count(s)
               for s in strings)


def _pieces(patterns: list[str]) -> tuple[_Piece, ...]:
    return tuple(_Piece(_compile_fast(piece), _anchors([piece]))
                 for pattern in patterns for piece in _split_alternatives(pattern))


def _compile_fast(pattern: str) -> re.Pattern[str]:
    """`pattern`, led by a lookahead for the characters a match can start with when they are
    known: re then skips to those characters instead of trying every alternative at every
    position (several times faster on patterns that open with optional words)."""
    firsts = _first_chars(pattern)
    if firsts:
        chars = "".join(sorted(re.escape(c) for c in firsts))
        pattern = f"(?=[{chars}])(?:{pattern})"
    return re.compile(pattern, re.IGNORECASE)


def _first_chars(pattern: str) -> set[str] | None:
    try:
        from re import _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern, re.IGNORECASE)
    except Exception:  # pragma: no cover - no parser: no lookahead, same matches
        return None
    firsts, nullable = _firsts_of(list(parsed), _parser)
    if firsts is None or nullable or len(firsts) > 200:
        return None
    # Case-insensitive matching: both cases of every letter.
    return {c for ch in firsts for c in (ch, ch.lower(), ch.upper()) if len(c) == 1}


def _firsts_of(items: list, p) -> tuple[set[str] | None, bool]:
    """(characters a match of this sequence can start with, whether it can match empty);
    None when not known (., \\w, a negated class...)."""
    firsts: set[str] = set()
    for op, av in items:
        sub: set[str] | None
        if op is p.LITERAL:
            sub, nullable = {chr(av)}, False
        elif op is p.IN:
            sub, nullable = set(), False
            for sub_op, sub_av in av:
                if sub_op is p.LITERAL:
                    sub.add(chr(sub_av))
                elif sub_op is p.RANGE and sub_av[1] - sub_av[0] < 128:
                    sub.update(chr(c) for c in range(sub_av[0], sub_av[1] + 1))
                else:
                    return None, False
        elif op is p.SUBPATTERN:
            sub, nullable = _firsts_of(list(av[-1]), p)
        elif op is p.BRANCH:
            sub, nullable = set(), False
            for branch in av[1]:
                b_firsts, b_nullable = _firsts_of(list(branch), p)
                if b_firsts is None:
                    return None, False
                sub |= b_firsts
                nullable = nullable or b_nullable
        elif op in (p.MAX_REPEAT, p.MIN_REPEAT, getattr(p, "POSSESSIVE_REPEAT", None)):
            sub, body_nullable = _firsts_of(list(av[2]), p)
            nullable = av[0] == 0 or body_nullable
        elif op in (p.ASSERT, p.ASSERT_NOT, p.AT):
            continue  # zero-width: the next item decides
        else:
            return None, False
        if sub is None:
            return None, False
        firsts |= sub
        if not nullable:
            return firsts, False
    return firsts, True


def _split_alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regex ("a|b(?:c|d)" -> ["a", "b(?:c|d)"])."""
    pieces, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "^":
                i += 1
            if pattern[i + 1:i + 2] == "]":  # a literal "]" first in the class
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            pieces.append(pattern[start:i])
            start = i + 1
        i += 1
    pieces.append(pattern[start:])
    return [p for p in pieces if p]


# ---------------------------------------------------------------------------
# Normalisation

_MARKUP_RE = re.compile(
    r"<!--.*?-->|</?[A-Za-z][^<>]{0,300}>|<![^<>]{0,300}>"
    r"|&(?:#\d{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
    "|[\u200b-\u200d\u2060\ufeff\u00ad]",  # zero-width and soft hyphen: dropped
    re.S)
_BLOCK_TAG_RE = re.compile(r"</?(?:br|p|div|li|tr|td|h[1-6]|ul|ol|table|section)\b", re.I)
# Emoji, pictographs, dingbats, arrows, geometric shapes, joiners and variation selectors:
# they carry no words, and inside a phrase they would break it.
_SYMBOL_RE = re.compile(
    "[\u200e\u200f\ufe00-\ufe0f\u20e3\u2190-\u21ff\u2300-\u23ff\u25a0-\u27bf"
    "\u2b00-\u2bff\u3030\u303d\u3297\u3299\U0001F000-\U0001FAFF\U000E0000-\U000E007F]")
_SPACE_RE = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _space_for(run: str, text: str, start: int, end: int) -> str:
    """What a whitespace run becomes: a line break, nothing (at the ends, or between two
    Chinese characters, where a space is only typing noise: 价签 缺失), or one space."""
    if "\n" in run:
        return "\n" if start > 0 and end < len(text) else ""
    if start == 0 or end == len(text):
        return ""
    if _CJK.match(text, start - 1) and _CJK.match(text, end):
        return ""
    return " "
_CN_NUMERALS = "零〇一二两三四五六七八九十百千"
_NUMBER_RE = re.compile(rf"[\d{_CN_NUMERALS}]")


def _nfkc_run(run: str, start: int, out: list[str], offsets: list[int]) -> None:
    norm = unicodedata.normalize("NFKC", run)
    if len(norm) == len(run):
        out.append(norm)
        offsets.extend(range(start, start + len(run)))
        return
    for i, ch in enumerate(run):
        n = unicodedata.normalize("NFKC", ch)
        out.append(n)
        offsets.extend([start + i] * len(n))


def _normalize_with_map(text: str, char_map: dict[int, str] | None = None,
                        spelling: _Spelling | None = None) -> tuple[str, list[int]]:
    """Normalised text and, for each of its chars, the index of the original char."""
    out: list[str] = []
    offsets: list[int] = []
    pos = 0
    if _MARKUP_RE.search(text):
        for m in _MARKUP_RE.finditer(text):
            _nfkc_run(text[pos:m.start()], pos, out, offsets)
            token = m.group()
            if len(token) == 1:
                pass  # a zero-width character
            elif token.startswith("&"):
                decoded = unicodedata.normalize("NFKC", html.unescape(token))
                out.append(decoded)
                offsets.extend([m.start()] * len(decoded))
            elif _BLOCK_TAG_RE.match(token):
                out.append("\n")
                offsets.append(m.start())
            pos = m.end()
    _nfkc_run(text[pos:], pos, out, offsets)
    joined = "".join(out)
    if char_map:
        joined = joined.translate(char_map)
    joined = _SYMBOL_RE.sub(" ", joined)
    # Collapse whitespace; a run that holds a line break stays a line break (a sentence end).
    result: list[str] = []
    result_offsets: list[int] = []
    pos = 0
    for m in _SPACE_RE.finditer(joined):
        result.append(joined[pos:m.start()])
        result_offsets.extend(offsets[pos:m.start()])
        replacement = _space_for(m.group(), joined, m.start(), m.end())
        if replacement:
            result.append(replacement)
            result_offsets.append(offsets[m.start()])
        pos = m.end()
    result.append(joined[pos:])
    result_offsets.extend(offsets[pos:])
    normalized = "".join(result)
    if spelling is not None:
        # After the spaces: "wz 无 cj 无" keeps the spaces that keep its fields apart.
        normalized = spelling.apply(normalized)
    result_offsets.append(len(text))  # sentinel: the end of the original
    return normalized, result_offsets


def _normalize_plain(text: str, char_map: dict[int, str] | None = None,
                     spelling: _Spelling | None = None) -> str | None:
    """`_normalize_with_map`'s text without the offsets, for the common note: no HTML, and
    NFKC keeps its length. None otherwise (use `_normalize_with_map`)."""
    if _MARKUP_RE.search(text):
        return None
    norm = text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)
    if len(norm) != len(text):
        return None
    if char_map:
        norm = norm.translate(char_map)
    norm = _SYMBOL_RE.sub(" ", norm)
    norm = _SPACE_RE.sub(lambda m: _space_for(m.group(), norm, m.start(), m.end()), norm)
    return spelling.apply(norm) if spelling is not None else norm


def normalize_text(text: str) -> str:
    """NFKC (full-width to half-width), HTML tags and entities removed, emoji dropped, spaces collapsed."""
    return _normalize_with_map(text)[0]


# ---------------------------------------------------------------------------
# Scanning


@dataclass
class _Candidate:
    kind: str
    subkind: str
    rule: str
    start: int  # in the normalised text
    end: int
    sentence: int
    past: bool = False
    outcome: str = "flagged"


@dataclass
class _Context:
    """A normalised note cut into sentences and clauses."""

    text: str
    sent_starts: list[int]
    sent_ends: list[int]
    sent_question: list[bool]
    clause_starts: list[int]
    clause_ends: list[int]

    def sentence_of(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self.sent_starts, pos) - 1)

    def clause_of(self, pos: int) -> tuple[int, int]:
        i = max(0, bisect.bisect_right(self.clause_starts, pos) - 1)
        return self.clause_starts[i], self.clause_ends[i]

    def sentence_text(self, i: int) -> str:
        return self.text[self.sent_starts[i]:self.sent_ends[i]]


def _segment(text: str, lex: Lexicon) -> _Context:
    sent_starts, sent_ends, questions = [], [], []
    clause_starts, clause_ends = [], []
    pos = 0
    question_end = lex.cues.get("question_end")
    breaks = list(lex.sentence_breaks.finditer(text)) + [None]
    for m in breaks:
        end = m.start() if m else len(text)
        terminator = m.group() if m else ""
        if end > pos or m is None:
            body = text[pos:end]
            is_question = "?" in terminator or bool(question_end and question_end.search(body.rstrip()))
            sent_starts.append(pos)
            sent_ends.append(end)
            questions.append(is_question)
            cpos = pos
            for cm in lex.clause_breaks.finditer(text, pos, end):
                if cm.start() > cpos:
                    clause_starts.append(cpos)
                    clause_ends.append(cm.start())
                cpos = max(cpos, cm.end())
            clause_starts.append(cpos)
            clause_ends.append(end)
        pos = m.end() if m else len(text)
    return _Context(text, sent_starts, sent_ends, questions, clause_starts, clause_ends)


def _search(cue: re.Pattern[str] | None, text: str) -> re.Match[str] | None:
    return cue.search(text) if cue is not None and text else None


def _selling_in(lex: Lexicon, text: str) -> bool:
    cue = lex.cues.get("selling")
    if cue is None:
        return True
    negated = lex.cues.get("selling_negated")
    negated_after = lex.cues.get("selling_negated_after")
    for m in cue.finditer(text):
        if negated is not None and negated.search(text, 0, m.start()):
            continue
        if negated_after is not None and negated_after.match(text, m.end()):
            continue  # 在售：否
        return True
    return False


def _nearest(cues: dict[str, re.Pattern[str] | None], names: tuple[str, ...], text: str) -> str | None:
    """Which of the named cue lists has the last match in `text`."""
    best_name, best_pos = None, -1
    for name in names:
        cue = cues.get(name)
        if cue is None:
            continue
        for m in cue.finditer(text):
            if m.start() >= best_pos:
                best_name, best_pos = name, m.start()
    return best_name


# How far cues reach from a match (chars). Real clauses are far shorter; the bounds keep a
# pathological note (one phrase repeated thousands of times) linear.
_REACH_CLAUSE = 40
_REACH_SENTENCE = 120
_MAX_MATCHES = 1000  # per note, for rule matches and for remedies


def _why_suppressed(lex: Lexicon, ctx: _Context, cand: _Candidate, rule: _Rule | None) -> str | None:
    text, cues = ctx.text, lex.cues
    c_start, c_end = ctx.clause_of(cand.start)
    c_start = max(c_start, cand.start - _REACH_CLAUSE)
    c_end = min(c_end, cand.end + _REACH_CLAUSE)
    before = text[c_start:cand.start]
    after = text[cand.end:c_end]
    head = cues.get("checklist_head")
    if head is not None and before:
        # 是否持证：否 is a field and its answer: blank the 是否 so it does not negate.
        for m in head.finditer(text, c_start, c_end):
            if m.end() <= cand.start:
                before = (before[:m.start() - c_start] + " " * (m.end() - m.start())
                          + before[m.end() - c_start:])
    s_start = max(ctx.sent_starts[cand.sentence], cand.start - _REACH_SENTENCE)
    s_end = min(ctx.sent_ends[cand.sentence], cand.end + _REACH_SENTENCE)
    sentence = text[s_start:s_end]
    sent_before = text[s_start:cand.start]
    if _search(cues["negation_adjacent"], before) or _search(cues["negation_before"], before):
        return "negated before"
    if _search(cues["negation_after"], after):
        return "negated after"
    if ctx.sent_question[cand.sentence] or _search(cues["question_before"], before):
        return "question"
    if _search(cues["hypothetical_before"], before) or _search(cues["hypothetical_after"], after):
        return "hypothetical or prohibition"
    if _search(cues["education_before"], before) or _search(cues["education_after"], after):
        return "education or campaign, not a case"
    if _nearest(cues, ("not_cigarette", "cigarette"), before) == "not_cigarette":
        return "about goods other than cigarettes"
    if cand.kind == "price":
        if _search(cues["market_before"], before):
            return "market or wholesale price talk"
        if _search(cues["margin_complaint"], text[c_start:c_end]):
            return "margin complaint"
    if rule is not None and rule.suppress is not None and rule.suppress.search(sentence):
        return "rule's own exclusion (e.g. licence still valid)"
    if rule is not None and rule.requires_selling:
        # The next two sentences: a terse note puts a date or a detail in between
        # ("Licence expired 2026-02-28. Renewal submitted 03-01. Still selling.").
        following = "".join(ctx.sentence_text(i)[:_REACH_SENTENCE] + "\n"
                            for i in range(cand.sentence + 1,
                                           min(cand.sentence + 3, len(ctx.sent_starts))))
        if not (_selling_in(lex, sentence) or _selling_in(lex, following)):
            return "no sign it is still selling"
    temporal = _nearest(cues, ("past", "history", "current"), sent_before)
    if temporal == "history":
        return "history, not a current case"
    cand.past = temporal == "past"
    return None


def _with_state(lex: Lexicon, ctx: _Context, state: _State, start: int, end: int) -> tuple[int, int] | None:
    """The span of a thing (start, end) and the nearest state said of it, or None.

    The state counts when it is at most `reach` characters away, in the same clause (or
    sentence), with no negation right before it (证没过期) or right before the licence after
    it (没发现无证: the state's negation is not about the licence) and no negation, question
    or condition between the two (证要是过期, 证有没有过期).
    """
    text, cues = ctx.text, lex.cues
    if state.within == "clause":
        w_start, w_end = ctx.clause_of(start)
        w_end = max(w_end, end)
    else:
        sent = ctx.sentence_of(start)
        w_start, w_end = ctx.sent_starts[sent], ctx.sent_ends[sent]
    lo = max(w_start, start - state.reach - _REACH_CLAUSE)
    hi = min(w_end, end + state.reach + _REACH_CLAUSE)
    best: tuple[int, int, int] | None = None
    for m in state.regex.finditer(text, lo, hi):
        s_start, s_end = m.start(), m.end()
        if s_end <= s_start:
            continue
        gap = start - s_end if s_end <= start else max(0, s_start - end)
        if gap > state.reach or (best is not None and gap >= best[0]):
            continue
        between = text[s_end:start] if s_end <= start else text[end:s_start]
        clause_start = ctx.clause_of(s_start)[0]
        before_state = text[max(clause_start, s_start - _REACH_CLAUSE):s_start]
        if (_search(cues["negation_adjacent"], before_state)
                or _search(cues["negation_adjacent"], between)
                or _search(cues["negation_before"], between)
                or _search(cues["question_before"], between)
                or _search(cues["hypothetical_before"], between)):
            continue
        best = (gap, s_start, s_end)
    if best is None:
        return None
    return min(start, best[1]), max(end, best[2])


def _outlet(lex: Lexicon, ctx: _Context, cand: _Candidate) -> str | None:
    """"other_outlet", "this_outlet" or None: whom the sentence is about at the match.

    The nearest cue before the match decides; without one, an outlet named right after it
    ("没证那家", "无证的那个摊") does.
    """
    sent_before = ctx.text[max(ctx.sent_starts[cand.sentence], cand.start - _REACH_SENTENCE):
                           cand.start]
    who = _nearest(lex.cues, ("other_outlet", "this_outlet"), sent_before)
    if who is None:
        after = ctx.text[cand.end:min(ctx.clause_of(cand.start)[1], cand.end + 8)]
        after = after[1:] if after.startswith("的") else after
        for name in ("other_outlet", "this_outlet"):
            m = _search(lex.cues[name], after)
            if m is not None and m.start() == 0:
                return name
    return who


# A price written without a label: 280元/条, 160一条, ¥65, 30块.
_BARE_PRICE_RE = re.compile(
    r"(?<![\d.])(?:¥\s*)?(?P<num>\d+(?:\.\d+)?)\s*"
    r"(?:(?P<unit>元|块)\s*(?:(?P<sep>/|每|一)\s*(?P<per>条|包|盒))?"
    r"|(?P<sep2>/|一|每)\s*(?P<per2>条|包|盒)(?![烟中玉利芙南云黄红白双真娇七万苏钻])"
    r"|(?<=\d)(?=的))")
# "65一包的中华": a price said of the product, read as its tag (anchors the numeric check).
_BARE_TAG_ANCHORS = frozenset({"包的", "条的", "盒的", "元的", "块的"})


def _bare_prices(ctx: _Context, s_start: int, s_end: int, taken: list[tuple[int, int]],
                 reference_after: re.Pattern[str] | None):
    """Unlabelled prices in a sentence that its words make a sold price or a tag.

    Right before a guide or minimum price ("280元/条(指导价250)") it is the price charged;
    followed by 的 and a product ("¥65一包的软中华") it is the product's price (its tag).
    Yields (group, value, unit, start, end).
    """
    text = ctx.text
    for m in _BARE_PRICE_RE.finditer(text, s_start, s_end):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        per = m.group("per") or m.group("per2")
        has_unit = m.group("unit") or per
        if not has_unit and not text.startswith("¥", m.start()):
            continue
        unit = "包" if per in ("包", "盒") else ("条" if per else None)
        value = float(m.group("num"))
        if reference_after is not None and reference_after.match(text, m.end(), s_end):
            yield "sold", value, unit, m.start(), m.end()
        elif text.startswith("的", m.end()) and not re.match(r"的\s*\d", text[m.end():m.end() + 3]):
            yield "tag", value, unit, m.start(), m.end()


def _numeric_candidates(lex: Lexicon, ctx: _Context) -> list[_Candidate]:
    num = lex.numeric
    if num.regex is None:
        return []
    found = []
    for i in range(len(ctx.sent_starts)):
        s_start, s_end = ctx.sent_starts[i], ctx.sent_ends[i]
        sentence = ctx.text[s_start:s_end]
        if not _NUMBER_RE.search(sentence):
            continue
        values: dict[str, list[tuple[float, str | None, int, int]]] = {
            "guide": [], "minimum": [], "tag": [], "sold": []}
        for m in num.regex.finditer(ctx.text, s_start, s_end):
            group = next(g for g in values if m.groupdict().get(g) is not None)
            per = m.group("per")
            if per and not (m.group("unit") or m.group("sep")):
                continue  # "卖了3条": a quantity, not a price
            if per in ("支", "箱", "件"):
                continue
            unit = "包" if per in ("包", "盒") else ("条" if per else None)
            number = _number(m.group("num"))
            if number is None:
                continue  # not a numeral (百 alone, 十百): nothing to compare
            values[group].append((number, unit, m.start(), m.end()))
        taken = [(v[2], v[3]) for vs in values.values() for v in vs]
        for group, value, unit, start, end in _bare_prices(ctx, s_start, s_end, taken,
                                                          num.reference_after):
            values[group].append((value, unit, start, end))
        checks = [("sold", "guide", "above_guide", lambda s, r: s > r + 1e-9),
                  ("tag", "guide", "above_guide", lambda s, r: s > r + 1e-9),
                  ("sold", "minimum", "below_minimum", lambda s, r: s < r - 1e-9),
                  ("tag", "minimum", "below_minimum", lambda s, r: s < r - 1e-9),
                  ("sold", "tag", "inconsistent_price", lambda s, r: abs(s - r) > 1e-9)]
        labels = {"guide": "指导价", "minimum": "最低价/批发价", "tag": "标价"}
        for observed_group, group, subkind, broken in checks:
            for ref, r_unit, ref_start, ref_end in values[group]:
                # A reference price goes with the observed price written nearest to it
                # ("隔壁卖450, 店里卖630, 批发价600": 600 is compared with 630), among those
                # of its order of size (prices twice as far apart or more are per 包 vs per
                # 条, or not prices: "标190, 单包卖20, 算下来一条200" compares 190 with 200).
                comparable = [v for v in values[observed_group]
                              if _comparable(v[0], v[1], ref, r_unit)]
                if not comparable:
                    continue
                sold, s_unit, start, end = min(comparable,
                                               key=lambda v, r=ref_start: abs(v[2] - r))
                s_val = _per_carton(sold, s_unit, r_unit)
                r_val = _per_carton(ref, r_unit, s_unit)
                first, last = min(start, ref_start), max(end, ref_end)
                span_start, span_end = ctx.clause_of(first)[0], ctx.clause_of(last - 1)[1]
                if num.normal is not None and any(
                        not _in_quotes(ctx.text, m.start(), m.end())
                        for m in num.normal.finditer(ctx.text, span_start, span_end)):
                    continue  # "..., 未见异常": the writer says the price is fine
                if broken(s_val, r_val):
                    what = "标价" if observed_group == "tag" else "售价"
                    found.append(_Candidate(
                        "price", subkind,
                        f"price.{subkind}: {what}{sold:g}与{labels[group]}{ref:g}比较(数值规则)",
                        start, end, i))
    return found


def _comparable(sold: float, s_unit: str | None, ref: float, r_unit: str | None) -> bool:
    s_val, r_val = _per_carton(sold, s_unit, r_unit), _per_carton(ref, r_unit, s_unit)
    return r_val > 0 and 0.5 <= s_val / r_val <= 2.0


# Dates in a note: the licence's expiry date and the visit's date ("有效期至2026年3月31日，
# 今天4月12日"; "到期日 2026-01-31。今天 2026-03-02"). When the note gives both and the visit
# is later, the licence has expired, whatever else the note says of it.
_DATE = (r"(?:(?P<{p}y>20\d\d)\s*[-/.年]\s*)?(?P<{p}m>1[0-2]|0?[1-9])\s*[-/.月]\s*"
         r"(?P<{p}d>3[01]|[12]\d|0?[1-9])(?!\d)\s*[日号]?")
_EXPIRY_RE = re.compile(
    r"(?:有效期(?:至|到|截至|截止(?:到|至)?|为?到)|到期(?:日期|日|时间)|(?:expir(?:es|y date|ed on|y)"
    r"|valid (?:until|till|to))(?![a-z]))[\s:为是]*" + _DATE.format(p="e"), re.IGNORECASE)
_VISIT_RE = re.compile(
    r"(?:今天|今日|当天|本次(?:检查|走访|拜访|访问)?|(?:访问|检查|拜访|走访)(?:日期|时间)|today|visit(?:ed)?(?: on)?)"
    r"[\s:是为]*" + _DATE.format(p="v"), re.IGNORECASE)


def _date_of(m: re.Match[str], p: str, year: int | None) -> tuple[int, int, int] | None:
    y = m.group(f"{p}y")
    if y is None and year is None:
        return None
    return (int(y) if y else year, int(m.group(f"{p}m")), int(m.group(f"{p}d")))


def _expiry_candidates(lex: Lexicon, ctx: _Context) -> list[_Candidate]:
    """An expiry date earlier than the visit date written in the note, with selling after it."""
    text = ctx.text
    found = []
    visit = _VISIT_RE.search(text)
    if visit is None:
        return found
    for m in _EXPIRY_RE.finditer(text):
        expiry = _date_of(m, "e", None)
        seen = _date_of(visit, "v", expiry[0] if expiry else None)
        if expiry is None or seen is None or not expiry < seen:
            continue
        if not _selling_in(lex, text[m.start():]):
            continue
        found.append(_Candidate("unlicensed", "expired",
                                "unlicensed.expired: 到期日早于访问日期(日期规则)",
                                m.start(), m.end(), ctx.sentence_of(m.start())))
        break
    return found


_OPEN_QUOTES, _CLOSE_QUOTES = "\"“「『'‘", "\"”」』'’"


def _in_quotes(text: str, start: int, end: int) -> bool:
    """Praise in quotes is irony (价格"非常规范"：...): it does not say the price is fine."""
    before, after = text[max(0, start - 4):start], text[end:end + 3]
    return any(q in before for q in _OPEN_QUOTES) and any(q in after for q in _CLOSE_QUOTES)


def _per_carton(value: float, unit: str | None, other_unit: str | None) -> float:
    # With one side per 包 and the other per 条, compare per 条 (1 条 = 10 包).
    if unit == "包" and other_unit != "包":
        return value * 10 if other_unit == "条" else value
    return value


def _resolution_kinds(lex: Lexicon, res: _Resolution, context: str) -> set[str]:
    if res.resolves:
        return set(res.resolves)
    price = _search(lex.cues["hint_price"], context) is not None
    licence = _search(lex.cues["hint_unlicensed"], context) is not None
    if price and not licence:
        return {"price"}
    if licence and not price:
        return {"unlicensed"}
    return set(KINDS)


def _resolves(targets: set[str], cand: _Candidate) -> bool:
    return cand.kind in targets or f"{cand.kind}.{cand.subkind}" in targets


def _closable(c: _Candidate, targets: set[str], who: str | None) -> bool:
    """Whether a remedy (of `targets`, said of `who`) can close this open problem."""
    return (c.outcome == "flagged" and _resolves(targets, c)
            and not (who == "this_outlet" and c.subkind == "tip_other_outlet")
            and not (who == "other_outlet" and c.kind == "unlicensed"
                     and c.subkind != "tip_other_outlet"))


def _apply_resolutions(lex: Lexicon, ctx: _Context, cands: list[_Candidate],
                       present: set[str]) -> None:
    text, cues = ctx.text, lex.cues
    open_cands = [c for c in cands if c.outcome == "flagged"]
    if not open_cands or not lex.resolutions:
        return
    events = []
    for res, piece in lex.live_remedies(present):
        for m in piece.regex.finditer(text):
            events.append((m.start(), m.end(), res))
    events.sort(key=lambda e: (e[0], -e[1]))
    by_sentence: dict[int, list[_Candidate]] = {}
    for c in open_cands:
        by_sentence.setdefault(c.sentence, []).append(c)
    past = [c for c in open_cands if c.past]
    # Several shops in one note: a problem written inside one shop's part is closed only by a
    # remedy in that part (a problem before the first shop, a summary, by any of them).
    marker = cues.get("shop_marker")
    shop_starts = [m.start() for m in marker.finditer(text)] if marker is not None else []

    def shop_of(pos: int) -> int:
        return bisect.bisect_right(shop_starts, pos) - 1

    for start, end, res in events[:_MAX_MATCHES]:
        sent = ctx.sentence_of(start)
        c_start, c_end = ctx.clause_of(start)
        c_start = max(c_start, start - _REACH_CLAUSE)
        c_end = min(c_end, end + _REACH_CLAUSE)
        before = text[c_start:start]
        if (_search(cues["negation_adjacent"], before)
                or _search(cues["non_resolution_before"], before)
                or _search(cues["non_resolution_adjacent"], before)
                or _search(cues["question_before"], before)
                or _search(cues["hypothetical_before"], before)
                or _search(cues["partial_before"], before)
                or ctx.sent_question[sent]
                or (res.scope == "after"
                    and _search(cues["pending_after"], text[end:min(ctx.sent_ends[sent],
                                                                    end + _REACH_CLAUSE)]))):
            # Ordered, promised, asked, about part of the case (其中1户已办证), or not
            # done yet (已去办延续了，还没批下来; a state such as 已停售 is done whatever
            # paperwork is pending): the problem stays open.
            continue
        targets = _resolution_kinds(lex, res, text[c_start:c_end])
        label = f"resolved: {res.name} ({text[start:end]})"
        shop = shop_of(start)

        def same_shop(c: _Candidate, shop: int = shop) -> bool:
            where = shop_of(c.start)
            return where < 0 or where == shop

        # A remedy at the visited shop does not close a tip about another outlet, and a
        # remedy at another outlet does not close the visited shop's problem.
        who = _nearest(cues, ("other_outlet", "this_outlet"),
                       text[max(ctx.sent_starts[sent], start - _REACH_SENTENCE):start])

        # A problem the note places in the past is closed by a remedy anywhere in the note.
        for c in past:
            # An earlier case, followed up in this visit: the remedy is that outlet's
            # ("上月上报的那户无证……店主现在不卖烟了").
            if _closable(c, targets, None if who == "this_outlet" else who) and same_shop(c):
                c.outcome = label
        here = [c for c in by_sentence.get(sent, ())
                if _closable(c, targets, who) and same_shop(c)]
        if res.scope == "sentence":
            # A state ("no longer sells") also closes what follows it in the sentence, but
            # not a tip about another outlet written after it ("该户已停售，隔壁无证卖烟").
            hits = [c for c in here if c.start < start or c.subkind != "tip_other_outlet"
                    or who == "other_outlet"]
        else:
            hits = [c for c in here if c.start < start]
        back = sent - 1
        while not hits and back >= max(0, sent - 2):
            hits = [c for c in by_sentence.get(back, ())
                    if _closable(c, targets, who) and same_shop(c)]
            back -= 1
        for c in hits:
            c.outcome = label


def _candidates(text: str, lex: Lexicon) -> tuple[str, list[_Candidate]]:
    """The normalised note and every rule match in it, each with its outcome."""
    norm = _normalize_plain(text, lex.char_map, lex.spelling)
    if norm is None:
        norm = _normalize_with_map(text, lex.char_map, lex.spelling)[0]
    present = lex.anchors_in(norm.lower())
    raw: dict[tuple[int, int, int], _Rule] = {}  # two pieces of a rule may match the same text
    stated: dict[int, bool] = {}  # per state rule: is its state written anywhere in the note
    selling_in_note: bool | None = None  # computed when first needed
    mentions: dict[str, list[tuple[int, int]]] = {}  # state rules share their licence pattern
    for rule, piece in lex.live_pieces(present):
        if rule.state is not None:
            if id(rule) not in stated:
                anchors = rule.state.anchors
                stated[id(rule)] = (anchors is None or not anchors.isdisjoint(present))
            if not stated[id(rule)]:
                continue  # nothing is said of the licence in this rule's words
            spans = mentions.get(piece.regex.pattern)
            if spans is None:
                spans = [m.span() for m in piece.regex.finditer(norm) if m.end() > m.start()]
                mentions[piece.regex.pattern] = spans
            state = rule.state
            reach = state.reach + _REACH_CLAUSE
            near = [(start, end) for start, end in spans
                    if state.regex.search(norm, max(0, start - reach), end + reach)]
            if near and rule.requires_selling:
                if selling_in_note is None:
                    selling_in_note = _selling_in(lex, norm)
                if not selling_in_note:
                    stated[id(rule)] = False
                    continue
            for start, end in near:
                raw[(start, end, id(rule))] = rule
            continue
        for m in piece.regex.finditer(norm):
            if m.end() > m.start():
                raw[(m.start(), m.end(), id(rule))] = rule
    if len(raw) > _MAX_MATCHES:  # a runaway note: keep the first matches
        raw = dict(sorted(raw.items())[:_MAX_MATCHES])
    num = lex.numeric
    run_numeric = (num.regex is not None
                   and (num.anchors is None or not num.anchors.isdisjoint(present))
                   and _NUMBER_RE.search(norm) is not None
                   and num.regex.search(norm) is not None)
    # Cheap test first: digits and an expiry word (到期/有效期/expir/valid).
    has_dates = (_NUMBER_RE.search(norm) is not None
                 and any(w in norm for w in ("到期", "有效期", "xpir", "valid"))
                 and _VISIT_RE.search(norm) is not None)
    if not raw and not run_numeric and not has_dates:
        return norm, []
    ctx = _segment(norm, lex)
    cands: list[_Candidate] = []
    rule_of: dict[int, _Rule] = {}
    spans: set[tuple[int, int, int]] = set()
    for (start, end, _), rule in raw.items():
        if rule.state is not None:
            span = _with_state(lex, ctx, rule.state, start, end)
            if span is None or (*span, id(rule)) in spans:
                continue
            start, end = span
            spans.add((start, end, id(rule)))
        cand = _Candidate(rule.kind, rule.subkind, rule.label, start, end, ctx.sentence_of(start))
        rule_of[id(cand)] = rule
        cands.append(cand)
    if run_numeric:
        cands.extend(_numeric_candidates(lex, ctx))
    if has_dates:
        cands.extend(_expiry_candidates(lex, ctx))
    cands.sort(key=lambda c: (c.start, -(c.end - c.start)))
    for cand in cands:
        why = _why_suppressed(lex, ctx, cand, rule_of.get(id(cand)))
        if why:
            cand.outcome = f"suppressed: {why}"
        elif cand.kind == "unlicensed":
            who = _outlet(lex, ctx, cand)
            if who == "other_outlet":
                cand.subkind = "tip_other_outlet"
            elif who == "this_outlet" and cand.subkind == "tip_other_outlet":
                cand.subkind = "no_license"  # "该户系无证户": the visited shop itself
    _apply_resolutions(lex, ctx, cands, present)
    # One finding per kind and sub-kind per note (the first), and never two findings of
    # one kind on overlapping text.
    seen: set[tuple[str, str]] = set()
    kept: list[_Candidate] = []
    for cand in cands:
        if cand.outcome != "flagged":
            continue
        if (cand.kind, cand.subkind) in seen or any(
                k.kind == cand.kind and k.start < cand.end and cand.start < k.end for k in kept):
            cand.outcome = "duplicate"
            continue
        seen.add((cand.kind, cand.subkind))
        kept.append(cand)
    return norm, cands


def _original_span(text: str, offsets: list[int], start: int, end: int) -> tuple[int, int]:
    o_start = offsets[start]
    last = offsets[end - 1]
    if text.startswith("&", last):  # the phrase ends in an HTML entity: take all of it
        m = _MARKUP_RE.match(text, last)
        return o_start, m.end() if m else last + 1
    return o_start, last + 1


def _located(text: str, lex: Lexicon, selected: list[_Candidate]) -> list[tuple[_Candidate, int, int]]:
    if not selected:
        return []
    plain = _normalize_plain(text, lex.char_map, lex.spelling)
    if plain is not None and len(plain) == len(text):
        # Only one-to-one changes (NFKC kept the length, nothing collapsed): same positions.
        return [(c, c.start, c.end) for c in selected]
    offsets = _normalize_with_map(text, lex.char_map, lex.spelling)[1]
    return [(c, *_original_span(text, offsets, c.start, c.end)) for c in selected]


def _note_text(text) -> str:
    # An empty spreadsheet cell arrives as None or NaN; anything else is read as text.
    if text is None or (isinstance(text, float) and text != text):
        return ""
    return text if isinstance(text, str) else str(text)


def scan_note(text: str, lexicon: Lexicon) -> list[NoteFinding]:
    """The current, unresolved problems a visit note reports, in note order."""
    text = _note_text(text)
    if not text:
        return []
    _, cands = _candidates(text, lexicon)
    flagged = [c for c in cands if c.outcome == "flagged"]
    return [NoteFinding(c.kind, c.subkind, text[s:e], s, e, c.rule)
            for c, s, e in _located(text, lexicon, flagged)]


def trace_note(text: str, lexicon: Lexicon) -> list[CandidateTrace]:
    """Every rule match in a note and its outcome: flagged, suppressed (why) or resolved (by what)."""
    text = _note_text(text)
    if not text:
        return []
    _, cands = _candidates(text, lexicon)
    return [CandidateTrace(c.kind, c.subkind, text[s:e], s, e, c.rule, c.outcome)
            for c, s, e in _located(text, lexicon, cands)]


# ---------------------------------------------------------------------------
# Structured price check

_PRICE_RE = re.compile(
    r"^(?:rmb|cny|¥|\$)?\s*(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)\s*"
    r"(?:元|块|圆|rmb|cny)?\s*(?:(?:/|每|一)\s*(?P<per>条|包|盒))?$",
    re.IGNORECASE)


def parse_price(value) -> float | None:
    """A price per 条 from a cell: "２３元/条", "23.5元", "¥23", 23, "1,200" -> float.

    None for an empty cell; ValueError for anything that is not a price. A price given per
    包/盒 is converted to per 条 (1 条 = 10 包).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a price: {value!r}")
    if isinstance(value, int | float):
        number = float(value)
        if number != number:  # NaN: an empty spreadsheet cell
            return None
        if number < 0 or number == float("inf"):
            raise ValueError(f"not a price: {value!r}")
        return number
    if not isinstance(value, str):
        try:
            number = float(value)  # Decimal, numpy scalars
        except (TypeError, ValueError):
            raise ValueError(f"not a price: {value!r}") from None
        return parse_price(number)
    text = unicodedata.normalize("NFKC", value).strip()
    if not text or text.lower() in ("nan", "none", "null"):
        return None
    m = _PRICE_RE.match(text.replace(" ", ""))
    if not m:
        raise ValueError(f"not a price: {value!r}")
    number = float(m.group("num").replace(",", ""))
    if number < 0:
        raise ValueError(f"not a price (negative): {value!r}")
    if m.group("per") in ("包", "盒"):
        number *= 10
    return number


@dataclass(frozen=True)
class PriceCheck:
    """An observed retail price outside the compliant band."""

    subkind: str  # "above_guide" | "below_minimum"
    observed: float
    reference: float
    deviation: float  # observed - reference, 元
    deviation_pct: float  # percent of reference, 2 decimals


def check_observed_price(observed: float, retail_guide: float | None,
                         minimum: float | None) -> PriceCheck | None:
    """Above the retail guide price, or below the minimum price; both bounds are compliant.

    A missing or non-positive bound is not checked.
    """
    obs = round(float(observed), 2)
    if retail_guide is not None and retail_guide > 0 and obs > round(float(retail_guide), 2):
        return _price_check("above_guide", obs, round(float(retail_guide), 2))
    if minimum is not None and minimum > 0 and obs < round(float(minimum), 2):
        return _price_check("below_minimum", obs, round(float(minimum), 2))
    return None


def _price_check(subkind: str, observed: float, reference: float) -> PriceCheck:
    deviation = round(observed - reference, 2)
    return PriceCheck(subkind, observed, reference, deviation, round(deviation / reference * 100, 2))
