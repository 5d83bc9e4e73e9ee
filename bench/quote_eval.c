/* quote_eval.c - stance-quote-eval: scores direct quote extraction and speaker attribution
 * against PolNeAR-style gold (shared/data/polnear-attribution/SOURCE.md).
 *
 *   stance-quote-eval GOLD.jsonl [--json] [--verbose] [--doubled-apostrophes]
 *   stance-quote-eval TEXTS.jsonl --bench
 *   stance-quote-eval TEXTS.jsonl --dump
 *
 * Gold quoted spans: inside each `direct` attribution (its content span, or each of its segments),
 * the text between a quotation mark and its matching close (“…”, "…", „…“, «…»), trimmed; an
 * opener whose close lies outside the content runs to the content end, and a close with no opener
 * starts at the content start. Identical spans count once.
 *   recall    = share of gold quoted spans at least 80% covered by one extracted quote
 *   precision = share of extracted quotes at least half covered by gold quoted spans (union)
 *   speaker   = share of recalled spans with an annotated source whose best-covering quote's
 *               speaker mention (speaker_start/end) overlaps the gold source span; reported for
 *               pronoun sources and named ones separately.
 * Offsets: gold is in code points, extraction in bytes; a per-article table maps code points to
 * bytes. --verbose prints each miss, each false positive and each wrong speaker, with the byte
 * offset (@N) of the quoted span in the article text.
 * --doubled-apostrophes: also read '' as a double quotation mark in gold, and count attributions
 * whose content holds '' as direct. The gold's `direct` flag only looks for “ ” " „ « », so the
 * New York Times articles of PolNeAR (which quote ''like this'') have almost no direct gold, and
 * every correct quote extracted from them counts against precision without this option.
 * --bench: instead of scoring, times st_quotes_extract over the "text" of every line of the file
 * (parsed into memory first; at least 3 passes and 2 seconds of thread CPU time) and prints
 * megabytes (10^6 bytes) per CPU second: the throughput of one core.
 * --dump: instead of scoring, prints every extracted quote of the "text" of every line, one JSON object
 * per quote (line, start, end, text, speaker, speaker_start, speaker_end, method, partial, unclosed;
 * offsets in bytes), in order: two builds of the extractor gave the same results when their dumps of
 * the same files are identical (`cmp`).
 * Exit status 0, or 1 on a read error. */
#include <jansson.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st_quotes.h"

typedef struct gspan {
    size_t start, end; /* bytes */
    int has_src;
    size_t src_start, src_end; /* bytes */
    int pronoun;
} gspan;

typedef struct counts {
    size_t gold, recalled, extracted, precise;
    size_t spk_named, spk_named_ok, spk_pron, spk_pron_ok;
    size_t articles;
} counts;

static const char *const pronoun_words[] = {"he",  "she",  "they", "we",  "i",   "it", "him",
                                            "her", "them", "us",   "you", "one", NULL};

static int is_pronoun_text(const char *s, size_t n)
{
    char buf[8];
    if (n == 0 || n >= sizeof buf)
        return 0;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i]);
    buf[n] = '\0';
    for (int i = 0; pronoun_words[i]; i++)
        if (strcmp(buf, pronoun_words[i]) == 0)
            return 1;
    return 0;
}

/* Code point -> byte offset table for text[0..len): cp2b[k] = byte of code point k; n_cp + 1 entries. */
static size_t *cp_table(const char *s, size_t len, size_t *n_cp)
{
    size_t *t = malloc((len + 1) * sizeof *t);
    if (!t)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            t[k++] = i;
    t[k] = len;
    *n_cp = k;
    return t;
}

static size_t cp_to_byte(const size_t *t, size_t n_cp, json_int_t cp)
{
    if (cp < 0)
        return 0;
    if ((size_t)cp > n_cp)
        return t[n_cp];
    return t[cp];
}

