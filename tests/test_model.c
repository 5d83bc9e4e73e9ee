/* test_model.c - fast prediction against libsvm itself, label order, tiny classes, explanations,
 * loading errors (cases E17 and E18 of shared/cases/README.md, inputs written fresh here). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libsvm/svm.h>

#include "st_dataset.h"
#include "st_model.h"
#include "st_train.h"
#include "test_support.h"

/* cmocka 1.1 has no assert_double_equal: |a - b| <= eps, with both values in the message. */
static int make_tmpdir(void **state)
{
    (void)state;
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    return st_tmpdir_make("model");
}

/* Toy three-way data (E18 order: the first lines are against, favor, neutral). */
static const char *const topics[] = {"ferry subsidy",  "clinic closure", "canal dredging", "market hall",
                                     "tram extension", "dog park",       "harbour wall",   "night bus"};
static const char *const forms3[3][3] = {
    {"Residents will oppose the %s at every hearing", "The %s is reckless and we will block it",
     "We refuse to accept the %s in its present form"},
    {"We warmly welcome the %s and thank the council", "The %s will help every family here",
     "I am delighted that the %s is going ahead"},
    {"The %s will be debated on Thursday evening", "Papers on the %s are available at the library",
     "Officials gave an update on the %s today"}};
static const char *const names3[3] = {"against", "favor", "neutral"};

static void fill3(st_dataset *ds, int per_label)
{
    char buf[256];
    for (int i = 0; i < 24; i++)
        for (int c = 0; c < 3; c++) {
            if (i >= per_label)
                continue;
            int n = snprintf(buf, sizeof buf, forms3[c][i % 3], topics[i / 3]);
            assert_int_equal(st_dataset_add(ds, names3[c], buf, (size_t)n), ST_OK);
        }
}

/* Texts between the classes, so the pairwise probabilities are far from 0 and 1. */
static const char *const mixed[] = {
    "Residents will oppose the ferry subsidy but we warmly welcome the debate",
    "The tram extension will be debated and we will block it",
    "I am delighted with the update, though we refuse to accept the clinic closure",
    "Officials thank the council for the papers on the dog park",
    "night bus",
    "",
    "words the model has never seen before: zyxw qwvu",
};

static void to_nodes(const st_svec *x, struct svm_node *nodes)
{
    for (size_t i = 0; i < x->n; i++) {
        nodes[i].index = x->index[i];
        nodes[i].value = x->value[i];
    }
    nodes[x->n].index = -1;
    nodes[x->n].value = 0;
}

/* Checks our prediction against libsvm's on model.svm for one text. Returns our label index. */
static int compare_one(const st_model *m, struct svm_model *ref, const st_dataset *ds, const char *text,
                       size_t len, st_featurize_scratch *scratch, st_svec *x)
{
    st_prediction pred;
    assert_int_equal(st_model_predict_text(m, text, len, scratch, x, &pred), ST_OK);
    int k = st_model_nr_class(m);
    assert_int_equal(pred.nr_class, k);
    struct svm_node nodes[4096];
    assert_true(x->n < 4096);
    to_nodes(x, nodes);
    double dec[ST_MAX_LABELS * (ST_MAX_LABELS - 1) / 2];
    double ref_label = svm_predict_values(ref, nodes, dec);
    for (int p = 0; p < k * (k - 1) / 2; p++)
        assert_close(pred.dec[p], dec[p], 1e-9);
    if (svm_check_probability_model(ref)) {
        assert_true(pred.has_prob);
        double prob[ST_MAX_LABELS];
        ref_label = svm_predict_probability(ref, nodes, prob);
        double sum = 0;
        for (int i = 0; i < k; i++) {
            assert_close(pred.prob[i], prob[i], 1e-9);
            sum += pred.prob[i];
            assert_true(pred.prob[i] <= pred.prob[pred.label]); /* label = argmax(prob) */
        }
        assert_close(sum, 1.0, 1e-6);
    } else {
        assert_false(pred.has_prob);
    }
    assert_string_equal(st_model_label(m, pred.label), ds->label_names[(int)ref_label]);
    return pred.label;
}

