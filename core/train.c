/* train.c - cross-validated libsvm training and the model folder writer.
 *
 * Flow: stratified k-fold CV over the C grid (each fold with its own vocabulary) -> best C by CV
 * macro-F1 -> vocabulary over all examples -> final C-SVC (linear kernel, class weights, Platt
 * probabilities when every class has >= 5 examples) -> folder.tmp-PID holding model.svm (libsvm),
 * weights.tsv (collapsed from model.svm as libsvm reloads it, so our predictions match svm-predict
 * on that file), vocab.tsv and meta.json -> rename(2) over the target. */
#include "st_train.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libsvm/svm.h>
#include <linear.h>

#include "st_model.h"

#define MAX_GRID 32

static const double default_grid[] = {0.1, 0.3, 1, 3, 10};

st_train_options st_train_options_default(void)
{
    st_train_options o;
    memset(&o, 0, sizeof o);
    o.features = st_featurizer_config_default();
    /* Character 3-5-grams of each word beside the word 1-2-grams, chosen by cross-domain validation
     * (trained on datasets/, scored on un-quadclass/binary train for stance and nyt-editorial-sentiment
     * train for sentiment) and by 5-fold CV on datasets/, where 3-5 led 2-4, 3-4, 3-3, 4-4 and words
     * alone on both tasks taken together (README.md, "Features"); both tasks share the setting, so
     * one pass over a quote's terms serves both models (st_vocab_group). */
    o.features.char_ngram_min = 3;
    o.features.char_ngram_max = 5;
    o.c_grid = NULL;
    o.c_grid_n = 0;
    o.folds = 5;
    o.seed = 1;
    o.class_weights = 1;
    o.probability = 1;
    o.task = "model";
    o.solver = ST_SOLVER_LIBSVM;
    o.cv_solver = ST_SOLVER_AUTO;
    return o;
}

void st_train_report_free(st_train_report *r)
{
    if (!r)
        return;
    free(r->confusion);
    r->confusion = NULL;
}

void st_scores_compute(const long *confusion, int n, double *precision, double *recall, double *f1,
                       double *accuracy, double *macro_f1)
{
    long total = 0, correct = 0;
    double f1_sum = 0;
    int counted = 0;
    for (int c = 0; c < n; c++) {
        long tp = confusion[(size_t)c * n + c], gold = 0, pred = 0;
        for (int k = 0; k < n; k++) {
            gold += confusion[(size_t)c * n + k];
            pred += confusion[(size_t)k * n + c];
        }
        total += gold;
        correct += tp;
        double p = pred ? (double)tp / (double)pred : 0.0;
        double r = gold ? (double)tp / (double)gold : 0.0;
        double f = p + r > 0 ? 2 * p * r / (p + r) : 0.0;
        if (precision)
            precision[c] = p;
        if (recall)
            recall[c] = r;
        if (f1)
            f1[c] = f;
        if (gold || pred) {
            f1_sum += f;
            counted++;
        }
    }
    if (accuracy)
        *accuracy = total ? (double)correct / (double)total : 0.0;
    if (macro_f1)
        *macro_f1 = counted ? f1_sum / counted : 0.0;
}

/* splitmix64 (Steele, Lea & Flood 2014): our own PRNG, so folds never depend on rand(). */
static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* fold[i] in [0, k): each class shuffled (Fisher-Yates with splitmix64(seed)), then dealt round
 * robin with one counter running across classes, so folds differ in size by at most one. */
static st_status assign_folds(const st_dataset *ds, int k, unsigned seed, int *fold)
{
    size_t *idx = malloc((ds->n ? ds->n : 1) * sizeof *idx);
    if (!idx)
        return ST_ERR_NOMEM;
    uint64_t state = seed;
    size_t deal = 0;
    for (int c = 0; c < ds->n_labels; c++) {
        size_t m = 0;
        for (size_t i = 0; i < ds->n; i++)
            if (ds->labels[i] == c)
                idx[m++] = i;
        for (size_t i = m; i > 1; i--) {
            size_t j = (size_t)(splitmix64(&state) % i);
            size_t t = idx[i - 1];
            idx[i - 1] = idx[j];
            idx[j] = t;
        }
        for (size_t i = 0; i < m; i++)
            fold[idx[i]] = (int)(deal++ % (size_t)k);
    }
    free(idx);
    return ST_OK;
}

/* Feature vectors of a subset of the examples as libsvm node lists (each ends with index -1). */
typedef struct fmat {
    struct svm_node *pool;
    struct svm_node **x;
    size_t n;
} fmat;

static void fmat_free(fmat *m)
{
    free(m->pool);
    free(m->x);
    memset(m, 0, sizeof *m);
}

static st_status featurize_subset(const st_vocab *v, const st_dataset *ds, const size_t *idx, size_t n,
                                  fmat *out)
{
    st_status rc = ST_OK;
    st_featurize_scratch *scratch = NULL;
    st_svec vec;
    st_svec_init(&vec);
    size_t *off = malloc((n + 1) * sizeof *off);
    size_t cap = 1024, used = 0;
    struct svm_node *pool = malloc(cap * sizeof *pool);
    if (!off || !pool) {
        rc = ST_ERR_NOMEM;
        goto out_free;
    }
    if ((rc = st_featurize_scratch_new(&scratch)) != ST_OK)
        goto out_free;
    for (size_t i = 0; i < n; i++) {
        size_t e = idx[i];
        if ((rc = st_featurize(v, ds->texts[e], ds->lens[e], scratch, &vec)) != ST_OK)
            goto out_free;
        if (used + vec.n + 1 > cap) {
            while (used + vec.n + 1 > cap)
                cap *= 2;
            struct svm_node *p = realloc(pool, cap * sizeof *p);
            if (!p) {
                rc = ST_ERR_NOMEM;
                goto out_free;
            }
            pool = p;
        }
        off[i] = used;
        for (size_t k = 0; k < vec.n; k++) {
            pool[used].index = vec.index[k];
            pool[used].value = vec.value[k];
            used++;
        }
        pool[used].index = -1;
        pool[used].value = 0;
        used++;
    }
    out->x = malloc((n ? n : 1) * sizeof *out->x);
    if (!out->x) {
        rc = ST_ERR_NOMEM;
        goto out_free;
    }
    for (size_t i = 0; i < n; i++)
        out->x[i] = pool + off[i];
    out->pool = pool;
    out->n = n;
    pool = NULL;
out_free:
    free(pool);
    free(off);
    st_featurize_scratch_free(&scratch);
    st_svec_free(&vec);
    return rc;
}

