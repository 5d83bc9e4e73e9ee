/* test_classify.c - the shared classify path: model sets, the result JSON of st_classify.h, code
 * point offsets, given quotes, explanations and the summary. Models are trained here, with st_train,
 * from small labelled sentences written for this test into a temporary folder. */
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

#include "st_classify.h"
#include "st_dataset.h"
#include "st_train.h"
#include "st_utf8.h"

#include "test_support.h"

static st_modelset *models;

/* ---- training data (written for this test) ---- */

static const char *const topics[] = {"the ceasefire",  "the prisoner swap", "the border crossing",
                                     "the grain deal", "the peace plan",    "the water treaty"};
static const char *const conciliatory[] = {
    "We welcome %s and we are ready to keep talking with our neighbours",
    "We are grateful for the progress on %s and hope to reach an agreement soon",
    "Both sides showed goodwill on %s and we will meet again next week"};
static const char *const hardline[] = {
    "We reject %s and we will never accept their demands",
    "There will be no concessions on %s while their troops remain on our soil",
    "We will not negotiate on %s under threats and we refuse to back down"};
static const char *const positive[] = {"I am delighted with %s, it is a wonderful result for everyone",
                                       "This is great news and %s makes us very happy",
                                       "We are proud of %s and thrilled with the success"};
static const char *const negative[] = {"I am furious about %s, it is a terrible failure",
                                       "This is awful news and %s makes us angry and sad",
                                       "We are disappointed by %s and the disastrous outcome"};
static const char *const neutral[] = {"The committee will discuss %s on Thursday afternoon",
                                      "Papers about %s were published in the official gazette",
                                      "Officials gave an update on %s at the press office"};

static void add_forms(st_dataset *ds, const char *label, const char *const forms[3])
{
    char buf[256];
    for (size_t t = 0; t < sizeof topics / sizeof topics[0]; t++)
        for (int f = 0; f < 3; f++) {
            int n = snprintf(buf, sizeof buf, forms[f], topics[t]);
            assert_int_equal(st_dataset_add(ds, label, buf, (size_t)n), ST_OK);
        }
}

/* Trains task into tmpdir/sub/task with the tokenizer's punct setting `punct`. */
static void train_task_in(const char *sub, int punct, const char *task, const char *const *labels,
                          const char *const *const *forms, int n_labels)
{
    st_dataset ds;
    st_dataset_init(&ds);
    for (int l = 0; l < n_labels; l++)
        add_forms(&ds, labels[l], forms[l]);
    st_train_options opt = st_train_options_default();
    opt.folds = 0; /* one C, no cross-validation: fast */
    opt.task = task;
    opt.features.tok.punct = punct;
    st_train_report rep;
    memset(&rep, 0, sizeof rep);
    st_error err;
    memset(&err, 0, sizeof err);
    char out[512];
    snprintf(out, sizeof out, "%s/%s%s%s", tmpdir, sub, *sub ? "/" : "", task);
    st_status rc = st_train(&ds, &opt, out, &rep, &err);
    if (rc != ST_OK)
        fail_msg("st_train(%s): %s: %s", task, st_strerror(rc), err.message);
    assert_true(rep.has_probability);
    st_train_report_free(&rep);
    st_dataset_free(&ds);
}

static void train_task(const char *task, const char *const *labels, const char *const *const *forms,
                       int n_labels)
{
    train_task_in("", 0, task, labels, forms, n_labels);
}

