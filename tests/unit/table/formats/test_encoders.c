/* Every paper encoder on small tables built in code: the layouts, the
 * quirks, and each error with its message. Expected strings follow the
 * authors' code (checked by hand against it). */
#include "formats_test.h"

static const char *const NAMES[] = {"name", "age", "note"};
static const char *const CELLS[] = {"Ann", "41", "good.", "Bob", "NA", " ok "};
static const char *const LABELS[] = {"Ann", "Bob"};

static tabllm_table *people(void)
{
    return make_table(NAMES, 3, CELLS, 2);
}

static tabllm_encode_params tabula_params(void)
{
    tabllm_encode_params p = default_params();
    p.target = "name";
    p.labels = LABELS;
    p.n_labels = 2;
    return p;
}

static void test_tabula_v2(void **state)
{
    (void)state;
    tabllm_table *t = people();
    tabllm_encode_params p = tabula_params();
    assert_encodes(tl_encode_tabula, t, &p,
                   "Predict the name: ||Ann||Bob|| The age is 41.0. The note is good. What is the "
                   "value of name? ||Ann||Bob||<|endinput|>\n"
                   "Predict the name: ||Ann||Bob|| The age is nan. The note is ok. What is the "
                   "value of name? ||Ann||Bob||<|endinput|>\n");
    /* one row: that table row alone, no newline */
    p.row = 1;
    assert_encodes(tl_encode_tabula_v1, t, &p,
                   "Predict the name: Ann or Bob The age is nan. The note is ok. What is the value "
                   "of name? Ann or Bob<|endinput|>");
    /* verbatim cells: the text as written, a missing value as "" */
    p.cells = TABLLM_CELLS_VERBATIM;
    p.row = 0;
    p.context = "  A task.  ";
    assert_encodes(tl_encode_tabula, t, &p,
                   "A task. Predict the name: ||Ann||Bob|| The age is 41. The note is good. What is "
                   "the value of name? ||Ann||Bob||<|endinput|>");
    tl_table_destroy(t);
}

static void test_tabula_dict_forms(void **state)
{
    (void)state;
    tabllm_table *t = people();
    tabllm_encode_params p = tabula_params();
    p.row = 1;
    assert_encodes(tl_encode_tabula_json, t, &p,
                   "{\"prefix\": \"Predict the name:\", \"features\": {\"age\": {\"value\": NaN}, "
                   "\"note\": {\"value\": \"ok\"}}, \"suffix\": \"What is the value of name?\", "
                   "\"choices\": [\"Ann\", \"Bob\"]}<|endinput|>");
    assert_encodes(tl_encode_tabula_pdseries, t, &p,
                   "pd.Series({'prefix': 'Predict the name:', 'features': {'age': {'value': nan}, "
                   "'note': {'value': 'ok'}}, 'suffix': 'What is the value of name?', 'choices': "
                   "'Ann or Bob'})<|endinput|>");
    p.row = 0;
    assert_encodes(tl_encode_tabula_structured, t, &p,
                   "<|PREFIX|>Predict the name:<|/PREFIX|><|CHOICES|>Ann||Bob<|/CHOICES|>"
                   "<|EXAMPLE|><|KEY|>age<|/KEY|><|VALUE|>41.0<|/VALUE|><|KEY|>note<|/KEY|>"
                   "<|VALUE|>good.<|/VALUE|><|/EXAMPLE|><|SUFFIX|>What is the value of name?"
                   "<|/SUFFIX|><|CHOICES|>Ann||Bob<|/CHOICES|><|endinput|>");
    assert_encodes(tl_encode_tabula_html_nows, t, &p,
                   "<table border=\"1\" class=\"dataframe\"><thead><tr style=\"text-align: "
                   "right;\"><th></th><th>0</th></tr></thead><tbody><tr><th>prefix</th><td>Predict "
                   "the name:</td></tr><tr><th>features</th><td>{'age': {'value': 41.0}, 'note': "
                   "{'value': 'good'}}</td></tr><tr><th>suffix</th><td>What is the value of "
                   "name?</td></tr><tr><th>choices</th><td>Ann or Bob</td></tr></tbody></table>"
                   "<|endinput|>");
    tl_table_destroy(t);
}