static st_status build_vocab(const st_train_options *opt, const st_dataset *ds, const size_t *idx, size_t n,
                             st_vocab **out)
{
    const char **texts = malloc((n ? n : 1) * sizeof *texts);
    size_t *lens = malloc((n ? n : 1) * sizeof *lens);
    st_status rc = ST_ERR_NOMEM;
    if (texts && lens) {
        for (size_t i = 0; i < n; i++) {
            texts[i] = ds->texts[idx[i]];
            lens[i] = ds->lens[idx[i]];
        }
        rc = st_vocab_build_lexicon(&opt->features, opt->lexicon, (const char *const *)texts, lens, n, out);
    }
    free(texts);
    free(lens);
    return rc;
}

static void print_nothing(const char *s)
{
    (void)s;
}

/* Trains a C-SVC on the examples idx[0..n) (features x, labels from ds) with C, class weights
 * n / (n_present * n_c) when asked, and Platt probabilities when prob. *out owned by the caller. */
static st_status libsvm_fit(const st_dataset *ds, const size_t *idx, const fmat *x, double C,
                            int class_weights, int prob, unsigned seed, struct svm_model **out)
{
    st_status rc = ST_ERR_NOMEM;
    struct svm_problem p = {0};
    struct svm_parameter par;
    memset(&par, 0, sizeof par);
    long *count = calloc((size_t)ds->n_labels, sizeof *count);
    int *wl = malloc((size_t)ds->n_labels * sizeof *wl);
    double *w = malloc((size_t)ds->n_labels * sizeof *w);
    p.y = malloc((x->n ? x->n : 1) * sizeof *p.y);
    if (!count || !wl || !w || !p.y)
        goto out_free;
    p.l = (int)x->n;
    p.x = x->x;
    for (size_t i = 0; i < x->n; i++) {
        p.y[i] = ds->labels[idx[i]];
        count[ds->labels[idx[i]]]++;
    }
    int present = 0, nw = 0;
    for (int c = 0; c < ds->n_labels; c++)
        present += count[c] > 0;
    if (class_weights)
        for (int c = 0; c < ds->n_labels; c++)
            if (count[c] > 0) {
                wl[nw] = c;
                w[nw] = (double)x->n / ((double)present * (double)count[c]);
                nw++;
            }
    par.svm_type = C_SVC;
    par.kernel_type = LINEAR;
    par.degree = 3;
    par.gamma = 0;
    par.coef0 = 0;
    par.cache_size = 100;
    par.eps = 1e-3;
    par.C = C;
    par.nr_weight = nw;
    par.weight_label = wl;
    par.weight = w;
    par.nu = 0.5;
    par.p = 0.1;
    par.shrinking = 1;
    par.probability = prob;
    if (svm_check_parameter(&p, &par) != NULL) {
        rc = ST_ERR_INVALID;
        goto out_free;
    }
    svm_set_print_string_function(print_nothing);
    srand(seed); /* libsvm's Platt CV shuffles with rand() */
    *out = svm_train(&p, &par);
    rc = *out ? ST_OK : ST_ERR_NOMEM;
    /* model->param is a struct copy whose weight pointers are ours (freed below); clear them so the
     * model never points at freed memory. */
    if (*out) {
        (*out)->param.weight_label = NULL;
        (*out)->param.weight = NULL;
        (*out)->param.nr_weight = 0;
    }
out_free:
    free(count);
    free(wl);
    free(w);
    free(p.y);
    return rc;
}

/* ---- liblinear: one-vs-one L2-loss SVC (dual) per class pair, Platt scaling fitted here ---- */

/* libsvm's sigmoid_train (svm.cpp; Platt 1999 with the Newton method and backtracking line search of
 * Lin, Lin & Weng 2007): fits A, B of P(y=1|f) = 1 / (1 + exp(A f + B)) to decision values dec[]
 * with labels y[] (+1 / -1). Same targets, stopping rule and step control as libsvm. */
static st_status sigmoid_train(int l, const double *dec, const double *y, double *A_out, double *B_out)
{
    double prior1 = 0, prior0 = 0;
    for (int i = 0; i < l; i++)
        if (y[i] > 0)
            prior1 += 1;
        else
            prior0 += 1;
    const int max_iter = 100;
    const double min_step = 1e-10, sigma = 1e-12, eps = 1e-5;
    double hiTarget = (prior1 + 1.0) / (prior1 + 2.0), loTarget = 1 / (prior0 + 2.0);
    double *t = malloc((size_t)(l ? l : 1) * sizeof *t);
    if (!t)
        return ST_ERR_NOMEM;
    double A = 0.0, B = log((prior0 + 1.0) / (prior1 + 1.0)), fval = 0.0;
    for (int i = 0; i < l; i++) {
        t[i] = y[i] > 0 ? hiTarget : loTarget;
        double fApB = dec[i] * A + B;
        if (fApB >= 0)
            fval += t[i] * fApB + log(1 + exp(-fApB));
        else
            fval += (t[i] - 1) * fApB + log(1 + exp(fApB));
    }
    for (int iter = 0; iter < max_iter; iter++) {
        double h11 = sigma, h22 = sigma, h21 = 0.0, g1 = 0.0, g2 = 0.0;
        for (int i = 0; i < l; i++) {
            double fApB = dec[i] * A + B, p, q;
            if (fApB >= 0) {
                p = exp(-fApB) / (1.0 + exp(-fApB));
                q = 1.0 / (1.0 + exp(-fApB));
            } else {
                p = 1.0 / (1.0 + exp(fApB));
                q = exp(fApB) / (1.0 + exp(fApB));
            }
            double d2 = p * q, d1 = t[i] - p;
            h11 += dec[i] * dec[i] * d2;
            h22 += d2;
            h21 += dec[i] * d2;
            g1 += dec[i] * d1;
            g2 += d1;
        }
        if (fabs(g1) < eps && fabs(g2) < eps)
            break;
        double det = h11 * h22 - h21 * h21;
        double dA = -(h22 * g1 - h21 * g2) / det, dB = -(-h21 * g1 + h11 * g2) / det;
        double gd = g1 * dA + g2 * dB, stepsize = 1;
        while (stepsize >= min_step) {
            double newA = A + stepsize * dA, newB = B + stepsize * dB, newf = 0.0;
            for (int i = 0; i < l; i++) {
                double fApB = dec[i] * newA + newB;
                if (fApB >= 0)
                    newf += t[i] * fApB + log(1 + exp(-fApB));
                else
                    newf += (t[i] - 1) * fApB + log(1 + exp(fApB));
            }
            if (newf < fval + 0.0001 * stepsize * gd) {
                A = newA;
                B = newB;
                fval = newf;
                break;
            }
            stepsize = stepsize / 2.0;
        }
        if (stepsize < min_step)
            break; /* line search failed: keep the last good A, B (as libsvm does) */
    }
    free(t);
    *A_out = A;
    *B_out = B;
    return ST_OK;
}

