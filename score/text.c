/* text.c - plain text out of markup, white space, dates, base64 and content keys for stance-score. */
#include "feed.h"
#include "feed_internal.h"
#include "st_utf8.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>

/* ===== UTF-8 ===== */

/* Decodes the code point at s[*i..len) with core's decoder and advances *i; a byte that is not
 * well-formed UTF-8 gives -1 (st_utf8_next's U+FFFD one byte wide; a real U+FFFD takes three). */
static long utf8_next(const unsigned char *s, size_t len, size_t *i)
{
    size_t at = *i;
    int32_t cp = st_utf8_next((const char *)s, len, i);
    return cp == 0xFFFD && *i - at == 1 ? -1 : cp;
}

/* The library's validator (the same well-formedness rules as utf8_next) skips ASCII eight bytes at
 * a time: every article's text goes through here. */
size_t st_utf8_first_invalid(const char *s, size_t len)
{
    size_t bad = len;
    return st_utf8_validate(s, len, &bad) == ST_OK ? len : bad;
}

/* ===== charsets ===== */

/* Labels that name windows-1252 (WHATWG Encoding Standard: ISO-8859-1 and US-ASCII are read as it,
 * as browsers do), and labels that name UTF-8. */
static const char *const cp1252_labels[] = {
    "ansi_x3.4-1968", "ascii",           "cp1252",     "cp819",     "csisolatin1",
    "ibm819",         "iso-8859-1",      "iso-ir-100", "iso8859-1", "iso88591",
    "iso_8859-1",     "iso_8859-1:1987", "l1",         "latin1",    "latin-1",
    "us-ascii",       "windows-1252",    "x-cp1252",   NULL};
static const char *const utf8_labels[] = {"utf-8", "utf8", "unicode-1-1-utf-8", NULL};

static int label_in(const char *label, const char *const *names)
{
    for (size_t i = 0; names[i]; i++)
        if (strcmp(label, names[i]) == 0)
            return 1;
    return 0;
}

st_charset st_charset_choose(const char *s, size_t len, const char *declared, st_charset undeclared,
                             size_t *first_invalid)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, multibyte = 0, invalid = 0;
    *first_invalid = len;
    while (i < len) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t at = i;
        if (utf8_next(u, len, &i) >= 0) {
            multibyte++;
        } else {
            if (!invalid)
                *first_invalid = at;
            invalid++;
        }
    }
    if (multibyte)
        return ST_CHARSET_UTF8; /* valid UTF-8, or UTF-8 with stray bytes (reported, never decoded as
                                 * a legacy charset: that would turn its UTF-8 into silent mojibake) */
    if (declared[0] == '\0')
        return undeclared;
    if (label_in(declared, utf8_labels))
        return ST_CHARSET_UTF8;
    if (label_in(declared, cp1252_labels))
        return ST_CHARSET_CP1252;
    return ST_CHARSET_DECLARED;
}

/* windows-1252's characters for the bytes 0x80..0x9F (WHATWG index); the five bytes it leaves
 * undefined map to the C1 control of the same value (never a conversion error that would cut the
 * text). */
static const unsigned short cp1252_c1[32] = {0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                             0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
                                             0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                             0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

st_status st_cp1252_to_utf8(const char *s, size_t len, char **out, size_t *out_len)
{

    if (len > (SIZE_MAX - 1) / 3)
        return ST_ERR_NOMEM;
    char *o = malloc(len * 3 + 1);
    if (!o)
        return ST_ERR_NOMEM;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned c = (unsigned char)s[i];
        unsigned cp = c >= 0x80 && c < 0xA0 ? cp1252_c1[c - 0x80] : c;
        n += st_utf8_encode((int32_t)cp, o + n);
    }
    o[n] = '\0';
    *out = o;
    *out_len = n;
    return ST_OK;
}

static int is_space_cp(long cp)
{
    switch (cp) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case '\f':
    case '\v':
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000: return 1;
    default: return cp >= 0x2000 && cp <= 0x200A;
    }
}

/* ===== a growing buffer that collapses white space ===== */

void tb_init(textbuf *b)
{
    memset(b, 0, sizeof *b);
}

void tb_free(textbuf *b)
{
    free(b->p);
    tb_init(b);
}

