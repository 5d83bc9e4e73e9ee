/* features.c - vocabulary, n-grams and tf-idf sparse vectors (see st_features.h).
 *
 * Terms are produced by one generator (for_each_term) used by both st_vocab_build and
 * st_featurize, so training and prediction see the same terms; it is force-inlined into both, so
 * each gets its sink inlined and pays no call per term.
 *   - Word n-grams cost no copy: the generator turns the NUL between consecutive tokens of the
 *     token buffer into ' ' (tokens are stored back to back), so n-gram i..i+n-1 is one contiguous
 *     span, and puts the NULs back at the end. Each token is hashed once; an n-gram's hash combines
 *     its tokens' hashes (term_hash computes the same from a term string).
 *   - Character n-grams are slices of the padded word, hashed in their own domain; the "#c:"
 *     prefix of their terms is checked on comparison, never copied.
 *   - The vocabulary is an open-addressing table (linear probing, load <= 1/2) of {64-bit hash,
 *     id, pool offset} slots over one string pool; a probe compares bytes only on a full hash
 *     match. For tables past 1 MiB, the slot and term lines of all word n-grams of a text are
 *     prefetched before probing, so cache misses overlap instead of adding up.
 *   - Ids are sorted in place (quicksort under 64 ids, LSD radix above) and run-length counted;
 *     no allocation once the scratch buffers have grown to the text's size. */
#include "st_features.h"

#include <assert.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <svm.h>

#include "st_utf8.h"

#define VOCAB_MAGIC "stance-vocab"
#define VOCAB_FORMAT 1
#define CHAR_NGRAM_MAX 8
#define CHAR_PREFIX "#c:"
#define CHAR_PREFIX_LEN 3
#define PREFETCH_MIN_SLOTS ((size_t)1 << 16) /* 1 MiB of table: below that, lookups hit the caches */

/* ---- hashing ---- */

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

/* A MurmurHash3-style 64-bit hash of p[0..n), eight bytes per step. Only ever compared within one
 * process (files store terms, never hashes), so byte order does not matter. */
static inline uint64_t hash_seeded(const char *p, size_t n, uint64_t seed)
{
    const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
    uint64_t h = seed ^ (uint64_t)n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        w *= c1;
        w = rotl64(w, 31);
        w *= c2;
        h ^= w;
        h = rotl64(h, 27) * 5 + 0x52dce729;
    }
    if (i < n) {
        const unsigned char *t = (const unsigned char *)p + i;
        uint64_t w = 0;
        switch (n - i) {                   /* the tail, without a variable-length memcpy call */
        case 7: w |= (uint64_t)t[6] << 48; /* fall through */
        case 6: w |= (uint64_t)t[5] << 40; /* fall through */
        case 5: w |= (uint64_t)t[4] << 32; /* fall through */
        case 4: w |= (uint64_t)t[3] << 24; /* fall through */
        case 3: w |= (uint64_t)t[2] << 16; /* fall through */
        case 2: w |= (uint64_t)t[1] << 8;  /* fall through */
        default: w |= (uint64_t)t[0];
        }
        w *= c1;
        w = rotl64(w, 31);
        w *= c2;
        h ^= w;
    }
    return fmix64(h);
}

#define WORD_SEED 0x9E3779B97F4A7C15ULL
#define CHAR_SEED 0xD6E8FEB86659FD93ULL /* character n-grams hash in their own domain */

static inline uint64_t hash_bytes(const char *p, size_t n)
{
    return hash_seeded(p, n, WORD_SEED);
}

/* The hash of a word n-gram from the hashes of its tokens, in order: h(t1 t2) = combine(h(t1),
 * h(t2)), so every token's bytes are hashed once per text however many n-grams hold it. */
static inline uint64_t hash_combine(uint64_t h, uint64_t next)
{
    return fmix64((h ^ 0x2545F4914F6CDD1DULL) * 0x9E3779B97F4A7C15ULL + next);
}

/* The hash of any term string, equal to what the term generator computes for it: a "#c:" term
 * over the bytes after its prefix (in the character domain), a word n-gram by combining the
 * hashes of its ' '-separated tokens (word tokens never hold ' ' or start with '#'). */
static uint64_t term_hash(const char *p, size_t n)
{
    if (n >= CHAR_PREFIX_LEN && memcmp(p, CHAR_PREFIX, CHAR_PREFIX_LEN) == 0)
        return hash_seeded(p + CHAR_PREFIX_LEN, n - CHAR_PREFIX_LEN, CHAR_SEED);
    const char *end = p + n, *sp = memchr(p, ' ', n);
    if (!sp)
        return hash_bytes(p, n);
    uint64_t h = hash_bytes(p, (size_t)(sp - p));
    while (sp) {
        p = sp + 1;
        sp = memchr(p, ' ', (size_t)(end - p));
        h = hash_combine(h, hash_bytes(p, (size_t)((sp ? sp : end) - p)));
    }
    return h;
}

static int term_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    if (c)
        return c;
    return (al > bl) - (al < bl);
}

