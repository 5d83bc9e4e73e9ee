/* quotes_attrib.c - speakers for the quotes that quotes.c paired (st_quotes.h).
 *
 * The text is cut once into word and punctuation tokens with sentence boundaries. A pre-pass
 * collects the names of the article (runs of capitalised words outside quotes, titles and job
 * words stripped: "Deputy Prime Minister Jane Okafor" -> "Jane Okafor") into entities keyed by
 * surname, so that "Okafor" and a later pronoun can resolve to the fullest form. Each quote then
 * looks for a speech cue in a bounded window on each side:
 *   after:  `“…,” X said` / `“…,” said X` / `“…,” according to X` / `“…” — X`
 *   before: `X said: “…”` / `X, a nurse, said “…”` / `…, declaring “…”` (sentence subject) /
 *           `According to X, … “…”` / `As X put it, “…”` / `X: “…”` (colon lead-in)
 *   after, long: `“…,” X, who …, said` (a cue after a later comma: the phrase before the first)
 *   context: a cue with a speaker in the previous sentence of the same paragraph, or in the last
 *            sentence of the previous paragraph when the quote opens its own (`X said that … ¶ “…”`,
 *            `X continued: ¶ “…”`)
 *   continuation: a quote that opens its paragraph after a paragraph ending in an attributed quote,
 *            or that follows an attributed quote of its paragraph at most one sentence later, or
 *            that is coordinated with the previous short quote (`“profane” and “sexist”`).
 * Subjects skip leading conjunctions and adverbs ("But he", "However, the minister"), introductory
 * phrases ("Speaking at …, X"), relative clauses and long clauses (the noun phrase at their end);
 * "Mr." and initials do not cut a name. Word lists are one generated static hash table
 * (quotes_lex.h), looked up once per token on first use.
 * A quote inside the clause that a cue verb reports takes the subject of that outer verb ("X said that
 * he had begun “…”", "X denounced what she called “…”"). A quote whose sentence goes on after the
 * closing mark with a preposition or conjunction takes the name after a later inverted cue ("“…” about
 * the vote, said X"); "said X of the Y" names X.
 * A quote that does not open its sentence takes the subject of a verb before it in that sentence
 * ("X described the move as “…”") rather than a cue of the sentence before.
 * A short paragraph of a dash and a name under a quote that ends its paragraph names its speaker.
 * A relative clause attaches the cue to "who"/"which" (`Beck, who has described X as “…”`); a
 * relative or participle clause or a parenthesis between a subject and its verb is skipped. After a
 * quote ending in , ! or ? an unlisted -ed verb next to a name counts as a cue (`“…!” beamed X`).
 * A short or embedded quote is kept when its sentence has a speech or stance verb (listed, or an
 * unlisted -ed verb before it whose subject is a person, not right after a preposition or a
 * possessive); a kept quote that still has no speaker takes the subject of its own sentence or of
 * the sentence before it in the paragraph (never across paragraphs).
 * A quote with no cue that is short and embedded is a scare quote, nickname or title (also a
 * title-case name after "show", "podcast", "film", …) and is dropped; a quote whose cue is negated or
 * hypothetical ("did not say", "would say") is dropped. Pronouns resolve to the nearest earlier person who
 * was a sentence subject or a speaker, else to the nearest earlier person (no gender agreement: a known
 * limit). Unnamed speakers get their descriptor without its article ("a spokesperson for X" -> "spokesperson
 * for X", "one diplomat"). Every window is bounded, so the pass is linear in the text. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "quotes_int.h"
#include "quotes_lex.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

typedef struct qperson {
    size_t start, end; /* bytes of the name as written (titles stripped, possessive dropped) */
    uint32_t ent;      /* entity index */
    uint8_t subject;   /* first name of its sentence, or a speaker */
    uint8_t org;       /* an organisation, not a person */
} qperson;

typedef struct qentity {
    size_t start, end;         /* fullest form seen */
    size_t key_start, key_end; /* the last word */
    uint32_t ntok;
    uint8_t org;
} qentity;

/* ---------------------------------------------------------------- lexicon lookups */

/* The LX_* lists holding s[0..len) (ASCII-lowercased), 0 when none: one probe sequence in the
 * generated table. */
static uint32_t lex_lookup(const char *s, size_t len)
{
    if (len == 0 || len > LEX_MAXLEN)
        return 0;
    for (uint32_t slot = lex_hash((const unsigned char *)s, len) & (LEX_SLOTS - 1);;
         slot = (slot + 1) & (LEX_SLOTS - 1)) {
        if (!((lex_used[slot / 64] >> (slot % 64)) & 1))
            return 0;
        unsigned k = lex_slot[slot];
        const lex_entry *e = &lex_words[k - 1];
        if (e->n != len)
            continue;
        size_t i = 0;
        while (i < len) {
            unsigned char ch = (unsigned char)s[i];
            if (ch >= 'A' && ch <= 'Z')
                ch = (unsigned char)(ch - 'A' + 'a');
            if ((unsigned char)e->w[i] != ch)
                break;
            i++;
        }
        if (i == len)
            return e->mask;
    }
}

/* qtok.lex before its first use: the lookup is made lazily, as most words are never asked about. */
#define LEX_UNSET Q_LEX_UNSET

/* The lists word token t of c is in, looked up on first use and kept in the token (a memo inside
 * the per-call context: c->tok is the caller's own array, so this is no shared state). */
static inline uint32_t tok_lex(const qctx *c, const qtok *t)
{
    if (!(t->lex & LEX_UNSET))
        return t->lex;
    qtok *m = &c->tok[t - c->tok];
    m->lex = lex_lookup(c->s + m->start, m->end - m->start);
    return m->lex;
}

/* Is the token in the word list (ASCII case-insensitive)? */
#define IN(list, c, t) ((tok_lex((c), (t)) & LX_##list) != 0)

static int tok_is(const qctx *c, size_t i, const char *w)
{
    const qtok *t = &c->tok[i];
    size_t n = strlen(w);
    if (t->end - t->start != n)
        return 0;
    for (size_t k = 0; k < n; k++) {
        char ch = c->s[t->start + k];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (ch != w[k])
            return 0;
    }
    return 1;
}

static int is_word(const qctx *c, size_t i)
{
    return (c->tok[i].flags & TK_WORD) != 0;
}

static int is_cap(const qctx *c, size_t i)
{
    return (c->tok[i].flags & (TK_CAP | TK_ALLCAP)) != 0 && !(c->tok[i].flags & TK_DIGIT);
}

static int is_lower_word(const qctx *c, size_t i)
{
    return is_word(c, i) && !(c->tok[i].flags & (TK_CAP | TK_ALLCAP | TK_DIGIT));
}

static int is_punct(const qctx *c, size_t i, int32_t cp)
{
    return (c->tok[i].flags & TK_PUNCT) && c->tok[i].cp == cp;
}

/* ---------------------------------------------------------------- tokens */

static st_status tokenize(qctx *c)
{
    if (q_scan_tokens(c) != ST_OK)
        return ST_ERR_NOMEM;
    /* sentence ends and sentence starts */
    uint32_t cur = 0;
    for (size_t i = 0; i < c->ntok; i++) {
        qtok *t = &c->tok[i];
        if (t->flags & TK_PARA)
            cur = (uint32_t)i;
        t->sent = cur;
        if (!(t->flags & TK_PUNCT))
            continue;
        int32_t cp = t->cp;
        if (cp != '.' && cp != '!' && cp != '?' && cp != 0x2026)
            continue;
        int end = 1;
        if (i + 1 < c->ntok && !(c->tok[i + 1].flags & TK_PARA)) {
            if (is_lower_word(c, i + 1) || is_punct(c, i + 1, ',') || is_punct(c, i + 1, ';') ||
                is_punct(c, i + 1, ')'))
                end = 0; /* also "(D-Wash.) said" */
            if (cp == '.' && i > 0 && is_word(c, i - 1) && c->tok[i - 1].end == t->start) {
                const qtok *w = &c->tok[i - 1];
                size_t wl = w->end - w->start;
                if (wl == 1 && (w->flags & TK_CAP))
                    end = 0; /* an initial */
                else if (IN(abbrevs, c, w))
                    end = 0;
                else if (memchr(c->s + w->start, '.', wl))
                    end = 0; /* U.S. */
            }
        }
        if (end) {
            t->flags |= TK_SENT_END;
            cur = (uint32_t)(i + 1);
        }
    }
    return ST_OK;
}

/* First token whose start is >= byte. */
static size_t tok_at(const qctx *c, size_t byte)
{
    /* branch-free lower bound: the halving step is a conditional move, not a jump */
    const qtok *b = c->tok;
    size_t n = c->ntok;
    if (n == 0)
        return 0;
    while (n > 1) {
        size_t half = n / 2;
        b = b[half].start < byte ? b + half : b;
        n -= half;
    }
    return (size_t)(b - c->tok) + (b->start < byte);
}

/* ---------------------------------------------------------------- names */

/* Byte end of token i without a possessive ’s / 's. */
static size_t tok_end_noposs(const qctx *c, size_t i)
{
    const qtok *t = &c->tok[i];
    if (!(t->flags & TK_POSS))
        return t->end;
    size_t e = t->end - 1; /* the s */
    size_t st;
    (void)q_prev(c->s, e, &st);
    return st;
}

static int is_title_tok(const qctx *c, size_t i)
{
    return is_word(c, i) && IN(titles, c, &c->tok[i]);
}

/* Within the capitalised run [r0, r1): strips leading stop words and the titles/job words before
 * the name ("Deputy Prime Minister Jane Okafor" -> "Jane Okafor"). Returns the first token of the
 * name (== r1 when the run is only titles); *had_title says whether a title was stripped. */