static int tb_reserve(textbuf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void tb_break(textbuf *b, int level)
{
    if (level > b->pending)
        b->pending = level;
}

/* Appends s[0..len), collapsing white space; in plain mode (html == 0) a run with two or more line
 * ends asks for a paragraph break. */
void tb_append(textbuf *b, const char *s, size_t len, int html)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    int newlines = 0, in_space = 0;
    while (i < len) {
        size_t at = i;
        long cp = u[i] < 0x80 ? (long)u[i++] : utf8_next(u, len, &i);
        if (cp == 0xFEFF || cp == 0)
            continue;
        if (cp >= 0x80 && cp <= 0x9F && cp1252_c1[cp - 0x80] != cp) {
            /* a C1 control in feed or page text is a windows-1252 character written as a numeric
             * reference (&#146;) or decoded as Latin-1: read as windows-1252, as feedparser and
             * HTML5 (numeric references) do */
            char enc[4];
            size_t n = st_utf8_encode((int32_t)cp1252_c1[cp - 0x80], enc);
            if (in_space) {
                tb_break(b, !html && newlines >= 2 ? PARAGRAPH : SPACE);
                in_space = 0;
            }
            tb_append(b, enc, n, html);
            continue;
        }
        if (cp >= 0 && is_space_cp(cp)) {
            if (!in_space)
                newlines = 0;
            in_space = 1;
            if (cp == '\n')
                newlines++;
            continue;
        }
        if (in_space) {
            tb_break(b, !html && newlines >= 2 ? PARAGRAPH : SPACE);
            in_space = 0;
        }
        if (b->len > 0 && b->pending) {
            const char *sep = b->pending >= PARAGRAPH ? "\n\n" : b->pending == LINE ? "\n" : " ";
            size_t n = strlen(sep);
            if (tb_reserve(b, n) < 0)
                return;
            memcpy(b->p + b->len, sep, n);
            b->len += n;
        }
        b->pending = 0;
        size_t n = i - at;
        if (tb_reserve(b, n) < 0)
            return;
        memcpy(b->p + b->len, s + at, n);
        b->len += n;
    }
    if (in_space)
        tb_break(b, !html && newlines >= 2 ? PARAGRAPH : SPACE);
}

st_status tb_take(textbuf *b, char **out, size_t *out_len)
{
    if (b->oom || tb_reserve(b, 0) < 0) {
        tb_free(b);
        return ST_ERR_NOMEM;
    }
    b->p[b->len] = '\0';
    *out = b->p;
    if (out_len)
        *out_len = b->len;
    b->p = NULL;
    tb_free(b);
    return ST_OK;
}

st_status st_text_normalize(const char *s, size_t len, char **out, size_t *out_len)
{
    textbuf b;
    tb_init(&b);
    tb_append(&b, s, len, 0);
    return tb_take(&b, out, out_len);
}

/* ===== DOM -> text ===== */

static int name_in(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(name, *list) == 0)
            return 1;
    return 0;
}

static const char *const block_names[] = {
    "p",       "div",     "blockquote", "li",     "ul",       "ol",     "dl",     "dt",         "dd",
    "h1",      "h2",      "h3",         "h4",     "h5",       "h6",     "pre",    "table",      "tr",
    "section", "article", "header",     "footer", "aside",    "nav",    "figure", "figcaption", "details",
    "summary", "hr",      "address",    "form",   "fieldset", "main",   "center", "caption",    "body",
    "html",    "tbody",   "thead",      "tfoot",  "menu",     "legend", NULL};
static const char *const inline_names[] = {
    "a",   "abbr", "b",   "bdi", "bdo",  "cite",  "code", "data",   "dfn",    "em",  "font", "i",
    "kbd", "mark", "q",   "s",   "samp", "small", "span", "strike", "strong", "sub", "sup",  "time",
    "tt",  "u",    "var", "wbr", "ins",  "del",   "big",  "nobr",   "label",  NULL};
static const char *const skip_names[] = {"script", "style",  "head",  "noscript", "template",
                                         "iframe", "object", "embed", "applet",   NULL};

