/* tabllm_table_load / tabllm_table_from_memory: params, input checks and the
 * choice of reader. */
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/file.h"
#include "base/params.h"
#include "base/utf8.h"
#include "table/read.h"
#include "table/xlsx/xlsx.h"

static const tabllm_table_read_params read_defaults = {
    .struct_size = sizeof(tabllm_table_read_params),
    .format = TABLLM_TABLE_FORMAT_AUTO,
    .flags = 0,
    .delimiter = 0,
    .ragged_policy = TABLLM_RAGGED_PANDAS,
    .table_index = 0,
    .sheet_index = 0,
    .sheet_name = NULL,
    .max_input_bytes = 4ull << 30,
    .max_cells = 1ull << 31,
    .max_columns = 65536,
    .max_field_bytes = 16u << 20,
    .max_inflated_bytes = 2ull << 30,
};

TABLLM_API tabllm_status tabllm_table_read_params_init(tabllm_table_read_params *params,
                                                       size_t struct_size)
{
    return tl_params_init(params, struct_size, &read_defaults, sizeof read_defaults,
                          "tabllm_table_read_params");
}

static tabllm_status check_params(const tabllm_table_read_params *p)
{
    if (p->format > TABLLM_TABLE_FORMAT_XLSX)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "unknown table format %u", p->format);
    if (p->ragged_policy > TABLLM_RAGGED_TRUNCATE)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "unknown ragged-row policy %u",
                        p->ragged_policy);
    if (p->flags & ~TABLLM_READ_NO_HEADER)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "unknown read flags 0x%x",
                        p->flags & ~TABLLM_READ_NO_HEADER);
    uint32_t d = p->delimiter;
    if (d != 0 && (d >= 0x80 || d == '"' || d == '\r' || d == '\n'))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "delimiter 0x%x must be one ASCII character other than a quote or a line "
                        "break",
                        d);
    if (p->max_columns == 0 || p->max_field_bytes == 0)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "max_columns and max_field_bytes must be > 0");
    return TABLLM_OK;
}

static tabllm_table_format format_from_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot == NULL || strchr(dot, '/') != NULL)
        return TABLLM_TABLE_FORMAT_AUTO;
    static const struct {
        const char *ext;
        tabllm_table_format format;
    } exts[] = {
        {".csv", TABLLM_TABLE_FORMAT_CSV},   {".tsv", TABLLM_TABLE_FORMAT_TSV},
        {".tab", TABLLM_TABLE_FORMAT_TSV},   {".html", TABLLM_TABLE_FORMAT_HTML},
        {".htm", TABLLM_TABLE_FORMAT_HTML},  {".xhtml", TABLLM_TABLE_FORMAT_HTML},
        {".json", TABLLM_TABLE_FORMAT_JSON}, {".xlsx", TABLLM_TABLE_FORMAT_XLSX},
        {".xlsm", TABLLM_TABLE_FORMAT_XLSX},
    };
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (strcasecmp(dot, exts[i].ext) == 0)
            return exts[i].format;
    return TABLLM_TABLE_FORMAT_AUTO;
}

static tabllm_table_format format_from_content(const char *data, size_t len)
{
    if (len >= 4 && memcmp(data, "PK\3\4", 4) == 0)
        return TABLLM_TABLE_FORMAT_XLSX;
    size_t i = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    if (i < len && data[i] == '<')
        return TABLLM_TABLE_FORMAT_HTML;
    if (i < len && (data[i] == '[' || data[i] == '{'))
        return TABLLM_TABLE_FORMAT_JSON;
    return TABLLM_TABLE_FORMAT_CSV;
}

tabllm_status tl_input_error_at(const tl_input *in, size_t offset)
{
    size_t line, col;
    tl_text_position(in->data, in->len, offset, &line, &col);
    tl_error_prefix("%s:%zu:%zu", in->name, line, col);
    return tabllm_last_status();
}

void tl_text_position(const char *data, size_t len, size_t offset, size_t *line, size_t *col)
{
    if (offset > len)
        offset = len;
    size_t l = 1, start = 0;
    for (size_t i = 0; i < offset; i++) {
        if (data[i] == '\n' || (data[i] == '\r' && (i + 1 >= len || data[i + 1] != '\n'))) {
            l++;
            start = i + 1;
        }
    }
    size_t c = 1;
    for (size_t i = start; i < offset; i++)
        if (((unsigned char)data[i] & 0xC0) != 0x80) /* count lead bytes only */
            c++;
    *line = l;
    *col = c;
}

