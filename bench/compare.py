#!/usr/bin/python3
"""The benchmark: our trainer and predictor against scikit-learn and fastText, in one run, on the
same train/test splits of the real data in ../shared/data, plus prediction throughput against
scikit-learn's transform+predict and libsvm's svm-predict.

    /usr/bin/python3 bench/compare.py            (the whole benchmark; 10-18 minutes on 2 cores)

Options: --build DIR (default build-bench/, configured and built when stale), --bin DIR (prebuilt
programs instead), --data DIR (default ../shared/data beside the project), --datasets a,b (a subset,
by the names in DATASETS), --ours-opts "..." (extra stance-train options for every dataset),
--no-tune (the first of OURS_CONFIGS only, instead of the best by the trainer's own CV macro-F1 on
train), --models DIR (the models to time; default models/, trained from datasets/ into the work
folder when absent or not loadable), --train-models (always train them), --skip-predict,
--skip-quality, --out FILE (default bench/results/latest.md, plus the same name with .json),
--work DIR (keep the models and files there).

Per dataset: macro-F1 on the official test file for
  ours      stance-train --task NAME -o DIR [OPTS] TRAIN for each OPTS of OURS_CONFIGS, the best by CV
            macro-F1 on train kept; stance-eval DIR/NAME TEST --json (macro_f1); training time = wall
            time of all the stance-train runs; prediction = stance-bench-predict over TEST
  sklearn   bench/sklearn_baseline.py: TfidfVectorizer(word 1-2-grams, sublinear tf) + LinearSVC, C by
            stratified 5-fold CV (macro-F1) over 0.01..10; time = GridSearchCV fit; prediction =
            best pipeline's predict (transform + predict) over TEST, best of 3
  fastText  fasttext supervised -wordNgrams 2 -epoch 25 -thread 1 on the training lines shuffled with
            a fixed seed, text normalised as in fastText's own tutorial (punctuation split off,
            lower-cased); macro-F1 from `fasttext predict`; time = wall time of `fasttext supervised`
            (it writes its ~800 MB .bin); prediction = wall time of `fasttext predict` over the test
            lines repeated to 50,000 minus that of predicting one line (the model load)
Prediction: the default models (models/stance and models/sentiment, or stance-train datasets/ into the
work folder) and scikit-learn pipelines trained on datasets/stance and datasets/sentiment, over the
same quotes (all test texts of the datasets):
our stance + sentiment (tokenize + features + decision values + probabilities) against
scikit-learn's transform + predict of the two pipelines; and the stance model alone against
`svm-predict -b 1` on the same vectors (written by stance-bench-predict --dump-libsvm), whose labels
must all equal ours (exit status 1 otherwise, after the report).
"""
import argparse
import json
import os
import platform
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_OUT = os.path.join(HERE, "results", "latest.md")
sys.path.insert(0, HERE)
import sklearn_baseline  # noqa: E402  (needs /usr/bin/python3's scikit-learn)