static void walk(xmlNode *n, textbuf *b, int depth)
{
    if (depth > 512)
        return;
    for (xmlNode *c = n; c; c = c->next) {
        switch (c->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (c->content)
                tb_append(b, (const char *)c->content, strlen((const char *)c->content), 1);
            break;
        case XML_ENTITY_REF_NODE: {
            xmlChar *t = xmlNodeGetContent(c);
            if (t) {
                tb_append(b, (const char *)t, strlen((const char *)t), 1);
                xmlFree(t);
            }
            break;
        }
        case XML_ELEMENT_NODE: {
            char name[32];
            size_t k = 0;
            for (const xmlChar *p = c->name; p && *p && k + 1 < sizeof name; p++)
                name[k++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
            name[k] = '\0';
            if (name_in(name, skip_names))
                break;
            if (strcmp(name, "br") == 0) {
                tb_break(b, LINE);
                break;
            }
            int block = name_in(name, block_names);
            int inl = name_in(name, inline_names);
            if (block)
                tb_break(b, PARAGRAPH);
            else if (!inl)
                tb_break(b, SPACE);
            walk(c->children, b, depth + 1);
            if (block)
                tb_break(b, PARAGRAPH);
            else if (!inl)
                tb_break(b, SPACE);
            break;
        }
        case XML_DOCUMENT_NODE:
        case XML_HTML_DOCUMENT_NODE: walk(c->children, b, depth + 1); break;
        default: break;
        }
    }
}

void st_nodes_to_text(xmlNode *first, textbuf *b)
{
    walk(first, b, 0);
}

st_status st_html_to_text(const char *html, size_t len, const char *encoding, char **out, size_t *out_len)
{
    textbuf b;
    tb_init(&b);
    if (len > 0 && len <= (size_t)INT32_MAX) {
        htmlParserCtxtPtr ctxt = htmlNewParserCtxt();
        if (!ctxt)
            return ST_ERR_NOMEM;
        htmlDocPtr doc = htmlCtxtReadMemory(ctxt, html, (int)len, NULL, encoding,
                                            HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                                HTML_PARSE_NONET | HTML_PARSE_NOBLANKS);
        if (doc) {
            walk(doc->children, &b, 0);
            xmlFreeDoc(doc);
        }
        htmlFreeParserCtxt(ctxt);
    }
    return tb_take(&b, out, out_len);
}

/* 1 when s holds something an HTML parser would read as a tag: '<' followed by a letter, by '/'
 * and a letter, or by "!--". */
static int has_tag(const char *s, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] != '<')
            continue;
        unsigned char c = (unsigned char)s[i + 1];
        if ((c | 32) >= 'a' && (c | 32) <= 'z')
            return 1;
        if (c == '/' && i + 2 < len && ((s[i + 2] | 32) >= 'a' && (s[i + 2] | 32) <= 'z'))
            return 1;
        if (c == '!' && i + 3 < len && s[i + 2] == '-' && s[i + 3] == '-')
            return 1;
    }
    return 0;
}

/* 1 when s holds an entity reference &name; or &#n; or &#xh;. */
static int has_entity(const char *s, size_t len)
{
    for (size_t i = 0; i + 2 < len; i++) {
        if (s[i] != '&')
            continue;
        size_t j = i + 1;
        if (s[j] == '#') {
            j++;
            if (j < len && (s[j] | 32) == 'x')
                j++;
        }
        size_t start = j;
        while (j < len && j - start < 32 &&
               (((s[j] | 32) >= 'a' && (s[j] | 32) <= 'z') || (s[j] >= '0' && s[j] <= '9')))
            j++;
        if (j > start && j < len && s[j] == ';')
            return 1;
    }
    return 0;
}

/* 1 when s holds an escaped tag: "&lt;" followed by a letter or '/'. */
static int has_escaped_tag(const char *s, size_t len)
{
    for (size_t i = 0; i + 4 < len; i++) {
        if (s[i] == '&' && (s[i + 1] | 32) == 'l' && (s[i + 2] | 32) == 't' && s[i + 3] == ';') {
            unsigned char c = (unsigned char)s[i + 4];
            if (((c | 32) >= 'a' && (c | 32) <= 'z') || c == '/')
                return 1;
        }
    }
    return 0;
}

