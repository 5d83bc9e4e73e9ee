/* lexicon.c - word lists as category tokens (see st_lexicon.h). */
#include "st_lexicon.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf_int.h"
#include "st_decimal.h"
#include "st_utf8.h"

#define PREFIX_LEN (sizeof ST_LEXICON_PREFIX - 1)

typedef struct entry {
    uint32_t off, len; /* the token in pool */
    uint32_t cat;      /* index into cats */
    uint32_t seq;      /* order of addition (the first of duplicates wins) */
} entry;

struct st_lexicon {
    st_tokenizer_config tok;
    char *pool;
    size_t pool_len, pool_cap;
    entry *e;
    size_t n, cap;
    char cats[ST_LEXICON_MAX_CATEGORIES][PREFIX_LEN + ST_LEXICON_MAX_LABEL + 1]; /* "#lex:" + name */
    size_t cat_len[ST_LEXICON_MAX_CATEGORIES];                                   /* with the prefix */
    size_t n_cats;
    uint32_t *slots; /* open addressing: 1 + entry index, 0 empty */
    size_t mask;
};

static uint64_t hash(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
    return h ^ (h >> 29);
}

void st_lexicon_free(st_lexicon **pl)
{
    if (!pl || !*pl)
        return;
    free((*pl)->pool);
    free((*pl)->e);
    free((*pl)->slots);
    free(*pl);
    *pl = NULL;
}

/* Index of category name[0..n) (added when new), or -1 when there are too many. */
static int category(st_lexicon *lex, const char *name, size_t n)
{
    for (size_t c = 0; c < lex->n_cats; c++)
        if (lex->cat_len[c] == PREFIX_LEN + n && memcmp(lex->cats[c] + PREFIX_LEN, name, n) == 0)
            return (int)c;
    if (lex->n_cats == ST_LEXICON_MAX_CATEGORIES)
        return -1;
    size_t c = lex->n_cats++;
    memcpy(lex->cats[c], ST_LEXICON_PREFIX, PREFIX_LEN);
    memcpy(lex->cats[c] + PREFIX_LEN, name, n);
    lex->cats[c][PREFIX_LEN + n] = '\0';
    lex->cat_len[c] = PREFIX_LEN + n;
    return (int)c;
}

static int valid_label(const char *s, size_t n)
{
    if (n == 0 || n > ST_LEXICON_MAX_LABEL)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
            return 0;
    return 1;
}

static st_status add(st_lexicon *lex, const char *tok, size_t n, int cat)
{
    if (lex->pool_len + n + 1 >= UINT32_MAX)
        return ST_ERR_TOO_LARGE;
    if (!buf_grow(&lex->pool, &lex->pool_cap, lex->pool_len + n + 1, 1) ||
        !buf_grow(&lex->e, &lex->cap, lex->n + 1, sizeof *lex->e))
        return ST_ERR_NOMEM;
    memcpy(lex->pool + lex->pool_len, tok, n);
    lex->pool[lex->pool_len + n] = '\0';
    lex->e[lex->n] = (entry){(uint32_t)lex->pool_len, (uint32_t)n, (uint32_t)cat, (uint32_t)lex->n};
    lex->n++;
    lex->pool_len += n + 1;
    return ST_OK;
}

