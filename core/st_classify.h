/* st_classify.h - article -> quotes, speakers, stance, sentiment, as JSON. The one function that
 * the HTTP service and the batch scorer both call; only their I/O differs.
 *
 * Result object (jansson), the API of POST /classify:
 *   {"id": <id or null>, "models": {"stance": "<version>", "sentiment": "<version>"},
 *    "quotes": [{"text", "start", "end", "speaker", "speaker_start", "speaker_end", "speaker_method",
 *                "partial", "unclosed",
 *                "stance": {"label", "probability", "probabilities": {label: p}},
 *                "sentiment": {...same...}, ["explain": {"stance": [{"term", "weight"}], ...}]}],
 *    "summary": {"quotes": n, "stance": {label: count}, "sentiment": {label: count},
 *                "speakers": [{"speaker", "quotes", "stance": {label: count}, "hardline_share",
 *                              "mean_sentiment"}]}}
 * start/end/speaker_start/speaker_end are 0-based Unicode code point offsets into the submitted
 * text, end exclusive (null for given quotes and for quotes without a speaker). label is always the
 * argmax of probabilities (which sum to 1); a model without probabilities gives "probability": null
 * and no "probabilities". Labels appear in each model's own (libsvm) order, everywhere.
 * Given quotes have "speaker_method": "none" and "partial"/"unclosed" false.
 * "explain" (only when asked) lists per task the top terms of the quote's own feature vector by
 * |contribution| toward the predicted label (st_model_explain), positive = pushes toward it.
 * Summary: "quotes" counts every quote; "stance"/"sentiment" count predicted labels (every label of
 * the model present, zeros included); "speakers" lists each distinct speaker string in order of
 * first appearance (quotes without a speaker are counted in the totals only), with
 * "hardline_share" = share of that speaker's quotes labelled "hardline" (null when the stance model
 * has no such label) and "mean_sentiment" = mean over the speaker's quotes of
 * P(positive) - P(negative), in [-1, 1] (with no probabilities: +1 positive, -1 negative, 0 other).
 * Object keys are emitted in a fixed order, so the same input gives byte-identical JSON. */
#ifndef ST_CLASSIFY_H
#define ST_CLASSIFY_H

#include <jansson.h>

#include "st_common.h"
#include "st_model.h"

/* The models one request classifies with. A set is immutable once loaded and reference-counted, so
 * a server can swap in a new set while requests finish on the old one. */
typedef struct st_modelset st_modelset;

/* Loads every task folder under dir that the service uses ("stance" and "sentiment"; both
 * required; each folder's meta.json task must name it: ST_ERR_MODEL otherwise, so a folder copied
 * into the other's place is refused). refcount starts at 1. Errors: those of st_model_load (err names the
 * folder). st_modelset_ref/unref are thread-safe (C11 atomics); the accessors return borrowed models that
 * live as long as the caller holds a reference. A server that swaps sets must make "read the
 * current pointer + ref" atomic with respect to the swap (e.g. under a small mutex). */
st_status st_modelset_load(const char *dir, st_modelset **out, st_error *err);
st_modelset *st_modelset_ref(st_modelset *s); /* atomically +1; returns s */
void st_modelset_unref(st_modelset *s);       /* atomically -1; frees at 0; NULL is fine */
/* The number of references held now (a snapshot). A holder that no one else can reach any more
 * (e.g. a server's retired set) may read 1 as "I hold the last one", drop it and so free the set
 * on its own thread. 0 for NULL. */
size_t st_modelset_refs(const st_modelset *s);
const st_model *st_modelset_stance(const st_modelset *s);
const st_model *st_modelset_sentiment(const st_modelset *s);
/* {"stance": {meta.json + "version"}, "sentiment": {...}}; new reference. */
json_t *st_modelset_describe(const st_modelset *s);

typedef struct st_classify_options {
    int explain;      /* 1: add the top contributing n-grams per quote */
    size_t explain_k; /* how many (default 5 when 0, at most 100) */
} st_classify_options;

