/* libFuzzer target: every paper encoding (TabuLa, Table Meets LLM, UniPredict,
 * CABINET, the standard grid/xml/latex/nl-sep forms) on small tables made
 * from the input. Byte 0 picks the column count, byte 1 the flags, byte 2
 * the cell rendering, row, template and target; the rest is split at 0x1e
 * (next cell) into the header and then the cells, any bytes at all. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "table/encode.h"
#include "table/formats/formats.h"
#include "table/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const tl_encoder_fn encoders[] = {
    tl_encode_tabula,         tl_encode_tabula_v1,       tl_encode_tabula_structured,
    tl_encode_tabula_json,    tl_encode_tabula_pdseries, tl_encode_tabula_html,
    tl_encode_tabula_html_nows, tl_encode_unipredict,    tl_encode_unipredict_rows,
    tl_encode_unipredict_labels, tl_encode_cabinet,      tl_encode_cabinet_tapex,
    tl_encode_tp_markdown,    tl_encode_tp_markdown_grid, tl_encode_tp_xml,
    tl_encode_tp_html,        tl_encode_tp_json,         tl_encode_tp_latex,
    tl_encode_tp_nl_sep,      tl_encode_markdown_grid,   tl_encode_xml,
    tl_encode_latex,          tl_encode_nl_sep,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 || size > 4096)
        return 0;
    size_t n_cols = 1 + data[0] % 5;
    uint8_t flags = data[1], opts = data[2];
    const char *text = (const char *)data + 3;
    size_t len = size - 3;

    tabllm_table *t = NULL;
    if (tl_table_new(n_cols, &t) != TABLLM_OK)
        return 0;
    const char *cells[5];
    size_t lens[5];
    size_t col = 0, start = 0, rows = 0;
    bool header = true;
    for (size_t i = 0; i <= len && rows < 12; i++) {
        if (i < len && text[i] != '\x1e')
            continue;
        cells[col] = text + start;
        lens[col] = i - start;
        start = i + 1;
        if (++col < n_cols)
            continue;
        col = 0;
        if (header) {
            for (size_t c = 0; c < n_cols; c++)
                tl_table_set_column_name(t, c, cells[c], lens[c]);
            header = false;
        } else {
            tl_table_append_row(t, cells, lens);
            rows++;
        }
    }

    size_t *view_rows = tl_calloc(t->n_rows + 1, sizeof *view_rows);
    size_t *view_cols = tl_calloc(n_cols + 1, sizeof *view_cols);
    if (view_rows && view_cols) {
        /* the view: every row, the columns in order or reversed */
        for (size_t r = 0; r < t->n_rows; r++)
            view_rows[r] = r;
        for (size_t c = 0; c < n_cols; c++)
            view_cols[c] = (opts & 0x80) ? n_cols - 1 - c : c;
        tl_view view = {t, view_rows, t->n_rows, view_cols, n_cols};
        char target[64];
        size_t tlen = t->header[0].len < sizeof target - 1 ? t->header[0].len : sizeof target - 1;
        memcpy(target, t->header[0].text, tlen);
        target[tlen] = '\0';
        const char *labels[] = {"a", "", "5"};
        tabllm_encode_params p;
        memset(&p, 0, sizeof p);
        p.struct_size = sizeof p;
        p.flags = flags & 0x7;
        p.cells = opts & 3; /* includes one invalid value */
        p.row = (opts & 4) && t->n_rows > 0 ? (int64_t)((opts >> 3) % t->n_rows) : -1;
        p.prompt_template = (opts >> 5) & 3;
        p.target = (flags & 0x10) ? "not a column" : target;
        p.labels = (flags & 0x20) ? labels : NULL;
        p.n_labels = (flags & 0x20) ? 3 : 0;
        p.title = (flags & 0x40) ? "T" : NULL;
        p.context = (flags & 0x80) ? "C\n" : NULL;
        p.caption = "cap";
        p.question = (flags & 0x08) ? "Q \xce\xa3?" : NULL;
        p.annotation = (flags & 0x40) ? "about" : NULL;
        for (size_t e = 0; e < sizeof encoders / sizeof *encoders; e++) {
            tl_buf out = TL_BUF_INIT;
            out.limit = 1 << 20;
            encoders[e](&view, &p, &out);
            tl_buf_free(&out);
        }
    }
    tl_free(view_rows);
    tl_free(view_cols);
    tl_table_destroy(t);
    return 0;
}
