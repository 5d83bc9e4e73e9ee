/* st_utf8.h - UTF-8 validation, NFC normalisation and byte <-> code point offsets.
 *
 * Internally every text is UTF-8 bytes with byte offsets; the public API (HTTP, JSON Lines) speaks
 * Unicode code point offsets, converted once at the edge with st_cp_cursor. */
#ifndef ST_UTF8_H
#define ST_UTF8_H

#include "st_common.h"

/* Checks that s[0..len) is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
 * NUL bytes are valid. On ST_ERR_UTF8, *bad_offset (if not NULL) is the byte offset of the first
 * bad byte. Thread-safe, no allocation. */
st_status st_utf8_validate(const char *s, size_t len, size_t *bad_offset);

/* Decodes one code point at s[*pos..len), advancing *pos past it. Invalid or truncated sequences
 * decode to U+FFFD and advance by one byte, so a loop always terminates and never reads past len.
 * Returns the code point. Requires *pos < len. */
int32_t st_utf8_next(const char *s, size_t len, size_t *pos);

/* Decodes the code point that ends just before byte offset pos (pos > 0), returning it and
 * setting *start to its first byte. Invalid bytes decode to U+FFFD, one byte wide. */
int32_t st_utf8_prev(const char *s, size_t pos, size_t *start);

/* Writes the UTF-8 encoding of cp (0..0x10FFFF, not a surrogate) to out (room for 4 bytes).
 * Returns the number of bytes written (1..4), or 0 when cp is not encodable. */
size_t st_utf8_encode(int32_t cp, char *out);

/* Number of code points in s[0..len) (invalid bytes count one each). */
size_t st_utf8_count(const char *s, size_t len);

/* A cursor that converts increasing byte offsets of one text into 0-based code point offsets in
 * amortised O(distance). Going backwards restarts from the beginning (still correct). */
typedef struct st_cp_cursor {
    const char *s;
    size_t len;
    size_t byte; /* current byte offset */
    size_t cp;   /* code points in s[0..byte) */
} st_cp_cursor;

void st_cp_cursor_init(st_cp_cursor *c, const char *s, size_t len);
/* Returns the code point offset of byte offset `byte` (0 <= byte <= len; a byte inside a
 * multi-byte sequence counts as the code point that contains it). */
size_t st_cp_cursor_at(st_cp_cursor *c, size_t byte);

#endif
