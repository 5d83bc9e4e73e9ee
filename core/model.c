/* model.c - a model folder loaded for prediction without libsvm.
 *
 * weights.tsv (written by train.c) holds, per class pair in libsvm's order, the collapsed weight
 * vector, rho and Platt's probA/probB:
 *   # comment
 *   format      1
 *   nr_class    K
 *   n_features  N                 (= vocabulary size)
 *   probability 0|1
 *   label       i   NAME          (K lines, i = 0..K-1, libsvm's model->label order)
 *   pair        i   j   rho   probA   probB   nnz     (K(K-1)/2 blocks, i<j in libsvm's order)
 *   id          weight            (nnz lines, ids 1-based strictly increasing)
 * Numbers are "%.17g" in the C locale; we parse them under a per-thread C locale (uselocale), so
 * neither the reader nor the writer depends on setlocale. Weights are kept dense per pair (N + 1
 * doubles, index 0 unused) so a decision value is a sparse dot product. */
#include "st_decimal.h"
#include "st_model.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/evp.h>

struct st_model {
    char *task;
    char version[13];
    char *meta_json;
    st_vocab *vocab;
    int nr_class;
    int n_pairs;
    int has_prob;
    size_t n_features;
    char *labels[ST_MAX_LABELS];
    double *w; /* n_pairs blocks of n_features + 1 doubles */
    double *rho, *prob_a, *prob_b;
    /* The prediction path's weights, idf folded in, one row per id (row 0 unused): fw[id * fstride]
     * is idf(id), fw[id * fstride + 1 + p] is w_p[id] * idf(id); fstride = 1 + n_pairs, so one
     * term's row is one or two cache lines read together. */
    double *fw;
    size_t fstride;
};

void st_model_free(st_model **pm)
{
    if (!pm || !*pm)
        return;
    st_model *m = *pm;
    free(m->task);
    free(m->meta_json);
    st_vocab_free(&m->vocab);
    for (int i = 0; i < ST_MAX_LABELS; i++)
        free(m->labels[i]);
    free(m->w);
    free(m->rho);
    free(m->prob_a);
    free(m->prob_b);
    free(m->fw);
    free(m);
    *pm = NULL;
}

int st_model_nr_class(const st_model *m)
{
    return m->nr_class;
}

const char *st_model_label(const st_model *m, int i)
{
    return i >= 0 && i < m->nr_class ? m->labels[i] : NULL;
}

const char *st_model_task(const st_model *m)
{
    return m->task;
}

const char *st_model_version(const st_model *m)
{
    return m->version;
}

const char *st_model_meta_json(const st_model *m)
{
    return m->meta_json;
}

const st_vocab *st_model_vocab(const st_model *m)
{
    return m->vocab;
}