/* Trains one binary liblinear L2R_L2LOSS_SVC_DUAL model on rows x[0..l) (each ending with the bias
 * node) with y = +1/-1 and per-class C = C * weight. Fills w[1..nf] (feature d at w[d]; w[0]
 * unused) and *b so that w.x + b > 0 favours y = +1. */
static st_status liblinear_binary(struct feature_node **x, double *y, int l, int nf, double C, double wpos,
                                  double wneg, unsigned seed, int hinge, double *w, double *b)
{
    struct problem prob = {l, nf + 1, y, x, 1.0};
    int wl[2] = {+1, -1};
    double wt[2] = {wpos, wneg};
    struct parameter par;
    memset(&par, 0, sizeof par);
    /* hinge (L1) loss is libsvm's C-SVC problem (up to the regularised bias); squared hinge is the
     * default of the liblinear solver */
    par.solver_type = hinge ? L2R_L1LOSS_SVC_DUAL : L2R_L2LOSS_SVC_DUAL;
    par.eps = 0.1; /* liblinear's default for the dual solvers */
    par.C = C;
    par.nr_weight = 2;
    par.weight_label = wl;
    par.weight = wt;
    par.p = 0.1;
    par.init_sol = NULL;
    if (check_parameter(&prob, &par) != NULL)
        return ST_ERR_INVALID;
    set_print_string_function(print_nothing);
    srand(seed); /* the dual coordinate descent permutes with rand() */
    struct model *m = train(&prob, &par);
    if (!m)
        return ST_ERR_NOMEM;
    /* liblinear's labels are in first-appearance order; w favours label[0] */
    double sign = m->label[0] == +1 ? 1.0 : -1.0;
    if (m->nr_class < 2) /* only one class in this subset: constant decision */
        sign = 0;
    for (int d = 1; d <= nf; d++)
        w[d] = sign * m->w[d - 1];
    *b = sign * m->w[nf] * prob.bias;
    free_and_destroy_model(&m);
    return ST_OK;
}

/* Decision values w.x + b for rows x[i] (x includes the bias node, which b replaces). */
static double dot_biased(const double *w, int nf, double b, const struct feature_node *x)
{
    double s = 0;
    for (; x->index != -1; x++)
        if (x->index >= 1 && x->index <= nf)
            s += w[x->index] * x->value;
    return s + b;
}

/* libsvm's svm_binary_svc_probability with liblinear inside: 5-fold CV decision values (folds from
 * a splitmix64 shuffle, not rand()), then sigmoid_train. Labels: y = +1/-1. */
static st_status liblinear_platt(struct feature_node **x, double *y, int l, int nf, double C, int hinge,
                                 double wpos, double wneg, unsigned seed, double *A, double *B)
{
    const int nr_fold = 5;
    st_status rc = ST_ERR_NOMEM;
    int *perm = malloc((size_t)l * sizeof *perm);
    double *dec = malloc((size_t)l * sizeof *dec), *sy = malloc((size_t)l * sizeof *sy);
    double *w = malloc((size_t)(nf + 1) * sizeof *w);
    struct feature_node **sx = malloc((size_t)l * sizeof *sx);
    if (!perm || !dec || !sy || !w || !sx)
        goto out_free;
    uint64_t state = (uint64_t)seed * 0x9e3779b97f4a7c15ULL + (uint64_t)l;
    for (int i = 0; i < l; i++)
        perm[i] = i;
    for (int i = 0; i < l; i++) {
        int j = i + (int)(splitmix64(&state) % (uint64_t)(l - i));
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    rc = ST_OK;
    for (int f = 0; f < nr_fold && rc == ST_OK; f++) {
        int begin = f * l / nr_fold, end = (f + 1) * l / nr_fold, k = 0, pos = 0, neg = 0;
        for (int j = 0; j < l; j++) {
            if (j >= begin && j < end)
                continue;
            sx[k] = x[perm[j]];
            sy[k] = y[perm[j]];
            pos += sy[k] > 0;
            neg += sy[k] <= 0;
            k++;
        }
        if (pos == 0 || neg == 0) {
            for (int j = begin; j < end; j++)
                dec[perm[j]] = pos ? 1 : neg ? -1 : 0;
            continue;
        }
        double b;
        if ((rc = liblinear_binary(sx, sy, k, nf, C, wpos, wneg, seed, hinge, w, &b)) != ST_OK)
            break;
        for (int j = begin; j < end; j++)
            dec[perm[j]] = dot_biased(w, nf, b, x[perm[j]]);
    }
    if (rc == ST_OK)
        rc = sigmoid_train(l, dec, y, A, B);
out_free:
    free(perm);
    free(dec);
    free(sy);
    free(w);
    free(sx);
    return rc;
}

/* One-vs-one liblinear models for every class pair, packed into a linear-kernel svm_model so that
 * the rest of training (CV scoring, model.svm, weights.tsv) is shared with libsvm: class i holds
 * one pseudo support vector w_ij per j > i with coefficient 1 in pair (i, j) and 0 elsewhere, and
 * rho_ij = -b_ij. svm-predict reads the result like any libsvm model. */
static st_status liblinear_fit(const st_dataset *ds, const size_t *idx, const fmat *x, double C, int hinge,
                               int class_weights, int prob, unsigned seed, struct svm_model **out)
{
    st_status rc = ST_ERR_NOMEM;
    int L = ds->n_labels, K = 0, nf = 0;
    size_t n = x->n;
    long *count = calloc((size_t)L, sizeof *count);
    int *order = malloc((size_t)L * sizeof *order); /* labels in first-appearance order */
    double *cw = malloc((size_t)L * sizeof *cw);
    struct feature_node **bx = malloc((n ? n : 1) * sizeof *bx), **sx = malloc((n ? n : 1) * sizeof *sx);
    struct feature_node *pool = NULL;
    double *sy = malloc((n ? n : 1) * sizeof *sy), *w = NULL;
    struct svm_model *m = calloc(1, sizeof *m);
    struct svm_node **sv_nodes = NULL;
    size_t *sv_len = NULL;
    if (!count || !order || !cw || !bx || !sx || !sy || !m)
        goto out_free;
    for (size_t i = 0; i < n; i++) {
        int c = ds->labels[idx[i]];
        if (count[c]++ == 0)
            order[K++] = c;
        for (const struct svm_node *e = x->x[i]; e->index != -1; e++)
            if (e->index > nf)
                nf = e->index;
    }
    for (int c = 0; c < L; c++)
        cw[c] = class_weights && count[c] ? (double)n / ((double)K * (double)count[c]) : 1.0;
    /* rows with the bias node (index nf + 1, value 1) that liblinear wants */
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const struct svm_node *e = x->x[i];
        while (e->index != -1)
            e++;
        total += (size_t)(e - x->x[i]) + 2;
    }
    if (!(pool = malloc(total * sizeof *pool)) || !(w = malloc((size_t)(nf + 1) * sizeof *w)))
        goto out_free;
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        bx[i] = pool + used;
        for (const struct svm_node *e = x->x[i]; e->index != -1; e++) {
            pool[used].index = e->index;
            pool[used].value = e->value;
            used++;
        }
        pool[used].index = nf + 1;
        pool[used].value = 1.0;
        pool[used + 1].index = -1;
        pool[used + 1].value = 0;
        used += 2;
    }
    int np = K * (K - 1) / 2;
    m->param.svm_type = C_SVC;
    m->param.kernel_type = LINEAR;
    m->param.C = C;
    m->nr_class = K;
    m->l = np;
    m->free_sv = 1; /* SV[0] is one block, freed by svm_free_model_content */
    m->label = malloc((size_t)K * sizeof *m->label);
    m->nSV = malloc((size_t)K * sizeof *m->nSV);
    m->rho = malloc((size_t)(np ? np : 1) * sizeof *m->rho);
    m->SV = calloc((size_t)(np ? np : 1), sizeof *m->SV);
    m->sv_coef = calloc((size_t)(K > 1 ? K - 1 : 1), sizeof *m->sv_coef);
    sv_nodes = calloc((size_t)(np ? np : 1), sizeof *sv_nodes);
    sv_len = calloc((size_t)(np ? np : 1), sizeof *sv_len);
    if (!m->label || !m->nSV || !m->rho || !m->SV || !m->sv_coef || !sv_nodes || !sv_len)
        goto out_free;
    if (prob) {
        m->probA = malloc((size_t)(np ? np : 1) * sizeof *m->probA);
        m->probB = malloc((size_t)(np ? np : 1) * sizeof *m->probB);
        if (!m->probA || !m->probB)
            goto out_free;
    }
    for (int i = 0; i < K - 1; i++)
        if (!(m->sv_coef[i] = calloc((size_t)np, sizeof **m->sv_coef)))
            goto out_free;
    for (int i = 0; i < K; i++) {
        m->label[i] = order[i];
        m->nSV[i] = K - 1 - i;
    }
    rc = ST_OK;
    for (int p = 0, i = 0; i < K && rc == ST_OK; i++) {
        for (int j = i + 1; j < K && rc == ST_OK; j++, p++) {
            int l = 0;
            for (size_t e = 0; e < n; e++) {
                int c = ds->labels[idx[e]];
                if (c != order[i] && c != order[j])
                    continue;
                sx[l] = bx[e];
                sy[l] = c == order[i] ? +1 : -1;
                l++;
            }
            double b;
            double wi = cw[order[i]], wj = cw[order[j]];
            if ((rc = liblinear_binary(sx, sy, l, nf, C, wi, wj, seed, hinge, w, &b)) != ST_OK)
                break;
            if (prob && (rc = liblinear_platt(sx, sy, l, nf, C, hinge, wi, wj, seed, &m->probA[p],
                                              &m->probB[p])) != ST_OK)
                break;
            m->rho[p] = -b;
            m->sv_coef[j - 1][p] = 1.0;
            size_t nnz = 0;
            for (int d = 1; d <= nf; d++)
                nnz += w[d] != 0.0;
            if (!(sv_nodes[p] = malloc((nnz + 1) * sizeof **sv_nodes))) {
                rc = ST_ERR_NOMEM;
                break;
            }
            size_t k = 0;
            for (int d = 1; d <= nf; d++)
                if (w[d] != 0.0) {
                    sv_nodes[p][k].index = d;
                    sv_nodes[p][k].value = w[d];
                    k++;
                }
            sv_nodes[p][k].index = -1;
            sv_nodes[p][k].value = 0;
            sv_len[p] = k + 1;
        }
    }
    if (rc != ST_OK)
        goto out_free;
    /* pack the pseudo SVs (in pair order = class order) into one block */
    size_t all = 0;
    for (int p = 0; p < np; p++)
        all += sv_len[p];
    struct svm_node *block = malloc((all ? all : 1) * sizeof *block);
    if (!block) {
        rc = ST_ERR_NOMEM;
        goto out_free;
    }
    for (int p = 0, at = 0; p < np; p++) {
        memcpy(block + at, sv_nodes[p], sv_len[p] * sizeof *block);
        m->SV[p] = block + at;
        at += (int)sv_len[p];
    }
    if (np == 0)
        free(block);
    *out = m;
    m = NULL;
