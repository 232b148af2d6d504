/* CSV and TSV, per RFC 4180 and exactly as Python's csv module reads them
 * (its default "excel" dialect, strict=False):
 *  - a field that starts with '"' is quoted: delimiters, CR and LF inside it
 *    are data, '""' is one '"';
 *  - after the closing quote, anything up to the next delimiter or line end
 *    is appended as in an unquoted field (Python's non-strict rule);
 *  - a '"' inside an unquoted field is an ordinary character;
 *  - records end at LF, CR LF or a lone CR; empty lines are skipped (Python
 *    yields [] for them, pandas skips them);
 *  - a quote still open at the end of the input is an error here (Python's
 *    strict mode agrees: "unexpected end of data").
 * The input is scanned in place; only quoted fields with doubled quotes or
 * trailing text are assembled in a scratch buffer. */
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "table/builder.h"
#include "table/read.h"

typedef struct csv_reader {
    const tl_input *in;
    tl_builder b;
    char delim;
    unsigned char stop[256]; /* 1 for the delimiter, CR and LF */
    tl_buf scratch;
    uint64_t max_field;
} csv_reader;

static tabllm_status fail_at(csv_reader *r, const char *at)
{
    return tl_input_error_at(r->in, (size_t)(at - r->in->data));
}

static tabllm_status scratch_add(csv_reader *r, const char *s, size_t len, const char *field_start)
{
    if (r->scratch.len + len > r->max_field) {
        tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "a field of more than %llu bytes exceeds the limit",
                 (unsigned long long)r->max_field);
        return fail_at(r, field_start);
    }
    tl_buf_append(&r->scratch, s, len);
    return tl_buf_status(&r->scratch);
}

/* A quoted field starting at *pp (the opening quote). On return *pp is past
 * the field (at a delimiter, a line end or the end). */
static tabllm_status quoted_field(csv_reader *r, const char **pp, const char *end)
{
    const char *open = *pp;
    const char *q = open + 1;
    bool assembled = false;
    r->scratch.len = 0;
    tabllm_status st;
    for (;;) {
        const char *quote = memchr(q, '"', (size_t)(end - q));
        if (quote == NULL) {
            tl_error(TABLLM_ERR_FORMAT, "unterminated quoted field (the quote opened here is "
                                        "never closed)");
            return fail_at(r, open);
        }
        if (quote + 1 < end && quote[1] == '"') {
            if ((st = scratch_add(r, q, (size_t)(quote + 1 - q), open)) != TABLLM_OK)
                return st;
            assembled = true;
            q = quote + 2;
            continue;
        }
        const char *p = quote + 1;
        if (p < end && !r->stop[(unsigned char)*p]) {
            /* Text after the closing quote: Python keeps it, quotes and all. */
            const char *junk = p;
            while (p < end && !r->stop[(unsigned char)*p])
                p++;
            if ((st = scratch_add(r, q, (size_t)(quote - q), open)) != TABLLM_OK ||
                (st = scratch_add(r, junk, (size_t)(p - junk), open)) != TABLLM_OK)
                return st;
            assembled = true;
        } else if (assembled) {
            if ((st = scratch_add(r, q, (size_t)(quote - q), open)) != TABLLM_OK)
                return st;
        }
        *pp = p;
        st = assembled ? tl_builder_field(&r->b, r->scratch.data, r->scratch.len)
                       : tl_builder_field(&r->b, q, (size_t)(quote - q));
        return st == TABLLM_OK ? st : fail_at(r, open);
    }
}

static tabllm_status parse(csv_reader *r)
{
    const char *p = r->in->data;
    const char *end = p + r->in->len;
    const char delim = r->delim;
    tabllm_status st;
    while (p < end) {
        if (*p == '\n' || *p == '\r') { /* empty line */
            p++;
            continue;
        }
        const char *record = p;
        for (;;) {
            const char *field = p;
            if (p < end && *p == '"') {
                if ((st = quoted_field(r, &p, end)) != TABLLM_OK)
                    return st;
            } else {
                while (p < end && !r->stop[(unsigned char)*p])
                    p++;
                st = tl_builder_field(&r->b, field, (size_t)(p - field));
                if (st != TABLLM_OK)
                    return fail_at(r, field);
            }
            if (p < end && *p == delim) {
                p++;
                continue;
            }
            break;
        }
        /* p is at CR, LF or the end. */
        if (p < end && *p == '\r')
            p++;
        if (p < end && *p == '\n')
            p++;
        if ((st = tl_builder_end_row(&r->b)) != TABLLM_OK)
            return fail_at(r, record);
    }
    return TABLLM_OK;
}

tabllm_status tl_read_csv(const tl_input *in, const tabllm_table_read_params *p, char delimiter,
                          tabllm_table **out)
{
    *out = NULL;
    csv_reader r;
    memset(&r, 0, sizeof r);
    r.in = in;
    r.delim = delimiter;
    r.max_field = p->max_field_bytes;
    r.stop[(unsigned char)delimiter] = 1;
    r.stop['\r'] = 1;
    r.stop['\n'] = 1;
    tabllm_status st =
        tl_builder_init(&r.b, p, p->ragged_policy, !(p->flags & TABLLM_READ_NO_HEADER));
    if (st == TABLLM_OK)
        st = parse(&r);
    if (st == TABLLM_OK && !r.b.width_known)
        st = tl_error(TABLLM_ERR_FORMAT, "%s: no rows: the input is empty", in->name);
    if (st == TABLLM_OK)
        st = tl_builder_finish(&r.b, out);
    tl_builder_free(&r.b);
    tl_buf_free(&r.scratch);
    return st;
}