/* memcmp(a, b, n) == 0 for the short keys of the hot path, inlined (word loads, no call). */
static inline int bytes_equal(const char *a, const char *b, size_t n)
{
    uint64_t x, y;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y)
                return 0;
        }
        memcpy(&x, a + n - 8, 8); /* the last eight bytes, overlapping what was compared */
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    if (n >= 4) {
        uint32_t u, v, u2, v2;
        memcpy(&u, a, 4);
        memcpy(&v, b, 4);
        memcpy(&u2, a + n - 4, 4);
        memcpy(&v2, b + n - 4, 4);
        return u == v && u2 == v2;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/* ---- sparse vectors ---- */

void st_svec_init(st_svec *v)
{
    memset(v, 0, sizeof *v);
}

void st_svec_free(st_svec *v)
{
    free(v->index);
    free(v->value);
    st_svec_init(v);
}

static int svec_reserve(st_svec *v, size_t need)
{
    if (need <= v->cap)
        return 1;
    size_t cap = v->cap ? v->cap : 64;
    while (cap < need)
        cap *= 2;
    int *ix = realloc(v->index, cap * sizeof *ix);
    if (!ix)
        return 0;
    v->index = ix;
    double *va = realloc(v->value, cap * sizeof *va);
    if (!va)
        return 0;
    v->value = va;
    v->cap = cap;
    return 1;
}

int st_svec_check(const st_svec *v)
{
    if (v->n > v->cap)
        return 0;
    for (size_t i = 0; i < v->n; i++) {
        if (v->index[i] < 1 || (i > 0 && v->index[i] <= v->index[i - 1]))
            return 0;
        if (!isfinite(v->value[i]))
            return 0;
    }
    return 1;
}

st_status st_svec_to_libsvm(const st_svec *v, struct svm_node **nodes, size_t *cap)
{
    if (*cap < v->n + 1 || !*nodes) {
        struct svm_node *p = realloc(*nodes, (v->n + 1) * sizeof *p);
        if (!p)
            return ST_ERR_NOMEM;
        *nodes = p;
        *cap = v->n + 1;
    }
    struct svm_node *x = *nodes;
    for (size_t i = 0; i < v->n; i++) {
        x[i].index = v->index[i];
        x[i].value = v->value[i];
    }
    x[v->n].index = -1;
    x[v->n].value = 0.0;
    return ST_OK;
}

/* ---- configuration ---- */

st_featurizer_config st_featurizer_config_default(void)
{
    st_featurizer_config c = {.tok = st_tokenizer_config_default(),
                              .ngram_min = 1,
                              .ngram_max = 2,
                              .char_ngram_min = 0,
                              .char_ngram_max = 0,
                              .min_df = 2,
                              .max_features = 0,
                              .sublinear_tf = 1};
    return c;
}

static int config_valid(const st_featurizer_config *c)
{
    if (c->tok.casefold != 0 && c->tok.casefold != 1)
        return 0;
    if (c->tok.negation != 0 && c->tok.negation != 1)
        return 0;
    if (c->ngram_min < 1 || c->ngram_max < c->ngram_min || c->ngram_max > 3)
        return 0;
    if (!(c->char_ngram_min == 0 && c->char_ngram_max == 0) &&
        (c->char_ngram_min < 1 || c->char_ngram_max < c->char_ngram_min ||
         c->char_ngram_max > CHAR_NGRAM_MAX))
        return 0;
    if (c->min_df < 0 || c->max_features < 0)
        return 0;
    if (c->sublinear_tf != 0 && c->sublinear_tf != 1)
        return 0;
    return 1;
}

/* ---- the vocabulary ---- */

typedef struct vslot {
    uint64_t hash;
    uint32_t id;  /* 0: empty */
    uint32_t off; /* the term's offset in pool (NUL-terminated there; terms hold no NUL) */
} vslot;

struct st_vocab {
    st_featurizer_config cfg;
    size_t n_docs;
    size_t size; /* ids are 1..size; index 0 of the arrays below is unused */
    char *pool;  /* the terms in id order, each NUL-terminated */
    size_t *off; /* off[id]: the term's offset in pool */
    uint32_t *len;
    uint32_t *df;
    double *idf;
    vslot *slots;
    size_t mask; /* slot count - 1 (a power of two minus one) */
};

/* True when the NUL-terminated term t is prefix (pre bytes: "" or "#c:") followed by key[0..n). */
static inline int term_is(const char *t, size_t pre, const char *key, size_t n)
{
    if (pre && memcmp(t, CHAR_PREFIX, CHAR_PREFIX_LEN) != 0)
        return 0;
    return bytes_equal(t + pre, key, n) && t[pre + n] == '\0';
}

/* Id of the term (pre ? "#c:" : "") + key[0..n) whose term_hash is h, or 0. */
static inline int vocab_find(const st_vocab *v, const char *key, size_t n, size_t pre, uint64_t h)
{
    size_t i = (size_t)h & v->mask;
    for (;;) {
        const vslot *sl = &v->slots[i];
        if (sl->id == 0)
            return 0;
        if (sl->hash == h && term_is(v->pool + sl->off, pre, key, n))
            return (int)sl->id;
        i = (i + 1) & v->mask;
    }
}

/* Allocates the per-id arrays for size terms and a pool of pool_bytes. */
static st_status vocab_alloc(st_vocab *v, size_t size, size_t pool_bytes)
{
    v->size = size;
    v->pool = malloc(pool_bytes ? pool_bytes : 1);
    v->off = malloc((size + 1) * sizeof *v->off);
    v->len = malloc((size + 1) * sizeof *v->len);
    v->df = malloc((size + 1) * sizeof *v->df);
    v->idf = malloc((size + 1) * sizeof *v->idf);
    if (!v->pool || !v->off || !v->len || !v->df || !v->idf)
        return ST_ERR_NOMEM;
    v->off[0] = 0;
    v->len[0] = 0;
    v->df[0] = 0;
    v->idf[0] = 0.0;
    return ST_OK;
}

/* Builds the lookup table once pool/off/len hold every term. */
static st_status vocab_index(st_vocab *v)
{
    if (v->size >= UINT32_MAX / 2 || v->off[v->size] + v->len[v->size] >= UINT32_MAX)
        return ST_ERR_TOO_LARGE;
    size_t cap = 16;
    while (cap < 2 * v->size)
        cap *= 2;
    v->slots = calloc(cap, sizeof *v->slots);
    if (!v->slots)
        return ST_ERR_NOMEM;
    v->mask = cap - 1;
    for (size_t id = 1; id <= v->size; id++) {
        uint64_t h = term_hash(v->pool + v->off[id], v->len[id]);
        size_t i = (size_t)h & v->mask;
        while (v->slots[i].id != 0)
            i = (i + 1) & v->mask;
        v->slots[i].hash = h;
        v->slots[i].id = (uint32_t)id;
        v->slots[i].off = (uint32_t)v->off[id];
    }
    return ST_OK;
}

void st_vocab_free(st_vocab **pv)
{
    if (!pv || !*pv)
        return;
    st_vocab *v = *pv;
    free(v->pool);
    free(v->off);
    free(v->len);
    free(v->df);
    free(v->idf);
    free(v->slots);
    free(v);
    *pv = NULL;
}

size_t st_vocab_size(const st_vocab *v)
{
    return v->size;
}

size_t st_vocab_n_docs(const st_vocab *v)
{
    return v->n_docs;
}

const st_featurizer_config *st_vocab_config(const st_vocab *v)
{
    return &v->cfg;
}

const char *st_vocab_term(const st_vocab *v, int id)
{
    if (id < 1 || (size_t)id > v->size)
        return NULL;
    return v->pool + v->off[id];
}

double st_vocab_idf(const st_vocab *v, int id)
{
    if (id < 1 || (size_t)id > v->size)
        return 0.0;
    return v->idf[id];
}

int st_vocab_df(const st_vocab *v, int id)
{
    if (id < 1 || (size_t)id > v->size)
        return 0;
    return (int)v->df[id];
}

int st_vocab_lookup(const st_vocab *v, const char *term, size_t len)
{
    return vocab_find(v, term, len, 0, term_hash(term, len));
}

/* ---- scratch and the term generator ---- */

struct st_featurize_scratch {
    st_tokens toks;
    char *key; /* the padded word " w " of character n-grams */
    size_t key_cap;
    uint32_t *cpb; /* code point starts of the padded word, plus its end */
    size_t cpb_cap;
    int *ids; /* ids of the known terms of the text, in generation order */
    size_t ids_cap;
    int *tmp; /* the radix sort's second buffer, as large as ids */
    size_t tmp_cap;
    uint64_t *th; /* hash of each token */
    size_t th_cap;
    uint64_t *nh; /* hash of each word n-gram occurrence */
    size_t nh_cap;
};

st_status st_featurize_scratch_new(st_featurize_scratch **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return ST_ERR_NOMEM;
    st_tokens_init(&(*out)->toks);
    return ST_OK;
}

void st_featurize_scratch_free(st_featurize_scratch **ps)
{
    if (!ps || !*ps)
        return;
    st_featurize_scratch *s = *ps;
    st_tokens_free(&s->toks);
    free(s->key);
    free(s->cpb);
    free(s->ids);
    free(s->tmp);
    free(s->th);
    free(s->nh);
    free(s);
    *ps = NULL;
}

/* Grows the buffer whose pointer is at pp (any object pointer type) to hold at least need elements
 * of elem bytes, doubling; *cap counts elements. Returns 0 when out of memory (the buffer is kept).
 * The pointer is moved with memcpy, so no object is accessed through a void ** lvalue. */
static int grow(void *pp, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 1;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *p;
    memcpy(&p, pp, sizeof p);
    void *q = realloc(p, c * elem);
    if (!q)
        return 0;
    memcpy(pp, &q, sizeof q);
    *cap = c;
    return 1;
}

/* Receives one term occurrence: the term is key[0..n) (pre == 0) or "#c:" + key[0..n) (pre == 3, a
 * character n-gram, passed without copying); hash is term_hash of the whole term. */
typedef st_status (*term_fn)(void *ctx, const char *key, size_t n, size_t pre, uint64_t hash);

/* Character n-grams of token w[0..wl) (sklearn's char_wb), passed to fn as slices of the padded
 * word " w " with pre = 3 (the "#c:" prefix is implied, never copied). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline st_status
char_ngrams(const st_featurizer_config *cfg, const char *w, size_t wl, st_featurize_scratch *s, term_fn fn,
            void *ctx)
{
    size_t plen = wl + 2; /* " w " */
    if (!grow(&s->key, &s->key_cap, plen, 1) || !grow(&s->cpb, &s->cpb_cap, plen + 1, sizeof *s->cpb))
        return ST_ERR_NOMEM;
    char *pad = s->key;
    uint32_t *cpb = s->cpb;
    pad[0] = ' ';
    memcpy(pad + 1, w, wl);
    pad[plen - 1] = ' ';
    size_t np = 0;
    for (size_t i = 0; i < plen; i++)
        if (((unsigned char)pad[i] & 0xC0) != 0x80)
            cpb[np++] = (uint32_t)i;
    cpb[np] = (uint32_t)plen;
    for (int n = cfg->char_ngram_min; n <= cfg->char_ngram_max; n++) {
        size_t un = (size_t)n;
        if (np <= un) /* the padded word is shorter than n: itself, once */
            return fn(ctx, pad, plen, CHAR_PREFIX_LEN, hash_seeded(pad, plen, CHAR_SEED));
        for (size_t st = 0; st + un <= np; st++) {
            size_t a = cpb[st], b = cpb[st + un];
            st_status rc = fn(ctx, pad + a, b - a, CHAR_PREFIX_LEN, hash_seeded(pad + a, b - a, CHAR_SEED));
            if (rc != ST_OK)
                return rc;
        }
    }
    return ST_OK;
}

