/* quotes.c - quotation marks found and paired into direct quotes (st_quotes.h).
 *
 * One left-to-right pass per paragraph (a paragraph is a run of text between newlines) with a
 * small stack of open marks. Each mark is judged by its kind (opening “ „ « ‘ ‚, closing ” » ’,
 * neutral " ') and by its flanks (CommonMark-style: a mark followed by a non-space can open, a mark
 * preceded by a non-space can close), so straight quotes with no space before the opener
 * (`close."Five`) pair correctly, ’ between letters or after a space is an apostrophe, and a
 * closer of the wrong kind (“…“) still closes. At a paragraph end an open quote continues when the
 * next paragraph reopens with a mark of the same family (the news convention), and otherwise stops
 * there, flagged unclosed. Inside an open quote, an opening mark after a sentence end reopens the
 * quote (paragraphs joined by a space lose their newline but keep the reopening mark). An unclosed
 * single quote at a paragraph end was most likely an apostrophe: the paragraph is scanned again
 * without it (at most a few times per paragraph, so the whole pass stays linear).
 * Attribution is in quotes_attrib.c. */
#include "st_quotes.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "quotes_int.h"

/* ---------------------------------------------------------------- UTF-8 and character classes */

int32_t q_next_u(const char *s, size_t len, size_t *pos)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t p = *pos;
    assert(p < len);
    unsigned c = u[p];
    if (c < 0x80) {
        *pos = p + 1;
        return (int32_t)c;
    }
    int n;
    int32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
        cp = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        cp = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        *pos = p + 1;
        return 0xFFFD;
    }
    for (int i = 1; i <= n; i++) {
        if (p + (size_t)i >= len || (u[p + (size_t)i] & 0xC0) != 0x80) {
            *pos = p + 1;
            return 0xFFFD;
        }
        cp = (cp << 6) | (u[p + (size_t)i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        *pos = p + 1;
        return 0xFFFD;
    }
    *pos = p + (size_t)n + 1;
    return cp;
}

int32_t q_prev_u(const char *s, size_t pos, size_t *start)
{
    const unsigned char *u = (const unsigned char *)s;
    assert(pos > 0);
    if (u[pos - 1] < 0x80) {
        *start = pos - 1;
        return (int32_t)u[pos - 1];
    }
    size_t b = pos - 1;
    size_t lim = pos >= 4 ? pos - 4 : 0;
    while (b > lim && (u[b] & 0xC0) == 0x80)
        b--;
    size_t p = b;
    int32_t cp = q_next(s, pos, &p);
    if (p != pos) { /* invalid: one byte wide */
        *start = pos - 1;
        return 0xFFFD;
    }
    *start = b;
    return cp;
}

int q_is_space_u(int32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' || cp == 0xA0 ||
           (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

int q_is_alnum_u(int32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO: return 1;
    default: return 0;
    }
}

int q_is_upper_u(int32_t cp)
{
    if (cp < 0x80)
        return cp >= 'A' && cp <= 'Z';
    utf8proc_category_t c = utf8proc_category(cp);
    return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LT;
}

int q_is_lower_u(int32_t cp)
{
    if (cp < 0x80)
        return cp >= 'a' && cp <= 'z';
    return utf8proc_category(cp) == UTF8PROC_CATEGORY_LL;
}

/* ---------------------------------------------------------------- byte-class blocks */

#if defined(__SSE2__)
/* x in [lo, lo + n), unsigned, for each byte of v. */
static inline __m128i in_range(__m128i v, char lo, int n)
{
    __m128i biased = _mm_add_epi8(_mm_sub_epi8(v, _mm_set1_epi8(lo)), _mm_set1_epi8((char)0x80));
    return _mm_cmplt_epi8(biased, _mm_set1_epi8((char)(0x80 + n)));
}

static inline __m128i eq(__m128i v, char c)
{
    return _mm_cmpeq_epi8(v, _mm_set1_epi8(c));
}

static inline uint64_t bits16(__m128i m, unsigned k)
{
    return (uint64_t)(unsigned)_mm_movemask_epi8(m) << k;
}
#endif

void q_block_load(qblock *b, const char *s, size_t len, size_t pos)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t base = pos & ~(size_t)63;
    uint64_t alnum = 0, alpha = 0, upper = 0, space = 0, nl = 0, join = 0, dot = 0, high = 0, apos = 0,
             sfin = 0;
    size_t k = 0, n = base < len ? (len - base < 64 ? len - base : 64) : 0;
#if defined(__SSE2__)
    unsigned char pad[64]; /* the last, short block, padded with zero bytes: they are in no class */
    const unsigned char *src = u + base;
    if (n < 64) {
        memset(pad, 0, sizeof pad);
        if (n)
            memcpy(pad, u + base, n);
        src = pad;
    }
    for (; k < 64; k += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(src + k));
        unsigned sh = (unsigned)k;
        __m128i lc = _mm_or_si128(v, _mm_set1_epi8(0x20)), al = in_range(lc, 'a', 26), dt = eq(v, '.'),
                ap = eq(v, '\'');
        alpha |= bits16(al, sh);
        alnum |= bits16(_mm_or_si128(al, in_range(v, '0', 10)), sh);
        upper |= bits16(in_range(v, 'A', 26), sh);
        space |= bits16(_mm_or_si128(in_range(v, '\t', 5), eq(v, ' ')), sh);
        nl |= bits16(_mm_or_si128(eq(v, '\n'), eq(v, '\r')), sh);
        join |= bits16(_mm_or_si128(_mm_or_si128(dt, ap), _mm_or_si128(eq(v, '-'), eq(v, '&'))), sh);
        apos |= bits16(ap, sh);
        sfin |= bits16(eq(lc, 's'), sh);
        dot |= bits16(dt, sh);
        high |= bits16(v, sh);
    }
#else
    for (; k < n; k++) {
        unsigned char c = u[base + k];
        unsigned cl = c < 0x80 ? q_ascii[c] : 0;
        alnum |= (uint64_t)((cl & QA_ALNUM) != 0) << k;
        alpha |= (uint64_t)((cl & QA_ALNUM) && !(c >= '0' && c <= '9')) << k;
        upper |= (uint64_t)((cl & QA_UPPER) != 0) << k;
        space |= (uint64_t)((cl & QA_SPACE) != 0) << k;
        nl |= (uint64_t)(c == '\n' || c == '\r') << k;
        join |= (uint64_t)(c == '\'' || c == '-' || c == '.' || c == '&') << k;
        dot |= (uint64_t)(c == '.') << k;
        high |= (uint64_t)(c >= 0x80) << k;
        apos |= (uint64_t)(c == '\'') << k;
        sfin |= (uint64_t)(c == 's' || c == 'S') << k;
    }
#endif
    /* the joiners a word runs through: the bytes on each side, across the block's edges too */
    uint64_t a_prev = alnum << 1, a_next = alnum >> 1, u_prev = upper << 1, u_next = upper >> 1;
    if (base > 0 && base <= len && u[base - 1] < 0x80) {
        a_prev |= (q_ascii[u[base - 1]] & QA_ALNUM) != 0;
        u_prev |= (q_ascii[u[base - 1]] & QA_UPPER) != 0;
    }
    if (base + 64 < len && u[base + 64] < 0x80) {
        a_next |= (uint64_t)((q_ascii[u[base + 64]] & QA_ALNUM) != 0) << 63;
        u_next |= (uint64_t)((q_ascii[u[base + 64]] & QA_UPPER) != 0) << 63;
    }
    b->base = base;
    b->alnum = alnum;
    b->alpha = alpha;
    b->upper = upper;
    b->space = space;
    b->nl = nl;
    b->word = alnum | (join & a_prev & a_next & (~dot | u_prev | u_next));
    uint64_t h_next = high >> 1;
    if (base + 64 < len)
        h_next |= (uint64_t)(u[base + 64] >= 0x80) << 63;
    b->ends = high | (join & h_next);
    b->apos = apos;
    b->sfin = sfin;
}

