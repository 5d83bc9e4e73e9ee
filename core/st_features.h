/* st_features.h - vocabulary, n-grams and tf-idf sparse vectors (the featurizer).
 *
 * One featurizer, configured by the model's own files, turns a text into a libsvm-ready sparse
 * vector at training and at prediction time, so the two can never disagree.
 *   terms: word n-grams of the tokenizer's tokens, n in [ngram_min, ngram_max], joined with ' '
 *          (n-grams run across clause punctuation; "NOT_" tokens take part like any other);
 *          optional character n-grams when char_ngram_max > 0: for each token w (without its
 *          "NOT_" prefix), the code point n-grams of " w " for n in [char_ngram_min,
 *          char_ngram_max], each prefixed "#c:" (scikit-learn's analyzer="char_wb"; a padded word
 *          shorter than n gives itself once). No word term contains '#', so the two never clash.
 *   weights: tf-idf with sublinear tf (1 + ln tf) and smooth idf = ln((1 + N) / (1 + df)) + 1
 *          (scikit-learn's TfidfVectorizer convention), then L2 normalisation.
 *   ids:   1-based, assigned in order of sorted term bytes, so a vocabulary is deterministic.
 * Sparse vectors satisfy libsvm's contract: indices 1-based, strictly increasing, no duplicates
 * (repeated terms are summed before weighting), no NaN or Inf; st_svec_to_libsvm adds the -1
 * terminator.
 * Lookup: an open-addressing hash table (linear probing, load <= 1/2) of 64-bit term keys: a word
 * or character n-gram of at most 7 bytes is its own key (no byte comparison at all), any other
 * term's key is a 64-bit hash, whose bytes are compared only on a full key match. Keys are
 * computed from the tokens (word n-grams combine their tokens' hashes, character n-grams are
 * masked loads of the padded word); no term string is built on the prediction path.
 * Prediction does not need sorted vectors: st_featurize_tf returns the distinct known ids with
 * their tf weights, counted with a per-id bitmap (no sort, no hash of ids). Several vocabularies
 * with the same term settings can be featurized at once (st_vocab_group, at the end). */
#ifndef ST_FEATURES_H
#define ST_FEATURES_H

#include "st_common.h"
#include "st_lexicon.h"
#include "st_tokenize.h"

