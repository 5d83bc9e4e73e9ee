/* store.h - the SQLite store of stance-score results and the per-speaker, per-day report.
 *
 * Schema (created when missing; WAL journal, synchronous=NORMAL, one writer):
 *   articles(article_id, model_version, source, item, title, url, published, day, scored_at,
 *            n_quotes, result)       PRIMARY KEY (article_id, model_version)
 *   quotes(article_id, model_version, idx, day, speaker, stance, hardline, sentiment,
 *          sentiment_score, text)    PRIMARY KEY (article_id, model_version, idx)
 * article_id is the article key (guid, else url, else "sha256:" + hex of the text); model_version
 * names both models ("stance:<version>+sentiment:<version>"). A put is an upsert of the article
 * row and a replacement of its quote rows, so scoring an article again never counts it twice.
 * day is the UTC date (YYYY-MM-DD) of published, else of scored_at. hardline is P(hardline) (1/0 by
 * label when the model has no probabilities); sentiment_score is P(positive) - P(negative) (+1/-1/0
 * by label without probabilities), the same quantity as the /classify summary's mean_sentiment. */
#ifndef ST_SCORE_STORE_H
#define ST_SCORE_STORE_H

#include <stdio.h>

#include <jansson.h>

#include "st_common.h"

typedef struct st_store st_store;

/* Opens (creating when absent, unless readonly) the database at path and its schema. *out is owned
 * by the caller (st_store_close). Errors: ST_ERR_IO (err names the path and SQLite's message). One
 * st_store must be used by one thread at a time; a reader and a writer may be open at once. */
st_status st_store_open(const char *path, int readonly, st_store **out, st_error *err);

/* Commits any open transaction, closes, frees *ps (NULL is fine) and sets it to NULL. */
void st_store_close(st_store **ps);

/* 1 when (article_id, model_version) is stored and committed, 0 when not, -1 on a database error. */
int st_store_has(st_store *s, const char *article_id, const char *model_version);

/* What one put stores besides the result JSON. Strings may be NULL except the first two. */
typedef struct st_store_row {
    const char *article_id, *model_version;
    const char *source;
    long item;
    const char *title, *url, *published; /* published: "YYYY-MM-DDTHH:MM:SSZ" or NULL */
    const char *scored_at;               /* "YYYY-MM-DDTHH:MM:SSZ" */
    const json_t *result;                /* the output object: its "quotes" array is stored row by row */
    const char *result_text;             /* its serialised form (stored as is) */
} st_store_row;

/* Upserts one article inside the current batch transaction (opened on demand, committed only by
 * st_store_commit, so the caller can first make what goes with it durable, e.g. flush the output).
 * Errors: ST_ERR_IO (err has SQLite's message). */
st_status st_store_put(st_store *s, const st_store_row *row, st_error *err);

/* 1 when the open transaction holds batch_rows puts or opened batch_ms milliseconds ago or more
 * (time to commit), else 0. */
int st_store_commit_due(st_store *s);

/* Commits the open batch transaction, if any. Errors: ST_ERR_IO. */
st_status st_store_commit(st_store *s, st_error *err);

/* Rolls the open batch transaction back, if any (after a fatal error: what it held is not kept). */
void st_store_rollback(st_store *s);

/* Batch limits for st_store_commit_due (defaults 200 rows, 1000 ms). */
void st_store_set_batch(st_store *s, int batch_rows, int batch_ms);

typedef struct st_report_options {
    const char *since;   /* keep days >= this date (any form st_date_to_utc reads); NULL = all */
    const char *speaker; /* keep this speaker only (case-insensitive); NULL = all */
    const char *model;   /* model_version; NULL = the one of the most recently scored article */
    int json;            /* 1: JSON, 0: a text table */
} st_report_options;

/* Writes the per-speaker, per-day report of the database at path to out: for each speaker (by
 * name) and day, the quote count, the count per stance label, the mean P(hardline) and the mean
 * sentiment score, then per speaker the change of the daily mean P(hardline) from its first to its
 * last day (positive = hardening). Numbers are written locale-independently. Errors: ST_ERR_IO
 * (cannot open or query), ST_ERR_INVALID (since is not a date), ST_ERR_EMPTY (no scored
 * article). */
st_status st_report(const char *path, const st_report_options *opt, FILE *out, st_error *err);

#endif
