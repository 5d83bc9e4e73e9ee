/* test_quotes.c - quote extraction and speaker attribution (core/st_quotes.h).
 *
 * `test_quotes` runs the project's own cases (original texts, one per rule and per fixed fault).
 * `test_quotes --shared` runs what needs ../shared: every case of cases/quote-cases.jsonl (compared
 * after NFC and ASCII-whitespace collapsing, as cases/README.md suggests), the seed article, and
 * extraction over all BBC articles with span invariants; it exits 77 (skipped) when shared/ is
 * absent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <utf8proc.h>

#include "st_quotes.h"

/* ---------------------------------------------------------------- helpers */

typedef struct want {
    const char *quote;
    const char *speaker; /* NULL: no speaker */
} want;

static void extract(const char *text, st_quotes *q)
{
    st_quotes_init(q);
    assert_int_equal(st_quotes_extract(text, strlen(text), q), ST_OK);
}

static void print_quotes(const st_quotes *q)
{
    for (size_t i = 0; i < q->n; i++)
        print_message("  got [%s] -> %s (%s)\n", q->items[i].text,
                      q->items[i].speaker ? q->items[i].speaker : "null",
                      st_speaker_method_name(q->items[i].method));
}

/* Checks that text gives exactly the n quotes of w, in order. */
static void expect(const char *text, const want *w, size_t n)
{
    st_quotes q;
    extract(text, &q);
    if (q.n != n)
        print_quotes(&q);
    assert_int_equal(q.n, n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(q.items[i].text, w[i].quote) != 0)
            print_quotes(&q);
        assert_string_equal(q.items[i].text, w[i].quote);
        assert_int_equal(q.items[i].text_len, strlen(w[i].quote));
        if (w[i].speaker) {
            if (!q.items[i].speaker)
                print_quotes(&q);
            assert_non_null(q.items[i].speaker);
            assert_string_equal(q.items[i].speaker, w[i].speaker);
            assert_true(q.items[i].speaker_start < q.items[i].speaker_end);
            assert_true(q.items[i].speaker_end <= strlen(text));
        } else {
            if (q.items[i].speaker)
                print_quotes(&q);
            assert_null(q.items[i].speaker);
            assert_int_equal(q.items[i].method, ST_SPEAKER_NONE);
        }
    }
    st_quotes_free(&q);
}

#define EXPECT(text, ...)                                                                                    \
    do {                                                                                                     \
        const want w_[] = {__VA_ARGS__};                                                                     \
        expect(text, w_, sizeof w_ / sizeof w_[0]);                                                          \
    } while (0)

static void expect_none(const char *text)
{
    st_quotes q;
    extract(text, &q);
    if (q.n)
        print_quotes(&q);
    assert_int_equal(q.n, 0);
    st_quotes_free(&q);
}

/* The first quote whose text is t. */
static const st_quote *find_quote(const st_quotes *q, const char *t)
{
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->items[i].text, t) == 0)
            return &q->items[i];
    return NULL;
}

/* ---------------------------------------------------------------- marks and pairing */

static void test_straight_and_curly(void **state)
{
    (void)state;
    EXPECT("\"The ferry will sail at noon,\" Captain Rosa Imbert said.",
           {"The ferry will sail at noon", "Rosa Imbert"});
    EXPECT("“The ferry will sail at noon,” Captain Rosa Imbert said.",
           {"The ferry will sail at noon", "Rosa Imbert"});
}

static void test_multi_paragraph_reopen(void **state)
{
    (void)state;
    EXPECT("Lighthouse keeper Anneli Strand spoke first.\n\n“The lamp needs a new lens. We asked "
           "twice.\n\n“Nobody "
           "answered.”\n\nThe meeting ended at nine.",
           {"The lamp needs a new lens. We asked twice.\n\nNobody answered.", NULL});
    /* with a cue: the whole run belongs to the speaker */
    EXPECT("Anneli Strand said: “The lamp needs a new lens.\n\n“Nobody answered.”",
           {"The lamp needs a new lens.\n\nNobody answered.", "Anneli Strand"});
}

static void test_joined_paragraphs_reopen(void **state)
{
    (void)state;
    /* paragraphs joined by a space keep their reopening mark: one quote */
    EXPECT("Coach Ivo Marek said: \"We played well in the first half. \"The second half was a different "
           "story.\" "
           "The club is fourth.",
           {"We played well in the first half. The second half was a different story.", "Ivo Marek"});
}

static void test_unclosed_stops_at_paragraph(void **state)
{
    (void)state;
    st_quotes q;
    extract("Warden Lotte Haas said, “the gate stays shut until spring\n\nThe road was closed in May.", &q);
    assert_int_equal(q.n, 1);
    assert_string_equal(q.items[0].text, "the gate stays shut until spring");
    assert_int_equal(q.items[0].unclosed, 1);
    assert_string_equal(q.items[0].speaker, "Lotte Haas");
    st_quotes_free(&q);
}

static void test_apostrophes_are_not_quotes(void **state)
{
    (void)state;
    EXPECT("The farmers’ union met. “We’ll keep the ’90s rules and the drivers’ hours,” said Pia Lund.",
           {"We’ll keep the ’90s rules and the drivers’ hours", "Pia Lund"});
    EXPECT("The farmers' union met. \"We'll keep the '90s rules,\" said Pia Lund.",
           {"We'll keep the '90s rules", "Pia Lund"});
    expect_none("The bakers’ guild and the ’tween years aren’t news. O’Neill’s shop didn’t open.");
}

static void test_nested_quotes_stay_inside(void **state)
{
    (void)state;
    EXPECT("“My neighbour told me, ‘Keep the teachers’ notes,’ and I did,” said Ruth Amsel.",
           {"My neighbour told me, ‘Keep the teachers’ notes,’ and I did", "Ruth Amsel"});
    EXPECT("\"He shouted 'stop' twice,\" Tomas Berg said.", {"He shouted 'stop' twice", "Tomas Berg"});
}

static void test_single_quotes_as_quotes(void **state)
{
    (void)state;
    EXPECT("‘The bridge is safe,’ engineer Olga Berin said.", {"The bridge is safe", "Olga Berin"});
}

static void test_guillemets_and_low_quotes(void **state)
{
    (void)state;
    EXPECT("La ministre, Odile Farge, a déclaré\u00a0: «\u00a0Le port rouvrira demain.\u00a0»",
           {"Le port rouvrira demain.", "Odile Farge"});
    EXPECT("Die Sprecherin Lena Vogt sagte: „Wir prüfen das.“", {"Wir prüfen das.", "Lena Vogt"});
    EXPECT("Der Minister Karl Brand sagte: »Das Projekt kommt.«", {"Das Projekt kommt.", "Karl Brand"});
    /* a » bullet opens nothing */
    expect_none("» Punkt 3: Haushalt\n» Punkt 4: Verschiedenes");
}

static void test_wrong_kind_and_missing_space(void **state)
{
    (void)state;
    /* the closer typed as an opener */
    EXPECT("“The pier is closed“ said harbour master Ines Kolar.", {"The pier is closed", "Ines Kolar"});
    /* no space before the straight opener */
    EXPECT("It rained.\"We stay open,\" manager Dag Olsen said.", {"We stay open", "Dag Olsen"});
}

static void test_doubled_apostrophes(void **state)
{
    (void)state;
    EXPECT("''We will appeal,'' said Marta Quinn, the union lawyer.", {"We will appeal", "Marta Quinn"});
}

