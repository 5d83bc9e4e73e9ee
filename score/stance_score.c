/* stance_score.c - stance-score: the nightly batch scorer of news feeds.
 *
 *   stance-score [OPTIONS] INPUT...      score articles (files, folders, "-" for stdin)
 *   stance-score report --db FILE [...]  per-speaker, per-day stance counts and means
 *
 * Data flow: the main thread reads inputs (feed.h) and puts jobs into a bounded ring: a JSON Lines
 * record as its raw line, a feed item, text or HTML file as a parsed article, a record that could not
 * be read as its error. N worker threads, each with its own st_classifier, parse the raw lines
 * (st_jsonl_parse_line), skip what --db already holds, classify the articles (st_classify_article, the
 * same function as POST /classify) and serialise the output; one output thread takes the jobs in
 * input order (the ring is the reorder buffer, so memory stays flat): it reports errors, skips
 * duplicate ids (the first occurrence is kept) and writes results to stdout or -o, and to the SQLite
 * store in batched transactions. Exit codes: 0 all records scored, 1 some records or files
 * failed (each reported on stderr with its file and line or item number), 2 usage or fatal error
 * (models, database, output). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "feed.h"
#include "idset.h"
#include "st_classify.h"
#include "store.h"

#define EXIT_OK 0
#define EXIT_SOME_FAILED 1
#define EXIT_FATAL 2

#define OUT_BUFFER ((size_t)1 << 18) /* bytes of output gathered before a write(2) */

enum job_state { JOB_EMPTY = 0, JOB_QUEUED, JOB_RUNNING, JOB_DONE };

/* A job holds an article (a), or a JSON Lines line still to parse (raw), or neither: a record that
 * could not be read (rc != ST_OK, read_err says where) or a blank line (rc == ST_OK). */
typedef struct job {
    enum job_state state;
    st_article *a;
    char *raw;      /* raw_len bytes of one JSON line, then its NUL-terminated source name; owned */
    size_t raw_len; /* bytes */
    long lineno;    /* 1-based line of raw */
    int stored;     /* --db already holds the article (checked by the worker): skipped, not scored */
    st_error read_err;
    char *line; /* the serialised output (JSON line or CSV rows); NULL on error */
    size_t line_len;
    json_t *result; /* the output object, kept only for the store */
    char *result_text;
    size_t n_quotes;
    st_status rc;
    char message[256];
} job;

typedef struct options {
    const char *models;
    const char *output;
    const char *db;
    int csv;
    int jobs;
    int progress; /* -1 auto (stderr is a terminal), 0 off, 1 on */
    int explain;
    int keep_text;
    int rescore;
    st_input_format format;
} options;

typedef struct scorer {
    options opt;
    st_modelset *models;
    char model_version[256];
    st_store *reader_db; /* workers, under db_mu: what is already stored */
    pthread_mutex_t db_mu;
    st_store *writer_db; /* output thread */
    st_idset *seen;      /* output thread: the article keys of this run, to skip duplicates */
    int out_fd;          /* stdout or -o FILE; written with write(2) in whole lines (write_whole) */
    int out_tty;         /* out_fd is a terminal: each article is written at once */
    char *out_buf;       /* OUT_BUFFER bytes, out_len of them pending (output thread) */
    size_t out_len;

    pthread_mutex_t mu;
    pthread_cond_t room, work, ready;
    job *ring;
    size_t cap;
    unsigned long long next_read, next_work, next_write;
    int reading_done;
    /* Who sleeps, so that a thread is woken only when it can do a batch of work (a wake-up costs
     * two futex calls and a context switch, as much as parsing a short article): the reader when
     * the ring is half empty, the output thread when the next job to write and job writer_wants
     * (up to cap / 4 further on) are both done. */
    int reader_waiting, writer_waiting;
    unsigned long long writer_wants;
    atomic_int fatal; /* set by any thread; everyone stops */

    /* counters (output thread, or atomics shared with the main thread) */
    atomic_ullong bytes_read;
    unsigned long long ok, errors, quotes, skipped, duplicates;
    unsigned long long unflushed_ok, unflushed_quotes; /* scored, output not written yet */
    unsigned long long total_bytes; /* of the regular-file inputs, 0 when unknown (stdin) */
    struct timespec start, last_progress;
    int csv_header_done;
} scorer;

static double seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void utc_now(char out[21])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Prints FILE:LINE: message (line 0: FILE: message). Feeds count items, JSON Lines count lines. */
static void print_record_error(const st_error *e)
{
    if (e->line > 0)
        fprintf(stderr, "stance-score: %s:%ld: %s\n", e->where, e->line, e->message);
    else
        fprintf(stderr, "stance-score: %s: %s\n", e->where, e->message);
}

/* Frees what job j holds and empties its slot. */
static void job_clear(job *j)
{
    st_article_free(j->a);
    free(j->raw);
    free(j->line);
    json_decref(j->result);
    free(j->result_text);
    memset(j, 0, sizeof *j);
}

/* ===== output formatting (workers) ===== */

static int csv_field(char **buf, size_t *len, size_t *cap, const char *s, int last)
{
    size_t need = (s ? strlen(s) * 2 : 0) + 4;
    if (*len + need >= *cap) {
        size_t nc = (*cap + need) * 2;
        char *p = realloc(*buf, nc);
        if (!p)
            return -1;
        *buf = p;
        *cap = nc;
    }
    char *o = *buf + *len;
    int quote = s && strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        *o++ = '"';
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '"')
            *o++ = '"';
        else if (*p == '\r' && p[1] == '\n')
            continue; /* CR LF inside a field is written as LF: CR LF only ever ends a row */
        *o++ = *p;
    }
    if (quote)
        *o++ = '"';
    if (last) {
        *o++ = '\r';
        *o++ = '\n';
    } else {
        *o++ = ',';
    }
    *len = (size_t)(o - *buf);
    return 0;
}