static void test_tabula_derived_labels(void **state)
{
    (void)state;
    const char *names[] = {"y", "x"};
    const char *cells[] = {"b", "1", "a", "2", "b", "3", NULL, "4"};
    tabllm_table *t = make_table(names, 2, cells, 4);
    tabllm_encode_params p = default_params();
    p.target = "y";
    p.row = 0;
    /* first appearance; a missing value is the str "nan" of an object column */
    assert_encodes(tl_encode_tabula, t, &p,
                   "Predict the y: ||b||a||nan|| The x is 1. What is the value of y? "
                   "||b||a||nan||<|endinput|>");
    tl_table_destroy(t);
}

static void test_tabula_errors(void **state)
{
    (void)state;
    tabllm_table *t = people();
    tabllm_encode_params p = default_params();
    assert_encode_fails(tl_encode_tabula, t, &p, TABLLM_ERR_INVALID_ARGUMENT,
                        "tabula: a target column is required");
    p.target = "salary";
    assert_encode_fails(tl_encode_tabula_json, t, &p, TABLLM_ERR_NOT_FOUND,
                        "target column \"salary\" is not in the table");
    p.target = "name";
    p.context = "ctx";
    assert_encode_fails(tl_encode_tabula_json, t, &p, TABLLM_ERR_UNSUPPORTED,
                        "tabula-json: a task context is only placed by tabula and tabula-v1");
    p.context = NULL;
    p.cells = 7;
    assert_encode_fails(tl_encode_tabula, t, &p, TABLLM_ERR_INVALID_ARGUMENT,
                        "unknown cell rendering 7");
    p.cells = 0;
    p.row = 2;
    assert_encode_fails(tl_encode_tabula, t, &p, TABLLM_ERR_INVALID_ARGUMENT,
                        "row 2 is out of range: the table has 2 rows");
    tl_table_destroy(t);
}

static void test_unipredict(void **state)
{
    (void)state;
    tabllm_table *t = people();
    tabllm_encode_params p = default_params();
    p.target = "name";
    /* an object column makes .values an object array: 41.0 stays a float,
     * the text is neither stripped nor cut */
    assert_encodes(tl_encode_unipredict_rows, t, &p,
                   "age is 41.0; note is good..\nage is nan; note is  ok .\n");
    assert_encodes(tl_encode_unipredict_labels, t, &p,
                   "class 0: xxx; class 1: xxx; where class 0 stands for \"Ann\"; class 1 stands "
                   "for \"Bob\".\n");
    p.row = 1;
    p.prompt_template = 1;
    assert_encodes(tl_encode_unipredict, t, &p,
                   "Below is a dataset. Predict the target by the given information of the "
                   "object.\n# Object description: age is nan; note is  ok .\n\n# You should "
                   "return the probability of each class by: \nclass 0: xxx; class 1: xxx; where "
                   "class 0 stands for \"Ann\"; class 1 stands for \"Bob\".\n\n# Answer: \n");
    p.prompt_template = 2;
    p.annotation = "People.";
    assert_encodes(tl_encode_unipredict, t, &p,
                   "Below is the description of a dataset, an object profile from the dataset and "
                   "a target description. Predict the target by the given information of the "
                   "object.\n# Dataset description: People.\n# Object description: age is nan; "
                   "note is  ok .\n\n# You should return your choice of class by stating the class "
                   "number, where class 0 stands for \"Ann\"; class 1 stands for \"Bob\".\n\n# "
                   "Answer: \n");
    p.annotation = NULL;
    assert_encode_fails(tl_encode_unipredict, t, &p, TABLLM_ERR_INVALID_ARGUMENT,
                        "the TabLLM template needs an annotation");
    p.prompt_template = 3;
    assert_encode_fails(tl_encode_unipredict, t, &p, TABLLM_ERR_INVALID_ARGUMENT,
                        "unknown prompt template 3");
    p.target = NULL;
    assert_encode_fails(tl_encode_unipredict_rows, t, &p, TABLLM_ERR_INVALID_ARGUMENT,
                        "unipredict-rows: a target column is required");
    tl_table_destroy(t);
}

