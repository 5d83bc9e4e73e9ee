/* test_lexicon.c - word lists as category tokens (core/lexicon.c, and its use by core/features.c):
 * loading (valence signs, normalised terms, skipped entries, duplicates, errors), category tokens,
 * vocabularies built with a lexicon (terms, save/load round trip, same vectors after loading,
 * groups), and the real lexicons of ../shared/data/lexicons. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "st_features.h"
#include "st_lexicon.h"
#include "test_support.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static st_lexicon *load(const char *content, const st_tokenizer_config *tok)
{
    const char *p = in_tmp("lex.tsv");
    write_file(p, content);
    st_lexicon *lex = NULL;
    st_error err = {0};
    assert_int_equal(st_lexicon_load(p, tok, &lex, &err), ST_OK);
    assert_non_null(lex);
    return lex;
}

static const char *find(const st_lexicon *lex, const char *w)
{
    return st_lexicon_find(lex, w, strlen(w));
}

static void test_load_labels_and_terms(void **state)
{
    (void)state;
    st_tokenizer_config tok = st_tokenizer_config_default();
    st_lexicon *lex = load("-2\tabandon\n"
                           "3\ta+\n"        /* a word with punctuation: skipped, "a" is no entry */
                           "1.5\t:)\n"      /* punctuation alone: no token, skipped */
                           "0\tmeh\n"       /* valence 0: no entry */
                           "3\tSuperb\n"    /* case folded like the text */
                           "2\tvery good\n" /* two tokens: skipped */
                           "positive\tfine\r\n"
                           "negative\tfine\n" /* a duplicate keeps the first */
                           "\n"
                           "anger\tfurious\n"
                           "-1\tabandon\n",
                           &tok);
    assert_int_equal(st_lexicon_size(lex), 4);
    assert_string_equal(find(lex, "abandon"), "negative");
    assert_string_equal(find(lex, "superb"), "positive");
    assert_string_equal(find(lex, "fine"), "positive");
    assert_string_equal(find(lex, "furious"), "anger");
    assert_string_equal(find(lex, "NOT_furious"), "anger"); /* the negation prefix is ignored */
    assert_null(find(lex, "meh"));
    assert_null(find(lex, "Superb"));
    assert_null(find(lex, "very"));
    assert_null(find(lex, "a"));
    assert_null(find(lex, "NOT_"));
    st_lexicon_free(&lex);
    assert_null(lex);
    st_lexicon_free(&lex); /* NULL is fine */
}

static void check_load_error(const char *content, st_status want, long want_line)
{
    const char *p = in_tmp("bad.tsv");
    write_file(p, content);
    st_tokenizer_config tok = st_tokenizer_config_default();
    st_lexicon *lex = (st_lexicon *)&lex;
    st_error err = {0};
    assert_int_equal(st_lexicon_load(p, &tok, &lex, &err), want);
    assert_null(lex);
    assert_int_equal(err.line, want_line);
    assert_string_equal(err.where, p);
}

static void test_load_errors(void **state)
{
    (void)state;
    check_load_error("positive\tgood\nno tab here\n", ST_ERR_FORMAT, 2);
    check_load_error("Positive\tgood\n", ST_ERR_FORMAT, 1); /* labels are lower case */
    check_load_error("pos itive\tgood\n", ST_ERR_FORMAT, 1);
    check_load_error("positive\tgo\xff"
                     "od\n",
                     ST_ERR_FORMAT, 1);                           /* invalid UTF-8 */
    check_load_error("0\tgood\n2\tvery good\n", ST_ERR_EMPTY, 0); /* no entry */
    check_load_error("", ST_ERR_EMPTY, 0);
    char many[2048] = "";
    for (int c = 0; c <= ST_LEXICON_MAX_CATEGORIES; c++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "cat%d\tword%c\n", c, 'a' + c);
    check_load_error(many, ST_ERR_FORMAT, ST_LEXICON_MAX_CATEGORIES + 1);
    st_tokenizer_config tok = st_tokenizer_config_default();
    st_lexicon *lex = (st_lexicon *)&lex;
    st_error err = {0};
    assert_int_equal(st_lexicon_load(in_tmp("absent.tsv"), &tok, &lex, &err), ST_ERR_IO);
    assert_null(lex);
}