st_status st_markup_to_text(const char *s, size_t len, char **out, size_t *out_len)
{
    if (has_tag(s, len))
        return st_html_to_text(s, len, "UTF-8", out, out_len);
    if (!has_entity(s, len))
        return st_text_normalize(s, len, out, out_len);
    if (!has_escaped_tag(s, len))
        return st_html_to_text(s, len, "UTF-8", out, out_len);
    /* Double-escaped: decode the entities once (the tags come out as text), then read that as
     * HTML. */
    char *once = NULL;
    size_t once_len = 0;
    st_status rc = st_html_to_text(s, len, "UTF-8", &once, &once_len);
    if (rc != ST_OK)
        return rc;
    rc = st_html_to_text(once, once_len, "UTF-8", out, out_len);
    free(once);
    return rc;
}

/* ===== dates ===== */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long yy = (long long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

static int days_in_month(long long y, unsigned m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

static int format_utc(long long y, unsigned mo, unsigned d, int h, int mi, int s, long offset_min,
                      char out[21])
{
    if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || (int)d > days_in_month(y, mo) || h < 0 || h > 24 ||
        mi < 0 || mi > 59 || s < 0 || s > 60)
        return 0;
    if (h == 24 && (mi != 0 || s != 0))
        return 0;
    if (s == 60)
        s = 59; /* a leap second: clamp, the instant is the same to the second that matters here */
    long long t = days_from_civil(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL + s - offset_min * 60LL;
    long long days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    long long rem = t - days * 86400;
    long long yy;
    unsigned mm, dd;
    civil_from_days(days, &yy, &mm, &dd);
    if (yy < 1 || yy > 9999)
        return 0;
    int hh = (int)(rem / 3600), mn = (int)(rem % 3600 / 60), ss = (int)(rem % 60);
    /* Hand-formatted: no locale, no snprintf truncation warnings. */
    int v[] = {(int)yy, (int)mm, (int)dd, hh, mn, ss};
    char *p = out;
    p[0] = (char)('0' + v[0] / 1000);
    p[1] = (char)('0' + v[0] / 100 % 10);
    p[2] = (char)('0' + v[0] / 10 % 10);
    p[3] = (char)('0' + v[0] % 10);
    p += 4;
    const char seps[] = {'-', '-', 'T', ':', ':'};
    for (int k = 1; k < 6; k++) {
        *p++ = seps[k - 1];
        *p++ = (char)('0' + v[k] / 10);
        *p++ = (char)('0' + v[k] % 10);
    }
    *p++ = 'Z';
    *p = '\0';
    return 1;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads exactly n digits at *p. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit((*p)[i]))
            return 0;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 1;
}

static void skip_ws(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n')
        (*p)++;
}

/* Reads "Z", "+hh:mm", "+hhmm", "+hh" at *p into minutes east of UTC. Returns 1, or 0 when p does
 * not start a numeric zone. */
static int numeric_zone(const char **p, long *offset)
{
    const char *s = *p;
    if (*s == 'Z' || *s == 'z') {
        *offset = 0;
        *p = s + 1;
        return 1;
    }
    if (*s != '+' && *s != '-')
        return 0;
    int sign = *s == '-' ? -1 : 1, hh, mm = 0;
    s++;
    if (!digits(&s, 2, &hh))
        return 0;
    if (*s == ':')
        s++;
    if (is_digit(*s) && !digits(&s, 2, &mm))
        return 0;
    if (hh > 23 || mm > 59)
        return 0;
    *offset = sign * (hh * 60 + mm);
    *p = s;
    return 1;
}

static int at_end(const char *p)
{
    skip_ws(&p);
    return *p == '\0';
}

static int iso_date(const char *s, char out[21])
{
    const char *p = s;
    int y, mo = 1, d = 1, h = 0, mi = 0, sec = 0;
    long off = 0;
    if (!digits(&p, 4, &y))
        return 0;
    if (*p == '-') {
        p++;
        if (!digits(&p, 2, &mo))
            return 0;
        if (*p == '-') {
            p++;
            if (!digits(&p, 2, &d))
                return 0;
        }
    } else if (is_digit(*p)) { /* basic format 20031213 */
        if (!digits(&p, 2, &mo) || !digits(&p, 2, &d))
            return 0;
    }
    if (*p == 'T' || *p == 't' || (*p == ' ' && is_digit(p[1]))) {
        p++;
        if (!digits(&p, 2, &h))
            return 0;
        if (*p == ':')
            p++;
        if (!digits(&p, 2, &mi))
            return 0;
        if (*p == ':' || is_digit(*p)) {
            if (*p == ':')
                p++;
            if (!digits(&p, 2, &sec))
                return 0;
        }
        if (*p == '.' || *p == ',') {
            p++;
            if (!is_digit(*p))
                return 0;
            while (is_digit(*p))
                p++;
        }
        skip_ws(&p);
        if (*p && !numeric_zone(&p, &off)) {
            if (strncmp(p, "UTC", 3) == 0 || strncmp(p, "GMT", 3) == 0)
                p += 3;
            else
                return 0;
        }
    }
    if (!at_end(p))
        return 0;
    return format_utc(y, (unsigned)mo, (unsigned)d, h, mi, sec, off, out);
}

static int month_index(const char *p)
{
    static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                         "jul", "aug", "sep", "oct", "nov", "dec"};
    for (int k = 0; k < 3; k++)
        if (p[k] == '\0')
            return 0;
    for (int i = 0; i < 12; i++) {
        int ok = 1;
        for (int k = 0; k < 3; k++)
            if ((p[k] | 32) != months[i][k])
                ok = 0;
        if (ok)
            return i + 1;
    }
    return 0;
}

