/* classify.c - article -> quotes, speakers, stance, sentiment as JSON (see st_classify.h).
 *
 * The one classification path shared by stance-serve and the batch scorer. Quote extraction and the
 * featurizer work in byte offsets; this file converts every offset to code points once, at the
 * edge, by sorting the byte offsets of a result and walking one st_cp_cursor over them. */
#include "st_classify.h"

#include <assert.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st_quotes.h"
#include "st_utf8.h"

#define DEFAULT_EXPLAIN_K 5
#define MAX_EXPLAIN_K 100

struct st_modelset {
    atomic_size_t refs;
    st_model *stance;
    st_model *sentiment;
};

struct st_classifier {
    st_featurize_scratch *scratch;
    st_svec x;
    st_quotes quotes;
    st_contribution contrib[MAX_EXPLAIN_K];
};

/* ---- model sets ---- */

static st_status load_task(const char *dir, const char *task, st_model **out, st_error *err)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, task);
    if (n < 0 || (size_t)n >= sizeof path)
        return st_error_set(err, ST_ERR_INVALID, dir, 0, "model folder path too long");
    st_status rc = st_model_load(path, out, err);
    if (rc != ST_OK && err && err->where[0] == '\0')
        st_error_set(err, rc, path, 0, "%s", st_strerror(rc));
    return rc;
}

st_status st_modelset_load(const char *dir, st_modelset **out, st_error *err)
{
    st_status rc;
    if (!dir || !out)
        return st_error_set(err, ST_ERR_INVALID, "", 0, "st_modelset_load: NULL argument");
    *out = NULL;
    st_modelset *s = calloc(1, sizeof *s);
    if (!s)
        return st_error_set(err, ST_ERR_NOMEM, dir, 0, "out of memory");
    atomic_init(&s->refs, 1);
    if ((rc = load_task(dir, "stance", &s->stance, err)) != ST_OK)
        goto out_free_set;
    if ((rc = load_task(dir, "sentiment", &s->sentiment, err)) != ST_OK)
        goto out_free_stance;
    *out = s;
    return ST_OK;

out_free_stance:
    st_model_free(&s->stance);
out_free_set:
    free(s);
    return rc;
}

st_modelset *st_modelset_ref(st_modelset *s)
{
    if (s)
        atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

void st_modelset_unref(st_modelset *s)
{
    if (!s)
        return;
    size_t before = atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel);
    assert(before > 0);
    if (before != 1)
        return;
    st_model_free(&s->stance);
    st_model_free(&s->sentiment);
    free(s);
}

const st_model *st_modelset_stance(const st_modelset *s)
{
    return s ? s->stance : NULL;
}

const st_model *st_modelset_sentiment(const st_modelset *s)
{
    return s ? s->sentiment : NULL;
}

static json_t *describe_model(const st_model *m)
{
    json_t *o = NULL;
    const char *meta = st_model_meta_json(m);
    if (meta)
        o = json_loads(meta, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_object();
        if (!o)
            return NULL;
    }
    if (!json_object_get(o, "task") && st_model_task(m))
        json_object_set_new(o, "task", json_string(st_model_task(m)));
    if (!json_object_get(o, "labels")) {
        json_t *labels = json_array();
        for (int i = 0; labels && i < st_model_nr_class(m); i++)
            json_array_append_new(labels, json_string(st_model_label(m, i)));
        json_object_set_new(o, "labels", labels);
    }
    /* meta.json's "version" is the software that trained the model; "version" here is the model's
     * own content hash, the one every result names. */
    json_t *sw = json_object_get(o, "version");
    if (sw)
        json_object_set(o, "trained_with", sw);
    json_object_set_new(o, "has_probability", json_boolean(st_model_has_probability(m)));
    json_object_set_new(o, "version", json_string(st_model_version(m) ? st_model_version(m) : ""));
    return o;
}

