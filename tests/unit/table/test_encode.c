/* The generic encoders, against golden strings, and the checks
 * tabllm_table_encode makes before encoding. */
#include "table/encode.h"
#include "table_test.h"

static tabllm_table *sample(void)
{
    const char *names[] = {"id", "name|x", "note"};
    tabllm_table *t;
    assert_ok(tabllm_table_new(names, 3, &t));
    const char *rows[][3] = {
        {"1", "Ann", "say \"hi\", ok"},
        {"+2", "B<o>b & 'co'", "two\nlines"},
        {"1.50", "", NULL},
    };
    for (size_t r = 0; r < 3; r++)
        assert_ok(tabllm_table_append_row(t, rows[r], 3));
    return t;
}

static char *encode(const tabllm_table *t, const tabllm_encode_params *p)
{
    char *out = NULL;
    size_t len = 0;
    tabllm_status st = tabllm_table_encode(t, p, &out, &len);
    if (st != TABLLM_OK)
        fail_msg("encode failed: %s", tabllm_last_error());
    assert_int_equal(strlen(out), len);
    return out;
}

static void check(const tabllm_table *t, tabllm_encoding e, uint32_t flags, const char *expected)
{
    tabllm_encode_params p;
    tabllm_encode_params_init(&p, sizeof p);
    p.encoding = e;
    p.flags = flags;
    char *out = encode(t, &p);
    if (strcmp(out, expected) != 0)
        fail_msg("%s gave\n[%s]\nexpected\n[%s]", tabllm_encoding_name(e), out, expected);
    tabllm_free(out);
}

static void test_csv_tsv(void **state)
{
    (void)state;
    tabllm_table *t = sample();
    check(t, TABLLM_ENCODING_CSV, 0,
          "id,name|x,note\n"
          "1,Ann,\"say \"\"hi\"\", ok\"\n"
          "+2,B<o>b & 'co',\"two\nlines\"\n"
          "1.50,,\n");
    check(t, TABLLM_ENCODING_CSV, TABLLM_ENCODE_NO_HEADER, "1,Ann,\"say \"\"hi\"\", ok\"\n"
                                                           "+2,B<o>b & 'co',\"two\nlines\"\n"
                                                           "1.50,,\n");
    check(t, TABLLM_ENCODING_TSV, 0,
          "id\tname|x\tnote\n"
          "1\tAnn\t\"say \"\"hi\"\", ok\"\n"
          "+2\tB<o>b & 'co'\t\"two\nlines\"\n"
          "1.50\t\t\n");
    tabllm_table_free(t);
    /* one column: an empty field is written "" so the line is not blank */
    const char *name = "only";
    assert_ok(tabllm_table_new(&name, 1, &t));
    const char *empty = "";
    assert_ok(tabllm_table_append_row(t, &empty, 1));
    check(t, TABLLM_ENCODING_CSV, 0, "only\n\"\"\n");
    tabllm_table_free(t);
}

static void test_markdown(void **state)
{
    (void)state;
    tabllm_table *t = sample();
    check(t, TABLLM_ENCODING_MARKDOWN, 0,
          "| id | name\\|x | note |\n"
          "| --- | --- | --- |\n"
          "| 1 | Ann | say \"hi\", ok |\n"
          "| +2 | B<o>b & 'co' | two<br>lines |\n"
          "| 1.50 |  |  |\n");
    tabllm_table_free(t);
}

static void test_html(void **state)
{
    (void)state;
    tabllm_table *t = sample();
    check(t, TABLLM_ENCODING_HTML, 0,
          "<table>\n<thead>\n"
          "<tr><th>id</th><th>name|x</th><th>note</th></tr>\n"
          "</thead>\n<tbody>\n"
          "<tr><td>1</td><td>Ann</td><td>say &quot;hi&quot;, ok</td></tr>\n"
          "<tr><td>+2</td><td>B&lt;o&gt;b &amp; &#x27;co&#x27;</td><td>two<br>lines</td></tr>\n"
          "<tr><td>1.50</td><td></td><td></td></tr>\n"
          "</tbody>\n</table>\n");
    check(t, TABLLM_ENCODING_HTML, TABLLM_ENCODE_NO_HEADER,
          "<table>\n<tbody>\n"
          "<tr><td>1</td><td>Ann</td><td>say &quot;hi&quot;, ok</td></tr>\n"
          "<tr><td>+2</td><td>B&lt;o&gt;b &amp; &#x27;co&#x27;</td><td>two<br>lines</td></tr>\n"
          "<tr><td>1.50</td><td></td><td></td></tr>\n"
          "</tbody>\n</table>\n");
    tabllm_table_free(t);
}

