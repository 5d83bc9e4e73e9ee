/* st_quotes.h - direct quote extraction and speaker attribution in news text.
 *
 * Finds every direct quote (text between paired quotation marks: straight "...", curly “...”,
 * single ‘...’ / '...' used as quotes, guillemets «...» and »...«, German „...“), joins quotes that
 * run over several paragraphs (each continuation paragraph reopens with a mark), keeps nested quotes
 * inside the outer one, stops an unclosed quote at its paragraph end, tells apostrophes from single
 * quotes, and skips scare quotes, nicknames and titles of works. Each quote gets a speaker from
 * speech cues (`..., X said`, `X said: ...`, `said X`, `according to X`, `X added`, colon lead-ins,
 * ...), with titles and job descriptions stripped, pronouns and surnames resolved to the fullest
 * name of the matching person named earlier in the article, and continuation paragraphs inheriting
 * the previous speaker. Conventions: ../shared/cases/README.md (E01-E11).
 *
 * Speaker strings: a named speaker is the fullest form of the name in the article, titles and job
 * words stripped ("US Vice President JD Vance" -> "JD Vance", "Vance" -> "JD Vance"); an
 * organisation drops its article ("the Regional Water Board" -> "Regional Water Board"); an unnamed
 * speaker is its descriptor as written without a leading a/an/the ("a spokesperson for British Prime
 * Minister Keir Starmer" -> "spokesperson for British Prime Minister Keir Starmer", "one diplomat"
 * stays "one diplomat"); a pronoun resolves to the nearest earlier person who was a sentence subject
 * or a speaker (else the nearest person; no gender agreement), and stays as written ("they", "I")
 * when nothing resolves it. speaker_start/end always point at the mention the cue attaches to (the
 * pronoun itself for ST_SPEAKER_PRONOUN; the relative pronoun of `X, who has called Y “…”`, with
 * X's name as the speaker string; the earlier quote's mention for continuation/context).
 * Newswire '' and TeX `` marks count as double quotation marks.
 *
 * All offsets are 0-based byte offsets into the text as given, end exclusive. */
#ifndef ST_QUOTES_H
#define ST_QUOTES_H

#include "st_common.h"

typedef enum st_speaker_method {
    ST_SPEAKER_NONE = 0,     /* no speaker found (orphan quote) */
    ST_SPEAKER_CUE,          /* a cue verb next to a name: "X said", "said X", "X: ..." */
    ST_SPEAKER_PRONOUN,      /* a cue next to a pronoun, resolved to an earlier person */
    ST_SPEAKER_CONTINUATION, /* no cue; inherits the speaker of the previous paragraph's quote */
    ST_SPEAKER_ACCORDING_TO, /* "according to X" */
    ST_SPEAKER_CONTEXT       /* named with a cue in the sentence before the quote; or, with no cue,
                                the subject of the quote's own sentence or of the one before it in
                                the same paragraph (never across paragraphs) */
} st_speaker_method;

/* Returns "none", "cue", "pronoun", "continuation", "according_to" or "context". */
const char *st_speaker_method_name(st_speaker_method m);

typedef struct st_quote {
    size_t start, end; /* content span without its marks (first to last paragraph) */
    char *text;        /* owned: the content, reopening marks removed, paragraphs joined as in input,
                          one trailing comma before the closing mark dropped */
    size_t text_len;
    char *speaker;                     /* owned: the fullest name found in the article, or NULL */
    size_t speaker_start, speaker_end; /* the mention the cue attaches to (valid when speaker) */
    st_speaker_method method;
    int partial;  /* 1: a quoted fragment inside reported speech ("warned that the plan "...") */
    int unclosed; /* 1: no closing mark; the quote stops at its paragraph end */
} st_quote;

typedef struct st_quotes {
    st_quote *items;
    size_t n, cap;
} st_quotes;

void st_quotes_init(st_quotes *q);
void st_quotes_free(st_quotes *q); /* frees every quote, leaves *q initialised and empty */

/* Extracts the quotes of text[0..len) into out (replacing its contents), in order of appearance;
 * identical (text, speaker) pairs are reported once. text should be valid UTF-8 (invalid bytes are
 * never read past len, and never start or end a quote). Errors: ST_ERR_NOMEM. Thread-safe, no
 * global state. */
st_status st_quotes_extract(const char *text, size_t len, st_quotes *out);

#endif
