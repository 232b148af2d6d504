/* The zip + XML safety layer: corrupt archives, zip bombs (declared and
 * lying sizes, entry counts, budgets), bad XML, XXE, nesting depth. */
#include "xlsx_util.h"

#include "base/alloc.h"
#include "table/xlsx/xml.h"
#include "table/xlsx/zip.h"

static const tl_xlsx_limits defaults = TL_XLSX_LIMITS_DEFAULT;

static void test_not_a_zip(void **state)
{
    (void)state;
    tl_zip *z;
    assert_status(tl_zip_open("hello", 5, &defaults, &z), TABLLM_ERR_FORMAT, "not a zip");
    assert_null(z);
    char junk[200];
    memset(junk, 'x', sizeof junk);
    assert_status(tl_zip_open(junk, sizeof junk, &defaults, &z), TABLLM_ERR_FORMAT,
                  "corrupt or not a zip");
}

static void test_truncated_zip(void **state)
{
    (void)state;
    test_part parts[] = {{"a.xml", "<a>hello hello hello hello</a>", 0}};
    size_t len;
    unsigned char *zip = test_zip(parts, 1, &len);
    tl_zip *z;
    assert_status(tl_zip_open(zip, len - 10, &defaults, &z), TABLLM_ERR_FORMAT, "zip");
    /* A flipped byte in the deflated data: inflate or the CRC check fails,
     * reported with the part's name. */
    assert_ok(tl_zip_open(zip, len, &defaults, &z));
    tl_zip_close(z);
    zip[40] ^= 0x55;
    assert_ok(tl_zip_open(zip, len, &defaults, &z));
    char *data;
    size_t n;
    assert_status(tl_zip_read_all(z, "a.xml", &data, &n), TABLLM_ERR_FORMAT, "a.xml: ");
    tl_zip_close(z);
    free(zip);
}

static void test_entry_cap(void **state)
{
    (void)state;
    test_part parts[] = {{"a", "1", 0}, {"b", "2", 0}, {"c", "3", 0}, {"d", "4", 0}};
    size_t len;
    unsigned char *zip = test_zip(parts, 4, &len);
    tl_xlsx_limits lim = defaults;
    lim.max_entries = 3;
    tl_zip *z;
    assert_status(tl_zip_open(zip, len, &lim, &z), TABLLM_ERR_LIMIT_EXCEEDED,
                  "4 entries, more than the 3 allowed");
    free(zip);
}

static void test_declared_size_caps(void **state)
{
    (void)state;
    size_t big = 1u << 20;
    char *zeros = calloc(1, big + 1);
    memset(zeros, '0', big);
    test_part parts[] = {{"xl/big.xml", zeros, big}, {"xl/big2.xml", zeros, big}};
    size_t len;
    unsigned char *zip = test_zip(parts, 2, &len);
    assert_true(len < big / 50); /* a real little bomb */
    tl_xlsx_limits lim = defaults;
    lim.max_part_bytes = big - 1;
    tl_zip *z;
    assert_ok(tl_zip_open(zip, len, &lim, &z));
    tl_zip_part *p;
    assert_status(tl_zip_part_open(z, "xl/big.xml", &p), TABLLM_ERR_LIMIT_EXCEEDED,
                  "xl/big.xml: declares 1048576 bytes uncompressed, more than the 1048575");
    tl_zip_close(z);

    /* The workbook budget: the first part fits, the second does not. */
    lim = defaults;
    lim.max_total_bytes = big + big / 2;
    assert_ok(tl_zip_open(zip, len, &lim, &z));
    char *data;
    size_t n;
    assert_ok(tl_zip_read_all(z, "xl/big.xml", &data, &n));
    assert_int_equal(n, big);
    tl_free(data);
    assert_status(tl_zip_read_all(z, "xl/big2.xml", &data, &n), TABLLM_ERR_LIMIT_EXCEEDED,
                  "over the workbook's budget");
    tl_zip_close(z);
    free(zip);
    free(zeros);
}

static void test_lying_size(void **state)
{
    (void)state;
    size_t big = 100000;
    char *zeros = calloc(1, big + 1);
    memset(zeros, 'z', big);
    test_part parts[] = {{"xl/worksheets/sheet1.xml", zeros, big}};
    size_t len;
    unsigned char *zip = test_zip(parts, 1, &len);
    /* The archive now claims 1000 bytes; it inflates to 100000. */
    test_zip_patch_size(zip, len, "xl/worksheets/sheet1.xml", 1000);
    tl_zip *z;
    assert_ok(tl_zip_open(zip, len, &defaults, &z));
    char *data;
    size_t n;
    assert_status(tl_zip_read_all(z, "xl/worksheets/sheet1.xml", &data, &n), TABLLM_ERR_FORMAT,
                  "xl/worksheets/sheet1.xml: ");
    assert_null(data);
    tl_zip_close(z);
    free(zip);
    free(zeros);
}