/* The first byte at or after pos (< end <= len) that the pairing scan must look at: one of the
 * ASCII marks " ' ` or a byte >= 0x80 (end when none). Reads no byte at or past len. */
static size_t skip_plain(const char *s, size_t pos, size_t end, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
#if defined(__SSE2__)
    for (; pos < end && pos + 16 <= len; pos += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(u + pos));
        __m128i m = _mm_or_si128(_mm_or_si128(eq(v, '"'), eq(v, '\'')), _mm_or_si128(eq(v, '`'), v));
        unsigned bits = (unsigned)_mm_movemask_epi8(m); /* or v: its high bit, the bytes >= 0x80 */
        if (bits)
            return pos + q_ctz64(bits) < end ? pos + q_ctz64(bits) : end;
    }
    if (pos >= end)
        return end;
#endif
    while (pos < end && u[pos] < 0x80 && !(q_ascii[u[pos]] & QA_MARK))
        pos++;
    return pos;
}

/* ---------------------------------------------------------------- tokens */

static int is_apos(int32_t cp)
{
    return cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == 0x02BC;
}

static int is_dash(int32_t cp)
{
    return cp == '-' || (cp >= 0x2012 && cp <= 0x2015) || cp == 0x2212;
}

static int is_qmark(int32_t cp)
{
    return cp == '"' || cp == '\'' || (cp >= 0x2018 && cp <= 0x201F) || cp == 0xAB || cp == 0xBB ||
           cp == 0x2039 || cp == 0x203A || (cp >= 0x300C && cp <= 0x300F);
}

/* The end of the word that starts at byte pos (its first code point already read): letters and
 * digits, and an apostrophe, hyphen, dot or ampersand between two of them (a dot only next to a
 * capital: U.S., J.K., but not "end.Next"). Decodes every code point: the general case. */
static size_t word_end_slow(const char *s, size_t len, size_t pos)
{
    const unsigned char *u = (const unsigned char *)s;
    for (;;) {
        while (pos < len && u[pos] < 0x80 && (q_ascii[u[pos]] & QA_ALNUM))
            pos++;
        if (pos >= len)
            break;
        unsigned char byte = u[pos];
        size_t p = pos, p2;
        if (byte < 0x80) {
            if (!(byte == '\'' || byte == '-' || byte == '.' || byte == '&') || pos + 1 >= len)
                break;
            p2 = pos + 1;
            int32_t n2 = q_next(s, len, &p2);
            if (!q_is_alnum(n2))
                break;
            if (byte == '.' && !q_is_upper(n2)) {
                size_t st;
                if (!q_is_upper(q_prev(s, pos, &st)))
                    break;
            }
            pos++; /* the joiner; the alphanumeric after it is read next */
            continue;
        }
        int32_t nx = q_next_u(s, len, &p);
        if (q_is_alnum(nx)) {
            pos = p;
            continue;
        }
        if (!is_apos(nx) || p >= len)
            break;
        p2 = p;
        if (!q_is_alnum(q_next(s, len, &p2)))
            break;
        pos = p;
    }
    return pos;
}

