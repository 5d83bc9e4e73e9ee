/* st_common.h - status codes and small shared types of the stance core library.
 *
 * Every fallible public function of libstance returns an st_status (ST_OK on success) and hands
 * its results back through out-parameters (SQLite/libuv style). Functions never print; where a
 * caller needs more than the code (a file name, a line number, a JSON error column), they fill an
 * st_error the caller passes in. */
#ifndef ST_COMMON_H
#define ST_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define ST_VERSION "0.1.0"

typedef enum st_status {
    ST_OK = 0,
    ST_ERR_NOMEM,    /* an allocation failed */
    ST_ERR_INVALID,  /* an argument is out of its documented range */
    ST_ERR_UTF8,     /* input bytes are not valid UTF-8 */
    ST_ERR_IO,       /* the file system failed; errno describes it */
    ST_ERR_FORMAT,   /* a file or record does not follow its format */
    ST_ERR_MODEL,    /* a model folder is missing a file, or its files disagree */
    ST_ERR_EMPTY,    /* the input holds nothing to work on (no examples, empty text) */
    ST_ERR_TOO_LARGE /* the input passes a documented size limit */
} st_status;

/* A caller-owned description of what went wrong, filled by functions that read files or
 * records. `where` is a file name (or "-" for stdin), `line` is 1-based (0 when unknown). */
typedef struct st_error {
    char where[256];
    long line;
    char message[256];
} st_error;

/* Returns a static English sentence for rc (never NULL; unknown codes give "unknown error"). */
const char *st_strerror(int rc);

/* Fills err (when not NULL) with where, line and a printf-style message. Returns rc, so that
 * `return st_error_set(err, ST_ERR_FORMAT, path, n, "bad label %s", s);` reads as one step. */
st_status st_error_set(st_error *err, st_status rc, const char *where, long line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Reads the whole file at path into a new buffer: *data (malloc'd, owned by the caller: free())
 * holds its *len bytes followed by a NUL at (*data)[*len] (the file may itself hold NULs). The
 * buffer is sized by fstat(2), so a regular file is read with one allocation and no copy beyond
 * read(2)'s; a file that grows while being read (or a pipe) grows the buffer. Errors: ST_ERR_IO
 * (err names path and says why, from errno), ST_ERR_NOMEM; *data and *len are unchanged on
 * error. err may be NULL. Thread-safe. */
st_status st_read_file(const char *path, char **data, size_t *len, st_error *err);

/* A fast, non-cryptographic 64-bit hash of s[0..n) mixed with seed (eight bytes a step, multiply
 * and fold): for spreading hash tables and telling texts apart where equal ones are compared in
 * full or a rare collision only changes a message. Not stable across versions. Pure. */
uint64_t st_hash_bytes(const char *s, size_t n, uint64_t seed);

/* The 1-based number of the last line of data[0..len) (a file read whole) when that line has no
 * line end, else 0: a file cut short (a full disk, an interrupted copy) ends that way. */
long st_cut_last_line(const char *data, size_t len);

/* After a parse error: when cut_line (from st_cut_last_line, taken before the data was parsed) is
 * the line err names, appends to err->message that the file ends inside that line. Does nothing
 * when cut_line is 0 or err is NULL. */
void st_error_note_cut_line(st_error *err, long cut_line);

#endif
