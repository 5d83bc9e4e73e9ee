/* classify.c - article -> quotes, speakers, stance, sentiment as JSON (see st_classify.h).
 *
 * The one classification path shared by stance-serve and the batch scorer. Quote extraction and the
 * featurizer work in byte offsets; this file converts every offset to code points once, at the
 * edge, by sorting the byte offsets of a result and walking one st_cp_cursor over them.
 *
 * The result is written straight into a byte buffer (st_classify_*_write), the same bytes that
 * jansson's json_dumps(JSON_COMPACT) gives for the object (keys in the same order, strings escaped
 * as jansson does, reals as "%.17g" with jansson's touches): the server sends these bytes without
 * building a jansson tree (which cost more malloc and printf than the classification itself);
 * st_classify_article/quotes parse them back into a jansson object for callers that want one.
 * Each quote is tokenized once when both models' tokenizer settings agree. */
#include "st_classify.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st_quotes.h"
#include "st_utf8.h"

#if defined(__SSE2__) && defined(__GNUC__)
#define JW_SSE2 1
#include <emmintrin.h>
#endif

#define DEFAULT_EXPLAIN_K 5
#define MAX_EXPLAIN_K 100

struct st_modelset {
    atomic_size_t refs;
    st_model *stance;
    st_model *sentiment;
    /* The merged lookup of both vocabularies when their term settings agree (else NULL): each
     * quote's terms are then generated and looked up once for both models. */
    st_vocab_group *vocabs;
};

struct st_classifier {
    st_featurize_scratch *scratch;
    st_tokens toks; /* the quote's tokens, shared by both models when their tokenizer settings agree */
    st_svec x[2];   /* the quote's vector in each task's vocabulary (stance, sentiment) */
    st_quotes quotes;
    st_contribution contrib[2][MAX_EXPLAIN_K]; /* the explanation of each task (stance, sentiment) */
    size_t n_contrib[2];
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
    if (rc == ST_OK && strcmp(st_model_task(*out), task) != 0) {
        /* a folder copied or renamed into the wrong place would classify with the other task's
         * labels: refused (train it with --task NAME into DIR/NAME, or rename it back) */
        rc = st_error_set(err, ST_ERR_MODEL, path, 0,
                          "this folder holds a \"%.60s\" model (meta.json task), not a \"%s\" one",
                          st_model_task(*out), task);
        st_model_free(out);
    }
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
    const st_vocab *v[2] = {st_model_vocab(s->stance), st_model_vocab(s->sentiment)};
    if (st_vocab_same_terms(v[0], v[1]) && (rc = st_vocab_group_new(v, 2, &s->vocabs)) != ST_OK) {
        st_error_set(err, rc, dir, 0, "cannot merge the stance and sentiment vocabularies: %s",
                     st_strerror(rc));
        goto out_free_sentiment;
    }
    *out = s;
    return ST_OK;

out_free_sentiment:
    st_model_free(&s->sentiment);
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
    st_vocab_group_free(&s->vocabs);
    st_model_free(&s->stance);
    st_model_free(&s->sentiment);
    free(s);
}

size_t st_modelset_refs(const st_modelset *s)
{
    return s ? atomic_load_explicit(&((st_modelset *)s)->refs, memory_order_acquire) : 0;
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
    st_tokens_init(&c->toks);
    st_svec_init(&c->x[0]);
    st_svec_init(&c->x[1]);
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
    st_tokens_free(&c->toks);
    st_svec_free(&c->x[0]);
    st_svec_free(&c->x[1]);
    st_quotes_free(&c->quotes);
    free(c);
    *pc = NULL;
}

/* ---- numbers and strings as jansson writes them ---- */

/* 10^k for k in [0, 19]. */
static const uint64_t pow10_u64[20] = {1ULL,
                                       10ULL,
                                       100ULL,
                                       1000ULL,
                                       10000ULL,
                                       100000ULL,
                                       1000000ULL,
                                       10000000ULL,
                                       100000000ULL,
                                       1000000000ULL,
                                       10000000000ULL,
                                       100000000000ULL,
                                       1000000000000ULL,
                                       10000000000000ULL,
                                       100000000000000ULL,
                                       1000000000000000ULL,
                                       10000000000000000ULL,
                                       100000000000000000ULL,
                                       1000000000000000000ULL,
                                       10000000000000000000ULL};

/* 10^k for k in [0, 38], exact in 128 bits. */
static unsigned __int128 pow10_u128(int k)
{
    if (k <= 19)
        return pow10_u64[k];
    return (unsigned __int128)pow10_u64[k - 19] * pow10_u64[19];
}