static int setup(void **state)
{
    (void)state;
    if (st_tmpdir_make("classify") != 0)
        return -1;
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    const char *stance_labels[] = {"conciliatory", "hardline"};
    const char *const *stance_forms[] = {conciliatory, hardline};
    train_task("stance", stance_labels, stance_forms, 2);
    const char *sent_labels[] = {"positive", "negative", "neutral"};
    const char *const *sent_forms[] = {positive, negative, neutral};
    train_task("sentiment", sent_labels, sent_forms, 3);
    st_error err;
    memset(&err, 0, sizeof err);
    st_status rc = st_modelset_load(tmpdir, &models, &err);
    if (rc != ST_OK) {
        fprintf(stderr, "st_modelset_load: %s: %s %s\n", st_strerror(rc), err.where, err.message);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    st_modelset_unref(models);
    models = NULL;
    return remove_tmpdir(state);
}

/* ---- helpers ---- */

/* Byte offset of code point index cp in s[0..len) (len when cp is past the end). */
static size_t byte_of_cp(const char *s, size_t len, size_t cp)
{
    size_t pos = 0;
    for (size_t i = 0; i < cp && pos < len; i++)
        st_utf8_next(s, len, &pos);
    return pos;
}

/* Checks one {"label", "probability", "probabilities"} object against the model's labels. */
static void check_prediction(const json_t *c, const st_model *m)
{
    assert_true(json_is_object(c));
    const char *label = json_string_value(json_object_get(c, "label"));
    assert_non_null(label);
    json_t *probs = json_object_get(c, "probabilities");
    assert_true(json_is_object(probs));
    assert_int_equal(json_object_size(probs), st_model_nr_class(m));
    double sum = 0, best = -1;
    const char *argmax = NULL;
    for (int i = 0; i < st_model_nr_class(m); i++) {
        /* keys in the model's own label order */
        json_t *p = json_object_get(probs, st_model_label(m, i));
        assert_true(json_is_real(p));
        double v = json_real_value(p);
        assert_true(v >= 0 && v <= 1);
        sum += v;
        if (v > best) {
            best = v;
            argmax = st_model_label(m, i);
        }
    }
    assert_close(sum, 1.0, 1e-9);
    assert_string_equal(label, argmax);
    assert_close(json_real_value(json_object_get(c, "probability")), best, 0);
}

static void check_result_shape(const json_t *res)
{
    assert_true(json_is_object(res));
    json_t *m = json_object_get(res, "models");
    assert_string_equal(json_string_value(json_object_get(m, "stance")),
                        st_model_version(st_modelset_stance(models)));
    assert_string_equal(json_string_value(json_object_get(m, "sentiment")),
                        st_model_version(st_modelset_sentiment(models)));
    json_t *quotes = json_object_get(res, "quotes");
    assert_true(json_is_array(quotes));
    size_t i;
    json_t *q;
    json_array_foreach(quotes, i, q)
    {
        static const char *const keys[] = {
            "text",           "start",   "end",      "speaker", "speaker_start", "speaker_end",
            "speaker_method", "partial", "unclosed", "stance",  "sentiment"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            if (!json_object_get(q, keys[k]))
                fail_msg("quote %zu has no \"%s\"", i, keys[k]);
        check_prediction(json_object_get(q, "stance"), st_modelset_stance(models));
        check_prediction(json_object_get(q, "sentiment"), st_modelset_sentiment(models));
    }
    json_t *s = json_object_get(res, "summary");
    assert_int_equal(json_integer_value(json_object_get(s, "quotes")), json_array_size(quotes));
    const char *tasks[2] = {"stance", "sentiment"};
    for (int t = 0; t < 2; t++) {
        json_int_t total = 0;
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(s, tasks[t]), k, v) total += json_integer_value(v);
        assert_int_equal(total, json_array_size(quotes));
    }
}

/* ---- tests ---- */

static void modelset_loads_both_tasks(void **state)
{
    (void)state;
    const st_model *st = st_modelset_stance(models), *se = st_modelset_sentiment(models);
    assert_non_null(st);
    assert_non_null(se);
    assert_int_equal(st_model_nr_class(st), 2);
    assert_int_equal(st_model_nr_class(se), 3);
    assert_ptr_equal(st_modelset_ref(models), models);
    st_modelset_unref(models); /* back to one reference: the fixture's */

    json_t *d = st_modelset_describe(models);
    assert_non_null(d);
    assert_string_equal(json_string_value(json_object_get(json_object_get(d, "stance"), "version")),
                        st_model_version(st));
    assert_int_equal(json_array_size(json_object_get(json_object_get(d, "sentiment"), "labels")), 3);
    assert_true(json_is_true(json_object_get(json_object_get(d, "stance"), "has_probability")));
    json_decref(d);
}

static void modelset_load_errors(void **state)
{
    (void)state;
    st_modelset *s = (st_modelset *)1;
    st_error err;
    memset(&err, 0, sizeof err);
    char missing[512];
    snprintf(missing, sizeof missing, "%s/no-such-folder", tmpdir);
    assert_int_not_equal(st_modelset_load(missing, &s, &err), ST_OK);
    assert_null(s);
    assert_non_null(strstr(err.where, "no-such-folder"));

    /* a folder with stance/ but no sentiment/ */
    char half[512], cmd[4096];
    snprintf(half, sizeof half, "%s/half", tmpdir);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp -r '%s/stance' '%s/'", half, tmpdir, half);
    assert_int_equal(system(cmd), 0);
    memset(&err, 0, sizeof err);
    s = (st_modelset *)1;
    assert_int_not_equal(st_modelset_load(half, &s, &err), ST_OK);
    assert_null(s);
    assert_non_null(strstr(err.where, "sentiment"));

    /* the sentiment folder copied into stance/'s place: refused, naming the folder and its task */
    char swapped[512];
    snprintf(swapped, sizeof swapped, "%s/swapped", tmpdir);
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s' && cp -r '%s/sentiment' '%s/stance' && cp -r '%s/sentiment' '%s/'", swapped,
             tmpdir, swapped, tmpdir, swapped);
    assert_int_equal(system(cmd), 0);
    memset(&err, 0, sizeof err);
    s = (st_modelset *)1;
    assert_int_equal(st_modelset_load(swapped, &s, &err), ST_ERR_MODEL);
    assert_null(s);
    assert_non_null(strstr(err.where, "swapped/stance"));
    assert_non_null(strstr(err.message, "holds a \"sentiment\" model"));
    st_modelset_unref(NULL); /* NULL is fine */
}

