/* st_lexicon.h - word lists (sentiment lexicons) as extra tokens for the featurizer.
 *
 * A lexicon maps words to a few categories ("positive", "negative"...). A vocabulary built with
 * one (st_vocab_build_lexicon) featurizes, after a text's own tokens, one category token
 * "#lex:CATEGORY" per token found in the lexicon (looked up without its "NOT_" prefix), in token
 * order; these extra tokens then take part in word and character n-grams like any other token, so
 * the model learns a weight per category (and for its n-grams) beside the words themselves. The
 * vocabulary file carries the lexicon (st_vocab_save), so prediction needs nothing else. No word
 * token holds '#', so a category token never equals a word. Immutable after load: one lexicon may
 * be read by any number of threads. */
#ifndef ST_LEXICON_H
#define ST_LEXICON_H

#include <stdio.h>

#include "st_common.h"
#include "st_tokenize.h"

#define ST_LEXICON_MAX_CATEGORIES 16 /* distinct categories in one lexicon */
#define ST_LEXICON_MAX_LABEL 32      /* bytes of a category name */
#define ST_LEXICON_PREFIX "#lex:"    /* the category tokens' prefix */

typedef struct st_lexicon st_lexicon;

/* Reads a lexicon file, UTF-8 lines `label<TAB>term` (no header; empty lines and a final '\r'
 * ignored), e.g. the files of ../shared/data/lexicons/. A label that is a decimal number (a valence) gives
 * the category "positive" when above 0, "negative" when below, and no entry at 0; any other label
 * is the category itself and must be 1..ST_LEXICON_MAX_LABEL bytes of a-z, 0-9, '_' and '-'. Each
 * term is tokenized with tok (borrowed, copied) but every punctuation mark a token (punct 2): a
 * term giving exactly one token that is not "NOT_"-prefixed is an entry of that token, any other
 * term (several words, a word with punctuation such as "a+", punctuation alone) is skipped; a token listed
 * twice keeps its first category. *out is owned by the caller (st_lexicon_free). Errors: ST_ERR_IO,
 * ST_ERR_FORMAT (err names the file and 1-based line: no tab, bad label, invalid UTF-8, more than
 * ST_LEXICON_MAX_CATEGORIES categories), ST_ERR_EMPTY (no entry), ST_ERR_NOMEM. err may be NULL. */
st_status st_lexicon_load(const char *path, const st_tokenizer_config *tok, st_lexicon **out, st_error *err);

/* Reads the lexicon section st_lexicon_write wrote: exactly n lines `category<TAB>token` in
 * data[0..len) (the last '\n' optional), tokens in strictly increasing byte order. *used receives
 * the bytes read. tok is the vocabulary's tokenizer setting. Errors: ST_ERR_FORMAT (err names path
 * and the 1-based line, counting from first_line), ST_ERR_NOMEM. */
st_status st_lexicon_parse(const char *data, size_t len, size_t n, const st_tokenizer_config *tok,
                           const char *path, long first_line, st_lexicon **out, size_t *used, st_error *err);

/* Writes one line `category<TAB>token` per entry, by token bytes, to f. Returns 0, or -1 when f
 * reports an error. */
int st_lexicon_write(const st_lexicon *lex, FILE *f);

/* A copy of lex (NULL gives NULL with ST_OK). Errors: ST_ERR_NOMEM. */
st_status st_lexicon_copy(const st_lexicon *lex, st_lexicon **out);

void st_lexicon_free(st_lexicon **pl); /* frees *pl (NULL is fine) and sets it to NULL */

size_t st_lexicon_size(const st_lexicon *lex);                          /* entries; 0 for NULL */
const st_tokenizer_config *st_lexicon_tokenizer(const st_lexicon *lex); /* borrowed */

/* 1 when a and b hold the same entries and categories (two NULLs are equal), else 0. */
int st_lexicon_equal(const st_lexicon *a, const st_lexicon *b);

/* Category (without the prefix, NUL-terminated, borrowed) of token w[0..n), "NOT_" prefix
 * ignored; NULL when w is not in the lexicon. */
const char *st_lexicon_find(const st_lexicon *lex, const char *w, size_t n);

/* Writes into out the tokens of in followed by one category token per token of in that the
 * lexicon knows (see above); out is reset first and grown as needed (no allocation once grown).
 * in and out must differ. Errors: ST_ERR_NOMEM, ST_ERR_TOO_LARGE (over 2^32 bytes of tokens);
 * out->n is 0 after an error. Thread-safe for distinct out. */
st_status st_lexicon_tokens(const st_lexicon *lex, const st_tokens *in, st_tokens *out);

#endif
