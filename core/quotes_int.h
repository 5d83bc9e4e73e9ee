/* quotes_int.h - private types shared by quotes.c (marks, pairing, API) and quotes_attrib.c
 * (tokens, names, cues, speakers). Not installed, not part of the library's contract. */
#ifndef ST_QUOTES_INT_H
#define ST_QUOTES_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "st_quotes.h"

/* Token flags. */
enum {
    TK_WORD = 1 << 0,     /* letters/digits, inner apostrophes, hyphens and dots kept */
    TK_CAP = 1 << 1,      /* first letter is uppercase (after an elision like L’ the next letter) */
    TK_ALLCAP = 1 << 2,   /* every letter uppercase, at least two letters */
    TK_PUNCT = 1 << 3,    /* one code point of punctuation */
    TK_POSS = 1 << 4,     /* ends in the possessive ’s / 's / s’ */
    TK_SENT_END = 1 << 5, /* this punctuation ends a sentence */
    TK_QMARK = 1 << 6,    /* a quotation mark (not an in-word apostrophe) */
    TK_DASH = 1 << 7,     /* - – — between spaces, or a dash */
    TK_DIGIT = 1 << 8,    /* starts with a digit */
    TK_PARA = 1 << 9      /* first token of a paragraph */
};

typedef struct qtok {
    size_t start, end; /* bytes */
    uint32_t sent;     /* index of the first token of this token's sentence */
    uint16_t flags;
    int32_t cp;   /* the code point of a punctuation token, 0 for words */
    uint32_t lex; /* word lists the word is in (LX_* of quotes_lex.h), 0 for punctuation */
} qtok;

/* A paired quote before attribution. */
typedef struct rawq {
    size_t open;              /* byte offset of the opening mark */
    size_t start, end;        /* content, trimmed, one trailing comma dropped */
    size_t after;             /* just past the closing mark (== content end when unclosed) */
    size_t para0;             /* paragraph index of the opening mark */
    size_t para1;             /* paragraph index where it ends */
    size_t reopen0, reopen_n; /* reopening marks: ctx->reopen[reopen0 .. reopen0+reopen_n) */
    int unclosed;
    int ends_comma;    /* a comma was dropped before the closing mark */
    int ends_sentence; /* content ends in . ? ! … */
    int dropped;       /* 1: removed by attribution (scare quote, negated speech) */
    /* attribution results */
    size_t spk_start, spk_end;
    char *speaker; /* owned until moved into the st_quote */
    st_speaker_method method;
    int partial;
} rawq;

typedef struct span {
    size_t start, end;
} span;

typedef struct qctx {
    const char *s;
    size_t len;
    span *para;
    size_t npara, cap_para;
    rawq *q;
    size_t nq, cap_q;
    span *reopen; /* byte span of each removed reopening mark (with its padding) */
    size_t nreopen, cap_reopen;
    qtok *tok;
    size_t ntok, cap_tok;
    /* names known in the article (filled by the attribution pre-pass) */
    struct qperson *person;
    size_t nperson, cap_person;
    struct qentity *ent;
    size_t nent, cap_ent;
    uint32_t *ent_hash; /* open addressing: entity index + 1, 0 = empty */
    size_t ent_hash_cap;
} qctx;

/* UTF-8 helpers (invalid bytes decode to U+FFFD, one byte wide; never read past len). The inline
 * forms answer ASCII at once and call the out-of-line (_u) forms for the rest. */
/* Private to the library: hidden, so that calls from quotes_attrib.c bind directly instead of
 * through the shared object's PLT. */
#if defined(__GNUC__)
#define Q_PRIVATE __attribute__((visibility("hidden")))
#else
#define Q_PRIVATE
#endif
Q_PRIVATE int32_t q_next_u(const char *s, size_t len, size_t *pos);
Q_PRIVATE int32_t q_prev_u(const char *s, size_t pos, size_t *start);
Q_PRIVATE int q_is_space_u(int32_t cp);
Q_PRIVATE int q_is_alnum_u(int32_t cp);
Q_PRIVATE int q_is_upper_u(int32_t cp);
Q_PRIVATE int q_is_lower_u(int32_t cp);

/* Classes of the ASCII code points: QA_ALNUM letters and digits, QA_UPPER A-Z, QA_LOWER a-z, QA_SPACE
 * space and \t-\r, QA_MARK the ASCII quotation marks " ' `. */
enum { QA_ALNUM = 1, QA_UPPER = 2, QA_LOWER = 4, QA_SPACE = 8, QA_MARK = 16 };
static const unsigned char q_ascii[128] = {
    0,  0, 0,  0, 0, 0, 0, 0,  0, 8, 8, 8, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    8,  0, 16, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
    0,  3, 3,  3, 3, 3, 3, 3,  3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0,
    16, 5, 5,  5, 5, 5, 5, 5,  5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 0, 0, 0, 0, 0,
};

/* Decodes the code point at s[*pos] (*pos < len) and moves *pos past it. */
static inline int32_t q_next(const char *s, size_t len, size_t *pos)
{
    unsigned char c = (unsigned char)s[*pos];
    if (c < 0x80) {
        (*pos)++;
        return (int32_t)c;
    }
    return q_next_u(s, len, pos);
}

