/* jsonl.c - one JSON Lines record -> one article (jansson). */
#include "feed.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Scans a JSON object text for its top-level member key and, when its value is a number, points
 * *num at the number's characters (*num_len bytes). Returns 1 when found. Used to key an id by its
 * exact digits (jansson would fail on, or round, one too large for a 64-bit integer). */
static int raw_top_level_number(const char *s, size_t len, const char *key, const char **num, size_t *num_len)
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
                    size_t k = j;
                    while (k < len && ((s[k] >= '0' && s[k] <= '9') || s[k] == '-' || s[k] == '+' ||
                                       s[k] == '.' || s[k] == 'e' || s[k] == 'E'))
                        k++;
                    *num = s + j;
                    *num_len = k - j;
                    return k > j;
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

/* Keys an id written with a fraction or an exponent, or too large for 64 bits, by its exact value
 * (st_number_key: 12.0 and 1.2e1 are the article 12, the same as 12 and "12"), and makes the
 * record's member say the same key: a JSON integer when the value is one that fits 64 bits, else
 * the key as a string (exact digits), so output lines and database rows join. Errors: ST_ERR_NOMEM. */
static st_status real_id(json_t *obj, const char *line, size_t len, st_article *a)
{
    json_t *idv = json_object_get(obj, "id");
    const char *member = idv && !json_is_null(idv) ? "id" : "guid", *lit = NULL;
    size_t lit_len = 0;
    if (!raw_top_level_number(line, len, member, &lit, &lit_len))
        return ST_OK;
    char *key = malloc(lit_len + 42), *end = NULL;
    if (!key || !st_number_key(lit, lit_len, key, lit_len + 42)) {
        free(key);
        return ST_ERR_NOMEM;
    }
    errno = 0;
    long long v = strtoll(key, &end, 10);
    json_t *out = *end == '\0' && errno == 0 ? json_integer((json_int_t)v) : json_string(key);
    a->id = key;
    return json_object_set_new(obj, member, out) == 0 ? ST_OK : ST_ERR_NOMEM;
}

static char *dup_string_member(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
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
    json_error_t jerr;
    json_t *obj = json_loadb(line, len, 0, &jerr);
    if (!obj && json_error_code(&jerr) == json_error_numeric_overflow) {
        obj = json_loadb(line, len, JSON_DECODE_INT_AS_REAL, &jerr);
    }
    if (!obj) {
        /* jansson names ill-formed UTF-8 inside a string "unable to decode byte": its error code,
         * not the wording, tells (jansson >= 2.11, json_error_code) */
        if (json_error_code(&jerr) == json_error_null_character)
            return st_error_set(err, ST_ERR_FORMAT, name, lineno,
                                "a string holds a NUL character (\\u0000) at column %d", jerr.column);
        if (json_error_code(&jerr) == json_error_invalid_utf8)
            return st_error_set(err, ST_ERR_UTF8, name, lineno, "invalid UTF-8 at column %d", jerr.column);
        return st_error_set(err, ST_ERR_FORMAT, name, lineno, "invalid JSON at column %d: %s", jerr.column,
                            jerr.text);
    }
    st_status rc = ST_ERR_FORMAT;
    st_article *a = NULL;
    if (!json_is_object(obj)) {
        st_error_set(err, rc, name, lineno, "record is not a JSON object");
        goto out_free_obj;
    }
    const char *text_key = json_is_string(json_object_get(obj, "text"))      ? "text"
                           : json_is_string(json_object_get(obj, "content")) ? "content"
                           : json_is_string(json_object_get(obj, "body"))    ? "body"
                                                                             : NULL;
    if (!text_key) {
        st_error_set(err, rc, name, lineno, "record has no \"text\" string");
        goto out_free_obj;
    }
    json_t *text = json_object_get(obj, text_key);
    size_t tlen = json_string_length(text);
    const char *tv = json_string_value(text);
    size_t ws = 0;
    while (ws < tlen && (tv[ws] == ' ' || tv[ws] == '\n' || tv[ws] == '\r' || tv[ws] == '\t'))
        ws++;
    if (ws == tlen) {
        rc = ST_ERR_EMPTY;
        st_error_set(err, ST_ERR_FORMAT, name, lineno, "record has an empty \"%s\"", text_key);
        rc = ST_ERR_FORMAT;
        goto out_free_obj;
    }
    if (memchr(tv, '\0', tlen)) {
        st_error_set(err, rc, name, lineno, "\"%s\" holds a NUL character", text_key);
        goto out_free_obj;
    }
    rc = ST_ERR_NOMEM;
    a = calloc(1, sizeof *a);
    if (!a || !(a->source = strdup(name)) || !(a->text = malloc(tlen + 1)))
        goto out_nomem;
    memcpy(a->text, tv, tlen);
    a->text[tlen] = '\0';
    a->text_len = tlen;
    a->item = lineno;

    json_t *id = json_object_get(obj, "id");
    if (!id || json_is_null(id)) /* "id": null is no id: the guid, when there is one */
        id = json_object_get(obj, "guid");
    char digits[128];
    if (json_is_string(id)) {
        if (!(a->id = strdup(json_string_value(id))))
            goto out_nomem;
    } else if (json_is_integer(id)) {
        snprintf(digits, sizeof digits, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        if (!(a->id = strdup(digits)))
            goto out_nomem;
    } else if (json_is_real(id) && real_id(obj, line, len, a) != ST_OK) {
        goto out_nomem;
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
    if (json_object_del(obj, text_key) != 0)
        goto out_nomem;
    a->fields = obj;
    obj = NULL;
    if (st_article_finish(a, NULL) != ST_OK)
        goto out_nomem;
    *out = a;
    return ST_OK;
out_nomem:
    st_error_set(err, ST_ERR_NOMEM, name, lineno, "out of memory");
    st_article_free(a);
out_free_obj:
    json_decref(obj);
    return rc;
}
