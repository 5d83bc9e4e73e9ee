/* test_feed.c - the stance-score readers: feeds (cases E26, E27 of ../shared/cases), JSON Lines
 * edge cases, markup to text, dates. Inputs are written here as original bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "feed.h"
#include "test_support.h"

#define MAX_ITEMS 16

typedef struct collect {
    st_article *a[MAX_ITEMS];
    size_t n;
    st_error errors[MAX_ITEMS];
    size_t n_errors;
} collect;

static st_status on_article(st_article *a, void *ud)
{
    collect *c = ud;
    assert_true(c->n < MAX_ITEMS);
    c->a[c->n++] = a;
    return ST_OK;
}

static void on_error(const st_error *e, void *ud)
{
    collect *c = ud;
    assert_true(c->n_errors < MAX_ITEMS);
    c->errors[c->n_errors++] = *e;
}

static void collect_free(collect *c)
{
    for (size_t i = 0; i < c->n; i++)
        st_article_free(c->a[i]);
    memset(c, 0, sizeof *c);
}

static void parse_feed(const char *bytes, size_t len, collect *c)
{
    memset(c, 0, sizeof *c);
    st_reader r = {.on_article = on_article, .on_error = on_error, .ud = c};
    assert_int_equal(st_feed_parse(&r, bytes, len, "test.xml"), ST_OK);
}

/* Reads bytes through a stream, as stance-score reads stdin. */
static void parse_stream(const char *bytes, size_t len, st_input_format fmt, collect *c)
{
    memset(c, 0, sizeof *c);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    rewind(f);
    st_reader r = {.format = fmt, .on_article = on_article, .on_error = on_error, .ud = c};
    st_error err;
    assert_int_equal(st_read_stream(&r, f, "-", &err), ST_OK);
    fclose(f);
}

/* The first item's given field after collapsing white space (the cases' comparator). */
static char *squashed(const char *s)
{
    char *o = strdup(s ? s : ""), *w = o;
    int space = 0;
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') {
            space = 1;
            continue;
        }
        if (space && w != o)
            *w++ = ' ';
        space = 0;
        *w++ = *p;
    }
    *w = '\0';
    return o;
}

static void assert_text(const char *got, const char *want)
{
    char *g = squashed(got);
    assert_string_equal(g, want);
    free(g);
}

#define LIT(s) s, sizeof(s) - 1

/* c holds total errors, the first n of them at the given lines (item numbers for a feed), each
 * message holding what. */
static void assert_errors_at(const collect *c, size_t total, const long *lines, size_t n, const char *what)
{
    assert_int_equal(c->n_errors, total);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(c->errors[i].line, lines[i]);
        if (!strstr(c->errors[i].message, what))
            fail_msg("error %zu: \"%s\" lacks \"%s\"", i, c->errors[i].message, what);
    }
}

/* ===== E26: encodings ===== */

static void e26a_whitespace_before_declaration_cp1251(void **state)
{
    (void)state;
    /* "Новости" and "Мэр ушёл в отставку" in windows-1251 */
    static const char feed[] =
        "\n<?xml version=\"1.0\" encoding=\"windows-1251\"?><rss version=\"2.0\"><channel><title>"
        "\xcd\xee\xe2\xee\xf1\xf2\xe8</title><item><title>\xcc\xfd\xf0 \xf3\xf8\xb8\xeb \xe2 "
        "\xee\xf2\xf1\xf2\xe0\xe2\xea\xf3</title><description>\xd2\xe5\xea\xf1\xf2</description></item>"
        "</channel></rss>";
    collect c;
    parse_feed(LIT(feed), &c);
    assert_int_equal(c.n_errors, 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.a[0]->title, "Мэр ушёл в отставку");
    assert_null(strstr(c.a[0]->text, "\xEF\xBF\xBD"));
    assert_string_equal(c.a[0]->text, "Мэр ушёл в отставку\n\nТекст");
    collect_free(&c);
}

static void e26b_latin1_nbsp_trimmed_as_code_point(void **state)
{
    (void)state;
    static const char feed[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel>"
                               "<item><title>Caf\xE9 owners protest\xA0</title></item></channel></rss>";
    collect c;
    parse_feed(LIT(feed), &c);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.a[0]->title, "Café owners protest");
    collect_free(&c);
    /* declared ISO-8859-1 but written by a windows-1252 editor: 0x92 is a right single quote */
    static const char feed2[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel>"
                                "<item><title>Mayor\x92s plan</title></item></channel></rss>";
    parse_feed(LIT(feed2), &c);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.a[0]->title, "Mayor\xE2\x80\x99s plan");
    collect_free(&c);
}

static void e26c_stray_byte_skips_only_its_item(void **state)
{
    (void)state;
    static const char feed[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>"
                               "<item><title>First item</title></item>"
                               "<item><title>Second \x92 item</title></item>"
                               "<item><title>Third item</title></item></channel></rss>";
    collect c;
    parse_feed(LIT(feed), &c);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.a[0]->title, "First item");
    assert_int_equal(c.a[0]->item, 1);
    assert_string_equal(c.a[1]->title, "Third item");
    assert_int_equal(c.a[1]->item, 3);
    assert_int_equal(c.n_errors, 1);
    assert_int_equal(c.errors[0].line, 2);
    assert_int_equal(c.errors[0].where[0], 't');
    collect_free(&c);
}

static void e26d_bom_then_declaration(void **state)
{
    (void)state;
    static const char feed[] =
        "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<rss version=\"2.0\">"
        "<channel><item><title>Caf\xC3\xA9 opens</title></item></channel></rss>";
    collect c;
    parse_feed(LIT(feed), &c);
    assert_int_equal(c.n_errors, 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.a[0]->title, "Café opens");
    collect_free(&c);
    /* the same through a stream with format detection (a BOM, then white space) */
    static const char feed2[] = "\xEF\xBB\xBF  \n<?xml version=\"1.0\"?><rss><channel><item><title>A</title>"
                                "</item></channel></rss>";
    parse_stream(LIT(feed2), ST_IN_AUTO, &c);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.a[0]->title, "A");
    collect_free(&c);
}

