/* Reading workbooks: values of every cell type, shared and inline strings,
 * styles and number formats, dates in both systems, merged cells, the used
 * range, sheet choice, and the error paths with their messages. */
#include "xlsx_util.h"

#include "base/alloc.h"
#include "base/file.h"
#include "table/sheet.h"
#include "table/xlsx/xlsx.h"

static tabllm_table *read_ok(const char *sheet, const char *sst, const char *styles,
                             const char *workbook, uint32_t flags)
{
    size_t len;
    unsigned char *zip = test_workbook(sheet, sst, styles, workbook, &len);
    tabllm_table_read_params p = {.struct_size = sizeof p, .flags = flags,
                                  .max_input_bytes = 1u << 30, .max_cells = 1u << 24,
                                  .max_columns = 65536, .max_field_bytes = 1u << 20};
    tabllm_table *t = NULL;
    assert_ok(tl_xlsx_read(zip, len, &p, &t));
    free(zip);
    return t;
}

static tabllm_status read_status(const char *sheet, const char *sst, const char *styles,
                                 const char *workbook, const tabllm_table_read_params *p)
{
    size_t len;
    unsigned char *zip = test_workbook(sheet, sst, styles, workbook, &len);
    tabllm_table *t = (tabllm_table *)1;
    tabllm_status st = tl_xlsx_read(zip, len, p, &t);
    if (st != TABLLM_OK)
        assert_null(t);
    tl_table_destroy(st == TABLLM_OK ? t : NULL);
    free(zip);
    return st;
}

static const char *text(const tabllm_table *t, size_t r, size_t c)
{
    return tl_table_cell(t, r, c)->text;
}

#define SST_BASIC                                                                            \
    TEST_SST("<si><t>Name</t></si><si><t>Value</t></si>"                                     \
             "<si><r><rPr><b/></rPr><t>Rich</t></r><r><t xml:space=\"preserve\"> text</t></r>" \
             "<rPh sb=\"0\" eb=\"1\"><t>PHONETIC</t></rPh></si>"                             \
             "<si><t>line_x000D_break _x005F_x000D_</t></si><si><t/></si>")

#define STYLES_BASIC                                                                         \
    TEST_STYLES("<numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd\"/>"  \
                "</numFmts><cellStyleXfs><xf numFmtId=\"10\"/></cellStyleXfs>"               \
                "<cellXfs count=\"4\"><xf numFmtId=\"0\"/><xf numFmtId=\"164\"/>"            \
                "<xf numFmtId=\"10\"/><xf numFmtId=\"4\"/></cellXfs>")

