/* test_score_feedparser.c - the feed reader against a peer's independently written fixtures
 * (../shared/data/feedparser-tests, feedparser's own suite): every file parses or fails with a
 * per-file error, never a crash, and every entry of expectations.json yields its expected_text.
 * Skips (77) when the shared folder is absent. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "feed.h"

#define FIXTURES ST_SHARED_DIR "/data/feedparser-tests"

typedef struct collect {
    st_article *first;
    size_t articles, errors;
    char last_error[600];
} collect;

static st_status on_article(st_article *a, void *ud)
{
    collect *c = ud;
    if (!c->first)
        c->first = a;
    else
        st_article_free(a);
    c->articles++;
    return ST_OK;
}

static void on_error(const st_error *e, void *ud)
{
    collect *c = ud;
    c->errors++;
    snprintf(c->last_error, sizeof c->last_error, "%s:%ld: %s", e->where, e->line, e->message);
}

static void read_file(const char *path, collect *c)
{
    memset(c, 0, sizeof *c);
    st_reader r = {.format = ST_IN_AUTO, .on_article = on_article, .on_error = on_error, .ud = c};
    st_error err;
    st_status rc = st_read_path(&r, path, &err);
    assert_int_equal(rc, ST_OK);
}

/* Collapses runs of white space to one space and trims, in place. */
static void squash(char *s)
{
    char *o = s;
    int space = 0;
    for (char *p = s; *p; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') {
            space = 1;
            continue;
        }
        if (space && o != s)
            *o++ = ' ';
        space = 0;
        *o++ = *p;
    }
    *o = '\0';
}

static void expectations(void **state)
{
    (void)state;
    json_error_t jerr;
    json_t *all = json_load_file(FIXTURES "/expectations.json", 0, &jerr);
    assert_non_null(all);
    size_t total = json_array_size(all), pass = 0;
    assert_true(total >= 100);
    for (size_t i = 0; i < total; i++) {
        json_t *e = json_array_get(all, i);
        const char *file = json_string_value(json_object_get(e, "file"));
        const char *field = json_string_value(json_object_get(e, "field"));
        const char *want = json_string_value(json_object_get(e, "expected_text"));
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", FIXTURES, file);
        collect c;
        read_file(path, &c);
        const char *got = NULL;
        if (c.first) {
            st_article *a = c.first;
            if (strcmp(field, "title") == 0)
                got = a->title;
            else if (strcmp(field, "content") == 0)
                got = a->content;
            else if (strcmp(field, "summary") == 0)
                got = a->summary;
            else /* feedparser's "description": the summary, else the content */
                got = a->summary ? a->summary : a->content;
        }
        char *g = strdup(got ? got : ""), *w = strdup(want);
        squash(g);
        squash(w);
        if (c.first && strcmp(g, w) == 0)
            pass++;
        else
            printf("FAIL %s [%s]: got \"%s\", want \"%s\"%s%s\n", file, field, c.first ? g : "(no entry)", w,
                   c.errors ? "; error: " : "", c.errors ? c.last_error : "");
        free(g);
        free(w);
        st_article_free(c.first);
    }
    printf("feedparser expectations: %zu of %zu pass (%.1f%%)\n", pass, total,
           100.0 * (double)pass / (double)total);
    json_decref(all);
    assert_true(pass * 100 >= total * 95);
}

static void walk(const char *dir, size_t *files, size_t *ok, size_t *failed, size_t *articles)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            walk(path, files, ok, failed, articles);
            continue;
        }
        size_t n = strlen(path);
        if (n < 4 || strcmp(path + n - 4, ".xml") != 0)
            continue;
        collect c;
        read_file(path, &c);
        (*files)++;
        *articles += c.articles;
        if (c.errors) {
            (*failed)++;
            if (getenv("ST_VERBOSE"))
                printf("  error: %s\n", c.last_error);
            /* a per-file error names the file */
            assert_non_null(strstr(c.last_error, e->d_name));
        } else {
            (*ok)++;
        }
        st_article_free(c.first);
    }
    closedir(d);
}

static void every_file_parses_or_fails_cleanly(void **state)
{
    (void)state;
    size_t files = 0, ok = 0, failed = 0, articles = 0;
    walk(FIXTURES "/wellformed", &files, &ok, &failed, &articles);
    printf("wellformed: %zu files, %zu without error, %zu with a reported error, %zu articles\n", files, ok,
           failed, articles);
    assert_true(files > 500);
    size_t wf_ok = ok;
    files = ok = failed = articles = 0;
    walk(FIXTURES "/illformed", &files, &ok, &failed, &articles);
    printf("illformed: %zu files, %zu without error, %zu with a reported error, %zu articles\n", files, ok,
           failed, articles);
    assert_true(files >= 19);
    assert_true(wf_ok > 0);
}

int main(void)
{
    if (access(FIXTURES "/expectations.json", R_OK) != 0) {
        printf("skipped: %s is absent\n", FIXTURES);
        return 77;
    }
    xmlInitParser();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(expectations),
        cmocka_unit_test(every_file_parses_or_fails_cleanly),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return failed;
}
