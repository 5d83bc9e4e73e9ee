/* fuzz_request.c - libFuzzer target: the POST /classify body parser of stance-serve
 * (serve/request.c: depth limit, jansson, field checks), as application/json and as text/plain.
 * The first byte picks the Content-Type and the depth limit, the rest is the body. Every outcome
 * must be one of the documented results, and an accepted request must hold what the contract
 * says (text non-empty without NUL, quotes strings). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int is_json = data[0] & 1;
    int depth = 1 + (data[0] >> 1); /* 1..128 */
    size_t len = size - 1;
    char *body = malloc(len ? len : 1);
    if (!body)
        return 0;
    if (len)
        memcpy(body, data + 1, len);
    srv_classify_request q;
    srv_parse_error err;
    srv_parse_result res = srv_classify_request_parse(body, len, is_json, depth, &q, &err);
    switch (res) {
    case SRV_PARSE_OK:
        if (q.is_quotes) {
            for (size_t i = 0; i < q.n_quotes; i++)
                if (!q.quotes[i] || memchr(q.quotes[i], '\0', q.quote_lens[i]))
                    abort();
        } else if (!q.text || q.text_len == 0 || memchr(q.text, '\0', q.text_len)) {
            abort();
        }
        break;
    case SRV_PARSE_BAD:
    case SRV_PARSE_BAD_UTF8:
    case SRV_PARSE_BAD_JSON:
        if (err.message[0] == '\0')
            abort();
        break;
    case SRV_PARSE_NOMEM: break;
    default: abort();
    }
    srv_classify_request_free(&q);
    free(body);
    return 0;
}
