/* common.c - status words and error records shared by every module. */
#include "st_common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *st_strerror(int rc)
{
    switch (rc) {
    case ST_OK: return "ok";
    case ST_ERR_NOMEM: return "out of memory";
    case ST_ERR_INVALID: return "invalid argument";
    case ST_ERR_UTF8: return "invalid UTF-8";
    case ST_ERR_IO: return "input/output error";
    case ST_ERR_FORMAT: return "malformed input";
    case ST_ERR_MODEL: return "invalid model";
    case ST_ERR_EMPTY: return "nothing to work on";
    case ST_ERR_TOO_LARGE: return "input too large";
    default: return "unknown error";
    }
}

st_status st_error_set(st_error *err, st_status rc, const char *where, long line, const char *fmt, ...)
{
    if (!err)
        return rc;
    snprintf(err->where, sizeof err->where, "%s", where ? where : "");
    err->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return rc;
}

st_status st_read_file(const char *path, char **data, size_t *len, st_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return st_error_set(err, ST_ERR_IO, path, 0, "cannot open: %s", strerror(errno));
    st_status rc = ST_OK;
    struct stat st;
    size_t cap = 1 << 16, n = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 && (uintmax_t)st.st_size < SIZE_MAX / 2)
        cap = (size_t)st.st_size + 1; /* + 1: the NUL, and the read that sees the end */
    char *buf = malloc(cap);
    if (!buf) {
        rc = st_error_set(err, ST_ERR_NOMEM, path, 0, "out of memory");
        goto out_close;
    }
    for (;;) {
        if (n == cap) {
            char *b = cap < SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
            if (!b) {
                rc = st_error_set(err, ST_ERR_NOMEM, path, 0, "out of memory");
                goto out_free;
            }
            buf = b;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = st_error_set(err, ST_ERR_IO, path, 0, "read error: %s", strerror(errno));
            goto out_free;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    if (n == cap) { /* room for the NUL */
        char *b = realloc(buf, cap + 1);
        if (!b) {
            rc = st_error_set(err, ST_ERR_NOMEM, path, 0, "out of memory");
            goto out_free;
        }
        buf = b;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    buf = NULL;
out_free:
    free(buf);
out_close:
    close(fd);
    return rc;
}

long st_cut_last_line(const char *data, size_t len)
{
    if (len == 0 || data[len - 1] == '\n')
        return 0;
    long lines = 1;
    for (const char *p = data; (p = memchr(p, '\n', (size_t)(data + len - p))) != NULL; p++)
        lines++;
    return lines;
}

void st_error_note_cut_line(st_error *err, long cut_line)
{
    if (!err || cut_line <= 0 || err->line != cut_line || strstr(err->message, "cut short"))
        return;
    size_t n = strlen(err->message);
    snprintf(err->message + n, sizeof err->message - n,
             " (the file ends inside this line: is it cut short?)");
}

uint64_t st_hash_bytes(const char *s, size_t n, uint64_t seed)
{
    uint64_t h = (seed ^ 0x9E3779B97F4A7C15u) ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9u;
        h ^= h >> 31;
    }
    uint64_t w = 0;
    memcpy(&w, s + i, n - i);
    h = (h ^ w) * 0x94D049BB133111EBu;
    return h ^ (h >> 29);
}
