/* server.h - the state of one stance-serve process, shared by its parts:
 *   stance_serve.c  options, signals (self-pipe), model reload, drain and exit
 *   http.c          the libmicrohttpd daemon, routes, request bodies, responses, access log
 *   metrics.c       atomic counters rendered in the Prometheus text format
 *   page.h          the web page answered at GET / (serve/page/index.html, embedded at build time)
 * There is no global mutable state besides the signal flags in stance_serve.c: everything lives in
 * one srv passed to libmicrohttpd as its closure. */
#ifndef SRV_SERVER_H
#define SRV_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "st_classify.h"

/* ---- metrics ---- */

enum srv_route {
    ROUTE_CLASSIFY,
    ROUTE_HEALTHZ,
    ROUTE_READYZ,
    ROUTE_MODELS,
    ROUTE_METRICS,
    ROUTE_ADMIN_RELOAD,
    ROUTE_PAGE,
    ROUTE_OTHER,
    ROUTE_COUNT
};

#define SRV_N_STATUS 12  /* the status codes metrics tell apart, plus "other" */
#define SRV_N_BUCKETS 14 /* latency histogram buckets, the last one +Inf */

typedef struct srv_metrics {
    atomic_ulong requests[ROUTE_COUNT][SRV_N_STATUS];
    atomic_ulong latency_bucket[ROUTE_COUNT][SRV_N_BUCKETS]; /* not cumulative; summed when rendered */
    atomic_ullong latency_us_sum[ROUTE_COUNT];
    atomic_ulong quotes_classified;
    atomic_ulong reloads_ok, reloads_failed;
    atomic_ullong response_bytes;
} srv_metrics;

/* Zeroes every counter. */
void srv_metrics_init(srv_metrics *m);
/* Counts one finished request of route with HTTP status, latency in seconds and body bytes.
 * Thread-safe (relaxed atomics). */
void srv_metrics_request(srv_metrics *m, enum srv_route route, unsigned status, double seconds, size_t bytes);
/* The route's name as used in metric labels ("classify", "healthz", ...). */
const char *srv_route_name(enum srv_route route);

/* ---- the server ---- */

#define SRV_MAX_RETIRED 16 /* swapped-out model sets waiting for their last request */

typedef struct srv_config {
    const char *models_dir;
    char host[256];               /* numeric address or name to bind (default 127.0.0.1) */
    unsigned port;                /* default 8080; 0 = any free port (reported on stderr) */
    size_t max_body;              /* bytes (default 1 MiB) */
    unsigned threads;             /* libmicrohttpd worker threads (default: number of cores) */
    int quiet;                    /* 1: no access log */
    const char *admin_token_file; /* NULL: /admin/ disabled */
    int max_json_depth;           /* nesting of [ and { allowed in a request body (default 64) */
    unsigned connection_timeout;  /* seconds of silence before a connection is closed (default 30) */
    unsigned max_connections;     /* open connections at once; more are closed on accept (default 1024) */
} srv_config;

typedef struct srv {
    srv_config cfg;
    pthread_mutex_t set_lock;    /* makes "read `set` + ref" atomic against the swap */
    st_modelset *set;            /* current model set; one reference owned by the server */
    pthread_mutex_t reload_lock; /* one reload at a time (SIGHUP and /admin/reload); guards retired */
    st_modelset *retired[SRV_MAX_RETIRED]; /* swapped-out sets, freed by the main thread once idle */
    size_t n_retired;
    atomic_size_t retired_gauge; /* n_retired, for /metrics without the lock */
    pthread_mutex_t pool_lock;
    st_classifier **pool; /* idle per-thread classifiers */
    size_t pool_n, pool_cap;
    char *admin_token; /* owned; NULL when /admin/ is disabled */
    size_t admin_token_len;
    atomic_int draining;  /* 1 once SIGTERM/SIGINT arrived */
    atomic_long inflight; /* requests between their first handler call and completion */
    srv_metrics metrics;
    struct MHD_Daemon *daemon;
    unsigned bound_port;
} srv;

/* Returns a new reference to the current model set (drop it with st_modelset_unref). Thread-safe. */
st_modelset *srv_acquire_models(srv *s);

