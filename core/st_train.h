/* st_train.h - training: stratified k-fold cross-validation over a grid of C, class weights, a
 * final libsvm C-SVC (linear kernel) with Platt probabilities, written as a model folder.
 *
 * Deterministic: folds come from a fixed-seed shuffle inside each class (our own PRNG, not rand());
 * srand(seed) is called right before each svm_train (libsvm's internal CV for Platt scaling uses
 * rand()), single-threaded; files are written with locale-independent number formatting. The same
 * dataset and options give byte-identical model.svm, weights.tsv and vocab.tsv. */
#ifndef ST_TRAIN_H
#define ST_TRAIN_H

#include "st_common.h"
#include "st_dataset.h"
#include "st_features.h"

typedef struct st_train_options {
    st_featurizer_config features;
    const double *c_grid; /* values of C to try; NULL = default {0.1, 0.3, 1, 3, 10} */
    size_t c_grid_n;
    int folds;                 /* k of k-fold CV (default 5; 0 or 1 = no CV, use c_grid[0]) */
    unsigned seed;             /* default 1 */
    int class_weights;         /* 1: weight C per class by n / (n_labels * n_class) (default 1) */
    int probability;           /* 1: Platt probabilities when every class has >= 5 examples (default 1) */
    const char *task;          /* task name written to meta.json (e.g. "stance") */
    const st_lexicon *lexicon; /* NULL (default), or category tokens of this lexicon added to the
                                  features (st_vocab_build_lexicon; borrowed, copied into the model) */
    int solver;                /* the final model's: ST_SOLVER_LIBSVM (default) or ST_SOLVER_LIBLINEAR */
    int cv_solver;             /* the cross-validation's, which only chooses C and reports CV metrics:
                                  ST_SOLVER_AUTO (default: the final solver's problem solved fast, i.e.
                                  ST_SOLVER_LIBLINEAR_HINGE for libsvm's C-SVC, 10-50x faster, and
                                  ST_SOLVER_LIBLINEAR for liblinear), or any solver named below */
} st_train_options;

/* Solvers. Both give the same model folder format (model.svm is a linear-kernel libsvm model).
 *   ST_SOLVER_LIBSVM     libsvm C-SVC, linear kernel, one-vs-one, Platt probabilities by libsvm.
 *   ST_SOLVER_LIBLINEAR  liblinear L2-loss SVC (dual) trained one-vs-one per class pair, with Platt
 *                        scaling fitted here the way libsvm does (5-fold CV decision values, then
 *                        libsvm's sigmoid_train); each pair's w is stored in model.svm as one
 *                        pseudo support vector. Much faster on large datasets.
 *   ST_SOLVER_LIBLINEAR_HINGE  the same with liblinear's L1-loss (hinge) dual solver: libsvm's C-SVC
 *                        objective except that the bias is regularised (Hsieh et al. 2008, ICML). */
enum { ST_SOLVER_AUTO = -1, ST_SOLVER_LIBSVM = 0, ST_SOLVER_LIBLINEAR = 1, ST_SOLVER_LIBLINEAR_HINGE = 2 };

st_train_options st_train_options_default(void);

/* What training measured. confusion is n_labels x n_labels row-major, rows = gold, cols = predicted,
 * labels in dataset order; from the CV predictions at the chosen C (zeros when no CV). */
typedef struct st_train_report {
    double best_c;
    double cv_accuracy, cv_macro_f1;
    double grid_macro_f1[32]; /* CV macro-F1 per grid value, same order as the grid */
    size_t grid_n;
    double grid_c[32]; /* the grid values themselves (the default grid when c_grid is NULL) */
    int folds;         /* k actually used (0 = no CV) */
    int n_labels;
    long *confusion; /* owned; free with st_train_report_free */
    size_t n_examples, n_features;
    int has_probability;
} st_train_report;

void st_train_report_free(st_train_report *r);

/* Trains on ds and writes the model folder out_dir (created; written to out_dir.tmp-PID first, then
 * renamed over out_dir). Errors: ST_ERR_EMPTY (fewer than 2 labels or no examples), ST_ERR_IO (err
 * names the path), ST_ERR_NOMEM. Prints nothing (libsvm's output is silenced). Not thread-safe
 * (libsvm uses rand()).
 * Details: the CV of each fold builds its own vocabulary from its training part (no idf leakage)
 * and scores the decision-function (voting) label, without Platt scaling. Ties in CV macro-F1 go
 * to the smaller C. An existing out_dir is replaced only when it looks like a model folder (holds
 * meta.json or weights.tsv) or is empty; otherwise ST_ERR_IO. SOURCE_DATE_EPOCH (decimal seconds),
 * when set, is the training date written to meta.json (reproducible builds); a malformed value
 * gives ST_ERR_INVALID. More than ST_MAX_LABELS labels or 32 grid values: ST_ERR_INVALID. */
st_status st_train(const st_dataset *ds, const st_train_options *opt, const char *out_dir,
                   st_train_report *rep, st_error *err);

/* Scores from an n x n confusion matrix (row-major, rows = gold, cols = predicted). Fills
 * precision[n], recall[n], f1[n] (0 when undefined: no predictions or no gold examples),
 * *accuracy (trace / total, 0 for an empty matrix) and *macro_f1 (mean F1 over the labels that have
 * gold examples or predictions, scikit-learn's default label set). Any output may be NULL. */
void st_scores_compute(const long *confusion, int n, double *precision, double *recall, double *f1,
                       double *accuracy, double *macro_f1);

#endif
