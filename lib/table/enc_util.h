/* Small pieces the encoders share: cell access through a view, and the
 * escaping rules of CSV, JSON and HTML. */
#ifndef TL_TABLE_ENC_UTIL_H
#define TL_TABLE_ENC_UTIL_H

#include "table/encode.h"

/* Cell j of output row i, and the name of output column j. */
static inline const tl_cell *tl_view_cell(const tl_view *v, size_t i, size_t j)
{
    return tl_table_cell(v->table, v->rows[i], v->cols[j]);
}

static inline const tl_cell *tl_view_name(const tl_view *v, size_t j)
{
    return tl_table_column_name(v->table, v->cols[j]);
}

/* A field as Python's csv.writer writes it with QUOTE_MINIMAL: quoted when
 * it holds the delimiter, a quote, CR or LF (quotes doubled); a lone empty
 * field in a row of one column is written "" so the row is not blank. */
void tl_csv_write_field(tl_buf *out, const char *s, size_t len, char delim, bool only_field);

/* A JSON string as Python's json.dumps(ensure_ascii=False) writes it. */
void tl_json_write_string(tl_buf *out, const char *s, size_t len);

/* True when s[0..len) is a number in JSON's grammar. */
bool tl_is_json_number(const char *s, size_t len);

/* A cell as a JSON value from its type: null, true/false, a number exactly
 * as written (when the text is a JSON number), else a string. */
void tl_json_write_cell(tl_buf *out, const tl_cell *cell);

/* Text escaped as Python's html.escape(s, quote=True) does (& < > " '),
 * and, when `breaks`, line breaks (LF, CR LF, CR) written as <br>. */
void tl_html_write_escaped(tl_buf *out, const char *s, size_t len, bool breaks);

/* Generic encoders print cells as written; the pandas rendering belongs to
 * the paper formats. Fails for TABLLM_CELLS_PANDAS, naming the encoding. */
tabllm_status tl_require_verbatim(const tabllm_encode_params *p, const char *encoding);

#endif
