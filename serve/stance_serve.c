/* stance_serve.c - stance-serve: the HTTP service that classifies the quotes of news articles.
 *
 *   stance-serve --models DIR [--listen HOST:PORT] [--max-body BYTES] [--threads N] [--quiet]
 *                [--admin-token-file FILE] [--max-json-depth N] [--connection-timeout S]
 *                [--max-connections N]
 *
 * The main thread parses options, starts libmicrohttpd (which runs its own threads; GET /readyz
 * answers 503 until the models are in), loads the models and then only waits on a self-pipe:
 * signal handlers set a flag and write one byte, and the main loop does the work - SIGHUP reloads
 * the models (validated by loading and one smoke prediction; a bad folder leaves the old set
 * serving), swapped-out sets are freed here once their last request is done (srv_sweep_retired, so
 * a worker never pays for it), SIGTERM/SIGINT drain in-flight requests (MHD_quiesce_daemon, wait,
 * stop) and exit 0. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

#define DRAIN_TIMEOUT_S 30.0
#define SMOKE_TEXT "We will keep talking until we reach an agreement."

/* The only process-wide mutable state: written by signal handlers, read by the main loop. */
static volatile sig_atomic_t got_reload, got_stop;
static int signal_pipe_wr = -1; /* set once before the handlers are installed */

static void on_signal(int sig)
{
    int saved = errno;
    if (sig == SIGHUP)
        got_reload = 1;
    else
        got_stop = 1;
    if (signal_pipe_wr >= 0) {
        char b = (char)sig;
        ssize_t w = write(signal_pipe_wr, &b, 1);
        (void)w; /* a full pipe already holds a wake-up */
    }
    errno = saved;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: stance-serve --models DIR [--listen HOST:PORT] [--max-body BYTES] [--threads N]\n"
            "                    [--quiet] [--admin-token-file FILE] [--max-json-depth N]\n"
            "                    [--connection-timeout S] [--max-connections N]\n"
            "  --models DIR           folder with stance/ and sentiment/ model folders (required)\n"
            "  --listen HOST:PORT     address to bind (default 127.0.0.1:8080; [::1]:PORT for IPv6;\n"
            "                         port 0 picks a free port, reported on stderr)\n"
            "  --max-body BYTES       largest accepted request body (default 1048576; suffixes k, m)\n"
            "  --threads N            worker threads (default: number of cores)\n"
            "  --quiet                no access log\n"
            "  --admin-token-file F   enable POST /admin/reload with 'Authorization: Bearer <token in F>'\n"
            "  --max-json-depth N     deepest JSON nesting accepted (default 64)\n"
            "  --connection-timeout S close a connection silent for S seconds (default 30)\n"
            "  --max-connections N    connections open at once; more are closed at once (default 1024;\n"
            "                         shared out among the worker threads)\n"
            "Signals: SIGHUP reloads the models, SIGTERM/SIGINT drain and exit.\n");
}