/* Decodes the code point that ends just before s[pos] (pos > 0); *start receives its first byte. */
static inline int32_t q_prev(const char *s, size_t pos, size_t *start)
{
    unsigned char c = (unsigned char)s[pos - 1];
    if (c < 0x80) {
        *start = pos - 1;
        return (int32_t)c;
    }
    return q_prev_u(s, pos, start);
}

static inline int q_is_space(int32_t cp)
{
    if ((uint32_t)cp < 0x80)
        return q_ascii[cp] & QA_SPACE;
    return q_is_space_u(cp);
}

static inline int q_is_alnum(int32_t cp)
{
    if ((uint32_t)cp < 0x80)
        return q_ascii[cp] & QA_ALNUM;
    return q_is_alnum_u(cp);
}

static inline int q_is_upper(int32_t cp)
{
    if ((uint32_t)cp < 0x80)
        return q_ascii[cp] & QA_UPPER;
    return q_is_upper_u(cp);
}

static inline int q_is_lower(int32_t cp)
{
    if ((uint32_t)cp < 0x80)
        return q_ascii[cp] & QA_LOWER;
    return q_is_lower_u(cp);
}

/* Byte classes of one 64-byte block of the text, a bit per byte (bit k: the byte at base + k), so
 * that the tokenizer skips runs of a class with one count of trailing zeros instead of a branch per
 * byte. Bytes at or past the text's end have no bit set. */
typedef struct qblock {
    size_t base;    /* a multiple of 64; SIZE_MAX before the first load */
    uint64_t alnum; /* ASCII letters and digits */
    uint64_t alpha; /* ASCII letters */
    uint64_t upper; /* A-Z */
    uint64_t space; /* ASCII space and \t-\r */
    uint64_t nl;    /* \n and \r */
    uint64_t word;  /* alnum, and the joiners ' - . & that an ASCII word runs through (an ASCII
                       letter or digit on each side; a dot also needs a capital beside it) */
    uint64_t ends;  /* where an ASCII word cannot end without a look at other bytes: a byte >= 0x80,
                       or a joiner with a byte >= 0x80 after it */
    uint64_t apos;  /* the ASCII apostrophe ' */
    uint64_t sfin;  /* s and S (a possessive's last letter) */
} qblock;

/* Fills b for the block of s[0..len) that holds byte pos (pos may equal len). */
Q_PRIVATE void q_block_load(qblock *b, const char *s, size_t len, size_t pos);

/* Makes b the block that holds byte pos, loading it when it is another one. */
static inline void q_block_at(qblock *b, const char *s, size_t len, size_t pos)
{
    if ((pos & ~(size_t)63) != b->base)
        q_block_load(b, s, len, pos);
}

/* Index of the lowest set bit of m (m != 0). */
static inline unsigned q_ctz64(uint64_t m)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctzll(m);
#else
    unsigned n = 0;
    while (!(m & 1)) {
        m >>= 1;
        n++;
    }
    return n;
#endif
}

enum { QB_SPACE, QB_WORD };

/* The end of the run of bytes of class cls (QB_SPACE or QB_WORD) that starts at pos (<= len): the
 * first byte at or after pos outside the class, or len. Moves b along. */
static inline size_t q_run_end(qblock *b, const char *s, size_t len, size_t pos, int cls)
{
    while (pos < len) {
        q_block_at(b, s, len, pos);
        unsigned off = (unsigned)(pos & 63);
        uint64_t m = ~((cls == QB_SPACE ? b->space : b->word) >> off);
        if (m) {
            unsigned n = q_ctz64(m);
            if (n < 64 - off)
                return pos + n;
        }
        pos += 64 - off;
    }
    return len;
}

/* qtok.lex of a word before its first lookup (quotes_attrib.c looks words up lazily). */
#define Q_LEX_UNSET 0x80000000u

/* Cuts ctx->s into ctx->tok: words (letters and digits with inner apostrophes, hyphens, dots and
 * ampersands) and one-code-point punctuation, with every flag but TK_SENT_END set and sent 0.
 * Errors: ST_ERR_NOMEM. */
Q_PRIVATE st_status q_scan_tokens(qctx *ctx);

/* Attribution over ctx->q (quotes.c calls it after pairing). Errors: ST_ERR_NOMEM. */
Q_PRIVATE st_status q_attribute(qctx *ctx);
Q_PRIVATE void q_attrib_free(qctx *ctx);

/* Grows the array *p (*cap elements of elem bytes) to hold at least need elements, doubling from 16.
 * Returns 0, or -1 when the allocation fails or would overflow (*p and *cap then unchanged). Shared
 * by the mark pairer (quotes.c) and the attribution pass (quotes_attrib.c). */
static inline int q_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 16;
    while (nc < need) {
        if (nc > SIZE_MAX / 2)
            return -1;
        nc *= 2;
    }
    if (nc > SIZE_MAX / elem)
        return -1;
    void *np = realloc(*p, nc * elem);
    if (!np)
        return -1;
    *p = np;
    *cap = nc;
    return 0;
}

#endif