/* A declaration that names the wrong encoding, either way (issue #5): bytes that are UTF-8 are read
 * as UTF-8 whatever the declaration says; bytes that are not follow the declaration; a declared
 * ISO-8859-1 with a byte windows-1252 leaves undefined (0x9D) is read whole, not cut there. */
static void e26e_declaration_names_the_wrong_encoding(void **state)
{
    (void)state;
    static const struct {
        const char *xml;
        const char *texts[3]; /* the articles handed out, in order */
        long bad_item;        /* the item reported (0: none) */
        const char *why;      /* ... and the reason its message gives */
    } cases[] = {
        /* declares ISO-8859-1, is UTF-8 (the closing quote's last byte is 0x9D) */
        {"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel><item><title>Caf\xC3\xA9 "
         "\xE2\x80\x9Cok\xE2\x80\x9D</title></item></channel></rss>",
         {"Caf\xC3\xA9 \xE2\x80\x9Cok\xE2\x80\x9D"},
         0,
         NULL},
        /* declares windows-1251, is UTF-8 */
        {"<?xml version=\"1.0\" encoding=\"windows-1251\"?><rss><channel><item><title>"
         "\xD0\x9D\xD0\xBE\xD0\xB2\xD0\xBE\xD1\x81\xD1\x82\xD0\xB8</title></item></channel></rss>",
         {"Новости"},
         0,
         NULL},
        /* declares ISO-8859-1 and is: 0x9D is a C1 control (as in browsers), the rest is read */
        {"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel><item><title>Caf\xE9 \x9D "
         "ok</title><description>more</description></item></channel></rss>",
         {"Caf\xC3\xA9 \xC2\x9D ok\n\nmore"},
         0,
         NULL},
        /* declares ISO-8859-1, is UTF-8 with one stray byte: that item alone is refused */
        {"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel>"
         "<item><title>Caf\xC3\xA9 one</title></item><item><title>Stray \x92 two</title></item>"
         "<item><title>\xE2\x80\x9CThree\xE2\x80\x9D</title></item></channel></rss>",
         {"Caf\xC3\xA9 one", "\xE2\x80\x9CThree\xE2\x80\x9D"},
         2,
         "other non-ASCII bytes are UTF-8"},
        /* declares windows-1252; item 1 is UTF-8, item 2 has more windows-1252 bytes than the file has
         * UTF-8 sequences: still UTF-8 (item 1 read right, item 2 refused), never mojibake */
        {"<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss><channel>"
         "<item><title>Jos\xC3\xA9 one</title></item><item><title>caf\xE9 na\xEFve \x92two\x92</title></item>"
         "</channel></rss>",
         {"Jos\xC3\xA9 one"},
         2,
         "other non-ASCII bytes are UTF-8"},
        /* windows-1252 characters written as numeric references (&#146;), as feedparser reads them;
         * an undefined one (&#129;) stays the C1 control it names */
        {"<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss><channel><item><title>It&#146;s 1&#150;2 "
         "&#x93;ok&#x94; &#129;</title></item></channel></rss>",
         {"It\xE2\x80\x99s 1\xE2\x80\x93" "2 \xE2\x80\x9Cok\xE2\x80\x9D \xC2\x81"},
         0,
         NULL},
        /* declares UTF-8, is Latin-1: the declaration is trusted, the item refused */
        {"<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss><channel><item><title>Caf\xE9 ok</title>"
         "</item><item><title>Plain</title></item></channel></rss>",
         {"Plain"},
         1,
         "declaration says so"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        collect c;
        parse_feed(cases[i].xml, strlen(cases[i].xml), &c);
        size_t n = 0;
        while (n < 3 && cases[i].texts[n])
            n++;
        assert_int_equal(c.n, n);
        for (size_t k = 0; k < n; k++)
            assert_string_equal(c.a[k]->text, cases[i].texts[k]);
        assert_errors_at(&c, cases[i].bad_item ? 1 : 0, &cases[i].bad_item, cases[i].bad_item ? 1 : 0,
                         cases[i].why);
        collect_free(&c);
    }
}

/* ===== E27: escaped, double-escaped, CDATA, Atom constructs ===== */

static void rss_description(const char *desc, const char *want)
{
    char buf[1024];
    snprintf(buf, sizeof buf,
             "<rss version=\"2.0\"><channel><item><description>%s</description></item></channel></rss>",
             desc);
    collect c;
    parse_feed(buf, strlen(buf), &c);
    assert_int_equal(c.n, 1);
    assert_text(c.a[0]->summary, want);
    collect_free(&c);
}

static void atom_entry_field(const char *xml, int field, const char *want)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>%s</entry></feed>", xml);
    collect c;
    parse_feed(buf, strlen(buf), &c);
    assert_int_equal(c.n, 1);
    assert_text(field == 0 ? c.a[0]->title : field == 1 ? c.a[0]->summary : c.a[0]->content, want);
    collect_free(&c);
}

static void e27_escaped_and_cdata_html(void **state)
{
    (void)state;
    rss_description("&lt;p&gt;Council &lt;b&gt;approves&lt;/b&gt; budget&lt;/p&gt;",
                    "Council approves budget");
    rss_description("<![CDATA[<p>Council <b>approves</b> budget</p>]]>", "Council approves budget");
    rss_description("&amp;lt;p&amp;gt;Council approves budget&amp;lt;/p&amp;gt;", "Council approves budget");
    rss_description("Turnout &lt; 40% in three wards &amp; rising", "Turnout < 40% in three wards & rising");
    rss_description("\n   <![CDATA[<p>Harbour reopens</p>]]>\n  ", "Harbour reopens");
    /* real tags present: escaped ones are text, not unescaped again */
    rss_description("<![CDATA[<p>Use &lt;b&gt; for bold</p>]]>", "Use <b> for bold");
}

