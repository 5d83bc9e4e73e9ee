/* stance-eval - scores a model folder on a labelled test file or folder.
 *
 *   stance-eval MODEL_DIR TEST_FILE_OR_FOLDER [--json]
 *
 * Prints accuracy, macro-F1, per-label precision/recall/F1 and the confusion matrix (rows gold,
 * columns predicted). Test labels the model does not know are reported and counted wrong (they
 * are extra rows of the matrix and count in macro-F1 with F1 0). With --json, one object on stdout
 * with keys model, task, version, n_examples, accuracy, macro_f1, per_label, confusion,
 * unknown_labels. Exit status: 0 success, 1 error, 2 usage error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "st_dataset.h"
#include "st_model.h"
#include "st_train.h"

static void print_warning(const st_error *e, void *ud)
{
    (void)ud;
    fprintf(stderr, "%s:%ld: %s\n", e->where, e->line, e->message);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: stance-eval MODEL_DIR TEST_FILE_OR_FOLDER [--json]\n");
}

int main(int argc, char **argv)
{
    const char *model_dir = NULL, *test = NULL;
    int as_json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            as_json = 1;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "stance-eval: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (!model_dir)
            model_dir = argv[i];
        else if (!test)
            test = argv[i];
        else {
            usage(stderr);
            return 2;
        }
    }
    if (!model_dir || !test) {
        usage(stderr);
        return 2;
    }

    int status = 1;
    st_error err = {{0}, 0, {0}};
    st_model *m = NULL;
    st_dataset ds;
    st_dataset_init(&ds);
    st_featurize_scratch *scratch = NULL;
    st_svec x;
    st_svec_init(&x);
    long *conf = NULL;
    int *map = NULL;
    double *scores = NULL;
    const char **names = NULL;
    st_status rc;
    if ((rc = st_model_load(model_dir, &m, &err)) != ST_OK) {
        if (err.line > 0)
            fprintf(stderr, "stance-eval: %s:%ld: %s\n", err.where, err.line, err.message);
        else
            fprintf(stderr, "stance-eval: %s: %s\n", err.where, err.message);
        goto out_free;
    }
    if ((rc = st_dataset_load(&ds, test, print_warning, NULL, &err)) != ST_OK) {
        fprintf(stderr, "stance-eval: %s: %s\n", err.where, err.message);
        goto out_free;
    }
    if (ds.n == 0) {
        fprintf(stderr, "stance-eval: %s holds no examples\n", test);
        goto out_free;
    }
    /* label space: the model's labels, then the test labels the model does not know */
    int k = st_model_nr_class(m), n = k;
    map = malloc((size_t)ds.n_labels * sizeof *map);
    if (!map)
        goto out_nomem;
    for (int c = 0; c < ds.n_labels; c++) {
        map[c] = -1;
        for (int j = 0; j < k; j++)
            if (strcmp(ds.label_names[c], st_model_label(m, j)) == 0)
                map[c] = j;
        if (map[c] < 0)
            map[c] = n++;
    }
    names = malloc((size_t)n * sizeof *names);
    if (!names)
        goto out_nomem;
    for (int j = 0; j < k; j++)
        names[j] = st_model_label(m, j);
    for (int c = 0; c < ds.n_labels; c++)
        if (map[c] >= k)
            names[map[c]] = ds.label_names[c];
    conf = calloc((size_t)n * n, sizeof *conf);
    scores = calloc((size_t)n * 3, sizeof *scores);
    if (!conf || !scores || st_featurize_scratch_new(&scratch) != ST_OK)
        goto out_nomem;
    for (size_t i = 0; i < ds.n; i++) {
        st_prediction pred;
        if (st_model_predict_text(m, ds.texts[i], ds.lens[i], scratch, &x, &pred) != ST_OK)
            goto out_nomem;
        conf[(size_t)map[ds.labels[i]] * n + pred.label]++;
    }
    double acc, macro;
    st_scores_compute(conf, n, scores, scores + n, scores + 2 * n, &acc, &macro);
    if (as_json) {
        json_t *o = json_object(), *per = json_object(), *labels = json_array(), *matrix = json_array(),
               *unknown = json_object();
        for (int r = 0; r < n; r++) {
            json_t *row = json_array();
            long support = 0;
            for (int c = 0; c < n; c++) {
                json_array_append_new(row, json_integer(conf[(size_t)r * n + c]));
                support += conf[(size_t)r * n + c];
            }
            json_array_append_new(matrix, row);
            json_array_append_new(labels, json_string(names[r]));
            json_object_set_new(per, names[r],
                                json_pack("{s:f,s:f,s:f,s:I}", "precision", scores[r], "recall",
                                          scores[n + r], "f1", scores[2 * n + r], "support",
                                          (json_int_t)support));
            if (r >= k)
                json_object_set_new(unknown, names[r], json_integer(support));
        }
        json_object_set_new(o, "model", json_string(model_dir));
        json_object_set_new(o, "task", json_string(st_model_task(m)));
        json_object_set_new(o, "version", json_string(st_model_version(m)));
        json_object_set_new(o, "n_examples", json_integer((json_int_t)ds.n));
        json_object_set_new(o, "accuracy", json_real(acc));
        json_object_set_new(o, "macro_f1", json_real(macro));
        json_object_set_new(o, "per_label", per);
        json_object_set_new(o, "confusion", json_pack("{s:o,s:o}", "labels", labels, "matrix", matrix));
        json_object_set_new(o, "unknown_labels", unknown);
        char *s = json_dumps(o, JSON_SORT_KEYS | JSON_INDENT(2));
        if (s)
            printf("%s\n", s);
        free(s);
        json_decref(o);
    } else {
        size_t w = 5;
        for (int r = 0; r < n; r++)
            if (strlen(names[r]) > w)
                w = strlen(names[r]);
        printf("model: %s (task %s, version %s, %d labels)\n", model_dir, st_model_task(m),
               st_model_version(m), k);
        printf("test: %s, %zu examples\n", test, ds.n);
        printf("accuracy: %.4f\nmacro-F1: %.4f\n", acc, macro);
        printf("  %-*s %9s %9s %9s %7s\n", (int)w, "label", "precision", "recall", "F1", "support");
        for (int r = 0; r < n; r++) {
            long support = 0;
            for (int c = 0; c < n; c++)
                support += conf[(size_t)r * n + c];
            printf("  %-*s %9.4f %9.4f %9.4f %7ld%s\n", (int)w, names[r], scores[r], scores[n + r],
                   scores[2 * n + r], support, r >= k ? "  (unknown to the model: counted wrong)" : "");
        }
        printf("confusion (rows gold, columns predicted):\n  %-*s", (int)w, "");
        for (int c = 0; c < k; c++)
            printf(" %*s", (int)(strlen(names[c]) > 6 ? strlen(names[c]) : 6), names[c]);
        printf("\n");
        for (int r = 0; r < n; r++) {
            printf("  %-*s", (int)w, names[r]);
            for (int c = 0; c < k; c++)
                printf(" %*ld", (int)(strlen(names[c]) > 6 ? strlen(names[c]) : 6), conf[(size_t)r * n + c]);
            printf("\n");
        }
    }
    status = 0;
    goto out_free;
out_nomem:
    fprintf(stderr, "stance-eval: out of memory\n");
out_free:
    free(names);
    free(conf);
    free(map);
    free(scores);
    st_svec_free(&x);
    st_featurize_scratch_free(&scratch);
    st_dataset_free(&ds);
    st_model_free(&m);
    return status;
}
