/* XLSX through the public API only: sheet names, reading a sheet (displayed
 * texts, types), the SpreadsheetLLM encodings, and errors naming the file
 * and the part. */
#include "../common/test_util.h"

static char *fixture(const char *name)
{
    return test_data_path(name);
}

static void test_sheet_names(void **state)
{
    (void)state;
    char *path = fixture("xlsx/libreoffice-report.xlsx");
    char **names;
    size_t n;
    assert_ok(tabllm_table_sheet_names(path, &names, &n));
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "Report");
    assert_string_equal(names[1], "Notes & more");
    assert_null(names[2]);
    tabllm_free(names);
    assert_status(tabllm_table_sheet_names(path, NULL, &n), TABLLM_ERR_INVALID_ARGUMENT, "NULL");
    free(path);
    path = fixture("xlsx/numfmt_cases.tsv");
    assert_status(tabllm_table_sheet_names(path, &names, &n), TABLLM_ERR_FORMAT,
                  "numfmt_cases.tsv: ");
    assert_null(names);
    free(path);
}

static void test_read_and_encode(void **state)
{
    (void)state;
    char *path = fixture("xlsx/libreoffice-report.xlsx");
    tabllm_table_read_params p;
    assert_ok(tabllm_table_read_params_init(&p, sizeof p));
    p.sheet_name = "Report";
    tabllm_table *t;
    assert_ok(tabllm_table_load(path, &p, &t));
    assert_int_equal(tabllm_table_n_columns(t), 8);
    assert_int_equal(tabllm_table_n_rows(t), 7);
    assert_string_equal(tabllm_table_column_name(t, 0), "Sales report 2024");
    tabllm_cell_type type;
    assert_string_equal(tabllm_table_cell(t, 1, 2, NULL, &type), "$2.50");
    assert_int_equal(type, TABLLM_CELL_FLOAT);
    assert_string_equal(tabllm_table_cell(t, 1, 4, NULL, &type), "48.0%");
    assert_string_equal(tabllm_table_cell(t, 1, 5, NULL, &type), "2024-01-31");
    assert_int_equal(type, TABLLM_CELL_TEXT);
    assert_string_equal(tabllm_table_cell(t, 5, 2, NULL, NULL), "#DIV/0!");

    tabllm_encode_params e;
    assert_ok(tabllm_encode_params_init(&e, sizeof e));
    tabllm_encoding enc;
    assert_ok(tabllm_encoding_from_name("sheet-compressed", &enc));
    e.encoding = enc;
    char *text;
    size_t len;
    assert_ok(tabllm_table_encode(t, &e, &text, &len));
    assert_non_null(strstr(text, "(Sales report 2024|A1:D1)\n"));
    assert_non_null(strstr(text, "(CurrencyData|C3:C5)\n"));
    tabllm_free(text);
    e.encoding = TABLLM_ENCODING_SHEET_VANILLA;
    e.flags = TABLLM_ENCODE_SHEET_FORMATS;
    assert_ok(tabllm_table_encode(t, &e, &text, &len));
    assert_non_null(strstr(text, "|E3,48.0%,0.0%|"));
    assert_string_equal(tabllm_encoding_name(TABLLM_ENCODING_SHEET_VANILLA), "sheet-vanilla");
    tabllm_free(text);
    tabllm_table_free(t);

    p.sheet_name = "Missing";
    assert_status(tabllm_table_load(path, &p, &t), TABLLM_ERR_NOT_FOUND,
                  "libreoffice-report.xlsx: no sheet named 'Missing'");
    assert_null(t);
    free(path);
}

static void test_bad_workbooks(void **state)
{
    (void)state;
    tabllm_table_read_params p;
    assert_ok(tabllm_table_read_params_init(&p, sizeof p));
    p.format = TABLLM_TABLE_FORMAT_XLSX;
    tabllm_table *t;
    assert_status(tabllm_table_from_memory("PK\3\4 not really a zip at all, sorry", 36, &p, &t),
                  TABLLM_ERR_FORMAT, "zip");
    assert_null(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sheet_names),
        cmocka_unit_test(test_read_and_encode),
        cmocka_unit_test(test_bad_workbooks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
