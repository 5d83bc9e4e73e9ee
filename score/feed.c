/* feed.c - RSS 2.0, RSS 1.0/0.9 (RDF) and Atom 1.0/0.3 items through libxml2; files, folders and
 * stdin, with per-file format detection. */
#include "feed.h"
#include "feed_internal.h"

#include <dirent.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/HTMLparser.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#define NS_ATOM10 "http://www.w3.org/2005/Atom"
#define NS_ATOM03 "http://purl.org/atom/ns#"
#define NS_RSS10 "http://purl.org/rss/1.0/"
#define NS_RSS090 "http://my.netscape.com/rdf/simple/0.9/"
#define NS_RSS2_USERLAND "http://backend.userland.com/rss2"
#define NS_RSS_USERLAND "http://backend.userland.com/rss"
#define NS_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_DC "http://purl.org/dc/elements/1.1/"
#define NS_DCTERMS "http://purl.org/dc/terms/"
#define NS_CONTENT "http://purl.org/rss/1.0/modules/content/"
#define NS_XHTML "http://www.w3.org/1999/xhtml"

#define DEFAULT_MAX_FILE ((size_t)256 << 20)
#define DEFAULT_MAX_LINE ((size_t)64 << 20)

int st_input_format_parse(const char *name, st_input_format *out)
{
    static const struct {
        const char *name;
        st_input_format f;
    } names[] = {{"auto", ST_IN_AUTO}, {"jsonl", ST_IN_JSONL}, {"ndjson", ST_IN_JSONL}, {"feed", ST_IN_FEED},
                 {"xml", ST_IN_FEED},  {"rss", ST_IN_FEED},    {"atom", ST_IN_FEED},    {"text", ST_IN_TEXT},
                 {"txt", ST_IN_TEXT},  {"html", ST_IN_HTML}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].f;
            return 0;
        }
    }
    return -1;
}

static void report(const st_reader *r, st_status rc, const char *where, long line, const char *msg)
{
    if (!r->on_error)
        return;
    st_error e;
    st_error_set(&e, rc, where, line, "%s", msg);
    r->on_error(&e, r->ud);
}

/* ===== XML helpers ===== */

static const char *ns_of(const xmlNode *n)
{
    return n->ns && n->ns->href ? (const char *)n->ns->href : NULL;
}

static int ns_eq(const xmlNode *n, const char *href)
{
    const char *ns = ns_of(n);
    return ns && strcmp(ns, href) == 0;
}

static int is_rss_ns(const xmlNode *n)
{
    const char *ns = ns_of(n);
    return !ns || strcmp(ns, NS_RSS10) == 0 || strcmp(ns, NS_RSS090) == 0 ||
           strcmp(ns, NS_RSS2_USERLAND) == 0 || strcmp(ns, NS_RSS_USERLAND) == 0;
}

static int is_atom_ns(const xmlNode *n)
{
    return ns_eq(n, NS_ATOM10) || ns_eq(n, NS_ATOM03);
}

static int name_is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->name && strcmp((const char *)n->name, name) == 0;
}

static int has_element_child(const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return 1;
    return 0;
}

/* The attribute name (no namespace) lower-cased into buf, or "" when absent. */
static const char *attr_lower(xmlNode *n, const char *name, char *buf, size_t cap)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    size_t k = 0;
    if (v) {
        for (const xmlChar *p = v; *p && k + 1 < cap; p++)
            buf[k++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
        xmlFree(v);
    }
    buf[k] = '\0';
    return buf;
}

/* The text content of n (descendant text and CDATA), malloc'd; NULL when out of memory. */
static char *node_content(xmlNode *n)
{
    xmlChar *t = xmlNodeGetContent(n);
    char *s = strdup(t ? (const char *)t : "");
    if (t)
        xmlFree(t);
    return s;
}

/* White-space-normalised text content (for ids, links, dates). */
static st_status node_plain(xmlNode *n, char **out)
{
    char *raw = node_content(n);
    if (!raw)
        return ST_ERR_NOMEM;
    st_status rc = st_text_normalize(raw, strlen(raw), out, NULL);
    free(raw);
    return rc;
}

static st_status node_dom_text(xmlNode *n, char **out)
{
    textbuf b;
    tb_init(&b);
    st_nodes_to_text(n->children, &b);
    return tb_take(&b, out, NULL);
}

/* RSS fields of unknown type (title, description): markup when it looks like markup. */
static st_status node_markup(xmlNode *n, char **out)
{
    if (has_element_child(n)) /* naked markup inside the element */
        return node_dom_text(n, out);
    char *raw = node_content(n);
    if (!raw)
        return ST_ERR_NOMEM;
    st_status rc = st_markup_to_text(raw, strlen(raw), out, NULL);
    free(raw);
    return rc;
}

static st_status node_html(xmlNode *n, char **out)
{
    char *raw = node_content(n);
    if (!raw)
        return ST_ERR_NOMEM;
    st_status rc = st_html_to_text(raw, strlen(raw), "UTF-8", out, NULL);
    free(raw);
    return rc;
}

/* An Atom text construct (title, summary, content, and Atom 0.3's mode attribute). */
static st_status atom_text(xmlNode *n, char **out)
{
    char type[64], mode[32];
    attr_lower(n, "type", type, sizeof type);
    attr_lower(n, "mode", mode, sizeof mode);
    int xmlish = strcmp(type, "xhtml") == 0 || strcmp(type, "application/xhtml+xml") == 0 ||
                 (strlen(type) > 4 && (strcmp(type + strlen(type) - 4, "+xml") == 0 ||
                                       strcmp(type + strlen(type) - 4, "/xml") == 0));
    int html = strcmp(type, "html") == 0 || strcmp(type, "text/html") == 0 || strcmp(mode, "escaped") == 0;
    int textual =
        type[0] == '\0' || strcmp(type, "text") == 0 || strncmp(type, "text/", 5) == 0 || html || xmlish;
    if (strcmp(mode, "base64") == 0 || !textual) {
        char *raw = node_content(n), *bin = NULL;
        size_t bin_len = 0;
        if (!raw)
            return ST_ERR_NOMEM;
        st_status rc = st_base64_decode(raw, strlen(raw), &bin, &bin_len);
        if (rc == ST_OK) {
            free(raw);
            rc = st_markup_to_text(bin, bin_len, out, NULL);
            free(bin);
            return rc;
        }
        free(raw);
        if (rc == ST_ERR_NOMEM)
            return rc;
        /* not base64 after all: read it as text below */
    }
    if (xmlish)
        return node_dom_text(n, out);
    if (html)
        return node_html(n, out);
    if (has_element_child(n))
        return node_dom_text(n, out);
    return node_plain(n, out);
}

