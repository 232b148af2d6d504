/* HTML tables, found and counted the way pandas.read_html (lxml flavour,
 * match=".+", displayed_only=True) finds and counts them:
 *  - the page is parsed by libxml2's HTML parser with lxml's options
 *    (recover, no network, compact) plus no error output, as UTF-8;
 *  - a <table> counts when some element inside it has a first text node
 *    with a character other than "\n" (pandas' XPath re:test(text(), '.+')
 *    over the elements below each table), taking into account the "\n"
 *    pandas puts after every <br>;
 *  - a table whose own style says display:none is left out, and inside the
 *    others every element styled display:none is removed with the text that
 *    follows it;
 *  - a table without cells is skipped (pandas drops it as empty), judged
 *    on pandas' own rows, in which a nested table's rows and text count;
 *  - tables are numbered in document order, nested ones included.
 * html_rows.c reads the chosen table. No global libxml2 state is touched
 * besides its one-time initialisation. */
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <libxml/HTMLparser.h>

#include "base/alloc.h"
#include "table/html.h"

const char tl_html_removed_mark = 0;

static pthread_once_t libxml_once = PTHREAD_ONCE_INIT;

static void init_libxml(void)
{
    xmlInitParser();
}

typedef struct page {
    const xmlNode *root;
    xmlNode **tables; /* every <table>, in document order */
    bool *matched, *listed;
    size_t n_tables, cap;
    size_t *stack; /* indexes of the tables enclosing the walk's position */
    size_t depth, stack_cap;
} page;

static bool has_non_newline(const xmlNode *n)
{
    for (const xmlChar *c = n->content; c != NULL && *c; c++)
        if (*c != '\n')
            return true;
    return false;
}

/* Whether re:test(text(), '.+') holds for element e once pandas has put
 * "\n" in front of every <br>'s tail. */
static bool first_text_matches(const xmlNode *e, const xmlNode *root)
{
    for (const xmlNode *c = e->children; c != NULL; c = c->next) {
        if (tl_html_is_text(c))
            return has_non_newline(c);
        if (tl_html_is(c, "br") && e != root) {
            /* The br's tail became "\n" + tail: one text node. */
            for (const xmlNode *t = c->next; t != NULL && tl_html_is_text(t); t = t->next)
                if (has_non_newline(t))
                    return true;
            return false;
        }
    }
    return false;
}

static bool style_hides(const xmlNode *e)
{
    xmlChar *style = xmlGetProp(e, (const xmlChar *)"style");
    if (style == NULL)
        return false;
    /* pandas: "display:none" in style.replace(" ", "") */
    char *w = (char *)style;
    for (const char *r = (const char *)style; *r; r++)
        if (*r != ' ')
            *w++ = *r;
    *w = '\0';
    bool hidden = strstr((const char *)style, "display:none") != NULL;
    xmlFree(style);
    return hidden;
}

static tabllm_status push(page *pg, size_t index)
{
    if (pg->depth == pg->stack_cap) {
        tabllm_status st = tl_grow_array((void **)&pg->stack, &pg->stack_cap, pg->depth + 1,
                                         sizeof *pg->stack, "table nesting");
        if (st != TABLLM_OK)
            return st;
    }
    pg->stack[pg->depth++] = index;
    return TABLLM_OK;
}

static tabllm_status add_table(page *pg, xmlNode *t)
{
    if (pg->n_tables == pg->cap) {
        size_t cap = pg->cap;
        tabllm_status st = tl_grow_array((void **)&pg->tables, &cap, pg->n_tables + 1,
                                         sizeof *pg->tables, "tables");
        if (st == TABLLM_OK) {
            cap = pg->cap;
            st = tl_grow_array((void **)&pg->matched, &cap, pg->n_tables + 1,
                               sizeof *pg->matched, "tables");
        }
        if (st == TABLLM_OK) {
            cap = pg->cap;
            st = tl_grow_array((void **)&pg->listed, &cap, pg->n_tables + 1, sizeof *pg->listed,
                               "tables");
        }
        if (st != TABLLM_OK)
            return st;
        pg->cap = cap;
    }
    pg->tables[pg->n_tables] = t;
    pg->matched[pg->n_tables] = false;
    pg->listed[pg->n_tables] = false;
    pg->n_tables++;
    return TABLLM_OK;
}

/* Walk 1: every table, and which ones match. Walk 2 (second = true): mark
 * the display:none elements inside listed tables. Both are iterative, so
 * deep nesting cannot exhaust the stack. */
static tabllm_status walk(page *pg, xmlDoc *doc, bool second)
{
    tabllm_status st = TABLLM_OK;
    size_t next_table = 0;
    size_t listed_open = 0; /* listed tables on the stack (walk 2) */
    pg->depth = 0;
    xmlNode *n = doc->children;
    while (n != NULL && st == TABLLM_OK) {
        bool is_table = tl_html_is(n, "table");
        if (n->type == XML_ELEMENT_NODE) {
            size_t enclosing = pg->depth;
            if (!second) {
                if (is_table)
                    st = add_table(pg, n);
                if (st == TABLLM_OK && enclosing > 0 && first_text_matches(n, pg->root)) {
                    for (size_t k = enclosing; k-- > 0 && !pg->matched[pg->stack[k]];)
                        pg->matched[pg->stack[k]] = true;
                }
            } else if (listed_open > 0 && style_hides(n)) {
                n->_private = (void *)&tl_html_removed_mark;
            }
            if (is_table && st == TABLLM_OK) {
                size_t index = second ? next_table++ : pg->n_tables - 1;
                st = push(pg, index);
                listed_open += second && pg->listed[index];
            }
        }
        if (st != TABLLM_OK)
            break;
        if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
            n = n->children;
            continue;
        }
        for (;;) {
            if (tl_html_is(n, "table")) {
                pg->depth--;
                listed_open -= second && pg->listed[pg->stack[pg->depth]];
            }
            if (n->next != NULL) {
                n = n->next;
                break;
            }
            n = n->parent;
            if (n == NULL || n == (xmlNode *)doc) {
                n = NULL;
                break;
            }
        }
    }
    return st;
}

