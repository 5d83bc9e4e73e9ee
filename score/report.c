/* report.c - `stance-score report`: per-speaker, per-day stance counts and means from the store. */
#include "feed.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

typedef struct day_row {
    char day[11];
    long quotes, conciliatory, hardline, other;
    double mean_hardline, mean_sentiment;
} day_row;

/* Writes a double locale-independently (never depends on setlocale): fixed, 3 decimals. */
static void fmt3(double v, char *out, size_t cap)
{
    long long milli = (long long)(v * 1000.0 + (v < 0 ? -0.5 : 0.5));
    const char *sign = milli < 0 ? "-" : "";
    if (milli < 0)
        milli = -milli;
    snprintf(out, cap, "%s%lld.%03lld", sign, milli / 1000, milli % 1000);
}

static void flush_speaker(FILE *out, int json, json_t *speakers, const char *speaker, day_row *days, size_t n)
{
    if (n == 0)
        return;
    long quotes = 0, hard = 0, concil = 0;
    double sum_h = 0, sum_s = 0;
    for (size_t i = 0; i < n; i++) {
        quotes += days[i].quotes;
        hard += days[i].hardline;
        concil += days[i].conciliatory;
        sum_h += days[i].mean_hardline * (double)days[i].quotes;
        sum_s += days[i].mean_sentiment * (double)days[i].quotes;
    }
    double change = days[n - 1].mean_hardline - days[0].mean_hardline;
    if (json) {
        json_t *dj = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(
                dj, json_pack("{s:s, s:I, s:{s:I, s:I, s:I}, s:f, s:f}", "day", days[i].day, "quotes",
                              (json_int_t)days[i].quotes, "stance", "conciliatory",
                              (json_int_t)days[i].conciliatory, "hardline", (json_int_t)days[i].hardline,
                              "other", (json_int_t)days[i].other, "mean_hardline", days[i].mean_hardline,
                              "mean_sentiment", days[i].mean_sentiment));
        json_array_append_new(
            speakers, json_pack("{s:s, s:I, s:{s:I, s:I}, s:f, s:f, s:f, s:o}", "speaker", speaker, "quotes",
                                (json_int_t)quotes, "stance", "conciliatory", (json_int_t)concil, "hardline",
                                (json_int_t)hard, "mean_hardline", sum_h / (double)quotes, "mean_sentiment",
                                sum_s / (double)quotes, "hardline_change", change, "days", dj));
        return;
    }
    char a[32], b[32], c[32];
    for (size_t i = 0; i < n; i++) {
        fmt3(days[i].mean_hardline, a, sizeof a);
        fmt3(days[i].mean_sentiment, b, sizeof b);
        fprintf(out, "%-28.28s %-10s %6ld %6ld %8ld %13s %14s\n", speaker, days[i].day, days[i].quotes,
                days[i].conciliatory, days[i].hardline, a, b);
    }
    fmt3(sum_h / (double)quotes, a, sizeof a);
    fmt3(sum_s / (double)quotes, b, sizeof b);
    fmt3(change, c, sizeof c);
    fprintf(out, "%-28.28s %-10s %6ld %6ld %8ld %13s %14s  change %s%s\n", speaker, "all days", quotes,
            concil, hard, a, b, change > 0 ? "+" : "", c);
}