static size_t strip_titles(const qctx *c, size_t r0, size_t r1, int *had_title)
{
    *had_title = 0;
    while (r0 < r1 && IN(stop_words, c, &c->tok[r0]))
        r0++;
    size_t last_title = (size_t)-1;
    for (size_t i = r0; i < r1; i++) {
        if (!is_title_tok(c, i) || i + 1 >= r1)
            continue;
        /* a title counts only with a non-title word after it */
        size_t j = i + 1;
        while (j < r1 && (is_title_tok(c, j) || is_punct(c, j, '.')))
            j++;
        if (j < r1)
            last_title = i;
    }
    if (last_title != (size_t)-1) {
        *had_title = 1;
        r0 = last_title + 1;
        while (r0 < r1 && (is_title_tok(c, r0) || is_punct(c, r0, '.')))
            r0++;
    }
    return r0;
}

static int run_is_org(const qctx *c, size_t r0, size_t r1)
{
    for (size_t i = r0; i < r1; i++) {
        if (!is_word(c, i))
            continue;
        if (IN(org_words, c, &c->tok[i]))
            return 1;
        if ((c->tok[i].flags & TK_ALLCAP) && r1 - r0 == 1)
            return 1;
    }
    return r0 < r1 && IN(place_first, c, &c->tok[r0]);
}

static int is_connector(const qctx *c, size_t i)
{
    return is_lower_word(c, i) && IN(name_connectors, c, &c->tok[i]);
}

/* Is token i a part of a name that a full stop follows without ending it: an initial (the J of
 * "J. K. Rowling") or an abbreviated title (the Mr of "Mr. Trump", "Gov.", "Sen.")? */
static int dotted_name_part(const qctx *c, size_t i)
{
    if (!is_cap(c, i) || c->tok[i].end != c->tok[i + 1].start)
        return 0;
    return c->tok[i].end - c->tok[i].start == 1 || (IN(abbrevs, c, &c->tok[i]) && IN(titles, c, &c->tok[i]));
}

/* Extends a capitalised run backwards from token e-1 (exclusive end e), not before lo. */
static size_t cap_run_back(const qctx *c, size_t lo, size_t e)
{
    size_t r0 = e;
    while (r0 > lo) {
        size_t i = r0 - 1;
        if (is_cap(c, i) && !(c->tok[i].flags & TK_POSS && i + 1 != e)) {
            r0 = i;
            continue;
        }
        if (r0 < e && i > lo && is_connector(c, i) && is_cap(c, i - 1)) {
            r0 = i;
            continue;
        }
        if (is_punct(c, i, '.') && i > lo && dotted_name_part(c, i - 1)) {
            r0 = i; /* J. K. Rowling, Mr. Trump */
            continue;
        }
        break;
    }
    while (r0 < e && !is_cap(c, r0))
        r0++;
    return r0;
}

