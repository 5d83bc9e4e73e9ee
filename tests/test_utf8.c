/* test_utf8.c - UTF-8 validation, decoding, encoding and code point offsets (core/utf8.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "st_utf8.h"

/* A heap copy of exactly n bytes, so that ASan catches any read past the end. */
static char *exact(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);
    assert_non_null(p);
    memcpy(p, s, n);
    return p;
}

static void check_valid(const char *s, size_t n)
{
    char *p = exact(s, n);
    size_t bad = 12345;
    assert_int_equal(st_utf8_validate(p, n, &bad), ST_OK);
    assert_int_equal(bad, 12345); /* untouched on success */
    free(p);
}

static void check_invalid(const char *s, size_t n, size_t want_bad)
{
    char *p = exact(s, n);
    size_t bad = 12345;
    assert_int_equal(st_utf8_validate(p, n, &bad), ST_ERR_UTF8);
    assert_int_equal(bad, want_bad);
    assert_int_equal(st_utf8_validate(p, n, NULL), ST_ERR_UTF8);
    free(p);
}

static void test_validate_accepts(void **state)
{
    (void)state;
    check_valid("", 0);
    check_valid("plain ascii text, long enough for the 8-byte path", 50);
    check_valid("a\0b", 3); /* NUL is valid */
    check_valid("caf\xC3\xA9", 5);
    check_valid("\xE2\x82\xAC", 3);             /* U+20AC */
    check_valid("\xF0\x9F\x98\x80", 4);         /* U+1F600 */
    check_valid("\xF4\x8F\xBF\xBF", 4);         /* U+10FFFF */
    check_valid("\xED\x9F\xBF", 3);             /* U+D7FF, just below the surrogates */
    check_valid("\xEE\x80\x80", 3);             /* U+E000, just above */
    check_valid("\xC2\x80\xDF\xBF", 4);         /* U+0080, U+07FF */
    check_valid("\xE0\xA0\x80\xEF\xBF\xBF", 6); /* U+0800, U+FFFF */
}

static void test_validate_rejects(void **state)
{
    (void)state;
    check_invalid("\x80", 1, 0);             /* lone continuation */
    check_invalid("ab\xC0\x80", 4, 2);       /* overlong NUL */
    check_invalid("\xC1\xBF", 2, 0);         /* overlong */
    check_invalid("x\xE0\x80\x80", 4, 1);    /* overlong 3-byte */
    check_invalid("\xF0\x80\x80\x80", 4, 0); /* overlong 4-byte */
    check_invalid("\xED\xA0\x80", 3, 0);     /* surrogate U+D800 */
    check_invalid("\xED\xBF\xBF", 3, 0);     /* surrogate U+DFFF */
    check_invalid("\xF4\x90\x80\x80", 4, 0); /* U+110000 */
    check_invalid("\xF5\x80\x80\x80", 4, 0);
    check_invalid("\xFF", 1, 0);
    check_invalid("caf\xE9 au lait", 12, 3);           /* Latin-1 byte (E16) */
    check_invalid("ok \xE2\x82", 5, 3);                /* truncated at the end */
    check_invalid("\xE2\x82x", 3, 0);                  /* truncated in the middle */
    check_invalid("0123456789abcdefghij\x80", 21, 20); /* after the ASCII fast path */
}

static void test_next_decodes_and_replaces(void **state)
{
    (void)state;
    const char src[] = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"
                       "b";
    size_t n = sizeof src - 1;
    char *p = exact(src, n);
    const int32_t want[] = {'a', 0xE9, 0x20AC, 0x1F600, 'b'};
    const size_t want_pos[] = {1, 3, 6, 10, 11};
    size_t pos = 0;
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(st_utf8_next(p, n, &pos), want[i]);
        assert_int_equal(pos, want_pos[i]);
    }
    assert_int_equal(pos, n);
    free(p);

    /* invalid and truncated: U+FFFD, one byte each, never past len */
    const char bad[] = "\x80z\xE2\x82";
    p = exact(bad, 4);
    pos = 0;
    assert_int_equal(st_utf8_next(p, 4, &pos), 0xFFFD);
    assert_int_equal(pos, 1);
    assert_int_equal(st_utf8_next(p, 4, &pos), 'z');
    assert_int_equal(st_utf8_next(p, 4, &pos), 0xFFFD);
    assert_int_equal(pos, 3);
    assert_int_equal(st_utf8_next(p, 4, &pos), 0xFFFD);
    assert_int_equal(pos, 4);
    free(p);
}

