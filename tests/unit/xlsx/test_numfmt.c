/* Number formats: rendering against the table of what Excel shows
 * (tests/data/xlsx/numfmt_cases.tsv), categories, built-ins, dates. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>

#include "table/xlsx/numfmt.h"

static void test_cases_file(void **state)
{
    (void)state;
    char *path = test_data_path("xlsx/numfmt_cases.tsv");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[1024];
    int n = 0, failures = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        line[strcspn(line, "\n")] = '\0';
        char *fields[6] = {0};
        int nf = 0;
        for (char *p = line; nf < 6;) {
            fields[nf++] = p;
            char *tab = strchr(p, '\t');
            if (!tab)
                break;
            *tab = '\0';
            p = tab + 1;
        }
        assert_true(nf >= 5);
        bool date1904 = strcmp(fields[0], "1904") == 0;
        tl_numfmt *fmt = tl_numfmt_compile(fields[3]);
        assert_non_null(fmt);
        tl_buf out = TL_BUF_INIT;
        if (fields[1][0] == 's')
            tl_numfmt_render_text(fmt, fields[2], strlen(fields[2]), &out);
        else
            tl_numfmt_render_number(fmt, strtod(fields[2], NULL), date1904, &out);
        const char *got = out.data ? out.data : "";
        if (strcmp(got, fields[4]) != 0) {
            print_message("value %s format [%s]: got [%s], expected [%s]\n", fields[2], fields[3],
                          got, fields[4]);
            failures++;
        }
        tl_buf_free(&out);
        tl_numfmt_free(fmt);
        n++;
    }
    fclose(f);
    free(path);
    assert_true(n > 50);
    assert_int_equal(failures, 0);
}

static tl_sheet_category cat(const char *code, double v)
{
    tl_numfmt *f = tl_numfmt_compile(code);
    tl_sheet_category c = tl_numfmt_category(f, v);
    tl_numfmt_free(f);
    return c;
}

static void test_categories(void **state)
{
    (void)state;
    assert_int_equal(cat("General", 3), TL_CAT_INTEGER);
    assert_int_equal(cat("General", 3.5), TL_CAT_DECIMAL);
    assert_int_equal(cat("0", 3.5), TL_CAT_INTEGER);
    assert_int_equal(cat("#,##0", 3.5), TL_CAT_INTEGER);
    assert_int_equal(cat("0.00", 3), TL_CAT_DECIMAL);
    assert_int_equal(cat("# ?/?", 3), TL_CAT_DECIMAL);
    assert_int_equal(cat("0%", 3), TL_CAT_PERCENTAGE);
    assert_int_equal(cat("0.00E+00", 3), TL_CAT_SCIENTIFIC);
    assert_int_equal(cat(tl_numfmt_builtin(7), 3), TL_CAT_CURRENCY);
    assert_int_equal(cat("[$EUR ]#,##0.00", 3), TL_CAT_CURRENCY);
    assert_int_equal(cat("#,##0.00 [$\xe2\x82\xac-407]", 3), TL_CAT_CURRENCY);
    assert_int_equal(cat("yyyy-mm-dd", 3), TL_CAT_DATE);
    assert_int_equal(cat("mmm", 3), TL_CAT_DATE);
    assert_int_equal(cat("h:mm", 3), TL_CAT_TIME);
    assert_int_equal(cat("[h]:mm:ss", 3), TL_CAT_TIME);
    assert_int_equal(cat("mm:ss", 3), TL_CAT_TIME);
    assert_int_equal(cat("m/d/yy h:mm", 3), TL_CAT_DATETIME);
    assert_int_equal(cat("@", 3), TL_CAT_INTEGER);
    assert_int_equal(cat("\"yes\"", 3), TL_CAT_INTEGER); /* no placeholders: by value */
}

