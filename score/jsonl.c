/* jsonl.c - one JSON Lines record -> one article (jansson). */
#include "feed.h"
#include "st_utf8.h"

#include <stdlib.h>
#include <string.h>

/* Scans a JSON object text for its top-level member key and, when its value is a number, copies the
 * number's characters into out. Returns 1 when found. Used to keep the exact digits of an id that
 * is too large for a 64-bit integer (jansson would fail or round it). */
static int raw_top_level_number(const char *s, size_t len, const char *key, char *out, size_t cap)
{
    size_t i = 0, klen = strlen(key);
    int depth = 0, expect_key = 0;
    while (i < len) {
        char c = s[i];
        if (c == '"') {
            size_t start = ++i;
            while (i < len && s[i] != '"') {
                if (s[i] == '\\')
                    i++;
                i++;
            }
            if (i >= len)
                return 0;
            size_t end = i++;
            if (depth == 1 && expect_key) {
                expect_key = 0;
                size_t j = i;
                while (j < len && (s[j] == ' ' || s[j] == '\t'))
                    j++;
                if (j < len && s[j] == ':' && end - start == klen && memcmp(s + start, key, klen) == 0) {
                    j++;
                    while (j < len && (s[j] == ' ' || s[j] == '\t'))
                        j++;
                    size_t k = 0;
                    while (j < len && k + 1 < cap &&
                           ((s[j] >= '0' && s[j] <= '9') || s[j] == '-' || s[j] == '+' || s[j] == '.' ||
                            s[j] == 'e' || s[j] == 'E'))
                        out[k++] = s[j++];
                    out[k] = '\0';
                    return k > 0;
                }
            }
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
            expect_key = c == '{' && depth == 1;
        } else if (c == '}' || c == ']') {
            depth--;
        } else if (c == ',' && depth == 1) {
            expect_key = 1;
        }
        i++;
    }
    return 0;
}

