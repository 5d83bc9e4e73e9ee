/* dataset.c - labelled examples from TSV, CSV, JSON Lines and fastText files, or folders of them.
 *
 * Each file is read whole into memory, a UTF-8 BOM is skipped, and lines are split at LF with an
 * optional CR before it removed (a last line without LF is still read). A line that does not
 * parse is reported through the warn callback (file, 1-based line, message) and skipped. */
#include "st_dataset.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "st_utf8.h"

#define MAX_DEPTH 32 /* folder recursion limit (guards against symlink loops) */

typedef enum fmt { FMT_TSV, FMT_CSV, FMT_JSONL, FMT_FASTTEXT } fmt;

/* What one file's readers share: where to append, whom to tell about bad lines. */
typedef struct reader {
    st_dataset *ds;
    const char *path;
    st_dataset_warn_fn warn;
    void *ud;
} reader;

void st_dataset_init(st_dataset *ds)
{
    memset(ds, 0, sizeof *ds);
}

void st_dataset_free(st_dataset *ds)
{
    if (!ds)
        return;
    for (size_t i = 0; i < ds->n; i++)
        free(ds->texts[i]);
    for (int i = 0; i < ds->n_labels; i++)
        free(ds->label_names[i]);
    free(ds->texts);
    free(ds->lens);
    free(ds->labels);
    free(ds->label_names);
    st_dataset_init(ds);
}

static int is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n' && s[i] != '\f' && s[i] != '\v')
            return 0;
    return 1;
}

/* Trims ASCII white space on both sides of s[0..*len), returning the new start. */
static const char *trim(const char *s, size_t *len)
{
    size_t a = 0, b = *len;
    while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r' || s[a] == '\n'))
        a++;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r' || s[b - 1] == '\n'))
        b--;
    *len = b - a;
    return s + a;
}

static int find_label(const st_dataset *ds, const char *label)
{
    for (int i = 0; i < ds->n_labels; i++)
        if (strcmp(ds->label_names[i], label) == 0)
            return i;
    return -1;
}