/* Parses an unsigned decimal with an optional k/m suffix (binary multiples). */
static int parse_size(const char *s, size_t *out)
{
    char *end = NULL;
    errno = 0;
    if (!s || *s < '0' || *s > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    unsigned long long mult = 1;
    if (*end == 'k' || *end == 'K')
        mult = 1024, end++;
    else if (*end == 'm' || *end == 'M')
        mult = 1024 * 1024, end++;
    if (*end || v > (unsigned long long)SIZE_MAX / mult)
        return -1;
    *out = (size_t)(v * mult);
    return 0;
}

/* HOST:PORT, [V6HOST]:PORT, or HOST alone (port 8080). */
static int parse_listen(const char *arg, srv_config *cfg)
{
    const char *host = arg, *colon;
    size_t host_len;
    if (arg[0] == '[') {
        const char *close = strchr(arg, ']');
        if (!close)
            return -1;
        host = arg + 1;
        host_len = (size_t)(close - host);
        colon = close[1] == ':' ? close + 1 : NULL;
        if (close[1] && !colon)
            return -1;
    } else {
        colon = strrchr(arg, ':');
        host_len = colon ? (size_t)(colon - arg) : strlen(arg);
    }
    if (host_len == 0 || host_len >= sizeof cfg->host)
        return -1;
    memcpy(cfg->host, host, host_len);
    cfg->host[host_len] = '\0';
    if (colon) {
        size_t port;
        if (parse_size(colon + 1, &port) != 0 || port > 65535 || strpbrk(colon + 1, "kKmM"))
            return -1;
        cfg->port = (unsigned)port;
    }
    return 0;
}

static int parse_args(int argc, char **argv, srv_config *cfg)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->host, sizeof cfg->host, "127.0.0.1");
    cfg->port = 8080;
    cfg->max_body = 1024 * 1024;
    cfg->threads = cores > 0 ? (unsigned)cores : 1;
    cfg->max_json_depth = 64;
    cfg->connection_timeout = 30;
    cfg->max_connections = 1024;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        size_t n;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(a, "--quiet") == 0) {
            cfg->quiet = 1;
            continue;
        } else if (!v) {
            fprintf(stderr, "stance-serve: %s needs a value (or is unknown)\n", a);
            return -1;
        } else if (strcmp(a, "--models") == 0) {
            cfg->models_dir = v;
        } else if (strcmp(a, "--listen") == 0) {
            if (parse_listen(v, cfg) != 0) {
                fprintf(stderr, "stance-serve: --listen wants HOST:PORT, got '%s'\n", v);
                return -1;
            }
        } else if (strcmp(a, "--max-body") == 0) {
            if (parse_size(v, &cfg->max_body) != 0 || cfg->max_body == 0) {
                fprintf(stderr, "stance-serve: --max-body wants a positive number of bytes, got '%s'\n", v);
                return -1;
            }
        } else if (strcmp(a, "--threads") == 0) {
            if (parse_size(v, &n) != 0 || n == 0 || n > 1024) {
                fprintf(stderr, "stance-serve: --threads wants 1..1024, got '%s'\n", v);
                return -1;
            }
            cfg->threads = (unsigned)n;
        } else if (strcmp(a, "--connection-timeout") == 0) {
            if (parse_size(v, &n) != 0 || n == 0 || n > 86400) {
                fprintf(stderr, "stance-serve: --connection-timeout wants 1..86400 seconds, got '%s'\n", v);
                return -1;
            }
            cfg->connection_timeout = (unsigned)n;
        } else if (strcmp(a, "--max-connections") == 0) {
            if (parse_size(v, &n) != 0 || n == 0 || n > 100000) {
                fprintf(stderr, "stance-serve: --max-connections wants 1..100000, got '%s'\n", v);
                return -1;
            }
            cfg->max_connections = (unsigned)n;
        } else if (strcmp(a, "--admin-token-file") == 0) {
            cfg->admin_token_file = v;
        } else if (strcmp(a, "--max-json-depth") == 0) {
            if (parse_size(v, &n) != 0 || n == 0 || n > 10000) {
                fprintf(stderr, "stance-serve: --max-json-depth wants 1..10000, got '%s'\n", v);
                return -1;
            }
            cfg->max_json_depth = (int)n;
        } else {
            fprintf(stderr, "stance-serve: unknown option '%s'\n", a);
            return -1;
        }
        i++;
    }
    if (!cfg->models_dir) {
        fprintf(stderr, "stance-serve: --models DIR is required\n");
        return -1;
    }
    return 0;
}

/* Reads the admin token: the file's content without trailing white space; at least 16 bytes. */
static int read_token(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "stance-serve: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        n--;
    buf[n] = '\0';
    if (n < 16 || strlen(buf) != n) {
        fprintf(stderr, "stance-serve: %s: the admin token must be 16 to 1023 bytes, no NUL\n", path);
        return -1;
    }
    *out = strdup(buf);
    *len = n;
    return *out ? 0 : -1;
}

st_modelset *srv_acquire_models(srv *s)
{
    pthread_mutex_lock(&s->set_lock);
    st_modelset *set = st_modelset_ref(s->set);
    pthread_mutex_unlock(&s->set_lock);
    return set;
}

st_classifier *srv_classifier_take(srv *s)
{
    st_classifier *c = NULL;
    pthread_mutex_lock(&s->pool_lock);
    if (s->pool_n)
        c = s->pool[--s->pool_n];
    pthread_mutex_unlock(&s->pool_lock);
    if (!c && st_classifier_new(&c) != ST_OK)
        return NULL;
    return c;
}

void srv_classifier_put(srv *s, st_classifier *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&s->pool_lock);
    if (s->pool_n == s->pool_cap) {
        size_t cap = s->pool_cap ? 2 * s->pool_cap : 8;
        st_classifier **grown = realloc(s->pool, cap * sizeof *grown);
        if (!grown) {
            pthread_mutex_unlock(&s->pool_lock);
            st_classifier_free(&c);
            return;
        }
        s->pool = grown;
        s->pool_cap = cap;
    }
    s->pool[s->pool_n++] = c;
    pthread_mutex_unlock(&s->pool_lock);
}

