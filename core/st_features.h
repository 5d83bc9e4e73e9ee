/* st_features.h - vocabulary, n-grams and tf-idf sparse vectors (the featurizer).
 *
 * One featurizer, configured by the model's own files, turns a text into a libsvm-ready sparse
 * vector at training and at prediction time, so the two can never disagree.
 *   terms: word n-grams of the tokenizer's tokens, n in [ngram_min, ngram_max], joined with ' ';
 *          optional character n-grams of each token (prefixed "#c:") when char_ngram_max > 0.
 *   weights: tf-idf with sublinear tf (1 + ln tf) and smooth idf = ln((1 + N) / (1 + df)) + 1
 *          (scikit-learn's TfidfVectorizer convention), then L2 normalisation.
 *   ids:   1-based, assigned in order of sorted term bytes, so a vocabulary is deterministic.
 * Sparse vectors satisfy libsvm's contract: indices 1-based, strictly increasing, no duplicates
 * (repeated terms are summed before weighting), no NaN or Inf; st_svec_to_libsvm adds the -1
 * terminator. */
#ifndef ST_FEATURES_H
#define ST_FEATURES_H

#include "st_common.h"
#include "st_tokenize.h"

typedef struct st_featurizer_config {
    st_tokenizer_config tok;
    int ngram_min, ngram_max;           /* word n-grams, 1 <= min <= max <= 3 (default 1, 2) */
    int char_ngram_min, char_ngram_max; /* 0 = off (default off) */
    int min_df;                         /* keep terms in >= min_df training documents (default 2) */
    int max_features;                   /* keep the most frequent (by df, ties by term); 0 = all */
    int sublinear_tf;                   /* 1: tf -> 1 + ln(tf) (default 1) */
} st_featurizer_config;

st_featurizer_config st_featurizer_config_default(void);

/* A sparse vector: n entries, index[] 1-based strictly increasing, value[] finite. Owns its arrays;
 * reuse across calls. */
typedef struct st_svec {
    int *index;
    double *value;
    size_t n, cap;
} st_svec;

void st_svec_init(st_svec *v);
void st_svec_free(st_svec *v);

/* The vocabulary: term <-> id, document frequency and idf, plus the featurizer config it was built
 * with. Immutable after build/load, so one vocabulary may be shared by any number of threads. */
typedef struct st_vocab st_vocab;

/* Builds a vocabulary from n_docs texts (texts[i] of lens[i] bytes) under cfg. *out is owned by the
 * caller (st_vocab_free). Errors: ST_ERR_NOMEM, ST_ERR_EMPTY (no term survives min_df). */
st_status st_vocab_build(const st_featurizer_config *cfg, const char *const *texts, const size_t *lens,
                         size_t n_docs, st_vocab **out);

/* Writes the vocabulary to path as UTF-8 text: a header line with the config, then one line per id
 * `id<TAB>df<TAB>idf<TAB>term` (idf printed with %.17g, locale-independent). Written to path.tmp
 * and renamed. Errors: ST_ERR_IO. Same vocabulary gives byte-identical files. */
st_status st_vocab_save(const st_vocab *v, const char *path);

/* Loads a file written by st_vocab_save. Errors: ST_ERR_IO, ST_ERR_FORMAT (err says the line),
 * ST_ERR_NOMEM. */
st_status st_vocab_load(const char *path, st_vocab **out, st_error *err);

void st_vocab_free(st_vocab **pv); /* frees *pv (NULL is fine) and sets it to NULL */

size_t st_vocab_size(const st_vocab *v);                       /* number of terms; ids are 1..size */
const st_featurizer_config *st_vocab_config(const st_vocab *v);
const char *st_vocab_term(const st_vocab *v, int id);          /* borrowed; NULL if out of range */
double st_vocab_idf(const st_vocab *v, int id);
int st_vocab_lookup(const st_vocab *v, const char *term, size_t len); /* id, or 0 when absent */

/* Per-thread scratch space for st_featurize: tokens and accumulators reused across calls so the
 * hot path does not allocate once warmed up. */
typedef struct st_featurize_scratch st_featurize_scratch;
st_status st_featurize_scratch_new(st_featurize_scratch **out);
void st_featurize_scratch_free(st_featurize_scratch **ps);

/* Turns text[0..len) into the tf-idf vector *out (replacing its contents) under v's config.
 * Terms absent from the vocabulary are ignored; an empty or all-unknown text gives n == 0.
 * Thread-safe for distinct scratch/out. Errors: ST_ERR_NOMEM. */
st_status st_featurize(const st_vocab *v, const char *text, size_t len, st_featurize_scratch *scratch,
                       st_svec *out);

#endif