static void test_values(void **state)
{
    (void)state;
    tabllm_table *t = read_ok(
        TEST_SHEET("<dimension ref=\"A1:B9\"/><sheetData>"
                   "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row>"
                   "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>2</v></c><c r=\"B2\"><v>42</v></c></row>"
                   "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>3</v></c><c r=\"B3\" s=\"1\"><v>45292</v></c></row>"
                   "<row r=\"4\"><c r=\"A4\" t=\"inlineStr\"><is><t>inline</t></is></c>"
                   "<c r=\"B4\" s=\"2\"><v>0.256</v></c></row>"
                   "<row r=\"5\"><c r=\"A5\" t=\"b\"><v>1</v></c><c r=\"B5\" t=\"e\"><v>#N/A</v></c></row>"
                   "<row r=\"6\"><c r=\"A6\" t=\"str\"><f>UPPER(\"x\")</f><v>X</v></c>"
                   "<c r=\"B6\" s=\"3\"><f>SUM(B2:B2)*1000.5</f><v>42021</v></c></row>"
                   "<row r=\"7\"><c r=\"A7\" t=\"d\" s=\"1\"><v>2024-02-29T00:00:00</v></c>"
                   "<c r=\"B7\" t=\"s\"><v>4</v></c></row>"
                   "<row r=\"8\"><c r=\"A8\" t=\"s\"><v>1</v></c><c r=\"B8\"><v>0.30000000000000004</v></c></row>"
                   "<row r=\"9\"><c r=\"A9\" t=\"s\"><v>1</v></c><c r=\"B9\" t=\"b\"><v>0</v></c></row>"
                   "</sheetData>"),
        SST_BASIC, STYLES_BASIC, NULL, 0);
    assert_int_equal(t->n_cols, 2);
    assert_int_equal(t->n_rows, 8);
    assert_string_equal(t->header[0].text, "Name");
    assert_string_equal(t->header[1].text, "Value");
    assert_string_equal(text(t, 0, 0), "Rich text"); /* runs joined, phonetic left out */
    assert_string_equal(text(t, 0, 1), "42");
    assert_int_equal(tl_table_cell(t, 0, 1)->type, TL_CELL_INT);
    assert_string_equal(text(t, 1, 0), "line\rbreak _x000D_");
    assert_string_equal(text(t, 1, 1), "2024-01-01");
    assert_int_equal(tl_table_cell(t, 1, 1)->type, TL_CELL_TEXT);
    assert_string_equal(text(t, 2, 0), "inline");
    assert_string_equal(text(t, 2, 1), "25.60%");
    assert_int_equal(tl_table_cell(t, 2, 1)->type, TL_CELL_FLOAT);
    assert_true(tl_table_cell(t, 2, 1)->value.f == 0.256);
    assert_string_equal(text(t, 3, 0), "TRUE");
    assert_int_equal(tl_table_cell(t, 3, 0)->type, TL_CELL_BOOL);
    assert_string_equal(text(t, 3, 1), "#N/A");
    assert_string_equal(text(t, 4, 0), "X");
    assert_string_equal(text(t, 4, 1), "42,021.00");
    assert_string_equal(text(t, 5, 0), "2024-02-29");
    assert_string_equal(text(t, 5, 1), ""); /* an empty shared string is an empty cell */
    assert_int_equal(tl_table_cell(t, 5, 1)->type, TL_CELL_NULL);
    assert_string_equal(text(t, 6, 1), "0.3");
    assert_string_equal(text(t, 7, 1), "FALSE");

    const tl_sheet *s = t->sheet;
    assert_non_null(s);
    assert_string_equal(s->name, "Data");
    assert_int_equal(s->origin_row, 0);
    assert_int_equal(s->n_rows, 9);
    const tl_sheet_cell *c = tl_sheet_at(s, 2, 1);
    assert_string_equal(c->raw, "45292");
    assert_string_equal(s->formats[c->format], "yyyy-mm-dd");
    assert_int_equal(c->category, TL_CAT_DATE);
    assert_int_equal(tl_sheet_at(s, 3, 1)->category, TL_CAT_PERCENTAGE);
    assert_int_equal(tl_sheet_at(s, 1, 1)->category, TL_CAT_INTEGER);
    assert_int_equal(tl_sheet_at(s, 5, 1)->category, TL_CAT_DECIMAL);
    assert_int_equal(tl_sheet_at(s, 4, 0)->category, TL_CAT_BOOL);
    assert_int_equal(tl_sheet_at(s, 4, 1)->category, TL_CAT_ERROR);
    assert_int_equal(tl_sheet_at(s, 6, 0)->kind, TL_SHEET_ISODATE);
    assert_string_equal(tl_sheet_at(s, 6, 0)->raw, "2024-02-29T00:00:00");
    assert_true(s->has_declared_dimension);
    tl_table_destroy(t);
}

static void test_used_range_and_empties(void **state)
{
    (void)state;
    /* Values at C3, E3 and C6: the range is C3:E6, with row 4-5 and column D
     * empty but kept. */
    tabllm_table *t = read_ok(
        TEST_SHEET("<dimension ref=\"A1:XFD1048576\"/><sheetData>"
                   "<row r=\"2\"><c r=\"A2\" s=\"0\"/></row>"
                   "<row r=\"3\"><c r=\"C3\"><v>1</v></c><c r=\"E3\"><v>2</v></c></row>"
                   "<row r=\"6\"><c r=\"C6\"><v>3</v></c></row></sheetData>"),
        NULL, NULL, NULL, TABLLM_READ_NO_HEADER);
    assert_int_equal(t->n_cols, 3);
    assert_int_equal(t->n_rows, 4);
    assert_false(t->has_header);
    assert_int_equal(t->sheet->origin_row, 2);
    assert_int_equal(t->sheet->origin_col, 2);
    assert_string_equal(text(t, 0, 0), "1");
    assert_string_equal(text(t, 0, 1), "");
    assert_string_equal(text(t, 0, 2), "2");
    assert_string_equal(text(t, 1, 0), "");
    assert_string_equal(text(t, 3, 0), "3");
    tl_table_destroy(t);
}

