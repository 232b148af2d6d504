/* One HTML <table> to rows of text, as pandas.read_html does it:
 *  - header rows: the <tr> children of every <thead> (and a <thead> holding
 *    <td>/<th> directly acts as a row); without a <thead>, the leading rows
 *    of the body made only of <th>;
 *  - body rows: the <tr> inside any <tbody>, then the <tr> children of the
 *    table itself; footer rows: the <tr> inside any <tfoot>;
 *  - cells: the <td>/<th> children of a row; their text is every text node
 *    below them, a <br> adding "\n", cleaned by tl_html_clean_text;
 *  - colspan/rowspan copy the text into every spanned cell (pandas'
 *    _expand_colspan_rowspan, line by line).
 * Where this differs from pandas on purpose: rows and text of a nested table
 * stay with the nested table (pandas also puts its text into the outer
 * table's cell and, below a <tbody>, its rows into the outer table); a
 * colspan/rowspan that is not an integer counts from its leading digits, as
 * browsers read it (pandas raises ValueError). With `nested` set the rows are
 * pandas' own, which read_html.c uses to count tables exactly as pandas
 * does. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "table/builder.h"
#include "table/html.h"

typedef struct node_list {
    xmlNode **items;
    size_t n, cap;
} node_list;

static tabllm_status list_add(node_list *l, xmlNode *n)
{
    if (l->n == l->cap) {
        tabllm_status st =
            tl_grow_array((void **)&l->items, &l->cap, l->n + 1, sizeof *l->items, "HTML rows");
        if (st != TABLLM_OK)
            return st;
    }
    l->items[l->n++] = n;
    return TABLLM_OK;
}

/* Skips a removed element and the text that follows it (lxml removes an
 * element's tail text with it). */
static xmlNode *next_kept(xmlNode *n)
{
    while (n != NULL && n->type == XML_ELEMENT_NODE && tl_html_removed(n)) {
        n = n->next;
        while (n != NULL && tl_html_is_text(n))
            n = n->next;
    }
    return n;
}

static xmlNode *first_kept_child(xmlNode *n)
{
    return next_kept(n->children);
}

/* The <td>/<th> children of a row. */
static tabllm_status row_cells(xmlNode *row, node_list *out)
{
    out->n = 0;
    for (xmlNode *c = first_kept_child(row); c != NULL; c = next_kept(c->next))
        if (tl_html_is(c, "td") || tl_html_is(c, "th")) {
            tabllm_status st = list_add(out, c);
            if (st != TABLLM_OK)
                return st;
        }
    return TABLLM_OK;
}

typedef struct sections {
    node_list head, body, root, foot;
} sections;

/* One walk over the table: the rows of each section in document order.
 * Nested tables are entered only with `nested` (pandas' XPaths do). */
static tabllm_status collect_rows(xmlNode *table, sections *s, bool nested)
{
    tabllm_status st = TABLLM_OK;
    size_t in_tbody = 0, in_tfoot = 0;
    xmlNode *n = first_kept_child(table);
    while (n != NULL && st == TABLLM_OK) {
        bool descend = false;
        if (n->type == XML_ELEMENT_NODE && (nested || !tl_html_is(n, "table"))) {
            if (tl_html_is(n, "thead")) {
                bool cells = false;
                for (xmlNode *c = first_kept_child(n); c != NULL && st == TABLLM_OK;
                     c = next_kept(c->next)) {
                    if (tl_html_is(c, "tr"))
                        st = list_add(&s->head, c);
                    cells |= tl_html_is(c, "td") || tl_html_is(c, "th");
                }
                if (cells && st == TABLLM_OK)
                    st = list_add(&s->head, n);
            } else if (tl_html_is(n, "tr")) {
                if (in_tbody && st == TABLLM_OK)
                    st = list_add(&s->body, n);
                if (n->parent == table && st == TABLLM_OK)
                    st = list_add(&s->root, n);
                if (in_tfoot && st == TABLLM_OK)
                    st = list_add(&s->foot, n);
            }
            descend = first_kept_child(n) != NULL;
            if (descend) { /* counted again when the walk climbs back out */
                in_tbody += tl_html_is(n, "tbody");
                in_tfoot += tl_html_is(n, "tfoot");
            }
        }
        if (descend) {
            n = first_kept_child(n);
            continue;
        }
        /* Leave n and every ancestor that has no next sibling. */
        for (;;) {
            xmlNode *next = next_kept(n->next);
            if (next != NULL) {
                n = next;
                break;
            }
            n = n->parent;
            if (n == NULL || n == table) {
                n = NULL;
                break;
            }
            in_tbody -= tl_html_is(n, "tbody");
            in_tfoot -= tl_html_is(n, "tfoot");
        }
    }
    return st;
}