/* Calls fn for every term occurrence of the token list t, in a fixed order: word n-grams by n,
 * then by position; then character n-grams by token. t's NUL terminators are restored before
 * returning. pf (may be NULL): the vocabulary whose table lines to prefetch for the word n-grams. */
#if defined(__GNUC__)
__attribute__((always_inline)) /* so each caller gets its sink inlined: one generator, no call per term */
#endif
static inline st_status
for_each_term(const st_featurizer_config *cfg, st_tokens *t, st_featurize_scratch *s, const st_vocab *pf,
              term_fn fn, void *ctx)
{
    st_status rc = ST_OK;
    size_t nt = t->n, nw = 0;
    for (int n = cfg->ngram_min; n <= cfg->ngram_max; n++)
        if (nt >= (size_t)n)
            nw += nt - (size_t)n + 1;
    if (!grow(&s->th, &s->th_cap, nt, sizeof *s->th) || !grow(&s->nh, &s->nh_cap, nw, sizeof *s->nh))
        return ST_ERR_NOMEM;
    uint64_t *th = s->th, *nh = s->nh;
    char *buf = t->buf; /* locals: the sink's stores cannot alias them */
    const uint32_t *off = t->off, *tlen = t->len;
    for (size_t i = 0; i < nt; i++)
        th[i] = hash_bytes(buf + off[i], tlen[i]);
    /* every word n-gram's hash first, so the table lines can be fetched while the loop runs on:
     * with a vocabulary larger than the caches, a lookup is otherwise one memory latency each */
    size_t k = 0;
    for (int n = cfg->ngram_min; n <= cfg->ngram_max; n++)
        for (size_t i = 0; i + (size_t)n <= nt; i++) {
            uint64_t h = th[i];
            for (size_t j = 1; j < (size_t)n; j++)
                h = hash_combine(h, th[i + j]);
            nh[k++] = h;
        }
#if defined(__GNUC__)
    if (pf && pf->mask >= PREFETCH_MIN_SLOTS) { /* a table that cannot stay in the caches */
        for (size_t j = 0; j < nw; j++)
            __builtin_prefetch(&pf->slots[(size_t)nh[j] & pf->mask]);
        for (size_t j = 0; j < nw; j++) { /* then the term bytes of the likely hits */
            const vslot *sl = &pf->slots[(size_t)nh[j] & pf->mask];
            if (sl->hash == nh[j])
                __builtin_prefetch(pf->pool + sl->off);
        }
    }
#else
    (void)pf;
#endif
    if (cfg->ngram_max > 1)
        for (size_t i = 0; i + 1 < nt; i++)
            buf[off[i] + tlen[i]] = ' '; /* tokens are back to back: n-grams become spans */
    k = 0;
    for (int n = cfg->ngram_min; n <= cfg->ngram_max && rc == ST_OK; n++) {
        size_t un = (size_t)n;
        for (size_t i = 0; i + un <= nt; i++) {
            size_t a = off[i], b = (size_t)off[i + un - 1] + tlen[i + un - 1];
            if ((rc = fn(ctx, buf + a, b - a, 0, nh[k++])) != ST_OK)
                break;
        }
    }
    if (cfg->ngram_max > 1)
        for (size_t i = 0; i + 1 < nt; i++)
            buf[off[i] + tlen[i]] = '\0';
    if (rc != ST_OK || cfg->char_ngram_max == 0)
        return rc;
    for (size_t i = 0; i < nt; i++) {
        const char *w = t->buf + t->off[i];
        size_t wl = t->len[i];
        if (wl > 4 && memcmp(w, "NOT_", 4) == 0) {
            w += 4;
            wl -= 4;
        }
        if ((rc = char_ngrams(cfg, w, wl, s, fn, ctx)) != ST_OK)
            return rc;
    }
    return ST_OK;
}