/* Loads dir both ways and compares every example of ds plus the mixed texts. */
static void compare_with_libsvm(const char *dir, const st_dataset *ds, int expect_prob)
{
    st_model *m = NULL;
    st_error err;
    assert_int_equal(st_model_load(dir, &m, &err), ST_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/model.svm", dir);
    struct svm_model *ref = svm_load_model(path);
    assert_non_null(ref);
    int k = st_model_nr_class(m);
    assert_int_equal(svm_get_nr_class(ref), k);
    int ids[ST_MAX_LABELS];
    svm_get_labels(ref, ids);
    for (int i = 0; i < k; i++) /* our label order is libsvm's model->label order */
        assert_string_equal(st_model_label(m, i), ds->label_names[ids[i]]);
    assert_int_equal(svm_check_probability_model(ref), expect_prob);
    assert_int_equal(st_model_has_probability(m), expect_prob);

    st_featurize_scratch *scratch = NULL;
    assert_int_equal(st_featurize_scratch_new(&scratch), ST_OK);
    st_svec x;
    st_svec_init(&x);
    for (size_t i = 0; i < ds->n; i++)
        compare_one(m, ref, ds, ds->texts[i], ds->lens[i], scratch, &x);
    for (size_t i = 0; i < sizeof mixed / sizeof mixed[0]; i++)
        compare_one(m, ref, ds, mixed[i], strlen(mixed[i]), scratch, &x);
    st_svec_free(&x);
    st_featurize_scratch_free(&scratch);
    svm_free_and_destroy_model(&ref);
    st_model_free(&m);
}

static int solver = ST_SOLVER_LIBSVM; /* the solver train_into uses */

static void train_into(const st_dataset *ds, const char *name, int probability, int min_df, int folds)
{
    st_train_options opt = st_train_options_default();
    opt.solver = solver;
    opt.task = name;
    opt.probability = probability;
    opt.folds = folds;
    if (min_df)
        opt.features.min_df = min_df;
    st_train_report rep;
    st_error err;
    st_status rc = st_train(ds, &opt, in_tmp(name), &rep, &err);
    if (rc != ST_OK)
        fail_msg("st_train: %s: %s", err.where, err.message);
    st_train_report_free(&rep);
}

static void test_three_class_matches_libsvm(void **state)
{
    (void)state;
    st_dataset ds;
    st_dataset_init(&ds);
    fill3(&ds, 24);
    train_into(&ds, "three", 1, 0, 3);
    compare_with_libsvm(in_tmp("three"), &ds, 1);
    train_into(&ds, "three_noprob", 0, 0, 3);
    compare_with_libsvm(in_tmp("three_noprob"), &ds, 0);
    st_dataset_free(&ds);
}

static void test_two_class_order_matches_libsvm(void **state)
{
    (void)state;
    /* "pro" comes first but sorts second: the model keeps first-appearance (libsvm) order */
    static const char *const pro[] = {
        "a fair deal that we can sign today",  "this agreement deserves our support",
        "we can sign this fair agreement",     "support the deal and move forward",
        "a fair offer deserves a fair answer", "we welcome the agreement"};
    static const char *const con[] = {
        "this deal is a betrayal of our workers",    "we will never sign this betrayal",
        "the offer is an insult to our members",     "an insult and a betrayal",
        "our members will never accept this insult", "we will strike against it"};
    st_dataset ds;
    st_dataset_init(&ds);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(st_dataset_add(&ds, "pro", pro[i], strlen(pro[i])), ST_OK);
        assert_int_equal(st_dataset_add(&ds, "con", con[i], strlen(con[i])), ST_OK);
    }
    train_into(&ds, "two", 1, 1, 3);
    compare_with_libsvm(in_tmp("two"), &ds, 1);
    st_model *m = NULL;
    st_error err;
    assert_int_equal(st_model_load(in_tmp("two"), &m, &err), ST_OK);
    assert_string_equal(st_model_label(m, 0), "pro");
    assert_string_equal(st_model_label(m, 1), "con");
    assert_string_equal(st_model_task(m), "two");
    const char *v = st_model_version(m);
    assert_int_equal(strlen(v), 12);
    assert_int_equal(strspn(v, "0123456789abcdef"), 12);
    assert_non_null(strstr(st_model_meta_json(m), "\"task\": \"two\""));
    st_model_free(&m);
    st_dataset_free(&ds);
}