/* Decodes the code point at s[*p] (valid UTF-8 assumed, as jansson guarantees). */
static long dec(const char *s, size_t *p)
{
    const unsigned char *u = (const unsigned char *)s + *p;
    if (u[0] < 0x80) {
        *p += 1;
        return u[0];
    }
    if (u[0] < 0xE0) {
        *p += 2;
        return ((u[0] & 0x1F) << 6) | (u[1] & 0x3F);
    }
    if (u[0] < 0xF0) {
        *p += 3;
        return ((u[0] & 0x0F) << 12) | ((u[1] & 0x3F) << 6) | (u[2] & 0x3F);
    }
    *p += 4;
    return ((long)(u[0] & 0x07) << 18) | ((u[1] & 0x3F) << 12) | ((u[2] & 0x3F) << 6) | (u[3] & 0x3F);
}

static int is_ws(int c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

static int add_span(gspan **v, size_t *n, size_t *cap, const char *s, size_t a, size_t b, const gspan *proto)
{
    while (a < b && is_ws(s[a]))
        a++;
    while (b > a && is_ws(s[b - 1]))
        b--;
    if (b <= a)
        return 0;
    for (size_t i = 0; i < *n; i++)
        if ((*v)[i].start == a && (*v)[i].end == b)
            return 0;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        gspan *nv = realloc(*v, nc * sizeof *nv);
        if (!nv)
            return -1;
        *v = nv;
        *cap = nc;
    }
    gspan g = *proto;
    g.start = a;
    g.end = b;
    (*v)[(*n)++] = g;
    return 0;
}

/* Quoted spans inside s[a..b). */
static int quoted_spans(const char *s, size_t a, size_t b, int two_apos, const gspan *proto, gspan **v,
                        size_t *n, size_t *cap)
{
    size_t p = a;
    long prev = -1;
    size_t open_at = (size_t)-1; /* content start of the open quote */
    int any_mark = 0;
    while (p < b) {
        size_t m = p;
        long c = dec(s, &p);
        int opener = 0, closer = 0;
        if (c == '\'' && two_apos && p < b && s[p] == '\'') {
            p++;
            c = '"'; /* '' as a double mark */
        }
        if (c == 0x201C || c == 0x201E || c == 0xAB)
            opener = 1;
        else if (c == 0x201D || c == 0xBB)
            closer = 1;
        else if (c == '"') {
            size_t q = p;
            long nx = p < b ? dec(s, &q) : -1;
            int sp_prev = prev < 0 || is_ws((int)prev) || prev == '(' || prev == 0x2014;
            int sp_next = nx < 0 || is_ws((int)nx);
            if (open_at != (size_t)-1 && !sp_prev)
                closer = 1;
            else if (!sp_next)
                opener = 1;
            else
                closer = 1;
        }
        if (c == 0x201C && open_at != (size_t)-1 && s[m - 1] != ' ' && s[m - 1] != '\n' && p < b &&
            (s[p] == ' ' || s[p] == '\n' || s[p] == ',' || s[p] == '.'))
            opener = 0, closer = 1; /* German closer / wrong kind */
        prev = c;
        if (!opener && !closer)
            continue;
        any_mark = 1;
        if (opener) {
            if (open_at == (size_t)-1)
                open_at = p;
            /* else: a reopening mark; the quote continues */
        } else {
            size_t from = open_at == (size_t)-1 ? a : open_at;
            if (add_span(v, n, cap, s, from, m, proto))
                return -1;
            open_at = (size_t)-1;
        }
    }
    if (open_at != (size_t)-1 && add_span(v, n, cap, s, open_at, b, proto))
        return -1;
    (void)any_mark;
    return 0;
}

static int cmp_span(const void *x, const void *y)
{
    const gspan *a = x, *b = y;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return a->end < b->end ? -1 : (a->end > b->end);
}

static size_t overlap(size_t a0, size_t a1, size_t b0, size_t b1)
{
    size_t lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;
    return hi > lo ? hi - lo : 0;
}

