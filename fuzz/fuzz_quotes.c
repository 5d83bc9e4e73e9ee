/* fuzz_quotes.c - libFuzzer target: st_quotes_extract on any bytes (the contract says invalid
 * UTF-8 is never read past len), with the invariants of st_quotes.h checked on every quote: spans
 * inside the text and ordered, text and speaker NUL-terminated, speaker offsets inside the text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "st_quotes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A private copy, exactly size bytes, so ASan sees any read past the end. */
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    if (size)
        memcpy(text, data, size);
    st_quotes q;
    st_quotes_init(&q);
    if (st_quotes_extract(text, size, &q) == ST_OK) {
        for (size_t i = 0; i < q.n; i++) {
            const st_quote *it = &q.items[i];
            if (it->start > it->end || it->end > size || !it->text || strlen(it->text) > it->text_len)
                abort();
            if (it->speaker && (it->speaker_start > it->speaker_end || it->speaker_end > size))
                abort();
        }
    }
    st_quotes_free(&q);
    free(text);
    return 0;
}