/* ===== items ===== */

typedef struct item_fields {
    char *id, *url, *title, *author, *date, *summary, *content;
    int date_rank, title_rank, summary_rank, content_rank, author_rank; /* lower = preferred */
} item_fields;

static void fields_free(item_fields *f)
{
    free(f->id);
    free(f->url);
    free(f->title);
    free(f->author);
    free(f->date);
    free(f->summary);
    free(f->content);
}

/* Stores v in *slot when rank beats *slot_rank (0 = nothing yet); frees v otherwise. */
static void keep(char **slot, int *slot_rank, char *v, int rank)
{
    if (v && *v && (!*slot || rank < *slot_rank)) {
        free(*slot);
        *slot = v;
        *slot_rank = rank;
    } else {
        free(v);
    }
}

#define TRY(call)                                                                                            \
    do {                                                                                                     \
        if ((rc = (call)) != ST_OK)                                                                          \
            goto out;                                                                                        \
    } while (0)

static st_status rss_item(xmlNode *item, item_fields *f)
{
    st_status rc = ST_OK;
    int dummy = 0;
    for (xmlNode *c = item->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        char *v = NULL;
        const char *name = (const char *)c->name;
        if (is_rss_ns(c)) {
            if (strcmp(name, "title") == 0) {
                TRY(node_markup(c, &v));
                keep(&f->title, &f->title_rank, v, 1);
            } else if (strcmp(name, "link") == 0) {
                TRY(node_plain(c, &v));
                keep(&f->url, &dummy, v, 1);
            } else if (strcmp(name, "guid") == 0) {
                TRY(node_plain(c, &v));
                keep(&f->id, &dummy, v, 1);
            } else if (strcmp(name, "description") == 0) {
                TRY(node_markup(c, &v));
                keep(&f->summary, &f->summary_rank, v, 1);
            } else if (strcmp(name, "author") == 0) {
                TRY(node_plain(c, &v));
                keep(&f->author, &f->author_rank, v, 1);
            } else if (strcmp(name, "pubDate") == 0) {
                TRY(node_plain(c, &v));
                keep(&f->date, &f->date_rank, v, 1);
            } else if (strcmp(name, "fullitem") == 0) { /* an early RSS extension, escaped HTML */
                TRY(node_markup(c, &v));
                keep(&f->content, &f->content_rank, v, 4);
            } else if (strcmp(name, "body") == 0) { /* <body> without its XHTML namespace */
                TRY(node_dom_text(c, &v));
                keep(&f->content, &f->content_rank, v, 3);
            }
        } else if (ns_eq(c, NS_DC)) {
            if (strcmp(name, "title") == 0) {
                TRY(node_markup(c, &v));
                keep(&f->title, &f->title_rank, v, 2);
            } else if (strcmp(name, "description") == 0) {
                TRY(node_markup(c, &v));
                keep(&f->summary, &f->summary_rank, v, 2);
            } else if (strcmp(name, "creator") == 0) {
                TRY(node_plain(c, &v));
                keep(&f->author, &f->author_rank, v, 2);
            } else if (strcmp(name, "date") == 0) {
                TRY(node_plain(c, &v));
                keep(&f->date, &f->date_rank, v, 2);
            }
        } else if (ns_eq(c, NS_DCTERMS)) {
            int rank = strcmp(name, "issued") == 0     ? 3
                       : strcmp(name, "created") == 0  ? 4
                       : strcmp(name, "modified") == 0 ? 5
                                                       : 0;
            if (rank) {
                TRY(node_plain(c, &v));
                keep(&f->date, &f->date_rank, v, rank);
            }
        } else if (ns_eq(c, NS_CONTENT) && strcmp(name, "encoded") == 0) {
            TRY(node_html(c, &v));
            keep(&f->content, &f->content_rank, v, 1);
        } else if (ns_eq(c, NS_XHTML) && (strcmp(name, "body") == 0 || strcmp(name, "div") == 0)) {
            TRY(node_dom_text(c, &v));
            keep(&f->content, &f->content_rank, v, 2);
        } else if (ns_eq(c, NS_ATOM10) && strcmp(name, "content") == 0) {
            TRY(atom_text(c, &v));
            keep(&f->content, &f->content_rank, v, 3);
        }
    }
    if (!f->id) { /* RSS 1.0: the rdf:about of the item */
        xmlChar *about = xmlGetNsProp(item, (const xmlChar *)"about", (const xmlChar *)NS_RDF);
        if (about) {
            f->id = strdup((const char *)about);
            xmlFree(about);
        }
    }
out:
    return rc;
}

