/* buf_int.h - private helper shared by features.c and lexicon.c: growing buffers (files are read
 * with st_read_file, st_common.h). Not installed, not part of the library's contract. */
#ifndef ST_BUF_INT_H
#define ST_BUF_INT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st_common.h"

/* Grows the buffer whose pointer is at pp (any object pointer type) to hold at least need elements
 * of elem bytes, doubling; *cap counts elements. Returns 0 when out of memory (the buffer is kept).
 * The pointer is moved with memcpy, so no object is accessed through a void ** lvalue. */
static inline int buf_grow(void *pp, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 1;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *p;
    memcpy(&p, pp, sizeof p);
    void *q = realloc(p, c * elem);
    if (!q)
        return 0;
    memcpy(pp, &q, sizeof q);
    *cap = c;
    return 1;
}

#endif