/* TK_DIGIT, TK_CAP, TK_ALLCAP and TK_POSS of the word s[a..e) that starts with code point first. */
static uint16_t word_flags_slow(const char *s, size_t a, size_t e, int32_t first)
{
    int letters = 0, uppers = 0;
    if (!q_is_lower(first)) {
        for (size_t p = a; p < e;) {
            int32_t x = q_next(s, e, &p);
            if (q_is_alnum(x) && !(x >= '0' && x <= '9')) {
                letters++;
                uppers += q_is_upper(x) != 0;
            }
        }
    }
    int32_t second = 0, third = 0, last, before_last = 0;
    size_t p = a, st;
    (void)q_next(s, e, &p);
    if (p < e)
        second = q_next(s, e, &p);
    if (p < e)
        third = q_next(s, e, &p);
    last = q_prev(s, e, &st);
    if (st > a)
        before_last = q_prev(s, st, &st);
    uint16_t fl = 0;
    if (first >= '0' && first <= '9')
        fl |= TK_DIGIT;
    if (q_is_upper(first) && !(is_apos(second) && q_is_lower(third)))
        fl |= TK_CAP;
    if (letters >= 2 && uppers == letters)
        fl |= TK_ALLCAP;
    if ((last == 's' || last == 'S') && is_apos(before_last))
        fl |= TK_POSS;
    return fl;
}

/* The same flags for an all-ASCII word s[a..e) that lies in b's block, from b's masks (a mask bit
 * outside the word is never looked at: each is ANDed with the word's bits first). */
static inline uint16_t word_flags_ascii(const qblock *b, size_t a, size_t e)
{
    assert((a & ~(size_t)63) == b->base && ((e - 1) & ~(size_t)63) == b->base);
    /* arithmetic, not branches: whether a word is capitalised is what a branch predictor cannot
     * guess */
    size_t n = e - a;
    unsigned off = (unsigned)(a & 63);
    uint64_t in = (n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1) << off;
    uint64_t lt = b->alpha & in; /* the letters */
    uint64_t lower = lt & ~b->upper, apos = b->apos & in;
    unsigned elision = (unsigned)((((apos >> 1) & (lower >> 2)) >> off) & 1); /* L'ete: ' then a-z */
    unsigned cap = (unsigned)((b->upper >> off) & 1) & !elision;
    unsigned allcap = ((lt & (lt - 1)) != 0) & (lower == 0); /* two letters or more, all capitals */
    unsigned poss = (unsigned)(((b->sfin & (apos << 1)) >> ((e - 1) & 63)) & 1); /* 's or 'S */
    unsigned digit = (unsigned)(((b->alnum & ~b->alpha) >> off) & 1);
    return (uint16_t)(digit * TK_DIGIT | cap * TK_CAP | allcap * TK_ALLCAP | poss * TK_POSS);
}

/* The ASCII punctuation flags of each byte < 0x80 (TK_QMARK, TK_DASH). */
static uint16_t punct_flags(unsigned char c)
{
    return (uint16_t)((c == '"' || c == '\'' ? TK_QMARK : 0) | (c == '-' ? TK_DASH : 0));
}