static st_status atom_entry(xmlNode *entry, item_fields *f)
{
    st_status rc = ST_OK;
    int dummy = 0;
    for (xmlNode *c = entry->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        char *v = NULL;
        const char *name = (const char *)c->name;
        if (is_atom_ns(c)) {
            if (strcmp(name, "title") == 0) {
                TRY(atom_text(c, &v));
                keep(&f->title, &f->title_rank, v, 1);
            } else if (strcmp(name, "summary") == 0) {
                TRY(atom_text(c, &v));
                keep(&f->summary, &f->summary_rank, v, 1);
            } else if (strcmp(name, "content") == 0) {
                TRY(atom_text(c, &v));
                keep(&f->content, &f->content_rank, v, 1);
            } else if (strcmp(name, "id") == 0) {
                TRY(node_plain(c, &v));
                keep(&f->id, &dummy, v, 1);
            } else if (strcmp(name, "link") == 0) {
                char rel[32];
                attr_lower(c, "rel", rel, sizeof rel);
                xmlChar *href = xmlGetNoNsProp(c, (const xmlChar *)"href");
                if (href && (rel[0] == '\0' || strcmp(rel, "alternate") == 0)) {
                    char *h = NULL;
                    rc = st_text_normalize((const char *)href, strlen((const char *)href), &h, NULL);
                    keep(&f->url, &dummy, h, 1);
                }
                if (href)
                    xmlFree(href);
                if (rc != ST_OK)
                    goto out;
            } else if (strcmp(name, "author") == 0) {
                for (xmlNode *a = c->children; a; a = a->next) {
                    if (name_is(a, "name") && is_atom_ns(a)) {
                        TRY(node_plain(a, &v));
                        keep(&f->author, &f->author_rank, v, 1);
                        v = NULL;
                    }
                }
            } else {
                static const char *const dates[] = {"published", "issued",   "created",
                                                    "updated",   "modified", NULL};
                for (int k = 0; dates[k]; k++) {
                    if (strcmp(name, dates[k]) == 0) {
                        TRY(node_plain(c, &v));
                        keep(&f->date, &f->date_rank, v, k + 1);
                        break;
                    }
                }
            }
        } else if (ns_eq(c, NS_DC)) {
            if (strcmp(name, "date") == 0) {
                TRY(node_plain(c, &v));
                keep(&f->date, &f->date_rank, v, 6);
            } else if (strcmp(name, "creator") == 0) {
                TRY(node_plain(c, &v));
                keep(&f->author, &f->author_rank, v, 2);
            }
        }
    }
out:
    return rc;
}

static int contains_fffd(const char *s)
{
    return s && strstr(s, "\xEF\xBF\xBD") != NULL;
}

typedef struct feed_walk {
    const st_reader *r;
    const char *name;
    int repaired;         /* invalid UTF-8 bytes were replaced before parsing */
    const char *why_utf8; /* why the feed is read as UTF-8 (for the message of an item with bad bytes) */
    long items;
    long skipped;         /* items not scored because the XML broke before their end */
    long broken_line;     /* line of the first XML error (0: none) */
    char broken_msg[200]; /* libxml2's message of the first XML error ("" when none) */
    st_status stop;       /* a callback asked to stop */
} feed_walk;

/* Marks an element that closed while the document was still well-formed (node->_private, which
 * libxml2 leaves to applications): in recover mode, an item or entry without the mark was cut off
 * (a truncated feed) or read after the XML broke, so its fields may be partial. */
#define ELEMENT_COMPLETE ((void *)(uintptr_t)1)

/* How deep to look for items nested inside a cut-off item: libxml2's own tree depth limit
 * (xmlParserMaxDepth without XML_PARSE_HUGE), so the recursion stays bounded. */
#define NESTED_ITEM_DEPTH 256

/* libxml2's SAX2 end-of-element handler (the tree builder's own, xmlSAX2EndElementNs), first
 * marking the element it closes (ctxt->node) when no error has been seen so far. Installed on one
 * parser context's own SAX handler, so no state is shared between readers. */
static void end_element_marked(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    xmlParserCtxtPtr ctxt = ctx;
    if (ctxt->node && ctxt->wellFormed)
        ctxt->node->_private = ELEMENT_COMPLETE;
    xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

/* libxml2's structured error handler for one parser context (ctx is the context, whose _private
 * is the walk): keeps the first error, where a user looks for the fault (libxml2 keeps the last,
 * which in recover mode is often only the end of the file). */
static void keep_first_error(void *ctx, xmlErrorPtr e)
{
    xmlParserCtxtPtr ctxt = ctx;
    feed_walk *w = ctxt ? ctxt->_private : NULL;
    if (!w || !e || e->level < XML_ERR_ERROR || w->broken_msg[0])
        return;
    w->broken_line = e->line;
    snprintf(w->broken_msg, sizeof w->broken_msg, "%s", e->message ? e->message : "error");
    size_t k = strlen(w->broken_msg);
    while (k > 0 && (w->broken_msg[k - 1] == '\n' || w->broken_msg[k - 1] == ' '))
        w->broken_msg[--k] = '\0';
}

static void find_items(feed_walk *w, xmlNode *n, int depth, int max_depth);

static void emit_item(feed_walk *w, xmlNode *node, int atom)
{
    item_fields f;
    memset(&f, 0, sizeof f);
    long item = ++w->items;
    st_article *a = NULL;
    if (node->_private != ELEMENT_COMPLETE) {
        /* never scored nor stored: a later run over the whole feed scores it then */
        char msg[160];
        snprintf(msg, sizeof msg, "item not scored: the XML is not well-formed before its end (XML error at "
                                  "line %ld)", w->broken_line);
        report(w->r, ST_ERR_FORMAT, w->name, item, msg);
        w->skipped++;
        /* recover mode nests the items that follow an unclosed tag inside this one: number and report
         * each of them too, in document order, so item numbers stay those of the feed */
        find_items(w, node->children, 0, NESTED_ITEM_DEPTH);
        return;
    }
    st_status rc = atom ? atom_entry(node, &f) : rss_item(node, &f);
    if (rc != ST_OK)
        goto out_report;
    /* any field, not the text alone: a repaired id or link would merge distinct items under one key
     * ("g\xff1" and "g\xfe1" both "g\uFFFD1"), and a repaired author would be stored as mojibake */
    if (w->repaired && (contains_fffd(f.title) || contains_fffd(f.summary) || contains_fffd(f.content) ||
                        contains_fffd(f.id) || contains_fffd(f.url) || contains_fffd(f.author) ||
                        contains_fffd(f.date))) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "item holds bytes that are not valid UTF-8 (the feed is read as UTF-8: %s); "
                 "skipped",
                 w->why_utf8);
        report(w->r, ST_ERR_UTF8, w->name, item, msg);
        goto out_free;
    }
    rc = ST_ERR_NOMEM;
    a = calloc(1, sizeof *a);
    if (!a || !(a->source = strdup(w->name)))
        goto out_report;
    a->item = item;
    a->id = f.id, f.id = NULL;
    a->url = f.url, f.url = NULL;
    a->title = f.title, f.title = NULL;
    a->author = f.author, f.author = NULL;
    a->summary = f.summary, f.summary = NULL;
    a->content = f.content, f.content = NULL;
    if (f.date) {
        char iso[21];
        if (st_date_to_utc(f.date, iso) && !(a->published = strdup(iso)))
            goto out_report;
    }
    if ((rc = st_article_finish(a, a->content ? a->content : a->summary)) != ST_OK)
        goto out_report;
    fields_free(&f);
    rc = w->r->on_article(a, w->r->ud);
    if (rc != ST_OK)
        w->stop = rc;
    return;
