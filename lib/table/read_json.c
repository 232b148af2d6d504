/* JSON tables, in the three layouts pandas reads and writes:
 *   records: [{"a": 1, "b": "x"}, {"a": 2}]         columns in order of first
 *            appearance, a missing key is a missing cell, a repeated key in
 *            one object keeps its last value (as Python's json does);
 *   arrays:  [["a", "b"], [1, "x"], [2, "y"]]        the first array is the
 *            header (unless TABLLM_READ_NO_HEADER); ragged rows follow
 *            ragged_policy;
 *   split:   {"columns": ["a", "b"], "data": [[1, "x"]], "index": [...]}
 *            (index is checked and ignored).
 * Cells take their type from JSON: null is missing, true/false are booleans
 * (text "true"/"false"), a number keeps its text exactly as written (an
 * integer that fits int64 is INT, any other number FLOAT), a string is text
 * even when it looks like a number, and a nested object or array is text
 * holding its JSON as written.
 * The scanner is strict RFC 8259 (no comments, NaN or trailing commas) and
 * does its own parsing, since a general JSON library would turn 1.50 into
 * 1.5. Nesting deeper than 512 levels is refused. */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/utf8.h"
#include "table/builder.h"
#include "table/read.h"

#define MAX_DEPTH 512

typedef struct jreader {
    const tl_input *in;
    const char *p, *end;
    tl_buf str; /* the last decoded string */
    tl_builder b;
    /* records: column name -> index, open addressing over `slots` */
    size_t *slots;
    size_t n_slots;
} jreader;

static tabllm_status fail(jreader *r, const char *at, tabllm_status st, const char *what)
{
    tl_error(st, "%s", what);
    return tl_input_error_at(r->in, (size_t)(at - r->in->data));
}

