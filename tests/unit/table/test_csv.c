/* The CSV/TSV reader: every RFC 4180 and Python-csv rule, sniffing, ragged
 * policies, caps, and every error with its position. */
#include "base/alloc.h"
#include "table/read.h"
#include "table_test.h"

#define CSV TABLLM_TABLE_FORMAT_CSV

static tabllm_status read_with(const char *text, size_t len, tabllm_table_read_params *p,
                               tabllm_table **t)
{
    return tabllm_table_from_memory(text, len, p, t);
}

static void test_basic_and_types(void **state)
{
    (void)state;
    tabllm_table *t = read_text("a,b,c,d,e\n1,2.5,true,x,\n-7,1e3,FALSE,\" y\",nan\n", CSV, 0);
    check_cells(t, 2, 5,
                (const char *[]){"a", "b", "c", "d", "e", "1", "2.5", "true", "x", "", "-7", "1e3",
                                 "FALSE", " y", "nan"});
    assert_int_equal(cell_type(t, 0, 0), TABLLM_CELL_INT);
    assert_int_equal(cell_type(t, 0, 1), TABLLM_CELL_FLOAT);
    assert_int_equal(cell_type(t, 0, 2), TABLLM_CELL_BOOL);
    assert_int_equal(cell_type(t, 0, 3), TABLLM_CELL_TEXT);
    assert_int_equal(cell_type(t, 0, 4), TABLLM_CELL_NULL);
    assert_int_equal(cell_type(t, 1, 1), TABLLM_CELL_FLOAT);
    assert_int_equal(cell_type(t, 1, 2), TABLLM_CELL_BOOL);
    assert_int_equal(cell_type(t, 1, 4), TABLLM_CELL_FLOAT);
    /* the internal values */
    assert_int_equal(tl_table_cell(t, 1, 0)->value.i, -7);
    assert_true(tl_table_cell(t, 1, 1)->value.f == 1000.0);
    assert_false(tl_table_cell(t, 1, 2)->value.b);
    tabllm_table_free(t);
}

static void test_quoting(void **state)
{
    (void)state;
    /* delimiters, doubled quotes, CR and LF inside quotes; an empty quoted
     * field; a quote inside an unquoted field is an ordinary character */
    tabllm_table *t =
        read_text("h1,h2,h3\n\"a,b\",\"say \"\"hi\"\"\",\"l1\nl2\r\nl3\rl4\"\n\"\",x\"y,\"\"\"\"\n",
                  CSV, 0);
    check_cells(t, 2, 3,
                (const char *[]){"h1", "h2", "h3", "a,b", "say \"hi\"", "l1\nl2\r\nl3\rl4", "",
                                 "x\"y", "\""});
    assert_int_equal(cell_type(t, 1, 0), TABLLM_CELL_NULL);
    tabllm_table_free(t);
}

static void test_text_after_closing_quote(void **state)
{
    (void)state;
    /* Python's non-strict reader appends it, quotes included */
    tabllm_table *t = read_text("a,b\n\"ab\"cd,\"x\" \"y\"\n", CSV, 0);
    check_cells(t, 1, 2, (const char *[]){"a", "b", "abcd", "x \"y\""});
    tabllm_table_free(t);
    t = read_text("a,b\n\"q\"\"r\"s,2\n", CSV, 0);
    check_cells(t, 1, 2, (const char *[]){"a", "b", "q\"rs", "2"});
    tabllm_table_free(t);
}

static void test_line_endings_bom_blank_lines(void **state)
{
    (void)state;
    const char *expected[] = {"a", "b", "1", "2", "3", "4", "5", "6"};
    const char *inputs[] = {
        "a,b\n1,2\n3,4\n5,6\n",          "a,b\r\n1,2\r\n3,4\r\n5,6\r\n",
        "a,b\r1,2\r3,4\r5,6\r",          "a,b\n1,2\r\n3,4\r5,6",
        "\357\273\277a,b\n1,2\n3,4\n5,6", "a,b\n\n1,2\r\n\r\n3,4\n\n\n5,6\n\n",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        tabllm_table *t = read_text(inputs[i], CSV, 0);
        check_cells(t, 3, 2, expected);
        tabllm_table_free(t);
    }
}

