/* st_decimal.h - exact, fast reading of decimal numbers (the weights and idf of model files).
 *
 * The model loaders read about 130,000 numbers printed with "%.17g"; glibc's strtod takes its
 * multi-precision path for nearly every one of them (17 significant digits), which was a quarter
 * of the time to load the default models. st_decimal_parse returns the same double as strtod, bit
 * for bit, and takes a short exact path for the common case. */
#ifndef ST_DECIMAL_H
#define ST_DECIMAL_H

/* Reads the decimal number at s like strtod in the "C" locale: *end (when end is not NULL) is set
 * past the last byte used, or to s when no number was read (then 0 is returned). The result is the
 * double nearest to the decimal value (ties to even), bit-identical to strtod's.
 *
 * Method: a number of at most 19 significant digits m (an integer, exact in a long double of at
 * least 64 bits) and a decimal exponent e with |e| <= 27 (10^|e| = 2^|e| 5^|e| is then exact too)
 * is computed as one correctly rounded long double product or quotient r = RN64(m * 10^e), then
 * rounded to double. Double rounding can only go wrong when r lands exactly on a midpoint between
 * two doubles (every midpoint is a long double, and RN64 is monotonic, so any other r is on the
 * same side of every midpoint as the exact value); that case, and every other form (more digits,
 * larger exponents, hexadecimal, inf, nan, no long double of 64 bits, or long double arithmetic
 * that is narrower than declared, as under valgrind), goes to strtod, under the
 * calling thread's locale: callers reading files set "C" with uselocale(3) first. See Clinger,
 * "How to read floating point numbers accurately" (PLDI 1990) for the fast-path idea; this
 * extends it from 53-bit to 64-bit operands with the midpoint test.
 *
 * Errors: as strtod's (errno ERANGE on overflow or underflow, from the strtod path only: the
 * short path never overflows or underflows). Thread-safe; no allocation. */
double st_decimal_parse(const char *s, char **end);

#endif