static void test_json(void **state)
{
    (void)state;
    tabllm_table *t = sample();
    check(t, TABLLM_ENCODING_JSON, 0,
          "[{\"id\": 1, \"name|x\": \"Ann\", \"note\": \"say \\\"hi\\\", ok\"}, "
          "{\"id\": \"+2\", \"name|x\": \"B<o>b & 'co'\", \"note\": \"two\\nlines\"}, "
          "{\"id\": 1.50, \"name|x\": null, \"note\": null}]");
    tabllm_encode_params p;
    tabllm_encode_params_init(&p, sizeof p);
    p.encoding = TABLLM_ENCODING_JSON;
    p.json_orient = TABLLM_JSON_SPLIT;
    char *out = encode(t, &p);
    assert_string_equal(out, "{\"columns\": [\"id\", \"name|x\", \"note\"], \"data\": "
                             "[[1, \"Ann\", \"say \\\"hi\\\", ok\"], "
                             "[\"+2\", \"B<o>b & 'co'\", \"two\\nlines\"], [1.50, null, null]]}");
    tabllm_free(out);
    tabllm_table_free(t);

    /* types: booleans, numbers as written, texts that only look like
     * numbers, control characters */
    const char *names[] = {"v"};
    assert_ok(tabllm_table_new(names, 1, &t));
    const char *cells[] = {"TRUE", "-0.0e5", "nan", "007", "1.", "tab\there\x01", "\xC3\xA9"};
    for (size_t i = 0; i < 7; i++)
        assert_ok(tabllm_table_append_row(t, &cells[i], 1));
    out = encode(t, &p);
    assert_string_equal(out, "{\"columns\": [\"v\"], \"data\": [[true], [-0.0e5], [\"nan\"], "
                             "[\"007\"], [\"1.\"], [\"tab\\there\\u0001\"], [\"\xC3\xA9\"]]}");
    tabllm_free(out);
    tabllm_table_free(t);
}

static void test_key_value(void **state)
{
    (void)state;
    tabllm_table *t = sample();
    check(t, TABLLM_ENCODING_KEY_VALUE, 0,
          "id: 1\nname|x: Ann\nnote: say \"hi\", ok\n\n"
          "id: +2\nname|x: B<o>b & 'co'\nnote: two\nlines\n\n"
          "id: 1.50\nname|x: \nnote: \n");
    tabllm_table_free(t);
}

static tabllm_status template_status(const tabllm_table *t, const char *tmpl, int64_t row,
                                     char **out)
{
    tabllm_encode_params p;
    tabllm_encode_params_init(&p, sizeof p);
    p.encoding = TABLLM_ENCODING_TEMPLATE;
    p.template_text = tmpl;
    p.row = row;
    return tabllm_table_encode(t, &p, out, NULL);
}

