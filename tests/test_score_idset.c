/* test_score_idset.c - the set of article keys of one stance-score run (score/idset.h): new, same
 * text, different text, where a key was first seen, and growth past the first table. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "idset.h"

#define LIT(s) s, sizeof(s) - 1

static void new_same_different(void **state)
{
    (void)state;
    st_idset *s = NULL;
    assert_int_equal(st_idset_new(&s), ST_OK);
    st_idset_result r;
    const char *src = NULL;
    long item = 0;
    assert_int_equal(st_idset_add(s, "a", LIT("One text."), "f.jsonl", 1, &r, &src, &item), ST_OK);
    assert_int_equal(r, ST_IDSET_NEW);
    assert_int_equal(st_idset_add(s, "b", LIT("One text."), "g.xml", 4, &r, &src, &item), ST_OK);
    assert_int_equal(r, ST_IDSET_NEW);
    assert_int_equal(st_idset_add(s, "a", LIT("One text."), "h.jsonl", 9, &r, &src, &item), ST_OK);
    assert_int_equal(r, ST_IDSET_SAME);
    assert_string_equal(src, "f.jsonl");
    assert_int_equal(item, 1);
    /* differs only after the first eight bytes, then only in the tail */
    assert_int_equal(st_idset_add(s, "b", LIT("One text!"), "h.jsonl", 10, &r, &src, &item), ST_OK);
    assert_int_equal(r, ST_IDSET_DIFFERENT);
    assert_string_equal(src, "g.xml");
    assert_int_equal(item, 4);
    assert_int_equal(st_idset_add(s, "a", LIT("One text. "), "h.jsonl", 11, &r, &src, &item), ST_OK);
    assert_int_equal(r, ST_IDSET_DIFFERENT);
    /* keys are compared whole: a prefix is another key */
    assert_int_equal(st_idset_add(s, "", LIT(""), "h.jsonl", 12, &r, &src, &item), ST_OK);
    assert_int_equal(r, ST_IDSET_NEW);
    assert_int_equal(st_idset_count(s), 3);
    st_idset_free(&s);
    assert_null(s);
    st_idset_free(&s);
}

static void grows_and_keeps_every_key(void **state)
{
    (void)state;
    st_idset *s = NULL;
    assert_int_equal(st_idset_new(&s), ST_OK);
    char key[32], src[32];
    st_idset_result r;
    const char *first = NULL;
    long item = 0;
    for (long i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "k%ld", i);
        snprintf(src, sizeof src, "file%ld", i / 1000);
        assert_int_equal(st_idset_add(s, key, key, strlen(key), src, i, &r, &first, &item), ST_OK);
        assert_int_equal(r, ST_IDSET_NEW);
    }
    assert_int_equal(st_idset_count(s), 20000);
    for (long i = 0; i < 20000; i += 7) {
        snprintf(key, sizeof key, "k%ld", i);
        snprintf(src, sizeof src, "file%ld", i / 1000);
        assert_int_equal(st_idset_add(s, key, key, strlen(key), "later", -1, &r, &first, &item), ST_OK);
        assert_int_equal(r, ST_IDSET_SAME);
        assert_string_equal(first, src);
        assert_int_equal(item, i);
    }
    assert_int_equal(st_idset_count(s), 20000);
    st_idset_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_same_different),
        cmocka_unit_test(grows_and_keeps_every_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