static void show(const char *label, const char *s, size_t a, size_t b)
{
    size_t n = b - a;
    printf("%s \"%.*s%s\"\n", label, (int)(n > 160 ? 160 : n), s + a, n > 160 ? "..." : "");
}

static int has_two_apos(const char *s, size_t a, size_t b)
{
    for (size_t i = a; i + 1 < b; i++)
        if (s[i] == '\'' && s[i + 1] == '\'')
            return 1;
    return 0;
}

static int eval_article(json_t *art, counts *ct, int verbose, int two_apos)
{
    json_t *jt = json_object_get(art, "text");
    if (!json_is_string(jt))
        return 0;
    const char *s = json_string_value(jt);
    size_t len = json_string_length(jt);
    const char *id = json_string_value(json_object_get(art, "id"));
    size_t n_cp = 0;
    size_t *t = cp_table(s, len, &n_cp);
    if (!t)
        return -1;
    gspan *gold = NULL;
    size_t ng = 0, capg = 0;
    size_t ai;
    json_t *a;
    json_array_foreach(json_object_get(art, "quotes"), ai, a)
    {
        size_t b0 = cp_to_byte(t, n_cp, json_integer_value(json_object_get(a, "start")));
        size_t b1 = cp_to_byte(t, n_cp, json_integer_value(json_object_get(a, "end")));
        if (!json_is_true(json_object_get(a, "direct")) && !(two_apos && has_two_apos(s, b0, b1)))
            continue;
        gspan proto;
        memset(&proto, 0, sizeof proto);
        json_t *sp = json_object_get(a, "speaker");
        if (json_is_string(sp)) {
            proto.has_src = 1;
            proto.src_start = cp_to_byte(t, n_cp, json_integer_value(json_object_get(a, "speaker_start")));
            proto.src_end = cp_to_byte(t, n_cp, json_integer_value(json_object_get(a, "speaker_end")));
            proto.pronoun = is_pronoun_text(json_string_value(sp), json_string_length(sp));
        }
        /* the whole content range is scanned (not segment by segment): a quote split by its cue
         * lies across segments */
        if (quoted_spans(s, b0, b1, two_apos, &proto, &gold, &ng, &capg)) {
            free(gold);
            free(t);
            return -1;
        }
    }
    if (ng > 1)
        qsort(gold, ng, sizeof *gold, cmp_span);

    st_quotes q;
    st_quotes_init(&q);
    if (st_quotes_extract(s, len, &q) != ST_OK) {
        free(gold);
        free(t);
        return -1;
    }
    ct->articles++;
    ct->gold += ng;
    ct->extracted += q.n;
    for (size_t g = 0; g < ng; g++) {
        size_t glen = gold[g].end - gold[g].start, best = 0, bi = (size_t)-1;
        for (size_t k = 0; k < q.n; k++) {
            size_t ov = overlap(gold[g].start, gold[g].end, q.items[k].start, q.items[k].end);
            if (ov > best) {
                best = ov;
                bi = k;
            }
        }
        if (best * 10 < glen * 8) {
            if (verbose) {
                printf("MISS %s @%zu ", id, gold[g].start);
                show("", s, gold[g].start, gold[g].end);
            }
            continue;
        }
        ct->recalled++;
        if (!gold[g].has_src)
            continue;
        const st_quote *x = &q.items[bi];
        int ok =
            x->speaker && overlap(x->speaker_start, x->speaker_end, gold[g].src_start, gold[g].src_end) > 0;
        if (gold[g].pronoun) {
            ct->spk_pron++;
            ct->spk_pron_ok += ok;
        } else {
            ct->spk_named++;
            ct->spk_named_ok += ok;
        }
        if (!ok && verbose) {
            printf("SPEAKER %s @%zu%s gold=\"%.*s\" got=\"%.*s\" (%s) ", id, gold[g].start,
                   gold[g].pronoun ? " [pron]" : "", (int)(gold[g].src_end - gold[g].src_start),
                   s + gold[g].src_start, x->speaker ? (int)(x->speaker_end - x->speaker_start) : 0,
                   x->speaker ? s + x->speaker_start : "", st_speaker_method_name(x->method));
            show("", s, gold[g].start, gold[g].end);
        }
    }
    for (size_t k = 0; k < q.n; k++) {
        const st_quote *x = &q.items[k];
        size_t cov = 0, last = x->start;
        for (size_t g = 0; g < ng; g++) {
            size_t a0 = gold[g].start > last ? gold[g].start : last;
            if (gold[g].end > a0 && a0 < x->end) {
                size_t hi = gold[g].end < x->end ? gold[g].end : x->end;
                cov += hi - a0;
                last = hi;
            }
        }
        if (cov * 2 >= x->end - x->start) {
            ct->precise++;
        } else if (verbose) {
            printf("FP %s @%zu %s[%s] ", id, x->start, x->partial ? "partial " : "",
                   x->speaker ? x->speaker : "-");
            show("", s, x->start, x->end);
        }
    }
    st_quotes_free(&q);
    free(gold);
    free(t);
    return 0;
}

