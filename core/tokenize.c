/* tokenize.c - the tokenizer shared by training and prediction (rules in st_tokenize.h).
 *
 * One left-to-right pass. Bytes are classified through a 256-entry table; a plain ASCII word is
 * scanned and folded into the output in one loop and never reaches utf8proc. A word that holds a
 * non-ASCII byte is decoded once more at its end, decomposed and
 * case folded code point by code point (utf8proc_decompose_char), put in canonical order and
 * recomposed (utf8proc_normalize_utf32), which is NFC(casefold(NFD(word))) as utf8proc_map with
 * COMPOSE|CASEFOLD computes it. No locale-dependent call anywhere. */
#include "st_tokenize.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "st_utf8.h"

/* What a code point does to the token stream. */
enum kind {
    K_SEP = 0, /* punctuation or symbol: separates words */
    K_SPACE,   /* white space and U+200B: separates words, keeps a "won 't" repair possible */
    K_WORD,    /* letter or digit: starts or continues a word */
    K_MARK,    /* combining mark: continues a word, ignored elsewhere */
    K_APOS,    /* apostrophe variant: '\'' inside a word, else a separator */
    K_HYPHEN,  /* hyphen: '-' inside a word, else a dash */
    K_CLAUSE,  /* clause punctuation or dash: separates words and ends a negation scope */
    K_DELETE,  /* invisible format character: deleted, the word continues across it */
    K_ZWJ,     /* U+200D: part of an emoji sequence, else deleted */
    K_EMOJI,   /* starts an emoji grapheme cluster */
    K_HIGH     /* byte_kind only: a byte >= 0x80, to be decoded */
};

/* clang-format off */
#define S_ K_SPACE
#define C_ K_CLAUSE
#define A_ K_APOS
#define H_ K_HYPHEN
#define W_ K_WORD
#define X_ K_SEP
#define HI K_HIGH
static const unsigned char byte_kind[256] = {
    S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, /* controls */
    S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, S_, /* controls */
    S_, C_, X_, X_, X_, X_, X_, A_, X_, X_, X_, X_, C_, H_, C_, X_, /*  !"#$%&'()*+,-./ */
    W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, C_, C_, X_, X_, X_, C_, /* 0123456789:;<=>? */
    X_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, /* @ABCDEFGHIJKLMNO */
    W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, X_, X_, X_, X_, X_, /* PQRSTUVWXYZ[\]^_ */
    A_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, /* `abcdefghijklmno */
    W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, W_, X_, X_, X_, X_, S_, /* pqrstuvwxyz{|}~DEL */
    HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, /* 0x80-0x8F: decoded */
    HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, /* 0x90-0x9F: decoded */
    HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, /* 0xA0-0xAF: decoded */
    HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, /* 0xB0-0xBF: decoded */
    HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, /* 0xC0-0xCF: decoded */
    HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, /* 0xD0-0xDF: decoded */
    HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, /* 0xE0-0xEF: decoded */
    HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, /* 0xF0-0xFF: decoded */
};
#undef HI
#undef S_
#undef C_
#undef A_
#undef H_
#undef W_
#undef X_
/* clang-format on */

/* ASCII bytes as they are written into a word: A-Z folded (fold_lower only), '`' -> '\''. */
static const unsigned char fold_lower[128] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
    0x40, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
    0x27, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
};
static const unsigned char fold_keep[128] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
    0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
    0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
    0x27, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
};

