/* A worksheet part: cells and merged ranges, streamed with libxml2's reader
 * into a sparse list, then laid out as the used range. */
#include "table/xlsx/worksheet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "table/xlsx/numfmt.h"
#include "table/xlsx/xml.h"

static bool parse_number(const char *s, double *out)
{
    if (*s == '\0')
        return false;
    char *end;
    double v = strtod(s, &end);
    /* strtod also takes hex and inf/nan; a <v> holds a decimal number. */
    for (const char *p = s; p < end; p++)
        if (*p == 'x' || *p == 'X' || *p == 'n' || *p == 'N' || *p == 'i' || *p == 'I')
            return false;
    if (*end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static tabllm_status add_cell(xl_sheet_data *d, const xl_cell *c, size_t max_cells)
{
    if (d->n_cells >= max_cells)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "the sheet has more than %zu cells",
                        max_cells);
    tabllm_status st = tl_grow_array((void **)&d->cells, &d->cap, d->n_cells + 1,
                                     sizeof *d->cells, "sheet cells");
    if (st != TABLLM_OK)
        return st;
    if (d->n_cells > 0) {
        const xl_cell *p = &d->cells[d->n_cells - 1];
        if (c->row < p->row || (c->row == p->row && c->col <= p->col))
            d->unordered = true;
    }
    d->cells[d->n_cells++] = *c;
    return TABLLM_OK;
}

typedef struct cell_attrs {
    const char *r, *s, *t;
} cell_attrs;

/* One <c> element: its value from <v> or <is>; formulas are skipped (their
 * cached value is in <v>). */
static tabllm_status read_cell(tl_xml *x, xl_sheet_data *d, const xl_sheet_ctx *ctx,
                               uint32_t row, uint32_t col, const cell_attrs *a, tl_buf *text)
{
    char addr[16];
    tl_sheet_address(row, col, addr);
    xl_cell c = {.row = row, .col = col};
    if (a->s) {
        char *end;
        unsigned long long s = strtoull(a->s, &end, 10);
        if (*end != '\0' || a->s[0] == '-' || a->s[0] == '\0')
            return tl_xml_fail(x, TABLLM_ERR_FORMAT, "cell %s: s=\"%s\" is not a style index",
                               addr, a->s);
        if (ctx->styles->n_xfs > 0 && s >= ctx->styles->n_xfs)
            return tl_xml_fail(x, TABLLM_ERR_FORMAT,
                               "cell %s uses cell format %llu, but styles.xml has %zu", addr, s,
                               ctx->styles->n_xfs);
        c.format = ctx->styles->n_xfs > 0 ? ctx->styles->xf_format[s] : 0;
    } else {
        c.format = ctx->styles->n_xfs > 0 ? ctx->styles->xf_format[0] : 0;
    }
    const char *t = a->t ? a->t : "n";
    bool have_v = false, have_is = false;
    tl_buf_truncate(text, 0);
    if (!tl_xml_is_empty(x)) {
        int depth = tl_xml_depth(x);
        int rc, in_v = -1;
        while ((rc = tl_xml_next(x)) == 1) {
            int type = tl_xml_type(x);
            if (type == TL_XML_END_ELEMENT) {
                if (tl_xml_depth(x) == depth)
                    break;
                if (tl_xml_depth(x) == in_v)
                    in_v = -1;
            } else if (type == TL_XML_ELEMENT && tl_xml_depth(x) == depth + 1) {
                const char *name = tl_xml_local_name(x);
                if (strcmp(name, "v") == 0) {
                    have_v = true;
                    tl_buf_truncate(text, 0);
                    if (!tl_xml_is_empty(x))
                        in_v = tl_xml_depth(x);
                } else if (strcmp(name, "is") == 0 && strcmp(t, "inlineStr") == 0) {
                    tabllm_status st = xl_read_rich_text(x, ctx->max_field_bytes, text);
                    if (st != TABLLM_OK)
                        return st;
                    have_is = true;
                } else if (tl_xml_skip(x) < 0) {
                    return x->status;
                }
            } else if (in_v >= 0 && type != TL_XML_ELEMENT) {
                tl_buf_puts(text, tl_xml_value(x));
                if (text->len > ctx->max_field_bytes)
                    return tl_xml_fail(x, TABLLM_ERR_LIMIT_EXCEEDED,
                                       "cell %s: a value longer than %zu bytes", addr,
                                       ctx->max_field_bytes);
            }
        }
        if (rc < 0)
            return x->status;
        if (rc == 0)
            return tl_xml_fail(x, TABLLM_ERR_FORMAT, "the document ends inside cell %s", addr);
    }
    if (tl_buf_status(text) != TABLLM_OK)
        return tl_buf_status(text);
    const char *v = text->data ? text->data : "";
    size_t vlen = text->len;
    if (strcmp(t, "inlineStr") == 0) {
        if (!have_is || vlen == 0)
            return TABLLM_OK;
        c.kind = TL_SHEET_STRING;
    } else if (!have_v || vlen == 0) {
        return TABLLM_OK; /* no value: a styled empty cell */
    } else if (strcmp(t, "n") == 0) {
        if (!parse_number(v, &c.number))
            return tl_xml_fail(x, TABLLM_ERR_FORMAT, "cell %s: \"%.40s\" is not a number", addr,
                               v);
        c.kind = TL_SHEET_NUMBER;
    } else if (strcmp(t, "s") == 0) {
        char *end;
        unsigned long long i = strtoull(v, &end, 10);
        if (*end != '\0' || v[0] == '-')
            return tl_xml_fail(x, TABLLM_ERR_FORMAT,
                               "cell %s: \"%.40s\" is not a shared-string index", addr, v);
        if (i >= ctx->strings->n)
            return tl_xml_fail(x, TABLLM_ERR_FORMAT,
                               "cell %s refers to shared string %llu, but there are %zu", addr, i,
                               ctx->strings->n);
        if (ctx->strings->len[i] == 0)
            return TABLLM_OK;
        c.kind = TL_SHEET_STRING;
        c.raw = ctx->strings->text[i];
        c.raw_len = ctx->strings->len[i];
        return add_cell(d, &c, ctx->max_cells);
    } else if (strcmp(t, "str") == 0) {
        c.kind = TL_SHEET_STRING;
    } else if (strcmp(t, "b") == 0) {
        if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
            v = "TRUE";
        else if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
            v = "FALSE";
        else
            return tl_xml_fail(x, TABLLM_ERR_FORMAT, "cell %s: \"%.40s\" is not a boolean", addr,
                               v);
        vlen = strlen(v);
        c.kind = TL_SHEET_BOOL;
    } else if (strcmp(t, "e") == 0) {
        c.kind = TL_SHEET_ERROR;
    } else if (strcmp(t, "d") == 0) {
        if (!tl_iso_to_serial(v, vlen, ctx->date1904, &c.number))
            return tl_xml_fail(x, TABLLM_ERR_FORMAT, "cell %s: \"%.40s\" is not an ISO 8601 date",
                               addr, v);
        c.kind = TL_SHEET_ISODATE;
    } else {
        return tl_xml_fail(x, TABLLM_ERR_FORMAT, "cell %s: unknown cell type t=\"%.20s\"", addr,
                           t);
    }
    c.raw = tl_arena_strndup(&d->arena, v, vlen);
    if (c.raw == NULL)
        return TABLLM_ERR_OUT_OF_MEMORY;
    c.raw_len = (uint32_t)vlen;
    return add_cell(d, &c, ctx->max_cells);
}

static int by_position(const void *a, const void *b)
{
    const xl_cell *x = a, *y = b;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    /* equal positions: keep file order (the later one wins below) */
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

tabllm_status xl_sheet_read(xl_workbook *wb, const char *part, const xl_sheet_ctx *ctx,
                            xl_sheet_data *d)
{
    memset(d, 0, sizeof *d);
    tl_xml x;
    tabllm_status st = tl_xml_open(&x, wb->zip, part, &wb->limits);
    if (st != TABLLM_OK)
        return st;
    tl_buf text = TL_BUF_INIT;
    size_t merged_cap = 0;
    int64_t row = -1, col = -1;
    bool in_row = false;
    int row_depth = -1;
    int rc;
    while ((rc = tl_xml_next(&x)) == 1) {
        int type = tl_xml_type(&x);
        if (type == TL_XML_END_ELEMENT) {
            if (in_row && tl_xml_depth(&x) == row_depth)
                in_row = false;
            continue;
        }
        if (type != TL_XML_ELEMENT)
            continue;
        const char *name = tl_xml_local_name(&x);
        if (strcmp(name, "dimension") == 0) {
            static const char *const names[] = {"ref"};
            const char *v[1];
            if ((st = tl_xml_attrs(&x, names, 1, v, NULL)) != TABLLM_OK)
                break;
            if (v[0] && !tl_sheet_parse_range(v[0], strlen(v[0]), &d->declared)) {
                st = tl_xml_fail(&x, TABLLM_ERR_FORMAT,
                                 "<dimension ref=\"%.40s\"> is not a range inside A1:XFD1048576",
                                 v[0]);
                break;
            }
            d->has_declared = v[0] != NULL;
        } else if (strcmp(name, "row") == 0) {
            static const char *const names[] = {"r"};
            const char *v[1];
            if ((st = tl_xml_attrs(&x, names, 1, v, NULL)) != TABLLM_OK)
                break;
            if (v[0]) {
                char *end;
                long long r = strtoll(v[0], &end, 10);
                if (*end != '\0' || r < 1 || r > TL_SHEET_MAX_ROWS) {
                    st = tl_xml_fail(&x, TABLLM_ERR_FORMAT,
                                     "<row r=\"%.20s\"> is not a row number in 1..%u", v[0],
                                     TL_SHEET_MAX_ROWS);
                    break;
                }
                row = r - 1;
            } else {
                row++;
            }
            if (row >= TL_SHEET_MAX_ROWS) {
                st = tl_xml_fail(&x, TABLLM_ERR_FORMAT, "more than %u rows", TL_SHEET_MAX_ROWS);
                break;
            }
            col = -1;
            in_row = !tl_xml_is_empty(&x);
            row_depth = tl_xml_depth(&x);
        } else if (strcmp(name, "c") == 0) {
            static const char *const names[] = {"r", "s", "t"};
            const char *v[3];
            if ((st = tl_xml_attrs(&x, names, 3, v, NULL)) != TABLLM_OK)
                break;
            uint32_t r, c;
            if (v[0]) {
                if (!tl_sheet_parse_address(v[0], strlen(v[0]), &r, &c)) {
                    st = tl_xml_fail(&x, TABLLM_ERR_FORMAT,
                                     "<c r=\"%.20s\"> is not a cell inside A1:XFD1048576", v[0]);
                    break;
                }
                if (!in_row)
                    row = r;
            } else {
                if (!in_row || row < 0) {
                    st = tl_xml_fail(&x, TABLLM_ERR_FORMAT,
                                     "a cell without an address outside a row");
                    break;
                }
                r = (uint32_t)row;
                if (col + 1 >= TL_SHEET_MAX_COLS) {
                    st = tl_xml_fail(&x, TABLLM_ERR_FORMAT, "more than %u columns",
                                     TL_SHEET_MAX_COLS);
                    break;
                }
                c = (uint32_t)(col + 1);
            }
            col = c;
            cell_attrs a = {NULL, NULL, NULL};
            /* the attribute strings live in x's scratch buffer, which
             * read_cell does not touch before it has used them */
            char sbuf[24], tbuf[16];
            if ((v[1] && strlen(v[1]) > 20) || (v[2] && strlen(v[2]) > 12)) {
                st = tl_xml_fail(&x, TABLLM_ERR_FORMAT, "cell %.20s: bad s or t attribute",
                                 v[0] ? v[0] : "");
                break;
            }
            if (v[1]) {
                snprintf(sbuf, sizeof sbuf, "%.23s", v[1]);
                a.s = sbuf;
            }
            if (v[2]) {
                snprintf(tbuf, sizeof tbuf, "%.15s", v[2]);
                a.t = tbuf;
            }
            size_t before = d->n_cells;
            if ((st = read_cell(&x, d, ctx, r, c, &a, &text)) != TABLLM_OK)
                break;
            if (d->n_cells > before)
                d->cells[d->n_cells - 1].seq = (uint32_t)before;
        } else if (strcmp(name, "mergeCell") == 0) {
            static const char *const names[] = {"ref"};
            const char *v[1];
            tl_sheet_range m;
            if ((st = tl_xml_attrs(&x, names, 1, v, NULL)) != TABLLM_OK)
                break;
            if (!v[0] || !tl_sheet_parse_range(v[0], strlen(v[0]), &m)) {
                st = tl_xml_fail(&x, TABLLM_ERR_FORMAT, "<mergeCell ref=\"%.40s\"> is not a range",
                                 v[0] ? v[0] : "");
                break;
            }
            if (d->n_merged >= ctx->max_cells) {
                st = tl_xml_fail(&x, TABLLM_ERR_LIMIT_EXCEEDED, "too many merged ranges");
                break;
            }
            if ((st = tl_grow_array((void **)&d->merged, &merged_cap, d->n_merged + 1,
                                    sizeof *d->merged, "merged ranges")) != TABLLM_OK)
                break;
            d->merged[d->n_merged++] = m;
        }
    }
    if (st == TABLLM_OK && rc < 0)
        st = x.status;
    tl_buf_free(&text);
    tl_xml_close(&x);
    if (st == TABLLM_OK && d->unordered) {
        /* Cells out of order: sort, and let the last of duplicates win. */
        for (size_t i = 0; i < d->n_cells; i++)
            d->cells[i].seq = (uint32_t)i;
        qsort(d->cells, d->n_cells, sizeof *d->cells, by_position);
        size_t w = 0;
        for (size_t i = 0; i < d->n_cells; i++) {
            if (w > 0 && d->cells[w - 1].row == d->cells[i].row &&
                d->cells[w - 1].col == d->cells[i].col)
                w--;
            d->cells[w++] = d->cells[i];
        }
        d->n_cells = w;
    }
    if (st != TABLLM_OK)
        xl_sheet_data_free(d);
    return st;
}

void xl_sheet_data_free(xl_sheet_data *d)
{
    tl_free(d->cells);
    tl_free(d->merged);
    tl_arena_free(&d->arena);
    memset(d, 0, sizeof *d);
}