static void test_prev_mirrors_next(void **state)
{
    (void)state;
    const char src[] = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"
                       "b";
    size_t n = sizeof src - 1, start;
    char *p = exact(src, n);
    const int32_t want[] = {'b', 0x1F600, 0x20AC, 0xE9, 'a'};
    const size_t want_start[] = {10, 6, 3, 1, 0};
    size_t pos = n;
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(st_utf8_prev(p, pos, &start), want[i]);
        assert_int_equal(start, want_start[i]);
        pos = start;
    }
    free(p);

    const char bad[] = "x\x82\xAC"; /* continuation bytes without a lead */
    p = exact(bad, 3);
    assert_int_equal(st_utf8_prev(p, 3, &start), 0xFFFD);
    assert_int_equal(start, 2);
    assert_int_equal(st_utf8_prev(p, 2, &start), 0xFFFD);
    assert_int_equal(start, 1);
    assert_int_equal(st_utf8_prev(p, 1, &start), 'x');
    assert_int_equal(start, 0);
    free(p);

    const char trunc[] = "\xE2\x82"; /* lead with a missing continuation */
    p = exact(trunc, 2);
    assert_int_equal(st_utf8_prev(p, 2, &start), 0xFFFD);
    assert_int_equal(start, 1);
    free(p);
}

static void test_encode(void **state)
{
    (void)state;
    char out[4];
    assert_int_equal(st_utf8_encode('A', out), 1);
    assert_int_equal((unsigned char)out[0], 'A');
    assert_int_equal(st_utf8_encode(0xE9, out), 2);
    assert_memory_equal(out, "\xC3\xA9", 2);
    assert_int_equal(st_utf8_encode(0x20AC, out), 3);
    assert_memory_equal(out, "\xE2\x82\xAC", 3);
    assert_int_equal(st_utf8_encode(0x1F600, out), 4);
    assert_memory_equal(out, "\xF0\x9F\x98\x80", 4);
    assert_int_equal(st_utf8_encode(0xD800, out), 0);
    assert_int_equal(st_utf8_encode(0xDFFF, out), 0);
    assert_int_equal(st_utf8_encode(0x110000, out), 0);
    assert_int_equal(st_utf8_encode(-1, out), 0);

    /* every scalar value round-trips through encode, validate and next */
    for (int32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        size_t n = st_utf8_encode(cp, out);
        assert_true(n >= 1 && n <= 4);
        assert_int_equal(st_utf8_validate(out, n, NULL), ST_OK);
        size_t pos = 0;
        assert_int_equal(st_utf8_next(out, n, &pos), cp);
        assert_int_equal(pos, n);
        size_t start;
        assert_int_equal(st_utf8_prev(out, n, &start), cp);
        assert_int_equal(start, 0);
    }
}

static void test_count(void **state)
{
    (void)state;
    assert_int_equal(st_utf8_count("", 0), 0);
    assert_int_equal(st_utf8_count("hello", 5), 5);
    assert_int_equal(st_utf8_count("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"
                                   "b",
                                   11),
                     5);
    assert_int_equal(st_utf8_count("a\x80"
                                   "b",
                                   3),
                     3);                               /* invalid byte counts one */
    assert_int_equal(st_utf8_count("\xE2\x82", 2), 2); /* truncated: one per byte */
    assert_int_equal(st_utf8_count("0123456789\xC3\xA9", 12), 11);
}

static void test_cursor(void **state)
{
    (void)state;
    const char src[] = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"
                       "b"; /* a é € 😀 b */
    size_t n = sizeof src - 1;
    char *p = exact(src, n);
    st_cp_cursor c;
    st_cp_cursor_init(&c, p, n);
    assert_int_equal(st_cp_cursor_at(&c, 0), 0);
    assert_int_equal(st_cp_cursor_at(&c, 1), 1);
    assert_int_equal(st_cp_cursor_at(&c, 2), 1); /* inside é */
    assert_int_equal(st_cp_cursor_at(&c, 3), 2);
    assert_int_equal(st_cp_cursor_at(&c, 5), 2); /* inside € */
    assert_int_equal(st_cp_cursor_at(&c, 6), 3);
    assert_int_equal(st_cp_cursor_at(&c, 9), 3); /* inside 😀 */
    assert_int_equal(st_cp_cursor_at(&c, 10), 4);
    assert_int_equal(st_cp_cursor_at(&c, 11), 5);
    assert_int_equal(st_cp_cursor_at(&c, 3), 2); /* backwards: restarts, still right */
    assert_int_equal(st_cp_cursor_at(&c, 11), 5);
    free(p);

    /* a long ASCII prefix then a non-ASCII letter, compared with st_utf8_count */
    char big[300];
    memset(big, 'x', 290);
    memcpy(big + 290, "\xC3\xA9yz", 4);
    st_cp_cursor_init(&c, big, 294);
    for (size_t b = 0; b <= 294; b++) {
        size_t want = b == 291 ? 290 : st_utf8_count(big, b);
        st_cp_cursor c2;
        st_cp_cursor_init(&c2, big, 294);
        assert_int_equal(st_cp_cursor_at(&c2, b), want);
        assert_int_equal(st_cp_cursor_at(&c, b), want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_accepts),
        cmocka_unit_test(test_validate_rejects),
        cmocka_unit_test(test_next_decodes_and_replaces),
        cmocka_unit_test(test_prev_mirrors_next),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_cursor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
