/* http.c - the libmicrohttpd daemon of stance-serve: routes, request bodies, JSON responses and the
 * access log.
 *
 * Routes: POST /classify; GET (and HEAD) /healthz, /readyz, /models, /metrics, / (the page);
 * POST /admin/reload when an admin token is configured. Anything else is 404, a known path with
 * the wrong method 405 with Allow.
 *
 * Request bodies arrive over many calls of the access handler (E21): the first call (with
 * *con_cls == NULL) only looks at the headers (route, method, Content-Type, Content-Length) and may
 * answer at once (404, 405, 413, 415 - MHD then never reads the body nor sends 100 Continue); each
 * later call with *upload_data_size > 0 appends the piece to the request's own buffer and sets
 * *upload_data_size = 0; the response is queued only on the final call, where *upload_data_size ==
 * 0. MHD de-chunks chunked bodies and answers Expect: 100-continue itself (E22). No post processor:
 * the body is judged and parsed by serve/request.c (fuzzed on its own). A chunked body that passes
 * --max-body is answered 413 at once: libmicrohttpd 0.9.75 refuses a queued response mid-upload, so
 * send_early_413 writes it to the socket and shuts the write side; the rest is discarded up to twice
 * the limit, then the connection is closed. A stalled upload holds no worker (MHD is event driven)
 * and is cut by --connection-timeout. The 200 body of /classify is written straight to bytes by
 * st_classify_article_write (no jansson tree).
 * Every error body is JSON ({"error": ...}); every response body lives in heap memory handed to MHD
 * (MHD_RESPMEM_MUST_FREE) or in static read-only memory (the page, MHD_RESPMEM_PERSISTENT), never in
 * a stack buffer (E23). Bodies are never held by MHD (each piece is copied out and consumed), so the
 * only errors MHD answers by itself, with its own HTML body and before the handler runs, are a
 * malformed request line or headers, and request headers past the 128 KiB per-connection memory
 * (431); libmicrohttpd 0.9.75 offers no hook to replace those bodies. */
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "page.h"
#include "server.h"
#include "st_utf8.h"

#define CONNECTION_MEMORY_LIMIT (64 * 1024)

enum body_kind { BODY_NONE, BODY_JSON, BODY_TEXT };

/* Per-request state, *con_cls of libmicrohttpd. */
typedef struct request {
    srv *s;
    enum srv_route route;
    char method[16];
    char *path;
    double t0;
    enum body_kind kind;
    char *body;
    size_t len, cap;
    int too_large;    /* the body passed max_body: the rest is discarded */
    size_t discarded; /* bytes discarded since */
    int responded;    /* a response is queued */
    int early_413;    /* the 413 went straight to the socket (send_early_413) */
    unsigned status;
    size_t bytes;
    size_t quotes;     /* quotes classified by this request */
    int explain_query; /* ?explain=1 */
    int deferred;      /* a GET/HEAD, answered after its (empty) body */
    st_modelset *set;  /* the models this request started with (a reference) */
} request;

void srv_log(const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof line - 2)
        n = (int)(sizeof line - 2);
    line[n] = '\n';
    fwrite(line, 1, (size_t)n + 1, stderr);
}

double srv_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- responses ---- */

/* Queues body (malloc'd, len bytes; ownership passes to MHD) with status and the JSON headers.
 * content_type NULL means application/json. allow (may be NULL) fills the Allow header. */
static enum MHD_Result queue_owned(request *r, struct MHD_Connection *conn, unsigned status, char *body,
                                   size_t len, const char *content_type, const char *allow, int close)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            content_type ? content_type : "application/json; charset=utf-8");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    if (close)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    if (ret == MHD_YES) {
        r->responded = 1;
        r->status = status;
        r->bytes = len;
    }
    return ret;
}

/* Serialises o (stolen) and queues it. */
static enum MHD_Result queue_json(request *r, struct MHD_Connection *conn, unsigned status, json_t *o,
                                  const char *allow, int close)
{
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text) {
        static const char oom[] = "{\"error\":\"out of memory\"}";
        return queue_owned(r, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, strdup(oom), sizeof oom - 1, NULL, NULL,
                           1);
    }
    return queue_owned(r, conn, status, text, strlen(text), NULL, allow, close);
}

/* {"error": message} plus the fields of extra (stolen, may be NULL). */
static enum MHD_Result queue_error_ex(request *r, struct MHD_Connection *conn, unsigned status,
                                      const char *message, json_t *extra, const char *allow, int close)
{
    json_t *o = json_object();
    if (o) {
        json_object_set_new(o, "error", json_string(message));
        if (extra)
            json_object_update(o, extra);
    }
    json_decref(extra);
    return queue_json(r, conn, status, o, allow, close);
}

