/* test_tokenize.c - the shared tokenizer (core/tokenize.c): cases E13-E16 of
 * ../shared/cases/README.md (inputs written here, not read from there), negation scope, NFC and
 * case folding, locale independence, and robustness on arbitrary bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "st_tokenize.h"
#include "st_utf8.h"

/* Tokenizes an exact-size heap copy of text[0..n) (so ASan sees any over-read) and returns the
 * tokens joined with single spaces (tokens never contain a space), malloc'd. */
static char *tokens_of_n(const st_tokenizer_config *cfg, const char *text, size_t n)
{
    char *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, text, n);
    st_tokens t;
    st_tokens_init(&t);
    assert_int_equal(st_tokenize(cfg, copy, n, &t), ST_OK);
    size_t total = 1;
    for (size_t i = 0; i < t.n; i++)
        total += t.len[i] + 1;
    char *out = malloc(total);
    assert_non_null(out);
    size_t at = 0;
    for (size_t i = 0; i < t.n; i++) {
        const char *tok = t.buf + t.off[i];
        assert_true(t.len[i] > 0);
        assert_int_equal(tok[t.len[i]], '\0');
        assert_int_equal(strlen(tok), t.len[i]);
        assert_int_equal(st_utf8_validate(tok, t.len[i], NULL), ST_OK);
        if (i)
            out[at++] = ' ';
        memcpy(out + at, tok, t.len[i]);
        at += t.len[i];
    }
    out[at] = '\0';
    st_tokens_free(&t);
    free(copy);
    return out;
}

static char *tokens_of(const char *text)
{
    return tokens_of_n(NULL, text, strlen(text));
}

#define EXPECT_TOKENS(text, want)                                                                            \
    do {                                                                                                     \
        char *got_ = tokens_of(text);                                                                        \
        assert_string_equal(got_, want);                                                                     \
        free(got_);                                                                                          \
    } while (0)

/* ---- E13: curly apostrophes, contractions and negation ---- */

static void test_e13_apostrophes_and_negation(void **state)
{
    (void)state;
    const char *want = "the minister won't NOT_back NOT_the NOT_plan";
    EXPECT_TOKENS("The minister won\u2019t back the plan.", want);  /* (a) U+2019 */
    EXPECT_TOKENS("The minister won't back the plan.", want);       /* (b) U+0027 */
    EXPECT_TOKENS("The minister won\u2018t back the plan.", want);  /* (c) U+2018 */
    EXPECT_TOKENS("The minister won \u2019t back the plan.", want); /* (d) repaired */
    EXPECT_TOKENS("The minister won\u02BCt back the plan.", want);  /* U+02BC */
    EXPECT_TOKENS("The minister won`t back the plan.", want);       /* U+0060 */
    EXPECT_TOKENS("The minister won\u00B4t back the plan.", want);  /* U+00B4 */
    EXPECT_TOKENS("The minister didn 't back the plan.", "the minister didn't NOT_back NOT_the NOT_plan");
    /* the scope ends at clause punctuation, and only there */
    EXPECT_TOKENS("It wasn\u2019t fair, she said; we agree", "it wasn't NOT_fair she said we agree");
    EXPECT_TOKENS("Nobody wants war: peace now", "nobody NOT_wants NOT_war peace now");
    EXPECT_TOKENS("I cannot accept this \u2014 ever", "i cannot NOT_accept NOT_this ever");
    EXPECT_TOKENS("We never said that! Really?", "we never NOT_said NOT_that really");
    EXPECT_TOKENS("no deal\u2026 yet", "no NOT_deal yet");
    EXPECT_TOKENS("dont go there", "dont NOT_go NOT_there");
    EXPECT_TOKENS("NOT ACCEPTABLE", "not NOT_acceptable");
    /* possessives and trailing apostrophes start nothing */
    EXPECT_TOKENS("The ministers\u2019 plan", "the ministers plan");
    EXPECT_TOKENS("The minister\u2019s plan isn't it", "the minister plan isn't NOT_it");
    EXPECT_TOKENS("\u2018Quoted words\u2019 here", "quoted words here");
    EXPECT_TOKENS("'tis the rock 'n' roll", "tis the rock n roll");
    /* the repair needs a token ending in 'n' and a lone "t" after nothing but spaces */
    EXPECT_TOKENS("the plan 'tomorrow' won", "the plan tomorrow won");
    EXPECT_TOKENS("open, 't'", "open t");
}