/* E17: classes with fewer than 5 examples get no probabilities; the label comes from the decision
 * function and training points come back with their own labels. */
static void test_e17_tiny_classes(void **state)
{
    (void)state;
    static const char *const texts[] = {"apples and pears", "rockets and comets", "violins and cellos"};
    static const char *const labels[] = {"1", "2", "3"};
    st_dataset ds;
    st_dataset_init(&ds);
    for (int i = 0; i < 3; i++)
        assert_int_equal(st_dataset_add(&ds, labels[i], texts[i], strlen(texts[i])), ST_OK);
    train_into(&ds, "tiny3", 1, 1, 0);
    compare_with_libsvm(in_tmp("tiny3"), &ds, 0);
    st_model *m = NULL;
    st_error err;
    assert_int_equal(st_model_load(in_tmp("tiny3"), &m, &err), ST_OK);
    st_featurize_scratch *scratch = NULL;
    assert_int_equal(st_featurize_scratch_new(&scratch), ST_OK);
    st_svec x;
    st_svec_init(&x);
    for (int i = 0; i < 3; i++) {
        st_prediction pred;
        assert_int_equal(st_model_predict_text(m, texts[i], strlen(texts[i]), scratch, &x, &pred), ST_OK);
        assert_false(pred.has_prob);
        assert_string_equal(st_model_label(m, pred.label), labels[i]); /* 3/3 */
    }
    st_svec_free(&x);
    st_featurize_scratch_free(&scratch);
    st_model_free(&m);
    st_dataset_free(&ds);
}

/* E18: order is model->label (first appearance), not sorted; a copy of a "favor" training text is
 * "favor" with its highest probability there; for two classes dec > 0 means label 0. */
static void test_e18_label_order(void **state)
{
    (void)state;
    st_dataset ds;
    st_dataset_init(&ds);
    fill3(&ds, 24);
    train_into(&ds, "e18", 1, 0, 0);
    st_model *m = NULL;
    st_error err;
    assert_int_equal(st_model_load(in_tmp("e18"), &m, &err), ST_OK);
    assert_string_equal(st_model_label(m, 0), "against");
    assert_string_equal(st_model_label(m, 1), "favor");
    assert_string_equal(st_model_label(m, 2), "neutral");
    st_featurize_scratch *scratch = NULL;
    assert_int_equal(st_featurize_scratch_new(&scratch), ST_OK);
    st_svec x;
    st_svec_init(&x);
    for (size_t i = 0; i < ds.n; i++) {
        if (strcmp(ds.label_names[ds.labels[i]], "favor") != 0)
            continue;
        st_prediction pred;
        assert_int_equal(st_model_predict_text(m, ds.texts[i], ds.lens[i], scratch, &x, &pred), ST_OK);
        assert_string_equal(st_model_label(m, pred.label), "favor");
        assert_true(pred.prob[1] > pred.prob[0] && pred.prob[1] > pred.prob[2]);
    }
    st_model_free(&m);
    st_dataset_free(&ds);

    /* binary with "-1" first: no -1/+1 swap in our string-labelled models */
    static const char *const neg[] = {"strike now",  "no deal ever",       "strike and march",
                                      "we walk out", "no deal, we strike", "walk out and march"};
    static const char *const pos[] = {"sign the deal",       "a good deal",      "we sign today",
                                      "good offer, sign it", "sign and move on", "a good offer today"};
    st_dataset_init(&ds);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(st_dataset_add(&ds, "-1", neg[i], strlen(neg[i])), ST_OK);
        assert_int_equal(st_dataset_add(&ds, "1", pos[i], strlen(pos[i])), ST_OK);
    }
    train_into(&ds, "bin", 0, 1, 0);
    compare_with_libsvm(in_tmp("bin"), &ds, 0);
    assert_int_equal(st_model_load(in_tmp("bin"), &m, &err), ST_OK);
    assert_string_equal(st_model_label(m, 0), "-1");
    for (size_t i = 0; i < ds.n; i++) {
        st_prediction pred;
        assert_int_equal(st_model_predict_text(m, ds.texts[i], ds.lens[i], scratch, &x, &pred), ST_OK);
        assert_int_equal(pred.label, pred.dec[0] > 0 ? 0 : 1);
    }
    st_svec_free(&x);
    st_featurize_scratch_free(&scratch);
    st_model_free(&m);
    st_dataset_free(&ds);
}