int st_model_has_probability(const st_model *m)
{
    return m->has_prob;
}

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Splits line (modified in place) at TABs into at most max fields; returns the count. */
static int split_tabs(char *line, char **field, int max)
{
    int n = 0;
    char *s = line;
    while (n < max) {
        field[n++] = s;
        char *t = strchr(s, '\t');
        if (!t)
            break;
        *t = '\0';
        s = t + 1;
    }
    return n;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* st_decimal_parse (strtod's result, fast) under the calling thread's locale, which the loader sets to
 * "C" (uselocale). */
static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = st_decimal_parse(s, &end);
    if (end == s || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* Parses weights.tsv (buf, NUL-terminated, modified in place) into m. */
static st_status parse_weights(st_model *m, char *buf, const char *path, st_error *err)
{
    long line = 0, v;
    long nr_class = -1, n_features = -1, prob = -1, n_labels = 0, pair = 0;
    long pending = 0; /* weight lines still expected for the current pair */
    long last_id = 0;
    char *f[8] = {0};
    char *s = buf;
    while (*s) {
        if (pending > 0) { /* the common line, id<TAB>weight, read in place; any other to the general path */
            long id = 0;
            int nd = 0;
            const char *q = s;
            for (; *q >= '0' && *q <= '9' && nd < 10; q++, nd++)
                id = id * 10 + (*q - '0');
            if (nd > 0 && nd < 10 && *q == '\t' && id > last_id && id <= n_features) {
                char *end;
                double w = st_decimal_parse(q + 1, &end);
                char *e = end + (*end == '\r');
                if (end != q + 1 && (*e == '\n' || *e == '\0') && isfinite(w)) {
                    line++;
                    m->w[(size_t)(pair - 1) * (m->n_features + 1) + (size_t)id] = w;
                    last_id = id;
                    pending--;
                    s = *e ? e + 1 : e;
                    continue;
                }
            }
        }
        char *nl = strchr(s, '\n');
        if (nl)
            *nl = '\0';
        char *cur = s;
        s = nl ? nl + 1 : s + strlen(s);
        line++;
        size_t len = strlen(cur);
        if (len && cur[len - 1] == '\r')
            cur[--len] = '\0';
        if (len == 0 || cur[0] == '#')
            continue;
        int nf = split_tabs(cur, f, 8);
        if (pending > 0) {
            double w;
            if (nf != 2 || parse_long(f[0], last_id + 1, n_features, &v) != 0 || parse_double(f[1], &w) != 0)
                return st_error_set(err, ST_ERR_FORMAT, path, line,
                                    "expected `id<TAB>weight` with increasing ids");
            m->w[(size_t)(pair - 1) * (m->n_features + 1) + (size_t)v] = w;
            last_id = v;
            pending--;
            continue;
        }
        if (strcmp(f[0], "format") == 0) {
            if (nf != 2 || strcmp(f[1], "1") != 0)
                return st_error_set(err, ST_ERR_FORMAT, path, line, "unsupported format (want 1)");
        } else if (strcmp(f[0], "nr_class") == 0) {
            if (nf != 2 || parse_long(f[1], 2, ST_MAX_LABELS, &nr_class) != 0)
                return st_error_set(err, ST_ERR_FORMAT, path, line, "nr_class must be 2..%d", ST_MAX_LABELS);
        } else if (strcmp(f[0], "n_features") == 0) {
            if (nf != 2 || parse_long(f[1], 1, 100000000L, &n_features) != 0)
                return st_error_set(err, ST_ERR_FORMAT, path, line, "bad n_features");
        } else if (strcmp(f[0], "probability") == 0) {
            if (nf != 2 || parse_long(f[1], 0, 1, &prob) != 0)
                return st_error_set(err, ST_ERR_FORMAT, path, line, "probability must be 0 or 1");
        } else if (strcmp(f[0], "label") == 0) {
            if (nr_class < 0 || nf != 3 || parse_long(f[1], n_labels, n_labels, &v) != 0 ||
                n_labels >= nr_class || !*f[2])
                return st_error_set(err, ST_ERR_FORMAT, path, line, "expected `label<TAB>%ld<TAB>NAME`",
                                    n_labels);
            for (long i = 0; i < n_labels; i++)
                if (strcmp(m->labels[i], f[2]) == 0)
                    return st_error_set(err, ST_ERR_FORMAT, path, line, "duplicate label %s", f[2]);
            if (!(m->labels[n_labels] = strdup(f[2])))
                return st_error_set(err, ST_ERR_NOMEM, path, line, "out of memory");
            n_labels++;
        } else if (strcmp(f[0], "pair") == 0) {
            if (nr_class < 0 || n_features < 0 || prob < 0 || n_labels != nr_class)
                return st_error_set(err, ST_ERR_FORMAT, path, line, "pair before the header and labels");
            if (!m->w) {
                m->nr_class = (int)nr_class;
                m->n_pairs = (int)(nr_class * (nr_class - 1) / 2);
                m->n_features = (size_t)n_features;
                m->has_prob = (int)prob;
                m->w = calloc((size_t)m->n_pairs * (m->n_features + 1), sizeof *m->w);
                m->rho = calloc((size_t)m->n_pairs, sizeof *m->rho);
                m->prob_a = calloc((size_t)m->n_pairs, sizeof *m->prob_a);
                m->prob_b = calloc((size_t)m->n_pairs, sizeof *m->prob_b);
                if (!m->w || !m->rho || !m->prob_a || !m->prob_b)
                    return st_error_set(err, ST_ERR_NOMEM, path, line, "out of memory");
            }
            /* the pair-th pair (0-based) in libsvm's order is (i, j) */
            long i = 0, j = 0, q = 0, want_i = -1, want_j = -1;
            for (long a = 0; a < nr_class && want_i < 0; a++)
                for (long b = a + 1; b < nr_class; b++, q++)
                    if (q == pair) {
                        want_i = a;
                        want_j = b;
                        break;
                    }
            long nnz;
            if (want_i < 0 || nf != 7 || parse_long(f[1], want_i, want_i, &i) != 0 ||
                parse_long(f[2], want_j, want_j, &j) != 0 || parse_double(f[3], &m->rho[pair]) != 0 ||
                parse_double(f[4], &m->prob_a[pair]) != 0 || parse_double(f[5], &m->prob_b[pair]) != 0 ||
                parse_long(f[6], 0, n_features, &nnz) != 0)
                return st_error_set(err, ST_ERR_FORMAT, path, line,
                                    "expected pair %ld %ld rho probA probB nnz", want_i, want_j);
            pair++;
            pending = nnz;
            last_id = 0;
        } else {
            return st_error_set(err, ST_ERR_FORMAT, path, line, "unknown record %s", f[0]);
        }
    }
    if (pending > 0)
        return st_error_set(err, ST_ERR_FORMAT, path, line, "file ends inside a weight block");
    if (!m->w)
        return st_error_set(err, ST_ERR_MODEL, path, line,
                            "the file ends before its header is complete (format, nr_class, n_features, "
                            "probability, labels): is it cut short?");
    if (pair != m->n_pairs)
        return st_error_set(err, ST_ERR_MODEL, path, line,
                            "expected %ld class pairs, found %ld (the file ends early: is it cut short?)",
                            nr_class > 1 ? nr_class * (nr_class - 1) / 2 : 0, pair);
    return ST_OK;
}

/* Checks meta.json against the weights and takes the task name from it. */
static st_status check_meta(st_model *m, const char *path, st_error *err)
{
    json_error_t jerr;
    json_t *meta = json_loads(m->meta_json, 0, &jerr);
    st_status rc = ST_OK;
    if (!meta || !json_is_object(meta)) {
        rc = st_error_set(err, ST_ERR_FORMAT, path, meta ? 1 : jerr.line, "%s",
                          meta ? "meta.json is not a JSON object" : jerr.text);
        goto out_decref;
    }
    const char *task = json_string_value(json_object_get(meta, "task"));
    if (!task) {
        rc = st_error_set(err, ST_ERR_MODEL, path, 0, "meta.json has no \"task\"");
        goto out_decref;
    }
    json_t *labels = json_object_get(meta, "labels");
    if (labels) {
        if (!json_is_array(labels) || json_array_size(labels) != (size_t)m->nr_class) {
            rc = st_error_set(err, ST_ERR_MODEL, path, 0, "meta.json labels disagree with weights.tsv");
            goto out_decref;
        }
        for (int i = 0; i < m->nr_class; i++) {
            const char *l = json_string_value(json_array_get(labels, (size_t)i));
            if (!l || strcmp(l, m->labels[i]) != 0) {
                rc =
                    st_error_set(err, ST_ERR_MODEL, path, 0, "meta.json label %d is not %s", i, m->labels[i]);
                goto out_decref;
            }
        }
    }
    if (!(m->task = strdup(task)))
        rc = st_error_set(err, ST_ERR_NOMEM, path, 0, "out of memory");
out_decref:
    json_decref(meta);
    return rc;
}

/* First 12 hex digits of SHA-256 over weights.tsv then vocab.tsv bytes. */
static st_status content_version(const char *a, size_t alen, const char *b, size_t blen, char out[13])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) && EVP_DigestUpdate(ctx, a, alen) &&
             EVP_DigestUpdate(ctx, b, blen) && EVP_DigestFinal_ex(ctx, md, &md_len) && md_len >= 6;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return ST_ERR_NOMEM;
    for (int i = 0; i < 6; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return ST_OK;
}

/* Builds m->fw from m->w and the vocabulary's idf (see struct st_model). */
static st_status fold_idf(st_model *m)
{
    size_t stride = (size_t)m->n_pairs + 1, wstride = m->n_features + 1;
    if (m->n_features + 1 > SIZE_MAX / sizeof(double) / stride)
        return ST_ERR_NOMEM;
    m->fstride = stride;
    m->fw = calloc((m->n_features + 1) * stride, sizeof *m->fw);
    if (!m->fw)
        return ST_ERR_NOMEM;
    for (size_t id = 1; id <= m->n_features; id++) {
        double idf = st_vocab_idf(m->vocab, (int)id);
        double *row = m->fw + id * stride;
        row[0] = idf;
        for (int p = 0; p < m->n_pairs; p++)
            row[1 + p] = m->w[(size_t)p * wstride + id] * idf;
    }
    return ST_OK;
}

st_status st_model_load(const char *dir, st_model **out, st_error *err)
{
    if (!dir || !out)
        return st_error_set(err, ST_ERR_INVALID, dir ? dir : "", 0, "missing argument");
    *out = NULL;
    st_status rc = ST_OK;
    char *p_svm = path_join(dir, "model.svm"), *p_w = path_join(dir, "weights.tsv");
    char *p_v = path_join(dir, "vocab.tsv"), *p_m = path_join(dir, "meta.json");
    char *wbuf = NULL, *vbuf = NULL;
    size_t wlen = 0, vlen = 0, mlen = 0;
    locale_t cloc = (locale_t)0, old = (locale_t)0;
    st_model *m = calloc(1, sizeof *m);
    if (!p_svm || !p_w || !p_v || !p_m || !m) {
        rc = st_error_set(err, ST_ERR_NOMEM, dir, 0, "out of memory");
        goto out_free;
    }
    struct stat st;
    if (stat(dir, &st) != 0) {
        rc = st_error_set(err, ST_ERR_IO, dir, 0, "cannot open the model folder: %s", strerror(errno));
        goto out_free;
    }
    if (!S_ISDIR(st.st_mode)) {
        rc = st_error_set(err, ST_ERR_IO, dir, 0, "not a folder");
        goto out_free;
    }
    if (stat(p_svm, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = st_error_set(err, ST_ERR_MODEL, p_svm, 0, "missing (the model folder is incomplete)");
        goto out_free;
    }
    if ((rc = st_read_file(p_w, &wbuf, &wlen, err)) != ST_OK ||
        (rc = st_read_file(p_v, &vbuf, &vlen, err)) != ST_OK ||
        (rc = st_read_file(p_m, &m->meta_json, &mlen, err)) != ST_OK)
        goto out_free;
    if ((rc = content_version(wbuf, wlen, vbuf, vlen, m->version)) != ST_OK) {
        st_error_set(err, rc, dir, 0, "cannot hash the model files");
        goto out_free;
    }
    if (!(cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0))) {
        rc = st_error_set(err, ST_ERR_NOMEM, dir, 0, "cannot create the C locale");
        goto out_free;
    }
    old = uselocale(cloc);
    long cut_line = st_cut_last_line(wbuf, wlen); /* before parse_weights splits the lines */
    if (cut_line > 0) {
        /* every weights.tsv written ends in a line end: a last line without one is cut, and may
         * still parse as another weight ("-0.0891..." cut to "-0") */
        rc = st_error_set(err, ST_ERR_FORMAT, p_w, cut_line,
                          "the last line has no line end: the file is cut short");
        uselocale(old);
        goto out_free;
    }
    rc = parse_weights(m, wbuf, p_w, err);
    uselocale(old);
    if (rc != ST_OK) {
        st_error_note_cut_line(err, cut_line);
        goto out_free;
    }
    if ((rc = st_vocab_load_buffer(vbuf, vlen, p_v, &m->vocab, err)) != ST_OK)
        goto out_free;
    if (st_vocab_size(m->vocab) != m->n_features) {
        rc = st_error_set(err, ST_ERR_MODEL, p_v, 0,
                          "vocabulary has %zu terms but weights.tsv has %zu features",
                          st_vocab_size(m->vocab), m->n_features);
        goto out_free;
    }
    if ((rc = check_meta(m, p_m, err)) != ST_OK)
        goto out_free;
    if ((rc = fold_idf(m)) != ST_OK) {
        st_error_set(err, rc, dir, 0, "out of memory");
        goto out_free;
    }
    *out = m;
    m = NULL;
out_free:
    if (cloc)
        freelocale(cloc);
    st_model_free(&m);
    free(wbuf);
    free(vbuf);
    free(p_svm);
    free(p_w);
    free(p_v);
    free(p_m);
    return rc;
}

/* libsvm's sigmoid_predict (svm.cpp): Platt's 1 / (1 + exp(A f + B)) in the form that avoids
 * catastrophic cancellation. */
static double sigmoid_predict(double dec, double A, double B)
{
    double fApB = dec * A + B;
    if (fApB >= 0)
        return exp(-fApB) / (1.0 + exp(-fApB));
    return 1.0 / (1 + exp(fApB));
}

/* libsvm's multiclass_probability (Wu, Lin & Weng 2004, method 2), same operations in the same
 * order so results agree to the last bit. r(i,j) for i<j is pp[pair(i,j)], r(j,i) = 1 - that. */
static void multiclass_probability(int k, const double *pp, double *p)
{
    double Q[ST_MAX_LABELS][ST_MAX_LABELS];
    double Qp[ST_MAX_LABELS];
    double pQp, eps = 0.005 / k;
    int max_iter = k > 100 ? k : 100;
#define PAIR(i, j) ((i)*k - (i) * ((i) + 1) / 2 + ((j) - (i)-1))
#define R(a, b) ((a) < (b) ? pp[PAIR(a, b)] : 1 - pp[PAIR(b, a)])
    for (int t = 0; t < k; t++) {
        p[t] = 1.0 / k;
        Q[t][t] = 0;
        for (int j = 0; j < t; j++) {
            Q[t][t] += R(j, t) * R(j, t);
            Q[t][j] = Q[j][t];
        }
        for (int j = t + 1; j < k; j++) {
            Q[t][t] += R(j, t) * R(j, t);
            Q[t][j] = -R(j, t) * R(t, j);
        }
    }
#undef R
#undef PAIR
    for (int iter = 0; iter < max_iter; iter++) {
        pQp = 0;
        for (int t = 0; t < k; t++) {
            Qp[t] = 0;
            for (int j = 0; j < k; j++)
                Qp[t] += Q[t][j] * p[j];
            pQp += p[t] * Qp[t];
        }
        double max_error = 0;
        for (int t = 0; t < k; t++) {
            double error = fabs(Qp[t] - pQp);
            if (error > max_error)
                max_error = error;
        }
        if (max_error < eps)
            break;
        for (int t = 0; t < k; t++) {
            double diff = (-Qp[t] + pQp) / Q[t][t];
            p[t] += diff;
            pQp = (pQp + diff * (diff * Q[t][t] + 2 * Qp[t])) / (1 + diff) / (1 + diff);
            for (int j = 0; j < k; j++) {
                Qp[j] = (Qp[j] + diff * Q[t][j]) / (1 + diff);
                p[j] /= (1 + diff);
            }
        }
    }
}

/* Fills out's label (and probabilities) from out->dec[], as libsvm's svm_predict (one-vs-one
 * votes) or svm_predict_probability. */
static void finish_prediction(const st_model *m, st_prediction *out)
{
    int k = m->nr_class;
    out->nr_class = k;
    out->has_prob = m->has_prob;
    if (!m->has_prob) {
        int vote[ST_MAX_LABELS] = {0};
        for (int p = 0, i = 0; i < k; i++)
            for (int j = i + 1; j < k; j++, p++)
                ++vote[out->dec[p] > 0 ? i : j];
        int best = 0;
        for (int i = 1; i < k; i++)
            if (vote[i] > vote[best])
                best = i;
        out->label = best;
        for (int i = 0; i < k; i++)
            out->prob[i] = 0;
        return;
    }
    /* libsvm's svm_predict_probability */
    const double min_prob = 1e-7;
    double pp[ST_MAX_LABELS * (ST_MAX_LABELS - 1) / 2];
    for (int p = 0; p < m->n_pairs; p++) {
        double s = sigmoid_predict(out->dec[p], m->prob_a[p], m->prob_b[p]);
        s = s > min_prob ? s : min_prob; /* libsvm: min(max(s, min_prob), 1 - min_prob) */
        pp[p] = s < 1 - min_prob ? s : 1 - min_prob;
    }
    if (k == 2) {
        out->prob[0] = pp[0];
        out->prob[1] = 1 - pp[0];
    } else {
        multiclass_probability(k, pp, out->prob);
    }
    int best = 0;
    for (int i = 1; i < k; i++)
        if (out->prob[i] > out->prob[best])
            best = i;
    out->label = best;
}

void st_model_predict_vec(const st_model *m, const st_svec *x, st_prediction *out)
{
    size_t stride = m->n_features + 1;
    for (int p = 0; p < m->n_pairs; p++) {
        const double *w = m->w + (size_t)p * stride;
        double sum = 0;
        for (size_t e = 0; e < x->n; e++) {
            int id = x->index[e];
            if (id >= 1 && (size_t)id <= m->n_features)
                sum += w[id] * x->value[e];
        }
        out->dec[p] = sum - m->rho[p];
    }
    finish_prediction(m, out);
}

/* Decision values from unsorted tf weights: dec_p = (sum_e tf_e * w_p[id_e] * idf_e) / norm - rho_p,
 * norm = sqrt(sum_e (tf_e * idf_e)^2), one pass over the folded rows (each prefetched ROW_AHEAD
 * terms ahead: the rows of a quote's few hundred terms are scattered over the model). The sums
 * run in the order of t, in local accumulators, so the bits depend on t alone. */
#define ROW_AHEAD 8
static void predict_tf(const st_model *m, const st_term_tf *t, st_prediction *out)
{
    const double *fw = m->fw;
    size_t stride = m->fstride, n = t->n;
    const int *id = t->id;
    const double *tf = t->tf;
    double sumsq = 0;
    int np = m->n_pairs;
#if defined(__GNUC__)
    for (size_t e = 0; e < n && e < ROW_AHEAD; e++)
        __builtin_prefetch(fw + (size_t)id[e] * stride);
#define PREFETCH_ROW(e_)                                                                                     \
    do {                                                                                                     \
        if ((e_) + ROW_AHEAD < n)                                                                            \
            __builtin_prefetch(fw + (size_t)id[(e_) + ROW_AHEAD] * stride);                                  \
    } while (0)
#else
#define PREFETCH_ROW(e_) ((void)0)
#endif
    if (np == 1) { /* two classes: the common case, no inner loop */
        double dot = 0;
        for (size_t e = 0; e < n; e++) {
            PREFETCH_ROW(e);
            const double *row = fw + (size_t)id[e] * 2;
            double x = tf[e] * row[0];
            sumsq += x * x;
            dot += tf[e] * row[1];
        }
        out->dec[0] = (n ? dot / sqrt(sumsq) : 0.0) - m->rho[0];
    } else if (np == 3) { /* three classes, as the sentiment model: the pairs in registers */
        double d0 = 0, d1 = 0, d2 = 0;
        for (size_t e = 0; e < n; e++) {
            PREFETCH_ROW(e);
            const double *row = fw + (size_t)id[e] * 4;
            double f = tf[e], x = f * row[0];
            sumsq += x * x;
            d0 += f * row[1];
            d1 += f * row[2];
            d2 += f * row[3];
        }
        double inv = n ? 1.0 / sqrt(sumsq) : 0.0;
        out->dec[0] = d0 * inv - m->rho[0];
        out->dec[1] = d1 * inv - m->rho[1];
        out->dec[2] = d2 * inv - m->rho[2];
    } else {
        double acc[ST_MAX_LABELS * (ST_MAX_LABELS - 1) / 2];
        for (int p = 0; p < np; p++)
            acc[p] = 0;
        for (size_t e = 0; e < n; e++) {
            PREFETCH_ROW(e);
            const double *row = fw + (size_t)id[e] * stride;
            double f = tf[e], x = f * row[0];
            sumsq += x * x;
            for (int p = 0; p < np; p++)
                acc[p] += f * row[1 + p];
        }
        double inv = n ? 1.0 / sqrt(sumsq) : 0.0;
        for (int p = 0; p < np; p++)
            out->dec[p] = acc[p] * inv - m->rho[p];
    }
#undef PREFETCH_ROW
    finish_prediction(m, out);
}

void st_model_predict_tf(const st_model *m, const st_term_tf *t, st_prediction *out)
{
    predict_tf(m, t, out);
}

st_status st_model_predict_tokens(const st_model *m, const st_tokens *toks, st_featurize_scratch *scratch,
                                  st_prediction *out)
{
    st_term_tf t;
    st_status rc = st_featurize_tf(m->vocab, toks, scratch, &t);
    if (rc != ST_OK)
        return rc;
    predict_tf(m, &t, out);
    return ST_OK;
}

st_status st_model_predict_text(const st_model *m, const char *text, size_t len,
                                st_featurize_scratch *scratch, st_svec *x, st_prediction *out)
{
    if (!x) {
        st_term_tf t;
        st_status rc = st_featurize_text_tf(m->vocab, text, len, scratch, &t);
        if (rc != ST_OK)
            return rc;
        predict_tf(m, &t, out);
        return ST_OK;
    }
    st_status rc = st_featurize(m->vocab, text, len, scratch, x);
    if (rc != ST_OK)
        return rc;
    st_model_predict_vec(m, x, out);
    return ST_OK;
}

/* ---- model groups ---- */

struct st_model_group {
    size_t n;
    const st_model *m[ST_VOCAB_GROUP_MAX];
    st_vocab_group *vocabs; /* NULL when the models' term settings differ */
};

st_status st_model_group_new(const st_model *const *models, size_t n, st_model_group **out)
{
    *out = NULL;
    if (n == 0 || n > ST_VOCAB_GROUP_MAX)
        return ST_ERR_INVALID;
    st_model_group *g = calloc(1, sizeof *g);
    if (!g)
        return ST_ERR_NOMEM;
    g->n = n;
    const st_vocab *v[ST_VOCAB_GROUP_MAX];
    int same = 1;
    for (size_t k = 0; k < n; k++) {
        g->m[k] = models[k];
        v[k] = models[k]->vocab;
        same &= st_vocab_same_terms(v[0], v[k]);
    }
    if (same) {
        st_status rc = st_vocab_group_new(v, n, &g->vocabs);
        if (rc != ST_OK) {
            free(g);
            return rc;
        }
    }
    *out = g;
    return ST_OK;
}

void st_model_group_free(st_model_group **pg)
{
    if (!pg || !*pg)
        return;
    st_vocab_group_free(&(*pg)->vocabs);
    free(*pg);
    *pg = NULL;
}

size_t st_model_group_size(const st_model_group *g)
{
    return g->n;
}

const st_model *st_model_group_model(const st_model_group *g, size_t k)
{
    return k < g->n ? g->m[k] : NULL;
}

const st_vocab_group *st_model_group_vocabs(const st_model_group *g)
{
    return g->vocabs;
}

st_status st_model_group_predict_text(const st_model_group *g, const char *text, size_t len,
                                      st_featurize_scratch *scratch, st_prediction *out)
{
    st_status rc;
    if (!g->vocabs) {
        for (size_t k = 0; k < g->n; k++)
            if ((rc = st_model_predict_text(g->m[k], text, len, scratch, NULL, &out[k])) != ST_OK)
                return rc;
        return ST_OK;
    }
    st_term_tf t[ST_VOCAB_GROUP_MAX];
    if ((rc = st_featurize_group_text_tf(g->vocabs, text, len, scratch, t)) != ST_OK)
        return rc;
    for (size_t k = 0; k < g->n; k++)
        predict_tf(g->m[k], &t[k], &out[k]);
    return ST_OK;
}

/* a ranks before b: larger |contribution|, then smaller id */
static int stronger(const st_contribution *a, const st_contribution *b)
{
    double fa = fabs(a->contribution), fb = fabs(b->contribution);
    if (fa != fb)
        return fa > fb;
    return a->id < b->id;
}

/* a ranks before b in the output: larger contribution, then smaller id */
static int before(const st_contribution *a, const st_contribution *b)
{
    if (a->contribution != b->contribution)
        return a->contribution > b->contribution;
    return a->id < b->id;
}

void st_model_explain(const st_model *m, const st_svec *x, const st_prediction *pred, st_contribution *out,
                      size_t k, size_t *n)
{
    size_t have = 0;
    int c = pred->label, K = m->nr_class;
    size_t stride = m->n_features + 1;
    for (size_t e = 0; e < x->n && k > 0; e++) {
        int id = x->index[e];
        if (id < 1 || (size_t)id > m->n_features)
            continue;
        double sum = 0;
        for (int p = 0, i = 0; i < K; i++)
            for (int j = i + 1; j < K; j++, p++)
                if (i == c)
                    sum += m->w[(size_t)p * stride + (size_t)id] * x->value[e];
                else if (j == c)
                    sum -= m->w[(size_t)p * stride + (size_t)id] * x->value[e];
        if (sum == 0)
            continue;
        st_contribution cand = {id, sum};
        if (have == k && !stronger(&cand, &out[k - 1]))
            continue;
        size_t pos = have < k ? have++ : k - 1; /* insertion into the top-k by |contribution| */
        while (pos > 0 && stronger(&cand, &out[pos - 1])) {
            out[pos] = out[pos - 1];
            pos--;
        }
        out[pos] = cand;
    }
    for (size_t i = 1; i < have; i++) { /* reorder by signed contribution */
        st_contribution t = out[i];
        size_t j = i;
        while (j > 0 && before(&t, &out[j - 1])) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = t;
    }
    *n = have;
}