/* Extends a capitalised run forwards from token b, not past hi. */
static size_t cap_run_fwd(const qctx *c, size_t b, size_t hi)
{
    size_t e = b;
    while (e < hi) {
        if (is_cap(c, e)) {
            e++;
            if (c->tok[e - 1].flags & TK_POSS)
                break;
            continue;
        }
        if (e > b && e + 1 < hi && is_connector(c, e) && is_cap(c, e + 1)) {
            e++;
            continue;
        }
        if (e > b && is_punct(c, e, '.') && dotted_name_part(c, e - 1) && e + 1 < hi && is_cap(c, e + 1)) {
            e++;
            continue;
        }
        break;
    }
    return e;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Entity whose key (last word) is s[a..b); -1 when none. */
static long ent_find(const qctx *c, size_t a, size_t b)
{
    if (!c->ent_hash_cap)
        return -1;
    size_t m = c->ent_hash_cap - 1;
    size_t slot = (size_t)hash_bytes(c->s + a, b - a) & m;
    while (c->ent_hash[slot]) {
        const qentity *e = &c->ent[c->ent_hash[slot] - 1];
        if (e->key_end - e->key_start == b - a && memcmp(c->s + e->key_start, c->s + a, b - a) == 0)
            return (long)(c->ent_hash[slot] - 1);
        slot = (slot + 1) & m;
    }
    return -1;
}

static st_status ent_rehash(qctx *c, size_t need)
{
    size_t cap = 64;
    while (cap < need * 2)
        cap *= 2;
    if (cap <= c->ent_hash_cap)
        return ST_OK;
    uint32_t *h = calloc(cap, sizeof *h);
    if (!h)
        return ST_ERR_NOMEM;
    for (size_t i = 0; i < c->nent; i++) {
        const qentity *e = &c->ent[i];
        size_t slot = (size_t)hash_bytes(c->s + e->key_start, e->key_end - e->key_start) & (cap - 1);
        while (h[slot])
            slot = (slot + 1) & (cap - 1);
        h[slot] = (uint32_t)(i + 1);
    }
    free(c->ent_hash);
    c->ent_hash = h;
    c->ent_hash_cap = cap;
    return ST_OK;
}

/* Registers the name tokens [n0, n1) (a person or organisation) and returns its entity. */
static st_status ent_add(qctx *c, size_t n0, size_t n1, int org, uint32_t *out)
{
    size_t ka = c->tok[n1 - 1].start, kb = tok_end_noposs(c, n1 - 1);
    long e = ent_find(c, ka, kb);
    uint32_t ntok = 0;
    for (size_t i = n0; i < n1; i++)
        ntok += is_word(c, i);
    if (e >= 0) {
        qentity *en = &c->ent[e];
        if (ntok > en->ntok && !en->org && !org) {
            en->start = c->tok[n0].start;
            en->end = kb;
            en->ntok = ntok;
        }
        *out = (uint32_t)e;
        return ST_OK;
    }
    if (q_grow((void **)&c->ent, &c->cap_ent, c->nent + 1, sizeof *c->ent))
        return ST_ERR_NOMEM;
    if (ent_rehash(c, c->nent + 1))
        return ST_ERR_NOMEM;
    qentity *en = &c->ent[c->nent];
    en->start = c->tok[n0].start;
    en->end = kb;
    en->key_start = ka;
    en->key_end = kb;
    en->ntok = ntok;
    en->org = (uint8_t)org;
    size_t slot = (size_t)hash_bytes(c->s + ka, kb - ka) & (c->ent_hash_cap - 1);
    while (c->ent_hash[slot])
        slot = (slot + 1) & (c->ent_hash_cap - 1);
    c->ent_hash[slot] = (uint32_t)(c->nent + 1);
    *out = (uint32_t)c->nent++;
    return ST_OK;
}

static st_status person_add(qctx *c, size_t n0, size_t n1, uint32_t ent, int subject, int org)
{
    if (q_grow((void **)&c->person, &c->cap_person, c->nperson + 1, sizeof *c->person))
        return ST_ERR_NOMEM;
    qperson *p = &c->person[c->nperson++];
    p->start = c->tok[n0].start;
    p->end = tok_end_noposs(c, n1 - 1);
    p->ent = ent;
    p->subject = (uint8_t)subject;
    p->org = (uint8_t)org;
    return ST_OK;
}

/* A capitalised run outside quotes, kept from the first pass of collect_names for the second. */
typedef struct name_run {
    size_t n0, r1;   /* the name's tokens, titles stripped */
    uint8_t subject; /* first name of its sentence */
} name_run;

/* Collects the names outside quotes. Two passes: multi-word names and titled names create
 * entities; single words then count as mentions only when they match a known entity's key (the
 * second pass walks the runs the first one kept). */
static st_status collect_names(qctx *c)
{
    st_status rc = ST_OK;
    name_run *runs = NULL;
    size_t nruns = 0, cap_runs = 0;
    size_t qi = 0, lim_qi = (size_t)-1, lim = 0;
    size_t i = 0;
    while (i < c->ntok) {
        if (!is_cap(c, i)) { /* most tokens: only a capital needs the quote test below */
            i++;
            continue;
        }
        while (qi < c->nq && c->q[qi].end <= c->tok[i].start)
            qi++;
        if (qi < c->nq && c->tok[i].start >= c->q[qi].start && c->tok[i].start < c->q[qi].end) {
            i++;
            continue;
        }
        size_t r1 = cap_run_fwd(c, i, c->ntok);
        if (qi < c->nq) { /* never into a quote */
            if (lim_qi != qi) {
                lim = tok_at(c, c->q[qi].start);
                lim_qi = qi;
            }
            if (lim > i && r1 > lim)
                r1 = lim;
        }
        if (r1 <= i)
            r1 = i + 1;
        int had_title = 0;
        size_t n0 = strip_titles(c, i, r1, &had_title);
        size_t nwords = 0;
        for (size_t k = n0; k < r1; k++)
            nwords += is_word(c, k);
        if (n0 < r1 && nwords > 0) {
            int org = run_is_org(c, n0, r1);
            int personlike = !org && (nwords >= 2 || had_title) && nwords <= 4;
            if (personlike || (org && nwords >= 1)) {
                uint32_t e;
                if ((rc = ent_add(c, n0, r1, org, &e)) != ST_OK)
                    goto out_free_runs;
            }
            if (personlike || org || nwords == 1) {
                if (q_grow((void **)&runs, &cap_runs, nruns + 1, sizeof *runs)) {
                    rc = ST_ERR_NOMEM;
                    goto out_free_runs;
                }
                runs[nruns].n0 = n0;
                runs[nruns].r1 = r1;
                runs[nruns].subject = i <= c->tok[i].sent + 2;
                nruns++;
            }
        }
        i = r1;
    }
    for (size_t k = 0; k < nruns; k++) {
        const name_run *r = &runs[k];
        long e = ent_find(c, c->tok[r->r1 - 1].start, tok_end_noposs(c, r->r1 - 1));
        if (e >= 0 && (rc = person_add(c, r->n0, r->r1, (uint32_t)e, r->subject, c->ent[e].org)) != ST_OK)
            goto out_free_runs;
    }
out_free_runs:
    free(runs);
    return rc;
}

/* ---------------------------------------------------------------- mentions */

enum mkind { M_NONE = 0, M_NAME, M_PRONOUN, M_DESC };

typedef struct mention {
    enum mkind kind;
    size_t t0, t1; /* tokens of the mention (for a name: titles stripped) */
    int org;
    size_t rel; /* 1 + the token of a relative pronoun the cue attaches to ("X, who has called Y
                   “…”": who), whose antecedent is t0..t1; 0 when none */
} mention;

static int is_pronoun(const qctx *c, size_t i)
{
    return is_word(c, i) && IN(pronouns, c, &c->tok[i]);
}

/* A boundary token when walking over a subject phrase. */
static int np_boundary(const qctx *c, size_t i)
{
    const qtok *t = &c->tok[i];
    if (t->flags & (TK_QMARK | TK_SENT_END | TK_DASH))
        return 1;
    if (t->flags & TK_PUNCT)
        return !(t->cp == ',' || t->cp == '.' || t->cp == '&');
    return is_lower_word(c, i) && IN(conjunctions, c, t);
}

/* A word that opens an introductory phrase or glues a clause to the previous one, never part of a
 * speaker: a conjunction or adverb ("But he", "And Mr. Smith", "However, the minister"), or a
 * preposition (capitalised at a sentence start too). Pronouns and determiners are not. */
static int intro_word(const qctx *c, size_t i)
{
    const qtok *t = &c->tok[i];
    return is_word(c, i) && !IN(determiners, c, t) && !IN(pronouns, c, t) &&
           (IN(conjunctions, c, t) || IN(aux_words, c, t) || IN(prepositions, c, t) || IN(intro_words, c, t));
}

/* Is token i a word of five letters or more ending in -ing (a participle: "saying", "Speaking")? */
static int ends_ing(const qctx *c, size_t i)
{
    const qtok *t = &c->tok[i];
    return is_word(c, i) && t->end - t->start > 4 && memcmp(c->s + t->end - 3, "ing", 3) == 0;
}

/* A lowercase word that reads as a past or present verb of speech we do not list ("beamed",
 * "surmised", "elaborates"): -ed, or -s after at least three letters. */
static int verb_like(const qctx *c, size_t i)
{
    if (!is_lower_word(c, i))
        return 0;
    const qtok *t = &c->tok[i];
    size_t n = t->end - t->start;
    const char *w = c->s + t->start;
    if (IN(cue_broad, c, t))
        return 1;
    if (n >= 5 && w[n - 2] == 'e' && w[n - 1] == 'd')
        return !IN(stop_words, c, t) && !IN(aux_words, c, t);
    return 0;
}

/* Classifies tokens [a, b) as a noun phrase. */
static mention classify_np(const qctx *c, size_t a, size_t b)
{
    mention m = {M_NONE, 0, 0, 0, 0};
    while (a < b && (is_punct(c, a, ',') || intro_word(c, a)))
        a++;
    while (b > a &&
           (is_punct(c, b - 1, ',') || (is_lower_word(c, b - 1) && IN(aux_words, c, &c->tok[b - 1]))))
        b--;
    if (a >= b)
        return m;
    if (is_pronoun(c, a) && (b - a == 1 || is_lower_word(c, a + 1))) {
        b = a + 1; /* "He will", "They are": the pronoun is the subject, the rest its verb */
        m.kind = M_PRONOUN;
        m.t0 = a;
        m.t1 = b;
        return m;
    }
    if (b - a > 9)
        return m; /* a clause, not a subject */
    size_t r0 = cap_run_back(c, a, b);
    if (r0 < b) {
        if (r0 > a && is_lower_word(c, r0 - 1) && IN(prepositions, c, &c->tok[r0 - 1])) {
            /* "a spokesperson for British Prime Minister Keir Starmer": a descriptor */
            size_t d = a;
            while (d < r0 && !(is_word(c, d) && IN(determiners, c, &c->tok[d])))
                d++;
            if (d == r0)
                d = a;
            m.kind = M_DESC;
            m.t0 = d;
            m.t1 = b;
            return m;
        }
        if (r0 > a + 1 && is_lower_word(c, a) && (tok_is(c, a, "a") || tok_is(c, a, "an")) &&
            is_lower_word(c, a + 1) && !IN(titles, c, &c->tok[a + 1])) {
            /* "a columnist for Corriere della Sera": a descriptor, whatever names it holds */
            m.kind = M_DESC;
            m.t0 = a;
            m.t1 = b;
            return m;
        }
        int had;
        size_t n0 = strip_titles(c, r0, b, &had);
        if (n0 > r0 && n0 + 1 == b && IN(org_words, c, &c->tok[n0]))
            n0 = r0; /* "the Foreign Ministry", "the Prime Minister's Office": an organisation's name */
        if (n0 + 1 == b && (c->tok[n0].flags & TK_ALLCAP) && c->tok[n0].end - c->tok[n0].start > 5)
            return m; /* a dateline (PHILADELPHIA —), not a speaker */
        if (n0 < b) {
            m.kind = M_NAME;
            m.t0 = n0;
            m.t1 = b;
            m.org = run_is_org(c, n0, b);
            return m;
        }
        /* only titles: "the Prime Minister" */
    }
    /* a descriptor: from its determiner, or its last few words */
    size_t d = b;
    for (size_t i = a; i < b; i++) {
        if (is_word(c, i) && IN(determiners, c, &c->tok[i])) {
            d = i;
            break;
        }
    }
    if (d == b)
        d = b - a > 4 ? b - 4 : a;
    for (size_t i = d; i < b; i++)
        if (!is_word(c, i) && !is_punct(c, i, '.'))
            return m;
    /* a descriptor ends in a noun-like word: not a function word, not a lone determiner */
    const qtok *head = &c->tok[b - 1];
    if (IN(determiners, c, head) || IN(prepositions, c, head) || IN(conjunctions, c, head) ||
        IN(pronouns, c, head) || IN(aux_words, c, head) || IN(stop_words, c, head) ||
        (is_lower_word(c, d) && IN(prepositions, c, &c->tok[d])) || (c->tok[b - 1].flags & TK_POSS))
        return m;
    m.kind = M_DESC;
    m.t0 = d;
    m.t1 = b;
    return m;
}

/* The noun phrase that ends a long clause [a, b): back from b over at most 6 tokens, not over a
 * preposition, conjunction or lowercase function word other than a determiner ("Mr. Trump took on
 * Hillary Clinton after the Democratic front-runner" -> "the Democratic front-runner"). */
static mention tail_np(const qctx *c, size_t a, size_t b)
{
    mention none = {M_NONE, 0, 0, 0, 0};
    size_t t = b;
    while (t > a && b - t < 6) {
        size_t i = t - 1;
        if (!is_word(c, i) && !is_punct(c, i, '.'))
            break;
        if (is_lower_word(c, i) && !IN(determiners, c, &c->tok[i]) &&
            (IN(prepositions, c, &c->tok[i]) || IN(conjunctions, c, &c->tok[i]) ||
             IN(stop_words, c, &c->tok[i]) || IN(aux_words, c, &c->tok[i]) || IN(cue_broad, c, &c->tok[i])))
            break;
        t = i;
    }
    if (t == b || t == a || !is_lower_word(c, t - 1))
        return none;
    return classify_np(c, t, b);
}

/* Does the name at token t0 end a place phrase ("At a meeting in Dunmore, West Harlow Tuesday,
 * the captain replied"): a comma before it, and a preposition opening the phrase before that? */
static int after_place(const qctx *c, size_t lo, size_t t0)
{
    if (t0 < lo + 2 || !is_punct(c, t0 - 1, ','))
        return 0;
    size_t k = t0 - 1;
    while (k > lo && t0 - 1 - k < 12 && !np_boundary(c, k - 1) && !is_punct(c, k - 1, ','))
        k--;
    for (size_t i = k; i + 1 < t0 - 1; i++)
        if (is_lower_word(c, i) && IN(prepositions, c, &c->tok[i]) && is_cap(c, i + 1) && is_cap(c, t0 - 2))
            return 1;
    return 0;
}

/* The subject of a cue verb at token v: the phrase before it back to the clause start (not before
 * lo), with appositives: "Tomas Reiner, a paediatric nurse, said" names Tomas Reiner. */
static mention subject_before(const qctx *c, size_t lo, size_t v)
{
    mention none = {M_NONE, 0, 0, 0, 0};
    /* a relative clause: "Beck, who has in the past described Trump as “…”" - the cue attaches to
     * "who", which stands for the noun phrase before it */
    for (size_t k = v, n = 0; k > lo && n < 8; n++) {
        k--;
        if (c->tok[k].flags & TK_PUNCT)
            break;
        if (!is_lower_word(c, k))
            break; /* a name or a pronoun between: the subject of the clause */
        if (IN(pronouns, c, &c->tok[k]) || tok_is(c, k, "some") || tok_is(c, k, "many") ||
            tok_is(c, k, "when") || tok_is(c, k, "as") || tok_is(c, k, "that"))
            break;
        if (!(tok_is(c, k, "who") || tok_is(c, k, "which")))
            continue;
        size_t e = k;
        if (e > lo && is_punct(c, e - 1, ','))
            e--;
        size_t s = e;
        while (s > lo && !np_boundary(c, s - 1) && !is_punct(c, s - 1, ',') && e - s < 9)
            s--;
        if (s == e)
            break;
        mention m = classify_np(c, s, e);
        if (m.kind == M_NONE && e - s >= 3)
            m = tail_np(c, s, e);
        if (m.kind == M_NONE)
            break;
        m.rel = k + 1;
        return m;
    }
    size_t e = v;
    while (e > lo && is_lower_word(c, e - 1) && IN(aux_words, c, &c->tok[e - 1]))
        e--;
    mention seg[3];
    size_t seg0[3]; /* the first token of each segment */
    size_t nseg = 0;
    int skips = 0;
    while (nseg < 3 && e > lo) {
        if (is_punct(c, e - 1, ')') && skips < 3) {
            /* a parenthesis before the verb: "Gov. John Kasich (R-OH), said" */
            size_t k = e - 1;
            while (k > lo && e - k < 9 && !is_punct(c, k - 1, '(') && !(c->tok[k - 1].flags & TK_SENT_END))
                k--;
            if (k > lo && is_punct(c, k - 1, '(')) {
                e = k - 1;
                skips++;
                continue;
            }
        }
        size_t s = e;
        while (s > lo && !np_boundary(c, s - 1) && !is_punct(c, s - 1, ','))
            s--;
        if (s == e) {
            if (e > lo && is_punct(c, e - 1, ',')) {
                e--;
                continue;
            }
            break;
        }
        if (skips < 3 && nseg == 0) {
            /* a relative or participle clause set off by commas before the verb: "Trump, who
             * has a commanding lead, mocked", "Sanders, celebrating a victory in Vermont, is" */
            int rel = s >= lo + 2 && is_lower_word(c, s - 1) &&
                      (tok_is(c, s - 1, "who") || tok_is(c, s - 1, "which")) && is_punct(c, s - 2, ',') &&
                      is_lower_word(c, s) && !is_pronoun(c, s) && !IN(determiners, c, &c->tok[s]);
            /* also "X, while condemning violence, accused", "A projection, prepared for the
             * federation, predicted" */
            int part = s > lo && is_punct(c, s - 1, ',') && is_lower_word(c, s) &&
                       (ends_ing(c, s) || (s + 1 < e && intro_word(c, s) && ends_ing(c, s + 1)) ||
                        (verb_like(c, s) && !IN(cue_broad, c, &c->tok[s]) && s + 1 < e &&
                         is_lower_word(c, s + 1) && IN(prepositions, c, &c->tok[s + 1])));
            if (rel || part) {
                e = rel ? s - 2 : s - 1;
                skips++;
                continue;
            }
            /* a place, time or age set off by commas: "Trump, in Kentucky, said", "Clinton,
             * during a town hall in Columbus, Ohio, said", "Cory James, 22, of Flint, Mich., said" */
            size_t ps = s;
            if (s > lo + 1 && is_punct(c, s - 1, ',') && e - s <= 3 && is_cap(c, s)) {
                size_t k = s - 1; /* the state of an address: back to the segment before it */
                while (k > lo && s - 1 - k < 10 && !np_boundary(c, k - 1) && !is_punct(c, k - 1, ','))
                    k--;
                if (is_lower_word(c, k) && IN(prepositions, c, &c->tok[k]) && is_cap(c, s - 2))
                    ps = k;
            }
            int prep = ps > lo + 1 && is_punct(c, ps - 1, ',') && is_lower_word(c, ps) &&
                       IN(prepositions, c, &c->tok[ps]) && !tok_is(c, ps, "to");
            int age = s > lo + 1 && e == s + 1 && is_punct(c, s - 1, ',') && (c->tok[s].flags & TK_DIGIT);
            if (prep || age) {
                e = ps - 1;
                skips++;
                continue;
            }
        }
        /* a segment of adverbs only ("Sella, however, insisted") is skipped */
        int adv = 1;
        for (size_t i = s; i < e; i++)
            adv &= is_lower_word(c, i) && IN(aux_words, c, &c->tok[i]);
        if (!adv) {
            mention m = classify_np(c, s, e);
            if (m.kind == M_NONE && e - s > 9)
                m = tail_np(c, s, e); /* "… after the Democratic front-runner had said" */
            seg0[nseg] = s;
            seg[nseg++] = m;
        }
        if (s == lo || np_boundary(c, s - 1))
            break;
        e = s - 1; /* over the comma */
        if (nseg == 1 && seg[0].kind != M_DESC)
            break;
    }
    if (nseg == 0)
        return none;
    if (seg[0].kind == M_DESC && nseg > 1 && seg[1].kind == M_NAME && !after_place(c, lo, seg[1].t0)) {
        /* a name inside an introductory phrase is no appositive: "In an interview with X, the
         * candidate said", "As for Mr. Kim, the letter noted" */
        for (size_t i = seg0[1]; i < seg[1].t0; i++)
            if (is_word(c, i) && (IN(prepositions, c, &c->tok[i]) || IN(conjunctions, c, &c->tok[i])))
                return seg[0];
        size_t nw = 0;
        for (size_t i = seg[1].t0; i < seg[1].t1; i++)
            nw += is_word(c, i);
        if (nw >= 2 || seg[1].org ||
            ent_find(c, c->tok[seg[1].t1 - 1].start, tok_end_noposs(c, seg[1].t1 - 1)) >= 0)
            return seg[1];
    }
    return seg[0];
}

/* The phrase after a cue verb or "according to"/a dash, from token a to a boundary (not past hi). */
static mention np_after(const qctx *c, size_t a, size_t hi)
{
    mention none = {M_NONE, 0, 0, 0, 0};
    if (a >= hi)
        return none;
    if (is_lower_word(c, a) && (IN(prepositions, c, &c->tok[a]) || IN(conjunctions, c, &c->tok[a])))
        return none;
    if (is_pronoun(c, a))
        return classify_np(c, a, a + 1);
    size_t e = a;
    int seen_cap = 0;
    /* "one EU official", "a White House spokesman": after a determiner, capitalised words modify
     * the lowercase noun that heads the phrase */
    int det_first = is_lower_word(c, a) && IN(determiners, c, &c->tok[a]);
    while (e < hi && e - a < 10) {
        if (np_boundary(c, e) || is_punct(c, e, ','))
            break;
        if (det_first && seen_cap && is_lower_word(c, e) && !is_connector(c, e) &&
            !IN(prepositions, c, &c->tok[e]) && !IN(conjunctions, c, &c->tok[e]) &&
            !IN(stop_words, c, &c->tok[e]) && !IN(aux_words, c, &c->tok[e]) &&
            !IN(cue_broad, c, &c->tok[e])) {
            e++;
            continue;
        }
        if (is_punct(c, e, '.') && !(e > a && c->tok[e - 1].end - c->tok[e - 1].start == 1) &&
            !(e > a && e + 1 < hi && dotted_name_part(c, e - 1) && is_cap(c, e + 1)))
            break; /* but "Rep. Beto O'Rourke", "J. Smith" */
        if (is_cap(c, e)) {
            seen_cap = 1;
        } else if (seen_cap && is_connector(c, e) && !(e + 1 < hi && is_cap(c, e + 1))) {
            break; /* "Ann Lee of the Harbour Group": the name, not its affiliation */
        } else if (seen_cap && is_lower_word(c, e) && !is_connector(c, e)) {
            break;
        } else if (is_lower_word(c, e) && IN(prepositions, c, &c->tok[e]) && !seen_cap) {
            /* "the head of the union": keep going */
        }
        e++;
    }
    if (e == a)
        return none;
    return classify_np(c, a, e);
}

/* The subject of the sentence starting at token s (for participle cues: "X did Y, saying …"). */
static mention sentence_subject(const qctx *c, size_t s, size_t hi)
{
    mention none = {M_NONE, 0, 0, 0, 0};
    /* an introductory phrase ("Amid …, X", "Speaking at …, Salem, New Hampshire, X", "In June, X")
     * is skipped to a comma, then over commas that follow a name (an address or an apposition) */
    int timed = 0; /* "Hours later, X", "Two days ago, X": a time phrase up to a comma */
    for (size_t k = s + 1; k < hi && k < s + 4 && !timed; k++) {
        if (is_punct(c, k, ','))
            break;
        timed =
            is_lower_word(c, k) && (tok_is(c, k, "later") || tok_is(c, k, "ago") || tok_is(c, k, "earlier"));
    }
    if (s < hi && (intro_word(c, s) || ends_ing(c, s) || timed)) {
        size_t k = s;
        while (k < hi && k < s + 25 && !is_punct(c, k, ','))
            k++;
        if (k < hi && k < s + 25) {
            s = k + 1;
            for (int hop = 0; hop < 2 && s < hi && is_cap(c, s); hop++) {
                size_t e = cap_run_fwd(c, s, hi);
                if (e < hi && is_punct(c, e, ',') && e + 1 < hi && is_cap(c, e + 1))
                    s = e + 1;
                else
                    break;
            }
        }
    }
    for (size_t i = s; i < hi && i < s + 6; i++) {
        if (is_pronoun(c, i))
            return classify_np(c, i, i + 1);
        if (is_cap(c, i) && !IN(stop_words, c, &c->tok[i])) {
            size_t e = cap_run_fwd(c, i, hi);
            size_t b = i;
            while (b > s && is_cap(c, b - 1))
                b--;
            while (e < hi && (c->tok[e - 1].flags & TK_POSS) && is_cap(c, e)) {
                b = e; /* "The Blaze's Matt Walsh": the possessed name */
                e = cap_run_fwd(c, e, hi);
            }
            mention m = classify_np(c, b, e);
            return m.kind == M_NAME ? m : none;
        }
        if (is_punct(c, i, ','))
            break;
    }
    return none;
}

/* ---------------------------------------------------------------- cues */

enum cue_kind { CUE_NONE = 0, CUE_VERB, CUE_PART, CUE_ACCORDING, CUE_PUT_IT };

/* Is token i a speech cue (lowercase)? Multi-word cues need their next word. */
static enum cue_kind cue_at(const qctx *c, size_t i, size_t hi)
{
    if (!is_lower_word(c, i)) {
        if (is_word(c, i) && (tok_is(c, i, "according") && i + 1 < hi && tok_is(c, i + 1, "to")))
            return CUE_ACCORDING; /* sentence-initial "According to" */
        return CUE_NONE;
    }
    const qtok *t = &c->tok[i];
    if (IN(cue_part, c, t))
        return CUE_PART;
    if (!IN(cue_finite, c, t))
        return CUE_NONE;
    if (tok_is(c, i, "according"))
        return (i + 1 < hi && tok_is(c, i + 1, "to")) ? CUE_ACCORDING : CUE_NONE;
    if (tok_is(c, i, "selon") || tok_is(c, i, "laut"))
        return CUE_ACCORDING;
    if (tok_is(c, i, "put"))
        return (i + 1 < hi && tok_is(c, i + 1, "it")) ? CUE_PUT_IT : CUE_NONE;
    if (tok_is(c, i, "shot") || tok_is(c, i, "fired") || tok_is(c, i, "hit"))
        return (i + 1 < hi && tok_is(c, i + 1, "back")) ? CUE_VERB : CUE_NONE;
    if (tok_is(c, i, "pointed"))
        return (i + 1 < hi && tok_is(c, i + 1, "out")) ? CUE_VERB : CUE_NONE;
    return CUE_VERB;
}

static int negated(const qctx *c, size_t lo, size_t v)
{
    size_t a = v >= lo + 3 ? v - 3 : lo;
    for (size_t i = a; i < v; i++) {
        if (!is_word(c, i))
            continue;
        if (IN(negators, c, &c->tok[i]))
            return 1;
    }
    return 0;
}

/* Does word i open a reported clause after a cue verb ("said that …", "denounced what …", "told CNN
 * whom …")? Other conjunctions ("and", "but", "while", "because") start a clause of their own. */
static int complement_word(const qctx *c, size_t i)
{
    return tok_is(c, i, "that") || tok_is(c, i, "what") || tok_is(c, i, "whom") || tok_is(c, i, "how") ||
           tok_is(c, i, "why") || tok_is(c, i, "if") || tok_is(c, i, "whether");
}

/* The speaker of a quote inside a reported clause: when the subject m of the verb next to the quote
 * sits in the complement of an earlier cue verb of the same clause ("Rubio said that he had begun
 * “…”", "The president denounced what he called “…”", "Ryan told CNN that Kim's remarks “…”"), the
 * subject of that outer verb; else m. Tokens from s (the sentence start); the walk back from m stops
 * at punctuation, at a conjunction that opens a clause of its own and after 12 words. */
static mention outer_subject(const qctx *c, size_t s, mention m)
{
    if (m.kind == M_NONE || m.rel)
        return m;
    for (size_t k = m.t0; k > s && m.t0 - k < 12;) {
        size_t i = --k;
        if (!is_word(c, i))
            return m;
        if (!is_lower_word(c, i))
            continue;
        if (cue_at(c, i, m.t0) == CUE_VERB || IN(cue_broad, c, &c->tok[i])) {
            if (i == s || negated(c, s, i))
                return m;
            mention o = subject_before(c, s, i);
            return o.kind == M_NONE ? m : o;
        }
        if (IN(conjunctions, c, &c->tok[i]) && !complement_word(c, i))
            return m;
    }
    return m;
}

typedef struct attrib {
    mention m;
    st_speaker_method method;
    int found;
    int drop;
} attrib;

static attrib attrib_none(void)
{
    attrib r;
    memset(&r, 0, sizeof r);
    return r;
}

static attrib from_mention(mention m, st_speaker_method method)
{
    attrib r = attrib_none();
    if (m.kind == M_NONE)
        return r;
    r.m = m;
    r.found = 1;
    r.method = m.kind == M_PRONOUN ? ST_SPEAKER_PRONOUN : method;
    return r;
}

/* A cue right after the closing mark: tokens [a, hi). */
static attrib cue_after(const qctx *c, size_t a, size_t hi)
{
    size_t i = a;
    int dash = 0;
    /* commas, dashes and stray marks (the third ' of ,''' closing a nested quote) */
    while (i < hi && (is_punct(c, i, ',') || (c->tok[i].flags & (TK_DASH | TK_QMARK)))) {
        dash |= (c->tok[i].flags & TK_DASH) != 0;
        i++;
    }
    if (i >= hi)
        return attrib_none();
    size_t e = i;
    while (e < hi && !(c->tok[e].flags & (TK_SENT_END | TK_QMARK)) && !is_punct(c, e, ';') &&
           !is_punct(c, e, ':') && !(e > i && (c->tok[e].flags & TK_DASH)))
        e++;
    if (dash) {
        mention m = np_after(c, i, e);
        if (m.kind == M_NAME || m.kind == M_DESC)
            return from_mention(m, ST_SPEAKER_CUE);
        return attrib_none();
    }
    size_t lim = e < i + 14 ? e : i + 14;
    for (size_t v = i; v < lim; v++) {
        enum cue_kind k = cue_at(c, v, e);
        if (k == CUE_NONE && is_lower_word(c, v) && (tok_is(c, v, "read") || tok_is(c, v, "reads")))
            k = CUE_VERB; /* right after a quote, a text speaks: "“…,” the letter reads" */
        if (k == CUE_NONE)
            continue;
        if (k == CUE_ACCORDING)
            return from_mention(np_after(c, v + (tok_is(c, v, "according") ? 2 : 1), e),
                                ST_SPEAKER_ACCORDING_TO);
        if (k == CUE_PART)
            return attrib_none(); /* "“…,” telling Fox 35 that …": its object is no speaker */
        if (v == i)
            return from_mention(np_after(c, v + 1, e), ST_SPEAKER_CUE);
        if (is_punct(c, v - 1, ',') && is_lower_word(c, i) &&
            (IN(prepositions, c, &c->tok[i]) || IN(conjunctions, c, &c->tok[i])) && !tok_is(c, v, "told")) {
            /* the quote's sentence goes on, then an inverted cue: "“…” about the vote, said X" */
            mention m = np_after(c, v + 1, e);
            if (m.kind == M_NAME || m.kind == M_DESC)
                return from_mention(m, ST_SPEAKER_CUE);
        }
        return from_mention(subject_before(c, i, v), ST_SPEAKER_CUE);
    }
    /* a long appositive or relative clause: "…,” Jeremy Bash, who was the chief of staff to …,
     * said" - the phrase before the first comma, when a cue verb follows a later comma */
    size_t c1 = i;
    while (c1 < e && c1 < i + 10 && !is_punct(c, c1, ','))
        c1++;
    if (c1 >= e || !is_punct(c, c1, ',') || c1 == i)
        return attrib_none();
    size_t lim2 = e < i + 50 ? e : i + 50;
    for (size_t v = c1 + 2; v < lim2; v++) {
        if (cue_at(c, v, e) != CUE_VERB)
            continue;
        size_t b = v;
        while (b > c1 && is_lower_word(c, b - 1) && IN(aux_words, c, &c->tok[b - 1]))
            b--;
        if (!is_punct(c, b - 1, ','))
            continue;
        mention m = classify_np(c, i, c1);
        if (m.kind == M_NAME || m.kind == M_DESC)
            return from_mention(m, ST_SPEAKER_CUE);
        break;
    }
    return attrib_none();
}

/* After a quote that ends in a comma, ! or ?, a speaker next to a verb we do not list:
 * "“…!” beamed Donald Hartley", "“…,” he surmised", "“…,” the nominee riffed". Tokens [a, hi) as
 * for cue_after. */
static attrib unlisted_cue_after(const qctx *c, size_t a, size_t hi)
{
    size_t i = a;
    while (i < hi && (is_punct(c, i, ',') || (c->tok[i].flags & TK_QMARK)))
        i++;
    if (i + 1 >= hi)
        return attrib_none();
    if (verb_like(c, i)) {
        mention m = np_after(c, i + 1, hi);
        if (m.kind == M_NAME || m.kind == M_PRONOUN)
            return from_mention(m, ST_SPEAKER_CUE);
        return attrib_none();
    }
    if (is_pronoun(c, i) && verb_like(c, i + 1))
        return from_mention(classify_np(c, i, i + 1), ST_SPEAKER_CUE);
    size_t e = i;
    while (e < hi && e < i + 6 && (is_cap(c, e) || is_punct(c, e, '.') || is_connector(c, e)))
        e++;
    if (e > i && e < hi && verb_like(c, e)) {
        mention m = classify_np(c, i, e);
        if (m.kind == M_NAME)
            return from_mention(m, ST_SPEAKER_CUE);
    }
    if (e == i && is_lower_word(c, i) && IN(determiners, c, &c->tok[i])) {
        /* a descriptor: "“…,” the party's nominee riffed" */
        e = i + 1;
        while (e < hi && e < i + 5 && is_word(c, e) && !verb_like(c, e) && !IN(stop_words, c, &c->tok[e]))
            e++;
        if (e > i + 1 && e < hi && verb_like(c, e)) {
            mention m = classify_np(c, i, e);
            if (m.kind == M_DESC || m.kind == M_NAME)
                return from_mention(m, ST_SPEAKER_CUE);
        }
    }
    return attrib_none();
}

/* A cue in the sentence [s, b) that ends at the opening mark (token b). */
static attrib cue_in_sentence(const qctx *c, size_t s, size_t b, st_speaker_method method)
{
    for (size_t v = b; v > s;) {
        v--;
        enum cue_kind k = cue_at(c, v, b);
        if (k == CUE_NONE)
            continue;
        if (k == CUE_ACCORDING) {
            size_t a = v + (tok_is(c, v, "according") ? 2 : 1);
            size_t e = a;
            while (e < b && !is_punct(c, e, ',') && !np_boundary(c, e))
                e++;
            return from_mention(np_after(c, a, e), ST_SPEAKER_ACCORDING_TO);
        }
        if (negated(c, s, v)) {
            attrib r = attrib_none();
            r.drop = 1;
            return r;
        }
        mention m;
        if (k == CUE_PART) {
            size_t u = v; /* "…, alternately shouting “…”": over adverbs in -ly */
            while (u > s + 1 && is_lower_word(c, u - 1) && c->tok[u - 1].end - c->tok[u - 1].start > 4 &&
                   memcmp(c->s + c->tok[u - 1].end - 2, "ly", 2) == 0)
                u--;
            m = subject_before(c, s, v);
            if (m.kind == M_NONE || v == s || is_punct(c, v - 1, ',') || (u < v && is_punct(c, u - 1, ',')))
                m = sentence_subject(c, s, v);
        } else {
            m = subject_before(c, s, v);
            if (m.kind == M_NONE && v + 1 < b &&
                (v == s || (c->tok[v - 1].flags & TK_PUNCT))) { /* "Said Smith: …", "…, said X" */
                size_t e = v + 1;
                while (e < b && !is_punct(c, e, ',') && !is_punct(c, e, ':') && !np_boundary(c, e))
                    e++;
                m = np_after(c, v + 1, e);
            }
            if (m.kind == M_NONE)
                m = sentence_subject(c, s, v);
        }
        return from_mention(outer_subject(c, s, m), method);
    }
    return attrib_none();
}

/* For a short or embedded quote with no cue next to it: a speech or stance verb anywhere in its
 * sentence (`called the plan “dangerous”`, `described it as “unheard of”`), tokens [s, e)
 * without the quote's own tokens [q0, q1). Returns the subject of the nearest such verb before
 * the quote, else after it. Failing a listed verb, an unlisted -ed verb before the quote counts
 * when its subject is a name or a pronoun (`Trump defended his manager as a “very decent man”`). */
static attrib broad_cue(const qctx *c, size_t s, size_t e, size_t q0, size_t q1)
{
    size_t best = (size_t)-1, bestd = (size_t)-1, unlisted = (size_t)-1;
    for (size_t v = s; v < e; v++) {
        if (v >= q0 && v < q1)
            continue;
        if (!is_lower_word(c, v))
            continue;
        if (!(IN(cue_broad, c, &c->tok[v]) || cue_at(c, v, e) != CUE_NONE)) {
            if (v < q0 && verb_like(c, v))
                unlisted = v;
            continue;
        }
        size_t d = v < q0 ? q0 - v : 1000 + v - q1; /* a verb before the quote first */
        if (d < bestd) {
            bestd = d;
            best = v;
        }
    }
    int listed = best != (size_t)-1;
    if (!listed && unlisted != (size_t)-1 && q0 > s) {
        /* not a noun modifier or the object of a preposition ("a “virtual tie”", "the GOP’s
         * “establishment” candidate", "appeared on “Fox & Friends”") */
        const qtok *pt = &c->tok[q0 - 1];
        if ((pt->flags & TK_POSS) || (is_lower_word(c, q0 - 1) && IN(prepositions, c, pt)))
            unlisted = (size_t)-1;
    }
    if (!listed)
        best = unlisted;
    if (best == (size_t)-1)
        return attrib_none();
    size_t lo = s;
    mention m = {M_NONE, 0, 0, 0, 0};
    if (best > s && is_punct(c, best - 1, ',') && ends_ing(c, best))
        m = sentence_subject(c, s, best); /* "…, Trump went after Bush, calling him “…”" */
    if (m.kind == M_NONE)
        m = subject_before(c, lo, best);
    if (m.kind == M_NONE)
        m = sentence_subject(c, s, best);
    if (best < q0)
        m = outer_subject(c, s, m);
    if (!listed && !((m.kind == M_NAME && !m.org) || m.kind == M_PRONOUN))
        return attrib_none();
    if (m.kind == M_NONE) { /* the verb was found: keep the quote even without a speaker */
        attrib r = attrib_none();
        r.drop = -1;
        return r;
    }
    return from_mention(m, ST_SPEAKER_CUE);
}

/* A sentence that opens with a descriptor ("The council voted …", "A federal lawsuit alleged …"):
 * its determiner and the words after it up to the first verb-like or function word, at most five
 * words, tokens from s (not past hi). */
static mention desc_subject(const qctx *c, size_t s, size_t hi)
{
    mention none = {M_NONE, 0, 0, 0, 0};
    if (s >= hi || !is_word(c, s) || !(tok_is(c, s, "the") || tok_is(c, s, "a") || tok_is(c, s, "an")))
        return none;
    size_t e = s + 1;
    while (e < hi && e < s + 6 && is_word(c, e) && !verb_like(c, e) && !IN(aux_words, c, &c->tok[e]) &&
           !IN(prepositions, c, &c->tok[e]) && !IN(conjunctions, c, &c->tok[e]) &&
           !IN(stop_words, c, &c->tok[e]))
        e++;
    if (e == s + 1 || e >= hi || !is_lower_word(c, e))
        return none;
    mention m = classify_np(c, s, e);
    return m.kind == M_DESC || m.kind == M_NAME ? m : none;
}

/* The nearest name or pronoun right before a verb-like word in tokens [s, b), back from b: "…,
 * Bush referred to Rubio as “…” but described …". */
static mention name_before_verb(const qctx *c, size_t s, size_t b)
{
    mention none = {M_NONE, 0, 0, 0, 0};
    for (size_t v = b; v > s + 1;) {
        v--;
        if (!verb_like(c, v))
            continue;
        if (is_pronoun(c, v - 1))
            return classify_np(c, v - 1, v);
        if (!is_cap(c, v - 1))
            continue;
        size_t r0 = cap_run_back(c, s, v);
        mention m = classify_np(c, r0, v);
        if (m.kind == M_NAME)
            return m;
    }
    return none;
}

/* The speaker of a kept quote that no cue attributes: the subject of its own sentence when the
 * quote sits inside it (`He has declared Cruz to be “anointed”`, `Valastro praised X: “…”`), else
 * the subject of the sentence before it in the same paragraph. A quote that opens its paragraph
 * stays an orphan (shared/cases E10: no guess across paragraphs). Tokens: [s, b) the quote's
 * sentence up to its opening mark; p0 the paragraph's first byte. */
static attrib fallback_speaker(const qctx *c, size_t s, size_t b, size_t p0, int embedded)
{
    size_t tp0 = tok_at(c, p0);
    if (s < b) {
        mention m = sentence_subject(c, s, b);
        if (m.kind == M_NONE)
            m = desc_subject(c, s, b);
        if (m.kind == M_NONE)
            m = name_before_verb(c, s, b);
        if (m.kind != M_NONE)
            return from_mention(m, ST_SPEAKER_CONTEXT);
    }
    if (embedded)
        return attrib_none();
    if (s <= tp0)
        return attrib_none(); /* opens its paragraph: an orphan, never a guess across paragraphs */
    size_t ps = c->tok[s - 1].sent;
    if (ps < tp0)
        ps = tp0;
    if (s - ps > 80)
        ps = s - 80;
    mention m = sentence_subject(c, ps, s);
    if (m.kind == M_NONE)
        m = desc_subject(c, ps, s);
    if (m.kind != M_NONE)
        return from_mention(m, ST_SPEAKER_CONTEXT);
    return attrib_none();
}

/* ---------------------------------------------------------------- speakers */

/* Speaker text for a name mention: the fullest form of its entity when it extends this one. */
static char *name_string(qctx *c, const mention *m, size_t *ms, size_t *me)
{
    size_t a = c->tok[m->t0].start, b = tok_end_noposs(c, m->t1 - 1);
    *ms = a;
    *me = b;
    size_t ka = c->tok[m->t1 - 1].start;
    long e = ent_find(c, ka, b);
    if (e >= 0 && !m->org) {
        const qentity *en = &c->ent[e];
        size_t fl = en->end - en->start, nl = b - a;
        if (fl > nl && memcmp(c->s + en->end - nl, c->s + a, nl) == 0) {
            a = en->start;
            b = en->end;
        }
    }
    char *r = malloc(b - a + 1);
    if (!r)
        return NULL;
    memcpy(r, c->s + a, b - a);
    r[b - a] = '\0';
    return r;
}

static char *copy_span(const qctx *c, size_t a, size_t b)
{
    char *r = malloc(b - a + 1);
    if (!r)
        return NULL;
    memcpy(r, c->s + a, b - a);
    r[b - a] = '\0';
    return r;
}

/* Nearest person before byte pos: one who was a sentence subject or a speaker first, within a
 * bounded look-back. want_org: for "it"/"they". Returns the person index or -1. */
static long resolve_pronoun(const qctx *c, size_t pos, int want_org)
{
    size_t lo = 0, hi = c->nperson;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->person[mid].start < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    long nearest = -1;
    for (size_t k = 0, i = lo; i > 0 && k < 12; k++) {
        i--;
        const qperson *p = &c->person[i];
        if (pos - p->start > 3000)
            break;
        if ((int)p->org != want_org)
            continue;
        if (nearest < 0)
            nearest = (long)i;
        if (p->subject)
            return (long)i;
    }
    return nearest;
}

static void mark_subject(qctx *c, size_t start)
{
    size_t lo = 0, hi = c->nperson;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->person[mid].start < start)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < c->nperson && c->person[lo].start == start)
        c->person[lo].subject = 1;
}