static void test_explain(void **state)
{
    (void)state;
    st_dataset ds;
    st_dataset_init(&ds);
    fill3(&ds, 24);
    train_into(&ds, "explain", 0, 0, 0);
    st_model *m = NULL;
    st_error err;
    assert_int_equal(st_model_load(in_tmp("explain"), &m, &err), ST_OK);
    st_featurize_scratch *scratch = NULL;
    assert_int_equal(st_featurize_scratch_new(&scratch), ST_OK);
    st_svec x;
    st_svec_init(&x);
    const char *t = "We refuse to accept the dog park in its present form";
    st_prediction pred;
    assert_int_equal(st_model_predict_text(m, t, strlen(t), scratch, &x, &pred), ST_OK);
    assert_string_equal(st_model_label(m, pred.label), "against");
    st_contribution top[3], all[512];
    size_t n = 99, n_all = 0;
    st_model_explain(m, &x, &pred, top, 3, &n);
    assert_int_equal(n, 3);
    for (size_t i = 1; i < n; i++)
        assert_true(top[i - 1].contribution >= top[i].contribution);
    assert_true(top[0].contribution > 0);
    const char *term = st_vocab_term(st_model_vocab(m), top[0].id);
    assert_non_null(term);
    /* every term: contributions toward "against" sum to dec(against,favor) + dec(against,neutral)
     * plus the two rho terms; check against the decision values instead of the file */
    st_model_explain(m, &x, &pred, all, 512, &n_all);
    assert_true(n_all <= x.n);
    assert_true(n_all >= n);
    double sum = 0;
    for (size_t i = 0; i < n_all; i++)
        sum += all[i].contribution;
    /* pairs (0,1) and (0,2) involve label 0 = against with sign +: sum = dec01 + rho01 + dec02 + rho02.
     * We do not know rho here, so check with a second vector: the empty text gives dec = -rho. */
    st_prediction empty;
    assert_int_equal(st_model_predict_text(m, "", 0, scratch, &x, &empty), ST_OK);
    assert_close(sum, (pred.dec[0] - empty.dec[0]) + (pred.dec[1] - empty.dec[1]), 1e-9);
    n = 5;
    st_model_explain(m, &x, &empty, top, 3, &n); /* x is now empty */
    assert_int_equal(n, 0);
    st_svec_free(&x);
    st_featurize_scratch_free(&scratch);
    st_model_free(&m);
    st_dataset_free(&ds);
}

/* 1 when a and b are the same prediction to the last bit. */
static int same_bits(const st_prediction *a, const st_prediction *b)
{
    int np = a->nr_class * (a->nr_class - 1) / 2;
    return a->label == b->label && a->has_prob == b->has_prob && a->nr_class == b->nr_class &&
           memcmp(a->dec, b->dec, (size_t)np * sizeof a->dec[0]) == 0 &&
           memcmp(a->prob, b->prob, (size_t)a->nr_class * sizeof a->prob[0]) == 0;
}

/* A model group predicts exactly what each model predicts alone: with merged vocabularies (same
 * term settings, different vocabularies, with and without probabilities) and without (a model
 * with other character n-grams joins, and the group falls back to one model at a time). */