/* The 17 significant digits of a (1e-4 <= a <= 1), correctly rounded (ties to even, as glibc's
 * printf in the default rounding mode): *digits in [1e16, 1e17) and *exp10 such that
 * a ~= digits * 10^(exp10 - 16). Exact: a = m * 2^e with m < 2^53, and m * 10^k (k <= 21) fits in
 * 128 bits. Returns 0, or -1 when the search does not settle (the caller then uses snprintf). */
static int digits17(double a, uint64_t *digits, int *exp10)
{
    uint64_t bits;
    memcpy(&bits, &a, sizeof bits); /* IEEE 754 binary64: a is normal here (>= 1e-4) */
    uint64_t m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
    int shift = 1075 - (int)((bits >> 52) & 0x7ff); /* a = m / 2^shift, shift in [52, 66] */
    int x = a >= 1.0 ? 0 : a >= 0.1 ? -1 : a >= 0.01 ? -2 : a >= 0.001 ? -3 : -4; /* the loop corrects it */
    const uint64_t lo = 10000000000000000ULL, hi = 100000000000000000ULL;
    for (int tries = 0; tries < 4; tries++) {
        int k = 16 - x;
        if (k < 0 || k > 22 || shift <= 0 || shift >= 127)
            return -1;
        unsigned __int128 n = (unsigned __int128)m * pow10_u128(k);
        unsigned __int128 q = n >> shift;
        unsigned __int128 r = n - (q << shift);
        unsigned __int128 half = (unsigned __int128)1 << (shift - 1);
        if (r > half || (r == half && (q & 1)))
            q++;
        if (q < lo) {
            x--;
        } else if (q >= hi) {
            x++;
        } else {
            *digits = (uint64_t)q;
            *exp10 = x;
            return 0;
        }
    }
    return -1;
}

size_t st_json_real(char out[40], double v)
{
    double a = fabs(v);
    if (isfinite(v) && a >= 1e-4 && a <= 1.0) {
        uint64_t d;
        int x;
        if (digits17(a, &d, &x) == 0 && x >= -4 && x <= 0) {
            char dig[17];
            for (int i = 16; i >= 0; i--) {
                dig[i] = (char)('0' + d % 10);
                d /= 10;
            }
            int nd = 17;
            while (nd > 1 && dig[nd - 1] == '0')
                nd--;
            size_t o = 0;
            if (v < 0)
                out[o++] = '-';
            if (x == 0) { /* d.ddd, "%g" drops a bare point; jansson then adds ".0" */
                out[o++] = dig[0];
                out[o++] = '.';
                if (nd == 1)
                    out[o++] = '0';
                for (int i = 1; i < nd; i++)
                    out[o++] = dig[i];
            } else { /* 0.000ddd */
                out[o++] = '0';
                out[o++] = '.';
                for (int i = 0; i < -x - 1; i++)
                    out[o++] = '0';
                for (int i = 0; i < nd; i++)
                    out[o++] = dig[i];
            }
            out[o] = '\0';
            return o;
        }
    }
    /* Everything else: jansson's own steps (jsonp_dtostr): "%.17g"; a decimal comma of an odd
     * locale back to '.'; ".0" when neither '.' nor 'e' appears; the exponent without '+' and
     * leading zeros. Non-finite values (never produced here) are written as null. */
    if (!isfinite(v)) {
        memcpy(out, "null", 5);
        return 4;
    }
    int n = snprintf(out, 40, "%.17g", v);
    if (n < 0 || n >= 40) {
        memcpy(out, "0.0", 4);
        return 3;
    }
    size_t len = (size_t)n;
    for (size_t i = 0; i < len; i++)
        if (out[i] == ',')
            out[i] = '.';
    if (!strchr(out, '.') && !strchr(out, 'e')) {
        out[len++] = '.';
        out[len++] = '0';
        out[len] = '\0';
    }
    char *e = strchr(out, 'e');
    if (e) {
        char *start = e + 1, *end = e + 2;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, len - (size_t)(end - out) + 1);
            len -= (size_t)(end - start);
        }
    }
    return len;
}

/* ---- the output buffer ---- */

