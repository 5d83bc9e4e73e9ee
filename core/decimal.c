/* decimal.c - exact, fast reading of decimal numbers (see st_decimal.h for the method). */
#include "st_decimal.h"

#include <float.h>
#include <stddef.h>
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

/* Appends the decimal digits at p to *m (wrapping past 2^64: the caller counts the digits) and
 * returns the first byte after them. Four digits per step while there are four (each test reads
 * a byte only after the one before it was a digit, so never past the string's NUL): one multiply
 * on the chain instead of four. */
static inline const char *digits(const char *p, uint64_t *m)
{
    uint64_t x = *m;
    while (is_digit(p[0]) && is_digit(p[1]) && is_digit(p[2]) && is_digit(p[3])) {
        x = x * 10000 +
            (uint64_t)((p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0'));
        p += 4;
    }
    for (; is_digit(*p); p++)
        x = x * 10 + (uint64_t)(*p - '0');
    *m = x;
    return p;
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
    /* m: the digits from the first non-zero one (at most MAX_DIGITS of them, else the slow path;
     * the ones past that wrap m, which is then not used), four at a time while there are four */
    uint64_t m = 0;
    const char *first = p, *lead;
    while (*p == '0')
        p++;
    lead = p;
    p = digits(p, &m);
    ptrdiff_t sig = p - lead, ndigits = p - first, e10 = 0;
    if (*p == '.') {
        const char *frac = ++p;
        if (sig == 0) /* zeros after the point and before the first non-zero digit */
            while (*p == '0')
                p++;
        lead = p;
        p = digits(p, &m);
        sig += p - lead;
        ndigits += p - frac;
        e10 = -(p - frac);
    }
    if (sig > MAX_DIGITS)
        goto slow;
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
    long double r = (long double)m; /* exact: m < 2^64 */
    if (e10 >= 0)
        r *= pow10l_exact[e10];
    else
        r /= pow10l_exact[-e10];
    double d = (double)r;
    if ((long double)d != r) {
        /* r is a midpoint iff o = 2r - d is d's neighbour, a double: r and d are multiples of r's
         * last place (r is normal: 1e-27 <= |r| < 2^64 * 1e27) and |r - d| <= half d's last place,
         * so o is exact, and lies strictly between d and its neighbour unless r is their midpoint
         * (also where d rounded up to a power of two). No nextafter call. */
        long double o = 2 * r - (long double)d;
        if ((long double)(double)o == o)
            goto slow;
    } else {
        /* r is a double: then d is right if long double arithmetic is as wide as declared, but
         * where it is not (valgrind, for one, runs x87 code in 64-bit doubles) every r is a double,
         * and may be twice rounded. Checked here, on each call (the library keeps no global
         * state), so the common case, r between two doubles, which narrow arithmetic never
         * gives, does not pay for it. */
        volatile long double one = 1, tiny = LDBL_EPSILON;
        if (one + tiny == one)
            goto slow;
    }
    if (end)
        *end = (char *)p;
    return neg ? -d : d;
slow:
#endif
    return strtod(s, end);
}