static enum MHD_Result queue_error(request *r, struct MHD_Connection *conn, unsigned status,
                                   const char *message)
{
    return queue_error_ex(r, conn, status, message, NULL, NULL, 0);
}

/* ---- routes ---- */

/* The value of hex digit c, or -1. */
static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* MHD_OPTION_UNESCAPE_CALLBACK: decodes %XX in the request URI in place like libmicrohttpd's own
 * unescaper, except that %00 stays as the three characters "%00", so a NUL can never cut the path
 * short ("/healthz%00junk" is an unknown path, not /healthz). Returns the new length in bytes. */
static size_t unescape_uri(void *cls, struct MHD_Connection *conn, char *uri)
{
    (void)cls;
    (void)conn;
    char *w = uri;
    for (const char *r = uri; *r; r++) {
        int hi, lo;
        if (r[0] == '%' && (hi = hex_value(r[1])) >= 0 && (lo = hex_value(r[2])) >= 0 && (hi | lo) != 0) {
            *w++ = (char)(hi * 16 + lo);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return (size_t)(w - uri);
}

static enum srv_route route_of(const char *url)
{
    static const struct {
        const char *path;
        enum srv_route route;
    } routes[] = {{"/classify", ROUTE_CLASSIFY},
                  {"/healthz", ROUTE_HEALTHZ},
                  {"/readyz", ROUTE_READYZ},
                  {"/models", ROUTE_MODELS},
                  {"/metrics", ROUTE_METRICS},
                  {"/admin/reload", ROUTE_ADMIN_RELOAD},
                  {"/", ROUTE_PAGE},
                  {"/index.html", ROUTE_PAGE}};
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(url, routes[i].path) == 0)
            return routes[i].route;
    return ROUTE_OTHER;
}

static const char *allowed_methods(enum srv_route route)
{
    return route == ROUTE_CLASSIFY || route == ROUTE_ADMIN_RELOAD ? "POST" : "GET, HEAD";
}

static int method_allowed(enum srv_route route, const char *method)
{
    if (route == ROUTE_CLASSIFY || route == ROUTE_ADMIN_RELOAD)
        return strcmp(method, "POST") == 0;
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

/* Parses a Content-Length value: digits only, no overflow. Returns 0 and *out, or -1. */
static int parse_length(const char *v, unsigned long long *out)
{
    unsigned long long n = 0;
    if (!v || !*v)
        return -1;
    for (; *v; v++) {
        if (*v < '0' || *v > '9')
            return -1;
        if (n > (~0ULL - 9) / 10)
            return -1;
        n = n * 10 + (unsigned)(*v - '0');
    }
    *out = n;
    return 0;
}

/* Matches a Content-Type against application/json and text/plain (parameters allowed; a charset,
 * when given, must be UTF-8). Returns the body kind, or BODY_NONE with *why set. */
static enum body_kind body_kind_of(const char *ct, const char **why)
{
    if (!ct) {
        *why = "missing Content-Type: use application/json or text/plain";
        return BODY_NONE;
    }
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    enum body_kind kind = BODY_NONE;
    if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
        kind = BODY_JSON;
    else if (n == 10 && strncasecmp(ct, "text/plain", 10) == 0)
        kind = BODY_TEXT;
    if (kind == BODY_NONE) {
        *why = "unsupported Content-Type: use application/json or text/plain";
        return BODY_NONE;
    }
    const char *p = strchr(ct, ';');
    while (p) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, "charset=", 8) == 0) {
            const char *v = p + 8;
            size_t vl = strcspn(v, ";");
            while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
                vl--;
            if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
                v++;
                vl -= 2;
            }
            if (!((vl == 5 && strncasecmp(v, "utf-8", 5) == 0) ||
                  (vl == 4 && strncasecmp(v, "utf8", 4) == 0))) {
                *why = "unsupported charset: the body must be UTF-8";
                return BODY_NONE;
            }
        }
        p = strchr(p, ';');
    }
    return kind;
}

static enum MHD_Result classify_error(request *r, struct MHD_Connection *conn, st_status rc)
{
    if (rc == ST_ERR_UTF8)
        return queue_error(r, conn, MHD_HTTP_BAD_REQUEST, "invalid UTF-8");
    return queue_error(r, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, st_strerror(rc));
}