static void test_category_tokens(void **state)
{
    (void)state;
    st_tokenizer_config tok = st_tokenizer_config_default();
    st_lexicon *lex = load("positive\tgood\nnegative\tbad\n", &tok);
    st_tokens in, out;
    st_tokens_init(&in);
    st_tokens_init(&out);
    const char *text = "Good talks, not bad at all; bad faith";
    assert_int_equal(st_tokenize(&tok, text, strlen(text), &in), ST_OK);
    assert_int_equal(st_lexicon_tokens(lex, &in, &out), ST_OK);
    static const char *const want[] = {"good",          "talks",         "not",          "NOT_bad",
                                       "NOT_at",        "NOT_all",       "bad",          "faith",
                                       "#lex:positive", "#lex:negative", "#lex:negative"};
    assert_int_equal(out.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < out.n; i++) {
        assert_int_equal(out.len[i], strlen(want[i]));
        assert_string_equal(out.buf + out.off[i], want[i]); /* NUL-terminated like st_tokenize's */
    }
    text = "nothing to see";
    assert_int_equal(st_tokenize(&tok, text, strlen(text), &in), ST_OK);
    assert_int_equal(st_lexicon_tokens(lex, &in, &out), ST_OK);
    assert_int_equal(out.n, 3);
    assert_string_equal(out.buf + out.off[2], "NOT_see");
    st_tokens_free(&in);
    st_tokens_free(&out);
    st_lexicon_free(&lex);
}

static const char *const docs[] = {"a good deal for both sides", "a bad deal, the union said",
                                   "bad faith and bad terms",    "the talks went well",
                                   "not a good offer at all",    "good news"};
enum { N_DOCS = sizeof docs / sizeof docs[0] };

static st_vocab *build(const st_featurizer_config *cfg, const st_lexicon *lex)
{
    size_t lens[N_DOCS];
    for (size_t i = 0; i < N_DOCS; i++)
        lens[i] = strlen(docs[i]);
    st_vocab *v = NULL;
    assert_int_equal(st_vocab_build_lexicon(cfg, lex, docs, lens, N_DOCS, &v), ST_OK);
    return v;
}

static int lookup(const st_vocab *v, const char *term)
{
    return st_vocab_lookup(v, term, strlen(term));
}

static void same_vectors(const st_vocab *a, const st_vocab *b, const char *text)
{
    st_featurize_scratch *s;
    assert_int_equal(st_featurize_scratch_new(&s), ST_OK);
    st_svec x, y;
    st_svec_init(&x);
    st_svec_init(&y);
    assert_int_equal(st_featurize(a, text, strlen(text), s, &x), ST_OK);
    assert_int_equal(st_featurize(b, text, strlen(text), s, &y), ST_OK);
    assert_int_equal(x.n, y.n);
    assert_memory_equal(x.index, y.index, x.n * sizeof *x.index);
    assert_memory_equal(x.value, y.value, x.n * sizeof *x.value);
    st_svec_free(&x);
    st_svec_free(&y);
    st_featurize_scratch_free(&s);
}