# name -> folder under --data holding train.tsv and test.tsv (the official/main splits).
DATASETS = [
    ("un-quadclass/binary", "un-quadclass/binary"),
    ("unscon-conflict", "unscon-conflict"),
    ("fomc-hawkish-dovish", "fomc-hawkish-dovish"),
    ("newsmtsc", "newsmtsc"),
    ("nyt-editorial-sentiment", "nyt-editorial-sentiment"),
    ("stanford-politeness", "stanford-politeness"),
    ("rt-polarity", "rt-polarity"),
]
SEED = 1
PREDICT_REPEAT = 5  # best of this many timed runs, ours and scikit-learn's, in the prediction section
FT_TIMING_LINES = 50000  # fastText's throughput is timed over the test lines repeated to this many
# stance-train settings tried on every dataset; the one with the best CV macro-F1 on the training
# file (the trainer's own stratified 5-fold CV, which also picks C) is scored on the test file.
# --no-tune uses the first alone. See README.md for what else was tried.
OURS_CONFIGS = [
    ["--solver", "liblinear"],
    ["--solver", "liblinear", "--min-df", "1"],
]
# Added when stance-train offers --char-ngrams (character n-grams of each word, with the words; the
# default is 3-5, so the settings above have them too): 2-5, and words alone (0), which wins on
# stanford-politeness.
CHAR_CONFIGS = [
    ["--solver", "liblinear", "--char-ngrams", "2-5"],
    ["--solver", "liblinear", "--char-ngrams", "2-5", "--min-df", "1"],
    ["--solver", "liblinear", "--char-ngrams", "0"],
    ["--solver", "liblinear", "--char-ngrams", "0", "--min-df", "1"],
]
# Added when stance-train offers --punct: each setting above again with every punctuation mark and
# symbol as a word token (`--punct 2`; `--punct 1`, '?' and '!' alone, was level with no punctuation).
PUNCT_OPTS = ["--punct", "2"]
# Added when stance-train offers --lexicon: each setting with PUNCT_OPTS again with one category
# token per word of Hu & Liu's opinion lexicon (--data's lexicons/bingliu_opinion.tsv).
LEXICON_FILE = os.path.join("lexicons", "bingliu_opinion.tsv")


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def run(cmd, **kw):
    """Runs cmd (a list); returns (CompletedProcess, wall seconds). Raises on a non-zero exit."""
    t0 = time.perf_counter()
    kw.setdefault("stdout", subprocess.PIPE)
    p = subprocess.run(cmd, stderr=subprocess.PIPE, text=True, **kw)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s%s" % (shlex.join(cmd), p.returncode, (p.stdout or "")[-3000:],
                                                      p.stderr[-3000:]))
    return p, dt


def build(build_dir):
    if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
        run(["cmake", "-S", ROOT, "-B", build_dir, "-DST_TESTS=OFF"])
    run(["cmake", "--build", build_dir, "-j2", "--target", "stance-train", "stance-eval", "stance-bench-predict"])
    return {n: os.path.join(build_dir, "bin", n) for n in ("stance-train", "stance-eval", "stance-bench-predict")}


def read_tsv(path):
    return sklearn_baseline.read_tsv(path)


def ft_norm(text):
    """fastText's tutorial normalisation: split off punctuation, lower-case, one space."""
    text = re.sub(r"([.!?,'/()\"])", r" \1 ", text).lower()
    return " ".join(text.split())


def macro_f1(gold, pred):
    from sklearn.metrics import f1_score
    return float(f1_score(gold, pred, average="macro"))