static void skip_ws(jreader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static const char *kind_at(const jreader *r)
{
    if (r->p >= r->end)
        return "the end of the input";
    switch (*r->p) {
    case '{': return "an object";
    case '[': return "an array";
    case '"': return "a string";
    case 't':
    case 'f': return "a boolean";
    case 'n': return "null";
    default: return (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) ? "a number" : "text";
    }
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool read_hex4(const char *s, const char *end, uint32_t *out)
{
    if (end - s < 4)
        return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(s[i]);
        if (d < 0)
            return false;
        v = v * 16 + (uint32_t)d;
    }
    *out = v;
    return true;
}

/* A string at r->p (its opening quote), decoded into r->str. */
static tabllm_status read_string(jreader *r)
{
    const char *open = r->p++;
    r->str.len = 0;
    const char *run = r->p;
    for (;;) {
        if (r->p >= r->end)
            return fail(r, open, TABLLM_ERR_FORMAT, "unterminated string");
        unsigned char c = (unsigned char)*r->p;
        if (c == '"')
            break;
        if (c < 0x20)
            return fail(r, r->p, TABLLM_ERR_FORMAT, "control character in a string (escape it)");
        if (c != '\\') {
            r->p++;
            continue;
        }
        tl_buf_append(&r->str, run, (size_t)(r->p - run));
        const char *esc = r->p++;
        if (r->p >= r->end)
            return fail(r, open, TABLLM_ERR_FORMAT, "unterminated string");
        char e = *r->p++;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e != '\0' && simple != NULL && e != 'u') {
            static const char out[] = "\"\\/\b\f\n\r\t";
            tl_buf_putc(&r->str, out[simple - "\"\\/bfnrt"]);
        } else if (e == 'u') {
            uint32_t cp;
            if (!read_hex4(r->p, r->end, &cp))
                return fail(r, esc, TABLLM_ERR_FORMAT, "\\u needs four hex digits");
            r->p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' ||
                    !read_hex4(r->p + 2, r->end, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    return fail(r, esc, TABLLM_ERR_FORMAT,
                                "a high surrogate \\u escape without its low surrogate");
                r->p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return fail(r, esc, TABLLM_ERR_FORMAT, "a lone low surrogate \\u escape");
            } else if (cp == 0) {
                return fail(r, esc, TABLLM_ERR_FORMAT, "\\u0000: a cell cannot hold a NUL");
            }
            char buf[4];
            tl_buf_append(&r->str, buf, tl_utf8_encode(cp, buf));
        } else {
            return fail(r, esc, TABLLM_ERR_FORMAT, "invalid escape in a string");
        }
        run = r->p;
    }
    tl_buf_append(&r->str, run, (size_t)(r->p - run));
    r->p++;
    tabllm_status st = tl_buf_status(&r->str);
    if (st == TABLLM_OK && r->str.data == NULL)
        tl_buf_append(&r->str, "", 0);
    return tl_buf_status(&r->str);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static tabllm_status read_number(jreader *r)
{
    const char *start = r->p;
    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (r->p < r->end && *r->p == '0')
        r->p++;
    else if (r->p < r->end && *r->p >= '1' && *r->p <= '9')
        while (r->p < r->end && is_digit(*r->p))
            r->p++;
    else
        return fail(r, start, TABLLM_ERR_FORMAT, "invalid number");
    if (r->p < r->end && *r->p == '.') {
        r->p++;
        if (r->p >= r->end || !is_digit(*r->p))
            return fail(r, start, TABLLM_ERR_FORMAT, "invalid number: no digit after '.'");
        while (r->p < r->end && is_digit(*r->p))
            r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (r->p >= r->end || !is_digit(*r->p))
            return fail(r, start, TABLLM_ERR_FORMAT, "invalid number: no digit in the exponent");
        while (r->p < r->end && is_digit(*r->p))
            r->p++;
    }
    return TABLLM_OK;
}

static tabllm_status read_literal(jreader *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return fail(r, r->p, TABLLM_ERR_FORMAT, "invalid JSON value");
    r->p += n;
    return TABLLM_OK;
}

/* Checks any value and moves past it (nested cells, the split index). */
static tabllm_status skip_value(jreader *r, unsigned depth)
{
    if (depth > MAX_DEPTH)
        return fail(r, r->p, TABLLM_ERR_LIMIT_EXCEEDED, "JSON nested deeper than 512 levels");
    skip_ws(r);
    if (r->p >= r->end)
        return fail(r, r->p, TABLLM_ERR_FORMAT, "a value is missing");
    char c = *r->p;
    tabllm_status st;
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        const char *open = r->p++;
        skip_ws(r);
        if (r->p < r->end && *r->p == close) {
            r->p++;
            return TABLLM_OK;
        }
        for (;;) {
            if (c == '{') {
                skip_ws(r);
                if (r->p >= r->end || *r->p != '"')
                    return fail(r, r->p, TABLLM_ERR_FORMAT, "expected a string key");
                if ((st = read_string(r)) != TABLLM_OK)
                    return st;
                skip_ws(r);
                if (r->p >= r->end || *r->p != ':')
                    return fail(r, r->p, TABLLM_ERR_FORMAT, "expected ':' after a key");
                r->p++;
            }
            if ((st = skip_value(r, depth + 1)) != TABLLM_OK)
                return st;
            skip_ws(r);
            if (r->p < r->end && *r->p == ',') {
                r->p++;
                continue;
            }
            if (r->p < r->end && *r->p == close) {
                r->p++;
                return TABLLM_OK;
            }
            return fail(r, r->p >= r->end ? open : r->p, TABLLM_ERR_FORMAT,
                        c == '{' ? "expected ',' or '}' in an object"
                                 : "expected ',' or ']' in an array");
        }
    }
    if (c == '"')
        return read_string(r);
    if (c == 't')
        return read_literal(r, "true");
    if (c == 'f')
        return read_literal(r, "false");
    if (c == 'n')
        return read_literal(r, "null");
    return read_number(r);
}

