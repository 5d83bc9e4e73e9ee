/* test_decimal.c - st_decimal_parse returns strtod's double bit for bit, and stops where it stops. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st_decimal.h"

/* Checks that s gives strtod's bits and end offset. */
static void check_same(const char *s)
{
    char *e1, *e2;
    double a = strtod(s, &e1), b = st_decimal_parse(s, &e2);
    uint64_t ba, bb;
    memcpy(&ba, &a, 8);
    memcpy(&bb, &b, 8);
    if (ba != bb || e1 != e2)
        fail_msg("\"%s\": strtod %a (end +%td), st_decimal_parse %a (end +%td)", s, a, e1 - s, b, e2 - s);
}

/* A fixed xorshift64* stream, so every run tests the same numbers. */
static uint64_t next(uint64_t *x)
{
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * 2685821657736338717ull;
}

static void test_printed_doubles_round_trip(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ull;
    char buf[64];
    const char *formats[] = {"%.17g", "%.16g", "%.15g", "%.9g", "%.3g", "%.17e", "%.20f"};
    for (int i = 0; i < 300000; i++) {
        /* doubles over the whole range of exponents the model files use, and beyond */
        double mag = ldexp((double)(next(&x) >> 11), -53) * pow(10.0, (double)((int)(next(&x) % 80) - 40));
        double v = next(&x) & 1 ? -mag : mag;
        snprintf(buf, sizeof buf, formats[i % 7], v);
        check_same(buf);
        if (i % 7 == 0) {
            char *end;
            double back = st_decimal_parse(buf, &end);
            assert_true(back == v); /* %.17g round-trips */
        }
    }
}

static void test_midpoints_and_hard_cases(void **state)
{
    (void)state;
    /* exact midpoints between two doubles (ties to even), and numbers just beside them */
    const char *cases[] = {"9007199254740993",
                           "9007199254740993.0000000001",
                           "9007199254740992.9999999999",
                           "9007199254740995",
                           "1.00000000000000011102230246251565404236316680908203125",
                           "1.0000000000000001110223024625156540",
                           "1.0000000000000001110223024625156541",
                           "2.2250738585072011e-308",
                           "2.2250738585072014e-308",
                           "1e23",
                           "8.589973e9",
                           "0.1",
                           "0.30000000000000004",
                           "5e-324",
                           "1.7976931348623157e308",
                           "1e309",
                           "-1e-400",
                           "123456789012345678901234567890",
                           "0.000000000000000000000000000123",
                           "1e27",
                           "1e28",
                           "1e-27",
                           "1e-28",
                           "18446744073709551615",
                           "9999999999999999999",
                           "99999999999999999999",
                           "0",
                           "-0",
                           "+0.0e5",
                           "00012.5000",
                           "-.5",
                           ".5",
                           "5.",
                           "1e",
                           "1e+",
                           "1e-x",
                           "1.5e+3x",
                           "inf",
                           "-infinity",
                           "nan",
                           "0x1p-3",
                           "",
                           "-",
                           "+",
                           ".",
                           "e5",
                           " 1.5",
                           "3.14\t2",
                           "1e2147483648",
                           "1e-99999999999"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_same(cases[i]);
    /* every midpoint of a run of consecutive doubles near 1, 1e10 and 1e-10, printed exactly */
    double starts[] = {1.0, 1e10, 1e-10, 123.456};
    char buf[1100];
    for (size_t k = 0; k < sizeof starts / sizeof starts[0]; k++) {
        double d = starts[k];
        for (int i = 0; i < 2000; i++) {
            double up = nextafter(d, HUGE_VAL);
            long double mid = ((long double)d + up) / 2;
            snprintf(buf, sizeof buf, "%.40Lg", mid);
            check_same(buf);
            d = up;
        }
    }
}

/* Numbers of at most 19 significant digits (the short path's) at and beside the midpoints between
 * two doubles: the exact midpoints above 2^53 as integers, and the same digits with the decimal
 * point or an exponent moved by up to 27 places, where the long double result may land on a
 * midpoint that the exact value is not on (or beside one it is on); and digit strings of every
 * length with runs of zeros and nines (the four-digits-a-step reader). */
static void test_short_numbers_near_midpoints(void **state)
{
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    char buf[96], digits[32];
    for (int i = 0; i < 20000; i++) {
        int b = 53 + (int)(next(&x) % 10);                            /* d in [2^b, 2^(b+1)), b <= 62 */
        uint64_t ulp = (uint64_t)1 << (b - 52);
        uint64_t d = ((uint64_t)1 << b) + (next(&x) % ((uint64_t)1 << 52)) * ulp;
        uint64_t mid = d + ulp / 2 + (uint64_t)((int)(next(&x) % 3) - 1); /* the midpoint or beside it */
        snprintf(digits, sizeof digits, "%llu", (unsigned long long)mid);
        check_same(digits);
        int k = 1 + (int)(next(&x) % 27), len = (int)strlen(digits);
        snprintf(buf, sizeof buf, "%se-%d", digits, k);
        check_same(buf);
        snprintf(buf, sizeof buf, "%se%d", digits, k);
        check_same(buf);
        if (k < len) { /* the point k digits from the end */
            snprintf(buf, sizeof buf, "%.*s.%s", len - k, digits, digits + len - k);
            check_same(buf);
        }
        snprintf(buf, sizeof buf, "-0.%0*d%s", k % 8, 0, digits); /* zeros before the digits */
        check_same(buf);
    }
    for (int len = 1; len <= 22; len++)
        for (int r = 0; r < 400; r++) {
            for (int j = 0; j < len; j++) {
                uint64_t t = next(&x) % 10;
                digits[j] = (char)('0' + (t < 4 ? 0 : t < 8 ? 9 : next(&x) % 10));
            }
            digits[len] = '\0';
            snprintf(buf, sizeof buf, "%s", digits);
            check_same(buf);
            int k = (int)(next(&x) % (unsigned)(len + 1));
            snprintf(buf, sizeof buf, "%.*s.%se%d", k, digits, digits + k, (int)(next(&x) % 61) - 30);
            check_same(buf);
        }
}

static void test_errors_as_strtod(void **state)
{
    (void)state;
    errno = 0;
    char *end;
    double v = st_decimal_parse("1e400", &end);
    assert_true(isinf(v));
    assert_int_equal(errno, ERANGE);
    errno = 0;
    v = st_decimal_parse("0.25", NULL);
    assert_true(v == 0.25);
    assert_int_equal(errno, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_printed_doubles_round_trip),
        cmocka_unit_test(test_midpoints_and_hard_cases),
        cmocka_unit_test(test_short_numbers_near_midpoints),
        cmocka_unit_test(test_errors_as_strtod),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