static void test_template(void **state)
{
    (void)state;
    tabllm_table *t = sample();
    char *out;
    assert_ok(template_status(t, "{{{id}}}: {name|x} ({note})", -1, &out));
    assert_string_equal(out, "{1}: Ann (say \"hi\", ok)\n{+2}: B<o>b & 'co' (two\nlines)\n"
                             "{1.50}:  ()\n");
    tabllm_free(out);
    assert_ok(template_status(t, "row {id}", 1, &out));
    assert_string_equal(out, "row +2");
    tabllm_free(out);
    assert_ok(template_status(t, "", -1, &out));
    assert_string_equal(out, "\n\n\n");
    tabllm_free(out);
    assert_status(template_status(t, "x {nope} y", -1, &out), TABLLM_ERR_NOT_FOUND,
                  "template: no column named 'nope' (placeholder at byte 2)");
    assert_null(out);
    assert_status(template_status(t, "a } b", -1, &out), TABLLM_ERR_INVALID_ARGUMENT,
                  "single '}' at byte 2");
    assert_status(template_status(t, "a {id", -1, &out), TABLLM_ERR_INVALID_ARGUMENT,
                  "'{' at byte 2 is not closed");
    assert_status(template_status(t, "{a{id}", -1, &out), TABLLM_ERR_INVALID_ARGUMENT,
                  "'{' at byte 0 is not closed");
    assert_status(template_status(t, NULL, -1, &out), TABLLM_ERR_INVALID_ARGUMENT,
                  "template_text is NULL");
    assert_status(template_status(t, "x", 3, &out), TABLLM_ERR_INVALID_ARGUMENT,
                  "row 3 is out of range: the table has 3 rows");
    /* placeholders see the selected columns only */
    tabllm_encode_params p;
    tabllm_encode_params_init(&p, sizeof p);
    p.encoding = TABLLM_ENCODING_TEMPLATE;
    p.template_text = "{note}";
    const char *cols[] = {"id"};
    p.columns = cols;
    p.n_columns = 1;
    assert_status(tabllm_table_encode(t, &p, &out, NULL), TABLLM_ERR_NOT_FOUND, "'note'");
    tabllm_table_free(t);
}

static void test_params_checks(void **state)
{
    (void)state;
    tabllm_table *t = sample();
    tabllm_encode_params p;
    char *out = (char *)1;
    assert_status(tabllm_encode_params_init(&p, 3), TABLLM_ERR_INVALID_ARGUMENT, "too small");
    assert_ok(tabllm_encode_params_init(&p, sizeof p));
    assert_int_equal(p.encoding, TABLLM_ENCODING_MARKDOWN);
    assert_int_equal(p.row, -1);
    assert_int_equal(p.anchor_k, 4);

    /* NULL params: Markdown */
    assert_ok(tabllm_table_encode(t, NULL, &out, NULL));
    assert_non_null(strstr(out, "| --- |"));
    tabllm_free(out);

    p.encoding = 999;
    assert_status(tabllm_table_encode(t, &p, &out, NULL), TABLLM_ERR_INVALID_ARGUMENT,
                  "encoding 999");
    assert_null(out);
    tabllm_encode_params_init(&p, sizeof p);
    p.flags = 0x8000;
    assert_status(tabllm_table_encode(t, &p, &out, NULL), TABLLM_ERR_INVALID_ARGUMENT,
                  "flags 0x8000");
    tabllm_encode_params_init(&p, sizeof p);
    p.target = "missing";
    assert_status(tabllm_table_encode(t, &p, &out, NULL), TABLLM_ERR_NOT_FOUND,
                  "target: no column named 'missing' (the columns are 'id', 'name|x', 'note')");
    tabllm_encode_params_init(&p, sizeof p);
    p.cells = TABLLM_CELLS_PANDAS;
    assert_status(tabllm_table_encode(t, &p, &out, NULL), TABLLM_ERR_UNSUPPORTED,
                  "markdown: the pandas cell rendering is for the paper encodings");
    tabllm_encode_params_init(&p, sizeof p);
    p.n_labels = 2;
    assert_status(tabllm_table_encode(t, &p, &out, NULL), TABLLM_ERR_INVALID_ARGUMENT,
                  "labels is NULL");
    tabllm_encode_params_init(&p, sizeof p);
    size_t rows[] = {0, 7};
    p.rows = rows;
    p.n_rows = 2;
    assert_status(tabllm_table_encode(t, &p, &out, NULL), TABLLM_ERR_INVALID_ARGUMENT,
                  "rows[1] = 7 is out of range");
    tabllm_encode_params_init(&p, sizeof p);
    p.max_tokens = 10;
    assert_status(tabllm_table_encode(t, &p, &out, NULL), TABLLM_ERR_INVALID_ARGUMENT,
                  "no count_tokens function");
    tabllm_encode_params_init(&p, sizeof p);
    p.max_columns = 1;
    assert_status(tabllm_table_encode(t, &p, &out, NULL), TABLLM_ERR_INVALID_ARGUMENT,
                  "no question");
    tabllm_encode_params_init(&p, sizeof p);
    p.row_sampling = TABLLM_ROWS_STRATIFIED;
    assert_status(tabllm_table_encode(t, &p, &out, NULL), TABLLM_ERR_INVALID_ARGUMENT,
                  "needs stratify_column");
    p.stratify_column = "zz";
    assert_status(tabllm_table_encode(t, &p, &out, NULL), TABLLM_ERR_NOT_FOUND,
                  "stratify_column: no column named 'zz'");
    tabllm_encode_params_init(&p, sizeof p);
    p.row_sampling = TABLLM_ROWS_RELEVANT;
    assert_status(tabllm_table_encode(t, &p, &out, NULL), TABLLM_ERR_INVALID_ARGUMENT,
                  "needs a question");
    tabllm_encode_params_init(&p, sizeof p);
    p.encoding = TABLLM_ENCODING_TEMPLATE;
    p.template_text = "ok \xC3(";
    assert_status(tabllm_table_encode(t, &p, &out, NULL), TABLLM_ERR_INVALID_UTF8,
                  "template_text: invalid UTF-8 at byte offset 3");
    tabllm_encode_params_init(&p, sizeof p);
    const char *labels[] = {"fine", "\xFF"};
    p.labels = labels;
    p.n_labels = 2;
    assert_status(tabllm_table_encode(t, &p, &out, NULL), TABLLM_ERR_INVALID_UTF8, "a label");
    assert_status(tabllm_table_encode(NULL, NULL, &out, NULL), TABLLM_ERR_INVALID_ARGUMENT,
                  "table is NULL");
    assert_status(tabllm_table_encode(t, NULL, NULL, NULL), TABLLM_ERR_INVALID_ARGUMENT,
                  "out is NULL");
    tabllm_table_free(t);
}