static void test_vocab_with_lexicon(void **state)
{
    (void)state;
    st_featurizer_config cfg = st_featurizer_config_default();
    cfg.min_df = 1;
    st_lexicon *lex = load("positive\tgood\npositive\twell\nnegative\tbad\n", &cfg.tok);
    st_vocab *v = build(&cfg, lex), *plain = build(&cfg, NULL);
    assert_ptr_equal(st_vocab_lexicon(plain), NULL);
    assert_true(st_lexicon_equal(st_vocab_lexicon(v), lex));
    /* the category tokens come after the text's tokens: terms of their own and in n-grams */
    int pos = lookup(v, "#lex:positive"), neg = lookup(v, "#lex:negative");
    assert_true(pos > 0 && neg > 0);
    assert_int_equal(st_vocab_df(v, pos), 4);
    assert_int_equal(st_vocab_df(v, neg), 2);
    assert_true(lookup(v, "terms #lex:negative") > 0);
    assert_true(lookup(v, "#lex:negative #lex:negative") > 0);
    assert_int_equal(lookup(plain, "#lex:positive"), 0);
    /* 2 categories and 7 bigrams: sides, said, terms, well, NOT_all, news + a category, and the
     * two categories of "bad faith and bad terms" */
    assert_int_equal(st_vocab_size(v), st_vocab_size(plain) + 2 + 7);
    assert_int_equal(st_vocab_same_terms(v, plain), 0);

    /* "not good": NOT_good still gives #lex:positive; an unknown text gives only its category */
    st_featurize_scratch *s;
    assert_int_equal(st_featurize_scratch_new(&s), ST_OK);
    st_svec x;
    st_svec_init(&x);
    assert_int_equal(st_featurize(v, "well", 4, s, &x), ST_OK);
    assert_int_equal(x.n, 3); /* well, #lex:positive, "well #lex:positive" */
    assert_int_equal(st_featurize(v, "zzz splendid", 12, s, &x), ST_OK);
    assert_int_equal(x.n, 0);
    st_svec_free(&x);
    st_featurize_scratch_free(&s);

    /* saved with the lexicon, loaded back: the same vectors; saved again: the same bytes */
    const char *p1 = in_tmp("v1.tsv"), *p2 = in_tmp("v2.tsv");
    assert_int_equal(st_vocab_save(v, p1), ST_OK);
    st_vocab *w = NULL;
    st_error err = {0};
    assert_int_equal(st_vocab_load(p1, &w, &err), ST_OK);
    assert_true(st_lexicon_equal(st_vocab_lexicon(w), lex));
    assert_true(st_vocab_same_terms(v, w));
    for (size_t i = 0; i < N_DOCS; i++)
        same_vectors(v, w, docs[i]);
    same_vectors(v, w, "Not well, not good: bad!");
    assert_int_equal(st_vocab_save(w, p2), ST_OK);
    FILE *f1 = fopen(p1, "rb"), *f2 = fopen(p2, "rb");
    assert_non_null(f1);
    assert_non_null(f2);
    char b1[8192], b2[8192];
    size_t n1 = fread(b1, 1, sizeof b1, f1), n2 = fread(b2, 1, sizeof b2, f2);
    fclose(f1);
    fclose(f2);
    assert_int_equal(n1, n2);
    assert_memory_equal(b1, b2, n1);
    b1[n1] = '\0';
    assert_non_null(strstr(b1, "\tlexicon=3\n"));
    assert_non_null(strstr(b1, "\nnegative\tbad\npositive\tgood\npositive\twell\n"));

    /* a group of two vocabularies with the lexicon gives what each gives alone */
    const st_vocab *pair[2] = {v, w};
    st_vocab_group *g = NULL;
    assert_int_equal(st_vocab_group_new(pair, 2, &g), ST_OK);
    assert_int_equal(st_featurize_scratch_new(&s), ST_OK);
    st_svec gv[2], one;
    st_svec_init(&gv[0]);
    st_svec_init(&gv[1]);
    st_svec_init(&one);
    st_tokens toks;
    st_tokens_init(&toks);
    const char *text = "a good deal, not bad";
    assert_int_equal(st_tokenize(&cfg.tok, text, strlen(text), &toks), ST_OK);
    assert_int_equal(st_featurize_group_tokens(g, &toks, s, gv), ST_OK);
    assert_int_equal(st_featurize(v, text, strlen(text), s, &one), ST_OK);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(gv[k].n, one.n);
        assert_memory_equal(gv[k].index, one.index, one.n * sizeof *one.index);
        assert_memory_equal(gv[k].value, one.value, one.n * sizeof *one.value);
    }
    /* a good deal not, both categories (NOT_bad is unknown); bigrams "a good" and "good deal" */
    assert_int_equal(one.n, 8);
    const st_vocab *mixed[2] = {v, plain};
    st_vocab_group *bad = (st_vocab_group *)&bad;
    assert_int_equal(st_vocab_group_new(mixed, 2, &bad), ST_ERR_INVALID);
    st_tokens_free(&toks);
    st_svec_free(&gv[0]);
    st_svec_free(&gv[1]);
    st_svec_free(&one);
    st_featurize_scratch_free(&s);
    st_vocab_group_free(&g);

    /* a lexicon tokenized with other settings is refused */
    st_featurizer_config other = cfg;
    other.tok.punct = 2;
    size_t len = 4;
    const char *one_doc[] = {"good"};
    st_vocab *x2 = (st_vocab *)&x2;
    assert_int_equal(st_vocab_build_lexicon(&other, lex, one_doc, &len, 1, &x2), ST_ERR_INVALID);
    st_vocab_free(&w);
    st_vocab_free(&v);
    st_vocab_free(&plain);
    st_lexicon_free(&lex);
}

