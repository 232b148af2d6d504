/* tabulate, pandas to_latex and to_html on small frames; the expected
 * strings are what tabulate 0.8.9 and pandas 1.5.3 print for the same data
 * (checked by hand in python3). */
#include "formats_test.h"
#include "table/formats/frame.h"
#include "table/formats/pdhtml.h"
#include "table/formats/pdlatex.h"
#include "table/formats/tabulate.h"

static char *tab(const char *const *cells, size_t nr, size_t nc, const char *const *headers,
                 tl_tabulate_format fmt, tabllm_status want_status)
{
    size_t *lens = calloc(nr * nc + 1, sizeof *lens);
    size_t *hl = calloc(nc + 1, sizeof *hl);
    for (size_t i = 0; i < nr * nc; i++)
        lens[i] = strlen(cells[i]);
    for (size_t i = 0; headers && i < nc; i++)
        hl[i] = strlen(headers[i]);
    tl_tabulate_input in = {nr, nc, cells, lens, headers, headers ? hl : NULL, false};
    tl_buf b = TL_BUF_INIT;
    assert_int_equal(tl_tabulate(&b, &in, fmt), want_status);
    free(lens);
    free(hl);
    size_t len;
    char *s = want_status == TABLLM_OK ? tl_buf_detach(&b, &len) : NULL;
    tl_buf_free(&b);
    return s;
}

static void test_pipe_decimal(void **state)
{
    (void)state;
    const char *cells[] = {"0", "1", "x", "1", "2.5", "y"};
    char *s = tab(cells, 2, 3, NULL, TL_TABULATE_PIPE, TABLLM_OK);
    assert_string_equal(s, "|--:|----:|:--|\n| 0 | 1   | x |\n| 1 | 2.5 | y |");
    tl_free(s);
}

static void test_grid_headers(void **state)
{
    (void)state;
    const char *cells[] = {"0", "1", "x", "1", "2.5", "y"};
    const char *headers[] = {"", "a", "b"};
    char *s = tab(cells, 2, 3, headers, TL_TABULATE_GRID, TABLLM_OK);
    assert_string_equal(s, "+----+-----+-----+\n|    |   a | b   |\n+====+=====+=====+\n"
                           "|  0 | 1   | x   |\n+----+-----+-----+\n|  1 | 2.5 | y   |\n"
                           "+----+-----+-----+");
    tl_free(s);
}

static void test_multiline(void **state)
{
    (void)state;
    const char *cells[] = {"0", "a\nbc", " 7 ", "1", "", "1e3", "2", "True", "-"};
    const char *headers[] = {"", "h\n1", "h2"};
    char *s = tab(cells, 3, 3, headers, TL_TABULATE_GRID, TABLLM_OK);
    assert_string_equal(s, "+----+------+------+\n|    | h    | h2   |\n|    | 1    |      |\n"
                           "+====+======+======+\n|  0 | a    | 7    |\n|    | bc   |      |\n"
                           "+----+------+------+\n|  1 |      | 1e3  |\n+----+------+------+\n"
                           "|  2 | True | -    |\n+----+------+------+");
    tl_free(s);
    s = tab(cells, 3, 3, NULL, TL_TABULATE_PIPE, TABLLM_OK);
    assert_string_equal(s, "|--:|:-----|:----|\n| 0 | a    | 7   |\n|   | bc   |     |\n"
                           "| 1 |      | 1e3 |\n| 2 | True | -   |");
    tl_free(s);
}

static void test_float_formatting(void **state)
{
    (void)state;
    /* a float column: every value re-printed with "g", decimal-aligned */
    const char *cells[] = {"2.0", "10", "1234567.5", "1e-5", " 3 "};
    char *s = tab(cells, 5, 1, NULL, TL_TABULATE_PIPE, TABLLM_OK);
    assert_string_equal(s, "|-------------:|\n|  2           |\n| 10           |\n"
                           "|  1.23457e+06 |\n|  1e-05       |\n|  3           |");
    tl_free(s);
    /* tabulate raises on "True" in a float column; so does the encoder */
    const char *bad[] = {"True", "1.5"};
    tab(bad, 2, 1, NULL, TL_TABULATE_PIPE, TABLLM_ERR_UNSUPPORTED);
    assert_non_null(strstr(tabllm_last_error(), "\"True\""));
    const char *esc[] = {"\x1b[31mred\x1b[0m"};
    tab(esc, 1, 1, NULL, TL_TABULATE_PIPE, TABLLM_ERR_UNSUPPORTED);
    assert_non_null(strstr(tabllm_last_error(), "escape"));
}

