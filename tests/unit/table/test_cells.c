/* Cell typing and number parsing, column kinds, and building tables through
 * the public API. */
#include <locale.h>
#include <math.h>
#include <stdint.h>

#include "table_test.h"

static tl_cell classify(const char *s)
{
    tl_cell c = {s, strlen(s), TL_CELL_NULL, {0}};
    tl_cell_classify(&c);
    return c;
}

static void test_classify(void **state)
{
    (void)state;
    struct {
        const char *text;
        tl_cell_type type;
    } cases[] = {
        {"", TL_CELL_NULL},       {"0", TL_CELL_INT},       {"-12", TL_CELL_INT},
        {"+7", TL_CELL_INT},      {"007", TL_CELL_INT},     {"1.5", TL_CELL_FLOAT},
        {".5", TL_CELL_FLOAT},    {"5.", TL_CELL_FLOAT},    {"1e-3", TL_CELL_FLOAT},
        {"1E+3", TL_CELL_FLOAT},  {"-inf", TL_CELL_FLOAT},  {"NaN", TL_CELL_FLOAT},
        {"True", TL_CELL_BOOL},   {"fAlSe", TL_CELL_BOOL},  {"yes", TL_CELL_TEXT},
        {"1,000", TL_CELL_TEXT},  {"0x1F", TL_CELL_TEXT},   {"1e", TL_CELL_TEXT},
        {"-", TL_CELL_TEXT},      {".", TL_CELL_TEXT},      {" 1", TL_CELL_TEXT},
        {"1 ", TL_CELL_TEXT},     {"infinity", TL_CELL_TEXT}, {"1_000", TL_CELL_TEXT},
        {"9223372036854775807", TL_CELL_INT},   {"-9223372036854775808", TL_CELL_INT},
        {"9223372036854775808", TL_CELL_FLOAT}, {"nan1", TL_CELL_TEXT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tl_cell c = classify(cases[i].text);
        if (c.type != cases[i].type)
            fail_msg("\"%s\" typed %d, expected %d", cases[i].text, c.type, cases[i].type);
    }
    assert_int_equal(classify("-9223372036854775808").value.i, INT64_MIN);
    assert_int_equal(classify("+7").value.i, 7);
    assert_true(classify("TRUE").value.b);
    assert_true(isnan(classify("nan").value.f));
    assert_true(classify("-inf").value.f < 0 && isinf(classify("-inf").value.f));
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* The fast path and the fallback must both be correctly rounded: compare
 * with the C library on many random decimals of every shape. */
static void test_doubles_are_exact(void **state)
{
    (void)state;
    char buf[80];
    int n_cases = getenv("TABLLM_UNDER_VALGRIND") ? 20000 : 200000;
    for (int i = 0; i < n_cases; i++) {
        uint64_t r = next_random();
        int digits = 1 + (int)(r % 25);
        int point = (int)((r >> 8) % (uint64_t)(digits + 1));
        size_t n = 0;
        if ((r >> 16) & 1)
            buf[n++] = '-';
        for (int d = 0; d < digits; d++) {
            if (d == point && d > 0)
                buf[n++] = '.';
            buf[n++] = (char)('0' + next_random() % 10);
        }
        if ((r >> 20) % 3 == 0)
            n += (size_t)sprintf(buf + n, "e%d", (int)((r >> 24) % 700) - 350);
        buf[n] = '\0';
        double mine;
        assert_true(tl_parse_double(buf, n, &mine));
        double ref = strtod(buf, NULL);
        if (memcmp(&mine, &ref, sizeof mine) != 0)
            fail_msg("%s: parsed %.17g, strtod says %.17g", buf, mine, ref);
    }
    double v;
    assert_true(tl_parse_double("0.1", 3, &v) && v == 0.1);
    assert_true(tl_parse_double("-0.0", 4, &v) && v == 0 && signbit(v));
    assert_true(tl_parse_double("1e400", 5, &v) && isinf(v));
    assert_true(tl_parse_double("4.9e-324", 8, &v) && v > 0);
    assert_false(tl_parse_double("1e+", 3, &v));
    assert_false(tl_parse_double("", 0, &v));
}

static void test_numbers_ignore_the_locale(void **state)
{
    (void)state;
    /* A host in a comma-decimal locale still reads "1.25" as 1.25 (this
     * machine may lack the locale; then the check is a no-op). */
    const char *old = setlocale(LC_NUMERIC, NULL);
    char saved[64];
    snprintf(saved, sizeof saved, "%s", old ? old : "C");
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") != NULL) {
        double v;
        assert_true(tl_parse_double("1.2500000000000000000001", 24, &v));
        assert_true(v == 1.25);
        setlocale(LC_NUMERIC, saved);
    }
}

static tabllm_table *build(size_t n_cols, const char *const *names, size_t n_rows,
                           const char *const *cells)
{
    tabllm_table *t;
    assert_ok(tabllm_table_new(names, n_cols, &t));
    for (size_t r = 0; r < n_rows; r++)
        assert_ok(tabllm_table_append_row(t, cells + r * n_cols, n_cols));
    return t;
}

static void test_column_kinds(void **state)
{
    (void)state;
    const char *names[] = {"empty", "bool", "int", "float", "date", "cat", "text", "mixed"};
    const char *cells[] = {
        NULL, "true",  "1", "1.5", "2024-01-31",          "red",  "alpha", "1",
        "",   "False", "2", "2",   "2024-02-01T10:20",    "blue", "beta",  "x",
        NULL, NULL,    "3", "-1e3", "2024-02-01 10:20:30.5+01:00", "red", "gamma", "2.5",
        NULL, "TRUE",  NULL, "nan", "1999-12-31Z",        "red",  "delta", "y",
    };
    tabllm_table *t = build(8, names, 3, cells);
    assert_int_equal(tabllm_table_column_kind(t, 0), TABLLM_COLUMN_EMPTY);
    assert_int_equal(tabllm_table_column_kind(t, 1), TABLLM_COLUMN_BOOL);
    assert_int_equal(tabllm_table_column_kind(t, 2), TABLLM_COLUMN_INTEGER);
    assert_int_equal(tabllm_table_column_kind(t, 3), TABLLM_COLUMN_FLOAT);
    assert_int_equal(tabllm_table_column_kind(t, 4), TABLLM_COLUMN_DATE);
    assert_int_equal(tabllm_table_column_kind(t, 6), TABLLM_COLUMN_TEXT);
    /* 3 cells, 2 distinct: more than half distinct, so not categorical yet */
    assert_int_equal(tabllm_table_column_kind(t, 5), TABLLM_COLUMN_TEXT);
    assert_ok(tabllm_table_append_row(t, cells + 24, 8));
    assert_int_equal(tabllm_table_column_kind(t, 5), TABLLM_COLUMN_CATEGORICAL);
    assert_int_equal(tabllm_table_column_kind(t, 7), TABLLM_COLUMN_TEXT);
    assert_int_equal(tabllm_table_column_kind(t, 8), TABLLM_COLUMN_EMPTY);
    assert_int_equal(tabllm_table_column_kind(NULL, 0), TABLLM_COLUMN_EMPTY);
    tabllm_table_free(t);

    /* not dates */
    const char *d[] = {"2024-13-01", "2024-01-32", "2024-1-01", "2024-01-01T25:00",
                       "2024-01-01x"};
    for (size_t i = 0; i < 5; i++) {
        const char *name = "d";
        t = build(1, &name, 1, &d[i]);
        assert_int_not_equal(tabllm_table_column_kind(t, 0), TABLLM_COLUMN_DATE);
        tabllm_table_free(t);
    }
}

static void test_builder_api(void **state)
{
    (void)state;
    const char *names[] = {"a", "b"};
    tabllm_table *t;
    assert_ok(tabllm_table_new(names, 2, &t));
    assert_int_equal(tabllm_table_n_rows(t), 0);
    assert_status(tabllm_table_append_row(t, names, 3), TABLLM_ERR_INVALID_ARGUMENT,
                  "3 cells for a table of 2 columns");
    const char *bad[] = {"ok", "\xC3"};
    assert_status(tabllm_table_append_row(t, bad, 2), TABLLM_ERR_INVALID_UTF8,
                  "cell 1: invalid UTF-8 at byte offset 0");
    assert_int_equal(tabllm_table_n_rows(t), 0);
    const char *row[] = {"1", NULL};
    assert_ok(tabllm_table_append_row(t, row, 2));
    size_t len = 99;
    tabllm_cell_type type;
    assert_string_equal(tabllm_table_cell(t, 0, 1, &len, &type), "");
    assert_int_equal(len, 0);
    assert_int_equal(type, TABLLM_CELL_NULL);
    assert_null(tabllm_table_cell(t, 1, 0, NULL, NULL));
    assert_null(tabllm_table_cell(t, 0, 2, NULL, NULL));
    assert_null(tabllm_table_column_name(t, 2));
    assert_null(tabllm_table_cell(NULL, 0, 0, NULL, NULL));
    assert_int_equal(tabllm_table_n_columns(NULL), 0);
    tabllm_table_free(t);
    tabllm_table_free(NULL);

    const char *bad_names[] = {"x", "\xFF"};
    assert_status(tabllm_table_new(bad_names, 2, &t), TABLLM_ERR_INVALID_UTF8, "column name 1");
    assert_null(t);
    const char *null_name[] = {"x", NULL};
    assert_status(tabllm_table_new(null_name, 2, &t), TABLLM_ERR_INVALID_ARGUMENT, "name 1 is NULL");
    assert_status(tabllm_table_new(NULL, 1, &t), TABLLM_ERR_INVALID_ARGUMENT, "names is NULL");
    /* a table of no columns can still hold rows (of nothing) */
    assert_ok(tabllm_table_new(NULL, 0, &t));
    assert_ok(tabllm_table_append_row(t, NULL, 0));
    assert_int_equal(tabllm_table_n_rows(t), 1);
    tabllm_table_free(t);
    /* many wide rows (more than the small-array path) */
    const char *wide[20];
    for (int i = 0; i < 20; i++)
        wide[i] = "w";
    assert_ok(tabllm_table_new(wide, 20, &t));
    for (int r = 0; r < 1000; r++)
        assert_ok(tabllm_table_append_row(t, wide, 20));
    assert_int_equal(tabllm_table_n_rows(t), 1000);
    tabllm_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_doubles_are_exact),
        cmocka_unit_test(test_numbers_ignore_the_locale),
        cmocka_unit_test(test_column_kinds),
        cmocka_unit_test(test_builder_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
