/* store.c - SQLite storage of stance-score results: upserts in batched transactions. */
#include "store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

struct st_store {
    sqlite3 *db;
    sqlite3_stmt *has, *put_article, *del_quotes, *put_quote;
    int in_tx;
    int rows_in_tx;
    struct timespec tx_start;
    int batch_rows, batch_ms;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS articles("
    " article_id TEXT NOT NULL, model_version TEXT NOT NULL, source TEXT, item INTEGER, title TEXT,"
    " url TEXT, published TEXT, day TEXT, scored_at TEXT NOT NULL, n_quotes INTEGER NOT NULL,"
    " result TEXT NOT NULL, PRIMARY KEY(article_id, model_version));"
    "CREATE TABLE IF NOT EXISTS quotes("
    " article_id TEXT NOT NULL, model_version TEXT NOT NULL, idx INTEGER NOT NULL, day TEXT,"
    " speaker TEXT, stance TEXT, hardline REAL, sentiment TEXT, sentiment_score REAL, text TEXT,"
    " PRIMARY KEY(article_id, model_version, idx));"
    "CREATE INDEX IF NOT EXISTS quotes_speaker_day ON quotes(model_version, speaker, day);"
    "CREATE INDEX IF NOT EXISTS articles_scored ON articles(scored_at);";

static st_status db_error(st_store *s, st_error *err, const char *what)
{
    return st_error_set(err, ST_ERR_IO, what, 0, "%s", s && s->db ? sqlite3_errmsg(s->db) : "cannot open");
}

st_status st_store_open(const char *path, int readonly, st_store **out, st_error *err)
{
    *out = NULL;
    st_store *s = calloc(1, sizeof *s);
    if (!s)
        return ST_ERR_NOMEM;
    s->batch_rows = 200;
    s->batch_ms = 1000;
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    st_status rc;
    if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        rc = st_error_set(err, ST_ERR_IO, path, 0, "%s", s->db ? sqlite3_errmsg(s->db) : "cannot open");
        goto out_close;
    }
    sqlite3_busy_timeout(s->db, 10000);
    if (!readonly && (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL,
                                   NULL) != SQLITE_OK ||
                      sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK)) {
        rc = st_error_set(err, ST_ERR_IO, path, 0, "%s", sqlite3_errmsg(s->db));
        goto out_close;
    }
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM articles WHERE article_id = ?1 AND model_version = ?2", -1,
                           &s->has, NULL) != SQLITE_OK) {
        rc = st_error_set(err, ST_ERR_IO, path, 0, "%s", sqlite3_errmsg(s->db));
        goto out_close;
    }
    if (!readonly &&
        (sqlite3_prepare_v2(
             s->db,
             "INSERT INTO articles(article_id, model_version, source, item, title, url, published,"
             " day, scored_at, n_quotes, result) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)"
             " ON CONFLICT(article_id, model_version) DO UPDATE SET source=excluded.source,"
             " item=excluded.item, title=excluded.title, url=excluded.url,"
             " published=excluded.published, day=excluded.day, scored_at=excluded.scored_at,"
             " n_quotes=excluded.n_quotes, result=excluded.result",
             -1, &s->put_article, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(s->db, "DELETE FROM quotes WHERE article_id = ?1 AND model_version = ?2", -1,
                            &s->del_quotes, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(
             s->db,
             "INSERT INTO quotes(article_id, model_version, idx, day, speaker, stance, hardline,"
             " sentiment, sentiment_score, text) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
             -1, &s->put_quote, NULL) != SQLITE_OK)) {
        rc = st_error_set(err, ST_ERR_IO, path, 0, "%s", sqlite3_errmsg(s->db));
        goto out_close;
    }
    *out = s;
    return ST_OK;
out_close:
    st_store_close(&s);
    return rc;
}

void st_store_close(st_store **ps)
{
    st_store *s = *ps;
    if (!s)
        return;
    if (s->in_tx)
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    sqlite3_finalize(s->has);
    sqlite3_finalize(s->put_article);
    sqlite3_finalize(s->del_quotes);
    sqlite3_finalize(s->put_quote);
    sqlite3_close(s->db);
    free(s);
    *ps = NULL;
}

void st_store_set_batch(st_store *s, int batch_rows, int batch_ms)
{
    s->batch_rows = batch_rows > 0 ? batch_rows : 200;
    s->batch_ms = batch_ms > 0 ? batch_ms : 1000;
}

int st_store_has(st_store *s, const char *article_id, const char *model_version)
{
    sqlite3_reset(s->has);
    sqlite3_bind_text(s->has, 1, article_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->has, 2, model_version, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s->has);
    int found = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(s->has);
    sqlite3_clear_bindings(s->has);
    return found;
}

st_status st_store_commit(st_store *s, st_error *err)
{
    if (!s->in_tx)
        return ST_OK;
    s->in_tx = 0;
    s->rows_in_tx = 0;
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return db_error(s, err, "COMMIT");
    return ST_OK;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* P(label) from a prediction object {"label", "probability", "probabilities": {...}}; -1 when the
 * model gives no probabilities. */
static double prob_of(const json_t *pred, const char *label)
{
    const json_t *probs = json_object_get(pred, "probabilities");
    if (!json_is_object(probs))
        return -1;
    const json_t *p = json_object_get(probs, label);
    return json_is_number(p) ? json_number_value(p) : 0.0;
}

static const char *label_of(const json_t *pred)
{
    return json_string_value(json_object_get(pred, "label"));
}

static long long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)(now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

st_status st_store_put(st_store *s, const st_store_row *row, st_error *err)
{
    if (!s->in_tx) {
        if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
            return db_error(s, err, "BEGIN");
        s->in_tx = 1;
        s->rows_in_tx = 0;
        clock_gettime(CLOCK_MONOTONIC, &s->tx_start);
    }
    char day[11] = "";
    const char *from = row->published ? row->published : row->scored_at;
    if (from && strlen(from) >= 10) {
        memcpy(day, from, 10);
        day[10] = '\0';
    }
    const json_t *quotes = json_object_get(row->result, "quotes");
    sqlite3_stmt *st = s->put_article;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, row->article_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, row->model_version, -1, SQLITE_STATIC);
    bind_text_or_null(st, 3, row->source);
    sqlite3_bind_int64(st, 4, row->item);
    bind_text_or_null(st, 5, row->title);
    bind_text_or_null(st, 6, row->url);
    bind_text_or_null(st, 7, row->published);
    bind_text_or_null(st, 8, day[0] ? day : NULL);
    bind_text_or_null(st, 9, row->scored_at);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)json_array_size(quotes));
    bind_text_or_null(st, 11, row->result_text ? row->result_text : "{}");
    if (sqlite3_step(st) != SQLITE_DONE)
        return db_error(s, err, row->article_id);
    st = s->del_quotes;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, row->article_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, row->model_version, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        return db_error(s, err, row->article_id);
    size_t i;
    const json_t *q;
    json_array_foreach(quotes, i, q)
    {
        const json_t *stance = json_object_get(q, "stance"), *senti = json_object_get(q, "sentiment");
        const char *sl = label_of(stance), *tl = label_of(senti);
        double hard = prob_of(stance, "hardline");
        if (hard < 0)
            hard = sl && strcmp(sl, "hardline") == 0 ? 1.0 : 0.0;
        double pos = prob_of(senti, "positive"), neg = prob_of(senti, "negative"), score;
        if (pos < 0)
            score = tl && strcmp(tl, "positive") == 0 ? 1.0 : tl && strcmp(tl, "negative") == 0 ? -1.0 : 0.0;
        else
            score = pos - neg;
        st = s->put_quote;
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, row->article_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, row->model_version, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)i);
        bind_text_or_null(st, 4, day[0] ? day : NULL);
        bind_text_or_null(st, 5, json_string_value(json_object_get(q, "speaker")));
        bind_text_or_null(st, 6, sl);
        sqlite3_bind_double(st, 7, hard);
        bind_text_or_null(st, 8, tl);
        sqlite3_bind_double(st, 9, score);
        bind_text_or_null(st, 10, json_string_value(json_object_get(q, "text")));
        if (sqlite3_step(st) != SQLITE_DONE)
            return db_error(s, err, row->article_id);
    }
    s->rows_in_tx++;
    return ST_OK;
}

int st_store_commit_due(st_store *s)
{
    return s->in_tx && (s->rows_in_tx >= s->batch_rows || elapsed_ms(&s->tx_start) >= s->batch_ms);
}

void st_store_rollback(st_store *s)
{
    if (!s->in_tx)
        return;
    s->in_tx = 0;
    s->rows_in_tx = 0;
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}
