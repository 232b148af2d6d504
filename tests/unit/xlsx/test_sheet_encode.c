/* The SpreadsheetLLM encoders on tables that are not spreadsheets (their
 * addresses come from positions, their formats from cell types), each
 * module on its own, selections, escaping, and the token report. */
#include "test_util.h"

#include <ctype.h>

#include "base/alloc.h"
#include "base/log.h"
#include "table/sheet/grid.h"
#include "table/sheet/sheet_encode.h"

static tabllm_table *make(size_t n_cols, const char *const *names, size_t n_rows,
                          const char *const *cells)
{
    tabllm_table *t;
    assert_ok(tl_table_new(n_cols, &t));
    for (size_t c = 0; names && c < n_cols; c++)
        assert_ok(tl_table_set_column_name(t, c, names[c], strlen(names[c])));
    for (size_t r = 0; r < n_rows; r++) {
        size_t lens[16];
        const char *row[16];
        for (size_t c = 0; c < n_cols; c++) {
            row[c] = cells[r * n_cols + c];
            lens[c] = row[c] ? strlen(row[c]) : 0;
        }
        assert_ok(tl_table_append_row(t, row, lens));
    }
    return t;
}

typedef struct run {
    size_t rows[64], cols[16];
    tl_view view;
} run;

static char *encode(const tabllm_table *t, bool compressed, uint32_t flags, uint32_t k,
                    const size_t *rows, size_t n_rows, const size_t *cols, size_t n_cols)
{
    run r;
    for (size_t i = 0; i < t->n_rows && i < 64; i++)
        r.rows[i] = i;
    for (size_t i = 0; i < t->n_cols && i < 16; i++)
        r.cols[i] = i;
    r.view = (tl_view){t, rows ? rows : r.rows, rows ? n_rows : t->n_rows,
                       cols ? cols : r.cols, cols ? n_cols : t->n_cols};
    tabllm_encode_params p = {.struct_size = sizeof p, .flags = flags, .anchor_k = k, .row = -1};
    tl_buf out = TL_BUF_INIT;
    assert_ok(compressed ? tl_encode_sheet_compressed(&r.view, &p, &out)
                         : tl_encode_sheet_vanilla(&r.view, &p, &out));
    return tl_buf_detach(&out, NULL);
}

static const char *const names[] = {"Year", "Revenue", "Growth", "Note"};
static const char *const cells[] = {
    "2021", "1200.50", "12%",  "first|half",
    "2022", "1300.25", "8.3%", NULL,
    "2023", "1400.75", "7.7%", "ok",
};

static void test_vanilla(void **state)
{
    (void)state;
    tabllm_table *t = make(4, names, 3, cells);
    char *s = encode(t, false, 0, 4, NULL, 0, NULL, 0);
    assert_string_equal(s, "A1,Year|B1,Revenue|C1,Growth|D1,Note\n"
                           "A2,2021|B2,1200.50|C2,12%|D2,first half\n"
                           "A3,2022|B3,1300.25|C3,8.3%|D3,\n"
                           "A4,2023|B4,1400.75|C4,7.7%|D4,ok\n");
    tabllm_free(s);
    /* No header: data starts in row 1. */
    s = encode(t, false, TABLLM_ENCODE_NO_HEADER, 4, NULL, 0, NULL, 0);
    assert_true(strncmp(s, "A2,2021|", 8) == 0); /* the header row still occupies row 1 */
    tabllm_free(s);
    /* A selection keeps the cells' own addresses. */
    size_t rows[] = {2, 0}, cols[] = {3, 1};
    s = encode(t, false, 0, 4, rows, 2, cols, 2);
    assert_string_equal(s, "D1,Note|B1,Revenue\nD4,ok|B4,1400.75\nD2,first half|B2,1200.50\n");
    tabllm_free(s);
    tl_table_destroy(t);
}

