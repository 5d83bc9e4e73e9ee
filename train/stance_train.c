/* stance-train - trains one model folder per task from labelled datasets.
 *
 *   stance-train DATASETS_DIR [-o MODELS_DIR] [options]
 *       every sub-folder of DATASETS_DIR (e.g. stance/, sentiment/) is a task: MODELS_DIR/<task>/
 *   stance-train --task NAME -o DIR FILE_OR_FOLDER [options]
 *       any labelled file or folder (any number of labels) into DIR/NAME/
 *
 * Prints per task the examples per label, the grid (C -> CV macro-F1), the chosen C, CV accuracy
 * and macro-F1, per-label precision/recall and the confusion matrix. Bad dataset lines go to
 * stderr as `FILE:LINE: message`. Exit status: 0 success, 1 error, 2 usage error. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "st_dataset.h"
#include "st_model.h"
#include "st_train.h"

#define MAX_GRID 32

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: stance-train DATASETS_DIR [-o MODELS_DIR] [options]\n"
        "       stance-train --task NAME -o DIR FILE_OR_FOLDER [options]\n"
        "options:\n"
        "  -o, --output DIR      where model folders go (default models/)\n"
        "  --task NAME           train FILE_OR_FOLDER as one task into DIR/NAME/\n"
        "  --folds K             k-fold cross-validation (default 5; 0 = none, first C)\n"
        "  --seed N              seed for folds and libsvm's Platt CV (default 1)\n"
        "  --c-grid LIST         values of C, e.g. \"0.1,1,10\" (default 0.1,0.3,1,3,10)\n"
        "  --no-probability      no Platt probabilities (labels from the decision function)\n"
        "  --no-class-weights    do not weight C by inverse class frequency\n"
        "  --solver NAME         libsvm (default) or liblinear (one-vs-one L2-loss SVC, much\n"
        "                        faster on large datasets; same model files)\n"
        "  --cv-solver NAME     solver of the cross-validation that chooses C: hinge (default\n"
        "                        with libsvm: liblinear's hinge-loss dual, libsvm's problem, much faster),\n"
        "                        libsvm, or liblinear (squared hinge; default with --solver liblinear)\n"
        "  --min-df N            keep terms in at least N training documents (default 2)\n"
        "  --ngrams MIN-MAX      word n-gram range, 1 <= MIN <= MAX <= 3 (default 1-2)\n"
        "  --char-ngrams MIN-MAX character n-grams of each word (default 3-5; 0 = off)\n"
        "  --no-negation         do not mark words in negation scope with NOT_\n"
        "  --punct LEVEL         punctuation as word tokens: 0 none (default), 1 '?' and '!',\n"
        "                        2 every punctuation mark and symbol\n"
        "  --max-features N      keep the N most frequent terms (default 0 = all)\n"
        "  --lexicon FILE        add a category token (#lex:positive...) per word found in FILE, lines\n"
        "                        label<TAB>term (e.g. ../shared/data/lexicons/bingliu_opinion.tsv;\n"
        "                        a numeric label is a valence: its sign gives the category); the\n"
        "                        model's vocab.tsv carries the lexicon (default: none)\n"
        "  -h, --help            this text\n");
}

static void print_warning(const st_error *e, void *ud)
{
    long *count = ud;
    (*count)++;
    if (e->line > 0)
        fprintf(stderr, "%s:%ld: %s\n", e->where, e->line, e->message);
    else
        fprintf(stderr, "%s: %s\n", e->where, e->message);
}

static void print_error(const char *what, st_status rc, const st_error *e)
{
    if (e->where[0] && e->line > 0)
        fprintf(stderr, "stance-train: %s: %s:%ld: %s\n", what, e->where, e->line, e->message);
    else if (e->where[0])
        fprintf(stderr, "stance-train: %s: %s: %s\n", what, e->where,
                e->message[0] ? e->message : st_strerror(rc));
    else
        fprintf(stderr, "stance-train: %s: %s\n", what, e->message[0] ? e->message : st_strerror(rc));
}

/* Parses "0.1,1,10" into grid; returns the count, or -1 on a bad value. Programs never call
 * setlocale, so strtod reads '.' decimals. */
static int parse_grid(const char *s, double *grid)
{
    int n = 0;
    while (*s) {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || errno || !(v > 0) || n == MAX_GRID)
            return -1;
        grid[n++] = v;
        while (*end == ' ')
            end++;
        if (*end == ',')
            end++;
        else if (*end)
            return -1;
        s = end;
    }
    return n;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

/* Parses "MIN-MAX" (or a single "N", meaning N-N) with lo <= MIN <= MAX <= hi. Returns 0 or -1. */
static int parse_range(const char *s, int lo, int hi, int *min, int *max)
{
    char buf[32];
    const char *dash = strchr(s, '-');
    int a = 0, b = 0;
    if (!dash) {
        if (parse_int(s, lo, hi, &a) != 0)
            return -1;
        *min = *max = a;
        return 0;
    }
    size_t n = (size_t)(dash - s);
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (parse_int(buf, lo, hi, &a) != 0 || parse_int(dash + 1, lo, hi, &b) != 0 || a > b)
        return -1;
    *min = a;
    *max = b;
    return 0;
}