static void test_e13_identical_lists(void **state)
{
    (void)state;
    char *a = tokens_of("The minister won\u2019t back the plan.");
    char *b = tokens_of("The minister won't back the plan.");
    char *c = tokens_of("The minister won\u2018t back the plan.");
    char *d = tokens_of("The minister won \u2019t back the plan.");
    assert_string_equal(a, b);
    assert_string_equal(a, c);
    assert_string_equal(a, d);
    free(a);
    free(b);
    free(c);
    free(d);
}

/* ---- E14: space-like and invisible characters ---- */

static void test_e14_spaces_and_invisibles(void **state)
{
    (void)state;
    EXPECT_TOKENS("Lena Ortiz co-founded\u00A0Varlo Labs in 2004.",
                  "lena ortiz co-founded varlo labs in 2004");
    EXPECT_TOKENS("Le vote aura-t-il lieu\u202F?", "le vote aura-t-il lieu");
    EXPECT_TOKENS("Turnout\u200Bfell sharply", "turnout fell sharply");
    EXPECT_TOKENS("a refer\u00ADendum on Sunday", "a referendum on sunday");
    EXPECT_TOKENS("\uFEFF"
                  "Council votes today",
                  "council votes today");
    EXPECT_TOKENS("two\u2009words and\u3000more", "two words and more");
    /* other deleted format characters and joiners outside emoji */
    EXPECT_TOKENS("word\u2060joiner and zw\u200Cnj and zw\u200Dj", "wordjoiner and zwnj and zwj");
    EXPECT_TOKENS("mid\uFEFFdle", "middle");
    EXPECT_TOKENS("tab\there\r\nnew\u2028line\u2029para\xC2\x85nel", "tab here new line para nel");
    EXPECT_TOKENS("figure\u2007space narrow\u202Fnbsp ideographic\u3000space",
                  "figure space narrow nbsp ideographic space");
}

static void test_e14_no_invisible_in_tokens(void **state)
{
    (void)state;
    const char *text = "co-founded\u00A0Varlo lieu\u202F? Turnout\u200Bfell refer\u00ADendum \uFEFF"
                       "Council two\u2009words and\u3000more";
    static const char *const forbidden[] = {"\u00A0", "\u202F", "\u2009", "\u3000",
                                            "\u200B", "\u00AD", "\uFEFF"};
    char *got = tokens_of(text);
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
        assert_null(strstr(got, forbidden[i]));
    assert_string_equal(got, "co-founded varlo lieu turnout fell referendum council two words and more");
    free(got);
}

/* ---- E15: dashes vs hyphens ---- */

static void test_e15_dashes(void **state)
{
    (void)state;
    EXPECT_TOKENS("The deal\u2014which was rushed\u2014collapsed.", "the deal which was rushed collapsed");
    EXPECT_TOKENS("A well-known, long-serving MP", "a well-known long-serving mp");
    EXPECT_TOKENS("decent--let alone well-bred--people", "decent let alone well-bred people");
    EXPECT_TOKENS("pages 10\u201312", "pages 10 12");
    EXPECT_TOKENS("\u2014Yo me llamo Emilio \u2014murmur\u00F3 el ni\u00F1o\u2014.",
                  "yo me llamo emilio murmur\u00F3 el ni\u00F1o");
    /* Unicode hyphens inside a word are '-'; a hyphen outside a word is a dash */
    EXPECT_TOKENS("well\u2010known non\u2011stop", "well-known non-stop");
    EXPECT_TOKENS("the plan - which failed - and -x- y-", "the plan which failed and x y");
    EXPECT_TOKENS("figure\u2012dash horizontal\u2015bar two\u2E3Aem", "figure dash horizontal bar two em");
    /* a dash ends a negation scope like a comma */
    EXPECT_TOKENS("not here\u2014there", "not NOT_here there");
    EXPECT_TOKENS("not well-known", "not NOT_well-known");
}

/* ---- E16: non-ASCII letters, emoji, invalid bytes ---- */

