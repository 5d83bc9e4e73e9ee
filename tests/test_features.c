/* test_features.c - vocabulary, n-grams and tf-idf vectors (core/features.c): hand-computed
 * tf-idf, min_df and max_features, bigrams and NOT_ terms, libsvm vector hygiene (E19), E13
 * vectors, save/load round trips, malformed files, and no allocation once warm. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libsvm/svm.h>

#include "st_features.h"

/* ---- allocation counting (glibc, not under ASan or TSan, which own malloc) ---- */
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define COUNT_ALLOCS 1
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static int counting;
static long n_allocs;
void *malloc(size_t n)
{
    if (counting)
        n_allocs++;
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    if (counting)
        n_allocs++;
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    if (counting)
        n_allocs++;
    return __libc_realloc(p, n);
}
#endif

static const char *const tiny[] = {"apple banana apple", "banana cherry", "cherry cherry date"};

static st_vocab *build(const st_featurizer_config *cfg, const char *const *texts, size_t n)
{
    size_t *lens = malloc(n * sizeof *lens);
    assert_non_null(lens);
    for (size_t i = 0; i < n; i++)
        lens[i] = strlen(texts[i]);
    st_vocab *v = NULL;
    assert_int_equal(st_vocab_build(cfg, texts, lens, n, &v), ST_OK);
    assert_non_null(v);
    free(lens);
    return v;
}

static void featurize(const st_vocab *v, const char *text, st_svec *out)
{
    st_featurize_scratch *s;
    assert_int_equal(st_featurize_scratch_new(&s), ST_OK);
    size_t n = strlen(text);
    char *copy = malloc(n ? n : 1); /* exact size: ASan sees over-reads */
    assert_non_null(copy);
    memcpy(copy, text, n);
    assert_int_equal(st_featurize(v, copy, n, s, out), ST_OK);
    free(copy);
    st_featurize_scratch_free(&s);
    assert_null(s);
}

static double value_of(const st_svec *x, int id)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->index[i] == id)
            return x->value[i];
    return 0.0;
}

static int has_id(const st_svec *x, int id)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->index[i] == id)
            return 1;
    return 0;
}

static void check_hygiene(const st_svec *x)
{
    assert_true(st_svec_check(x));
    double ss = 0.0;
    for (size_t i = 0; i < x->n; i++) {
        assert_true(x->index[i] >= 1);
        if (i)
            assert_true(x->index[i] > x->index[i - 1]);
        assert_true(isfinite(x->value[i]));
        ss += x->value[i] * x->value[i];
    }
    if (x->n)
        assert_true(fabs(sqrt(ss) - 1.0) < 1e-12);
}

static int lookup(const st_vocab *v, const char *term)
{
    return st_vocab_lookup(v, term, strlen(term));
}

/* ---- tf-idf by hand ---- */

static void test_tfidf_by_hand(void **state)
{
    (void)state;
    st_featurizer_config cfg = st_featurizer_config_default();
    cfg.ngram_max = 1;
    cfg.min_df = 1;
    st_vocab *v = build(&cfg, tiny, 3);
    /* ids in sorted term order */
    assert_int_equal(st_vocab_size(v), 4);
    assert_string_equal(st_vocab_term(v, 1), "apple");
    assert_string_equal(st_vocab_term(v, 2), "banana");
    assert_string_equal(st_vocab_term(v, 3), "cherry");
    assert_string_equal(st_vocab_term(v, 4), "date");
    assert_null(st_vocab_term(v, 0));
    assert_null(st_vocab_term(v, 5));
    assert_int_equal(st_vocab_n_docs(v), 3);
    assert_int_equal(st_vocab_df(v, 1), 1);
    assert_int_equal(st_vocab_df(v, 2), 2);
    assert_int_equal(st_vocab_df(v, 3), 2);
    assert_int_equal(st_vocab_df(v, 4), 1);
    /* smooth idf: ln((1 + N) / (1 + df)) + 1 with N = 3 */
    const double idf1 = log(4.0 / 2.0) + 1.0, idf2 = log(4.0 / 3.0) + 1.0;
    assert_true(fabs(st_vocab_idf(v, 1) - idf1) < 1e-15);
    assert_true(fabs(st_vocab_idf(v, 2) - idf2) < 1e-15);
    assert_true(fabs(st_vocab_idf(v, 3) - idf2) < 1e-15);
    assert_true(fabs(st_vocab_idf(v, 4) - idf1) < 1e-15);

    /* doc 1: apple tf 2 -> (1 + ln 2) idf1; banana tf 1 -> idf2; then L2 */
    st_svec x;
    st_svec_init(&x);
    featurize(v, "apple banana apple", &x);
    check_hygiene(&x);
    assert_int_equal(x.n, 2);
    double a = (1.0 + log(2.0)) * idf1, b = idf2, norm = sqrt(a * a + b * b);
    assert_int_equal(x.index[0], 1);
    assert_int_equal(x.index[1], 2);
    assert_true(fabs(x.value[0] - a / norm) < 1e-12);
    assert_true(fabs(x.value[1] - b / norm) < 1e-12);

    /* doc 3: cherry tf 2, date tf 1 */
    featurize(v, "cherry cherry date", &x);
    a = (1.0 + log(2.0)) * idf2;
    b = idf1;
    norm = sqrt(a * a + b * b);
    assert_int_equal(x.n, 2);
    assert_true(fabs(value_of(&x, 3) - a / norm) < 1e-12);
    assert_true(fabs(value_of(&x, 4) - b / norm) < 1e-12);
    st_vocab_free(&v);
    assert_null(v);

    /* raw counts without sublinear tf */
    cfg.sublinear_tf = 0;
    v = build(&cfg, tiny, 3);
    featurize(v, "apple apple apple banana", &x);
    a = 3.0 * idf1;
    b = idf2;
    norm = sqrt(a * a + b * b);
    assert_true(fabs(value_of(&x, 1) - a / norm) < 1e-12);
    assert_true(fabs(value_of(&x, 2) - b / norm) < 1e-12);
    st_vocab_free(&v);
    st_svec_free(&x);
}

static void test_min_df_and_unknown_terms(void **state)
{
    (void)state;
    st_vocab *v = build(NULL, tiny, 3); /* defaults: unigrams + bigrams, min_df 2 */
    /* only banana and cherry are in two documents; every bigram is in one */
    assert_int_equal(st_vocab_size(v), 2);
    assert_int_equal(lookup(v, "banana"), 1);
    assert_int_equal(lookup(v, "cherry"), 2);
    assert_int_equal(lookup(v, "apple"), 0);
    assert_int_equal(lookup(v, "banana cherry"), 0);
    assert_int_equal(st_vocab_lookup(v, "bananas", 6), 1); /* length counts, not the NUL */
    const st_featurizer_config *c = st_vocab_config(v);
    assert_int_equal(c->min_df, 2);
    assert_int_equal(c->ngram_max, 2);

    st_svec x;
    st_svec_init(&x);
    featurize(v, "zebra banana apple", &x); /* unknown terms are ignored */
    assert_int_equal(x.n, 1);
    assert_int_equal(x.index[0], 1);
    assert_true(fabs(x.value[0] - 1.0) < 1e-15);
    featurize(v, "", &x);
    assert_int_equal(x.n, 0);
    featurize(v, "zebra unicorn", &x);
    assert_int_equal(x.n, 0);
    featurize(v, "... \u2014 !!!", &x);
    assert_int_equal(x.n, 0);
    st_svec_free(&x);
    st_vocab_free(&v);
}

