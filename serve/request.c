/* request.c - the body of POST /classify, judged and taken apart (see server.h).
 *
 * Kept apart from the libmicrohttpd code so that the JSON request parser can be fuzzed on its own
 * (fuzz/fuzz_request.c) with exactly the code the server runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "st_utf8.h"

int srv_json_depth(const char *s, size_t len, int limit)
{
    int depth = 0, max = 0, in_str = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == '[' || ch == '{') {
            if (++depth > max && (max = depth) > limit)
                return max;
        } else if (ch == ']' || ch == '}') {
            depth--;
        }
    }
    return max;
}

/* The most quotes one {"quotes": [...]} request may give. */
#define ST_MAX_GIVEN_QUOTES 10000

/* 1 when s[0..n) holds only ASCII white space (or nothing). */
static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return 0;
    return 1;
}

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    case JSON_NULL: return "null";
    }
    return "value";
}

/* A JSON string with no NUL inside (json_string_length counts past an embedded NUL). */
static int string_has_nul(const json_t *v)
{
    return strlen(json_string_value(v)) != json_string_length(v);
}

void srv_classify_request_free(srv_classify_request *q)
{
    if (!q)
        return;
    free(q->quotes);
    free(q->quote_lens);
    json_decref(q->doc);
    memset(q, 0, sizeof *q);
}

/* Fills q from a parsed JSON document (owned by q already). Returns NULL, or the problem (static or
 * in buf). */
static const char *take_json(srv_classify_request *q, char *buf, size_t cap)
{
    json_t *doc = q->doc;
    if (!json_is_object(doc)) {
        snprintf(buf, cap, "the JSON body must be an object, not %s", json_type_name(doc));
        return buf;
    }
    json_t *text = json_object_get(doc, "text");
    json_t *quotes = json_object_get(doc, "quotes");
    json_t *id = json_object_get(doc, "id");
    json_t *explain = json_object_get(doc, "explain");
    if (id && !json_is_null(id) && !json_is_string(id))
        return "id must be a string";
    if (id && json_is_string(id) && string_has_nul(id))
        return "id contains a NUL character";
    if (explain && !json_is_boolean(explain))
        return "explain must be true or false";
    if (text && quotes)
        return "give either text or quotes, not both";
    if (quotes) {
        size_t i;
        json_t *v;
        if (!json_is_array(quotes))
            return "quotes must be an array of strings";
        json_array_foreach(quotes, i, v)
        {
            if (!json_is_string(v))
                return "quotes must be an array of strings";
            if (string_has_nul(v))
                return "a quote contains a NUL character";
            if (blank(json_string_value(v), json_string_length(v)))
                return "a quote is empty (only white space)";
        }
        if (json_array_size(quotes) > ST_MAX_GIVEN_QUOTES)
            return "too many quotes in one request (at most 10000)";
    } else if (!text) {
        return "text must be a string (missing)";
    } else if (!json_is_string(text)) {
        snprintf(buf, cap, "text must be a string, not %s", json_type_name(text));
        return buf;
    } else if (string_has_nul(text)) {
        return "text contains a NUL character";
    } else if (json_string_length(text) == 0) {
        return "text is empty";
    }
    q->explain = explain ? json_is_true(explain) : -1;
    q->id = id && json_is_string(id) ? json_string_value(id) : NULL;
    if (!quotes) {
        q->text = json_string_value(text);
        q->text_len = json_string_length(text);
        return NULL;
    }
    size_t n = json_array_size(quotes);
    q->is_quotes = 1;
    q->n_quotes = n;
    q->quotes = malloc((n ? n : 1) * sizeof *q->quotes);
    q->quote_lens = malloc((n ? n : 1) * sizeof *q->quote_lens);
    if (!q->quotes || !q->quote_lens)
        return NULL; /* the caller sees the NULL arrays: out of memory */
    for (size_t i = 0; i < n; i++) {
        q->quotes[i] = json_string_value(json_array_get(quotes, i));
        q->quote_lens[i] = json_string_length(json_array_get(quotes, i));
    }
    return NULL;
}

srv_parse_result srv_classify_request_parse(const char *body, size_t len, int is_json, int max_depth,
                                            srv_classify_request *q, srv_parse_error *err)
{
    char *problem = err->message;
    size_t problem_size = sizeof err->message;
    memset(q, 0, sizeof *q);
    memset(err, 0, sizeof *err);
    q->explain = -1;
    if (len == 0) {
        snprintf(problem, problem_size, "empty body");
        return SRV_PARSE_BAD;
    }
    size_t bad = 0;
    if (st_utf8_validate(body, len, &bad) != ST_OK) {
        snprintf(problem, problem_size, "invalid UTF-8");
        err->byte_offset = bad;
        return SRV_PARSE_BAD_UTF8;
    }
    if (!is_json) {
        if (memchr(body, '\0', len)) {
            snprintf(problem, problem_size, "text contains a NUL character");
            return SRV_PARSE_BAD;
        }
        q->text = body;
        q->text_len = len;
        return SRV_PARSE_OK;
    }
    if (srv_json_depth(body, len, max_depth) > max_depth) {
        snprintf(problem, problem_size, "JSON nested deeper than %d levels", max_depth);
        return SRV_PARSE_BAD;
    }
    json_error_t jerr;
    q->doc = json_loadb(body, len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
    if (!q->doc) {
        snprintf(problem, problem_size, "invalid JSON: %s", jerr.text);
        err->line = jerr.line;
        err->column = jerr.column;
        return SRV_PARSE_BAD_JSON;
    }
    char buf[128];
    const char *why = take_json(q, buf, sizeof buf);
    if (why) {
        snprintf(problem, problem_size, "%s", why);
        srv_classify_request_free(q);
        return SRV_PARSE_BAD;
    }
    if (q->is_quotes && (!q->quotes || !q->quote_lens)) {
        srv_classify_request_free(q);
        snprintf(problem, problem_size, "out of memory");
        return SRV_PARSE_NOMEM;
    }
    return SRV_PARSE_OK;
}