static void test_empty(void **state)
{
    (void)state;
    char *s = tab(NULL, 0, 2, NULL, TL_TABULATE_PIPE, TABLLM_OK);
    assert_string_equal(s, "");
    tl_free(s);
    const char *headers[] = {"a", "b c"};
    s = tab(NULL, 0, 2, headers, TL_TABULATE_GRID, TABLLM_OK);
    assert_string_equal(s, "+-----+-------+\n| a   | b c   |\n+=====+=======+\n+-----+-------+");
    tl_free(s);
}

static void test_latex_padding_and_cut(void **state)
{
    (void)state;
    const char *names[] = {"long name with spaceslong name with spaceslong name with spaces", "c"};
    size_t nl[] = {strlen(names[0]), 1};
    const char *cells[] = {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                           "a_b&c{}", "\xc3\xa9", ""};
    size_t lens[] = {60, 7, 2, 0};
    tl_buf b = TL_BUF_INIT;
    assert_ok(tl_pdlatex(&b, names, nl, 2, cells, lens, 2));
    assert_string_equal(
        b.data, "\\begin{tabular}{lll}\n\\toprule\n{} & long name with spaceslong name with "
                "spaceslong name with spaces &        c \\\\\n\\midrule\n0 &  "
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... &  a\\_b\\&c\\{\\} \\\\\n1 &"
                "                                                  \xc3\xa9 &          \\\\\n"
                "\\bottomrule\n\\end{tabular}\n");
    tl_buf_free(&b);
}

static void test_html_cells(void **state)
{
    (void)state;
    const char *names[] = {"h<1>", " h2 "};
    size_t nl[] = {4, 4};
    tl_buf b = TL_BUF_INIT;
    tl_pdhtml_open(&b, names, nl, 2, true);
    tl_pyval r0[] = {tl_pyval_text("<b>&", 4), tl_pyval_text("a\tb", 3)};
    tl_pyval r1[] = {tl_pyval_text("x", 1), tl_pyval_text(" y ", 3)};
    tl_pdhtml_row(&b, "0", 1, r0, 2);
    tl_pdhtml_row(&b, "1", 1, r1, 2);
    tl_pdhtml_end(&b);
    assert_string_equal(
        b.data, "<table border=\"1\" class=\"dataframe\">\n  <thead>\n    <tr style=\"text-align: "
                "right;\">\n      <th></th>\n      <th>h&lt;1&gt;</th>\n      <th>h2</th>\n    "
                "</tr>\n  </thead>\n  <tbody>\n    <tr>\n      <th>0</th>\n      "
                "<td>&lt;b&gt;&amp;</td>\n      <td>a\\tb</td>\n    </tr>\n    <tr>\n      "
                "<th>1</th>\n      <td>x</td>\n      <td>y</td>\n    </tr>\n  </tbody>\n</table>");
    tl_buf nows = TL_BUF_INIT;
    tl_pdhtml_strip_whitespace(&nows, "<a> \n <b>x</b>  y <c>\xc2\xa0<d>",
                               strlen("<a> \n <b>x</b>  y <c>\xc2\xa0<d>"));
    assert_string_equal(nows.data, "<a><b>x</b>  y <c><d>");
    tl_buf_free(&b);
    tl_buf_free(&nows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipe_decimal),     cmocka_unit_test(test_grid_headers),
        cmocka_unit_test(test_multiline),        cmocka_unit_test(test_float_formatting),
        cmocka_unit_test(test_empty),            cmocka_unit_test(test_latex_padding_and_cut),
        cmocka_unit_test(test_html_cells),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
