/* buf_int.h - private helpers shared by features.c and lexicon.c: growing buffers and reading a
 * whole file. Not installed, not part of the library's contract. */
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

/* Reads the whole file at path into *data (malloc'd, NUL-terminated; the caller frees it) of *len
 * bytes. Errors: ST_ERR_IO, ST_ERR_NOMEM. */
static inline st_status buf_read_file(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ST_ERR_IO;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    st_status rc = ST_OK;
    if (!buf) {
        rc = ST_ERR_NOMEM;
        goto out_close;
    }
    for (;;) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                rc = ST_ERR_NOMEM;
                goto out_close;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - 1 - n, f);
        n += r;
        if (r == 0)
            break;
    }
    if (ferror(f))
        rc = ST_ERR_IO;
out_close:
    fclose(f);
    if (rc != ST_OK) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return ST_OK;
}

#endif
