/* feed.h - the input side of stance-score: articles read from RSS 2.0, RSS 1.0/0.9 (RDF), Atom 1.0
 * and 0.3 feeds, JSON Lines, plain text and HTML files, a folder of them, or stdin.
 *
 * Every reader hands articles, one at a time and in input order, to a callback that takes
 * ownership, so a caller can stream inputs of any size: JSON Lines are read line by line; a feed,
 * text or HTML file is read whole (up to max_file_bytes) because libxml2 needs the document.
 * A record or file that cannot be read goes to the error callback with its file and its 1-based
 * line (JSON Lines) or item number (feeds), and reading goes on with the next one.
 *
 * Text handed to the classifier (st_article.text):
 *   feeds       title + "\n\n" + content (content:encoded, xhtml:body, atom:content), else the
 *               description/summary; either part alone when the other is empty. All parts are
 *               plain text: entities decoded, CDATA read, escaped or double-escaped HTML parsed
 *               with libxml2's HTML parser, Atom text/html/xhtml constructs read by their type
 *               and namespace, block elements turned into paragraph breaks ("\n\n"), other runs
 *               of white space (Unicode spaces included) collapsed to one space, ends trimmed.
 *   JSON Lines  the "text" member as given (else "content", else "body"); "title" is not added.
 *   text file   the file as given (must be valid UTF-8; a UTF-8 BOM is dropped).
 *   HTML file   <title> + "\n\n" + the plain text of <body>, decoded as below.
 * Dates are normalised to UTC "YYYY-MM-DDTHH:MM:SSZ" (st_date_to_utc); a date without a zone is
 * taken as UTC; a date that cannot be parsed gives NULL (JSON null), never the epoch.
 * Feed and HTML bytes (st_charset_choose): a byte order mark decides, else bytes that hold a
 * well-formed multi-byte UTF-8 sequence are UTF-8 whatever is declared, else the
 * declaration (XML's after leading white space; an HTML <meta> charset): ISO-8859-1, US-ASCII and
 * the other windows-1252 labels are read as windows-1252 (what publishers mean, as in browsers); no
 * declaration is UTF-8 for a feed, windows-1252 for HTML. A document read as UTF-8 that holds
 * invalid bytes is repaired with U+FFFD and every feed item with one in any field is reported and
 * skipped (an HTML page is reported whole), the message saying why it was read as UTF-8. A feed
 * that is not well-formed is read in recover mode: the items that closed before the first XML
 * error are handed out, every other (nested ones too) is reported by its number in document
 * order, then the first error with its XML line. */
#ifndef ST_SCORE_FEED_H
#define ST_SCORE_FEED_H

#include <stdio.h>

#include <jansson.h>

#include "st_common.h"

typedef enum st_input_format {
    ST_IN_AUTO = 0, /* by extension, then by content */
    ST_IN_JSONL,    /* .jsonl .ndjson .json */
    ST_IN_FEED,     /* .xml .rss .atom .rdf .feed */
    ST_IN_TEXT,     /* .txt and anything else that is not markup */
    ST_IN_HTML      /* .html .htm .xhtml */
} st_input_format;

/* Parses "auto", "jsonl", "feed" (or "xml", "rss", "atom"), "text", "html". Returns 0 on success,
 * -1 for an unknown name. */
int st_input_format_parse(const char *name, st_input_format *out);

/* One article. Every string is owned, NUL-terminated UTF-8, NULL when absent. */
typedef struct st_article {
    char *source;    /* the file it came from, "-" for stdin */
    long item;       /* 1-based item number in a feed, line number in JSON Lines, 1 for a file */
    char *key;       /* never NULL: id (guid), else url, else "sha256:" + hex SHA-256 of text */
    char *id;        /* feed guid / atom:id / rdf:about, or the JSON "id" (a number: st_number_key) */
    char *url;       /* link */
    char *title;     /* plain text */
    char *author;    /* plain text */
    char *published; /* "YYYY-MM-DDTHH:MM:SSZ" (UTC), or NULL when absent or unparseable */
    char *summary;   /* feeds: plain text of description / summary */
    char *content;   /* feeds: plain text of content */
    json_t *fields;  /* JSON Lines: the input object without "text" (new reference); else NULL */
    char *text;      /* what is scored (see above), valid UTF-8, never NULL */
    size_t text_len; /* bytes */
} st_article;

/* Frees a and everything it owns; NULL is fine. */
void st_article_free(st_article *a);

/* Called once per article, in input order; takes ownership of a. Return ST_OK to go on; any
 * other status stops reading and is returned by the st_read_* call. */
