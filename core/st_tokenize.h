/* st_tokenize.h - the tokenizer shared by training and prediction.
 *
 * Pipeline over one text (UTF-8 bytes in, tokens out):
 *   invalid bytes -> U+FFFD; NFC (utf8proc); deletion of U+00AD soft hyphen, U+FEFF BOM, U+200C/D
 *   outside emoji ZWJ sequences; apostrophe variants (U+2019 U+2018 U+02BC U+0060 U+00B4 between
 *   letters) -> '\''; Unicode case folding (utf8proc, never tolower() on bytes); words are runs of
 *   letters, digits and marks, with inner '\'' and inner single hyphens kept ("won't",
 *   "well-known"); dashes (U+2012-U+2015, "--") and every other punctuation or space (NBSP, U+202F,
 *   U+2009, U+3000, U+200B...) separate words; an emoji with its modifiers and ZWJ sequence is one
 *   token; possessive "'s" and a trailing "'" are dropped ("ministers'" -> "ministers").
 *   Negation scope: after a negator ("not", "no", "never", "nobody", "nothing", "cannot", "n't"
 *   forms...), following words up to the next clause punctuation (. , ; : ! ? and dashes) get the
 *   prefix "NOT_" (Das & Chen 2001; Pang, Lee & Vaithyanathan 2002).
 * Output is independent of the process locale. */
#ifndef ST_TOKENIZE_H
#define ST_TOKENIZE_H

#include "st_common.h"

typedef struct st_tokenizer_config {
    int casefold; /* 1: Unicode case folding (default 1) */
    int negation; /* 1: NOT_ marking in negation scope (default 1) */
} st_tokenizer_config;

/* Default settings (casefold and negation on). */
st_tokenizer_config st_tokenizer_config_default(void);

/* A reusable token list. Tokens are NUL-terminated UTF-8 strings stored back to back in `buf`;
 * token i starts at buf + off[i] and has length len[i] bytes (without the NUL). The list owns its
 * memory; reuse it across calls (st_tokenize resets it) so the hot path allocates only while
 * buffers grow. */
typedef struct st_tokens {
    char *buf;
    size_t buf_len, buf_cap;
    uint32_t *off;
    uint32_t *len;
    size_t n, cap;
} st_tokens;

void st_tokens_init(st_tokens *t);     /* zero state, no allocation */
void st_tokens_free(st_tokens *t);     /* frees buffers, leaves *t initialised and empty */

/* Tokenizes text[0..len) (any bytes; invalid UTF-8 is replaced, never read past len) into out,
 * replacing its previous contents. Errors: ST_ERR_NOMEM (out keeps a valid, possibly partial,
 * state). Thread-safe for distinct `out`. */
st_status st_tokenize(const st_tokenizer_config *cfg, const char *text, size_t len, st_tokens *out);

#endif
