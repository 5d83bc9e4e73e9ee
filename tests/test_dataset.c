/* test_dataset.c - dataset loading: TSV, CSV, JSON Lines, fastText, folders, bad lines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "st_dataset.h"

/* Collected warnings: "basename:line" joined by spaces, for one-line assertions. */
typedef struct warnings {
    char text[2048];
    int n;
} warnings;

static void collect(const st_error *e, void *ud)
{
    warnings *w = ud;
    const char *base = strrchr(e->where, '/');
    base = base ? base + 1 : e->where;
    size_t used = strlen(w->text);
    snprintf(w->text + used, sizeof w->text - used, "%s%s:%ld", w->n ? " " : "", base, e->line);
    w->n++;
}

static char tmpdir[256];

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/st_test_dataset_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes len bytes to tmpdir/name (creating sub-folders named in it) and returns the path. */
static const char *write_file(const char *name, const char *bytes, size_t len)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    for (char *s = path + strlen(tmpdir) + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(path, 0755);
            *s = '/';
        }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    fclose(f);
    return path;
}
#define WRITE(name, lit) write_file(name, lit, sizeof lit - 1)

static void assert_example(const st_dataset *ds, size_t i, const char *label, const char *text)
{
    assert_true(i < ds->n);
    assert_string_equal(ds->label_names[ds->labels[i]], label);
    assert_string_equal(ds->texts[i], text);
    assert_int_equal(ds->lens[i], strlen(text));
}

static void test_tsv_bom_crlf_blank_truncated(void **state)
{
    (void)state;
    const char *p = WRITE("a.tsv", "\xEF\xBB\xBFpos\tA good day for the harbour\r\n"
                                   "\r\n"
                                   "neg\tA bad day\r\n"
                                   "this line has no tab\r\n"
                                   "pos\t   \r\n"
                                   "neu\tThe text\tan extra column\n"
                                   "  \n"
                                   "pos\tbroken \xff byte\n"
                                   "neg\tlast line without a newline");
    st_dataset ds;
    st_dataset_init(&ds);
    warnings w = {{0}, 0};
    st_error err;
    assert_int_equal(st_dataset_load(&ds, p, collect, &w, &err), ST_OK);
    assert_int_equal(ds.n, 4);
    assert_example(&ds, 0, "pos", "A good day for the harbour");
    assert_example(&ds, 1, "neg", "A bad day");
    assert_example(&ds, 2, "neu", "The text");
    assert_example(&ds, 3, "neg", "last line without a newline");
    assert_int_equal(ds.n_labels, 3);
    assert_string_equal(ds.label_names[0], "pos"); /* first appearance, not sorted */
    assert_string_equal(ds.label_names[1], "neg");
    assert_string_equal(ds.label_names[2], "neu");
    assert_string_equal(w.text, "a.tsv:4 a.tsv:5 a.tsv:8");
    st_dataset_free(&ds);
    assert_int_equal(ds.n, 0);
    assert_null(ds.texts);
}

static void test_csv_quotes_and_header(void **state)
{
    (void)state;
    const char *p = WRITE("b.csv", "id,Text,label\r\n"
                                   "1,\"Hello, world\",pos\r\n"
                                   "2,\"multi\nline \"\"quoted\"\"\",neg\n"
                                   "3,short\n"
                                   "\n"
                                   "4,plain text,neu\n"
                                   "5,\"unterminated,pos\n");
    st_dataset ds;
    st_dataset_init(&ds);
    warnings w = {{0}, 0};
    assert_int_equal(st_dataset_load(&ds, p, collect, &w, NULL), ST_OK);
    assert_int_equal(ds.n, 3);
    assert_example(&ds, 0, "pos", "Hello, world");
    assert_example(&ds, 1, "neg", "multi\nline \"quoted\"");
    assert_example(&ds, 2, "neu", "plain text");
    assert_string_equal(w.text, "b.csv:5 b.csv:8"); /* record 2 spans lines 3-4 */
    st_dataset_free(&ds);

    p = WRITE("nohead.csv", "label,body\npos,x\n");
    w.text[0] = '\0';
    w.n = 0;
    assert_int_equal(st_dataset_load(&ds, p, collect, &w, NULL), ST_OK);
    assert_int_equal(ds.n, 0);
    assert_string_equal(w.text, "nohead.csv:1");
    st_dataset_free(&ds);
}

static void test_jsonl(void **state)
{
    (void)state;
    const char *p = WRITE("c.jsonl", "{\"label\": \"a\", \"text\": \"first text\"}\n"
                                     "not json at all\n"
                                     "{\"label\": 1, \"text\": \"numeric label\"}\r\n"
                                     "{\"text\": \"no label\"}\n"
                                     "[1, 2]\n"
                                     "{\"label\": \"b\", \"text\": \"caf\\u00e9 \\\"quoted\\\"\"}");
    st_dataset ds;
    st_dataset_init(&ds);
    warnings w = {{0}, 0};
    assert_int_equal(st_dataset_load(&ds, p, collect, &w, NULL), ST_OK);
    assert_int_equal(ds.n, 3);
    assert_example(&ds, 0, "a", "first text");
    assert_example(&ds, 1, "1", "numeric label");
    assert_example(&ds, 2, "b", "caf\xC3\xA9 \"quoted\"");
    assert_string_equal(w.text, "c.jsonl:2 c.jsonl:4 c.jsonl:5");
    st_dataset_free(&ds);
}