static void test_max_features(void **state)
{
    (void)state;
    static const char *const docs[] = {"a b c d", "a b c", "a b", "a e"};
    st_featurizer_config cfg = st_featurizer_config_default();
    cfg.ngram_max = 1;
    cfg.min_df = 1;
    cfg.max_features = 3;
    st_vocab *v = build(&cfg, docs, 4);
    /* df: a 4, b 3, c 2, d 1, e 1 -> keep a, b, c */
    assert_int_equal(st_vocab_size(v), 3);
    assert_int_equal(lookup(v, "a"), 1);
    assert_int_equal(lookup(v, "b"), 2);
    assert_int_equal(lookup(v, "c"), 3);
    st_vocab_free(&v);
    cfg.max_features = 4; /* ties at df 1 break by term bytes: d before e */
    v = build(&cfg, docs, 4);
    assert_int_equal(lookup(v, "d"), 4);
    assert_int_equal(lookup(v, "e"), 0);
    st_vocab_free(&v);
}

static void test_bigrams_and_negation_terms(void **state)
{
    (void)state;
    static const char *const docs[] = {"The plan is not good.", "Not good at all, but the plan holds.",
                                       "The minister won\u2019t back the plan.",
                                       "The minister will back the plan."};
    st_featurizer_config cfg = st_featurizer_config_default();
    cfg.min_df = 1;
    st_vocab *v = build(&cfg, docs, 4);
    assert_true(lookup(v, "the plan") > 0);
    assert_true(lookup(v, "not NOT_good") > 0);
    assert_true(lookup(v, "NOT_good") > 0);
    assert_true(lookup(v, "won't NOT_back") > 0);
    assert_true(lookup(v, "NOT_back NOT_the") > 0);
    assert_true(lookup(v, "will back") > 0);
    assert_int_equal(lookup(v, "good"), 0); /* "good" only ever appears negated */

    st_svec x;
    st_svec_init(&x);
    featurize(v, "This is not good", &x);
    check_hygiene(&x);
    assert_true(has_id(&x, lookup(v, "NOT_good")));
    assert_true(has_id(&x, lookup(v, "not NOT_good")));
    assert_true(has_id(&x, lookup(v, "not")));
    featurize(v, "The plan", &x);
    assert_true(has_id(&x, lookup(v, "the plan")));
    assert_int_equal(x.n, 3); /* the, plan, the plan */

    /* E13: (a), (b), (c), (d) give identical vectors */
    static const char *const e13[] = {
        "The minister won\u2019t back the plan.", "The minister won't back the plan.",
        "The minister won\u2018t back the plan.", "The minister won \u2019t back the plan."};
    st_svec y;
    st_svec_init(&y);
    featurize(v, e13[0], &x);
    assert_true(x.n >= 6);
    assert_true(has_id(&x, lookup(v, "NOT_back")));
    assert_true(has_id(&x, lookup(v, "NOT_plan")));
    for (size_t i = 1; i < 4; i++) {
        featurize(v, e13[i], &y);
        assert_int_equal(y.n, x.n);
        assert_memory_equal(y.index, x.index, x.n * sizeof *x.index);
        assert_memory_equal(y.value, x.value, x.n * sizeof *x.value);
    }
    st_svec_free(&y);
    st_svec_free(&x);
    st_vocab_free(&v);
}

static void test_trigrams_and_char_ngrams(void **state)
{
    (void)state;
    static const char *const docs[] = {"big red car", "big red bus", "caf\u00E9 big"};
    st_featurizer_config cfg = st_featurizer_config_default();
    cfg.min_df = 1;
    cfg.ngram_min = 2;
    cfg.ngram_max = 3;
    st_vocab *v = build(&cfg, docs, 3);
    assert_int_equal(lookup(v, "big"), 0); /* ngram_min 2: no unigrams */
    assert_true(lookup(v, "big red") > 0);
    assert_true(lookup(v, "big red car") > 0);
    st_vocab_free(&v);

    cfg.ngram_min = 1;
    cfg.ngram_max = 1;
    cfg.char_ngram_min = 2;
    cfg.char_ngram_max = 3;
    v = build(&cfg, docs, 3);
    /* " big " -> " b", "bi", "ig", "g ", " bi", "big", "ig " (code points, padded) */
    const char *want[] = {"#c: b",  "#c:bi",  "#c:ig",      "#c:g ",      "#c: bi",
                          "#c:big", "#c:ig ", "#c:f\u00E9", "#c:\u00E9 ", "#c:af\u00E9"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_true(lookup(v, want[i]) > 0);
    assert_int_equal(lookup(v, "#c:big "), 0);
    assert_int_equal(st_vocab_df(v, lookup(v, "#c:ig")), 3);
    st_svec x;
    st_svec_init(&x);
    featurize(v, "BIG", &x);
    check_hygiene(&x);
    assert_int_equal(x.n, 8); /* big + 7 char n-grams */
    st_vocab_free(&v);

    /* a padded word shorter than n gives itself once; NOT_ is not part of char n-grams */
    static const char *const docs2[] = {"no a", "no a"};
    cfg.char_ngram_min = 4;
    cfg.char_ngram_max = 5;
    v = build(&cfg, docs2, 2);
    assert_true(lookup(v, "#c: no ") > 0);
    assert_true(lookup(v, "#c: a ") > 0);
    assert_true(lookup(v, "NOT_a") > 0);
    assert_int_equal(lookup(v, "#c: NOT_a "), 0);
    assert_int_equal(st_vocab_size(v), 4); /* unigrams only: no, NOT_a, "#c: no ", "#c: a " */
    st_vocab_free(&v);
    st_svec_free(&x);
}

/* ---- E19: sparse vector hygiene ---- */

static void test_e19_vector_hygiene(void **state)
{
    (void)state;
    st_featurizer_config cfg = st_featurizer_config_default();
    cfg.min_df = 1;
    cfg.ngram_max = 1;
    st_vocab *v = build(&cfg, tiny, 3);
    st_svec x;
    st_svec_init(&x);
    /* text order is not index order; repeated terms are summed; the first id is 1, never 0 */
    featurize(v, "date cherry banana apple apple date date", &x);
    check_hygiene(&x);
    assert_int_equal(x.n, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(x.index[i], i + 1);
    assert_true(value_of(&x, 4) > value_of(&x, 1)); /* tf 3 vs tf 2, same idf */

    /* libsvm nodes: the same entries then index -1 */
    struct svm_node *nodes = NULL;
    size_t cap = 0;
    assert_int_equal(st_svec_to_libsvm(&x, &nodes, &cap), ST_OK);
    assert_true(cap >= 5);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(nodes[i].index, x.index[i]);
        assert_true(nodes[i].value == x.value[i]);
    }
    assert_int_equal(nodes[4].index, -1);
    /* an empty article: only the terminator */
    featurize(v, "", &x);
    assert_int_equal(x.n, 0);
    assert_int_equal(st_svec_to_libsvm(&x, &nodes, &cap), ST_OK);
    assert_int_equal(nodes[0].index, -1);
    free(nodes);

    /* st_svec_check catches what libsvm silently mis-reads */
    int ix[3] = {1, 3, 2};
    double va[3] = {0.5, 0.5, 0.5};
    st_svec bad = {ix, va, 3, 3};
    assert_false(st_svec_check(&bad)); /* unsorted */
    ix[1] = 1;
    assert_false(st_svec_check(&bad)); /* duplicate */
    ix[0] = 0;
    ix[1] = 2;
    ix[2] = 3;
    assert_false(st_svec_check(&bad)); /* index 0 */
    ix[0] = 1;
    assert_true(st_svec_check(&bad));
    va[1] = NAN;
    assert_false(st_svec_check(&bad));
    va[1] = INFINITY;
    assert_false(st_svec_check(&bad));
    st_svec_free(&x);
    st_vocab_free(&v);
}

/* Many terms (enough for the table to pass 1 MiB, so the prefetching path runs): the table is full
 * of collisions and probe chains (and some term sits in slot 0);
 * every term must still find its own id, and absent terms none, both through st_vocab_lookup (a
 * binary search) and through featurizing (the table). */
static void test_lookup_many_terms(void **state)
{
    (void)state;
    enum { N = 40000 };
    char **docs = malloc(N * sizeof *docs);
    assert_non_null(docs);
    for (int i = 0; i < N; i++) {
        docs[i] = malloc(32);
        assert_non_null(docs[i]);
        snprintf(docs[i], 32, "w%dx q%d", i, i % 7);
    }
    st_featurizer_config cfg = st_featurizer_config_default();
    cfg.min_df = 1;
    cfg.ngram_max = 1;
    st_vocab *v = build(&cfg, (const char *const *)docs, N);
    assert_int_equal(st_vocab_size(v), N + 7);
    for (size_t id = 1; id <= st_vocab_size(v); id++) {
        const char *t = st_vocab_term(v, (int)id);
        assert_int_equal(lookup(v, t), (int)id);
        if (id > 1)
            assert_true(strcmp(st_vocab_term(v, (int)id - 1), t) < 0);
    }
    st_svec x;
    st_svec_init(&x);
    for (size_t id = 1; id <= st_vocab_size(v); id++) {
        featurize(v, st_vocab_term(v, (int)id), &x);
        assert_int_equal(x.n, 1);
        assert_int_equal(x.index[0], (int)id);
    }
    char key[32];
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "w%dy", i);
        assert_int_equal(lookup(v, key), 0);
        featurize(v, key, &x);
        assert_int_equal(x.n, 0);
    }
    /* before the first term, after the last, empty */
    assert_int_equal(lookup(v, "a"), 0);
    assert_int_equal(lookup(v, "z"), 0);
    assert_int_equal(st_vocab_lookup(v, "q1", 0), 0);
    featurize(v, "q3 w17x w5x w17x", &x);
    check_hygiene(&x);
    assert_int_equal(x.n, 3);
    st_svec_free(&x);
    st_vocab_free(&v);
    for (int i = 0; i < N; i++)
        free(docs[i]);
    free(docs);
}

