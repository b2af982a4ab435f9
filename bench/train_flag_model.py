"""Fit the statistical second reader for unlicensed notes and write cmgr/data/flag_model_unlicensed.tsv.gz.

    pip install -e '.[model]'          # scikit-learn, for this script only
    python bench/train_flag_model.py   # ~1 min; writes the model file, prints its threshold

The model is the one bench/eval_flag_model.py measures as ``text`` (character 1-4-gram TF-IDF
of the normalised note + logistic regression, C=4, class-weighted), fitted on the dev corpus
and every round of eval_flag_model.ROUNDS; the combination is its ``or/P``: the rules' verdict,
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

OUT = REPO / "cmgr" / "data" / "flag_model_unlicensed.tsv.gz"
LABEL = "unlicensed"
METHOD = "or/P"
N_CHECKS = 40  # notes whose scikit-learn probability is stored for the scorer's test


def main() -> int:
    import numpy as np
    import sklearn
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    notes = efm.load(with_early=False)
    groups = sorted({n["group"] for n in notes})
    # Out-of-fold text scores of every note, as eval_flag_model.run computes them.
    oof: dict[int, float] = {}
    for h in groups:
        test = [n for n in notes if n["group"] == h]
        scores = efm._fit_score([n for n in notes if n["group"] != h], test, LABEL)["text"]
        oof.update(zip(map(id, test), scores, strict=True))
    truth = [n["truth"][LABEL] for n in notes]
    rules = [n["blind"][LABEL] for n in notes]
    text = [oof[id(n)] for n in notes]
    _, threshold = efm._choose(METHOD, rules, text, text, truth)
    p, r, tp, fp, fn = efm._pr(efm._predict("or", rules, text, text, 0.0, threshold), truth)
    p0, r0, tp0, fp0, fn0 = efm._pr(rules, truth)
    print(f"threshold {threshold:.2f} (out-of-fold on {len(notes)} training notes: rules "
          f"{p0:.3f}/{r0:.3f} TP {tp0} FP {fp0} FN {fn0}; or {p:.3f}/{r:.3f} TP {tp} FP {fp} FN {fn})")

    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 4), min_df=2, sublinear_tf=True)
    x = vectorizer.fit_transform([n["text"] for n in notes])
    y = np.array(truth)
    model = LogisticRegression(C=efm.C, class_weight="balanced", solver="liblinear").fit(x, y)
    weights = model.coef_[0]
    vocabulary = sorted(vectorizer.vocabulary_.items(), key=lambda kv: kv[0])
    rng = np.random.default_rng(12)
    checks = [notes[i] for i in rng.choice(len(notes), N_CHECKS, replace=False)]
    check_probs = model.predict_proba(vectorizer.transform([n["text"] for n in checks]))[:, 1]

    def clean(s: str) -> str:  # n-grams may hold a tab or newline: escape the TSV's separators
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

    lines = [
        "# cmgr statistical second reader (bench/train_flag_model.py); "
        f"scikit-learn {sklearn.__version__}; {len(notes)} training notes",
        f"label\t{LABEL}",
        f"threshold\t{threshold:.2f}",
        f"intercept\t{model.intercept_[0]:.9g}",
        "ngram_range\t1\t4",
        f"training_notes\t{len(notes)}",
    ]
    lines += [f"check\t{prob:.9f}\t{clean(n['text'])}" for n, prob in zip(checks, check_probs,
                                                                         strict=True)]
    lines.append(f"ngrams\t{len(vocabulary)}")
    lines += [f"{clean(gram)}\t{vectorizer.idf_[j]:.6g}\t{weights[j]:.6g}" for gram, j in vocabulary]
    # mtime=0: the same fit gives the same bytes
    with OUT.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
        fh.write(("\n".join(lines) + "\n").encode("utf-8"))
    print(f"{OUT.relative_to(REPO)}: {len(vocabulary)} n-grams, {OUT.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