/* Multi-byte characters (2-, 3- and 4-byte UTF-8) before and inside the quotes, so byte and code point
 * offsets differ; text[start:end] in code points must be the quote. */
static const char article[] = "Zürich — Ängström talks 🙂 resumed on Tuesday.\n\n"
                              "“We welcome the ceasefire and we are ready to keep talking,” said Åsa Ørsted, "
                              "the mediator.\n\n"
                              "The minister, Piotr Łukasiewicz, was blunt. “We reject the peace plan and we "
                              "will never accept their demands,” Łukasiewicz said.\n";

static void article_json_shape_and_offsets(void **state)
{
    (void)state;
    st_classifier *c = NULL;
    assert_int_equal(st_classifier_new(&c), ST_OK);
    json_t *res = NULL;
    size_t len = sizeof article - 1;
    assert_int_equal(st_classify_article(c, models, article, len, "a-1", NULL, &res), ST_OK);
    check_result_shape(res);
    assert_string_equal(json_string_value(json_object_get(res, "id")), "a-1");

    json_t *quotes = json_object_get(res, "quotes");
    assert_int_equal(json_array_size(quotes), 2);
    size_t i;
    json_t *q;
    json_array_foreach(quotes, i, q)
    {
        json_int_t start = json_integer_value(json_object_get(q, "start"));
        json_int_t end = json_integer_value(json_object_get(q, "end"));
        assert_true(json_is_integer(json_object_get(q, "start")));
        assert_true(0 <= start && start < end && (size_t)end <= st_utf8_count(article, len));
        size_t b0 = byte_of_cp(article, len, (size_t)start), b1 = byte_of_cp(article, len, (size_t)end);
        const char *text = json_string_value(json_object_get(q, "text"));
        size_t tl = json_string_length(json_object_get(q, "text"));
        /* the span holds the quote; the extractor drops one trailing comma from the text */
        assert_true(b1 - b0 == tl || (b1 - b0 == tl + 1 && article[b1 - 1] == ','));
        assert_memory_equal(article + b0, text, tl);
        /* the speaker mention, when found, is inside the text and part of the speaker's name */
        const char *speaker = json_string_value(json_object_get(q, "speaker"));
        if (speaker) {
            json_int_t s0 = json_integer_value(json_object_get(q, "speaker_start"));
            json_int_t s1 = json_integer_value(json_object_get(q, "speaker_end"));
            assert_true(0 <= s0 && s0 < s1);
            size_t m0 = byte_of_cp(article, len, (size_t)s0), m1 = byte_of_cp(article, len, (size_t)s1);
            char mention[128];
            snprintf(mention, sizeof mention, "%.*s", (int)(m1 - m0), article + m0);
            if (!strstr(speaker, mention) &&
                strcmp(json_string_value(json_object_get(q, "speaker_method")), "pronoun"))
                fail_msg("mention \"%s\" is not part of speaker \"%s\"", mention, speaker);
        } else {
            assert_true(json_is_null(json_object_get(q, "speaker_start")));
            assert_true(json_is_null(json_object_get(q, "speaker_end")));
        }
    }
    /* the first quote starts after "“" at code point 50 (49 code points of headline and blank line) */
    const char *open = strstr(article, "\xe2\x80\x9cWe welcome");
    assert_non_null(open);
    size_t cp_open = st_utf8_count(article, (size_t)(open - article));
    assert_int_equal(json_integer_value(json_object_get(json_array_get(quotes, 0), "start")), cp_open + 1);
    assert_true(cp_open + 1 < (size_t)(open - article) + 3); /* code points, not bytes */

    /* the same input gives byte-identical JSON */
    json_t *again = NULL;
    assert_int_equal(st_classify_article(c, models, article, len, "a-1", NULL, &again), ST_OK);
    char *s1 = json_dumps(res, JSON_COMPACT), *s2 = json_dumps(again, JSON_COMPACT);
    assert_string_equal(s1, s2);
    free(s1);
    free(s2);
    json_decref(again);
    json_decref(res);
    st_classifier_free(&c);
    assert_null(c);
}

