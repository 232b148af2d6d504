/* pandas 1.5 DataFrame.to_html() for frames of Python objects with a
 * default index, as rtfm's HtmlSerializer and TableProvider's html format
 * call it (pandas/io/formats/html.py). */
#ifndef TL_TABLE_FORMATS_PDHTML_H
#define TL_TABLE_FORMATS_PDHTML_H

#include <stdbool.h>

#include "base/buf.h"
#include "table/formats/pandas.h"

/* display.max_seq_items: pprint_thing shows at most this many dict items. */
#define TL_PD_MAX_SEQ_ITEMS 100

/* <table border="1" class="dataframe"> and, when `header`, the <thead> with
 * an empty index cell and the n column names; then <tbody>. */
void tl_pdhtml_open(tl_buf *b, const char *const *names, const size_t *lens, size_t n,
                    bool header);
/* The same for a single column named `name`. */
void tl_pdhtml_begin(tl_buf *b, const char *name);

/* One body row: the index label in <th>, then each value as pandas formats
 * an object cell (str(), tabs and newlines shown as \t \n, HTML-escaped,
 * stripped). */
void tl_pdhtml_row(tl_buf *b, const char *label, size_t label_len, const tl_pyval *cells,
                   size_t n);
/* A one-cell row whose value is a str. */
void tl_pdhtml_row_text(tl_buf *b, const char *label, const char *s, size_t len);
/* A one-cell row whose value pandas printed itself (a dict): only escaped
 * and stripped. */
void tl_pdhtml_row_raw(tl_buf *b, const char *label, const char *s, size_t len);

/* </tbody></table> (no newline after it). */
void tl_pdhtml_end(tl_buf *b);

/* rtfm's strip_html_whitespace: re.sub(r">\s+<", "><", html). */
void tl_pdhtml_strip_whitespace(tl_buf *b, const char *html, size_t len);

/* Appends pprint_thing(s, escape_chars=("\t","\r","\n")): those three
 * characters as the two-character escapes. */
void tl_pd_escape_tabs(tl_buf *b, const char *s, size_t len);

#endif