typedef st_status (*st_article_fn)(st_article *a, void *ud);
/* Called for each record or file that could not be read; err->where names the file and err->line
 * the 1-based line or item number (0 for the whole file). */
typedef void (*st_record_error_fn)(const st_error *err, void *ud);

typedef struct st_reader {
    st_input_format format;      /* ST_IN_AUTO to detect per file */
    st_article_fn on_article;    /* required */
    st_record_error_fn on_error; /* may be NULL */
    /* May be NULL. When set, JSON Lines records are not parsed: each line line[0..len) (bytes,
     * without its line end, at most max_line_bytes; blank lines too) goes to on_line with its file
     * and 1-based line number, in input order, for the callee to parse with st_jsonl_parse_line
     * (e.g. on another thread); line and name are borrowed for the call. Return ST_OK to go on; any
     * other status stops reading and is returned by the st_read_* call. */
    st_status (*on_line)(const char *line, size_t len, const char *name, long lineno, void *ud);
    void (*on_bytes)(size_t n, void *ud); /* input bytes consumed (for progress); may be NULL */
    void *ud;
    size_t max_file_bytes; /* whole-file inputs; 0 = 256 MiB */
    size_t max_line_bytes; /* one JSON line; 0 = 64 MiB */
} st_reader;

/* Reads path: "-" for stdin, a folder (walked recursively in byte order of names, hidden entries
 * skipped), or a file. Records and files that fail go to on_error and do not stop the walk.
 * Errors (returned): ST_ERR_IO when path itself cannot be opened (err names it), or the status an
 * on_article callback returned. */
st_status st_read_path(const st_reader *r, const char *path, st_error *err);

/* Reads one open stream named name (the format is detected from name and the first bytes when
 * r->format is ST_IN_AUTO). Same errors as st_read_path. f is not closed. */
st_status st_read_stream(const st_reader *r, FILE *f, const char *name, st_error *err);

/* Parses one feed document buf[0..len) named name, handing its items to r. A document that is not
 * a feed at all (no rss, RDF or Atom root) or cannot be parsed is reported through on_error and
 * returns ST_OK; per-item failures go to on_error too. Thread-safe (libxml2 initialised). */
st_status st_feed_parse(const st_reader *r, const char *buf, size_t len, const char *name);

/* Parses one JSON Lines record line[0..len) (without its line end; a UTF-8 BOM and a trailing CR
 * are accepted) from file name at 1-based line lineno into *out (owned by the caller).
 * A blank line gives ST_ERR_EMPTY and *out == NULL (not an error for callers). A numeric "id" (or
 * "guid") is keyed by its exact value (st_number_key: 12, 12.0 and 1.2e1 are "12") and the member
 * in (*out)->fields then says that key: a JSON integer when it is one within 64 bits, else the key
 * as a string; other numbers too large for 64 bits become doubles.
 * Errors: ST_ERR_FORMAT (not a JSON object, no text member, bad JSON; err has the column),
 * ST_ERR_UTF8, ST_ERR_NOMEM. */
st_status st_jsonl_parse_line(const char *line, size_t len, const char *name, long lineno, st_article **out,
                              st_error *err);

/* ===== text helpers (text.c), shared by the readers and the tests ===== */

/* Converts an HTML fragment or document html[0..len) to plain text with libxml2's HTML parser
 * (encoding: a charset name, or NULL for the document's own or UTF-8). Block elements give
 * paragraph breaks, <br> a line break, script/style/head are dropped, white space is collapsed as
 * described above. *out is malloc'd NUL-terminated UTF-8 of *out_len bytes. Errors: ST_ERR_NOMEM. */
st_status st_html_to_text(const char *html, size_t len, const char *encoding, char **out, size_t *out_len);

/* Like st_html_to_text but decides first: text that holds no tag (`<` + letter, `/` or `!--`) and no
 * entity (`&name;`, `&#n;`) is only white-space normalised, never parsed, so "a < b & c" stays
 * as it is; text that holds escaped tags (`&lt;p&gt;`) and no real tag is unescaped once more
 * before conversion (double-escaped feeds). */
st_status st_markup_to_text(const char *s, size_t len, char **out, size_t *out_len);

/* Normalises white space of plain text s[0..len): trims both ends; a run of white space holding two
 * or more line ends becomes "\n\n", any other run one space. White space is ASCII space, tab, CR,
 * LF, FF, VT and the Unicode space separators (U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029,
 * U+202F, U+205F, U+3000), each trimmed as a whole code point; U+FEFF is dropped. *out is
 * malloc'd. Errors: ST_ERR_NOMEM. */
st_status st_text_normalize(const char *s, size_t len, char **out, size_t *out_len);