static const char csv_header[] =
    "id,source,item,published,title,url,quote_index,quote,speaker,speaker_method,"
    "stance,stance_probability,sentiment,sentiment_probability\r\n";

/* Doubles as %.17g; the process never calls setlocale, so the decimal point is '.'. */
static void fmt_double(const json_t *v, char *out, size_t cap)
{
    if (json_is_number(v))
        snprintf(out, cap, "%.17g", json_number_value(v));
    else
        out[0] = '\0';
}

static int csv_rows(const st_article *a, const json_t *res, char **line, size_t *line_len)
{
    size_t len = 0, cap = 1024;
    char *buf = malloc(cap);
    if (!buf)
        return -1;
    char item[32], idx[32], sp[40], tp[40];
    snprintf(item, sizeof item, "%ld", a->item);
    size_t i;
    const json_t *q;
    json_array_foreach(json_object_get(res, "quotes"), i, q)
    {
        const json_t *stance = json_object_get(q, "stance"), *senti = json_object_get(q, "sentiment");
        snprintf(idx, sizeof idx, "%zu", i);
        fmt_double(json_object_get(stance, "probability"), sp, sizeof sp);
        fmt_double(json_object_get(senti, "probability"), tp, sizeof tp);
        const char *f[] = {a->key,
                           a->source,
                           item,
                           a->published,
                           a->title,
                           a->url,
                           idx,
                           json_string_value(json_object_get(q, "text")),
                           json_string_value(json_object_get(q, "speaker")),
                           json_string_value(json_object_get(q, "speaker_method")),
                           json_string_value(json_object_get(stance, "label")),
                           sp,
                           json_string_value(json_object_get(senti, "label")),
                           tp};
        for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
            if (csv_field(&buf, &len, &cap, f[k], k + 1 == sizeof f / sizeof f[0]) < 0) {
                free(buf);
                return -1;
            }
        }
    }
    buf[len] = '\0';
    *line = buf;
    *line_len = len;
    return 0;
}

static int set_str(json_t *o, const char *k, const char *v)
{
    return json_object_set_new(o, k, v ? json_string(v) : json_null());
}

/* The JSON Lines fast path needs the item's own fields not to name the members the classifier adds
 * (the slow path overwrites those in place, which changes their order). */
static int fast_path_ok(const st_article *a)
{
    return !a->fields || (!json_object_get(a->fields, "models") && !json_object_get(a->fields, "quotes") &&
                          !json_object_get(a->fields, "summary"));
}

/* score_one for plain JSON Lines output: the item's fields dumped by jansson, then the classifier's
 * "models", "quotes" and "summary" members written straight as bytes (st_classify_article_write),
 * about three times faster than building and dumping a jansson tree. The bytes equal the slow
 * path's: same members in the same order, the same number and string formatting. */

/* 1 when the JSON Lines record's own "id" member is the article's key (a non-empty string or a
 * number). Otherwise (absent, null, "", an object...) the output's "id" is set to the key the
 * store uses (guid, url or content hash), so output lines and database rows always join. */
static int input_id_is_key(json_t *fields, const st_article *a)
{
    json_t *v = json_object_get(fields, "id");
    return v && a->id && *a->id && (json_is_string(v) || json_is_number(v));
}

/* The output object's members before "models": for JSON Lines the input's own fields (taken from
 * a->fields, which becomes NULL), "id" set to the store's key unless the input's id is that key,
 * "published" normalised; for feeds and files id, source, item, title, url, author, published.
 * Returns a new reference, or NULL when memory runs out. */
static json_t *article_head(st_article *a)
{
    json_t *head;
    if (a->fields) {
        head = a->fields;
        a->fields = NULL;
        json_t *guid = json_object_get(head, "guid"), *idv = json_object_get(head, "id");
        if ((!idv || json_is_null(idv)) && json_is_number(guid) && a->id && strcmp(a->id, a->key) == 0) {
            /* a numeric guid is the key: "id" says it the way a numeric "id" would (a number) */
            if (json_object_set(head, "id", guid) != 0)
                goto fail;
        } else if (!input_id_is_key(head, a) && set_str(head, "id", a->key) != 0) {
            goto fail;
        }
        if ((json_object_get(head, "published") || a->published) &&
            set_str(head, "published", a->published) != 0)
            goto fail;
        return head;
    }
    head = json_object();
    if (!head || set_str(head, "id", a->key) || set_str(head, "source", a->source) ||
        json_object_set_new(head, "item", json_integer(a->item)) || set_str(head, "title", a->title) ||
        set_str(head, "url", a->url) || set_str(head, "author", a->author) ||
        set_str(head, "published", a->published))
        goto fail;
    return head;
fail:
    json_decref(head);
    return NULL;
}

