/* decimal.c - exact, fast reading of decimal numbers (see st_decimal.h for the method). */
#include "st_decimal.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define MAX_DIGITS 19 /* significant digits that fit a uint64_t: 10^19 - 1 < 2^64 */
#define MAX_POW10 27  /* 5^27 < 2^63: 10^e exact in a 64-bit-mantissa long double for e <= 27 */

/* 10^0 .. 10^27, each exact (the literals are converted correctly rounded, and each is exact). */
static const long double pow10l_exact[MAX_POW10 + 1] = {
    1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
    1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L,
};

static inline int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

double st_decimal_parse(const char *s, char **end)
{
#if LDBL_MANT_DIG >= 64
    const char *p = s;
    int neg = 0;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        goto slow; /* hexadecimal */
    uint64_t m = 0;
    int sig = 0, e10 = 0, ndigits = 0;
    for (; is_digit(*p); p++, ndigits++) {
        if (sig == MAX_DIGITS)
            goto slow;
        m = m * 10 + (uint64_t)(*p - '0');
        sig += m != 0; /* leading zeros are not significant */
    }
    if (*p == '.') {
        for (p++; is_digit(*p); p++, ndigits++) {
            if (sig == MAX_DIGITS)
                goto slow;
            m = m * 10 + (uint64_t)(*p - '0');
            sig += m != 0;
            e10--;
        }
    }
    if (ndigits == 0)
        goto slow; /* "inf", "nan", "." or no number: strtod's answer */
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        int eneg = 0, x = 0;
        if (*q == '-' || *q == '+')
            eneg = *q++ == '-';
        if (!is_digit(*q))
            goto slow; /* "1e" or "1e+": strtod stops before the 'e' */
        for (; is_digit(*q); q++) {
            if (x > 1000)
                goto slow;
            x = x * 10 + (*q - '0');
        }
        e10 += eneg ? -x : x;
        p = q;
    }
    if (m == 0) {
        if (end)
            *end = (char *)p;
        return neg ? -0.0 : 0.0;
    }
    if (e10 < -MAX_POW10 || e10 > MAX_POW10)
        goto slow;
    /* long double arithmetic as wide as declared (valgrind, for one, runs x87 code in 64-bit
     * doubles): checked on each call, as the library keeps no global state */
    volatile long double one = 1, tiny = LDBL_EPSILON;
    if (one + tiny == one)
        goto slow;
    long double r = (long double)m; /* exact: m < 2^64 */
    if (e10 >= 0)
        r *= pow10l_exact[e10];
    else
        r /= pow10l_exact[-e10];
    double d = (double)r;
    if ((long double)d != r) {
        /* the midpoint between d and its neighbour on r's side is exact in a long double */
        double other = nextafter(d, r > (long double)d ? HUGE_VAL : -HUGE_VAL);
        if (((long double)d + (long double)other) / 2 == r)
            goto slow;
    }
    if (end)
        *end = (char *)p;
    return neg ? -d : d;
slow:
#endif
    return strtod(s, end);
}
