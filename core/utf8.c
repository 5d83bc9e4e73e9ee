/* utf8.c - being written */
typedef int st_placeholder_utf8;
