/* metrics.c - request counters, latency histogram and model info in the Prometheus text format.
 *
 * Counters are C11 atomics updated with relaxed ordering (each is independent; a scrape may see a
 * request counted in one metric and not yet in another, which Prometheus tolerates). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static const unsigned status_codes[SRV_N_STATUS - 1] = {200, 400, 401, 403, 404, 405,
                                                        413, 415, 500, 503, 431};
static const double bucket_le[SRV_N_BUCKETS - 1] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                    0.25,  0.5,    1,     2.5,  5,     10};
static const char *const route_names[ROUTE_COUNT] = {"classify", "healthz",      "readyz", "models",
                                                     "metrics",  "admin_reload", "page",   "other"};

const char *srv_route_name(enum srv_route route)
{
    return (unsigned)route < ROUTE_COUNT ? route_names[route] : "other";
}

void srv_metrics_init(srv_metrics *m)
{
    for (int r = 0; r < ROUTE_COUNT; r++) {
        for (int i = 0; i < SRV_N_STATUS; i++)
            atomic_init(&m->requests[r][i], 0);
        for (int i = 0; i < SRV_N_BUCKETS; i++)
            atomic_init(&m->latency_bucket[r][i], 0);
        atomic_init(&m->latency_us_sum[r], 0);
    }
    atomic_init(&m->quotes_classified, 0);
    atomic_init(&m->reloads_ok, 0);
    atomic_init(&m->reloads_failed, 0);
    atomic_init(&m->response_bytes, 0);
}

static int status_index(unsigned status)
{
    for (int i = 0; i < SRV_N_STATUS - 1; i++)
        if (status_codes[i] == status)
            return i;
    return SRV_N_STATUS - 1;
}

void srv_metrics_request(srv_metrics *m, enum srv_route route, unsigned status, double seconds, size_t bytes)
{
    if ((unsigned)route >= ROUTE_COUNT)
        route = ROUTE_OTHER;
    if (seconds < 0)
        seconds = 0;
    int b = 0;
    while (b < SRV_N_BUCKETS - 1 && seconds > bucket_le[b])
        b++;
    atomic_fetch_add_explicit(&m->requests[route][status_index(status)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->latency_bucket[route][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->latency_us_sum[route], (unsigned long long)(seconds * 1e6),
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&m->response_bytes, bytes, memory_order_relaxed);
}

/* A growable text buffer; on allocation failure it sets failed and ignores further appends. */
typedef struct textbuf {
    char *s;
    size_t len, cap;
    int failed;
} textbuf;

static void tb_printf(textbuf *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void tb_printf(textbuf *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = 1;
            return;
        }
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = 2 * t->cap + (size_t)n + 1;
        char *grown = realloc(t->s, cap);
        if (!grown) {
            t->failed = 1;
            return;
        }
        t->s = grown;
        t->cap = cap;
    }
}

/* Writes v as a Prometheus float without depending on the locale ("%g" of a double can print a
 * decimal comma under some locales; the server never calls setlocale, but be explicit). */
static void tb_seconds(textbuf *t, double v)
{
    unsigned long long us = (unsigned long long)(v * 1e6 + 0.5);
    tb_printf(t, "%llu.%06llu", us / 1000000ULL, us % 1000000ULL);
}

/* Label values may hold any bytes of a model version: escape \ " and newline. */
static void tb_label_value(textbuf *t, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            tb_printf(t, "\\%c", *v);
        else if (*v == '\n')
            tb_printf(t, "\\n");
        else
            tb_printf(t, "%c", *v);
    }
}