/* Parses an RFC 822/1123/2822 date ("Tue, 10 Jun 2003 04:00:00 GMT", "+0200", named zones UT,
 * GMT, UTC, Z, EST/EDT, CST/CDT, MST/MDT, PST/PDT, CET/CEST, EET/EEST, WET/WEST, BST, IST(+05:30),
 * JST, AEST/AEDT and military letters; two-digit years as RFC 2822 says) or an ISO 8601 / RFC 3339
 * / W3C-DTF date ("2003-12-13T18:30:02Z", "+01:00", fractions, "2003-12-13", "2003-12") and
 * writes the instant in UTC as "YYYY-MM-DDTHH:MM:SSZ" into out. No zone means UTC. Returns 1 on
 * success, 0 when s is not a valid date (out is then ""). Locale-independent, no allocation. */
int st_date_to_utc(const char *s, char out[21]);

/* Decodes base64 s[0..len) (white space ignored) into a malloc'd buffer *out of *out_len bytes
 * (NUL-terminated). Errors: ST_ERR_FORMAT (bad character or length), ST_ERR_NOMEM. */
st_status st_base64_decode(const char *s, size_t len, char **out, size_t *out_len);

/* Writes "sha256:" + the lowercase hex SHA-256 of s[0..len) into out (72 bytes with the NUL). */
void st_content_key(const char *s, size_t len, char out[72]);

/* Offset of the first byte of s[0..len) that is not well-formed UTF-8, or len when it all is. */
size_t st_utf8_first_invalid(const char *s, size_t len);

/* How a document's bytes are decoded (st_charset_choose). */
typedef enum st_charset {
    ST_CHARSET_UTF8,    /* UTF-8; invalid bytes in it are faults (repaired and reported, never scored) */
    ST_CHARSET_CP1252,  /* windows-1252 (st_cp1252_to_utf8) */
    ST_CHARSET_DECLARED /* the charset the document declares, decoded by libxml2 */
} st_charset;

/* Decides how a document's bytes s[0..len) (after a byte order mark, which callers honour first:
 * a BOM beats everything) are decoded, in the order feed readers use: bytes that hold at least one
 * well-formed multi-byte UTF-8 sequence are UTF-8 whatever the declaration says (a legacy 8-bit
 * text almost never holds one: such a file is UTF-8, and its invalid bytes, if any, are reported
 * where they are, never decoded as a legacy charset, which would turn its UTF-8 into mojibake);
 * otherwise the declaration decides: declared (a lower-case label, "" when there is
 * none) UTF-8 gives UTF8, a label of windows-1252 (WHATWG's list: ISO-8859-1, latin1, US-ASCII,
 * cp1252...) CP1252, any other label DECLARED, and no label the undeclared argument (XML: UTF-8;
 * HTML: windows-1252). *first_invalid is the byte offset of the first byte that is not
 * well-formed UTF-8, or len. Pure, thread-safe. */
st_charset st_charset_choose(const char *s, size_t len, const char *declared, st_charset undeclared,
                             size_t *first_invalid);

/* Decodes windows-1252 s[0..len) to UTF-8 (every byte maps to one code point: the five bytes
 * windows-1252 leaves undefined, 0x81 0x8D 0x8F 0x90 0x9D, to the C1 controls of the same value,
 * as in the WHATWG index, so the text is never cut at them). *out is malloc'd, NUL-terminated, of
 * *out_len bytes (at most 3 * len). Errors: ST_ERR_NOMEM. */
st_status st_cp1252_to_utf8(const char *s, size_t len, char **out, size_t *out_len);

/* Writes the article key of the JSON number literal lit[0..len) (as jansson validated it) into
 * out[0..cap): its exact decimal value in one canonical spelling, so that 12, 12.0, 1.2e1, 120e-1
 * and 12.000 all give "12", 0.50 and 5e-1 give "0.5", -0 gives "0"; digits are never rounded
 * (123456789012345678901234567890 stays as written). A value whose plain spelling would add more
 * than 40 zeros is written as its significant digits and a power of ten ("1e400", "5e-60"); a
 * literal whose exponent has ten digits or more is its own key, as written. Needs cap >= len + 42. Returns the length in bytes (without the NUL), or 0 when cap is too
 * small. */
size_t st_number_key(const char *lit, size_t len, char *out, size_t cap);

/* Builds a->text from title and body (title + "\n\n" + body, or either alone) and sets a->key.
 * The one place every reader's article passes: text that is not well-formed UTF-8 (whatever a
 * mis-declared encoding or a parser let through) is refused here, so no reader hands it out.
 * Errors: ST_ERR_UTF8, ST_ERR_NOMEM. */
st_status st_article_finish(st_article *a, const char *body);

#endif
