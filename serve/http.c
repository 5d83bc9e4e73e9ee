/* being written */
typedef int st_placeholder_http;