static void test_build_errors(void **state)
{
    (void)state;
    st_vocab *v = (st_vocab *)&v; /* must be reset to NULL on failure */
    size_t lens[3] = {18, 13, 18};
    assert_int_equal(st_vocab_build(NULL, tiny, lens, 0, &v), ST_ERR_EMPTY);
    assert_null(v);
    st_featurizer_config cfg = st_featurizer_config_default();
    cfg.min_df = 5; /* nothing is in five documents */
    assert_int_equal(st_vocab_build(&cfg, tiny, lens, 3, &v), ST_ERR_EMPTY);
    static const char *const blank[] = {"...", "!!"};
    size_t blens[2] = {3, 2};
    assert_int_equal(st_vocab_build(NULL, blank, blens, 2, &v), ST_ERR_EMPTY);
    const st_featurizer_config base = st_featurizer_config_default();
    cfg = base;
    cfg.ngram_min = 0;
    assert_int_equal(st_vocab_build(&cfg, tiny, lens, 3, &v), ST_ERR_INVALID);
    cfg = base;
    cfg.ngram_max = 4;
    assert_int_equal(st_vocab_build(&cfg, tiny, lens, 3, &v), ST_ERR_INVALID);
    cfg = base;
    cfg.ngram_min = 2;
    cfg.ngram_max = 1;
    assert_int_equal(st_vocab_build(&cfg, tiny, lens, 3, &v), ST_ERR_INVALID);
    cfg = base;
    cfg.char_ngram_max = 3; /* min 0 with max > 0 */
    assert_int_equal(st_vocab_build(&cfg, tiny, lens, 3, &v), ST_ERR_INVALID);
    cfg = base;
    cfg.max_features = -1;
    assert_int_equal(st_vocab_build(&cfg, tiny, lens, 3, &v), ST_ERR_INVALID);
    assert_null(v);
    cfg = base;
    cfg.min_df = 0; /* counts as 1 */
    assert_int_equal(st_vocab_build(&cfg, tiny, lens, 3, &v), ST_OK);
    assert_int_equal(lookup(v, "apple"), 1);
    assert_int_equal(lookup(v, "apple banana"), 2); /* sorted bytes: "apple" < "apple banana" < "banana" */
    assert_int_equal(lookup(v, "banana"), 3);
    st_vocab_free(&v);
    st_vocab_free(&v); /* NULL is fine */
    st_vocab_free(NULL);
}

/* ---- save / load ---- */

static char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 22);
    assert_non_null(buf);
    *n = fread(buf, 1, 1 << 22, f);
    fclose(f);
    return buf;
}