out_report:
    report(w->r, rc, w->name, item, rc == ST_ERR_NOMEM ? "out of memory" : st_strerror(rc));
out_free:
    st_article_free(a);
    fields_free(&f);
}

/* Emits the items and entries among n and its siblings, in document order, looking into other
 * elements down to max_depth levels (not into items: those are leaves). */
static void find_items(feed_walk *w, xmlNode *n, int depth, int max_depth)
{
    for (xmlNode *c = n; c && w->stop == ST_OK; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (name_is(c, "item") && is_rss_ns(c))
            emit_item(w, c, 0);
        else if (name_is(c, "entry") && is_atom_ns(c))
            emit_item(w, c, 1);
        else if (depth < max_depth)
            find_items(w, c->children, depth + 1, max_depth);
    }
}

/* ===== feed documents ===== */

/* Copies the encoding named by an XML declaration at the start of s into enc (lower case), or "". */
static void declared_encoding(const char *s, size_t len, char *enc, size_t cap)
{
    enc[0] = '\0';
    if (len < 6 || memcmp(s, "<?xml", 5) != 0)
        return;
    size_t end = 5;
    while (end + 1 < len && end < 512 && !(s[end] == '?' && s[end + 1] == '>'))
        end++;
    for (size_t i = 5; i + 8 < end; i++) {
        if (memcmp(s + i, "encoding", 8) != 0)
            continue;
        size_t j = i + 8;
        while (j < end && (s[j] == ' ' || s[j] == '=' || s[j] == '\t'))
            j++;
        if (j >= end || (s[j] != '"' && s[j] != '\''))
            return;
        char q = s[j++];
        size_t k = 0;
        while (j < end && s[j] != q && k + 1 < cap) {
            char c = s[j++];
            enc[k++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
        }
        enc[k] = '\0';
        return;
    }
}

/* Why a document s[0..len) with invalid bytes is read as UTF-8, in words for its error messages: a
 * BOM, valid multi-byte sequences beside the bad bytes, or the declaration enc (lower case, "" for
 * none), as st_charset_choose decided. */
static const char *utf8_reason(int bom, const char *enc, const char *s, size_t len)
{
    if (bom)
        return "it starts with a UTF-8 byte order mark";
    for (size_t i = 0; i < len; i++) {
        size_t good = st_utf8_first_invalid(s + i, len - i);
        for (size_t k = 0; k < good; k++)
            if ((unsigned char)s[i + k] >= 0x80)
                return "its other non-ASCII bytes are UTF-8";
        i += good;
    }
    return enc[0] ? "its encoding declaration says so" : "it declares no encoding";
}

/* Replaces every invalid UTF-8 byte of s[0..len) with U+FFFD into a new buffer. */
static char *repair_utf8(const char *s, size_t len, size_t *out_len)
{
    if (len > (SIZE_MAX - 1) / 3)
        return NULL;
    char *o = malloc(len * 3 + 1);
    if (!o)
        return NULL;
    size_t i = 0, n = 0;
    while (i < len) {
        size_t bad = st_utf8_first_invalid(s + i, len - i);
        memcpy(o + n, s + i, bad);
        n += bad;
        i += bad;
        if (i < len) {
            memcpy(o + n, "\xEF\xBF\xBD", 3);
            n += 3;
            i++;
        }
    }
    o[n] = '\0';
    *out_len = n;
    return o;
}

st_status st_feed_parse(const st_reader *r, const char *buf, size_t len, const char *name)
{
    size_t off = 0;
    int bom8 = 0, utf16 = 0;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        off = 3;
        bom8 = 1;
    } else if (len >= 2 && ((unsigned char)buf[0] == 0xFF || (unsigned char)buf[0] == 0xFE) &&
               ((unsigned char)buf[1] == 0xFF || (unsigned char)buf[1] == 0xFE)) {
        utf16 = 1;
    }
    if (!utf16)
        while (off < len && (buf[off] == ' ' || buf[off] == '\t' || buf[off] == '\r' || buf[off] == '\n'))
            off++;
    const char *p = buf + off;
    size_t n = len - off;
    char enc[64];
    declared_encoding(p, n, enc, sizeof enc);
    /* a BOM, then the bytes (UTF-8 when they are), then the declaration; no declaration is UTF-8 */
    const char *use = NULL;
    size_t bad = n;
    st_charset cs = ST_CHARSET_DECLARED;
    if (bom8) {
        cs = ST_CHARSET_UTF8;
        bad = st_utf8_first_invalid(p, n);
    } else if (!utf16) {
        cs = st_charset_choose(p, n, enc, ST_CHARSET_UTF8, &bad);
    }
    feed_walk w = {.r = r, .name = name, .repaired = 0, .items = 0, .stop = ST_OK};
    char *fixed = NULL;
    size_t fixed_len = 0;
    if (cs == ST_CHARSET_UTF8 && bad < n) {
        if (!(fixed = repair_utf8(p, n, &fixed_len))) {
            report(r, ST_ERR_NOMEM, name, 0, "out of memory");
            return ST_OK;
        }
        w.repaired = 1;
        w.why_utf8 = utf8_reason(bom8, enc, p, n);
    } else if (cs == ST_CHARSET_CP1252 && st_cp1252_to_utf8(p, n, &fixed, &fixed_len) != ST_OK) {
        report(r, ST_ERR_NOMEM, name, 0, "out of memory");
        return ST_OK;
    }
    if (fixed) {
        p = fixed;
        n = fixed_len;
    }
    if (cs != ST_CHARSET_DECLARED)
        use = "UTF-8";
    if (n > (size_t)INT32_MAX) {
        report(r, ST_ERR_TOO_LARGE, name, 0, "feed larger than 2 GiB");
        goto out_free_fixed;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        report(r, ST_ERR_NOMEM, name, 0, "out of memory");
        goto out_free_fixed;
    }
    ctxt->_private = &w;
    if (ctxt->sax) {
        ctxt->sax->endElementNs = end_element_marked;
        ctxt->sax->serror = keep_first_error;
    }
    /* the bytes are UTF-8 now whatever the declaration says: XML_PARSE_IGNORE_ENC */
    xmlDocPtr doc =
        xmlCtxtReadMemory(ctxt, p, (int)n, NULL, use,
                          XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                              XML_PARSE_COMPACT | (use ? XML_PARSE_IGNORE_ENC : 0));
    if (!w.broken_msg[0] && !ctxt->wellFormed) /* an error the handler did not see: the last one */
        keep_first_error(ctxt, xmlCtxtGetLastError(ctxt));
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root) {
        char msg[256];
        snprintf(msg, sizeof msg, "not a readable XML feed%s%s", w.broken_msg[0] ? ": " : "", w.broken_msg);
        report(r, ST_ERR_FORMAT, name, w.broken_line, msg);
        goto out_free_doc;
    }
    find_items(&w, root, 0, 8);
    if (w.items == 0 && !(name_is(root, "rss") || name_is(root, "RDF") || name_is(root, "feed") ||
                          name_is(root, "channel") || name_is(root, "entry"))) {
        char msg[160];
        snprintf(msg, sizeof msg, "not a feed: the root element is <%.100s>", (const char *)root->name);
        report(r, ST_ERR_FORMAT, name, 0, msg);
    } else if (name_is(root, "entry") && is_atom_ns(root)) {
        emit_item(&w, root, 1); /* an Atom entry document */
    }
    if (!ctxt->wellFormed) {
        /* recover mode read what it could (the items above were scored): say where the XML first
         * broke, so a truncated or damaged feed never passes silently */
        char msg[300];
        snprintf(msg, sizeof msg, "XML not well-formed, %ld item(s) read whole before it broke%s%s",
                 w.items - w.skipped, w.broken_msg[0] ? ": " : "", w.broken_msg);
        report(r, ST_ERR_FORMAT, name, w.broken_line, msg);
    }