/* Fills q's speaker from the attribution. Errors: ST_ERR_NOMEM. */
static st_status set_speaker(qctx *c, rawq *q, const attrib *r)
{
    const mention *m = &r->m;
    size_t ms = c->tok[m->t0].start, me = c->tok[m->t1 - 1].end;
    char *sp = NULL;
    switch (m->kind) {
    case M_NAME:
        sp = name_string(c, m, &ms, &me);
        if (sp)
            mark_subject(c, ms);
        break;
    case M_PRONOUN: {
        int want_org = tok_is(c, m->t0, "it") || tok_is(c, m->t0, "they") || tok_is(c, m->t0, "we");
        long p = resolve_pronoun(c, ms, want_org);
        if (p < 0 && want_org && !tok_is(c, m->t0, "it"))
            p = -1;
        if (p >= 0) {
            const qentity *en = &c->ent[c->person[p].ent];
            sp = copy_span(c, en->start, en->end);
        } else {
            sp = copy_span(c, ms, me);
        }
        break;
    }
    case M_DESC: {
        size_t t0 = m->t0;
        if (t0 + 1 < m->t1 && (tok_is(c, t0, "a") || tok_is(c, t0, "an") || tok_is(c, t0, "the")))
            t0++;
        ms = c->tok[t0].start;
        sp = copy_span(c, ms, me);
        break;
    }
    default: return ST_OK;
    }
    if (!sp)
        return ST_ERR_NOMEM;
    if (m->rel) {
        ms = c->tok[m->rel - 1].start;
        me = c->tok[m->rel - 1].end;
    }
    q->speaker = sp;
    q->spk_start = ms;
    q->spk_end = me;
    q->method = r->method;
    return ST_OK;
}

