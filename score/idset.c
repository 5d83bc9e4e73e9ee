/* idset.c - the set of article keys seen by one run: open addressing on SHA-256 digests. */
#include "idset.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

typedef struct entry {
    uint64_t key[2]; /* 128 bits of SHA-256(key); {0, 0} marks an empty slot */
    uint64_t text;   /* st_hash_bytes of the text */
    uint32_t source; /* index into sources */
    long item;
} entry;

struct st_idset {
    EVP_MD *sha256; /* fetched once: EVP_sha256() in EVP_Digest looks the algorithm up per call */
    entry *slots;
    size_t cap, count; /* cap is a power of two, count <= cap * 3 / 4 */
    char **sources;
    size_t n_sources, cap_sources;
};

st_status st_idset_new(st_idset **out)
{
    *out = NULL;
    st_idset *s = calloc(1, sizeof *s);
    if (!s)
        return ST_ERR_NOMEM;
    s->cap = 1024;
    if (!(s->slots = calloc(s->cap, sizeof *s->slots)) || !(s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL))) {
        free(s->slots);
        free(s);
        return ST_ERR_NOMEM;
    }
    *out = s;
    return ST_OK;
}

void st_idset_free(st_idset **ps)
{
    st_idset *s = *ps;
    if (!s)
        return;
    for (size_t i = 0; i < s->n_sources; i++)
        free(s->sources[i]);
    free(s->sources);
    free(s->slots);
    EVP_MD_free(s->sha256);
    free(s);
    *ps = NULL;
}

size_t st_idset_count(const st_idset *s)
{
    return s->count;
}

static entry *find_slot(entry *slots, size_t cap, const uint64_t key[2])
{
    size_t i = (size_t)key[0] & (cap - 1);
    while ((slots[i].key[0] | slots[i].key[1]) && (slots[i].key[0] != key[0] || slots[i].key[1] != key[1]))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static st_status grow(st_idset *s)
{
    size_t cap = s->cap * 2;
    entry *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return ST_ERR_NOMEM;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].key[0] | s->slots[i].key[1])
            *find_slot(slots, cap, s->slots[i].key) = s->slots[i];
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return ST_OK;
}

/* Index of source in s->sources, adding a copy when it is not the last one added. */
static st_status source_index(st_idset *s, const char *source, uint32_t *out)
{
    if (s->n_sources > 0 && strcmp(s->sources[s->n_sources - 1], source) == 0) {
        *out = (uint32_t)(s->n_sources - 1);
        return ST_OK;
    }
    if (s->n_sources == UINT32_MAX)
        return ST_ERR_NOMEM;
    if (s->n_sources == s->cap_sources) {
        size_t nc = s->cap_sources ? s->cap_sources * 2 : 16;
        char **p = realloc(s->sources, nc * sizeof *p);
        if (!p)
            return ST_ERR_NOMEM;
        s->sources = p;
        s->cap_sources = nc;
    }
    if (!(s->sources[s->n_sources] = strdup(source)))
        return ST_ERR_NOMEM;
    *out = (uint32_t)s->n_sources++;
    return ST_OK;
}

st_status st_idset_add(st_idset *s, const char *key, const char *text, size_t text_len, const char *source,
                       long item, st_idset_result *result, const char **first_source, long *first_item)
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (!EVP_Digest(key, strlen(key), md, &mdlen, s->sha256, NULL) || mdlen != 32)
        return ST_ERR_NOMEM;
    uint64_t k[2];
    memcpy(k, md, sizeof k);
    if (!(k[0] | k[1]))
        k[1] = 1; /* {0, 0} marks an empty slot */
    uint64_t th = st_hash_bytes(text, text_len, 0);
    entry *e = find_slot(s->slots, s->cap, k);
    if (e->key[0] | e->key[1]) {
        *result = e->text == th ? ST_IDSET_SAME : ST_IDSET_DIFFERENT;
        *first_source = s->sources[e->source];
        *first_item = e->item;
        return ST_OK;
    }
    uint32_t src;
    if (source_index(s, source, &src) != ST_OK)
        return ST_ERR_NOMEM;
    if ((s->count + 1) * 4 > s->cap * 3) {
        if (grow(s) != ST_OK)
            return ST_ERR_NOMEM;
        e = find_slot(s->slots, s->cap, k);
    }
    assert(!(e->key[0] | e->key[1]));
    *e = (entry){.key = {k[0], k[1]}, .text = th, .source = src, .item = item};
    s->count++;
    *result = ST_IDSET_NEW;
    return ST_OK;
}