/* Loads and checks a model set: one smoke prediction through the same path as requests. */
static st_status load_checked(srv *s, st_modelset **out, char *msg, size_t msg_size)
{
    st_error err;
    memset(&err, 0, sizeof err);
    st_status rc = st_modelset_load(s->cfg.models_dir, out, &err);
    if (rc != ST_OK) {
        if (err.line)
            snprintf(msg, msg_size, "%s:%ld: %s (%s)", err.where, err.line, err.message, st_strerror(rc));
        else
            snprintf(msg, msg_size, "%s: %s (%s)", err.where, err.message, st_strerror(rc));
        return rc;
    }
    st_classifier *c = srv_classifier_take(s);
    json_t *res = NULL;
    const char *texts[1] = {SMOKE_TEXT};
    size_t lens[1] = {sizeof SMOKE_TEXT - 1};
    rc = c ? st_classify_quotes(c, *out, texts, lens, 1, "smoke", NULL, &res) : ST_ERR_NOMEM;
    srv_classifier_put(s, c);
    json_t *q = json_array_get(json_object_get(res, "quotes"), 0);
    if (rc == ST_OK && (!json_is_string(json_object_get(json_object_get(q, "stance"), "label")) ||
                        !json_is_string(json_object_get(json_object_get(q, "sentiment"), "label"))))
        rc = ST_ERR_MODEL;
    json_decref(res);
    if (rc != ST_OK) {
        snprintf(msg, msg_size, "%s: the smoke prediction failed (%s)", s->cfg.models_dir, st_strerror(rc));
        st_modelset_unref(*out);
        *out = NULL;
    }
    return rc;
}

static void json_escape(char *out, size_t cap, const char *s)
{
    json_t *j = json_string(s);
    char *d = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    snprintf(out, cap, "%s", d ? d : "\"?\"");
    free(d);
    json_decref(j);
}

st_status srv_reload(srv *s, char *msg, size_t msg_size)
{
    char local[512], esc[1200];
    if (!msg) {
        msg = local;
        msg_size = sizeof local;
    }
    msg[0] = '\0';
    pthread_mutex_lock(&s->reload_lock);
    double t0 = srv_now();
    st_modelset *fresh = NULL;
    st_status rc = load_checked(s, &fresh, msg, msg_size);
    if (rc != ST_OK) {
        atomic_fetch_add(&s->metrics.reloads_failed, 1);
        json_escape(esc, sizeof esc, msg);
        srv_log("{\"event\":\"reload\",\"ok\":false,\"error\":%s,\"note\":\"the old models keep serving\","
                "\"ms\":%.1f}",
                esc, (srv_now() - t0) * 1e3);
        pthread_mutex_unlock(&s->reload_lock);
        return rc;
    }
    pthread_mutex_lock(&s->set_lock);
    st_modelset *old = s->set;
    s->set = fresh;
    pthread_mutex_unlock(&s->set_lock);
    if (s->n_retired < SRV_MAX_RETIRED)
        s->retired[s->n_retired++] = old; /* freed by srv_sweep_retired after its last request */
    else
        st_modelset_unref(old); /* too many waiting: freed by its last request, wherever */
    atomic_store(&s->retired_gauge, s->n_retired);
    if (signal_pipe_wr >= 0) { /* wake the main loop (from /admin/reload) so that it sweeps */
        ssize_t w = write(signal_pipe_wr, "r", 1);
        (void)w;
    }
    atomic_fetch_add(&s->metrics.reloads_ok, 1);
    snprintf(msg, msg_size, "stance %s, sentiment %s", st_model_version(st_modelset_stance(fresh)),
             st_model_version(st_modelset_sentiment(fresh)));
    srv_log("{\"event\":\"reload\",\"ok\":true,\"stance\":\"%s\",\"sentiment\":\"%s\",\"ms\":%.1f}",
            st_model_version(st_modelset_stance(fresh)), st_model_version(st_modelset_sentiment(fresh)),
            (srv_now() - t0) * 1e3);
    pthread_mutex_unlock(&s->reload_lock);
    return ST_OK;
}

size_t srv_sweep_retired(srv *s)
{
    pthread_mutex_lock(&s->reload_lock);
    size_t kept = 0;
    for (size_t i = 0; i < s->n_retired; i++) {
        /* A retired set is no longer reachable through s->set: 1 reference means ours alone. */
        if (st_modelset_refs(s->retired[i]) == 1)
            st_modelset_unref(s->retired[i]);
        else
            s->retired[kept++] = s->retired[i];
    }
    s->n_retired = kept;
    atomic_store(&s->retired_gauge, kept);
    pthread_mutex_unlock(&s->reload_lock);
    return kept;
}