static void e27_title_text_before_cdata(void **state)
{
    (void)state;
    static const char feed[] =
        "<rss version=\"2.0\"><channel><item><title>Breaking: <![CDATA[Harbour reopens]]>"
        "</title></item></channel></rss>";
    collect c;
    parse_feed(LIT(feed), &c);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.a[0]->title, "Breaking: Harbour reopens");
    assert_string_equal(c.a[0]->text, "Breaking: Harbour reopens");
    collect_free(&c);
}

static void e27_atom_text_constructs(void **state)
{
    (void)state;
    atom_entry_field(
        "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">Harbour <b>reopens</b>"
        "<details><summary>Why</summary>Storm damage</details></div></content>",
        2, "Harbour reopens Why Storm damage");
    atom_entry_field(
        "<content type=\"xhtml\"><xhtml:div xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">Harbour "
        "<xhtml:b>reopens</xhtml:b></xhtml:div></content>",
        2, "Harbour reopens");
    atom_entry_field("<summary type=\"text\">Use &lt;b&gt; for bold</summary>", 1, "Use <b> for bold");
    atom_entry_field("<content type=\"html\">&lt;p&gt;Harbour reopens&lt;/p&gt;</content>", 2,
                     "Harbour reopens");
    /* the xhtml <summary> inside content is not atom:summary */
    static const char feed[] = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>T</title>"
                               "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><details>"
                               "<summary>Why</summary>Body</details></div></content></entry></feed>";
    collect c;
    parse_feed(LIT(feed), &c);
    assert_int_equal(c.n, 1);
    assert_null(c.a[0]->summary);
    assert_text(c.a[0]->content, "Why Body");
    assert_string_equal(c.a[0]->text, "T\n\nWhy\n\nBody");
    collect_free(&c);
}

static void atom03_and_rdf_fields(void **state)
{
    (void)state;
    static const char atom[] =
        "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><entry><title mode=\"base64\">"
        "SGFyYm91ciA8Yj5yZW9wZW5zPC9iPg==</title><id>tag:x,2004:1</id>"
        "<link rel=\"alternate\" href=\"http://example.org/a\"/><author><name>Ona Brannigan</name></author>"
        "<issued>2004-02-01T10:00:00-05:00</issued><summary type=\"text/html\" mode=\"escaped\">"
        "&lt;p&gt;Body&lt;/p&gt;</summary></entry></feed>";
    collect c;
    parse_feed(LIT(atom), &c);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.a[0]->title, "Harbour reopens");
    assert_string_equal(c.a[0]->id, "tag:x,2004:1");
    assert_string_equal(c.a[0]->key, "tag:x,2004:1");
    assert_string_equal(c.a[0]->url, "http://example.org/a");
    assert_string_equal(c.a[0]->author, "Ona Brannigan");
    assert_string_equal(c.a[0]->published, "2004-02-01T15:00:00Z");
    assert_string_equal(c.a[0]->text, "Harbour reopens\n\nBody");
    collect_free(&c);
    static const char rdf[] =
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
        "xmlns=\"http://purl.org/rss/1.0/\" "
        "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>C</title></channel>"
        "<item "
        "rdf:about=\"http://example.org/1\"><title>One</title><dc:date>2002-09-28T20:01:19+02:00</dc:date>"
        "</item><item><title>Two</title><link>http://example.org/2</link><pubDate>not a date</pubDate></item>"
        "</rdf:RDF>";
    parse_feed(LIT(rdf), &c);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.a[0]->key, "http://example.org/1");
    assert_string_equal(c.a[0]->published, "2002-09-28T18:01:19Z");
    assert_string_equal(c.a[1]->key, "http://example.org/2");
    assert_null(c.a[1]->published); /* unparseable: null, never the epoch */
    collect_free(&c);
}

static void not_a_feed_and_broken_xml_are_reported(void **state)
{
    (void)state;
    collect c;
    parse_feed(LIT("<html><body>hi</body></html>"), &c);
    assert_int_equal(c.n, 0);
    assert_int_equal(c.n_errors, 1);
    assert_non_null(strstr(c.errors[0].message, "not a feed"));
    collect_free(&c);
    parse_feed(LIT(""), &c);
    assert_int_equal(c.n, 0);
    assert_int_equal(c.n_errors, 1);
    assert_string_equal(c.errors[0].where, "test.xml");
    collect_free(&c);
    /* truncated in the middle of the second item: the first, complete, comes out (recover mode);
     * the cut one is reported by its item number and never scored (nor stored by --db, so a later
     * run over the whole feed scores it), then the damage with the file and line */
    parse_feed(LIT("<rss><channel><item><title>One</title></item>\n<item><title>Tw"), &c);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.a[0]->title, "One");
    assert_int_equal(c.n_errors, 2);
    assert_string_equal(c.errors[0].where, "test.xml");
    assert_int_equal(c.errors[0].line, 2); /* item 2 */
    assert_non_null(strstr(c.errors[0].message, "item not scored"));
    assert_string_equal(c.errors[1].where, "test.xml");
    assert_int_equal(c.errors[1].line, 2); /* the XML line where it broke */
    assert_non_null(strstr(c.errors[1].message, "not well-formed, 1 item(s) read whole"));
    collect_free(&c);
    /* cut inside a field of an item that has others after it: not even its complete fields count */
    parse_feed(LIT("<rss><channel><item><guid>g1</guid><link>http://"), &c);
    assert_int_equal(c.n, 0);
    assert_int_equal(c.n_errors, 2);
    assert_non_null(strstr(c.errors[0].message, "item not scored"));
    collect_free(&c);
    /* an unclosed element in the middle: the items read whole before it only */
    parse_feed(LIT("<rss><channel>\n<item><title>One</title></item>\n<item><title>Two <b></title></item>\n"
                   "<item><title>Three</title></item></channel></rss>"),
               &c);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.a[0]->title, "One");
    assert_true(c.n_errors >= 2);
    assert_non_null(strstr(c.errors[0].message, "item not scored"));
    assert_non_null(strstr(c.errors[c.n_errors - 1].message, "not well-formed"));
    collect_free(&c);
}

/* An unclosed tag nests every later item inside the item that holds it (libxml2's recover mode):
 * each of them is numbered and reported by its place in the feed, and the XML error named is the
 * first one (where the fault is), not libxml2's last (the end of the file). */