st_status st_dataset_add(st_dataset *ds, const char *label, const char *text, size_t len)
{
    if (!ds || !label || (!text && len))
        return ST_ERR_INVALID;
    size_t llen = strlen(label);
    if (llen == 0 || is_blank(label, llen) || len == 0 || is_blank(text, len))
        return ST_ERR_EMPTY;
    if (st_utf8_validate(label, llen, NULL) != ST_OK || st_utf8_validate(text, len, NULL) != ST_OK)
        return ST_ERR_UTF8;
    for (size_t i = 0; i < llen; i++)
        if ((unsigned char)label[i] < 0x20 || label[i] == 0x7f)
            return ST_ERR_INVALID; /* tabs and line ends would break weights.tsv and meta.json */
    if (memchr(text, '\0', len))
        return ST_ERR_INVALID;

    int id = find_label(ds, label);
    if (id < 0) {
        char **names = realloc(ds->label_names, (size_t)(ds->n_labels + 1) * sizeof *names);
        if (!names)
            return ST_ERR_NOMEM;
        ds->label_names = names;
        if (!(names[ds->n_labels] = strdup(label)))
            return ST_ERR_NOMEM;
        id = ds->n_labels++;
    }
    if (ds->n == ds->cap) {
        size_t cap = ds->cap ? ds->cap * 2 : 64;
        char **texts = realloc(ds->texts, cap * sizeof *texts);
        if (!texts)
            return ST_ERR_NOMEM;
        ds->texts = texts;
        size_t *lens = realloc(ds->lens, cap * sizeof *lens);
        if (!lens)
            return ST_ERR_NOMEM;
        ds->lens = lens;
        int *labels = realloc(ds->labels, cap * sizeof *labels);
        if (!labels)
            return ST_ERR_NOMEM;
        ds->labels = labels;
        ds->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return ST_ERR_NOMEM;
    memcpy(copy, text, len);
    copy[len] = '\0';
    ds->texts[ds->n] = copy;
    ds->lens[ds->n] = len;
    ds->labels[ds->n] = id;
    ds->n++;
    return ST_OK;
}

static void warn_line(const reader *r, long line, const char *msg, const char *detail)
{
    if (!r->warn)
        return;
    st_error e;
    st_error_set(&e, ST_ERR_FORMAT, r->path, line, "%s%s%s", msg, detail ? ": " : "", detail ? detail : "");
    r->warn(&e, r->ud);
}

/* Adds label/text (not NUL-terminated) found at `line`; bad content is warned about, not fatal.
 * Returns ST_OK or ST_ERR_NOMEM. */
static st_status add_example(const reader *r, long line, const char *label, size_t llen, const char *text,
                             size_t tlen)
{
    label = trim(label, &llen);
    text = trim(text, &tlen);
    char *lab = malloc(llen + 1);
    if (!lab)
        return ST_ERR_NOMEM;
    memcpy(lab, label, llen);
    lab[llen] = '\0';
    st_status rc = ST_OK;
    if (memchr(lab, '\0', llen)) {
        warn_line(r, line, "label contains a NUL byte", NULL);
        goto out_free_lab;
    }
    rc = st_dataset_add(r->ds, lab, text, tlen);
    switch (rc) {
    case ST_OK:
    case ST_ERR_NOMEM: break;
    case ST_ERR_EMPTY:
        warn_line(r, line, llen == 0 ? "empty label" : "empty text", NULL);
        rc = ST_OK;
        break;
    case ST_ERR_UTF8:
        warn_line(r, line, "invalid UTF-8", NULL);
        rc = ST_OK;
        break;
    default:
        warn_line(r, line, "label has control characters or text has a NUL byte", NULL);
        rc = ST_OK;
        break;
    }
out_free_lab:
    free(lab);
    return rc;
}

/* Calls fn on each line of buf[0..len) (without its LF and a CR before it), with its 1-based number.
 * Blank lines are skipped. Stops at the first non-OK status. */
typedef st_status (*line_fn)(const reader *r, long line, const char *s, size_t len);

static st_status each_line(const reader *r, const char *buf, size_t len, line_fn fn)
{
    long line = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *s = buf + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl ? 1 : 0);
        line++;
        if (n > 0 && s[n - 1] == '\r')
            n--;
        if (is_blank(s, n))
            continue;
        st_status rc = fn(r, line, s, n);
        if (rc != ST_OK)
            return rc;
    }
    return ST_OK;
}

static st_status tsv_line(const reader *r, long line, const char *s, size_t len)
{
    const char *tab = memchr(s, '\t', len);
    if (!tab) {
        warn_line(r, line, "expected label<TAB>text", NULL);
        return ST_OK;
    }
    const char *text = tab + 1;
    size_t tlen = len - (size_t)(text - s);
    const char *tab2 = memchr(text, '\t', tlen);
    if (tab2)
        tlen = (size_t)(tab2 - text); /* extra columns are ignored */
    return add_example(r, line, s, (size_t)(tab - s), text, tlen);
}

static st_status fasttext_line(const reader *r, long line, const char *s, size_t len)
{
    static const char prefix[] = "__label__";
    const size_t plen = sizeof prefix - 1;
    size_t llen = len;
    s = trim(s, &llen);
    len = llen;
    if (len <= plen || memcmp(s, prefix, plen) != 0) {
        warn_line(r, line, "expected __label__X text", NULL);
        return ST_OK;
    }
    const char *label = s + plen;
    size_t i = plen;
    while (i < len && s[i] != ' ' && s[i] != '\t')
        i++;
    size_t lab_len = (size_t)(s + i - label);
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (len - i >= plen && memcmp(s + i, prefix, plen) == 0) {
        warn_line(r, line, "more than one __label__ (multi-label lines are not supported)", NULL);
        return ST_OK;
    }
    return add_example(r, line, label, lab_len, s + i, len - i);
}