/* Named zones (RFC 822 and the common ones feeds use), in minutes east of UTC. */
static int named_zone(const char *p, size_t n, long *offset)
{
    static const struct {
        const char *name;
        int minutes;
    } zones[] = {{"UT", 0},      {"UTC", 0},     {"GMT", 0},    {"Z", 0},      {"EST", -300}, {"EDT", -240},
                 {"CST", -360},  {"CDT", -300},  {"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420},
                 {"AKST", -540}, {"AKDT", -480}, {"HST", -600}, {"AST", -240}, {"ADT", -180}, {"NST", -210},
                 {"NDT", -150},  {"WET", 0},     {"WEST", 60},  {"BST", 60},   {"IST", 330},  {"CET", 60},
                 {"CEST", 120},  {"MET", 60},    {"MEST", 120}, {"EET", 120},  {"EEST", 180}, {"MSK", 180},
                 {"JST", 540},   {"KST", 540},   {"HKT", 480},  {"SGT", 480},  {"AWST", 480}, {"ACST", 570},
                 {"ACDT", 630},  {"AEST", 600},  {"AEDT", 660}, {"NZST", 720}, {"NZDT", 780}};
    char up[8];
    if (n == 0 || n >= sizeof up)
        return 0;
    for (size_t i = 0; i < n; i++)
        up[i] = (char)((p[i] >= 'a' && p[i] <= 'z') ? p[i] - 32 : p[i]);
    up[n] = '\0';
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        if (strcmp(up, zones[i].name) == 0) {
            *offset = zones[i].minutes;
            return 1;
        }
    }
    if (n == 1 && up[0] >= 'A' && up[0] <= 'Z' && up[0] != 'J') { /* military zones (RFC 1123 says: treat
                                                                      as unknown, but feeds use them) */
        int c = up[0];
        *offset = c <= 'I'   ? (c - 'A' + 1) * 60
                  : c <= 'M' ? (c - 'A') * 60
                  : c <= 'Y' ? -(c - 'N' + 1) * 60
                             : 0;
        return 1;
    }
    return 0;
}

