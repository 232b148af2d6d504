/* The HTML reader's parts (read_html.c finds the tables, html_rows.c turns
 * one into rows, html_text.c cleans cell text), following pandas.read_html
 * with its default lxml flavour (pandas 1.5, io/html.py). */
#ifndef TL_TABLE_HTML_H
#define TL_TABLE_HTML_H

#include <libxml/tree.h>

#include "base/buf.h"
#include "table/read.h"

/* Set in xmlNode._private of elements that pandas removes because their
 * style says display:none (displayed_only=True). */
extern const char tl_html_removed_mark;

static inline bool tl_html_is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->name != NULL &&
           xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

static inline bool tl_html_removed(const xmlNode *n)
{
    return n->_private == &tl_html_removed_mark;
}

static inline bool tl_html_is_text(const xmlNode *n)
{
    return n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE;
}

/* Appends pandas' cleaned version of s[0..len) (html_text.c). */
void tl_html_clean_text(tl_buf *out, const char *s, size_t len);

/* The rows of one <table>, expanded as pandas does (html_rows.c). */
typedef struct tl_html_cell {
    size_t offset, len; /* into text */
} tl_html_cell;

typedef struct tl_html_rows {
    tl_buf text;          /* every cleaned cell text */
    tl_html_cell *cells;  /* all rows, one after another */
    size_t n_cells, cells_cap;
    size_t *ends;         /* ends[r]: one past row r's last cell */
    size_t n_rows, rows_cap;
    size_t n_head, n_body, n_foot; /* rows per section, in that order */
    size_t width;         /* the longest row */
    size_t max_cells, max_columns; /* caps on the expansion */
} tl_html_rows;

/* `nested`: read nested tables' rows and text into this one, as pandas does
 * (for counting tables as pandas counts them); otherwise they stay apart. */
tabllm_status tl_html_table_rows(xmlNode *table, const xmlNode *root, bool nested,
                                 tl_html_rows *out);
void tl_html_rows_free(tl_html_rows *rows);

/* Which rows pandas reads and which of them name the columns. */
typedef struct tl_html_plan {
    size_t *keep;       /* rows the parser keeps, in order */
    size_t n_keep;
    size_t *levels;     /* header rows, as positions in keep */
    size_t n_levels;
    size_t first_data;  /* position in keep of the first data row */
    bool empty;         /* pandas drops the table (EmptyDataError) */
} tl_html_plan;

tabllm_status tl_html_plan_rows(const tl_html_rows *rows, bool header, tl_html_plan *plan);
void tl_html_plan_free(tl_html_plan *plan);

/* Builds the table from expanded rows: header rows as pandas chooses them. */
tabllm_status tl_html_build(const tl_html_rows *rows, const tabllm_table_read_params *p,
                            tabllm_table **out);

#endif