static void test_empty_fields_and_trailing_delimiter(void **state)
{
    (void)state;
    tabllm_table *t = read_text("a,b,c\n,,\n1,,\n,,3", CSV, 0);
    check_cells(t, 3, 3, (const char *[]){"a", "b", "c", "", "", "", "1", "", "", "", "", "3"});
    tabllm_table_free(t);
    /* a whitespace-only line is a row (as in Python's csv), not a blank */
    t = read_text("a\n \nx\n", CSV, 0);
    check_cells(t, 2, 1, (const char *[]){"a", " ", "x"});
    tabllm_table_free(t);
}

static void test_no_header(void **state)
{
    (void)state;
    tabllm_table *t = read_text("1,2\n3,4\n", CSV, TABLLM_READ_NO_HEADER);
    check_cells(t, 2, 2, (const char *[]){"0", "1", "1", "2", "3", "4"});
    tabllm_table_free(t);
}

static void test_header_only(void **state)
{
    (void)state;
    tabllm_table *t = read_text("x,y\n", CSV, 0);
    check_cells(t, 0, 2, (const char *[]){"x", "y"});
    tabllm_table_free(t);
}

static void test_sniffing(void **state)
{
    (void)state;
    struct {
        const char *text;
        char delim;
    } cases[] = {
        {"a;b;c\n1;2,5;3\n4;5;6\n", ';'},
        {"a|b\n1|2\n", '|'},
        {"a\tb\n1\t2\n", '\t'},
        {"a,b\n1,2\n", ','},
        {"\"x;y\",b\n\"1;2\",3\n", ','}, /* semicolons only inside quotes */
        {"a;b,c\n1;2\n3;4\n", ';'},      /* ; is the consistent one */
        {"single\nvalue\n", ','},
        {"", ','},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(tl_csv_sniff_delimiter(cases[i].text, strlen(cases[i].text)),
                         cases[i].delim);
    tabllm_table *t = read_text("a;b\n1;\"2;3\"\n", 0, 0);
    check_cells(t, 1, 2, (const char *[]){"a", "b", "1", "2;3"});
    tabllm_table_free(t);
}

static void test_explicit_delimiter_and_tsv(void **state)
{
    (void)state;
    tabllm_table_read_params p;
    tabllm_table_read_params_init(&p, sizeof p);
    p.format = CSV;
    p.delimiter = ':';
    tabllm_table *t;
    assert_ok(read_with("a:b\n1,2:3\n", 10, &p, &t));
    check_cells(t, 1, 2, (const char *[]){"a", "b", "1,2", "3"});
    tabllm_table_free(t);
    p.delimiter = 0;
    p.format = TABLLM_TABLE_FORMAT_TSV;
    assert_ok(read_with("a,b\tc\n1\t2\n", 10, &p, &t));
    check_cells(t, 1, 2, (const char *[]){"a,b", "c", "1", "2"});
    tabllm_table_free(t);
    p.delimiter = '"';
    assert_status(read_with("a", 1, &p, &t), TABLLM_ERR_INVALID_ARGUMENT, "delimiter 0x22");
    assert_null(t);
    p.delimiter = 0x2013;
    assert_status(read_with("a", 1, &p, &t), TABLLM_ERR_INVALID_ARGUMENT, "one ASCII character");
}

static void test_tsv_by_extension(void **state)
{
    (void)state;
    char *path = test_write_temp("a,b\tc\n1\t2\n", 10, ".tsv");
    tabllm_table *t;
    assert_ok(tabllm_table_load(path, NULL, &t));
    check_cells(t, 1, 2, (const char *[]){"a,b", "c", "1", "2"});
    tabllm_table_free(t);
    unlink(path);
    free(path);
    assert_status(tabllm_table_load("/nonexistent/x.csv", NULL, &t), TABLLM_ERR_IO,
                  "/nonexistent/x.csv");
}

static void test_ragged_policies(void **state)
{
    (void)state;
    const char *text = "a,b,c\n1,2\n3,4,5\n";
    const char *longer = "a,b\n1,2\n3,4,5\n6\n";
    tabllm_table_read_params p;
    tabllm_table_read_params_init(&p, sizeof p);
    tabllm_table *t;

    /* pandas: short rows padded with missing cells, long rows refused */
    assert_ok(read_with(text, strlen(text), &p, &t));
    check_cells(t, 2, 3, (const char *[]){"a", "b", "c", "1", "2", "", "3", "4", "5"});
    assert_int_equal(cell_type(t, 0, 2), TABLLM_CELL_NULL);
    tabllm_table_free(t);
    assert_status(read_with(longer, strlen(longer), &p, &t), TABLLM_ERR_TABLE_SHAPE,
                  "(memory):3:1: row has 3 fields, expected 2 as in the header");
    assert_null(t);

    p.ragged_policy = TABLLM_RAGGED_ERROR;
    assert_status(read_with(text, strlen(text), &p, &t), TABLLM_ERR_TABLE_SHAPE,
                  "(memory):2:1: row has 2 fields, expected 3");

    p.ragged_policy = TABLLM_RAGGED_TRUNCATE;
    assert_ok(read_with(longer, strlen(longer), &p, &t));
    check_cells(t, 3, 2, (const char *[]){"a", "b", "1", "2", "3", "4", "6", ""});
    tabllm_table_free(t);

    p.ragged_policy = TABLLM_RAGGED_PAD;
    assert_ok(read_with(longer, strlen(longer), &p, &t));
    check_cells(t, 3, 3, (const char *[]){"a", "b", "", "1", "2", "", "3", "4", "5", "6", "", ""});
    tabllm_table_free(t);

    /* without a header the widened columns are numbered */
    p.flags = TABLLM_READ_NO_HEADER;
    assert_ok(read_with("1\n2,3\n4,5,6,7\n", 14, &p, &t));
    check_cells(t, 3, 4,
                (const char *[]){"0", "1", "2", "3", "1", "", "", "", "2", "3", "", "", "4", "5",
                                 "6", "7"});
    tabllm_table_free(t);

    p.ragged_policy = 9;
    assert_status(read_with(text, strlen(text), &p, &t), TABLLM_ERR_INVALID_ARGUMENT,
                  "ragged-row policy 9");
}

/* Rows that keep getting longer widen the table on every row (the builder's
 * geometric stride keeps that linear). */
static void test_pad_widening_many_times(void **state)
{
    (void)state;
    const size_t rows = 600;
    size_t cap = rows * rows + rows * 2 + 16, len = 0;
    char *text = malloc(cap);
    for (size_t r = 0; r < rows; r++) {
        for (size_t c = 0; c < r; c++)
            text[len++] = ',';
        text[len++] = 'x';
        text[len++] = '\n';
    }
    tabllm_table_read_params p;
    tabllm_table_read_params_init(&p, sizeof p);
    p.ragged_policy = TABLLM_RAGGED_PAD;
    p.flags = TABLLM_READ_NO_HEADER;
    p.format = CSV;
    tabllm_table *t;
    assert_ok(read_with(text, len, &p, &t));
    assert_int_equal(tabllm_table_n_columns(t), rows);
    assert_int_equal(tabllm_table_n_rows(t), rows);
    assert_string_equal(tabllm_table_cell(t, rows - 1, rows - 1, NULL, NULL), "x");
    assert_string_equal(tabllm_table_cell(t, 5, 5, NULL, NULL), "x");
    assert_string_equal(tabllm_table_cell(t, 5, 6, NULL, NULL), "");
    tabllm_table_free(t);
    free(text);
}

static void test_errors_have_positions(void **state)
{
    (void)state;
    tabllm_table *t;
    const char *open = "a,b\n1,2\n3,\"never closed\n4,5\n";
    assert_status(tabllm_table_from_memory(open, strlen(open), NULL, &t), TABLLM_ERR_FORMAT,
                  "(memory):3:3: unterminated quoted field");
    /* invalid UTF-8: the byte offset and line:column of the bad byte */
    const char bad[] = "a,b\nx\xC3\xA9,\xFF\n";
    assert_status(tabllm_table_from_memory(bad, sizeof bad - 1, NULL, &t),
                  TABLLM_ERR_INVALID_UTF8, "(memory):2:4: invalid UTF-8 at byte offset 8");
    const char overlong[] = "a\n\xC0\xAF\n";
    assert_status(tabllm_table_from_memory(overlong, sizeof overlong - 1, NULL, &t),
                  TABLLM_ERR_INVALID_UTF8, "byte offset 2");
    const char nul[] = "a,b\n1,\0\n";
    assert_status(tabllm_table_from_memory(nul, sizeof nul - 1, NULL, &t), TABLLM_ERR_FORMAT,
                  "(memory):2:3: NUL byte at byte offset 6");
    assert_status(tabllm_table_from_memory("", 0, NULL, &t), TABLLM_ERR_FORMAT,
                  "no rows: the input is empty");
    assert_status(tabllm_table_from_memory("\n\r\n", 3, NULL, &t), TABLLM_ERR_FORMAT,
                  "no rows");
    /* a ragged row's line counts lines inside quoted fields */
    const char *multi = "a,b\n\"x\ny\",1\n2,3,4\n";
    assert_status(tabllm_table_from_memory(multi, strlen(multi), NULL, &t),
                  TABLLM_ERR_TABLE_SHAPE, "(memory):4:1: row has 3 fields");
    assert_null(t);
    /* a path names the file */
    char *path = test_write_temp("a\n\"x", 4, ".csv");
    assert_status(tabllm_table_load(path, NULL, &t), TABLLM_ERR_FORMAT, ":2:1: unterminated");
    assert_non_null(strstr(tabllm_last_error(), path));
    unlink(path);
    free(path);
}

static void test_caps(void **state)
{
    (void)state;
    tabllm_table_read_params p;
    tabllm_table_read_params_init(&p, sizeof p);
    tabllm_table *t;
    const char *text = "a,b,c\n1,22,333\n4,5,6\n";
    p.max_input_bytes = 10;
    assert_status(read_with(text, strlen(text), &p, &t), TABLLM_ERR_LIMIT_EXCEEDED,
                  "21 bytes exceed the limit of 10 bytes");
    tabllm_table_read_params_init(&p, sizeof p);
    p.max_columns = 2;
    assert_status(read_with(text, strlen(text), &p, &t), TABLLM_ERR_LIMIT_EXCEEDED,
                  "(memory):1:1: 3 columns exceed the limit of 2");
    tabllm_table_read_params_init(&p, sizeof p);
    p.max_field_bytes = 2;
    assert_status(read_with(text, strlen(text), &p, &t), TABLLM_ERR_LIMIT_EXCEEDED,
                  "(memory):2:6: a field of 3 bytes exceeds the limit of 2");
    const char *quoted = "a\n\"x\"\"yz\"\n";
    assert_status(read_with(quoted, strlen(quoted), &p, &t), TABLLM_ERR_LIMIT_EXCEEDED,
                  "(memory):2:1: a field of more than 2 bytes");
    tabllm_table_read_params_init(&p, sizeof p);
    p.max_cells = 5;
    assert_status(read_with(text, strlen(text), &p, &t), TABLLM_ERR_LIMIT_EXCEEDED,
                  "(memory):3:1: the table reaches 2 rows of 3 columns, over the limit of 5 cells");
    p.max_cells = 6;
    assert_ok(read_with(text, strlen(text), &p, &t));
    tabllm_table_free(t);
}

static void test_params(void **state)
{
    (void)state;
    tabllm_table_read_params p;
    assert_status(tabllm_table_read_params_init(&p, 4), TABLLM_ERR_INVALID_ARGUMENT,
                  "struct_size 4 is too small");
    assert_status(tabllm_table_read_params_init(&p, sizeof p + 8), TABLLM_ERR_ABI_MISMATCH,
                  "newer tabllm.h");
    assert_ok(tabllm_table_read_params_init(&p, sizeof p));
    assert_int_equal(p.max_columns, 65536);
    assert_int_equal(p.max_cells, 1ull << 31);
    /* an older, smaller struct: later fields keep their defaults */
    tabllm_table_read_params old;
    assert_ok(tabllm_table_read_params_init(&old, offsetof(tabllm_table_read_params, flags)));
    old.format = CSV;
    tabllm_table *t;
    assert_ok(tabllm_table_from_memory("a;b\n1;2\n", 8, &old, &t));
    assert_int_equal(tabllm_table_n_columns(t), 2);
    tabllm_table_free(t);
    p.flags = 0x80;
    assert_status(tabllm_table_from_memory("a", 1, &p, &t), TABLLM_ERR_INVALID_ARGUMENT,
                  "unknown read flags 0x80");
    p.flags = 0;
    p.format = 77;
    assert_status(tabllm_table_from_memory("a", 1, &p, &t), TABLLM_ERR_INVALID_ARGUMENT,
                  "unknown table format 77");
    assert_status(tabllm_table_from_memory(NULL, 3, NULL, &t), TABLLM_ERR_INVALID_ARGUMENT,
                  "data is NULL");
    assert_status(tabllm_table_from_memory("a", 1, NULL, NULL), TABLLM_ERR_INVALID_ARGUMENT,
                  "out is NULL");
    assert_status(tabllm_table_load(NULL, NULL, &t), TABLLM_ERR_INVALID_ARGUMENT,
                  "path is NULL");
    p.format = TABLLM_TABLE_FORMAT_XLSX;
    assert_status(tabllm_table_from_memory("PK", 2, &p, &t), TABLLM_ERR_FORMAT,
                  "not a zip archive");
}

/* Every allocation of a read can fail; each failure must come back as
 * TABLLM_ERR_OUT_OF_MEMORY with nothing leaked (the sanitizer and valgrind
 * runs check the leaks). */
static void test_out_of_memory_everywhere(void **state)
{
    (void)state;
    const char *text = "a,b,c\n\"x\"\"y\",2,3\n4,5\n7,8,9\n";
    tabllm_table_read_params p;
    tabllm_table_read_params_init(&p, sizeof p);
    p.ragged_policy = TABLLM_RAGGED_PAD;
    for (unsigned long n = 1;; n++) {
        tabllm_table *t = NULL;
        tl_alloc_fail_after(n);
        tabllm_status st = tabllm_table_from_memory(text, strlen(text), &p, &t);
        tl_alloc_fail_after(0);
        if (st == TABLLM_OK) {
            assert_int_equal(tabllm_table_n_rows(t), 3);
            tabllm_table_free(t);
            assert_true(n > 3);
            break;
        }
        assert_int_equal(st, TABLLM_ERR_OUT_OF_MEMORY);
        assert_null(t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_and_types),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_text_after_closing_quote),
        cmocka_unit_test(test_line_endings_bom_blank_lines),
        cmocka_unit_test(test_empty_fields_and_trailing_delimiter),
        cmocka_unit_test(test_no_header),
        cmocka_unit_test(test_header_only),
        cmocka_unit_test(test_sniffing),
        cmocka_unit_test(test_explicit_delimiter_and_tsv),
        cmocka_unit_test(test_tsv_by_extension),
        cmocka_unit_test(test_ragged_policies),
        cmocka_unit_test(test_pad_widening_many_times),
        cmocka_unit_test(test_errors_have_positions),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_out_of_memory_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