/* ---- building ---- */

typedef struct bslot {
    uint64_t hash;
    size_t off;   /* in the builder's pool */
    size_t last;  /* 1 + index of the last document counted */
    uint32_t len; /* 0: empty slot (terms are never empty) */
    uint32_t df;
} bslot;

typedef struct builder {
    bslot *slots;
    size_t mask, used;
    char *pool;
    size_t pool_len, pool_cap;
    size_t doc; /* 1-based index of the document being counted */
} builder;

static st_status builder_rehash(builder *b)
{
    size_t cap = (b->mask + 1) * 2;
    bslot *ns = calloc(cap, sizeof *ns);
    if (!ns)
        return ST_ERR_NOMEM;
    for (size_t i = 0; i <= b->mask; i++) {
        if (b->slots[i].len == 0)
            continue;
        size_t j = (size_t)b->slots[i].hash & (cap - 1);
        while (ns[j].len != 0)
            j = (j + 1) & (cap - 1);
        ns[j] = b->slots[i];
    }
    free(b->slots);
    b->slots = ns;
    b->mask = cap - 1;
    return ST_OK;
}

static st_status build_sink(void *ctx, const char *key, size_t n, size_t pre, uint64_t h)
{
    builder *b = ctx;
    if (n + pre >= UINT32_MAX)
        return ST_ERR_TOO_LARGE;
    size_t i = (size_t)h & b->mask;
    for (;;) {
        bslot *sl = &b->slots[i];
        if (sl->len == 0)
            break;
        if (sl->hash == h && sl->len == n + pre &&
            (!pre || memcmp(b->pool + sl->off, CHAR_PREFIX, pre) == 0) &&
            memcmp(b->pool + sl->off + pre, key, n) == 0) {
            if (sl->last != b->doc) {
                sl->last = b->doc;
                sl->df++;
            }
            return ST_OK;
        }
        i = (i + 1) & b->mask;
    }
    if (!grow(&b->pool, &b->pool_cap, b->pool_len + pre + n, 1))
        return ST_ERR_NOMEM;
    bslot *sl = &b->slots[i];
    sl->hash = h;
    sl->off = b->pool_len;
    sl->len = (uint32_t)(pre + n);
    sl->df = 1;
    sl->last = b->doc;
    memcpy(b->pool + b->pool_len, CHAR_PREFIX, pre);
    memcpy(b->pool + b->pool_len + pre, key, n);
    b->pool_len += pre + n;
    if (++b->used * 2 > b->mask + 1)
        return builder_rehash(b);
    return ST_OK;
}