/* Handles a complete POST /classify body. */
static enum MHD_Result handle_classify(request *r, struct MHD_Connection *conn)
{
    enum MHD_Result ret;
    st_status rc;
    st_classify_options opt = {r->explain_query, 0};
    srv_classify_request q;
    srv_parse_error perr;

    switch (srv_classify_request_parse(r->body, r->len, r->kind == BODY_JSON, r->s->cfg.max_json_depth, &q,
                                       &perr)) {
    case SRV_PARSE_OK: break;
    case SRV_PARSE_BAD: return queue_error(r, conn, MHD_HTTP_BAD_REQUEST, perr.message);
    case SRV_PARSE_BAD_UTF8:
        return queue_error_ex(r, conn, MHD_HTTP_BAD_REQUEST, perr.message,
                              json_pack("{s:I}", "byte_offset", (json_int_t)perr.byte_offset), NULL, 0);
    case SRV_PARSE_BAD_JSON:
        return queue_error_ex(r, conn, MHD_HTTP_BAD_REQUEST, perr.message,
                              json_pack("{s:i, s:i}", "line", (int)perr.line, "column", (int)perr.column),
                              NULL, 0);
    case SRV_PARSE_NOMEM:
    default: return queue_error(r, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    }
    if (q.explain >= 0)
        opt.explain = q.explain;

    st_classifier *c = srv_classifier_take(r->s);
    if (!c) {
        ret = queue_error(r, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        goto out_free_request;
    }
    st_buf out; /* sized for a typical result (about 1.4 times the article) so it seldom grows */
    st_buf_init(&out);
    out.cap = q.text_len < 65536 ? 2 * q.text_len + 4096 : q.text_len + 4096;
    if (!(out.data = malloc(out.cap)))
        out.cap = 0;
    size_t n_quotes = q.n_quotes;
    if (q.is_quotes)
        rc = st_classify_quotes_write(c, r->set, q.quotes, q.quote_lens, q.n_quotes, q.id, &opt, &out);
    else
        rc = st_classify_article_write(c, r->set, q.text, q.text_len, q.id, &opt, &out, &n_quotes);
    if (rc == ST_OK) {
        r->quotes = n_quotes;
        atomic_fetch_add_explicit(&r->s->metrics.quotes_classified, n_quotes, memory_order_relaxed);
        ret = queue_owned(r, conn, MHD_HTTP_OK, out.data, out.len, NULL, NULL, 0); /* takes out.data */
    } else {
        st_buf_free(&out);
        ret = classify_error(r, conn, rc);
    }
    srv_classifier_put(r->s, c);
out_free_request:
    srv_classify_request_free(&q);
    return ret;
}

/* Equal-time comparison of a presented token with the secret: the time depends on the secret's
 * length only, never on where the first difference is. */
static int token_equal(const char *given, size_t given_len, const char *secret, size_t secret_len)
{
    volatile unsigned char diff = given_len != secret_len;
    for (size_t i = 0; i < secret_len; i++)
        diff |= (unsigned char)(secret[i] ^ (given_len ? given[i % given_len] : 0));
    return diff == 0;
}

static enum MHD_Result handle_admin_reload(request *r, struct MHD_Connection *conn)
{
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
        return queue_error_ex(r, conn, MHD_HTTP_UNAUTHORIZED, "missing bearer token", NULL, NULL, 1);
    const char *tok = auth + 7;
    while (*tok == ' ')
        tok++;
    if (!token_equal(tok, strlen(tok), r->s->admin_token, r->s->admin_token_len))
        return queue_error_ex(r, conn, MHD_HTTP_FORBIDDEN, "wrong token", NULL, NULL, 1);
    char msg[512];
    st_status rc = srv_reload(r->s, msg, sizeof msg);
    if (rc != ST_OK)
        return queue_error_ex(r, conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                              "reload failed: the old models keep serving", json_pack("{s:s}", "detail", msg),
                              NULL, 1);
    st_modelset *set = srv_acquire_models(r->s);
    json_t *o = json_pack("{s:s, s:o}", "status", "reloaded", "models", st_modelset_describe(set));
    st_modelset_unref(set);
    return queue_json(r, conn, MHD_HTTP_OK, o, NULL, 1);
}

/* Answers the GET routes on the first handler call. */
static enum MHD_Result handle_get(request *r, struct MHD_Connection *conn)
{
    srv *s = r->s;
    switch (r->route) {
    case ROUTE_HEALTHZ: return queue_json(r, conn, MHD_HTTP_OK, json_pack("{s:s}", "status", "ok"), NULL, 0);
    case ROUTE_READYZ: {
        st_modelset *set = srv_acquire_models(s);
        int draining = atomic_load(&s->draining);
        st_modelset_unref(set);
        if (set && !draining)
            return queue_json(r, conn, MHD_HTTP_OK, json_pack("{s:s}", "status", "ready"), NULL, 0);
        return queue_error(r, conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                           draining ? "not ready: shutting down" : "not ready: loading models");
    }
    case ROUTE_MODELS: {
        st_modelset *set = srv_acquire_models(s);
        if (!set)
            return queue_error(r, conn, MHD_HTTP_SERVICE_UNAVAILABLE, "not ready: loading models");
        json_t *o =
            json_pack("{s:s, s:o}", "service_version", ST_VERSION, "models", st_modelset_describe(set));
        st_modelset_unref(set);
        return queue_json(r, conn, MHD_HTTP_OK, o, NULL, 0);
    }
    case ROUTE_PAGE: {
        /* Static, read-only bytes: MHD_RESPMEM_PERSISTENT never copies nor frees them. */
        struct MHD_Response *resp = MHD_create_response_from_buffer(
            st_page_index_html_len, (void *)(uintptr_t)st_page_index_html, MHD_RESPMEM_PERSISTENT);
        if (!resp)
            return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
        MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                                "connect-src 'self'; img-src data:");
        MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
        enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
        MHD_destroy_response(resp);
        if (ret == MHD_YES) {
            r->responded = 1;
            r->status = MHD_HTTP_OK;
            r->bytes = st_page_index_html_len;
        }
        return ret;
    }
    case ROUTE_METRICS: {
        char *text = NULL;
        size_t len = 0;
        if (srv_metrics_render(s, &text, &len) != 0)
            return queue_error(r, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return queue_owned(r, conn, MHD_HTTP_OK, text, len, "text/plain; version=0.0.4; charset=utf-8", NULL,
                           0);
    }
    default: return queue_error(r, conn, MHD_HTTP_NOT_FOUND, "unknown path");
    }
}

static request *request_new(srv *s, const char *url, const char *method)
{
    request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->path = strdup(url ? url : "");
    if (!r->path) {
        free(r);
        return NULL;
    }
    r->s = s;
    r->t0 = srv_now();
    snprintf(r->method, sizeof r->method, "%s", method ? method : "");
    r->route = route_of(r->path);
    atomic_fetch_add(&s->inflight, 1);
    return r;
}

/* First call of a request: headers only. May answer right away; otherwise prepares for the body. */
static enum MHD_Result on_headers(request *r, struct MHD_Connection *conn)
{
    srv *s = r->s;
    if (r->route == ROUTE_OTHER || (r->route == ROUTE_ADMIN_RELOAD && !s->admin_token)) {
        json_t *extra = json_object();
        json_t *p = json_string(r->path); /* NULL when the path is not UTF-8 */
        if (extra && p)
            json_object_set_new(extra, "path", p);
        else
            json_decref(p);
        return queue_error_ex(r, conn, MHD_HTTP_NOT_FOUND, "unknown path", extra, NULL, 0);
    }
    if (!method_allowed(r->route, r->method)) {
        json_t *extra = json_pack("{s:s}", "allow", allowed_methods(r->route));
        return queue_error_ex(r, conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed", extra,
                              allowed_methods(r->route), 0);
    }
    if (r->route == ROUTE_ADMIN_RELOAD)
        return handle_admin_reload(r, conn);
    if (r->route != ROUTE_CLASSIFY)
        return handle_get(r, conn);

    if (atomic_load(&s->draining))
        return queue_error_ex(r, conn, MHD_HTTP_SERVICE_UNAVAILABLE, "shutting down", NULL, NULL, 1);
    const char *why = NULL;
    r->kind =
        body_kind_of(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE), &why);
    if (r->kind == BODY_NONE)
        return queue_error_ex(r, conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, why, NULL, NULL, 1);
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    unsigned long long declared = 0;
    if (cl && parse_length(cl, &declared) == 0) {
        if (declared > s->cfg.max_body) {
            char msg[128];
            snprintf(msg, sizeof msg, "body too large: limit is %zu bytes", s->cfg.max_body);
            return queue_error_ex(r, conn, MHD_HTTP_CONTENT_TOO_LARGE, msg,
                                  json_pack("{s:I}", "limit", (json_int_t)s->cfg.max_body), NULL, 1);
        }
        if (declared > 0) {
            r->body = malloc((size_t)declared);
            if (!r->body)
                return queue_error_ex(r, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory", NULL, NULL,
                                      1);
            r->cap = (size_t)declared;
        }
    }
    const char *ex = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "explain");
    r->explain_query = ex && (strcmp(ex, "1") == 0 || strcasecmp(ex, "true") == 0);
    r->set = srv_acquire_models(s);
    if (!r->set)
        return queue_error_ex(r, conn, MHD_HTTP_SERVICE_UNAVAILABLE, "not ready: loading models", NULL, NULL,
                              1);
    return MHD_YES;
}

