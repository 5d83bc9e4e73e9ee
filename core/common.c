/* common.c - status words and error records shared by every module. */
#include "st_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