/* json_dump_callback's sink: appends p[0..n) to the st_buf ud. */
static int buf_sink(const char *p, size_t n, void *ud)
{
    st_buf *b = ud;
    if (st_buf_reserve(b, n) != ST_OK)
        return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

static void score_one_fast(scorer *s, st_classifier *c, job *j, const st_classify_options *copt)
{
    st_article *a = j->a;
    json_t *head = NULL;
    st_buf line; /* the head, then the result after it; becomes j->line */
    st_buf_init(&line);
    j->rc = ST_ERR_NOMEM;
    /* one allocation for most articles: the output is about the text's size plus ~350 bytes a quote */
    if (st_buf_reserve(&line, 2 * a->text_len + 4096) != ST_OK || !(head = article_head(a)) ||
        json_dump_callback(head, buf_sink, &line, JSON_COMPACT) != 0)
        goto out_nomem;
    size_t hn = line.len;
    j->rc = st_classify_article_write(c, s->models, a->text, a->text_len, a->key, copt, &line, &j->n_quotes);
    if (j->rc != ST_OK) {
        snprintf(j->message, sizeof j->message, "cannot classify: %s", st_strerror(j->rc));
        goto out_free;
    }
    j->rc = ST_ERR_NOMEM;
    /* the result is {"id":...,"models":...}: keep from ,"models": on (a quote mark inside a JSON string
     * is escaped, so the first unescaped ,"models": is the member) */
    static const char key[] = ",\"models\":";
    size_t m = line.len; /* offset of the member's comma in line */
    for (size_t i = hn; i + sizeof key - 1 <= line.len; i++)
        if (memcmp(line.data + i, key, sizeof key - 1) == 0) {
            m = i;
            break;
        }
    if (m == line.len || hn < 2 || st_buf_reserve(&line, 2) != ST_OK)
        goto out_nomem;
    size_t tail = line.len - m;
    int empty_head = hn == 2; /* "{}" */
    size_t n = hn - 1;        /* without the head's closing brace */
    memmove(line.data + n, line.data + m + (empty_head ? 1 : 0), tail - (empty_head ? 1 : 0));
    n += tail - (empty_head ? 1 : 0);
    line.data[n++] = '\n';
    line.data[n] = '\0';
    j->line = line.data;
    j->line_len = n;
    st_buf_init(&line);
    j->rc = ST_OK;
    goto out_free;
out_nomem:
    snprintf(j->message, sizeof j->message, "out of memory");
out_free:
    json_decref(head);
    st_buf_free(&line);
}

/* Classifies j->a and fills j's output. Runs on a worker thread. */
static void score_one(scorer *s, st_classifier *c, job *j)
{
    st_article *a = j->a;
    json_t *res = NULL, *out = NULL;
    size_t k = 0;
    while (k < a->text_len &&
           (a->text[k] == ' ' || a->text[k] == '\n' || a->text[k] == '\r' || a->text[k] == '\t'))
        k++;
    if (k == a->text_len) {
        j->rc = ST_ERR_EMPTY;
        snprintf(j->message, sizeof j->message, "no text to score; skipped");
        return;
    }
    st_classify_options copt = {.explain = s->opt.explain, .explain_k = 0};
    if (!s->opt.csv && !s->writer_db && !s->opt.keep_text && fast_path_ok(a)) {
        score_one_fast(s, c, j, &copt);
        return;
    }
    j->rc = st_classify_article(c, s->models, a->text, a->text_len, a->key, &copt, &res);
    if (j->rc != ST_OK) {
        snprintf(j->message, sizeof j->message, "cannot classify: %s", st_strerror(j->rc));
        return;
    }
    j->rc = ST_ERR_NOMEM;
    if (!(out = article_head(a)))
        goto out_nomem;
    if (s->opt.keep_text && json_object_set_new(out, "text", json_stringn(a->text, a->text_len)) != 0)
        goto out_nomem;
    const char *keys[] = {"models", "quotes", "summary"};
    for (int i = 0; i < 3; i++) {
        json_t *v = json_object_get(res, keys[i]);
        if (v && json_object_set(out, keys[i], v) != 0)
            goto out_nomem;
    }
    j->n_quotes = json_array_size(json_object_get(out, "quotes"));
    if (s->opt.csv) {
        if (csv_rows(a, out, &j->line, &j->line_len) < 0)
            goto out_nomem;
    } else {
        char *t = json_dumps(out, JSON_COMPACT);
        if (!t)
            goto out_nomem;
        size_t n = strlen(t);
        char *l = realloc(t, n + 2);
        if (!l) {
            free(t);
            goto out_nomem;
        }
        l[n] = '\n';
        l[n + 1] = '\0';
        j->line = l;
        j->line_len = n + 1;
    }
    if (s->writer_db) {
        j->result_text = json_dumps(out, JSON_COMPACT);
        if (!j->result_text)
            goto out_nomem;
        j->result = out;
        out = NULL;
    }
    j->rc = ST_OK;
    goto out_free;
out_nomem:
    snprintf(j->message, sizeof j->message, "out of memory");
    free(j->line);
    j->line = NULL;
out_free:
    json_decref(out);
    json_decref(res);
}

/* Whether --db already holds the article with key (and the models of this run); a database error
 * counts as not stored. Runs on a worker thread; the store's connection is shared under db_mu. */
static int already_stored(scorer *s, const char *key)
{
    pthread_mutex_lock(&s->db_mu);
    int has = st_store_has(s->reader_db, key, s->model_version);
    pthread_mutex_unlock(&s->db_mu);
    return has == 1;
}

/* Does job j's work on a worker thread: parses its raw JSON line into j->a (a bad record leaves
 * j->rc and j->read_err; a blank line leaves no article and ST_OK), then marks an article --db
 * already holds as stored, and classifies any other (score_one). Duplicate ids are left to the
 * output thread, which sees the articles in input order. */
static void run_job(scorer *s, st_classifier *c, job *j)
{
    if (j->raw) {
        const char *name = j->raw + j->raw_len + 1;
        j->rc = st_jsonl_parse_line(j->raw, j->raw_len, name, j->lineno, &j->a, &j->read_err);
        if (j->rc == ST_ERR_EMPTY)
            j->rc = ST_OK;
        free(j->raw);
        j->raw = NULL;
    }
    if (!j->a)
        return;
    if (s->reader_db && !s->opt.rescore && already_stored(s, j->a->key)) {
        j->stored = 1;
        return;
    }
    score_one(s, c, j);
}

/* Stops every thread (s->mu not held): they see s->fatal when they wake. */
static void set_fatal(scorer *s)
{
    pthread_mutex_lock(&s->mu);
    s->fatal = 1;
    pthread_cond_broadcast(&s->room);
    pthread_cond_broadcast(&s->work);
    pthread_cond_broadcast(&s->ready);
    pthread_mutex_unlock(&s->mu);
}

/* The output thread's wake-up condition (s->mu held): the next job to write is done, and so is
 * job s->writer_wants, or there is nothing left to write, or a fatal error. */
static int writer_may_go(const scorer *s)
{
    if (s->fatal || (s->reading_done && s->next_write == s->next_read))
        return 1;
    return s->ring[s->next_write % s->cap].state == JOB_DONE &&
           (s->writer_wants >= s->next_read || s->ring[s->writer_wants % s->cap].state == JOB_DONE);
}

static void *worker_main(void *arg)
{
    scorer *s = arg;
    st_classifier *c = NULL;
    if (st_classifier_new(&c) != ST_OK) {
        set_fatal(s);
        return NULL;
    }
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->next_work == s->next_read && !s->reading_done && !s->fatal)
            pthread_cond_wait(&s->work, &s->mu);
        if (s->fatal || (s->next_work == s->next_read && s->reading_done))
            break;
        job *j = &s->ring[s->next_work % s->cap];
        s->next_work++;
        j->state = JOB_RUNNING;
        pthread_mutex_unlock(&s->mu);
        run_job(s, c, j);
        pthread_mutex_lock(&s->mu);
        j->state = JOB_DONE;
        if (s->writer_waiting && writer_may_go(s))
            pthread_cond_signal(&s->ready);
    }
    pthread_mutex_unlock(&s->mu);
    st_classifier_free(&c);
    return NULL;
}