/* libmicrohttpd 0.9.75 refuses a response while it reads an upload (MHD_queue_response returns MHD_NO
 * in that state), so the 413 of a chunked body that passes the limit is written to the socket here,
 * whole (about 300 bytes into an idle send buffer: MHD sends nothing while it reads a request),
 * then shutdown(SHUT_WR) sends the FIN: the client can read the answer as soon as the limit is
 * passed (E23b). The rest of the upload is read and discarded up to twice the limit, so that a
 * client still sending is not reset before it reads the answer, and the connection is closed past
 * that or when the body ends. Returns 0 when written. */
static int send_early_413(request *r, struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return -1;
    int fd = ci->connect_fd;
    size_t max = r->s->cfg.max_body;
    char body[160], all[640];
    int bl = snprintf(body, sizeof body, "{\"error\":\"body too large: limit is %zu bytes\",\"limit\":%zu}",
                      max, max);
    int n = snprintf(all, sizeof all,
                     "HTTP/1.1 413 Content Too Large\r\nConnection: close\r\n"
                     "Content-Type: application/json; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n"
                     "Cache-Control: no-store\r\nContent-Length: %d\r\n\r\n%s",
                     bl, body);
    if (bl < 0 || n < 0 || (size_t)n >= sizeof all)
        return -1;
    size_t off = 0;
    double until = srv_now() + 0.5;
    while (off < (size_t)n) {
        ssize_t w = send(fd, all + off, (size_t)n - off, MSG_NOSIGNAL);
        if (w > 0) {
            off += (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && srv_now() < until) {
            struct pollfd p = {fd, POLLOUT, 0};
            poll(&p, 1, 50);
        } else {
            return -1;
        }
    }
    shutdown(fd, SHUT_WR);
    r->early_413 = 1;
    r->status = MHD_HTTP_CONTENT_TOO_LARGE;
    r->bytes = (size_t)bl;
    return 0;
}

/* Appends one piece of the body; past max_body answers 413 and discards the rest. */
static enum MHD_Result on_body_piece(request *r, struct MHD_Connection *conn, const char *data, size_t n)
{
    size_t max = r->s->cfg.max_body;
    if (r->too_large) {
        /* Discard, but not for ever: past twice the limit close the connection (MHD_NO). */
        r->discarded += n;
        return r->discarded > max ? MHD_NO : MHD_YES;
    }
    if (n > max - r->len) {
        r->too_large = 1;
        r->discarded = r->len + n - max;
        free(r->body);
        r->body = NULL;
        r->len = r->cap = 0;
        char msg[128];
        snprintf(msg, sizeof msg, "body too large: limit is %zu bytes", max);
        /* Newer libmicrohttpd versions accept a response here and drop the rest of the upload;
         * 0.9.75 refuses it, and the answer goes straight to the socket. */
        if (queue_error_ex(r, conn, MHD_HTTP_CONTENT_TOO_LARGE, msg,
                           json_pack("{s:I}", "limit", (json_int_t)max), NULL, 1) != MHD_YES &&
            send_early_413(r, conn) != 0)
            return MHD_NO;
        return MHD_YES;
    }
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n)
            cap = cap > max / 2 ? max : 2 * cap;
        char *grown = realloc(r->body, cap);
        if (!grown)
            return MHD_NO;
        r->body = grown;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    srv *s = cls;
    request *r = *con_cls;
    if (!r) {
        if (!(r = request_new(s, url, method)))
            return MHD_NO;
        *con_cls = r;
        /* A GET or HEAD has no body: answer on the next call, once MHD has the whole request, so the
         * connection can stay open. Everything else is judged on its headers before any body. */
        if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0) {
            r->deferred = 1;
            return MHD_YES;
        }
        return on_headers(r, conn);
    }
    if (r->deferred) {
        *upload_data_size = 0; /* a body sent with a GET is ignored */
        if (r->responded)
            return MHD_YES;
        return on_headers(r, conn);
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->responded && !r->too_large)
            return MHD_YES; /* answered on the headers: MHD drops the body */
        return on_body_piece(r, conn, upload_data, n);
    }
    if (r->responded)
        return MHD_YES;
    if (r->early_413)
        return MHD_NO; /* answered on the socket, which is shut for writing: close */
    if (r->too_large) {
        char msg[128];
        snprintf(msg, sizeof msg, "body too large: limit is %zu bytes", s->cfg.max_body);
        return queue_error_ex(r, conn, MHD_HTTP_CONTENT_TOO_LARGE, msg,
                              json_pack("{s:I}", "limit", (json_int_t)s->cfg.max_body), NULL, 1);
    }
    return handle_classify(r, conn);
}