typedef struct cand {
    const char *term;
    uint32_t len;
    uint32_t df;
} cand;

static int cand_by_term(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    return term_cmp(a->term, a->len, b->term, b->len);
}

static int cand_by_df(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    if (a->df != b->df)
        return a->df > b->df ? -1 : 1;
    return term_cmp(a->term, a->len, b->term, b->len);
}

st_status st_vocab_build(const st_featurizer_config *cfg, const char *const *texts, const size_t *lens,
                         size_t n_docs, st_vocab **out)
{
    st_featurizer_config def = st_featurizer_config_default();
    st_status rc;
    *out = NULL;
    if (!cfg)
        cfg = &def;
    if (!config_valid(cfg))
        return ST_ERR_INVALID;
    if (n_docs == 0)
        return ST_ERR_EMPTY;
    if (n_docs >= UINT32_MAX)
        return ST_ERR_TOO_LARGE;

    st_featurize_scratch *s;
    if ((rc = st_featurize_scratch_new(&s)) != ST_OK)
        return rc;
    builder b = {0};
    b.slots = calloc(1 << 12, sizeof *b.slots);
    if (!b.slots) {
        rc = ST_ERR_NOMEM;
        goto out_free_scratch;
    }
    b.mask = (1 << 12) - 1;
    for (size_t d = 0; d < n_docs; d++) {
        if ((rc = st_tokenize(&cfg->tok, texts[d], lens[d], &s->toks)) != ST_OK)
            goto out_free_builder;
        b.doc = d + 1;
        if ((rc = for_each_term(cfg, &s->toks, s, NULL, build_sink, &b)) != ST_OK)
            goto out_free_builder;
    }

    size_t min_df = cfg->min_df > 0 ? (size_t)cfg->min_df : 1, nc = 0;
    cand *c = malloc((b.used ? b.used : 1) * sizeof *c);
    if (!c) {
        rc = ST_ERR_NOMEM;
        goto out_free_builder;
    }
    for (size_t i = 0; i <= b.mask; i++) {
        const bslot *sl = &b.slots[i];
        if (sl->len != 0 && sl->df >= min_df)
            c[nc++] = (cand){b.pool + sl->off, sl->len, sl->df};
    }
    if (nc == 0) {
        rc = ST_ERR_EMPTY;
        goto out_free_cand;
    }
    if (cfg->max_features > 0 && nc > (size_t)cfg->max_features) {
        qsort(c, nc, sizeof *c, cand_by_df);
        nc = (size_t)cfg->max_features;
    }
    qsort(c, nc, sizeof *c, cand_by_term);

    size_t pool_bytes = 0;
    for (size_t i = 0; i < nc; i++)
        pool_bytes += c[i].len + 1;
    st_vocab *v = calloc(1, sizeof *v);
    if (!v) {
        rc = ST_ERR_NOMEM;
        goto out_free_cand;
    }
    v->cfg = *cfg;
    v->n_docs = n_docs;
    if ((rc = vocab_alloc(v, nc, pool_bytes)) != ST_OK)
        goto out_free_vocab;
    size_t at = 0;
    for (size_t i = 0; i < nc; i++) {
        size_t id = i + 1;
        memcpy(v->pool + at, c[i].term, c[i].len);
        v->pool[at + c[i].len] = '\0';
        v->off[id] = at;
        v->len[id] = c[i].len;
        v->df[id] = c[i].df;
        v->idf[id] = log((1.0 + (double)n_docs) / (1.0 + (double)c[i].df)) + 1.0;
        at += c[i].len + 1;
    }
    if ((rc = vocab_index(v)) != ST_OK)
        goto out_free_vocab;
    *out = v;
    v = NULL;
out_free_vocab:
    st_vocab_free(&v);
out_free_cand:
    free(c);
out_free_builder:
    free(b.slots);
    free(b.pool);
out_free_scratch:
    st_featurize_scratch_free(&s);
    return rc;
}

/* ---- featurizing ---- */

typedef struct fctx {
    const st_vocab *v;
    int *ids; /* room for every term occurrence (sized by max_terms before generating) */
    size_t n;
} fctx;