/* A cell value at r->p, typed from JSON. */
static tabllm_status read_cell(jreader *r, tl_cell *cell)
{
    skip_ws(r);
    const char *start = r->p;
    tabllm_status st = skip_value(r, 1);
    if (st != TABLLM_OK)
        return st;
    cell->value.i = 0;
    cell->text = start;
    cell->len = (size_t)(r->p - start);
    switch (*start) {
    case '"':
        cell->text = r->str.data;
        cell->len = r->str.len;
        cell->type = TL_CELL_TEXT;
        break;
    case 'n':
        cell->text = "";
        cell->len = 0;
        cell->type = TL_CELL_NULL;
        break;
    case 't':
    case 'f':
        cell->type = TL_CELL_BOOL;
        cell->value.b = *start == 't';
        break;
    case '{':
    case '[':
        cell->type = TL_CELL_TEXT;
        break;
    default:
        if (tl_parse_int64(start, cell->len, &cell->value.i))
            cell->type = TL_CELL_INT;
        else if (tl_parse_double(start, cell->len, &cell->value.f))
            cell->type = TL_CELL_FLOAT;
        else
            cell->type = TL_CELL_TEXT;
    }
    return TABLLM_OK;
}

/* Moves past ',' (true) or the closing bracket (false). */
static tabllm_status next_item(jreader *r, char close, bool *more, const char *container)
{
    skip_ws(r);
    if (r->p < r->end && *r->p == ',') {
        r->p++;
        *more = true;
        return TABLLM_OK;
    }
    if (r->p < r->end && *r->p == close) {
        r->p++;
        *more = false;
        return TABLLM_OK;
    }
    return fail(r, r->p >= r->end ? container : r->p, TABLLM_ERR_FORMAT,
                close == '}' ? "expected ',' or '}' in an object"
                             : "expected ',' or ']' in an array");
}

/* Enters an array or object; false in *empty when it has items. */
static tabllm_status open_container(jreader *r, char open, bool *empty, const char *what)
{
    *empty = true;
    skip_ws(r);
    if (r->p >= r->end || *r->p != open) {
        tl_error(TABLLM_ERR_FORMAT, "%s must be %s, found %s", what,
                 open == '[' ? "an array" : "an object", kind_at(r));
        return tl_input_error_at(r->in, (size_t)(r->p - r->in->data));
    }
    r->p++;
    skip_ws(r);
    *empty = r->p < r->end && *r->p == (open == '[' ? ']' : '}');
    if (*empty)
        r->p++;
    return TABLLM_OK;
}

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* The column for a records key, adding it when new. */
static tabllm_status record_column(jreader *r, const char *key, size_t len, size_t *col)
{
    if (r->b.width * 2 >= r->n_slots) {
        size_t n = r->n_slots ? r->n_slots * 2 : 64;
        size_t *slots;
        tabllm_status st = tl_alloc_array((void **)&slots, n, sizeof *slots, "column index");
        if (st != TABLLM_OK)
            return st;
        memset(slots, 0xff, n * sizeof *slots);
        for (size_t c = 0; c < r->b.width; c++) {
            size_t h = hash_bytes(r->b.header[c].text, r->b.header[c].len) & (n - 1);
            while (slots[h] != SIZE_MAX)
                h = (h + 1) & (n - 1);
            slots[h] = c;
        }
        tl_free(r->slots);
        r->slots = slots;
        r->n_slots = n;
    }
    size_t h = hash_bytes(key, len) & (r->n_slots - 1);
    while (r->slots[h] != SIZE_MAX) {
        const tl_cell *name = &r->b.header[r->slots[h]];
        if (name->len == len && memcmp(name->text, key, len) == 0) {
            *col = r->slots[h];
            return TABLLM_OK;
        }
        h = (h + 1) & (r->n_slots - 1);
    }
    *col = r->b.width;
    r->slots[h] = *col;
    return tl_builder_add_column(&r->b, key, len);
}