static int rfc822_date(const char *s, char out[21])
{
    const char *p = s;
    skip_ws(&p);
    /* optional day name, with or without the comma */
    if (((p[0] | 32) >= 'a' && (p[0] | 32) <= 'z')) {
        const char *q = p;
        while (((*q | 32) >= 'a' && (*q | 32) <= 'z'))
            q++;
        if (!month_index(p) || q - p != 3) {
            p = q;
            if (*p == ',')
                p++;
            skip_ws(&p);
        }
    }
    int d = 0, mo = 0, y = 0, h = 0, mi = 0, sec = 0, nd = 0;
    long off = 0;
    /* "10 Jun 2003" (RFC 822) or "Jun 10 2003" (asctime-like, seen in feeds) */
    if (is_digit(*p)) {
        while (is_digit(*p) && nd < 2)
            d = d * 10 + (*p++ - '0'), nd++;
        if (is_digit(*p))
            return 0;
        skip_ws(&p);
        if (*p == '-')
            p++;
        if (!(mo = month_index(p)))
            return 0;
        while (((*p | 32) >= 'a' && (*p | 32) <= 'z') || *p == '.')
            p++;
        if (*p == '-')
            p++;
    } else {
        if (!(mo = month_index(p)))
            return 0;
        while (((*p | 32) >= 'a' && (*p | 32) <= 'z') || *p == '.')
            p++;
        skip_ws(&p);
        while (is_digit(*p) && nd < 2)
            d = d * 10 + (*p++ - '0'), nd++;
        if (nd == 0)
            return 0;
        if (*p == ',')
            p++;
    }
    skip_ws(&p);
    int ny = 0;
    while (is_digit(*p) && ny < 4)
        y = y * 10 + (*p++ - '0'), ny++;
    if (is_digit(*p) || (ny != 2 && ny != 4))
        return 0;
    if (ny == 2) /* RFC 2822 section 4.3 */
        y += y < 50 ? 2000 : 1900;
    skip_ws(&p);
    if (is_digit(*p)) {
        if (!digits(&p, 2, &h) && !(is_digit(*p) && (h = *p++ - '0', 1)))
            return 0;
        if (*p != ':')
            return 0;
        p++;
        if (!digits(&p, 2, &mi))
            return 0;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &sec))
                return 0;
        }
        if (*p == '.') { /* fractions, seen in the wild */
            p++;
            while (is_digit(*p))
                p++;
        }
        skip_ws(&p);
        if (*p) {
            if (*p == '+' || *p == '-') {
                if (!numeric_zone(&p, &off))
                    return 0;
            } else {
                const char *q = p;
                while (((*q | 32) >= 'a' && (*q | 32) <= 'z'))
                    q++;
                if (!named_zone(p, (size_t)(q - p), &off))
                    return 0;
                p = q;
                skip_ws(&p);
                if (*p == '+' || *p == '-') { /* "GMT+0200" */
                    long extra;
                    if (!numeric_zone(&p, &extra))
                        return 0;
                    off += extra;
                }
            }
            skip_ws(&p);
            if (*p == '(') { /* "(EDT)" comment after a numeric zone */
                while (*p && *p != ')')
                    p++;
                if (*p == ')')
                    p++;
            }
        }
    }
    if (!at_end(p))
        return 0;
    return format_utc(y, (unsigned)mo, (unsigned)d, h, mi, sec, off, out);
}

int st_date_to_utc(const char *s, char out[21])
{
    out[0] = '\0';
    if (!s)
        return 0;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    if (iso_date(s, out) || rfc822_date(s, out))
        return 1;
    out[0] = '\0';
    return 0;
}

/* ===== base64, hashes, articles ===== */

st_status st_base64_decode(const char *s, size_t len, char **out, size_t *out_len)
{
    char *buf = malloc(len / 4 * 3 + 4);
    if (!buf)
        return ST_ERR_NOMEM;
    unsigned acc = 0;
    int bits = 0, pad = 0;
    size_t n = 0, chars = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int v;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            pad++;
            chars++;
            continue;
        }
        if (pad)
            goto out_bad;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+' || c == '-')
            v = 62;
        else if (c == '/' || c == '_')
            v = 63;
        else
            goto out_bad;
        chars++;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[n++] = (char)((acc >> bits) & 0xFF);
        }
    }
    if (pad > 2 || (pad && chars % 4 != 0) || chars % 4 == 1)
        goto out_bad;
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return ST_OK;
out_bad:
    free(buf);
    return ST_ERR_FORMAT;
}