static void test_degenerate_inputs(void **state)
{
    (void)state;
    st_quotes q;
    st_quotes_init(&q);
    assert_int_equal(st_quotes_extract("", 0, &q), ST_OK);
    assert_int_equal(q.n, 0);
    assert_int_equal(st_quotes_extract(NULL, 0, &q), ST_OK);
    assert_int_equal(q.n, 0);
    st_quotes_free(&q);
    expect_none("\"");
    expect_none("\"\"=");
    expect_none("“”");
    expect_none("« »");
    /* invalid bytes never start or end a quote and are never read past len */
    const char bad[] = {'"', (char)0xE2, (char)0x80, '"', ' ', (char)0xFF, '"', 'a'};
    extract("", &q);
    assert_int_equal(st_quotes_extract(bad, sizeof bad, &q), ST_OK);
    for (size_t i = 0; i < q.n; i++)
        assert_true(q.items[i].end <= sizeof bad);
    st_quotes_free(&q);
}

/* ---------------------------------------------------------------- cues */

static void test_cue_verbs(void **state)
{
    (void)state;
    EXPECT("“Prices will fall,” Ada Morrow told reporters.", {"Prices will fall", "Ada Morrow"});
    EXPECT("“Prices will fall,” Ada Morrow warned.", {"Prices will fall", "Ada Morrow"});
    EXPECT("“Prices will fall,” Ada Morrow insisted on Monday.", {"Prices will fall", "Ada Morrow"});
    EXPECT("“Prices will fall,” Ada Morrow grumbled.", {"Prices will fall", "Ada Morrow"});
    EXPECT("Ada Morrow wrote: “Prices will fall.”", {"Prices will fall.", "Ada Morrow"});
    EXPECT("Ada Morrow tweeted: “Prices will fall.”", {"Prices will fall.", "Ada Morrow"});
    EXPECT("Ada Morrow posted on X: “Prices will fall.”", {"Prices will fall.", "Ada Morrow"});
    EXPECT("As Ada Morrow put it, “prices will fall.”", {"prices will fall.", "Ada Morrow"});
    EXPECT("“Prices will fall,” argued Ada Morrow.", {"Prices will fall", "Ada Morrow"});
}

static void test_inverted_and_titles(void **state)
{
    (void)state;
    EXPECT("“We need more buses,” said Transport Minister Jonas Pell.", {"We need more buses", "Jonas Pell"});
    EXPECT("“We need more buses,” said council leader Jonas Pell.", {"We need more buses", "Jonas Pell"});
    EXPECT("“We need more buses,” said the minister.", {"We need more buses", "minister"});
}

static void test_appositive(void **state)
{
    (void)state;
    EXPECT("Edda Lind, a retired judge, said: “The ruling stands.”", {"The ruling stands.", "Edda Lind"});
    EXPECT("“The ruling stands,” the clerk, Edda Lind, said.", {"The ruling stands", "Edda Lind"});
}

static void test_according_to_and_orgs(void **state)
{
    (void)state;
    EXPECT("According to the Northern Rail Board, the line “will reopen in June”.",
           {"will reopen in June", "Northern Rail Board"});
    EXPECT("“The line will reopen in June,” according to the Northern Rail Board.",
           {"The line will reopen in June", "Northern Rail Board"});
    EXPECT("Kessel Town Council said it was “deeply concerned by the delay”.",
           {"deeply concerned by the delay", "Kessel Town Council"});
}

static void test_colon_and_dash(void **state)
{
    (void)state;
    EXPECT("Mayor Ilka Dorn: “We will rebuild the square.”", {"We will rebuild the square.", "Ilka Dorn"});
    EXPECT("“We will rebuild the square.” — Ilka Dorn, mayor", {"We will rebuild the square.", "Ilka Dorn"});
}

static void test_unnamed_descriptor(void **state)
{
    (void)state;
    EXPECT("“The plan is on track,” a spokeswoman for Mayor Ilka Dorn said.",
           {"The plan is on track", "spokeswoman for Mayor Ilka Dorn"});
    EXPECT("“The plan is on track,” one engineer said.", {"The plan is on track", "one engineer"});
}

static void test_pronoun_and_surname(void **state)
{
    (void)state;
    EXPECT("Senator Maren Holt arrived late. “The vote is tomorrow,” she said. “We have the numbers,” Holt "
           "added.",
           {"The vote is tomorrow", "Maren Holt"}, {"We have the numbers", "Maren Holt"});
    /* the speaker is the fullest name of the article, even when named in full only later */
    EXPECT("“We will win,” Holt said. Maren Holt has led the party since 2019.",
           {"We will win", "Maren Holt"});
    /* the pronoun keeps its own mention */
    st_quotes q;
    const char *t = "Judge Per Aune spoke. “Case closed,” he said.";
    extract(t, &q);
    assert_int_equal(q.n, 1);
    assert_string_equal(q.items[0].speaker, "Per Aune");
    assert_int_equal(q.items[0].method, ST_SPEAKER_PRONOUN);
    assert_int_equal(q.items[0].speaker_end - q.items[0].speaker_start, 2);
    assert_memory_equal(t + q.items[0].speaker_start, "he", 2);
    st_quotes_free(&q);
}

static void test_continuation_and_orphans(void **state)
{
    (void)state;
    EXPECT("“The dam is sound,” said engineer Vera Sol.\n\n“We checked every joint.”",
           {"The dam is sound", "Vera Sol"}, {"We checked every joint.", "Vera Sol"});
    EXPECT("“The dam is sound,” said engineer Vera Sol.\n\nThe river fell overnight.\n\n“We checked every "
           "joint.”",
           {"The dam is sound", "Vera Sol"}, {"We checked every joint.", NULL});
    EXPECT("“The dam is sound,” Vera Sol said. “We checked every joint.”", {"The dam is sound", "Vera Sol"},
           {"We checked every joint.", "Vera Sol"});
}

static void test_split_quote(void **state)
{
    (void)state;
    EXPECT("“First,” Rolf Ekman said, “we fix the roof.”", {"First", "Rolf Ekman"},
           {"we fix the roof.", "Rolf Ekman"});
}

static void test_scare_quotes_and_nicknames(void **state)
{
    (void)state;
    expect_none("The so-called “green corridor” opened on Friday near the harbour.");
    expect_none("Boxer Tom “The Hammer” Velde retired.");
    expect_none("The band played “Northern Lights” twice before the storm.");
}

static void test_partial_quote(void **state)
{
    (void)state;
    st_quotes q;
    extract("Finance chief Oda Rask warned that the budget “will not survive the winter”.", &q);
    assert_int_equal(q.n, 1);
    assert_string_equal(q.items[0].text, "will not survive the winter");
    assert_string_equal(q.items[0].speaker, "Oda Rask");
    assert_int_equal(q.items[0].partial, 1);
    st_quotes_free(&q);
    extract("Oda Rask said: “The budget is fine.”", &q);
    assert_int_equal(q.n, 1);
    assert_int_equal(q.items[0].partial, 0);
    st_quotes_free(&q);
}

/* Faults fixed in the second round, one original text per kind. */

/* A conjunction or adverb glued to a pronoun or name ("But he", "And Mr. X") is no speaker. */
static void test_leading_conjunction(void **state)
{
    (void)state;
    st_quotes q;
    const char *t = "Ada Morrow chaired the session. But she told the Harbour Gazette: “The ferry stays.”";
    extract(t, &q);
    assert_int_equal(q.n, 1);
    assert_string_equal(q.items[0].speaker, "Ada Morrow");
    assert_int_equal(q.items[0].method, ST_SPEAKER_PRONOUN);
    assert_memory_equal(t + q.items[0].speaker_start, "she", 3);
    assert_int_equal(q.items[0].speaker_end - q.items[0].speaker_start, 3);
    st_quotes_free(&q);
    EXPECT("And Mr. Ivo Lind said: “We will rebuild the pier.”", {"We will rebuild the pier.", "Ivo Lind"});
    extract("Ada Morrow chaired the session. She also dismissed the report, telling the board: “The ferry "
            "stays.”",
            &q);
    assert_int_equal(q.n, 1);
    assert_string_equal(q.items[0].speaker, "Ada Morrow");
    assert_int_equal(q.items[0].method, ST_SPEAKER_PRONOUN);
    st_quotes_free(&q);
    EXPECT("However, the harbour master said: “We will rebuild the pier.”",
           {"We will rebuild the pier.", "harbour master"});
}