static double ratio(size_t a, size_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

/* CPU time of this thread: throughput per core, steady on a loaded machine. */
static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* --dump: every quote of every text of path as JSON Lines on stdout. Returns the exit status. */
static int dump(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 1;
    }
    char *line = NULL;
    size_t lcap = 0;
    ssize_t ln;
    long lineno = 0;
    int rc = 0;
    st_quotes q;
    st_quotes_init(&q);
    while (rc == 0 && (ln = getline(&line, &lcap, f)) > 0) {
        lineno++;
        json_error_t err;
        json_t *art = json_loadb(line, (size_t)ln, 0, &err);
        json_t *jt = art ? json_object_get(art, "text") : NULL;
        if (json_is_string(jt) &&
            st_quotes_extract(json_string_value(jt), json_string_length(jt), &q) != ST_OK)
            rc = 1;
        for (size_t i = 0; rc == 0 && json_is_string(jt) && i < q.n; i++) {
            const st_quote *o = &q.items[i];
            json_t *j =
                json_pack("{s:I, s:I, s:I, s:o, s:o, s:I, s:I, s:s, s:b, s:b}", "line", (json_int_t)lineno,
                          "start", (json_int_t)o->start, "end", (json_int_t)o->end, "text",
                          json_stringn_nocheck(o->text, o->text_len), "speaker",
                          o->speaker ? json_string_nocheck(o->speaker) : json_null(), "speaker_start",
                          (json_int_t)o->speaker_start, "speaker_end", (json_int_t)o->speaker_end, "method",
                          st_speaker_method_name(o->method), "partial", o->partial, "unclosed", o->unclosed);
            char *out = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
            if (out)
                printf("%s\n", out);
            else
                rc = 1;
            free(out);
            json_decref(j);
        }
        json_decref(art);
    }
    st_quotes_free(&q);
    free(line);
    fclose(f);
    return rc;
}

