/* utf8.c - UTF-8 validation, decoding and byte <-> code point offsets (see st_utf8.h).
 *
 * The decoder follows RFC 3629 / Unicode 15 table 3-7 (well-formed byte sequences): no overlong
 * forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF. Runs of ASCII are skipped eight
 * bytes at a time. No allocation, no global state. */
#include "st_utf8.h"

#include <string.h>

#define ASCII_MASK8 0x8080808080808080ULL

/* Decodes the well-formed sequence at p (avail >= 1 bytes readable), setting *cp. Returns its
 * length 1..4, or 0 when the bytes at p do not start a well-formed sequence within avail. */
static inline size_t decode(const unsigned char *p, size_t avail, int32_t *cp)
{
    unsigned b0 = p[0];
    if (b0 < 0x80) {
        *cp = (int32_t)b0;
        return 1;
    }
    if (b0 < 0xC2)
        return 0; /* continuation byte or overlong 2-byte lead */
    if (b0 < 0xE0) {
        if (avail < 2 || (p[1] & 0xC0) != 0x80)
            return 0;
        *cp = (int32_t)(((b0 & 0x1Fu) << 6) | (p[1] & 0x3Fu));
        return 2;
    }
    if (b0 < 0xF0) {
        if (avail < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if (b0 == 0xE0 && p[1] < 0xA0)
            return 0; /* overlong */
        if (b0 == 0xED && p[1] >= 0xA0)
            return 0; /* surrogate */
        *cp = (int32_t)(((b0 & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu));
        return 3;
    }
    if (b0 < 0xF5) {
        if (avail < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if (b0 == 0xF0 && p[1] < 0x90)
            return 0; /* overlong */
        if (b0 == 0xF4 && p[1] >= 0x90)
            return 0; /* above U+10FFFF */
        *cp =
            (int32_t)(((b0 & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu));
        return 4;
    }
    return 0;
}

/* Length of the ASCII run at p[0..n), checked eight bytes at a time. */
static inline size_t ascii_run(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & ASCII_MASK8)
            break;
        i += 8;
    }
    while (i < n && p[i] < 0x80)
        i++;
    return i;
}

st_status st_utf8_validate(const char *s, size_t len, size_t *bad_offset)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        i += ascii_run(p + i, len - i);
        if (i >= len)
            break;
        int32_t cp;
        size_t n = decode(p + i, len - i, &cp);
        if (n == 0) {
            if (bad_offset)
                *bad_offset = i;
            return ST_ERR_UTF8;
        }
        i += n;
    }
    return ST_OK;
}

int32_t st_utf8_next(const char *s, size_t len, size_t *pos)
{
    const unsigned char *p = (const unsigned char *)s + *pos;
    int32_t cp;
    size_t n = decode(p, len - *pos, &cp);
    if (n == 0) {
        *pos += 1;
        return 0xFFFD;
    }
    *pos += n;
    return cp;
}

int32_t st_utf8_prev(const char *s, size_t pos, size_t *start)
{
    const unsigned char *p = (const unsigned char *)s;
    /* Walk back over at most three continuation bytes to a lead byte, then check that the
     * sequence starting there is well-formed and ends exactly at pos. */
    for (size_t k = 1; k <= 4 && k <= pos; k++) {
        size_t cand = pos - k;
        if ((p[cand] & 0xC0) == 0x80)
            continue;
        int32_t cp;
        if (decode(p + cand, pos - cand, &cp) == k) {
            *start = cand;
            return cp;
        }
        break;
    }
    *start = pos - 1;
    return 0xFFFD;
}

size_t st_utf8_encode(int32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0)
        return 0;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            return 0;
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= 0x10FFFF) {
        o[0] = (unsigned char)(0xF0 | (cp >> 18));
        o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (unsigned char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

/* Bytes taken by the code point at p (as st_utf8_next advances): 1 for an invalid byte. */
static inline size_t step(const unsigned char *p, size_t avail)
{
    int32_t cp;
    size_t n = decode(p, avail, &cp);
    return n ? n : 1;
}

size_t st_utf8_count(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, count = 0;
    while (i < len) {
        size_t a = ascii_run(p + i, len - i);
        i += a;
        count += a;
        if (i >= len)
            break;
        i += step(p + i, len - i);
        count++;
    }
    return count;
}

void st_cp_cursor_init(st_cp_cursor *c, const char *s, size_t len)
{
    c->s = s;
    c->len = len;
    c->byte = 0;
    c->cp = 0;
}

size_t st_cp_cursor_at(st_cp_cursor *c, size_t byte)
{
    const unsigned char *p = (const unsigned char *)c->s;
    if (byte > c->len)
        byte = c->len;
    if (byte < c->byte) {
        c->byte = 0;
        c->cp = 0;
    }
    while (c->byte < byte) {
        if (p[c->byte] < 0x80) {
            size_t a = ascii_run(p + c->byte, byte - c->byte);
            if (a) {
                c->byte += a;
                c->cp += a;
                continue;
            }
        }
        size_t n = step(p + c->byte, c->len - c->byte);
        if (c->byte + n > byte)
            break; /* byte lies inside this code point: its index is c->cp */
        c->byte += n;
        c->cp++;
    }
    return c->cp;
}