/* Kind of a non-ASCII code point (utf8proc's Unicode 15 tables). */
static int classify(int32_t cp)
{
    switch (cp) {
    case 0x200D: return K_ZWJ;
    case 0x200B:
    case 0x0085: return K_SPACE;
    case 0x2019: /* right single quotation mark */
    case 0x2018: /* left single quotation mark */
    case 0x02BC: /* modifier letter apostrophe (a letter, Lm) */
    case 0x00B4: /* acute accent */ return K_APOS;
    case 0x2010: /* hyphen */
    case 0x2011: /* non-breaking hyphen */
    case 0x05BE: /* Hebrew maqaf */
    case 0xFE63: /* small hyphen-minus */
    case 0xFF0D: /* full-width hyphen-minus */ return K_HYPHEN;
    case 0x00A1:
    case 0x00BF:
    case 0x037E:
    case 0x0387:
    case 0x061B:
    case 0x061F:
    case 0x06D4:
    case 0x2026:
    case 0x203C:
    case 0x2047:
    case 0x2048:
    case 0x2049:
    case 0x3001:
    case 0x3002:
    case 0xFE50:
    case 0xFE51:
    case 0xFE52:
    case 0xFE54:
    case 0xFE55:
    case 0xFE56:
    case 0xFE57:
    case 0xFF01:
    case 0xFF0C:
    case 0xFF0E:
    case 0xFF1A:
    case 0xFF1B:
    case 0xFF1F:
    case 0xFF61:
    case 0xFF64: return K_CLAUSE;
    default: break;
    }
    const utf8proc_property_t *pr = utf8proc_get_property(cp);
    switch (pr->category) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO: return K_WORD;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME: return K_MARK;
    case UTF8PROC_CATEGORY_PD: return K_CLAUSE; /* dashes */
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_CC: return K_SPACE;
    case UTF8PROC_CATEGORY_CF: return K_DELETE; /* U+00AD, U+FEFF, U+200C, U+2060, bidi marks... */
    default: break;
    }
    if (pr->boundclass == UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC ||
        pr->boundclass == UTF8PROC_BOUNDCLASS_E_ZWG ||
        pr->boundclass == UTF8PROC_BOUNDCLASS_REGIONAL_INDICATOR)
        return K_EMOJI;
    return K_SEP;
}

/* Kind of the code point at s[pos] (pos < len); *next is the offset after it, *cp the code point
 * (U+FFFD for an invalid byte). */
static inline int kind_at(const unsigned char *s, size_t len, size_t pos, size_t *next, int32_t *cp)
{
    unsigned b = s[pos];
    if (b < 0x80) {
        *next = pos + 1;
        *cp = (int32_t)b;
        return byte_kind[b];
    }
    size_t q = pos;
    int32_t c = st_utf8_next((const char *)s, len, &q);
    *next = q;
    *cp = c;
    if (c == 0xFFFD && q == pos + 1)
        return K_SEP; /* an invalid byte */
    return classify(c);
}

static inline int word_at(const unsigned char *s, size_t len, size_t pos)
{
    if (pos >= len)
        return 0;
    size_t q;
    int32_t cp;
    return kind_at(s, len, pos, &q, &cp) == K_WORD;
}

static inline unsigned char ascii_lower(unsigned char c)
{
    return (unsigned char)((unsigned)(c - 'A') < 26u ? c | 0x20 : c);
}

/* 1 when w[0..n) starts a negation scope (ASCII case-insensitive, so it holds with casefold off).
 * Called for every token: rejects on the first letter before comparing anything. */
static int is_negator(const char *w, size_t n)
{
    const unsigned char *u = (const unsigned char *)w;
    if (n < 2)
        return 0;
    /* every negator starts with 'n' or ends in 't' ("n't" forms included) */
    unsigned char c0 = u[0] < 0x80 ? fold_lower[u[0]] : 0, cl = u[n - 1] < 0x80 ? fold_lower[u[n - 1]] : 0;
    if (c0 != 'n' && cl != 't')
        return 0;
    if (n >= 3 && cl == 't' && u[n - 2] == '\'' && ascii_lower(u[n - 3]) == 'n')
        return 1; /* any "n't" form */
    if (n > 8)
        return 0;
    char lw[8];
    for (size_t i = 0; i < n && i < sizeof lw; i++) /* i < sizeof lw: for -O3's bounds analysis */
        lw[i] = (char)ascii_lower(u[i]);
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(lw, lit, n) == 0)
    switch (c0) {
    case 'n':
        return IS("no") || IS("not") || IS("nor") || IS("never") || IS("none") || IS("nobody") ||
               IS("nothing") || IS("nowhere") || IS("noone") || IS("neither") || IS("neednt");
    case 'c': return IS("cannot") || IS("cant") || IS("couldnt");
    case 'd': return IS("dont") || IS("doesnt") || IS("didnt");
    case 'w': return IS("wont") || IS("wasnt") || IS("werent") || IS("wouldnt");
    case 'i': return IS("isnt");
    case 'a': return IS("arent") || IS("aint");
    case 'h': return IS("hasnt") || IS("havent") || IS("hadnt");
    case 's': return IS("shouldnt");
    case 'm': return IS("mustnt");
    default: return 0;
    }