void st_buf_init(st_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void st_buf_free(st_buf *b)
{
    free(b->data);
    st_buf_init(b);
}

/* A writer over an st_buf: after an allocation failure it ignores further output and remembers. */
typedef struct jw {
    st_buf *b;
    int failed;
} jw;

st_status st_buf_reserve(st_buf *b, size_t extra)
{
    if (extra <= b->cap - b->len)
        return ST_OK;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < extra) {
        if (cap > SIZE_MAX / 2)
            return ST_ERR_NOMEM;
        cap *= 2;
    }
    char *grown = realloc(b->data, cap);
    if (!grown)
        return ST_ERR_NOMEM;
    b->data = grown;
    b->cap = cap;
    return ST_OK;
}

static int jw_reserve(jw *w, size_t extra)
{
    if (w->failed)
        return -1;
    if (extra <= w->b->cap - w->b->len)
        return 0;
    if (st_buf_reserve(w->b, extra) != ST_OK) {
        w->failed = 1;
        return -1;
    }
    return 0;
}

static void jw_raw(jw *w, const char *s, size_t n)
{
    if (jw_reserve(w, n) != 0)
        return;
    memcpy(w->b->data + w->b->len, s, n);
    w->b->len += n;
}

/* lit must be a string literal ("" lit "" does not compile otherwise, so sizeof is its length). */
#define JW_LIT(w, lit) jw_raw((w), "" lit "", sizeof(lit) - 1)

static void jw_char(jw *w, char ch)
{
    if (jw_reserve(w, 1) != 0)
        return;
    w->b->data[w->b->len++] = ch;
}

/* A JSON string as jansson's dump_string writes it without flags: '"' and '\\' escaped, control
 * characters as \b \f \n \r \t or \u00XX (upper-case hex), everything else (UTF-8 included) as is. */
/* The first byte at or after i in s[0..n) that jw_str escapes (< 0x20, '"' or '\\'), or n: sixteen
 * bytes a step where SSE2 is there (quote texts are most of the output). */
static size_t jw_plain_end(const char *s, size_t i, size_t n)
{
#if defined(JW_SSE2)
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1F);
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                 _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v)); /* v <= 0x1F, unsigned */
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits)
            return i + (size_t)__builtin_ctz(bits);
    }
#endif
    while (i < n) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == '"' || ch == '\\')
            break;
        i++;
    }
    return i;
}

