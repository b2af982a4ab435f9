"""Fit a model of the statistical second reader and write cmgr/data/flag_model_<label>.tsv.gz.

    pip install -e '.[model]'                         # scikit-learn, for this script only
    python bench/train_flag_model.py                  # the unlicensed model; ~1 min
    python bench/train_flag_model.py --label price    # the price model

The unlicensed model is the one bench/eval_flag_model.py measures as ``text`` (character
1-4-gram TF-IDF of the normalised note + logistic regression, C=4, class-weighted). The price
model reads the note with brands and prices replaced by a placeholder each (cmgr/core/flag_model.py's
PRICE_PLACEHOLDERS, stored in the file for the scorer) and is less regularised (C=16): on rounds 5-13 left out one
at a time (blind readers) that took the combination's price recall from 0.773 to 0.811 at the
same precision, where the unlicensed model's settings gave 0.773 (docs/flag-rules.md
section 8). Each is fitted on the dev corpus and every round of eval_flag_model.ROUNDS; the
combination is ``or/P``: the rules' verdict,
OR the model's score >= the threshold. The threshold is chosen the same way as there: on the
training notes' out-of-fold scores (leave one round out, the dev corpus one more group),
against the *blind* rule readers (each round's rules from before that round was tuned on),
as the highest recall whose precision is no lower than the rules' own.

cmgr reads the file with cmgr/core/flag_model.py in pure Python (no scikit-learn at run time).
The file keeps, per n-gram of the fitted vocabulary, its idf and its weight (rounded to 6
significant digits), and a few notes with scikit-learn's own probabilities, which
tests/core/test_flag_model.py checks the pure-Python scorer against. Fit again after a
lexicon change to the character map or spelling table (the model reads normalised text) or
when a new round joins ROUNDS; measure first with `bench/eval_flag_model.py --test`.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import eval_flag_model as efm  # noqa: E402

from cmgr.core.flag_model import (  # noqa: E402
    PRICE_PLACEHOLDERS,  # stored in the file for the scorer
    asks,
    substitute,
)

METHOD = "or/P"
N_CHECKS = 40  # notes whose scikit-learn probability is stored for the scorer's test
# label (as eval_flag_model.LABELS keys it) -> (model file label, C, placeholders)
SETTINGS = {"unlicensed": ("unlicensed", efm.C, ()),
            "price": ("price_violation", 16.0, PRICE_PLACEHOLDERS)}


def _features(text: str, placeholders) -> str:
    import re

    return substitute(text, [(token, re.compile(pattern)) for token, pattern in placeholders])


def _fit(notes, label: str, c: float, placeholders):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 4), min_df=2, sublinear_tf=True)
    x = vectorizer.fit_transform([_features(n["text"], placeholders) for n in notes])
    y = [n["truth"][label] for n in notes]
    return vectorizer, LogisticRegression(C=c, class_weight="balanced", solver="liblinear").fit(x, y)


def _probabilities(fitted, notes, placeholders):
    vectorizer, model = fitted
    return model.predict_proba(vectorizer.transform(
        [_features(n["text"], placeholders) for n in notes]))[:, 1]


def main(argv: list[str] | None = None) -> int:
    import argparse

    import numpy as np
    import sklearn

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", choices=sorted(SETTINGS), default="unlicensed")
    args = parser.parse_args(argv)
    model_label = args.label
    key, c, placeholders = SETTINGS[model_label]
    out = REPO / "cmgr" / "data" / f"flag_model_{model_label}.tsv.gz"

    notes = efm.load(with_early=False)
    groups = sorted({n["group"] for n in notes})
    # Out-of-fold text scores of every note (leave one round out, the dev corpus one more group).
    oof: dict[int, float] = {}
    for h in groups:
        test = [n for n in notes if n["group"] == h]
        fitted = _fit([n for n in notes if n["group"] != h], key, c, placeholders)
        oof.update(zip(map(id, test), _probabilities(fitted, test, placeholders), strict=True))
    truth = [n["truth"][key] for n in notes]
    rules = [n["blind"][key] for n in notes]
    # A note cmgr does not ask the model about (flag_model.read_note) scores 0 here too.
    kind = efm.LABELS[key]
    for n in notes:
        tokens = n["blind_tokens"].split()
        dropped = frozenset({kind} if any(t.startswith((f"{kind}|suppressed|", f"{kind}|resolved|"))
                                          for t in tokens) else ())
        if not asks(model_label, n["text"], dropped):
            oof[id(n)] = 0.0
    text = [oof[id(n)] for n in notes]
    _, threshold = efm._choose(METHOD, rules, text, text, truth)
    p, r, tp, fp, fn = efm._pr(efm._predict("or", rules, text, text, 0.0, threshold), truth)
    p0, r0, tp0, fp0, fn0 = efm._pr(rules, truth)
    print(f"threshold {threshold:.2f} (out-of-fold on {len(notes)} training notes: rules "
          f"{p0:.3f}/{r0:.3f} TP {tp0} FP {fp0} FN {fn0}; or {p:.3f}/{r:.3f} TP {tp} FP {fp} FN {fn})")

    vectorizer, model = fitted = _fit(notes, key, c, placeholders)
    weights = model.coef_[0]
    vocabulary = sorted(vectorizer.vocabulary_.items(), key=lambda kv: kv[0])
    rng = np.random.default_rng(12)
    checks = [notes[i] for i in rng.choice(len(notes), N_CHECKS, replace=False)]
    check_probs = _probabilities(fitted, checks, placeholders)

    def clean(s: str) -> str:  # n-grams may hold a tab or newline: escape the TSV's separators
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

    lines = [
        "# cmgr statistical second reader (bench/train_flag_model.py); "
        f"scikit-learn {sklearn.__version__}; {len(notes)} training notes",
        f"label\t{model_label}",
        f"threshold\t{threshold:.2f}",
        f"intercept\t{model.intercept_[0]:.9g}",
        "ngram_range\t1\t4",
        f"training_notes\t{len(notes)}",
    ]
    lines += [f"placeholder\t{clean(token)}\t{clean(pattern)}" for token, pattern in placeholders]
    lines += [f"check\t{prob:.9f}\t{clean(n['text'])}" for n, prob in zip(checks, check_probs,
                                                                         strict=True)]
    lines.append(f"ngrams\t{len(vocabulary)}")
    lines += [f"{clean(gram)}\t{vectorizer.idf_[j]:.6g}\t{weights[j]:.6g}" for gram, j in vocabulary]
    # mtime=0: the same fit gives the same bytes
    with out.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
        fh.write(("\n".join(lines) + "\n").encode("utf-8"))
    print(f"{out.relative_to(REPO)}: {len(vocabulary)} n-grams, {out.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