# ---------------------------------------------------------------------------------------------
def ours_configs(bins, data):
    """OURS_CONFIGS, plus CHAR_CONFIGS when this stance-train knows --char-ngrams, then all of them again
    with PUNCT_OPTS when it knows --punct, and those with PUNCT_OPTS again with the lexicon of
    LEXICON_FILE (under data) when it knows --lexicon."""
    p = subprocess.run([bins["stance-train"], "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    configs = OURS_CONFIGS + (CHAR_CONFIGS if "--char-ngrams" in p.stdout else [])
    punct = [c + PUNCT_OPTS for c in configs] if "--punct" in p.stdout else []
    lexicon = [c + ["--lexicon", os.path.join(data, LEXICON_FILE)] for c in punct] if "--lexicon" in p.stdout else []
    return configs + punct + lexicon


def ours(bins, name, train, test, work, extra_opts, tune, data):
    task = name.replace("/", "-")
    configs = ours_configs(bins, data) if tune else OURS_CONFIGS[:1]
    best = None
    total_s = 0.0
    for k, cfg in enumerate(configs):
        out = os.path.join(work, "ours-%d" % k)
        opts = list(extra_opts) + cfg
        p, dt = run([bins["stance-train"], "--task", task, "-o", out] + opts + [train])
        total_s += dt
        m = re.search(r"CV macro-F1: ([0-9.]+)", p.stdout)
        cv = float(m.group(1)) if m else float("nan")
        c = re.search(r"chosen C: (\S+)", p.stdout)
        log("    ours %-20s CV macro-F1 %.4f C=%s (%.1f s)" % (" ".join(opts) or "(defaults)", cv,
                                                              c.group(1) if c else "?", dt))
        if best is None or cv > best["cv_macro_f1"]:
            best = {"dir": os.path.join(out, task), "opts": opts, "cv_macro_f1": cv,
                    "best_c": float(c.group(1)) if c else None, "train_s_one": dt}
    p, _ = run([bins["stance-eval"], best["dir"], test, "--json"])
    ev = json.loads(p.stdout)
    p, _ = run([bins["stance-bench-predict"], "--json", "--passes", "3", best["dir"], test])
    pb = json.loads(p.stdout)
    return {"macro_f1": ev["macro_f1"], "accuracy": ev.get("accuracy"), "train_s": total_s,
            "opts": best["opts"], "cv_macro_f1": best["cv_macro_f1"], "best_c": best["best_c"],
            "train_s_chosen": best["train_s_one"],
            "predict_quotes_per_s": pb["timings"]["model0_text"]["quotes_per_s"]}


def fasttext(train, test, work):
    y_tr, x_tr = read_tsv(train)
    y_te, x_te = read_tsv(test)
    lines = ["__label__%s %s\n" % (y, ft_norm(x)) for y, x in zip(y_tr, x_tr)]
    random.Random(SEED).shuffle(lines)
    tr, te, one = (os.path.join(work, n) for n in ("ft.train", "ft.test", "ft.one"))
    with open(tr, "w", encoding="utf-8") as f:
        f.writelines(lines)
    big = os.path.join(work, "ft.big")
    norm_te = [ft_norm(x) + "\n" for x in x_te]
    with open(te, "w", encoding="utf-8") as f:
        f.writelines(norm_te)
    reps = max(1, -(-FT_TIMING_LINES // len(norm_te)))
    with open(big, "w", encoding="utf-8") as f:
        for _ in range(reps):
            f.writelines(norm_te)
    with open(one, "w", encoding="utf-8") as f:
        f.write(norm_te[0])
    model = os.path.join(work, "ft")
    _, train_s = run(["fasttext", "supervised", "-input", tr, "-output", model, "-wordNgrams", "2", "-epoch", "25",
                      "-thread", "1", "-seed", str(SEED), "-verbose", "0"])
    p, _ = run(["fasttext", "predict", model + ".bin", te])
    pred = [line.strip().replace("__label__", "") for line in p.stdout.splitlines()]
    _, t_big = run(["fasttext", "predict", model + ".bin", big], stdout=subprocess.DEVNULL)
    _, t_one = run(["fasttext", "predict", model + ".bin", one], stdout=subprocess.DEVNULL)
    for ext in (".bin", ".vec"):
        if os.path.exists(model + ext):
            os.remove(model + ext)
    if len(pred) != len(y_te):
        raise RuntimeError("fasttext predicted %d lines for %d" % (len(pred), len(y_te)))
    dt = t_big - t_one
    return {"macro_f1": macro_f1(y_te, pred), "train_s": train_s,
            "predict_quotes_per_s": (reps * len(y_te) - 1) / dt if dt > 0 else float("nan")}


# ---------------------------------------------------------------------------------------------
def prediction(bins, data, work, datasets, models_dir, train_models):
    """The throughput section. Returns a dict of results."""
    quotes = os.path.join(work, "quotes.txt")
    n = 0
    with open(quotes, "w", encoding="utf-8") as f:
        for _, folder in datasets:
            _, texts = read_tsv(os.path.join(data, folder, "test.tsv"))
            f.writelines(t + "\n" for t in texts)
            n += len(texts)
    res = {"quotes": n}
    res["models_train_s"] = None
    cmd = [bins["stance-bench-predict"], "--json", "--passes", "5", "--repeat", str(PREDICT_REPEAT)]
    models = models_dir or os.path.join(ROOT, "models")
    p = None
    if models_dir or not train_models:
        log("  ours: stance + sentiment of %s over %d quotes" % (models, n))
        p = subprocess.run(cmd + [os.path.join(models, "stance"), os.path.join(models, "sentiment"), quotes],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0 and models_dir:
            raise RuntimeError("stance-bench-predict failed on %s:\n%s" % (models_dir, p.stderr))
        if p.returncode != 0:
            log("  %s does not load (%s): training the default models instead" % (models, p.stderr.strip()))
            p = None
    if p is None:
        models = os.path.join(work, "models")
        log("  training the default models from datasets/ (stance-train datasets/, default options)")
        _, res["models_train_s"] = run([bins["stance-train"], os.path.join(ROOT, "datasets"), "-o", models])
        log("  ours: stance + sentiment over %d quotes" % n)
        p, _ = run(cmd + [os.path.join(models, "stance"), os.path.join(models, "sentiment"), quotes])
    res["models"] = os.path.relpath(models, ROOT) if models.startswith(ROOT) else "freshly trained"
    stance = os.path.join(models, "stance")
    res["ours"] = json.loads(p.stdout)

    log("  scikit-learn: train the two pipelines on datasets/, time transform + predict")
    res["sklearn"] = sklearn_baseline.predict_bench(os.path.join(ROOT, "datasets", "stance"),
                                                    os.path.join(ROOT, "datasets", "sentiment"), quotes, PREDICT_REPEAT)
    log("  scikit-learn with our default feature kinds (words 1-2 + char_wb 3-5): train, time")
    res["sklearn_chars"] = sklearn_baseline.predict_bench(os.path.join(ROOT, "datasets", "stance"),
                                                          os.path.join(ROOT, "datasets", "sentiment"), quotes,
                                                          PREDICT_REPEAT, chars=True)

    log("  svm-predict -b 1 on the stance model and the same quotes' vectors")
    vectors, out = os.path.join(work, "vectors.libsvm"), os.path.join(work, "svm-predict.out")
    run([bins["stance-bench-predict"], "--dump-libsvm", vectors, stance, quotes])
    best = None
    for _ in range(3):
        _, dt = run(["svm-predict", "-b", "1", vectors, os.path.join(stance, "model.svm"), out])
        best = dt if best is None or dt < best else best
        if dt > 20:
            break
    res["svm_predict_s"] = best
    with open(os.path.join(stance, "model.svm")) as f:
        head = f.read(4096)
    m = re.search(r"total_sv (\d+)", head)
    res["svm_total_sv"] = int(m.group(1)) if m else None
    p = subprocess.run([bins["stance-bench-predict"], "--json", "--check-libsvm", out, stance, quotes],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode not in (0, 1):
        raise RuntimeError("stance-bench-predict --check-libsvm failed:\n" + p.stderr)
    res["libsvm_check"] = json.loads(p.stdout)["libsvm_check"]
    return res


# ---------------------------------------------------------------------------------------------
def fmt_f1(v):
    return "%.2f" % (100 * v)


def fmt_rate(v):
    if v != v:  # NaN
        return "n/a"
    if v >= 1e6:
        return "%.2fM" % (v / 1e6)
    if v >= 1e3:
        return "%.1fk" % (v / 1e3)
    return "%.0f" % v


def short_opts(opts):
    """'--solver liblinear --min-df 1' -> 'liblinear, min_df 1' for the table."""
    words, i = [], 0
    while i < len(opts):
        o = opts[i]
        if o.startswith("--") and i + 1 < len(opts) and not opts[i + 1].startswith("--"):
            v = os.path.splitext(os.path.basename(opts[i + 1]))[0] if o == "--lexicon" else opts[i + 1]
            words.append(v if o == "--solver" else "%s %s" % (o[2:].replace("-", "_"), v))
            i += 2
        else:
            words.append(o[2:].replace("-", "_"))
            i += 1
    return ", ".join(words) or "defaults"


def table(rows, pred, command, load):
    lines, verdict = [], []
    if rows:
        out = ["| dataset | train / test | macro-F1 ours | sklearn | fastText | ours − sklearn | ours − fastText "
               "| train s ours: all settings (chosen) | sklearn | fastText | predict quotes/s ours | sklearn | fastText | ours / sklearn "
               "| ours: settings (CV macro-F1, C) |",
               "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"]
        for r in rows:
            o, s, f = r["ours"], r["sklearn"], r["fasttext"]
            out.append("| %s | %d / %d | **%s** | %s | %s | %+.2f | %+.2f | %.1f (%.1f) | %.1f | %.1f | %s | %s | %s | %.1f× "
                       "| %s (%.2f, C=%g) |" % (
                           r["name"], r["n_train"], r["n_test"],
                           fmt_f1(o["macro_f1"]), fmt_f1(s["macro_f1"]), fmt_f1(f["macro_f1"]),
                           100 * (o["macro_f1"] - s["macro_f1"]), 100 * (o["macro_f1"] - f["macro_f1"]),
                           o["train_s"], o.get("train_s_chosen", o["train_s"]), s["train_s"], f["train_s"],
                           fmt_rate(o["predict_quotes_per_s"]), fmt_rate(s["predict_quotes_per_s"]),
                           fmt_rate(f["predict_quotes_per_s"]), o["predict_quotes_per_s"] / s["predict_quotes_per_s"],
                           short_opts(o["opts"]), 100 * o["cv_macro_f1"], o["best_c"] or 0))
        lines.append("\n".join(out))
        d_sk = [100 * (r["ours"]["macro_f1"] - r["sklearn"]["macro_f1"]) for r in rows]
        d_ft = [100 * (r["ours"]["macro_f1"] - r["fasttext"]["macro_f1"]) for r in rows]
        ge_sk = sum(d >= 0 for d in d_sk)
        ge_ft = sum(d >= 0 for d in d_ft)
        verdict.append("- macro-F1 ≥ scikit-learn on **%d / %d** datasets (target ≥ 5 of 7), worst gap %+.2f points "
                       "(target ≥ −1.00): %s" % (ge_sk, len(rows), min(d_sk),
                                                 "PASS" if ge_sk >= 5 and min(d_sk) >= -1.0 else "FAIL"))
        verdict.append("- macro-F1 ≥ fastText on **%d / %d** datasets (target 7 of 7), worst gap %+.2f points: %s" % (
            ge_ft, len(rows), min(d_ft), "PASS" if ge_ft == len(rows) else "FAIL"))
    if pred:
        o = pred["ours"]
        t = o["timings"]
        sk = pred["sklearn"]
        nq = pred["quotes"]
        svm_qps = nq / pred["svm_predict_s"]
        r_sk = t["pipeline"]["quotes_per_s"] / sk["quotes_per_s"]
        r_svm_text = t["model0_text"]["quotes_per_s"] / svm_qps
        r_svm_vec = t["model0_vec"]["quotes_per_s"] / svm_qps
        chk = pred["libsvm_check"]
        p = ["| prediction over %d quotes (%.2f MB: the test texts above), one core, best of %d | quotes/s | MB/s "
             "| µs/quote | ratio |" % (nq, o["bytes"] / 1e6, PREDICT_REPEAT),
             "|---|--:|--:|--:|--:|",
             "| **ours**: tokenize + features + stance + sentiment (with probabilities) "
             "| %s | %.1f | %.2f | **%.1f×** scikit-learn |" % (
                 fmt_rate(t["pipeline"]["quotes_per_s"]), t["pipeline"]["mb_per_s"], t["pipeline"]["us_per_quote"],
                 r_sk),
             ]
        if "pipeline_shared_tokens" in t:
            p.append("| ours, one tokenization shared by both models, each model's terms looked up apart "
                     "(st_tokenize + st_model_predict_tokens per model) | %s | %.1f | %.2f | %.1f× scikit-learn |" % (
                         fmt_rate(t["pipeline_shared_tokens"]["quotes_per_s"]), t["pipeline_shared_tokens"]["mb_per_s"],
                         t["pipeline_shared_tokens"]["us_per_quote"],
                         t["pipeline_shared_tokens"]["quotes_per_s"] / sk["quotes_per_s"]))
        p += ["| scikit-learn: TfidfVectorizer.transform + LinearSVC.predict, stance + sentiment, whole batch "
              "| %s | %.2f | %.2f | 1× |" % (fmt_rate(sk["quotes_per_s"]), sk["mb_per_s"], 1e6 / sk["quotes_per_s"])]
        if "sklearn_chars" in pred:
            skc = pred["sklearn_chars"]
            p.append("| scikit-learn with our default models' feature kinds (word 1-2-grams + `char_wb` 3-5-grams, "
                     "FeatureUnion), stance + sentiment, whole batch | %s | %.2f | %.2f | ours is **%.1f×** this |" % (
                         fmt_rate(skc["quotes_per_s"]), skc["mb_per_s"], 1e6 / skc["quotes_per_s"],
                         t["pipeline"]["quotes_per_s"] / skc["quotes_per_s"]))
        p += [
             "| **ours**: stance alone from text (tokenize + features + model + probabilities) | %s | %.1f | %.2f "
             "| **%.0f×** svm-predict |" % (fmt_rate(t["model0_text"]["quotes_per_s"]), t["model0_text"]["mb_per_s"],
                                             t["model0_text"]["us_per_quote"], r_svm_text),
             "| **ours**: stance alone from the same vectors (st_model_predict_vec) | %s | — | %.3f "
             "| **%.0f×** svm-predict |" % (fmt_rate(t["model0_vec"]["quotes_per_s"]), t["model0_vec"]["us_per_quote"],
                                             r_svm_vec),
             "| libsvm `svm-predict -b 1`, the stance model.svm (%s SVs) on those vectors, wall time "
             "| %s | — | %.2f | 1× |" % (pred["svm_total_sv"], fmt_rate(svm_qps), 1e6 / svm_qps)]
        lines.append("\n".join(p))
        shared = ""
        if "pipeline_shared_tokens" in t:
            shared = "; with one tokenization shared by both models: %.1f×" % (
                t["pipeline_shared_tokens"]["quotes_per_s"] / sk["quotes_per_s"])
        if "sklearn_chars" in pred:
            shared += "; against scikit-learn with our default feature kinds (words + char_wb 3-5): %.1f×" % (
                t["pipeline"]["quotes_per_s"] / pred["sklearn_chars"]["quotes_per_s"])
        verdict.append("- prediction ours / scikit-learn: **%.1f×** (target ≥ 20×, aim 50×): %s%s" % (
            r_sk, "PASS" if r_sk >= 20 else "FAIL", shared))
        verdict.append("- stance ours / svm-predict, same model and vectors: **%.0f×** (target ≥ 100×): %s; "
                       "from the text (tokenizing included): %.0f×" % (
                           r_svm_vec, "PASS" if r_svm_vec >= 100 else "FAIL", r_svm_text))
        verdict.append("- labels equal to svm-predict's: **%d / %d** (max |probability difference| %.2g; svm-predict "
                       "prints 6 digits): %s" % (nq - chk["label_mismatches"], nq, chk["max_prob_diff"],
                                                 "PASS" if chk["label_mismatches"] == 0 else "FAIL"))
        if pred.get("models_train_s") is not None:
            verdict.append("- default models trained here: `stance-train datasets/` (default options) in %.1f s" %
                           pred["models_train_s"])
        else:
            verdict.append("- default models: %s/stance and %s/sentiment" % (pred["models"], pred["models"]))
    lines.append("\n".join(verdict))
    lines.append("Command: `%s`  \nMachine: %s, %d cores, Python %s, load average %.1f at the start and %.1f at the "
                 "end; %s." % (command, platform.machine(), os.cpu_count() or 0, platform.python_version(), load[0],
                               os.getloadavg()[0], time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())))
    return "\n\n".join(lines) + "\n"


def update_readme(md):
    """Replaces the part of bench/README.md between the `latest results` markers with md."""
    path = os.path.join(HERE, "README.md")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return
    start, end = "<!-- latest results: start -->", "<!-- latest results: end -->"
    a, b = text.find(start), text.find(end)
    if a < 0 or b < a:
        return
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text[:a + len(start)] + "\n" + md + text[b:])
    os.replace(path + ".tmp", path)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--bin", default="", help="use these prebuilt programs instead of building")
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--datasets", default="")
    ap.add_argument("--ours-opts", default="")
    ap.add_argument("--no-tune", action="store_true")
    ap.add_argument("--skip-predict", action="store_true")
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--models", default="", help="time these models (DIR/stance, DIR/sentiment); default models/")
    ap.add_argument("--train-models", action="store_true", help="train the default models from datasets/ "
                    "into the work folder instead of timing models/")
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--work", default="")
    a = ap.parse_args(argv[1:])
    command = shlex.join(["/usr/bin/python3", "bench/compare.py"] + argv[1:])
    if not shutil.which("fasttext") or not shutil.which("svm-predict"):
        log("compare.py: needs fasttext and svm-predict (scripts/setup-deps.sh --bench)")
        return 2
    datasets = DATASETS
    if a.datasets:
        want = a.datasets.split(",")
        datasets = [d for d in DATASETS if d[0] in want]
        if len(datasets) != len(want):
            log("compare.py: unknown dataset in %s; known: %s" % (a.datasets, ", ".join(d[0] for d in DATASETS)))
            return 2
    t_start = time.perf_counter()
    load = os.getloadavg()
    if a.bin:
        bins = {n: os.path.join(a.bin, n) for n in ("stance-train", "stance-eval", "stance-bench-predict")}
    else:
        bins = build(a.build)
    work = a.work or tempfile.mkdtemp(prefix="stance-bench-")
    os.makedirs(work, exist_ok=True)
    rows, pred = [], None
    try:
        if not a.skip_quality:
            for name, folder in datasets:
                train = os.path.join(a.data, folder, "train.tsv")
                test = os.path.join(a.data, folder, "test.tsv")
                wd = os.path.join(work, name.replace("/", "-"))
                os.makedirs(wd, exist_ok=True)
                log("== %s" % name)
                r = {"name": name, "n_train": len(read_tsv(train)[0]), "n_test": len(read_tsv(test)[0])}
                r["ours"] = ours(bins, name, train, test, wd, shlex.split(a.ours_opts), not a.no_tune, a.data)
                log("    ours     macro-F1 %.4f  (%.1f s)" % (r["ours"]["macro_f1"], r["ours"]["train_s"]))
                r["sklearn"] = sklearn_baseline.evaluate(train, test)
                log("    sklearn  macro-F1 %.4f  C=%g (%.1f s)" % (r["sklearn"]["macro_f1"], r["sklearn"]["best_c"],
                                                                   r["sklearn"]["train_s"]))
                r["fasttext"] = fasttext(train, test, wd)
                log("    fastText macro-F1 %.4f  (%.1f s)" % (r["fasttext"]["macro_f1"], r["fasttext"]["train_s"]))
                rows.append(r)
        if not a.skip_predict:
            log("== prediction throughput")
            pred = prediction(bins, a.data, work, datasets, a.models, a.train_models)
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)
    md = table(rows, pred, command, load)
    md += "Total benchmark time: %.0f s.\n" % (time.perf_counter() - t_start)
    sys.stdout.write(md)
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w", encoding="utf-8") as f:
            f.write("# Benchmark: latest results\n\n" + md)
        with open(os.path.splitext(a.out)[0] + ".json", "w", encoding="utf-8") as f:
            json.dump({"datasets": rows, "prediction": pred, "command": command}, f, indent=1)
        if os.path.abspath(a.out) == os.path.abspath(DEFAULT_OUT) and rows and pred:
            update_readme(md)
    if pred and pred["libsvm_check"]["label_mismatches"]:
        log("compare.py: %d labels differ from svm-predict's" % pred["libsvm_check"]["label_mismatches"])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
