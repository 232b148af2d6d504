/* Shared body of the table reader fuzz targets: read the input with small
 * caps (the first byte picks the header flag and ragged policy), then encode
 * what was read a few ways, so readers and encoders both meet odd tables. */
#ifndef FUZZ_TABLE_COMMON_H
#define FUZZ_TABLE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "tabllm.h"

static size_t fuzz_count_bytes(const char *text, size_t len, void *user)
{
    (void)text, (void)user;
    return len / 4;
}

static void fuzz_table(const uint8_t *data, size_t size, tabllm_table_format format)
{
    if (size == 0)
        return;
    tabllm_table_read_params p;
    tabllm_table_read_params_init(&p, sizeof p);
    p.format = format;
    p.flags = data[0] & 1 ? TABLLM_READ_NO_HEADER : 0;
    p.ragged_policy = (data[0] >> 1) & 3;
    p.table_index = (data[0] >> 3) & 3;
    p.max_cells = 1 << 16;
    p.max_columns = 512;
    p.max_field_bytes = 1 << 16;
    tabllm_table *t = NULL;
    if (tabllm_table_from_memory(data + 1, size - 1, &p, &t) != TABLLM_OK)
        return;
    static const tabllm_encoding encodings[] = {TABLLM_ENCODING_MARKDOWN, TABLLM_ENCODING_JSON,
                                                TABLLM_ENCODING_CSV, TABLLM_ENCODING_HTML};
    for (size_t i = 0; i < sizeof encodings / sizeof encodings[0]; i++) {
        tabllm_encode_params e;
        tabllm_encode_params_init(&e, sizeof e);
        e.encoding = encodings[i];
        e.json_orient = data[0] >> 7;
        if (i == 0) { /* selection and a budget on the first */
            e.row_sampling = (data[0] >> 5) % 6;
            e.max_rows = 3;
            e.question = "what is the total of a";
            e.stratify_column = tabllm_table_column_name(t, 0);
            e.max_tokens = 40;
            e.count_tokens = fuzz_count_bytes;
        }
        char *out = NULL;
        if (tabllm_table_encode(t, &e, &out, NULL) == TABLLM_OK)
            tabllm_free(out);
    }
    for (size_t c = 0; c < tabllm_table_n_columns(t); c++)
        (void)tabllm_table_column_kind(t, c);
    tabllm_table_free(t);
}

#endif
