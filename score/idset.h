/* idset.h - the article keys one stance-score run has seen, to skip duplicates: the first
 * occurrence of a key is scored and stored, later ones are not (see score/README.md, Duplicates).
 *
 * A key is kept as 128 bits of its SHA-256 (a false match needs about 2^64 keys), with a 64-bit
 * hash of the article's text, so that a later occurrence can be told apart as "same text" or
 * "different text", and where it was first seen. Memory: a 40-byte slot per distinct key in a table
 * at most three quarters full (53 to 107 bytes per key: at most 107 MB per million distinct
 * articles), plus one copy of each source name. */
#ifndef ST_SCORE_IDSET_H
#define ST_SCORE_IDSET_H

#include <stddef.h>

#include "st_common.h"

typedef struct st_idset st_idset;

/* Creates an empty set into *out (owned by the caller: st_idset_free). Errors: ST_ERR_NOMEM. */
st_status st_idset_new(st_idset **out);

/* Frees *ps (NULL is fine) and sets it to NULL. */
void st_idset_free(st_idset **ps);

typedef enum st_idset_result {
    ST_IDSET_NEW = 0,      /* first time: recorded */
    ST_IDSET_SAME = 1,     /* seen before with the same text */
    ST_IDSET_DIFFERENT = 2 /* seen before with a different text */
} st_idset_result;

/* Looks up key (NUL-terminated) and records it when new, with text[0..text_len) (bytes) and its
 * place: source (a file name, copied once per distinct name; consecutive calls usually share it)
 * and item (its line or item number). When the key was seen, *first_source (borrowed, valid until
 * st_idset_free) and *first_item say where. Returns the st_idset_result through *result.
 * Errors: ST_ERR_NOMEM (the set is unchanged). Not thread-safe: one thread uses a set. */
st_status st_idset_add(st_idset *s, const char *key, const char *text, size_t text_len, const char *source,
                       long item, st_idset_result *result, const char **first_source, long *first_item);

/* Number of distinct keys recorded. */
size_t st_idset_count(const st_idset *s);

#endif