static tabllm_status read_records(jreader *r, const char *array)
{
    tabllm_status st = tl_builder_set_header(&r->b, NULL, 0);
    bool more = true;
    for (size_t index = 0; more && st == TABLLM_OK; index++) {
        skip_ws(r);
        const char *row = r->p;
        bool empty;
        char what[64];
        snprintf(what, sizeof what, "element %zu of the records array", index);
        if ((st = open_container(r, '{', &empty, what)) != TABLLM_OK)
            return st;
        bool more_keys = !empty;
        while (more_keys && st == TABLLM_OK) {
            skip_ws(r);
            if (r->p >= r->end || *r->p != '"')
                return fail(r, r->p, TABLLM_ERR_FORMAT, "expected a string key");
            const char *key_at = r->p;
            if ((st = read_string(r)) != TABLLM_OK)
                return st;
            size_t col;
            if ((st = record_column(r, r->str.data, r->str.len, &col)) != TABLLM_OK)
                return tl_input_error_at(r->in, (size_t)(key_at - r->in->data));
            skip_ws(r);
            if (r->p >= r->end || *r->p != ':')
                return fail(r, r->p, TABLLM_ERR_FORMAT, "expected ':' after a key");
            r->p++;
            skip_ws(r);
            const char *value_at = r->p;
            tl_cell cell;
            if ((st = read_cell(r, &cell)) != TABLLM_OK)
                return st;
            if ((st = tl_builder_put(&r->b, col, &cell)) != TABLLM_OK)
                return tl_input_error_at(r->in, (size_t)(value_at - r->in->data));
            st = next_item(r, '}', &more_keys, row);
        }
        if (st == TABLLM_OK && (st = tl_builder_end_row(&r->b)) != TABLLM_OK)
            return tl_input_error_at(r->in, (size_t)(row - r->in->data));
        if (st == TABLLM_OK)
            st = next_item(r, ']', &more, array);
    }
    return st;
}

/* Rows given as arrays: the header first when `header` (arrays layout and
 * split's columns go through here). */
static tabllm_status read_row(jreader *r, const char *what)
{
    skip_ws(r);
    const char *row = r->p;
    bool empty, more;
    tabllm_status st = open_container(r, '[', &empty, what);
    for (more = st == TABLLM_OK && !empty; more && st == TABLLM_OK;) {
        skip_ws(r);
        const char *at = r->p;
        tl_cell cell;
        if ((st = read_cell(r, &cell)) != TABLLM_OK)
            return st;
        if ((st = tl_builder_typed(&r->b, &cell)) != TABLLM_OK)
            return tl_input_error_at(r->in, (size_t)(at - r->in->data));
        st = next_item(r, ']', &more, row);
    }
    if (st == TABLLM_OK && (st = tl_builder_end_row(&r->b)) != TABLLM_OK)
        return tl_input_error_at(r->in, (size_t)(row - r->in->data));
    return st;
}

static tabllm_status read_rows(jreader *r, const char *array, bool first_is_header)
{
    bool more = true;
    tabllm_status st = TABLLM_OK;
    for (size_t index = 0; more && st == TABLLM_OK; index++) {
        char what[64];
        snprintf(what, sizeof what, "%s %zu of the array",
                 index == 0 && first_is_header ? "the header, element" : "element", index);
        st = read_row(r, what);
        if (st == TABLLM_OK)
            st = next_item(r, ']', &more, array);
    }
    return st;
}

