/* The paper encoders: each prints a view exactly as its authors' code does.
 * Registered in table/encoders.c; docs/table-formats.md ("Paper formats")
 * describes every layout and quirk. */
#ifndef TL_TABLE_FORMATS_FORMATS_H
#define TL_TABLE_FORMATS_FORMATS_H

#include "table/encode.h"

/* TabuLa-8B (mlfoundations/rtfm serializers), one prompt per row. */
tabllm_status tl_encode_tabula(const tl_view *view, const tabllm_encode_params *params,
                               tl_buf *out);
tabllm_status tl_encode_tabula_v1(const tl_view *view, const tabllm_encode_params *params,
                                  tl_buf *out);
tabllm_status tl_encode_tabula_structured(const tl_view *view,
                                          const tabllm_encode_params *params, tl_buf *out);
tabllm_status tl_encode_tabula_json(const tl_view *view, const tabllm_encode_params *params,
                                    tl_buf *out);
tabllm_status tl_encode_tabula_pdseries(const tl_view *view, const tabllm_encode_params *params,
                                        tl_buf *out);
tabllm_status tl_encode_tabula_html(const tl_view *view, const tabllm_encode_params *params,
                                    tl_buf *out);
tabllm_status tl_encode_tabula_html_nows(const tl_view *view,
                                         const tabllm_encode_params *params, tl_buf *out);

/* UniPredict */
tabllm_status tl_encode_unipredict(const tl_view *view, const tabllm_encode_params *params,
                                   tl_buf *out);
tabllm_status tl_encode_unipredict_rows(const tl_view *view, const tabllm_encode_params *params,
                                        tl_buf *out);
tabllm_status tl_encode_unipredict_labels(const tl_view *view,
                                          const tabllm_encode_params *params, tl_buf *out);

/* CABINET */
tabllm_status tl_encode_cabinet(const tl_view *view, const tabllm_encode_params *params,
                                tl_buf *out);
tabllm_status tl_encode_cabinet_tapex(const tl_view *view, const tabllm_encode_params *params,
                                      tl_buf *out);

/* Table Meets LLM (microsoft/TableProvider StructuredDataLinearize) */
tabllm_status tl_encode_tp_markdown(const tl_view *view, const tabllm_encode_params *params,
                                    tl_buf *out);
tabllm_status tl_encode_tp_markdown_grid(const tl_view *view,
                                         const tabllm_encode_params *params, tl_buf *out);
tabllm_status tl_encode_tp_xml(const tl_view *view, const tabllm_encode_params *params,
                               tl_buf *out);
tabllm_status tl_encode_tp_html(const tl_view *view, const tabllm_encode_params *params,
                                tl_buf *out);
tabllm_status tl_encode_tp_json(const tl_view *view, const tabllm_encode_params *params,
                                tl_buf *out);
tabllm_status tl_encode_tp_latex(const tl_view *view, const tabllm_encode_params *params,
                                 tl_buf *out);
tabllm_status tl_encode_tp_nl_sep(const tl_view *view, const tabllm_encode_params *params,
                                  tl_buf *out);

/* The standard forms of the Table Meets LLM layouts (without the code's
 * defects): grid table, escaped XML, escaped LaTeX, `|`-separated lines. */
tabllm_status tl_encode_markdown_grid(const tl_view *view, const tabllm_encode_params *params,
                                      tl_buf *out);
tabllm_status tl_encode_xml(const tl_view *view, const tabllm_encode_params *params,
                            tl_buf *out);
tabllm_status tl_encode_latex(const tl_view *view, const tabllm_encode_params *params,
                              tl_buf *out);
tabllm_status tl_encode_nl_sep(const tl_view *view, const tabllm_encode_params *params,
                               tl_buf *out);

#endif
