/* The HTML reader: pandas.read_html's rules, one by one, and its limits. */
#include "table/html.h"
#include "table_test.h"

#define HTML TABLLM_TABLE_FORMAT_HTML

static tabllm_table *html_table(const char *text, uint32_t index, uint32_t flags)
{
    tabllm_table_read_params p;
    tabllm_table_read_params_init(&p, sizeof p);
    p.format = HTML;
    p.table_index = index;
    p.flags = flags;
    tabllm_table *t = NULL;
    if (tabllm_table_from_memory(text, strlen(text), &p, &t) != TABLLM_OK)
        fail_msg("reading failed: %s", tabllm_last_error());
    return t;
}

static tabllm_status html_status(const char *text, uint32_t index, uint64_t max_cells)
{
    tabllm_table_read_params p;
    tabllm_table_read_params_init(&p, sizeof p);
    p.format = HTML;
    p.table_index = index;
    if (max_cells)
        p.max_cells = max_cells;
    tabllm_table *t = NULL;
    tabllm_status st = tabllm_table_from_memory(text, strlen(text), &p, &t);
    tabllm_table_free(t);
    return st;
}

static void test_sections_spans_and_text(void **state)
{
    (void)state;
    tabllm_table *t = html_table(
        "<html><body><table>"
        "<thead><tr><th>Name</th><th colspan=2>Score &amp; rank</th></tr></thead>"
        "<tbody><tr><td rowspan=2>Ann<br>Lee</td><td>1</td><td>  a \t b  </td></tr>"
        "<tr><td>2</td><td>&lt;x&gt;&nbsp;&eacute;</td></tr></tbody>"
        "<tfoot><tr><td>total</td><td>3</td></tr></tfoot>"
        "</table></body></html>",
        0, 0);
    check_cells(t, 3, 3,
                (const char *[]){"Name", "Score & rank", "Score & rank", "Ann Lee", "1", "a b",
                                 "Ann Lee", "2", "<x>\xC2\xA0\xC3\xA9", "total", "3", ""});
    assert_int_equal(cell_type(t, 0, 1), TABLLM_CELL_INT);
    assert_int_equal(cell_type(t, 2, 2), TABLLM_CELL_NULL);
    tabllm_table_free(t);
}