/* text_content() of a cell, with pandas' "\n" after every <br> (except a
 * <br> directly under the root element: pandas looks for them below the
 * root's children). */
static tabllm_status cell_text(xmlNode *cell, const xmlNode *root, tl_buf *raw, bool nested)
{
    raw->len = 0;
    xmlNode *n = first_kept_child(cell);
    while (n != NULL) {
        bool descend = false;
        if (tl_html_is_text(n)) {
            if (n->content != NULL)
                tl_buf_puts(raw, (const char *)n->content);
        } else if (n->type == XML_ELEMENT_NODE && (nested || !tl_html_is(n, "table"))) {
            if (tl_html_is(n, "br") && n->parent != root)
                tl_buf_putc(raw, '\n');
            descend = first_kept_child(n) != NULL;
        }
        if (descend) {
            n = first_kept_child(n);
            continue;
        }
        for (;;) {
            xmlNode *next = next_kept(n->next);
            if (next != NULL) {
                n = next;
                break;
            }
            n = n->parent;
            if (n == NULL || n == cell) {
                n = NULL;
                break;
            }
        }
    }
    return tl_buf_status(raw);
}

/* Python's int() of a span attribute, with a browser's reading of what
 * int() rejects; saturates instead of growing without bound. */
static long long span_value(xmlNode *cell, const char *attr)
{
    xmlChar *v = xmlGetProp(cell, (const xmlChar *)attr);
    if (v == NULL)
        return 1;
    const char *s = (const char *)v;
    while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
        s++;
    if (*s == '\0') { /* "" is falsy: `attr or 1` */
        xmlFree(v);
        return 1;
    }
    bool neg = false;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    long long n = 0;
    bool digits = false;
    for (; (*s >= '0' && *s <= '9') || (*s == '_' && digits && s[1] >= '0' && s[1] <= '9'); s++) {
        if (*s == '_')
            continue;
        digits = true;
        if (n < (1ll << 40))
            n = n * 10 + (*s - '0');
    }
    xmlFree(v);
    if (!digits)
        return 1;
    return neg ? -n : n;
}

static tabllm_status add_cell(tl_html_rows *r, tl_html_cell c)
{
    if (r->n_cells >= r->max_cells)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED,
                        "the table's rowspan/colspan expand it to more than %zu cells",
                        r->max_cells);
    if (r->n_cells == r->cells_cap) {
        tabllm_status st = tl_grow_array((void **)&r->cells, &r->cells_cap, r->n_cells + 1,
                                         sizeof *r->cells, "HTML cells");
        if (st != TABLLM_OK)
            return st;
    }
    r->cells[r->n_cells++] = c;
    return TABLLM_OK;
}

static tabllm_status end_row(tl_html_rows *r)
{
    if (r->n_rows == r->rows_cap) {
        tabllm_status st = tl_grow_array((void **)&r->ends, &r->rows_cap, r->n_rows + 1,
                                         sizeof *r->ends, "HTML rows");
        if (st != TABLLM_OK)
            return st;
    }
    size_t start = r->n_rows ? r->ends[r->n_rows - 1] : 0;
    size_t len = r->n_cells - start;
    if (len > r->max_columns)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "a row of %zu cells exceeds the limit of %zu "
                        "columns", len, r->max_columns);
    if (len > r->width)
        r->width = len;
    r->ends[r->n_rows++] = r->n_cells;
    return TABLLM_OK;
}