static st_status jsonl_line(const reader *r, long line, const char *s, size_t len)
{
    json_error_t jerr;
    json_t *obj = json_loadb(s, len, 0, &jerr);
    st_status rc = ST_OK;
    if (!obj) {
        warn_line(r, line, "invalid JSON", jerr.text);
        return ST_OK;
    }
    if (!json_is_object(obj)) {
        warn_line(r, line, "expected a JSON object", NULL);
        goto out_decref;
    }
    json_t *jl = json_object_get(obj, "label");
    json_t *jt = json_object_get(obj, "text");
    char num[32];
    const char *label;
    size_t llen;
    if (json_is_string(jl)) {
        label = json_string_value(jl);
        llen = json_string_length(jl);
    } else if (json_is_integer(jl)) {
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(jl));
        label = num;
        llen = strlen(num);
    } else {
        warn_line(r, line, "\"label\" must be a string or an integer", NULL);
        goto out_decref;
    }
    if (!json_is_string(jt)) {
        warn_line(r, line, "\"text\" must be a string", NULL);
        goto out_decref;
    }
    rc = add_example(r, line, label, llen, json_string_value(jt), json_string_length(jt));
out_decref:
    json_decref(obj);
    return rc;
}

/* One CSV record: fields as [start, end) pairs into a decoded copy (quotes removed, "" -> "). */
typedef struct csv_rec {
    char *buf; /* decoded field bytes, back to back */
    size_t buf_len, buf_cap;
    size_t *start, *end;
    size_t n, cap;
} csv_rec;

static st_status csv_push_byte(csv_rec *c, char ch)
{
    if (c->buf_len == c->buf_cap) {
        size_t cap = c->buf_cap ? c->buf_cap * 2 : 256;
        char *b = realloc(c->buf, cap);
        if (!b)
            return ST_ERR_NOMEM;
        c->buf = b;
        c->buf_cap = cap;
    }
    c->buf[c->buf_len++] = ch;
    return ST_OK;
}

static st_status csv_end_field(csv_rec *c, size_t field_start)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        size_t *s = realloc(c->start, cap * sizeof *s);
        if (!s)
            return ST_ERR_NOMEM;
        c->start = s;
        size_t *e = realloc(c->end, cap * sizeof *e);
        if (!e)
            return ST_ERR_NOMEM;
        c->end = e;
        c->cap = cap;
    }
    c->start[c->n] = field_start;
    c->end[c->n] = c->buf_len;
    c->n++;
    return ST_OK;
}

/* Parses one RFC 4180 record starting at buf[*pos], advancing *pos past its line end and *line by
 * the line ends consumed. *bad is set to a message when the record is malformed (an unterminated
 * quote). Returns ST_OK or ST_ERR_NOMEM. */
static st_status csv_record(const char *buf, size_t len, size_t *pos, long *line, csv_rec *c,
                            const char **bad)
{
    c->buf_len = 0;
    c->n = 0;
    *bad = NULL;
    size_t i = *pos, fstart = 0;
    int quoted = 0, was_quoted = 0;
    st_status rc;
    while (i < len) {
        char ch = buf[i];
        if (quoted) {
            if (ch == '"') {
                if (i + 1 < len && buf[i + 1] == '"') {
                    if ((rc = csv_push_byte(c, '"')) != ST_OK)
                        return rc;
                    i += 2;
                    continue;
                }
                quoted = 0;
                i++;
                continue;
            }
            if (ch == '\n')
                (*line)++;
            if ((rc = csv_push_byte(c, ch)) != ST_OK)
                return rc;
            i++;
            continue;
        }
        if (ch == '"' && !was_quoted && c->buf_len == fstart) {
            quoted = was_quoted = 1;
            i++;
            continue;
        }
        if (ch == ',') {
            if ((rc = csv_end_field(c, fstart)) != ST_OK)
                return rc;
            fstart = c->buf_len;
            was_quoted = 0;
            i++;
            continue;
        }
        if (ch == '\r' && i + 1 < len && buf[i + 1] == '\n') {
            i++;
            continue;
        }
        if (ch == '\n') {
            i++;
            (*line)++;
            break;
        }
        if ((rc = csv_push_byte(c, ch)) != ST_OK)
            return rc;
        i++;
    }
    if (i >= len && !(len > 0 && buf[len - 1] == '\n'))
        (*line)++; /* the last line has no LF */
    if (quoted)
        *bad = "unterminated quoted field";
    *pos = i;
    return csv_end_field(c, fstart);
}

static int field_is(const csv_rec *c, size_t k, const char *name)
{
    size_t len = c->end[k] - c->start[k];
    const char *s = trim(c->buf + c->start[k], &len);
    return len == strlen(name) && strncasecmp(s, name, len) == 0;
}