static void test_builtins(void **state)
{
    (void)state;
    assert_string_equal(tl_numfmt_builtin(0), "General");
    assert_string_equal(tl_numfmt_builtin(14), "mm-dd-yy");
    assert_string_equal(tl_numfmt_builtin(49), "@");
    assert_null(tl_numfmt_builtin(23));
    assert_null(tl_numfmt_builtin(164));
    /* Every built-in compiles and renders something. */
    for (uint32_t id = 0; id < 50; id++) {
        const char *code = tl_numfmt_builtin(id);
        if (!code)
            continue;
        tl_numfmt *f = tl_numfmt_compile(code);
        tl_buf out = TL_BUF_INIT;
        tl_numfmt_render_number(f, 45292.25, false, &out);
        assert_true(out.len > 0);
        tl_buf_free(&out);
        tl_numfmt_free(f);
    }
}

static void test_dates(void **state)
{
    (void)state;
    tl_civil c;
    tl_serial_to_civil(45292, false, &c);
    assert_int_equal(c.year, 2024);
    assert_int_equal(c.month, 1);
    assert_int_equal(c.day, 1);
    assert_int_equal(c.weekday, 1);
    tl_serial_to_civil(59, false, &c);
    assert_int_equal(c.month, 2);
    assert_int_equal(c.day, 28);
    tl_serial_to_civil(0, true, &c);
    assert_int_equal(c.year, 1904);
    assert_int_equal(c.weekday, 5);
    double s;
    assert_true(tl_iso_to_serial("2024-01-01", 10, false, &s));
    assert_true(s == 45292);
    assert_true(tl_iso_to_serial("2024-01-01T12:00:00Z", 20, false, &s));
    assert_true(s == 45292.5);
    assert_true(tl_iso_to_serial("1900-01-01", 10, false, &s));
    assert_true(s == 1);
    assert_true(tl_iso_to_serial("2024-01-01", 10, true, &s));
    assert_true(s == 43830);
    assert_true(tl_iso_to_serial("06:00:00", 8, false, &s));
    assert_true(s == 0.25);
    assert_false(tl_iso_to_serial("2023-02-30", 10, false, &s));
    assert_false(tl_iso_to_serial("1899-12-01", 10, false, &s));
    assert_false(tl_iso_to_serial("2024-1-1", 8, false, &s));
}

static void test_odd_codes(void **state)
{
    (void)state;
    /* Never a crash, whatever the code. */
    const char *codes[] = {"", ";", ";;;;;;", "\"unterminated", "[", "0.0.0", "E+", "#/#",
                           "0/0", "?/?", "[h", "\\", "_", "*", "[<]0", "0E+", "yyyyyyyyy",
                           "##################################################0.00000000000000000000",
                           /* more tokens than a section holds, then E+ or a fraction:
                            * the dropped E or / must not leave the section marked
                            * scientific or fractional (found by fuzz_xlsx) */
                           "0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?"
                           "0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?"
                           "0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?0?E+0",
                           "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
                           "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
                           "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
                           "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
                           "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
                           "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
                           "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
                           "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
                           "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
                           "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
                           "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
                           "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
                           "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
                           "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
                           "# #/4"};
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
        tl_numfmt *f = tl_numfmt_compile(codes[i]);
        assert_non_null(f);
        double values[] = {0, -1.5, 1e300, -1e-300, NAN, INFINITY, 45292.5, 3e6};
        for (size_t v = 0; v < sizeof values / sizeof *values; v++) {
            tl_buf out = TL_BUF_INIT;
            tl_numfmt_render_number(f, values[v], false, &out);
            tl_numfmt_render_text(f, "x", 1, &out);
            assert_int_equal(tl_buf_status(&out), TABLLM_OK);
            tl_buf_free(&out);
        }
        tl_numfmt_free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases_file), cmocka_unit_test(test_categories),
        cmocka_unit_test(test_builtins),   cmocka_unit_test(test_dates),
        cmocka_unit_test(test_odd_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