#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline st_status
feat_sink(void *ctx, const char *key, size_t n, size_t pre, uint64_t h)
{
    fctx *f = ctx;
    int id = vocab_find(f->v, key, n, pre, h);
    if (id) {
        f->ids[f->n++] = id;
#if defined(__GNUC__)
        __builtin_prefetch(&f->v->idf[id]); /* read when the vector is weighted */
#endif
    }
    return ST_OK;
}

/* An upper bound on the term occurrences for_each_term passes on for t: n-grams by position, and
 * at most len + 2 character n-grams of each size per token. */
static size_t max_terms(const st_featurizer_config *cfg, const st_tokens *t)
{
    size_t total = 0;
    for (int n = cfg->ngram_min; n <= cfg->ngram_max; n++)
        if (t->n >= (size_t)n)
            total += t->n - (size_t)n + 1;
    if (cfg->char_ngram_max > 0) {
        size_t sizes = (size_t)(cfg->char_ngram_max - cfg->char_ngram_min + 1);
        for (size_t i = 0; i < t->n; i++)
            total += sizes * ((size_t)t->len[i] + 2);
    }
    return total;
}

static void insertion_sort(int *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        int x = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > x) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/* Sorts a[0..n) ascending in place without allocating (glibc's qsort may malloc): quicksort with
 * a median-of-three pivot, recursing into the smaller side (depth <= log2 n), insertion sort for
 * short ranges. */
static void sort_ints(int *a, size_t n)
{
    while (n > 16) {
        size_t m = n / 2;
        int x = a[0], y = a[m], z = a[n - 1];
        int pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        size_t i = 0, j = n - 1;
        for (;;) { /* Hoare partition: stops on elements equal to the pivot, so it never runs off */
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
            i++;
            j--;
        }
        size_t left = j + 1; /* a[0..left) <= pivot <= a[left..n) */
        if (left >= n)
            break; /* no progress (cannot happen with a median pivot): finish by insertion */
        if (left < n - left) {
            sort_ints(a, left);
            a += left;
            n -= left;
        } else {
            sort_ints(a + left, n - left);
            n = left;
        }
    }
    insertion_sort(a, n);
}

/* LSD radix sort, eight bits per pass, of a[0..n) whose values are in [0, 256^passes), using
 * tmp[0..n); returns the array that holds the sorted values (a or tmp). O(n + 256) per pass, for
 * the long id lists of long texts and character n-grams, where quicksort costs ~80 instructions
 * per element. */
static int *radix_sort(int *a, int *tmp, size_t n, int passes)
{
    uint32_t cnt[4][256];
    memset(cnt, 0, (size_t)passes * sizeof cnt[0]);
    for (size_t i = 0; i < n; i++) {
        uint32_t x = (uint32_t)a[i];
        for (int p = 0; p < passes; p++)
            cnt[p][(x >> (8 * p)) & 255]++;
    }
    int *src = a, *dst = tmp;
    for (int p = 0; p < passes; p++) {
        uint32_t sum = 0;
        for (int d = 0; d < 256; d++) {
            uint32_t c = cnt[p][d];
            cnt[p][d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            uint32_t x = (uint32_t)src[i];
            dst[cnt[p][(x >> (8 * p)) & 255]++] = (int)x;
        }
        int *t = src;
        src = dst;
        dst = t;
    }
    return src;
}

st_status st_featurize_tokens(const st_vocab *v, st_tokens *toks, st_featurize_scratch *s, st_svec *out)
{
    st_status rc;
    out->n = 0;
    size_t bound = max_terms(&v->cfg, toks);
    if (!grow(&s->ids, &s->ids_cap, bound, sizeof *s->ids) ||
        !grow(&s->tmp, &s->tmp_cap, bound, sizeof *s->tmp))
        return ST_ERR_NOMEM;
    fctx f = {v, s->ids, 0};
    if ((rc = for_each_term(&v->cfg, toks, s, v, feat_sink, &f)) != ST_OK)
        return rc;
    size_t n = f.n;
    assert(n <= bound);
    if (n == 0)
        return ST_OK;
    int *ids = s->ids;
    if (n <= 64) {
        sort_ints(ids, n);
    } else {
        int passes = v->size < (1u << 8) ? 1 : v->size < (1u << 16) ? 2 : v->size < (1u << 24) ? 3 : 4;
        ids = radix_sort(ids, s->tmp, n, passes);
    }
    if (!svec_reserve(out, n))
        return ST_ERR_NOMEM;
    double sumsq = 0.0;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && ids[j] == ids[i])
            j++;
        double tf = (double)(j - i);
        double w = (tf == 1.0 ? 1.0 : v->cfg.sublinear_tf ? 1.0 + log(tf) : tf) * v->idf[ids[i]];
        out->index[k] = ids[i];
        out->value[k] = w;
        sumsq += w * w;
        k++;
        i = j;
    }
    double inv = 1.0 / sqrt(sumsq); /* sumsq > 0: every idf >= 1 */
    for (size_t i = 0; i < k; i++)
        out->value[i] *= inv;
    out->n = k;
    return ST_OK;
}

st_status st_featurize(const st_vocab *v, const char *text, size_t len, st_featurize_scratch *s, st_svec *out)
{
    out->n = 0;
    st_status rc = st_tokenize(&v->cfg.tok, text, len, &s->toks);
    if (rc != ST_OK)
        return rc;
    return st_featurize_tokens(v, &s->toks, s, out);
}

/* ---- saving and loading ---- */

