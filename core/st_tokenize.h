/* st_tokenize.h - the tokenizer shared by training and prediction.
 *
 * Pipeline over one text (UTF-8 bytes in, tokens out), one left-to-right pass:
 *   - invalid bytes decode to U+FFFD, which separates words (so it never appears in a token);
 *   - deleted (the word continues across them): U+00AD soft hyphen, U+FEFF BOM, U+200C/U+200D
 *     outside emoji ZWJ sequences, and every other format character (category Cf: U+2060, bidi
 *     marks...) except U+200B; so "refer\u00ADendum" -> "referendum";
 *   - apostrophe variants U+2019 U+2018 U+02BC U+0060 U+00B4 and '\'' are kept as '\'' when they
 *     stand between two word characters ("won’t" -> "won't"), dropped otherwise;
 *   - a word starts with a letter or digit (categories L*, N*) and runs over letters, digits and
 *     marks (M*), with inner '\'' and inner single hyphens ('-', U+2010, U+2011, U+05BE, U+FE63,
 *     U+FF0D, written '-') kept ("won't", "well-known", "aura-t-il"); a mark outside a word is
 *     dropped;
 *   - NFC (utf8proc) and Unicode case folding (utf8proc, never tolower() on bytes) of each word
 *     that holds a non-ASCII byte; ASCII words only map A-Z to a-z (which is their case folding);
 *   - possessive "'s" and a trailing "'" are dropped ("minister's" -> "minister",
 *     "ministers'" -> "ministers"; "it's" -> "it");
 *   - dashes (category Pd: U+2012-U+2015..., "--", a hyphen that is not inside a word) and every
 *     other punctuation, symbol or space (NBSP, U+202F, U+2009, U+3000, U+200B...) separate words;
 *   - an emoji (an extended grapheme cluster, UAX #29, that starts with an Extended_Pictographic or
 *     Regional_Indicator code point: modifiers, VS16 and ZWJ sequences included) is one token,
 *     copied as is (a dangling final ZWJ dropped); © ® ™ are Extended_Pictographic too;
 *   - E13(d) repair: "won ’t" / "didn 't" (only spaces between a token ending in 'n' and an
 *     apostrophe followed by a lone "t") are joined into "won't" / "didn't";
 *   - negation scope: after a negator (a token equal to not, no, nor, never, none, nobody, nothing,
 *     nowhere, noone, neither, cannot, or an apostrophe-less form cant, dont, wont, isnt, arent,
 *     wasnt, werent, doesnt, didnt, hasnt, havent, hadnt, couldnt, shouldnt, wouldnt, mustnt,
 *     neednt, aint, or any token ending in "n't"), the following tokens up to the next clause
 *     punctuation (. , ; : ! ? ‼ … ¡ ¿, their CJK/full-width/Arabic/Greek forms, and dashes) get
 *     the prefix "NOT_" (Das & Chen 2001; Pang, Lee & Vaithyanathan 2002). The negator itself is
 *     not prefixed unless it is already inside a scope. "NOT_" never collides with a word, since
 *     '_' always separates words;
 *   - optional punctuation tokens (st_tokenizer_config.punct, default off): with punct = 1 every
 *     '?' and '!' (ASCII) is a one-byte token; with punct = 2 every punctuation or symbol code
 *     point that separates words (clause punctuation, dashes, quotation marks, brackets, '$', '%'...,
 *     an apostrophe or hyphen outside a word, not U+FFFD) is a token of that one code point, copied
 *     as is (no NFC or case folding; "..." gives three "." tokens). Clause punctuation ends a
 *     negation scope before its token, so "?" and "!" are never prefixed; any other punctuation
 *     token inside a scope takes the "NOT_" prefix like a word. Words are the same with or without
 *     the option (fastText's tutorial normalisation and scikit-learn's token pattern
 *     \w+|[^\w\s] keep punctuation the same way).
 * Every token is non-empty, valid UTF-8, and holds no space or control character and no format
 * character other than the ZWJ / tag characters inside an emoji sequence.
 * Output is independent of the process locale (no <ctype.h>, no locale-aware calls). */
#ifndef ST_TOKENIZE_H
#define ST_TOKENIZE_H

#include "st_common.h"

/* Bumped whenever the token stream for some input changes; saved with every vocabulary so a model
 * is never used with a tokenizer it was not trained with. */
#define ST_TOKENIZER_VERSION 1

typedef struct st_tokenizer_config {
    int casefold; /* 1: Unicode case folding (default 1) */
    int negation; /* 1: NOT_ marking in negation scope (default 1) */
    int punct;    /* punctuation tokens: 0 none (default), 1 '?' and '!', 2 all (see above) */
} st_tokenizer_config;

/* Default settings (casefold and negation on, no punctuation tokens). */
st_tokenizer_config st_tokenizer_config_default(void);

/* 1 when a and b give the same tokens for every text (all their settings are equal), else 0; so
 * one st_tokenize can serve several models. Neither may be NULL. */
int st_tokenizer_config_equal(const st_tokenizer_config *a, const st_tokenizer_config *b);

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
    int32_t *cps; /* private scratch (code points of the word being normalised) */
    size_t cps_cap;
} st_tokens;

/* Largest text st_tokenize accepts, in bytes (token offsets are 32-bit). */
#define ST_TOKENIZE_MAX_BYTES ((size_t)1 << 30)

void st_tokens_init(st_tokens *t); /* zero state, no allocation */
void st_tokens_free(st_tokens *t); /* frees buffers, leaves *t initialised and empty */

/* Tokenizes text[0..len) (any bytes; invalid UTF-8 is replaced, never read past len) into out,
 * replacing its previous contents. cfg NULL means the defaults. Errors: ST_ERR_NOMEM (out keeps a
 * valid, possibly partial, state), ST_ERR_TOO_LARGE (len > ST_TOKENIZE_MAX_BYTES; out is empty).
 * Allocates only while out's buffers grow. Thread-safe for distinct `out`. */
st_status st_tokenize(const st_tokenizer_config *cfg, const char *text, size_t len, st_tokens *out);

#endif