out_free:
    if (m) {
        m->l = 0; /* SV[0] was never allocated as a block */
        svm_free_and_destroy_model(&m);
    }
    for (int p = 0; sv_nodes && p < K * (K - 1) / 2; p++)
        free(sv_nodes[p]);
    free(sv_nodes);
    free(sv_len);
    free(count);
    free(order);
    free(cw);
    free(bx);
    free(sx);
    free(pool);
    free(sy);
    free(w);
    return rc;
}

/* Trains with solver (ST_SOLVER_*; see libsvm_fit and liblinear_fit). */
static st_status fit(const st_dataset *ds, const size_t *idx, const fmat *x, double C,
                     const st_train_options *opt, int solver, int prob, struct svm_model **out)
{
    if (solver == ST_SOLVER_LIBLINEAR || solver == ST_SOLVER_LIBLINEAR_HINGE)
        return liblinear_fit(ds, idx, x, C, solver == ST_SOLVER_LIBLINEAR_HINGE, opt->class_weights, prob,
                             opt->seed, out);
    return libsvm_fit(ds, idx, x, C, opt->class_weights, prob, opt->seed, out);
}

/* Collapses pair p = (i, j) of a linear-kernel model into w[0..nf] (w[0] unused) the way
 * svm_predict_values combines it: class i's SVs carry sv_coef[j-1], class j's sv_coef[i]. */
static void collapse_pair(const struct svm_model *m, const int *start, int i, int j, size_t nf, double *w)
{
    memset(w, 0, (nf + 1) * sizeof *w);
    for (int s = 0; s < m->nSV[i]; s++) {
        double coef = m->sv_coef[j - 1][start[i] + s];
        for (const struct svm_node *n = m->SV[start[i] + s]; n->index != -1; n++)
            if (n->index >= 1 && (size_t)n->index <= nf)
                w[n->index] += coef * n->value;
    }
    for (int s = 0; s < m->nSV[j]; s++) {
        double coef = m->sv_coef[i][start[j] + s];
        for (const struct svm_node *n = m->SV[start[j] + s]; n->index != -1; n++)
            if (n->index >= 1 && (size_t)n->index <= nf)
                w[n->index] += coef * n->value;
    }
}

/* Voting labels (libsvm's svm_predict for C-SVC) of rows x[0..n) from collapsed weights, written to
 * pred_out[where[r]]: one dense vector per pair, so a prediction costs a sparse dot product per
 * pair, not one per support vector. */
