/* The JSON reader: records, arrays, split; types from JSON; every error
 * with its line:column. */
#include "table_test.h"

#define JSON TABLLM_TABLE_FORMAT_JSON

static tabllm_status json_status(const char *text, uint32_t policy)
{
    tabllm_table_read_params p;
    tabllm_table_read_params_init(&p, sizeof p);
    p.format = JSON;
    p.ragged_policy = policy;
    tabllm_table *t = NULL;
    tabllm_status st = tabllm_table_from_memory(text, strlen(text), &p, &t);
    if (st == TABLLM_OK)
        tabllm_table_free(t);
    else
        assert_null(t);
    return st;
}

#define assert_json_error(text, status, fragment)                                          \
    do {                                                                                   \
        assert_int_equal(json_status(text, 0), status);                                     \
        if (strstr(tabllm_last_error(), fragment) == NULL)                                 \
            fail_msg("message \"%s\" lacks \"%s\"", tabllm_last_error(), fragment);         \
    } while (0)

static void test_records(void **state)
{
    (void)state;
    tabllm_table *t = read_text("[{\"a\": 1.50, \"b\": \"x\"},\n"
                                " {\"c\": {\"k\": [1, 2]}, \"a\": null, \"b\": \"42\"},\n"
                                " {\"b\": true, \"b\": false, \"a\": -0}]",
                                JSON, 0);
    check_cells(t, 3, 3,
                (const char *[]){"a", "b", "c", "1.50", "x", "", "", "42", "{\"k\": [1, 2]}",
                                 "-0", "false", ""});
    assert_int_equal(cell_type(t, 0, 0), TABLLM_CELL_FLOAT);
    assert_int_equal(cell_type(t, 1, 0), TABLLM_CELL_NULL);
    assert_int_equal(cell_type(t, 1, 1), TABLLM_CELL_TEXT); /* a string stays text */
    assert_int_equal(cell_type(t, 1, 2), TABLLM_CELL_TEXT);
    assert_int_equal(cell_type(t, 2, 0), TABLLM_CELL_INT);
    assert_int_equal(cell_type(t, 2, 1), TABLLM_CELL_BOOL);
    assert_int_equal(cell_type(t, 0, 2), TABLLM_CELL_NULL);
    tabllm_table_free(t);
}

static void test_arrays_and_split(void **state)
{
    (void)state;
    const char *expected[] = {"a", "b", "1", "x\"\xE2\x82\xAC\xF0\x9F\x98\x80", "1e400",
                              "123456789012345678901234567890"};
    tabllm_table *t = read_text("[[\"a\", \"b\"], [1, \"x\\\"\\u20ac\\ud83d\\ude00\"],"
                                " [1e400, 123456789012345678901234567890]]",
                                JSON, 0);
    check_cells(t, 2, 2, expected);
    assert_int_equal(cell_type(t, 1, 1), TABLLM_CELL_FLOAT); /* past int64: FLOAT, text kept */
    tabllm_table_free(t);
    t = read_text("{\"index\": [0, 1], \"data\": [[1, \"x\\\"\\u20ac\\ud83d\\ude00\"],"
                  " [1e400, 123456789012345678901234567890]], \"columns\": [\"a\", \"b\"]}",
                  JSON, 0);
    check_cells(t, 2, 2, expected);
    tabllm_table_free(t);
    t = read_text("{\"columns\": [\"only\"], \"data\": []}", JSON, 0);
    check_cells(t, 0, 1, (const char *[]){"only"});
    tabllm_table_free(t);
    t = read_text("[[1, 2], [3, 4]]", JSON, TABLLM_READ_NO_HEADER);
    check_cells(t, 2, 2, (const char *[]){"0", "1", "1", "2", "3", "4"});
    tabllm_table_free(t);
    /* objects without keys: rows of no columns (a fuzzer found the empty
     * row copied from a NULL buffer) */
    t = read_text("[{}, {}]", JSON, 0);
    assert_int_equal(tabllm_table_n_columns(t), 0);
    assert_int_equal(tabllm_table_n_rows(t), 2);
    tabllm_table_free(t);
    /* sniffed from the content, with a byte-order mark and whitespace */
    t = read_text("\xEF\xBB\xBF \n [{\"q\": 1}]\n", 0, 0);
    check_cells(t, 1, 1, (const char *[]){"q", "1"});
    tabllm_table_free(t);
}