/* "“…,” X, who …, said": a long appositive or relative clause between the name and its cue. */
static void test_long_appositive_after(void **state)
{
    (void)state;
    EXPECT("“The pier will reopen in May,” Ingrid Falk, who ran the port authority for a decade before it "
           "merged with the rail board, said on Tuesday.",
           {"The pier will reopen in May", "Ingrid Falk"});
    EXPECT("''I told them 'no,''' said Ivo Lind.", {"I told them 'no", "Ivo Lind"});
}

/* "Mr." and other abbreviated titles do not cut a name ("Mr" was returned as the speaker). */
static void test_abbreviated_title(void **state)
{
    (void)state;
    st_quotes q;
    const char *t = "Per Halvorsen spoke first. Mr. Halvorsen met the mayor on Sunday after the vote, saying "
                    "the plan was "
                    "“a reckless gamble” for the port.";
    extract(t, &q);
    assert_int_equal(q.n, 1);
    assert_string_equal(q.items[0].speaker, "Per Halvorsen");
    assert_memory_equal(t + q.items[0].speaker_start, "Halvorsen", 9);
    assert_int_equal(q.items[0].partial, 1);
    st_quotes_free(&q);
}

/* Partial quotes: the subject of the clause, not an object, a place or an introductory phrase. */
static void test_partial_quote_subjects(void **state)
{
    (void)state;
    EXPECT("Ada Morrow met Jon Pike on Sunday after the harbour master had said that the ferry was "
           "“beyond repair.”",
           {"beyond repair.", "harbour master"});
    EXPECT("Speaking at a rally in Bodø, Nordland, Ada Morrow attacked Jon Pike, calling him “a coward.”",
           {"a coward.", "Ada Morrow"});
    EXPECT("Amid protests, the Harbour Gazette’s Ada Morrow defended the plan, saying it would “save the "
           "port.”",
           {"save the port.", "Ada Morrow"});
    EXPECT("Ada Morrow praised the plan and said the Nordic minister can “bring real change” to the port.",
           {"bring real change", "Ada Morrow"});
}

/* A quote with no cue of its own: the previous attributed quote of its paragraph, or a lead-in
 * paragraph that ends in a cue. */
static void test_context_continuations(void **state)
{
    (void)state;
    EXPECT("“The dam is sound,” Vera Sol said on Radio North’s “Morning Call.” “We checked every joint.”",
           {"The dam is sound", "Vera Sol"}, {"Morning Call.", "Vera Sol"},
           {"We checked every joint.", "Vera Sol"});
    EXPECT("Vera Sol said the dam would hold through the spring floods.\n\n“We checked every joint.”",
           {"We checked every joint.", "Vera Sol"});
    EXPECT("Vera Sol continued:\n\n“We checked every joint.”", {"We checked every joint.", "Vera Sol"});
    EXPECT("The river fell overnight.\n\n“We checked every joint.”", {"We checked every joint.", NULL});
}

/* Coordinated short quotes are kept together: "“profane” and “sexist”". */
static void test_coordinated_quotes(void **state)
{
    (void)state;
    EXPECT("Ada Morrow called the remarks “reckless” and “cruel” on Monday.", {"reckless", "Ada Morrow"},
           {"cruel", "Ada Morrow"});
    expect_none("The so-called “green corridor” opened on Friday near the harbour.");
}

static void test_negated_speech(void **state)
{
    (void)state;
    expect_none("Oda Rask never said “the budget is fine” at the hearing.");
    expect_none("Oda Rask would not say “the budget is fine” in public.");
}

static void test_duplicates_once(void **state)
{
    (void)state;
    EXPECT("“We are ready,” Nils Aho said.\n\n“We are ready,” Nils Aho said.", {"We are ready", "Nils Aho"});
}

static void test_offsets_are_bytes(void **state)
{
    (void)state;
    const char *t = "Zoë Ærø said: “Ça va.”";
    st_quotes q;
    extract(t, &q);
    assert_int_equal(q.n, 1);
    assert_memory_equal(t + q.items[0].start, "Ça va.", strlen("Ça va."));
    assert_int_equal(q.items[0].end - q.items[0].start, strlen("Ça va."));
    assert_memory_equal(t + q.items[0].speaker_start, "Zoë Ærø", strlen("Zoë Ærø"));
    st_quotes_free(&q);
}

static void test_method_names(void **state)
{
    (void)state;
    assert_string_equal(st_speaker_method_name(ST_SPEAKER_NONE), "none");
    assert_string_equal(st_speaker_method_name(ST_SPEAKER_CUE), "cue");
    assert_string_equal(st_speaker_method_name(ST_SPEAKER_PRONOUN), "pronoun");
    assert_string_equal(st_speaker_method_name(ST_SPEAKER_CONTINUATION), "continuation");
    assert_string_equal(st_speaker_method_name(ST_SPEAKER_ACCORDING_TO), "according_to");
    assert_string_equal(st_speaker_method_name(ST_SPEAKER_CONTEXT), "context");
}

static void test_reuse_out(void **state)
{
    (void)state;
    st_quotes q;
    extract("“One,” Ann Vik said.", &q);
    assert_int_equal(q.n, 1);
    assert_int_equal(st_quotes_extract("No quotes here.", 15, &q), ST_OK);
    assert_int_equal(q.n, 0);
    st_quotes_free(&q);
}

/* ---------------------------------------------------------------- third round: attribution faults */

/* The speech verb sits before an earlier quote of the same sentence: the second phrase is kept too. */
static void test_cue_before_earlier_quote(void **state)
{
    (void)state;
    EXPECT("Mayor Ilse Brandt said the old budget was “a mess” while the new one is “a step forward.”",
           {"a mess", "Ilse Brandt"}, {"a step forward.", "Ilse Brandt"});
}

/* No listed cue: a long quote inside a sentence belongs to the sentence's subject. */
static void test_subject_of_own_sentence(void **state)
{
    (void)state;
    const char *t = "Councillor Tomas Berg has branded the bridge “a national embarrassment that nobody "
                    "wants to fix” in several interviews.";
    EXPECT(t, {"a national embarrassment that nobody wants to fix", "Tomas Berg"});
    st_quotes q;
    extract(t, &q);
    assert_int_equal(q.n, 1);
    assert_int_equal(q.items[0].partial, 1);
    st_quotes_free(&q);
    /* a descriptor subject, an unlisted verb */
    EXPECT("The union rejected the offer as “an insult to every nurse in the country.”",
           {"an insult to every nurse in the country.", "union"});
    /* the sentence before, in the same paragraph */
    EXPECT("Coach Ivo Marek praised the young players on Sunday. “They ran until the last minute and never "
           "gave up.”",
           {"They ran until the last minute and never gave up.", "Ivo Marek"});
}

/* "X, who …, described Y as “…”": the cue attaches to "who", the speaker is X's name. */
static void test_relative_pronoun_span(void **state)
{
    (void)state;
    const char *t = "Radio host Glenn Sorensen spoke on Monday. Sorensen, who has in the past described "
                    "the plan as “a reckless gamble with public money,” left early.";
    st_quotes q;
    extract(t, &q);
    if (q.n != 1)
        print_quotes(&q);
    assert_int_equal(q.n, 1);
    assert_non_null(q.items[0].speaker);
    assert_string_equal(q.items[0].speaker, "Glenn Sorensen");
    assert_int_equal(q.items[0].speaker_end - q.items[0].speaker_start, 3);
    assert_memory_equal(t + q.items[0].speaker_start, "who", 3);
    st_quotes_free(&q);
    /* "which he described": the pronoun is the subject, not "which" */
    const char *t2 = "Energy adviser Karl Lund visited the plant, which he described as “like an open wound "
                     "in the valley.”";
    extract(t2, &q);
    assert_int_equal(q.n, 1);
    assert_non_null(q.items[0].speaker);
    assert_memory_equal(t2 + q.items[0].speaker_start, "he", 2);
    st_quotes_free(&q);
}

