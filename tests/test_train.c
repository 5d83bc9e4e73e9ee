/* test_train.c - training: determinism, reports, tiny classes, folder replacement, scores. */
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

#include <jansson.h>

#include "st_dataset.h"
#include "st_model.h"
#include "st_train.h"
#include "test_support.h"

/* cmocka 1.1 has no assert_double_equal: |a - b| <= eps, with both values in the message. */
static int make_tmpdir(void **state)
{
    (void)state;
    return st_tmpdir_make("train");
}

/* Three-way toy data written for this test: each label has its own verbs, topics are shared. */
static const char *const topics[] = {"harbour levy", "school merger", "rail timetable", "bridge repair",
                                     "water tariff", "park redesign", "library budget", "bus contract"};
static const char *const forms[3][3] = {
    {"We fully back the %s and will vote for it", "The %s is a welcome step forward for everyone",
     "Our members strongly support the %s"},
    {"We reject the %s outright", "The %s is a disaster and must be stopped now",
     "Our members will fight the %s in every court"},
    {"The committee will discuss the %s on Monday", "Details of the %s were published this morning",
     "A report on the %s is expected next month"}};
static const char *const names3[3] = {"favor", "against", "neutral"};

static void fill(st_dataset *ds, int per_label_limit[3])
{
    char buf[256];
    for (int t = 0; t < 8; t++)
        for (int f = 0; f < 3; f++)
            for (int c = 0; c < 3; c++) {
                if (t * 3 + f >= per_label_limit[c])
                    continue;
                int n = snprintf(buf, sizeof buf, forms[c][f], topics[t]);
                assert_int_equal(st_dataset_add(ds, names3[c], buf, (size_t)n), ST_OK);
            }
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void test_scores(void **state)
{
    (void)state;
    /* gold a: 3 right, 1 as b; gold b: 2 right; gold c: 1 as a. */
    const long conf[9] = {3, 1, 0, 0, 2, 0, 1, 0, 0};
    double p[3], r[3], f[3], acc, macro;
    st_scores_compute(conf, 3, p, r, f, &acc, &macro);
    assert_close(acc, 5.0 / 7.0, 1e-12);
    assert_close(p[0], 3.0 / 4.0, 1e-12);
    assert_close(r[0], 3.0 / 4.0, 1e-12);
    assert_close(p[1], 2.0 / 3.0, 1e-12);
    assert_close(r[1], 1.0, 1e-12);
    assert_close(f[1], 0.8, 1e-12);
    assert_close(f[2], 0.0, 1e-12);
    assert_close(macro, (0.75 + 0.8 + 0.0) / 3, 1e-12);
    const long none[4] = {0, 0, 0, 0};
    st_scores_compute(none, 2, NULL, NULL, NULL, &acc, &macro);
    assert_close(acc, 0, 0);
    assert_close(macro, 0, 0);
}

static void test_deterministic_files(void **state)
{
    (void)state;
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    st_dataset ds;
    st_dataset_init(&ds);
    int lim[3] = {24, 24, 24};
    fill(&ds, lim);
    st_train_options opt = st_train_options_default();
    opt.task = "toy";
    st_train_report r1, r2;
    st_error err;
    assert_int_equal(st_train(&ds, &opt, in_tmp("run1/toy"), &r1, &err), ST_OK);
    assert_int_equal(st_train(&ds, &opt, in_tmp("run2/toy"), &r2, &err), ST_OK);
    static const char *const files[] = {"model.svm", "weights.tsv", "vocab.tsv", "meta.json"};
    for (int i = 0; i < 4; i++) {
        char a[512], b[512];
        snprintf(a, sizeof a, "%s/run1/toy/%s", tmpdir, files[i]);
        snprintf(b, sizeof b, "%s/run2/toy/%s", tmpdir, files[i]);
        size_t la, lb;
        char *x = slurp(a, &la), *y = slurp(b, &lb);
        assert_non_null(x);
        assert_non_null(y);
        assert_true(la > 0);
        assert_int_equal(la, lb);
        assert_memory_equal(x, y, la);
        free(x);
        free(y);
    }
    /* no temporary folder is left behind */
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s/run1/toy.tmp-%ld", tmpdir, (long)getpid());
    struct stat st;
    assert_int_not_equal(stat(tmp, &st), 0);

    /* the report */
    assert_int_equal(r1.n_examples, 72);
    assert_int_equal(r1.n_labels, 3);
    assert_int_equal(r1.grid_n, 5);
    assert_int_equal(r1.folds, 5);
    assert_true(r1.n_features > 10);
    assert_true(r1.has_probability);
    assert_true(r1.cv_accuracy > 0.9); /* the verbs separate the labels */
    assert_true(r1.cv_macro_f1 > 0.9);
    long total = 0;
    for (int i = 0; i < 9; i++)
        total += r1.confusion[i];
    assert_int_equal(total, 72);
    int in_grid = 0;
    for (size_t g = 0; g < r1.grid_n; g++)
        in_grid |= r1.grid_c[g] == r1.best_c;
    assert_true(in_grid);
    assert_close(r1.cv_accuracy, r2.cv_accuracy, 0);

    /* meta.json says what the brief asks for */
    json_error_t jerr;
    json_t *meta = json_load_file(in_tmp("run1/toy/meta.json"), 0, &jerr);
    assert_non_null(meta);
    assert_string_equal(json_string_value(json_object_get(meta, "trained_at")), "2023-11-14T22:13:20Z");
    assert_string_equal(json_string_value(json_object_get(meta, "task")), "toy");
    json_t *labels = json_object_get(meta, "labels");
    assert_int_equal(json_array_size(labels), 3);
    assert_string_equal(json_string_value(json_array_get(labels, 0)), "favor");
    assert_string_equal(json_string_value(json_array_get(labels, 1)), "against");
    assert_int_equal(json_integer_value(json_object_get(meta, "n_examples")), 72);
    assert_int_equal(json_integer_value(json_object_get(meta, "seed")), 1);
    assert_int_equal(json_integer_value(json_object_get(meta, "libsvm_version")), 324);
    assert_true(json_is_true(json_object_get(meta, "probability")));
    char sha[65];
    st_dataset_sha256(&ds, sha);
    assert_string_equal(json_string_value(json_object_get(meta, "dataset_sha256")), sha);
    json_t *metrics = json_object_get(meta, "metrics");
    assert_close(json_real_value(json_object_get(metrics, "cv_macro_f1")), r1.cv_macro_f1, 1e-13);
    assert_non_null(json_object_get(json_object_get(metrics, "per_label"), "neutral"));
    assert_int_equal(json_array_size(json_object_get(json_object_get(metrics, "confusion"), "matrix")), 3);
    json_decref(meta);

    /* a different seed gives other folds but still a valid model */
    opt.seed = 7;
    st_train_report r3;
    assert_int_equal(st_train(&ds, &opt, in_tmp("run1/toy"), &r3, &err), ST_OK); /* replaces run1/toy */
    st_model *m = NULL;
    assert_int_equal(st_model_load(in_tmp("run1/toy"), &m, &err), ST_OK);
    assert_int_equal(st_model_nr_class(m), 3);
    st_model_free(&m);

    st_train_report_free(&r1);
    st_train_report_free(&r2);
    st_train_report_free(&r3);
    st_dataset_free(&ds);
    unsetenv("SOURCE_DATE_EPOCH");
}

static void test_tiny_class_no_probability(void **state)
{
    (void)state;
    st_dataset ds;
    st_dataset_init(&ds);
    int lim[3] = {24, 24, 3}; /* "neutral" has 3 examples: Platt's 5-fold CV cannot calibrate it */
    fill(&ds, lim);
    st_train_options opt = st_train_options_default();
    opt.task = "tiny";
    opt.folds = 3;
    st_train_report rep;
    st_error err;
    assert_int_equal(st_train(&ds, &opt, in_tmp("tiny"), &rep, &err), ST_OK);
    assert_false(rep.has_probability);
    json_error_t jerr;
    json_t *meta = json_load_file(in_tmp("tiny/meta.json"), 0, &jerr);
    assert_non_null(meta);
    assert_true(json_is_false(json_object_get(meta, "probability")));
    assert_non_null(json_object_get(meta, "probability_note"));
    json_decref(meta);
    st_model *m = NULL;
    assert_int_equal(st_model_load(in_tmp("tiny"), &m, &err), ST_OK);
    assert_false(st_model_has_probability(m));
    st_model_free(&m);
    st_train_report_free(&rep);

    opt.probability = 0; /* --no-probability with plenty of examples */
    st_dataset_free(&ds);
    int lim2[3] = {24, 24, 24};
    fill(&ds, lim2);
    assert_int_equal(st_train(&ds, &opt, in_tmp("noprob"), &rep, &err), ST_OK);
    assert_false(rep.has_probability);
    st_train_report_free(&rep);
    st_dataset_free(&ds);
}

static void test_errors_and_safety(void **state)
{
    (void)state;
    st_dataset ds;
    st_dataset_init(&ds);
    st_train_options opt = st_train_options_default();
    st_train_report rep;
    st_error err;
    assert_int_equal(st_train(&ds, &opt, in_tmp("empty"), &rep, &err), ST_ERR_EMPTY);
    assert_int_equal(st_dataset_add(&ds, "only", "one label here", 14), ST_OK);
    assert_int_equal(st_dataset_add(&ds, "only", "one label there", 15), ST_OK);
    assert_int_equal(st_train(&ds, &opt, in_tmp("one"), &rep, &err), ST_ERR_EMPTY);
    st_dataset_free(&ds);

    int lim[3] = {24, 24, 24};
    fill(&ds, lim);
    /* an existing folder that is not a model is never replaced */
    const char *precious = in_tmp("precious");
    mkdir(precious, 0755);
    FILE *f = fopen(in_tmp("precious/notes.txt"), "w");
    assert_non_null(f);
    fputs("keep me\n", f);
    fclose(f);
    assert_int_equal(st_train(&ds, &opt, precious, &rep, &err), ST_ERR_IO);
    struct stat st;
    assert_int_equal(stat(in_tmp("precious/notes.txt"), &st), 0);

    /* bad grid and bad SOURCE_DATE_EPOCH */
    double bad[1] = {-1};
    opt.c_grid = bad;
    opt.c_grid_n = 1;
    assert_int_equal(st_train(&ds, &opt, in_tmp("badgrid"), &rep, &err), ST_ERR_INVALID);
    opt = st_train_options_default();
    setenv("SOURCE_DATE_EPOCH", "yesterday", 1);
    assert_int_equal(st_train(&ds, &opt, in_tmp("baddate"), &rep, &err), ST_ERR_INVALID);
    assert_int_not_equal(stat(in_tmp("baddate"), &st), 0);
    unsetenv("SOURCE_DATE_EPOCH");

    /* no CV: the first grid value is used */
    double one[2] = {3, 0.1};
    opt.c_grid = one;
    opt.c_grid_n = 2;
    opt.folds = 0;
    assert_int_equal(st_train(&ds, &opt, in_tmp("nocv"), &rep, &err), ST_OK);
    assert_close(rep.best_c, 3, 0);
    assert_int_equal(rep.folds, 0);
    st_train_report_free(&rep);
    st_dataset_free(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scores),
        cmocka_unit_test(test_deterministic_files),
        cmocka_unit_test(test_tiny_class_no_probability),
        cmocka_unit_test(test_errors_and_safety),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