static void test_implicit_positions_and_order(void **state)
{
    (void)state;
    /* Rows and cells without r follow the previous ones; out-of-order cells
     * are sorted and the later of two at one address wins. */
    tabllm_table *t = read_ok(TEST_SHEET("<sheetData><row><c><v>1</v></c><c><v>2</v></c></row>"
                                         "<row><c r=\"B2\"><v>4</v></c><c r=\"A2\"><v>3</v></c>"
                                         "<c r=\"B2\"><v>5</v></c></row></sheetData>"),
                              NULL, NULL, NULL, TABLLM_READ_NO_HEADER);
    assert_int_equal(t->n_rows, 2);
    assert_string_equal(text(t, 0, 1), "2");
    assert_string_equal(text(t, 1, 0), "3");
    assert_string_equal(text(t, 1, 1), "5");
    tl_table_destroy(t);
}

static void test_merged(void **state)
{
    (void)state;
    tabllm_table *t = read_ok(TEST_SHEET("<sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\">"
                                         "<is><t>Title</t></is></c></row>"
                                         "<row r=\"2\"><c r=\"A2\"><v>1</v></c></row></sheetData>"
                                         "<mergeCells count=\"1\"><mergeCell ref=\"A1:C1\"/>"
                                         "</mergeCells>"),
                              NULL, NULL, NULL, 0);
    assert_int_equal(t->n_cols, 3); /* the merged range widens the used range */
    assert_string_equal(t->header[0].text, "Title");
    assert_string_equal(t->header[1].text, "Unnamed: 1");
    assert_int_equal(t->sheet->n_merged, 1);
    assert_false(tl_sheet_at(t->sheet, 0, 0)->merged);
    assert_true(tl_sheet_at(t->sheet, 0, 1)->merged);
    assert_true(tl_sheet_at(t->sheet, 0, 2)->merged);
    assert_false(tl_sheet_at(t->sheet, 1, 1)->merged);
    tl_table_destroy(t);
}

static void test_date1904_and_duplicates(void **state)
{
    (void)state;
    tabllm_table *t = read_ok(TEST_SHEET("<sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\">"
                                         "<is><t>d</t></is></c><c r=\"B1\" t=\"inlineStr\">"
                                         "<is><t>d</t></is></c><c r=\"C1\" t=\"inlineStr\">"
                                         "<is><t>d</t></is></c></row><row r=\"2\">"
                                         "<c r=\"A2\" s=\"1\"><v>43830</v></c></row></sheetData>"),
                              NULL, STYLES_BASIC, TEST_WORKBOOK("<workbookPr date1904=\"1\"/>"), 0);
    assert_true(t->sheet->date1904);
    assert_string_equal(text(t, 0, 0), "2024-01-01");
    assert_string_equal(t->header[1].text, "d.1");
    assert_string_equal(t->header[2].text, "d.2");
    tl_table_destroy(t);
}

static void test_empty_sheet(void **state)
{
    (void)state;
    tabllm_table *t = read_ok(TEST_SHEET("<sheetData/>"), NULL, NULL, NULL, 0);
    assert_int_equal(t->n_cols, 0);
    assert_int_equal(t->n_rows, 0);
    assert_non_null(t->sheet);
    tl_table_destroy(t);
}

static tabllm_table_read_params params(void)
{
    return (tabllm_table_read_params){.struct_size = sizeof(tabllm_table_read_params),
                                      .max_input_bytes = 1u << 30, .max_cells = 1u << 24,
                                      .max_columns = 65536, .max_field_bytes = 1u << 20};
}