static tabllm_status read_split(jreader *r)
{
    const char *object = r->p++;
    const char *columns = NULL, *data = NULL;
    tabllm_status st;
    bool more = true;
    skip_ws(r);
    if (r->p < r->end && *r->p == '}')
        more = false, r->p++;
    while (more) {
        skip_ws(r);
        if (r->p >= r->end || *r->p != '"')
            return fail(r, r->p, TABLLM_ERR_FORMAT, "expected a string key");
        const char *key_at = r->p;
        if ((st = read_string(r)) != TABLLM_OK)
            return st;
        skip_ws(r);
        if (r->p >= r->end || *r->p != ':')
            return fail(r, r->p, TABLLM_ERR_FORMAT, "expected ':' after a key");
        r->p++;
        skip_ws(r);
        const char *value = r->p;
        if (strcmp(r->str.data, "columns") == 0)
            columns = value;
        else if (strcmp(r->str.data, "data") == 0)
            data = value;
        else if (strcmp(r->str.data, "index") != 0)
            return fail(r, key_at, TABLLM_ERR_FORMAT,
                        "unexpected key: a table object has \"columns\", \"data\" and "
                        "\"index\" (pandas' split orient)");
        if ((st = skip_value(r, 1)) != TABLLM_OK)
            return st;
        if ((st = next_item(r, '}', &more, object)) != TABLLM_OK)
            return st;
    }
    const char *after = r->p;
    if (columns == NULL || data == NULL)
        return fail(r, object, TABLLM_ERR_FORMAT,
                    "a table object needs \"columns\" and \"data\" (pandas' split orient)");
    /* The column names as a header row, then the data rows. */
    r->p = columns;
    r->b.header_next = true;
    if ((st = read_row(r, "\"columns\"")) != TABLLM_OK)
        return st;
    r->p = data;
    bool empty;
    if ((st = open_container(r, '[', &empty, "\"data\"")) != TABLLM_OK)
        return st;
    if (!empty && (st = read_rows(r, data, false)) != TABLLM_OK)
        return st;
    r->p = after;
    return TABLLM_OK;
}

static tabllm_status parse(jreader *r, const tabllm_table_read_params *p)
{
    skip_ws(r);
    const char *top = r->p;
    tabllm_status st;
    bool header = !(p->flags & TABLLM_READ_NO_HEADER);
    if (r->p < r->end && *r->p == '{') {
        st = tl_builder_init(&r->b, p, p->ragged_policy, false);
        if (st == TABLLM_OK)
            st = read_split(r);
    } else if (r->p < r->end && *r->p == '[') {
        r->p++;
        skip_ws(r);
        if (r->p < r->end && *r->p == ']')
            return fail(r, top, TABLLM_ERR_FORMAT, "an empty array has no columns");
        if (r->p < r->end && *r->p == '{') {
            st = tl_builder_init(&r->b, p, TABLLM_RAGGED_PAD, false);
            if (st == TABLLM_OK)
                st = read_records(r, top);
        } else if (r->p < r->end && *r->p == '[') {
            st = tl_builder_init(&r->b, p, p->ragged_policy, header);
            if (st == TABLLM_OK)
                st = read_rows(r, top, header);
        } else {
            tl_error(TABLLM_ERR_FORMAT,
                     "not a table: the array holds %s, expected objects (records) or arrays "
                     "(rows)",
                     kind_at(r));
            return tl_input_error_at(r->in, (size_t)(r->p - r->in->data));
        }
    } else {
        tl_error(TABLLM_ERR_FORMAT,
                 "not a table: expected an array of records or rows, or an object with "
                 "\"columns\" and \"data\", found %s",
                 kind_at(r));
        return tl_input_error_at(r->in, (size_t)(r->p - r->in->data));
    }
    if (st != TABLLM_OK)
        return st;
    skip_ws(r);
    if (r->p < r->end)
        return fail(r, r->p, TABLLM_ERR_FORMAT, "unexpected text after the table");
    return TABLLM_OK;
}

tabllm_status tl_read_json(const tl_input *in, const tabllm_table_read_params *p,
                           tabllm_table **out)
{
    *out = NULL;
    jreader r;
    memset(&r, 0, sizeof r);
    r.in = in;
    r.p = in->data;
    r.end = in->data + in->len;
    tabllm_status st = parse(&r, p);
    if (st == TABLLM_OK)
        st = tl_builder_finish(&r.b, out);
    tl_builder_free(&r.b);
    tl_buf_free(&r.str);
    tl_free(r.slots);
    return st;
}