st_status q_scan_tokens(qctx *c)
{
    const char *s = c->s;
    const unsigned char *u = (const unsigned char *)s;
    size_t len = c->len, pos = 0;
    int newpara = 1;
    qblock b = {SIZE_MAX, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    /* news text has about one token per five bytes: one allocation for most articles */
    if (q_grow((void **)&c->tok, &c->cap_tok, len / 4 + 16, sizeof *c->tok))
        return ST_ERR_NOMEM;
    /* the array in locals: stores into tokens cannot then be taken for stores into *c */
    qtok *tk = c->tok;
    size_t nt = c->ntok, cap = c->cap_tok;
    while (pos < len) {
        q_block_at(&b, s, len, pos);
        unsigned off = (unsigned)(pos & 63);
        if ((b.space >> off) & 1) { /* a run of ASCII spaces: does it hold a line end? */
            /* block by block, each loaded once (no byte at or past len is a space) */
            for (;;) {
                uint64_t rest = ~(b.space >> off);
                unsigned n = rest ? q_ctz64(rest) : 64; /* <= 64 - off: the shift brings in zeros */
                newpara |= ((b.nl >> off) & (n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1)) != 0;
                pos += n;
                if (n < 64 - off || pos >= len)
                    break;
                q_block_at(&b, s, len, pos);
                off = 0;
            }
            continue;
        }
        size_t a = pos, e;
        uint16_t fl = newpara ? TK_PARA : 0;
        int32_t cp = 0; /* a punctuation token's code point */
        unsigned char ch = u[pos];
        if (ch < 0x80 && ((b.alnum >> off) & 1)) {
            uint64_t rest = ~(b.word >> off); /* the shift brings in zeros: 0 only for a whole block */
            unsigned n = rest ? q_ctz64(rest) : 64;
            e = pos + n;
            /* the masks see ASCII only: a word that runs into other bytes takes the general path, and
             * so does one that reaches the block's end (its flags then from its bytes) */
            if (n < 64 - off && !(e < len && ((b.ends >> (e & 63)) & 1))) {
                fl |= TK_WORD | word_flags_ascii(&b, a, e);
            } else {
                e = q_run_end(&b, s, len, pos, QB_WORD);
                if (e < len && ((b.ends >> (e & 63)) & 1)) /* b holds byte e when e < len */
                    e = word_end_slow(s, len, a + 1);
                fl |= TK_WORD | word_flags_slow(s, a, e, (int32_t)ch);
            }
        } else if (ch < 0x80) { /* ASCII punctuation: one byte */
            e = a + 1;
            cp = (int32_t)ch;
            fl |= TK_PUNCT | punct_flags(ch);
        } else {
            size_t p = pos;
            int32_t x = q_next_u(s, len, &p);
            if (q_is_space_u(x)) {
                pos = p;
                continue;
            }
            if (q_is_alnum_u(x)) {
                e = word_end_slow(s, len, p);
                fl |= TK_WORD | word_flags_slow(s, a, e, x);
            } else {
                e = p;
                cp = x;
                fl |= TK_PUNCT | (is_qmark(x) ? TK_QMARK : 0) | (is_dash(x) ? TK_DASH : 0);
            }
        }
        newpara = 0;
        if (nt == cap) {
            c->ntok = nt;
            if (q_grow((void **)&c->tok, &c->cap_tok, nt + 1, sizeof *c->tok))
                return ST_ERR_NOMEM;
            tk = c->tok;
            cap = c->cap_tok;
        }
        qtok *t = &tk[nt++];
        t->start = a;
        t->end = e;
        t->sent = 0;
        t->flags = fl;
        t->cp = cp;
        t->lex = (fl & TK_WORD) ? Q_LEX_UNSET : 0;
        pos = e;
    }
    c->ntok = nt;
    return ST_OK;
}

/* ---------------------------------------------------------------- marks */

enum kind {
    K_NONE = 0,
    K_DQ_EN,  /* “ … ”   */
    K_DQ_LOW, /* „ … “   */
    K_DQ_ST,  /* " … "   */
    K_DQ_RQ,  /* ” … ”   (Swedish, or a wrong-kind opener) */
    K_GU_FR,  /* « … »   */
    K_GU_DE,  /* » … «   */
    K_SG_FR,  /* ‹ … ›   */
    K_SG_DE,  /* › … ‹   */
    K_SQ_EN,  /* ‘ … ’   */
    K_SQ_LOW, /* ‚ … ‘   */
    K_SQ_ST,  /* ' … '   */
    K_CJK1,   /* 「 … 」 */
    K_CJK2    /* 『 … 』 */
};

enum family { F_NONE, F_DQ, F_GU, F_SQ, F_CJK };

static enum family kind_family(int k)
{
    switch (k) {
    case K_DQ_EN:
    case K_DQ_LOW:
    case K_DQ_ST:
    case K_DQ_RQ: return F_DQ;
    case K_GU_FR:
    case K_GU_DE:
    case K_SG_FR:
    case K_SG_DE: return F_GU;
    case K_SQ_EN:
    case K_SQ_LOW:
    case K_SQ_ST: return F_SQ;
    case K_CJK1:
    case K_CJK2: return F_CJK;
    default: return F_NONE;
    }
}

static int is_mark_cp(int32_t cp)
{
    switch (cp) {
    case '`':
    case '"':
    case '\'':
    case 0x2018:
    case 0x2019:
    case 0x201A:
    case 0x201B:
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0x201F:
    case 0x00AB:
    case 0x00BB:
    case 0x2039:
    case 0x203A:
    case 0x300C:
    case 0x300D:
    case 0x300E:
    case 0x300F: return 1;
    default: return 0;
    }
}

static int is_single_cp(int32_t cp)
{
    return cp == '\'' || cp == 0x2018 || cp == 0x2019 || cp == 0x201A || cp == 0x201B;
}

/* Punctuation that can follow a closing mark but never starts quoted text. */
static int is_close_punct(int32_t cp)
{
    return cp == ',' || cp == ';' || cp == ':' || cp == ')' || cp == ']' || cp == '}' || cp == '!' ||
           cp == '?' || cp == '.';
}

static int is_sentence_punct(int32_t cp)
{
    return cp == '.' || cp == '?' || cp == '!' || cp == 0x2026 || cp == ':';
}

/* Does an open quote of kind k end at mark cp? rflank_only: the mark looks like a closer (text
 * before it, space or punctuation after it). */
static int closes(int k, int32_t cp, int rflank_only)
{
    switch (k) {
    case K_DQ_EN:
    case K_DQ_ST: return cp == 0x201D || cp == '"' || (cp == 0x201C && rflank_only);
    case K_DQ_LOW: return cp == 0x201C || cp == 0x201D || cp == '"';
    case K_DQ_RQ: return cp == 0x201D || cp == '"';
    case K_GU_FR: return cp == 0x00BB;
    case K_GU_DE: return cp == 0x00AB;
    case K_SG_FR: return cp == 0x203A;
    case K_SG_DE: return cp == 0x2039;
    case K_SQ_EN:
    case K_SQ_ST: return cp == 0x2019 || cp == '\'' || (cp == 0x2018 && rflank_only);
    case K_SQ_LOW: return cp == 0x2018 || cp == 0x2019;
    case K_CJK1: return cp == 0x300D;
    case K_CJK2: return cp == 0x300F;
    default: return 0;
    }
}

/* Can the first mark of a paragraph reopen a quote of kind k that ran over from the last one? */
static int reopens(int k, int32_t cp)
{
    switch (kind_family(k)) {
    case F_DQ:
        return cp == 0x201C || cp == '"' || cp == 0x201E || cp == 0x201F || (k == K_DQ_RQ && cp == 0x201D);
    case F_GU:
        return (k == K_GU_FR && cp == 0x00AB) || (k == K_GU_DE && cp == 0x00BB) ||
               (k == K_SG_FR && cp == 0x2039) || (k == K_SG_DE && cp == 0x203A);
    case F_SQ: return cp == 0x2018 || cp == '\'' || cp == 0x201A || cp == 0x201B;
    case F_CJK: return (k == K_CJK1 && cp == 0x300C) || (k == K_CJK2 && cp == 0x300E);
    default: return 0;
    }
}

/* ---------------------------------------------------------------- pairing */

#define MAX_DEPTH 16
#define MAX_RESCANS 6

typedef struct open_mark {
    int kind;
    size_t pos, len; /* the mark */
    size_t content;  /* first byte after the mark (and its padding) */
    size_t para;
    size_t reopen0; /* ctx->nreopen when the quote opened */
} open_mark;

typedef struct skip_list {
    size_t at[MAX_RESCANS]; /* byte offsets of single openers to ignore at depth 0 */
    int n;
    int all; /* ignore every single opener at depth 0 */
} skip_list;

static int skipped(const skip_list *sk, size_t pos)
{
    if (sk->all)
        return 1;
    for (int i = 0; i < sk->n; i++)
        if (sk->at[i] == pos)
            return 1;
    return 0;
}

typedef struct scan_state {
    open_mark st[MAX_DEPTH];
    int depth;
} scan_state;

static size_t skip_pad(const char *s, size_t pos, size_t end)
{
    while (pos < end) {
        size_t p = pos;
        int32_t cp = q_next(s, end, &p);
        if (cp != 0xA0 && cp != 0x202F && cp != ' ' && cp != 0x2009)
            break;
        pos = p;
    }
    return pos;
}

/* Emits the quote that opened at o and whose content ends at cend (before the closing mark, or
 * the paragraph end), closing at after. Empty content is dropped. */
static st_status emit(qctx *ctx, const open_mark *o, size_t cend, size_t after, size_t para1, int unclosed)
{
    const char *s = ctx->s;
    size_t a = o->content, b = cend;
    /* trim both ends, then one trailing comma, then trim again */
    while (a < b) {
        size_t p = a;
        int32_t cp = q_next(s, b, &p);
        if (!q_is_space(cp))
            break;
        a = p;
    }
    int comma = 0;
    for (int pass = 0; pass < 2; pass++) {
        while (b > a) {
            size_t st;
            int32_t cp = q_prev(s, b, &st);
            if (!q_is_space(cp) || st < a)
                break;
            b = st;
        }
        if (pass == 0 && b > a && s[b - 1] == ',') {
            b--;
            comma = 1;
        } else {
            break;
        }
    }
    if (b <= a) {
        ctx->nreopen = o->reopen0;
        return ST_OK;
    }
    if (q_grow((void **)&ctx->q, &ctx->cap_q, ctx->nq + 1, sizeof *ctx->q))
        return ST_ERR_NOMEM;
    rawq *q = &ctx->q[ctx->nq++];
    memset(q, 0, sizeof *q);
    q->open = o->pos;
    q->start = a;
    q->end = b;
    q->after = after;
    q->para0 = o->para;
    q->para1 = para1;
    q->reopen0 = o->reopen0;
    q->reopen_n = ctx->nreopen - o->reopen0;
    q->unclosed = unclosed;
    q->ends_comma = comma;
    /* does the content end a sentence? look past nested closing marks */
    size_t e = b;
    while (e > a) {
        size_t st;
        int32_t cp = q_prev(s, e, &st);
        if (is_mark_cp(cp) && st >= a) {
            e = st;
            continue;
        }
        q->ends_sentence = cp == '.' || cp == '?' || cp == '!' || cp == 0x2026;
        break;
    }
    return ST_OK;
}

static st_status add_reopen(qctx *ctx, size_t a, size_t b)
{
    if (q_grow((void **)&ctx->reopen, &ctx->cap_reopen, ctx->nreopen + 1, sizeof *ctx->reopen))
        return ST_ERR_NOMEM;
    ctx->reopen[ctx->nreopen].start = a;
    ctx->reopen[ctx->nreopen].end = b;
    ctx->nreopen++;
    return ST_OK;
}

/* Is the last non-space character before pos (within the paragraph from p0) a sentence end or a
 * closing mark? Used to tell a reopening mark from a nested opener. */
static int after_sentence_end(const char *s, size_t p0, size_t pos)
{
    size_t b = pos;
    int saw_space = 0;
    while (b > p0) {
        size_t st;
        int32_t cp = q_prev(s, b, &st);
        if (q_is_space(cp)) {
            saw_space = 1;
            b = st;
            continue;
        }
        return saw_space &&
               (is_sentence_punct(cp) || cp == 0x201D || cp == 0x2019 || cp == 0x00BB || cp == '"');
    }
    return 1;
}

/* For ’ or ' after an s (a plural possessive or a closer): is there another closer-looking single
 * mark soon after in the same paragraph? Bounded lookahead. */
static int later_single_closer(const char *s, size_t pos, size_t pend)
{
    size_t lim = pos + 400 < pend ? pos + 400 : pend;
    size_t p = pos;
    int32_t prev = 0;
    while (p < lim) {
        int32_t cp = q_next(s, pend, &p);
        if ((cp == 0x2019 || cp == '\'') && prev != 0 && !q_is_space(prev)) {
            int32_t nx = 0;
            if (p < pend) {
                size_t pp = p;
                nx = q_next(s, pend, &pp);
            }
            if (!q_is_alnum(nx))
                return 1;
        }
        if (cp == 0x201D || cp == '"')
            return 0;
        prev = cp;
    }
    return 0;
}

/* Scans paragraph pi from byte `from` with state ss; on return ss holds the quote that continues
 * into the next paragraph (depth 0 when none). Single openers in sk are ignored at depth 0. *restart
 * receives 1 + the offset of an unclosed depth-0 single opener that should be skipped in a rescan
 * of the paragraph (0 when none). */
static st_status scan_para(qctx *ctx, size_t pi, size_t from, scan_state *ss, const skip_list *sk,
                           size_t *restart)
{
    const char *s = ctx->s;
    size_t p0 = ctx->para[pi].start, pend = ctx->para[pi].end;
    size_t pos = from;
    int32_t prev; /* the code point before the current mark, 0 at the paragraph start */
    st_status rc = ST_OK;
    *restart = 0;
    while (pos < pend) {
        pos = skip_plain(s, pos, pend, ctx->len); /* fast path: ASCII other than a mark */
        if (pos >= pend)
            break;
        size_t mpos = pos;
        int32_t cp = q_next(s, pend, &pos);
        if (!is_mark_cp(cp))
            continue;
        if (mpos > p0) {
            /* the code point before the mark (a '' or `` pair before it reads as the same kind
             * of neutral mark as its first half) */
            size_t st;
            prev = q_prev(s, mpos, &st);
        } else {
            prev = 0;
        }
        if ((cp == '\'' || cp == '`') && pos < pend && s[pos] == (char)cp) {
            pos++; /* '' and ``: one double mark (newswire archives, TeX) */
            cp = cp == '`' ? 0x201C : '"';
        }
        size_t mlen = pos - mpos;
        int32_t next = 0;
        if (pos < pend) {
            size_t pp = pos;
            next = q_next(s, pend, &pp);
        }
        int sp_prev = prev == 0 || q_is_space(prev) || prev == '(' || prev == '[' || prev == '{' ||
                      prev == 0x2014 || prev == 0x2013 || prev == '/' ||
                      (is_mark_cp(prev) && prev != 0x201D && prev != 0x2019 && prev != 0x00BB);
        int sp_next = next == 0 || q_is_space(next);
        int lflank = !sp_next && !is_close_punct(next) &&
                     !(is_mark_cp(next) && next != 0x201C && next != 0x2018 && next != '"' && next != '\'' &&
                       next != 0x201E);
        int rflank = !sp_prev;
        int rflank_only = rflank && (!lflank || q_is_alnum(prev) || is_close_punct(prev));

        /* apostrophes */
        if (is_single_cp(cp)) {
            size_t st;
            int32_t pc = mpos > p0 ? q_prev(s, mpos, &st) : 0;
            if (q_is_alnum(pc) && q_is_alnum(next))
                continue; /* won’t, shouldn‘t, O'Brien */
            if ((cp == 0x2019) && !rflank)
                continue; /* ’em, ’90s: elision */
            if (cp == '\'' && !rflank && (next >= '0' && next <= '9'))
                continue; /* '90s */
            if ((cp == 0x2019 || cp == '\'') && pc == 's' && next == ' ' &&
                later_single_closer(s, pos, pend)) {
                int has_sq = 0;
                for (int i = 0; i < ss->depth; i++)
                    has_sq |= kind_family(ss->st[i].kind) == F_SQ;
                if (has_sq)
                    continue; /* teachers’ clause …’ : the possessive, not the closer */
            }
        }

        /* try to close: the topmost compatible entry; single closers never close across a
         * double-quote entry */
        int ci = -1;
        int pure_closer =
            cp == 0x201D || cp == 0x00BB || cp == 0x203A || cp == 0x2019 || cp == 0x300D || cp == 0x300F;
        int may_close;
        if (cp == '"' || cp == '\'')
            may_close = rflank;
        else if (cp == 0x2019)
            may_close = 1;
        else if (pure_closer)
            may_close = !(lflank && !rflank && ss->depth == 0);
        else
            may_close = 1; /* “ (German closer or wrong kind), « (German closer), ‘ */
        if (cp == 0x00AB && !rflank)
            may_close = 0;
        if (may_close) {
            for (int i = ss->depth - 1; i >= 0; i--) {
                int k = ss->st[i].kind;
                if (closes(k, cp, rflank_only)) {
                    ci = i;
                    break;
                }
                if (is_single_cp(cp) && kind_family(k) != F_SQ)
                    break;
                if (kind_family(k) != F_SQ && (cp == 0x201C || cp == 0x2018))
                    break; /* an opener-shaped mark does not close below another double entry */
            }
        }
        if (ci >= 0) {
            if (ci == 0) {
                if ((rc = emit(ctx, &ss->st[0], mpos, pos, pi, 0)) != ST_OK)
                    return rc;
            }
            ss->depth = ci;
            continue;
        }

        /* try to open */
        int k = K_NONE;
        switch (cp) {
        case '"': k = lflank ? K_DQ_ST : K_NONE; break;
        case 0x201C:
        case 0x201F: k = K_DQ_EN; break;
        case 0x201E: k = K_DQ_LOW; break;
        case 0x201D: k = (lflank && !rflank) ? K_DQ_RQ : K_NONE; break;
        case 0x00AB: k = K_GU_FR; break;
        case 0x00BB: k = lflank ? K_GU_DE : K_NONE; break;
        case 0x2039: k = K_SG_FR; break;
        case 0x203A: k = lflank ? K_SG_DE : K_NONE; break;
        case 0x2018:
        case 0x201B: k = lflank ? K_SQ_EN : K_NONE; break;
        case 0x201A: k = lflank ? K_SQ_LOW : K_NONE; break;
        case '\'': k = (lflank && !rflank) ? K_SQ_ST : K_NONE; break;
        case 0x300C: k = K_CJK1; break;
        case 0x300E: k = K_CJK2; break;
        default: break;
        }
        if (cp == '"' && lflank && rflank) {
            size_t st;
            int32_t pc = mpos > p0 ? q_prev(s, mpos, &st) : 0;
            k = q_is_alnum(pc) ? K_NONE : K_DQ_ST; /* word"word: stray; close."Five: opener */
        }
        if (k == K_NONE)
            continue;
        if (kind_family(k) == F_SQ && ss->depth == 0 && skipped(sk, mpos))
            continue;
        /* a same-family opener inside a one-level quote after a sentence end reopens it */
        if (ss->depth == 1 && kind_family(k) == kind_family(ss->st[0].kind) && kind_family(k) != F_SQ &&
            !rflank && after_sentence_end(s, p0, mpos)) {
            size_t cend = kind_family(k) == F_GU ? skip_pad(s, pos, pend) : pos;
            if ((rc = add_reopen(ctx, mpos, cend)) != ST_OK)
                return rc;
            continue;
        }
        if (ss->depth >= MAX_DEPTH)
            continue;
        open_mark *o = &ss->st[ss->depth++];
        o->kind = k;
        o->pos = mpos;
        o->len = mlen;
        o->content = kind_family(k) == F_GU ? skip_pad(s, pos, pend) : pos;
        o->para = pi;
        o->reopen0 = ctx->nreopen;
    }
    /* paragraph end with an open quote */
    if (ss->depth == 0)
        return ST_OK;
    open_mark *o = &ss->st[0];
    /* the next non-blank paragraph reopening with the same family continues it */
    size_t nj = pi + 1;
    while (nj < ctx->npara && ctx->para[nj].start == ctx->para[nj].end)
        nj++;
    if (nj < ctx->npara) {
        size_t p = skip_pad(s, ctx->para[nj].start, ctx->para[nj].end);
        if (p < ctx->para[nj].end) {
            size_t mp = p;
            int32_t c2 = q_next(s, ctx->para[nj].end, &p);
            if (reopens(o->kind, c2)) {
                size_t cend = kind_family(o->kind) == F_GU ? skip_pad(s, p, ctx->para[nj].end) : p;
                if ((rc = add_reopen(ctx, mp, cend)) != ST_OK)
                    return rc;
                ss->depth = 1;
                return ST_OK; /* caller continues with paragraph nj from the reopen end */
            }
        }
    }
    if (kind_family(o->kind) == F_SQ && o->para == pi && o->reopen0 == ctx->nreopen) {
        /* most likely an apostrophe: rescan after it */
        *restart = o->pos + 1; /* + 1: 0 means none */
        ctx->nreopen = o->reopen0;
        ss->depth = 0;
        return ST_OK;
    }
    if (kind_family(o->kind) == F_SQ) {
        ss->depth = 0;
        ctx->nreopen = o->reopen0;
        return ST_OK;
    }
    rc = emit(ctx, o, pend, pend, pi, 1);
    ss->depth = 0;
    return rc;
}

static st_status split_paragraphs(qctx *ctx)
{
    const char *s = ctx->s;
    size_t i = 0, len = ctx->len;
    while (i <= len) {
        size_t a = i;
        const char *nl = memchr(s + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - s) : len;
        const char *cr = memchr(s + i, '\r', e - i);
        i = cr ? (size_t)(cr - s) : e;
        if (q_grow((void **)&ctx->para, &ctx->cap_para, ctx->npara + 1, sizeof *ctx->para))
            return ST_ERR_NOMEM;
        /* blank-only paragraphs become empty */
        size_t b = i, t = a;
        while (t < b && (s[t] == ' ' || s[t] == '\t'))
            t++;
        ctx->para[ctx->npara].start = t == b ? b : a;
        ctx->para[ctx->npara].end = b;
        ctx->npara++;
        if (i >= len)
            break;
        while (i < len && (s[i] == '\n' || s[i] == '\r'))
            i++;
        if (i == len)
            break;
    }
    return ST_OK;
}

/* dst = src, the open entries only (a paragraph starts with at most one). */
static void copy_state(scan_state *dst, const scan_state *src)
{
    dst->depth = src->depth;
    memcpy(dst->st, src->st, (size_t)src->depth * sizeof src->st[0]);
}

static st_status pair_marks(qctx *ctx)
{
    scan_state ss;
    ss.depth = 0;
    st_status rc;
    size_t from_next = (size_t)-1;
    for (size_t pi = 0; pi < ctx->npara; pi++) {
        size_t from = ctx->para[pi].start;
        if (ss.depth > 0 && from_next != (size_t)-1)
            from = from_next;
        from_next = (size_t)-1;
        if (ctx->para[pi].start == ctx->para[pi].end)
            continue;
        skip_list sk;
        sk.n = 0;
        sk.all = 0;
        size_t nq0 = ctx->nq, reopen0 = ctx->nreopen;
        scan_state saved;
        copy_state(&saved, &ss);
        for (;;) {
            size_t restart = 0;
            if ((rc = scan_para(ctx, pi, from, &ss, &sk, &restart)) != ST_OK)
                return rc;
            if (!restart)
                break;
            /* an unclosed single opener at depth 0 was an apostrophe: rescan the paragraph
             * without it; after MAX_RESCANS such marks, without any depth-0 single opener */
            if (sk.n < MAX_RESCANS)
                sk.at[sk.n++] = restart - 1;
            else
                sk.all = 1;
            ctx->nq = nq0;
            ctx->nreopen = reopen0;
            copy_state(&ss, &saved);
        }
        if (ss.depth > 0) /* continued: the next paragraph starts after its reopening mark */
            from_next = ctx->reopen[ctx->nreopen - 1].end;
    }
    return ST_OK;
}

/* ---------------------------------------------------------------- public API */

const char *st_speaker_method_name(st_speaker_method m)
{
    switch (m) {
    case ST_SPEAKER_NONE: return "none";
    case ST_SPEAKER_CUE: return "cue";
    case ST_SPEAKER_PRONOUN: return "pronoun";
    case ST_SPEAKER_CONTINUATION: return "continuation";
    case ST_SPEAKER_ACCORDING_TO: return "according_to";
    case ST_SPEAKER_CONTEXT: return "context";
    default: return "none";
    }
}

void st_quotes_init(st_quotes *q)
{
    q->items = NULL;
    q->n = q->cap = 0;
}

static void clear_items(st_quotes *q)
{
    for (size_t i = 0; i < q->n; i++) {
        free(q->items[i].text);
        free(q->items[i].speaker);
    }
    q->n = 0;
}

void st_quotes_free(st_quotes *q)
{
    if (!q)
        return;
    clear_items(q);
    free(q->items);
    st_quotes_init(q);
}

/* The content of q with its reopening marks removed, NUL-terminated. */
static char *quote_text(const qctx *ctx, const rawq *q, size_t *out_len)
{
    char *t = malloc(q->end - q->start + 1);
    if (!t)
        return NULL;
    size_t n = 0, p = q->start;
    for (size_t r = q->reopen0; r < q->reopen0 + q->reopen_n; r++) {
        const span *sp = &ctx->reopen[r];
        if (sp->start < p || sp->start >= q->end)
            continue;
        memcpy(t + n, ctx->s + p, sp->start - p);
        n += sp->start - p;
        p = sp->end < q->end ? sp->end : q->end;
    }
    memcpy(t + n, ctx->s + p, q->end - p);
    n += q->end - p;
    t[n] = '\0';
    *out_len = n;
    return t;
}

static int same_quote(const st_quote *a, const st_quote *b)
{
    if (a->text_len != b->text_len || memcmp(a->text, b->text, a->text_len) != 0)
        return 0;
    if (!a->speaker || !b->speaker)
        return !a->speaker && !b->speaker;
    return strcmp(a->speaker, b->speaker) == 0;
}

static void ctx_free(qctx *ctx)
{
    for (size_t i = 0; i < ctx->nq; i++)
        free(ctx->q[i].speaker);
    free(ctx->q);
    free(ctx->para);
    free(ctx->reopen);
    q_attrib_free(ctx);
}

st_status st_quotes_extract(const char *text, size_t len, st_quotes *out)
{
    st_status rc = ST_OK;
    qctx ctx;
    uint32_t *seen = NULL;
    memset(&ctx, 0, sizeof ctx);
    clear_items(out);
    if (!text || len == 0)
        return ST_OK;
    ctx.s = text;
    ctx.len = len;
    if ((rc = split_paragraphs(&ctx)) != ST_OK)
        goto out_free_ctx;
    if ((rc = pair_marks(&ctx)) != ST_OK)
        goto out_free_ctx;
    if (ctx.nq == 0)
        goto out_free_ctx;
    if ((rc = q_attribute(&ctx)) != ST_OK)
        goto out_free_ctx;

    /* move the kept quotes out; identical (text, speaker) pairs once */
    size_t hcap = 16;
    while (hcap < ctx.nq * 2)
        hcap *= 2;
    seen = calloc(hcap, sizeof *seen);
    if (!seen) {
        rc = ST_ERR_NOMEM;
        goto out_free_ctx;
    }
    for (size_t i = 0; i < ctx.nq; i++) {
        rawq *q = &ctx.q[i];
        if (q->dropped)
            continue;
        if (q_grow((void **)&out->items, &out->cap, out->n + 1, sizeof *out->items)) {
            rc = ST_ERR_NOMEM;
            goto out_free_seen;
        }
        st_quote *o = &out->items[out->n];
        memset(o, 0, sizeof *o);
        o->text = quote_text(&ctx, q, &o->text_len);
        if (!o->text) {
            rc = ST_ERR_NOMEM;
            goto out_free_seen;
        }
        o->start = q->start;
        o->end = q->end;
        o->speaker = q->speaker;
        q->speaker = NULL;
        o->speaker_start = o->speaker ? q->spk_start : 0;
        o->speaker_end = o->speaker ? q->spk_end : 0;
        o->method = o->speaker ? q->method : ST_SPEAKER_NONE;
        o->partial = q->partial;
        o->unclosed = q->unclosed;
        uint64_t h = st_hash_bytes(o->text, o->text_len, 0);
        if (o->speaker)
            h = st_hash_bytes(o->speaker, strlen(o->speaker), h);
        size_t slot = (size_t)h & (hcap - 1);
        int dup = 0;
        while (seen[slot]) {
            if (same_quote(&out->items[seen[slot] - 1], o)) {
                dup = 1;
                break;
            }
            slot = (slot + 1) & (hcap - 1);
        }
        if (dup) {
            free(o->text);
            free(o->speaker);
            continue;
        }
        seen[slot] = (uint32_t)(out->n + 1);
        out->n++;
    }
out_free_seen:
    free(seen);
out_free_ctx:
    ctx_free(&ctx);
    return rc;
}