static void test_group_predicts_like_each_model(void **state)
{
    (void)state;
    st_dataset ds;
    st_dataset_init(&ds);
    fill3(&ds, 24);
    train_into(&ds, "g_a", 1, 0, 3);
    train_into(&ds, "g_b", 0, 1, 3);
    st_train_options opt = st_train_options_default();
    opt.solver = ST_SOLVER_LIBLINEAR;
    opt.task = "g_c";
    opt.folds = 3;
    opt.features.char_ngram_min = opt.features.char_ngram_min == 3 ? 2 : 3; /* unlike g_a and g_b */
    opt.features.char_ngram_max = 5;
    st_train_report rep;
    st_error err;
    if (st_train(&ds, &opt, in_tmp("g_c"), &rep, &err) != ST_OK)
        fail_msg("st_train: %s: %s", err.where, err.message);
    st_train_report_free(&rep);
    st_model *m[3] = {NULL, NULL, NULL};
    assert_int_equal(st_model_load(in_tmp("g_a"), &m[0], &err), ST_OK);
    assert_int_equal(st_model_load(in_tmp("g_b"), &m[1], &err), ST_OK);
    assert_int_equal(st_model_load(in_tmp("g_c"), &m[2], &err), ST_OK);
    st_featurize_scratch *scratch = NULL;
    assert_int_equal(st_featurize_scratch_new(&scratch), ST_OK);
    for (size_t n = 1; n <= 3; n++) {
        st_model_group *g = NULL;
        assert_int_equal(st_model_group_new((const st_model *const *)m, n, &g), ST_OK);
        assert_int_equal(st_model_group_size(g), n);
        assert_ptr_equal(st_model_group_model(g, n - 1), m[n - 1]);
        assert_null(st_model_group_model(g, n));
        if (n < 3)
            assert_non_null(st_model_group_vocabs(g));
        else
            assert_null(st_model_group_vocabs(g));
        size_t checked = 0;
        for (size_t i = 0; i < ds.n + sizeof mixed / sizeof mixed[0]; i++) {
            const char *t = i < ds.n ? ds.texts[i] : mixed[i - ds.n];
            size_t len = i < ds.n ? ds.lens[i] : strlen(mixed[i - ds.n]);
            st_prediction got[3], want;
            assert_int_equal(st_model_group_predict_text(g, t, len, scratch, got), ST_OK);
            for (size_t k = 0; k < n; k++) {
                assert_int_equal(st_model_predict_text(m[k], t, len, scratch, NULL, &want), ST_OK);
                assert_true(same_bits(&got[k], &want));
                checked++;
            }
        }
        assert_true(checked > 70 * n);
        st_model_group_free(&g);
        assert_null(g);
    }
    st_model_group *g = (st_model_group *)&g;
    assert_int_equal(st_model_group_new((const st_model *const *)m, 0, &g), ST_ERR_INVALID);
    assert_null(g);
    st_model_group_free(&g); /* NULL is fine */
    st_featurize_scratch_free(&scratch);
    for (int k = 0; k < 3; k++)
        st_model_free(&m[k]);
    st_dataset_free(&ds);
}

/* --solver liblinear: one-vs-one liblinear models stored as pseudo support vectors in model.svm;
 * libsvm reading that file must agree with our fast path (decision values, Platt, coupling). */