#undef IS
}

typedef struct tokstate {
    const st_tokenizer_config *cfg;
    const unsigned char *s;
    size_t len;
    st_tokens *out;
    int neg;       /* inside a negation scope */
    int gap_clean; /* only spaces since the last token */
} tokstate;

static int reserve_bytes(st_tokens *t, size_t need)
{
    if (need <= t->buf_cap)
        return 1;
    size_t cap = t->buf_cap ? t->buf_cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(t->buf, cap);
    if (!p)
        return 0;
    t->buf = p;
    t->buf_cap = cap;
    return 1;
}

static int reserve_cps(st_tokens *t, size_t need)
{
    if (need <= t->cps_cap)
        return 1;
    size_t cap = t->cps_cap ? t->cps_cap : 64;
    while (cap < need)
        cap *= 2;
    int32_t *p = realloc(t->cps, cap * sizeof *p);
    if (!p)
        return 0;
    t->cps = p;
    t->cps_cap = cap;
    return 1;
}

static st_status grow_tokens(st_tokens *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    uint32_t *o = realloc(t->off, cap * sizeof *o);
    if (!o)
        return ST_ERR_NOMEM;
    t->off = o;
    uint32_t *l = realloc(t->len, cap * sizeof *l);
    if (!l)
        return ST_ERR_NOMEM;
    t->len = l;
    t->cap = cap;
    return ST_OK;
}

/* Records the token that starts at buf + off, is n bytes long and is already NUL-terminated. */
static inline st_status push_token(st_tokens *t, size_t off, size_t n)
{
    if (t->n == t->cap && grow_tokens(t) != ST_OK)
        return ST_ERR_NOMEM;
    if (off + n + 1 > UINT32_MAX)
        return ST_ERR_TOO_LARGE;
    t->off[t->n] = (uint32_t)off;
    t->len[t->n] = (uint32_t)n;
    t->n++;
    t->buf_len = off + n + 1;
    return ST_OK;
}

/* Writes NFC(casefold(word)) of the non-ASCII word s[start..end) at buf + at, returning its length
 * in *wlen. Apostrophe and hyphen variants become '\'' and '-', format characters vanish. */
static st_status normalise_word(tokstate *ts, size_t start, size_t end, size_t at, size_t *wlen)
{
    st_tokens *o = ts->out;
    const utf8proc_option_t opts =
        (utf8proc_option_t)(UTF8PROC_DECOMPOSE | (ts->cfg->casefold ? UTF8PROC_CASEFOLD : 0));
    size_t n = 0, pos = start;
    while (pos < end) {
        int32_t cp;
        size_t q;
        int k = kind_at(ts->s, end, pos, &q, &cp);
        pos = q;
        if (k == K_DELETE || k == K_ZWJ)
            continue;
        if (k == K_APOS)
            cp = '\'';
        else if (k == K_HYPHEN)
            cp = '-';
        if (cp < 0x80) {
            if (!reserve_cps(o, n + 1))
                return ST_ERR_NOMEM;
            o->cps[n++] = ts->cfg->casefold ? ascii_lower((unsigned char)cp) : cp;
            continue;
        }
        for (;;) {
            if (!reserve_cps(o, n + 32))
                return ST_ERR_NOMEM;
            utf8proc_ssize_t r =
                utf8proc_decompose_char(cp, o->cps + n, (utf8proc_ssize_t)(o->cps_cap - n), opts, NULL);
            if (r < 0) { /* not reachable for a decoded code point; keep it unchanged */
                o->cps[n++] = cp;
                break;
            }
            if ((size_t)r <= o->cps_cap - n) {
                n += (size_t)r;
                break;
            }
            if (!reserve_cps(o, n + (size_t)r))
                return ST_ERR_NOMEM;
        }
    }
    /* Canonical ordering (UAX #15): stable sort of each run of non-starters by combining class. */
    for (size_t i = 1; i < n; i++) {
        int ccc = utf8proc_get_property(o->cps[i])->combining_class;
        if (ccc == 0)
            continue;
        size_t j = i;
        int32_t c = o->cps[i];
        while (j > 0 && utf8proc_get_property(o->cps[j - 1])->combining_class > ccc) {
            o->cps[j] = o->cps[j - 1];
            j--;
        }
        o->cps[j] = c;
    }
    utf8proc_ssize_t m = utf8proc_normalize_utf32(o->cps, (utf8proc_ssize_t)n,
                                                  (utf8proc_option_t)(UTF8PROC_COMPOSE | UTF8PROC_STABLE));
    if (m < 0)
        m = (utf8proc_ssize_t)n; /* not reachable: the input is valid code points */
    if (!reserve_bytes(o, at + 4 * (size_t)m + 1))
        return ST_ERR_NOMEM;
    char *d = o->buf + at;
    size_t w = 0;
    for (utf8proc_ssize_t i = 0; i < m; i++)
        w += st_utf8_encode(o->cps[i], d + w);
    *wlen = w;
    return ST_OK;
}