json_t *st_modelset_describe(const st_modelset *s)
{
    if (!s)
        return NULL;
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (json_object_set_new(o, "stance", describe_model(s->stance)) != 0 ||
        json_object_set_new(o, "sentiment", describe_model(s->sentiment)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- classifiers (per-thread scratch) ---- */

st_status st_classifier_new(st_classifier **out)
{
    st_status rc;
    if (!out)
        return ST_ERR_INVALID;
    *out = NULL;
    st_classifier *c = calloc(1, sizeof *c);
    if (!c)
        return ST_ERR_NOMEM;
    if ((rc = st_featurize_scratch_new(&c->scratch)) != ST_OK)
        goto out_free_classifier;
    st_svec_init(&c->x);
    st_quotes_init(&c->quotes);
    *out = c;
    return ST_OK;

out_free_classifier:
    free(c);
    return rc;
}

void st_classifier_free(st_classifier **pc)
{
    if (!pc || !*pc)
        return;
    st_classifier *c = *pc;
    st_featurize_scratch_free(&c->scratch);
    st_svec_free(&c->x);
    st_quotes_free(&c->quotes);
    free(c);
    *pc = NULL;
}

/* ---- one prediction as JSON ---- */

/* Sets o[key] = v (stolen); returns -1 when v is NULL or the set fails. */
static int set_new(json_t *o, const char *key, json_t *v)
{
    if (!v)
        return -1;
    return json_object_set_new(o, key, v);
}

/* {"label", "probability", "probabilities": {label: p}} for one prediction of m. */
static json_t *prediction_json(const st_model *m, const st_prediction *p)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (set_new(o, "label", json_string(st_model_label(m, p->label))) != 0)
        goto out_fail;
    if (!p->has_prob) {
        if (set_new(o, "probability", json_null()) != 0)
            goto out_fail;
        return o;
    }
    if (set_new(o, "probability", json_real(p->prob[p->label])) != 0)
        goto out_fail;
    json_t *probs = json_object();
    if (set_new(o, "probabilities", probs) != 0)
        goto out_fail;
    for (int i = 0; i < p->nr_class; i++)
        if (set_new(probs, st_model_label(m, i), json_real(p->prob[i])) != 0)
            goto out_fail;
    return o;

out_fail:
    json_decref(o);
    return NULL;
}

/* [{"term", "weight"}] for the top k terms of the classifier's current vector. */
static json_t *explain_json(st_classifier *c, const st_model *m, const st_prediction *p, size_t k)
{
    size_t n = 0;
    json_t *a = json_array();
    if (!a)
        return NULL;
    st_model_explain(m, &c->x, p, c->contrib, k, &n);
    assert(n <= k);
    const st_vocab *v = st_model_vocab(m);
    for (size_t i = 0; i < n; i++) {
        const char *term = st_vocab_term(v, c->contrib[i].id);
        json_t *e = json_pack("{s:s, s:f}", "term", term ? term : "", "weight", c->contrib[i].contribution);
        if (!e || json_array_append_new(a, e) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* Sentiment score of one prediction in [-1, 1]: P(positive) - P(negative) when the model has
 * probabilities, else +1 / -1 / 0 for a positive / negative / other label. */
static double sentiment_score(const st_model *m, const st_prediction *p)
{
    double score = 0;
    for (int i = 0; i < p->nr_class; i++) {
        const char *l = st_model_label(m, i);
        double w = p->has_prob ? p->prob[i] : (i == p->label ? 1.0 : 0.0);
        if (strcmp(l, "positive") == 0)
            score += w;
        else if (strcmp(l, "negative") == 0)
            score -= w;
    }
    return score;
}

/* Classifies one quote text with both models and adds "stance", "sentiment" (and "explain") to q.
 * On success *stance_label / *sentiment_label are the predicted label indices and *score the
 * sentiment score. */
static st_status classify_one(st_classifier *c, const st_modelset *set, const char *text, size_t len,
                              const st_classify_options *opt, json_t *q, int *stance_label,
                              int *sentiment_label, double *score)
{
    st_status rc;
    st_prediction p;
    json_t *explain = NULL;
    size_t k = 0;
    if (opt && opt->explain) {
        k = opt->explain_k ? opt->explain_k : DEFAULT_EXPLAIN_K;
        if (k > MAX_EXPLAIN_K)
            k = MAX_EXPLAIN_K;
        if (!(explain = json_object()))
            return ST_ERR_NOMEM;
    }
    const st_model *models[2] = {set->stance, set->sentiment};
    const char *names[2] = {"stance", "sentiment"};
    for (int t = 0; t < 2; t++) {
        /* The vector must be the current model's: explanations read c->x right after predicting. */
        if ((rc = st_model_predict_text(models[t], text, len, c->scratch, &c->x, &p)) != ST_OK)
            goto out_free_explain;
        rc = ST_ERR_NOMEM;
        if (set_new(q, names[t], prediction_json(models[t], &p)) != 0)
            goto out_free_explain;
        if (explain && set_new(explain, names[t], explain_json(c, models[t], &p, k)) != 0)
            goto out_free_explain;
        if (t == 0) {
            *stance_label = p.label;
        } else {
            *sentiment_label = p.label;
            *score = sentiment_score(models[t], &p);
        }
    }
    if (explain && set_new(q, "explain", explain) != 0)
        return ST_ERR_NOMEM; /* set_new consumed explain */
    return ST_OK;

out_free_explain:
    json_decref(explain);
    return rc;
}

/* ---- summary ---- */

typedef struct speaker_acc {
    const char *name; /* borrowed from the quote list */
    size_t quotes;
    size_t stance_count[ST_MAX_LABELS];
    double sentiment_sum;
} speaker_acc;

typedef struct summary_acc {
    size_t quotes;
    size_t stance_count[ST_MAX_LABELS];
    size_t sentiment_count[ST_MAX_LABELS];
    speaker_acc *speakers; /* in order of first appearance */
    size_t n_speakers, cap_speakers;
} summary_acc;

static st_status summary_add(summary_acc *s, const char *speaker, int stance, int sentiment, double score)
{
    s->quotes++;
    s->stance_count[stance]++;
    s->sentiment_count[sentiment]++;
    if (!speaker)
        return ST_OK;
    speaker_acc *sp = NULL;
    for (size_t i = 0; i < s->n_speakers; i++)
        if (strcmp(s->speakers[i].name, speaker) == 0) {
            sp = &s->speakers[i];
            break;
        }
    if (!sp) {
        if (s->n_speakers == s->cap_speakers) {
            size_t cap = s->cap_speakers ? 2 * s->cap_speakers : 8;
            speaker_acc *grown = realloc(s->speakers, cap * sizeof *grown);
            if (!grown)
                return ST_ERR_NOMEM;
            s->speakers = grown;
            s->cap_speakers = cap;
        }
        sp = &s->speakers[s->n_speakers++];
        memset(sp, 0, sizeof *sp);
        sp->name = speaker;
    }
    sp->quotes++;
    sp->stance_count[stance]++;
    sp->sentiment_sum += score;
    return ST_OK;
}

static json_t *counts_json(const st_model *m, const size_t *count)
{
    json_t *o = json_object();
    for (int i = 0; o && i < st_model_nr_class(m); i++)
        if (set_new(o, st_model_label(m, i), json_integer((json_int_t)count[i])) != 0) {
            json_decref(o);
            return NULL;
        }
    return o;
}

static int label_index(const st_model *m, const char *label)
{
    for (int i = 0; i < st_model_nr_class(m); i++)
        if (strcmp(st_model_label(m, i), label) == 0)
            return i;
    return -1;
}

static json_t *summary_json(const st_modelset *set, const summary_acc *s)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (set_new(o, "quotes", json_integer((json_int_t)s->quotes)) != 0 ||
        set_new(o, "stance", counts_json(set->stance, s->stance_count)) != 0 ||
        set_new(o, "sentiment", counts_json(set->sentiment, s->sentiment_count)) != 0)
        goto out_fail;
    json_t *speakers = json_array();
    if (set_new(o, "speakers", speakers) != 0)
        goto out_fail;
    int hard = label_index(set->stance, "hardline");
    for (size_t i = 0; i < s->n_speakers; i++) {
        const speaker_acc *sp = &s->speakers[i];
        json_t *e = json_object();
        if (json_array_append_new(speakers, e) != 0)
            goto out_fail;
        double share = hard >= 0 ? (double)sp->stance_count[hard] / (double)sp->quotes : 0.0;
        if (set_new(e, "speaker", json_string(sp->name)) != 0 ||
            set_new(e, "quotes", json_integer((json_int_t)sp->quotes)) != 0 ||
            set_new(e, "stance", counts_json(set->stance, sp->stance_count)) != 0 ||
            set_new(e, "hardline_share", hard >= 0 ? json_real(share) : json_null()) != 0 ||
            set_new(e, "mean_sentiment", json_real(sp->sentiment_sum / (double)sp->quotes)) != 0)
            goto out_fail;
    }
    return o;

out_fail:
    json_decref(o);
    return NULL;
}

/* ---- byte -> code point offsets, once per result ---- */

typedef struct offset_ref {
    size_t byte;
    size_t *slot; /* receives the code point offset */
} offset_ref;

static int offset_cmp(const void *a, const void *b)
{
    size_t x = ((const offset_ref *)a)->byte, y = ((const offset_ref *)b)->byte;
    return (x > y) - (x < y);
}

/* Rewrites the byte offsets of every quote (start, end, and speaker_start/end when it has a speaker)
 * to code point offsets of text, walking one cursor over them in increasing order. */
static st_status quotes_to_code_points(st_quotes *q, const char *text, size_t len)
{
    size_t n = 0;
    offset_ref *refs = malloc((q->n ? q->n : 1) * 4 * sizeof *refs);
    if (!refs)
        return ST_ERR_NOMEM;
    for (size_t i = 0; i < q->n; i++) {
        st_quote *it = &q->items[i];
        refs[n++] = (offset_ref){it->start, &it->start};
        refs[n++] = (offset_ref){it->end, &it->end};
        if (it->speaker) {
            refs[n++] = (offset_ref){it->speaker_start, &it->speaker_start};
            refs[n++] = (offset_ref){it->speaker_end, &it->speaker_end};
        }
    }
    qsort(refs, n, sizeof *refs, offset_cmp);
    st_cp_cursor cur;
    st_cp_cursor_init(&cur, text, len);
    for (size_t i = 0; i < n; i++) {
        size_t b = refs[i].byte <= len ? refs[i].byte : len;
        *refs[i].slot = st_cp_cursor_at(&cur, b);
    }
    free(refs);
    return ST_OK;
}

/* ---- the result document ---- */

static json_t *result_skeleton(const st_modelset *set, const char *id)
{
    const char *sv = st_model_version(set->stance), *tv = st_model_version(set->sentiment);
    return json_pack("{s:o, s:{s:s, s:s}, s:[]}", "id", id ? json_string(id) : json_null(), "models",
                     "stance", sv ? sv : "", "sentiment", tv ? tv : "", "quotes");
}

static json_t *offset_json(int valid, size_t v)
{
    return valid ? json_integer((json_int_t)v) : json_null();
}

st_status st_classify_article(st_classifier *c, const st_modelset *set, const char *text, size_t len,
                              const char *id, const st_classify_options *opt, json_t **out)
{
    st_status rc;
    summary_acc acc;
    if (!out)
        return ST_ERR_INVALID;
    *out = NULL;
    if (!c || !set || (!text && len))
        return ST_ERR_INVALID;
    if (!text)
        text = "";
    if ((rc = st_utf8_validate(text, len, NULL)) != ST_OK)
        return rc;
    if ((rc = st_quotes_extract(text, len, &c->quotes)) != ST_OK)
        return rc;
    if ((rc = quotes_to_code_points(&c->quotes, text, len)) != ST_OK)
        return rc;

    memset(&acc, 0, sizeof acc);
    rc = ST_ERR_NOMEM;
    json_t *res = result_skeleton(set, id);
    if (!res)
        goto out_free_acc;
    json_t *arr = json_object_get(res, "quotes");
    for (size_t i = 0; i < c->quotes.n; i++) {
        const st_quote *it = &c->quotes.items[i];
        int has_spk = it->speaker != NULL;
        rc = ST_ERR_NOMEM;
        json_t *q = json_object();
        if (json_array_append_new(arr, q) != 0)
            goto out_free_res;
        if (set_new(q, "text", json_stringn(it->text, it->text_len)) != 0 ||
            set_new(q, "start", json_integer((json_int_t)it->start)) != 0 ||
            set_new(q, "end", json_integer((json_int_t)it->end)) != 0 ||
            set_new(q, "speaker", has_spk ? json_string(it->speaker) : json_null()) != 0 ||
            set_new(q, "speaker_start", offset_json(has_spk, it->speaker_start)) != 0 ||
            set_new(q, "speaker_end", offset_json(has_spk, it->speaker_end)) != 0 ||
            set_new(q, "speaker_method", json_string(st_speaker_method_name(it->method))) != 0 ||
            set_new(q, "partial", json_boolean(it->partial)) != 0 ||
            set_new(q, "unclosed", json_boolean(it->unclosed)) != 0)
            goto out_free_res;
        int stance = 0, sentiment = 0;
        double score = 0;
        if ((rc = classify_one(c, set, it->text, it->text_len, opt, q, &stance, &sentiment, &score)) != ST_OK)
            goto out_free_res;
        if ((rc = summary_add(&acc, it->speaker, stance, sentiment, score)) != ST_OK)
            goto out_free_res;
    }
    rc = ST_ERR_NOMEM;
    if (set_new(res, "summary", summary_json(set, &acc)) != 0)
        goto out_free_res;
    free(acc.speakers);
    *out = res;
    return ST_OK;

out_free_res:
    json_decref(res);
out_free_acc:
    free(acc.speakers);
    return rc;
}

st_status st_classify_quotes(st_classifier *c, const st_modelset *set, const char *const *texts,
                             const size_t *lens, size_t n, const char *id, const st_classify_options *opt,
                             json_t **out)
{
    st_status rc;
    summary_acc acc;
    if (!out)
        return ST_ERR_INVALID;
    *out = NULL;
    if (!c || !set || (n && (!texts || !lens)))
        return ST_ERR_INVALID;
    for (size_t i = 0; i < n; i++) {
        if (!texts[i] && lens[i])
            return ST_ERR_INVALID;
        if ((rc = st_utf8_validate(texts[i] ? texts[i] : "", lens[i], NULL)) != ST_OK)
            return rc;
    }

    memset(&acc, 0, sizeof acc);
    rc = ST_ERR_NOMEM;
    json_t *res = result_skeleton(set, id);
    if (!res)
        goto out_free_acc;
    json_t *arr = json_object_get(res, "quotes");
    for (size_t i = 0; i < n; i++) {
        const char *t = texts[i] ? texts[i] : "";
        rc = ST_ERR_NOMEM;
        json_t *q = json_object();
        if (json_array_append_new(arr, q) != 0)
            goto out_free_res;
        if (set_new(q, "text", json_stringn(t, lens[i])) != 0 || set_new(q, "start", json_null()) != 0 ||
            set_new(q, "end", json_null()) != 0 || set_new(q, "speaker", json_null()) != 0 ||
            set_new(q, "speaker_start", json_null()) != 0 || set_new(q, "speaker_end", json_null()) != 0 ||
            set_new(q, "speaker_method", json_string(st_speaker_method_name(ST_SPEAKER_NONE))) != 0 ||
            set_new(q, "partial", json_false()) != 0 || set_new(q, "unclosed", json_false()) != 0)
            goto out_free_res;
        int stance = 0, sentiment = 0;
        double score = 0;
        if ((rc = classify_one(c, set, t, lens[i], opt, q, &stance, &sentiment, &score)) != ST_OK)
            goto out_free_res;
        if ((rc = summary_add(&acc, NULL, stance, sentiment, score)) != ST_OK)
            goto out_free_res;
    }
    rc = ST_ERR_NOMEM;
    if (set_new(res, "summary", summary_json(set, &acc)) != 0)
        goto out_free_res;
    free(acc.speakers);
    *out = res;
    return ST_OK;

out_free_res:
    json_decref(res);
out_free_acc:
    free(acc.speakers);
    return rc;
}