/* Appends s to a JSON string literal in out (ASCII only: other bytes become \u00XX, so the log line
 * is valid JSON whatever the client sent). */
static void log_escape(char *out, size_t cap, const char *s)
{
    size_t o = 0;
    for (; *s && o + 7 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            out[o++] = '\\';
            out[o++] = (char)ch;
        } else if (ch < 0x20 || ch >= 0x7f) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", ch);
        } else {
            out[o++] = (char)ch;
        }
    }
    out[o] = '\0';
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    srv *s = cls;
    request *r = *con_cls;
    if (!r)
        return;
    double seconds = srv_now() - r->t0;
    srv_metrics_request(&s->metrics, r->route, r->status, seconds, r->bytes);
    if (!s->cfg.quiet) {
        char path[600], method[40];
        log_escape(path, sizeof path, r->path);
        log_escape(method, sizeof method, r->method);
        srv_log(
            "{\"method\":\"%s\",\"path\":\"%s\",\"status\":%u,\"bytes\":%zu,\"ms\":%.3f,\"quotes\":%zu%s}",
            method, path, r->status, r->bytes, seconds * 1e3, r->quotes,
            toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : ",\"aborted\":true");
    }
    st_modelset_unref(r->set);
    free(r->body);
    free(r->path);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    srv *s = cls;
    if (s->cfg.quiet)
        return;
    char msg[512], esc[1200];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_escape(esc, sizeof esc, msg);
    srv_log("{\"event\":\"mhd\",\"message\":\"%s\"}", esc);
}