static st_status predict_votes(const struct svm_model *m, size_t nf, const fmat *x, int *pred_out,
                               const size_t *where)
{
    int k = m->nr_class, np = k * (k - 1) / 2;
    double *w = malloc((size_t)(np ? np : 1) * (nf + 1) * sizeof *w);
    int *start = malloc((size_t)k * sizeof *start);
    int *vote = malloc((size_t)k * sizeof *vote);
    if (!w || !start || !vote) {
        free(w);
        free(start);
        free(vote);
        return ST_ERR_NOMEM;
    }
    start[0] = 0;
    for (int i = 1; i < k; i++)
        start[i] = start[i - 1] + m->nSV[i - 1];
    for (int p = 0, i = 0; i < k; i++)
        for (int j = i + 1; j < k; j++, p++)
            collapse_pair(m, start, i, j, nf, w + (size_t)p * (nf + 1));
    for (size_t r = 0; r < x->n; r++) {
        memset(vote, 0, (size_t)k * sizeof *vote);
        for (int p = 0, i = 0; i < k; i++)
            for (int j = i + 1; j < k; j++, p++) {
                const double *wp = w + (size_t)p * (nf + 1);
                double s = 0;
                for (const struct svm_node *e = x->x[r]; e->index != -1; e++)
                    if (e->index >= 1 && (size_t)e->index <= nf)
                        s += wp[e->index] * e->value;
                if (s - m->rho[p] > 0)
                    ++vote[i];
                else
                    ++vote[j];
            }
        int best = 0;
        for (int i = 1; i < k; i++)
            if (vote[i] > vote[best])
                best = i;
        pred_out[where[r]] = m->label[best];
    }
    free(w);
    free(start);
    free(vote);
    return ST_OK;
}

/* Runs the CV: pred[g * n + i] = predicted label of example i under grid value g. */
/* The cross-validation's solver: the one the options name, or for ST_SOLVER_AUTO the fast solver of
 * the final model's problem (liblinear's hinge loss for libsvm's C-SVC, liblinear itself for it). */
static int cv_solver(const st_train_options *opt)
{
    if (opt->cv_solver != ST_SOLVER_AUTO)
        return opt->cv_solver;
    return opt->solver == ST_SOLVER_LIBLINEAR ? ST_SOLVER_LIBLINEAR : ST_SOLVER_LIBLINEAR_HINGE;
}

static st_status cross_validate(const st_dataset *ds, const st_train_options *opt, const double *grid,
                                size_t grid_n, int k, int *pred, st_error *err)
{
    st_status rc = ST_OK;
    int *fold = malloc(ds->n * sizeof *fold);
    size_t *tr = malloc(ds->n * sizeof *tr), *te = malloc(ds->n * sizeof *te);
    if (!fold || !tr || !te) {
        rc = ST_ERR_NOMEM;
        goto out_free;
    }
    if ((rc = assign_folds(ds, k, opt->seed, fold)) != ST_OK)
        goto out_free;
    for (int f = 0; f < k && rc == ST_OK; f++) {
        size_t ntr = 0, nte = 0;
        int first_label = -1, one_label = 1;
        for (size_t i = 0; i < ds->n; i++) {
            if (fold[i] == f) {
                te[nte++] = i;
            } else {
                tr[ntr++] = i;
                if (first_label < 0)
                    first_label = ds->labels[i];
                else if (ds->labels[i] != first_label)
                    one_label = 0;
            }
        }
        if (nte == 0)
            continue;
        if (ntr == 0 || one_label) { /* nothing to separate: everything is the one training label */
            for (size_t g = 0; g < grid_n; g++)
                for (size_t i = 0; i < nte; i++)
                    pred[g * ds->n + te[i]] = first_label < 0 ? 0 : first_label;
            continue;
        }
        st_vocab *v = NULL;
        fmat xtr = {0}, xte = {0};
        rc = build_vocab(opt, ds, tr, ntr, &v);
        if (rc == ST_ERR_EMPTY) {
            st_error_set(err, rc, "", 0, "fold %d: no term is frequent enough to build a vocabulary", f + 1);
            break;
        }
        if (rc == ST_OK)
            rc = featurize_subset(v, ds, tr, ntr, &xtr);
        if (rc == ST_OK)
            rc = featurize_subset(v, ds, te, nte, &xte);
        for (size_t g = 0; g < grid_n && rc == ST_OK; g++) {
            struct svm_model *m = NULL;
            if ((rc = fit(ds, tr, &xtr, grid[g], opt, cv_solver(opt), 0, &m)) != ST_OK)
                break;
            rc = predict_votes(m, st_vocab_size(v), &xte, pred + g * ds->n, te);
            svm_free_and_destroy_model(&m);
        }
        fmat_free(&xtr);
        fmat_free(&xte);
        st_vocab_free(&v);
    }
out_free:
    free(fold);
    free(tr);
    free(te);
    return rc;
}

/* ---- writing the folder ---- */

/* Writes with "%.17g" in the C locale whatever the process locale is (uselocale is per thread). */
typedef struct c_numeric {
    locale_t c, old;
} c_numeric;

static int c_numeric_enter(c_numeric *s)
{
    s->c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (!s->c)
        return -1;
    s->old = uselocale(s->c);
    return 0;
}

static void c_numeric_leave(c_numeric *s)
{
    uselocale(s->old);
    freelocale(s->c);
}

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Removes path and, for a folder, everything under it (symlinks are removed, never followed). */
static int remove_tree(const char *path, int depth)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    if (depth > 16)
        return -1;
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *e;
    int r = 0;
    while (r == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *child = path_join(path, e->d_name);
        r = child ? remove_tree(child, depth + 1) : -1;
        free(child);
    }
    closedir(d);
    return r == 0 ? rmdir(path) : r;
}

/* mkdir -p for the parent folders of path. */
static int make_parents(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    free(p);
    return 0;
}

/* 1 when dir is empty or holds a model file, so replacing it cannot destroy unrelated data. */
static int replaceable(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int entries = 0, model = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        entries++;
        if (strcmp(e->d_name, "meta.json") == 0 || strcmp(e->d_name, "weights.tsv") == 0)
            model = 1;
    }
    closedir(d);
    return entries == 0 || model;
}