size_t st_number_key(const char *lit, size_t len, char *out, size_t cap)
{
    size_t i = 0, k = 0, mant_end, n = 0;
    long long ip = -1, nd = 0, first = -1, last = -1, exp = 0;
    int neg = 0;
    if (i < len && (lit[i] == '-' || lit[i] == '+'))
        neg = lit[i++] == '-';
    size_t mant = i;
    for (; i < len && (is_digit(lit[i]) || (lit[i] == '.' && ip < 0)); i++) {
        if (lit[i] == '.') {
            ip = nd;
            continue;
        }
        if (lit[i] != '0') {
            if (first < 0)
                first = nd;
            last = nd;
        }
        nd++;
    }
    mant_end = i;
    if (ip < 0)
        ip = nd; /* no point: every digit is before it */
    if (i < len && (lit[i] == 'e' || lit[i] == 'E')) {
        int eneg = 0;
        i++;
        if (i < len && (lit[i] == '-' || lit[i] == '+'))
            eneg = lit[i++] == '-';
        for (; i < len && is_digit(lit[i]); i++) {
            exp = exp * 10 + (lit[i] - '0');
            if (exp >= 1000000000LL) {
                /* an exponent of ten digits or more: no id is meant to be read as a value there;
                 * the literal itself is the key, so that two such ids never merge */
                if (len + 1 > cap)
                    return 0;
                memcpy(out, lit, len);
                out[len] = '\0';
                return len;
            }
        }
        if (eneg)
            exp = -exp;
    }
    if (cap < 2)
        return 0;
    if (first < 0) { /* zero, however written: 0, -0.0, 0e5 */
        out[0] = '0';
        out[1] = '\0';
        return 1;
    }
    n = (size_t)(last - first + 1);
    long long exp10 = ip - 1 - last + exp;  /* the power of ten of the last significant digit */
    long long point = (long long)n + exp10; /* significant digits before the decimal point */
    long long plain = point <= 0              ? 2 - point + (long long)n
                      : point >= (long long)n ? point
                                              : (long long)n + 1;
    char e[24];
    int elen = snprintf(e, sizeof e, "e%lld", exp10);
    int eform = plain > (long long)n + 40; /* 1e400: not 400 zeros */
    if ((size_t)neg + (eform ? n + (size_t)elen : (size_t)plain) + 1 > cap)
        return 0;
    if (neg)
        out[k++] = '-';
    if (!eform && point <= 0) {
        out[k++] = '0';
        out[k++] = '.';
        for (long long j = point; j < 0; j++)
            out[k++] = '0';
    }
    long long d = 0; /* digit index in the literal */
    for (size_t j = mant; j < mant_end; j++) {
        if (lit[j] == '.')
            continue;
        if (d >= first && d <= last) {
            if (!eform && point > 0 && point < (long long)n && d - first == point)
                out[k++] = '.';
            out[k++] = lit[j];
        }
        d++;
    }
    if (eform) {
        memcpy(out + k, e, (size_t)elen);
        k += (size_t)elen;
    } else {
        for (long long j = (long long)n; j < point; j++)
            out[k++] = '0';
    }
    out[k] = '\0';
    return k;
}

void st_content_key(const char *s, size_t len, char out[72])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "sha256:", 7);
    if (!EVP_Digest(s, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
        memset(md, 0, sizeof md);
    for (int i = 0; i < 32; i++) {
        out[7 + 2 * i] = hex[md[i] >> 4];
        out[8 + 2 * i] = hex[md[i] & 15];
    }
    out[71] = '\0';
}

void st_article_free(st_article *a)
{
    if (!a)
        return;
    free(a->source);
    free(a->key);
    free(a->id);
    free(a->url);
    free(a->title);
    free(a->author);
    free(a->published);
    free(a->summary);
    free(a->content);
    json_decref(a->fields);
    free(a->text);
    free(a);
}

st_status st_article_finish(st_article *a, const char *body)
{
    size_t tl = a->title ? strlen(a->title) : 0, bl = body ? strlen(body) : 0;
    if (!a->text) {
        char *t = malloc(tl + bl + 3);
        if (!t)
            return ST_ERR_NOMEM;
        size_t n = 0;
        if (tl) {
            memcpy(t, a->title, tl);
            n = tl;
        }
        if (tl && bl) {
            memcpy(t + n, "\n\n", 2);
            n += 2;
        }
        if (bl) {
            memcpy(t + n, body, bl);
            n += bl;
        }
        t[n] = '\0';
        a->text = t;
        a->text_len = n;
    }
    if (st_utf8_first_invalid(a->text, a->text_len) < a->text_len)
        return ST_ERR_UTF8;
    if (!a->key) {
        const char *k = a->id && *a->id ? a->id : a->url && *a->url ? a->url : NULL;
        if (k) {
            a->key = strdup(k);
        } else {
            char hex[72];
            st_content_key(a->text, a->text_len, hex);
            a->key = strdup(hex);
        }
        if (!a->key)
            return ST_ERR_NOMEM;
    }
    return ST_OK;
}