/* Completes the word written at buf + off (pre bytes of "NOT_" prefix, then wlen bytes): drops a
 * possessive 's, terminates and records it, and opens a negation scope after a negator. */
static st_status finish_word(tokstate *ts, size_t off, size_t pre, size_t wlen)
{
    st_tokens *o = ts->out;
    char *w = o->buf + off + pre;
    if (pre)
        memcpy(o->buf + off, "NOT_", 4);
    if (wlen >= 3 && w[wlen - 2] == '\'' && (w[wlen - 1] == 's' || w[wlen - 1] == 'S'))
        wlen -= 2; /* possessive 's */
    w[wlen] = '\0';
    st_status rc = push_token(o, off, pre + wlen);
    if (rc != ST_OK)
        return rc;
    if (ts->cfg->negation && is_negator(w, wlen))
        ts->neg = 1;
    ts->gap_clean = 1;
    return ST_OK;
}

/* Emits the word s[start..end) (nonascii: it holds a byte >= 0x80). */
static st_status emit_word(tokstate *ts, size_t start, size_t end, int nonascii)
{
    st_tokens *o = ts->out;
    size_t off = o->buf_len;
    size_t pre = (ts->neg && ts->cfg->negation) ? 4 : 0;
    size_t wlen;
    if (!nonascii) {
        if (!reserve_bytes(o, off + pre + (end - start) + 1))
            return ST_ERR_NOMEM;
        unsigned char *d = (unsigned char *)o->buf + off + pre;
        const unsigned char *fold = ts->cfg->casefold ? fold_lower : fold_keep;
        for (size_t i = start; i < end; i++)
            d[i - start] = fold[ts->s[i]];
        wlen = end - start;
    } else {
        st_status rc = normalise_word(ts, start, end, off + pre, &wlen);
        if (rc != ST_OK)
            return rc;
    }
    return finish_word(ts, off, pre, wlen);
}

/* The common case: a word of ASCII letters, digits, inner apostrophes and hyphens starting at the
 * ASCII word byte s[pos], scanned and folded into the buffer in one loop; sets *done and *next.
 * When a non-ASCII byte belongs to the word, leaves *done = 0 having recorded nothing, and the
 * caller takes the general path. */
static st_status ascii_word(tokstate *ts, size_t pos, size_t *next, int *done)
{
    st_tokens *o = ts->out;
    const unsigned char *s = ts->s;
    size_t len = ts->len;
    size_t off = o->buf_len;
    size_t pre = (ts->neg && ts->cfg->negation) ? 4 : 0;
    *done = 0;
    if (!reserve_bytes(o, off + pre + (len - pos) + 1)) /* room for the longest possible word */
        return ST_ERR_NOMEM;
    unsigned char *d = (unsigned char *)o->buf + off + pre;
    const unsigned char *fold = ts->cfg->casefold ? fold_lower : fold_keep;
    size_t p = pos;
    for (;;) {
        *d++ = fold[s[p++]];
        if (p >= len)
            break;
        int k = byte_kind[s[p]];
        if (k == K_WORD)
            continue;
        if (k == K_HIGH)
            return ST_OK;
        if (k != K_APOS && k != K_HYPHEN)
            break;
        if (p + 1 >= len)
            break;
        k = byte_kind[s[p + 1]];
        if (k == K_HIGH)
            return ST_OK; /* "l'été": decided on the general path */
        if (k != K_WORD)
            break;
    }
    *next = p;
    *done = 1;
    return finish_word(ts, off, pre, p - pos);
}

