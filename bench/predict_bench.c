/* predict_bench.c - stance-bench-predict: prediction throughput of one or more model folders.
 *
 * Usage: stance-bench-predict [options] MODEL_DIR [MODEL_DIR ...] QUOTES
 *   QUOTES      a file of already-extracted quotes, read whole into memory: one quote per line; a
 *               `.tsv` file is `label<TAB>text` (the label is kept for --dump-libsvm), any other
 *               file is plain text. Blank lines are skipped.
 *   --passes N  passes over all quotes inside one timed run (default 5)
 *   --repeat R  timed runs; the best (shortest) is reported (default 3)
 *   --json      print one JSON object instead of the text report
 *   --dump-libsvm FILE   write the first model's feature vectors of the quotes in libsvm format
 *               (`label idx:val ...`, values with %.17g; label = the quote's gold label when it is
 *               one of the model's labels, else the model's first label, as libsvm's integer
 *               label from model.svm) and exit
 *   --check-libsvm FILE  compare the output of `svm-predict -b 1` (or without -b) on those vectors
 *               with the first model's labels (and probabilities when -b 1) quote by quote; exit 1
 *               on any label mismatch
 *
 * What is timed, after one untimed warm-up pass so buffers have grown: `tokenize` (st_tokenize
 * alone); `pipeline`, the headline: every model per quote with st_model_group_predict_text (one
 * tokenization, each term occurrence generated and looked up once for all models, then each
 * model's decision values and Platt probabilities: the work a server does per quote);
 * `pipeline_separate`, every model per quote with its own st_model_predict_text without a vector
 * (tokenize + features + decision values + Platt probabilities, per model); `pipeline_shared_tokens`, the
 * variant when the models' tokenizer settings agree: one st_tokenize per quote, then
 * st_model_predict_tokens per model (core/classify.c without merged vocabularies); `pipeline_shared_vectors`, the
 * same with st_featurize_tokens + st_model_predict_vec (sorted vectors, as for explanations);
 * `modelK_text`, each model alone from text; `model0_vec`, the first model's st_model_predict_vec
 * over pre-computed vectors (the linear model alone, as svm-predict does it). Before timing, every
 * quote is predicted with and without a vector and the two must agree (labels, and decision values
 * and probabilities to 1e-9); the group's predictions must equal st_model_predict_text's bit for
 * bit; the shared paths' labels must equal the pipeline's. Reported: quotes/s
 * and MB/s of quote bytes, and us/quote. Single-threaded; times are CLOCK_MONOTONIC.
 * Exit status: 0 on success, 1 on a libsvm mismatch, 2 on usage or I/O errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "st_common.h"
#include "st_features.h"
#include "st_model.h"
#include "st_tokenize.h"

#define MAX_MODELS 8

/* The quotes, one buffer for all of them; quote i is buf[off[i] .. off[i] + len[i]). */
typedef struct quotes {
    char *buf;
    size_t *off, *len;
    size_t *label_off, *label_len; /* gold label of a .tsv line (len 0 when absent) */
    size_t n;
    size_t bytes; /* sum of len[] */
} quotes;

typedef struct options {
    int passes, repeat, json;
    const char *dump_path, *check_path;
    const char *model_dirs[MAX_MODELS];
    int n_models;
    const char *quotes_path;
} options;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: stance-bench-predict [--passes N] [--repeat R] [--json] [--dump-libsvm FILE]\n"
               "                            [--check-libsvm FILE] MODEL_DIR [MODEL_DIR ...] QUOTES\n"
               "Times st_model_predict_text of every model over every quote (best of R runs of N passes)\n"
               "and prints quotes/s and MB/s. QUOTES: one quote per line; a .tsv file is label<TAB>text.\n");
}

