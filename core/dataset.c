/* dataset.c - being written */
typedef int st_placeholder_dataset;