static void test_unipredict_numeric(void **state)
{
    (void)state;
    /* every feature numeric: .values upcasts to float64; round(4) */
    const char *names[] = {"y", "int_col", "f"};
    const char *cells[] = {"12", "3", "0.123456", "5", "4", "2", "12", "5", "1e-5"};
    tabllm_table *t = make_table(names, 3, cells, 3);
    tabllm_encode_params p = default_params();
    p.target = "y";
    assert_encodes(tl_encode_unipredict_rows, t, &p,
                   "int col is 3.0; f is 0.1235.\nint col is 4.0; f is 2.0.\n"
                   "int col is 5.0; f is 0.0.\n");
    /* int labels in CPython's set order: list(set([12, 5])) == [12, 5] */
    assert_encodes(tl_encode_unipredict_labels, t, &p,
                   "class 0: xxx; class 1: xxx; where class 0 stands for \"12\"; class 1 stands "
                   "for \"5\".\n");
    /* only int features: .values stays int64 */
    p.columns = NULL;
    tl_table_destroy(t);
    const char *names2[] = {"y", "a"};
    const char *cells2[] = {"x", "67", "y", "72"};
    t = make_table(names2, 2, cells2, 2);
    p.target = "y";
    assert_encodes(tl_encode_unipredict_rows, t, &p, "a is 67.\na is 72.\n");
    tl_table_destroy(t);
}

static void test_cabinet(void **state)
{
    (void)state;
    tabllm_table *t = people();
    tabllm_encode_params p = default_params();
    assert_encodes(tl_encode_cabinet, t, &p,
                   "[HEADER] name | age | note [ROW] 0: Ann | 41 | good. [ROW] 1: Bob | NA |  ok ");
    p.question = "Who is OLDER?";
    assert_encodes(tl_encode_cabinet_tapex, t, &p,
                   "who is older? col : name | age | note row 1 : ann | 41 | good. row 2 : bob | na "
                   "|  ok");
    tl_table_destroy(t);
    /* names equal once lower-cased are one dict key: first place, last values */
    const char *names[] = {"A", "b", "a"};
    const char *cells[] = {"1", "2", "3"};
    t = make_table(names, 3, cells, 1);
    p.question = NULL;
    assert_encodes(tl_encode_cabinet_tapex, t, &p, "col : a | b row 1 : 3 | 2");
    tl_table_destroy(t);
    /* no rows: TAPEX linearizes an empty DataFrame to "" */
    t = make_table(names, 3, NULL, 0);
    p.question = "Q?";
    assert_encodes(tl_encode_cabinet_tapex, t, &p, "q?");
    assert_encodes(tl_encode_cabinet, t, &p, "[HEADER] A | b | a");
    tl_table_destroy(t);
}

static const char *const AB[] = {"a", "b"};
static const char *const AB_CELLS[] = {"1", "x", "2.5", "y"};

static tabllm_encode_params tp_params(uint32_t flags)
{
    tabllm_encode_params p = default_params();
    p.flags = flags;
    p.title = "T";
    return p;
}

static void test_tp_markdown(void **state)
{
    (void)state;
    tabllm_table *t = make_table(AB, 2, AB_CELLS, 2);
    tabllm_encode_params p = tp_params(0);
    assert_encodes(tl_encode_tp_markdown, t, &p,
                   "T\n\n\n|--:|----:|:--|\n| 0 | 1   | x |\n| 1 | 2.5 | y |\nThe answer is ");
    p = tp_params(TABLLM_ENCODE_COLUMN_MAJOR | TABLLM_ENCODE_PARTITION_MARKS);
    assert_encodes(tl_encode_tp_markdown, t, &p,
                   "<title>\nT\n<context>\n\n<caption>\n\n|--:|:--|:----|\n| 0 | 1 | 2.5 |\n"
                   "| 1 | x | y   |\nThe answer is ");
    /* markdown_grid's column-major form is a pipe table indexed by the names */
    assert_encodes(tl_encode_tp_markdown_grid, t, &p,
                   "<title>\nT\n<context>\n\n<caption>\n\n|:--|:--|:----|\n| a | 1 | 2.5 |\n"
                   "| b | x | y   |\nThe answer is ");
    p = tp_params(0);
    assert_encodes(tl_encode_tp_markdown_grid, t, &p,
                   "T\n\n\n+----+-----+-----+\n|    |   a | b   |\n+====+=====+=====+\n"
                   "|  0 | 1   | x   |\n+----+-----+-----+\n|  1 | 2.5 | y   |\n+----+-----+-----+\n"
                   "The answer is ");
    tl_table_destroy(t);
}

