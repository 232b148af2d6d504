/* Prints what libtabllm shows for every cell of a sheet, as CSV (the used
 * range, no header), for comparing with other spreadsheet programs.
 * usage: xlsx_dump FILE.xlsx [SHEET_INDEX] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/file.h"
#include "table/sheet.h"
#include "table/xlsx/xlsx.h"

static void field(const char *s)
{
    if (strpbrk(s, ",\"\n\r") == NULL) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: xlsx_dump FILE.xlsx [SHEET_INDEX]\n");
        return 2;
    }
    char *data;
    size_t len;
    if (tl_file_read(argv[1], 1u << 30, &data, &len) != TABLLM_OK) {
        fprintf(stderr, "%s\n", tabllm_last_error());
        return 1;
    }
    tabllm_table_read_params p = {.struct_size = sizeof p, .flags = TABLLM_READ_NO_HEADER,
                                  .sheet_index = argc > 2 ? atoi(argv[2]) : 0,
                                  .max_input_bytes = 1u << 30, .max_cells = 1u << 28,
                                  .max_columns = 65536, .max_field_bytes = 1u << 24};
    tabllm_table *t;
    if (tl_xlsx_read(data, len, &p, &t) != TABLLM_OK) {
        fprintf(stderr, "%s\n", tabllm_last_error());
        tl_free(data);
        return 1;
    }
    /* Rows and columns from A1, as other programs export them. */
    for (uint32_t r = 0; r < t->sheet->origin_row; r++)
        putchar('\n');
    for (size_t r = 0; r < t->n_rows; r++) {
        for (uint32_t c = 0; c < t->sheet->origin_col; c++)
            putchar(',');
        for (size_t c = 0; c < t->n_cols; c++) {
            if (c)
                putchar(',');
            field(tl_table_cell(t, r, c)->text);
        }
        putchar('\n');
    }
    tl_table_destroy(t);
    tl_free(data);
    return 0;
}