/* End of the emoji grapheme cluster whose first code point first ends at q. */
static size_t scan_emoji(const unsigned char *s, size_t len, size_t q, int32_t first)
{
    utf8proc_int32_t state = 0;
    int32_t prev = first;
    size_t p = q;
    while (p < len) {
        size_t nq = p;
        int32_t cp = st_utf8_next((const char *)s, len, &nq);
        if (cp == 0xFFFD && nq == p + 1 && s[p] >= 0x80)
            break; /* an invalid byte never joins a token */
        if (utf8proc_grapheme_break_stateful(prev, cp, &state))
            break;
        prev = cp;
        p = nq;
    }
    /* a dangling ZWJ at the end is not part of the emoji */
    while (p - q >= 3 && s[p - 3] == 0xE2 && s[p - 2] == 0x80 && s[p - 1] == 0x8D)
        p -= 3;
    return p;
}

static st_status emit_emoji(tokstate *ts, size_t start, size_t end)
{
    st_tokens *o = ts->out;
    size_t off = o->buf_len;
    size_t pre = (ts->neg && ts->cfg->negation) ? 4 : 0;
    if (!reserve_bytes(o, off + pre + (end - start) + 1))
        return ST_ERR_NOMEM;
    if (pre)
        memcpy(o->buf + off, "NOT_", 4);
    memcpy(o->buf + off + pre, ts->s + start, end - start);
    o->buf[off + pre + (end - start)] = '\0';
    st_status rc = push_token(o, off, pre + (end - start));
    if (rc == ST_OK)
        ts->gap_clean = 1;
    return rc;
}

/* End of the word whose first code point ends at pos; *nonascii is set when it holds a byte
 * >= 0x80 after pos. */
static size_t scan_word(const unsigned char *s, size_t len, size_t pos, int *nonascii)
{
    int na = 0;
    while (pos < len) {
        unsigned b = s[pos];
        if (b < 0x80) {
            int k = byte_kind[b];
            if (k == K_WORD) {
                pos++;
                continue;
            }
            if ((k == K_APOS || k == K_HYPHEN) && word_at(s, len, pos + 1)) {
                pos++;
                continue;
            }
            break;
        }
        size_t q;
        int32_t cp;
        int k = kind_at(s, len, pos, &q, &cp);
        if (k == K_WORD || k == K_MARK || k == K_DELETE || k == K_ZWJ ||
            ((k == K_APOS || k == K_HYPHEN) && word_at(s, len, q))) {
            na = 1;
            pos = q;
            continue;
        }
        break;
    }
    *nonascii = na;
    return pos;
}

/* E13(d): an apostrophe ending at q after only spaces since a token that ends in 'n', followed by
 * a lone "t": joins "'t" to that token. Returns 1 and sets *next when it did. */
static st_status try_repair(tokstate *ts, size_t q, size_t *next, int *done)
{
    st_tokens *o = ts->out;
    const unsigned char *s = ts->s;
    *done = 0;
    if (!ts->gap_clean || o->n == 0 || q >= ts->len || (s[q] != 't' && s[q] != 'T') ||
        word_at(s, ts->len, q + 1))
        return ST_OK;
    size_t last = o->n - 1;
    const char *t = o->buf + o->off[last];
    size_t tl = o->len[last];
    if (ascii_lower((unsigned char)t[tl - 1]) != 'n')
        return ST_OK;
    if (!reserve_bytes(o, o->buf_len + 2))
        return ST_ERR_NOMEM;
    char *e = o->buf + o->off[last] + tl; /* the NUL, at buf_len - 1 */
    e[0] = '\'';
    e[1] = ts->cfg->casefold ? 't' : (char)s[q];
    e[2] = '\0';
    o->len[last] += 2;
    o->buf_len += 2;
    t = o->buf + o->off[last];
    tl = o->len[last];
    if (tl > 4 && memcmp(t, "NOT_", 4) == 0) {
        t += 4;
        tl -= 4;
    }
    if (ts->cfg->negation && is_negator(t, tl))
        ts->neg = 1;
    *next = q + 1;
    *done = 1;
    return ST_OK;
}