static void test_e16_letters(void **state)
{
    (void)state;
    EXPECT_TOKENS("\u0417\u0410\u042F\u0412\u041B\u0415\u041D\u0418\u0415 "
                  "\u041C\u0438\u043D\u0438\u0441\u0442\u0440\u0430",
                  "\u0437\u0430\u044F\u0432\u043B\u0435\u043D\u0438\u0435 "
                  "\u043C\u0438\u043D\u0438\u0441\u0442\u0440\u0430");
    EXPECT_TOKENS("Caf\u00E9 CR\u00C8ME", "caf\u00E9 cr\u00E8me");
    EXPECT_TOKENS("\u0391\u0398\u0389\u039D\u0391 \u03A3\u039F\u03A6\u039F\u03A3", /* ΑΘΉΝΑ ΣΟΦΟΣ */
                  "\u03B1\u03B8\u03AE\u03BD\u03B1 \u03C3\u03BF\u03C6\u03BF\u03C3");
    EXPECT_TOKENS("STRASSE Stra\u00DFe", "strasse strasse");    /* full case folding */
    EXPECT_TOKENS("\u0130STANBUL Irak", "i\u0307stanbul irak"); /* İ folds to i + U+0307 */
    EXPECT_TOKENS("\u6771\u4EAC\u90FD \u0645\u0631\u062D\u0628\u0627",
                  "\u6771\u4EAC\u90FD \u0645\u0631\u062D\u0628\u0627");
    EXPECT_TOKENS(
        "\u0928\u092E\u0938\u094D\u0924\u0947 \u0926\u0941\u0928\u093F\u092F\u093E", /* marks stay in words */
        "\u0928\u092E\u0938\u094D\u0924\u0947 \u0926\u0941\u0928\u093F\u092F\u093E");
    EXPECT_TOKENS("\uFF37\uFF49\uFF44\uFF45 \u00BD \u00B2",
                  "\uFF57\uFF49\uFF44\uFF45 \u00BD \u00B2"); /* NFC, not NFKC */
}

static void test_e16_nfc(void **state)
{
    (void)state;
    /* decomposed and precomposed forms give the same token */
    EXPECT_TOKENS("Cafe\u0301 CRE\u0300ME", "caf\u00E9 cr\u00E8me");
    EXPECT_TOKENS("\u1100\u1161\u11A8", "\uAC01");                               /* Hangul jamo -> 각 */
    EXPECT_TOKENS("a\u0323\u0302 a\u0302\u0323 \u1EAD", "\u1EAD \u1EAD \u1EAD"); /* canonical order */
    EXPECT_TOKENS("\u212B\u2126", "\u00E5\u03C9"); /* singletons: Å Ω, folded */
    char *a = tokens_of("re\u0301sume\u0301 ANGSTRO\u0308M");
    char *b = tokens_of("r\u00E9sum\u00E9 \u00C5ngstr\u00F6m");
    assert_string_equal(a, "r\u00E9sum\u00E9 angstr\u00F6m");
    assert_string_equal(b, "r\u00E9sum\u00E9 \u00E5ngstr\u00F6m");
    free(a);
    free(b);
}

static void test_e16_emoji(void **state)
{
    (void)state;
    EXPECT_TOKENS(
        "Great result \U0001F44D\U0001F3FD for the team \U0001F468\u200D\U0001F469\u200D\U0001F467",
        "great result \U0001F44D\U0001F3FD for the team \U0001F468\u200D\U0001F469\u200D\U0001F467");
    EXPECT_TOKENS("flags \U0001F1EB\U0001F1F7\U0001F1E9\U0001F1EA!",
                  "flags \U0001F1EB\U0001F1F7 \U0001F1E9\U0001F1EA");
    EXPECT_TOKENS("love\u2764\uFE0Fit", "love \u2764\uFE0F it");
    EXPECT_TOKENS("\U0001F600\U0001F600", "\U0001F600 \U0001F600");
    EXPECT_TOKENS("ok \U0001F44D\u200D", "ok \U0001F44D"); /* a dangling ZWJ is dropped */
    EXPECT_TOKENS("not \U0001F44D.", "not NOT_\U0001F44D");
}