/* Frees the retired model sets that no request holds any more (on the calling thread, so that a
 * worker never pays for freeing a model). Returns how many are still held. Thread-safe. */
size_t srv_sweep_retired(srv *s);

/* Loads the model folder cfg.models_dir, checks it with one smoke prediction and swaps it in; the
 * old set is retired: requests that started on it finish on it, and the main thread frees it
 * after the last one (srv_sweep_retired). On failure the old set keeps serving. Logs one
 * JSON line on stderr either way and counts it in the metrics. msg (may be NULL) receives a short
 * description. Thread-safe (serialised by reload_lock). Returns ST_OK or the load's error. */
st_status srv_reload(srv *s, char *msg, size_t msg_size);

/* Takes an idle classifier from the pool, or makes a new one (NULL when out of memory); give it back
 * with srv_classifier_put. Thread-safe. */
st_classifier *srv_classifier_take(srv *s);
void srv_classifier_put(srv *s, st_classifier *c);

/* Starts the libmicrohttpd daemon on cfg.host:cfg.port (sets s->daemon and s->bound_port).
 * Returns 0, or -1 with a message in msg. */
int srv_http_start(srv *s, char *msg, size_t msg_size);

/* Stops accepting connections, waits up to timeout_s seconds for in-flight requests, then stops
 * the daemon. */
void srv_http_drain_and_stop(srv *s, double timeout_s);

/* Renders the metrics (and the current model versions) in the Prometheus text format 0.0.4 into a
 * malloc'd NUL-terminated string (*out, caller frees; length in *len). Returns 0, or -1 when out of
 * memory. */
int srv_metrics_render(srv *s, char **out, size_t *len);

/* ---- the body of POST /classify (request.c) ---- */

/* A request body taken apart. text/quotes/id point into the body or into doc (borrowed from them:
 * valid while both live). */
typedef struct srv_classify_request {
    json_t *doc; /* owned: the parsed JSON body (NULL for text/plain) */
    const char *text;
    size_t text_len; /* bytes */
    int is_quotes;   /* 1: classify quotes[0..n_quotes) instead of extracting from text */
    const char **quotes;
    size_t *quote_lens; /* bytes */
    size_t n_quotes;
    const char *id; /* NULL when absent or null */
    int explain;    /* 1 / 0 from the body, -1 when the body does not say */
} srv_classify_request;

typedef enum srv_parse_result {
    SRV_PARSE_OK,
    SRV_PARSE_BAD,      /* 400 with message */
    SRV_PARSE_BAD_UTF8, /* 400 with message and byte_offset */
    SRV_PARSE_BAD_JSON, /* 400 with message, line and column (jansson's, 1-based) */
    SRV_PARSE_NOMEM     /* 500 */
} srv_parse_result;

typedef struct srv_parse_error {
    char message[256];
    long line, column;  /* SRV_PARSE_BAD_JSON */
    size_t byte_offset; /* SRV_PARSE_BAD_UTF8: the first bad byte, 0-based */
} srv_parse_error;

/* Judges and takes apart body[0..len) (is_json: application/json, else text/plain). Checks, in
 * order: not empty, valid UTF-8, (text) no NUL; (JSON) nesting of [ and { at most max_depth, valid
 * JSON without duplicate keys, an object with a non-empty string "text" without NUL or an array of
 * strings "quotes" (not both), "id" a string or null, "explain" a boolean. On SRV_PARSE_OK *q holds
 * the request (free it with srv_classify_request_free); otherwise *q is empty and err says why.
 * The body is borrowed and must outlive *q. Thread-safe, no global state. */
srv_parse_result srv_classify_request_parse(const char *body, size_t len, int is_json, int max_depth,
                                            srv_classify_request *q, srv_parse_error *err);
/* Frees what q owns and empties it; NULL is fine. */
void srv_classify_request_free(srv_classify_request *q);
/* Deepest nesting of [ and { in a JSON text, outside strings, counting stops once past limit. */
int srv_json_depth(const char *s, size_t len, int limit);

/* Writes one line to stderr in a single call (so lines of different threads never interleave).
 * printf-style. */
void srv_log(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Monotonic clock in seconds. */
double srv_now(void);

#endif