static int parse_positive(const char *s, int *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > 1000000)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_args(int argc, char **argv, options *o)
{
    const char *pos[MAX_MODELS + 1];
    int n_pos = 0;
    memset(o, 0, sizeof(*o));
    o->passes = 5;
    o->repeat = 3;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--json")) {
            o->json = 1;
        } else if ((!strcmp(a, "--passes") || !strcmp(a, "--repeat")) && i + 1 < argc) {
            if (parse_positive(argv[i + 1], a[2] == 'p' ? &o->passes : &o->repeat)) {
                fprintf(stderr, "stance-bench-predict: %s wants a positive integer, not '%s'\n", a,
                        argv[i + 1]);
                return -1;
            }
            i++;
        } else if (!strcmp(a, "--dump-libsvm") && i + 1 < argc) {
            o->dump_path = argv[++i];
        } else if (!strcmp(a, "--check-libsvm") && i + 1 < argc) {
            o->check_path = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "stance-bench-predict: unknown or incomplete option '%s'\n", a);
            return -1;
        } else {
            if (n_pos == MAX_MODELS + 1) {
                fprintf(stderr, "stance-bench-predict: at most %d model folders\n", MAX_MODELS);
                return -1;
            }
            pos[n_pos++] = a;
        }
    }
    if (n_pos < 2)
        return -1;
    for (int i = 0; i < n_pos - 1; i++)
        o->model_dirs[i] = pos[i];
    o->n_models = n_pos - 1;
    o->quotes_path = pos[n_pos - 1];
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

static void quotes_free(quotes *q)
{
    free(q->buf);
    free(q->off);
    free(q->len);
    free(q->label_off);
    free(q->label_len);
    memset(q, 0, sizeof(*q));
}

