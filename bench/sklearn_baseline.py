#!/usr/bin/python3
"""scikit-learn baseline of the benchmark: TfidfVectorizer (word 1-2-grams, sublinear tf) + LinearSVC,
C chosen by stratified 5-fold CV on the training file (macro-F1), refit on all of it.

Needs Debian's python3-sklearn, which belongs to /usr/bin/python3 (not a pyenv `python3`).

  sklearn_baseline.py eval TRAIN TEST          train, score TEST: one JSON object on stdout
      (macro_f1, best_c, cv_macro_f1, train_s, predict_s, predict_quotes_per_s)
  sklearn_baseline.py predict STANCE_TRAIN SENTIMENT_TRAIN QUOTES
      train the two pipelines (files or folders of label<TAB>text), then time
      vectorizer.transform + predict of both over QUOTES (one quote per line), best of 3
  sklearn_baseline.py predict-chars STANCE_TRAIN SENTIMENT_TRAIN QUOTES
      the same with word 1-2-grams and character 3-5-grams (char_wb), our default feature kinds

bench/compare.py imports this module; the command line is for running one piece by hand.
"""
import json
import os
import sys
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

C_GRID = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
SEED = 1


def read_tsv(path):
    """Reads label<TAB>text lines from a file, or from every .tsv file of a folder (sorted, recursive).
    Returns (labels, texts). Blank lines and lines without a tab are skipped; extra columns ignored."""
    files = []
    if os.path.isdir(path):
        for root, dirs, names in os.walk(path):
            dirs.sort()
            files += [os.path.join(root, n) for n in sorted(names) if n.endswith(".tsv") and not n.startswith(".")]
        files.sort()
    else:
        files = [path]
    labels, texts = [], []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                line = line.rstrip("\r\n")
                parts = line.split("\t")
                if len(parts) < 2 or not parts[0].strip() or not parts[1].strip():
                    continue
                labels.append(parts[0].strip())
                texts.append(parts[1].strip())
    return labels, texts


def read_lines(path):
    with open(path, encoding="utf-8") as fh:
        return [line.rstrip("\r\n") for line in fh if line.strip()]


def vectorizer(chars=False):
    """The benchmark's TfidfVectorizer (word 1-2-grams, sublinear tf); with chars, the union of it and
    a character 3-5-gram one inside word boundaries (analyzer "char_wb"), the feature kinds of our
    default models (each part L2-normalised on its own, as FeatureUnion does)."""
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    if not chars:
        return words
    return FeatureUnion([("words", words),
                         ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True))])


def train(labels, texts, c_grid=C_GRID, folds=5, chars=False):
    """Fits the grid search; returns (GridSearchCV, seconds)."""
    pipe = Pipeline([
        ("tfidf", vectorizer(chars)),
        ("svm", LinearSVC()),
    ])
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    search = GridSearchCV(pipe, {"svm__C": list(c_grid)}, scoring="f1_macro", cv=cv, n_jobs=1, refit=True)
    t0 = time.perf_counter()
    search.fit(texts, labels)
    return search, time.perf_counter() - t0


def best_time(fn, repeat=3):
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        best = dt if best is None or dt < best else best
    return best


def evaluate(train_path, test_path):
    """Trains on train_path, scores test_path; returns a dict (see the module doc)."""
    y_tr, x_tr = read_tsv(train_path)
    y_te, x_te = read_tsv(test_path)
    search, train_s = train(y_tr, x_tr)
    pred = search.best_estimator_.predict(x_te)
    predict_s = best_time(lambda: search.best_estimator_.predict(x_te))
    return {
        "macro_f1": float(f1_score(y_te, pred, average="macro")),
        "accuracy": float(np.mean(np.array(pred) == np.array(y_te))),
        "best_c": float(search.best_params_["svm__C"]),
        "cv_macro_f1": float(search.best_score_),
        "train_s": train_s,
        "n_features": int(len(search.best_estimator_.named_steps["tfidf"].vocabulary_)),
        "predict_s": predict_s,
        "predict_quotes_per_s": len(x_te) / predict_s,
    }


def predict_bench(stance_train, sentiment_train, quotes_path, repeat=3, chars=False):
    """Trains the stance and sentiment pipelines (with chars: words and character n-grams, see
    vectorizer), then times transform + predict of both over the quotes (the whole list at once:
    scikit-learn's fastest way), best of `repeat`."""
    pipes = []
    for path in (stance_train, sentiment_train):
        y, x = read_tsv(path)
        search, _ = train(y, x, chars=chars)
        pipes.append(search.best_estimator_)
    quotes = read_lines(quotes_path)

    def run():
        for p in pipes:
            x = p.named_steps["tfidf"].transform(quotes)
            p.named_steps["svm"].predict(x)

    run()  # warm-up
    s = best_time(run, repeat)
    nbytes = sum(len(q.encode("utf-8")) for q in quotes)
    return {"quotes": len(quotes), "bytes": nbytes, "seconds": s, "quotes_per_s": len(quotes) / s,
            "mb_per_s": nbytes / 1e6 / s}


def main(argv):
    if len(argv) == 4 and argv[1] == "eval":
        print(json.dumps(evaluate(argv[2], argv[3])))
    elif len(argv) == 5 and argv[1] in ("predict", "predict-chars"):
        print(json.dumps(predict_bench(argv[2], argv[3], argv[4], chars=argv[1] == "predict-chars")))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
