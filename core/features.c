/* features.c - vocabulary, n-grams and tf-idf sparse vectors (see st_features.h).
 *
 * Terms are produced by one generator (gen_word_refs + gen_char_refs) used by st_vocab_build,
 * st_featurize and st_featurize_tf, so training and prediction see the same terms. It only reads
 * the tokens and makes term occurrences (tref): a 64-bit key (term_key) and where the bytes are.
 *   - Word n-grams: each token is hashed once; an n-gram's key combines its tokens' hashes; a
 *     unigram of at most 7 bytes is its own key. No string is built.
 *   - Character n-grams: the padded words " w " are written once per text; an n-gram of at most 7
 *     bytes is a masked 8-byte load (its own key), a longer one is hashed in its own domain.
 *   - The vocabulary is an open-addressing table (linear probing, load <= 1/2) of {key, id, pool
 *     offset} slots; a probe compares bytes only on a full match of a hashed key. Slots are
 *     prefetched PREFETCH_AHEAD occurrences ahead.
 *   - Counting (count_terms, group_count) tests and sets one bit per occurrence in a per-id bitmap
 *     (see struct counter), without a branch, so a text's distinct ids come out in first-occurrence
 *     order without sorting; st_featurize sorts only the distinct ids (quicksort under 64, LSD
 *     radix above). With character n-grams the vocabulary caches the n-gram ids of each word
 *     unigram term (built on its first single-vocabulary use), so a known token costs one lookup
 *     instead of one per n-gram.
 *   - A vocabulary group (st_vocab_group) looks every occurrence up once for several
 *     vocabularies and caches the n-gram ids of every word any of them knows (see below).
 *   No allocation once the scratch buffers have grown to the text's size. */
#include "st_decimal.h"
#include "st_features.h"
#include "buf_int.h"
#include "st_lexicon.h"

#include <assert.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
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

/* ---- term keys ----
 * Every term has a 64-bit key, computed the same way from a term string (term_key) and by the
 * term generator from tokens (gen_terms); the table stores keys, never hashes in files.
 *   - a word unigram or a character n-gram of at most 7 bytes (without the "#c:" prefix) is its
 *     own key: the bytes little-endian in bits 0..55, the length in bits 56..58, KEY_CHAR for a
 *     character n-gram; equal keys are equal terms, so a probe never reads the term's bytes;
 *   - any other term's key is a 64-bit hash with the top bit (KEY_HASHED) set: a word n-gram
 *     combines its tokens' hashes, a long word or character n-gram hashes its bytes (characters in
 *     their own seed's domain); a probe compares bytes only when the whole key matches.
 * No key is 0 (an inline key has a length >= 1, a hashed key the top bit), so 0 marks an empty
 * slot. */
#define KEY_HASHED ((uint64_t)1 << 63)
#define KEY_CHAR ((uint64_t)1 << 59)
#define KEY_INLINE_MAX 7

/* p[0..n) (n <= 7) as a little-endian integer, without a variable-length memcpy call. */
static inline uint64_t load_small(const char *p, size_t n)
{
    const unsigned char *t = (const unsigned char *)p;
    uint64_t w = 0;
    switch (n) {
    case 7: w |= (uint64_t)t[6] << 48; /* fall through */
    case 6: w |= (uint64_t)t[5] << 40; /* fall through */
    case 5: w |= (uint64_t)t[4] << 32; /* fall through */
    case 4: w |= (uint64_t)t[3] << 24; /* fall through */
    case 3: w |= (uint64_t)t[2] << 16; /* fall through */
    case 2: w |= (uint64_t)t[1] << 8;  /* fall through */
    case 1: w |= (uint64_t)t[0];       /* fall through */
    default: break;
    }
    return w;
}