static void write_all(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void tmp_path(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/test_features_%ld_%s", ST_BINARY_DIR, (long)getpid(), name);
}

static const char *const corpus[] = {
    "The minister won\u2019t back the plan.",
    "Ministers backed the plan after long talks.",
    "Caf\u00E9 owners say the plan is not fair \U0001F44E",
    "We will never accept this deal, the union said.",
    "The union said the deal is fair and balanced.",
    "\u0417\u0410\u042F\u0412\u041B\u0415\u041D\u0418\u0415 \u041C\u0438\u043D\u0438\u0441\u0442\u0440\u0430 "
    "the plan",
    "talks talks talks: the plan is fair",
};

static void test_save_load_round_trip(void **state)
{
    (void)state;
    enum { N = sizeof corpus / sizeof corpus[0] };
    st_featurizer_config cfg = st_featurizer_config_default();
    cfg.min_df = 1;
    cfg.char_ngram_min = 3;
    cfg.char_ngram_max = 4;
    st_vocab *v = build(&cfg, corpus, N);
    char p1[512], p2[512];
    tmp_path(p1, sizeof p1, "a.tsv");
    tmp_path(p2, sizeof p2, "b.tsv");
    assert_int_equal(st_vocab_save(v, p1), ST_OK);
    st_vocab *w = NULL;
    st_error err = {0};
    assert_int_equal(st_vocab_load(p1, &w, &err), ST_OK);
    assert_int_equal(st_vocab_save(w, p2), ST_OK);
    size_t n1, n2;
    char *b1 = read_all(p1, &n1), *b2 = read_all(p2, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(b1, b2, n1);
    assert_true(strncmp(b1, "stance-vocab\t1\ttokenizer=1\t", 27) == 0);
    /* a second build of the same texts is byte-identical too */
    st_vocab *v2 = build(&cfg, corpus, N);
    assert_int_equal(st_vocab_save(v2, p2), ST_OK);
    free(b2);
    b2 = read_all(p2, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(b1, b2, n1);
    st_vocab_free(&v2);

    /* same size, config, terms, bit-identical idf */
    assert_int_equal(st_vocab_size(w), st_vocab_size(v));
    assert_int_equal(st_vocab_n_docs(w), N);
    assert_memory_equal(st_vocab_config(w), st_vocab_config(v), sizeof(st_featurizer_config));
    for (size_t id = 1; id <= st_vocab_size(v); id++) {
        assert_string_equal(st_vocab_term(w, (int)id), st_vocab_term(v, (int)id));
        double a = st_vocab_idf(v, (int)id), b = st_vocab_idf(w, (int)id);
        assert_memory_equal(&a, &b, sizeof a);
        assert_int_equal(st_vocab_df(w, (int)id), st_vocab_df(v, (int)id));
    }
    /* featurizing before and after load gives identical vectors */
    st_svec x, y;
    st_svec_init(&x);
    st_svec_init(&y);
    for (size_t i = 0; i < N; i++) {
        featurize(v, corpus[i], &x);
        featurize(w, corpus[i], &y);
        check_hygiene(&x);
        assert_true(x.n > 0);
        assert_int_equal(x.n, y.n);
        assert_memory_equal(x.index, y.index, x.n * sizeof *x.index);
        assert_memory_equal(x.value, y.value, x.n * sizeof *x.value);
    }
    /* the file does not depend on the process locale */
    const char *locales[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "C.UTF-8"};
    for (size_t l = 0; l < 3; l++) {
        if (!setlocale(LC_ALL, locales[l])) {
            printf("# locale %s is not installed: skipped\n", locales[l]);
            continue;
        }
        assert_int_equal(st_vocab_save(v, p2), ST_OK);
        free(b2);
        b2 = read_all(p2, &n2);
        assert_int_equal(n1, n2);
        assert_memory_equal(b1, b2, n1);
        st_vocab *z = NULL;
        assert_int_equal(st_vocab_load(p2, &z, NULL), ST_OK);
        double a = st_vocab_idf(v, 1), b = st_vocab_idf(z, 1);
        assert_memory_equal(&a, &b, sizeof a);
        st_vocab_free(&z);
    }
    setlocale(LC_ALL, "C");
    free(b1);
    free(b2);
    remove(p1);
    remove(p2);
    st_svec_free(&x);
    st_svec_free(&y);
    st_vocab_free(&v);
    st_vocab_free(&w);
}

/* The tokenizer's punct setting goes through the vocabulary file: written as a last header field
 * only when set (a default file keeps its bytes), read back, and the terms carry the marks. */
/* st_vocab_load_buffer on a file's bytes (from st_read_file, or an exact copy without a NUL, so
 * ASan sees any read past the end) gives the vocabulary st_vocab_load gives; errors name the
 * given path, or "vocab.tsv". */
static void test_load_from_buffer(void **state)
{
    (void)state;
    enum { N = sizeof corpus / sizeof corpus[0] };
    st_featurizer_config cfg = st_featurizer_config_default();
    cfg.min_df = 1;
    cfg.char_ngram_min = 2;
    cfg.char_ngram_max = 4;
    st_vocab *v = build(&cfg, corpus, N);
    char path[512], empty[512];
    tmp_path(path, sizeof path, "buf.tsv");
    tmp_path(empty, sizeof empty, "empty.tsv");
    assert_int_equal(st_vocab_save(v, path), ST_OK);
    size_t want_len;
    char *want = read_all(path, &want_len);
    char *data = NULL;
    size_t len = 0;
    st_error err = {0};
    assert_int_equal(st_read_file(path, &data, &len, &err), ST_OK);
    assert_int_equal(len, want_len);
    assert_memory_equal(data, want, len);
    assert_int_equal(data[len], '\0');
    char *exact = malloc(len);
    assert_non_null(exact);
    memcpy(exact, data, len);
    st_vocab *w[2] = {NULL, NULL};
    assert_int_equal(st_vocab_load_buffer(data, len, path, &w[0], &err), ST_OK);
    assert_int_equal(st_vocab_load_buffer(exact, len, NULL, &w[1], &err), ST_OK);
    st_svec x, y;
    st_svec_init(&x);
    st_svec_init(&y);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(st_vocab_size(w[k]), st_vocab_size(v));
        assert_memory_equal(st_vocab_config(w[k]), st_vocab_config(v), sizeof(st_featurizer_config));
        for (size_t id = 1; id <= st_vocab_size(v); id++) {
            assert_string_equal(st_vocab_term(w[k], (int)id), st_vocab_term(v, (int)id));
            double a = st_vocab_idf(v, (int)id), b = st_vocab_idf(w[k], (int)id);
            assert_memory_equal(&a, &b, sizeof a);
        }
        for (size_t i = 0; i < N; i++) {
            featurize(v, corpus[i], &x);
            featurize(w[k], corpus[i], &y);
            assert_int_equal(x.n, y.n);
            assert_memory_equal(x.index, y.index, x.n * sizeof *x.index);
            assert_memory_equal(x.value, y.value, x.n * sizeof *x.value);
        }
        st_vocab_free(&w[k]);
    }
    /* cut inside the last line's id: a format error named by the path given, or vocab.tsv */
    size_t last = len - 1;
    while (last > 0 && exact[last - 1] != '\n')
        last--;
    assert_int_equal(st_vocab_load_buffer(exact, last + 1, path, &w[0], &err), ST_ERR_FORMAT);
    assert_null(w[0]);
    assert_string_equal(err.where, path);
    assert_int_equal(st_vocab_load_buffer(exact, 10, NULL, &w[0], &err), ST_ERR_FORMAT);
    assert_string_equal(err.where, "vocab.tsv");
    /* st_read_file: an empty file, a missing one */
    FILE *f = fopen(empty, "wb");
    assert_non_null(f);
    fclose(f);
    free(data);
    data = NULL;
    assert_int_equal(st_read_file(empty, &data, &len, &err), ST_OK);
    assert_int_equal(len, 0);
    assert_int_equal(data[0], '\0');
    free(data);
    data = NULL;
    /* a file whose size fstat does not tell (procfs says 0): the buffer grows as it reads */
    if (st_read_file("/proc/self/status", &data, &len, &err) == ST_OK) {
        assert_true(len > 1);
        assert_int_equal(data[len], '\0');
        assert_non_null(strstr(data, "Name:"));
        free(data);
        data = NULL;
    } else {
        printf("# /proc/self/status unreadable: the growing read is not tested\n");
    }
    remove(empty);
    assert_int_equal(st_read_file(empty, &data, &len, &err), ST_ERR_IO);
    assert_null(data);
    assert_string_equal(err.where, empty);
    st_svec_free(&x);
    st_svec_free(&y);
    free(exact);
    free(want);
    remove(path);
    st_vocab_free(&v);
}

static void test_punct_round_trip(void **state)
{
    (void)state;
    static const char *const texts[] = {"Could you help? Thanks!", "Why? Why not?", "Help me (now)!"};
    char p[512];
    tmp_path(p, sizeof p, "punct.tsv");
    for (int level = 0; level <= 2; level++) {
        st_featurizer_config cfg = st_featurizer_config_default();
        cfg.min_df = 1;
        cfg.tok.punct = level;
        st_vocab *v = build(&cfg, texts, 3);
        assert_int_equal(lookup(v, "?") != 0, level >= 1);
        assert_int_equal(lookup(v, "help ?") != 0, level >= 1);
        assert_int_equal(lookup(v, "!") != 0, level >= 1);
        assert_int_equal(lookup(v, "(") != 0, level == 2);
        assert_int_equal(lookup(v, "why NOT_?"), 0); /* '?' ends the scope of "not" */
        assert_int_equal(st_vocab_save(v, p), ST_OK);
        size_t n;
        char *b = read_all(p, &n);
        char *eol = memchr(b, '\n', n);
        assert_non_null(eol);
        *eol = '\0';
        char want[64];
        snprintf(want, sizeof want, "\tsize=%zu%s", st_vocab_size(v),
                 level == 1   ? "\tpunct=1"
                 : level == 2 ? "\tpunct=2"
                              : "");
        assert_non_null(strstr(b, want));
        assert_string_equal(strstr(b, want), want); /* the header's end */
        free(b);
        st_vocab *w = NULL;
        assert_int_equal(st_vocab_load(p, &w, NULL), ST_OK);
        assert_int_equal(st_vocab_config(w)->tok.punct, level);
        assert_memory_equal(st_vocab_config(w), st_vocab_config(v), sizeof(st_featurizer_config));
        st_vocab_free(&w);
        st_vocab_free(&v);
    }
    remove(p);
}

static void check_load_error(const char *content, st_status want, long want_line)
{
    char p[512];
    tmp_path(p, sizeof p, "bad.tsv");
    write_all(p, content);
    st_vocab *v = (st_vocab *)&v;
    st_error err = {0};
    assert_int_equal(st_vocab_load(p, &v, &err), want);
    assert_null(v);
    assert_int_equal(err.line, want_line);
    assert_string_equal(err.where, p);
    assert_true(err.message[0] != '\0');
    remove(p);
}

#define HDR                                                                                                  \
    "stance-vocab\t1\ttokenizer=1\tcasefold=1\tnegation=1\tngram_min=1\tngram_max=2\tchar_ngram_min=0\t"     \
    "char_ngram_max=0\tmin_df=1\tmax_features=0\tsublinear_tf=1\tn_docs=3\tsize=2\n"

static void test_load_rejects_bad_files(void **state)
{
    (void)state;
    /* a good file loads */
    char p[512];
    tmp_path(p, sizeof p, "good.tsv");
    write_all(p, HDR "1\t1\t1.6931471805599454\tapple\n2\t2\t1.2876820724517808\tbanana\n");
    st_vocab *v = NULL;
    assert_int_equal(st_vocab_load(p, &v, NULL), ST_OK);
    assert_int_equal(lookup(v, "banana"), 2);
    assert_true(st_vocab_idf(v, 1) == 1.6931471805599454);
    st_vocab_free(&v);
    remove(p);

    check_load_error(HDR "2\t1\t1.5\tapple\n1\t2\t1.2\tbanana\n", ST_ERR_FORMAT, 2); /* ids out of order */
    check_load_error(HDR "1\t1\t1.5\tbanana\n2\t2\t1.2\tapple\n", ST_ERR_FORMAT, 3); /* terms unsorted */
    check_load_error(HDR "1\t1\t1.5\tapple\n2\t2\t1.2\tapple\n", ST_ERR_FORMAT, 3);  /* duplicate */
    check_load_error(HDR "1\t1\t1,5\tapple\n2\t2\t1.2\tbanana\n", ST_ERR_FORMAT, 2); /* comma decimal */
    check_load_error(HDR "1\t1\tnan\tapple\n2\t2\t1.2\tbanana\n", ST_ERR_FORMAT, 2);
    check_load_error(HDR "1\t1\t1.5\tapple\n2\t9\t1.2\tbanana\n", ST_ERR_FORMAT, 3);       /* df > n_docs */
    check_load_error(HDR "1\t1\t1.5\tapple\n2\t2\t1.2\n", ST_ERR_FORMAT, 3);               /* missing term */
    check_load_error(HDR "1\t1\t1.5\tapple\n2\t2\t1.2\t\n", ST_ERR_FORMAT, 3);             /* empty term */
    check_load_error(HDR "1\t1\t1.5\tapple\n2\t2\t1.2\tba\xC0\x80na\n", ST_ERR_FORMAT, 3); /* bad UTF-8 */
    check_load_error(HDR "1\t1\t1.5\tapple\n", ST_ERR_FORMAT, 2);                          /* size mismatch */
    check_load_error(
        "stance-vocab\t1\ttokenizer=99\tcasefold=1\tnegation=1\tngram_min=1\tngram_max=2\t"
        "char_ngram_min=0\tchar_ngram_max=0\tmin_df=1\tmax_features=0\tsublinear_tf=1\tn_docs=3\t"
        "size=1\n1\t1\t1.5\tapple\n",
        ST_ERR_FORMAT, 1); /* other tokenizer */
    check_load_error("stance-vocab\t1\ttokenizer=1\tcasefold=1\n1\t1\t1.5\tapple\n", ST_ERR_FORMAT, 1);
    check_load_error(
        "stance-vocab\t1\ttokenizer=1\tcasefold=1\tnegation=1\tngram_min=1\tngram_max=7\t"
        "char_ngram_min=0\tchar_ngram_max=0\tmin_df=1\tmax_features=0\tsublinear_tf=1\tn_docs=3\t"
        "size=1\n1\t1\t1.5\tapple\n",
        ST_ERR_FORMAT, 1); /* config out of range */
    check_load_error(
        "stance-vocab\t1\ttokenizer=1\tcasefold=1\tnegation=1\tngram_min=1\tngram_max=2\t"
        "char_ngram_min=0\tchar_ngram_max=0\tmin_df=1\tmax_features=0\tsublinear_tf=1\tn_docs=3\t"
        "size=1\tpunct=3\n1\t1\t1.5\tapple\n",
        ST_ERR_FORMAT, 1); /* punct out of range */
    check_load_error(
        "stance-vocab\t1\ttokenizer=1\tcasefold=1\tnegation=1\tngram_min=1\tngram_max=2\t"
        "char_ngram_min=0\tchar_ngram_max=0\tmin_df=1\tmax_features=0\tsublinear_tf=1\tn_docs=3\t"
        "size=1\tpunct=1\tpunct=1\n1\t1\t1.5\tapple\n",
        ST_ERR_FORMAT, 1); /* punct twice */
    /* lines the one-pass reader leaves to the field-by-field checks */
    check_load_error(HDR "1\t1\t1.5\tapple\n2\t2\t1.2\tba\tnana\n", ST_ERR_FORMAT, 3); /* TAB in term */
    check_load_error(HDR "1\t1\t1.5\tapple\r\n2\t2\t1.2\tbanana\n", ST_ERR_FORMAT, 2); /* CR */
    check_load_error(HDR "1\t1\t1.5apple\n2\t2\t1.2\tbanana\n", ST_ERR_FORMAT, 2);     /* 2 TABs */
    check_load_error(HDR "1\t1\t1.5\tapple\n0000000000000000002\t2\t1.2\tbanana\n", ST_ERR_FORMAT, 3);
    check_load_error(HDR "1\t1\t1.5\tapple\n2\t2\t1.2", ST_ERR_FORMAT, 3); /* cut in the idf */
    check_load_error(HDR "+1\t1\t1.5\tapple\n2\t2\t1.2\tbanana\n", ST_ERR_FORMAT, 2);
    {
        const char *cases[][2] = {
            {HDR "1\t1\t1.5\tapple\n2\t2\t1.2\tba\tnana\n", "bad term"},
            {HDR "1\t1\t1.5apple\n2\t2\t1.2\tbanana\n", "expected id, df, idf and term"},
            {HDR "1\t1\t1.5\tapple\n3\t2\t1.2\tbanana\n", "id out of order (expected 2)"},
            {HDR "1\t0\t1.5\tapple\n2\t2\t1.2\tbanana\n", "df out of range"},
            {HDR "1\t1\t-1.5\tapple\n2\t2\t1.2\tbanana\n", "bad idf"},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            st_error e = {0};
            st_vocab *w = NULL;
            assert_int_equal(st_vocab_load_buffer(cases[i][0], strlen(cases[i][0]), NULL, &w, &e),
                             ST_ERR_FORMAT);
            assert_string_equal(e.message, cases[i][1]);
        }
        /* idf texts of one df: each line has its own value (a reused value needs the same text) */
        const char *same_df = HDR "1\t2\t1.5\tapple\n2\t2\t1.25\tbanana\n";
        st_vocab *u = NULL;
        assert_int_equal(st_vocab_load_buffer(same_df, strlen(same_df), NULL, &u, NULL), ST_OK);
        assert_true(st_vocab_idf(u, 1) == 1.5);
        assert_true(st_vocab_idf(u, 2) == 1.25);
        st_vocab_free(&u);
        const char *same_text = HDR "1\t2\t1.5\tapple\n2\t2\t1.5\tbanana\n";
        assert_int_equal(st_vocab_load_buffer(same_text, strlen(same_text), NULL, &u, NULL), ST_OK);
        assert_true(st_vocab_idf(u, 2) == 1.5);
        st_vocab_free(&u);
        check_load_error(HDR "1\t2\t1.5\tapple\n2\t2\t1.5x\tbanana\n", ST_ERR_FORMAT, 3);
        const char *other_text = HDR "1\t2\t1.5\tapple\n2\t2\t1.50\tbanana\n";
        assert_int_equal(st_vocab_load_buffer(other_text, strlen(other_text), NULL, &u, NULL), ST_OK);
        assert_true(st_vocab_idf(u, 2) == 1.5);
        st_vocab_free(&u);
        /* no line end at the end: a file cut short (it would load "banan"), refused at that line */
        const char *good = HDR "1\t1\t1.6931471805599454\tapple\n2\t2\t1.2876820724517808\tbanana\n";
        st_vocab *w = NULL;
        assert_int_equal(st_vocab_load_buffer(good, strlen(good), NULL, &w, NULL), ST_OK);
        assert_string_equal(st_vocab_term(w, 2), "banana");
        assert_true(st_vocab_idf(w, 2) == 1.2876820724517808);
        st_vocab_free(&w);
        for (size_t cut = 1; cut <= 4; cut++) {
            st_error e = {0};
            assert_int_equal(st_vocab_load_buffer(good, strlen(good) - cut, NULL, &w, &e), ST_ERR_FORMAT);
            assert_null(w);
            assert_int_equal(e.line, 3);
            assert_non_null(strstr(e.message, "cut short"));
        }
    }
    check_load_error("id\tdf\tidf\tterm\n", ST_ERR_FORMAT, 1);
    check_load_error("", ST_ERR_FORMAT, 1);

    st_error err = {0};
    v = (st_vocab *)&v;
    assert_int_equal(st_vocab_load("/nonexistent/dir/vocab.tsv", &v, &err), ST_ERR_IO);
    assert_null(v);
    assert_string_equal(err.where, "/nonexistent/dir/vocab.tsv");
    v = build(NULL, tiny, 3);
    assert_int_equal(st_vocab_save(v, "/nonexistent/dir/vocab.tsv"), ST_ERR_IO);
    st_vocab_free(&v);
}

/* ---- the hot path ---- */

static void test_featurize_no_alloc_when_warm(void **state)
{
    (void)state;
    enum { N = sizeof corpus / sizeof corpus[0] };
    st_featurizer_config cfg = st_featurizer_config_default();
    cfg.min_df = 1;
    cfg.char_ngram_min = 2;
    cfg.char_ngram_max = 4;
    st_vocab *v = build(&cfg, corpus, N);
    st_featurize_scratch *s;
    assert_int_equal(st_featurize_scratch_new(&s), ST_OK);
    st_svec x;
    st_svec_init(&x);
    /* warm up on the longest text, then every text must go through without allocating */
    const char *longest = corpus[2];
    assert_int_equal(st_featurize(v, longest, strlen(longest), s, &x), ST_OK);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(st_featurize(v, corpus[i], strlen(corpus[i]), s, &x), ST_OK);
    int *ix = x.index;
#ifdef COUNT_ALLOCS
    /* the counter sees the library's allocations: a cold scratch must allocate */
    st_featurize_scratch *cold;
    assert_int_equal(st_featurize_scratch_new(&cold), ST_OK);
    st_svec y;
    st_svec_init(&y);
    n_allocs = 0;
    counting = 1;
    assert_int_equal(st_featurize(v, longest, strlen(longest), cold, &y), ST_OK);
    counting = 0;
    assert_true(n_allocs > 0);
    st_featurize_scratch_free(&cold);
    st_svec_free(&y);
    n_allocs = 0;
    counting = 1;
#endif
    for (int r = 0; r < 3; r++)
        for (size_t i = 0; i < N; i++)
            assert_int_equal(st_featurize(v, corpus[i], strlen(corpus[i]), s, &x), ST_OK);
#ifdef COUNT_ALLOCS
    counting = 0;
    assert_int_equal(n_allocs, 0);
#else
    printf("# allocation counting needs glibc without ASan: only buffer stability checked\n");
#endif
    assert_ptr_equal(x.index, ix);
    st_featurize_scratch_free(&s);
    st_svec_free(&x);
    st_vocab_free(&v);
}

/* Every vector of a larger synthetic corpus keeps the libsvm contract and unit norm. */
static void test_vectors_of_a_corpus(void **state)
{
    (void)state;
    static const char *const words[] = {"plan",      "not",   "deal",  "fair",       "won't",    "union",
                                        "caf\u00E9", "talks", "never", "\U0001F44D", "minister", "back",
                                        "the",       ",",     ".",     "MP's"};
    enum { N = 400, NW = sizeof words / sizeof words[0] };
    char **docs = malloc(N * sizeof *docs);
    assert_non_null(docs);
    uint64_t seed = 42;
    for (int i = 0; i < N; i++) {
        docs[i] = calloc(1, 512);
        assert_non_null(docs[i]);
        int len = 1 + (int)(seed % 30);
        for (int k = 0; k < len; k++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            strcat(docs[i], words[(seed >> 33) % NW]);
            strcat(docs[i], " ");
        }
    }
    st_vocab *v = build(NULL, (const char *const *)docs, N);
    assert_true(st_vocab_size(v) > 50);
    st_featurize_scratch *s;
    assert_int_equal(st_featurize_scratch_new(&s), ST_OK);
    st_svec x;
    st_svec_init(&x);
    for (int i = 0; i < N; i++) {
        assert_int_equal(st_featurize(v, docs[i], strlen(docs[i]), s, &x), ST_OK);
        check_hygiene(&x);
        assert_true(x.n <= st_vocab_size(v));
        for (size_t k = 0; k < x.n; k++)
            assert_true((size_t)x.index[k] <= st_vocab_size(v));
    }
    st_svec_free(&x);
    st_featurize_scratch_free(&s);
    st_vocab_free(&v);
    for (int i = 0; i < N; i++)
        free(docs[i]);
    free(docs);
}

/* The fast path against a naive reference: n-gram strings built one by one, looked up with
 * st_vocab_lookup (which hashes the string), counted in a dense array, weighted and normalised.
 * Long random texts give many repeated ids, so the in-place sort and the run-length counting are
 * exercised well beyond the short-array case. */
static void test_matches_naive_reference(void **state)
{
    (void)state;
    static const char *const words[] = {"plan",      "not",   "deal",  "fair",       "won't",    "union",
                                        "caf\u00E9", "talks", "never", "\U0001F44D", "minister", "back",
                                        "the",       ",",     "MP's",  "a"};
    enum { NDOC = 60, NW = sizeof words / sizeof words[0] };
    char **docs = malloc(NDOC * sizeof *docs);
    assert_non_null(docs);
    uint64_t seed = 7;
    for (int i = 0; i < NDOC; i++) {
        size_t nwords = 1 + (size_t)(i * 37 % 700);
        docs[i] = calloc(1, nwords * 12 + 1);
        assert_non_null(docs[i]);
        for (size_t k = 0; k < nwords; k++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            strcat(docs[i], words[(seed >> 33) % NW]);
            strcat(docs[i], " ");
        }
    }
    for (int cfgi = 0; cfgi < 3; cfgi++) {
        st_featurizer_config cfg = st_featurizer_config_default();
        cfg.ngram_max = cfgi + 1; /* unigrams; 1-2; 1-3 */
        cfg.sublinear_tf = cfgi != 1;
        st_vocab *v = build(&cfg, (const char *const *)docs, NDOC);
        size_t size = st_vocab_size(v);
        double *ref = calloc(size + 1, sizeof *ref);
        assert_non_null(ref);
        st_tokens t;
        st_tokens_init(&t);
        st_featurize_scratch *s;
        assert_int_equal(st_featurize_scratch_new(&s), ST_OK);
        st_svec x, y;
        st_svec_init(&x);
        st_svec_init(&y);
        char key[256];
        for (int i = 0; i < NDOC; i++) {
            size_t len = strlen(docs[i]);
            assert_int_equal(st_tokenize(&cfg.tok, docs[i], len, &t), ST_OK);
            memset(ref, 0, (size + 1) * sizeof *ref);
            for (int n = cfg.ngram_min; n <= cfg.ngram_max; n++)
                for (size_t k = 0; k + (size_t)n <= t.n; k++) {
                    key[0] = '\0';
                    for (int j = 0; j < n; j++) {
                        if (j)
                            strcat(key, " ");
                        strcat(key, t.buf + t.off[k + (size_t)j]);
                    }
                    int id = lookup(v, key);
                    if (id)
                        ref[id] += 1.0;
                }
            double ss = 0.0;
            size_t nnz = 0;
            for (size_t id = 1; id <= size; id++) {
                if (ref[id] == 0.0)
                    continue;
                double tf = cfg.sublinear_tf ? 1.0 + log(ref[id]) : ref[id];
                ref[id] = tf * st_vocab_idf(v, (int)id);
                ss += ref[id] * ref[id];
                nnz++;
            }
            assert_int_equal(st_featurize(v, docs[i], len, s, &x), ST_OK);
            check_hygiene(&x);
            assert_int_equal(x.n, nnz);
            for (size_t k = 0; k < x.n; k++)
                assert_true(fabs(x.value[k] - ref[x.index[k]] / sqrt(ss)) < 1e-13);
            /* from the caller's tokens: the same vector, and the tokens come back unchanged */
            size_t nt = t.n, bl = t.buf_len;
            char *saved = malloc(bl);
            assert_non_null(saved);
            memcpy(saved, t.buf, bl);
            assert_int_equal(st_featurize_tokens(v, &t, s, &y), ST_OK);
            assert_int_equal(y.n, x.n);
            assert_memory_equal(y.index, x.index, x.n * sizeof *x.index);
            assert_memory_equal(y.value, x.value, x.n * sizeof *x.value);
            assert_int_equal(t.n, nt);
            assert_memory_equal(t.buf, saved, bl);
            free(saved);
        }
        st_svec_free(&x);
        st_svec_free(&y);
        st_featurize_scratch_free(&s);
        st_tokens_free(&t);
        free(ref);
        st_vocab_free(&v);
    }
    for (int i = 0; i < NDOC; i++)
        free(docs[i]);
    free(docs);
}

/* One vocabulary shared by several threads, each with its own scratch and vector: every thread
 * gets exactly the single-threaded vectors (the vocabulary is immutable, nothing global), also when
 * their first calls are the vocabulary's first use, which builds its lookup. */
typedef struct thread_job {
    const st_vocab *v;
    const st_svec *want; /* per corpus text */
    int ok;
} thread_job;

static void *featurize_many(void *arg)
{
    thread_job *job = arg;
    enum { N = sizeof corpus / sizeof corpus[0] };
    st_featurize_scratch *s;
    if (st_featurize_scratch_new(&s) != ST_OK)
        return NULL;
    st_svec x;
    st_svec_init(&x);
    job->ok = 1;
    for (int r = 0; r < 300; r++)
        for (size_t i = 0; i < N; i++) {
            const st_svec *w = &job->want[i];
            if (st_featurize(job->v, corpus[i], strlen(corpus[i]), s, &x) != ST_OK || x.n != w->n ||
                memcmp(x.index, w->index, x.n * sizeof *x.index) != 0 ||
                memcmp(x.value, w->value, x.n * sizeof *x.value) != 0)
                job->ok = 0;
        }
    st_svec_free(&x);
    st_featurize_scratch_free(&s);
    return NULL;
}

static void test_threads_share_a_vocabulary(void **state)
{
    (void)state;
    enum { N = sizeof corpus / sizeof corpus[0], T = 4 };
    st_featurizer_config cfg = st_featurizer_config_default();
    cfg.min_df = 1;
    cfg.char_ngram_min = 2;
    cfg.char_ngram_max = 3;
    st_vocab *twin = build(&cfg, corpus, N); /* the single-threaded reference */
    st_svec want[N];
    for (size_t i = 0; i < N; i++) {
        st_svec_init(&want[i]);
        featurize(twin, corpus[i], &want[i]);
        assert_true(want[i].n > 0);
    }
    for (int round = 0; round < 2; round++) { /* a fresh vocabulary, then a used one */
        st_vocab *v = round == 0 ? build(&cfg, corpus, N) : twin;
        pthread_t th[T];
        thread_job jobs[T];
        for (int t = 0; t < T; t++) {
            jobs[t] = (thread_job){v, want, 0};
            assert_int_equal(pthread_create(&th[t], NULL, featurize_many, &jobs[t]), 0);
        }
        for (int t = 0; t < T; t++) {
            assert_int_equal(pthread_join(th[t], NULL), 0);
            assert_true(jobs[t].ok);
        }
        st_vocab_free(&v);
    }
    for (size_t i = 0; i < N; i++)
        st_svec_free(&want[i]);
}

/* ---- vocabulary groups ---- */

/* Random documents of n words drawn from words[] (seeded), each calloc'ed; free with free_docs. */
static char **random_docs(const char *const *words, size_t nw, int n, int max_len, uint64_t seed)
{
    char **docs = malloc((size_t)n * sizeof *docs);
    assert_non_null(docs);
    for (int i = 0; i < n; i++) {
        docs[i] = calloc(1, (size_t)max_len * 24 + 1);
        assert_non_null(docs[i]);
        int len = 1 + (int)(seed % (uint64_t)max_len);
        for (int k = 0; k < len; k++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            strcat(docs[i], words[(seed >> 33) % nw]);
            strcat(docs[i], " ");
        }
    }
    return docs;
}

static void free_docs(char **docs, int n)
{
    for (int i = 0; i < n; i++)
        free(docs[i]);
    free(docs);
}

/* Words with short and long (hashed, > 7 bytes) forms, negators (NOT_ terms whose bare word may or
 * may not be a unigram), non-ASCII, an emoji, possessives and clause punctuation. */
static const char *const group_words[] = {
    "plan",          "not",      "deal",         "fair",      "won't",      "union",        "caf\u00E9",
    "talks",         "never",    "\U0001F44D",   "minister",  "back",       "the",          ",",
    "MP's",          "a",        "negotiations", "ceasefire", "withdrawal", "no",           "peace",
    "\u00E9t\u00E9", "hardline", "Stra\u00DFe",  "we",        "reject",     "unacceptable", "."};

/* Asserts that the group of v[0..n) gives every text exactly what each vocabulary gives alone:
 * the same ids in the same order with the same tf bits, and the same vectors bit for bit. */
static void check_group(const st_vocab *const *v, size_t n, char **texts, int nt)
{
    st_vocab_group *g = NULL;
    assert_int_equal(st_vocab_group_new(v, n, &g), ST_OK);
    assert_int_equal(st_vocab_group_size(g), n);
    st_featurize_scratch *gs, *s;
    assert_int_equal(st_featurize_scratch_new(&gs), ST_OK);
    assert_int_equal(st_featurize_scratch_new(&s), ST_OK);
    st_tokens toks;
    st_tokens_init(&toks);
    st_svec gx[ST_VOCAB_GROUP_MAX], x;
    for (size_t k = 0; k < n; k++)
        st_svec_init(&gx[k]);
    st_svec_init(&x);
    size_t total = 0;
    for (int i = 0; i < nt; i++) {
        assert_int_equal(st_tokenize(&st_vocab_config(v[0])->tok, texts[i], strlen(texts[i]), &toks), ST_OK);
        st_term_tf gt[ST_VOCAB_GROUP_MAX], t;
        assert_int_equal(st_featurize_group_tf(g, &toks, gs, gt), ST_OK);
        for (size_t k = 0; k < n; k++) {
            assert_int_equal(st_featurize_tf(v[k], &toks, s, &t), ST_OK);
            assert_int_equal(gt[k].n, t.n);
            assert_memory_equal(gt[k].id, t.id, t.n * sizeof *t.id);
            assert_memory_equal(gt[k].tf, t.tf, t.n * sizeof *t.tf);
            total += t.n;
        }
        assert_int_equal(st_featurize_group_text_tf(g, texts[i], strlen(texts[i]), gs, gt), ST_OK);
        for (size_t k = 0; k < n; k++) {
            assert_int_equal(st_featurize_tf(v[k], &toks, s, &t), ST_OK);
            assert_int_equal(gt[k].n, t.n);
            assert_memory_equal(gt[k].id, t.id, t.n * sizeof *t.id);
        }
        assert_int_equal(st_featurize_group_tokens(g, &toks, gs, gx), ST_OK);
        for (size_t k = 0; k < n; k++) {
            assert_int_equal(st_featurize_tokens(v[k], &toks, s, &x), ST_OK);
            assert_int_equal(gx[k].n, x.n);
            assert_memory_equal(gx[k].index, x.index, x.n * sizeof *x.index);
            assert_memory_equal(gx[k].value, x.value, x.n * sizeof *x.value);
            check_hygiene(&gx[k]);
        }
    }
    assert_true(total > 0);
    for (size_t k = 0; k < n; k++)
        st_svec_free(&gx[k]);
    st_svec_free(&x);
    st_tokens_free(&toks);
    st_featurize_scratch_free(&gs);
    st_featurize_scratch_free(&s);
    st_vocab_group_free(&g);
    assert_null(g);
}

/* Vocabularies built from different corpora (so a token may be a unigram of one and not of the
 * other, which moves its character n-grams to the end for that one only) under several term
 * settings: the group reproduces each of them exactly, including texts much longer than any
 * training text (counts far above the tf table) and unseen words. */
static void test_group_matches_each_vocabulary(void **state)
{
    (void)state;
    enum { NW = sizeof group_words / sizeof group_words[0], ND = 120, NT = 80 };
    char **a = random_docs(group_words, NW / 2 + 4, ND, 12, 7);
    char **b = random_docs(group_words + NW / 3, NW - NW / 3, ND, 12, 11);
    char **c = random_docs(group_words, NW, ND, 12, 13);
    char **texts = random_docs(group_words, NW, NT, 60, 17);
    strcpy(texts[0], "");
    strcpy(texts[1], "zyxwv unseen-words qwertyuiop NOT_ never mind");
    char *big = texts[2]; /* one word repeated past the tf table (64) */
    big[0] = '\0';
    for (int i = 0; i < 70; i++)
        strcat(big, i % 2 ? "deal " : "ceasefire ");
    struct {
        int ngram_min, ngram_max, char_min, char_max, min_df_a, min_df_b;
    } settings[] = {
        {1, 2, 2, 4, 1, 2}, {1, 2, 0, 0, 2, 1}, {1, 3, 3, 5, 1, 1}, {2, 2, 2, 3, 1, 1}, {1, 1, 1, 8, 2, 2}};
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        st_featurizer_config ca = st_featurizer_config_default(), cb;
        ca.ngram_min = settings[i].ngram_min;
        ca.ngram_max = settings[i].ngram_max;
        ca.char_ngram_min = settings[i].char_min;
        ca.char_ngram_max = settings[i].char_max;
        cb = ca;
        ca.min_df = settings[i].min_df_a;
        cb.min_df = settings[i].min_df_b;
        cb.sublinear_tf = (int)(i % 2);
        st_vocab *v[3] = {build(&ca, (const char *const *)a, ND), build(&cb, (const char *const *)b, ND),
                          build(&ca, (const char *const *)c, ND)};
        assert_true(st_vocab_same_terms(v[0], v[1]));
        check_group((const st_vocab *const *)v, 2, texts, NT);
        check_group((const st_vocab *const *)v, 3, texts, NT);
        check_group((const st_vocab *const *)v + 1, 1, texts, NT);
        for (int k = 0; k < 3; k++)
            st_vocab_free(&v[k]);
    }
    free_docs(a, ND);
    free_docs(b, ND);
    free_docs(c, ND);
    free_docs(texts, NT);
}

/* Vocabularies that generate different terms cannot share a group; bad sizes are refused. */
static void test_group_rejects_other_settings(void **state)
{
    (void)state;
    st_featurizer_config ca = st_featurizer_config_default(), cb = ca;
    ca.min_df = cb.min_df = 1;
    cb.char_ngram_min = 2;
    cb.char_ngram_max = 4;
    st_vocab *v[ST_VOCAB_GROUP_MAX + 1];
    v[0] = build(&ca, tiny, 3);
    v[1] = build(&cb, tiny, 3);
    assert_false(st_vocab_same_terms(v[0], v[1]));
    st_vocab_group *g = (st_vocab_group *)&g;
    assert_int_equal(st_vocab_group_new((const st_vocab *const *)v, 2, &g), ST_ERR_INVALID);
    assert_null(g);
    cb = ca;
    cb.tok.negation = 0;
    st_vocab_free(&v[1]);
    v[1] = build(&cb, tiny, 3);
    assert_false(st_vocab_same_terms(v[0], v[1]));
    assert_int_equal(st_vocab_group_new((const st_vocab *const *)v, 2, &g), ST_ERR_INVALID);
    /* punctuation tokens are other terms too */
    cb = ca;
    cb.tok.punct = 2;
    st_vocab_free(&v[1]);
    v[1] = build(&cb, tiny, 3);
    assert_false(st_vocab_same_terms(v[0], v[1]));
    assert_int_equal(st_vocab_group_new((const st_vocab *const *)v, 2, &g), ST_ERR_INVALID);
    assert_int_equal(st_vocab_group_new((const st_vocab *const *)v, 0, &g), ST_ERR_INVALID);
    st_vocab_free(&v[1]);
    for (int k = 1; k <= ST_VOCAB_GROUP_MAX; k++)
        v[k] = v[0];
    assert_int_equal(st_vocab_group_new((const st_vocab *const *)v, ST_VOCAB_GROUP_MAX + 1, &g),
                     ST_ERR_INVALID);
    assert_int_equal(st_vocab_group_new((const st_vocab *const *)v, ST_VOCAB_GROUP_MAX, &g), ST_OK);
    st_vocab_group_free(&g);
    st_vocab_group_free(&g); /* NULL is fine */
    st_vocab_free(&v[0]);
}

/* A warm scratch featurizes a group without allocating. */
static void test_group_no_alloc_when_warm(void **state)
{
    (void)state;
    enum { N = sizeof corpus / sizeof corpus[0] };
    st_featurizer_config cfg = st_featurizer_config_default();
    cfg.min_df = 1;
    cfg.char_ngram_min = 2;
    cfg.char_ngram_max = 4;
    st_vocab *v[2] = {build(&cfg, corpus, N), build(&cfg, corpus + 1, N - 1)};
    st_vocab_group *g;
    assert_int_equal(st_vocab_group_new((const st_vocab *const *)v, 2, &g), ST_OK);
    st_featurize_scratch *s;
    assert_int_equal(st_featurize_scratch_new(&s), ST_OK);
    st_tokens toks;
    st_tokens_init(&toks);
    st_term_tf t[2];
    st_svec x[2];
    st_svec_init(&x[0]);
    st_svec_init(&x[1]);
    for (int warm = 0; warm < 2; warm++) {
#ifdef COUNT_ALLOCS
        n_allocs = 0;
        counting = warm;
#endif
        for (size_t i = 0; i < N; i++) {
            assert_int_equal(st_tokenize(NULL, corpus[i], strlen(corpus[i]), &toks), ST_OK);
            assert_int_equal(st_featurize_group_tf(g, &toks, s, t), ST_OK);
            assert_int_equal(st_featurize_group_tokens(g, &toks, s, x), ST_OK);
            assert_int_equal(st_featurize_group_text_tf(g, corpus[i], strlen(corpus[i]), s, t), ST_OK);
        }
#ifdef COUNT_ALLOCS
        counting = 0;
        if (warm)
            assert_int_equal(n_allocs, 0);
#endif
    }
    st_svec_free(&x[0]);
    st_svec_free(&x[1]);
    st_tokens_free(&toks);
    st_featurize_scratch_free(&s);
    st_vocab_group_free(&g);
    st_vocab_free(&v[0]);
    st_vocab_free(&v[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tfidf_by_hand),
        cmocka_unit_test(test_min_df_and_unknown_terms),
        cmocka_unit_test(test_max_features),
        cmocka_unit_test(test_bigrams_and_negation_terms),
        cmocka_unit_test(test_trigrams_and_char_ngrams),
        cmocka_unit_test(test_e19_vector_hygiene),
        cmocka_unit_test(test_lookup_many_terms),
        cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_save_load_round_trip),
        cmocka_unit_test(test_load_from_buffer),
        cmocka_unit_test(test_punct_round_trip),
        cmocka_unit_test(test_load_rejects_bad_files),
        cmocka_unit_test(test_featurize_no_alloc_when_warm),
        cmocka_unit_test(test_vectors_of_a_corpus),
        cmocka_unit_test(test_matches_naive_reference),
        cmocka_unit_test(test_threads_share_a_vocabulary),
        cmocka_unit_test(test_group_matches_each_vocabulary),
        cmocka_unit_test(test_group_rejects_other_settings),
        cmocka_unit_test(test_group_no_alloc_when_warm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
