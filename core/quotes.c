/* quotes.c - being written */
typedef int st_placeholder_quotes;