static void jw_str(jw *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    jw_char(w, '"');
    size_t run = 0;
    for (size_t i = 0; (i = jw_plain_end(s, i, n)) < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        jw_raw(w, s + run, i - run);
        run = i + 1;
        switch (ch) {
        case '"': JW_LIT(w, "\\\""); break;
        case '\\': JW_LIT(w, "\\\\"); break;
        case '\b': JW_LIT(w, "\\b"); break;
        case '\f': JW_LIT(w, "\\f"); break;
        case '\n': JW_LIT(w, "\\n"); break;
        case '\r': JW_LIT(w, "\\r"); break;
        case '\t': JW_LIT(w, "\\t"); break;
        default: {
            char esc[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
            jw_raw(w, esc, sizeof esc);
        }
        }
    }
    jw_raw(w, s + run, n - run);
    jw_char(w, '"');
}

static void jw_cstr(jw *w, const char *s)
{
    jw_str(w, s, strlen(s));
}

/* "key": (keys here are plain ASCII literals, or labels that go through jw_str) */
#define JW_KEY(w, lit) JW_LIT((w), "\"" lit "\":")

static void jw_label_key(jw *w, const char *label)
{
    jw_cstr(w, label);
    jw_char(w, ':');
}

static void jw_int(jw *w, long long v)
{
    char tmp[24];
    char *p = tmp + sizeof tmp;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    jw_raw(w, p, (size_t)(tmp + sizeof tmp - p));
}

static void jw_real(jw *w, double v)
{
    char tmp[40];
    size_t n = st_json_real(tmp, v);
    jw_raw(w, tmp, n);
}

static void jw_bool(jw *w, int v)
{
    if (v)
        JW_LIT(w, "true");
    else
        JW_LIT(w, "false");
}

/* ---- one prediction ---- */

/* {"label","probability","probabilities":{label: p}} for one prediction of m. */
static void write_prediction(jw *w, const st_model *m, const st_prediction *p)
{
    JW_LIT(w, "{\"label\":");
    jw_cstr(w, st_model_label(m, p->label));
    if (!p->has_prob) {
        JW_LIT(w, ",\"probability\":null}");
        return;
    }
    JW_LIT(w, ",\"probability\":");
    jw_real(w, p->prob[p->label]);
    JW_LIT(w, ",\"probabilities\":{");
    for (int i = 0; i < p->nr_class; i++) {
        if (i)
            jw_char(w, ',');
        jw_label_key(w, st_model_label(m, i));
        jw_real(w, p->prob[i]);
    }
    JW_LIT(w, "}}");
}

/* [{"term","weight"}] for the explanation of task t computed by classify_one. */
static void write_explain(jw *w, const st_classifier *c, const st_model *m, int t)
{
    const st_vocab *v = st_model_vocab(m);
    jw_char(w, '[');
    for (size_t i = 0; i < c->n_contrib[t]; i++) {
        const char *term = st_vocab_term(v, c->contrib[t][i].id);
        if (i)
            jw_char(w, ',');
        JW_LIT(w, "{\"term\":");
        jw_cstr(w, term ? term : "");
        JW_LIT(w, ",\"weight\":");
        jw_real(w, c->contrib[t][i].contribution);
        jw_char(w, '}');
    }
    jw_char(w, ']');
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

static int same_tokenizer(const st_model *a, const st_model *b)
{
    const st_tokenizer_config *x = &st_vocab_config(st_model_vocab(a))->tok;
    const st_tokenizer_config *y = &st_vocab_config(st_model_vocab(b))->tok;
    return st_tokenizer_config_equal(x, y);
}

/* Classifies one quote text with both models and writes ,"stance":{...},"sentiment":{...} (and
 * ,"explain":{...}) into the open quote object. On success *stance_label / *sentiment_label are
 * the predicted label indices and *score the sentiment score. */
static st_status classify_one(jw *w, st_classifier *c, const st_modelset *set, const char *text, size_t len,
                              const st_classify_options *opt, int *stance_label, int *sentiment_label,
                              double *score)
{
    st_status rc;
    st_prediction p[2];
    int explain = opt && opt->explain;
    size_t k = 0;
    if (explain) {
        k = opt->explain_k ? opt->explain_k : DEFAULT_EXPLAIN_K;
        if (k > MAX_EXPLAIN_K)
            k = MAX_EXPLAIN_K;
    }
    const st_model *models[2] = {set->stance, set->sentiment};
    int shared = same_tokenizer(models[0], models[1]);
    if (shared) {
        const st_tokenizer_config *tc = &st_vocab_config(st_model_vocab(models[0]))->tok;
        if ((rc = st_tokenize(tc, text, len, &c->toks)) != ST_OK)
            return rc;
    }
    /* Predictions from the unsorted term weights (no vector built, no sort); both models' terms
     * at once when the vocabularies are merged. The same probabilities with or without explain. */
    if (set->vocabs) {
        st_term_tf tf[2];
        if ((rc = st_featurize_group_tf(set->vocabs, &c->toks, c->scratch, tf)) != ST_OK)
            return rc;
        for (int t = 0; t < 2; t++)
            st_model_predict_tf(models[t], &tf[t], &p[t]);
    } else {
        for (int t = 0; t < 2; t++) {
            rc = shared ? st_model_predict_tokens(models[t], &c->toks, c->scratch, &p[t])
                        : st_model_predict_text(models[t], text, len, c->scratch, NULL, &p[t]);
            if (rc != ST_OK)
                return rc;
        }
    }
    /* an explanation needs each model's vector (ids and tf-idf values) */
    if (explain && set->vocabs &&
        (rc = st_featurize_group_tokens(set->vocabs, &c->toks, c->scratch, c->x)) != ST_OK)
        return rc;
    for (int t = 0; t < 2; t++) {
        if (explain && !set->vocabs) {
            const st_vocab *v = st_model_vocab(models[t]);
            rc = shared ? st_featurize_tokens(v, &c->toks, c->scratch, &c->x[t])
                        : st_featurize(v, text, len, c->scratch, &c->x[t]);
            if (rc != ST_OK)
                return rc;
        }
        if (t == 0)
            JW_LIT(w, ",\"stance\":");
        else
            JW_LIT(w, ",\"sentiment\":");
        write_prediction(w, models[t], &p[t]);
        if (explain) {
            st_model_explain(models[t], &c->x[t], &p[t], c->contrib[t], k, &c->n_contrib[t]);
            assert(c->n_contrib[t] <= k);
        }
    }
    if (explain) {
        JW_LIT(w, ",\"explain\":{\"stance\":");
        write_explain(w, c, models[0], 0);
        JW_LIT(w, ",\"sentiment\":");
        write_explain(w, c, models[1], 1);
        jw_char(w, '}');
    }
    *stance_label = p[0].label;
    *sentiment_label = p[1].label;
    *score = sentiment_score(models[1], &p[1]);
    return ST_OK;
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

static void write_counts(jw *w, const st_model *m, const size_t *count)
{
    jw_char(w, '{');
    for (int i = 0; i < st_model_nr_class(m); i++) {
        if (i)
            jw_char(w, ',');
        jw_label_key(w, st_model_label(m, i));
        jw_int(w, (long long)count[i]);
    }
    jw_char(w, '}');
}

static int label_index(const st_model *m, const char *label)
{
    for (int i = 0; i < st_model_nr_class(m); i++)
        if (strcmp(st_model_label(m, i), label) == 0)
            return i;
    return -1;
}

/* ,"summary":{...} */
static void write_summary(jw *w, const st_modelset *set, const summary_acc *s)
{
    JW_LIT(w, ",\"summary\":{\"quotes\":");
    jw_int(w, (long long)s->quotes);
    JW_LIT(w, ",\"stance\":");
    write_counts(w, set->stance, s->stance_count);
    JW_LIT(w, ",\"sentiment\":");
    write_counts(w, set->sentiment, s->sentiment_count);
    JW_LIT(w, ",\"speakers\":[");
    int hard = label_index(set->stance, "hardline");
    for (size_t i = 0; i < s->n_speakers; i++) {
        const speaker_acc *sp = &s->speakers[i];
        if (i)
            jw_char(w, ',');
        JW_LIT(w, "{\"speaker\":");
        jw_cstr(w, sp->name);
        JW_LIT(w, ",\"quotes\":");
        jw_int(w, (long long)sp->quotes);
        JW_LIT(w, ",\"stance\":");
        write_counts(w, set->stance, sp->stance_count);
        JW_LIT(w, ",\"hardline_share\":");
        if (hard >= 0)
            jw_real(w, (double)sp->stance_count[hard] / (double)sp->quotes);
        else
            JW_LIT(w, "null");
        JW_LIT(w, ",\"mean_sentiment\":");
        jw_real(w, sp->sentiment_sum / (double)sp->quotes);
        jw_char(w, '}');
    }
    JW_LIT(w, "]}");
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

/* {"id":...,"models":{...},"quotes":[ */
static void write_head(jw *w, const st_modelset *set, const char *id)
{
    const char *sv = st_model_version(set->stance), *tv = st_model_version(set->sentiment);
    JW_LIT(w, "{\"id\":");
    if (id)
        jw_cstr(w, id);
    else
        JW_LIT(w, "null");
    JW_LIT(w, ",\"models\":{\"stance\":");
    jw_cstr(w, sv ? sv : "");
    JW_LIT(w, ",\"sentiment\":");
    jw_cstr(w, tv ? tv : "");
    JW_LIT(w, "},\"quotes\":[");
}

st_status st_classify_article_write(st_classifier *c, const st_modelset *set, const char *text, size_t len,
                                    const char *id, const st_classify_options *opt, st_buf *out,
                                    size_t *n_quotes)
{
    st_status rc;
    summary_acc acc;
    if (!c || !set || !out || (!text && len))
        return ST_ERR_INVALID;
    if (!text)
        text = "";
    if ((rc = st_utf8_validate(text, len, NULL)) != ST_OK)
        return rc;
    if ((rc = st_quotes_extract(text, len, &c->quotes)) != ST_OK)
        return rc;
    if ((rc = quotes_to_code_points(&c->quotes, text, len)) != ST_OK)
        return rc;

    size_t start_len = out->len;
    jw w = {out, 0};
    memset(&acc, 0, sizeof acc);
    write_head(&w, set, id);
    for (size_t i = 0; i < c->quotes.n; i++) {
        const st_quote *it = &c->quotes.items[i];
        if (i)
            jw_char(&w, ',');
        JW_LIT(&w, "{\"text\":");
        jw_str(&w, it->text, it->text_len);
        JW_LIT(&w, ",\"start\":");
        jw_int(&w, (long long)it->start);
        JW_LIT(&w, ",\"end\":");
        jw_int(&w, (long long)it->end);
        if (it->speaker) {
            JW_LIT(&w, ",\"speaker\":");
            jw_cstr(&w, it->speaker);
            JW_LIT(&w, ",\"speaker_start\":");
            jw_int(&w, (long long)it->speaker_start);
            JW_LIT(&w, ",\"speaker_end\":");
            jw_int(&w, (long long)it->speaker_end);
        } else {
            JW_LIT(&w, ",\"speaker\":null,\"speaker_start\":null,\"speaker_end\":null");
        }
        JW_LIT(&w, ",\"speaker_method\":");
        jw_cstr(&w, st_speaker_method_name(it->method));
        JW_LIT(&w, ",\"partial\":");
        jw_bool(&w, it->partial);
        JW_LIT(&w, ",\"unclosed\":");
        jw_bool(&w, it->unclosed);
        int stance = 0, sentiment = 0;
        double score = 0;
        if ((rc = classify_one(&w, c, set, it->text, it->text_len, opt, &stance, &sentiment, &score)) !=
            ST_OK)
            goto out_fail;
        jw_char(&w, '}');
        if ((rc = summary_add(&acc, it->speaker, stance, sentiment, score)) != ST_OK)
            goto out_fail;
    }
    jw_char(&w, ']');
    write_summary(&w, set, &acc);
    jw_char(&w, '}');
    rc = ST_ERR_NOMEM;
    if (w.failed)
        goto out_fail;
    free(acc.speakers);
    if (n_quotes)
        *n_quotes = c->quotes.n;
    return ST_OK;

out_fail:
    out->len = start_len;
    free(acc.speakers);
    return rc;
}

st_status st_classify_quotes_write(st_classifier *c, const st_modelset *set, const char *const *texts,
                                   const size_t *lens, size_t n, const char *id,
                                   const st_classify_options *opt, st_buf *out)
{
    st_status rc;
    summary_acc acc;
    if (!c || !set || !out || (n && (!texts || !lens)))
        return ST_ERR_INVALID;
    for (size_t i = 0; i < n; i++) {
        if (!texts[i] && lens[i])
            return ST_ERR_INVALID;
        if ((rc = st_utf8_validate(texts[i] ? texts[i] : "", lens[i], NULL)) != ST_OK)
            return rc;
    }

    size_t start_len = out->len;
    jw w = {out, 0};
    memset(&acc, 0, sizeof acc);
    write_head(&w, set, id);
    for (size_t i = 0; i < n; i++) {
        const char *t = texts[i] ? texts[i] : "";
        if (i)
            jw_char(&w, ',');
        JW_LIT(&w, "{\"text\":");
        jw_str(&w, t, lens[i]);
        JW_LIT(&w,
               ",\"start\":null,\"end\":null,\"speaker\":null,\"speaker_start\":null,\"speaker_end\":null,"
               "\"speaker_method\":");
        jw_cstr(&w, st_speaker_method_name(ST_SPEAKER_NONE));
        JW_LIT(&w, ",\"partial\":false,\"unclosed\":false");
        int stance = 0, sentiment = 0;
        double score = 0;
        if ((rc = classify_one(&w, c, set, t, lens[i], opt, &stance, &sentiment, &score)) != ST_OK)
            goto out_fail;
        jw_char(&w, '}');
        if ((rc = summary_add(&acc, NULL, stance, sentiment, score)) != ST_OK)
            goto out_fail;
    }
    jw_char(&w, ']');
    write_summary(&w, set, &acc);
    jw_char(&w, '}');
    rc = ST_ERR_NOMEM;
    if (w.failed)
        goto out_fail;
    free(acc.speakers);
    return ST_OK;

out_fail:
    out->len = start_len;
    free(acc.speakers);
    return rc;
}

/* Parses the bytes a _write function produced back into a jansson object. */
static st_status parse_result(st_buf *b, st_status rc, json_t **out)
{
    if (rc == ST_OK) {
        *out = json_loadb(b->data, b->len, JSON_ALLOW_NUL, NULL);
        if (!*out)
            rc = ST_ERR_NOMEM; /* the writer's output is valid JSON: only memory can fail here */
    }
    st_buf_free(b);
    return rc;
}

st_status st_classify_article(st_classifier *c, const st_modelset *set, const char *text, size_t len,
                              const char *id, const st_classify_options *opt, json_t **out)
{
    st_buf b;
    if (!out)
        return ST_ERR_INVALID;
    *out = NULL;
    st_buf_init(&b);
    return parse_result(&b, st_classify_article_write(c, set, text, len, id, opt, &b, NULL), out);
}

st_status st_classify_quotes(st_classifier *c, const st_modelset *set, const char *const *texts,
                             const size_t *lens, size_t n, const char *id, const st_classify_options *opt,
                             json_t **out)
{
    st_buf b;
    if (!out)
        return ST_ERR_INVALID;
    *out = NULL;
    st_buf_init(&b);
    return parse_result(&b, st_classify_quotes_write(c, set, texts, lens, n, id, opt, &b), out);
}