static void print_report(const st_dataset *ds, const st_train_report *rep)
{
    int n = ds->n_labels;
    size_t w = 5;
    for (int c = 0; c < n; c++)
        if (strlen(ds->label_names[c]) > w)
            w = strlen(ds->label_names[c]);
    printf("examples per label:\n");
    for (int c = 0; c < n; c++) {
        long cnt = 0;
        for (size_t i = 0; i < ds->n; i++)
            cnt += ds->labels[i] == c;
        printf("  %-*s %6ld\n", (int)w, ds->label_names[c], cnt);
    }
    if (rep->folds > 1) {
        printf("grid (C -> CV macro-F1, %d folds):\n", rep->folds);
        for (size_t g = 0; g < rep->grid_n; g++)
            printf("  C=%-8g %.4f%s\n", rep->grid_c[g], rep->grid_macro_f1[g],
                   rep->grid_c[g] == rep->best_c ? "  <- chosen" : "");
    } else {
        printf("no cross-validation (--folds %d): C is the first grid value\n", rep->folds);
    }
    printf("chosen C: %g\n", rep->best_c);
    if (rep->folds > 1) {
        double *p = calloc((size_t)n * 3, sizeof *p);
        if (!p)
            return;
        st_scores_compute(rep->confusion, n, p, p + n, p + 2 * n, NULL, NULL);
        printf("CV accuracy: %.4f\nCV macro-F1: %.4f\n", rep->cv_accuracy, rep->cv_macro_f1);
        printf("per label (CV):\n  %-*s %9s %9s %9s\n", (int)w, "label", "precision", "recall", "F1");
        for (int c = 0; c < n; c++)
            printf("  %-*s %9.4f %9.4f %9.4f\n", (int)w, ds->label_names[c], p[c], p[n + c], p[2 * n + c]);
        printf("confusion (CV; rows gold, columns predicted):\n  %-*s", (int)w, "");
        for (int c = 0; c < n; c++)
            printf(" %*s", (int)(strlen(ds->label_names[c]) > 6 ? strlen(ds->label_names[c]) : 6),
                   ds->label_names[c]);
        printf("\n");
        for (int r = 0; r < n; r++) {
            printf("  %-*s", (int)w, ds->label_names[r]);
            for (int c = 0; c < n; c++)
                printf(" %*ld", (int)(strlen(ds->label_names[c]) > 6 ? strlen(ds->label_names[c]) : 6),
                       rep->confusion[(size_t)r * n + c]);
            printf("\n");
        }
        free(p);
    }
    printf("features: %zu; probabilities: %s\n", rep->n_features,
           rep->has_probability ? "yes (Platt)" : "no (decision-function labels)");
}

/* Loads path, trains task into out_dir. Returns 0 or 1. */
static int train_task(const char *task, const char *path, const char *out_dir, st_train_options opt)
{
    st_dataset ds;
    st_dataset_init(&ds);
    st_error err = {{0}, 0, {0}};
    st_train_report rep;
    memset(&rep, 0, sizeof rep);
    long warnings = 0;
    int status = 1;
    st_status rc = st_dataset_load(&ds, path, print_warning, &warnings, &err);
    if (rc != ST_OK) {
        print_error("cannot read dataset", rc, &err);
        goto out_free;
    }
    printf("== task %s: %zu examples, %d labels from %s", task, ds.n, ds.n_labels, path);
    if (warnings)
        printf(" (%ld bad lines skipped)", warnings);
    printf("\n");
    fflush(stdout);
    opt.task = task;
    if ((rc = st_train(&ds, &opt, out_dir, &rep, &err)) != ST_OK) {
        print_error(task, rc, &err);
        goto out_free;
    }
    print_report(&ds, &rep);
    st_model *m = NULL;
    if ((rc = st_model_load(out_dir, &m, &err)) != ST_OK) {
        print_error("the written model does not load", rc, &err);
        goto out_free;
    }
    printf("wrote %s (version %s)\n\n", out_dir, st_model_version(m));
    st_model_free(&m);
    status = 0;
out_free:
    st_train_report_free(&rep);
    st_dataset_free(&ds);
    fflush(stdout);
    return status;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s%s", a, a[0] && a[strlen(a) - 1] == '/' ? "" : "/", b);
    return p;
}

/* Trains every task sub-folder of dir into models/<task>. Returns 0 or 1. */
static int train_all(const char *dir, const char *models, const st_train_options *opt)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "stance-train: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256) {
        if (e->d_name[0] == '.')
            continue;
        char *p = join(dir, e->d_name);
        struct stat st;
        if (p && stat(p, &st) == 0 && S_ISDIR(st.st_mode))
            names[n++] = strdup(e->d_name);
        free(p);
    }
    closedir(d);
    if (n == 0) {
        fprintf(stderr, "stance-train: %s has no task folders (use --task NAME for one dataset)\n", dir);
        return 1;
    }
    qsort(names, n, sizeof *names, cmp_names);
    int status = 0;
    for (size_t i = 0; i < n; i++) {
        char *src = names[i] ? join(dir, names[i]) : NULL;
        char *dst = names[i] ? join(models, names[i]) : NULL;
        if (!src || !dst) {
            fprintf(stderr, "stance-train: out of memory\n");
            status = 1;
        } else if (train_task(names[i], src, dst, *opt) != 0) {
            status = 1;
        }
        free(src);
        free(dst);
        free(names[i]);
    }
    return status;
}

