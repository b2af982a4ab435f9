"""Would a statistical second reader help the note flagger? Leave-one-round-out evaluation.

    python bench/eval_flag_model.py                  # the table (needs scikit-learn:
                                                     # pip install -e '.[model]'); ~11 min
                                                     # on 2 busy cores
    python bench/eval_flag_model.py --rounds 11      # hold out only round 11
    python bench/eval_flag_model.py --with-early     # also train on heldout/unseen/unseen2/unseen3
    python bench/eval_flag_model.py --test sample    # train on every round, score another corpus
                                                     # (a bench/eval_flags.py name or a CSV)

The labelled corpora are grouped by writer round: 5 (round5a, round5b), 6 (6c, 6d), 7 (7e, 7f),
8 (8k, 8l), 9 (9m, 9n), 10 (10p, 10q) and 11 (11r, 11s). Each round in turn
is held out whole; the model is trained on the dev corpus and every other round. Per held-out
round and label the script prints precision / recall of:

* ``rules``      the rule reader alone (`scan_note`, as bench/eval_flags.py scores it);
* ``text``       logistic regression on character 1-4-grams (TF-IDF) of the normalised note;
* ``stack``      the same with the rule reader's trace as extra features (which rule matched,
                 flagged / suppressed by which modifier / resolved, per kind);
* ``or``         rules OR text-model score >= t_hi;
* ``veto``       rules AND NOT text-model score < t_lo;
* ``or+veto``    (rules AND score >= t_lo) OR score >= t_hi;
* ``stack-or``   rules OR stack-model score >= t_hi;
* ``.../P``      the same combination with thresholds chosen for recall at a precision no lower
                 than the rules' own on the training rounds (the others maximise F1).

Every threshold is chosen on the training rounds only: the training rounds are scored
out-of-fold (an inner leave-one-round-out, the dev corpus being one more inner group), and
the chosen thresholds are used on the held-out round, which is read once, for the figures.

Two rule readers, two tables. ``landed`` is today's reader on every round: it was tuned on
rounds 5-11, so its figures there are optimistic and a combination trained on its near-perfect
verdicts learns to trust it. ``blind`` is, on each round, the reader of the commit before that
round was tuned on (BLIND_READER, run from a `git archive` copy; it reproduces the before-tuning
figures in bench/eval_flags.py), on the training rounds as on the held-out one: every round is
then an honest one (rounds 11's and 12's are 54bd1a3, where their before-tuning figures were measured).
Results and the decision: docs/flag-rules.md, section 8.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cmgr.core.flag_rules import load_lexicon, trace_note  # noqa: E402
from cmgr.core.flag_rules.normalize import _normalize_with_map  # noqa: E402

TESTS = REPO / "tests" / "core"
DEV = REPO.parent / "shared" / "data" / "notes-dev" / "notes.csv"
ROUNDS = {
    "5": [TESTS / "flag_round5a_notes.csv", TESTS / "flag_round5b_notes.csv"],
    "6": [TESTS / "flag_round6c_notes.csv", TESTS / "flag_round6d_notes.csv"],
    "7": [TESTS / "flag_round7e_notes.csv", TESTS / "flag_round7f_notes.csv"],
    "8": [TESTS / "flag_round8k_notes.csv", TESTS / "flag_round8l_notes.csv"],
    "9": [TESTS / "flag_round9m_notes.csv", TESTS / "flag_round9n_notes.csv"],
    "10": [TESTS / "flag_round10p_notes.csv", TESTS / "flag_round10q_notes.csv"],
    "11": [TESTS / "flag_round11r_notes.csv", TESTS / "flag_round11s_notes.csv"],
    "12": [TESTS / "flag_round12u_notes.csv", TESTS / "flag_round12v_notes.csv"],
    "13": [TESTS / "flag_round13w_notes.csv", TESTS / "flag_round13x_notes.csv"],
    "15": [TESTS / "flag_round15a_notes.csv", TESTS / "flag_round15b_notes.csv"],
}
EARLY = [TESTS / f"flag_{n}_notes.csv" for n in ("heldout", "unseen", "unseen2", "unseen3")]
LABELS = {"unlicensed": "unlicensed", "price_violation": "price"}
METHODS = ["rules", "text", "stack", "or", "veto", "or+veto", "stack-or", "or/P", "or+veto/P",
           "stack-or/P"]
C = 4.0  # inverse regularisation of the logistic regressions; fixed, not tuned on any fold


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


# The reader each round met before it was tuned on (the commit its before-tuning figures were
# measured on); rounds 11's and 12's are main (13's is 22a9925, 15's b43c725) as it was when
# they were measured. (Round 14's corpora were lost unread.)
BLIND_READER = {"5": "00c1559", "6": "70dab9e", "7": "b34d394", "8": "1acf24c", "9": "4507031",
                "10": "e441a1b", "11": "54bd1a3", "12": "54bd1a3",
                "13": "22a9925", "15": "b43c725"}
_TRACE_SCRIPT = """
import csv, json, sys
from cmgr.core.flag_rules import load_lexicon, trace_note
lex = load_lexicon(None)
for path in sys.argv[1:]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            out = [[t.kind, t.outcome, t.rule] for t in trace_note(row["note"], lex)]
            print(json.dumps([path, row["id"], out], ensure_ascii=False))