static int cmp_bytes(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

/* Entry order: token bytes, then order of addition. A merge sort, since the comparison needs the
 * pool and qsort has no context argument (and no global may hold it). */
static int entry_less(const st_lexicon *lex, const entry *a, const entry *b)
{
    int c = cmp_bytes(lex->pool + a->off, a->len, lex->pool + b->off, b->len);
    return c < 0 || (c == 0 && a->seq < b->seq);
}

static void merge_sort(const st_lexicon *lex, entry *a, entry *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    merge_sort(lex, a, tmp, h);
    merge_sort(lex, a + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = entry_less(lex, &a[j], &a[i]) ? a[j++] : a[i++];
    while (i < h)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

/* Sorts the entries by token, keeps the first of equal tokens and builds the lookup table. */
static st_status finish(st_lexicon *lex)
{
    if (lex->n == 0)
        return ST_ERR_EMPTY;
    entry *tmp = malloc(lex->n * sizeof *tmp);
    if (!tmp)
        return ST_ERR_NOMEM;
    merge_sort(lex, lex->e, tmp, lex->n);
    free(tmp);
    size_t k = 0;
    for (size_t i = 0; i < lex->n; i++) {
        const entry *x = &lex->e[i];
        if (k > 0 &&
            cmp_bytes(lex->pool + lex->e[k - 1].off, lex->e[k - 1].len, lex->pool + x->off, x->len) == 0)
            continue;
        lex->e[k] = *x;
        lex->e[k].seq = (uint32_t)k;
        k++;
    }
    lex->n = k;
    size_t cap = 16;
    while (cap < 2 * lex->n)
        cap *= 2;
    lex->slots = calloc(cap, sizeof *lex->slots);
    if (!lex->slots)
        return ST_ERR_NOMEM;
    lex->mask = cap - 1;
    for (size_t i = 0; i < lex->n; i++) {
        size_t s = (size_t)hash(lex->pool + lex->e[i].off, lex->e[i].len) & lex->mask;
        while (lex->slots[s])
            s = (s + 1) & lex->mask;
        lex->slots[s] = (uint32_t)(i + 1);
    }
    return ST_OK;
}

st_status st_lexicon_load(const char *path, const st_tokenizer_config *tok, st_lexicon **out, st_error *err)
{
    st_status rc;
    char *data = NULL;
    size_t dlen = 0;
    *out = NULL;
    if ((rc = st_read_file(path, &data, &dlen, err)) != ST_OK)
        return rc;
    st_tokens toks;
    st_tokens_init(&toks);
    st_lexicon *lex = calloc(1, sizeof *lex);
    if (!lex) {
        rc = ST_ERR_NOMEM;
        goto out_free;
    }
    lex->tok = *tok;
    /* Terms are tokenized with every punctuation mark a token of its own, so that a term with
     * punctuation ("a+", ":)") gives several tokens and is skipped instead of losing its marks;
     * words are the same under any punct setting. */
    st_tokenizer_config words = *tok;
    words.punct = 2;
    const char *p = data, *end = data + dlen;
    for (long line = 1; p < end; line++) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        const char *next = e ? e + 1 : end;
        if (!e)
            e = end;
        if (e > p && e[-1] == '\r')
            e--;
        if (e == p) {
            p = next;
            continue;
        }
        const char *tab = memchr(p, '\t', (size_t)(e - p));
        if (!tab) {
            rc = st_error_set(err, ST_ERR_FORMAT, path, line, "expected label<TAB>term");
            goto out_free;
        }
        const char *term = tab + 1;
        size_t tl = (size_t)(e - term), ll = (size_t)(tab - p);
        if (st_utf8_validate(p, (size_t)(e - p), NULL) != ST_OK) {
            rc = st_error_set(err, ST_ERR_FORMAT, path, line, "invalid UTF-8");
            goto out_free;
        }
        char num[64];
        const char *name = p;
        size_t nl = ll;
        if (ll > 0 && ll < sizeof num) {
            memcpy(num, p, ll);
            num[ll] = '\0';
            char *dend;
            double v = st_decimal_parse(num, &dend);
            if (dend == num + ll && isfinite(v)) {
                if (v == 0) {
                    p = next;
                    continue;
                }
                name = v > 0 ? "positive" : "negative";
                nl = strlen(name);
            }
        }
        if (!valid_label(name, nl)) {
            rc = st_error_set(err, ST_ERR_FORMAT, path, line, "bad label '%.*s'", (int)ll, p);
            goto out_free;
        }
        int cat = category(lex, name, nl);
        if (cat < 0) {
            rc = st_error_set(err, ST_ERR_FORMAT, path, line, "more than %d categories",
                              ST_LEXICON_MAX_CATEGORIES);
            goto out_free;
        }
        if ((rc = st_tokenize(&words, term, tl, &toks)) != ST_OK)
            goto out_free;
        if (toks.n == 1 && !(toks.len[0] > 4 && memcmp(toks.buf, "NOT_", 4) == 0) &&
            (rc = add(lex, toks.buf + toks.off[0], toks.len[0], cat)) != ST_OK)
            goto out_free;
        p = next;
    }
    if ((rc = finish(lex)) != ST_OK) {
        if (rc == ST_ERR_EMPTY)
            st_error_set(err, rc, path, 0, "no entry");
        goto out_free;
    }
    *out = lex;
    lex = NULL;
out_free:
    st_lexicon_free(&lex);
    st_tokens_free(&toks);
    free(data);
    return rc;
}

st_status st_lexicon_parse(const char *data, size_t len, size_t n, const st_tokenizer_config *tok,
                           const char *path, long first_line, st_lexicon **out, size_t *used, st_error *err)
{
    st_status rc = ST_OK;
    *out = NULL;
    st_lexicon *lex = calloc(1, sizeof *lex);
    if (!lex)
        return ST_ERR_NOMEM;
    lex->tok = *tok;
    const char *p = data, *end = data + len;
    for (size_t i = 0; i < n; i++) {
        long line = first_line + (long)i;
        if (p >= end) {
            rc = st_error_set(err, ST_ERR_FORMAT, path, line, "lexicon: %zu entries, header says %zu", i, n);
            goto out_free;
        }
        const char *e = memchr(p, '\n', (size_t)(end - p));
        const char *next = e ? e + 1 : end;
        if (!e)
            e = end;
        const char *tab = memchr(p, '\t', (size_t)(e - p));
        const char *w = tab ? tab + 1 : NULL;
        size_t wl = tab ? (size_t)(e - w) : 0;
        int clean = tab && wl > 0 && st_utf8_validate(w, wl, NULL) == ST_OK;
        for (size_t j = 0; clean && j < wl; j++)
            clean = (unsigned char)w[j] > 0x20 && w[j] != 0x7F;
        int cat = clean && valid_label(p, (size_t)(tab - p)) ? category(lex, p, (size_t)(tab - p)) : -1;
        if (cat < 0) {
            rc = st_error_set(err, ST_ERR_FORMAT, path, line, "bad lexicon entry");
            goto out_free;
        }
        if (lex->n > 0) {
            const entry *x = &lex->e[lex->n - 1];
            if (cmp_bytes(lex->pool + x->off, x->len, w, wl) >= 0) {
                rc = st_error_set(err, ST_ERR_FORMAT, path, line,
                                  "lexicon tokens not in strictly increasing order");
                goto out_free;
            }
        }
        if ((rc = add(lex, w, wl, cat)) != ST_OK)
            goto out_free;
        p = next;
    }
    if ((rc = finish(lex)) != ST_OK) {
        if (rc == ST_ERR_EMPTY)
            rc = st_error_set(err, ST_ERR_FORMAT, path, first_line, "empty lexicon");
        goto out_free;
    }
    *used = (size_t)(p - data);
    *out = lex;
    lex = NULL;
out_free:
    st_lexicon_free(&lex);
    return rc;
}

int st_lexicon_write(const st_lexicon *lex, FILE *f)
{
    for (size_t i = 0; i < lex->n; i++) {
        const entry *x = &lex->e[i];
        fputs(lex->cats[x->cat] + PREFIX_LEN, f);
        fputc('\t', f);
        fwrite(lex->pool + x->off, 1, x->len, f);
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}

st_status st_lexicon_copy(const st_lexicon *lex, st_lexicon **out)
{
    *out = NULL;
    if (!lex)
        return ST_OK;
    st_lexicon *c = malloc(sizeof *c);
    if (!c)
        return ST_ERR_NOMEM;
    *c = *lex;
    c->pool = malloc(lex->pool_len ? lex->pool_len : 1);
    c->e = malloc((lex->n ? lex->n : 1) * sizeof *c->e);
    c->slots = malloc((lex->mask + 1) * sizeof *c->slots);
    if (!c->pool || !c->e || !c->slots) {
        st_lexicon_free(&c);
        return ST_ERR_NOMEM;
    }
    memcpy(c->pool, lex->pool, lex->pool_len);
    memcpy(c->e, lex->e, lex->n * sizeof *c->e);
    memcpy(c->slots, lex->slots, (lex->mask + 1) * sizeof *c->slots);
    c->pool_cap = lex->pool_len;
    c->cap = lex->n;
    *out = c;
    return ST_OK;
}

size_t st_lexicon_size(const st_lexicon *lex)
{
    return lex ? lex->n : 0;
}

const st_tokenizer_config *st_lexicon_tokenizer(const st_lexicon *lex)
{
    return &lex->tok;
}

int st_lexicon_equal(const st_lexicon *a, const st_lexicon *b)
{
    if (!a || !b)
        return a == b;
    if (a->n != b->n || !st_tokenizer_config_equal(&a->tok, &b->tok))
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        const entry *x = &a->e[i], *y = &b->e[i];
        if (x->len != y->len || memcmp(a->pool + x->off, b->pool + y->off, x->len) != 0 ||
            strcmp(a->cats[x->cat], b->cats[y->cat]) != 0)
            return 0;
    }
    return 1;
}

/* Entry index + 1 of token w[0..n) (without "NOT_"), or 0. */
static size_t find(const st_lexicon *lex, const char *w, size_t n)
{
    if (n > 4 && memcmp(w, "NOT_", 4) == 0) {
        w += 4;
        n -= 4;
    }
    for (size_t s = (size_t)hash(w, n) & lex->mask;; s = (s + 1) & lex->mask) {
        uint32_t i = lex->slots[s];
        if (i == 0)
            return 0;
        const entry *x = &lex->e[i - 1];
        if (x->len == n && memcmp(lex->pool + x->off, w, n) == 0)
            return i;
    }
}

const char *st_lexicon_find(const st_lexicon *lex, const char *w, size_t n)
{
    size_t i = find(lex, w, n);
    return i ? lex->cats[lex->e[i - 1].cat] + PREFIX_LEN : NULL;
}

st_status st_lexicon_tokens(const st_lexicon *lex, const st_tokens *in, st_tokens *out)
{
    out->n = 0;
    out->buf_len = 0;
    size_t extra = 0, bytes = in->buf_len;
    for (size_t t = 0; t < in->n; t++) {
        size_t i = find(lex, in->buf + in->off[t], in->len[t]);
        if (i) {
            extra++;
            bytes += lex->cat_len[lex->e[i - 1].cat] + 1;
        }
    }
    if (bytes >= UINT32_MAX)
        return ST_ERR_TOO_LARGE;
    if (!buf_grow(&out->buf, &out->buf_cap, bytes + 1, 1))
        return ST_ERR_NOMEM;
    size_t need = in->n + extra;
    if (need > out->cap) { /* off and len share one capacity */
        size_t nc = out->cap ? 2 * out->cap : 16;
        while (nc < need)
            nc *= 2;
        uint32_t *o = realloc(out->off, nc * sizeof *o);
        if (!o)
            return ST_ERR_NOMEM;
        out->off = o;
        uint32_t *l = realloc(out->len, nc * sizeof *l);
        if (!l)
            return ST_ERR_NOMEM;
        out->len = l;
        out->cap = nc;
    }
    memcpy(out->buf, in->buf, in->buf_len);
    memcpy(out->off, in->off, in->n * sizeof *out->off);
    memcpy(out->len, in->len, in->n * sizeof *out->len);
    size_t at = in->buf_len, k = in->n;
    for (size_t t = 0; t < in->n; t++) {
        size_t i = find(lex, in->buf + in->off[t], in->len[t]);
        if (!i)
            continue;
        uint32_t c = lex->e[i - 1].cat;
        memcpy(out->buf + at, lex->cats[c], lex->cat_len[c] + 1);
        out->off[k] = (uint32_t)at;
        out->len[k] = (uint32_t)lex->cat_len[c];
        at += lex->cat_len[c] + 1;
        k++;
    }
    out->buf_len = at;
    out->n = k;
    return ST_OK;
}