static void stance_follows_the_words(void **state)
{
    (void)state;
    st_classifier *c = NULL;
    assert_int_equal(st_classifier_new(&c), ST_OK);
    const char *texts[] = {"We welcome the grain deal and we are ready to keep talking",
                           "We reject the water treaty and we will never accept their demands",
                           "I am delighted, it is a wonderful result for everyone"};
    size_t lens[3];
    for (int i = 0; i < 3; i++)
        lens[i] = strlen(texts[i]);
    json_t *res = NULL;
    assert_int_equal(st_classify_quotes(c, models, texts, lens, 3, NULL, NULL, &res), ST_OK);
    check_result_shape(res);
    json_t *quotes = json_object_get(res, "quotes");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_array_get(quotes, 0), "stance"), "label")),
        "conciliatory");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_array_get(quotes, 1), "stance"), "label")),
        "hardline");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_array_get(quotes, 2), "sentiment"), "label")),
        "positive");
    json_decref(res);
    st_classifier_free(&c);
}

static void given_quotes_have_null_offsets(void **state)
{
    (void)state;
    st_classifier *c = NULL;
    assert_int_equal(st_classifier_new(&c), ST_OK);
    const char *texts[] = {"We welcome the peace plan", "Nous refusons tout compromis 🙂"};
    size_t lens[] = {strlen(texts[0]), strlen(texts[1])};
    json_t *res = NULL;
    assert_int_equal(st_classify_quotes(c, models, texts, lens, 2, NULL, NULL, &res), ST_OK);
    check_result_shape(res);
    assert_true(json_is_null(json_object_get(res, "id")));
    json_t *quotes = json_object_get(res, "quotes");
    assert_int_equal(json_array_size(quotes), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *q = json_array_get(quotes, i);
        assert_string_equal(json_string_value(json_object_get(q, "text")), texts[i]);
        const char *nulls[] = {"start", "end", "speaker", "speaker_start", "speaker_end"};
        for (int k = 0; k < 5; k++)
            if (!json_is_null(json_object_get(q, nulls[k])))
                fail_msg("given quote %zu: \"%s\" is not null", i, nulls[k]);
        assert_string_equal(json_string_value(json_object_get(q, "speaker_method")), "none");
        assert_true(json_is_false(json_object_get(q, "partial")));
        assert_null(json_object_get(q, "explain"));
    }
    assert_int_equal(json_array_size(json_object_get(json_object_get(res, "summary"), "speakers")), 0);
    json_decref(res);

    /* zero quotes is a valid, empty result */
    assert_int_equal(st_classify_quotes(c, models, NULL, NULL, 0, "none", NULL, &res), ST_OK);
    assert_int_equal(json_array_size(json_object_get(res, "quotes")), 0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(res, "summary"), "quotes")), 0);
    json_decref(res);
    st_classifier_free(&c);
}

