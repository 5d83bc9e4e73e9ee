/* feed_internal.h - helpers shared by the readers of stance-score (not part of its interface). */
#ifndef ST_SCORE_FEED_INTERNAL_H
#define ST_SCORE_FEED_INTERNAL_H

#include <stddef.h>

#include <libxml/tree.h>

#include "st_common.h"

/* Break levels between two runs of text, the strongest pending one wins. */
enum { SPACE = 1, LINE = 2, PARAGRAPH = 3 };

/* A growing UTF-8 buffer that collapses white space as it appends (see st_text_normalize). */
typedef struct textbuf {
    char *p;
    size_t len, cap;
    int pending; /* break level owed before the next text (dropped at the start: trimming) */
    int oom;     /* an allocation failed: every later append is a no-op, tb_take fails */
} textbuf;

void tb_init(textbuf *b);
void tb_free(textbuf *b);
/* Asks for a break of at least level before the next text. */
void tb_break(textbuf *b, int level);
/* Appends s[0..len): html = 1 collapses every run of white space to one space; html = 0 turns a run
 * holding two or more line ends into a paragraph break. Invalid UTF-8 bytes are copied as they are. */
void tb_append(textbuf *b, const char *s, size_t len, int html);
/* Hands the text to *out (malloc'd, NUL-terminated) and resets b. Errors: ST_ERR_NOMEM. */
st_status tb_take(textbuf *b, char **out, size_t *out_len);

/* Appends the plain text of first and its following siblings (and their subtrees) to b: block
 * elements give paragraph breaks, <br> a line break, unknown elements a space, script/style/head
 * are skipped. Works on HTML and XML (e.g. XHTML) trees alike, by local element name. */
void st_nodes_to_text(xmlNode *first, textbuf *b);

#endif