static void test_missing_part(void **state)
{
    (void)state;
    test_part parts[] = {{"a.xml", "<a/>", 0}};
    size_t len;
    unsigned char *zip = test_zip(parts, 1, &len);
    tl_zip *z;
    assert_ok(tl_zip_open(zip, len, &defaults, &z));
    assert_true(tl_zip_has(z, "A.XML")); /* OPC names are case-insensitive */
    tl_xml x;
    assert_status(tl_xml_open(&x, z, "xl/workbook.xml", &defaults), TABLLM_ERR_FORMAT,
                  "missing part xl/workbook.xml");
    tl_zip_close(z);
    free(zip);
}

/* Walks a part to its end and returns the status, counting elements. */
static tabllm_status walk(const char *xml, const tl_xlsx_limits *lim, int *elements)
{
    test_part parts[] = {{"xl/p.xml", xml, 0}};
    size_t len;
    unsigned char *zip = test_zip(parts, 1, &len);
    tl_zip *z;
    tabllm_status st = tl_zip_open(zip, len, lim, &z);
    assert_int_equal(st, TABLLM_OK);
    tl_xml x;
    st = tl_xml_open(&x, z, "xl/p.xml", lim);
    assert_int_equal(st, TABLLM_OK);
    int rc;
    *elements = 0;
    while ((rc = tl_xml_next(&x)) == 1)
        if (tl_xml_type(&x) == TL_XML_ELEMENT)
            (*elements)++;
    st = rc < 0 ? x.status : TABLLM_OK;
    tl_xml_close(&x);
    tl_zip_close(z);
    free(zip);
    return st;
}

static void test_xml_ok_and_bad(void **state)
{
    (void)state;
    int n;
    assert_ok(walk("<?xml version=\"1.0\"?>\n<a><b x=\"1\"/><c>t</c></a>", &defaults, &n));
    assert_int_equal(n, 3);
    assert_status(walk("<a>\n<b>\n</a>", &defaults, &n), TABLLM_ERR_FORMAT, "xl/p.xml:3");
    assert_status(walk("", &defaults, &n), TABLLM_ERR_FORMAT, "xl/p.xml");
}

static void test_xxe_refused(void **state)
{
    (void)state;
    int n;
    assert_status(walk("<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY e SYSTEM "
                       "\"file:///etc/passwd\">]>\n<a>&e;</a>",
                       &defaults, &n),
                  TABLLM_ERR_FORMAT, "DOCTYPE is not allowed");
    /* An entity expansion bomb is refused at its DOCTYPE too. */
    assert_status(walk("<!DOCTYPE a [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;\">]>"
                       "<a>&b;&b;&b;</a>",
                       &defaults, &n),
                  TABLLM_ERR_FORMAT, "DOCTYPE");
    /* An undeclared entity is a plain XML error. */
    assert_status(walk("<a>&e;</a>", &defaults, &n), TABLLM_ERR_FORMAT, "xl/p.xml:1");
}

static void test_depth_cap(void **state)
{
    (void)state;
    char xml[4096] = "";
    for (int i = 0; i < 100; i++)
        strcat(xml, "<a>");
    for (int i = 0; i < 100; i++)
        strcat(xml, "</a>");
    int n;
    assert_status(walk(xml, &defaults, &n), TABLLM_ERR_LIMIT_EXCEEDED,
                  "nest deeper than 64 levels");
}

static void test_attrs(void **state)
{
    (void)state;
    test_part parts[] = {{"p.xml",
                          "<a xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/"
                          "relationships\" name=\"x&amp;y\" r:id=\"rId7\" id=\"plain\"/>",
                          0}};
    size_t len;
    unsigned char *zip = test_zip(parts, 1, &len);
    tl_zip *z;
    assert_ok(tl_zip_open(zip, len, &defaults, &z));
    tl_xml x;
    assert_ok(tl_xml_open(&x, z, "p.xml", &defaults));
    assert_int_equal(tl_xml_next(&x), 1);
    const char *names[] = {"name", "id", "missing"};
    const char *v[3];
    assert_ok(tl_xml_attrs(&x, names, 3, v, NULL));
    assert_string_equal(v[0], "x&y");
    assert_string_equal(v[1], "plain");
    assert_null(v[2]);
    const char *rid[1];
    assert_ok(tl_xml_attrs(&x, names + 1, 1, rid, "relationships"));
    assert_string_equal(rid[0], "rId7");
    tl_xml_close(&x);
    tl_zip_close(z);
    free(zip);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_a_zip),     cmocka_unit_test(test_truncated_zip),
        cmocka_unit_test(test_entry_cap),     cmocka_unit_test(test_declared_size_caps),
        cmocka_unit_test(test_lying_size),    cmocka_unit_test(test_missing_part),
        cmocka_unit_test(test_xml_ok_and_bad), cmocka_unit_test(test_xxe_refused),
        cmocka_unit_test(test_depth_cap),     cmocka_unit_test(test_attrs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