st_status st_vocab_save(const st_vocab *v, const char *path)
{
    st_status rc = ST_OK;
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 5);
    if (!tmp)
        return ST_ERR_NOMEM;
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmp", 5);
    locale_t cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (cloc == (locale_t)0) {
        rc = ST_ERR_NOMEM;
        goto out_free_tmp;
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        rc = ST_ERR_IO;
        goto out_free_locale;
    }
    locale_t old = uselocale(cloc);
    const st_featurizer_config *c = &v->cfg;
    fprintf(f,
            "%s\t%d\ttokenizer=%d\tcasefold=%d\tnegation=%d\tngram_min=%d\tngram_max=%d\tchar_ngram_min=%d"
            "\tchar_ngram_max=%d\tmin_df=%d\tmax_features=%d\tsublinear_tf=%d\tn_docs=%zu\tsize=%zu\n",
            VOCAB_MAGIC, VOCAB_FORMAT, ST_TOKENIZER_VERSION, c->tok.casefold, c->tok.negation, c->ngram_min,
            c->ngram_max, c->char_ngram_min, c->char_ngram_max, c->min_df, c->max_features, c->sublinear_tf,
            v->n_docs, v->size);
    for (size_t id = 1; id <= v->size; id++) {
        fprintf(f, "%zu\t%u\t%.17g\t", id, (unsigned)v->df[id], v->idf[id]);
        fwrite(v->pool + v->off[id], 1, v->len[id], f);
        fputc('\n', f);
    }
    uselocale(old);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        rc = ST_ERR_IO;
        goto out_unlink;
    }
    if (rename(tmp, path) != 0) {
        rc = ST_ERR_IO;
        goto out_unlink;
    }
    goto out_free_locale;
out_unlink:
    remove(tmp);
out_free_locale:
    freelocale(cloc);
out_free_tmp:
    free(tmp);
    return rc;
}

/* Parses the decimal digits s[0..n) (no sign, no spaces, at most 18 digits) into *out. */
static int parse_uint(const char *s, size_t n, size_t *out)
{
    if (n == 0 || n > 18)
        return 0;
    size_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        x = x * 10 + (size_t)(s[i] - '0');
    }
    *out = x;
    return 1;
}

static st_status read_file(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ST_ERR_IO;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    st_status rc = ST_OK;
    if (!buf) {
        rc = ST_ERR_NOMEM;
        goto out_close;
    }
    for (;;) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                rc = ST_ERR_NOMEM;
                goto out_close;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - 1 - n, f);
        n += r;
        if (r == 0)
            break;
    }
    if (ferror(f))
        rc = ST_ERR_IO;
out_close:
    fclose(f);
    if (rc != ST_OK) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return ST_OK;
}

/* The header's key=value fields, in file order. */
enum {
    H_TOKENIZER,
    H_CASEFOLD,
    H_NEGATION,
    H_NGRAM_MIN,
    H_NGRAM_MAX,
    H_CHAR_MIN,
    H_CHAR_MAX,
    H_MIN_DF,
    H_MAX_FEATURES,
    H_SUBLINEAR,
    H_N_DOCS,
    H_SIZE,
    H_COUNT
};
static const char *const header_keys[H_COUNT] = {
    "tokenizer",      "casefold", "negation",     "ngram_min",    "ngram_max", "char_ngram_min",
    "char_ngram_max", "min_df",   "max_features", "sublinear_tf", "n_docs",    "size"};

static st_status parse_header(const char *line, size_t n, st_featurizer_config *cfg, size_t *n_docs,
                              size_t *size, const char *path, st_error *err)
{
    size_t val[H_COUNT] = {0};
    unsigned seen = 0;
    size_t field = 0, a = 0;
    while (a <= n) {
        size_t b = a;
        while (b < n && line[b] != '\t')
            b++;
        const char *f = line + a;
        size_t fl = b - a;
        if (field == 0) {
            if (fl != strlen(VOCAB_MAGIC) || memcmp(f, VOCAB_MAGIC, fl) != 0)
                return st_error_set(err, ST_ERR_FORMAT, path, 1, "not a stance vocabulary file");
        } else if (field == 1) {
            size_t ver;
            if (!parse_uint(f, fl, &ver) || ver != VOCAB_FORMAT)
                return st_error_set(err, ST_ERR_FORMAT, path, 1, "unsupported vocabulary format %.*s",
                                    (int)fl, f);
        } else {
            const char *eq = memchr(f, '=', fl);
            size_t k;
            for (k = 0; eq && k < H_COUNT; k++)
                if (strlen(header_keys[k]) == (size_t)(eq - f) &&
                    memcmp(f, header_keys[k], (size_t)(eq - f)) == 0)
                    break;
            if (!eq || k == H_COUNT || (seen & (1u << k)) ||
                !parse_uint(eq + 1, (size_t)(f + fl - eq - 1), &val[k]) || val[k] > INT32_MAX)
                return st_error_set(err, ST_ERR_FORMAT, path, 1, "bad header field '%.*s'", (int)fl, f);
            seen |= 1u << k;
        }
        field++;
        a = b + 1;
    }
    if (seen != (1u << H_COUNT) - 1)
        return st_error_set(err, ST_ERR_FORMAT, path, 1, "header lacks a field");
    if (val[H_TOKENIZER] != ST_TOKENIZER_VERSION)
        return st_error_set(err, ST_ERR_FORMAT, path, 1,
                            "vocabulary built with tokenizer version %zu, this is %d", val[H_TOKENIZER],
                            ST_TOKENIZER_VERSION);
    cfg->tok.casefold = (int)val[H_CASEFOLD];
    cfg->tok.negation = (int)val[H_NEGATION];
    cfg->ngram_min = (int)val[H_NGRAM_MIN];
    cfg->ngram_max = (int)val[H_NGRAM_MAX];
    cfg->char_ngram_min = (int)val[H_CHAR_MIN];
    cfg->char_ngram_max = (int)val[H_CHAR_MAX];
    cfg->min_df = (int)val[H_MIN_DF];
    cfg->max_features = (int)val[H_MAX_FEATURES];
    cfg->sublinear_tf = (int)val[H_SUBLINEAR];
    if (!config_valid(cfg))
        return st_error_set(err, ST_ERR_FORMAT, path, 1, "featurizer settings out of range");
    *n_docs = val[H_N_DOCS];
    *size = val[H_SIZE];
    if (*n_docs == 0 || *size == 0)
        return st_error_set(err, ST_ERR_FORMAT, path, 1, "empty vocabulary");
    return ST_OK;
}