static void broken_feed_numbers_nested_items_and_names_first_error(void **state)
{
    (void)state;
    collect c;
    parse_feed(LIT("<rss><channel>\n<item><title>One</title></item>\n<item><title>Two <b></title></item>\n"
                   "<item><title>Three</title></item>\n<item><title>Four</title></item>\n</channel>\n<foo>\n"
                   "</rss>\n<item><title>Five</title></item>"),
               &c);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.a[0]->title, "One");
    assert_errors_at(&c, 5, (const long[]){2, 3, 4, 5}, 4,
                     "item not scored: the XML is not well-formed before its end "
                     "(XML error at line 3)");
    assert_int_equal(c.errors[4].line, 3);
    assert_non_null(strstr(c.errors[4].message, "1 item(s) read whole"));
    assert_non_null(strstr(c.errors[4].message, "mismatch: b line 3 and title"));
    collect_free(&c);
    /* the same in Atom: entries after an unclosed <div> */
    parse_feed(
        LIT("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<entry><id>1</id><title>One</title></entry>\n"
            "<entry><id>2</id><summary>Two <div></summary></entry>\n<entry><id>3</id></entry>\n</feed>"),
        &c);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.n_errors, 3);
    assert_int_equal(c.errors[0].line, 2);
    assert_int_equal(c.errors[1].line, 3);
    assert_int_equal(c.errors[2].line, 3); /* XML line */
    collect_free(&c);
}

/* Every article collected has UTF-8 text, and something was handed out or reported; frees c. */
static void assert_all_utf8_or_reported(collect *c)
{
    for (size_t i = 0; i < c->n; i++)
        assert_int_equal(st_utf8_first_invalid(c->a[i]->text, c->a[i]->text_len), c->a[i]->text_len);
    assert_true(c->n + c->n_errors >= 1);
    collect_free(c);
}

/* No reader hands out text that is not UTF-8, whatever the bytes claim: a malformed XML declaration
 * naming windows-1251 (libxml2 then reads the title's cp1251 bytes as they are), and an Atom entry
 * with a stray byte where only an attribute holds it (fuzz_feed found both). The item is reported,
 * never handed out. */
static void invalid_utf8_never_handed_out(void **state)
{
    (void)state;
    collect c;
    parse_feed(LIT("<?xml vl version=\"1.0\" encoding=\"windows-1251\"?><rss version=\"2.0\"><channel><item>"
                   "<title>\xcd\xee\xe2\xee\xf1\xf2\xe8</title>tem></channel></rss>"),
               &c);
    assert_all_utf8_or_reported(&c);
    /* bad bytes in an id (or link, author): reported and skipped, never repaired into one key */
    parse_feed(LIT("<rss version=\"2.0\"><channel>"
                   "<item><guid>g\xff"
                   "1</guid><title>One</title></item>"
                   "<item><guid>g\xfe"
                   "1</guid><title>Two</title></item>"
                   "<item><guid>g3</guid><author>J\xe9r\xf4me</author><title>Three</title></item>"
                   "<item><guid>g4</guid><title>Four</title></item></channel></rss>"),
               &c);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.a[0]->key, "g4");
    assert_errors_at(&c, 3, (const long[]){1, 2, 3}, 3, "not valid UTF-8");
    assert_all_utf8_or_reported(&c);
    parse_feed(
        LIT("<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>T</title>\n"
            "<entry><id>urn:1</id><title type=\"html\">&lt;b&gt;\t\tHarbour&lt;/b&gt;</title>\n"
            "<content type=\"xhtm\xec\"><div xmlns=\"http://www.w3.org/1999/xhtml\">Harbour <b>reopens</b>"
            "</div></content></entry></feed>"),
        &c);
    assert_all_utf8_or_reported(&c);
}

/* ===== JSON Lines ===== */

static void jsonl_bom_crlf_blank_truncated_bigint(void **state)
{
    (void)state;
    static const char in[] =
        "\xEF\xBB\xBF{\"id\": \"a1\", \"text\": \"First.\", \"title\": \"T\"}\r\n"
        "\r\n"
        "   \n"
        "{\"id\": 123456789012345678901234567890, \"text\": \"Big id.\", \"n\": 99999999999999999999}\n"
        "not json\n"
        "[1, 2]\n"
        "{\"id\": 7, \"title\": \"no text\"}\n"
        "{\"id\": 8, \"text\": \"Eight.\", \"published\": \"Tue, 10 Jun 2003 04:00:00 EDT\"}\n"
        "{\"id\": \"cut\", \"text\": \"Trunc";
    collect c;
    parse_stream(LIT(in), ST_IN_AUTO, &c);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.a[0]->key, "a1");
    assert_string_equal(c.a[0]->text, "First.");
    assert_int_equal(c.a[0]->item, 1);
    assert_null(json_object_get(c.a[0]->fields, "text"));
    assert_string_equal(json_string_value(json_object_get(c.a[0]->fields, "title")), "T");
    assert_string_equal(c.a[1]->key, "123456789012345678901234567890");
    assert_int_equal(c.a[1]->item, 4);
    assert_string_equal(c.a[2]->key, "8");
    assert_string_equal(c.a[2]->published, "2003-06-10T08:00:00Z");
    assert_int_equal(c.a[2]->item, 8);
    assert_int_equal(c.n_errors, 4);
    long lines[] = {5, 6, 7, 9};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(c.errors[i].line, lines[i]);
        assert_string_equal(c.errors[i].where, "-");
    }
    collect_free(&c);
}