static void test_tp_other_formats(void **state)
{
    (void)state;
    const char *names[] = {"a b", "c"};
    const char *cells[] = {"<1>", "it's"};
    tabllm_table *t = make_table(names, 2, cells, 1);
    tabllm_encode_params p = tp_params(0);
    assert_encodes(tl_encode_tp_xml, t, &p,
                   "T\n\n\n<item>\n  <field name=\"a_b\"><1></field>\n  <field "
                   "name=\"c\">it's</field>\n</item>\nThe answer is ");
    assert_encodes(tl_encode_tp_json, t, &p,
                   "{'title': 'T', 'context': '', 'table': {'header': ['a b', 'c'], 'rows': "
                   "[['<1>', \"it's\"]], 'caption': ''}}");
    p = tp_params(TABLLM_ENCODE_PARTITION_MARKS);
    assert_encodes(tl_encode_tp_html, t, &p,
                   "<title>\nT\n\nThe table has 1 rows and 2 columns \n<table border=\"1\" "
                   "class=\"dataframe\">\n  <thead>\n    <tr style=\"text-align: right;\">\n      "
                   "<th></th>\n      <th>a b</th>\n      <th>c</th>\n    </tr>\n  </thead>\n  "
                   "<tbody>\n    <tr>\n      <th>0</th>\n      <td>&lt;1&gt;</td>\n      "
                   "<td>it's</td>\n    </tr>\n  </tbody>\n</table>\nThe answer is ");
    p = tp_params(TABLLM_ENCODE_COLUMN_MAJOR);
    assert_encodes(tl_encode_tp_nl_sep, t, &p, "T\n\n\na b<1>\ncit's\n\nThe answer is ");
    tl_table_destroy(t);
}

static void test_tp_errors(void **state)
{
    (void)state;
    tabllm_table *t = people();
    tabllm_encode_params p = tp_params(TABLLM_ENCODE_COLUMN_MAJOR);
    tl_encoder_fn raising[] = {tl_encode_tp_markdown, tl_encode_tp_xml, tl_encode_tp_html,
                               tl_encode_tp_latex};
    for (size_t i = 0; i < 4; i++)
        assert_encode_fails(raising[i], t, &p, TABLLM_ERR_TABLE_SHAPE,
                            "column-major order needs a square table, this one has 2 rows and 3 "
                            "columns");
    tl_table_destroy(t);
    t = make_table(NAMES, 3, NULL, 0);
    p = tp_params(0);
    assert_encode_fails(tl_encode_tp_html, t, &p, TABLLM_ERR_TABLE_SHAPE,
                        "tp-html: the table has no rows (TableProvider's code raises IndexError");
    assert_encode_fails(tl_encode_tp_latex, t, &p, TABLLM_ERR_TABLE_SHAPE, "Empty DataFrame");
    assert_encodes(tl_encode_tp_markdown, t, &p, "T\n\n\n\nThe answer is ");
    p.flags = TABLLM_ENCODE_COLUMN_MAJOR;
    assert_encode_fails(tl_encode_tp_markdown_grid, t, &p, TABLLM_ERR_TABLE_SHAPE,
                        "column-major order of a table without rows");
    assert_encodes(tl_encode_tp_nl_sep, t, &p, "T\n\n\n\nThe answer is ");
    tl_table_destroy(t);
    t = make_table(NULL, 0, NULL, 0);
    assert_encode_fails(tl_encode_tp_json, t, &p, TABLLM_ERR_TABLE_SHAPE,
                        "tp-json: the table has no columns");
    tl_table_destroy(t);
}