static void test_compressed_modules(void **state)
{
    (void)state;
    tabllm_table *t = make(4, names, 3, cells);
    char *s = encode(t, true, 0, 4, NULL, 0, NULL, 0);
    assert_string_equal(s, "(Year|A1)\n(Revenue|B1)\n(Growth|C1)\n(Note|D1)\n"
                           "(IntNum|A2:A4)\n(FloatNum|B2:B4)\n(PercentageNum|C2:C4)\n"
                           "(first half|D2)\n(ok|D4)\n");
    tabllm_free(s);
    /* Without aggregation: values, identical ones merged. */
    s = encode(t, true, TABLLM_ENCODE_NO_FORMAT_AGGREGATION, 4, NULL, 0, NULL, 0);
    assert_string_equal(s, "(Year|A1)\n(Revenue|B1)\n(Growth|C1)\n(Note|D1)\n(2021|A2)\n"
                           "(1200.50|B2)\n(12%|C2)\n(first half|D2)\n(2022|A3)\n(1300.25|B3)\n"
                           "(8.3%|C3)\n(2023|A4)\n(1400.75|B4)\n(7.7%|C4)\n(ok|D4)\n");
    tabllm_free(s);
    /* Without the inverted index: the skeleton cell by cell, types shown. */
    s = encode(t, true, TABLLM_ENCODE_NO_INVERTED_INDEX, 4, NULL, 0, NULL, 0);
    assert_string_equal(s, "A1,Year|B1,Revenue|C1,Growth|D1,Note\n"
                           "A2,IntNum|B2,FloatNum|C2,PercentageNum|D2,first half\n"
                           "A3,IntNum|B3,FloatNum|C3,PercentageNum|D3,\n"
                           "A4,IntNum|B4,FloatNum|C4,PercentageNum|D4,ok\n");
    tabllm_free(s);
    /* Neither: vanilla over the skeleton. */
    s = encode(t, true,
               TABLLM_ENCODE_NO_INVERTED_INDEX | TABLLM_ENCODE_NO_FORMAT_AGGREGATION |
                   TABLLM_ENCODE_NO_ANCHORS,
               4, NULL, 0, NULL, 0);
    char *v = encode(t, false, 0, 4, NULL, 0, NULL, 0);
    assert_string_equal(s, v);
    tabllm_free(s);
    tabllm_free(v);
    tl_table_destroy(t);
}

static void test_identical_values_merge(void **state)
{
    (void)state;
    static const char *const grid[] = {
        "a", "a", "x",
        "a", "a", "y",
        "b", "a", "x",
    };
    tabllm_table *t = make(3, NULL, 3, grid);
    char *s = encode(t, true, TABLLM_ENCODE_NO_HEADER, 4, NULL, 0, NULL, 0);
    /* a table without a header starts in row 1; rectangles grow right,
     * then down: A1:B2, then B3 alone */
    assert_string_equal(s, "(a|A1:B2,B3)\n(x|C1,C3)\n(y|C2)\n(b|A3)\n");
    tabllm_free(s);
    tl_table_destroy(t);
}

static void test_anchors(void **state)
{
    (void)state;
    /* A header over 40 homogeneous rows: with k = 2, the header, the first
     * three data rows and the last three remain. */
    const char *rows[40 * 2];
    char bufs[40][2][8];
    for (int i = 0; i < 40; i++) {
        snprintf(bufs[i][0], 8, "%d", i);
        snprintf(bufs[i][1], 8, "%d.5", i);
        rows[2 * i] = bufs[i][0];
        rows[2 * i + 1] = bufs[i][1];
    }
    static const char *const two[] = {"n", "x"};
    tabllm_table *t = make(2, two, 40, rows);
    size_t all[40], cols[2] = {0, 1};
    for (size_t i = 0; i < 40; i++)
        all[i] = i;
    run r = {0};
    (void)r;
    tl_view view = {t, all, 40, cols, 2};
    tabllm_encode_params p = {.struct_size = sizeof p, .anchor_k = 2};
    tl_grid g;
    assert_ok(tl_grid_from_view(&view, &p, &g));
    bool keep_rows[41], keep_cols[2];
    assert_ok(tl_sheet_anchors(&g, 2, keep_rows, keep_cols));
    for (size_t i = 0; i < 41; i++)
        assert_int_equal(keep_rows[i], i <= 3 || i >= 38);
    assert_true(keep_cols[0] && keep_cols[1]);
    tl_grid_free(&g);
    char *s = encode(t, true, 0, 2, all, 40, cols, 2);
    assert_string_equal(s, "(n|A1)\n(x|B1)\n(IntNum|A2:A4,A39:A41)\n(FloatNum|B2:B4,B39:B41)\n");
    tabllm_free(s);
    s = encode(t, true, TABLLM_ENCODE_NO_ANCHORS, 2, all, 40, cols, 2);
    assert_string_equal(s, "(n|A1)\n(x|B1)\n(IntNum|A2:A41)\n(FloatNum|B2:B41)\n");
    tabllm_free(s);
    tl_table_destroy(t);
}