int srv_metrics_render(srv *s, char **out, size_t *len)
{
    textbuf t = {malloc(8192), 0, 8192, 0};
    if (!t.s)
        return -1;
    srv_metrics *m = &s->metrics;

    tb_printf(&t, "# HELP stance_requests_total HTTP requests answered, by route and status.\n"
                  "# TYPE stance_requests_total counter\n");
    for (int r = 0; r < ROUTE_COUNT; r++)
        for (int i = 0; i < SRV_N_STATUS; i++) {
            unsigned long n = atomic_load_explicit(&m->requests[r][i], memory_order_relaxed);
            if (!n)
                continue;
            if (i < SRV_N_STATUS - 1)
                tb_printf(&t, "stance_requests_total{route=\"%s\",status=\"%u\"} %lu\n", route_names[r],
                          status_codes[i], n);
            else
                tb_printf(&t, "stance_requests_total{route=\"%s\",status=\"other\"} %lu\n", route_names[r],
                          n);
        }

    tb_printf(&t, "# HELP stance_request_duration_seconds Time from request headers to response sent.\n"
                  "# TYPE stance_request_duration_seconds histogram\n");
    for (int r = 0; r < ROUTE_COUNT; r++) {
        unsigned long cum = 0;
        for (int b = 0; b < SRV_N_BUCKETS; b++) {
            cum += atomic_load_explicit(&m->latency_bucket[r][b], memory_order_relaxed);
            tb_printf(&t, "stance_request_duration_seconds_bucket{route=\"%s\",le=\"", route_names[r]);
            if (b < SRV_N_BUCKETS - 1)
                tb_seconds(&t, bucket_le[b]);
            else
                tb_printf(&t, "+Inf");
            tb_printf(&t, "\"} %lu\n", cum);
        }
        tb_printf(&t, "stance_request_duration_seconds_sum{route=\"%s\"} ", route_names[r]);
        tb_seconds(&t, (double)atomic_load_explicit(&m->latency_us_sum[r], memory_order_relaxed) / 1e6);
        tb_printf(&t, "\nstance_request_duration_seconds_count{route=\"%s\"} %lu\n", route_names[r], cum);
    }

    tb_printf(&t,
              "# HELP stance_quotes_classified_total Quotes classified (extracted or given).\n"
              "# TYPE stance_quotes_classified_total counter\nstance_quotes_classified_total %lu\n",
              atomic_load_explicit(&m->quotes_classified, memory_order_relaxed));
    tb_printf(&t,
              "# HELP stance_response_bytes_total Response body bytes queued.\n"
              "# TYPE stance_response_bytes_total counter\nstance_response_bytes_total %llu\n",
              atomic_load_explicit(&m->response_bytes, memory_order_relaxed));
    tb_printf(&t,
              "# HELP stance_model_reloads_total Model reloads, by result.\n"
              "# TYPE stance_model_reloads_total counter\n"
              "stance_model_reloads_total{result=\"ok\"} %lu\n"
              "stance_model_reloads_total{result=\"failed\"} %lu\n",
              atomic_load_explicit(&m->reloads_ok, memory_order_relaxed),
              atomic_load_explicit(&m->reloads_failed, memory_order_relaxed));
    tb_printf(&t, "# HELP stance_inflight_requests Requests being handled now.\n"
                  "# TYPE stance_inflight_requests gauge\n");
    tb_printf(&t, "stance_inflight_requests %ld\n", atomic_load(&s->inflight));
    tb_printf(&t,
              "# HELP stance_model_sets_retired Swapped-out model sets still held by requests.\n"
              "# TYPE stance_model_sets_retired gauge\nstance_model_sets_retired %zu\n",
              (size_t)atomic_load(&s->retired_gauge));

    st_modelset *set = srv_acquire_models(s);
    if (set) {
        tb_printf(&t, "# HELP stance_model_info The model versions being served (value 1).\n"
                      "# TYPE stance_model_info gauge\n");
        const st_model *models[2] = {st_modelset_stance(set), st_modelset_sentiment(set)};
        const char *tasks[2] = {"stance", "sentiment"};
        for (int i = 0; i < 2; i++) {
            const char *v = st_model_version(models[i]);
            tb_printf(&t, "stance_model_info{task=\"%s\",version=\"", tasks[i]);
            tb_label_value(&t, v ? v : "");
            tb_printf(&t, "\"} 1\n");
        }
        st_modelset_unref(set);
    }
    tb_printf(&t,
              "# HELP stance_build_info The stance-serve version (value 1).\n"
              "# TYPE stance_build_info gauge\nstance_build_info{version=\"%s\"} 1\n",
              ST_VERSION);
    if (t.failed) {
        free(t.s);
        return -1;
    }
    *out = t.s;
    *len = t.len;
    return 0;
}