static void test_standard_forms(void **state)
{
    (void)state;
    const char *names[] = {"a", "b & c"};
    const char *cells[] = {"2.0", "<x>", "10", "50%_{}"};
    tabllm_table *t = make_table(names, 2, cells, 2);
    tabllm_encode_params p = default_params();
    assert_encodes(tl_encode_markdown_grid, t, &p,
                   "+-----+---------+\n|   a | b & c   |\n+=====+=========+\n| 2.0 | <x>     |\n"
                   "+-----+---------+\n|  10 | 50%_{}  |\n+-----+---------+");
    assert_encodes(tl_encode_xml, t, &p,
                   "<item>\n  <field name=\"a\">2.0</field>\n  <field name=\"b &amp; "
                   "c\">&lt;x&gt;</field>\n</item>\n<item>\n  <field name=\"a\">10</field>\n  "
                   "<field name=\"b &amp; c\">50%_{}</field>\n</item>\n");
    assert_encodes(tl_encode_latex, t, &p,
                   "\\begin{tabular}{rl}\n\\toprule\na & b \\& c \\\\\n\\midrule\n2.0 & <x> \\\\\n"
                   "10 & 50\\%\\_\\{\\} \\\\\n\\bottomrule\n\\end{tabular}\n");
    p.flags = TABLLM_ENCODE_COLUMN_MAJOR | TABLLM_ENCODE_PARTITION_MARKS;
    p.caption = "C";
    assert_encodes(tl_encode_nl_sep, t, &p, "<caption>\nC\na|2.0|10\nb & c|<x>|50%_{}\n");
    assert_encodes(tl_encode_xml, t, &p,
                   "<caption>\nC\n<column name=\"a\">\n  <value>2.0</value>\n  "
                   "<value>10</value>\n</column>\n<column name=\"b &amp; c\">\n  "
                   "<value>&lt;x&gt;</value>\n  <value>50%_{}</value>\n</column>\n");
    p.flags = TABLLM_ENCODE_GRAMMAR;
    assert_encode_fails(tl_encode_latex, t, &p, TABLLM_ERR_UNSUPPORTED, "use tp-latex");
    tl_table_destroy(t);
}

/* Every allocation of every encoder failing in turn: an out-of-memory
 * status (or success when the failure hit nothing), never a crash or leak. */
static void test_out_of_memory(void **state)
{
    (void)state;
    const char *names[] = {"id", "text", "x"};
    const char *cells[] = {"1", "a, b", "2.5", "2", NULL, "NA", "3", "\xce\xa3 \"q\"", "1e3"};
    tabllm_table *t = make_table(names, 3, cells, 3);
    tl_encoder_fn all[] = {
        tl_encode_tabula,          tl_encode_tabula_v1,       tl_encode_tabula_structured,
        tl_encode_tabula_json,     tl_encode_tabula_pdseries, tl_encode_tabula_html,
        tl_encode_tabula_html_nows, tl_encode_unipredict,     tl_encode_unipredict_rows,
        tl_encode_unipredict_labels, tl_encode_cabinet,       tl_encode_cabinet_tapex,
        tl_encode_tp_markdown,     tl_encode_tp_markdown_grid, tl_encode_tp_xml,
        tl_encode_tp_html,         tl_encode_tp_json,         tl_encode_tp_latex,
        tl_encode_tp_nl_sep,       tl_encode_markdown_grid,   tl_encode_xml,
        tl_encode_latex,           tl_encode_nl_sep,
    };
    tabllm_encode_params p = default_params();
    p.target = "id";
    p.annotation = "a";
    p.question = "q";
    p.flags = TABLLM_ENCODE_PARTITION_MARKS;
    for (size_t e = 0; e < sizeof all / sizeof *all; e++) {
        char *want;
        assert_int_equal(run_encoder(all[e], t, &p, &want), TABLLM_OK);
        for (unsigned long n = 1; n < 10000; n++) {
            char *out;
            tl_alloc_fail_after(n);
            tabllm_status st = run_encoder(all[e], t, &p, &out);
            tl_alloc_fail_after(0);
            if (st == TABLLM_OK) {
                /* a failure nobody noticed would show as other text */
                assert_string_equal(out, want);
                tl_free(out);
                break;
            }
            tl_free(out);
            if (st != TABLLM_ERR_OUT_OF_MEMORY)
                fail_msg("encoder %zu, allocation %lu: status %d (%s)", e, n, (int)st,
                         tabllm_last_error());
        }
        tl_free(want);
    }
    tl_table_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tabula_v2),          cmocka_unit_test(test_tabula_dict_forms),
        cmocka_unit_test(test_tabula_derived_labels), cmocka_unit_test(test_tabula_errors),
        cmocka_unit_test(test_unipredict),         cmocka_unit_test(test_unipredict_numeric),
        cmocka_unit_test(test_cabinet),            cmocka_unit_test(test_tp_markdown),
        cmocka_unit_test(test_tp_other_formats),   cmocka_unit_test(test_tp_errors),
        cmocka_unit_test(test_standard_forms),     cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