/* --bench: extraction throughput over the texts of path. Returns the exit status. */
static int bench(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 1;
    }
    char **texts = NULL;
    size_t *lens = NULL, n = 0, cap = 0, bytes = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t ln;
    int rc = 0;
    while ((ln = getline(&line, &lcap, f)) > 0) {
        json_error_t err;
        json_t *art = json_loadb(line, (size_t)ln, 0, &err);
        json_t *jt = art ? json_object_get(art, "text") : NULL;
        if (json_is_string(jt)) {
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 256;
                char **nt = realloc(texts, nc * sizeof *nt);
                size_t *nl = nt ? realloc(lens, nc * sizeof *nl) : NULL;
                if (nt)
                    texts = nt;
                if (!nt || !nl) {
                    rc = 1;
                    json_decref(art);
                    break;
                }
                lens = nl;
                cap = nc;
            }
            lens[n] = json_string_length(jt);
            texts[n] = malloc(lens[n] + 1);
            if (!texts[n]) {
                rc = 1;
                json_decref(art);
                break;
            }
            memcpy(texts[n], json_string_value(jt), lens[n] + 1);
            bytes += lens[n];
            n++;
        }
        json_decref(art);
    }
    free(line);
    fclose(f);
    st_quotes q;
    st_quotes_init(&q);
    size_t passes = 0, quotes = 0;
    double t0 = now_sec(), el = 0;
    while (rc == 0 && (passes < 3 || el < 2.0)) {
        for (size_t i = 0; i < n; i++) {
            if (st_quotes_extract(texts[i], lens[i], &q) != ST_OK) {
                rc = 1;
                break;
            }
            quotes += q.n;
        }
        passes++;
        el = now_sec() - t0;
    }
    st_quotes_free(&q);
    if (rc == 0)
        printf("%zu articles, %.2f MB, %zu passes, %.3f s CPU: %.1f MB/s per core (%zu quotes per pass)\n", n,
               (double)bytes / 1e6, passes, el, (double)bytes * (double)passes / 1e6 / el, quotes / passes);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    free(lens);
    return rc;
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    int as_json = 0, verbose = 0, two_apos = 0, do_bench = 0, do_dump = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            as_json = 1;
        else if (strcmp(argv[i], "--verbose") == 0)
            verbose = 1;
        else if (strcmp(argv[i], "--doubled-apostrophes") == 0)
            two_apos = 1;
        else if (strcmp(argv[i], "--bench") == 0)
            do_bench = 1;
        else if (strcmp(argv[i], "--dump") == 0)
            do_dump = 1;
        else if (!path)
            path = argv[i];
        else
            path = NULL, i = argc;
    }
    if (!path) {
        fprintf(stderr, "usage: stance-quote-eval GOLD.jsonl [--json] [--verbose] [--doubled-apostrophes]\n"
                        "       stance-quote-eval TEXTS.jsonl --bench\n"
                        "       stance-quote-eval TEXTS.jsonl --dump\n");
        return 2;
    }
    if (do_bench)
        return bench(path);
    if (do_dump)
        return dump(path);
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 1;
    }
    counts ct;
    memset(&ct, 0, sizeof ct);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    int rc = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        json_error_t err;
        json_t *art = json_loadb(line, (size_t)n, 0, &err);
        if (!art) {
            fprintf(stderr, "%s:%ld: %s\n", path, lineno, err.text);
            rc = 1;
            continue;
        }
        if (eval_article(art, &ct, verbose, two_apos)) {
            fprintf(stderr, "%s:%ld: evaluation failed\n", path, lineno);
            rc = 1;
        }
        json_decref(art);
    }
    free(line);
    fclose(f);
    double p = ratio(ct.precise, ct.extracted), r = ratio(ct.recalled, ct.gold);
    double sn = ratio(ct.spk_named_ok, ct.spk_named), spn = ratio(ct.spk_pron_ok, ct.spk_pron);
    if (as_json) {
        printf("{\"articles\": %zu, \"gold_spans\": %zu, \"extracted\": %zu, \"precision\": %.4f, "
               "\"recall\": %.4f, "
               "\"f1\": %.4f, \"speaker_named\": %.4f, \"speaker_named_n\": %zu, \"speaker_pronoun\": %.4f, "
               "\"speaker_pronoun_n\": %zu}\n",
               ct.articles, ct.gold, ct.extracted, p, r, p + r > 0 ? 2 * p * r / (p + r) : 0.0, sn,
               ct.spk_named, spn, ct.spk_pron);
    } else {
        printf("articles %zu  gold spans %zu  extracted %zu\n", ct.articles, ct.gold, ct.extracted);
        printf("precision %.4f (%zu/%zu)  recall %.4f (%zu/%zu)\n", p, ct.precise, ct.extracted, r,
               ct.recalled, ct.gold);
        printf("speaker named %.4f (%zu/%zu)  pronoun %.4f (%zu/%zu)\n", sn, ct.spk_named_ok, ct.spk_named,
               spn, ct.spk_pron_ok, ct.spk_pron);
    }
    return rc;
}