int main(int argc, char **argv)
{
    st_train_options opt = st_train_options_default();
    double grid[MAX_GRID];
    const char *out = NULL, *task = NULL, *input = NULL, *lexicon = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--no-probability") == 0) {
            opt.probability = 0;
            takes = 0;
        } else if (strcmp(a, "--no-negation") == 0) {
            opt.features.tok.negation = 0;
            takes = 0;
        } else if (strcmp(a, "--no-class-weights") == 0) {
            opt.class_weights = 0;
            takes = 0;
        } else if (a[0] == '-' && a[1] != '\0') {
            if (!val) {
                fprintf(stderr, "stance-train: %s needs a value\n", a);
                usage(stderr);
                return 2;
            }
            int bad = 0, iv = 0;
            if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
                out = val;
            } else if (strcmp(a, "--task") == 0) {
                task = val;
                bad = !*val || strchr(val, '/') != NULL || val[0] == '.';
            } else if (strcmp(a, "--folds") == 0) {
                bad = parse_int(val, 0, 100, &iv) != 0;
                opt.folds = iv;
            } else if (strcmp(a, "--seed") == 0) {
                bad = parse_int(val, 0, 2147483647, &iv) != 0;
                opt.seed = (unsigned)iv;
            } else if (strcmp(a, "--min-df") == 0) {
                bad = parse_int(val, 1, 1000000, &iv) != 0;
                opt.features.min_df = iv;
            } else if (strcmp(a, "--ngrams") == 0) {
                bad = parse_range(val, 1, 3, &opt.features.ngram_min, &opt.features.ngram_max) != 0;
            } else if (strcmp(a, "--char-ngrams") == 0) {
                bad = parse_range(val, 0, 8, &opt.features.char_ngram_min, &opt.features.char_ngram_max) != 0;
            } else if (strcmp(a, "--punct") == 0) {
                bad = parse_int(val, 0, 2, &iv) != 0;
                opt.features.tok.punct = iv;
            } else if (strcmp(a, "--max-features") == 0) {
                bad = parse_int(val, 0, 100000000, &iv) != 0;
                opt.features.max_features = iv;
            } else if (strcmp(a, "--solver") == 0) {
                bad = strcmp(val, "libsvm") != 0 && strcmp(val, "liblinear") != 0;
                opt.solver = strcmp(val, "liblinear") == 0 ? ST_SOLVER_LIBLINEAR : ST_SOLVER_LIBSVM;
            } else if (strcmp(a, "--cv-solver") == 0) {
                bad =
                    strcmp(val, "libsvm") != 0 && strcmp(val, "liblinear") != 0 && strcmp(val, "hinge") != 0;
                opt.cv_solver = strcmp(val, "libsvm") == 0      ? ST_SOLVER_LIBSVM
                                : strcmp(val, "liblinear") == 0 ? ST_SOLVER_LIBLINEAR
                                                                : ST_SOLVER_LIBLINEAR_HINGE;
            } else if (strcmp(a, "--lexicon") == 0) {
                lexicon = val;
            } else if (strcmp(a, "--c-grid") == 0) {
                int n = parse_grid(val, grid);
                bad = n <= 0;
                opt.c_grid = grid;
                opt.c_grid_n = n > 0 ? (size_t)n : 0;
            } else {
                fprintf(stderr, "stance-train: unknown option %s\n", a);
                usage(stderr);
                return 2;
            }
            if (bad) {
                fprintf(stderr, "stance-train: bad value for %s: %s\n", a, val);
                return 2;
            }
        } else if (!input) {
            input = a;
            takes = 0;
        } else {
            fprintf(stderr, "stance-train: unexpected argument %s\n", a);
            usage(stderr);
            return 2;
        }
        i += takes;
    }
    if (!input) {
        usage(stderr);
        return 2;
    }
    if (task && !out) {
        fprintf(stderr, "stance-train: --task needs -o DIR\n");
        return 2;
    }
    st_lexicon *lex = NULL;
    if (lexicon) { /* after every option: the lexicon is tokenized with the final tokenizer settings */
        st_error err = {{0}, 0, {0}};
        st_status rc = st_lexicon_load(lexicon, &opt.features.tok, &lex, &err);
        if (rc != ST_OK) {
            print_error("cannot read the lexicon", rc, &err);
            return 1;
        }
        opt.lexicon = lex;
    }
    int status = 1;
    if (task) {
        char *dst = join(out, task);
        if (dst)
            status = train_task(task, input, dst, opt);
        free(dst);
    } else {
        status = train_all(input, out ? out : "models", &opt);
    }
    st_lexicon_free(&lex);
    return status;
}
