/* Helpers for the table tests: read a table from a string, compare cells. */
#ifndef TABLE_TEST_H
#define TABLE_TEST_H

#include "../../common/test_util.h"
#include "table/table.h"

/* Reads `text` with the given format (0 = sniff) and flags; fails the test
 * on error. */
static inline tabllm_table *read_text(const char *text, tabllm_table_format format,
                                      uint32_t flags)
{
    tabllm_table_read_params p;
    tabllm_table_read_params_init(&p, sizeof p);
    p.format = format;
    p.flags = flags;
    tabllm_table *t = NULL;
    tabllm_status st = tabllm_table_from_memory(text, strlen(text), &p, &t);
    if (st != TABLLM_OK)
        fail_msg("reading failed: %s", tabllm_last_error());
    return t;
}

/* Asserts the table is exactly `cols` names and `rows` rows of cells, given
 * as one array: names first, then the rows. */
static inline void check_cells(const tabllm_table *t, size_t rows, size_t cols,
                               const char *const *expected)
{
    assert_int_equal(tabllm_table_n_columns(t), cols);
    assert_int_equal(tabllm_table_n_rows(t), rows);
    for (size_t c = 0; c < cols; c++)
        assert_string_equal(tabllm_table_column_name(t, c), expected[c]);
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) {
            size_t len;
            const char *s = tabllm_table_cell(t, r, c, &len, NULL);
            if (strcmp(s, expected[cols + r * cols + c]) != 0)
                fail_msg("cell (%zu,%zu) is \"%s\", expected \"%s\"", r, c, s,
                         expected[cols + r * cols + c]);
            assert_int_equal(len, strlen(s));
        }
}

static inline tabllm_cell_type cell_type(const tabllm_table *t, size_t r, size_t c)
{
    tabllm_cell_type type;
    tabllm_table_cell(t, r, c, NULL, &type);
    return type;
}

#endif
