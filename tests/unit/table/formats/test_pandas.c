/* pandas 1.5.3 read_csv inference, as observed in pandas itself:
 * pd.read_csv(io.StringIO(csv)) and dtypes / tolist() of each case. */
#include "formats_test.h"
#include "table/formats/frame.h"
#include "table/formats/pandas.h"

/* Infers a one-column table of `cells` and checks the dtype and str() of
 * every value, joined by "|". */
static void check_column(const char *const *cells, size_t n, tl_pd_dtype dtype, const char *want)
{
    const char *name = "a";
    tabllm_table *t = make_table(&name, 1, cells, n);
    tl_pd_column info = tl_pd_infer_column(t, 0);
    assert_int_equal(info.dtype, dtype);
    tl_buf b = TL_BUF_INIT;
    for (size_t r = 0; r < n; r++) {
        if (r > 0)
            tl_buf_putc(&b, '|');
        tl_pyval v = tl_pd_cell_value(tl_table_cell(t, r, 0), &info);
        tl_pyval_str(&b, &v);
    }
    assert_string_equal(b.data ? b.data : "", want);
    tl_buf_free(&b);
    tl_table_destroy(t);
}

#define COL(dtype, want, ...)                                                  \
    do {                                                                       \
        const char *cells_[] = {__VA_ARGS__};                                  \
        check_column(cells_, sizeof cells_ / sizeof *cells_, dtype, want);     \
    } while (0)

static void test_int_and_float(void **state)
{
    (void)state;
    COL(TL_PD_INT64, "41|36", "41", "36");
    COL(TL_PD_FLOAT64, "41.0|nan", "41", "NA");        /* int with NA: float */
    COL(TL_PD_FLOAT64, "1.0|2.5", "1", "2.5");
    COL(TL_PD_INT64, "1|2", " 1", "2 ");                /* spaces around are fine */
    COL(TL_PD_FLOAT64, "1.5|2.0", " 1.5", "2 ");
    COL(TL_PD_INT64, "5|0", "+5", "-0");
    COL(TL_PD_FLOAT64, "0.5|5.0", ".5", "5.");
    COL(TL_PD_FLOAT64, "100000.0|0.01", "1e5", "1E-2");
    COL(TL_PD_FLOAT64, "1e+308|2.0", "1e308", "2");
    COL(TL_PD_FLOAT64, "inf|-inf|inf", "inf", "-Infinity", "+INF");
    COL(TL_PD_FLOAT64, "0.3|1.0", "0.30000000000000004", "1"); /* 17 digits kept */
    COL(TL_PD_FLOAT64, "3.1415926535897927", "3.141592653589793238");
    COL(TL_PD_FLOAT64, "0.0", "00000000000000000000000000001.5");
    COL(TL_PD_FLOAT64, "0.0", "1e-400");
    COL(TL_PD_FLOAT64, "1e-320", "1e-320");
    COL(TL_PD_FLOAT64, "1.0", "1e4294967296");          /* the exponent wraps */
    COL(TL_PD_FLOAT64, "0.0", "1e2147483648");
    COL(TL_PD_FLOAT64, "9007199254740992.0|nan", "9007199254740993", "");
    COL(TL_PD_FLOAT64, "nan|nan", "", "");
}

static void test_object(void **state)
{
    (void)state;
    COL(TL_PD_OBJECT, "1e400|2", "1e400", "2");         /* out of range: text */
    COL(TL_PD_OBJECT, "10e308", "10e308");
    COL(TL_PD_OBJECT, "1e2147483647", "1e2147483647");
    COL(TL_PD_OBJECT, "1.5e0000000000000000000000001", "1.5e0000000000000000000000001");
    COL(TL_PD_OBJECT, "0x1F|1", "0x1F", "1");
    COL(TL_PD_OBJECT, "1_000|1", "1_000", "1");
    COL(TL_PD_OBJECT, " inf", " inf");
    COL(TL_PD_OBJECT, "1e|-|1e+|+-1|1.5.5", "1e", "-", "1e+", "+-1", "1.5.5");
    COL(TL_PD_OBJECT, "None|2", "None", "2");           /* not an NA string in 1.5 */
    COL(TL_PD_OBJECT, "1|nan|x", "1", "", "x");
    COL(TL_PD_OBJECT, "True|x", "True", "x");
    COL(TL_PD_OBJECT, "1.5|True", "1.5", "True");
}