typedef struct pending {
    size_t index;      /* column it started at */
    tl_html_cell text;
    long long left;    /* rows it still spans */
} pending;

typedef struct pending_list {
    pending *items;
    size_t n, cap;
} pending_list;

static tabllm_status pending_add(pending_list *l, pending p)
{
    if (l->n == l->cap) {
        tabllm_status st =
            tl_grow_array((void **)&l->items, &l->cap, l->n + 1, sizeof *l->items, "row spans");
        if (st != TABLLM_OK)
            return st;
    }
    l->items[l->n++] = p;
    return TABLLM_OK;
}

/* Carries a spanning cell into this row: appends it, and keeps it for the
 * next row when it spans further. */
static tabllm_status carry(tl_html_rows *r, pending_list *next, const pending *p)
{
    tabllm_status st = add_cell(r, p->text);
    if (st == TABLLM_OK && p->left > 1)
        st = pending_add(next, (pending){p->index, p->text, p->left - 1});
    return st;
}

/* pandas' _expand_colspan_rowspan over one section's rows. */
static tabllm_status expand(tl_html_rows *r, const node_list *rows, const xmlNode *root,
                            bool nested, size_t *n_rows_out)
{
    size_t before = r->n_rows;
    pending_list cur = {0}, next = {0};
    node_list cells = {0};
    tl_buf raw = TL_BUF_INIT;
    tabllm_status st = TABLLM_OK;
    for (size_t i = 0; i < rows->n && st == TABLLM_OK; i++) {
        size_t head = 0, index = 0;
        next.n = 0;
        st = row_cells(rows->items[i], &cells);
        for (size_t k = 0; k < cells.n && st == TABLLM_OK; k++) {
            while (head < cur.n && cur.items[head].index <= index && st == TABLLM_OK) {
                st = carry(r, &next, &cur.items[head++]);
                index++;
            }
            if (st == TABLLM_OK)
                st = cell_text(cells.items[k], root, &raw, nested);
            if (st != TABLLM_OK)
                break;
            tl_html_cell text = {r->text.len, 0};
            tl_html_clean_text(&r->text, raw.data ? raw.data : "", raw.len);
            if ((st = tl_buf_status(&r->text)) != TABLLM_OK)
                break;
            text.len = r->text.len - text.offset;
            long long rowspan = span_value(cells.items[k], "rowspan");
            long long colspan = span_value(cells.items[k], "colspan");
            if (colspan > 0 && (unsigned long long)colspan > r->max_columns)
                st = tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "colspan=%lld exceeds the limit of %zu "
                              "columns", colspan, r->max_columns);
            for (long long c = 0; c < colspan && st == TABLLM_OK; c++) {
                st = add_cell(r, text);
                if (st == TABLLM_OK && rowspan > 1)
                    st = pending_add(&next, (pending){index, text, rowspan - 1});
                index++;
            }
        }
        for (; head < cur.n && st == TABLLM_OK; head++)
            st = carry(r, &next, &cur.items[head]);
        if (st == TABLLM_OK)
            st = end_row(r);
        pending_list swap = cur;
        cur = next;
        next = swap;
    }
    while (cur.n > 0 && st == TABLLM_OK) {
        next.n = 0;
        for (size_t k = 0; k < cur.n && st == TABLLM_OK; k++)
            st = carry(r, &next, &cur.items[k]);
        if (st == TABLLM_OK)
            st = end_row(r);
        pending_list swap = cur;
        cur = next;
        next = swap;
    }
    tl_free(cur.items);
    tl_free(next.items);
    tl_free(cells.items);
    tl_buf_free(&raw);
    *n_rows_out = r->n_rows - before;
    return st;
}

static bool row_is_all_th(xmlNode *row, node_list *scratch)
{
    if (row_cells(row, scratch) != TABLLM_OK)
        return false;
    for (size_t i = 0; i < scratch->n; i++)
        if (!tl_html_is(scratch->items[i], "th"))
            return false;
    return true;
}

