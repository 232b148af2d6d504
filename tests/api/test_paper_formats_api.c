/* The paper formats through the public API alone: names, a CSV read from
 * memory, tabllm_table_encode with the paper encodings and their errors. */
#include "../common/test_util.h"

static const char CSV[] = "id,text,note\n1,\"a, b\",\"say \"\"hi\"\"\"\n2,\"\"\"quoted\"\"\","
                          "plain\n3,\"comma,,inside\",\"\"\n";

static tabllm_table *load(void)
{
    tabllm_table *t = NULL;
    assert_ok(tabllm_table_from_memory(CSV, sizeof CSV - 1, NULL, &t));
    return t;
}

static char *encode(const tabllm_table *t, const tabllm_encode_params *p)
{
    char *out = NULL;
    size_t len = 0;
    assert_ok(tabllm_table_encode(t, p, &out, &len));
    assert_int_equal(len, strlen(out));
    return out;
}

static void test_names(void **state)
{
    (void)state;
    static const char *const names[] = {
        "tabula", "tabula-v1", "tabula-structured", "tabula-json", "tabula-pdseries",
        "tabula-html", "tabula-html-nows", "tp-markdown", "tp-markdown-grid", "tp-xml", "tp-html",
        "tp-json", "tp-latex", "tp-nl-sep", "unipredict", "unipredict-rows", "unipredict-labels",
        "cabinet", "cabinet-tapex", "markdown-grid", "xml", "latex", "nl-sep",
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        tabllm_encoding e;
        assert_ok(tabllm_encoding_from_name(names[i], &e));
        assert_string_equal(tabllm_encoding_name(e), names[i]);
    }
}

static void test_tabula_row(void **state)
{
    (void)state;
    tabllm_table *t = load();
    tabllm_encode_params p;
    assert_ok(tabllm_encode_params_init(&p, sizeof p));
    p.encoding = TABLLM_ENCODING_TABULA;
    p.target = "id";
    const char *labels[] = {"2", "1", "3"};
    p.labels = labels;
    p.n_labels = 3;
    p.row = 2;
    char *out = encode(t, &p);
    /* the authors' golden (syn_quoted_delims.tabula.txt, third line) */
    assert_string_equal(out, "Predict the id: ||2||1||3|| The text is comma,,inside. The note is "
                             "nan. What is the value of id? ||2||1||3||<|endinput|>");
    tabllm_free(out);
    p.cells = TABLLM_CELLS_VERBATIM;
    out = encode(t, &p);
    assert_string_equal(out, "Predict the id: ||2||1||3|| The text is comma,,inside. The note is "
                             ". What is the value of id? ||2||1||3||<|endinput|>");
    tabllm_free(out);
    tabllm_table_free(t);
}

static void test_tp_and_errors(void **state)
{
    (void)state;
    tabllm_table *t = load();
    tabllm_encode_params p;
    assert_ok(tabllm_encode_params_init(&p, sizeof p));
    p.encoding = TABLLM_ENCODING_TP_NL_SEP;
    p.flags = TABLLM_ENCODE_COLUMN_MAJOR;
    p.title = "T";
    char *out = encode(t, &p);
    assert_string_equal(out, "T\n\n\nid1|2|3\ntexta, b|\"quoted\"|comma,,inside\nnotesay "
                             "\"hi\"|plain|\n\nThe answer is ");
    tabllm_free(out);
    /* two rows are not square: TableProvider's code raises */
    const size_t rows[] = {0, 1};
    p.rows = rows;
    p.n_rows = 2;
    p.encoding = TABLLM_ENCODING_TP_LATEX;
    assert_status(tabllm_table_encode(t, &p, &out, NULL), TABLLM_ERR_TABLE_SHAPE,
                  "needs a square table, this one has 2 rows and 3 columns");
    assert_null(out);
    p.encoding = TABLLM_ENCODING_UNIPREDICT;
    p.rows = NULL;
    p.n_rows = 0;
    assert_status(tabllm_table_encode(t, &p, &out, NULL), TABLLM_ERR_INVALID_ARGUMENT,
                  "target column is required");
    tabllm_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_tabula_row),
        cmocka_unit_test(test_tp_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