st_status st_report(const char *path, const st_report_options *opt, FILE *out, st_error *err)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    st_status rc = ST_OK;
    char since[11] = "";
    char *model = NULL;
    json_t *speakers = NULL;
    day_row *days = NULL;
    size_t n_days = 0, cap_days = 0;
    char speaker[512] = "";
    if (opt->since) {
        char iso[21];
        if (!st_date_to_utc(opt->since, iso))
            return st_error_set(err, ST_ERR_INVALID, "--since", 0, "not a date: %s", opt->since);
        memcpy(since, iso, 10);
        since[10] = '\0';
    }
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        rc = st_error_set(err, ST_ERR_IO, path, 0, "%s", db ? sqlite3_errmsg(db) : "cannot open");
        goto out_close;
    }
    sqlite3_busy_timeout(db, 10000);
    if (opt->model) {
        model = strdup(opt->model);
    } else {
        if (sqlite3_prepare_v2(
                db, "SELECT model_version FROM articles ORDER BY scored_at DESC, rowid DESC LIMIT 1", -1, &st,
                NULL) != SQLITE_OK)
            goto out_db_error;
        if (sqlite3_step(st) == SQLITE_ROW)
            model = strdup((const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        st = NULL;
        if (!model) {
            rc = st_error_set(err, ST_ERR_EMPTY, path, 0, "no scored article in the database");
            goto out_close;
        }
    }
    if (!model) {
        rc = ST_ERR_NOMEM;
        goto out_close;
    }
    if (sqlite3_prepare_v2(
            db,
            "SELECT speaker, day, COUNT(*), SUM(stance = 'conciliatory'), SUM(stance = 'hardline'),"
            " AVG(hardline), AVG(sentiment_score) FROM quotes"
            " WHERE model_version = ?1 AND speaker IS NOT NULL AND day IS NOT NULL"
            " AND (?2 IS NULL OR day >= ?2) AND (?3 IS NULL OR speaker = ?3 COLLATE NOCASE)"
            " GROUP BY speaker, day ORDER BY speaker, day",
            -1, &st, NULL) != SQLITE_OK)
        goto out_db_error;
    sqlite3_bind_text(st, 1, model, -1, SQLITE_STATIC);
    if (since[0])
        sqlite3_bind_text(st, 2, since, -1, SQLITE_STATIC);
    if (opt->speaker)
        sqlite3_bind_text(st, 3, opt->speaker, -1, SQLITE_STATIC);
    if (opt->json) {
        speakers = json_array();
    } else {
        fprintf(out, "model %s%s%s\n", model, since[0] ? ", since " : "", since);
        fprintf(out, "%-28s %-10s %6s %6s %8s %13s %14s\n", "speaker", "day", "quotes", "concil", "hardline",
                "mean_hardline", "mean_sentiment");
    }
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *sp = (const char *)sqlite3_column_text(st, 0);
        if (strcmp(sp, speaker) != 0) {
            flush_speaker(out, opt->json, speakers, speaker, days, n_days);
            n_days = 0;
            snprintf(speaker, sizeof speaker, "%s", sp);
        }
        if (n_days == cap_days) {
            size_t nc = cap_days ? cap_days * 2 : 16;
            day_row *p = realloc(days, nc * sizeof *p);
            if (!p) {
                rc = ST_ERR_NOMEM;
                goto out_close;
            }
            days = p;
            cap_days = nc;
        }
        day_row *d = &days[n_days++];
        snprintf(d->day, sizeof d->day, "%s", (const char *)sqlite3_column_text(st, 1));
        d->quotes = (long)sqlite3_column_int64(st, 2);
        d->conciliatory = (long)sqlite3_column_int64(st, 3);
        d->hardline = (long)sqlite3_column_int64(st, 4);
        d->other = d->quotes - d->conciliatory - d->hardline;
        d->mean_hardline = sqlite3_column_double(st, 5);
        d->mean_sentiment = sqlite3_column_double(st, 6);
    }
    if (step != SQLITE_DONE)
        goto out_db_error;
    flush_speaker(out, opt->json, speakers, speaker, days, n_days);
    if (opt->json) {
        json_t *doc = json_pack("{s:s, s:s?, s:s?, s:o}", "model", model, "since", since[0] ? since : NULL,
                                "speaker", opt->speaker, "speakers", speakers);
        speakers = NULL;
        if (!doc || json_dumpf(doc, out, JSON_INDENT(2)) != 0)
            rc = st_error_set(err, ST_ERR_IO, "output", 0, "cannot write the report");
        fputc('\n', out);
        json_decref(doc);
    }
    goto out_close;
out_db_error:
    rc = st_error_set(err, ST_ERR_IO, path, 0, "%s", sqlite3_errmsg(db));
out_close:
    json_decref(speakers);
    free(days);
    free(model);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}
