/* st_model.h - a trained classifier loaded for fast prediction.
 *
 * A model is a folder (see README "Model files"):
 *   model.svm     the libsvm model file (linear kernel, C-SVC), the canonical artifact, readable by
 *                 svm-predict; never loaded by the server (libsvm's loader changes the locale)
 *   weights.tsv   the collapsed linear model: for each class pair (i<j, libsvm's order) the weight
 *                 vector w_ij = sum_k coef_k * sv_k, rho_ij, and Platt's probA/probB; labels in
 *                 libsvm's model->label order
 *   vocab.tsv     the vocabulary with idf and the featurizer config (st_features.h)
 *   meta.json     task, labels, metrics, dataset sha256, training date, version, C, seed
 * Decision values are sparse dot products w_ij . x - rho_ij; probabilities follow libsvm's
 * svm_predict_probability exactly: Platt's sigmoid per pair (Platt 1999, Lin et al. 2007 improved
 * form), clipped to [1e-7, 1 - 1e-7], then pairwise coupling (Wu, Lin & Weng 2004, libsvm's
 * multiclass_probability) for more than two classes. A model trained without probabilities
 * (a class with fewer than 5 examples) predicts the decision-function label and has_prob = 0. */
#ifndef ST_MODEL_H
#define ST_MODEL_H

#include "st_common.h"
#include "st_features.h"

#define ST_MAX_LABELS 64

typedef struct st_model st_model;

/* Loads the model folder dir (weights.tsv, vocab.tsv, meta.json; model.svm only for its presence)
 * and validates it (labels, dimensions, finite weights). *out is owned by the caller
 * (st_model_free). Never calls setlocale or libsvm. Errors: ST_ERR_IO, ST_ERR_MODEL,
 * ST_ERR_FORMAT (err names the file and line), ST_ERR_NOMEM. Thread-safe. */
st_status st_model_load(const char *dir, st_model **out, st_error *err);

void st_model_free(st_model **pm); /* frees *pm (NULL is fine) and sets it to NULL */

int st_model_nr_class(const st_model *m);
const char *st_model_label(const st_model *m, int i); /* i in [0, nr_class), libsvm's order; borrowed */
const char *st_model_task(const st_model *m);         /* e.g. "stance"; borrowed */
/* The first 12 lowercase hex digits of SHA-256 over the bytes of weights.tsv then vocab.tsv: the
 * same files give the same version on any machine. Borrowed. */
const char *st_model_version(const st_model *m);
const char *st_model_meta_json(const st_model *m); /* meta.json text; borrowed */
const st_vocab *st_model_vocab(const st_model *m);
int st_model_has_probability(const st_model *m);

/* The result of one prediction. label is an index into the model's labels; prob[] (when has_prob)
 * sums to 1 and label == argmax(prob) (first maximum); dec[] holds the nr_class*(nr_class-1)/2
 * decision values in libsvm's pair order (positive favours the first label of the pair). */
typedef struct st_prediction {
    int label;
    int has_prob;
    int nr_class;
    double prob[ST_MAX_LABELS];
    double dec[ST_MAX_LABELS * (ST_MAX_LABELS - 1) / 2];
} st_prediction;

/* Predicts from a feature vector of this model's vocabulary (ids outside 1..vocabulary size are
 * ignored; an empty vector gives the label of the intercepts alone). dec[] is always filled; prob[]
 * only when has_prob (zeros otherwise), and then label = argmax(prob) as svm_predict_probability;
 * without probabilities label is libsvm's one-vs-one vote (svm_predict). Agrees with libsvm on
 * model.svm to about 1e-12 (tests/test_model.c checks 1e-9). No allocation, about 48 KiB of stack
 * for 64 classes. Thread-safe. */
void st_model_predict_vec(const st_model *m, const st_svec *x, st_prediction *out);

/* Featurizes text[0..len) with the model's vocabulary (into scratch/x, caller-owned, reused) and
 * predicts. x may be NULL: then no vector is built (the fast path of st_model_predict_tokens: no
 * sort, idf folded into the weights), for callers that do not need the vector (e.g. for
 * st_model_explain). Both give the same prediction to about 1e-15 (summation order only).
 * Errors: ST_ERR_NOMEM, ST_ERR_TOO_LARGE. Thread-safe for distinct scratch/x. */