static void test_liblinear_matches_libsvm(void **state)
{
    (void)state;
    solver = ST_SOLVER_LIBLINEAR;
    st_dataset ds;
    st_dataset_init(&ds);
    fill3(&ds, 24);
    train_into(&ds, "lin3", 1, 0, 3);
    compare_with_libsvm(in_tmp("lin3"), &ds, 1);
    train_into(&ds, "lin3_again", 1, 0, 3);
    static const char *const files[] = {"model.svm", "weights.tsv", "vocab.tsv"}; /* meta names the task */
    for (int i = 0; i < 3; i++) { /* deterministic like the libsvm path */
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "cmp -s '%s/lin3/%s' '%s/lin3_again/%s'", tmpdir, files[i], tmpdir,
                 files[i]);
        assert_int_equal(system(cmd), 0);
    }
    /* the model predicts its own training texts (the verbs separate the labels) */
    st_model *m = NULL;
    st_error err;
    assert_int_equal(st_model_load(in_tmp("lin3"), &m, &err), ST_OK);
    assert_non_null(strstr(st_model_meta_json(m), "liblinear"));
    st_featurize_scratch *scratch = NULL;
    assert_int_equal(st_featurize_scratch_new(&scratch), ST_OK);
    st_svec x;
    st_svec_init(&x);
    size_t right = 0;
    for (size_t i = 0; i < ds.n; i++) {
        st_prediction pred;
        assert_int_equal(st_model_predict_text(m, ds.texts[i], ds.lens[i], scratch, &x, &pred), ST_OK);
        right += strcmp(st_model_label(m, pred.label), ds.label_names[ds.labels[i]]) == 0;
    }
    assert_true(right >= ds.n - 2);
    st_svec_free(&x);
    st_featurize_scratch_free(&scratch);
    st_model_free(&m);
    st_dataset_free(&ds);

    /* two classes, and tiny classes without probabilities */
    static const char *const texts[] = {"apples and pears", "rockets and comets", "violins and cellos"};
    st_dataset_init(&ds);
    for (int i = 0; i < 3; i++)
        assert_int_equal(st_dataset_add(&ds, i ? "b" : "a", texts[i], strlen(texts[i])), ST_OK);
    train_into(&ds, "lin_tiny", 1, 1, 0);
    compare_with_libsvm(in_tmp("lin_tiny"), &ds, 0);
    st_dataset_free(&ds);
    solver = ST_SOLVER_LIBSVM;
}

static void copy_file(const char *from, const char *to, const char *replace_line_prefix, const char *with)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char line[4096];
    int done = 0;
    while (fgets(line, sizeof line, in)) {
        if (!done && replace_line_prefix &&
            strncmp(line, replace_line_prefix, strlen(replace_line_prefix)) == 0) {
            fputs(with, out);
            done = 1;
        } else {
            fputs(line, out);
        }
    }
    fclose(in);
    fclose(out);
}