/* Writes weights.tsv from a model as svm_load_model returns it (see st_model.h for the format). */
static st_status write_weights(const struct svm_model *m, size_t n_features, const char *const *names,
                               const char *path, st_error *err)
{
    int k = m->nr_class;
    st_status rc = ST_OK;
    double *w = malloc((n_features + 1) * sizeof *w);
    int *start = malloc((size_t)k * sizeof *start);
    FILE *f = fopen(path, "wb");
    if (!w || !start) {
        rc = st_error_set(err, ST_ERR_NOMEM, path, 0, "out of memory");
        goto out_free;
    }
    if (!f) {
        rc = st_error_set(err, ST_ERR_IO, path, 0, "cannot create: %s", strerror(errno));
        goto out_free;
    }
    int prob = m->probA != NULL && m->probB != NULL;
    start[0] = 0;
    for (int i = 1; i < k; i++)
        start[i] = start[i - 1] + m->nSV[i - 1];
    c_numeric cn;
    if (c_numeric_enter(&cn) != 0) {
        rc = st_error_set(err, ST_ERR_NOMEM, path, 0, "cannot create the C locale");
        goto out_free;
    }
    fprintf(f, "# stance collapsed linear model: pair i j rho probA probB nnz, then nnz lines id weight\n");
    fprintf(f, "format\t1\nnr_class\t%d\nn_features\t%zu\nprobability\t%d\n", k, n_features, prob);
    for (int i = 0; i < k; i++)
        fprintf(f, "label\t%d\t%s\n", i, names[m->label[i]]);
    int p = 0;
    for (int i = 0; i < k; i++) {
        for (int j = i + 1; j < k; j++, p++) {
            collapse_pair(m, start, i, j, n_features, w);
            size_t nnz = 0;
            for (size_t d = 1; d <= n_features; d++)
                nnz += w[d] != 0.0;
            fprintf(f, "pair\t%d\t%d\t%.17g\t%.17g\t%.17g\t%zu\n", i, j, m->rho[p], prob ? m->probA[p] : 0.0,
                    prob ? m->probB[p] : 0.0, nnz);
            for (size_t d = 1; d <= n_features; d++)
                if (w[d] != 0.0)
                    fprintf(f, "%zu\t%.17g\n", d, w[d]);
        }
    }
    c_numeric_leave(&cn);
    if (ferror(f))
        rc = st_error_set(err, ST_ERR_IO, path, 0, "write error");
out_free:
    if (f && fclose(f) != 0 && rc == ST_OK)
        rc = st_error_set(err, ST_ERR_IO, path, 0, "cannot close: %s", strerror(errno));
    free(w);
    free(start);
    return rc;
}

/* UTC ISO 8601 of SOURCE_DATE_EPOCH when set (https://reproducible-builds.org/specs/
 * source-date-epoch/), else of now. */
static st_status training_date(char out[32], st_error *err)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t t;
    if (sde && *sde) {
        char *end;
        errno = 0;
        long long v = strtoll(sde, &end, 10);
        if (errno || *end || v < 0)
            return st_error_set(err, ST_ERR_INVALID, "SOURCE_DATE_EPOCH", 0,
                                "not a decimal number of seconds: %s", sde);
        t = (time_t)v;
    } else {
        t = time(NULL);
    }
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return st_error_set(err, ST_ERR_INVALID, "SOURCE_DATE_EPOCH", 0, "date out of range");
    return ST_OK;
}

typedef struct train_result {
    const struct svm_model *model; /* as reloaded from model.svm */
    size_t n_features;
    double best_c;
    int has_prob;
    const char *trained_at;
} train_result;

static json_t *meta_build(const st_dataset *ds, const st_train_options *opt, const st_train_report *rep,
                          const train_result *tr)
{
    json_t *meta = json_object();
    json_t *labels = json_array(), *ids = json_array(), *per = json_object(), *conf_labels = json_array();
    json_t *matrix = json_array(), *grid = json_array(), *counts = json_object(), *metrics = json_object();
    int n = ds->n_labels;
    double *p = malloc((size_t)n * sizeof *p), *r = malloc((size_t)n * sizeof *r),
           *f = malloc((size_t)n * sizeof *f);
    long *support = calloc((size_t)n, sizeof *support);
    char sha[65];
    if (!meta || !labels || !ids || !per || !conf_labels || !matrix || !grid || !counts || !metrics || !p ||
        !r || !f || !support)
        goto out_fail;
    for (int i = 0; i < tr->model->nr_class; i++) {
        json_array_append_new(labels, json_string(ds->label_names[tr->model->label[i]]));
        json_array_append_new(ids, json_integer(tr->model->label[i]));
    }
    for (size_t i = 0; i < ds->n; i++)
        support[ds->labels[i]]++;
    st_scores_compute(rep->confusion, n, p, r, f, NULL, NULL);
    for (int c = 0; c < n; c++) {
        json_object_set_new(counts, ds->label_names[c], json_integer(support[c]));
        json_t *row = json_array();
        for (int k = 0; k < n; k++)
            json_array_append_new(row, json_integer(rep->confusion[(size_t)c * n + k]));
        json_array_append_new(matrix, row);
        json_array_append_new(conf_labels, json_string(ds->label_names[c]));
        json_object_set_new(per, ds->label_names[c],
                            json_pack("{s:f,s:f,s:f,s:I}", "precision", p[c], "recall", r[c], "f1", f[c],
                                      "support", (json_int_t)support[c]));
    }
    for (size_t g = 0; g < rep->grid_n; g++)
        json_array_append_new(grid,
                              json_pack("{s:f,s:f}", "C", rep->grid_c[g], "macro_f1", rep->grid_macro_f1[g]));
    json_object_set_new(metrics, "cv_accuracy", json_real(rep->cv_accuracy));
    json_object_set_new(metrics, "cv_macro_f1", json_real(rep->cv_macro_f1));
    json_object_set_new(metrics, "folds", json_integer(rep->folds));
    json_object_set_new(metrics, "per_label", per);
    json_object_set_new(metrics, "confusion",
                        json_pack("{s:o,s:o}", "labels", conf_labels, "matrix", matrix));
    json_object_set_new(metrics, "grid", grid);
    per = conf_labels = matrix = grid = NULL;
    st_dataset_sha256(ds, sha);
    json_object_set_new(meta, "task", json_string(opt->task ? opt->task : "model"));
    json_object_set_new(meta, "labels", labels);
    json_object_set_new(meta, "svm_labels", ids);
    json_object_set_new(meta, "examples_per_label", counts);
    json_object_set_new(meta, "metrics", metrics);
    labels = ids = counts = metrics = NULL;
    json_object_set_new(meta, "n_examples", json_integer((json_int_t)ds->n));
    json_object_set_new(meta, "n_features", json_integer((json_int_t)tr->n_features));
    json_object_set_new(meta, "C", json_real(tr->best_c));
    json_object_set_new(meta, "seed", json_integer(opt->seed));
    json_object_set_new(meta, "class_weights", json_boolean(opt->class_weights));
    if (opt->lexicon)
        json_object_set_new(meta, "lexicon_entries", json_integer((json_int_t)st_lexicon_size(opt->lexicon)));
    json_object_set_new(meta, "probability", json_boolean(tr->has_prob));
    if (!tr->has_prob)
        json_object_set_new(meta, "probability_note",
                            json_string(opt->probability
                                            ? "no calibrated probabilities: a class has fewer than 5 "
                                              "examples; labels come from the decision function"
                                            : "trained without probabilities (--no-probability)"));
    if (opt->solver == ST_SOLVER_LIBLINEAR) {
        json_object_set_new(meta, "solver",
                            json_string("liblinear L2R_L2LOSS_SVC_DUAL one-vs-one, Platt scaling as libsvm"));
        json_object_set_new(meta, "liblinear_version", json_integer(liblinear_version));
    } else {
        json_object_set_new(meta, "solver", json_string("libsvm C-SVC linear"));
    }
    int cvs = cv_solver(opt);
    json_object_set_new(meta, "cv_solver",
                        json_string(cvs == ST_SOLVER_LIBSVM      ? "libsvm C-SVC linear"
                                    : cvs == ST_SOLVER_LIBLINEAR ? "liblinear L2R_L2LOSS_SVC_DUAL"
                                                                 : "liblinear L2R_L1LOSS_SVC_DUAL"));
    json_object_set_new(meta, "dataset_sha256", json_string(sha));
    json_object_set_new(meta, "version", json_string(ST_VERSION));
    json_object_set_new(meta, "libsvm_version", json_integer(libsvm_version));
    json_object_set_new(meta, "trained_at", json_string(tr->trained_at));
    json_object_set_new(meta, "model_format", json_integer(1));
    goto out_free;
out_fail:
    json_decref(meta);
    meta = NULL;
out_free:
    json_decref(labels);
    json_decref(ids);
    json_decref(per);
    json_decref(conf_labels);
    json_decref(matrix);
    json_decref(grid);
    json_decref(counts);
    json_decref(metrics);
    free(p);
    free(r);
    free(f);
    free(support);
    return meta;
}

