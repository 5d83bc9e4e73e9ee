/* test_support.h - helpers shared by the cmocka tests that train models into a temporary folder.
 * Include after <cmocka.h>. */
#ifndef ST_TEST_SUPPORT_H
#define ST_TEST_SUPPORT_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Fails the test unless |a - b| <= eps, printing both values with 17 digits. */
#define assert_close(a, b, eps)                                                                              \
    do {                                                                                                     \
        double a_ = (a), b_ = (b);                                                                           \
        if (!(fabs(a_ - b_) <= (eps)))                                                                       \
            fail_msg("%s = %.17g, expected %.17g (+/- %g)", #a, a_, b_, (double)(eps));                      \
    } while (0)

/* The test's temporary folder (/tmp/st_test_NAME_XXXXXX), made by st_tmpdir_make. */
static char tmpdir[256];

/* Makes tmpdir for the test program `name`. Returns 0 or -1. */
static inline int st_tmpdir_make(const char *name)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/st_test_%s_XXXXXX", name);
    return mkdtemp(tmpdir) ? 0 : -1;
}

/* cmocka group teardown: removes tmpdir and everything in it. */
static inline int remove_tmpdir(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* tmpdir/name in one of four rotating static buffers (valid until the fourth call after). */
static inline const char *in_tmp(const char *name)
{
    static char path[4][512];
    static int turn;
    turn = (turn + 1) % 4;
    snprintf(path[turn], sizeof path[turn], "%s/%s", tmpdir, name);
    return path[turn];
}

#endif
