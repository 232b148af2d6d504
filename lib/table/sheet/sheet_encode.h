/* The SpreadsheetLLM encodings (docs/spreadsheets.md):
 *   sheet-vanilla     "A1,Year|B1,Revenue" rows, one line per sheet row
 *   sheet-compressed  SheetCompressor: structural anchors, inverted index,
 *                     format-aware aggregation, "(content|A1:B3)" tuples
 * Both take any table: spreadsheets bring their addresses and formats,
 * other tables get them from their position and their cells' types. */
#ifndef TL_TABLE_SHEET_SHEET_ENCODE_H
#define TL_TABLE_SHEET_SHEET_ENCODE_H

#include "table/encode.h"

tabllm_status tl_encode_sheet_vanilla(const tl_view *view, const tabllm_encode_params *params,
                                      tl_buf *out);
tabllm_status tl_encode_sheet_compressed(const tl_view *view, const tabllm_encode_params *params,
                                         tl_buf *out);

/* Structural anchors (module 1): marks the grid rows and columns kept
 * (keep_rows[r], keep_cols[c]) around heterogeneous boundaries, within k. */
struct tl_grid;
tabllm_status tl_sheet_anchors(const struct tl_grid *g, uint32_t k, bool *keep_rows,
                               bool *keep_cols);

#endif