/* Two models whose tokenizers differ (here only in punct) each see their own tokens: the
 * sentiment of a classified quote equals that model's own prediction from the text. (Sharing one
 * tokenization between them, as when only casefold and negation were compared, gave the sentiment
 * model the stance model's tokens: no ',' terms and bigrams across the commas.) */
static void models_with_other_tokenizers(void **state)
{
    (void)state;
    const char *stance_labels[] = {"conciliatory", "hardline"};
    const char *const *stance_forms[] = {conciliatory, hardline};
    train_task_in("mixed", 0, "stance", stance_labels, stance_forms, 2);
    const char *sent_labels[] = {"positive", "negative", "neutral"};
    const char *const *sent_forms[] = {positive, negative, neutral};
    train_task_in("mixed", 2, "sentiment", sent_labels, sent_forms, 3);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/mixed", tmpdir);
    st_modelset *set = NULL;
    st_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(st_modelset_load(dir, &set, &err), ST_OK);
    snprintf(dir, sizeof dir, "%s/mixed/sentiment", tmpdir);
    st_model *sent = NULL;
    assert_int_equal(st_model_load(dir, &sent, &err), ST_OK);
    assert_int_equal(st_vocab_config(st_model_vocab(sent))->tok.punct, 2);
    const char *texts[] = {"I am delighted with the ceasefire, it is a wonderful result",
                           "This is awful news, terrible failure, we are disappointed",
                           "Papers, published, the committee will discuss it on Thursday"};
    size_t lens[] = {strlen(texts[0]), strlen(texts[1]), strlen(texts[2])};
    st_classifier *c = NULL;
    assert_int_equal(st_classifier_new(&c), ST_OK);
    json_t *res = NULL;
    assert_int_equal(st_classify_quotes(c, set, texts, lens, 3, NULL, NULL, &res), ST_OK);
    st_featurize_scratch *scratch = NULL;
    assert_int_equal(st_featurize_scratch_new(&scratch), ST_OK);
    for (size_t i = 0; i < 3; i++) {
        st_prediction p;
        assert_int_equal(st_model_predict_text(sent, texts[i], lens[i], scratch, NULL, &p), ST_OK);
        json_t *q = json_array_get(json_object_get(res, "quotes"), i);
        json_t *probs = json_object_get(json_object_get(q, "sentiment"), "probabilities");
        for (int k = 0; k < st_model_nr_class(sent); k++)
            assert_close(json_real_value(json_object_get(probs, st_model_label(sent, k))), p.prob[k], 1e-12);
    }
    st_featurize_scratch_free(&scratch);
    json_decref(res);
    st_classifier_free(&c);
    st_model_free(&sent);
    st_modelset_unref(set);
}

static void explanations(void **state)
{
    (void)state;
    st_classifier *c = NULL;
    assert_int_equal(st_classifier_new(&c), ST_OK);
    const char *texts[] = {"We reject the ceasefire and we will never accept their demands"};
    size_t lens[] = {strlen(texts[0])};
    st_classify_options opt = {1, 3};
    json_t *res = NULL;
    assert_int_equal(st_classify_quotes(c, models, texts, lens, 1, NULL, &opt, &res), ST_OK);
    json_t *ex = json_object_get(json_array_get(json_object_get(res, "quotes"), 0), "explain");
    assert_true(json_is_object(ex));
    const char *tasks[2] = {"stance", "sentiment"};
    for (int t = 0; t < 2; t++) {
        json_t *a = json_object_get(ex, tasks[t]);
        assert_true(json_is_array(a));
        assert_true(json_array_size(a) >= 1 && json_array_size(a) <= 3);
        double prev = INFINITY;
        size_t i;
        json_t *e;
        json_array_foreach(a, i, e)
        {
            const char *term = json_string_value(json_object_get(e, "term"));
            assert_non_null(term);
            assert_true(strlen(term) > 0);
            double w = json_real_value(json_object_get(e, "weight"));
            assert_true(w <= prev);
            prev = w;
        }
    }
    /* the strongest stance term of a hardline sentence pushes toward hardline */
    assert_true(json_real_value(json_object_get(json_array_get(json_object_get(ex, "stance"), 0), "weight")) >
                0);
    json_decref(res);
    st_classifier_free(&c);
}