int srv_http_start(srv *s, char *msg, size_t msg_size)
{
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    char port[16];
    snprintf(port, sizeof port, "%u", s->cfg.port);
    int gai = getaddrinfo(s->cfg.host, port, &hints, &ai);
    if (gai != 0) {
        snprintf(msg, msg_size, "cannot resolve %s: %s", s->cfg.host, gai_strerror(gai));
        return -1;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL : MHD_USE_POLL;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem ops[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_logger, s}, /* first, or MHD logs the others itself */
        {MHD_OPTION_SOCK_ADDR, 0, ai->ai_addr},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)s->cfg.connection_timeout, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)s->cfg.max_connections, NULL},
        /* one client address may hold at most half the connections (when the limit is 64 or more; 0 =
         * no per-address limit), so a slow or stalled client cannot take every slot (slowloris);
         * behind a proxy, raise --max-connections */
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT,
         (intptr_t)(s->cfg.max_connections >= 64 ? s->cfg.max_connections / 2 : 0), NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY_LIMIT, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s},
        {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape_uri, s},
        {s->cfg.threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (intptr_t)s->cfg.threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    s->daemon = MHD_start_daemon(flags, (uint16_t)s->cfg.port, NULL, NULL, on_request, s, MHD_OPTION_ARRAY,
                                 ops, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!s->daemon) {
        snprintf(msg, msg_size, "cannot listen on %s:%u: %s", s->cfg.host, s->cfg.port,
                 errno ? strerror(errno) : "libmicrohttpd failed to start");
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->bound_port = info && info->port ? info->port : s->cfg.port;
    return 0;
}

void srv_http_drain_and_stop(srv *s, double timeout_s)
{
    if (!s->daemon)
        return;
    atomic_store(&s->draining, 1);
    MHD_socket listen_fd = MHD_quiesce_daemon(s->daemon);
    double until = srv_now() + timeout_s;
    while (atomic_load(&s->inflight) > 0 && srv_now() < until) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    long left = atomic_load(&s->inflight);
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    srv_log("{\"event\":\"stopped\",\"unfinished_requests\":%ld}", left);
}