tabllm_status tl_html_table_rows(xmlNode *table, const xmlNode *root, bool nested,
                                 tl_html_rows *r)
{
    sections s = {0};
    node_list body = {0}, scratch = {0};
    tabllm_status st = collect_rows(table, &s, nested);
    /* Body rows: inside a <tbody>, then directly in the table. */
    for (size_t i = 0; i < s.body.n && st == TABLLM_OK; i++)
        st = list_add(&body, s.body.items[i]);
    for (size_t i = 0; i < s.root.n && st == TABLLM_OK; i++)
        st = list_add(&body, s.root.items[i]);
    size_t first_body = 0;
    if (st == TABLLM_OK && s.head.n == 0) {
        while (first_body < body.n && row_is_all_th(body.items[first_body], &scratch)) {
            st = list_add(&s.head, body.items[first_body]);
            first_body++;
            if (st != TABLLM_OK)
                break;
        }
    }
    node_list rest = {body.n ? body.items + first_body : NULL, body.n - first_body, 0};
    if (st == TABLLM_OK)
        st = expand(r, &s.head, root, nested, &r->n_head);
    if (st == TABLLM_OK)
        st = expand(r, &rest, root, nested, &r->n_body);
    if (st == TABLLM_OK)
        st = expand(r, &s.foot, root, nested, &r->n_foot);
    tl_free(s.head.items);
    tl_free(s.body.items);
    tl_free(s.root.items);
    tl_free(s.foot.items);
    tl_free(body.items);
    tl_free(scratch.items);
    return st;
}

void tl_html_rows_free(tl_html_rows *r)
{
    tl_buf_free(&r->text);
    tl_free(r->cells);
    tl_free(r->ends);
    memset(r, 0, sizeof *r);
}

/* Cell c of expanded row `row`, "" past its end (pandas pads ragged rows). */
static tl_cell row_cell(const tl_html_rows *r, size_t row, size_t c)
{
    size_t start = row ? r->ends[row - 1] : 0;
    tl_cell cell = {"", 0, TL_CELL_TEXT, {0}};
    if (start + c < r->ends[row]) {
        cell.text = r->text.data + r->cells[start + c].offset;
        cell.len = r->cells[start + c].len;
    }
    return cell;
}

static bool row_has_text(const tl_html_rows *r, size_t row)
{
    size_t start = row ? r->ends[row - 1] : 0;
    for (size_t i = start; i < r->ends[row]; i++)
        if (r->cells[i].len > 0)
            return true;
    return false;
}

tabllm_status tl_html_plan_rows(const tl_html_rows *r, bool header, tl_html_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    tabllm_status st = tl_alloc_array((void **)&plan->keep, r->n_rows ? r->n_rows : 1,
                                      sizeof *plan->keep, "HTML rows");
    if (st == TABLLM_OK)
        st = tl_alloc_array((void **)&plan->levels, r->n_head ? r->n_head : 1,
                            sizeof *plan->levels, "header rows");
    if (st != TABLLM_OK) {
        tl_html_plan_free(plan);
        return st;
    }
    /* pandas' parser skips a one-field line whose text is empty as a blank
     * line (python_parser._remove_empty_lines); after padding, that is every
     * empty row of a one-column table */
    for (size_t row = 0; row < r->n_rows; row++)
        if (r->width != 1 || row_has_text(r, row))
            plan->keep[plan->n_keep++] = row;
    plan->empty = r->width == 0 || plan->n_keep == 0;
    if (r->n_head == 0 || !header)
        return TABLLM_OK;
    /* read_html's header rows: the only one, or those with some text; their
     * positions count the rows the parser keeps */
    for (size_t i = 0; i < r->n_head; i++)
        if (r->n_head == 1 || row_has_text(r, i))
            plan->levels[plan->n_levels++] = i;
    if (plan->n_levels == 0) /* pandas fails here; the first row names the columns */
        plan->levels[plan->n_levels++] = 0;
    size_t last = plan->levels[plan->n_levels - 1];
    if (last >= plan->n_keep)
        plan->empty = true; /* pandas runs out of lines: nothing to read */
    plan->first_data = last + 1;
    return TABLLM_OK;
}