/* A relative or participle clause, or a parenthesis, between the subject and its cue. */
static void test_clause_between_subject_and_cue(void **state)
{
    (void)state;
    EXPECT("Harbour master Leni Voss, who has run the port for a decade, said: “We will rebuild the pier.”",
           {"We will rebuild the pier.", "Leni Voss"});
    EXPECT("Senator Ana Ruiz, celebrating a victory in her home county of Marin, warned: “The hard part "
           "starts now.”",
           {"The hard part starts now.", "Ana Ruiz"});
    EXPECT("Senator Ana Ruiz (D-Calif.), said: “The hard part starts now.”",
           {"The hard part starts now.", "Ana Ruiz"});
    EXPECT("POLLS ARE EARLY - Ann Lee and Bo Kim: “Polls did not fail in the north this year.”",
           {"Polls did not fail in the north this year.", "Bo Kim"});
    EXPECT("Two hours later, Governor Pia Holm left the stage, telling reporters: “We are not done yet.”",
           {"We are not done yet.", "Pia Holm"});
}

/* After the quote: a verb we do not list ("beamed"), and an abbreviated title before the name. */
static void test_unlisted_verb_and_abbreviated_title(void **state)
{
    (void)state;
    EXPECT("“This is fantastic!” beamed Marta Lindqvist, a teacher.",
           {"This is fantastic!", "Marta Lindqvist"});
    EXPECT("Anton Greve watched the vote. “People are tired of waiting,” he surmised.",
           {"People are tired of waiting", "Anton Greve"});
    EXPECT("“The port will reopen in May,” said Rep. Carla Mendes (D-Ore.), who chairs the panel.",
           {"The port will reopen in May", "Carla Mendes"});
}

/* A short phrase after an unlisted verb whose subject is a person is kept and attributed; the title
 * of a show after "show"/"podcast" is not a quote; the verb before the phrase wins over one after it. */
static void test_unlisted_verb_phrase_and_titles(void **state)
{
    (void)state;
    EXPECT("Coach Ivo Marek defended his goalkeeper as a “very decent man” on Tuesday.",
           {"very decent man", "Ivo Marek"});
    expect_none("Ivo Marek launched the podcast “Quiet Harbour Nights” on Fridays.");
    EXPECT("Mayor Ilse Brandt called the plan “reckless” after the council had voted for it.",
           {"reckless", "Ilse Brandt"});
}

/* "(D-Wash.) said": the full stop inside a parenthesis does not end the sentence; a name right before
 * a verb later in the sentence speaks a long embedded quote. */
static void test_parenthesis_stop_and_name_before_verb(void **state)
{
    (void)state;
    EXPECT("“We will not give up the harbour without a vote,” Rep. Carla Mendes (D-Wash.) said.",
           {"We will not give up the harbour without a vote", "Carla Mendes"});
    EXPECT("Speaking on the radio, which is rare for her, Governor Pia Holm praised the crews but warned "
           "of “a long and difficult winter for the northern valleys.”",
           {"a long and difficult winter for the northern valleys.", "Pia Holm"});
}

/* ---------------------------------------------------------------- shared data */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[n] = '\0';
        *len = (size_t)n;
    }
    return b;
}

/* NFC, then runs of ASCII whitespace collapsed to one space, ends trimmed. Caller frees. */
static char *canon(const char *s)
{
    char *n = (char *)utf8proc_NFC((const utf8proc_uint8_t *)s);
    assert_non_null(n);
    size_t w = 0;
    int sp = 0;
    for (size_t r = 0; n[r]; r++) {
        char c = n[r];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            sp = 1;
            continue;
        }
        if (sp && w > 0)
            n[w++] = ' ';
        sp = 0;
        n[w++] = c;
    }
    n[w] = '\0';
    return n;
}

static int canon_equal(const char *a, const char *b)
{
    char *x = canon(a), *y = canon(b);
    int eq = strcmp(x, y) == 0;
    free(x);
    free(y);
    return eq;
}

static void test_shared_cases(void **state)
{
    (void)state;
    json_error_t err;
    json_t *root;
    char path[1024];
    snprintf(path, sizeof path, "%s/cases/quote-cases.jsonl", ST_SHARED_DIR);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    int cases = 0, failed = 0;
    while (getline(&line, &cap, f) > 0) {
        root = json_loads(line, 0, &err);
        assert_non_null(root);
        const char *id = json_string_value(json_object_get(root, "id"));
        json_t *jt = json_object_get(root, "text");
        json_t *exp = json_object_get(root, "expected");
        st_quotes q;
        st_quotes_init(&q);
        assert_int_equal(st_quotes_extract(json_string_value(jt), json_string_length(jt), &q), ST_OK);
        int ok = q.n == json_array_size(exp);
        for (size_t i = 0; ok && i < q.n; i++) {
            json_t *e = json_array_get(exp, i);
            json_t *sp = json_object_get(e, "speaker");
            ok = canon_equal(q.items[i].text, json_string_value(json_object_get(e, "quote")));
            if (ok && json_is_string(sp))
                ok = q.items[i].speaker && canon_equal(q.items[i].speaker, json_string_value(sp));
            else if (ok)
                ok = q.items[i].speaker == NULL;
        }
        cases++;
        if (!ok) {
            failed++;
            print_message("case %s failed\n", id);
            print_quotes(&q);
        }
        st_quotes_free(&q);
        json_decref(root);
    }
    free(line);
    fclose(f);
    assert_true(cases >= 11);
    assert_int_equal(failed, 0);
    /* E03c also holds for the empty string and a lone mark (in the own tests too) */
}

static void test_seed_article(void **state)
{
    (void)state;
    char path[1024];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/seeds/000_3c68d103f99c1bde.txt", ST_SHARED_DIR);
    char *text = read_file(path, &len);
    assert_non_null(text);
    st_quotes q;
    st_quotes_init(&q);
    assert_int_equal(st_quotes_extract(text, len, &q), ST_OK);
    static const struct {
        const char *prefix, *speaker;
    } want_[] = {
        {"We remain absolutely committed", "spokesperson for British Prime Minister Keir Starmer"},
        {"We\xe2\x80\x99ve issued a very explicit proposal", "JD Vance"},
        {"Ukraine is ready to negotiate \xe2\x80\x93 but not to surrender.", "Yulia Svyrydenko"},
        {"A full ceasefire", "Yulia Svyrydenko"},
        {"If Russia opts", "Yulia Svyrydenko"},
        {"The talks are drifting", "one diplomat"},
        {"Each party is positioning itself", "one diplomat"},
        {"The sanctions are leverage", "one EU official"},
        {"They\xe2\x80\x99re not being lifted", "one EU official"},
        {"Without a clear and unified position", "one senior European official"},
    };
    for (size_t k = 0; k < sizeof want_ / sizeof want_[0]; k++) {
        const st_quote *hit = NULL;
        for (size_t i = 0; i < q.n && !hit; i++)
            if (strncmp(q.items[i].text, want_[k].prefix, strlen(want_[k].prefix)) == 0)
                hit = &q.items[i];
        if (!hit || !hit->speaker || strcmp(hit->speaker, want_[k].speaker) != 0) {
            print_message("seed: %s\n", want_[k].prefix);
            print_quotes(&q);
        }
        assert_non_null(hit);
        assert_non_null(hit->speaker);
        assert_string_equal(hit->speaker, want_[k].speaker);
        assert_int_equal(hit->partial, 0);
    }
    /* "she" resolves to Svyrydenko, through the pronoun's own mention */
    const st_quote *cf = NULL;
    for (size_t i = 0; i < q.n; i++)
        if (strncmp(q.items[i].text, "A full ceasefire", 16) == 0)
            cf = &q.items[i];
    assert_int_equal(cf->method, ST_SPEAKER_PRONOUN);
    assert_memory_equal(text + cf->speaker_start, "she", 3);
    /* scare quotes are partial quotes or no quotes */
    const char *scare[] = {"substantive.", "optimistic", "full and unconditional ceasefire"};
    for (size_t k = 0; k < 3; k++) {
        const st_quote *s = find_quote(&q, scare[k]);
        if (s)
            assert_int_equal(s->partial, 1);
    }
    /* the sentences around the quotes are in no quote */
    assert_null(find_quote(&q, "Key disagreements remain unresolved."));
    st_quotes_free(&q);
    free(text);
}

