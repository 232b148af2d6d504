/* Builds small .xlsx archives in memory for the XLSX tests, with libzip. */
#ifndef TABLLM_TEST_XLSX_UTIL_H
#define TABLLM_TEST_XLSX_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "test_util.h"

typedef struct test_part {
    const char *name;
    const char *data; /* NUL-terminated unless len is given */
    size_t len;       /* 0: strlen(data) */
} test_part;

/* A zip of `n` parts, each deflated; caller frees the bytes with free(). */
static inline unsigned char *test_zip(const test_part *parts, size_t n, size_t *out_len)
{
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &err);
    if (src == NULL)
        fail_msg("zip_source_buffer_create");
    zip_source_keep(src);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
    if (za == NULL)
        fail_msg("zip_open_from_source: %s", zip_error_strerror(&err));
    for (size_t i = 0; i < n; i++) {
        size_t len = parts[i].len ? parts[i].len : strlen(parts[i].data);
        zip_source_t *s = zip_source_buffer(za, parts[i].data, len, 0);
        zip_int64_t idx = zip_file_add(za, parts[i].name, s, ZIP_FL_OVERWRITE);
        if (idx < 0)
            fail_msg("zip_file_add %s", parts[i].name);
        zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 9);
    }
    if (zip_close(za) != 0)
        fail_msg("zip_close");
    zip_stat_t st;
    zip_source_stat(src, &st);
    unsigned char *buf = malloc(st.size ? st.size : 1);
    zip_source_open(src);
    zip_int64_t got = zip_source_read(src, buf, st.size);
    zip_source_close(src);
    zip_source_free(src);
    zip_error_fini(&err);
    if (got < 0 || (zip_uint64_t)got != st.size)
        fail_msg("zip_source_read");
    *out_len = (size_t)got;
    return buf;
}

#define TEST_CT                                                                                \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types "                                        \
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"
#define TEST_ROOT_RELS                                                                         \
    "<?xml version=\"1.0\"?><Relationships "                                                   \
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship "    \
    "Id=\"rId1\" "                                                                             \
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"              \
    "officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
#define TEST_WB_RELS                                                                           \
    "<?xml version=\"1.0\"?><Relationships "                                                   \
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"                  \
    "<Relationship Id=\"rId1\" "                                                               \
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "  \
    "Target=\"worksheets/sheet1.xml\"/>"                                                       \
    "<Relationship Id=\"rId2\" "                                                               \
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"              \
    "sharedStrings\" Target=\"sharedStrings.xml\"/>"                                           \
    "<Relationship Id=\"rId3\" "                                                               \
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" "     \
    "Target=\"styles.xml\"/></Relationships>"
#define TEST_WORKBOOK(pr)                                                                      \
    "<?xml version=\"1.0\"?><workbook "                                                        \
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "                     \
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">" pr      \
    "<sheets><sheet name=\"Data\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
#define TEST_SHEET(body)                                                                       \
    "<?xml version=\"1.0\"?><worksheet "                                                       \
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">" body "</worksheet>"
#define TEST_SST(body)                                                                         \
    "<?xml version=\"1.0\"?><sst "                                                             \
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">" body "</sst>"
#define TEST_STYLES(body)                                                                      \
    "<?xml version=\"1.0\"?><styleSheet "                                                      \
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">" body "</styleSheet>"

/* A one-sheet workbook ("Data") from its sheet XML, shared strings and
 * styles (NULL leaves a part out) and workbookPr markup. */
static inline unsigned char *test_workbook(const char *sheet, const char *sst, const char *styles,
                                           const char *workbook, size_t *len)
{
    test_part parts[8];
    size_t n = 0;
    parts[n++] = (test_part){"[Content_Types].xml", TEST_CT, 0};
    parts[n++] = (test_part){"_rels/.rels", TEST_ROOT_RELS, 0};
    parts[n++] = (test_part){"xl/_rels/workbook.xml.rels", TEST_WB_RELS, 0};
    parts[n++] = (test_part){"xl/workbook.xml", workbook ? workbook : TEST_WORKBOOK(""), 0};
    parts[n++] = (test_part){"xl/worksheets/sheet1.xml", sheet, 0};
    if (sst)
        parts[n++] = (test_part){"xl/sharedStrings.xml", sst, 0};
    if (styles)
        parts[n++] = (test_part){"xl/styles.xml", styles, 0};
    return test_zip(parts, n, len);
}

/* Overwrites the uncompressed size recorded for `name` in both its local
 * header and its central directory entry (to forge a lying zip). */
static inline void test_zip_patch_size(unsigned char *zip, size_t len, const char *name,
                                       uint32_t size)
{
    size_t nlen = strlen(name);
    for (size_t i = 0; i + 46 + nlen <= len; i++) {
        uint32_t sig = (uint32_t)zip[i] | (uint32_t)zip[i + 1] << 8 | (uint32_t)zip[i + 2] << 16 |
                       (uint32_t)zip[i + 3] << 24;
        size_t off, name_at;
        if (sig == 0x04034b50u)
            off = 22, name_at = 30;
        else if (sig == 0x02014b50u)
            off = 24, name_at = 46;
        else
            continue;
        if (memcmp(zip + i + name_at, name, nlen) != 0)
            continue;
        for (int b = 0; b < 4; b++)
            zip[i + off + (size_t)b] = (unsigned char)(size >> (8 * b));
    }
}

#endif