static void check_vocab_error(const char *content, long want_line)
{
    const char *p = in_tmp("badvocab.tsv");
    write_file(p, content);
    st_vocab *v = (st_vocab *)&v;
    st_error err = {0};
    assert_int_equal(st_vocab_load(p, &v, &err), ST_ERR_FORMAT);
    assert_null(v);
    assert_int_equal(err.line, want_line);
}

#define HDR                                                                                                  \
    "stance-vocab\t1\ttokenizer=1\tcasefold=1\tnegation=1\tngram_min=1\tngram_max=1\tchar_ngram_min=0\t"     \
    "char_ngram_max=0\tmin_df=1\tmax_features=0\tsublinear_tf=1\tn_docs=3\tsize=2"
#define TERMS "1\t1\t1.5\t#lex:positive\n2\t2\t1.2\tgood\n"

static void test_vocab_lexicon_section_errors(void **state)
{
    (void)state;
    st_vocab *v = NULL;
    const char *p = in_tmp("okvocab.tsv");
    write_file(p, HDR "\tlexicon=2\n" TERMS "positive\tgood\npositive\tgreat\n");
    assert_int_equal(st_vocab_load(p, &v, NULL), ST_OK);
    assert_int_equal(st_lexicon_size(st_vocab_lexicon(v)), 2);
    st_vocab_free(&v);
    check_vocab_error(HDR "\tlexicon=3\n" TERMS "positive\tgood\npositive\tgreat\n", 6); /* one missing */
    check_vocab_error(HDR "\tlexicon=2\n" TERMS "positive\tgreat\npositive\tgood\n", 5); /* out of order */
    check_vocab_error(HDR "\tlexicon=2\n" TERMS "positive\tgood\npositive\tgood\n", 5);  /* repeated */
    check_vocab_error(HDR "\tlexicon=1\n" TERMS "Positive\tgood\n", 4);                  /* bad label */
    check_vocab_error(HDR "\tlexicon=1\n" TERMS "positive\t\n", 4);                      /* empty token */
    check_vocab_error(HDR "\tlexicon=1\n" TERMS "positive good\n", 4);                   /* no tab */
    check_vocab_error(HDR "\tlexicon=1\n" TERMS "positive\tgood\nextra\n", 5);           /* trailing text */
    check_vocab_error(HDR "\n" TERMS "positive\tgood\n", 4);                             /* no lexicon= */
}

/* The real lexicons load, and words of a quote find their categories. */
static void test_shared_lexicons(void **state)
{
    (void)state;
    char p[1024];
    snprintf(p, sizeof p, "%s/data/lexicons/bingliu_opinion.tsv", ST_SHARED_DIR);
    if (access(p, R_OK) != 0) {
        print_message("skipped: %s is absent\n", p);
        return;
    }
    st_tokenizer_config tok = st_tokenizer_config_default();
    st_lexicon *lex = NULL;
    assert_int_equal(st_lexicon_load(p, &tok, &lex, NULL), ST_OK);
    assert_in_range(st_lexicon_size(lex), 6500, 6789);
    assert_string_equal(find(lex, "condemn"), "negative");
    assert_string_equal(find(lex, "peaceful"), "positive");
    st_lexicon_free(&lex);
    static const char *const valence[] = {"afinn_en_165.tsv", "vader_lexicon.tsv"};
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s/data/lexicons/%s", ST_SHARED_DIR, valence[i]);
        assert_int_equal(st_lexicon_load(p, &tok, &lex, NULL), ST_OK);
        assert_string_equal(find(lex, "abandon"), "negative");
        assert_string_equal(find(lex, "love"), "positive");
        st_lexicon_free(&lex);
    }
}

int main(void)
{
    if (st_tmpdir_make("lexicon") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_labels_and_terms),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_category_tokens),
        cmocka_unit_test(test_vocab_with_lexicon),
        cmocka_unit_test(test_vocab_lexicon_section_errors),
        cmocka_unit_test(test_shared_lexicons),
    };
    return cmocka_run_group_tests(tests, NULL, remove_tmpdir);
}