static void test_load_errors(void **state)
{
    (void)state;
    st_dataset ds;
    st_dataset_init(&ds);
    fill3(&ds, 24);
    train_into(&ds, "good", 1, 0, 0);
    st_model *m = NULL;
    st_error err;
    assert_int_equal(st_model_load(in_tmp("missing"), &m, &err), ST_ERR_IO);
    assert_null(m);

    static const char *const files[] = {"model.svm", "weights.tsv", "vocab.tsv", "meta.json"};
    mkdir(in_tmp("bad"), 0755);
    for (int i = 0; i < 4; i++) {
        char a[512], b[512];
        snprintf(a, sizeof a, "%s/good/%s", tmpdir, files[i]);
        snprintf(b, sizeof b, "%s/bad/%s", tmpdir, files[i]);
        copy_file(a, b, i == 1 ? "pair\t0\t2" : NULL, "pair\t0\t2\tnot-a-number\t0\t0\t0\n");
    }
    assert_int_equal(st_model_load(in_tmp("bad"), &m, &err), ST_ERR_FORMAT);
    assert_non_null(strstr(err.where, "weights.tsv"));
    assert_true(err.line > 5);
    assert_null(m);

    copy_file(in_tmp("good/weights.tsv"), in_tmp("bad/weights.tsv"), "n_features", "n_features\t3\n");
    assert_int_not_equal(st_model_load(in_tmp("bad"), &m, &err), ST_OK);
    assert_null(m);

    copy_file(in_tmp("good/weights.tsv"), in_tmp("bad/weights.tsv"), NULL, NULL);
    assert_int_equal(st_model_load(in_tmp("bad"), &m, &err), ST_OK);
    st_model_free(&m);
    assert_null(m);
    /* files cut short: the message says so (the header of weights.tsv alone; a cut inside the
     * last line of either file) */
    static const struct {
        const char *file;
        long lines; /* whole lines kept */
        int more;   /* bytes of the next line kept */
        const char *says;
    } cuts[] = {{"weights.tsv", 2, 0, "header is complete"},
                {"weights.tsv", 11, 3, "the file is cut short"},
                {"vocab.tsv", 4, 3, "the file is cut short"},
                {"vocab.tsv", 0, 0, "no header line"}};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        char a[512], b[512];
        snprintf(a, sizeof a, "%s/good/%s", tmpdir, cuts[i].file);
        snprintf(b, sizeof b, "%s/bad/%s", tmpdir, cuts[i].file);
        FILE *in = fopen(a, "rb"), *out = fopen(b, "wb");
        assert_non_null(in);
        assert_non_null(out);
        long lines = 0;
        int c, more = 0;
        while ((c = fgetc(in)) != EOF && (lines < cuts[i].lines || more < cuts[i].more)) {
            fputc(c, out);
            if (lines == cuts[i].lines) {
                assert_int_not_equal(c, '\n'); /* the cut is inside that line */
                more++;
            }
            lines += c == '\n';
        }
        fclose(in);
        fclose(out);
        memset(&err, 0, sizeof err);
        assert_int_not_equal(st_model_load(in_tmp("bad"), &m, &err), ST_OK);
        assert_null(m);
        if (!strstr(err.message, cuts[i].says))
            fail_msg("%s cut after line %ld: %s:%ld: %s", cuts[i].file, cuts[i].lines, err.where, err.line,
                     err.message);
        copy_file(a, b, NULL, NULL);
    }
    assert_int_equal(st_model_load(in_tmp("bad"), &m, &err), ST_OK);
    st_model_free(&m);

    unlink(in_tmp("bad/model.svm"));
    assert_int_equal(st_model_load(in_tmp("bad"), &m, &err), ST_ERR_MODEL);
    st_model_free(&m); /* NULL is fine */
    st_dataset_free(&ds);
}

/* Writes dir/weights.tsv from good/weights.tsv, every line ended by eol (the last one too when
 * last_eol), and the weight line `at` lines after the first "pair" line (1-based; 0: none) replaced
 * by `with` (no line end), with `extra` lines (each given with its line end) put before it. Returns
 * the 1-based line number of the replaced line in the new file. */
static long rewrite_weights(const char *dir, const char *eol, int last_eol, int at, const char *with,
                            const char *extra)
{
    char from[512], to[512], line[4096];
    snprintf(from, sizeof from, "%s/good/weights.tsv", tmpdir);
    snprintf(to, sizeof to, "%s/%s/weights.tsv", tmpdir, dir);
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    long n = 0, where = 0, after_pair = -1;
    int pending_eol = 0;
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "\n")] = '\0';
        if (pending_eol)
            fputs(eol, out);
        if (after_pair >= 0)
            after_pair++;
        if (after_pair < 0 && strncmp(line, "pair\t", 5) == 0)
            after_pair = 0;
        if (at > 0 && after_pair == at) {
            for (const char *e = extra; e && *e; e++)
                n += *e == '\n';
            fputs(extra ? extra : "", out);
            fputs(with, out);
            where = ++n;
        } else {
            fputs(line, out);
            n++;
        }
        pending_eol = 1;
    }
    if (pending_eol && last_eol)
        fputs(eol, out);
    fclose(in);
    fclose(out);
    return where;
}

/* weights.tsv weight lines are read by a fast path for the common `id<TAB>weight` form and the
 * general one for the rest: CRLF ends, comments and blank lines in a block and a "+id" all load
 * the same weights; a file without a final line end is cut short and refused; each malformed form
 * fails at its own line. */