static void test_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < tl_encoder_count(); i++) {
        const tl_encoder *e = tl_encoder_at(i);
        tabllm_encoding id;
        assert_ok(tabllm_encoding_from_name(e->name, &id));
        assert_int_equal(id, e->id);
        assert_string_equal(tabllm_encoding_name(id), e->name);
        for (size_t j = 0; j < i; j++) /* names and ids are unique */
            assert_true(tl_encoder_at(j)->id != e->id &&
                        strcmp(tl_encoder_at(j)->name, e->name) != 0);
    }
    tabllm_encoding id;
    assert_status(tabllm_encoding_from_name("markdown2", &id), TABLLM_ERR_NOT_FOUND,
                  "no encoding named 'markdown2'");
    assert_null(tabllm_encoding_name((tabllm_encoding)12345));
    assert_ok(tabllm_encoding_from_name("kv", &id));
    assert_int_equal(id, TABLLM_ENCODING_KEY_VALUE);
}

/* A reader of the table and the encoders must agree on an empty table. */
static void test_empty_table(void **state)
{
    (void)state;
    const char *names[] = {"a", "b"};
    tabllm_table *t;
    assert_ok(tabllm_table_new(names, 2, &t));
    check(t, TABLLM_ENCODING_CSV, 0, "a,b\n");
    check(t, TABLLM_ENCODING_MARKDOWN, 0, "| a | b |\n| --- | --- |\n");
    check(t, TABLLM_ENCODING_JSON, 0, "[]");
    check(t, TABLLM_ENCODING_KEY_VALUE, 0, "");
    tabllm_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_tsv),        cmocka_unit_test(test_markdown),
        cmocka_unit_test(test_html),           cmocka_unit_test(test_json),
        cmocka_unit_test(test_key_value),      cmocka_unit_test(test_template),
        cmocka_unit_test(test_params_checks),  cmocka_unit_test(test_names),
        cmocka_unit_test(test_empty_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