static tabllm_status find_table(const tl_input *in, const tabllm_table_read_params *p,
                                xmlDoc *doc, tabllm_table **out)
{
    page pg = {0};
    pg.root = xmlDocGetRootElement(doc);
    tabllm_status st = walk(&pg, doc, false);
    for (size_t i = 0; i < pg.n_tables; i++)
        pg.listed[i] = pg.matched[i] && !style_hides(pg.tables[i]);
    if (st == TABLLM_OK)
        st = walk(&pg, doc, true);

    /* Span expansion is bounded by the cell cap and, so that a small page
     * cannot ask for gigabytes, by 64 cells per input byte (2^20 at least). */
    uint64_t amplified = (uint64_t)in->len * 64;
    if (amplified < (1u << 20))
        amplified = 1u << 20;
    size_t counted = 0;
    bool found = false;
    for (size_t i = 0; i < pg.n_tables && st == TABLLM_OK && !found; i++) {
        if (!pg.listed[i])
            continue;
        /* Counted as pandas counts (its own rows, nested ones included);
         * the chosen table is then read with nested tables kept apart. */
        tl_html_rows rows = {0};
        rows.max_cells = (size_t)(p->max_cells < amplified ? p->max_cells : amplified);
        rows.max_columns = (size_t)p->max_columns;
        st = tl_html_table_rows(pg.tables[i], pg.root, true, &rows);
        tl_html_plan plan = {0};
        if (st == TABLLM_OK)
            st = tl_html_plan_rows(&rows, true, &plan);
        bool empty = plan.empty;
        tl_html_plan_free(&plan);
        if (st == TABLLM_OK && !empty) {
            if (counted == p->table_index) {
                found = true;
                tl_html_rows_free(&rows);
                rows.max_cells = (size_t)(p->max_cells < amplified ? p->max_cells : amplified);
                rows.max_columns = (size_t)p->max_columns;
                st = tl_html_table_rows(pg.tables[i], pg.root, false, &rows);
                if (st == TABLLM_OK)
                    st = tl_html_build(&rows, p, out);
            }
            counted++;
        }
        if (st != TABLLM_OK) {
            tl_error_prefix("%s: table %zu (line %ld)", in->name, counted,
                            (long)xmlGetLineNo(pg.tables[i]));
        }
        tl_html_rows_free(&rows);
    }
    if (st == TABLLM_OK && !found) {
        if (counted == 0)
            st = tl_error(TABLLM_ERR_NOT_FOUND, "%s: no table with text in the document",
                          in->name);
        else
            st = tl_error(TABLLM_ERR_NOT_FOUND,
                          "%s: table index %u is out of range: the document has %zu table%s",
                          in->name, p->table_index, counted, counted == 1 ? "" : "s");
    }
    tl_free(pg.tables);
    tl_free(pg.matched);
    tl_free(pg.listed);
    tl_free(pg.stack);
    return st;
}

tabllm_status tl_read_html(const tl_input *in, const tabllm_table_read_params *p,
                           tabllm_table **out)
{
    *out = NULL;
    if (in->len > INT_MAX)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "%s: %zu bytes: HTML input is limited to %d "
                        "bytes", in->name, in->len, INT_MAX);
    pthread_once(&libxml_once, init_libxml);
    htmlParserCtxtPtr ctxt = htmlNewParserCtxt();
    if (ctxt == NULL)
        return tl_error_oom("an HTML parser");
    const int options = HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_COMPACT |
                        HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_IGNORE_ENC;
    xmlDoc *doc = htmlCtxtReadMemory(ctxt, in->data, (int)in->len, NULL, "UTF-8", options);
    tabllm_status st;
    if (doc == NULL || xmlDocGetRootElement(doc) == NULL)
        st = tl_error(TABLLM_ERR_NOT_FOUND, "%s: no table: the document has no HTML elements",
                      in->name);
    else
        st = find_table(in, p, doc, out);
    /* libxml2's HTML parser (pandas' too, through lxml) stops reading at 256
     * levels of nesting and keeps what came before. Tables before that point
     * are read as pandas reads them; but "no such table" would be untrue when
     * the parser stopped early, so that case names the limit instead. */
    const xmlError *e = xmlCtxtGetLastError(ctxt);
    if (st == TABLLM_ERR_NOT_FOUND && e != NULL && e->code == XML_ERR_INTERNAL_ERROR &&
        e->message != NULL && strstr(e->message, "Excessive depth") != NULL)
        st = tl_error(TABLLM_ERR_LIMIT_EXCEEDED,
                      "%s:%d: elements nest deeper than 256 levels, where the HTML parser stops "
                      "reading (as pandas' does); table %u is not before that point",
                      in->name, e->line, p->table_index);
    if (doc != NULL)
        xmlFreeDoc(doc);
    htmlFreeParserCtxt(ctxt);
    return st;
}