static void test_sheet_choice(void **state)
{
    (void)state;
    const char *wb2 =
        "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/"
        "2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/"
        "relationships\"><sheets><sheet name=\"Data\" sheetId=\"1\" r:id=\"rId1\"/>"
        "<sheet name=\"Chart\" sheetId=\"2\" r:id=\"rId9\"/></sheets></workbook>";
    tabllm_table_read_params p = params();
    p.sheet_name = "nope";
    assert_status(read_status(TEST_SHEET("<sheetData/>"), NULL, NULL, wb2, &p),
                  TABLLM_ERR_NOT_FOUND, "no sheet named 'nope'; the workbook has 'Data', 'Chart'");
    p.sheet_name = "data";
    assert_ok(read_status(TEST_SHEET("<sheetData/>"), NULL, NULL, wb2, &p));
    p.sheet_name = NULL;
    p.sheet_index = 2;
    assert_status(read_status(TEST_SHEET("<sheetData/>"), NULL, NULL, wb2, &p),
                  TABLLM_ERR_NOT_FOUND, "no sheet at index 2; the workbook has 2 sheets");
    p.sheet_index = 1;
    assert_status(read_status(TEST_SHEET("<sheetData/>"), NULL, NULL, wb2, &p),
                  TABLLM_ERR_UNSUPPORTED, "sheet 'Chart' is a sheet of another kind");

    size_t len;
    unsigned char *zip = test_workbook(TEST_SHEET("<sheetData/>"), NULL, NULL, wb2, &len);
    const tl_xlsx_limits lim = TL_XLSX_LIMITS_DEFAULT;
    char **names;
    size_t n;
    assert_ok(tl_xlsx_sheet_names(zip, len, &lim, &names, &n));
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "Data");
    assert_string_equal(names[1], "Chart");
    assert_null(names[2]);
    tl_free(names);
    free(zip);
}

static void test_errors(void **state)
{
    (void)state;
    tabllm_table_read_params p = params();
    assert_status(read_status(TEST_SHEET("<sheetData>\n<row r=\"1\">\n<c r=\"A1\" t=\"s\"><v>5</v>"
                                         "</c></row></sheetData>"),
                              SST_BASIC, NULL, NULL, &p),
                  TABLLM_ERR_FORMAT,
                  "xl/worksheets/sheet1.xml:3: cell A1 refers to shared string 5, but there are 5");
    assert_status(read_status(TEST_SHEET("<sheetData><row><c r=\"A1\" s=\"9\"><v>1</v></c>"
                                         "</row></sheetData>"),
                              NULL, STYLES_BASIC, NULL, &p),
                  TABLLM_ERR_FORMAT, "cell A1 uses cell format 9, but styles.xml has 4");
    assert_status(read_status(TEST_SHEET("<sheetData><row><c r=\"A1\"><v>12abc</v></c>"
                                         "</row></sheetData>"),
                              NULL, NULL, NULL, &p),
                  TABLLM_ERR_FORMAT, "cell A1: \"12abc\" is not a number");
    assert_status(read_status(TEST_SHEET("<sheetData><row><c r=\"A1\" t=\"q\"><v>1</v></c>"
                                         "</row></sheetData>"),
                              NULL, NULL, NULL, &p),
                  TABLLM_ERR_FORMAT, "unknown cell type t=\"q\"");
    assert_status(read_status(TEST_SHEET("<sheetData><row><c r=\"ZZZZ1\"><v>1</v></c>"
                                         "</row></sheetData>"),
                              NULL, NULL, NULL, &p),
                  TABLLM_ERR_FORMAT, "<c r=\"ZZZZ1\"> is not a cell");
    assert_status(read_status(TEST_SHEET("<dimension ref=\"B9:A1\"/><sheetData/>"), NULL, NULL,
                              NULL, &p),
                  TABLLM_ERR_FORMAT, "<dimension ref=\"B9:A1\">");
    assert_status(read_status(TEST_SHEET("<sheetData><row><c r=\"A1\"><v>1</c></row>"
                                         "</sheetData>"),
                              NULL, NULL, NULL, &p),
                  TABLLM_ERR_FORMAT, "xl/worksheets/sheet1.xml:1:");
    assert_status(read_status("<?xml version=\"1.0\"?>\n<!DOCTYPE w [<!ENTITY x SYSTEM "
                              "\"file:///etc/passwd\">]>\n<worksheet><sheetData><row><c "
                              "t=\"inlineStr\"><is><t>&x;</t></is></c></row></sheetData>"
                              "</worksheet>",
                              NULL, NULL, NULL, &p),
                  TABLLM_ERR_FORMAT, "a DOCTYPE is not allowed");
    assert_non_null(strstr(tabllm_last_error(), "xl/worksheets/sheet1.xml:"));
    assert_status(read_status(TEST_SHEET("<sheetData/><mergeCells><mergeCell ref=\"A1:C3\"/>"
                                         "<mergeCell ref=\"B2:D4\"/></mergeCells>"),
                              NULL, NULL, NULL, &p),
                  TABLLM_ERR_FORMAT, "merged range B2:D4 overlaps others");
}

