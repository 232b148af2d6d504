/* The registry: every encoding this build implements, its CLI name and its
 * function. tabllm_encoding_from_name/tabllm_encoding_name read it, so an
 * encoding exists for callers exactly when it has a line here. */
#include <string.h>

#include "table/enc_generic.h"
#include "table/encode.h"
#include "table/formats/formats.h"
#include "table/sheet/sheet_encode.h"

static const tl_encoder encoders[] = {
    /* Generic (docs/table-formats.md, "Generic encodings") */
    {TABLLM_ENCODING_CSV, "csv", tl_encode_csv},
    {TABLLM_ENCODING_TSV, "tsv", tl_encode_tsv},
    {TABLLM_ENCODING_MARKDOWN, "markdown", tl_encode_markdown},
    {TABLLM_ENCODING_HTML, "html", tl_encode_html},
    {TABLLM_ENCODING_JSON, "json", tl_encode_json},
    {TABLLM_ENCODING_KEY_VALUE, "kv", tl_encode_key_value},
    {TABLLM_ENCODING_TEMPLATE, "template", tl_encode_template},
    /* The standard forms of the Table Meets LLM layouts (table/formats/standard.c) */
    {TABLLM_ENCODING_MARKDOWN_GRID, "markdown-grid", tl_encode_markdown_grid},
    {TABLLM_ENCODING_XML, "xml", tl_encode_xml},
    {TABLLM_ENCODING_LATEX, "latex", tl_encode_latex},
    {TABLLM_ENCODING_NL_SEP, "nl-sep", tl_encode_nl_sep},
    /* Paper formats, byte for byte (docs/table-formats.md, "Paper formats") */
    {TABLLM_ENCODING_TP_MARKDOWN, "tp-markdown", tl_encode_tp_markdown},
    {TABLLM_ENCODING_TP_MARKDOWN_GRID, "tp-markdown-grid", tl_encode_tp_markdown_grid},
    {TABLLM_ENCODING_TP_XML, "tp-xml", tl_encode_tp_xml},
    {TABLLM_ENCODING_TP_HTML, "tp-html", tl_encode_tp_html},
    {TABLLM_ENCODING_TP_JSON, "tp-json", tl_encode_tp_json},
    {TABLLM_ENCODING_TP_LATEX, "tp-latex", tl_encode_tp_latex},
    {TABLLM_ENCODING_TP_NL_SEP, "tp-nl-sep", tl_encode_tp_nl_sep},
    {TABLLM_ENCODING_TABULA, "tabula", tl_encode_tabula},
    {TABLLM_ENCODING_TABULA_V1, "tabula-v1", tl_encode_tabula_v1},
    {TABLLM_ENCODING_TABULA_STRUCTURED, "tabula-structured", tl_encode_tabula_structured},
    {TABLLM_ENCODING_TABULA_JSON, "tabula-json", tl_encode_tabula_json},
    {TABLLM_ENCODING_TABULA_PDSERIES, "tabula-pdseries", tl_encode_tabula_pdseries},
    {TABLLM_ENCODING_TABULA_HTML, "tabula-html", tl_encode_tabula_html},
    {TABLLM_ENCODING_TABULA_HTML_NOWS, "tabula-html-nows", tl_encode_tabula_html_nows},
    {TABLLM_ENCODING_UNIPREDICT, "unipredict", tl_encode_unipredict},
    {TABLLM_ENCODING_UNIPREDICT_ROWS, "unipredict-rows", tl_encode_unipredict_rows},
    {TABLLM_ENCODING_UNIPREDICT_LABELS, "unipredict-labels", tl_encode_unipredict_labels},
    {TABLLM_ENCODING_CABINET, "cabinet", tl_encode_cabinet},
    {TABLLM_ENCODING_CABINET_TAPEX, "cabinet-tapex", tl_encode_cabinet_tapex},
    /* SpreadsheetLLM (docs/spreadsheets.md) */
    {TABLLM_ENCODING_SHEET_VANILLA, "sheet-vanilla", tl_encode_sheet_vanilla},
    {TABLLM_ENCODING_SHEET_COMPRESSED, "sheet-compressed", tl_encode_sheet_compressed},
};

#define N_ENCODERS (sizeof encoders / sizeof encoders[0])

const tl_encoder *tl_encoder_find(tabllm_encoding id)
{
    for (size_t i = 0; i < N_ENCODERS; i++)
        if (encoders[i].id == id)
            return &encoders[i];
    return NULL;
}

const tl_encoder *tl_encoder_find_name(const char *name)
{
    for (size_t i = 0; i < N_ENCODERS; i++)
        if (strcmp(encoders[i].name, name) == 0)
            return &encoders[i];
    return NULL;
}

size_t tl_encoder_count(void)
{
    return N_ENCODERS;
}

const tl_encoder *tl_encoder_at(size_t i)
{
    return i < N_ENCODERS ? &encoders[i] : NULL;
}

TABLLM_API tabllm_status tabllm_encoding_from_name(const char *name, tabllm_encoding *out)
{
    if (name == NULL || out == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_encoding_from_name: NULL argument");
    const tl_encoder *e = tl_encoder_find_name(name);
    if (e == NULL)
        return tl_error(TABLLM_ERR_NOT_FOUND, "no encoding named '%.100s'", name);
    *out = e->id;
    return TABLLM_OK;
}

TABLLM_API const char *tabllm_encoding_name(tabllm_encoding encoding)
{
    const tl_encoder *e = tl_encoder_find(encoding);
    return e ? e->name : NULL;
}