"""


def _tokens(trace) -> tuple[set[str], list[str]]:
    """The kinds a trace flags, and the trace as feature tokens (kind, outcome, modifier, rule)."""
    kinds, tokens = set(), []
    for kind, outcome_text, rule_text in trace:
        outcome = outcome_text.split(":")[0]
        detail = outcome_text.split(":", 1)[1].split()[0] if ":" in outcome_text else ""
        rule = rule_text.split(":")[0].strip()
        if outcome == "flagged":
            kinds.add(kind)
        tokens += [f"{kind}|{outcome}", f"{kind}|{outcome}|{detail}",
                   f"{kind}|{rule}|{outcome}", f"{kind}|match"]
    return kinds, tokens


def _blind_traces(commit: str, paths: list[Path]) -> dict[tuple[str, str], list]:
    """(file stem, note id) -> trace, by the reader of `commit` (run from a `git archive` copy)."""
    import json
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", commit, "cmgr"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        out = subprocess.run([sys.executable, "-c", _TRACE_SCRIPT, *map(str, paths)], cwd=tmp,
                             env={"PYTHONPATH": tmp, "PATH": "/usr/bin:/bin"},
                             check=True, capture_output=True, text=True).stdout
    traces = {}
    for line in out.splitlines():
        path, note_id, trace = json.loads(line)
        traces[Path(path).stem, note_id] = trace
    return traces


def load(with_early: bool):
    """Notes with group, labels, normalised text, and per reader ("landed", "blind") the
    kinds it flags and its trace tokens. A note of the dev or early corpora has no blind
    reader (every reader was written on them): its blind verdict is the landed one."""
    lex = load_lexicon(None)
    sources = [("dev", DEV)] + [(g, p) for g, paths in ROUNDS.items() for p in paths]
    if with_early:
        sources += [("early", p) for p in EARLY]
    blind = {}
    for g, paths in ROUNDS.items():
        blind.update(_blind_traces(BLIND_READER[g], paths))
    notes = []
    for group, path in sources:
        if not path.exists():
            raise SystemExit(f"corpus not found: {path}")
        for row in _read(path):
            landed = [[t.kind, t.outcome, t.rule] for t in trace_note(row["note"], lex)]
            note = {
                "group": group, "file": path.stem, "id": row["id"], "note": row["note"],
                "text": _normalize_with_map(row["note"], lex.char_map, lex.spelling)[0].lower(),
                "truth": {lab: row[lab].strip() == "1" for lab in LABELS},
            }
            for reader, trace in (("landed", landed),
                                  ("blind", blind.get((path.stem, row["id"]), landed))):
                kinds, tokens = _tokens(trace)
                note[reader] = {lab: kind in kinds for lab, kind in LABELS.items()}
                note[reader + "_tokens"] = " ".join(tokens) or "none"
            notes.append(note)
    return notes


def _test_notes(spec: str, group: str) -> list[dict]:
    """A corpus scored by a model trained on every round; its rules are the landed reader's
    (there is no reader from before it), under both reader names."""
    sys.path.insert(0, str(REPO / "bench"))
    from eval_flags import NAMED_CORPORA, load_corpus

    labels, visits = NAMED_CORPORA.get(spec, (Path(spec), None))
    lex = load_lexicon(None)
    notes = []
    for row in load_corpus(labels, visits):
        kinds, tokens = _tokens([[t.kind, t.outcome, t.rule] for t in trace_note(row["note"], lex)])
        rules = {lab: kind in kinds for lab, kind in LABELS.items()}
        notes.append({
            "group": group, "file": labels.stem, "id": row["id"], "note": row["note"],
            "text": _normalize_with_map(row["note"], lex.char_map, lex.spelling)[0].lower(),
            "truth": {lab: str(row[lab]).strip() == "1" for lab in LABELS},
            "landed": rules, "blind": rules,
            "landed_tokens": " ".join(tokens) or "none", "blind_tokens": " ".join(tokens) or "none",
        })
    return notes


READERS = ("landed", "blind")


def _fit_score(train: list[dict], test: list[dict], label: str) -> dict[str, object]:
    """Scores of `test` by the text model ("text") and by the stacked model of each reader
    ("stack:landed", "stack:blind"), all trained on `train`."""
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    def fit(a, b):
        model = LogisticRegression(C=C, class_weight="balanced", solver="liblinear")
        model.fit(a, y)
        return model.predict_proba(b)[:, 1]

    chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 4), min_df=2, sublinear_tf=True)
    x_train = chars.fit_transform([n["text"] for n in train])
    x_test = chars.transform([n["text"] for n in test])
    y = np.array([n["truth"][label] for n in train])
    scores = {"text": fit(x_train, x_test)}
    for reader in READERS:
        rules = CountVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False,
                                binary=True)
        r_train = rules.fit_transform([n[reader + "_tokens"] for n in train])
        r_test = rules.transform([n[reader + "_tokens"] for n in test])
        scores["stack:" + reader] = fit(hstack([x_train, r_train]).tocsr(),
                                        hstack([x_test, r_test]).tocsr())
    return scores


def _pr(pred, truth) -> tuple[float, float, int, int, int]:
    import numpy as np

    pred, truth = np.asarray(pred, bool), np.asarray(truth, bool)
    tp = int((pred & truth).sum())
    fp = int((pred & ~truth).sum())
    fn = int((~pred & truth).sum())
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp, fp, fn


GRID = [i / 100 for i in range(5, 100, 1)]


def _predict(method: str, rules, text, stack, t_lo: float, t_hi: float):
    import numpy as np

    rules, text, stack = np.asarray(rules, bool), np.asarray(text), np.asarray(stack)
    if method == "rules":
        return rules
    if method == "text":
        return text >= t_hi
    if method == "stack":
        return stack >= t_hi
    if method == "or":
        return rules | (text >= t_hi)
    if method == "veto":
        return rules & (text >= t_lo)
    if method == "or+veto":
        return (rules & (text >= t_lo)) | (text >= t_hi)
    if method == "stack-or":
        return rules | (stack >= t_hi)
    raise ValueError(method)


def _choose(method: str, rules, text, stack, truth) -> tuple[float, float]:
    """(t_lo, t_hi) on out-of-fold training scores: the F1 maximum, or for a "/P" method the
    highest recall whose precision is at least the rules' own on the same notes (ties: the
    stricter thresholds)."""
    if method == "rules":
        return 0.0, 1.0
    base, constrained = method.removesuffix("/P"), method.endswith("/P")
    floor = _pr(rules, truth)[0]
    lows = GRID if base in ("veto", "or+veto") else [0.0]
    highs = GRID if base != "veto" else [1.01]
    best = (-1.0, 0.0, 1.0)
    for lo in lows:
        for hi in highs:
            if hi < lo:
                continue
            p, r, *_ = _pr(_predict(base, rules, text, stack, lo, hi), truth)
            if constrained:
                value = r if p >= floor else -1.0
            else:
                value = 2 * p * r / (p + r) if p + r else 0.0
            if value > best[0] + 1e-9:
                best = (value, lo, hi)
    return best[1], best[2]


def run(notes: list[dict], held_out: list[str]):
    """(reader, round, label, method) -> (P, R, TP, FP, FN, t_lo, t_hi).

    The reader ("landed" or "blind") gives the rule verdicts and rule features on both the
    training rounds (where the thresholds are chosen) and the held-out round."""
    results = {}
    # With --test every test corpus has the same training notes: their out-of-fold scores and
    # the model fitted on them are computed once per label.
    cache: dict[tuple, tuple] = {}
    for g in held_out:
        test = [n for n in notes if n["group"] == g]
        train = [n for n in notes if n["group"] != g and not n["group"].startswith("test:")]
        inner_groups = sorted({n["group"] for n in train})
        for label in LABELS:
            key_ = (tuple(inner_groups), label)
            if key_ not in cache:
                # Out-of-fold scores of the training notes: each inner group (a round, the dev
                # corpus, the early corpora) scored by a model trained on the others.
                oof: dict[str, dict[int, float]] = {}
                for h in inner_groups:
                    inner_test = [n for n in train if n["group"] == h]
                    inner = _fit_score([n for n in train if n["group"] != h], inner_test, label)
                    for key, values in inner.items():
                        oof.setdefault(key, {}).update(zip(map(id, inner_test), values,
                                                           strict=True))
                cache[key_] = oof
            oof = cache[key_]
            held = _fit_score(train, test, label)
            tr_truth = [n["truth"][label] for n in train]
            te_truth = [n["truth"][label] for n in test]
            for reader in READERS:
                tr_rules = [n[reader][label] for n in train]
                tr_text = [oof["text"][id(n)] for n in train]
                tr_stack = [oof["stack:" + reader][id(n)] for n in train]
                te_rules = [n[reader][label] for n in test]
                for method in METHODS:
                    lo, hi = _choose(method, tr_rules, tr_text, tr_stack, tr_truth)
                    pred = _predict(method.removesuffix("/P"), te_rules, held["text"], held["stack:" + reader],
                                    lo, hi)
                    results[reader, g, label, method] = (*_pr(pred, te_truth), lo, hi)
                    # The same thresholds on the dev corpus's out-of-fold scores: the false
                    # alarms a combination adds there (the dev corpus is never held out).
                    dev = [i for i, n in enumerate(train) if n["group"] == "dev"]
                    dev_pred = _predict(method.removesuffix("/P"), [tr_rules[i] for i in dev],
                                        [tr_text[i] for i in dev], [tr_stack[i] for i in dev],
                                        lo, hi)
                    results[reader, g, label, method, "dev"] = _pr(
                        dev_pred, [tr_truth[i] for i in dev])
        print(f"{g} done", file=sys.stderr)
    return results


def _cell(tp: int, fp: int, fn: int) -> str:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return f"{p:.3f}/{r:.3f}".rjust(14)


def _print(results, held_out: list[str]) -> None:
    label_names = {"unlicensed": "unlicensed", "price_violation": "price"}
    width = max(9, *(len(g) + 2 for g in held_out))
    head = f"{'round':<{width}}{'label':<12}" + "".join(f"{m:>14}" for m in METHODS)
    for reader in READERS:
        print(f"== rules = the {reader} reader "
              + ("(today's, on every round: tuned on rounds 5-11, so optimistic there)"
                 if reader == "landed" else
                 "(on each round the reader before that round was tuned on: all honest)"))
        print("P/R per held-out round; thresholds chosen on the training rounds")
        print(head)
        rounds = [g for g in held_out if g in ROUNDS]
        rows = [(g, [g]) for g in held_out]
        rows += [("5-10", [g for g in rounds if g != "11"])] if len(rounds) > 1 else []
        rows += [("all", rounds)] if len(rounds) > 1 else []
        for name, members in rows:
            if not members:
                continue
            for label in LABELS:
                cells = "".join(
                    _cell(*(sum(results[reader, g, label, m][i] for g in members)
                            for i in (2, 3, 4)))
                    for m in METHODS)
                print(f"{name:<{width}}{label_names[label]:<12}{cells}")
        print("TP/FP/FN per held-out round (dev: the out-of-fold dev corpus, same thresholds)")
        for g in held_out:
            for label in LABELS:
                parts = [f"{m} {results[reader, g, label, m][2]}/{results[reader, g, label, m][3]}"
                         f"/{results[reader, g, label, m][4]}" for m in METHODS]
                print(f"  {g:<{width - 2}}{label_names[label]:<12}" + "; ".join(parts))
                parts = [f"{m} {results[reader, g, label, m, 'dev'][2]}"
                         f"/{results[reader, g, label, m, 'dev'][3]}"
                         f"/{results[reader, g, label, m, 'dev'][4]}" for m in METHODS]
                print(f"  {'  dev':<{width - 2}}{label_names[label]:<12}" + "; ".join(parts))
        print("thresholds t_lo/t_hi per held-out round")
        for g in held_out:
            for label in LABELS:
                parts = [f"{m} {results[reader, g, label, m][5]:.2f}/{results[reader, g, label, m][6]:.2f}"
                         for m in METHODS if m != "rules"]
                print(f"  {g:<{width - 2}}{label_names[label]:<12}" + "; ".join(parts))
        print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", nargs="*", default=list(ROUNDS), choices=list(ROUNDS))
    parser.add_argument("--with-early", action="store_true",
                        help="also train on heldout, unseen, unseen2, unseen3 (never held out)")
    parser.add_argument("--test", action="append", default=None, metavar="CORPUS",
                        help="instead of leaving rounds out, train on every round and score "
                             "CORPUS (a name of bench/eval_flags.py, e.g. sample, or a CSV with "
                             "id,note,unlicensed,price_violation); repeatable")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    notes = load(args.with_early)
    held_out = args.rounds
    if args.test:
        held_out = []
        for spec in args.test:
            group = f"test:{Path(spec).stem if spec.endswith('.csv') else spec}"
            notes += _test_notes(spec, group)
            held_out.append(group)
    results = run(notes, held_out)
    _print(results, held_out)
    print(f"\n{len(notes)} notes, {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