static void summary_per_speaker(void **state)
{
    (void)state;
    static const char text[] = "“We reject the prisoner swap and we will never accept their demands,” said "
                               "Greta Holm.\n\n"
                               "“There will be no concessions on the border crossing while their troops "
                               "remain on our soil,” Holm said.\n\n"
                               "“We welcome the water treaty and we are ready to keep talking,” said Ivo "
                               "Brandt.\n";
    st_classifier *c = NULL;
    assert_int_equal(st_classifier_new(&c), ST_OK);
    json_t *res = NULL;
    assert_int_equal(st_classify_article(c, models, text, sizeof text - 1, NULL, NULL, &res), ST_OK);
    check_result_shape(res);
    json_t *quotes = json_object_get(res, "quotes");
    assert_int_equal(json_array_size(quotes), 3);
    json_t *speakers = json_object_get(json_object_get(res, "summary"), "speakers");
    assert_true(json_is_array(speakers));
    size_t i;
    json_t *sp;
    json_int_t total = 0;
    json_array_foreach(speakers, i, sp)
    {
        json_int_t n = json_integer_value(json_object_get(sp, "quotes"));
        total += n;
        /* hardline_share agrees with the speaker's own stance counts */
        json_t *st = json_object_get(sp, "stance");
        assert_close(json_real_value(json_object_get(sp, "hardline_share")),
                     (double)json_integer_value(json_object_get(st, "hardline")) / (double)n, 1e-12);
        double ms = json_real_value(json_object_get(sp, "mean_sentiment"));
        assert_true(ms >= -1 && ms <= 1);
        /* speakers are distinct */
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(
                json_string_value(json_object_get(json_array_get(speakers, j), "speaker")),
                json_string_value(json_object_get(sp, "speaker")));
    }
    json_int_t with_speaker = 0;
    json_array_foreach(quotes, i, sp) with_speaker += !json_is_null(json_object_get(sp, "speaker"));
    assert_int_equal(total, with_speaker);
    json_decref(res);
    st_classifier_free(&c);
}

static void rejects_invalid_utf8(void **state)
{
    (void)state;
    st_classifier *c = NULL;
    assert_int_equal(st_classifier_new(&c), ST_OK);
    json_t *res = (json_t *)1;
    static const char bad[] = "caf\xe9 owners \xe2\x80\x9cprotest\xe2\x80\x9d";
    assert_int_equal(st_classify_article(c, models, bad, sizeof bad - 1, NULL, NULL, &res), ST_ERR_UTF8);
    assert_null(res);
    const char *texts[] = {"ok", "\xed\xa0\x80"}; /* an encoded surrogate */
    size_t lens[] = {2, 3};
    res = (json_t *)1;
    assert_int_equal(st_classify_quotes(c, models, texts, lens, 2, NULL, NULL, &res), ST_ERR_UTF8);
    assert_null(res);
    assert_int_equal(st_classify_article(NULL, models, "x", 1, NULL, NULL, &res), ST_ERR_INVALID);

    /* an empty article is valid: no quotes */
    assert_int_equal(st_classify_article(c, models, "", 0, NULL, NULL, &res), ST_OK);
    assert_int_equal(json_array_size(json_object_get(res, "quotes")), 0);
    json_decref(res);
    st_classifier_free(&c);
    st_classifier_free(&c); /* NULL is fine */
}

/* st_json_real writes every double exactly as jansson dumps it: the fast exact path for
 * 1e-4 <= |v| <= 1 and the snprintf path elsewhere. Random bit patterns, random values in the fast
 * range, and the edges (powers of ten, ties, the ends of the range, 0, -0, subnormals). */