static void test_fasttext(void **state)
{
    (void)state;
    /* .txt is TSV by extension, but a first line starting with __label__ makes it fastText */
    const char *p = WRITE("d.txt", "__label__pos the council agreed\n"
                                   "__label__neg  talks collapsed again \n"
                                   "no label on this line\n"
                                   "__label__a __label__b two labels\n"
                                   "__label__pos\n");
    st_dataset ds;
    st_dataset_init(&ds);
    warnings w = {{0}, 0};
    assert_int_equal(st_dataset_load(&ds, p, collect, &w, NULL), ST_OK);
    assert_int_equal(ds.n, 2);
    assert_example(&ds, 0, "pos", "the council agreed");
    assert_example(&ds, 1, "neg", "talks collapsed again");
    assert_string_equal(w.text, "d.txt:3 d.txt:4 d.txt:5");
    st_dataset_free(&ds);
}

static void test_folder_sorted_recursive(void **state)
{
    (void)state;
    WRITE("dir/z.tsv", "x\tfrom z\n");
    WRITE("dir/a.csv", "label,text\nx,from a\n");
    WRITE("dir/m/inner.jsonl", "{\"label\":\"y\",\"text\":\"from m/inner\"}\n");
    WRITE("dir/README.md", "x\tnot a dataset\n");
    WRITE("dir/.hidden.tsv", "x\thidden\n");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/dir", tmpdir);
    st_dataset ds;
    st_dataset_init(&ds);
    warnings w = {{0}, 0};
    assert_int_equal(st_dataset_load(&ds, dir, collect, &w, NULL), ST_OK);
    assert_int_equal(ds.n, 3);
    assert_example(&ds, 0, "x", "from a");
    assert_example(&ds, 1, "y", "from m/inner");
    assert_example(&ds, 2, "x", "from z");
    assert_int_equal(w.n, 0);
    /* loading appends */
    assert_int_equal(st_dataset_load(&ds, dir, collect, &w, NULL), ST_OK);
    assert_int_equal(ds.n, 6);
    st_dataset_free(&ds);
}

static void test_missing_path(void **state)
{
    (void)state;
    st_dataset ds;
    st_dataset_init(&ds);
    st_error err;
    char p[512];
    snprintf(p, sizeof p, "%s/does-not-exist.tsv", tmpdir);
    assert_int_equal(st_dataset_load(&ds, p, NULL, NULL, &err), ST_ERR_IO);
    assert_string_equal(err.where, p);
    st_dataset_free(&ds);
}

static void test_add_errors(void **state)
{
    (void)state;
    st_dataset ds;
    st_dataset_init(&ds);
    assert_int_equal(st_dataset_add(&ds, "pos", "", 0), ST_ERR_EMPTY);
    assert_int_equal(st_dataset_add(&ds, "pos", " \t ", 3), ST_ERR_EMPTY);
    assert_int_equal(st_dataset_add(&ds, "", "text", 4), ST_ERR_EMPTY);
    assert_int_equal(st_dataset_add(&ds, "pos", "bad \xc3", 5), ST_ERR_UTF8);
    assert_int_equal(st_dataset_add(&ds, "p\tos", "text", 4), ST_ERR_INVALID);
    assert_int_equal(st_dataset_add(&ds, "pos", "a\0b", 3), ST_ERR_INVALID);
    assert_int_equal(ds.n, 0);
    assert_int_equal(ds.n_labels, 0);
    assert_int_equal(st_dataset_add(&ds, "pos", "text and more", 4), ST_OK); /* len counts, not NUL */
    assert_string_equal(ds.texts[0], "text");
    st_dataset_free(&ds);
}

static void test_sha256(void **state)
{
    (void)state;
    st_dataset ds;
    st_dataset_init(&ds);
    assert_int_equal(st_dataset_add(&ds, "pos", "hello", 5), ST_OK);
    assert_int_equal(st_dataset_add(&ds, "neg", "bad day", 7), ST_OK);
    char hex[65];
    st_dataset_sha256(&ds, hex);
    /* python3: hashlib.sha256(b"pos\thello\nneg\tbad day\n").hexdigest() */
    assert_string_equal(hex, "753c6963ce21c7bde94ffb63ef77d59f7460094a9a29cc96a79b8f6c7ae3fd06");
    st_dataset_free(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tsv_bom_crlf_blank_truncated),
        cmocka_unit_test(test_csv_quotes_and_header),
        cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_fasttext),
        cmocka_unit_test(test_folder_sorted_recursive),
        cmocka_unit_test(test_missing_path),
        cmocka_unit_test(test_add_errors),
        cmocka_unit_test(test_sha256),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