/* Reads path whole and splits it into quotes (see the usage). Returns 0, or -1 with a message. */
static int quotes_read(const char *path, quotes *q)
{
    FILE *f;
    long size;
    size_t cap = 0;
    int tsv = ends_with(path, ".tsv");
    memset(q, 0, sizeof(*q));
    if (!(f = fopen(path, "rb"))) {
        fprintf(stderr, "stance-bench-predict: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        fprintf(stderr, "stance-bench-predict: %s: cannot size the file\n", path);
        goto out_close;
    }
    if (!(q->buf = malloc((size_t)size + 1)) || fread(q->buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "stance-bench-predict: %s: cannot read %ld bytes\n", path, size);
        goto out_close;
    }
    fclose(f);
    q->buf[size] = '\0';
    for (size_t i = 0; i < (size_t)size;) {
        size_t start = i, end, text = start, label_len = 0;
        while (i < (size_t)size && q->buf[i] != '\n')
            i++;
        end = i++;
        if (end > start && q->buf[end - 1] == '\r')
            end--;
        if (tsv) {
            const char *tab = memchr(q->buf + start, '\t', end - start);
            if (tab) {
                label_len = (size_t)(tab - (q->buf + start));
                text = (size_t)(tab - q->buf) + 1;
                const char *tab2 = memchr(q->buf + text, '\t', end - text);
                if (tab2) /* extra columns after the text are ignored, as the trainer does */
                    end = (size_t)(tab2 - q->buf);
            }
        }
        if (end == text)
            continue;
        if (q->n == cap) {
            size_t ncap = cap ? cap * 2 : 1024;
            size_t *a = realloc(q->off, ncap * sizeof(*a)), *b, *c, *d;
            if (a)
                q->off = a;
            b = a ? realloc(q->len, ncap * sizeof(*b)) : NULL;
            if (b)
                q->len = b;
            c = b ? realloc(q->label_off, ncap * sizeof(*c)) : NULL;
            if (c)
                q->label_off = c;
            d = c ? realloc(q->label_len, ncap * sizeof(*d)) : NULL;
            if (!d) {
                fprintf(stderr, "stance-bench-predict: out of memory\n");
                goto out_free;
            }
            q->label_len = d;
            cap = ncap;
        }
        q->off[q->n] = text;
        q->len[q->n] = end - text;
        q->label_off[q->n] = start;
        q->label_len[q->n] = label_len;
        q->bytes += end - text;
        q->n++;
        q->buf[end] = '\0'; /* each quote NUL-terminated too, for callers that want it */
    }
    if (q->n == 0) {
        fprintf(stderr, "stance-bench-predict: %s holds no quotes\n", path);
        goto out_free;
    }
    return 0;
out_close:
    fclose(f);
out_free:
    quotes_free(q);
    return -1;
}

/* Reads the `label` line of dir/model.svm: ints[i] is libsvm's integer label of st_model_label(m, i).
 * Returns 0, or -1 with a message. */
static int read_svm_labels(const char *dir, int nr_class, int *ints)
{
    char path[4096], line[4096];
    FILE *f;
    int found = 0;
    snprintf(path, sizeof(path), "%s/model.svm", dir);
    if (!(f = fopen(path, "r"))) {
        fprintf(stderr, "stance-bench-predict: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        if (!strcmp(line, "SV\n"))
            break;
        if (!strncmp(line, "label ", 6)) {
            char *p = line + 6, *end;
            int i;
            for (i = 0; i < nr_class; i++) {
                long v = strtol(p, &end, 10);
                if (end == p)
                    break;
                ints[i] = (int)v;
                p = end;
            }
            found = i == nr_class;
            break;
        }
    }
    fclose(f);
    if (!found) {
        fprintf(stderr, "stance-bench-predict: %s: no `label` line with %d labels\n", path, nr_class);
        return -1;
    }
    return 0;
}

/* Index of the quote's gold label among the model's labels, or 0 when absent. */
static int gold_index(const st_model *m, const quotes *q, size_t i)
{
    const char *g = q->buf + q->label_off[i];
    size_t gl = q->label_len[i];
    for (int k = 0; k < st_model_nr_class(m); k++) {
        const char *name = st_model_label(m, k);
        if (strlen(name) == gl && !memcmp(name, g, gl))
            return k;
    }
    return 0;
}

static int dump_libsvm(const options *o, const st_model *m, const quotes *q, st_featurize_scratch *scratch,
                       st_svec *x)
{
    int ints[ST_MAX_LABELS];
    FILE *f;
    if (read_svm_labels(o->model_dirs[0], st_model_nr_class(m), ints))
        return -1;
    if (!(f = fopen(o->dump_path, "w"))) {
        fprintf(stderr, "stance-bench-predict: %s: %s\n", o->dump_path, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < q->n; i++) {
        st_status rc = st_featurize(st_model_vocab(m), q->buf + q->off[i], q->len[i], scratch, x);
        if (rc != ST_OK) {
            fprintf(stderr, "stance-bench-predict: quote %zu: %s\n", i + 1, st_strerror(rc));
            fclose(f);
            return -1;
        }
        fprintf(f, "%d", ints[gold_index(m, q, i)]);
        for (size_t k = 0; k < x->n; k++)
            fprintf(f, " %d:%.17g", x->index[k], x->value[k]);
        fputc('\n', f);
    }
    if (fclose(f)) {
        fprintf(stderr, "stance-bench-predict: %s: %s\n", o->dump_path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Compares svm-predict's output file with our predictions for the first model (the fast path,
 * st_model_predict_text without a vector, as the server predicts). Prints one line.
 * Returns 0 when every label agrees, 1 on a mismatch, -1 on errors. */
static int check_libsvm(const options *o, const st_model *m, const quotes *q, st_featurize_scratch *scratch)
{
    int ints[ST_MAX_LABELS], col[ST_MAX_LABELS], n_cols = 0, nr = st_model_nr_class(m);
    char line[8192];
    size_t i = 0, mismatches = 0;
    double max_diff = 0;
    FILE *f;
    if (read_svm_labels(o->model_dirs[0], nr, ints))
        return -1;
    if (!(f = fopen(o->check_path, "r"))) {
        fprintf(stderr, "stance-bench-predict: %s: %s\n", o->check_path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        char *p = line, *end;
        st_prediction pred;
        long lab;
        if (!strncmp(line, "labels ", 7)) { /* -b 1 header: probability columns in this label order */
            p = line + 7;
            for (n_cols = 0; n_cols < nr; n_cols++) {
                long v = strtol(p, &end, 10);
                if (end == p)
                    break;
                col[n_cols] = -1;
                for (int k = 0; k < nr; k++)
                    if (ints[k] == v)
                        col[n_cols] = k;
                p = end;
            }
            continue;
        }
        if (i == q->n) {
            fprintf(stderr, "stance-bench-predict: %s has more lines than there are quotes\n", o->check_path);
            goto out_error;
        }
        lab = strtol(p, &end, 10);
        if (end == p) {
            fprintf(stderr, "stance-bench-predict: %s:%zu: no label\n", o->check_path, i + 1);
            goto out_error;
        }
        if (st_model_predict_text(m, q->buf + q->off[i], q->len[i], scratch, NULL, &pred) !=
            ST_OK) { /* fast path */
            fprintf(stderr, "stance-bench-predict: quote %zu: prediction failed\n", i + 1);
            goto out_error;
        }
        if (ints[pred.label] != lab) {
            if (mismatches < 5)
                fprintf(stderr, "mismatch at quote %zu: svm-predict %ld, stance %d (%s)\n", i + 1, lab,
                        ints[pred.label], st_model_label(m, pred.label));
            mismatches++;
        }
        p = end;
        for (int c = 0; c < n_cols && pred.has_prob; c++) {
            double v = strtod(p, &end); /* svm-predict prints %g: C locale digits, never a comma */
            double d;
            if (end == p || col[c] < 0)
                break;
            d = v - pred.prob[col[c]];
            if (d < 0)
                d = -d;
            if (d > max_diff)
                max_diff = d;
            p = end;
        }
        i++;
    }
    fclose(f);
    if (i != q->n) {
        fprintf(stderr, "stance-bench-predict: %s has %zu lines for %zu quotes\n", o->check_path, i, q->n);
        return -1;
    }
    if (o->json)
        printf("{\"libsvm_check\":{\"quotes\":%zu,\"label_mismatches\":%zu,\"max_prob_diff\":%.3g}}\n", q->n,
               mismatches, max_diff);
    else
        printf("libsvm check: %zu/%zu labels equal to svm-predict's, max |prob diff| %.3g (svm-predict "
               "prints 6 digits)\n",
               q->n - mismatches, q->n, max_diff);
    return mismatches ? 1 : 0;
out_error:
    fclose(f);
    return -1;
}

typedef struct timing {
    double best_s;
    long checksum; /* sum of predicted labels, so the work cannot be optimised away */
} timing;

/* Times `passes` passes of st_model_predict_text (x NULL: the fast path) of models[which] (which < 0:
 * all models, in order, per quote) over all quotes, best of `repeat`. */
static int time_text(st_model *const *models, int n_models, int which, const quotes *q, int passes,
                     int repeat, st_featurize_scratch *scratch, timing *t)
{
    t->best_s = -1;
    for (int r = 0; r < repeat; r++) {
        long sum = 0;
        double t0 = now_seconds(), dt;
        for (int p = 0; p < passes; p++) {
            for (size_t i = 0; i < q->n; i++) {
                for (int k = which < 0 ? 0 : which; k < (which < 0 ? n_models : which + 1); k++) {
                    st_prediction pred;
                    if (st_model_predict_text(models[k], q->buf + q->off[i], q->len[i], scratch, NULL,
                                              &pred) != ST_OK)
                        return -1;
                    sum += pred.label;
                }
            }
        }
        dt = now_seconds() - t0;
        if (t->best_s < 0 || dt < t->best_s)
            t->best_s = dt;
        t->checksum = sum;
    }
    return 0;
}

/* Times `passes` passes of st_model_group_predict_text of g over all quotes, best of `repeat`. */
static int time_group(const st_model_group *g, const quotes *q, int passes, int repeat,
                      st_featurize_scratch *scratch, timing *t)
{
    st_prediction pred[MAX_MODELS];
    size_t n = st_model_group_size(g);
    t->best_s = -1;
    for (int r = 0; r < repeat; r++) {
        long sum = 0;
        double t0 = now_seconds(), dt;
        for (int p = 0; p < passes; p++) {
            for (size_t i = 0; i < q->n; i++) {
                if (st_model_group_predict_text(g, q->buf + q->off[i], q->len[i], scratch, pred) != ST_OK)
                    return -1;
                for (size_t k = 0; k < n; k++)
                    sum += pred[k].label;
            }
        }
        dt = now_seconds() - t0;
        if (t->best_s < 0 || dt < t->best_s)
            t->best_s = dt;
        t->checksum = sum;
    }
    return 0;
}

/* 1 when a and b are the same prediction to the last bit (label, decision values, probabilities). */
static int same_prediction(const st_prediction *a, const st_prediction *b)
{
    int np = a->nr_class * (a->nr_class - 1) / 2;
    return a->label == b->label && a->has_prob == b->has_prob && a->nr_class == b->nr_class &&
           !memcmp(a->dec, b->dec, (size_t)np * sizeof(a->dec[0])) &&
           !memcmp(a->prob, b->prob, (size_t)a->nr_class * sizeof(a->prob[0]));
}

/* Returns the number of (quote, model) predictions where st_model_group_predict_text differs from
 * st_model_predict_text (fast path) in any bit, or -1 on errors. */
static long check_group(const st_model_group *g, st_model *const *models, const quotes *q,
                        st_featurize_scratch *scratch)
{
    st_prediction pred[MAX_MODELS], one;
    long bad = 0;
    for (size_t i = 0; i < q->n; i++) {
        if (st_model_group_predict_text(g, q->buf + q->off[i], q->len[i], scratch, pred) != ST_OK)
            return -1;
        for (size_t k = 0; k < st_model_group_size(g); k++) {
            if (st_model_predict_text(models[k], q->buf + q->off[i], q->len[i], scratch, NULL, &one) != ST_OK)
                return -1;
            bad += !same_prediction(&pred[k], &one);
        }
    }
    return bad;
}

/* Times the pipeline with one tokenization per quote shared by all models, as time_text; only
 * valid when every model's tokenizer config equals the first's (tokens_shareable). vectors 0: the
 * hot path, st_tokenize then st_model_predict_tokens per model; 1: st_tokenize then
 * st_featurize_tokens + st_model_predict_vec per model (sorted vectors, as for explanations). */
static int time_shared(st_model *const *models, int n_models, const quotes *q, int passes, int repeat,
                       int vectors, st_tokens *toks, st_featurize_scratch *scratch, st_svec *x, timing *t)
{
    const st_tokenizer_config *tok = &st_vocab_config(st_model_vocab(models[0]))->tok;
    t->best_s = -1;
    for (int r = 0; r < repeat; r++) {
        long sum = 0;
        double t0 = now_seconds(), dt;
        for (int p = 0; p < passes; p++) {
            for (size_t i = 0; i < q->n; i++) {
                if (st_tokenize(tok, q->buf + q->off[i], q->len[i], toks) != ST_OK)
                    return -1;
                for (int k = 0; k < n_models; k++) {
                    st_prediction pred;
                    if (vectors) {
                        if (st_featurize_tokens(st_model_vocab(models[k]), toks, scratch, x) != ST_OK)
                            return -1;
                        st_model_predict_vec(models[k], x, &pred);
                    } else if (st_model_predict_tokens(models[k], toks, scratch, &pred) != ST_OK) {
                        return -1;
                    }
                    sum += pred.label;
                }
            }
        }
        dt = now_seconds() - t0;
        if (t->best_s < 0 || dt < t->best_s)
            t->best_s = dt;
        t->checksum = sum;
    }
    return 0;
}

/* Times st_tokenize alone under the first model's settings, as time_text (checksum: tokens). */
static int time_tokenize(const st_model *m, const quotes *q, int passes, int repeat, st_tokens *toks,
                         timing *t)
{
    const st_tokenizer_config *tok = &st_vocab_config(st_model_vocab(m))->tok;
    t->best_s = -1;
    for (int r = 0; r < repeat; r++) {
        long sum = 0;
        double t0 = now_seconds(), dt;
        for (int p = 0; p < passes; p++)
            for (size_t i = 0; i < q->n; i++) {
                if (st_tokenize(tok, q->buf + q->off[i], q->len[i], toks) != ST_OK)
                    return -1;
                sum += (long)toks->n;
            }
        dt = now_seconds() - t0;
        if (t->best_s < 0 || dt < t->best_s)
            t->best_s = dt;
        t->checksum = sum;
    }
    return 0;
}

/* Predicts every quote with every model both ways, st_model_predict_text with a vector (x) and
 * without (the fast path), and compares: returns the number of label mismatches (-1 on errors) and
 * sets *max_diff to the largest |difference| of a decision value or probability. */
static long check_fast_path(st_model *const *models, int n_models, const quotes *q,
                            st_featurize_scratch *scratch, st_svec *x, double *max_diff)
{
    long bad = 0;
    *max_diff = 0;
    for (size_t i = 0; i < q->n; i++)
        for (int k = 0; k < n_models; k++) {
            st_prediction a, b;
            if (st_model_predict_text(models[k], q->buf + q->off[i], q->len[i], scratch, x, &a) != ST_OK ||
                st_model_predict_text(models[k], q->buf + q->off[i], q->len[i], scratch, NULL, &b) != ST_OK)
                return -1;
            bad += a.label != b.label;
            int np = a.nr_class * (a.nr_class - 1) / 2;
            for (int p = 0; p < np; p++) {
                double d = a.dec[p] > b.dec[p] ? a.dec[p] - b.dec[p] : b.dec[p] - a.dec[p];
                if (d > *max_diff)
                    *max_diff = d;
            }
            for (int c = 0; c < a.nr_class; c++) {
                double d = a.prob[c] > b.prob[c] ? a.prob[c] - b.prob[c] : b.prob[c] - a.prob[c];
                if (d > *max_diff)
                    *max_diff = d;
            }
        }
    return bad;
}

/* 1 when every model tokenizes like the first (so one token list can serve them all). */
static int tokens_shareable(st_model *const *models, int n_models)
{
    const st_tokenizer_config *a = &st_vocab_config(st_model_vocab(models[0]))->tok;
    for (int k = 1; k < n_models; k++) {
        const st_tokenizer_config *b = &st_vocab_config(st_model_vocab(models[k]))->tok;
        if (!st_tokenizer_config_equal(a, b))
            return 0;
    }
    return 1;
}

/* Times st_model_predict_vec of m over vecs[0..n), as time_text. */
static void time_vec(const st_model *m, const st_svec *vecs, size_t n, int passes, int repeat, timing *t)
{
    t->best_s = -1;
    for (int r = 0; r < repeat; r++) {
        long sum = 0;
        double t0 = now_seconds(), dt;
        for (int p = 0; p < passes; p++) {
            for (size_t i = 0; i < n; i++) {
                st_prediction pred;
                st_model_predict_vec(m, &vecs[i], &pred);
                sum += pred.label;
            }
        }
        dt = now_seconds() - t0;
        if (t->best_s < 0 || dt < t->best_s)
            t->best_s = dt;
        t->checksum = sum;
    }
}

static void report(const char *name, const timing *t, const quotes *q, int passes, int json, int *first)
{
    double n = (double)q->n * passes, mb = (double)q->bytes * passes / 1e6;
    double s = t->best_s > 0 ? t->best_s : 1e-9;
    if (json) {
        printf("%s\"%s\":{\"seconds\":%.6f,\"quotes_per_s\":%.1f,\"mb_per_s\":%.3f,\"us_per_quote\":%.4f}",
               *first ? "" : ",", name, t->best_s, n / s, mb / s, s / n * 1e6);
        *first = 0;
    } else {
        printf("%-28s %10.1f quotes/s %9.2f MB/s %9.3f us/quote  (best %.4f s)\n", name, n / s, mb / s,
               s / n * 1e6, t->best_s);
    }
}

int main(int argc, char **argv)
{
    options o;
    quotes q;
    st_model *models[MAX_MODELS] = {0};
    st_featurize_scratch *scratch = NULL;
    st_svec x, *vecs = NULL;
    size_t n_vecs = 0;
    int status = 2, first = 1;
    timing all, separate, one[MAX_MODELS], vec, tokenize, shared = {-1, 0}, shared_vec = {-1, 0};
    st_model_group *group = NULL;
    long group_bad = 0;
    long fast_bad = 0;
    double fast_diff = 0;
    st_tokens toks;
    st_error err;
    st_status rc;

    if (parse_args(argc, argv, &o)) {
        usage(stderr);
        return 2;
    }
    if (quotes_read(o.quotes_path, &q))
        return 2;
    st_svec_init(&x);
    st_tokens_init(&toks);
    for (int k = 0; k < o.n_models; k++) {
        memset(&err, 0, sizeof(err));
        if ((rc = st_model_load(o.model_dirs[k], &models[k], &err)) != ST_OK) {
            fprintf(stderr, "stance-bench-predict: %s: %s (%s:%ld: %s)\n", o.model_dirs[k], st_strerror(rc),
                    err.where, err.line, err.message);
            goto out_free_models;
        }
    }
    if ((rc = st_model_group_new((const st_model *const *)models, (size_t)o.n_models, &group)) != ST_OK) {
        fprintf(stderr, "stance-bench-predict: %s\n", st_strerror(rc));
        goto out_free_models;
    }
    if ((rc = st_featurize_scratch_new(&scratch)) != ST_OK) {
        fprintf(stderr, "stance-bench-predict: %s\n", st_strerror(rc));
        goto out_free_models;
    }
    if (o.dump_path) {
        status = dump_libsvm(&o, models[0], &q, scratch, &x) ? 2 : 0;
        goto out_free_scratch;
    }
    if (o.check_path) {
        int r = check_libsvm(&o, models[0], &q, scratch);
        status = r < 0 ? 2 : r;
        goto out_free_scratch;
    }

    /* Warm-up: one untimed pass of every model, so scratch and x have grown to their final size. */
    if (time_text(models, o.n_models, -1, &q, 1, 1, scratch, &separate))
        goto out_predict_failed;
    if (time_text(models, o.n_models, -1, &q, o.passes, o.repeat, scratch, &separate))
        goto out_predict_failed;
    if (time_group(group, &q, 1, 1, scratch, &all) ||
        time_group(group, &q, o.passes, o.repeat, scratch, &all))
        goto out_predict_failed;
    if (all.checksum != separate.checksum) {
        fprintf(stderr, "stance-bench-predict: st_model_group_predict_text predicts other labels than "
                        "st_model_predict_text\n");
        goto out_free_scratch;
    }
    if (time_tokenize(models[0], &q, 1, 1, &toks, &tokenize) ||
        time_tokenize(models[0], &q, o.passes, o.repeat, &toks, &tokenize))
        goto out_predict_failed;
    for (int k = 0; k < o.n_models; k++)
        if (time_text(models, o.n_models, k, &q, o.passes, o.repeat, scratch, &one[k]))
            goto out_predict_failed;
    if (o.n_models > 1 && tokens_shareable(models, o.n_models)) {
        for (int vectors = 0; vectors < 2; vectors++) {
            timing *t = vectors ? &shared_vec : &shared;
            if (time_shared(models, o.n_models, &q, 1, 1, vectors, &toks, scratch, &x, t) ||
                time_shared(models, o.n_models, &q, o.passes, o.repeat, vectors, &toks, scratch, &x, t))
                goto out_predict_failed;
            if (t->checksum != all.checksum) {
                fprintf(stderr,
                        "stance-bench-predict: shared tokens (%s) predict other labels than "
                        "st_model_predict_text\n",
                        vectors ? "vectors" : "st_model_predict_tokens");
                goto out_free_scratch;
            }
        }
    }
    group_bad = check_group(group, models, &q, scratch);
    if (group_bad < 0)
        goto out_predict_failed;
    if (group_bad > 0) {
        fprintf(stderr,
                "stance-bench-predict: st_model_group_predict_text and st_model_predict_text differ on %ld "
                "predictions\n",
                group_bad);
        goto out_free_scratch;
    }
    fast_bad = check_fast_path(models, o.n_models, &q, scratch, &x, &fast_diff);
    if (fast_bad < 0)
        goto out_predict_failed;
    if (fast_bad > 0 || fast_diff > 1e-9) {
        fprintf(stderr,
                "stance-bench-predict: st_model_predict_text with and without a vector disagree (%ld labels, "
                "max difference %.3g)\n",
                fast_bad, fast_diff);
        goto out_free_scratch;
    }

    /* The first model's linear prediction alone over vectors featurized beforehand. */
    if (!(vecs = calloc(q.n, sizeof(*vecs)))) {
        fprintf(stderr, "stance-bench-predict: out of memory\n");
        goto out_free_scratch;
    }
    for (n_vecs = 0; n_vecs < q.n; n_vecs++) {
        st_svec_init(&vecs[n_vecs]);
        if (st_featurize(st_model_vocab(models[0]), q.buf + q.off[n_vecs], q.len[n_vecs], scratch,
                         &vecs[n_vecs]) != ST_OK) {
            n_vecs++;
            goto out_predict_failed;
        }
    }
    time_vec(models[0], vecs, n_vecs, o.passes, o.repeat, &vec);

    if (o.json) {
        printf("{\"quotes\":%zu,\"bytes\":%zu,\"passes\":%d,\"repeat\":%d,\"models\":[", q.n, q.bytes,
               o.passes, o.repeat);
        for (int k = 0; k < o.n_models; k++)
            printf("%s\"%s\"", k ? "," : "", st_model_task(models[k]));
        printf("],\"checksum\":%ld,\"fast_path_max_diff\":%.3g,\"timings\":{", all.checksum, fast_diff);
    } else {
        printf("%zu quotes, %.2f MB, %d passes, best of %d; models:", q.n, q.bytes / 1e6, o.passes, o.repeat);
        for (int k = 0; k < o.n_models; k++)
            printf(" %s (%s)", st_model_task(models[k]), o.model_dirs[k]);
        printf("\nfast path (no vector) vs vector path: labels equal, max |dec or prob difference| %.3g\n"
               "model group vs each model alone: every prediction bit-identical\n",
               fast_diff);
    }
    report("tokenize", &tokenize, &q, o.passes, o.json, &first);
    report("pipeline", &all, &q, o.passes, o.json, &first);
    report("pipeline_separate", &separate, &q, o.passes, o.json, &first);
    if (shared.best_s >= 0) {
        report("pipeline_shared_tokens", &shared, &q, o.passes, o.json, &first);
        report("pipeline_shared_vectors", &shared_vec, &q, o.passes, o.json, &first);
    }
    for (int k = 0; k < o.n_models; k++) {
        char name[64];
        snprintf(name, sizeof(name), "model%d_text", k);
        report(name, &one[k], &q, o.passes, o.json, &first);
    }
    report("model0_vec", &vec, &q, o.passes, o.json, &first);
    if (o.json)
        printf("}}\n");
    status = 0;
    goto out_free_vecs;

out_predict_failed:
    fprintf(stderr, "stance-bench-predict: prediction failed (out of memory)\n");
    status = 2;
out_free_vecs:
    for (size_t i = 0; i < n_vecs; i++)
        st_svec_free(&vecs[i]);
    free(vecs);
out_free_scratch:
    st_featurize_scratch_free(&scratch);
out_free_models:
    st_model_group_free(&group);
    for (int k = 0; k < o.n_models; k++)
        st_model_free(&models[k]);
    st_svec_free(&x);
    st_tokens_free(&toks);
    quotes_free(&q);
    return status;
}
