/* fuzz_feed.c - libFuzzer target: the feed reader of stance-score (score/feed.c, st_feed_parse:
 * RSS 2.0, RDF, Atom, encodings, escaped and CDATA HTML) and the JSON Lines record parser
 * (st_jsonl_parse_line) on the same bytes. Every article handed out must have valid UTF-8 text and
 * a key; the callback takes ownership and frees it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "feed.h"
#include "st_utf8.h"

static st_status on_article(st_article *a, void *ud)
{
    (void)ud;
    if (!a->key || !a->text)
        abort();
    if (st_utf8_validate(a->text, a->text_len, NULL) != ST_OK)
        abort();
    st_article_free(a);
    return ST_OK;
}

static void on_error(const st_error *err, void *ud)
{
    (void)err;
    (void)ud;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    xmlInitParser();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_reader r;
    memset(&r, 0, sizeof r);
    r.format = ST_IN_FEED;
    r.on_article = on_article;
    r.on_error = on_error;
    st_feed_parse(&r, (const char *)data, size, "fuzz.xml");

    st_article *a = NULL;
    st_error err;
    if (st_jsonl_parse_line((const char *)data, size, "fuzz.jsonl", 1, &a, &err) == ST_OK) {
        if (!a || !a->text || st_utf8_validate(a->text, a->text_len, NULL) != ST_OK)
            abort();
    }
    st_article_free(a);
    return 0;
}
