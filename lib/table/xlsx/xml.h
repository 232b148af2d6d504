/* Streaming XML over a zip part (libxml2's xmlTextReader), locked down.
 *
 * OOXML parts never need a DTD, so any <!DOCTYPE> is refused: that closes
 * external entities (XXE), entity expansion bombs and DTD loading at once.
 * The parser also runs with XML_PARSE_NONET and without entity substitution
 * or DTD loading, and element nesting is capped. Every error names the part
 * and the line ("xl/worksheets/sheet1.xml:12: ..."). */
#ifndef TL_TABLE_XLSX_XML_H
#define TL_TABLE_XLSX_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "table/xlsx/zip.h"

/* Node types we act on (the values of libxml2's xmlReaderTypes). */
enum {
    TL_XML_ELEMENT = 1,
    TL_XML_TEXT = 3,
    TL_XML_CDATA = 4,
    TL_XML_WHITESPACE = 13,
    TL_XML_SIGNIFICANT_WHITESPACE = 14,
    TL_XML_END_ELEMENT = 15,
};

typedef struct tl_xml {
    void *reader;      /* xmlTextReaderPtr */
    tl_zip_part *part;
    const char *name;  /* part name, for messages */
    tabllm_status status; /* first failure (I/O callback, parser, limits) */
    unsigned max_depth;
    tl_buf scratch;    /* attribute values of the current element */
    /* the thread's libxml2 generic error handler, restored at close */
    void (*saved_error_fn)(void *ctx, const char *msg, ...);
    void *saved_error_ctx;
} tl_xml;

tabllm_status tl_xml_open(tl_xml *x, tl_zip *zip, const char *part, const tl_xlsx_limits *limits);
void tl_xml_close(tl_xml *x);

/* Advances to the next node: 1 for a node, 0 at the end of the document,
 * -1 on failure (x->status and the thread's error are set). */
int tl_xml_next(tl_xml *x);

int tl_xml_type(const tl_xml *x);
int tl_xml_depth(const tl_xml *x);
bool tl_xml_is_empty(const tl_xml *x); /* <c/>: no END_ELEMENT follows */
const char *tl_xml_local_name(const tl_xml *x);
bool tl_xml_is(const tl_xml *x, const char *local_name); /* ELEMENT with this name */
/* Text of a TEXT/CDATA/whitespace node. */
const char *tl_xml_value(const tl_xml *x);
int tl_xml_line(const tl_xml *x);

/* Copies the current element's attributes whose local names are in
 * `names` into `values` (NULL when absent). The strings stay valid until
 * the next call. `ns_fragment`, when not NULL, must occur in the namespace
 * of the attributes (used for r:id, whose namespace varies between
 * transitional and strict OOXML). */
tabllm_status tl_xml_attrs(tl_xml *x, const char *const *names, size_t n, const char **values,
                           const char *ns_fragment);

/* Sets the error "part:line: message" and returns `status`. */
tabllm_status tl_xml_fail(tl_xml *x, tabllm_status status, const char *fmt, ...) TL_PRINTF(3, 4);

/* Skips the subtree of the current element (it must be an ELEMENT). */
int tl_xml_skip(tl_xml *x);

#endif
