/* page.h - the web page stance-serve answers GET / with: serve/page/index.html (HTML, CSS and a little
 * plain JavaScript in one file, no external requests), embedded into the binary at build time. The
 * build turns the file into a generated page_data.c in the build folder (serve/page/embed.cmake,
 * driven by serve/page/page.cmake), so the page can never be missing or out of date at run time.
 *
 * Serve it with "Content-Type: text/html; charset=utf-8" and the strict Content-Security-Policy
 * "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self';
 * img-src data:" (the page needs nothing else: it only calls POST classify on its own origin). */
#ifndef ST_PAGE_H
#define ST_PAGE_H

#include <stddef.h>

/* The bytes of index.html exactly as in the source tree (UTF-8): st_page_index_html_len bytes,
 * followed by one NUL that is not part of the page. Static and read-only, so every thread may read
 * it at once; never free or modify it (an MHD response can use it with MHD_RESPMEM_PERSISTENT). */
extern const char st_page_index_html[];
extern const size_t st_page_index_html_len;

#endif