/* The eight bytes at p as a little-endian integer (all eight must be readable). */
static inline uint64_t load8_le(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

/* Key of a word term without ' ' (one token). */
static inline uint64_t word_key(const char *p, size_t n)
{
    if (n <= KEY_INLINE_MAX)
        return load_small(p, n) | (uint64_t)n << 56;
    return hash_bytes(p, n) | KEY_HASHED;
}

/* Key of the character n-gram "#c:" + p[0..n). */
static inline uint64_t char_key(const char *p, size_t n)
{
    if (n <= KEY_INLINE_MAX)
        return load_small(p, n) | (uint64_t)n << 56 | KEY_CHAR;
    return hash_seeded(p, n, CHAR_SEED) | KEY_HASHED;
}

/* The per-token value word n-gram keys combine: a token of at most 7 bytes is its own inline key
 * (no hashing; hash_combine mixes), a longer one its 64-bit hash. */
static inline uint64_t token_hash(const char *p, size_t n)
{
    if (n <= KEY_INLINE_MAX)
        return load_small(p, n) | (uint64_t)n << 56;
    return hash_bytes(p, n);
}

/* The key of any term string, equal to what gen_terms computes for it: a "#c:" term from the bytes
 * after its prefix, a word n-gram by combining the hashes of its ' '-separated tokens (word tokens
 * never hold ' ' or start with '#'). */
static uint64_t term_key(const char *p, size_t n)
{
    if (n >= CHAR_PREFIX_LEN && memcmp(p, CHAR_PREFIX, CHAR_PREFIX_LEN) == 0)
        return char_key(p + CHAR_PREFIX_LEN, n - CHAR_PREFIX_LEN);
    const char *end = p + n, *sp = memchr(p, ' ', n);
    if (!sp)
        return word_key(p, n);
    uint64_t h = token_hash(p, (size_t)(sp - p));
    while (sp) {
        p = sp + 1;
        sp = memchr(p, ' ', (size_t)(end - p));
        h = hash_combine(h, token_hash(p, (size_t)((sp ? sp : end) - p)));
    }
    return h | KEY_HASHED;
}

/* Spreads a key over the table (inline keys are raw bytes): one multiply, high bits folded down,
 * then masked by the caller. */
static inline uint64_t key_mix(uint64_t k)
{
    k ^= k >> 31;
    k *= 0x9E3779B97F4A7C15ULL;
    return k ^ (k >> 32);
}

static int term_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    if (c)
        return c;
    return (al > bl) - (al < bl);
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
    if (c->tok.punct < 0 || c->tok.punct > 2)
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

#define PREFETCH_AHEAD 8 /* term occurrences (or terms) between a slot's prefetch and its probe */

typedef struct vslot {
    uint64_t key; /* the term's key (see term_key); 0: empty */
    uint32_t id;
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
    /* The lookup of single-vocabulary featurizing (count_terms), built on its first use
     * (vocab_lookup_ready), not at build or load: a vocabulary featurized only through a group,
     * which has its own table and cache, never needs it. ready is set (release) once it is
     * built; lock serialises the building. */
    vslot *slots;
    size_t mask; /* slot count - 1 (a power of two minus one) */
    /* With character n-grams: the known character n-gram ids of every word unigram term (after
     * its "NOT_" prefix), with repeats, so a token found as a unigram needs no n-gram generated
     * or looked up: cg_ids[cg_off[id] .. cg_off[id + 1]). NULL without character n-grams. */
    uint32_t *cg_off;
    uint32_t *cg_ids;
    st_lexicon *lex; /* owned; NULL without a lexicon */
    atomic_int ready;
    pthread_mutex_t lock;
};

/* One term occurrence made by gen_terms: its key and where its bytes are. A word n-gram is tokens
 * a .. a+n-1 joined by ' '; a character n-gram (n & REF_CHAR) is "#c:" followed by the
 * (n & ~REF_CHAR) bytes at offset a of the scratch's padded words. */
typedef struct tref {
    uint64_t key;
    uint32_t a;
    uint32_t n;
} tref;
#define REF_CHAR 0x80000000u

/* True when the term term[0..tl) is the term of r (whose key matched). */
static int term_matches(const char *term, size_t tl, const st_tokens *t, const char *pad, const tref *r)
{
    if (r->n & REF_CHAR) {
        size_t n = r->n & ~REF_CHAR;
        return tl == CHAR_PREFIX_LEN + n && memcmp(term, CHAR_PREFIX, CHAR_PREFIX_LEN) == 0 &&
               memcmp(term + CHAR_PREFIX_LEN, pad + r->a, n) == 0;
    }
    size_t want = r->n - 1; /* the separating spaces */
    for (uint32_t j = 0; j < r->n; j++)
        want += t->len[r->a + j];
    if (tl != want)
        return 0;
    for (uint32_t j = 0; j < r->n; j++) {
        size_t l = t->len[r->a + j];
        if (j > 0 && *term++ != ' ')
            return 0;
        if (memcmp(term, t->buf + t->off[r->a + j], l) != 0)
            return 0;
        term += l;
    }
    return 1;
}

/* Id of the term occurrence r, or 0. An inline key is the term itself; a hashed one is checked. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int
vocab_find_ref(const st_vocab *v, const st_tokens *t, const char *pad, const tref *r)
{
    uint64_t key = r->key;
    size_t i = (size_t)key_mix(key) & v->mask;
    for (;;) {
        const vslot *sl = &v->slots[i];
        if (sl->key == key) {
            if (!(key & KEY_HASHED) || term_matches(v->pool + sl->off, v->len[sl->id], t, pad, r))
                return (int)sl->id;
        } else if (sl->key == 0) {
            return 0;
        }
        i = (i + 1) & v->mask;
    }
}

/* A new empty vocabulary (st_vocab_free frees it), or NULL when out of memory. */
static st_vocab *vocab_new(void)
{
    st_vocab *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    if (pthread_mutex_init(&v->lock, NULL) != 0) {
        free(v);
        return NULL;
    }
    atomic_init(&v->ready, 0);
    return v;
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

/* ST_ERR_TOO_LARGE when v's terms overflow the 32-bit offsets and ids of the lookup tables. */
static st_status vocab_check_size(const st_vocab *v)
{
    if (v->size >= UINT32_MAX / 2 || v->off[v->size] + v->len[v->size] >= UINT32_MAX)
        return ST_ERR_TOO_LARGE;
    return ST_OK;
}

/* Builds the lookup table once pool/off/len hold every term (see vocab_lookup_ready). */
static st_status vocab_index(st_vocab *v)
{
    size_t cap = 16;
    while (cap < 2 * v->size)
        cap *= 2;
    v->slots = calloc(cap, sizeof *v->slots);
    if (!v->slots)
        return ST_ERR_NOMEM;
    v->mask = cap - 1;
    for (size_t id = 1; id <= v->size; id++) {
        uint64_t key = term_key(v->pool + v->off[id], v->len[id]);
        size_t i = (size_t)key_mix(key) & v->mask;
        while (v->slots[i].key != 0)
            i = (i + 1) & v->mask;
        v->slots[i].key = key;
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
    free(v->cg_off);
    free(v->cg_ids);
    st_lexicon_free(&v->lex);
    pthread_mutex_destroy(&v->lock);
    free(v);
    *pv = NULL;
}

size_t st_vocab_size(const st_vocab *v)
{
    return v->size;
}

const st_lexicon *st_vocab_lexicon(const st_vocab *v)
{
    return v->lex;
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
    size_t lo = 1, hi = v->size + 1; /* ids are in the byte order of their terms */
    while (len > 0 && lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = term_cmp(v->pool + v->off[mid], v->len[mid], term, len);
        if (c == 0)
            return (int)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* ---- scratch and the term generator ---- */

#define TF_TABLE 64 /* 1 + ln(tf) for tf < TF_TABLE, computed once per scratch */

/* The term counts of one text in one vocabulary: the distinct ids in first-occurrence order
 * (uid), their counts (cnt, same order) and tf weights (utf). A term occurrence costs a test and
 * set of one bit in a per-id bitmap (vocabulary size / 8 bytes, so it stays in the L1 cache):
 * a first occurrence appends the id to uid, a repeat appends it to rep. Once the text is done,
 * counter_end records each id's place in pos (per id, written before it is read), adds the
 * repeats to cnt and clears the bits. */
typedef struct counter {
    uint64_t *bits; /* bit id: seen in this text; all zero between texts */
    size_t bits_cap;
    uint32_t *pos; /* pos[id]: place of id in uid, valid for the ids seen in this text */
    size_t pos_cap;
    int *uid;
    size_t u_cap;
    uint32_t *cnt;
    size_t cnt_cap;
    uint32_t *rep; /* the repeated occurrences of this text */
    size_t rep_cap;
    double *utf;
    size_t utf_cap;
    uint64_t *key; /* id << 32 | count of each distinct id, and the radix sort's second buffer */
    size_t key_cap;
} counter;

struct st_featurize_scratch {
    st_tokens toks;
    st_tokens ltoks; /* a vocabulary with a lexicon: the tokens plus their category tokens */
    char *key;       /* a term's bytes, built by the vocabulary builder */
    size_t key_cap;
    char *pad; /* the padded words " w " of all tokens, back to back, plus 8 zero bytes */
    size_t pad_cap;
    uint32_t *cpb; /* code point starts of one padded word, plus its end */
    size_t cpb_cap;
    tref *refs; /* the term occurrences of the text, in generation order */
    size_t refs_cap;
    uint64_t *th; /* hash of each token */
    size_t th_cap;
    unsigned char *need; /* per token: its character n-grams are not cached */
    size_t need_cap;
    uint32_t *gu; /* group_count: the group entry of each term occurrence (refs) */
    size_t gu_cap;
    uint32_t *gtok; /* group_count: per token its cache (1 + index, or 0), then where its refs start */
    size_t gtok_cap;
    counter cnt[ST_VOCAB_GROUP_MAX]; /* one per vocabulary featurized at once; single-vocabulary calls use
                                        cnt[0] */
    double tf_log[TF_TABLE];
};

st_status st_featurize_scratch_new(st_featurize_scratch **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return ST_ERR_NOMEM;
    st_tokens_init(&(*out)->toks);
    st_tokens_init(&(*out)->ltoks);
    for (int i = 1; i < TF_TABLE; i++)
        (*out)->tf_log[i] = 1.0 + log((double)i);
    return ST_OK;
}

void st_featurize_scratch_free(st_featurize_scratch **ps)
{
    if (!ps || !*ps)
        return;
    st_featurize_scratch *s = *ps;
    st_tokens_free(&s->toks);
    st_tokens_free(&s->ltoks);
    free(s->key);
    free(s->pad);
    free(s->cpb);
    free(s->refs);
    free(s->th);
    free(s->need);
    free(s->gu);
    free(s->gtok);
    for (size_t k = 0; k < ST_VOCAB_GROUP_MAX; k++) {
        free(s->cnt[k].bits);
        free(s->cnt[k].pos);
        free(s->cnt[k].rep);
        free(s->cnt[k].uid);
        free(s->cnt[k].cnt);
        free(s->cnt[k].utf);
        free(s->cnt[k].key);
    }
    free(s);
    *ps = NULL;
}

/* An upper bound on the term occurrences gen_terms makes for t: n-grams by position, and at most
 * len + 2 character n-grams of each size per token. */
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

/* Masks of the low n bytes, n = 0..7. */
static const uint64_t low_bytes[8] = {0,
                                      0xFFULL,
                                      0xFFFFULL,
                                      0xFFFFFFULL,
                                      0xFFFFFFFFULL,
                                      0xFFFFFFFFFFULL,
                                      0xFFFFFFFFFFFFULL,
                                      0xFFFFFFFFFFFFFFULL};

/* Character n-grams (sklearn's char_wb) of the padded word pad[0..plen) at offset base of s->pad,
 * appended to refs from *k. The pad buffer has 8 readable bytes past every padded word. */
static st_status char_ngram_refs(const st_featurizer_config *cfg, st_featurize_scratch *s, size_t base,
                                 size_t plen, tref *refs, size_t *k)
{
    const char *pad = s->pad + base;
    size_t kk = *k;
    int ascii = 1;
    for (size_t i = 0; i < plen; i++)
        ascii &= (unsigned char)pad[i] < 0x80;
    if (ascii) { /* one byte per code point: an n-gram is n bytes, its key a masked load */
        for (int n = cfg->char_ngram_min; n <= cfg->char_ngram_max; n++) {
            size_t un = (size_t)n;
            if (plen <= un) { /* the padded word is shorter than n: itself, once */
                refs[kk++] = (tref){char_key(pad, plen), (uint32_t)base, (uint32_t)plen | REF_CHAR};
                break;
            }
            if (un <= KEY_INLINE_MAX) {
                uint64_t tag = (uint64_t)un << 56 | KEY_CHAR, m = low_bytes[un];
                for (size_t st = 0; st + un <= plen; st++)
                    refs[kk++] = (tref){(load8_le(pad + st) & m) | tag, (uint32_t)(base + st),
                                        (uint32_t)un | REF_CHAR};
            } else {
                for (size_t st = 0; st + un <= plen; st++)
                    refs[kk++] =
                        (tref){char_key(pad + st, un), (uint32_t)(base + st), (uint32_t)un | REF_CHAR};
            }
        }
        *k = kk;
        return ST_OK;
    }
    if (!buf_grow(&s->cpb, &s->cpb_cap, plen + 1, sizeof *s->cpb))
        return ST_ERR_NOMEM;
    uint32_t *cpb = s->cpb;
    size_t np = 0;
    for (size_t i = 0; i < plen; i++)
        if (((unsigned char)pad[i] & 0xC0) != 0x80)
            cpb[np++] = (uint32_t)i;
    cpb[np] = (uint32_t)plen;
    for (int n = cfg->char_ngram_min; n <= cfg->char_ngram_max; n++) {
        size_t un = (size_t)n;
        if (np <= un) {
            refs[kk++] = (tref){char_key(pad, plen), (uint32_t)base, (uint32_t)plen | REF_CHAR};
            break;
        }
        for (size_t st = 0; st + un <= np; st++) {
            size_t a = cpb[st], b = cpb[st + un];
            refs[kk++] = (tref){char_key(pad + a, b - a), (uint32_t)(base + a), (uint32_t)(b - a) | REF_CHAR};
        }
    }
    *k = kk;
    return ST_OK;
}

/* Appends the word n-gram occurrences of t to s->refs from *k (s->refs has room for max_terms):
 * by n, then by position, so with ngram_min == 1 refs[0..t->n) are the unigrams in token order. */
static st_status gen_word_refs(const st_featurizer_config *cfg, const st_tokens *t, st_featurize_scratch *s,
                               size_t *k)
{
    size_t nt = t->n, kk = *k;
    tref *refs = s->refs;
    const char *buf = t->buf;
    const uint32_t *off = t->off, *tlen = t->len;
    if (cfg->ngram_max > 1) {
        if (!buf_grow(&s->th, &s->th_cap, nt, sizeof *s->th))
            return ST_ERR_NOMEM;
        for (size_t i = 0; i < nt; i++)
            s->th[i] = token_hash(buf + off[i], tlen[i]);
    }
    const uint64_t *th = s->th;
    for (int n = cfg->ngram_min; n <= cfg->ngram_max; n++) {
        size_t un = (size_t)n;
        for (size_t i = 0; i + un <= nt; i++) {
            uint64_t key;
            if (un == 1) { /* word_key, from the token's hash when there is one */
                key = cfg->ngram_max > 1 ? th[i] | (tlen[i] > KEY_INLINE_MAX ? KEY_HASHED : 0)
                                         : word_key(buf + off[i], tlen[i]);
            } else {
                uint64_t h = th[i];
                for (size_t j = 1; j < un; j++)
                    h = hash_combine(h, th[i + j]);
                key = h | KEY_HASHED;
            }
            refs[kk++] = (tref){key, (uint32_t)i, (uint32_t)un};
        }
    }
    *k = kk;
    return ST_OK;
}

/* The word of token w[0..*wl) whose character n-grams are taken: without a "NOT_" prefix. */
static inline const char *char_word(const char *w, size_t *wl)
{
    if (*wl > 4 && memcmp(w, "NOT_", 4) == 0) {
        *wl -= 4;
        return w + 4;
    }
    return w;
}

/* Appends the character n-gram occurrences of the tokens of t (those with need[i] != 0; need NULL:
 * all) to s->refs from *k, token by token, writing their padded words to s->pad. first (may be
 * NULL, else t->n + 1 entries) receives where each token's occurrences start in s->refs, and
 * first[t->n] where the last ends. */
static st_status gen_char_refs(const st_featurizer_config *cfg, const st_tokens *t, st_featurize_scratch *s,
                               const unsigned char *need, size_t *k, uint32_t *first)
{
    size_t nt = t->n, total = 8;
    for (size_t i = 0; i < nt; i++)
        if (!need || need[i])
            total += (size_t)t->len[i] + 2;
    if (total > UINT32_MAX / 2)
        return ST_ERR_TOO_LARGE;
    if (!buf_grow(&s->pad, &s->pad_cap, total, 1))
        return ST_ERR_NOMEM;
    size_t at = 0;
    for (size_t i = 0; i < nt; i++) { /* every padded word first, each followed by the next */
        if (need && !need[i])
            continue;
        size_t wl = t->len[i];
        const char *w = char_word(t->buf + t->off[i], &wl);
        s->pad[at] = ' ';
        memcpy(s->pad + at + 1, w, wl);
        s->pad[at + 1 + wl] = ' ';
        at += wl + 2;
    }
    memset(s->pad + at, 0, 8);
    at = 0;
    for (size_t i = 0; i < nt; i++) {
        if (first)
            first[i] = (uint32_t)*k;
        if (need && !need[i])
            continue;
        size_t wl = t->len[i];
        char_word(t->buf + t->off[i], &wl);
        st_status rc = char_ngram_refs(cfg, s, at, wl + 2, s->refs, k);
        if (rc != ST_OK)
            return rc;
        at += wl + 2;
    }
    if (first)
        first[nt] = (uint32_t)*k;
    return ST_OK;
}

/* Makes every term occurrence of the token list t into s->refs[0..*count), in a fixed order: word
 * n-grams by n, then by position; then character n-grams by token (their padded words in s->pad).
 * Reads t only. */
static st_status gen_terms(const st_featurizer_config *cfg, const st_tokens *t, st_featurize_scratch *s,
                           size_t *count)
{
    size_t k = 0;
    *count = 0;
    if (!buf_grow(&s->refs, &s->refs_cap, max_terms(cfg, t), sizeof *s->refs))
        return ST_ERR_NOMEM;
    st_status rc = gen_word_refs(cfg, t, s, &k);
    if (rc == ST_OK && cfg->char_ngram_max > 0 && t->n > 0)
        rc = gen_char_refs(cfg, t, s, NULL, &k, NULL);
    if (rc != ST_OK)
        return rc;
    *count = k;
    return ST_OK;
}

/* Writes the bytes of term occurrence r into s->key (grown as needed); returns its length, or
 * (size_t)-1 when out of memory. For the vocabulary builder. */
static size_t ref_bytes(const tref *r, const st_tokens *t, st_featurize_scratch *s)
{
    size_t n;
    if (r->n & REF_CHAR) {
        size_t cn = r->n & ~REF_CHAR;
        n = CHAR_PREFIX_LEN + cn;
        if (!buf_grow(&s->key, &s->key_cap, n, 1))
            return (size_t)-1;
        memcpy(s->key, CHAR_PREFIX, CHAR_PREFIX_LEN);
        memcpy(s->key + CHAR_PREFIX_LEN, s->pad + r->a, cn);
        return n;
    }
    n = r->n - 1;
    for (uint32_t j = 0; j < r->n; j++)
        n += t->len[r->a + j];
    if (!buf_grow(&s->key, &s->key_cap, n, 1))
        return (size_t)-1;
    char *d = s->key;
    for (uint32_t j = 0; j < r->n; j++) {
        if (j > 0)
            *d++ = ' ';
        memcpy(d, t->buf + t->off[r->a + j], t->len[r->a + j]);
        d += t->len[r->a + j];
    }
    return n;
}

static st_status vocab_char_cache(st_vocab *v);

/* Makes sure v's single-vocabulary lookup (slots, and the character n-gram cache) is built,
 * building it on this first use: one thread builds it under v->lock while the others wait, and
 * every thread then reads it without a lock (the release store of v->ready publishes it).
 * Errors: ST_ERR_NOMEM (nothing kept: the next call tries again). */
static st_status vocab_lookup_ready(const st_vocab *cv)
{
    st_vocab *v = (st_vocab *)cv; /* the lookup is the one part of a vocabulary made after load */
    if (atomic_load_explicit(&v->ready, memory_order_acquire))
        return ST_OK;
    st_status rc = ST_OK;
    pthread_mutex_lock(&v->lock);
    if (!atomic_load_explicit(&v->ready, memory_order_relaxed)) {
        if ((rc = vocab_index(v)) == ST_OK)
            rc = vocab_char_cache(v);
        if (rc == ST_OK) {
            atomic_store_explicit(&v->ready, 1, memory_order_release);
        } else {
            free(v->slots);
            v->slots = NULL;
        }
    }
    pthread_mutex_unlock(&v->lock);
    return rc;
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
        size_t j = (size_t)key_mix(b->slots[i].hash) & (cap - 1);
        while (ns[j].len != 0)
            j = (j + 1) & (cap - 1);
        ns[j] = b->slots[i];
    }
    free(b->slots);
    b->slots = ns;
    b->mask = cap - 1;
    return ST_OK;
}

/* Counts term occurrence r of document b->doc: a known term's df once per document, a new term
 * added with df 1. Bytes are built only to add a term or to check a hashed key. */
static st_status build_add(builder *b, const tref *r, const st_tokens *t, st_featurize_scratch *s)
{
    uint64_t h = r->key;
    size_t i = (size_t)key_mix(h) & b->mask;
    size_t n = 0;
    int have_bytes = 0;
    for (;;) {
        bslot *sl = &b->slots[i];
        if (sl->len == 0)
            break;
        if (sl->hash == h) {
            int same = 1;
            if (h & KEY_HASHED) {
                if (!have_bytes) {
                    if ((n = ref_bytes(r, t, s)) == (size_t)-1)
                        return ST_ERR_NOMEM;
                    have_bytes = 1;
                }
                same = sl->len == n && memcmp(b->pool + sl->off, s->key, n) == 0;
            }
            if (same) {
                if (sl->last != b->doc) {
                    sl->last = b->doc;
                    sl->df++;
                }
                return ST_OK;
            }
        }
        i = (i + 1) & b->mask;
    }
    if (!have_bytes && (n = ref_bytes(r, t, s)) == (size_t)-1)
        return ST_ERR_NOMEM;
    if (n >= UINT32_MAX)
        return ST_ERR_TOO_LARGE;
    if (!buf_grow(&b->pool, &b->pool_cap, b->pool_len + n, 1))
        return ST_ERR_NOMEM;
    bslot *sl = &b->slots[i];
    sl->hash = h;
    sl->off = b->pool_len;
    sl->len = (uint32_t)n;
    sl->df = 1;
    sl->last = b->doc;
    memcpy(b->pool + b->pool_len, s->key, n);
    b->pool_len += n;
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

/* The tokens a vocabulary with lexicon lex featurizes for toks: toks itself without a lexicon,
 * else toks and their category tokens in s->ltoks (st_lexicon.h). */
static st_status lex_tokens(const st_lexicon *lex, const st_tokens *toks, st_featurize_scratch *s,
                            const st_tokens **use)
{
    *use = toks;
    if (!lex)
        return ST_OK;
    st_status rc = st_lexicon_tokens(lex, toks, &s->ltoks);
    if (rc == ST_OK)
        *use = &s->ltoks;
    return rc;
}

st_status st_vocab_build(const st_featurizer_config *cfg, const char *const *texts, const size_t *lens,
                         size_t n_docs, st_vocab **out)
{
    return st_vocab_build_lexicon(cfg, NULL, texts, lens, n_docs, out);
}

st_status st_vocab_build_lexicon(const st_featurizer_config *cfg, const st_lexicon *lex,
                                 const char *const *texts, const size_t *lens, size_t n_docs, st_vocab **out)
{
    st_featurizer_config def = st_featurizer_config_default();
    st_status rc;
    *out = NULL;
    if (!cfg)
        cfg = &def;
    if (!config_valid(cfg) || (lex && !st_tokenizer_config_equal(st_lexicon_tokenizer(lex), &cfg->tok)))
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
        size_t nr;
        const st_tokens *toks;
        if ((rc = lex_tokens(lex, &s->toks, s, &toks)) != ST_OK ||
            (rc = gen_terms(cfg, toks, s, &nr)) != ST_OK)
            goto out_free_builder;
        for (size_t r = 0; r < nr; r++)
            if ((rc = build_add(&b, &s->refs[r], toks, s)) != ST_OK)
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
    st_vocab *v = vocab_new();
    if (!v) {
        rc = ST_ERR_NOMEM;
        goto out_free_cand;
    }
    v->cfg = *cfg;
    v->n_docs = n_docs;
    if ((rc = st_lexicon_copy(lex, &v->lex)) != ST_OK || (rc = vocab_alloc(v, nc, pool_bytes)) != ST_OK)
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
    if ((rc = vocab_check_size(v)) != ST_OK)
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

static void insertion_sort(uint64_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t x = a[i];
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
static void sort_keys(uint64_t *a, size_t n)
{
    while (n > 16) {
        size_t m = n / 2;
        uint64_t x = a[0], y = a[m], z = a[n - 1];
        uint64_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        size_t i = 0, j = n - 1;
        for (;;) { /* Hoare partition: stops on elements equal to the pivot, so it never runs off */
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            uint64_t t = a[i];
            a[i] = a[j];
            a[j] = t;
            i++;
            j--;
        }
        size_t left = j + 1; /* a[0..left) <= pivot <= a[left..n) */
        if (left >= n)
            break; /* no progress (cannot happen with a median pivot): finish by insertion */
        if (left < n - left) {
            sort_keys(a, left);
            a += left;
            n -= left;
        } else {
            sort_keys(a + left, n - left);
            n = left;
        }
    }
    insertion_sort(a, n);
}

/* LSD radix sort, eight bits per pass, of a[0..n) by their bits 32 .. 32 + 8 * passes (the ids of
 * id << 32 | count keys: distinct, so the low half never decides), using tmp[0..n); returns the
 * array that holds the sorted values (a or tmp). O(n + 256) per pass, for the long id lists of
 * long texts and character n-grams, where quicksort costs ~80 instructions per element. */
static uint64_t *radix_sort(uint64_t *a, uint64_t *tmp, size_t n, int passes)
{
    uint32_t cnt[4][256];
    memset(cnt, 0, (size_t)passes * sizeof cnt[0]);
    for (size_t i = 0; i < n; i++) {
        uint32_t x = (uint32_t)(a[i] >> 32);
        for (int p = 0; p < passes; p++)
            cnt[p][(x >> (8 * p)) & 255]++;
    }
    uint64_t *src = a, *dst = tmp;
    for (int p = 0; p < passes; p++) {
        uint32_t sum = 0;
        for (int d = 0; d < 256; d++) {
            uint32_t c = cnt[p][d];
            cnt[p][d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t x = src[i];
            dst[cnt[p][((uint32_t)(x >> 32) >> (8 * p)) & 255]++] = x;
        }
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    return src;
}

/* The tf weight of a term seen c >= 1 times: 1 + ln c (sublinear) or c. */
static inline double tf_weight(const st_featurize_scratch *s, int sublinear, uint32_t c)
{
    if (!sublinear)
        return (double)c;
    return c < TF_TABLE ? s->tf_log[c] : 1.0 + log((double)c); /* tf_log[1] = 1 + ln 1 = 1 exactly */
}

/* Prepares c for one text of a vocabulary of size terms, with at most occ known term occurrences
 * and at most ubound distinct ones. */
static st_status counter_begin(counter *c, size_t size, size_t occ, size_t ubound)
{
    size_t words = size / 64 + 1;
    if (words > c->bits_cap) { /* zeroed once; counter_end keeps it zero */
        size_t old = c->bits_cap;
        if (!buf_grow(&c->bits, &c->bits_cap, words, sizeof *c->bits))
            return ST_ERR_NOMEM;
        memset(c->bits + old, 0, (c->bits_cap - old) * sizeof *c->bits);
    }
    /* COUNT_ID writes one past the last distinct id and the last repeat */
    if (!buf_grow(&c->pos, &c->pos_cap, size + 1, sizeof *c->pos) ||
        !buf_grow(&c->uid, &c->u_cap, ubound + 1, sizeof *c->uid) ||
        !buf_grow(&c->cnt, &c->cnt_cap, ubound, sizeof *c->cnt) ||
        !buf_grow(&c->rep, &c->rep_cap, occ + 1, sizeof *c->rep))
        return ST_ERR_NOMEM;
    return ST_OK;
}

/* Completes the counts of the n distinct ids and nrep repeats recorded in c, and clears the
 * bitmap (every bit set belongs to one of the n ids, so their words are zeroed whole). */
static void counter_end(counter *c, size_t n, size_t nrep)
{
    uint32_t *cnt = c->cnt, *pos = c->pos;
    uint64_t *bits = c->bits;
    const uint32_t *rep = c->rep;
    const int *uid = c->uid;
    for (size_t e = 0; e < n; e++) { /* the bitmap is not read again for this text */
        cnt[e] = 1;
        pos[uid[e]] = (uint32_t)e;
        bits[(uint32_t)uid[e] >> 6] = 0;
    }
    for (size_t r = 0; r < nrep; r++)
        cnt[pos[rep[r]]]++;
}

/* The tf form (st_term_tf) of the n distinct ids counted in c under v. */
static st_status counter_tf(const st_vocab *v, const st_featurize_scratch *s, counter *c, size_t n,
                            st_term_tf *out)
{
    if (!buf_grow(&c->utf, &c->utf_cap, n, sizeof *c->utf))
        return ST_ERR_NOMEM;
    int sub = v->cfg.sublinear_tf;
    for (size_t e = 0; e < n; e++)
        c->utf[e] = tf_weight(s, sub, c->cnt[e]);
    out->id = c->uid;
    out->tf = c->utf;
    out->n = n;
    return ST_OK;
}

/* The sorted, L2-normalised tf-idf vector of the n distinct ids counted in c under v (sums in id
 * order, so every caller gets the same bits). */
static st_status counter_svec(const st_vocab *v, const st_featurize_scratch *s, counter *c, size_t n,
                              st_svec *out)
{
    if (n == 0)
        return ST_OK;
    if (!buf_grow(&c->key, &c->key_cap, 2 * n, sizeof *c->key))
        return ST_ERR_NOMEM;
    uint64_t *keys = c->key;
    for (size_t e = 0; e < n; e++)
        keys[e] = (uint64_t)(uint32_t)c->uid[e] << 32 | c->cnt[e];
    if (n <= 64) {
        sort_keys(keys, n);
    } else {
        int passes = v->size < (1u << 8) ? 1 : v->size < (1u << 16) ? 2 : v->size < (1u << 24) ? 3 : 4;
        keys = radix_sort(keys, c->key + n, n, passes);
    }
    if (!svec_reserve(out, n))
        return ST_ERR_NOMEM;
    int sub = v->cfg.sublinear_tf;
    double sumsq = 0.0;
    for (size_t i = 0; i < n; i++) {
        int id = (int)(keys[i] >> 32);
        double w = tf_weight(s, sub, (uint32_t)keys[i]) * v->idf[id];
        out->index[i] = id;
        out->value[i] = w;
        sumsq += w * w;
    }
    double inv = 1.0 / sqrt(sumsq); /* sumsq > 0: every idf >= 1 */
    for (size_t i = 0; i < n; i++)
        out->value[i] *= inv;
    out->n = n;
    return ST_OK;
}

/* Counts id once more in the counter whose bitmap, distinct ids and repeats are bits, uid (n so
 * far) and rep (nrep so far). */
#define COUNT_ID(id_)                                                                                        \
    do { /* without a branch: whether an id repeats is a coin toss the predictor would lose */               \
        uint32_t i_ = (uint32_t)(id_);                                                                       \
        uint64_t *w_ = &bits[i_ >> 6], v_ = *w_;                                                             \
        size_t seen_ = (size_t)(v_ >> (i_ & 63)) & 1;                                                        \
        *w_ = v_ | (uint64_t)1 << (i_ & 63);                                                                 \
        uid[n] = (int)i_;                                                                                    \
        rep[nrep] = i_;                                                                                      \
        n += 1 - seen_;                                                                                      \
        nrep += seen_;                                                                                       \
    } while (0)

/* COUNT_ID for an id that may be 0 (an unknown term), which counts nothing: id 0's bit may stay
 * set between texts, but it is never read for a known id. */
#define COUNT_ID_OR_0(id_)                                                                                   \
    do {                                                                                                     \
        uint32_t i_ = (uint32_t)(id_);                                                                       \
        uint64_t *w_ = &bits[i_ >> 6], v_ = *w_;                                                             \
        size_t seen_ = (size_t)(v_ >> (i_ & 63)) & 1, known_ = i_ != 0;                                      \
        *w_ = v_ | (uint64_t)1 << (i_ & 63);                                                                 \
        uid[n] = (int)i_;                                                                                    \
        rep[nrep] = i_;                                                                                      \
        n += (1 - seen_) & known_;                                                                           \
        nrep += seen_ & known_;                                                                              \
    } while (0)

/* The locals COUNT_ID works with, for counter c_. */
#define COUNT_LOCALS(c_)                                                                                     \
    uint64_t *bits = (c_)->bits;                                                                             \
    uint32_t *rep = (c_)->rep;                                                                               \
    int *uid = (c_)->uid;                                                                                    \
    size_t n = 0, nrep = 0

/* Looks up every term occurrence of toks in v and counts the known ones: the distinct ids go to
 * s->cnt[0].uid[0..*nu) in first-occurrence order, their counts to s->cnt[0].cnt (same order). No
 * sort, no hash of ids: a per-id bitmap (struct counter). With character n-grams, a token found as
 * a unigram takes its n-gram ids from the vocabulary's cache (v->cg_off); only the other tokens'
 * n-grams are generated and looked up. The counts equal those of every occurrence gen_terms makes. */
static st_status count_terms(const st_vocab *v, const st_tokens *toks, st_featurize_scratch *s, size_t *nu)
{
    const st_featurizer_config *cfg = &v->cfg;
    size_t nr = 0, nt = toks->n;
    *nu = 0;
    st_status rc = vocab_lookup_ready(v);
    if (rc != ST_OK)
        return rc;
    size_t bound = max_terms(cfg, toks);
    if (!buf_grow(&s->refs, &s->refs_cap, bound, sizeof *s->refs))
        return ST_ERR_NOMEM;
    if ((rc = gen_word_refs(cfg, toks, s, &nr)) != ST_OK)
        return rc;
    size_t ubound = bound < v->size ? bound : v->size;
    int chars = cfg->char_ngram_max > 0 && nt > 0;
    int cached = chars && v->cg_off && cfg->ngram_min == 1;
    counter *c = &s->cnt[0];
    if ((rc = counter_begin(c, v->size, bound, ubound)) != ST_OK)
        return rc;
    if (cached && !buf_grow(&s->need, &s->need_cap, nt, 1))
        return ST_ERR_NOMEM;
    COUNT_LOCALS(c);
    for (int pass = 0; pass < 2; pass++) {
        size_t from = 0;
        if (pass == 1) { /* character n-grams of the tokens the cache did not cover */
            if (!chars)
                break;
            from = nr;
            if ((rc = gen_char_refs(cfg, toks, s, cached ? s->need : NULL, &nr, NULL)) != ST_OK)
                return rc;
        }
        const tref *refs = s->refs;
        const char *pad = s->pad;
        for (size_t r = from; r < nr; r++) {
#if defined(__GNUC__)
            if (r + PREFETCH_AHEAD < nr)
                __builtin_prefetch(&v->slots[(size_t)key_mix(refs[r + PREFETCH_AHEAD].key) & v->mask]);
#endif
            int id = vocab_find_ref(v, toks, pad, &refs[r]);
            if (pass == 0 && cached && r < nt) { /* a unigram: its token's n-grams from the cache */
                s->need[r] = id == 0;
                if (id)
                    for (uint32_t j = v->cg_off[id]; j < v->cg_off[id + 1]; j++)
                        COUNT_ID(v->cg_ids[j]);
            }
            if (id)
                COUNT_ID(id);
        }
    }
    counter_end(c, n, nrep);
    *nu = n;
    return ST_OK;
}

/* Builds v->cg_off / v->cg_ids (see struct st_vocab) for a vocabulary with character n-grams, once
 * its table is built: each word unigram term's n-grams generated as gen_terms does for a token.
 * Called by vocab_lookup_ready only. */
static st_status vocab_char_cache(st_vocab *v)
{
    st_status rc;
    if (v->cfg.char_ngram_max == 0)
        return ST_OK;
    st_featurize_scratch *s;
    if ((rc = st_featurize_scratch_new(&s)) != ST_OK)
        return rc;
    size_t n = 0, cap = 0;
    uint32_t *ids = NULL;
    v->cg_off = malloc((v->size + 2) * sizeof *v->cg_off);
    if (!v->cg_off) {
        rc = ST_ERR_NOMEM;
        goto out_free;
    }
    size_t sizes = (size_t)(v->cfg.char_ngram_max - v->cfg.char_ngram_min + 1);
    for (size_t id = 1; id <= v->size; id++) {
        v->cg_off[id] = (uint32_t)n;
        const char *term = v->pool + v->off[id];
        size_t wl = v->len[id];
        if (memchr(term, ' ', wl) ||
            (wl >= CHAR_PREFIX_LEN && memcmp(term, CHAR_PREFIX, CHAR_PREFIX_LEN) == 0))
            continue; /* not a word unigram */
        const char *w = char_word(term, &wl);
        size_t k = 0;
        if (!buf_grow(&s->pad, &s->pad_cap, wl + 10, 1) ||
            !buf_grow(&s->refs, &s->refs_cap, sizes * (wl + 2), sizeof *s->refs)) {
            rc = ST_ERR_NOMEM;
            goto out_free;
        }
        s->pad[0] = ' ';
        memcpy(s->pad + 1, w, wl);
        s->pad[wl + 1] = ' ';
        memset(s->pad + wl + 2, 0, 8);
        if ((rc = char_ngram_refs(&v->cfg, s, 0, wl + 2, s->refs, &k)) != ST_OK)
            goto out_free;
        if (!buf_grow(&ids, &cap, n + k, sizeof *ids)) {
            rc = ST_ERR_NOMEM;
            goto out_free;
        }
        for (size_t r = 0; r < k; r++) {
            int cid = vocab_find_ref(v, NULL, s->pad, &s->refs[r]);
            if (cid)
                ids[n++] = (uint32_t)cid;
        }
        if (n >= UINT32_MAX / 2) {
            rc = ST_ERR_TOO_LARGE;
            goto out_free;
        }
    }
    v->cg_off[v->size + 1] = (uint32_t)n;
    v->cg_ids = ids;
    ids = NULL;
out_free:
    free(ids);
    if (rc != ST_OK) {
        free(v->cg_off);
        v->cg_off = NULL;
    }
    st_featurize_scratch_free(&s);
    return rc;
}

/* ---- vocabulary groups ----
 * One open-addressing table (linear probing, load <= 1/2) of term keys, as in a vocabulary, whose
 * entries are the union of the vocabularies' terms plus the words (word unigram terms without their
 * "NOT_" prefix) whose character n-grams are cached. Entry u has a record rec[u * (n + 1) ..]: its
 * id in each vocabulary (0 when absent), then 1 + the offset of its cache block in cgb (0 when its
 * character n-grams are not cached). A cache block holds, for each vocabulary, the number of its
 * known n-gram ids, then each vocabulary's ids in generation order with repeats (as
 * vocab_char_cache keeps them per unigram), so one token's n-grams for every vocabulary are one
 * contiguous read. group_count follows count_terms step by step for each vocabulary, reading the
 * ids of occurrences looked up once for all; the records, blocks and weight rows it will read are
 * prefetched a phase ahead, since a quote's work is otherwise dominated by cache misses. */

typedef struct gslot {
    uint64_t key; /* 0: empty */
    uint32_t u;   /* the entry, 1-based */
    uint32_t unused;
} gslot;

struct st_vocab_group {
    size_t n; /* vocabularies */
    const st_vocab *v[ST_VOCAB_GROUP_MAX];
    st_featurizer_config cfg; /* v[0]'s: the term settings all share */
    gslot *slots;
    size_t mask;
    size_t nu, ucap;    /* entries 1..nu; the arrays below have ucap + 1 entries */
    uint32_t *rec;      /* per entry: n ids, then 1 + its cache block's offset in cgb, or 0 */
    const char **bytes; /* the entry's term (a word for a cached word), borrowed from a pool */
    uint32_t *blen;
    uint32_t *cgb; /* cache blocks */
    size_t cgb_len;
    /* The character n-grams of at most 4 bytes (most of them), also in a table of their own, a
     * quarter the size of the main one, so that the lookups of an unknown word's n-grams stay in
     * the L2 cache: slots bytes << 32 | entry (0: empty); the bytes (no NUL in a token) are the
     * key, so equal keys are equal n-grams. */
    uint64_t *cslots;
    uint32_t cmask, cshift;
};

int st_vocab_same_terms(const st_vocab *a, const st_vocab *b)
{
    const st_featurizer_config *x = &a->cfg, *y = &b->cfg;
    return st_tokenizer_config_equal(&x->tok, &y->tok) && x->ngram_min == y->ngram_min &&
           x->ngram_max == y->ngram_max && x->char_ngram_min == y->char_ngram_min &&
           x->char_ngram_max == y->char_ngram_max && st_lexicon_equal(a->lex, b->lex);
}

size_t st_vocab_group_size(const st_vocab_group *g)
{
    return g->n;
}

void st_vocab_group_free(st_vocab_group **pg)
{
    if (!pg || !*pg)
        return;
    st_vocab_group *g = *pg;
    free(g->slots);
    free(g->rec);
    free(g->bytes);
    free(g->blen);
    free(g->cgb);
    free(g->cslots);
    free(g);
    *pg = NULL;
}

/* Entry of the term occurrence r, or 0 (as vocab_find_ref). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline uint32_t
group_find_ref(const st_vocab_group *g, const st_tokens *t, const char *pad, const tref *r)
{
    uint64_t key = r->key;
    size_t i = (size_t)key_mix(key) & g->mask;
    for (;;) {
        const gslot *sl = &g->slots[i];
        if (sl->key == key) {
            if (!(key & KEY_HASHED) || term_matches(g->bytes[sl->u], g->blen[sl->u], t, pad, r))
                return sl->u;
        } else if (sl->key == 0) {
            return 0;
        }
        i = (i + 1) & g->mask;
    }
}

/* The slot of the string p[0..n) whose key is key: its own, or the empty one where it belongs. */
static size_t group_slot(const st_vocab_group *g, uint64_t key, const char *p, size_t n)
{
    size_t i = (size_t)key_mix(key) & g->mask;
    for (;;) {
        const gslot *sl = &g->slots[i];
        if (sl->key == 0)
            return i;
        if (sl->key == key &&
            (!(key & KEY_HASHED) || (g->blen[sl->u] == n && memcmp(g->bytes[sl->u], p, n) == 0)))
            return i;
        i = (i + 1) & g->mask;
    }
}

/* Entry of the string p[0..n) whose key is key, added with an empty record when missing (the
 * table and the arrays have room for it: see st_vocab_group_new). */
static uint32_t group_add(st_vocab_group *g, uint64_t key, const char *p, size_t n)
{
    gslot *sl = &g->slots[group_slot(g, key, p, n)];
    if (sl->key != 0)
        return sl->u;
    assert(g->nu < g->ucap);
    uint32_t u = (uint32_t)++g->nu;
    sl->key = key;
    sl->u = u;
    g->bytes[u] = p;
    g->blen[u] = (uint32_t)n;
    memset(g->rec + (size_t)u * (g->n + 1), 0, (g->n + 1) * sizeof *g->rec);
    return u;
}

/* Allocates the entry arrays for at most max_entries entries (written as entries are made, so
 * malloc: pages never reached are never touched) and sets entry 0's record to zeros. */
static st_status group_alloc_entries(st_vocab_group *g, size_t max_entries)
{
    g->ucap = max_entries;
    g->rec = malloc((max_entries + 1) * (g->n + 1) * sizeof *g->rec);
    g->bytes = malloc((max_entries + 1) * sizeof *g->bytes);
    g->blen = malloc((max_entries + 1) * sizeof *g->blen);
    if (!g->rec || !g->bytes || !g->blen)
        return ST_ERR_NOMEM;
    memset(g->rec, 0, (g->n + 1) * sizeof *g->rec);
    g->bytes[0] = NULL;
    g->blen[0] = 0;
    return ST_OK;
}

/* 1 when term p[0..n) is a word unigram (no ' ', not a character n-gram). */
static int is_word_unigram(const char *p, size_t n)
{
    return !memchr(p, ' ', n) && !(n >= CHAR_PREFIX_LEN && memcmp(p, CHAR_PREFIX, CHAR_PREFIX_LEN) == 0);
}

/* Makes entries 1..g->nu the union of the vocabularies' terms, in byte order, with their records
 * (each vocabulary's ids follow the byte order of its terms, so the union is a merge: no hashing)
 * and returns the number of them that are word unigrams with a "NOT_" prefix (each may add one
 * word entry). The entry arrays have room for every term of every vocabulary. */
static size_t group_merge(st_vocab_group *g)
{
    size_t N = g->n, R = N + 1, at[ST_VOCAB_GROUP_MAX], n_not = 0;
    for (size_t k = 0; k < N; k++)
        at[k] = 1;
    for (;;) {
        size_t best = N;
        unsigned same = 0; /* the vocabularies whose next term is the smallest */
        const char *bt = NULL;
        size_t bl = 0;
        for (size_t k = 0; k < N; k++) {
            const st_vocab *v = g->v[k];
            if (at[k] > v->size)
                continue;
            const char *t = v->pool + v->off[at[k]];
            int c = best == N ? -1 : term_cmp(t, v->len[at[k]], bt, bl);
            if (c < 0) {
                best = k;
                same = 1u << k;
                bt = t;
                bl = v->len[at[k]];
            } else if (c == 0) {
                same |= 1u << k;
            }
        }
        if (best == N)
            break;
        assert(g->nu < g->ucap);
        uint32_t u = (uint32_t)++g->nu, *rec = g->rec + (size_t)u * R;
        for (size_t k = 0; k < N; k++)
            rec[k] = same >> k & 1 ? (uint32_t)at[k]++ : 0;
        rec[N] = 0;
        g->bytes[u] = bt;
        g->blen[u] = (uint32_t)bl;
        size_t wl = bl;
        n_not += char_word(bt, &wl) != bt && is_word_unigram(bt, bl);
    }
    return n_not;
}

/* Allocates the table for at most max_entries entries (load <= 1/2) and puts term entries
 * 1..g->nu in it (their terms are distinct, so no bytes are compared). */
static st_status group_table(st_vocab_group *g, size_t max_entries)
{
    size_t cap = 16;
    while (cap < 2 * max_entries)
        cap *= 2;
    if (!(g->slots = calloc(cap, sizeof *g->slots)))
        return ST_ERR_NOMEM;
    g->mask = cap - 1;
    uint64_t ahead[PREFETCH_AHEAD]; /* the keys of entries u .. u + PREFETCH_AHEAD - 1 */
    for (size_t u = 1; u < 1 + PREFETCH_AHEAD && u <= g->nu; u++)
        ahead[u % PREFETCH_AHEAD] = term_key(g->bytes[u], g->blen[u]);
    for (size_t u = 1; u <= g->nu; u++) {
        uint64_t key = ahead[u % PREFETCH_AHEAD];
        size_t next = u + PREFETCH_AHEAD;
        if (next <= g->nu) {
            ahead[next % PREFETCH_AHEAD] = term_key(g->bytes[next], g->blen[next]);
#if defined(__GNUC__)
            __builtin_prefetch(&g->slots[(size_t)key_mix(ahead[next % PREFETCH_AHEAD]) & g->mask], 1);
#endif
        }
        size_t i = (size_t)key_mix(key) & g->mask;
        while (g->slots[i].key != 0)
            i = (i + 1) & g->mask;
        g->slots[i].key = key;
        g->slots[i].u = (uint32_t)u;
    }
    return ST_OK;
}

#define ID_MIX 0x9E3779B1u /* Fibonacci hashing of 32-bit keys */

/* 1 when entry u is a character n-gram of 1 to 4 bytes (key: *bytes). */
static int short_char_gram(const st_vocab_group *g, size_t u, uint32_t *bytes)
{
    size_t n = g->blen[u];
    const char *p = g->bytes[u];
    if (n < CHAR_PREFIX_LEN + 1 || n > CHAR_PREFIX_LEN + 4 || memcmp(p, CHAR_PREFIX, CHAR_PREFIX_LEN) != 0)
        return 0;
    *bytes = (uint32_t)load_small(p + CHAR_PREFIX_LEN, n - CHAR_PREFIX_LEN);
    return 1;
}

/* Builds g->cslots (see struct st_vocab_group), load <= 1/2. */
static st_status group_char_table(st_vocab_group *g)
{
    size_t count = 0, cap = 16;
    uint32_t bytes, shift = 32 - 4;
    for (size_t u = 1; u <= g->nu; u++)
        count += (size_t)short_char_gram(g, u, &bytes);
    while (cap < 2 * count) {
        cap *= 2;
        shift--;
    }
    if (!(g->cslots = calloc(cap, sizeof *g->cslots)))
        return ST_ERR_NOMEM;
    g->cmask = (uint32_t)(cap - 1);
    g->cshift = shift;
    for (size_t u = 1; u <= g->nu; u++) {
        if (!short_char_gram(g, u, &bytes))
            continue;
        uint32_t h = (bytes * ID_MIX) >> shift;
        while (g->cslots[h])
            h = (h + 1) & g->cmask;
        g->cslots[h] = (uint64_t)bytes << 32 | u;
    }
    return ST_OK;
}

static void group_find_refs(const st_vocab_group *g, const st_tokens *toks, const char *pad, const tref *refs,
                            size_t from, size_t to, uint32_t *gu);

/* Builds the cache block of every entry marked for one (its record's last field set to 1). */
static st_status group_char_cache(st_vocab_group *g)
{
    st_status rc;
    st_featurize_scratch *s;
    if ((rc = st_featurize_scratch_new(&s)) != ST_OK)
        return rc;
    size_t N = g->n, R = N + 1, cap = 0, len = 0;
    size_t sizes = (size_t)(g->cfg.char_ngram_max - g->cfg.char_ngram_min + 1);
    for (size_t u = 1; u <= g->nu; u++) {
        if (!g->rec[u * R + N])
            continue;
        size_t wl = g->blen[u], k = 0;
        if (!buf_grow(&s->pad, &s->pad_cap, wl + 10, 1) ||
            !buf_grow(&s->refs, &s->refs_cap, sizes * (wl + 2), sizeof *s->refs) ||
            !buf_grow(&s->gu, &s->gu_cap, sizes * (wl + 2), sizeof *s->gu) ||
            !buf_grow(&g->cgb, &cap, len + N + N * sizes * (wl + 2), sizeof *g->cgb)) {
            rc = ST_ERR_NOMEM;
            goto out_free;
        }
        s->pad[0] = ' ';
        memcpy(s->pad + 1, g->bytes[u], wl);
        s->pad[wl + 1] = ' ';
        memset(s->pad + wl + 2, 0, 8);
        if ((rc = char_ngram_refs(&g->cfg, s, 0, wl + 2, s->refs, &k)) != ST_OK)
            goto out_free;
        group_find_refs(g, NULL, s->pad, s->refs, 0, k, s->gu); /* each n-gram's entry, once */
        uint32_t *blk = g->cgb + len, *d = blk + N;
        for (size_t m = 0; m < N; m++) {
            blk[m] = 0;
            for (size_t r = 0; r < k; r++) {
                uint32_t e = s->gu[r];
                if (e && g->rec[e * R + m]) {
                    *d++ = g->rec[e * R + m];
                    blk[m]++;
                }
            }
        }
        if (len >= UINT32_MAX / 2) {
            rc = ST_ERR_TOO_LARGE;
            goto out_free;
        }
        g->rec[u * R + N] = (uint32_t)(len + 1);
        len = (size_t)(d - g->cgb);
    }
    g->cgb_len = len;
out_free:
    st_featurize_scratch_free(&s);
    return rc;
}

st_status st_vocab_group_new(const st_vocab *const *v, size_t n, st_vocab_group **out)
{
    st_status rc;
    *out = NULL;
    if (n == 0 || n > ST_VOCAB_GROUP_MAX)
        return ST_ERR_INVALID;
    size_t total = 0;
    for (size_t k = 0; k < n; k++) {
        if (!st_vocab_same_terms(v[0], v[k]))
            return ST_ERR_INVALID;
        total += v[k]->size;
    }
    if (total >= UINT32_MAX / 4)
        return ST_ERR_TOO_LARGE;
    st_vocab_group *g = calloc(1, sizeof *g);
    if (!g)
        return ST_ERR_NOMEM;
    g->n = n;
    g->cfg = v[0]->cfg;
    for (size_t k = 0; k < n; k++)
        g->v[k] = v[k];
    size_t R = n + 1;
    int chars = g->cfg.char_ngram_max > 0;
    /* every term, plus at most one word per "NOT_" word unigram */
    if ((rc = group_alloc_entries(g, chars ? 2 * total : total)) != ST_OK)
        goto out_free;
    size_t n_not = group_merge(g);
    if ((rc = group_table(g, chars ? g->nu + n_not : g->nu)) != ST_OK)
        goto out_free;
    if (chars) { /* mark the words to cache: every word unigram's, without "NOT_" */
        size_t terms = g->nu;
        for (size_t u = 1; u <= terms; u++) {
            size_t wl = g->blen[u];
            if (!is_word_unigram(g->bytes[u], wl))
                continue;
            const char *w = char_word(g->bytes[u], &wl);
            size_t e = w == g->bytes[u] ? u : group_add(g, word_key(w, wl), w, wl);
            g->rec[e * R + n] = 1;
        }
    }
    if ((rc = group_char_table(g)) != ST_OK)
        goto out_free;
    if (chars && (rc = group_char_cache(g)) != ST_OK)
        goto out_free;
    *out = g;
    g = NULL;
out_free:
    st_vocab_group_free(&g);
    return rc;
}

/* Looks up refs[from..to) in g into gu[] (slots prefetched PREFETCH_AHEAD ahead, each found
 * entry's record prefetched for the counting that follows). */
static void group_find_refs(const st_vocab_group *g, const st_tokens *toks, const char *pad, const tref *refs,
                            size_t from, size_t to, uint32_t *gu)
{
    size_t R = g->n + 1;
    if (pad) { /* character n-grams: the short ones from their own table */
        const uint64_t *cs = g->cslots;
        const uint32_t cmask = g->cmask, cshift = g->cshift;
        for (size_t r = from; r < to; r++) {
            uint32_t n = refs[r].n & ~REF_CHAR;
            if (n > 4 || (refs[r].key & KEY_HASHED)) {
                gu[r] = group_find_ref(g, toks, pad, &refs[r]);
            } else {
                uint32_t bytes = (uint32_t)refs[r].key, h = (bytes * ID_MIX) >> cshift;
                uint64_t e;
                while ((e = cs[h]) != 0 && (uint32_t)(e >> 32) != bytes)
                    h = (h + 1) & cmask;
                gu[r] = (uint32_t)e;
            }
#if defined(__GNUC__)
            __builtin_prefetch(&g->rec[gu[r] * R]);
#endif
        }
        return;
    }
    for (size_t r = from; r < to; r++) {
#if defined(__GNUC__)
        if (r + PREFETCH_AHEAD < to)
            __builtin_prefetch(&g->slots[(size_t)key_mix(refs[r + PREFETCH_AHEAD].key) & g->mask]);
#endif
        gu[r] = group_find_ref(g, toks, pad, &refs[r]);
#if defined(__GNUC__)
        __builtin_prefetch(&g->rec[gu[r] * R]);
#endif
    }
}

/* Counts the terms of toks in every vocabulary of g: nu[k] distinct ids into s->cnt[k], exactly as
 * count_terms(g->v[k], toks, ...) would (same counts, same first-occurrence order). Each term
 * occurrence is generated and looked up once; a token's character n-grams come from the group's
 * cache when its word is cached, else they are generated and looked up once for all. */
static st_status group_count(const st_vocab_group *g, const st_tokens *toks, st_featurize_scratch *s,
                             size_t *nu)
{
    const st_featurizer_config *cfg = &g->cfg;
    size_t nr = 0, nt = toks->n, N = g->n, R = N + 1;
    st_status rc;
    for (size_t k = 0; k < N; k++)
        nu[k] = 0;
    size_t bound = max_terms(cfg, toks);
    if (bound >= UINT32_MAX)
        return ST_ERR_TOO_LARGE;
    if (!buf_grow(&s->refs, &s->refs_cap, bound, sizeof *s->refs) ||
        !buf_grow(&s->gu, &s->gu_cap, bound, sizeof *s->gu) ||
        !buf_grow(&s->gtok, &s->gtok_cap, 2 * nt + 1, sizeof *s->gtok) ||
        !buf_grow(&s->need, &s->need_cap, nt, 1))
        return ST_ERR_NOMEM;
    if ((rc = gen_word_refs(cfg, toks, s, &nr)) != ST_OK)
        return rc;
    size_t nw = nr;
    uint32_t *gu = s->gu;
    const uint32_t *rec = g->rec;
    group_find_refs(g, toks, NULL, s->refs, 0, nw, gu);
    int chars = cfg->char_ngram_max > 0 && nt > 0;
    int cached = chars && cfg->ngram_min == 1;
    uint32_t *blk = s->gtok, *first = s->gtok + nt; /* per token: 1 + its cache block, or 0 */
    if (chars) {
        for (size_t i = 0; i < nt; i++) {
            const char *t = toks->buf + toks->off[i];
            size_t wl = toks->len[i];
            const char *w = char_word(t, &wl);
            size_t e;
            if (w == t && cfg->ngram_min == 1) {
                e = gu[i]; /* the unigram's entry */
            } else {
                const gslot *sl = &g->slots[group_slot(g, word_key(w, wl), w, wl)];
                e = sl->key ? sl->u : 0;
            }
            blk[i] = rec[e * R + N];
#if defined(__GNUC__)
            __builtin_prefetch(&g->cgb[blk[i]]);
#endif
            s->need[i] = blk[i] == 0;
        }
        if ((rc = gen_char_refs(cfg, toks, s, s->need, &nr, first)) != ST_OK)
            return rc;
        group_find_refs(g, toks, s->pad, s->refs, nw, nr, gu);
    }
    for (size_t k = 0; k < N; k++) {
        const uint32_t *ids = rec + k;
        counter *c = &s->cnt[k];
        size_t vsize = g->v[k]->size;
        if ((rc = counter_begin(c, vsize, bound, bound < vsize ? bound : vsize)) != ST_OK)
            return rc;
        COUNT_LOCALS(c);
/* Counts the character n-grams of token i_ in vocabulary k. */
#define COUNT_CHARS(i_)                                                                                      \
    do {                                                                                                     \
        uint32_t b_ = blk[(i_)];                                                                             \
        if (b_) {                                                                                            \
            const uint32_t *p_ = g->cgb + b_ - 1, *q_ = p_ + N;                                              \
            for (size_t m_ = 0; m_ < k; m_++)                                                                \
                q_ += p_[m_];                                                                                \
            for (const uint32_t *e_ = q_ + p_[k]; q_ < e_; q_++)                                             \
                COUNT_ID(*q_);                                                                               \
        } else {                                                                                             \
            for (uint32_t r_ = first[(i_)], re_ = first[(i_) + 1]; r_ < re_; r_++)                           \
                COUNT_ID_OR_0(ids[(size_t)gu[r_] * R]);                                                      \
        }                                                                                                    \
    } while (0)
        for (size_t r = 0; r < nw; r++) {
            uint32_t id = ids[(size_t)gu[r] * R]; /* entry 0's ids are all 0 */
            if (cached && r < nt && id)
                COUNT_CHARS(r);
            if (id)
                COUNT_ID(id);
        }
        if (chars)
            for (size_t i = 0; i < nt; i++)
                if (!cached || !ids[(size_t)gu[i] * R])
                    COUNT_CHARS(i);
#undef COUNT_CHARS
        counter_end(c, n, nrep);
        nu[k] = n;
    }
    return ST_OK;
}

st_status st_featurize_group_tf(const st_vocab_group *g, const st_tokens *toks, st_featurize_scratch *s,
                                st_term_tf *out)
{
    size_t nu[ST_VOCAB_GROUP_MAX];
    for (size_t k = 0; k < g->n; k++)
        out[k] = (st_term_tf){NULL, NULL, 0};
    st_status rc = lex_tokens(g->v[0]->lex, toks, s, &toks);
    if (rc == ST_OK)
        rc = group_count(g, toks, s, nu);
    for (size_t k = 0; rc == ST_OK && k < g->n; k++)
        rc = counter_tf(g->v[k], s, &s->cnt[k], nu[k], &out[k]);
    if (rc != ST_OK)
        for (size_t k = 0; k < g->n; k++)
            out[k] = (st_term_tf){NULL, NULL, 0};
    return rc;
}

st_status st_featurize_group_text_tf(const st_vocab_group *g, const char *text, size_t len,
                                     st_featurize_scratch *s, st_term_tf *out)
{
    for (size_t k = 0; k < g->n; k++)
        out[k] = (st_term_tf){NULL, NULL, 0};
    st_status rc = st_tokenize(&g->cfg.tok, text, len, &s->toks);
    if (rc != ST_OK)
        return rc;
    return st_featurize_group_tf(g, &s->toks, s, out);
}

st_status st_featurize_group_tokens(const st_vocab_group *g, const st_tokens *toks, st_featurize_scratch *s,
                                    st_svec *out)
{
    size_t nu[ST_VOCAB_GROUP_MAX];
    for (size_t k = 0; k < g->n; k++)
        out[k].n = 0;
    st_status rc = lex_tokens(g->v[0]->lex, toks, s, &toks);
    if (rc == ST_OK)
        rc = group_count(g, toks, s, nu);
    for (size_t k = 0; rc == ST_OK && k < g->n; k++)
        rc = counter_svec(g->v[k], s, &s->cnt[k], nu[k], &out[k]);
    if (rc != ST_OK)
        for (size_t k = 0; k < g->n; k++)
            out[k].n = 0;
    return rc;
}

#undef COUNT_ID
#undef COUNT_ID_OR_0
#undef COUNT_LOCALS

st_status st_featurize_tf(const st_vocab *v, const st_tokens *toks, st_featurize_scratch *s, st_term_tf *out)
{
    size_t n;
    out->id = NULL;
    out->tf = NULL;
    out->n = 0;
    st_status rc = lex_tokens(v->lex, toks, s, &toks);
    if (rc == ST_OK)
        rc = count_terms(v, toks, s, &n);
    if (rc != ST_OK)
        return rc;
    return counter_tf(v, s, &s->cnt[0], n, out);
}

st_status st_featurize_text_tf(const st_vocab *v, const char *text, size_t len, st_featurize_scratch *s,
                               st_term_tf *out)
{
    out->id = NULL;
    out->tf = NULL;
    out->n = 0;
    st_status rc = st_tokenize(&v->cfg.tok, text, len, &s->toks);
    if (rc != ST_OK)
        return rc;
    return st_featurize_tf(v, &s->toks, s, out);
}

st_status st_featurize_tokens(const st_vocab *v, st_tokens *toks, st_featurize_scratch *s, st_svec *out)
{
    size_t n;
    out->n = 0;
    const st_tokens *use;
    st_status rc = lex_tokens(v->lex, toks, s, &use);
    if (rc == ST_OK)
        rc = count_terms(v, use, s, &n);
    if (rc != ST_OK)
        return rc;
    return counter_svec(v, s, &s->cnt[0], n, out);
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
            "\tchar_ngram_max=%d\tmin_df=%d\tmax_features=%d\tsublinear_tf=%d\tn_docs=%zu\tsize=%zu",
            VOCAB_MAGIC, VOCAB_FORMAT, ST_TOKENIZER_VERSION, c->tok.casefold, c->tok.negation, c->ngram_min,
            c->ngram_max, c->char_ngram_min, c->char_ngram_max, c->min_df, c->max_features, c->sublinear_tf,
            v->n_docs, v->size);
    if (c->tok.punct) /* written only when set, so files without it keep their bytes */
        fprintf(f, "\tpunct=%d", c->tok.punct);
    if (v->lex) /* likewise */
        fprintf(f, "\tlexicon=%zu", st_lexicon_size(v->lex));
    fputc('\n', f);
    for (size_t id = 1; id <= v->size; id++) {
        fprintf(f, "%zu\t%u\t%.17g\t", id, (unsigned)v->df[id], v->idf[id]);
        fwrite(v->pool + v->off[id], 1, v->len[id], f);
        fputc('\n', f);
    }
    if (v->lex)
        st_lexicon_write(v->lex, f);
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

#define IDF_SEEN 256 /* the dfs whose last idf text st_vocab_load_buffer keeps */

/* The decimal digits at p (before end, at most 18) when a TAB follows them: their value in *out
 * and the TAB's address; NULL otherwise. */
static const char *uint_tab(const char *p, const char *end, size_t *out)
{
    const char *s = p;
    size_t x = 0;
    for (; p < end && *p >= '0' && *p <= '9' && p - s < 18; p++)
        x = x * 10 + (size_t)(*p - '0');
    if (p == s || p >= end || *p != '\t')
        return NULL;
    *out = x;
    return p;
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
    H_PUNCT,   /* optional (0 when absent) */
    H_LEXICON, /* optional: lexicon entries after the terms (0 when absent) */
    H_COUNT
};
static const char *const header_keys[H_COUNT] = {
    "tokenizer", "casefold",     "negation",     "ngram_min", "ngram_max", "char_ngram_min", "char_ngram_max",
    "min_df",    "max_features", "sublinear_tf", "n_docs",    "size",      "punct",          "lexicon"};

static st_status parse_header(const char *line, size_t n, st_featurizer_config *cfg, size_t *n_docs,
                              size_t *size, size_t *lexicon, const char *path, st_error *err)
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
    if ((seen | 1u << H_PUNCT | 1u << H_LEXICON) != (1u << H_COUNT) - 1)
        return st_error_set(err, ST_ERR_FORMAT, path, 1, "header lacks a field");
    if (val[H_TOKENIZER] != ST_TOKENIZER_VERSION)
        return st_error_set(err, ST_ERR_FORMAT, path, 1,
                            "vocabulary built with tokenizer version %zu, this is %d", val[H_TOKENIZER],
                            ST_TOKENIZER_VERSION);
    cfg->tok.casefold = (int)val[H_CASEFOLD];
    cfg->tok.negation = (int)val[H_NEGATION];
    cfg->tok.punct = (int)val[H_PUNCT];
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
    *lexicon = val[H_LEXICON];
    if (*n_docs == 0 || *size == 0)
        return st_error_set(err, ST_ERR_FORMAT, path, 1, "empty vocabulary");
    return ST_OK;
}

st_status st_vocab_load(const char *path, st_vocab **out, st_error *err)
{
    char *data;
    size_t dlen;
    *out = NULL;
    st_status rc = st_read_file(path, &data, &dlen, err);
    if (rc != ST_OK)
        return rc;
    rc = st_vocab_load_buffer(data, dlen, path, out, err);
    free(data);
    return rc;
}

st_status st_vocab_load_buffer(const char *data, size_t dlen, const char *path, st_vocab **out, st_error *err)
{
    st_status rc;
    *out = NULL;
    if (!path)
        path = "vocab.tsv";
    locale_t cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (cloc == (locale_t)0)
        return st_error_set(err, ST_ERR_NOMEM, path, 0, "cannot create the C locale");
    locale_t old = uselocale(cloc);
    st_vocab *v = vocab_new();
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
    if (data[dlen - 1] != '\n') {
        /* every vocab.tsv written ends in one: a last line without it is cut, and may still parse
         * as a shorter term */
        rc = st_error_set(err, ST_ERR_FORMAT, path, st_cut_last_line(data, dlen),
                          "the last line has no line end: the file is cut short");
        goto out_free_vocab;
    }
    size_t size = 0, lexicon = 0;
    if ((rc = parse_header(p, (size_t)(nl - p), &v->cfg, &v->n_docs, &size, &lexicon, path, err)) != ST_OK)
        goto out_free_vocab;
    p = nl + 1;
    if (size > (size_t)(end - p) / 8 + 1) { /* each line takes at least 8 bytes */
        rc = st_error_set(err, ST_ERR_FORMAT, path, 1, "size=%zu does not fit the file (is it cut short?)",
                          size);
        goto out_free_vocab;
    }
    if ((rc = vocab_alloc(v, size, (size_t)(end - p))) != ST_OK)
        goto out_free_vocab;
    size_t at = 0, id = 0;
    long line = 1;
    /* idf is a function of df in a vocabulary, so most lines repeat the idf text of an earlier
     * line with the same df: the last text and value seen for each small df, reused on an equal
     * text instead of parsed again (the same text gives the same double) */
    struct {
        const char *text; /* in data; NULL: none yet */
        size_t len;
        double idf;
    } seen[IDF_SEEN] = {{NULL, 0, 0.0}};
    while (p < end && (lexicon == 0 || id < size)) {
        line++;
        /* the common line in one pass: id and df (digits), idf, then the term up to the line end,
         * its bytes checked on the way; any other line goes to the field-by-field checks below,
         * which name its fault */
        size_t fid = 0, df = 0;
        const char *t1 = uint_tab(p, end, &fid), *t2 = NULL, *t3 = NULL, *e = end, *term = NULL;
        double idf = 0.0;
        int clean = 0;
        if (t1 && fid == id + 1 && fid <= size && (t2 = uint_tab(t1 + 1, end, &df)) && df >= 1 &&
            df <= v->n_docs && (t3 = memchr(t2 + 1, '\t', (size_t)(end - t2 - 1)))) {
            size_t il = (size_t)(t3 - t2 - 1);
            int ok;
            if (df < IDF_SEEN && seen[df].text && seen[df].len == il &&
                memcmp(seen[df].text, t2 + 1, il) == 0) {
                idf = seen[df].idf;
                ok = 1;
            } else {
                char *dend;
                idf = st_decimal_parse(t2 + 1, &dend);
                ok = dend == t3 && t3 != t2 + 1 && isfinite(idf) && idf > 0.0;
                if (ok && df < IDF_SEEN) {
                    seen[df].text = t2 + 1;
                    seen[df].len = il;
                    seen[df].idf = idf;
                }
            }
            if (ok) {
                term = t3 + 1;
                unsigned bad = 0;
                for (e = term; e < end && *e != '\n'; e++)
                    bad |= (unsigned char)*e < 0x20 || *e == 0x7F;
                clean = !bad;
            }
        }
        if (!term) { /* not the common line: find the fault */
            e = memchr(p, '\n', (size_t)(end - p));
            if (!e)
                e = end;
            t1 = memchr(p, '\t', (size_t)(e - p));
            t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(e - t1 - 1)) : NULL;
            t3 = t2 ? memchr(t2 + 1, '\t', (size_t)(e - t2 - 1)) : NULL;
            if (!t3) {
                rc = st_error_set(err, ST_ERR_FORMAT, path, line, "expected id, df, idf and term");
                goto out_free_vocab;
            }
            if (!parse_uint(p, (size_t)(t1 - p), &fid) || fid != id + 1 || fid > size) {
                rc = st_error_set(err, ST_ERR_FORMAT, path, line, "id out of order (expected %zu)", id + 1);
                goto out_free_vocab;
            }
            if (!parse_uint(t1 + 1, (size_t)(t2 - t1 - 1), &df) || df < 1 || df > v->n_docs) {
                rc = st_error_set(err, ST_ERR_FORMAT, path, line, "df out of range");
                goto out_free_vocab;
            }
            char *dend;
            idf = st_decimal_parse(t2 + 1, &dend);
            if (dend != t3 || t3 == t2 + 1 || !isfinite(idf) || idf <= 0.0) {
                rc = st_error_set(err, ST_ERR_FORMAT, path, line, "bad idf");
                goto out_free_vocab;
            }
            term = t3 + 1;
            clean = 1;
            for (const char *c = term; clean && c < e; c++)
                clean = (unsigned char)*c >= 0x20 && *c != 0x7F;
        }
        id = fid;
        size_t tl = (size_t)(e - term);
        clean = clean && tl > 0 && tl < UINT32_MAX && st_utf8_validate(term, tl, NULL) == ST_OK;
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
    if (lexicon > 0) {
        size_t used;
        if ((rc = st_lexicon_parse(p, (size_t)(end - p), lexicon, &v->cfg.tok, path, line + 1, &v->lex, &used,
                                   err)) != ST_OK)
            goto out_free_vocab;
        if (p + used != end) {
            rc = st_error_set(err, ST_ERR_FORMAT, path, line + 1 + (long)lexicon, "text after the lexicon");
            goto out_free_vocab;
        }
    }
    if ((rc = vocab_check_size(v)) != ST_OK)
        goto out_free_vocab;
    *out = v;
    v = NULL;
out_free_vocab:
    if (rc == ST_ERR_FORMAT)
        st_error_note_cut_line(err, st_cut_last_line(data, dlen));
    st_vocab_free(&v);
out_restore_locale:
    uselocale(old);
    freelocale(cloc);
    return rc;
}