static char *dup_string_member(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

/* Locates the value of the top-level member "text" of the JSON object text s[0..len) when that
 * value is a string: *vstart is the offset of its opening quote, *vend one past its closing quote.
 * Returns 0 when found, -1 when not found, not a string, named twice, or when a top-level key holds
 * an escape (which could spell "text" another way): the caller then lets jansson read the whole
 * line. The scan only skips strings and counts brackets; jansson still validates the rest. */
static int find_text_value(const char *s, size_t len, size_t *vstart, size_t *vend)
{
    size_t i = 0;
    int depth = 0, expect_key = 0, keys = 0;
    while (i < len) {
        char c = s[i];
        if (c == '"') {
            size_t start = i++;
            int escaped = 0;
            while (i < len && s[i] != '"') {
                if (s[i] == '\\') {
                    escaped = 1;
                    i++;
                }
                i++;
            }
            if (i >= len)
                return -1;
            i++; /* past the closing quote */
            if (depth != 1 || !expect_key)
                continue;
            expect_key = 0;
            if (escaped)
                return -1;
            if (i - start != 6 || memcmp(s + start + 1, "text", 4) != 0)
                continue;
            if (++keys > 1)
                return -1;
            while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
                i++;
            if (i >= len || s[i] != ':')
                return -1;
            i++;
            while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
                i++;
            if (i >= len || s[i] != '"')
                return -1;
            *vstart = i++;
            /* to the closing quote: the first one not escaped, found with memchr (the text is
             * most of the line) */
            for (;;) {
                const char *q = i < len ? memchr(s + i, '"', len - i) : NULL;
                if (!q)
                    return -1;
                const char *b = memchr(s + i, '\\', (size_t)(q - (s + i)));
                if (!b) {
                    i = (size_t)(q - s);
                    break;
                }
                i = (size_t)(b - s) + 2; /* past the escape and the character it escapes */
            }
            *vend = ++i;
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
            expect_key = c == '{' && depth == 1;
        } else if (c == '}' || c == ']') {
            depth--;
        } else if (c == ',' && depth == 1) {
            expect_key = 1;
        }
        i++;
    }
    return keys == 1 ? 0 : -1;
}

static int hex4(const char *s, size_t len, size_t i, unsigned *out)
{
    unsigned v = 0;
    if (i + 4 > len)
        return -1;
    for (size_t k = i; k < i + 4; k++) {
        char c = s[k];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v << 4 | (unsigned)d;
    }
    *out = v;
    return 0;
}

/* Decodes the inside of a JSON string token s[0..len) (without its quotes) into *out (malloc'd,
 * NUL-terminated, *out_len bytes; never longer than len). Returns 0, or -1 when the token holds
 * anything jansson could reject or decode differently: a raw control character, an unknown or
 * short escape, \u0000, a lone surrogate, ill-formed UTF-8; or when memory runs out. The caller
 * then lets jansson read the line, so errors keep jansson's words and columns. */
static int unescape_string(const char *s, size_t len, char **out, size_t *out_len)
{
    unsigned char control = 0; /* any raw byte below 0x20 (jansson rejects them) */
    for (size_t i = 0; i < len; i++)
        control |= (unsigned char)s[i] < 0x20;
    if (control)
        return -1;
    char *o = malloc(len + 1);
    if (!o)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        const char *b = memchr(s + i, '\\', len - i);
        size_t run = b ? (size_t)(b - (s + i)) : len - i;
        memcpy(o + n, s + i, run);
        n += run;
        i += run;
        if (i == len)
            break;
        if (i + 1 >= len)
            goto out_fail;
        char e = s[i + 1];
        i += 2;
        switch (e) {
        case '"': o[n++] = '"'; break;
        case '\\': o[n++] = '\\'; break;
        case '/': o[n++] = '/'; break;
        case 'b': o[n++] = '\b'; break;
        case 'f': o[n++] = '\f'; break;
        case 'n': o[n++] = '\n'; break;
        case 'r': o[n++] = '\r'; break;
        case 't': o[n++] = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (hex4(s, len, i, &cp) != 0 || cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
                goto out_fail;
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (i + 6 > len || s[i] != '\\' || s[i + 1] != 'u' || hex4(s, len, i + 2, &lo) != 0 ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    goto out_fail;
                i += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            n += st_utf8_encode((int32_t)cp, o + n);
            break;
        }
        default: goto out_fail;
        }
    }
    if (st_utf8_validate(o, n, NULL) != ST_OK)
        goto out_fail;
    o[n] = '\0';
    *out = o;
    *out_len = n;
    return 0;
out_fail:
    free(o);
    return -1;
}

/* The fast path of st_jsonl_parse_line: most of a record's bytes are its "text", and jansson
 * lexes strings one byte at a time through a callback (about 15 ns a byte), so the text value is
 * cut out and decoded by unescape_string, and jansson parses the rest of the line with null in its
 * place. Returns 0 with *obj (without "text") and *text set, or -1 for anything unusual (no string
 * "text", a duplicate key, an escape it does not decode, invalid JSON, a too-large integer): the
 * caller then parses the whole line with jansson, which gives the same result or the error. */
static int parse_fast(const char *line, size_t len, json_t **obj, char **text, size_t *text_len)
{
    size_t vs = 0, ve = 0;
    if (find_text_value(line, len, &vs, &ve) != 0)
        return -1;
    size_t rest = len - (ve - vs) + 4;
    char small[1024], *buf = rest <= sizeof small ? small : malloc(rest);
    if (!buf)
        return -1;
    memcpy(buf, line, vs);
    memcpy(buf + vs, "null", 4);
    memcpy(buf + vs + 4, line + ve, len - ve);
    json_error_t jerr;
    json_t *o = json_loadb(buf, rest, 0, &jerr);
    if (buf != small)
        free(buf);
    if (!json_is_object(o) || !json_is_null(json_object_get(o, "text")) || json_object_del(o, "text") != 0)
        goto out_fail;
    if (unescape_string(line + vs + 1, ve - vs - 2, text, text_len) != 0)
        goto out_fail;
    *obj = o;
    return 0;
out_fail:
    json_decref(o);
    return -1;
}

st_status st_jsonl_parse_line(const char *line, size_t len, const char *name, long lineno, st_article **out,
                              st_error *err)
{
    *out = NULL;
    if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3;
        len -= 3;
    }
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
        len--;
    size_t k = 0;
    while (k < len && (line[k] == ' ' || line[k] == '\t'))
        k++;
    if (k == len)
        return ST_ERR_EMPTY;
    json_t *obj = NULL;
    char *text = NULL; /* the decoded text member, owned until handed to the article */
    size_t tlen = 0;
    const char *text_key = "text";
    int big = 0;
    st_status rc = ST_ERR_FORMAT;
    st_article *a = NULL;
    if (parse_fast(line, len, &obj, &text, &tlen) != 0) {
        json_error_t jerr;
        obj = json_loadb(line, len, 0, &jerr);
        if (!obj && strstr(jerr.text, "too big")) {
            big = 1;
            obj = json_loadb(line, len, JSON_DECODE_INT_AS_REAL, &jerr);
        }
        if (!obj) {
            /* jansson says "unable to decode byte 0x.." for ill-formed UTF-8 in its input */
            if (strstr(jerr.text, "UTF-8") || strstr(jerr.text, "unable to decode byte"))
                return st_error_set(err, ST_ERR_UTF8, name, lineno, "invalid UTF-8 at column %d",
                                    jerr.column);
            return st_error_set(err, ST_ERR_FORMAT, name, lineno, "invalid JSON at column %d: %s",
                                jerr.column, jerr.text);
        }
        if (!json_is_object(obj)) {
            st_error_set(err, rc, name, lineno, "record is not a JSON object");
            goto out_free_obj;
        }
        text_key = json_is_string(json_object_get(obj, "text"))      ? "text"
                   : json_is_string(json_object_get(obj, "content")) ? "content"
                   : json_is_string(json_object_get(obj, "body"))    ? "body"
                                                                     : NULL;
        if (!text_key) {
            st_error_set(err, rc, name, lineno, "record has no \"text\" string");
            goto out_free_obj;
        }
        json_t *tj = json_object_get(obj, text_key);
        tlen = json_string_length(tj);
        if (!(text = malloc(tlen + 1)))
            goto out_nomem;
        memcpy(text, json_string_value(tj), tlen);
        text[tlen] = '\0';
        if (json_object_del(obj, text_key) != 0)
            goto out_nomem;
    }
    size_t ws = 0;
    while (ws < tlen && (text[ws] == ' ' || text[ws] == '\n' || text[ws] == '\r' || text[ws] == '\t'))
        ws++;
    if (ws == tlen) {
        st_error_set(err, rc, name, lineno, "record has an empty \"%s\"", text_key);
        goto out_free_obj;
    }
    if (memchr(text, '\0', tlen)) {
        st_error_set(err, rc, name, lineno, "\"%s\" holds a NUL character", text_key);
        goto out_free_obj;
    }
    rc = ST_ERR_NOMEM;
    a = calloc(1, sizeof *a);
    if (!a || !(a->source = strdup(name)))
        goto out_nomem;
    a->text = text;
    a->text_len = tlen;
    text = NULL;
    a->item = lineno;

    json_t *id = json_object_get(obj, "id");
    if (!id)
        id = json_object_get(obj, "guid");
    char digits[128];
    if (json_is_string(id)) {
        if (!(a->id = strdup(json_string_value(id))))
            goto out_nomem;
    } else if (json_is_integer(id)) {
        snprintf(digits, sizeof digits, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        if (!(a->id = strdup(digits)))
            goto out_nomem;
    } else if (json_is_real(id)) {
        /* Too large for 64 bits (or written as a real): keep the digits as written. */
        if (raw_top_level_number(line, len, json_object_get(obj, "id") ? "id" : "guid", digits,
                                 sizeof digits)) {
            if (!(a->id = strdup(digits)))
                goto out_nomem;
            if (big && json_object_set_new(obj, json_object_get(obj, "id") ? "id" : "guid",
                                           json_string(digits)) != 0)
                goto out_nomem;
        }
    }
    a->url = dup_string_member(obj, "url");
    if (!a->url)
        a->url = dup_string_member(obj, "link");
    a->title = dup_string_member(obj, "title");
    a->author = dup_string_member(obj, "author");
    json_t *date = json_object_get(obj, "published");
    if (!date)
        date = json_object_get(obj, "date");
    if (json_is_string(date)) {
        char iso[21];
        if (st_date_to_utc(json_string_value(date), iso) && !(a->published = strdup(iso)))
            goto out_nomem;
    }
    a->fields = obj;
    obj = NULL;
    if (st_article_finish(a, NULL) != ST_OK)
        goto out_nomem;
    *out = a;
    return ST_OK;
out_nomem:
    rc = st_error_set(err, ST_ERR_NOMEM, name, lineno, "out of memory");
    st_article_free(a);
out_free_obj:
    free(text);
    json_decref(obj);
    return rc;
}