static int utf8_boundary(const char *s, size_t len, size_t off)
{
    return off == len || ((unsigned char)s[off] & 0xC0) != 0x80;
}

static void test_bbc_corpus(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/data/bbc-news/articles.jsonl", ST_SHARED_DIR);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    size_t articles = 0, total = 0, with_speaker = 0;
    st_quotes q;
    st_quotes_init(&q);
    while (getline(&line, &cap, f) > 0) {
        json_error_t err;
        json_t *root = json_loads(line, 0, &err);
        assert_non_null(root);
        json_t *jt = json_object_get(root, "text");
        const char *s = json_string_value(jt);
        size_t len = json_string_length(jt);
        assert_int_equal(st_quotes_extract(s, len, &q), ST_OK);
        for (size_t i = 0; i < q.n; i++) {
            const st_quote *x = &q.items[i];
            assert_true(x->start < x->end);
            assert_true(x->end <= len);
            assert_true(utf8_boundary(s, len, x->start));
            assert_true(utf8_boundary(s, len, x->end));
            assert_non_null(x->text);
            assert_true(x->text_len > 0 && x->text_len <= x->end - x->start);
            if (x->speaker) {
                with_speaker++;
                assert_true(x->speaker_start < x->speaker_end);
                assert_true(x->speaker_end <= len);
                assert_true(utf8_boundary(s, len, x->speaker_start));
                assert_true(utf8_boundary(s, len, x->speaker_end));
                assert_true(x->method != ST_SPEAKER_NONE);
            } else {
                assert_int_equal(x->method, ST_SPEAKER_NONE);
            }
        }
        total += q.n;
        articles++;
        json_decref(root);
    }
    st_quotes_free(&q);
    free(line);
    fclose(f);
    print_message("bbc: %zu articles, %zu quotes, %zu with a speaker\n", articles, total, with_speaker);
    assert_int_equal(articles, 2225);
    /* BBC news quotes a lot: a few quotes per article on average, most attributed */
    assert_true(total > 4000 && total < 20000);
    assert_true(with_speaker * 10 > total * 7);
}

/* The speaker mention (speaker_start/end) of the one quote of text is exactly want. */
static void expect_mention(const char *text, const char *speaker, const char *want)
{
    st_quotes q;
    extract(text, &q);
    if (q.n != 1 || !q.items[0].speaker)
        print_quotes(&q);
    assert_int_equal(q.n, 1);
    assert_non_null(q.items[0].speaker);
    assert_string_equal(q.items[0].speaker, speaker);
    if (q.items[0].speaker_end - q.items[0].speaker_start != strlen(want))
        print_message("  mention [%.*s]\n", (int)(q.items[0].speaker_end - q.items[0].speaker_start),
                      text + q.items[0].speaker_start);
    assert_int_equal(q.items[0].speaker_end - q.items[0].speaker_start, strlen(want));
    assert_memory_equal(text + q.items[0].speaker_start, want, strlen(want));
    st_quotes_free(&q);
}

static void test_place_time_age_before_cue(void **state)
{
    (void)state;
    /* a place, an event or an age set off by commas between the subject and its cue */
    EXPECT("Ilse Brandt, in Leipzig, said on Sunday that the tram was “a relic”.",
           {"a relic", "Ilse Brandt"});
    EXPECT("Ilse Brandt, during a visit to a depot in Halle, Saxony, said the fleet was “worn out”.",
           {"worn out", "Ilse Brandt"});
    EXPECT("Tomas Varga, 34, of Pecs, Hung., said he expected a “slow recovery” this year.",
           {"slow recovery", "Tomas Varga"});
    /* a lead-in with a place before a descriptor subject: the descriptor, not the place */
    EXPECT("At a meeting in Dunmore, West Harlow Tuesday, the ferry captain replied: “We sail at dawn.”",
           {"We sail at dawn.", "ferry captain"});
}

static void test_later_cue_in_another_clause(void **state)
{
    (void)state;
    /* the cue before an embedded quote wins over a cue later in the sentence with its own subject */
    expect_mention("Councillor Wren Hollis said that she has “no regrets” if she had warned Pia Moss "
                   "about the budget.",
                   "Wren Hollis", "Wren Hollis");
    expect_mention("Minister Odile Fane said the harbour plan remained “on schedule and on budget”, but she "
                   "also warned the contractors about delays.",
                   "Odile Fane", "Odile Fane");
    expect_mention("Abel Kern says he is “roughly level” with Ona Lutz, in a count that he said surprised "
                   "the party.",
                   "Abel Kern", "Abel Kern");
    /* a quote that ends its sentence: a cue in the next sentence belongs to that sentence */
    expect_mention("The poet Rhea Castell called the reading “a quiet triumph.” In a series of letters "
                   "later, Ms. Castell, a former teacher of Greek, wrote to her publisher.",
                   "Rhea Castell", "Rhea Castell");
}

static void test_colon_lead_in_paragraph(void **state)
{
    (void)state;
    EXPECT("Mayor Juno Ekwall answered the critics directly:\n\n“The bridge will open in May.”",
           {"The bridge will open in May.", "Juno Ekwall"});
    /* a lead-in that opens with its verb: the name after it */
    const char *t = "Wrote Hale:\n\n“The bridge will open in May.”";
    st_quotes q;
    extract(t, &q);
    assert_int_equal(q.n, 1);
    assert_non_null(q.items[0].speaker);
    assert_int_equal(q.items[0].speaker_end - q.items[0].speaker_start, 4);
    assert_memory_equal(t + q.items[0].speaker_start, "Hale", 4);
    st_quotes_free(&q);
    /* no colon, no cue: still an orphan */
    EXPECT("Mayor Juno Ekwall visited the bridge.\n\n“The bridge will open in May.”",
           {"The bridge will open in May.", NULL});
}

static void test_participles_and_descriptors(void **state)
{
    (void)state;
    /* a participle right after the quote: its object is not the speaker */
    EXPECT("The Lantern Trust declined to discuss “that man,” telling Radio 7 that it was focused on "
           "“safer streets.”",
           {"that man", "Lantern Trust"}, {"safer streets.", "Lantern Trust"});
    /* an adverb before a participle cue: the sentence subject */
    EXPECT("Ms. Orla Bex paced the stage, loudly shouting “Not one more acre” to the crowd.",
           {"Not one more acre", "Orla Bex"});
    /* "a columnist for Name": a descriptor, so the name before it is the speaker */
    EXPECT("“The league has lost its way,” Piet Amsel, a columnist for Gazzetta di Nord, said.",
           {"The league has lost its way", "Piet Amsel"});
    /* a past participle clause between the subject and the cue */
    EXPECT("A study by the firm Halden Analytics, prepared for the Grain Growers Union, predicted a "
           "“sharp fall in yields”.",
           {"sharp fall in yields", "Halden Analytics"});
}