/* Is word i a kind of work whose title follows in quotes ("the podcast “…”", "his show “…”")? */
static int work_noun(const qctx *c, size_t i)
{
    static const char *const w[] = {"show",    "podcast",     "movie",   "film",   "book",     "series",
                                    "program", "programme",   "album",   "song",   "novel",    "episode",
                                    "play",    "documentary", "musical", "sitcom", "magazine", "newspaper"};
    if (!is_lower_word(c, i))
        return 0;
    for (size_t k = 0; k < NELEM(w); k++)
        if (tok_is(c, i, w[k]))
            return 1;
    return 0;
}

/* Are the words of tokens [a, b) in title case: the first capitalised, the others capitalised or
 * short function words ("Meet the Press", "Parks and Recreation")? */
static int title_case(const qctx *c, size_t a, size_t b)
{
    int first = 1;
    for (size_t i = a; i < b; i++) {
        if (!is_word(c, i))
            continue;
        if (is_cap(c, i) || (c->tok[i].flags & TK_DIGIT)) {
            first = 0;
            continue;
        }
        if (first ||
            !(IN(prepositions, c, &c->tok[i]) || IN(determiners, c, &c->tok[i]) || tok_is(c, i, "and")))
            return 0;
    }
    return !first;
}

/* Does word i join two coordinated quotes ("and", "or", "a", "an", "the")? */
static int coord_word(const qctx *c, size_t i)
{
    return is_lower_word(c, i) && (tok_is(c, i, "and") || tok_is(c, i, "or") || tok_is(c, i, "a") ||
                                   tok_is(c, i, "an") || tok_is(c, i, "the"));
}