static void test_e16_invalid_bytes(void **state)
{
    (void)state;
    EXPECT_TOKENS("caf\xE9 au lait", "caf au lait");
    EXPECT_TOKENS("\xFF\xFE"
                  "abc\x80"
                  "def\xC3",
                  "abc def");
    EXPECT_TOKENS("trunc\xE2\x82", "trunc");
    EXPECT_TOKENS("\xF0\x9F\x91", "");
    EXPECT_TOKENS("\U0001F44D\xCC", "\U0001F44D");
    EXPECT_TOKENS("surrogate\xED\xA0\x80x", "surrogate x");
    char *got = tokens_of_n(NULL, "nul\0byte", 8);
    assert_string_equal(got, "nul byte");
    free(got);
}

/* A small deterministic PRNG (xorshift64*), so the test does not depend on rand(). */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

/* pieces that exercise every path of the tokenizer */
static const char *const pieces[] = {
    "won",    "\u2019",     "'",          "t",      " ",      "-",     "--",   "\u2014",   "\u00AD",
    "\u200D", "\U0001F44D", "\U0001F3FD", "\u0301", "e",      "\xC3",  "\x80", "\xF0\x9F", "not",
    ".",      "\u0130",     "\u00DF",     "\uFEFF", "\u200B", "A",     "9",    "s",        "?",
    "!",      "\"",         "(",          "\u2026", "$",      "\uFFFD"};

/* Writes into buf (cap >= 200 bytes) up to 200 bytes of pieces glued at random with random bytes;
 * returns the length in bytes. */
static size_t random_text(uint64_t *seed, char *buf, size_t cap)
{
    size_t n = 0, want = next_rand(seed) % 200;
    while (n < want) {
        uint64_t r = next_rand(seed);
        if (r % 4 == 0) {
            buf[n++] = (char)(r >> 8);
            continue;
        }
        const char *p = pieces[(r >> 8) % (sizeof pieces / sizeof pieces[0])];
        size_t pl = strlen(p);
        if (n + pl > cap)
            break;
        memcpy(buf + n, p, pl);
        n += pl;
    }
    return n;
}

static void test_random_bytes_are_safe(void **state)
{
    (void)state;
    uint64_t seed = 0x1234567887654321ULL;
    char buf[512];
    st_tokens t;
    st_tokens_init(&t);
    for (int round = 0; round < 3000; round++) {
        size_t n = random_text(&seed, buf, sizeof buf);
        char *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, buf, n);
        assert_int_equal(st_tokenize(NULL, copy, n, &t), ST_OK);
        for (size_t i = 0; i < t.n; i++) {
            const char *tok = t.buf + t.off[i];
            assert_true(t.len[i] > 0);
            assert_int_equal(st_utf8_validate(tok, t.len[i], NULL), ST_OK);
            assert_null(memchr(tok, ' ', t.len[i]));
            assert_null(strstr(tok, "\u00AD"));
            assert_null(strstr(tok, "\uFEFF"));
            assert_null(strstr(tok, "\u200B"));
            assert_true(t.off[i] + t.len[i] < t.buf_len || (t.off[i] + t.len[i] + 1 == t.buf_len));
        }
        /* the same bytes always give the same tokens (no hidden state) */
        char *a = tokens_of_n(NULL, copy, n);
        char *b = tokens_of_n(NULL, copy, n);
        assert_string_equal(a, b);
        free(a);
        free(b);
        free(copy);
    }
    st_tokens_free(&t);
}

/* A non-ASCII word becomes exactly what utf8proc_map gives with COMPOSE|CASEFOLD (NFC of the
 * case-folded canonical decomposition), checked on random words mixing many scripts, marks in
 * any order, Hangul jamo, ligatures and the special foldings (ß, İ, ſ, Kelvin sign, Cherokee). */
