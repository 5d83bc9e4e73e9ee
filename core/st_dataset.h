/* st_dataset.h - labelled text examples read from files and folders.
 *
 * Accepted formats, detected per file (by extension, then by content):
 *   .tsv / .txt   label<TAB>text per line (extra TAB-separated columns after text are ignored)
 *   .csv          a header naming a `label` and a `text` column (RFC 4180 quoting)
 *   .jsonl/.json  one {"label": "...", "text": "..."} object per line
 *   fastText      lines `__label__X text` (any file whose first data line starts with __label__)
 * A folder is read recursively in sorted file-name order (deterministic). Blank lines are skipped;
 * a UTF-8 BOM and CRLF line ends are accepted. A bad line (wrong columns, invalid UTF-8, empty
 * text) is reported through the callback with its file and 1-based line and skipped: the rest
 * still loads. */
#ifndef ST_DATASET_H
#define ST_DATASET_H

#include "st_common.h"

typedef struct st_dataset {
    char **texts; /* owned, NUL-terminated UTF-8 */
    size_t *lens; /* bytes, without the NUL */
    int *labels;  /* index into label_names */
    size_t n, cap;
    char **label_names; /* owned; in order of first appearance */
    int n_labels;
} st_dataset;

/* Called for each skipped line; err->where and err->line name it. */
typedef void (*st_dataset_warn_fn)(const st_error *err, void *ud);

void st_dataset_init(st_dataset *ds);
void st_dataset_free(st_dataset *ds); /* frees everything, leaves *ds initialised and empty */

/* Appends the examples of path (a file or a folder) to ds. A file named explicitly is read whatever
 * its extension; inside a folder only .tsv .txt .tab .csv .jsonl .json .ndjson .ft .fasttext files
 * are read, and names starting with '.' are skipped. Labels and texts are trimmed of surrounding
 * ASCII white space. Errors: ST_ERR_IO (err names the path), ST_ERR_NOMEM; ds then holds the
 * examples read before the error. Bad lines are not errors: they go to warn (may be NULL). */
st_status st_dataset_load(st_dataset *ds, const char *path, st_dataset_warn_fn warn, void *ud, st_error *err);

/* Appends one example; label (NUL-terminated) and text[0..len) are copied verbatim. A new label
 * name gets the next index. Errors: ST_ERR_NOMEM, ST_ERR_UTF8 (label or text), ST_ERR_EMPTY (label
 * or text empty or only white space), ST_ERR_INVALID (a control character in the label, which would
 * break the model files, or a NUL byte in the text). */
st_status st_dataset_add(st_dataset *ds, const char *label, const char *text, size_t len);

/* Lowercase hex SHA-256 of the examples in load order (label, TAB, text, LF each) into hex[65]. */
void st_dataset_sha256(const st_dataset *ds, char hex[65]);

#endif
