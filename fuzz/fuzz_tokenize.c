/* fuzz_tokenize.c - libFuzzer target: st_tokenize on any bytes, under the default settings, the
 * plain ones (no case folding, no negation) and with every punctuation mark as a token, with the contract of st_tokenize.h checked on
 * every token: non-empty, valid UTF-8, no space or control byte, NUL-terminated in the buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "st_tokenize.h"
#include "st_utf8.h"

static void check_tokens(const st_tokens *t)
{
    for (size_t i = 0; i < t->n; i++) {
        const char *w = t->buf + t->off[i];
        size_t n = t->len[i];
        if (n == 0 || w[n] != '\0' || st_utf8_validate(w, n, NULL) != ST_OK)
            abort();
        for (size_t k = 0; k < n; k++)
            if ((unsigned char)w[k] <= 0x20 || w[k] == 0x7f)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_tokens t;
    st_tokens_init(&t);
    st_tokenizer_config cfg = st_tokenizer_config_default();
    if (st_tokenize(&cfg, (const char *)data, size, &t) == ST_OK)
        check_tokens(&t);
    cfg.casefold = 0;
    cfg.negation = 0;
    if (st_tokenize(&cfg, (const char *)data, size, &t) == ST_OK) /* reuse of the same list */
        check_tokens(&t);
    cfg = st_tokenizer_config_default();
    cfg.punct = 2;
    if (st_tokenize(&cfg, (const char *)data, size, &t) == ST_OK)
        check_tokens(&t);
    st_tokens_free(&t);
    return 0;
}