static st_status read_csv(const reader *r, const char *buf, size_t len)
{
    csv_rec c = {0};
    size_t pos = 0;
    long line = 0; /* line ends consumed so far */
    long label_col = -1, text_col = -1;
    int have_header = 0;
    st_status rc = ST_OK;
    while (pos < len) {
        long first = line + 1;
        const char *bad;
        if ((rc = csv_record(buf, len, &pos, &line, &c, &bad)) != ST_OK)
            goto out_free;
        if (c.n == 1 && is_blank(c.buf, c.buf_len))
            continue;
        if (bad) {
            warn_line(r, first, bad, NULL);
            continue;
        }
        if (!have_header) {
            for (size_t k = 0; k < c.n; k++) {
                if (label_col < 0 && field_is(&c, k, "label"))
                    label_col = (long)k;
                else if (text_col < 0 && field_is(&c, k, "text"))
                    text_col = (long)k;
            }
            if (label_col < 0 || text_col < 0) {
                warn_line(r, first, "CSV header needs a \"label\" and a \"text\" column; file skipped", NULL);
                goto out_free;
            }
            have_header = 1;
            continue;
        }
        if ((size_t)label_col >= c.n || (size_t)text_col >= c.n) {
            warn_line(r, first, "too few columns", NULL);
            continue;
        }
        rc = add_example(r, first, c.buf + c.start[label_col], c.end[label_col] - c.start[label_col],
                         c.buf + c.start[text_col], c.end[text_col] - c.start[text_col]);
        if (rc != ST_OK)
            goto out_free;
    }
out_free:
    free(c.buf);
    free(c.start);
    free(c.end);
    return rc;
}

static int has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);
    return n >= s && strcasecmp(name + n - s, suffix) == 0;
}

/* The first non-blank line of buf (without line end) in *line and *llen; 0 when there is none. */
static int first_line(const char *buf, size_t len, const char **line, size_t *llen)
{
    size_t pos = 0;
    while (pos < len) {
        const char *s = buf + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + 1;
        if (!is_blank(s, n)) {
            *line = s;
            *llen = n;
            return 1;
        }
    }
    return 0;
}

/* Format of a file: by extension, then by content (the first non-blank line). */
static fmt detect_format(const char *path, const char *buf, size_t len)
{
    const char *l = NULL;
    size_t n = 0;
    int have = first_line(buf, len, &l, &n);
    if (have)
        l = trim(l, &n);
    int ft = have && n >= 9 && memcmp(l, "__label__", 9) == 0;
    if (has_suffix(path, ".csv"))
        return FMT_CSV;
    if (has_suffix(path, ".jsonl") || has_suffix(path, ".json") || has_suffix(path, ".ndjson"))
        return FMT_JSONL;
    if (has_suffix(path, ".ft") || has_suffix(path, ".fasttext") || ft)
        return FMT_FASTTEXT;
    if (has_suffix(path, ".tsv") || has_suffix(path, ".txt") || has_suffix(path, ".tab"))
        return FMT_TSV;
    if (have && n > 0 && l[0] == '{')
        return FMT_JSONL;
    if (have && !memchr(l, '\t', n) && memchr(l, ',', n))
        return FMT_CSV;
    return FMT_TSV;
}

static int known_extension(const char *name)
{
    static const char *const ext[] = {".tsv",  ".txt",    ".tab", ".csv",     ".jsonl",
                                      ".json", ".ndjson", ".ft",  ".fasttext"};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (has_suffix(name, ext[i]))
            return 1;
    return 0;
}

static st_status read_whole(const char *path, char **out, size_t *out_len, st_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return st_error_set(err, ST_ERR_IO, path, 0, "cannot open: %s", strerror(errno));
    st_status rc = ST_OK;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        rc = ST_ERR_NOMEM;
        goto out_close;
    }
    for (;;) {
        if (len == cap) {
            char *b = realloc(buf, cap * 2);
            if (!b) {
                rc = ST_ERR_NOMEM;
                goto out_free_buf;
            }
            buf = b;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        rc = st_error_set(err, ST_ERR_IO, path, 0, "read error: %s", strerror(errno));
        goto out_free_buf;
    }
    *out = buf;
    *out_len = len;
    buf = NULL;
out_free_buf:
    free(buf);
out_close:
    fclose(f);
    return rc;
}