static void test_reported_clause_outer_cue(void **state)
{
    (void)state;
    /* a quote inside the clause a cue verb reports: the subject of that outer verb, not the subject
     * of the clause ("what she called", "that residents will say", "that Kim's remarks") */
    expect_mention("Mayor Ann Lee denounced what she called a “reckless budget” on Monday.", "Ann Lee",
                   "Ann Lee");
    expect_mention("Ann Lee said the council expected that residents will say “no” to the plan.", "Ann Lee",
                   "Ann Lee");
    expect_mention("Ann Lee told reporters on Tuesday that Bo Kim's remarks “show bias to me.”", "Ann Lee",
                   "Ann Lee");
    expect_mention("Ida Voss said that over the last week she has begun “to listen to the river.”",
                   "Ida Voss", "Ida Voss");
    /* a conjunction or a comma starts a clause of its own: its subject stays */
    expect_mention("Ann Lee spoke first, and Bo Kim called the plan “a fraud” afterwards.", "Bo Kim",
                   "Bo Kim");
}

static void test_inverted_cue_after_phrase(void **state)
{
    (void)state;
    /* the quote's sentence goes on after the closing mark, then an inverted cue names the speaker */
    EXPECT("“We are very pleased” about the ruling, said Oren Pike, a ferry operator.",
           {"We are very pleased", "Oren Pike"});
    EXPECT("“This will be hard” for Mayor Lund, said Ines Varo.", {"This will be hard", "Ines Varo"});
    /* an ordinary subject before the cue stays the speaker */
    EXPECT("“We sail at dawn,” the old captain said on Sunday.", {"We sail at dawn", "old captain"});
}

static void test_inverted_cue_name_of_org(void **state)
{
    (void)state;
    /* "said NAME of the ORGANISATION": the name, not a word of the quote or nothing */
    EXPECT("“Great day,” said Ann Lee of the Harbour Group. She left early.", {"Great day", "Ann Lee"});
    EXPECT("“We lost,” said Ann Lee of the Harbour Group, a consulting company. “We will appeal.”",
           {"We lost", "Ann Lee"}, {"We will appeal.", "Ann Lee"});
    /* a connector between two capitalised words is still part of the name */
    EXPECT("“We won,” said Ann Lee of Harbour. Then more.", {"We won", "Ann Lee of Harbour"});
}

static void test_own_sentence_verb_before_context(void **state)
{
    (void)state;
    /* the subject of a verb in the quote's own sentence, not the cue of the sentence before */
    EXPECT("Ada Brill said on Monday that the vote was close. In the email, Ivo Rask described the move "
           "as “a breach of trust.”",
           {"a breach of trust.", "Ivo Rask"});
    EXPECT("Ada Brill said the vote was close. Later Ivo Rask repeatedly pronounced the name “Harlow” "
           "wrongly.",
           {"Harlow", "Ivo Rask"});
    /* with no verb of its own before the quote, the sentence before still speaks */
    EXPECT("Ada Brill said the vote was close. The result, in her words, “a coin toss.”",
           {"a coin toss.", "Ada Brill"});
}

static void test_question_exclamation_then_titled_cue(void **state)
{
    (void)state;
    /* a quote ending in ? or ! ends its sentence, yet the cue right after it is its attribution,
     * also when the speaker has a title or an appositive before the name */
    EXPECT("“Why do they pay less than you do?” Mrs. Ada Brill asked. Nobody answered.",
           {"Why do they pay less than you do?", "Ada Brill"});
    EXPECT("“What a disgrace!” the party leader, Ivo Rask, wrote on Sunday.",
           {"What a disgrace!", "Ivo Rask"});
    /* a new sentence that opens with an introductory phrase is not the attribution */
    EXPECT("“Is this over?” In a series of posts, Mr. Ada Brill wrote about the count.",
           {"Is this over?", NULL});
}

static void test_text_reads_after_quote(void **state)
{
    (void)state;
    /* a letter, a sign or a statement "reads" after the quote: its descriptor speaks, not a cue of
     * the paragraph before */
    EXPECT("Parents wrote to the board of governors, urging them to act.\n\n“We want better schools,” the "
           "letter reads. “We will wait.”",
           {"We want better schools", "letter"}, {"We will wait.", "letter"});
    EXPECT("“The pier stays open,” read the council notice.", {"The pier stays open", "council notice"});
}

static void test_colon_lead_in_after_word_or_dash(void **state)
{
    (void)state;
    /* the name right before the colon of a lead-in, after "from", a verb or a dash */
    EXPECT("What it means for the vote - More from Ivo Rask: “Turnout decides everything.”",
           {"Turnout decides everything.", "Ivo Rask"});
    EXPECT("The polls did predict the result - HarbourPoll: “The lead was real.”",
           {"The lead was real.", "HarbourPoll"});
    EXPECT("The surge does not surprise pollster Ada Brill: “Unknown candidates often rise.”",
           {"Unknown candidates often rise.", "Ada Brill"});
    /* not the object of another preposition */
    st_quotes q;
    extract("The notice went out in a letter to Harbour News: “We are closing.”", &q);
    assert_int_equal(q.n, 1);
    assert_true(!q.items[0].speaker || strcmp(q.items[0].speaker, "Harbour News") != 0);
    st_quotes_free(&q);
}

static void test_dash_line_under_quote(void **state)
{
    (void)state;
    /* a paragraph that is only a dash and a name under a quote names its speaker */
    EXPECT("“We will build the bridge.”\n\n— Mayor Ivo Rask, at the town meeting\n\n“Not with my money.”\n\n"
           "- Ada Brill.\n\nThe vote is in May.",
           {"We will build the bridge.", "Ivo Rask"}, {"Not with my money.", "Ada Brill"});
    /* a dash paragraph that goes on as text, or a quote that does not end its paragraph: no speaker */
    EXPECT("“We will build the bridge.”\n\n- Ivo Rask and the council then voted on the budget for the "
           "harbour and the roads and the schools of the whole district.",
           {"We will build the bridge.", NULL});
}

static void test_name_in_intro_phrase_not_appositive(void **state)
{
    (void)state;
    /* a name inside an introductory phrase before a descriptor subject is not its appositive */
    EXPECT("In an interview with host Ida Voss, the mayor stated that the plan was “dead”.",
           {"dead", "mayor"});
    EXPECT("As for Mr. Bo Kim, the staff letter noted that he was “not suited”.",
           {"not suited", "staff letter"});
    /* a name before its descriptor is */
    EXPECT("Oren Pike, the campaign manager, said the plan was “dead”.", {"dead", "Oren Pike"});
}

/* "according to" or an inverted cue before a determiner, capitalised modifiers and a lowercase head
 * noun: the whole descriptor, not the capitalised words alone */
static void test_according_to_descriptor_with_capitalised_modifier(void **state)
{
    (void)state;
    EXPECT("According to one EU official, “the door remains open.”",
           {"the door remains open.", "one EU official"});
    EXPECT("“We will see,” according to a White House spokesman.", {"We will see", "White House spokesman"});
    EXPECT("“No deal is near,” said one senior Nato diplomat on Friday.",
           {"No deal is near", "one senior Nato diplomat"});
    /* a title word before an organisation's word is part of its name, not a title to strip */
    EXPECT("According to the Foreign Ministry, “the talks are over.”",
           {"the talks are over.", "Foreign Ministry"});
}

static void test_descriptor_unlisted_verb_after_quote(void **state)
{
    (void)state;
    /* a descriptor and an unlisted verb right after the quote */
    EXPECT("“Let me help you out,” the vice-presidential nominee riffed on the answer.",
           {"Let me help you out", "vice-presidential nominee"});
    /* after an embedded quote the phrase after it is no speaker */
    EXPECT("Ivo Rask says no one is “on pace to win,” the number needed to clinch it.",
           {"on pace to win", "Ivo Rask"});
}

/* ---------------------------------------------------------------- block scanner identity */

/* Articles for the tokenizer's 64-byte block scanner: words across block edges, ASCII joiners next
 * to other bytes, elisions, possessives, capitals, invalid UTF-8, a word longer than a block. */