static void json_real_matches_jansson(void **state)
{
    (void)state;
    static const double edges[] = {0.0,
                                   -0.0,
                                   1.0,
                                   -1.0,
                                   0.5,
                                   0.1,
                                   0.2,
                                   0.3,
                                   1e-4,
                                   -1e-4,
                                   1e-5,
                                   1e-7,
                                   9.9e-5,
                                   0.001,
                                   0.01,
                                   0.999,
                                   1e300,
                                   5e-324,
                                   123.5,
                                   1e17,
                                   1e16,
                                   1e-300,
                                   2.5e-8,
                                   0.9999999999999999,
                                   1.0 / 3,
                                   2.0 / 3,
                                   0.12345678901234567,
                                   0.99999999999999989,
                                   100.0,
                                   7.0};
    char mine[40];
    size_t checked = 0;
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (size_t i = 0; i < 400000; i++) {
        double v;
        if (i < sizeof edges / sizeof edges[0]) {
            v = edges[i];
        } else {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
            if (i % 4 == 0) {
                memcpy(&v, &x, sizeof v); /* any bit pattern */
                if (!isfinite(v))
                    continue;
            } else if (i % 4 == 1) {
                v = (double)(x >> 11) / 9007199254740992.0; /* [0, 1) */
            } else if (i % 4 == 2) {
                v = ldexp((double)((x >> 11) | 1), -53 - (int)(x % 14)); /* [1e-4-ish, 1) */
            } else {
                v = nextafter((double)(x % 10000) / 10000.0,
                              (x & 1) ? 2.0 : -2.0); /* next to short decimals */
            }
        }
        json_t *j = json_real(v);
        char *theirs = json_dumps(j, JSON_ENCODE_ANY);
        size_t n = st_json_real(mine, v);
        if (strcmp(mine, theirs) != 0 || n != strlen(theirs))
            fail_msg("%.17g: st_json_real gives %s, jansson %s", v, mine, theirs);
        free(theirs);
        json_decref(j);
        checked++;
    }
    assert_true(checked > 350000);
    assert_int_equal(st_json_real(mine, NAN), 4);
    assert_string_equal(mine, "null");
}

/* st_buf_reserve makes room once (from 4096 bytes, doubling) and keeps the bytes; the writer then
 * appends after them without growing. */
static void buf_reserve_keeps_bytes(void **state)
{
    (void)state;
    st_buf b;
    st_buf_init(&b);
    assert_int_equal(st_buf_reserve(&b, 10), ST_OK);
    assert_int_equal(b.cap, 4096);
    assert_int_equal(b.len, 0);
    memcpy(b.data, "{\"a\":1}", 7);
    b.len = 7;
    assert_int_equal(st_buf_reserve(&b, 5000), ST_OK);
    assert_int_equal(b.cap, 8192);
    assert_memory_equal(b.data, "{\"a\":1}", 7);
    char *before = b.data;
    assert_int_equal(st_buf_reserve(&b, 8192 - 7), ST_OK); /* fits: no change */
    assert_ptr_equal(b.data, before);
    assert_int_equal(st_buf_reserve(&b, SIZE_MAX - 3), ST_ERR_NOMEM);
    assert_int_equal(b.cap, 8192);
    assert_int_equal(b.len, 7);
    st_buf_free(&b);
}

/* A quote's text is escaped as jansson escapes it wherever the escaped byte falls in the 16-byte
 * steps of the writer's scan, with bytes >= 0x80 and DEL (not escaped) around it. */
static void written_strings_escape_at_every_offset(void **state)
{
    (void)state;
    st_classifier *c = NULL;
    assert_int_equal(st_classifier_new(&c), ST_OK);
    static const char specials[] = {'"', '\\', '\n', '\x01', '\x1f', '\t'};
    char text[80];
    for (size_t k = 0; k < sizeof specials; k++) {
        for (size_t pos = 0; pos <= 40; pos++) {
            size_t n = 0;
            for (size_t i = 0; i < pos; i++)
                text[n++] = i % 7 == 3 ? '\x7f' : (char)('a' + i % 26);
            text[n++] = specials[k];
            memcpy(text + n, "\xC3\xA9 end \xE2\x80\x9C", 10); /* é end “ */
            n += 10;
            const char *texts[] = {text};
            size_t lens[] = {n};
            st_classify_options opt = {0, 0};
            st_buf b;
            st_buf_init(&b);
            assert_int_equal(st_classify_quotes_write(c, models, texts, lens, 1, NULL, &opt, &b), ST_OK);
            json_error_t jerr;
            json_t *doc = json_loadb(b.data, b.len, 0, &jerr);
            if (!doc)
                fail_msg("written JSON does not parse: %s at %d", jerr.text, jerr.position);
            json_t *got = json_object_get(json_array_get(json_object_get(doc, "quotes"), 0), "text");
            assert_int_equal(json_string_length(got), n);
            assert_memory_equal(json_string_value(got), text, n);
            char *dump = json_dumps(doc, JSON_COMPACT);
            assert_non_null(dump);
            if (strlen(dump) != b.len || memcmp(dump, b.data, b.len) != 0)
                fail_msg("written:\n%.*s\njansson:\n%s", (int)b.len, b.data, dump);
            free(dump);
            json_decref(doc);
            st_buf_free(&b);
        }
    }
    st_classifier_free(&c);
}