static void test_inferred_categories(void **state)
{
    (void)state;
    struct {
        const char *text;
        tl_sheet_category cat;
    } cases[] = {
        {"12", TL_CAT_INTEGER},          {"-3.5", TL_CAT_DECIMAL},
        {"1e5", TL_CAT_SCIENTIFIC},      {"1,234", TL_CAT_INTEGER},
        {"1,234.50", TL_CAT_DECIMAL},    {"12%", TL_CAT_PERCENTAGE},
        {"-4.5 %", TL_CAT_PERCENTAGE},   {"$1,200.50", TL_CAT_CURRENCY},
        {"-$3", TL_CAT_CURRENCY},        {"($3.00)", TL_CAT_CURRENCY},
        {"12 \xe2\x82\xac", TL_CAT_CURRENCY}, {"2024-01-31", TL_CAT_DATE},
        {"1/31/2024", TL_CAT_DATE},      {"2024-01-31 12:30", TL_CAT_DATETIME},
        {"2024-01-31T12:30:05Z", TL_CAT_DATETIME}, {"12:30", TL_CAT_TIME},
        {"9:05:07 PM", TL_CAT_TIME},     {"a@b.org", TL_CAT_EMAIL},
        {"true", TL_CAT_BOOL},           {"hello", TL_CAT_TEXT},
        {"1,23", TL_CAT_TEXT},           {"2024-13", TL_CAT_TEXT},
        {"$", TL_CAT_TEXT},              {"", TL_CAT_EMPTY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tl_cell c = {.text = cases[i].text, .len = strlen(cases[i].text)};
        tl_cell_classify(&c);
        if (tl_grid_infer_category(&c) != cases[i].cat)
            fail_msg("%s: category %s, expected %s", cases[i].text,
                     tl_sheet_category_name(tl_grid_infer_category(&c)),
                     tl_sheet_category_name(cases[i].cat));
    }
}

static size_t count_words(const char *text, size_t len, void *user)
{
    (void)user;
    size_t n = 0;
    bool in = false;
    for (size_t i = 0; i < len; i++) {
        bool sp = isspace((unsigned char)text[i]) || text[i] == '|' || text[i] == ',';
        n += !sp && !in;
        in = !sp;
    }
    return n;
}

static char logged[512];
static void capture(tabllm_log_level level, const char *message, void *user)
{
    (void)level;
    (void)user;
    snprintf(logged, sizeof logged, "%s", message);
}

static void test_token_report(void **state)
{
    (void)state;
    tabllm_table *t = make(4, names, 3, cells);
    size_t rows[] = {0, 1, 2}, cols[] = {0, 1, 2, 3};
    tl_view view = {t, rows, 3, cols, 4};
    tabllm_encode_params p = {.struct_size = sizeof p, .anchor_k = 4, .count_tokens = count_words};
    tabllm_set_log_callback(capture, NULL, TABLLM_LOG_INFO);
    tl_buf out = TL_BUF_INIT;
    assert_ok(tl_encode_sheet_compressed(&view, &p, &out));
    tabllm_set_log_callback(NULL, NULL, TABLLM_LOG_ERROR);
    /* vanilla: 16 addresses + 16 words of values (one empty, one of two words);
     * compressed: 9 tuples of content and range, one content of two words */
    if (strstr(logged, "sheet-compressed: 32 tokens as sheet-vanilla, 19 compressed (ratio 1.68)") == NULL)
        fail_msg("logged: %s", logged);
    tl_buf_free(&out);
    tl_table_destroy(t);
}

static void test_empty_table(void **state)
{
    (void)state;
    tabllm_table *t;
    assert_ok(tl_table_new(0, &t));
    char *s = encode(t, true, 0, 4, NULL, 0, NULL, 0);
    assert_string_equal(s, "");
    tabllm_free(s);
    s = encode(t, false, 0, 4, NULL, 0, NULL, 0);
    assert_string_equal(s, "");
    tabllm_free(s);
    tl_table_destroy(t);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    tabllm_table *t = make(4, names, 3, cells);
    size_t rows[] = {0, 1, 2}, cols[] = {0, 1, 2, 3};
    tl_view view = {t, rows, 3, cols, 4};
    tabllm_encode_params p = {.struct_size = sizeof p, .anchor_k = 1};
    for (int which = 0; which < 2; which++) {
        unsigned long n;
        for (n = 1; n < 10000; n++) {
            tl_buf out = TL_BUF_INIT;
            tl_alloc_fail_after(n);
            tabllm_status st = which ? tl_encode_sheet_compressed(&view, &p, &out)
                                     : tl_encode_sheet_vanilla(&view, &p, &out);
            tl_alloc_fail_after(0);
            tl_buf_free(&out);
            if (st == TABLLM_OK)
                break;
            assert_int_equal(st, TABLLM_ERR_OUT_OF_MEMORY);
        }
        assert_true(n > 1 && n < 10000);
    }
    tl_table_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vanilla),
        cmocka_unit_test(test_compressed_modules),
        cmocka_unit_test(test_identical_values_merge),
        cmocka_unit_test(test_anchors),
        cmocka_unit_test(test_inferred_categories),
        cmocka_unit_test(test_token_report),
        cmocka_unit_test(test_empty_table),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