static void test_words_match_utf8proc_map(void **state)
{
    (void)state;
    static const int32_t ranges[][2] = {
        {0x41, 0x5A},     {0xC0, 0xFF},     {0x100, 0x17F},   {0x300, 0x36F},   {0x386, 0x3CE},
        {0x400, 0x4FF},   {0x531, 0x556},   {0x587, 0x587},   {0x10A0, 0x10C5}, {0x1100, 0x1112},
        {0x1161, 0x1175}, {0x11A8, 0x11C2}, {0x13A0, 0x13F5}, {0x1E00, 0x1EFF}, {0x1F00, 0x1FFC},
        {0x2126, 0x212B}, {0xAB70, 0xABBF}, {0xAC00, 0xAC20}, {0xFB00, 0xFB06}, {0x0900, 0x097F},
    };
    enum { NR = sizeof ranges / sizeof ranges[0] };
    uint64_t seed = 99;
    st_tokens t;
    st_tokens_init(&t);
    int checked = 0;
    for (int round = 0; round < 20000; round++) {
        char word[128];
        size_t n = 0;
        int len = 1 + (int)(next_rand(&seed) % 8);
        for (int k = 0; k < len; k++) {
            const int32_t *r = ranges[next_rand(&seed) % NR];
            int32_t cp = r[0] + (int32_t)(next_rand(&seed) % (uint64_t)(r[1] - r[0] + 1));
            utf8proc_category_t cat = utf8proc_category(cp);
            int letter = cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
            int mark = cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME;
            if (!(letter || (mark && n > 0)))
                continue; /* a word starts with a letter and holds letters and marks only */
            n += st_utf8_encode(cp, word + n);
        }
        if (n == 0)
            continue;
        utf8proc_uint8_t *want = NULL;
        utf8proc_ssize_t wl = utf8proc_map((const utf8proc_uint8_t *)word, (utf8proc_ssize_t)n, &want,
                                           UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
        assert_true(wl > 0);
        assert_int_equal(st_tokenize(NULL, word, n, &t), ST_OK);
        assert_int_equal(t.n, 1);
        assert_int_equal(t.len[0], (size_t)wl);
        assert_memory_equal(t.buf + t.off[0], want, (size_t)wl);
        free(want);
        checked++;
    }
    assert_true(checked > 10000);
    st_tokens_free(&t);
}

/* ---- configuration, reuse, edge cases ---- */

static void test_config_switches(void **state)
{
    (void)state;
    st_tokenizer_config c = st_tokenizer_config_default();
    assert_int_equal(c.casefold, 1);
    assert_int_equal(c.negation, 1);
    c.negation = 0;
    const char *text = "The Minister won\u2019t back CAF\u00C9 plans.";
    char *got = tokens_of_n(&c, text, strlen(text));
    assert_string_equal(got, "the minister won't back caf\u00E9 plans");
    free(got);
    c.negation = 1;
    c.casefold = 0;
    got = tokens_of_n(&c, text, strlen(text));
    assert_string_equal(got, "The Minister won't NOT_back NOT_CAF\u00C9 NOT_plans");
    free(got);
    got = tokens_of_n(&c, "NEVER Again", 11);
    assert_string_equal(got, "NEVER NOT_Again");
    free(got);
}

static void test_punct_tokens(void **state)
{
    (void)state;
    st_tokenizer_config c = st_tokenizer_config_default();
    assert_int_equal(c.punct, 0);
    const char *text = "Could you help?! I don't agree (really)... \u201CNo\u201D \u2014 $5, 50% off?";
    char *got = tokens_of_n(&c, text, strlen(text));
    assert_string_equal(got, "could you help i don't NOT_agree NOT_really no 5 50 off");
    free(got);
    c.punct = 1; /* '?' and '!' only; clause punctuation ends the scope before its token */
    got = tokens_of_n(&c, text, strlen(text));
    assert_string_equal(got, "could you help ? ! i don't NOT_agree NOT_really no 5 50 off ?");
    free(got);
    c.punct = 2; /* every mark and symbol, as is; '(' inside the scope is prefixed like a word */
    got = tokens_of_n(&c, text, strlen(text));
    assert_string_equal(
        got, "could you help ? ! i don't NOT_agree NOT_( NOT_really NOT_) . . . \u201C no NOT_\u201D "
             "\u2014 $ 5 , 50 % off ?");
    free(got);
    /* words keep their inner apostrophes and hyphens, the repair still joins, an apostrophe or
     * hyphen outside a word is a token; invalid bytes and U+FFFD never are; emoji stay one token */
    text = "didn 't - well-known 'x' \xFF\uFFFD \U0001F44D\U0001F3FD!";
    got = tokens_of_n(&c, text, strlen(text));
    assert_string_equal(got, "didn't - well-known ' x ' \U0001F44D\U0001F3FD !");
    free(got);
    c.negation = 0;
    c.casefold = 0;
    got = tokens_of_n(&c, "Not (OK)?", strlen("Not (OK)?"));
    assert_string_equal(got, "Not ( OK ) ?");
    free(got);
    c.punct = 1;
    text = "Why\uFF1F \u00BFwhy?";
    got = tokens_of_n(&c, text, strlen(text));
    assert_string_equal(got, "Why why ?"); /* only the ASCII marks at level 1 */
    free(got);
}

/* Punctuation tokens only add tokens: the words (and their NOT_ marks) are those of punct = 0, in
 * order, and every added token is one code point that is no letter, digit or mark (after a
 * possible NOT_ prefix), on random texts. */
static void test_punct_adds_only_punctuation(void **state)
{
    (void)state;
    uint64_t seed = 0x0BADC0FFEE15600DULL;
    char buf[512];
    st_tokenizer_config off = st_tokenizer_config_default();
    int added = 0;
    for (int round = 0; round < 3000; round++) {
        size_t n = random_text(&seed, buf, sizeof buf);
        st_tokens a, b;
        st_tokens_init(&a);
        st_tokens_init(&b);
        st_tokenizer_config on = off;
        on.punct = 1 + round % 2;
        assert_int_equal(st_tokenize(&off, buf, n, &a), ST_OK);
        assert_int_equal(st_tokenize(&on, buf, n, &b), ST_OK);
        size_t i = 0;
        for (size_t j = 0; j < b.n; j++) {
            const char *tok = b.buf + b.off[j];
            if (i < a.n && a.len[i] == b.len[j] && memcmp(a.buf + a.off[i], tok, a.len[i]) == 0) {
                i++;
                continue;
            }
            size_t pre = b.len[j] > 4 && memcmp(tok, "NOT_", 4) == 0 ? 4 : 0;
            size_t q = pre;
            int32_t cp = st_utf8_next(tok, b.len[j], &q);
            assert_int_equal(q, b.len[j]);
            assert_true(cp != 0xFFFD);
            int cat = utf8proc_get_property(cp)->category;
            assert_true(cat < UTF8PROC_CATEGORY_LU || cat > UTF8PROC_CATEGORY_NO);
            if (on.punct == 1)
                assert_true(pre == 0 && (cp == '?' || cp == '!'));
            added++;
        }
        assert_int_equal(i, a.n);
        st_tokens_free(&a);
        st_tokens_free(&b);
    }
    assert_true(added > 1000);
}

static void test_config_equal(void **state)
{
    (void)state;
    st_tokenizer_config a = st_tokenizer_config_default(), b = a;
    assert_true(st_tokenizer_config_equal(&a, &b));
    b.punct = 1;
    assert_false(st_tokenizer_config_equal(&a, &b));
    b = a;
    b.negation = 0;
    assert_false(st_tokenizer_config_equal(&a, &b));
    b = a;
    b.casefold = 0;
    assert_false(st_tokenizer_config_equal(&a, &b));
}

static void test_empty_and_punctuation(void **state)
{
    (void)state;
    EXPECT_TOKENS("", "");
    EXPECT_TOKENS("   \t\n", "");
    EXPECT_TOKENS("... -- !!! \u2014 \u00AB\u00BB \u201C\u201D", "");
    EXPECT_TOKENS("x", "x");
    EXPECT_TOKENS("under_score and#hash e-mail@example.com", "under score and hash e-mail example com");
    EXPECT_TOKENS("3.5 million, 10:30 o'clock", "3 5 million 10 30 o'clock");
}

static void test_reuse_and_layout(void **state)
{
    (void)state;
    st_tokens t;
    st_tokens_init(&t);
    assert_int_equal(st_tokenize(NULL, "one two three", 13, &t), ST_OK);
    assert_int_equal(t.n, 3);
    assert_int_equal(st_tokenize(NULL, "four", 4, &t), ST_OK); /* replaces, not appends */
    assert_int_equal(t.n, 1);
    assert_string_equal(t.buf + t.off[0], "four");
    assert_int_equal(t.len[0], 4);
    assert_int_equal(t.buf_len, 5);
    /* tokens are back to back, each NUL-terminated */
    assert_int_equal(st_tokenize(NULL, "a bb ccc", 8, &t), ST_OK);
    assert_int_equal(t.off[0], 0);
    assert_int_equal(t.off[1], 2);
    assert_int_equal(t.off[2], 5);
    assert_memory_equal(t.buf, "a\0bb\0ccc\0", 9);
    /* a long text grows the buffers; the result is still exact */
    size_t n = 200000;
    char *big = malloc(n);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = (i % 7 == 6) ? ' ' : (char)('a' + i % 7);
    assert_int_equal(st_tokenize(NULL, big, n, &t), ST_OK);
    assert_int_equal(t.n, (n + 6) / 7);
    assert_string_equal(t.buf + t.off[t.n - 2], "abcdef");
    assert_string_equal(t.buf + t.off[t.n - 1], "abc"); /* 200000 = 7 * 28571 + 3 */
    free(big);
    st_tokens_free(&t);
    assert_int_equal(t.n, 0);
    assert_null(t.buf);
    st_tokens_free(&t); /* twice is fine */
}

/* ---- E16: identical output under any locale ---- */

static void test_locale_independence(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "\u0417\u0410\u042F\u0412\u041B\u0415\u041D\u0418\u0415 "
        "\u041C\u0438\u043D\u0438\u0441\u0442\u0440\u0430",
        "Caf\u00E9 CR\u00C8ME",
        "Great result \U0001F44D\U0001F3FD for the team \U0001F468\u200D\U0001F469\u200D\U0001F467",
        "caf\xE9 au lait",
        "IRAK \u0130STANBUL Istanbul I\u0307 \u0131",
        "The minister won\u2019t back the plan.",
        "\xC4\xD6\xDC \xE4\xF6\xFC ISO-8859-1 bytes DIE STRASSE",
    };
    enum { N = sizeof texts / sizeof texts[0] };
    char *base[N];
    const char *saved = setlocale(LC_ALL, NULL);
    char *restore = saved ? strdup(saved) : NULL;
    assert_non_null(setlocale(LC_ALL, "C"));
    for (size_t i = 0; i < N; i++)
        base[i] = tokens_of(texts[i]);
    static const char *const locales[] = {"C.UTF-8", "tr_TR.UTF-8", "de_DE.ISO-8859-1", "de_DE.UTF-8",
                                          "POSIX"};
    int tried = 0;
    for (size_t l = 0; l < sizeof locales / sizeof locales[0]; l++) {
        if (!setlocale(LC_ALL, locales[l])) {
            printf("# locale %s is not installed: skipped\n", locales[l]);
            continue;
        }
        tried++;
        for (size_t i = 0; i < N; i++) {
            char *got = tokens_of(texts[i]);
            assert_string_equal(got, base[i]);
            free(got);
        }
    }
    assert_true(tried >= 1); /* C.UTF-8 or POSIX is always there */
    setlocale(LC_ALL, restore ? restore : "C");
    free(restore);
    for (size_t i = 0; i < N; i++)
        free(base[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_e13_apostrophes_and_negation),
        cmocka_unit_test(test_e13_identical_lists),
        cmocka_unit_test(test_e14_spaces_and_invisibles),
        cmocka_unit_test(test_e14_no_invisible_in_tokens),
        cmocka_unit_test(test_e15_dashes),
        cmocka_unit_test(test_e16_letters),
        cmocka_unit_test(test_e16_nfc),
        cmocka_unit_test(test_e16_emoji),
        cmocka_unit_test(test_e16_invalid_bytes),
        cmocka_unit_test(test_random_bytes_are_safe),
        cmocka_unit_test(test_words_match_utf8proc_map),
        cmocka_unit_test(test_config_switches),
        cmocka_unit_test(test_punct_tokens),
        cmocka_unit_test(test_punct_adds_only_punctuation),
        cmocka_unit_test(test_config_equal),
        cmocka_unit_test(test_empty_and_punctuation),
        cmocka_unit_test(test_reuse_and_layout),
        cmocka_unit_test(test_locale_independence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