static const char *const align_articles[] = {
    /* ASCII: possessives, capitals, joiners (U.S., O'Brien, AT&T, Smith-Jones), initials, CRLF, tabs */
    "WASHINGTON -- The U.S. Trade Representative, Jane O'Brien-Smith, said on Monday:\r\n"
    "\"AT&T's merger with NBC's owner is not going ahead,\" she said.\tMr. Smith's lawyer, J. K. "
    "Rowling-Vance,\r\n"
    "\r\n"
    "replied: \"We will appeal. The FCC's ruling is wrong.\" 'Nonsense,' said Dr. Ann Lee of the NATO "
    "alliance. \"It's the end.\"\n\n\"It won't stop us,\" O'Brien-Smith added. The teachers' union "
    "called it \"a disgrace\".",
    /* non-ASCII words and joiners: accents, elisions, NBSP, curly marks */
    "PARIS \xe2\x80\x94 L\xe2\x80\x99"
    "Or\xc3\xa9"
    "al chief Fran\xc3\xa7ois Hollande-M\xc3\xbcller told reporters at the "
    "\xc3\x89lys\xc3\xa9"
    "e: \xe2\x80\x9c"
    "C\xe2\x80\x99"
    "est la vie, l'\xc3\xa9t\xc3\xa9 est fini.\xe2\x80\x9d\n\n"
    "\xe2\x80\x9cZo\xc3\xab's caf\xc3\xa9-au-lait is na\xc3\xaf"
    "ve.Next time,\xe2\x80\x9d\xc2\xa0said "
    "Hollande-M\xc3\xbcller. \xc2\xabNous gagnerons\xc2\xbb, a d\xc3\xa9"
    "clar\xc3\xa9 Mme Dupont.",
    /* invalid UTF-8 inside and around words and marks */
    "Officials said \"the \xff"
    "plan\xc3 is\xe2\x80 dead\" on Friday. \xe2\x80\x9cWe\xed\xa0\x80 are ready,\xe2\x80\x9d "
    "Minister Tom\xc0\xaf Reed said.\n\"Done\xf0\x9f\x98\x80"
    "deal,\" said Reed\xf4\x90\x80\x80.",
    /* a word longer than a block, and words at every length */
    "\"Anti-establishment-counter-revolutionary-post-industrial-hyper-globalised-neo-liberal-thinking "
    "is over,\" the economist Paul Krugman-Stiglitz wrote. \"A bb ccc dddd eeeee ffffff ggggggg "
    "hhhhhhhh iiiiiiiii,\" he added. \"JJJJ KKK LL M,\" said NASA's Bill Nye.",
    /* newswire '' and `` marks, apostrophes and rescans */
    "``We have no plans,'' said Gov. Jerry Brown's aide. The '90s were 'rough' for the Smiths' "
    "business, Mr. Brown said. ''It's over,'' he added. 'Tis the season, O'Neill's pub said.\n\n"
    "Brown's 'plan' and the voters' 'choice' 'matter', analysts said.",
    /* ASCII elisions before a capital run (L'oreal is no capitalised word), possessives, digits */
    "L'oreal Smith's plan failed. \"We are ready,\" said L'oreal Smith. \"Never,\" said d'Estaing of "
    "AT&T's board. \"Go,\" said L'equipe Martin's aide Jo O'Neill. \"Yes,\" IBM's 3M chief said.",
};

/* What the extractor gives for each article (after the prefix below), the same at every padding: one
 * line per quote, "start-end method partial unclosed speaker_start-speaker_end speaker|text", offsets
 * from the article's first byte. Regenerate when attribution changes on purpose. */
static const char *const align_expected[] = {
    /* 0 */ "83-132 pronoun 00 135-138 Jane O'Brien-Smith|AT&T's merger with NBC's owner is not going ahead"
            "\012199-241 none 00 0-0 -|We will appeal. The FCC's ruling is wrong.\012244-252 cue 00 264-271 "
            "Ann Lee|Nonsense\012295-308 context 00 264-271 Ann Lee|It's the end.\012312-328 cue 00 331-344 "
            "Jane O'Brien-Smith|It won't stop us\012383-393 cue 10 366-371 union|a disgrace\012",
    /* 1 */
    "89-122 cue 00 27-53 Fran\303\247ois Hollande-M\303\274ller|C\342\200\231est la vie, l'\303\251t"
    "\303\251 est fini.\012130-170 cue 00 181-197 Fran\303\247ois Hollande-M\303\274ller|Zo\303\253'"
    "s caf\303\251-au-lait is na\303\257ve.Next time\012201-215 context 00 181-197 Fran\303\247ois H"
    "ollande-M\303\274ller|Nous gagnerons\012",
    /* 2 */
    "16-36 none 00 0-0 -|the \377plan\303 is\342\200 dead\01252-67 cue 00 87-91 Reed|We\355\240\200 "
    "are ready\01299-111 cue 00 119-123 Reed|Done\360\237\230\200deal\012",
    /* 3 */
    "1-103 cue 00 120-141 Paul Krugman-Stiglitz|Anti-establishment-counter-revolutionary-post-indust"
    "rial-hyper-globalised-neo-liberal-thinking is over\012150-203 pronoun 00 206-208 Paul Krugman-S"
    "tiglitz|A bb ccc dddd eeeee ffffff ggggggg hhhhhhhh iiiiiiiii\012217-230 cue 00 245-253 Bill Ny"
    "e|JJJJ KKK LL M\012",
    /* 4 */
    "2-18 cue 00 32-43 Jerry Brown|We have no plans\01267-72 context 10 32-43 Jerry Brown|rough\0121"
    "18-127 pronoun 00 131-133 Jerry Brown|It's over\012188-192 cue 10 179-184 Jerry Brown|plan\0122"
    "11-217 continuation 00 179-184 Jerry Brown|choice\012220-226 continuation 00 179-184 Jerry Brow"
    "n|matter\012",
    /* 5 */
    "30-42 cue 00 58-63 Smith|We are ready\01266-71 cue 00 79-98 d'Estaing of AT&T's|Never\012107-109 cue "
    "00 126-132 Martin|Go\012153-156 cue 00 159-173 IBM's 3M chief|Yes\012",
};

/* s + each quote of q, offsets less shift, in the align_expected format. */
static void dump_quotes(const st_quotes *q, size_t shift, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < q->n; i++) {
        const st_quote *o = &q->items[i];
        int w = snprintf(out + n, cap - n, "%zu-%zu %s %d%d %zu-%zu %s|%s\n", o->start - shift,
                         o->end - shift, st_speaker_method_name(o->method), o->partial, o->unclosed,
                         o->speaker ? o->speaker_start - shift : 0, o->speaker ? o->speaker_end - shift : 0,
                         o->speaker ? o->speaker : "-", o->text);
        assert_true(w > 0 && (size_t)w < cap - n);
        n += (size_t)w;
    }
}

static void test_block_alignment(void **state)
{
    (void)state;
    /* every article behind a first paragraph padded with 0..63 spaces: each byte meets each position
     * of a 64-byte block, and the quotes stay the same (the offsets move with the padding) */
    static char got[8192];
    for (size_t a = 0; a < sizeof align_articles / sizeof align_articles[0]; a++) {
        size_t alen = strlen(align_articles[a]);
        char *t = malloc(alen + 128);
        assert_non_null(t);
        for (int k = 0; k < 64; k++) {
            int pl = snprintf(t, 128, "Intro line.%*s\n\n", k, "");
            memcpy(t + pl, align_articles[a], alen);
            st_quotes q;
            st_quotes_init(&q);
            assert_int_equal(st_quotes_extract(t, (size_t)pl + alen, &q), ST_OK);
            dump_quotes(&q, (size_t)pl, got, sizeof got);
            if (strcmp(got, align_expected[a]) != 0)
                print_message("article %zu, padding %d:\n%s", a, k, got);
            assert_string_equal(got, align_expected[a]);
            st_quotes_free(&q);
        }
        free(t);
    }
}

/* A run of white space of any length, crossing any number of 64-byte blocks (the token scanner
 * walks it block by block), is a paragraph break exactly when it holds a line end, wherever the line
 * end falls in it: the quotes equal those with the run as one "\n" (or one space), offsets moved by
 * the run's length. (test_block_alignment catches a line end the scanner misses in a later block.) */