static st_status write_meta(json_t *meta, const char *path, st_error *err)
{
    c_numeric cn;
    if (c_numeric_enter(&cn) != 0)
        return st_error_set(err, ST_ERR_NOMEM, path, 0, "cannot create the C locale");
    char *text = json_dumps(meta, JSON_SORT_KEYS | JSON_INDENT(2) | JSON_REAL_PRECISION(15));
    c_numeric_leave(&cn);
    if (!text)
        return st_error_set(err, ST_ERR_NOMEM, path, 0, "out of memory");
    st_status rc = ST_OK;
    FILE *f = fopen(path, "wb");
    if (!f) {
        rc = st_error_set(err, ST_ERR_IO, path, 0, "cannot create: %s", strerror(errno));
        goto out_free_text;
    }
    if (fputs(text, f) == EOF || fputc('\n', f) == EOF)
        rc = st_error_set(err, ST_ERR_IO, path, 0, "write error");
    if (fclose(f) != 0 && rc == ST_OK)
        rc = st_error_set(err, ST_ERR_IO, path, 0, "cannot close: %s", strerror(errno));
out_free_text:
    free(text);
    return rc;
}

/* Replaces out_dir by tmp: rename the old folder aside, rename tmp in, remove the old one. */
static st_status install_dir(const char *tmp, const char *out_dir, st_error *err)
{
    struct stat st;
    if (lstat(out_dir, &st) != 0) {
        if (rename(tmp, out_dir) != 0)
            return st_error_set(err, ST_ERR_IO, out_dir, 0, "cannot rename %s: %s", tmp, strerror(errno));
        return ST_OK;
    }
    if (!S_ISDIR(st.st_mode) || !replaceable(out_dir))
        return st_error_set(err, ST_ERR_IO, out_dir, 0, "exists and is not a model folder; not replacing it");
    size_t n = strlen(out_dir) + 32;
    char *old = malloc(n);
    if (!old)
        return st_error_set(err, ST_ERR_NOMEM, out_dir, 0, "out of memory");
    snprintf(old, n, "%s.old-%ld", out_dir, (long)getpid());
    st_status rc = ST_OK;
    remove_tree(old, 0);
    if (rename(out_dir, old) != 0) {
        rc = st_error_set(err, ST_ERR_IO, out_dir, 0, "cannot move the old model aside: %s", strerror(errno));
        goto out_free_old;
    }
    if (rename(tmp, out_dir) != 0) {
        rc = st_error_set(err, ST_ERR_IO, out_dir, 0, "cannot rename %s: %s", tmp, strerror(errno));
        rename(old, out_dir); /* put the old model back */
        goto out_free_old;
    }
    remove_tree(old, 0);
out_free_old:
    free(old);
    return rc;
}

static st_status write_folder(const st_dataset *ds, const st_train_options *opt, const st_train_report *rep,
                              struct svm_model *model, const st_vocab *vocab, double best_c, int has_prob,
                              const char *out_dir, st_error *err)
{
    st_status rc = ST_OK;
    char date[32];
    if ((rc = training_date(date, err)) != ST_OK)
        return rc;
    size_t n = strlen(out_dir) + 32;
    char *tmp = malloc(n);
    char *f_svm = NULL, *f_w = NULL, *f_v = NULL, *f_m = NULL;
    struct svm_model *loaded = NULL;
    json_t *meta = NULL;
    if (!tmp)
        return st_error_set(err, ST_ERR_NOMEM, out_dir, 0, "out of memory");
    snprintf(tmp, n, "%s.tmp-%ld", out_dir, (long)getpid());
    if (make_parents(out_dir) != 0) {
        rc = st_error_set(err, ST_ERR_IO, out_dir, 0, "cannot create parent folders: %s", strerror(errno));
        goto out_free;
    }
    remove_tree(tmp, 0);
    if (mkdir(tmp, 0755) != 0) {
        rc = st_error_set(err, ST_ERR_IO, tmp, 0, "cannot create: %s", strerror(errno));
        goto out_free;
    }
    f_svm = path_join(tmp, "model.svm");
    f_w = path_join(tmp, "weights.tsv");
    f_v = path_join(tmp, "vocab.tsv");
    f_m = path_join(tmp, "meta.json");
    if (!f_svm || !f_w || !f_v || !f_m) {
        rc = st_error_set(err, ST_ERR_NOMEM, out_dir, 0, "out of memory");
        goto out_remove_tmp;
    }
    if (svm_save_model(f_svm, model) != 0) {
        rc = st_error_set(err, ST_ERR_IO, f_svm, 0, "libsvm could not write the model");
        goto out_remove_tmp;
    }
    /* Collapse the model as libsvm reads it back (SVs are saved with 8 significant digits), so our
     * decision values match svm_predict on model.svm. */
    if (!(loaded = svm_load_model(f_svm))) {
        rc = st_error_set(err, ST_ERR_IO, f_svm, 0, "libsvm could not read back the model it wrote");
        goto out_remove_tmp;
    }
    size_t n_features = st_vocab_size(vocab);
    if ((rc = write_weights(loaded, n_features, (const char *const *)ds->label_names, f_w, err)) != ST_OK)
        goto out_remove_tmp;
    if ((rc = st_vocab_save(vocab, f_v)) != ST_OK) {
        st_error_set(err, rc, f_v, 0, "cannot write the vocabulary");
        goto out_remove_tmp;
    }
    train_result tr = {loaded, n_features, best_c, has_prob, date};
    if (!(meta = meta_build(ds, opt, rep, &tr))) {
        rc = st_error_set(err, ST_ERR_NOMEM, f_m, 0, "out of memory");
        goto out_remove_tmp;
    }
    if ((rc = write_meta(meta, f_m, err)) != ST_OK)
        goto out_remove_tmp;
    if ((rc = install_dir(tmp, out_dir, err)) != ST_OK)
        goto out_remove_tmp;
    goto out_free;
out_remove_tmp:
    remove_tree(tmp, 0);
out_free:
    json_decref(meta);
    svm_free_and_destroy_model(&loaded);
    free(f_svm);
    free(f_w);
    free(f_v);
    free(f_m);
    free(tmp);
    return rc;
}