static void test_ragged_arrays(void **state)
{
    (void)state;
    assert_int_equal(json_status("[[\"a\",\"b\"],[1]]", TABLLM_RAGGED_PANDAS), TABLLM_OK);
    assert_int_equal(json_status("[[\"a\",\"b\"],\n[1,2,3]]", TABLLM_RAGGED_PANDAS),
                     TABLLM_ERR_TABLE_SHAPE);
    assert_non_null(strstr(tabllm_last_error(), "(memory):2:1: row has 3 fields, expected 2"));
    assert_int_equal(json_status("[[\"a\",\"b\"],[1]]", TABLLM_RAGGED_ERROR),
                     TABLLM_ERR_TABLE_SHAPE);
}

static void test_errors(void **state)
{
    (void)state;
    assert_json_error("[]", TABLLM_ERR_FORMAT, "(memory):1:1: an empty array has no columns");
    assert_json_error("[1, 2]", TABLLM_ERR_FORMAT,
                      "1:2: not a table: the array holds a number, expected objects");
    assert_json_error("\"x\"", TABLLM_ERR_FORMAT, "1:1: not a table");
    assert_json_error("[{\"a\": 1}, [2]]", TABLLM_ERR_FORMAT,
                      "1:12: element 1 of the records array must be an object, found an array");
    assert_json_error("[[\"a\"], {\"b\": 1}]", TABLLM_ERR_FORMAT,
                      "1:9: element 1 of the array must be an array, found an object");
    assert_json_error("[{\"a\": 1,}]", TABLLM_ERR_FORMAT, "1:10: expected a string key");
    assert_json_error("[{\"a\": 01}]", TABLLM_ERR_FORMAT, "1:9: expected ',' or '}'");
    assert_json_error("[{\"a\": NaN}]", TABLLM_ERR_FORMAT, "1:8: invalid number");
    assert_json_error("[{\"a\": 1.}]", TABLLM_ERR_FORMAT, "no digit after '.'");
    assert_json_error("[{\"a\": \"x\ny\"}]", TABLLM_ERR_FORMAT, "1:10: control character");
    assert_json_error("[{\"a\": \"\\q\"}]", TABLLM_ERR_FORMAT, "1:9: invalid escape");
    assert_json_error("[{\"a\": \"\\ud800x\"}]", TABLLM_ERR_FORMAT, "without its low surrogate");
    assert_json_error("[{\"a\": \"\\udc00\"}]", TABLLM_ERR_FORMAT, "lone low surrogate");
    assert_json_error("[{\"a\": \"\\u0000\"}]", TABLLM_ERR_FORMAT, "cannot hold a NUL");
    assert_json_error("[{\"a\": \"open", TABLLM_ERR_FORMAT, "1:8: unterminated string");
    assert_json_error("[{\"a\": 1}\n\n", TABLLM_ERR_FORMAT, "1:1: expected ',' or ']'");
    assert_json_error("[{\"a\": 1}] x", TABLLM_ERR_FORMAT, "1:12: unexpected text after");
    assert_json_error("{\"columns\": [\"a\"], \"rows\": []}", TABLLM_ERR_FORMAT,
                      "1:20: unexpected key");
    assert_json_error("{\"columns\": [\"a\"]}", TABLLM_ERR_FORMAT,
                      "needs \"columns\" and \"data\"");
    assert_json_error("{\"columns\": [\"a\"], \"data\": [1]}", TABLLM_ERR_FORMAT,
                      "element 0 of the array must be an array, found a number");
    assert_json_error("[{\"a\": tru}]", TABLLM_ERR_FORMAT, "invalid JSON value");
    /* deep nesting is refused, not recursed into */
    char deep[2100];
    memcpy(deep, "[{\"a\": ", 7);
    size_t n = 7;
    for (int i = 0; i < 1000; i++)
        deep[n++] = '[';
    deep[n] = '\0';
    assert_json_error(deep, TABLLM_ERR_LIMIT_EXCEEDED, "nested deeper than 512 levels");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_arrays_and_split),
        cmocka_unit_test(test_ragged_arrays),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