/* ===== output thread ===== */

static void show_progress(scorer *s, int final)
{
    double secs = seconds_since(&s->start);
    unsigned long long bytes = atomic_load(&s->bytes_read);
    double rate = secs > 0 ? (double)s->ok / secs : 0, mbs = secs > 0 ? (double)bytes / 1e6 / secs : 0;
    if (s->total_bytes > 0) {
        double frac = (double)bytes / (double)s->total_bytes;
        if (frac > 1)
            frac = 1;
        char bar[31];
        int fill = (int)(frac * 30);
        for (int i = 0; i < 30; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        double eta = frac > 0 ? secs * (1 - frac) / frac : 0;
        fprintf(stderr, "\r[%s] %3d%% %llu articles %.1f/s %.1f MB/s ETA %d:%02d ", bar, (int)(frac * 100),
                s->ok, rate, mbs, (int)eta / 60, (int)eta % 60);
    } else {
        fprintf(stderr, "\r%llu articles %.1f/s %.1f MB/s ", s->ok, rate, mbs);
    }
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

/* Writes p[0..n) to s->out_fd, going on after short writes and EINTR. Returns 0, or -1 after
 * printing the error. */
static int write_all(scorer *s, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(s->out_fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "stance-score: cannot write the output: %s\n",
                    w < 0 ? strerror(errno) : "no progress");
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* A run killed with kill -9 inside a write(2) can leave its last line cut short: Linux stops a
 * regular-file write at a page boundary when a fatal signal is pending. When the output is a regular
 * file that this run appends to (stdout redirected with >> or by a scheduler: the offset is at its
 * end) and the file does not end in a line end, the tail after its last line end is either the cut
 * line of an earlier run, or text of someone else's. Line ends are "\n" in JSON Lines and "\r\n" in
 * CSV (csv_field writes a CR LF inside a field as LF, so CR LF only ever ends a row). A cut JSON
 * line (it starts with '{' and does not parse), or the cut last row of a file that starts with our
 * CSV header, is removed with ftruncate(2): its article was not committed to --db (lines are written
 * before their commit), so this run writes it again, whole. Any other tail is kept and ended with a
 * line end, so that our lines start on a line of their own. A non-empty file that starts with our
 * CSV header gets no second header; a file that is a cut piece of our header is emptied. Each
 * repair is reported on stderr. Returns 0, or -1 after printing the error. */
static int repair_cut_tail(scorer *s)
{
    struct stat st;
    if (s->out_tty || fstat(s->out_fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
        return 0;
    int flags = fcntl(s->out_fd, F_GETFL);
    off_t end = st.st_size;
    if (flags < 0 || (!(flags & O_APPEND) && lseek(s->out_fd, 0, SEEK_CUR) != end))
        return 0; /* not appending at the end: the caller's own positioning */
    /* stdout is usually opened write-only (>>): read the file through a descriptor of its own */
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", s->out_fd);
    int rfd = open(path, O_RDONLY | O_CLOEXEC);
    if (rfd < 0)
        return 0; /* no /proc, or no read permission: nothing can be checked */
    int csv = s->opt.csv, ours_csv = 0;
    if (csv) {
        char head[sizeof csv_header - 1];
        size_t want = (off_t)sizeof head < end ? sizeof head : (size_t)end;
        int read_ok = pread(rfd, head, want, 0) == (ssize_t)want;
        ours_csv = read_ok && want == sizeof head && memcmp(head, csv_header, sizeof head) == 0;
        if (read_ok && want < sizeof head && memcmp(head, csv_header, want) == 0) {
            /* the file is our header cut short (a run killed while writing it): start afresh */
            close(rfd);
            if (ftruncate(s->out_fd, 0) != 0 || lseek(s->out_fd, 0, SEEK_SET) != 0) {
                fprintf(stderr, "stance-score: cannot remove the cut header of the output: %s\n",
                        strerror(errno));
                return -1;
            }
            fprintf(stderr,
                    "stance-score: warning: the output held only a cut CSV header (%lld bytes, left "
                    "by a killed run); removed\n",
                    (long long)end);
            return 0;
        }
        s->csv_header_done = ours_csv;
    }
    /* the last line end, found by reading back from the end one block at a time (each byte read
     * once, nothing accumulated); the tail after it is read once, for the JSON check */
    enum { BLOCK = 65536 };
    const off_t max_tail = (off_t)64 << 20;
    char *blk = malloc(BLOCK), *tail = NULL;
    if (!blk) {
        close(rfd);
        fprintf(stderr, "stance-score: out of memory (reading the output's last line)\n");
        return -1;
    }
    off_t pos = end, line_start = -1;
    int readable = 1;
    while (line_start < 0 && pos > 0 && end - pos < max_tail) {
        size_t n = pos < BLOCK ? (size_t)pos : BLOCK;
        pos -= (off_t)n;
        if (pread(rfd, blk, n, pos) != (ssize_t)n) {
            readable = 0; /* it changed under us: nothing to check */
            break;
        }
        for (size_t i = n; i-- > 0 && line_start < 0;) {
            unsigned char before = 0; /* the byte before the '\n', for CSV's CR LF */
            if (blk[i] != '\n')
                continue;
            if (csv && i == 0 && pos > 0 && pread(rfd, &before, 1, pos - 1) != 1)
                before = 0;
            if (!csv || (i > 0 ? blk[i - 1] == '\r' : before == '\r'))
                line_start = pos + (off_t)i + 1;
        }
    }
    free(blk);
    if (readable && line_start < 0 && pos == 0)
        line_start = 0; /* the file is one line without a line end */
    if (!readable || line_start == end) {
        close(rfd);
        return 0; /* ends in a line end (whole lines), or nothing can be checked */
    }
    int cut = 0;
    size_t tail_len = line_start >= 0 ? (size_t)(end - line_start) : 0;
    if (line_start >= 0 && !csv && (tail = malloc(tail_len)) != NULL &&
        pread(rfd, tail, tail_len, line_start) == (ssize_t)tail_len && tail[0] == '{') {
        json_error_t jerr;
        json_t *v = json_loadb(tail, tail_len, JSON_DECODE_ANY, &jerr);
        cut = v == NULL;
        json_decref(v);
    } else if (line_start >= 0 && ours_csv && line_start >= (off_t)(sizeof csv_header - 1)) {
        cut = 1; /* every whole row of ours ends in CR LF */
    }
    close(rfd);
    free(tail);
    if (cut) {
        if (ftruncate(s->out_fd, line_start) != 0 || lseek(s->out_fd, line_start, SEEK_SET) != line_start) {
            fprintf(stderr, "stance-score: cannot remove the cut last line of the output: %s\n",
                    strerror(errno));
            return -1;
        }
        fprintf(stderr,
                "stance-score: warning: the output ended in a cut %s (%lld bytes, left by a killed run); "
                "removed, its article is written again\n",
                csv ? "CSV row" : "JSON line", (long long)(end - line_start));
        return 0;
    }
    fprintf(stderr, "stance-score: warning: the output did not end in a line end; one is added before "
                    "this run's lines\n");
    return write_all(s, csv ? "\r\n" : "\n", csv ? 2 : 1);
}

/* Sends the pending output to the file. Returns 0, or -1 after printing the error. */
static int flush_output(scorer *s)
{
    size_t n = s->out_len;
    s->out_len = 0;
    if (write_all(s, s->out_buf, n) != 0)
        return -1;
    s->ok += s->unflushed_ok;
    s->quotes += s->unflushed_quotes;
    s->unflushed_ok = s->unflushed_quotes = 0;
    return 0;
}

/* Queues an article's output p[0..n) (whole lines) for s->out_fd. The file only ever receives whole
 * articles: the pending bytes go out first when p would not fit, and p alone when it is as large as
 * the buffer. So a run killed at any moment leaves whole lines, unless the kill cuts one write(2)
 * short: then a resumed run appending to the same file removes the cut line (repair_cut_tail). Returns 0, or
 * -1 after printing the error. */
static int write_whole(scorer *s, const char *p, size_t n)
{
    if (s->out_len + n > OUT_BUFFER && flush_output(s) != 0)
        return -1;
    if (n >= OUT_BUFFER)
        return write_all(s, p, n);
    memcpy(s->out_buf + s->out_len, p, n);
    s->out_len += n;
    return s->out_tty ? flush_output(s) : 0;
}

/* Commits the store's open batch once the output lines of its articles have left the process
 * (write(2)), so that an article in the database always is in the output too: after kill -9, a full
 * disk or a closed pipe, a re-run that skips stored articles loses no line (lines written but not
 * committed are written again). Returns 0, or -1 after printing the error. */
static int commit_after_output(scorer *s)
{
    st_error err;
    if (flush_output(s) != 0) {
        st_store_rollback(s->writer_db);
        return -1;
    }
    if (st_store_commit(s->writer_db, &err) != ST_OK) {
        fprintf(stderr, "stance-score: database: %s\n", err.message);
        return -1;
    }
    return 0;
}

/* The output thread's decisions on job j, taken in input order before anything of j is written: a
 * record that could not be read is reported and counted; a blank line has nothing to write; an
 * article id seen before in this run is a duplicate (the first is kept; a warning when the text
 * differs); an article --db already holds is skipped. Returns 1 when j's result or scoring error
 * is to be written, 0 when j is done with, -1 on a fatal error (reported). */
static int take_in_order(scorer *s, job *j)
{
    st_article *a = j->a;
    if (!a) {
        if (j->rc != ST_OK) {
            print_record_error(&j->read_err);
            s->errors++;
        }
        return 0;
    }
    st_idset_result seen;
    const char *first_source = NULL;
    long first_item = 0;
    if (st_idset_add(s->seen, a->key, a->text, a->text_len, a->source, a->item, &seen, &first_source,
                     &first_item) != ST_OK) {
        fprintf(stderr, "stance-score: out of memory (the set of article ids)\n");
        return -1;
    }
    if (seen != ST_IDSET_NEW) {
        if (seen == ST_IDSET_DIFFERENT)
            fprintf(stderr,
                    "stance-score: %s:%ld: warning: duplicate id \"%.200s\" (first at %s:%ld) with a "
                    "different text; skipped, the first is kept\n",
                    a->source, a->item, a->key, first_source, first_item);
        s->duplicates++;
        return 0;
    }
    if (j->stored) {
        s->skipped++;
        return 0;
    }
    return 1;
}

static void *output_main(void *arg)
{
    scorer *s = arg;
    char scored_at[21];
    st_error err;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        job *j = &s->ring[s->next_write % s->cap];
        if (j->state != JOB_DONE) {
            /* wait for a batch: the jobs already queued, up to a quarter of the ring */
            unsigned long long queued = s->next_read - s->next_write, batch = s->cap / 4;
            s->writer_wants = s->next_write + (queued < batch ? queued : batch) - (queued > 0);
            s->writer_waiting = 1;
            while (!writer_may_go(s))
                pthread_cond_wait(&s->ready, &s->mu);
            s->writer_waiting = 0;
        }
        if (s->fatal || j->state != JOB_DONE)
            break;
        pthread_mutex_unlock(&s->mu);
        int take = take_in_order(s, j);
        if (take < 0) {
            s->fatal = 1;
        } else if (take == 0) {
            /* reported, skipped or blank */
        } else if (j->rc == ST_OK) {
            if (s->opt.csv && !s->csv_header_done) {
                s->csv_header_done = 1;
                if (write_whole(s, csv_header, sizeof csv_header - 1) != 0)
                    s->fatal = 1;
            }
            if (!s->fatal && write_whole(s, j->line, j->line_len) != 0)
                s->fatal = 1;
            if (s->writer_db && !s->fatal) {
                utc_now(scored_at);
                st_store_row row = {.article_id = j->a->key,
                                    .model_version = s->model_version,
                                    .source = j->a->source,
                                    .item = j->a->item,
                                    .title = j->a->title,
                                    .url = j->a->url,
                                    .published = j->a->published,
                                    .scored_at = scored_at,
                                    .result = j->result,
                                    .result_text = j->result_text};
                if (st_store_put(s->writer_db, &row, &err) != ST_OK) {
                    fprintf(stderr, "stance-score: database: %s: %s\n", err.where, err.message);
                    s->fatal = 1;
                } else if (st_store_commit_due(s->writer_db) && commit_after_output(s) != 0) {
                    s->fatal = 1;
                }
            }
            if (!s->fatal) {
                s->unflushed_ok++; /* counted as ok once written (flush_output) */
                s->unflushed_quotes += j->n_quotes;
            }
        } else {
            st_error e;
            st_error_set(&e, j->rc, j->a->source, j->a->item, "%s", j->message);
            print_record_error(&e);
            s->errors++;
        }
        job_clear(j);
        if (s->opt.progress == 1 && seconds_since(&s->last_progress) >= 0.2) {
            show_progress(s, 0);
            clock_gettime(CLOCK_MONOTONIC, &s->last_progress);
        }
        pthread_mutex_lock(&s->mu);
        s->next_write++;
        if (s->fatal) {
            pthread_cond_broadcast(&s->work);
            pthread_cond_broadcast(&s->room);
            break;
        }
        if (s->reader_waiting && s->next_read - s->next_write <= s->cap / 2)
            pthread_cond_signal(&s->room);
    }
    pthread_mutex_unlock(&s->mu);
    if (s->writer_db) {
        if (s->fatal)
            st_store_rollback(s->writer_db);
        else if (commit_after_output(s) != 0)
            s->fatal = 1;
    }
    return NULL;
}

/* ===== main thread: reading ===== */

/* Puts the next job into the ring, in input order, waiting for room (main thread): article a, or
 * raw_len bytes of a raw JSON line (raw, with its source name after them) from line lineno, or a
 * record error re (neither). Takes ownership of a and raw. Returns ST_OK, or ST_ERR_IO after a
 * fatal error elsewhere (a and raw freed then). */
static st_status enqueue(scorer *s, st_article *a, char *raw, size_t raw_len, long lineno, const st_error *re)
{
    pthread_mutex_lock(&s->mu);
    s->reader_waiting = 1;
    while (s->next_read - s->next_write >= s->cap && !s->fatal)
        pthread_cond_wait(&s->room, &s->mu);
    s->reader_waiting = 0;
    if (s->fatal) {
        pthread_mutex_unlock(&s->mu);
        st_article_free(a);
        free(raw);
        return ST_ERR_IO;
    }
    job *j = &s->ring[s->next_read % s->cap];
    j->a = a;
    j->raw = raw;
    j->raw_len = raw_len;
    j->lineno = lineno;
    if (re) {
        j->rc = ST_ERR_FORMAT;
        j->read_err = *re;
    }
    j->state = JOB_QUEUED;
    s->next_read++;
    pthread_cond_signal(&s->work);
    pthread_mutex_unlock(&s->mu);
    return ST_OK;
}

static st_status on_article(st_article *a, void *ud)
{
    return enqueue(ud, a, NULL, 0, 0, NULL);
}

/* A JSON Lines record, handed on unparsed: a worker parses it. */
static st_status on_line(const char *line, size_t len, const char *name, long lineno, void *ud)
{
    size_t name_len = strlen(name);
    char *raw = malloc(len + name_len + 2);
    if (!raw) {
        fprintf(stderr, "stance-score: out of memory\n");
        set_fatal(ud);
        return ST_ERR_NOMEM;
    }
    memcpy(raw, line, len);
    raw[len] = '\0';
    memcpy(raw + len + 1, name, name_len + 1);
    return enqueue(ud, NULL, raw, len, lineno, NULL);
}

/* A record or file that could not be read: reported by the output thread, in input order. */
static void on_error(const st_error *e, void *ud)
{
    enqueue(ud, NULL, NULL, 0, 0, e);
}

static void on_bytes(size_t n, void *ud)
{
    scorer *s = ud;
    atomic_fetch_add(&s->bytes_read, n);
}

/* Bytes of the regular files under path, for the progress bar's ETA. Symbolic links inside folders
 * are not followed (a link loop would make this walk explode), so the total may be low. */
static unsigned long long input_size(const char *path, int depth)
{
    struct stat st;
    if (strcmp(path, "-") == 0 || (depth == 0 ? stat(path, &st) : lstat(path, &st)) != 0)
        return 0;
    if (S_ISREG(st.st_mode))
        return (unsigned long long)st.st_size;
    if (!S_ISDIR(st.st_mode) || depth > 32)
        return 0;
    unsigned long long total = 0;
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *full = malloc(n);
        if (!full)
            break;
        snprintf(full, n, "%s/%s", path, e->d_name);
        total += input_size(full, depth + 1);
        free(full);
    }
    closedir(d);
    return total;
}

/* ===== command line ===== */

static void usage(FILE *f)
{
    fputs("usage: stance-score [OPTIONS] INPUT...\n"
          "       stance-score report --db FILE [--since DATE] [--speaker NAME] [--model VERSION] [--json]\n"
          "\n"
          "Scores every article of the inputs (files, folders walked recursively, - for stdin): RSS 2.0,\n"
          "RSS 1.0/RDF, Atom 1.0/0.3, JSON Lines ({\"id\", \"text\", \"title\", \"url\", \"published\", "
          "...}),\n"
          "plain text or HTML files. Writes one JSON object per article (the item's fields plus the quotes\n"
          "and summary of POST /classify), in input order.\n"
          "\n"
          "  -m, --models DIR      model folder with stance/ and sentiment/ (default: models)\n"
          "  -o, --output FILE     write results to FILE instead of stdout\n"
          "      --format FMT      jsonl (default) or csv (one row per quote)\n"
          "  -j, --jobs N          worker threads: parse JSON Lines, classify (default: cores)\n"
          "      --db FILE         store results in SQLite (upsert by article id and model version);\n"
          "                        articles already stored are skipped, so a killed run resumes\n"
          "      --rescore         with --db: score and store again what is already stored\n"
          "      --input-format F  auto (default), jsonl, feed, text or html\n"
          "      --explain         add the top contributing n-grams per quote\n"
          "      --keep-text       add the scored text to each output object\n"
          "      --progress        show progress on stderr even when it is not a terminal\n"
          "      --no-progress     never show progress\n"
          "  -h, --help            this help\n"
          "\n"
          "Exit status: 0 all records scored, 1 some records or files failed (each reported on stderr\n"
          "with its file and line or item number), 2 usage or fatal error.\n",
          f);
}

static int report_main(int argc, char **argv)
{
    st_report_options ro = {0};
    const char *db = NULL;
    static const struct option lo[] = {
        {"db", required_argument, NULL, 'd'},      {"since", required_argument, NULL, 's'},
        {"speaker", required_argument, NULL, 'p'}, {"model", required_argument, NULL, 'M'},
        {"json", no_argument, NULL, 'J'},          {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 's': ro.since = optarg; break;
        case 'p': ro.speaker = optarg; break;
        case 'M': ro.model = optarg; break;
        case 'J': ro.json = 1; break;
        case 'f':
            if (strcmp(optarg, "json") == 0)
                ro.json = 1;
            else if (strcmp(optarg, "table") == 0)
                ro.json = 0;
            else {
                fprintf(stderr, "stance-score report: --format is table or json\n");
                return EXIT_FATAL;
            }
            break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_FATAL;
        }
    }
    if (!db || optind != argc) {
        usage(stderr);
        return EXIT_FATAL;
    }
    st_error err;
    memset(&err, 0, sizeof err);
    st_status rc = st_report(db, &ro, stdout, &err);
    if (rc != ST_OK) {
        fprintf(stderr, "stance-score report: %s: %s\n", err.where[0] ? err.where : db,
                err.message[0] ? err.message : st_strerror(rc));
        return EXIT_FATAL;
    }
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_FATAL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "report") == 0)
        return report_main(argc - 1, argv + 1);
    scorer *s = calloc(1, sizeof *s);
    if (!s)
        return EXIT_FATAL;
    s->out_fd = -1;
    s->opt.models = "models";
    s->opt.progress = -1;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    s->opt.jobs = ncpu > 0 ? (int)ncpu : 1;
    static const struct option lo[] = {{"models", required_argument, NULL, 'm'},
                                       {"output", required_argument, NULL, 'o'},
                                       {"format", required_argument, NULL, 'F'},
                                       {"jobs", required_argument, NULL, 'j'},
                                       {"db", required_argument, NULL, 'd'},
                                       {"rescore", no_argument, NULL, 'R'},
                                       {"input-format", required_argument, NULL, 'I'},
                                       {"explain", no_argument, NULL, 'E'},
                                       {"keep-text", no_argument, NULL, 'K'},
                                       {"progress", no_argument, NULL, 'P'},
                                       {"no-progress", no_argument, NULL, 'N'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    int c, exit_code = EXIT_FATAL;
    while ((c = getopt_long(argc, argv, "m:o:j:h", lo, NULL)) != -1) {
        switch (c) {
        case 'm': s->opt.models = optarg; break;
        case 'o': s->opt.output = optarg; break;
        case 'F':
            if (strcmp(optarg, "csv") == 0)
                s->opt.csv = 1;
            else if (strcmp(optarg, "jsonl") != 0 && strcmp(optarg, "json") != 0) {
                fprintf(stderr, "stance-score: --format is jsonl or csv\n");
                goto out_free;
            }
            break;
        case 'j': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 256) {
                fprintf(stderr, "stance-score: -j takes a number from 1 to 256\n");
                goto out_free;
            }
            s->opt.jobs = (int)v;
            break;
        }
        case 'd': s->opt.db = optarg; break;
        case 'R': s->opt.rescore = 1; break;
        case 'I':
            if (st_input_format_parse(optarg, &s->opt.format) != 0) {
                fprintf(stderr, "stance-score: unknown --input-format %s\n", optarg);
                goto out_free;
            }
            break;
        case 'E': s->opt.explain = 1; break;
        case 'K': s->opt.keep_text = 1; break;
        case 'P': s->opt.progress = 1; break;
        case 'N': s->opt.progress = 0; break;
        case 'h':
            usage(stdout);
            exit_code = EXIT_OK;
            goto out_free;
        default: usage(stderr); goto out_free;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        goto out_free;
    }
    if (s->opt.progress < 0)
        s->opt.progress = isatty(STDERR_FILENO) ? 1 : 0;

    xmlInitParser();
    st_error err;
    memset(&err, 0, sizeof err);
    if (st_modelset_load(s->opt.models, &s->models, &err) != ST_OK) {
        char line[32] = "";
        if (err.line > 0)
            snprintf(line, sizeof line, ":%ld", err.line);
        fprintf(stderr, "stance-score: cannot load the models from %s: %s%s%s%s\n", s->opt.models,
                err.where[0] ? err.where : "", line, err.where[0] ? ": " : "", err.message);
        goto out_free;
    }
    snprintf(s->model_version, sizeof s->model_version, "stance:%.100s+sentiment:%.100s",
             st_model_version(st_modelset_stance(s->models)),
             st_model_version(st_modelset_sentiment(s->models)));
    if (s->opt.db) {
        if (st_store_open(s->opt.db, 0, &s->writer_db, &err) != ST_OK ||
            st_store_open(s->opt.db, 1, &s->reader_db, &err) != ST_OK) {
            fprintf(stderr, "stance-score: cannot open the database %s: %s\n", s->opt.db, err.message);
            goto out_free;
        }
    }
    s->out_fd = STDOUT_FILENO;
    if (s->opt.output &&
        (s->out_fd = open(s->opt.output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0) {
        fprintf(stderr, "stance-score: cannot write %s: %s\n", s->opt.output, strerror(errno));
        goto out_free;
    }
    s->out_tty = isatty(s->out_fd);
    if (!s->opt.output && repair_cut_tail(s) != 0)
        goto out_free;
    if (!(s->out_buf = malloc(OUT_BUFFER)))
        goto out_free;
    for (int i = optind; i < argc; i++)
        s->total_bytes += input_size(argv[i], 0);
    for (int i = optind; i < argc; i++)
        if (strcmp(argv[i], "-") == 0)
            s->total_bytes = 0; /* stdin: no known total, no ETA */

    if (st_idset_new(&s->seen) != ST_OK)
        goto out_free;
    s->cap = (size_t)s->opt.jobs * 16 < 64 ? 64 : (size_t)s->opt.jobs * 16;
    s->ring = calloc(s->cap, sizeof *s->ring);
    if (!s->ring)
        goto out_free;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->db_mu, NULL);
    pthread_cond_init(&s->room, NULL);
    pthread_cond_init(&s->work, NULL);
    pthread_cond_init(&s->ready, NULL);
    clock_gettime(CLOCK_MONOTONIC, &s->start);
    s->last_progress = s->start;

    pthread_t *workers = calloc((size_t)s->opt.jobs, sizeof *workers), writer;
    int started = 0;
    if (!workers || pthread_create(&writer, NULL, output_main, s) != 0)
        goto out_free_threads;
    for (; started < s->opt.jobs; started++)
        if (pthread_create(&workers[started], NULL, worker_main, s) != 0)
            break;
    if (started == 0) {
        fprintf(stderr, "stance-score: cannot start a worker thread\n");
        s->fatal = 1;
    }

    st_reader r = {.format = s->opt.format,
                   .on_article = on_article,
                   .on_line = on_line,
                   .on_error = on_error,
                   .on_bytes = on_bytes,
                   .ud = s};
    for (int i = optind; i < argc && !s->fatal; i++) {
        st_status rc = st_read_path(&r, argv[i], &err);
        if (rc != ST_OK && !s->fatal)
            on_error(&err, s);
    }
    pthread_mutex_lock(&s->mu);
    s->reading_done = 1;
    pthread_cond_broadcast(&s->work);
    pthread_cond_broadcast(&s->ready);
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < started; i++)
        pthread_join(workers[i], NULL);
    pthread_join(writer, NULL);

    if (!s->fatal && flush_output(s) != 0)
        s->fatal = 1;
    if (s->opt.progress == 1)
        show_progress(s, 1);
    double secs = seconds_since(&s->start);
    unsigned long long errors = s->errors;
    fprintf(
        stderr,
        "stance-score: %llu articles ok, %llu errors, %llu quotes, %.2f seconds, %.1f articles/s, %.2f MB/s",
        s->ok, errors, s->quotes, secs, secs > 0 ? (double)s->ok / secs : 0.0,
        secs > 0 ? (double)atomic_load(&s->bytes_read) / 1e6 / secs : 0.0);
    if (s->opt.db)
        fprintf(stderr, ", %llu skipped (already in %s)", s->skipped, s->opt.db);
    if (s->duplicates)
        fprintf(stderr, ", %llu duplicates skipped", s->duplicates);
    fputc('\n', stderr);
    exit_code = s->fatal ? EXIT_FATAL : errors ? EXIT_SOME_FAILED : EXIT_OK;
out_free_threads:
    free(workers);
out_free:
    if (s->opt.output && s->out_fd >= 0 && close(s->out_fd) != 0 && exit_code != EXIT_FATAL) {
        fprintf(stderr, "stance-score: cannot write %s: %s\n", s->opt.output, strerror(errno));
        exit_code = EXIT_FATAL;
    }
    st_store_close(&s->reader_db);
    st_store_close(&s->writer_db);
    st_idset_free(&s->seen);
    st_modelset_unref(s->models);
    for (size_t i = 0; s->ring && i < s->cap; i++)
        job_clear(&s->ring[i]); /* after a fatal error, the jobs that were never written */
    free(s->ring);
    free(s->out_buf);
    free(s);
    return exit_code;
}
