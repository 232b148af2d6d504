/* The generic encodings (docs/table-formats.md, "Generic encodings"). */
#ifndef TL_TABLE_ENC_GENERIC_H
#define TL_TABLE_ENC_GENERIC_H

#include "table/encode.h"

tabllm_status tl_encode_csv(const tl_view *v, const tabllm_encode_params *p, tl_buf *out);
tabllm_status tl_encode_tsv(const tl_view *v, const tabllm_encode_params *p, tl_buf *out);
tabllm_status tl_encode_markdown(const tl_view *v, const tabllm_encode_params *p, tl_buf *out);
tabllm_status tl_encode_html(const tl_view *v, const tabllm_encode_params *p, tl_buf *out);
tabllm_status tl_encode_json(const tl_view *v, const tabllm_encode_params *p, tl_buf *out);
tabllm_status tl_encode_key_value(const tl_view *v, const tabllm_encode_params *p, tl_buf *out);
tabllm_status tl_encode_template(const tl_view *v, const tabllm_encode_params *p, tl_buf *out);

#endif