st_status st_train(const st_dataset *ds, const st_train_options *opt, const char *out_dir,
                   st_train_report *rep, st_error *err)
{
    st_train_options defaults = st_train_options_default();
    if (!opt)
        opt = &defaults;
    if (!ds || !out_dir || !*out_dir || !rep)
        return st_error_set(err, ST_ERR_INVALID, out_dir ? out_dir : "", 0, "missing argument");
    memset(rep, 0, sizeof *rep);
    if (ds->n == 0 || ds->n_labels < 2)
        return st_error_set(err, ST_ERR_EMPTY, out_dir, 0,
                            "need examples of at least 2 labels (have %zu of %d)", ds->n, ds->n_labels);
    if (ds->n_labels > ST_MAX_LABELS)
        return st_error_set(err, ST_ERR_INVALID, out_dir, 0, "%d labels; at most %d are supported",
                            ds->n_labels, ST_MAX_LABELS);
    if (ds->n > (size_t)INT32_MAX)
        return st_error_set(err, ST_ERR_TOO_LARGE, out_dir, 0, "too many examples for libsvm");
    const double *grid = opt->c_grid ? opt->c_grid : default_grid;
    size_t grid_n = opt->c_grid ? opt->c_grid_n : sizeof default_grid / sizeof default_grid[0];
    if (grid_n == 0 || grid_n > MAX_GRID)
        return st_error_set(err, ST_ERR_INVALID, out_dir, 0, "the C grid needs 1 to %d values", MAX_GRID);
    for (size_t g = 0; g < grid_n; g++)
        if (!(grid[g] > 0) || !isfinite(grid[g]))
            return st_error_set(err, ST_ERR_INVALID, out_dir, 0, "C must be positive and finite");

    st_status rc = ST_OK;
    int n = ds->n_labels;
    int k = opt->folds > 1 ? opt->folds : 0;
    if ((size_t)k > ds->n)
        k = (int)ds->n;
    int *pred = NULL;
    size_t *all = NULL;
    st_vocab *vocab = NULL;
    fmat x = {0};
    struct svm_model *model = NULL;
    rep->confusion = calloc((size_t)n * n, sizeof *rep->confusion);
    all = malloc(ds->n * sizeof *all);
    if (!rep->confusion || !all) {
        rc = st_error_set(err, ST_ERR_NOMEM, out_dir, 0, "out of memory");
        goto out_free;
    }
    rep->n_labels = n;
    rep->n_examples = ds->n;
    rep->grid_n = grid_n;
    rep->folds = k;
    for (size_t g = 0; g < grid_n; g++)
        rep->grid_c[g] = grid[g];
    size_t best = 0;
    if (k > 1) {
        if (!(pred = malloc(grid_n * ds->n * sizeof *pred))) {
            rc = st_error_set(err, ST_ERR_NOMEM, out_dir, 0, "out of memory");
            goto out_free;
        }
        if ((rc = cross_validate(ds, opt, grid, grid_n, k, pred, err)) != ST_OK) {
            if (rc == ST_ERR_NOMEM)
                st_error_set(err, rc, out_dir, 0, "out of memory");
            goto out_free;
        }
        for (size_t g = 0; g < grid_n; g++) {
            memset(rep->confusion, 0, (size_t)n * n * sizeof *rep->confusion);
            for (size_t i = 0; i < ds->n; i++)
                rep->confusion[(size_t)ds->labels[i] * n + pred[g * ds->n + i]]++;
            st_scores_compute(rep->confusion, n, NULL, NULL, NULL, NULL, &rep->grid_macro_f1[g]);
            double bf = rep->grid_macro_f1[best];
            if (rep->grid_macro_f1[g] > bf || (rep->grid_macro_f1[g] == bf && grid[g] < grid[best]))
                best = g;
        }
        memset(rep->confusion, 0, (size_t)n * n * sizeof *rep->confusion);
        for (size_t i = 0; i < ds->n; i++)
            rep->confusion[(size_t)ds->labels[i] * n + pred[best * ds->n + i]]++;
        st_scores_compute(rep->confusion, n, NULL, NULL, NULL, &rep->cv_accuracy, &rep->cv_macro_f1);
    }
    rep->best_c = grid[best];

    for (size_t i = 0; i < ds->n; i++)
        all[i] = i;
    rc = build_vocab(opt, ds, all, ds->n, &vocab);
    if (rc != ST_OK) {
        st_error_set(err, rc, out_dir, 0, "%s",
                     rc == ST_ERR_EMPTY ? "no term is frequent enough to build a vocabulary"
                                        : "out of memory");
        goto out_free;
    }
    if ((rc = featurize_subset(vocab, ds, all, ds->n, &x)) != ST_OK) {
        st_error_set(err, rc, out_dir, 0, "out of memory");
        goto out_free;
    }
    rep->n_features = st_vocab_size(vocab);
    int prob = opt->probability != 0;
    for (int c = 0; c < n && prob; c++) {
        long cnt = 0;
        for (size_t i = 0; i < ds->n; i++)
            cnt += ds->labels[i] == c;
        if (cnt < 5)
            prob = 0; /* Platt's internal 5-fold CV needs examples of every class in every fold */
    }
    if ((rc = fit(ds, all, &x, rep->best_c, opt, opt->solver, prob, &model)) != ST_OK) {
        st_error_set(err, rc, out_dir, 0, "libsvm training failed");
        goto out_free;
    }
    rep->has_probability = prob && svm_check_probability_model(model);
    rc = write_folder(ds, opt, rep, model, vocab, rep->best_c, rep->has_probability, out_dir, err);
out_free:
    svm_free_and_destroy_model(&model);
    fmat_free(&x);
    st_vocab_free(&vocab);
    free(pred);
    free(all);
    if (rc != ST_OK)
        st_train_report_free(rep);
    return rc;
}
