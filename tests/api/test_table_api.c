/* The tables API through the shared library and tabllm.h alone: load a file,
 * inspect it, build one, encode both, and the ownership rules. */
#include "../common/test_util.h"

static void test_load_inspect_encode(void **state)
{
    (void)state;
    char *path = test_data_path("table/small.csv");
    tabllm_table *t;
    assert_ok(tabllm_table_load(path, NULL, &t));
    free(path);
    assert_int_equal(tabllm_table_n_rows(t), 3);
    assert_int_equal(tabllm_table_n_columns(t), 3);
    assert_string_equal(tabllm_table_column_name(t, 2), "note");
    size_t len;
    tabllm_cell_type type;
    assert_string_equal(tabllm_table_cell(t, 1, 2, &len, &type), "says \"hi\"");
    assert_int_equal(len, 9);
    assert_int_equal(type, TABLLM_CELL_TEXT);
    tabllm_table_cell(t, 1, 1, NULL, &type);
    assert_int_equal(type, TABLLM_CELL_NULL);
    assert_int_equal(tabllm_table_column_kind(t, 1), TABLLM_COLUMN_INTEGER);

    tabllm_encode_params p;
    assert_ok(tabllm_encode_params_init(&p, sizeof p));
    p.encoding = TABLLM_ENCODING_JSON;
    p.json_orient = TABLLM_JSON_SPLIT;
    const char *cols[] = {"qty", "name"};
    p.columns = cols;
    p.n_columns = 2;
    char *text;
    assert_ok(tabllm_table_encode(t, &p, &text, &len));
    assert_string_equal(text, "{\"columns\": [\"qty\", \"name\"], \"data\": [[3, \"Apple\"], "
                              "[null, \"Pear\"], [12, \"Fig\"]]}");
    assert_int_equal(len, strlen(text));
    tabllm_free(text);
    tabllm_table_free(t);
}

static void test_build_from_bindings(void **state)
{
    (void)state;
    const char *names[] = {"k", "v"};
    tabllm_table *t;
    assert_ok(tabllm_table_new(names, 2, &t));
    const char *row[] = {"x", "1.5"};
    assert_ok(tabllm_table_append_row(t, row, 2));
    char *text;
    assert_ok(tabllm_table_encode(t, NULL, &text, NULL));
    assert_string_equal(text, "| k | v |\n| --- | --- |\n| x | 1.5 |\n");
    tabllm_free(text);
    tabllm_table_free(t);
    tabllm_table_free(NULL);
    tabllm_free(NULL);
}

static void test_names_and_errors(void **state)
{
    (void)state;
    tabllm_encoding e;
    assert_ok(tabllm_encoding_from_name("markdown", &e));
    assert_int_equal(e, TABLLM_ENCODING_MARKDOWN);
    assert_string_equal(tabllm_encoding_name(TABLLM_ENCODING_TSV), "tsv");
    tabllm_table *t = (tabllm_table *)&e;
    assert_status(tabllm_table_from_memory("a\n\"x", 4, NULL, &t), TABLLM_ERR_FORMAT,
                  "(memory):2:1: unterminated quoted field");
    assert_null(t);
    assert_int_equal(tabllm_last_status(), TABLLM_ERR_FORMAT);
    assert_string_equal(tabllm_status_string(TABLLM_ERR_TABLE_SHAPE), "table shape");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_inspect_encode),
        cmocka_unit_test(test_build_from_bindings),
        cmocka_unit_test(test_names_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