out_free_doc:
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
out_free_fixed:
    free(fixed);
    return w.stop;
}

/* ===== text and HTML files ===== */

/* The 1-based line of byte offset off in buf. */
static long line_of(const char *buf, size_t off)
{
    long line = 1;
    for (size_t i = 0; i < off; i++)
        line += buf[i] == '\n';
    return line;
}

static st_status read_text_file(const st_reader *r, const char *buf, size_t len, const char *name)
{
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3;
        len -= 3;
    }
    size_t bad = st_utf8_first_invalid(buf, len);
    if (bad < len) {
        char msg[96];
        snprintf(msg, sizeof msg, "not valid UTF-8 (byte offset %zu)", bad);
        report(r, ST_ERR_UTF8, name, line_of(buf, bad), msg);
        return ST_OK;
    }
    const char *nul = memchr(buf, '\0', len);
    if (nul) { /* valid UTF-8, but no text: a binary file, or UTF-16 without its byte order mark */
        char msg[96];
        snprintf(msg, sizeof msg, "NUL byte at byte offset %zu: not a text file; skipped",
                 (size_t)(nul - buf));
        report(r, ST_ERR_FORMAT, name, 0, msg);
        return ST_OK;
    }
    size_t k = 0;
    while (k < len && (buf[k] == ' ' || buf[k] == '\n' || buf[k] == '\r' || buf[k] == '\t'))
        k++;
    if (k == len) {
        report(r, ST_ERR_EMPTY, name, 0, "empty file; skipped");
        return ST_OK;
    }
    st_article *a = calloc(1, sizeof *a);
    if (!a || !(a->source = strdup(name)) || !(a->text = malloc(len + 1))) {
        st_article_free(a);
        report(r, ST_ERR_NOMEM, name, 0, "out of memory");
        return ST_OK;
    }
    memcpy(a->text, buf, len);
    a->text[len] = '\0';
    a->text_len = len;
    a->item = 1;
    if (st_article_finish(a, NULL) != ST_OK) {
        st_article_free(a);
        report(r, ST_ERR_NOMEM, name, 0, "out of memory");
        return ST_OK;
    }
    return r->on_article(a, r->ud);
}

static int ascii_casestr(const char *s, size_t len, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= len; i++) {
        size_t k = 0;
        while (k < m && ((s[i + k] >= 'A' && s[i + k] <= 'Z') ? s[i + k] + 32 : s[i + k]) == needle[k])
            k++;
        if (k == m)
            return 1;
    }
    return 0;
}

static xmlNode *find_element(xmlNode *n, const char *name, int depth)
{
    for (xmlNode *c = n; c && depth < 16; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && c->name && strcmp((const char *)c->name, name) == 0)
            return c;
        if (c->type == XML_ELEMENT_NODE) {
            xmlNode *f = find_element(c->children, name, depth + 1);
            if (f)
                return f;
        }
    }
    return NULL;
}

/* 1 when s[0..len) starts with the lower-case ASCII word lit, in any case. */
static int ascii_starts(const char *s, size_t len, const char *lit)
{
    size_t m = strlen(lit);
    if (len < m)
        return 0;
    for (size_t k = 0; k < m; k++)
        if (((s[k] >= 'A' && s[k] <= 'Z') ? s[k] + 32 : s[k]) != lit[k])
            return 0;
    return 1;
}

/* Copies the charset a <meta> tag in the first 4096 bytes of an HTML document declares
 * (<meta charset="X">, or <meta http-equiv="Content-Type" content="text/html; charset=X">) into
 * enc, lower case, or "" when there is none. */