static void test_weights_line_forms(void **state)
{
    (void)state;
    st_dataset ds;
    st_dataset_init(&ds);
    fill3(&ds, 24);
    train_into(&ds, "good", 1, 0, 0);
    mkdir(in_tmp("forms"), 0755);
    static const char *const files[] = {"model.svm", "vocab.tsv", "meta.json"};
    for (int i = 0; i < 3; i++) {
        char a[512], b[512];
        snprintf(a, sizeof a, "%s/good/%s", tmpdir, files[i]);
        snprintf(b, sizeof b, "%s/forms/%s", tmpdir, files[i]);
        copy_file(a, b, NULL, NULL);
    }
    st_model *good = NULL, *m = NULL;
    st_error err;
    assert_int_equal(st_model_load(in_tmp("good"), &good, &err), ST_OK);
    /* the first weight line of the first block, as written */
    char first[256];
    {
        FILE *f = fopen(in_tmp("good/weights.tsv"), "rb");
        assert_non_null(f);
        while (fgets(first, sizeof first, f) && strncmp(first, "pair\t", 5) != 0)
            ;
        assert_non_null(fgets(first, sizeof first, f));
        first[strcspn(first, "\n")] = '\0';
        fclose(f);
    }
    char plus[300];
    snprintf(plus, sizeof plus, "+%s", first);
    struct {
        const char *eol, *with, *extra;
        int last_eol;
    } ok[] = {{"\r\n", first, NULL, 1}, {"\n", plus, "# a comment\n\n", 1}, {"\r\n", plus, "\r\n", 1}};
    st_featurize_scratch *s = NULL;
    assert_int_equal(st_featurize_scratch_new(&s), ST_OK);
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        rewrite_weights("forms", ok[k].eol, ok[k].last_eol, 1, ok[k].with, ok[k].extra);
        assert_int_equal(st_model_load(in_tmp("forms"), &m, &err), ST_OK);
        for (size_t i = 0; i < ds.n; i++) {
            st_prediction a, b;
            assert_int_equal(st_model_predict_text(good, ds.texts[i], ds.lens[i], s, NULL, &a), ST_OK);
            assert_int_equal(st_model_predict_text(m, ds.texts[i], ds.lens[i], s, NULL, &b), ST_OK);
            assert_memory_equal(a.dec, b.dec, 3 * sizeof a.dec[0]);
        }
        st_model_free(&m);
    }
    /* no line end after the last line: cut short (a weight cut inside its digits would still
     * parse), refused at that line */
    rewrite_weights("forms", "\n", 0, 0, NULL, NULL);
    assert_int_equal(st_model_load(in_tmp("forms"), &m, &err), ST_ERR_FORMAT);
    assert_null(m);
    assert_non_null(strstr(err.message, "cut short"));
    assert_true(err.line > 5);
    /* malformed weight lines, with LF and CRLF ends: the error names the line */
    char bad[4][300];
    long id = strtol(first, NULL, 10);
    snprintf(bad[0], sizeof bad[0], "%ld\t0.5x", id);
    snprintf(bad[1], sizeof bad[1], "%ld\t0.5\t1", id);
    snprintf(bad[2], sizeof bad[2], "%ld\tnan", id);
    snprintf(bad[3], sizeof bad[3], "%s", first); /* at line 2: the id of line 1 again */
    for (int eol = 0; eol < 2; eol++)
        for (int k = 0; k < 4; k++) {
            long line = rewrite_weights("forms", eol ? "\r\n" : "\n", 1, k == 3 ? 2 : 1, bad[k], NULL);
            assert_int_equal(st_model_load(in_tmp("forms"), &m, &err), ST_ERR_FORMAT);
            assert_null(m);
            assert_non_null(strstr(err.where, "weights.tsv"));
            assert_int_equal(err.line, line);
        }
    st_featurize_scratch_free(&s);
    st_model_free(&good);
    st_dataset_free(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_class_matches_libsvm),
        cmocka_unit_test(test_two_class_order_matches_libsvm),
        cmocka_unit_test(test_e17_tiny_classes),
        cmocka_unit_test(test_e18_label_order),
        cmocka_unit_test(test_explain),
        cmocka_unit_test(test_group_predicts_like_each_model),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_weights_line_forms),
        cmocka_unit_test(test_liblinear_matches_libsvm),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