typedef struct st_featurizer_config {
    st_tokenizer_config tok;
    int ngram_min, ngram_max;           /* word n-grams, 1 <= min <= max <= 3 (default 1, 2) */
    int char_ngram_min, char_ngram_max; /* code points; both 0 = off (default), else 1 <= min <= max <= 8 */
    int min_df;                         /* keep terms in >= min_df training documents (default 2) */
    int max_features;                   /* keep the most frequent (by df desc, ties by term bytes) after
                                           the min_df cut; 0 = all */
    int sublinear_tf;                   /* 1: tf -> 1 + ln(tf) (default 1); 0: raw counts */
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
void st_svec_free(st_svec *v); /* frees the arrays, leaves *v initialised and empty */

/* 1 when v keeps the contract above (n <= cap, indices >= 1 and strictly increasing, values
 * finite), else 0. For assertions and tests; O(n), no allocation. */
int st_svec_check(const st_svec *v);

struct svm_node; /* libsvm's {int index; double value;} */

/* Writes v as a libsvm node array into *nodes: v->n nodes then the terminator {-1, 0}. *nodes is
 * grown with realloc when *cap (in nodes) is below v->n + 1; the caller owns it (free()). An empty
 * vector gives the terminator alone. Errors: ST_ERR_NOMEM (*nodes and *cap unchanged). */
st_status st_svec_to_libsvm(const st_svec *v, struct svm_node **nodes, size_t *cap);

/* The vocabulary: term <-> id, document frequency and idf, plus the featurizer config it was built
 * with. Immutable after build/load, so one vocabulary may be shared by any number of threads. The
 * lookup table of single-vocabulary featurizing (about 16 bytes per slot, twice the terms rounded
 * up to a power of two, plus the character n-gram ids of every word unigram term) is built by the
 * first st_featurize* call on it, under a lock inside the vocabulary (thread-safe), not at build
 * or load: vocabularies featurized only through a group (st_vocab_group) never build it. */
typedef struct st_vocab st_vocab;

/* Builds a vocabulary from n_docs texts (texts[i] of lens[i] bytes) under cfg (NULL: defaults;
 * min_df 0 counts as 1). *out is owned by the caller (st_vocab_free). Errors: ST_ERR_NOMEM,
 * ST_ERR_INVALID (cfg out of its documented ranges), ST_ERR_EMPTY (n_docs == 0, or no term survives
 * min_df), ST_ERR_TOO_LARGE (a text over ST_TOKENIZE_MAX_BYTES, or over 2^32 bytes of kept terms).
 * Deterministic: the same texts and cfg give the same ids, df and idf on any machine. */
st_status st_vocab_build(const st_featurizer_config *cfg, const char *const *texts, const size_t *lens,
                         size_t n_docs, st_vocab **out);

/* st_vocab_build with a lexicon (st_lexicon.h; borrowed, copied into the vocabulary, NULL: none):
 * every featurization with the vocabulary then appends the lexicon's category tokens to the text's
 * tokens before making terms, at training and at prediction, and st_vocab_save writes the lexicon
 * into the vocabulary file. Errors as st_vocab_build; ST_ERR_INVALID also when the lexicon was
 * tokenized with other tokenizer settings than cfg->tok. */
st_status st_vocab_build_lexicon(const st_featurizer_config *cfg, const st_lexicon *lex,
                                 const char *const *texts, const size_t *lens, size_t n_docs, st_vocab **out);

/* Writes the vocabulary to path as UTF-8 text: a header line with the config,
 *   stance-vocab<TAB>1<TAB>tokenizer=1<TAB>casefold=1<TAB>negation=1<TAB>ngram_min=1<TAB>ngram_max=2
 *   <TAB>char_ngram_min=0<TAB>char_ngram_max=0<TAB>min_df=2<TAB>max_features=0<TAB>sublinear_tf=1
 *   <TAB>n_docs=N<TAB>size=M
 * and, only when the tokenizer's punct setting is not 0, <TAB>punct=P at its end (a file without it
 * reads as punct=0, so older files load and default models keep their bytes), then, only with a
 * lexicon, <TAB>lexicon=L;
 * then one line per id `id<TAB>df<TAB>idf<TAB>term` (ids 1..M in order, idf printed with %.17g
 * under a "C" numeric locale object, so any process locale gives the same bytes); with a lexicon,
 * then its L entries `category<TAB>token` (st_lexicon_write). Written to
 * path.tmp and renamed. Errors: ST_ERR_IO. Same vocabulary gives byte-identical files. */
st_status st_vocab_save(const st_vocab *v, const char *path);

/* Loads a file written by st_vocab_save (idf read back bit-exactly) and checks it: ids in order,
 * terms non-empty, valid UTF-8 and strictly increasing, 1 <= df <= n_docs, idf finite and > 0, the
 * config in range, the tokenizer version equal to ST_TOKENIZER_VERSION. Errors: ST_ERR_IO,
 * ST_ERR_FORMAT (err names the file and 1-based line), ST_ERR_NOMEM. err may be NULL. */
st_status st_vocab_load(const char *path, st_vocab **out, st_error *err);

/* st_vocab_load of a vocabulary file's bytes the caller already holds: data[0..len) (only read,
 * need not be NUL-terminated, not kept: the vocabulary copies what it needs), named path in
 * errors (NULL: "vocab.tsv"; the file itself is not opened). For callers that read the file
 * anyway (st_model_load hashes its bytes). Same checks, results and errors as st_vocab_load,
 * except ST_ERR_IO. Thread-safe. */
st_status st_vocab_load_buffer(const char *data, size_t len, const char *path, st_vocab **out,
                               st_error *err);

void st_vocab_free(st_vocab **pv); /* frees *pv (NULL is fine) and sets it to NULL */

size_t st_vocab_size(const st_vocab *v);                              /* number of terms; ids are 1..size */
const st_featurizer_config *st_vocab_config(const st_vocab *v);       /* borrowed */
const char *st_vocab_term(const st_vocab *v, int id);                 /* borrowed; NULL if out of range */
double st_vocab_idf(const st_vocab *v, int id);                       /* 0.0 if out of range */
/* Id of the term term[0..len) (bytes), or 0 when absent: a binary search of the sorted terms,
 * O(log size) byte comparisons, no allocation. */
int st_vocab_lookup(const st_vocab *v, const char *term, size_t len);
int st_vocab_df(const st_vocab *v, int id); /* training documents holding term id; 0 if out of range */
size_t st_vocab_n_docs(const st_vocab *v);  /* training documents the vocabulary was built from */
const st_lexicon *st_vocab_lexicon(const st_vocab *v); /* borrowed; NULL without a lexicon */

/* Per-thread scratch space for st_featurize: tokens and accumulators reused across calls so the
 * hot path does not allocate once warmed up. */
typedef struct st_featurize_scratch st_featurize_scratch;
st_status st_featurize_scratch_new(st_featurize_scratch **out); /* ST_ERR_NOMEM */
void st_featurize_scratch_free(st_featurize_scratch **ps); /* frees *ps (NULL is fine), sets it to NULL */

/* Turns text[0..len) into the tf-idf vector *out (replacing its contents) under v's config:
 * value = (1 + ln tf) * idf (tf * idf without sublinear_tf), tf counting the term's occurrences in
 * the text, then the vector is scaled to unit L2 norm. Terms absent from the vocabulary are
 * ignored; an empty or all-unknown text gives n == 0. No allocation once scratch and out have
 * grown to the text's size (and v's lookup is built: the first featurizing of v builds it, see
 * st_vocab). Thread-safe for distinct scratch/out. Errors: ST_ERR_NOMEM,
 * ST_ERR_TOO_LARGE (len > ST_TOKENIZE_MAX_BYTES); out->n is 0 after an error. */
st_status st_featurize(const st_vocab *v, const char *text, size_t len, st_featurize_scratch *scratch,
                       st_svec *out);

/* st_featurize on tokens the caller already made with st_tokenize under st_vocab_config(v)->tok,
 * so a text scored by several models whose tokenizer settings are equal (st_tokenizer_config_equal)
 * is tokenized once. toks is only read (it is non-const for backward compatibility).
 * Same results, errors and allocation behaviour as st_featurize. */
st_status st_featurize_tokens(const st_vocab *v, st_tokens *toks, st_featurize_scratch *scratch,
                              st_svec *out);

/* The distinct known terms of one text, for prediction: id[e] (1-based vocabulary ids, distinct,
 * in first-occurrence order, NOT sorted) and tf[e], the tf weight (1 + ln tf with sublinear_tf,
 * else tf; tf counting the term's occurrences) BEFORE idf and normalisation. The tf-idf vector of
 * st_featurize is then value(id[e]) = tf[e] * idf(id[e]) / norm with
 * norm = sqrt(sum_e (tf[e] * idf(id[e]))^2) (n == 0: the empty vector). The arrays are borrowed from
 * the scratch and valid until its next use. */
typedef struct st_term_tf {
    const int *id;
    const double *tf;
    size_t n;
} st_term_tf;

/* The unsorted, unweighted form of st_featurize_tokens for the prediction hot path (see
 * st_term_tf): same terms and counts, without building or sorting a vector. toks must come from
 * st_tokenize under st_vocab_config(v)->tok and is only read (so one token list may be read by
 * several threads at once, each with its own scratch). The scratch keeps a bitmap (1 bit) and a
 * place (4 bytes) per vocabulary term (grown once to the largest vocabulary it is used with). No
 * allocation once the scratch has grown. Errors: ST_ERR_NOMEM, ST_ERR_TOO_LARGE; out->n is 0 after
 * an error. Thread-safe for distinct scratch. */
st_status st_featurize_tf(const st_vocab *v, const st_tokens *toks, st_featurize_scratch *scratch,
                          st_term_tf *out);

/* st_tokenize (into the scratch's own token list) then st_featurize_tf. Errors as st_featurize. */
st_status st_featurize_text_tf(const st_vocab *v, const char *text, size_t len, st_featurize_scratch *scratch,
                               st_term_tf *out);

/* ---- several vocabularies featurized at once ----
 * Models trained with the same term settings (tokenizer, word and character n-gram ranges, lexicon) see
 * the same term occurrences in a text, so a group of their vocabularies generates and looks up
 * every occurrence once, in one merged table that maps a term to its id in each vocabulary, and
 * caches the character n-gram ids of every word the vocabularies know (with or without a "NOT_"
 * prefix). Each vocabulary then gets exactly the counts, the first-occurrence order and the
 * vectors that st_featurize_tf / st_featurize_tokens give it alone, so results are bit-identical. */

#define ST_VOCAB_GROUP_MAX 8 /* vocabularies in one group */

typedef struct st_vocab_group st_vocab_group;

/* 1 when vocabularies a and b generate the same term occurrences from the same tokens (equal
 * tokenizer settings, word and character n-gram ranges and lexicons), so they can share a group. */
int st_vocab_same_terms(const st_vocab *a, const st_vocab *b);

/* Builds the merged lookup of v[0..n) (borrowed: they must outlive the group). Immutable once
 * built, so one group may be used by any number of threads. Memory: about 16 bytes per table slot
 * (at most twice the distinct terms and words, rounded up to a power of two) plus 4 bytes per
 * cached character n-gram occurrence per vocabulary. Errors: ST_ERR_INVALID (n == 0,
 * n > ST_VOCAB_GROUP_MAX, or two vocabularies that are not st_vocab_same_terms), ST_ERR_NOMEM,
 * ST_ERR_TOO_LARGE. *out is owned by the caller (st_vocab_group_free). */
st_status st_vocab_group_new(const st_vocab *const *v, size_t n, st_vocab_group **out);
void st_vocab_group_free(st_vocab_group **pg);       /* frees *pg (NULL is fine) and sets it to NULL */
size_t st_vocab_group_size(const st_vocab_group *g); /* number of vocabularies */

/* st_featurize_tf of every vocabulary of g at once: out[k] (k < st_vocab_group_size(g)) receives
 * exactly what st_featurize_tf(v[k], toks, ...) gives (same ids in the same order, same tf
 * weights). toks must come from st_tokenize under the group's tokenizer settings and is only read.
 * The arrays are borrowed from the scratch, valid until its next use. No allocation once the
 * scratch has grown. Errors: ST_ERR_NOMEM, ST_ERR_TOO_LARGE; every out[k].n is 0 after an error.
 * Thread-safe for distinct scratch. */
st_status st_featurize_group_tf(const st_vocab_group *g, const st_tokens *toks, st_featurize_scratch *scratch,
                                st_term_tf *out);

/* st_tokenize of text[0..len) under the group's tokenizer settings (into the scratch's own token
 * list) then st_featurize_group_tf. Errors as st_featurize (every out[k].n is 0 after an error). */
st_status st_featurize_group_text_tf(const st_vocab_group *g, const char *text, size_t len,
                                     st_featurize_scratch *scratch, st_term_tf *out);

/* st_featurize_tokens of every vocabulary of g at once: out[k] receives the vector
 * st_featurize_tokens(v[k], toks, ...) gives, bit for bit. Same contract as st_featurize_group_tf
 * otherwise (out[k] is caller-owned and reused). */
st_status st_featurize_group_tokens(const st_vocab_group *g, const st_tokens *toks,
                                    st_featurize_scratch *scratch, st_svec *out);

#endif