static void jsonl_key_falls_back_to_url_then_hash(void **state)
{
    (void)state;
    st_article *a = NULL;
    st_error err;
    assert_int_equal(st_jsonl_parse_line(LIT("{\"url\": \"http://x/1\", \"text\": \"a\"}"), "f", 3, &a, &err),
                     ST_OK);
    assert_string_equal(a->key, "http://x/1");
    st_article_free(a);
    assert_int_equal(st_jsonl_parse_line(LIT("{\"text\": \"abc\"}"), "f", 3, &a, &err), ST_OK);
    assert_string_equal(a->key, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    st_article_free(a);
    assert_int_equal(st_jsonl_parse_line(LIT("{\"text\": \"\\u00e9\\ud800\"}"), "f", 4, &a, &err),
                     ST_ERR_FORMAT);
    assert_null(a);
    assert_int_equal(err.line, 4);
    assert_int_equal(st_jsonl_parse_line(LIT("  \r"), "f", 5, &a, &err), ST_ERR_EMPTY);
}

/* A numeric id is the article by its value (issue #5): 12, 12.0, 1.2e1 and "12" are one key, and
 * the output's "id" says that key (an integer when it is one within 64 bits, else a string). */
static void jsonl_numeric_ids_keyed_by_value(void **state)
{
    (void)state;
    static const struct {
        const char *lit, *key;
    } keys[] = {{"12", "12"},
                {"12.0", "12"},
                {"1.2e1", "12"},
                {"120e-1", "12"},
                {"1200E-2", "12"},
                {"12.000", "12"},
                {"-12.0", "-12"},
                {"0.50", "0.5"},
                {"5e-1", "0.5"},
                {".5", "0.5"},
                {"-0.0", "0"},
                {"0e7", "0"},
                {"1.25e-3", "0.00125"},
                {"1e25", "10000000000000000000000000"},
                {"1e400", "1e400"},
                {"5e-60", "5e-60"},
                {"123456789012345678901234567890", "123456789012345678901234567890"},
                {"1.5e1", "15"},
                {"100", "100"},
                {"10.01", "10.01"},
                {"1e999999999", "1e999999999"},
                {"1e-9999999999", "1e-9999999999"}, /* ten exponent digits: the literal, never merged */
                {"1e-99999999999999999999", "1e-99999999999999999999"},
                {"10e-9999999999", "10e-9999999999"}};
    char out[128];
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        size_t n = st_number_key(keys[i].lit, strlen(keys[i].lit), out, sizeof out);
        if (n != strlen(keys[i].key) || strcmp(out, keys[i].key) != 0)
            fail_msg("%s: got \"%s\", wanted \"%s\"", keys[i].lit, out, keys[i].key);
    }
    assert_int_equal(st_number_key(LIT("1e25"), out, 5), 0);
    static const struct {
        const char *line, *key, *out_id;
    } recs[] = {
        {"{\"id\": 12, \"text\": \"a\"}", "12", "12"},
        {"{\"id\": 12.0, \"text\": \"a\"}", "12", "12"},
        {"{\"id\": 1.2e1, \"text\": \"a\"}", "12", "12"},
        {"{\"guid\": 1.2E+1, \"text\": \"a\"}", "12", NULL},
        {"{\"id\": 12.5, \"text\": \"a\"}", "12.5", "\"12.5\""},
        {"{\"id\": 1e25, \"text\": \"a\"}", "10000000000000000000000000", "\"10000000000000000000000000\""},
        {"{\"id\": 9223372036854775808.0, \"text\": \"a\"}", "9223372036854775808",
         "\"9223372036854775808\""},
        {"{\"id\": 12.0, \"text\": \"a\", \"n\": 99999999999999999999}", "12", "12"},
    };
    for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++) {
        st_article *a = NULL;
        st_error err;
        assert_int_equal(st_jsonl_parse_line(recs[i].line, strlen(recs[i].line), "f", 1, &a, &err), ST_OK);
        assert_string_equal(a->key, recs[i].key);
        if (recs[i].out_id) {
            char *dump = json_dumps(json_object_get(a->fields, "id"), JSON_ENCODE_ANY);
            assert_string_equal(dump, recs[i].out_id);
            free(dump);
        }
        st_article_free(a);
    }
}

static void jsonl_long_line_is_skipped_with_its_number(void **state)
{
    (void)state;
    char in[400];
    int n = snprintf(in, sizeof in, "{\"text\": \"%0200d\"}\n{\"text\": \"short\"}\n", 0);
    FILE *f = tmpfile();
    assert_int_equal(fwrite(in, 1, (size_t)n, f), (size_t)n);
    rewind(f);
    collect c;
    memset(&c, 0, sizeof c);
    st_reader r = {.format = ST_IN_JSONL,
                   .on_article = on_article,
                   .on_error = on_error,
                   .ud = &c,
                   .max_line_bytes = 100};
    st_error err;
    assert_int_equal(st_read_stream(&r, f, "big.jsonl", &err), ST_OK);
    fclose(f);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.a[0]->text, "short");
    assert_int_equal(c.a[0]->item, 2);
    assert_int_equal(c.n_errors, 1);
    assert_int_equal(c.errors[0].line, 1);
    collect_free(&c);
}

/* A JSON Lines record is read by jansson: escapes, surrogate pairs, duplicate keys (the last wins), a
 * key spelt with an escape, nested "text" members, fallbacks to "content", and jansson's errors
 * (each with the line number) must come out of st_jsonl_parse_line as jansson gives them. */