st_status st_vocab_load(const char *path, st_vocab **out, st_error *err)
{
    st_status rc;
    char *data;
    size_t dlen;
    *out = NULL;
    if ((rc = read_file(path, &data, &dlen)) != ST_OK)
        return st_error_set(err, rc, path, 0, "cannot read the vocabulary");
    locale_t cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (cloc == (locale_t)0) {
        rc = ST_ERR_NOMEM;
        goto out_free_data;
    }
    locale_t old = uselocale(cloc);
    st_vocab *v = calloc(1, sizeof *v);
    if (!v) {
        rc = ST_ERR_NOMEM;
        goto out_restore_locale;
    }
    const char *p = data, *end = data + dlen;
    const char *nl = memchr(p, '\n', dlen);
    if (!nl) {
        rc = st_error_set(err, ST_ERR_FORMAT, path, 1, "no header line");
        goto out_free_vocab;
    }
    size_t size = 0;
    if ((rc = parse_header(p, (size_t)(nl - p), &v->cfg, &v->n_docs, &size, path, err)) != ST_OK)
        goto out_free_vocab;
    p = nl + 1;
    if (size > (size_t)(end - p) / 8 + 1) { /* each line takes at least 8 bytes */
        rc = st_error_set(err, ST_ERR_FORMAT, path, 1, "size=%zu does not fit the file", size);
        goto out_free_vocab;
    }
    if ((rc = vocab_alloc(v, size, (size_t)(end - p))) != ST_OK)
        goto out_free_vocab;
    size_t at = 0, id = 0;
    long line = 1;
    while (p < end) {
        line++;
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        const char *t1 = memchr(p, '\t', (size_t)(e - p));
        const char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(e - t1 - 1)) : NULL;
        const char *t3 = t2 ? memchr(t2 + 1, '\t', (size_t)(e - t2 - 1)) : NULL;
        size_t fid, df;
        if (!t3) {
            rc = st_error_set(err, ST_ERR_FORMAT, path, line, "expected id, df, idf and term");
            goto out_free_vocab;
        }
        if (!parse_uint(p, (size_t)(t1 - p), &fid) || fid != id + 1 || fid > size) {
            rc = st_error_set(err, ST_ERR_FORMAT, path, line, "id out of order (expected %zu)", id + 1);
            goto out_free_vocab;
        }
        id = fid;
        if (!parse_uint(t1 + 1, (size_t)(t2 - t1 - 1), &df) || df < 1 || df > v->n_docs) {
            rc = st_error_set(err, ST_ERR_FORMAT, path, line, "df out of range");
            goto out_free_vocab;
        }
        char *dend;
        double idf = strtod(t2 + 1, &dend);
        if (dend != t3 || t3 == t2 + 1 || !isfinite(idf) || idf <= 0.0) {
            rc = st_error_set(err, ST_ERR_FORMAT, path, line, "bad idf");
            goto out_free_vocab;
        }
        const char *term = t3 + 1;
        size_t tl = (size_t)(e - term);
        int clean = tl > 0 && tl < UINT32_MAX && st_utf8_validate(term, tl, NULL) == ST_OK;
        for (size_t i = 0; clean && i < tl; i++)
            clean = (unsigned char)term[i] >= 0x20 && term[i] != 0x7F;
        if (!clean) {
            rc = st_error_set(err, ST_ERR_FORMAT, path, line, "bad term");
            goto out_free_vocab;
        }
        if (id > 1 && term_cmp(v->pool + v->off[id - 1], v->len[id - 1], term, tl) >= 0) {
            rc = st_error_set(err, ST_ERR_FORMAT, path, line, "terms not in strictly increasing byte order");
            goto out_free_vocab;
        }
        memcpy(v->pool + at, term, tl);
        v->pool[at + tl] = '\0';
        v->off[id] = at;
        v->len[id] = (uint32_t)tl;
        v->df[id] = (uint32_t)df;
        v->idf[id] = idf;
        at += tl + 1;
        p = e < end ? e + 1 : end;
    }
    if (id != size) {
        rc = st_error_set(err, ST_ERR_FORMAT, path, line, "%zu terms, header says size=%zu", id, size);
        goto out_free_vocab;
    }
    if ((rc = vocab_index(v)) != ST_OK)
        goto out_free_vocab;
    *out = v;
    v = NULL;
out_free_vocab:
    st_vocab_free(&v);
out_restore_locale:
    uselocale(old);
    freelocale(cloc);
out_free_data:
    free(data);
    return rc;
}