st_tokenizer_config st_tokenizer_config_default(void)
{
    st_tokenizer_config c = {.casefold = 1, .negation = 1, .punct = 0};
    return c;
}

int st_tokenizer_config_equal(const st_tokenizer_config *a, const st_tokenizer_config *b)
{
    return a->casefold == b->casefold && a->negation == b->negation && a->punct == b->punct;
}

/* 1 when the code point cp of kind k (a separator that is no part of a word) is a token under
 * punctuation level `level` (st_tokenizer_config.punct). */
static int punct_token(int level, int k, int32_t cp)
{
    if (level == 1)
        return cp == '?' || cp == '!';
    return level == 2 && (k == K_SEP || k == K_CLAUSE || k == K_APOS || k == K_HYPHEN) && cp != 0xFFFD;
}

void st_tokens_init(st_tokens *t)
{
    memset(t, 0, sizeof *t);
}

void st_tokens_free(st_tokens *t)
{
    free(t->buf);
    free(t->off);
    free(t->len);
    free(t->cps);
    st_tokens_init(t);
}

st_status st_tokenize(const st_tokenizer_config *cfg, const char *text, size_t len, st_tokens *out)
{
    st_tokenizer_config def = st_tokenizer_config_default();
    tokstate ts = {.cfg = cfg ? cfg : &def, .s = (const unsigned char *)text, .len = len, .out = out};
    out->n = 0;
    out->buf_len = 0;
    if (len > ST_TOKENIZE_MAX_BYTES)
        return ST_ERR_TOO_LARGE;
    const unsigned char *s = ts.s;
    size_t pos = 0;
    st_status rc = ST_OK;
    while (pos < len) {
        unsigned b = s[pos];
        if (b == ' ') {
            pos++;
            continue;
        }
        size_t q;
        int32_t cp;
        int k;
        if (b < 0x80) {
            k = byte_kind[b];
            q = pos + 1;
            cp = (int32_t)b;
        } else {
            k = kind_at(s, len, pos, &q, &cp);
        }
        switch (k) {
        case K_WORD: {
            if (b < 0x80) {
                int done;
                size_t next;
                if ((rc = ascii_word(&ts, pos, &next, &done)) != ST_OK)
                    return rc;
                if (done) {
                    pos = next;
                    continue;
                }
            }
            int na;
            size_t end = scan_word(s, len, q, &na);
            if ((rc = emit_word(&ts, pos, end, na || b >= 0x80)) != ST_OK)
                return rc;
            pos = end;
            continue;
        }
        case K_EMOJI: {
            size_t end = scan_emoji(s, len, q, cp);
            if ((rc = emit_emoji(&ts, pos, end)) != ST_OK)
                return rc;
            pos = end;
            continue;
        }
        case K_APOS: {
            int done;
            size_t next;
            if ((rc = try_repair(&ts, q, &next, &done)) != ST_OK)
                return rc;
            if (done) {
                pos = next;
                continue;
            }
            ts.gap_clean = 0;
            break;
        }
        case K_HYPHEN:
        case K_CLAUSE:
            ts.neg = 0;
            ts.gap_clean = 0;
            break;
        case K_SPACE:
        case K_MARK:
        case K_DELETE:
        case K_ZWJ: break;
        default: ts.gap_clean = 0; break;
        }
        /* a punctuation token is copied as is, like an emoji */
        if (ts.cfg->punct && punct_token(ts.cfg->punct, k, cp) && (rc = emit_emoji(&ts, pos, q)) != ST_OK)
            return rc;
        pos = q;
    }
    return ST_OK;
}