static void jsonl_text_member_decodes_as_jansson(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        const char *text;   /* NULL: an error is wanted */
        const char *fields; /* the remaining members, compact JSON */
        st_status rc;
    } cases[] = {
        {"{\"id\":\"a\",\"text\":\"He said: \\\"No.\\\"\\n\\tOk \\u00e9\\u20AC\\ud83d\\ude00 \\/ \\\\ "
         "\\b\\f\\r|\","
         "\"n\":1}",
         "He said: \"No.\"\n\tOk \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80 / \\ \b\f\r|", "{\"id\":\"a\",\"n\":1}",
         ST_OK},
        {"{\"text\":\"first\",\"title\":\"T\",\"text\":\"second\"}", "second", "{\"title\":\"T\"}", ST_OK},
        {"{\"t\\u0065xt\":\"escaped key\",\"title\":\"T\"}", "escaped key", "{\"title\":\"T\"}", ST_OK},
        {"{\"text\":5,\"content\":\"from content\"}", "from content", "{\"text\":5}", ST_OK},
        {"{\"meta\":{\"text\":\"inner\"},\"body\":\"outer\"}", "outer", "{\"meta\":{\"text\":\"inner\"}}",
         ST_OK},
        {"{\"a\":\"}\\\"text\\\":{\",\"text\" :\t\"real\"}", "real", "{\"a\":\"}\\\"text\\\":{\"}", ST_OK},
        {"{\"text\":\"ok\",\"n\":99999999999999999999}", "ok", "{\"n\":1e20}", ST_OK},
        {"{\"text\":\"caf\xC3\xA9\"}", "caf\xC3\xA9", "{}", ST_OK},
        {"{\"text\":\"a\\u0000b\"}", NULL, NULL, ST_ERR_FORMAT},
        {"{\"text\":\"a\\udc00b\"}", NULL, NULL, ST_ERR_FORMAT},
        {"{\"text\":\"a\\ud800\\u0041\"}", NULL, NULL, ST_ERR_FORMAT},
        {"{\"text\":\"a\\x\"}", NULL, NULL, ST_ERR_FORMAT},
        {"{\"text\":\"a\\u12\"}", NULL, NULL, ST_ERR_FORMAT},
        {"{\"text\":\"a\x01\"}", NULL, NULL, ST_ERR_FORMAT},
        {"{\"text\":\"a\xFF\"}", NULL, NULL, ST_ERR_UTF8},
        {"{\"text\":\"a\xED\xA0\x80\"}", NULL, NULL, ST_ERR_UTF8},
        {"{\"text\":\"x\" \"y\"}", NULL, NULL, ST_ERR_FORMAT},
        {"{\"title\":\"T\",\"text\":\"x\",}", NULL, NULL, ST_ERR_FORMAT},
        {"{\"text\":\"x\"} trailing", NULL, NULL, ST_ERR_FORMAT},
        {"{\"text\":\"unterminated}", NULL, NULL, ST_ERR_FORMAT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        st_article *a = NULL;
        st_error err;
        memset(&err, 0, sizeof err);
        st_status rc = st_jsonl_parse_line(cases[i].line, strlen(cases[i].line), "f", 2, &a, &err);
        if (rc != cases[i].rc)
            fail_msg("case %zu: status %d, wanted %d (%s)", i, rc, cases[i].rc, err.message);
        if (!cases[i].text) {
            assert_null(a);
            assert_int_equal(err.line, 2);
            /* our words, not jansson's flag names */
            assert_null(strstr(err.message, "JSON_"));
            if (strstr(cases[i].line, "\\u0000"))
                assert_non_null(strstr(err.message, "NUL character"));
            continue;
        }
        assert_string_equal(a->text, cases[i].text);
        assert_int_equal(a->text_len, strlen(cases[i].text));
        char *dump = json_dumps(a->fields, JSON_COMPACT);
        assert_string_equal(dump, cases[i].fields);
        free(dump);
        st_article_free(a);
    }
}

/* ===== text ===== */

/* st_utf8_first_invalid: the offset of the first byte of the first ill-formed sequence, at every
 * place of an eight-byte ASCII stride (its fast path), for each kind of ill-formed UTF-8. */
static void utf8_first_invalid_offsets(void **state)
{
    (void)state;
    static const struct {
        const char *bad; /* appended after the ASCII run */
        size_t at;       /* offset of the error inside bad, or (size_t)-1 when well-formed */
    } cases[] = {
        {"\xC3\xA9\xE2\x80\x9C\xF0\x9F\x98\x80", (size_t)-1}, /* é “ 😀 */
        {"\xF4\x8F\xBF\xBF", (size_t)-1},                     /* U+10FFFF */
        {"\xC3\xA9\x80", 2},                                  /* stray continuation byte */
        {"\xC0\xAF", 0},                                      /* overlong / */
        {"\xE0\x9F\xBF", 0},                                  /* overlong 3-byte */
        {"\xF0\x8F\xBF\xBF", 0},                              /* overlong 4-byte */
        {"\xED\xA0\x80", 0},                                  /* surrogate U+D800 */
        {"\xF4\x90\x80\x80", 0},                              /* above U+10FFFF */
        {"\xF5\x80\x80\x80", 0},                              /* lead byte F5 */
        {"x\xE2\x80", 1},                                     /* cut at the end */
        {"\xE2\x28\xA1", 0},                                  /* continuation missing */
    };
    char buf[64];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t bl = strlen(cases[c].bad);
        for (size_t run = 0; run <= 17; run++) {
            memset(buf, 'a', run);
            memcpy(buf + run, cases[c].bad, bl);
            size_t len = run + bl, want = cases[c].at == (size_t)-1 ? len : run + cases[c].at;
            assert_int_equal(st_utf8_first_invalid(buf, len), want);
            if (cases[c].at != (size_t)-1 && want + 1 < len) /* the first error, not a later one */
                assert_int_equal(st_utf8_first_invalid(buf, want + 1), want);
        }
    }
    assert_int_equal(st_utf8_first_invalid("", 0), 0);
    assert_int_equal(st_utf8_first_invalid("abcdefghijklmnopq", 17), 17);
}

static void markup_and_whitespace(void **state)
{
    (void)state;
    char *t = NULL;
    size_t n = 0;
    assert_int_equal(st_markup_to_text(LIT("<p>One <b>two</b></p><p>Three<br>four</p>"), &t, &n), ST_OK);
    assert_string_equal(t, "One two\n\nThree\nfour");
    assert_int_equal(n, strlen(t));
    free(t);
    assert_int_equal(st_markup_to_text(LIT("a < b & c"), &t, &n), ST_OK);
    assert_string_equal(t, "a < b & c");
    free(t);
    assert_int_equal(st_markup_to_text(LIT("<!DOCTYPE"), &t, &n), ST_OK);
    assert_string_equal(t, "<!DOCTYPE");
    free(t);
    assert_int_equal(st_markup_to_text(LIT("<script>x()</script>Caf&eacute; &#8220;ok&#8221;"), &t, &n),
                     ST_OK);
    assert_string_equal(t, "Café “ok”");
    free(t);
    /* NBSP, thin space and ideographic space are white space, trimmed whole */
    assert_int_equal(st_text_normalize(LIT("\xC2\xA0 a\xE2\x80\x89 b \n\n\n c\xE3\x80\x80"), &t, &n), ST_OK);
    assert_string_equal(t, "a b\n\nc");
    free(t);
}