static void html_declared_charset(const char *s, size_t len, char *enc, size_t cap)
{
    size_t head = len < 4096 ? len : 4096;
    enc[0] = '\0';
    for (size_t i = 0; i + 5 < head; i++) {
        if (s[i] != '<' || !ascii_starts(s + i + 1, head - i - 1, "meta"))
            continue;
        size_t end = i + 5;
        while (end < head && s[end] != '>')
            end++;
        for (size_t j = i + 5; j + 7 < end; j++) {
            if (!ascii_starts(s + j, end - j, "charset"))
                continue;
            size_t k = j + 7, m = 0;
            while (k < end && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r' || s[k] == '\n'))
                k++;
            if (k >= end || s[k] != '=')
                continue;
            k++;
            while (k < end && (s[k] == ' ' || s[k] == '\t' || s[k] == '"' || s[k] == '\''))
                k++;
            while (k < end && m + 1 < cap &&
                   ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') ||
                    (s[k] >= '0' && s[k] <= '9') || s[k] == '-' || s[k] == '_' || s[k] == '.' || s[k] == ':'))
                enc[m++] = (char)((s[k] >= 'A' && s[k] <= 'Z') ? s[k++] + 32 : s[k++]);
            enc[m] = '\0';
            if (m)
                return;
        }
    }
}

static st_status read_html_file(const st_reader *r, const char *buf, size_t len, const char *name)
{
    /* As for feeds: a BOM, then the bytes (UTF-8 when they are), then the <meta> charset; without one
     * windows-1252, as browsers (libxml2 2.9 would read ISO-8859-1). A page read as UTF-8 that holds
     * invalid bytes is one article with mojibake in it: reported and skipped, never scored. */
    const char *enc = NULL;
    char decl[64], *conv = NULL;
    size_t bom = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0, bad = len, conv_len = 0;
    int utf16 = len >= 2 && (((unsigned char)buf[0] == 0xFF && (unsigned char)buf[1] == 0xFE) ||
                             ((unsigned char)buf[0] == 0xFE && (unsigned char)buf[1] == 0xFF));
    html_declared_charset(buf, len, decl, sizeof decl);
    st_charset cs = ST_CHARSET_DECLARED; /* UTF-16 by its BOM: libxml2 reads it */
    if (bom) {
        cs = ST_CHARSET_UTF8;
        bad = bom + st_utf8_first_invalid(buf + bom, len - bom);
    } else if (!utf16) {
        cs = st_charset_choose(buf, len, decl, ST_CHARSET_CP1252, &bad);
    }
    if (cs == ST_CHARSET_UTF8 && bad < len) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "not valid UTF-8 at byte offset %zu (the page is read as UTF-8: %s); skipped", bad,
                 utf8_reason(bom > 0, decl, buf + bom, len - bom));
        report(r, ST_ERR_UTF8, name, line_of(buf, bad), msg);
        return ST_OK;
    }
    if (cs == ST_CHARSET_CP1252) {
        if (st_cp1252_to_utf8(buf, len, &conv, &conv_len) != ST_OK) {
            report(r, ST_ERR_NOMEM, name, 0, "out of memory");
            return ST_OK;
        }
        buf = conv;
        len = conv_len;
    }
    if (cs != ST_CHARSET_DECLARED)
        enc = "UTF-8";
    st_status rc = ST_OK;
    if (len > (size_t)INT32_MAX) {
        report(r, ST_ERR_TOO_LARGE, name, 0, "file larger than 2 GiB");
        goto out_free_conv;
    }
    htmlParserCtxtPtr ctxt = htmlNewParserCtxt();
    if (!ctxt) {
        report(r, ST_ERR_NOMEM, name, 0, "out of memory");
        goto out_free_conv;
    }
    /* the bytes are UTF-8 now whatever the <meta> says: HTML_PARSE_IGNORE_ENC */
    htmlDocPtr doc = htmlCtxtReadMemory(ctxt, buf, (int)len, NULL, enc,
                                        HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                            HTML_PARSE_NONET | (enc ? HTML_PARSE_IGNORE_ENC : 0));
    st_article *a = NULL;
    char *body = NULL;
    if (!doc) {
        report(r, ST_ERR_FORMAT, name, 0, "not readable as HTML");
        goto out_free_ctxt;
    }
    if (ctxt->input && ctxt->input->buf && ctxt->input->buf->error) {
        /* iconv stopped at a byte the declared charset does not define: the rest of the page is lost */
        char msg[160];
        snprintf(msg, sizeof msg,
                 "cannot be decoded as its declared charset \"%.60s\" (a byte it does not define); "
                 "skipped",
                 decl);
        report(r, ST_ERR_FORMAT, name, 0, msg);
        goto out_free_doc;
    }
    a = calloc(1, sizeof *a);
    if (!a || !(a->source = strdup(name)))
        goto out_nomem;
    a->item = 1;
    xmlNode *title = find_element(doc->children, "title", 0);
    if (title && node_plain(title, &a->title) != ST_OK)
        goto out_nomem;
    if (a->title && !*a->title) {
        free(a->title);
        a->title = NULL;
    }
    textbuf b;
    tb_init(&b);
    st_nodes_to_text(doc->children, &b);
    if (tb_take(&b, &body, NULL) != ST_OK)
        goto out_nomem;
    if (!a->title && !*body) {
        report(r, ST_ERR_EMPTY, name, 0, "HTML file holds no text; skipped");
        goto out_free_article;
    }
    if ((rc = st_article_finish(a, body)) == ST_ERR_UTF8) {
        rc = ST_OK;
        report(r, ST_ERR_UTF8, name, 0, "text is not valid UTF-8 after decoding; skipped");
        goto out_free_article;
    }
    if (rc != ST_OK) {
        rc = ST_OK;
        goto out_nomem;
    }
    rc = r->on_article(a, r->ud);
    a = NULL;
    goto out_free_article;
out_nomem:
    report(r, ST_ERR_NOMEM, name, 0, "out of memory");
out_free_article:
    free(body);
    st_article_free(a);
out_free_doc:
    xmlFreeDoc(doc);