st_status st_model_predict_text(const st_model *m, const char *text, size_t len,
                                st_featurize_scratch *scratch, st_svec *x, st_prediction *out);

/* Predicts from the unsorted tf weights t of a text in this model's vocabulary (st_featurize_tf,
 * or out[k] of st_featurize_group_tf for this model's vocabulary): the decision values, votes and
 * Platt probabilities of st_model_predict_vec on that text's vector, with the sums in the order of
 * t (agrees with st_model_predict_vec and libsvm to about 1e-12; the same t gives the same bits).
 * t is only read; no allocation; cannot fail. Thread-safe. */
void st_model_predict_tf(const st_model *m, const st_term_tf *t, st_prediction *out);

/* Predicts from tokens made by st_tokenize under this model's tokenizer settings
 * (st_vocab_config(st_model_vocab(m))->tok), so several models whose settings are equal
 * (st_tokenizer_config_equal) share one tokenization of a text: tokenize once, then call this per
 * model with the same toks and scratch. The caller checks that the settings agree; tokens made
 * under other settings give a prediction of other terms, never an error. Hot path: the terms are
 * counted with st_featurize_tf (no vector built, no sort) and dotted with the model's weights
 * with idf folded in, then decision values, votes and Platt probabilities exactly as
 * st_model_predict_vec (agrees with it and with libsvm to about 1e-12). toks is only read; no
 * allocation once the scratch has grown (st_featurize_tf). Errors: ST_ERR_NOMEM,
 * ST_ERR_TOO_LARGE. Thread-safe for distinct scratch (toks and m may be shared). */
st_status st_model_predict_tokens(const st_model *m, const st_tokens *toks, st_featurize_scratch *scratch,
                                  st_prediction *out);

/* Several models that predict every text together (e.g. stance and sentiment): when their term
 * settings agree (st_vocab_same_terms), the text is tokenized once and every term occurrence is
 * generated and looked up once for all of them (st_vocab_group); otherwise each model predicts on
 * its own. Either way out[k] is bit for bit what st_model_predict_text(models[k], text, len,
 * scratch, NULL, ...) gives. */
typedef struct st_model_group st_model_group;

/* Groups models[0..n) (borrowed: they must outlive the group), 1 <= n <= ST_VOCAB_GROUP_MAX.
 * Immutable once built; any number of threads may share it. *out is owned by the caller
 * (st_model_group_free). Errors: ST_ERR_INVALID (n out of range), ST_ERR_NOMEM, ST_ERR_TOO_LARGE. */
st_status st_model_group_new(const st_model *const *models, size_t n, st_model_group **out);
void st_model_group_free(st_model_group **pg);       /* frees *pg (NULL is fine) and sets it to NULL */
size_t st_model_group_size(const st_model_group *g); /* number of models */
const st_model *st_model_group_model(const st_model_group *g, size_t k); /* borrowed; NULL if k >= size */
/* The merged lookup of the models' vocabularies, or NULL when their term settings differ. Borrowed. */
const st_vocab_group *st_model_group_vocabs(const st_model_group *g);

/* Predicts text[0..len) with every model of g: out[k] (st_model_group_size(g) entries) as
 * st_model_predict_text(model k, text, len, scratch, NULL, &out[k]). No allocation once the
 * scratch has grown. Errors: ST_ERR_NOMEM, ST_ERR_TOO_LARGE. Thread-safe for distinct scratch. */
st_status st_model_group_predict_text(const st_model_group *g, const char *text, size_t len,
                                      st_featurize_scratch *scratch, st_prediction *out);

/* One term's contribution to a prediction: weight * value summed over the pairs that involve the
 * predicted label, signed so that positive pushes toward the predicted label. */
typedef struct st_contribution {
    int id; /* vocabulary id */
    double contribution;
} st_contribution;

/* Fills out[0..*n) with the top k terms of x by |contribution| toward pred->label (sorted by
 * decreasing contribution, ties by id). *n <= k. No allocation beyond out. */
void st_model_explain(const st_model *m, const st_svec *x, const st_prediction *pred, st_contribution *out,
                      size_t k, size_t *n);

#endif