static void dates(void **state)
{
    (void)state;
    char out[21];
    struct {
        const char *in, *want;
    } ok[] = {
        {"Tue, 10 Jun 2003 04:00:00 GMT", "2003-06-10T04:00:00Z"},
        {"Tue, 10 Jun 2003 04:00:00 EDT", "2003-06-10T08:00:00Z"},
        {"10 Jun 2003 04:00:00 CET", "2003-06-10T03:00:00Z"},
        {"Sat, 28 Sep 2002 23:30:00 +0200", "2002-09-28T21:30:00Z"},
        {"Sun, 31 Dec 2000 23:59:59 -0100", "2001-01-01T00:59:59Z"},
        {"Mon, 1 Mar 04 9:05 PST", "2004-03-01T17:05:00Z"},
        {"Tue, 10 Jun 2003 04:00:00", "2003-06-10T04:00:00Z"}, /* no zone: UTC */
        {"2003-12-13T18:30:02Z", "2003-12-13T18:30:02Z"},
        {"2003-12-13T18:30:02.25+01:00", "2003-12-13T17:30:02Z"},
        {"2003-12-13T18:30:02", "2003-12-13T18:30:02Z"},
        {"2003-12-13", "2003-12-13T00:00:00Z"},
        {"2004-02-29T23:00:00-02:00", "2004-03-01T01:00:00Z"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_int_equal(st_date_to_utc(ok[i].in, out), 1);
        assert_string_equal(out, ok[i].want);
    }
    const char *bad[] = {"",
                         "yesterday",
                         "2003-02-30",
                         "Tue, 32 Jun 2003 04:00:00 GMT",
                         "2003-13-01",
                         "Tue, 10 Jun 2003 25:00:00 GMT",
                         "10 Foo 2003",
                         "2003-12-13T18:30:02 XYZ",
                         "0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(st_date_to_utc(bad[i], out), 0);
        assert_string_equal(out, "");
    }
}

static void text_and_html_files(void **state)
{
    (void)state;
    collect c;
    parse_stream(LIT("\xEF\xBB\xBFPlain \"quoted\" text.\n"), ST_IN_TEXT, &c);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.a[0]->text, "Plain \"quoted\" text.\n");
    assert_int_equal(strncmp(c.a[0]->key, "sha256:", 7), 0);
    collect_free(&c);
    parse_stream(
        LIT("<!DOCTYPE html><html><head><title>Head</title><style>p{}</style></head><body><p>Caf\xC3\xA9"
            "</p><p>Two</p></body></html>"),
        ST_IN_AUTO, &c);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.a[0]->text, "Head\n\nCafé\n\nTwo");
    collect_free(&c);
    parse_stream(LIT("bad \xff byte\n"), ST_IN_TEXT, &c);
    assert_int_equal(c.n, 0);
    assert_int_equal(c.n_errors, 1);
    collect_free(&c);
    /* zero bytes of unknown format (an empty stdin in a pipeline) are nothing to do, not an error;
     * an empty .txt is an article without text */
    parse_stream("", 0, ST_IN_AUTO, &c);
    assert_int_equal(c.n + c.n_errors, 0);
    parse_stream(LIT(" \n"), ST_IN_AUTO, &c);
    assert_int_equal(c.n_errors, 1);
    parse_stream("", 0, ST_IN_TEXT, &c);
    assert_int_equal(c.n_errors, 1);
    collect_free(&c);
}

/* An HTML page gets the feeds' treatment (issue #5): a BOM, then the bytes (UTF-8 when they are),
 * then the <meta> charset (windows-1252 without one); a page read as UTF-8 with invalid bytes is
 * reported with the line of the first and skipped, never scored as mojibake. */