out_free_ctxt:
    htmlFreeParserCtxt(ctxt);
out_free_conv:
    free(conv);
    return rc;
}

/* ===== streams, files and folders ===== */

typedef struct linereader {
    FILE *f;
    char *buf;
    size_t start, end, cap;
    int eof;
} linereader;

/* Makes room and reads more: returns 1 when bytes came, 0 at end of input, -1 when the buffer would
 * pass max_cap or memory ran out. */
static int lr_fill(linereader *lr, size_t max_cap)
{
    if (lr->eof)
        return 0;
    if (lr->start > 0 && (lr->start == lr->end || lr->end == lr->cap || lr->start > lr->cap / 2)) {
        memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
        lr->end -= lr->start;
        lr->start = 0;
    }
    if (lr->end == lr->cap) {
        if (lr->cap >= max_cap)
            return -1;
        size_t cap = lr->cap ? lr->cap * 2 : 1 << 16;
        if (cap > max_cap)
            cap = max_cap;
        char *p = realloc(lr->buf, cap);
        if (!p)
            return -1;
        lr->buf = p;
        lr->cap = cap;
    }
    size_t got = fread(lr->buf + lr->end, 1, lr->cap - lr->end, lr->f);
    lr->end += got;
    if (got == 0)
        lr->eof = 1;
    return got > 0;
}

static st_status read_jsonl(const st_reader *r, linereader *lr, const char *name)
{
    size_t max_line = r->max_line_bytes ? r->max_line_bytes : DEFAULT_MAX_LINE;
    long lineno = 0;
    size_t rel = 0;   /* bytes after lr->start known to hold no line end */
    int skipping = 0; /* inside a line that passed the limit: drop it up to its line end */
    for (;;) {
        size_t avail = lr->end - lr->start;
        char *nl = avail > rel ? memchr(lr->buf + lr->start + rel, '\n', avail - rel) : NULL;
        int last = 0;
        if (!nl) {
            rel = avail;
            if (avail >= max_line) {
                if (!skipping) {
                    report(r, ST_ERR_TOO_LARGE, name, ++lineno, "line longer than the line limit; skipped");
                    skipping = 1;
                }
                if (r->on_bytes)
                    r->on_bytes(avail, r->ud);
                lr->start = lr->end;
                rel = 0;
            }
            int f = lr_fill(lr, max_line + 1);
            if (f > 0)
                continue;
            if (f < 0) {
                report(r, ST_ERR_NOMEM, name, lineno + 1, "out of memory");
                return ST_OK;
            }
            if (ferror(lr->f)) {
                report(r, ST_ERR_IO, name, lineno + 1, strerror(errno));
                return ST_OK;
            }
            if (lr->start == lr->end)
                return ST_OK;
            nl = lr->buf + lr->end; /* a last line without its line end */
            last = 1;
        }
        size_t len = (size_t)(nl - (lr->buf + lr->start));
        size_t consumed = len + (last ? 0 : 1);
        if (skipping) {
            skipping = 0;
        } else if (len > max_line) {
            report(r, ST_ERR_TOO_LARGE, name, ++lineno, "line longer than the line limit; skipped");
        } else if (r->on_line) {
            st_status rc = r->on_line(lr->buf + lr->start, len, name, ++lineno, r->ud);
            if (rc != ST_OK)
                return rc;
        } else {
            lineno++;
            st_article *a = NULL;
            st_error err;
            st_status rc = st_jsonl_parse_line(lr->buf + lr->start, len, name, lineno, &a, &err);
            if (rc == ST_OK) {
                if ((rc = r->on_article(a, r->ud)) != ST_OK)
                    return rc;
            } else if (rc != ST_ERR_EMPTY && r->on_error) {
                r->on_error(&err, r->ud);
            }
        }
        if (r->on_bytes)
            r->on_bytes(consumed, r->ud);
        lr->start += consumed;
        rel = 0;
        if (last)
            return ST_OK;
    }
}

static st_input_format format_from_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    const char *slash = strrchr(name, '/');
    if (!dot || (slash && dot < slash))
        return ST_IN_AUTO;
    char ext[16];
    size_t k = 0;
    for (const char *p = dot + 1; *p && k + 1 < sizeof ext; p++)
        ext[k++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
    ext[k] = '\0';
    static const struct {
        const char *ext;
        st_input_format f;
    } map[] = {{"jsonl", ST_IN_JSONL}, {"ndjson", ST_IN_JSONL}, {"json", ST_IN_JSONL}, {"xml", ST_IN_FEED},
               {"rss", ST_IN_FEED},    {"atom", ST_IN_FEED},    {"rdf", ST_IN_FEED},   {"feed", ST_IN_FEED},
               {"txt", ST_IN_TEXT},    {"text", ST_IN_TEXT},    {"html", ST_IN_HTML},  {"htm", ST_IN_HTML},
               {"xhtml", ST_IN_HTML}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(ext, map[i].ext) == 0)
            return map[i].f;
    return ST_IN_AUTO;
}

static st_input_format format_from_bytes(const char *s, size_t len)
{
    size_t i = 0;
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    else if (len >= 2 && (((unsigned char)s[0] == 0xFF && (unsigned char)s[1] == 0xFE) ||
                          ((unsigned char)s[0] == 0xFE && (unsigned char)s[1] == 0xFF)))
        return ST_IN_FEED;
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    if (i >= len)
        return ST_IN_TEXT;
    if (s[i] == '{')
        return ST_IN_JSONL;
    if (s[i] != '<')
        return ST_IN_TEXT;
    size_t head = len - i < 2048 ? len - i : 2048;
    if (ascii_casestr(s + i, head, "<rss") || ascii_casestr(s + i, head, "<feed") ||
        ascii_casestr(s + i, head, ":rdf") || ascii_casestr(s + i, head, "<rdf"))
        return ST_IN_FEED;
    if (ascii_casestr(s + i, head, "<!doctype html") || ascii_casestr(s + i, head, "<html"))
        return ST_IN_HTML;
    return ST_IN_FEED;
}