/* A dash line under a quote that ends its paragraph (fact-check and list style: "“…” ¶ - Bernie
 * Sanders, in a debate ¶"): the name after the dash of the next non-empty paragraph, when that
 * paragraph is short and holds no quote (tokens from t, the first token after the quote). */
static attrib dash_line_after(const qctx *c, const rawq *q, size_t t)
{
    size_t pj = q->para1 + 1;
    while (pj < c->npara && c->para[pj].start == c->para[pj].end)
        pj++;
    if (pj >= c->npara || t >= c->ntok || c->tok[t].start < c->para[q->para1].end)
        return attrib_none();
    size_t a = tok_at(c, c->para[pj].start), b = tok_at(c, c->para[pj].end);
    if (a != t || b > a + 14 || !(c->tok[a].flags & TK_DASH))
        return attrib_none();
    for (size_t i = a; i < b; i++)
        if (c->tok[i].flags & TK_QMARK)
            return attrib_none();
    mention m = np_after(c, a + 1, b);
    return m.kind == M_NAME ? from_mention(m, ST_SPEAKER_CUE) : attrib_none();
}

/* Gives q the speaker of the earlier quote from (a continuation). Errors: ST_ERR_NOMEM. */
static st_status inherit(rawq *q, const rawq *from)
{
    size_t n = strlen(from->speaker);
    q->speaker = malloc(n + 1);
    if (!q->speaker)
        return ST_ERR_NOMEM;
    memcpy(q->speaker, from->speaker, n + 1);
    q->spk_start = from->spk_start;
    q->spk_end = from->spk_end;
    q->method = ST_SPEAKER_CONTINUATION;
    return ST_OK;
}