static void html_charset_bom_bytes_then_meta(void **state)
{
    (void)state;
    static const struct {
        const char *html, *text; /* text NULL: reported */
        long line;
        const char *why;
    } cases[] = {
        /* meta says ISO-8859-1, bytes are UTF-8 */
        {"<html><head><meta charset=\"iso-8859-1\"><title>Caf\xC3\xA9</title></head><body><p>\xE2\x80\x9CWe "
         "are "
         "ready,\xE2\x80\x9D she said.</p></body></html>",
         "Caf\xC3\xA9\n\n\xE2\x80\x9CWe are ready,\xE2\x80\x9D she said.", 0, NULL},
        /* meta says UTF-8, one stray windows-1252 byte among UTF-8 */
        {"<html><head><meta charset=\"utf-8\"><title>Caf\xC3\xA9</title></head><body>\n<p>A stray \x92 "
         "byte.</p>"
         "</body></html>",
         NULL, 2, "other non-ASCII bytes are UTF-8"},
        /* no charset, UTF-8 with a stray byte */
        {"<html><head><title>Caf\xC3\xA9</title></head><body><p>The mayor\x92s aide</p></body></html>", NULL,
         1, "other non-ASCII bytes are UTF-8"},
        /* no charset, one UTF-8 sequence among more windows-1252 bytes: reported, not mojibake */
        {"<html><head><title>Jos\xC3\xA9</title></head><body><p>caf\xE9 na\xEFve\x92s</p></body></html>",
         NULL, 1, "other non-ASCII bytes are UTF-8"},
        /* http-equiv says UTF-8, the bytes are Latin-1 */
        {"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\"><title>Caf\xE9"
         "</title></head><body><p>ok</p></body></html>",
         NULL, 1, "declaration says so"},
        /* no charset, windows-1252 (with an undefined 0x9D that must not cut the text) */
        {"<html><head><title>Caf\xE9</title></head><body><p>The mayor\x92s \x9D aide.</p></body></html>",
         "Caf\xC3\xA9\n\nThe mayor\xE2\x80\x99s \xC2\x9D aide.", 0, NULL},
        /* meta says ISO-8859-1 and is: read as windows-1252, as browsers do */
        {"<html><head><meta charset=iso-8859-1><title>Mayor\x92s plan</title></head><body></body></html>",
         "Mayor\xE2\x80\x99s plan", 0, NULL},
        /* meta says windows-1251 and is */
        {"<html><head><meta charset=\"windows-1251\"><title>\xCD\xEE\xE2\xEE\xF1\xF2\xE8</title></head>"
         "<body><p>\xD2\xE5\xEA\xF1\xF2</p></body></html>",
         "Новости\n\nТекст", 0, NULL},
        /* meta says windows-1251, but 0x98 is a byte it does not define: libxml2 (iconv) stops there,
         * so the page is reported, not scored cut short */
        {"<html><head><meta charset=\"windows-1251\"><title>\xCD\xEE</title></head><body><p>\xCD\xEE\x98"
         "\xE2\xEE end</p></body></html>",
         NULL, 0, "cannot be decoded as its declared charset \"windows-1251\""},
        /* a UTF-8 BOM beats a meta that says windows-1251 */
        {"\xEF\xBB\xBF<html><head><meta "
         "charset=\"windows-1251\"><title>\xD0\x9D\xD0\xBE</title></head></html>",
         "\xD0\x9D\xD0\xBE", 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        collect c;
        parse_stream(cases[i].html, strlen(cases[i].html), ST_IN_HTML, &c);
        if (cases[i].text) {
            if (c.n != 1 || c.n_errors != 0)
                fail_msg("case %zu: %zu articles, %zu errors (%s)", i, c.n, c.n_errors,
                         c.n_errors ? c.errors[0].message : "");
            assert_string_equal(c.a[0]->text, cases[i].text);
        } else {
            assert_int_equal(c.n, 0);
            assert_int_equal(c.n_errors, 1);
            assert_int_equal(c.errors[0].line, cases[i].line);
            if (!strstr(c.errors[0].message, cases[i].why))
                fail_msg("case %zu: %s", i, c.errors[0].message);
        }
        collect_free(&c);
    }
}

static void write_file(const char *path, const char *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* A folder as users leave them: a FIFO (never opened: it would block), symbolic links back to the
 * folder itself and to its parent (loops: reported, not walked 2^32 times), a second link to a
 * folder (read once), links to each other (ELOOP), a file with a NUL byte (not text). */
static void folder_walk_fifo_links_and_nul(void **state)
{
    (void)state;
    assert_int_equal(st_tmpdir_make("feed"), 0);
    write_file(in_tmp("a.jsonl"), LIT("{\"id\": \"1\", \"text\": \"One.\"}\n"));
    assert_int_equal(mkdir(in_tmp("sub"), 0755), 0);
    write_file(in_tmp("sub/b.jsonl"), LIT("{\"id\": \"2\", \"text\": \"Two.\"}\n"));
    write_file(in_tmp("nul.txt"), LIT("He said \"no\".\0 Then more."));
    assert_int_equal(mkfifo(in_tmp("fifo"), 0644), 0);
    assert_int_equal(symlink(".", in_tmp("self")), 0);
    assert_int_equal(symlink("..", in_tmp("sub/up")), 0);
    assert_int_equal(symlink("sub", in_tmp("sub2")), 0);
    assert_int_equal(symlink("loop2", in_tmp("loop1")), 0);
    assert_int_equal(symlink("loop1", in_tmp("loop2")), 0);
    collect c;
    memset(&c, 0, sizeof c);
    st_reader r = {.on_article = on_article, .on_error = on_error, .ud = &c};
    st_error err;
    assert_int_equal(st_read_path(&r, tmpdir, &err), ST_OK);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.a[0]->key, "1");
    assert_string_equal(c.a[1]->key, "2");
    assert_string_equal(c.a[1]->source, in_tmp("sub/b.jsonl"));
    /* in byte order of names: loop1, loop2, nul.txt, self, sub/up */
    const char *where[] = {"loop1", "loop2", "nul.txt", "self", "sub/up"};
    const char *what[] = {"symbolic links", "symbolic links", "NUL byte at byte offset 13", "loop", "loop"};
    assert_int_equal(c.n_errors, 5);
    for (int i = 0; i < 5; i++) {
        assert_string_equal(c.errors[i].where, in_tmp(where[i]));
        if (!strstr(c.errors[i].message, what[i]))
            fail_msg("%s: %s", c.errors[i].where, c.errors[i].message);
    }
    collect_free(&c);
    remove_tmpdir(NULL);
}

int main(void)
{
    xmlInitParser();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(e26a_whitespace_before_declaration_cp1251),
        cmocka_unit_test(e26b_latin1_nbsp_trimmed_as_code_point),
        cmocka_unit_test(e26c_stray_byte_skips_only_its_item),
        cmocka_unit_test(e26d_bom_then_declaration),
        cmocka_unit_test(e26e_declaration_names_the_wrong_encoding),
        cmocka_unit_test(e27_escaped_and_cdata_html),
        cmocka_unit_test(e27_title_text_before_cdata),
        cmocka_unit_test(e27_atom_text_constructs),
        cmocka_unit_test(atom03_and_rdf_fields),
        cmocka_unit_test(not_a_feed_and_broken_xml_are_reported),
        cmocka_unit_test(broken_feed_numbers_nested_items_and_names_first_error),
        cmocka_unit_test(invalid_utf8_never_handed_out),
        cmocka_unit_test(jsonl_bom_crlf_blank_truncated_bigint),
        cmocka_unit_test(jsonl_key_falls_back_to_url_then_hash),
        cmocka_unit_test(jsonl_numeric_ids_keyed_by_value),
        cmocka_unit_test(jsonl_long_line_is_skipped_with_its_number),
        cmocka_unit_test(jsonl_text_member_decodes_as_jansson),
        cmocka_unit_test(utf8_first_invalid_offsets),
        cmocka_unit_test(markup_and_whitespace),
        cmocka_unit_test(dates),
        cmocka_unit_test(text_and_html_files),
        cmocka_unit_test(html_charset_bom_bytes_then_meta),
        cmocka_unit_test(folder_walk_fifo_links_and_nul),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return failed;
}