static void test_pandas_whitespace_rule(void **state)
{
    (void)state;
    /* strip, then each CR/LF run or run of 2+ whitespace becomes one space;
     * a newline followed by a space gives two spaces, as in pandas */
    tl_buf b = TL_BUF_INIT;
    struct {
        const char *in, *out;
    } cases[] = {
        {"  a  ", "a"},         {"a\n b", "a  b"},           {"a \n b", "a b"},
        {"a\tb", "a\tb"},       {"a\t\tb", "a b"},           {"a\r\n\r\nb", "a b"},
        {"\xC2\xA0x\xC2\xA0", "x"}, {"a\xC2\xA0\xC2\xA0" "b", "a b"}, {"a\xE3\x80\x80" "b", "a\xE3\x80\x80" "b"},
        {"\n\n", ""},           {"a\x1f\x1f" "b", "a b"},     {"a\xe2\x80\x8b\xe2\x80\x8b" "b", "a\xe2\x80\x8b\xe2\x80\x8b" "b"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        b.len = 0;
        tl_html_clean_text(&b, cases[i].in, strlen(cases[i].in));
        tl_buf_append(&b, "", 0);
        assert_string_equal(b.data, cases[i].out);
    }
    tl_buf_free(&b);
}

static void test_header_inference(void **state)
{
    (void)state;
    /* no <thead>: leading rows made only of <th> are the header */
    tabllm_table *t = html_table(
        "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><th>2</th></tr></table>", 0, 0);
    check_cells(t, 1, 2, (const char *[]){"a", "b", "1", "2"});
    tabllm_table_free(t);
    /* no header rows: columns are numbered, every row is data */
    t = html_table("<table><tr><td>x</td><td>y</td></tr><tr><td>z</td></tr></table>", 0, 0);
    check_cells(t, 2, 2, (const char *[]){"0", "1", "x", "y", "z", ""});
    tabllm_table_free(t);
    /* several header rows: empty ones dropped, levels joined with a space,
     * a level repeating the one above (rowspan) not repeated */
    t = html_table("<table><thead><tr><th rowspan=2>k</th><th colspan=2>A</th></tr>"
                   "<tr><th>x</th><th>y</th></tr><tr><th></th></tr></thead>"
                   "<tr><td>1</td><td>2</td><td>3</td></tr></table>",
                   0, 0);
    check_cells(t, 2, 3, (const char *[]){"k", "A x", "A y", "", "", "", "1", "2", "3"});
    tabllm_table_free(t);
    /* a <thead> holding cells without a <tr> is a row of its own */
    t = html_table("<table><thead><th>h</th></thead><tr><td>v</td></tr></table>", 0, 0);
    check_cells(t, 1, 1, (const char *[]){"h", "v"});
    tabllm_table_free(t);
    /* a header and no body (a fuzzer found the empty body list mishandled) */
    t = html_table("<table><thead><tr><th>only</th></tr></thead></table>", 0, 0);
    check_cells(t, 0, 1, (const char *[]){"only"});
    tabllm_table_free(t);
    /* TABLLM_READ_NO_HEADER: header rows are data */
    t = html_table("<table><tr><th>a</th></tr><tr><td>1</td></tr></table>", 0,
                   TABLLM_READ_NO_HEADER);
    check_cells(t, 2, 1, (const char *[]){"0", "a", "1"});
    tabllm_table_free(t);
}

static void test_hidden_elements(void **state)
{
    (void)state;
    /* a display:none element goes with the text after it; a hidden table is
     * not counted */
    tabllm_table *t = html_table(
        "<table style='display: none'><tr><td>hidden</td></tr></table>"
        "<table><tr><td>a<span style=\"color:red; display : none\">x</span>tail b</td>"
        "<td style=display:none>gone</td><td>c</td></tr></table>",
        0, 0);
    check_cells(t, 1, 2, (const char *[]){"0", "1", "a", "c"});
    tabllm_table_free(t);
}

static void test_table_counting(void **state)
{
    (void)state;
    const char *page = "<p>x</p><table></table>"                 /* no rows: skipped */
                       "<table><tr><td>\n</td></tr></table>"     /* no text: not counted */
                       "<table><tr></tr></table>"                /* text-less, cell-less */
                       "<table><tr><td>first</td></tr></table>"
                       "<div><table><tr><td>second</td></tr></table></div>";
    tabllm_table *t = html_table(page, 0, 0);
    check_cells(t, 1, 1, (const char *[]){"0", "first"});
    tabllm_table_free(t);
    t = html_table(page, 1, 0);
    check_cells(t, 1, 1, (const char *[]){"0", "second"});
    tabllm_table_free(t);
    assert_int_equal(html_status(page, 2, 0), TABLLM_ERR_NOT_FOUND);
    assert_non_null(strstr(tabllm_last_error(),
                           "(memory): table index 2 is out of range: the document has 2 tables"));
    assert_int_equal(html_status("<p>no tables here</p>", 0, 0), TABLLM_ERR_NOT_FOUND);
    assert_non_null(strstr(tabllm_last_error(), "no table with text"));
    assert_int_equal(html_status("", 0, 0), TABLLM_ERR_NOT_FOUND);
    /* a <br> before the only text, a comment between: pandas' "\n" tail
     * becomes the cell's first text node, so the table does not count */
    assert_int_equal(html_status("<table><tr><td><br><!--c-->x</td></tr></table>", 0, 0),
                     TABLLM_ERR_NOT_FOUND);
    t = html_table("<table><tr><td><br>x</td></tr></table>", 0, 0);
    check_cells(t, 1, 1, (const char *[]){"0", "x"});
    tabllm_table_free(t);
}

static void test_nested_tables_kept_apart(void **state)
{
    (void)state;
    const char *page = "<table><tbody><tr><td>outer</td><td>"
                       "<table><tr><td>inner1</td></tr><tr><td>inner2</td></tr></table>"
                       " after</td></tr></tbody></table>";
    tabllm_table *t = html_table(page, 0, 0);
    check_cells(t, 1, 2, (const char *[]){"0", "1", "outer", "after"});
    tabllm_table_free(t);
    t = html_table(page, 1, 0);
    check_cells(t, 2, 1, (const char *[]){"0", "inner1", "inner2"});
    tabllm_table_free(t);
    /* an outer table holding nothing but a nested one: pandas counts it (the
     * nested text is in its cell); kept apart, it has no rows */
    const char *only = "<table><tr><td><table><tr><td>x</td></tr></table></td></tr></table>";
    t = html_table(only, 0, 0);
    assert_int_equal(tabllm_table_n_rows(t), 0);
    tabllm_table_free(t);
    t = html_table(only, 1, 0);
    check_cells(t, 1, 1, (const char *[]){"0", "x"});
    tabllm_table_free(t);
}

static void test_spans_like_pandas(void **state)
{
    (void)state;
    /* rowspan carried into later rows and past a short row's end; extra
     * rows appear for spans that outlast the table; colspan=0 drops a cell;
     * "2px" reads as 2 */
    tabllm_table *t = html_table("<table><tr><td rowspan=3>a</td><td colspan='2px'>b</td></tr>"
                                 "<tr><td colspan=0>gone</td><td>c</td></tr></table>",
                                 0, 0);
    check_cells(t, 3, 3, (const char *[]){"0", "1", "2", "a", "b", "b", "a", "c", "", "a", "", ""});
    tabllm_table_free(t);
}

static void test_limits(void **state)
{
    (void)state;
    /* a tiny page asking for a million rows */
    assert_int_equal(html_status("<table><tr><td rowspan=100000000>x</td></tr></table>", 0, 0),
                     TABLLM_ERR_LIMIT_EXCEEDED);
    assert_non_null(strstr(tabllm_last_error(), "rowspan/colspan expand it to more than"));
    assert_int_equal(html_status("<table><tr><td colspan=70000>x</td></tr></table>", 0, 0),
                     TABLLM_ERR_LIMIT_EXCEEDED);
    assert_non_null(strstr(tabllm_last_error(), "colspan=70000 exceeds the limit of 65536"));
    assert_int_equal(html_status("<table><tr><td>1</td><td>2</td></tr>"
                                 "<tr><td>3</td><td>4</td></tr></table>",
                                 0, 3),
                     TABLLM_ERR_LIMIT_EXCEEDED);
    const char bad[] = "<table><tr><td>\xE9</td></tr></table>";
    tabllm_table *t;
    assert_status(tabllm_table_from_memory(bad, sizeof bad - 1, NULL, &t),
                  TABLLM_ERR_INVALID_UTF8, "(memory):1:16: invalid UTF-8 at byte offset 15");
}

static char *nested_page(size_t depth)
{
    char *page = malloc(depth * 6 + 64);
    size_t len = (size_t)sprintf(page, "<table><tr><td>");
    for (size_t i = 0; i < depth; i++)
        len += (size_t)sprintf(page + len, "<span>");
    sprintf(page + len, "deep");
    return page;
}

static void test_deep_nesting(void **state)
{
    (void)state;
    /* libxml2 stops building the tree below 256 levels, for lxml too, so
     * pandas finds no table in the deep page either; the reader says why
     * rather than "no table" (found by the error matrix) */
    char *page = nested_page(200);
    tabllm_table *t = html_table(page, 0, 0);
    assert_string_equal(tabllm_table_cell(t, 0, 0, NULL, NULL), "deep");
    tabllm_table_free(t);
    free(page);
    page = nested_page(20000);
    assert_status(html_status(page, 0, 0), TABLLM_ERR_LIMIT_EXCEEDED, "deeper than 256 levels");
    free(page);
    /* a table before the point where the parser stops is still read */
    char *deep = nested_page(20000);
    size_t n = strlen(deep) + 64;
    page = malloc(n);
    snprintf(page, n, "<table><tr><td>early</td></tr></table>%s", deep);
    t = html_table(page, 0, 0);
    assert_string_equal(tabllm_table_cell(t, 0, 0, NULL, NULL), "early");
    tabllm_table_free(t);
    assert_status(html_status(page, 1, 0), TABLLM_ERR_LIMIT_EXCEEDED, "table 1");
    free(page);
    free(deep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sections_spans_and_text),
        cmocka_unit_test(test_pandas_whitespace_rule),
        cmocka_unit_test(test_header_inference),
        cmocka_unit_test(test_hidden_elements),
        cmocka_unit_test(test_table_counting),
        cmocka_unit_test(test_nested_tables_kept_apart),
        cmocka_unit_test(test_spans_like_pandas),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_deep_nesting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
