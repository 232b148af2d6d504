/* Prints a sheet's SpreadsheetLLM encoding, for golden files and the
 * benchmark. usage: sheet_encode_tool FILE.xlsx vanilla|compressed
 *                   [--sheet N] [--k K] [--no-anchors] [--no-index]
 *                   [--no-aggregation] [--formats] [--no-header] [--verbatim] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/file.h"
#include "table/sheet/sheet_encode.h"
#include "table/xlsx/xlsx.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: sheet_encode_tool FILE.xlsx vanilla|compressed [options]\n");
        return 2;
    }
    tabllm_table_read_params rp = {.struct_size = sizeof rp, .max_input_bytes = 1u << 30,
                                   .max_cells = 1u << 28, .max_columns = 65536,
                                   .max_field_bytes = 1u << 24};
    tabllm_encode_params ep = {.struct_size = sizeof ep, .anchor_k = 4, .row = -1};
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--sheet") == 0 && i + 1 < argc)
            rp.sheet_index = atoi(argv[++i]);
        else if (strcmp(argv[i], "--k") == 0 && i + 1 < argc)
            ep.anchor_k = (uint32_t)atoi(argv[++i]);
        else if (strcmp(argv[i], "--no-anchors") == 0)
            ep.flags |= TABLLM_ENCODE_NO_ANCHORS;
        else if (strcmp(argv[i], "--no-index") == 0)
            ep.flags |= TABLLM_ENCODE_NO_INVERTED_INDEX;
        else if (strcmp(argv[i], "--no-aggregation") == 0)
            ep.flags |= TABLLM_ENCODE_NO_FORMAT_AGGREGATION;
        else if (strcmp(argv[i], "--formats") == 0)
            ep.flags |= TABLLM_ENCODE_SHEET_FORMATS;
        else if (strcmp(argv[i], "--no-header") == 0)
            rp.flags |= TABLLM_READ_NO_HEADER;
        else if (strcmp(argv[i], "--verbatim") == 0)
            ep.cells = TABLLM_CELLS_VERBATIM;
        else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    char *data;
    size_t len;
    tabllm_table *t;
    if (tl_file_read(argv[1], 1u << 30, &data, &len) != TABLLM_OK ||
        tl_xlsx_read(data, len, &rp, &t) != TABLLM_OK) {
        fprintf(stderr, "%s\n", tabllm_last_error());
        return 1;
    }
    size_t *rows = malloc((t->n_rows + 1) * sizeof *rows);
    size_t *cols = malloc((t->n_cols + 1) * sizeof *cols);
    for (size_t i = 0; i < t->n_rows; i++)
        rows[i] = i;
    for (size_t i = 0; i < t->n_cols; i++)
        cols[i] = i;
    tl_view v = {t, rows, t->n_rows, cols, t->n_cols};
    tl_buf out = TL_BUF_INIT;
    tabllm_status st = strcmp(argv[2], "vanilla") == 0 ? tl_encode_sheet_vanilla(&v, &ep, &out)
                                                        : tl_encode_sheet_compressed(&v, &ep, &out);
    if (st != TABLLM_OK)
        fprintf(stderr, "%s\n", tabllm_last_error());
    else
        fwrite(out.data ? out.data : "", 1, out.len, stdout);
    tl_buf_free(&out);
    free(rows);
    free(cols);
    tl_table_destroy(t);
    tl_free(data);
    return st == TABLLM_OK ? 0 : 1;
}