static void test_long_space_runs(void **state)
{
    (void)state;
    static const char head[] = "Intro. Harbour chief Ann Lee said",
                      tail[] = "\u201cWe will win.\u201d Then more.";
    static char want[2][1024], got[1024];
    char t[512];
    size_t hl = sizeof head - 1, tl = sizeof tail - 1;
    for (int nl = 0; nl < 2; nl++) { /* the reference: the run as one byte */
        memcpy(t, head, hl);
        t[hl] = nl ? '\n' : ' ';
        memcpy(t + hl + 1, tail, tl);
        st_quotes q;
        st_quotes_init(&q);
        assert_int_equal(st_quotes_extract(t, hl + 1 + tl, &q), ST_OK);
        assert_int_equal(q.n, 1);
        dump_quotes(&q, 0, want[nl], sizeof want[nl]);
        st_quotes_free(&q);
    }
    assert_string_not_equal(want[0], want[1]); /* the break is seen: "cue" without, "context" with */
    for (size_t run = 1; run <= 200; run += run < 70 ? 1 : 13) {
        for (size_t at = 0; at <= run; at++) { /* at == run: no line end */
            if (at != run && at != 0 && at != run - 1 && at % 7 != 3)
                continue;
            memcpy(t, head, hl);
            memset(t + hl, ' ', run);
            if (at < run)
                t[hl + at] = (at % 2) ? '\n' : '\r';
            memcpy(t + hl + run, tail, tl);
            st_quotes q;
            st_quotes_init(&q);
            assert_int_equal(st_quotes_extract(t, hl + run + tl, &q), ST_OK);
            /* offsets after the run move by run - 1: compare with the quote's text and method */
            assert_int_equal(q.n, 1);
            const st_quote *o = &q.items[0];
            snprintf(got, sizeof got, "%zu-%zu %s %d%d %zu-%zu %s|%s\n", o->start - (run - 1),
                     o->end - (run - 1), st_speaker_method_name(o->method), o->partial, o->unclosed,
                     o->speaker ? o->speaker_start : 0, o->speaker ? o->speaker_end : 0,
                     o->speaker ? o->speaker : "-", o->text);
            if (strcmp(got, want[at < run]) != 0)
                print_message("run %zu, line end at %zu:\n%s", run, at, got);
            assert_string_equal(got, want[at < run]);
            st_quotes_free(&q);
        }
    }
}

/* CPU seconds of this process. */
static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_many_dropped_quotes_linear(void **state)
{
    (void)state;
    /* 80,000 scare quotes in one paragraph, all dropped: each quote used to walk back over every
     * dropped one before it for "the last kept quote" (quadratic: 5 s in a Release build); now
     * 0.1 s (1 s with ASan+UBSan). The bound is loose for sanitizer builds and a busy machine. */
    const char *unit = "a \xe2\x80\x9cx\xe2\x80\x9d b ";
    size_t ul = strlen(unit), reps = 80000, n = ul * reps;
    char *t = malloc(n + 1);
    assert_non_null(t);
    for (size_t i = 0; i < reps; i++)
        memcpy(t + i * ul, unit, ul);
    t[n] = '\0';
    st_quotes q;
    st_quotes_init(&q);
    double t0 = cpu_seconds();
    assert_int_equal(st_quotes_extract(t, n, &q), ST_OK);
    double el = cpu_seconds() - t0;
    assert_int_equal(q.n, 0);
    print_message("  80,000 dropped quotes: %.3f s CPU\n", el);
    assert_true(el < 3.0);
    st_quotes_free(&q);
    free(t);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--shared") == 0) {
        char path[1024];
        snprintf(path, sizeof path, "%s/cases/quote-cases.jsonl", ST_SHARED_DIR);
        if (access(path, R_OK) != 0) {
            printf("skipped: %s is absent (needs the shared/ folder beside the project)\n", path);
            return 77;
        }
        const struct CMUnitTest shared[] = {
            cmocka_unit_test(test_shared_cases),
            cmocka_unit_test(test_seed_article),
            cmocka_unit_test(test_bbc_corpus),
        };
        return cmocka_run_group_tests_name("quotes_shared", shared, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_straight_and_curly),
        cmocka_unit_test(test_multi_paragraph_reopen),
        cmocka_unit_test(test_joined_paragraphs_reopen),
        cmocka_unit_test(test_unclosed_stops_at_paragraph),
        cmocka_unit_test(test_apostrophes_are_not_quotes),
        cmocka_unit_test(test_nested_quotes_stay_inside),
        cmocka_unit_test(test_single_quotes_as_quotes),
        cmocka_unit_test(test_guillemets_and_low_quotes),
        cmocka_unit_test(test_wrong_kind_and_missing_space),
        cmocka_unit_test(test_doubled_apostrophes),
        cmocka_unit_test(test_degenerate_inputs),
        cmocka_unit_test(test_cue_verbs),
        cmocka_unit_test(test_inverted_and_titles),
        cmocka_unit_test(test_appositive),
        cmocka_unit_test(test_according_to_and_orgs),
        cmocka_unit_test(test_colon_and_dash),
        cmocka_unit_test(test_unnamed_descriptor),
        cmocka_unit_test(test_pronoun_and_surname),
        cmocka_unit_test(test_continuation_and_orphans),
        cmocka_unit_test(test_split_quote),
        cmocka_unit_test(test_scare_quotes_and_nicknames),
        cmocka_unit_test(test_partial_quote),
        cmocka_unit_test(test_negated_speech),
        cmocka_unit_test(test_leading_conjunction),
        cmocka_unit_test(test_long_appositive_after),
        cmocka_unit_test(test_abbreviated_title),
        cmocka_unit_test(test_partial_quote_subjects),
        cmocka_unit_test(test_context_continuations),
        cmocka_unit_test(test_coordinated_quotes),
        cmocka_unit_test(test_duplicates_once),
        cmocka_unit_test(test_offsets_are_bytes),
        cmocka_unit_test(test_method_names),
        cmocka_unit_test(test_reuse_out),
        cmocka_unit_test(test_cue_before_earlier_quote),
        cmocka_unit_test(test_subject_of_own_sentence),
        cmocka_unit_test(test_relative_pronoun_span),
        cmocka_unit_test(test_clause_between_subject_and_cue),
        cmocka_unit_test(test_unlisted_verb_and_abbreviated_title),
        cmocka_unit_test(test_unlisted_verb_phrase_and_titles),
        cmocka_unit_test(test_parenthesis_stop_and_name_before_verb),
        cmocka_unit_test(test_place_time_age_before_cue),
        cmocka_unit_test(test_later_cue_in_another_clause),
        cmocka_unit_test(test_colon_lead_in_paragraph),
        cmocka_unit_test(test_participles_and_descriptors),
        cmocka_unit_test(test_reported_clause_outer_cue),
        cmocka_unit_test(test_inverted_cue_after_phrase),
        cmocka_unit_test(test_inverted_cue_name_of_org),
        cmocka_unit_test(test_own_sentence_verb_before_context),
        cmocka_unit_test(test_question_exclamation_then_titled_cue),
        cmocka_unit_test(test_text_reads_after_quote),
        cmocka_unit_test(test_colon_lead_in_after_word_or_dash),
        cmocka_unit_test(test_dash_line_under_quote),
        cmocka_unit_test(test_name_in_intro_phrase_not_appositive),
        cmocka_unit_test(test_descriptor_unlisted_verb_after_quote),
        cmocka_unit_test(test_according_to_descriptor_with_capitalised_modifier),
        cmocka_unit_test(test_block_alignment),
        cmocka_unit_test(test_long_space_runs),
        cmocka_unit_test(test_many_dropped_quotes_linear),
    };
    return cmocka_run_group_tests_name("quotes", tests, NULL, NULL);
}