st_status st_read_stream(const st_reader *r, FILE *f, const char *name, st_error *err)
{
    (void)err;
    size_t max_file = r->max_file_bytes ? r->max_file_bytes : DEFAULT_MAX_FILE;
    linereader lr = {.f = f};
    st_status rc = ST_OK;
    st_input_format fmt = r->format != ST_IN_AUTO ? r->format : format_from_name(name);
    if (fmt == ST_IN_AUTO || fmt == ST_IN_JSONL) {
        while (lr.end < 4096 && lr_fill(&lr, max_file + 1) > 0) {
        }
    }
    if (fmt == ST_IN_AUTO && lr.end == 0 && lr.eof && !ferror(f))
        goto out_free; /* nothing at all (an empty stdin or feed dump): no article, and no error */
    if (fmt == ST_IN_AUTO)
        fmt = lr.end ? format_from_bytes(lr.buf, lr.end) : ST_IN_TEXT;
    if (fmt == ST_IN_JSONL) {
        rc = read_jsonl(r, &lr, name);
        goto out_free;
    }
    while (!lr.eof) {
        int got = lr_fill(&lr, max_file + 1);
        if (got < 0 || lr.end > max_file) {
            report(r, got < 0 && lr.cap < max_file ? ST_ERR_NOMEM : ST_ERR_TOO_LARGE, name, 0,
                   got < 0 && lr.cap < max_file ? "out of memory"
                                                : "file larger than the file size limit; skipped");
            goto out_free;
        }
    }
    if (ferror(f)) {
        report(r, ST_ERR_IO, name, 0, strerror(errno));
        goto out_free;
    }
    const char *buf = lr.buf ? lr.buf : "";
    if (fmt == ST_IN_FEED)
        rc = st_feed_parse(r, buf, lr.end, name);
    else if (fmt == ST_IN_HTML)
        rc = read_html_file(r, buf, lr.end, name);
    else
        rc = read_text_file(r, buf, lr.end, name);
    if (r->on_bytes)
        r->on_bytes(lr.end, r->ud);
out_free:
    free(lr.buf);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

#define MAX_DIR_DEPTH 32

/* The folders of one walk, by device and inode: the ones on the current path (a symbolic link back
 * to one of them is a loop) and every one read so far (a second link to a folder is read once). */
typedef struct dirwalk {
    struct dir_id {
        dev_t dev;
        ino_t ino;
    } path[MAX_DIR_DEPTH + 1], *seen;
    size_t n_seen, cap_seen;
} dirwalk;

static int dir_id_in(const struct dir_id *v, size_t n, const struct stat *st)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].dev == st->st_dev && v[i].ino == st->st_ino)
            return 1;
    return 0;
}

/* Reads the folder path (st: its stat) at depth (0 for the folder named by the user), its entries in
 * byte order of names. Errors: those of on_article; everything else goes to on_error. */
static st_status read_dir(const st_reader *r, const char *path, const struct stat *st_dir, int depth,
                          dirwalk *w, st_error *err)
{
    if (dir_id_in(w->path, (size_t)depth, st_dir)) {
        report(r, ST_ERR_IO, path, 0, "folder already being read (a symbolic link loop); skipped");
        return ST_OK;
    }
    if (dir_id_in(w->seen, w->n_seen, st_dir))
        return ST_OK; /* a second link to a folder already read: its articles would be duplicates */
    if (w->n_seen == w->cap_seen) {
        size_t nc = w->cap_seen ? w->cap_seen * 2 : 64;
        struct dir_id *p = realloc(w->seen, nc * sizeof *p);
        if (!p) {
            report(r, ST_ERR_NOMEM, path, 0, "out of memory");
            return ST_OK;
        }
        w->seen = p;
        w->cap_seen = nc;
    }
    w->seen[w->n_seen++] = (struct dir_id){st_dir->st_dev, st_dir->st_ino};
    w->path[depth] = (struct dir_id){st_dir->st_dev, st_dir->st_ino};
    DIR *d = opendir(path);
    if (!d) {
        report(r, ST_ERR_IO, path, 0, strerror(errno));
        return ST_OK;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    st_status rc = ST_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **p = realloc(names, nc * sizeof *p);
            if (!p)
                goto out_nomem;
            names = p;
            cap = nc;
        }
        if (!(names[n] = strdup(e->d_name)))
            goto out_nomem;
        n++;
    }
    qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n && rc == ST_OK; i++) {
        size_t pl = strlen(path);
        char *full = malloc(pl + strlen(names[i]) + 2);
        if (!full)
            goto out_nomem;
        sprintf(full, "%s%s%s", path, pl && path[pl - 1] == '/' ? "" : "/", names[i]);
        struct stat st;
        if (stat(full, &st) != 0) {
            report(r, ST_ERR_IO, full, 0, strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            if (depth < MAX_DIR_DEPTH)
                rc = read_dir(r, full, &st, depth + 1, w, err);
            else
                report(r, ST_ERR_TOO_LARGE, full, 0, "folder nested too deep (over 32 levels); skipped");
        } else if (S_ISREG(st.st_mode)) {
            FILE *f = fopen(full, "rb");
            if (!f) {
                report(r, ST_ERR_IO, full, 0, strerror(errno));
            } else {
                rc = st_read_stream(r, f, full, err);
                fclose(f);
            }
        }
        free(full);
    }
    goto out_free;
out_nomem:
    report(r, ST_ERR_NOMEM, path, 0, "out of memory");
out_free:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

st_status st_read_path(const st_reader *r, const char *path, st_error *err)
{
    if (strcmp(path, "-") == 0)
        return st_read_stream(r, stdin, "-", err);
    struct stat st;
    if (stat(path, &st) != 0)
        return st_error_set(err, ST_ERR_IO, path, 0, "%s", strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        dirwalk w;
        memset(&w, 0, sizeof w);
        st_status rc = read_dir(r, path, &st, 0, &w, err);
        free(w.seen);
        return rc;
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        return st_error_set(err, ST_ERR_IO, path, 0, "%s", strerror(errno));
    st_status rc = st_read_stream(r, f, path, err);
    fclose(f);
    return rc;
}