static size_t count_words(const qctx *c, size_t a, size_t b)
{
    size_t n = 0;
    for (size_t i = tok_at(c, a); i < c->ntok && c->tok[i].start < b; i++)
        n += is_word(c, i);
    return n;
}

st_status q_attribute(qctx *c)
{
    st_status rc;
    if ((rc = tokenize(c)) != ST_OK)
        return rc;
    if ((rc = collect_names(c)) != ST_OK)
        return rc;
    const rawq *prev = NULL; /* the last kept quote: a dropped title or scare quote is text */
    for (size_t qi = 0; qi < c->nq; qi++) {
        rawq *q = &c->q[qi];
        if (qi > 0 && !c->q[qi - 1].dropped) /* kept for good: only quote qi's own pass drops it */
            prev = &c->q[qi - 1];
        const rawq *next = qi + 1 < c->nq ? &c->q[qi + 1] : NULL;
        size_t p0 = c->para[q->para0].start;
        size_t lo_b = p0;
        if (prev && prev->para1 == q->para0 && prev->after > lo_b)
            lo_b = prev->after;
        size_t tb0 = tok_at(c, lo_b), tb1 = tok_at(c, q->open);
        size_t pe = c->para[q->para1].end;
        size_t hi_a = pe;
        if (next && next->open < hi_a)
            hi_a = next->open;
        size_t ta0 = tok_at(c, q->after), ta1 = tok_at(c, hi_a);
        if (ta1 > ta0 + 40)
            ta1 = ta0 + 40;
        if (tb1 > tb0 + 80)
            tb0 = tb1 - 80;

        attrib after = attrib_none(), before = attrib_none(), context = attrib_none();
        if (ta0 < ta1)
            after = cue_after(c, ta0, ta1);
        if (!after.found && ta0 < ta1 && q->end > q->start &&
            (q->ends_comma || c->s[q->end - 1] == '!' || c->s[q->end - 1] == '?')) {
            after = unlisted_cue_after(c, ta0, ta1);
            if (after.found && after.m.kind == M_DESC && tb1 > tb0 && is_word(c, tb1 - 1))
                after = attrib_none(); /* "… is “on pace,” the number needed": no speaker */
        }
        size_t cur_s = tb1 < c->ntok ? c->tok[tb1].sent : (tb1 > 0 ? c->tok[tb1 - 1].sent : 0);
        if (cur_s < tb0)
            cur_s = tb0;
        if (cur_s < tb1) {
            before = cue_in_sentence(c, cur_s, tb1, ST_SPEAKER_CUE);
            if (!before.found && !before.drop && is_punct(c, tb1 - 1, ':')) {
                /* colon lead-in: "Minister X: “…”" */
                mention m = classify_np(c, cur_s, tb1 - 1);
                if (m.kind == M_NAME && tb1 - 1 - cur_s <= 6) {
                    before = from_mention(m, ST_SPEAKER_CUE);
                } else {
                    /* "… – Philip Bump: “…”": a name right after a dash or comma */
                    size_t r0 = cap_run_back(c, cur_s, tb1 - 1);
                    if (r0 >= cur_s + 2 && is_lower_word(c, r0 - 1) && tok_is(c, r0 - 1, "and") &&
                        is_cap(c, r0 - 2))
                        r0 = cap_run_back(c, cur_s, r0 - 1); /* "- Ann Lee and Bo Kim: “…”" */
                    /* also after a verb or "from": "- More from Jones: “…”", "… doesn't surprise
                     * pollster Daron Shaw: “…”" (not after another preposition: "to CNN: “…”") */
                    int lead = r0 > cur_s && ((c->tok[r0 - 1].flags & TK_DASH) || is_punct(c, r0 - 1, ','));
                    int after_word = r0 > cur_s && is_lower_word(c, r0 - 1) &&
                                     (!IN(prepositions, c, &c->tok[r0 - 1]) || tok_is(c, r0 - 1, "from") ||
                                      tok_is(c, r0 - 1, "by"));
                    if (r0 < tb1 - 1 && (lead || after_word) &&
                        (r0 + 2 <= tb1 - 1 || lead ||
                         ent_find(c, c->tok[r0].start, tok_end_noposs(c, r0)) >= 0)) {
                        m = classify_np(c, r0, tb1 - 1);
                        if (m.kind == M_NAME)
                            before = from_mention(m, ST_SPEAKER_CUE);
                    }
                }
            }
        }
        if (!before.found && cur_s > tb0) {
            size_t ps = c->tok[cur_s - 1].sent;
            if (ps < tb0)
                ps = tb0;
            context = cue_in_sentence(c, ps, cur_s, ST_SPEAKER_CONTEXT);
            if (context.found && context.method == ST_SPEAKER_CUE)
                context.method = ST_SPEAKER_CONTEXT;
            context.drop = 0;
        }

        int strong_after = q->ends_comma || !q->ends_sentence;
        if (after.found) {
            /* a cue after the quote whose subject does not follow the closing mark opens
             * another clause: after an embedded quote with a cue before it ("Cruz says he is
             * “…” with Rubio, in a finish that he said …", "X said he was “…,” and he
             * reiterated"), or another sentence ("… “….” In a series of posts, Mr. Frum wrote") */
            size_t k = ta0;
            while (k < ta1 && (is_punct(c, k, ',') || (c->tok[k].flags & (TK_DASH | TK_QMARK))))
                k++;
            int far = after.m.t0 > k && cue_at(c, k, ta1) == CUE_NONE && !verb_like(c, k);
            if (far && before.found && tb1 > tb0 && is_word(c, tb1 - 1))
                strong_after = 0;
            /* after a closing ? or ! the cue right after the mark still attributes the quote, its
             * subject behind a title or a descriptor ("“…?” Mrs. Lee asked", "“…!” the leader, Ivo
             * Rask, wrote"); an introductory phrase opens another sentence */
            else if (far && q->ends_sentence && !q->ends_comma &&
                     (c->s[q->end - 1] == '.' || intro_word(c, k)))
                after = attrib_none();
        }
        if (!after.found && !q->unclosed)
            after = dash_line_after(c, q, ta0);
        int embedded = tb1 > 0 && tb1 > tb0 && is_word(c, tb1 - 1);
        if (context.found && !before.found && cur_s < tb1) {
            /* a quote that does not open its sentence: that sentence's subject and verb ("In the
             * email, X described the move as “…”") before a cue of the sentence before */
            attrib own = broad_cue(c, cur_s, tb1, tb1, tb1);
            if (own.found)
                context = own;
        }
        attrib *pick = NULL;
        if (after.found && (strong_after || !before.found))
            pick = &after;
        else if (before.found)
            pick = &before;
        else if (before.drop) {
            q->dropped = 1;
            continue;
        } else if (context.found)
            pick = &context;
        if (pick) {
            if ((rc = set_speaker(c, q, pick)) != ST_OK)
                return rc;
            if (q->speaker && q->method == ST_SPEAKER_CONTEXT && context.m.kind == M_PRONOUN)
                q->method = ST_SPEAKER_PRONOUN;
        } else if (tb1 == tok_at(c, p0) && qi > 0) {
            /* continuation: opens its paragraph right after a paragraph ending in an attributed quote */
            size_t pj = q->para0;
            while (pj > 0 && c->para[pj - 1].start == c->para[pj - 1].end)
                pj--;
            const rawq *pq = NULL;
            if (prev && (prev->para1 + 1 == pj || (pj > 0 && prev->para1 == pj - 1)))
                pq = prev;
            if (pq && pq->speaker) {
                size_t s_end = c->para[pq->para1].end;
                size_t n_end = 0;
                for (size_t t = tok_at(c, pq->after); t < c->ntok && c->tok[t].start < s_end; t++)
                    n_end += (c->tok[t].flags & TK_SENT_END) != 0 && c->tok[t].end < s_end - 0;
                size_t last = tok_at(c, s_end);
                if (last > 0 && (c->tok[last - 1].flags & TK_SENT_END) && n_end > 0)
                    n_end--;
                if (n_end == 0 && (rc = inherit(q, pq)) != ST_OK)
                    return rc;
            }
        }
        if (!q->speaker && !embedded && prev && prev->speaker && prev->para1 == q->para0) {
            /* "“…,” X said on ABC's “This Week.” “…”": the previous attributed quote of the
             * paragraph, at most one sentence back */
            size_t n_end = 0;
            for (size_t t = tok_at(c, prev->after); t < tb1; t++)
                n_end += (c->tok[t].flags & TK_SENT_END) != 0;
            if (n_end <= 1 && (rc = inherit(q, prev)) != ST_OK)
                return rc;
        }
        if (!q->speaker && tb1 == tok_at(c, p0) && q->para0 > 0) {
            /* a lead-in paragraph: "Carter said that … would not happen. ¶ “That's because …”",
             * "Cruz continued: ¶ “…”" - a cue in the last sentence of the previous paragraph,
             * when that sentence quotes nothing */
            size_t pj = q->para0 - 1;
            while (pj > 0 && c->para[pj].start == c->para[pj].end)
                pj--;
            size_t t_end = tok_at(c, c->para[pj].end);
            if (t_end > 0 && c->para[pj].start < c->para[pj].end) {
                size_t ls = c->tok[t_end - 1].sent;
                if (t_end - ls > 80)
                    ls = t_end - 80;
                int quoted = prev && prev->after > c->tok[ls].start;
                if (!quoted) {
                    attrib r = cue_in_sentence(c, ls, t_end, ST_SPEAKER_CONTEXT);
                    if (!r.found && !r.drop && is_punct(c, t_end - 1, ':') && t_end - 1 > ls) {
                        /* "Cruz called them on it: ¶ “…”", "Stated Stone: ¶ “…”": the subject
                         * of a lead-in that ends in a colon, or the name after its opening verb */
                        mention m = is_cap(c, ls) && IN(cue_finite, c, &c->tok[ls])
                                        ? np_after(c, ls + 1, t_end - 1)
                                        : sentence_subject(c, ls, t_end - 1);
                        if (m.kind == M_NAME)
                            r = from_mention(m, ST_SPEAKER_CONTEXT);
                    }
                    if (r.found) {
                        if ((rc = set_speaker(c, q, &r)) != ST_OK)
                            return rc;
                        if (q->method == ST_SPEAKER_CUE)
                            q->method = ST_SPEAKER_CONTEXT;
                    }
                }
            }
        }
        size_t nw = count_words(c, q->start, q->end);
        int keep_orphan = 0;
        if (!q->speaker && (embedded || nw <= 4)) {
            /* a stance or speech verb elsewhere in the sentence makes it a partial quote */
            size_t se = ta0;
            while (se < c->ntok && se < ta0 + 60 && c->tok[se].start < pe &&
                   !(c->tok[se].flags & TK_SENT_END))
                se++;
            /* the whole sentence, also before an earlier quote of it ("X said Y was “…” while Z
             * is “…”") */
            size_t full_s = tb1 < c->ntok ? c->tok[tb1].sent : cur_s;
            if (full_s > cur_s || tb1 - full_s > 80)
                full_s = cur_s;
            attrib r = broad_cue(c, full_s, se, tb1, ta0);
            if (r.found) {
                if ((rc = set_speaker(c, q, &r)) != ST_OK)
                    return rc;
            }
            keep_orphan = r.drop == -1;
        }
        if (!q->speaker && !keep_orphan && nw <= 4 && qi > 0 && !c->q[qi - 1].dropped &&
            c->q[qi - 1].para1 == q->para0) {
            /* a coordinated quote: "“profane” and “sexist”", "a “fascist” and a “Stalinist”" -
             * the previous quote, joined by at most three of , and or a an the */
            const rawq *pq = &c->q[qi - 1];
            size_t t = tok_at(c, pq->after), n = 0;
            while (t < tb1 && n <= 3 && (is_punct(c, t, ',') || coord_word(c, t))) {
                t++;
                n++;
            }
            if (t == tb1 && n >= 1) {
                keep_orphan = 1;
                if (pq->speaker && (rc = inherit(q, pq)) != ST_OK)
                    return rc;
                if (q->speaker)
                    q->method = pq->method;
            }
        }
        /* partial: quoted words embedded in a sentence with a cue */
        if (q->speaker && embedded && !q->unclosed)
            q->partial = 1;
        /* scare quotes, nicknames, titles of works, attribute values: short, no cue */
        int nickname = tb1 > tb0 && is_cap(c, tb1 - 1) && ta0 < c->ntok && is_cap(c, ta0) && nw <= 3 &&
                       !q->ends_sentence;
        int attr_value = tb1 > 0 && is_punct(c, tb1 - 1, '=');
        int work = nw <= 6 && tb1 > tb0 && work_noun(c, tb1 - 1) && title_case(c, tok_at(c, q->start), ta0);
        if (nickname || attr_value || work ||
            (!q->speaker && !keep_orphan && nw <= 4 && (embedded || !q->ends_sentence))) {
            q->dropped = 1;
            free(q->speaker);
            q->speaker = NULL;
            continue;
        }
        if (!q->speaker) {
            size_t full_s = tb1 < c->ntok ? c->tok[tb1].sent : cur_s;
            if (full_s > tb1 || tb1 - full_s > 80)
                full_s = cur_s;
            attrib r = fallback_speaker(c, full_s, tb1, p0, embedded);
            if (r.found) {
                if ((rc = set_speaker(c, q, &r)) != ST_OK)
                    return rc;
                q->partial = embedded && !q->unclosed;
            }
        }
    }
    return ST_OK;
}

void q_attrib_free(qctx *c)
{
    free(c->tok);
    free(c->person);
    free(c->ent);
    free(c->ent_hash);
    c->tok = NULL;
    c->person = NULL;
    c->ent = NULL;
    c->ent_hash = NULL;
}
