/* The readers behind tabllm_table_load() and tabllm_table_from_memory().
 *
 * read.c checks the params and the input (size cap, UTF-8, NUL bytes),
 * strips a UTF-8 byte-order mark, picks the format and calls one of these.
 * Each reader gets the whole input in memory (mapped for files) and builds
 * the table with tl_builder. */
#ifndef TL_TABLE_READ_H
#define TL_TABLE_READ_H

#include "table/table.h"

typedef struct tl_input {
    const char *name; /* the path, or "(memory)", for messages */
    const char *data; /* the text, after any byte-order mark */
    size_t len;
    size_t skipped;   /* bytes before `data` (a BOM), so offsets match the file */
} tl_input;

tabllm_status tl_read_csv(const tl_input *in, const tabllm_table_read_params *p, char delimiter,
                          tabllm_table **out);
tabllm_status tl_read_html(const tl_input *in, const tabllm_table_read_params *p,
                           tabllm_table **out);
tabllm_status tl_read_json(const tl_input *in, const tabllm_table_read_params *p,
                           tabllm_table **out);

/* The delimiter among , TAB ; | that splits the first records most
 * consistently (sniff.c); ',' when none of them occurs. */
char tl_csv_sniff_delimiter(const char *data, size_t len);

/* The 1-based line and column (in code points) of byte `offset` of `data`.
 * Lines end at LF, CR LF or a lone CR, as in the readers. */
void tl_text_position(const char *data, size_t len, size_t offset, size_t *line, size_t *col);

/* Prefixes the current error with "name:line:column" for `offset` of the
 * input (offset counts from in->data). Returns the current status. */
tabllm_status tl_input_error_at(const tl_input *in, size_t offset);

#endif