static tabllm_status read_bytes(const char *name, const char *data, size_t size,
                                const tabllm_table_read_params *p, tabllm_table **out)
{
    if (size > p->max_input_bytes)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "%s: %zu bytes exceed the limit of %llu bytes",
                        name, size, (unsigned long long)p->max_input_bytes);
    tabllm_table_format format = p->format;
    if (format == TABLLM_TABLE_FORMAT_AUTO)
        format = format_from_name(name);
    if (format == TABLLM_TABLE_FORMAT_AUTO)
        format = format_from_content(data, size);
    if (format == TABLLM_TABLE_FORMAT_XLSX) {
        tabllm_status st = tl_xlsx_read(data, size, p, out);
        if (st != TABLLM_OK)
            tl_error_prefix("%s", name);
        return st;
    }

    tl_input in = {name, data, size, 0};
    size_t valid = tl_utf8_valid_prefix(data, size);
    if (valid != size) {
        size_t line, col;
        tl_text_position(data, size, valid, &line, &col);
        return tl_error(TABLLM_ERR_INVALID_UTF8,
                        "%s:%zu:%zu: invalid UTF-8 at byte offset %zu (byte 0x%02x)", name, line,
                        col, valid, (unsigned)(unsigned char)data[valid]);
    }
    const char *nul = size ? memchr(data, '\0', size) : NULL;
    if (nul != NULL) {
        size_t line, col;
        tl_text_position(data, size, (size_t)(nul - data), &line, &col);
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s:%zu:%zu: NUL byte at byte offset %zu: this is not a text table", name,
                        line, col, (size_t)(nul - data));
    }
    if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        in.data += 3;
        in.len -= 3;
        in.skipped = 3;
    }

    switch (format) {
    case TABLLM_TABLE_FORMAT_CSV:
    case TABLLM_TABLE_FORMAT_TSV: {
        char delim = (char)p->delimiter;
        if (delim == 0)
            delim = format == TABLLM_TABLE_FORMAT_TSV ? '\t'
                                                       : tl_csv_sniff_delimiter(in.data, in.len);
        return tl_read_csv(&in, p, delim, out);
    }
    case TABLLM_TABLE_FORMAT_HTML:
        return tl_read_html(&in, p, out);
    case TABLLM_TABLE_FORMAT_JSON:
        return tl_read_json(&in, p, out);
    default:
        return tl_error(TABLLM_ERR_INTERNAL, "%s: no reader for format %d", name, (int)format);
    }
}

TABLLM_API tabllm_status tabllm_table_load(const char *path, const tabllm_table_read_params *params,
                                           tabllm_table **out)
{
    if (out == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_table_load: out is NULL");
    *out = NULL;
    if (path == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_table_load: path is NULL");
    tabllm_table_read_params p = read_defaults;
    tabllm_status st = tl_params_read(&p, sizeof p, params, "tabllm_table_read_params");
    if (st == TABLLM_OK)
        st = check_params(&p);
    if (st != TABLLM_OK)
        return st;
    tl_mapped_file file;
    st = tl_file_map(path, &file);
    if (st != TABLLM_OK)
        return st;
    st = read_bytes(path, (const char *)file.data, file.size, &p, out);
    tl_file_unmap(&file);
    return st;
}

TABLLM_API tabllm_status tabllm_table_from_memory(const void *data, size_t size,
                                                  const tabllm_table_read_params *params,
                                                  tabllm_table **out)
{
    if (out == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_table_from_memory: out is NULL");
    *out = NULL;
    if (data == NULL && size > 0)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_table_from_memory: data is NULL");
    tabllm_table_read_params p = read_defaults;
    tabllm_status st = tl_params_read(&p, sizeof p, params, "tabllm_table_read_params");
    if (st == TABLLM_OK)
        st = check_params(&p);
    if (st != TABLLM_OK)
        return st;
    return read_bytes("(memory)", data ? data : "", size, &p, out);
}