static void test_huge_ranges(void **state)
{
    (void)state;
    tabllm_table_read_params p = params();
    /* Two values at opposite corners of the sheet: refused before the grid
     * is allocated. */
    assert_status(read_status(TEST_SHEET("<sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row>"
                                         "<row r=\"1048576\"><c r=\"XFD1048576\"><v>2</v></c>"
                                         "</row></sheetData>"),
                              NULL, NULL, NULL, &p),
                  TABLLM_ERR_LIMIT_EXCEEDED,
                  "sheet 'Data': the used range A1:XFD1048576 has 17179869184 cells");
    /* Within max_cells, but absurdly sparse. */
    p.max_cells = 1ull << 40;
    assert_status(read_status(TEST_SHEET("<sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row>"
                                         "<row r=\"1048576\"><c r=\"CV1048576\"><v>2</v></c>"
                                         "</row></sheetData>"),
                              NULL, NULL, NULL, &p),
                  TABLLM_ERR_LIMIT_EXCEEDED, "refusing so sparse a grid");
    p = params();
    p.max_columns = 3;
    assert_status(read_status(TEST_SHEET("<sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c>"
                                         "<c r=\"D1\"><v>1</v></c></row></sheetData>"),
                              NULL, NULL, NULL, &p),
                  TABLLM_ERR_LIMIT_EXCEEDED, "4 columns, more than the 3 allowed");
    p = params();
    p.max_cells = 2;
    assert_status(read_status(TEST_SHEET("<sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c>"
                                         "<c r=\"B1\"><v>1</v></c><c r=\"C1\"><v>1</v></c></row>"
                                         "</sheetData>"),
                              NULL, NULL, NULL, &p),
                  TABLLM_ERR_LIMIT_EXCEEDED, "more than 2 cells");
}

static void test_missing_parts(void **state)
{
    (void)state;
    test_part parts[] = {{"[Content_Types].xml", TEST_CT, 0}, {"_rels/.rels", TEST_ROOT_RELS, 0}};
    size_t len;
    unsigned char *zip = test_zip(parts, 2, &len);
    tabllm_table *t;
    assert_status(tl_xlsx_read(zip, len, NULL, &t), TABLLM_ERR_FORMAT,
                  "missing part xl/workbook.xml");
    free(zip);
    /* The workbook names a sheet part that is not in the archive. */
    test_part parts2[] = {{"_rels/.rels", TEST_ROOT_RELS, 0},
                          {"xl/_rels/workbook.xml.rels", TEST_WB_RELS, 0},
                          {"xl/workbook.xml", TEST_WORKBOOK(""), 0}};
    zip = test_zip(parts2, 3, &len);
    assert_status(tl_xlsx_read(zip, len, NULL, &t), TABLLM_ERR_FORMAT,
                  "missing part xl/worksheets/sheet1.xml");
    free(zip);
    assert_status(tl_xlsx_read("PK\x03\x04garbage-garbage-garbage", 28, NULL, &t),
                  TABLLM_ERR_FORMAT, "zip");
}

/* Every allocation of a read (and of the encodings) can fail; each failure
 * must come back as TABLLM_ERR_OUT_OF_MEMORY, with nothing leaked (the
 * sanitizer and valgrind runs check that). */
static void test_out_of_memory_everywhere(void **state)
{
    (void)state;
    char *path = test_data_path("xlsx/libreoffice-report.xlsx");
    char *data;
    size_t len;
    assert_ok(tl_file_read(path, 1u << 20, &data, &len));
    free(path);
    unsigned long n;
    for (n = 1; n < 100000; n++) {
        tabllm_table *t;
        tl_alloc_fail_after(n);
        tabllm_status st = tl_xlsx_read(data, len, NULL, &t);
        tl_alloc_fail_after(0);
        if (st == TABLLM_OK) {
            tl_table_destroy(t);
            break;
        }
        if (st != TABLLM_ERR_OUT_OF_MEMORY)
            fail_msg("allocation %lu failed: status %d (%s)", n, (int)st, tabllm_last_error());
        assert_null(t);
    }
    assert_true(n > 20 && n < 100000);
    tl_free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_used_range_and_empties),
        cmocka_unit_test(test_implicit_positions_and_order),
        cmocka_unit_test(test_merged),
        cmocka_unit_test(test_date1904_and_duplicates),
        cmocka_unit_test(test_empty_sheet),
        cmocka_unit_test(test_sheet_choice),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_huge_ranges),
        cmocka_unit_test(test_missing_parts),
        cmocka_unit_test(test_out_of_memory_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