static void test_bool(void **state)
{
    (void)state;
    COL(TL_PD_BOOL, "True|False", "True", "FALSE");
    COL(TL_PD_BOOL, "True|False|True", "true", "False", "tRue");
    COL(TL_PD_OBJECT, "True|nan|False", "True", "NA", "false"); /* upcast with NA */
}

static void test_uint64(void **state)
{
    (void)state;
    COL(TL_PD_UINT64, "9223372036854775808|1", "9223372036854775808", "1");
    COL(TL_PD_FLOAT64, "9.223372036854778e+18|1.5", "9223372036854775808", "1.5");
    /* a conflict with NA or a negative number leaves the text, NA included */
    COL(TL_PD_OBJECT, "9223372036854775808|NA", "9223372036854775808", "NA");
    COL(TL_PD_OBJECT, "9223372036854775808|", "9223372036854775808", "");
    COL(TL_PD_OBJECT, "9223372036854775808|-1", "9223372036854775808", "-1");
    /* beyond uint64: text, NA strings still missing */
    COL(TL_PD_OBJECT, "18446744073709551616|nan", "18446744073709551616", "NA");
    COL(TL_PD_OBJECT, "-9223372036854775809|nan", "-9223372036854775809", "NA");
    COL(TL_PD_OBJECT, "-9223372036854775809|2", "-9223372036854775809", "2");
}

static void test_na_strings(void **state)
{
    (void)state;
    COL(TL_PD_FLOAT64, "nan|nan|nan|nan|nan|nan|nan|1.0", "NaN", "n/a", "#N/A", "<NA>", "NULL",
        "-nan", "1.#QNAN", "1");
    assert_true(tl_pd_is_na_string("", 0));
    assert_false(tl_pd_is_na_string("na", 2));
    assert_false(tl_pd_is_na_string(" NA", 3));
}

static void check_names(const char *const *raw, size_t n, bool header, const char *want)
{
    tabllm_table *t = make_table(header ? raw : NULL, n, NULL, 0);
    tl_arena a = TL_ARENA_INIT;
    const char **names = calloc(n + 1, sizeof *names);
    size_t *lens = calloc(n + 1, sizeof *lens);
    assert_int_equal(tl_pd_column_names(t, &a, names, lens), TABLLM_OK);
    tl_buf b = TL_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            tl_buf_putc(&b, '|');
        tl_buf_append(&b, names[i], lens[i]);
    }
    assert_string_equal(b.data ? b.data : "", want);
    tl_buf_free(&b);
    free(names);
    free(lens);
    tl_arena_free(&a);
    tl_table_destroy(t);
}

#define NAMES(want, ...)                                                        \
    do {                                                                        \
        const char *raw_[] = {__VA_ARGS__};                                     \
        check_names(raw_, sizeof raw_ / sizeof *raw_, true, want);              \
    } while (0)

static void test_header_names(void **state)
{
    (void)state;
    NAMES("a|a.2|a.1|Unnamed: 3|Unnamed: 4", "a", "a", "a.1", "", "");
    NAMES("Unnamed: 0.1|Unnamed: 0", "", "Unnamed: 0");
    NAMES("a|NA|Unnamed: 2", "a", "NA", "");
    NAMES("x|x.2|x.3|x.1", "x", "x", "x", "x.1");
    NAMES(" h2 |b", " h2 ", "b");
    NAMES("n\xc3\xa4me|b", "\xef\xbb\xbfn\xc3\xa4me", "b"); /* BOM dropped */
    const char *none[] = {"x", "y", "z"};
    check_names(none, 3, false, "0|1|2");
}

static void test_cells_mode(void **state)
{
    (void)state;
    tabllm_encode_params p = default_params();
    bool pandas = false;
    assert_ok(tl_cells_pandas(&p, true, &pandas));
    assert_true(pandas);
    p.cells = TABLLM_CELLS_VERBATIM;
    assert_ok(tl_cells_pandas(&p, true, &pandas));
    assert_false(pandas);
    p.cells = 99;
    assert_status(tl_cells_pandas(&p, true, &pandas), TABLLM_ERR_INVALID_ARGUMENT,
                  "unknown cell rendering 99");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int_and_float), cmocka_unit_test(test_object),
        cmocka_unit_test(test_bool),          cmocka_unit_test(test_uint64),
        cmocka_unit_test(test_na_strings),    cmocka_unit_test(test_header_names),
        cmocka_unit_test(test_cells_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