/* The written bytes equal jansson's compact dump of the same document (so parsing them back and
 * dumping gives them again), with and without explanations, for extracted and given quotes whose
 * text holds every kind of escape; st_classify_article returns that same document. */
static void written_json_is_janssons(void **state)
{
    (void)state;
    st_classifier *c = NULL;
    assert_int_equal(st_classifier_new(&c), ST_OK);
    static const char tricky[] = "Tab\there, \"quoted\" back\\slash, bell \x07, nl\n, \x1f, é 🙂 /";
    const char *texts[] = {"We will never accept their demands", tricky, ""};
    size_t lens[] = {strlen(texts[0]), sizeof tricky - 1, 0};
    for (int round = 0; round < 4; round++) {
        st_classify_options opt = {round & 1, round == 3 ? 3 : 0};
        st_buf b;
        st_buf_init(&b);
        size_t nq = 99;
        if (round < 2)
            assert_int_equal(
                st_classify_article_write(c, models, article, sizeof article - 1, "id \"1\"", &opt, &b, &nq),
                ST_OK);
        else
            assert_int_equal(st_classify_quotes_write(c, models, texts, lens, 3, NULL, &opt, &b), ST_OK);
        json_error_t jerr;
        json_t *doc = json_loadb(b.data, b.len, JSON_ALLOW_NUL, &jerr);
        if (!doc)
            fail_msg("written JSON does not parse: %s at %d", jerr.text, jerr.position);
        check_result_shape(doc);
        if (round < 2)
            assert_int_equal(nq, json_array_size(json_object_get(doc, "quotes")));
        assert_int_equal(
            json_is_object(json_object_get(json_array_get(json_object_get(doc, "quotes"), 0), "explain")),
            round & 1);
        char *dump = json_dumps(doc, JSON_COMPACT);
        assert_non_null(dump);
        if (strlen(dump) != b.len || memcmp(dump, b.data, b.len) != 0)
            fail_msg("written:\n%.*s\njansson:\n%s", (int)b.len, b.data, dump);
        json_t *api = NULL;
        if (round < 2)
            assert_int_equal(
                st_classify_article(c, models, article, sizeof article - 1, "id \"1\"", &opt, &api), ST_OK);
        else
            assert_int_equal(st_classify_quotes(c, models, texts, lens, 3, NULL, &opt, &api), ST_OK);
        char *api_dump = json_dumps(api, JSON_COMPACT);
        assert_string_equal(api_dump, dump);
        free(api_dump);
        json_decref(api);
        free(dump);
        json_decref(doc);
        /* appending to a buffer that already holds bytes keeps them; an error leaves len as it was */
        size_t before = b.len;
        const char *bad[] = {"\xff"};
        size_t bad_len[] = {1};
        assert_int_equal(st_classify_quotes_write(c, models, bad, bad_len, 1, NULL, &opt, &b), ST_ERR_UTF8);
        assert_int_equal(b.len, before);
        st_buf_free(&b);
        assert_null(b.data);
    }
    st_classifier_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(modelset_loads_both_tasks),
        cmocka_unit_test(modelset_load_errors),
        cmocka_unit_test(article_json_shape_and_offsets),
        cmocka_unit_test(stance_follows_the_words),
        cmocka_unit_test(given_quotes_have_null_offsets),
        cmocka_unit_test(models_with_other_tokenizers),
        cmocka_unit_test(explanations),
        cmocka_unit_test(summary_per_speaker),
        cmocka_unit_test(rejects_invalid_utf8),
        cmocka_unit_test(json_real_matches_jansson),
        cmocka_unit_test(written_json_is_janssons),
        cmocka_unit_test(written_strings_escape_at_every_offset),
        cmocka_unit_test(buf_reserve_keeps_bytes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