/* Per-thread scratch (featurizer buffers, quote list) reused across calls: one classifier must not
 * be used by two threads at once; any number of classifiers may share one model set.
 * st_classifier_new: *out is owned by the caller. Errors: ST_ERR_NOMEM.
 * st_classifier_free: frees *pc (NULL is fine) and sets it to NULL. */
typedef struct st_classifier st_classifier;
st_status st_classifier_new(st_classifier **out);
void st_classifier_free(st_classifier **pc);

/* Extracts and classifies the quotes of text[0..len) (must be valid UTF-8: callers validate and
 * answer 400 otherwise). id may be NULL. *out is a new reference. Errors: ST_ERR_UTF8, ST_ERR_NOMEM,
 * ST_ERR_INVALID (NULL c/set/out). Thread-safe for distinct classifiers; allocates only the JSON
 * (and scratch while it grows). */
st_status st_classify_article(st_classifier *c, const st_modelset *set, const char *text, size_t len,
                              const char *id, const st_classify_options *opt, json_t **out);

/* Classifies given quotes (n texts of lens[i] bytes, each valid UTF-8) without extraction; offsets
 * and speakers are null. *out is a new reference in the same shape. Errors: ST_ERR_UTF8,
 * ST_ERR_NOMEM, ST_ERR_INVALID. Thread-safe for distinct classifiers. */
st_status st_classify_quotes(st_classifier *c, const st_modelset *set, const char *const *texts,
                             const size_t *lens, size_t n, const char *id, const st_classify_options *opt,
                             json_t **out);

/* ---- the same results written straight as JSON bytes (no jansson tree) ---- */

/* A growable byte buffer (not NUL-terminated): data[0..len) in cap bytes, owned (free(data) or
 * st_buf_free). */
typedef struct st_buf {
    char *data;
    size_t len, cap;
} st_buf;
void st_buf_init(st_buf *b); /* empty, no allocation */
void st_buf_free(st_buf *b); /* frees data and leaves b empty */
/* Grows b so that at least extra more bytes fit after data[len] (capacity doubled from 4096 bytes,
 * len and the bytes kept). Errors: ST_ERR_NOMEM (b unchanged). Lets a caller that knows the size
 * of what it will write allocate once. */
st_status st_buf_reserve(st_buf *b, size_t extra);

/* Like st_classify_article / st_classify_quotes, but appends the result to out as compact JSON:
 * exactly the bytes json_dumps(result, JSON_COMPACT) gives for the object those functions return
 * (same keys in the same order, strings escaped as jansson does, reals as jansson writes them).
 * *n_quotes (may be NULL) receives the number of quotes. On error out->len is as before the call
 * (its capacity may have grown). Errors: those of st_classify_article / st_classify_quotes.
 * Thread-safe for distinct classifiers and buffers. */
st_status st_classify_article_write(st_classifier *c, const st_modelset *set, const char *text, size_t len,
                                    const char *id, const st_classify_options *opt, st_buf *out,
                                    size_t *n_quotes);
st_status st_classify_quotes_write(st_classifier *c, const st_modelset *set, const char *const *texts,
                                   const size_t *lens, size_t n, const char *id,
                                   const st_classify_options *opt, st_buf *out);

/* Writes v into out (NUL-terminated, at most 39 bytes + NUL) exactly as jansson 2.14 dumps a real:
 * "%.17g" (C locale), ".0" appended when there is neither '.' nor 'e', the exponent without '+' and
 * leading zeros ("1e-7"); non-finite values, which jansson refuses, give "null". Values with
 * 1e-4 <= |v| <= 1 (probabilities, shares) take an exact integer path (no printf: 17 correctly
 * rounded digits from the 53-bit mantissa times a power of ten in 128-bit arithmetic); others use
 * snprintf. Returns the length in bytes. Thread-safe, no allocation. */
size_t st_json_real(char out[40], double v);

#endif