static int install_signals(int pipe_wr)
{
    signal_pipe_wr = pipe_wr;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGHUP, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL))
        return -1;
    sa.sa_handler = SIG_IGN;
    return sigaction(SIGPIPE, &sa, NULL);
}

int main(int argc, char **argv)
{
    int status = 1;
    char msg[1024], esc[2200];
    srv s;
    memset(&s, 0, sizeof s);
    if (parse_args(argc, argv, &s.cfg) != 0) {
        usage(stderr);
        return 2;
    }
    pthread_mutex_init(&s.set_lock, NULL);
    pthread_mutex_init(&s.reload_lock, NULL);
    pthread_mutex_init(&s.pool_lock, NULL);
    srv_metrics_init(&s.metrics);
    atomic_init(&s.draining, 0);
    atomic_init(&s.inflight, 0);
    atomic_init(&s.retired_gauge, 0);
    if (s.cfg.admin_token_file && read_token(s.cfg.admin_token_file, &s.admin_token, &s.admin_token_len) != 0)
        goto out_destroy;

    int pipefd[2];
    if (pipe(pipefd) != 0) {
        fprintf(stderr, "stance-serve: pipe: %s\n", strerror(errno));
        goto out_free_token;
    }
    fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
    fcntl(pipefd[1], F_SETFL, O_NONBLOCK);
    fcntl(pipefd[0], F_SETFD, FD_CLOEXEC);
    fcntl(pipefd[1], F_SETFD, FD_CLOEXEC);
    if (install_signals(pipefd[1]) != 0) {
        fprintf(stderr, "stance-serve: sigaction: %s\n", strerror(errno));
        goto out_close_pipe;
    }

    /* Listen first, so that probes see GET /readyz answer 503 ("loading") while the models load
     * (POST /classify answers 503 meanwhile); the "listening" line comes once they serve. */
    if (srv_http_start(&s, msg, sizeof msg) != 0) {
        fprintf(stderr, "stance-serve: %s\n", msg);
        goto out_close_pipe;
    }
    st_modelset *first = NULL;
    if (load_checked(&s, &first, msg, sizeof msg) != ST_OK) {
        fprintf(stderr, "stance-serve: cannot load models: %s\n", msg);
        srv_http_drain_and_stop(&s, 0);
        goto out_close_pipe;
    }
    pthread_mutex_lock(&s.set_lock);
    s.set = first;
    pthread_mutex_unlock(&s.set_lock);
    json_escape(esc, sizeof esc, s.cfg.host);
    st_modelset *now = srv_acquire_models(&s); /* worker threads may already be swapping s.set */
    srv_log(
        "{\"event\":\"listening\",\"host\":%s,\"port\":%u,\"threads\":%u,\"max_body\":%zu,\"stance\":\"%s\","
        "\"sentiment\":\"%s\",\"admin\":%s}",
        esc, s.bound_port, s.cfg.threads, s.cfg.max_body, st_model_version(st_modelset_stance(now)),
        st_model_version(st_modelset_sentiment(now)), s.admin_token ? "true" : "false");
    st_modelset_unref(now);

    size_t waiting = 0; /* retired model sets still held by requests: look again every 50 ms */
    while (!got_stop) {
        struct pollfd pfd = {pipefd[0], POLLIN, 0};
        int pr = poll(&pfd, 1, waiting ? 50 : -1);
        if (pr < 0 && errno != EINTR)
            break;
        char drain[64];
        while (read(pipefd[0], drain, sizeof drain) > 0)
            ;
        if (got_reload) {
            got_reload = 0;
            srv_reload(&s, NULL, 0);
        }
        waiting = srv_sweep_retired(&s);
    }
    srv_log("{\"event\":\"draining\",\"inflight\":%ld}", atomic_load(&s.inflight));
    srv_http_drain_and_stop(&s, DRAIN_TIMEOUT_S);
    status = 0;

out_close_pipe:
    signal_pipe_wr = -1;
    close(pipefd[0]);
    close(pipefd[1]);
    st_modelset_unref(s.set);
    while (s.n_retired) /* the daemon is stopped: no request holds them */
        st_modelset_unref(s.retired[--s.n_retired]);
out_free_token:
    while (s.pool_n)
        st_classifier_free(&s.pool[--s.pool_n]);
    free(s.pool);
    free(s.admin_token);
out_destroy:
    pthread_mutex_destroy(&s.pool_lock);
    pthread_mutex_destroy(&s.reload_lock);
    pthread_mutex_destroy(&s.set_lock);
    return status;
}