void tl_html_plan_free(tl_html_plan *plan)
{
    tl_free(plan->keep);
    tl_free(plan->levels);
    memset(plan, 0, sizeof *plan);
}

/* Several header rows: pandas keeps those with some text as the levels of
 * a MultiIndex; here the levels of a column are joined with spaces, leaving
 * out empty texts and a text equal to the one before it. */
static tabllm_status header_names(const tl_html_rows *r, const tl_html_plan *plan,
                                  tl_cell *names, tl_buf *joined, size_t *offsets)
{
    for (size_t c = 0; c < r->width; c++) {
        offsets[c] = joined->len;
        const char *prev = NULL;
        size_t prev_len = 0;
        for (size_t l = 0; l < plan->n_levels; l++) {
            tl_cell t = row_cell(r, plan->keep[plan->levels[l]], c);
            if (t.len == 0 || (prev && prev_len == t.len && memcmp(prev, t.text, t.len) == 0))
                continue;
            if (joined->len > offsets[c])
                tl_buf_putc(joined, ' ');
            tl_buf_append(joined, t.text, t.len);
            prev = t.text;
            prev_len = t.len;
        }
    }
    if (tl_buf_status(joined) != TABLLM_OK)
        return tl_buf_status(joined);
    for (size_t c = 0; c < r->width; c++) {
        size_t end = c + 1 < r->width ? offsets[c + 1] : joined->len;
        names[c] = (tl_cell){joined->data ? joined->data + offsets[c] : "", end - offsets[c],
                             TL_CELL_TEXT, {0}};
    }
    return TABLLM_OK;
}

tabllm_status tl_html_build(const tl_html_rows *r, const tabllm_table_read_params *p,
                            tabllm_table **out)
{
    bool header = r->n_head > 0 && !(p->flags & TABLLM_READ_NO_HEADER);
    tl_html_plan plan;
    tl_cell *names = NULL;
    size_t *offsets = NULL;
    tl_buf joined = TL_BUF_INIT;
    tl_builder b;
    memset(&b, 0, sizeof b);
    tabllm_status st = tl_html_plan_rows(r, header, &plan);
    if (st != TABLLM_OK)
        return st;
    /* A table pandas keeps can be empty once its nested tables are taken
     * out: then it has no rows (and no columns without a header). */
    if (plan.empty && plan.n_levels > 0 && plan.levels[plan.n_levels - 1] >= plan.n_keep)
        header = false;
    if (st == TABLLM_OK)
        st = tl_builder_init(&b, p, TABLLM_RAGGED_PAD, header);
    if (st == TABLLM_OK && header) {
        st = tl_alloc_array((void **)&names, r->width, sizeof *names, "column names");
        if (st == TABLLM_OK)
            st = tl_alloc_array((void **)&offsets, r->width, sizeof *offsets, "column names");
        if (st == TABLLM_OK)
            st = header_names(r, &plan, names, &joined, offsets);
        if (st == TABLLM_OK)
            st = tl_builder_set_header(&b, names, r->width);
    }
    for (size_t k = header ? plan.first_data : 0; k < plan.n_keep && st == TABLLM_OK; k++) {
        for (size_t c = 0; c < r->width && st == TABLLM_OK; c++) {
            tl_cell cell = row_cell(r, plan.keep[k], c);
            st = tl_builder_field(&b, cell.text, cell.len);
        }
        if (st == TABLLM_OK)
            st = tl_builder_end_row(&b);
    }
    if (st == TABLLM_OK)
        st = tl_builder_finish(&b, out);
    tl_builder_free(&b);
    tl_html_plan_free(&plan);
    tl_free(names);
    tl_free(offsets);
    tl_buf_free(&joined);
    return st;
}