static st_status load_file(st_dataset *ds, const char *path, st_dataset_warn_fn warn, void *ud, st_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    st_status rc = read_whole(path, &buf, &len, err);
    if (rc != ST_OK)
        return rc;
    const char *p = buf;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3;
        len -= 3;
    }
    reader r = {ds, path, warn, ud};
    switch (detect_format(path, p, len)) {
    case FMT_CSV: rc = read_csv(&r, p, len); break;
    case FMT_JSONL: rc = each_line(&r, p, len, jsonl_line); break;
    case FMT_FASTTEXT: rc = each_line(&r, p, len, fasttext_line); break;
    case FMT_TSV: rc = each_line(&r, p, len, tsv_line); break;
    }
    if (rc == ST_ERR_NOMEM)
        st_error_set(err, rc, path, 0, "out of memory");
    free(buf);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static st_status load_path(st_dataset *ds, const char *path, int depth, st_dataset_warn_fn warn, void *ud,
                           st_error *err);

static st_status load_dir(st_dataset *ds, const char *path, int depth, st_dataset_warn_fn warn, void *ud,
                          st_error *err)
{
    if (depth > MAX_DEPTH)
        return st_error_set(err, ST_ERR_IO, path, 0, "folders nested more than %d deep", MAX_DEPTH);
    DIR *d = opendir(path);
    if (!d)
        return st_error_set(err, ST_ERR_IO, path, 0, "cannot open folder: %s", strerror(errno));
    st_status rc = ST_OK;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* ".", "..", hidden files and our own *.tmp folders */
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                rc = ST_ERR_NOMEM;
                goto out_free_names;
            }
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name))) {
            rc = ST_ERR_NOMEM;
            goto out_free_names;
        }
        n++;
    }
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n && rc == ST_OK; i++) {
        size_t plen = strlen(path) + strlen(names[i]) + 2;
        char *child = malloc(plen);
        if (!child) {
            rc = ST_ERR_NOMEM;
            break;
        }
        snprintf(child, plen, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
        struct stat st;
        if (stat(child, &st) != 0)
            rc = st_error_set(err, ST_ERR_IO, child, 0, "cannot stat: %s", strerror(errno));
        else if (S_ISDIR(st.st_mode))
            rc = load_path(ds, child, depth + 1, warn, ud, err);
        else if (S_ISREG(st.st_mode) && known_extension(names[i]))
            rc = load_file(ds, child, warn, ud, err);
        free(child);
    }
out_free_names:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    if (rc == ST_ERR_NOMEM)
        st_error_set(err, rc, path, 0, "out of memory");
    return rc;
}

static st_status load_path(st_dataset *ds, const char *path, int depth, st_dataset_warn_fn warn, void *ud,
                           st_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return st_error_set(err, ST_ERR_IO, path, 0, "cannot open: %s", strerror(errno));
    if (S_ISDIR(st.st_mode))
        return load_dir(ds, path, depth, warn, ud, err);
    return load_file(ds, path, warn, ud, err);
}

st_status st_dataset_load(st_dataset *ds, const char *path, st_dataset_warn_fn warn, void *ud, st_error *err)
{
    if (!ds || !path || !*path)
        return st_error_set(err, ST_ERR_INVALID, path ? path : "", 0, "no path given");
    return load_path(ds, path, 0, warn, ud, err);
}

void st_dataset_sha256(const st_dataset *ds, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (size_t i = 0; ok && i < ds->n; i++) {
        const char *label = ds->label_names[ds->labels[i]];
        ok = EVP_DigestUpdate(ctx, label, strlen(label)) && EVP_DigestUpdate(ctx, "\t", 1) &&
             EVP_DigestUpdate(ctx, ds->texts[i], ds->lens[i]) && EVP_DigestUpdate(ctx, "\n", 1);
    }
    ok = ok && EVP_DigestFinal_ex(ctx, md, &md_len) && md_len == 32;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        memset(hex, '0', 64); /* only when OpenSSL itself fails (out of memory) */
        hex[64] = '\0';
        return;
    }
    for (unsigned i = 0; i < md_len; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}
