#include "table/xlsx/xml.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>

#include "base/alloc.h"

/* libxml2 wants one xmlInitParser() before use from several threads. */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static void init_libxml(void)
{
    xmlInitParser();
}

static int io_read(void *ctx, char *buf, int len)
{
    tl_xml *x = ctx;
    if (len <= 0)
        return 0;
    size_t got;
    tabllm_status st = tl_zip_part_read(x->part, buf, (size_t)len, &got);
    if (st != TABLLM_OK) {
        if (x->status == TABLLM_OK)
            x->status = st; /* the message is already set */
        return -1;
    }
    return (int)got;
}

static void on_error(void *ctx, xmlErrorPtr err)
{
    tl_xml *x = ctx;
    if (x->status != TABLLM_OK || err == NULL || err->level < XML_ERR_ERROR)
        return;
    char msg[200];
    snprintf(msg, sizeof msg, "%s", err->message ? err->message : "malformed XML");
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    if (err->int2 > 0)
        x->status = tl_error(TABLLM_ERR_FORMAT, "%s:%d:%d: bad XML: %s", x->name, err->line,
                             err->int2, msg);
    else
        x->status = tl_error(TABLLM_ERR_FORMAT, "%s:%d: bad XML: %s", x->name, err->line, msg);
}

/* libxml2 reports some problems (encodings, I/O) through its generic
 * handler, which prints to stderr by default; the library must not print. */
static void silent(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

tabllm_status tl_xml_open(tl_xml *x, tl_zip *zip, const char *part, const tl_xlsx_limits *limits)
{
    memset(x, 0, sizeof *x);
    pthread_once(&init_once, init_libxml);
    x->name = part;
    x->max_depth = limits->max_xml_depth;
    tabllm_status st = tl_zip_part_open(zip, part, &x->part);
    if (st != TABLLM_OK)
        return st;
    /* The generic handler is per thread; the host's is put back at close. */
    x->saved_error_fn = xmlGenericError;
    x->saved_error_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, silent);
    /* No XML_PARSE_NOENT (entity substitution), no DTDLOAD/DTDATTR, no
     * XInclude, no network; CDATA arrives as text. */
    xmlTextReaderPtr r =
        xmlReaderForIO(io_read, NULL, x, part, NULL, XML_PARSE_NONET | XML_PARSE_NOCDATA);
    if (r == NULL) {
        tl_xml_close(x);
        return tl_error(TABLLM_ERR_OUT_OF_MEMORY, "%s: cannot create an XML reader", part);
    }
    xmlTextReaderSetStructuredErrorHandler(r, on_error, x);
    xmlTextReaderSetParserProp(r, XML_PARSER_SUBST_ENTITIES, 0);
    xmlTextReaderSetParserProp(r, XML_PARSER_LOADDTD, 0);
    xmlTextReaderSetParserProp(r, XML_PARSER_DEFAULTATTRS, 0);
    xmlTextReaderSetParserProp(r, XML_PARSER_VALIDATE, 0);
    x->reader = r;
    return TABLLM_OK;
}

void tl_xml_close(tl_xml *x)
{
    if (x->reader)
        xmlFreeTextReader(x->reader);
    x->reader = NULL;
    if (x->saved_error_fn != NULL) {
        xmlSetGenericErrorFunc(x->saved_error_ctx, x->saved_error_fn);
        x->saved_error_fn = NULL;
        x->saved_error_ctx = NULL;
    }
    tl_zip_part_close(x->part);
    x->part = NULL;
    tl_buf_free(&x->scratch);
}

int tl_xml_line(const tl_xml *x)
{
    return xmlTextReaderGetParserLineNumber(x->reader);
}

tabllm_status tl_xml_fail(tl_xml *x, tabllm_status status, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    x->status = tl_error(status, "%s:%d: %s", x->name, tl_xml_line(x), msg);
    return x->status;
}

int tl_xml_next(tl_xml *x)
{
    if (x->status != TABLLM_OK)
        return -1;
    int rc = xmlTextReaderRead(x->reader);
    if (x->status != TABLLM_OK)
        return -1;
    if (rc < 0) {
        x->status = tl_error(TABLLM_ERR_FORMAT, "%s:%d: bad XML", x->name, tl_xml_line(x));
        return -1;
    }
    if (rc == 0)
        return 0;
    int type = xmlTextReaderNodeType(x->reader);
    if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
        tl_xml_fail(x, TABLLM_ERR_FORMAT,
                    "a DOCTYPE is not allowed in a spreadsheet part (refusing DTDs and entities)");
        return -1;
    }
    if (type == XML_READER_TYPE_ENTITY_REFERENCE) {
        tl_xml_fail(x, TABLLM_ERR_FORMAT, "entity references are not allowed");
        return -1;
    }
    int depth = xmlTextReaderDepth(x->reader);
    if (depth < 0 || (unsigned)depth > x->max_depth) {
        tl_xml_fail(x, TABLLM_ERR_LIMIT_EXCEEDED, "elements nest deeper than %u levels",
                    x->max_depth);
        return -1;
    }
    return 1;
}

int tl_xml_type(const tl_xml *x)
{
    return xmlTextReaderNodeType(x->reader);
}

int tl_xml_depth(const tl_xml *x)
{
    return xmlTextReaderDepth(x->reader);
}

bool tl_xml_is_empty(const tl_xml *x)
{
    return xmlTextReaderIsEmptyElement(x->reader) == 1;
}

const char *tl_xml_local_name(const tl_xml *x)
{
    const xmlChar *n = xmlTextReaderConstLocalName(x->reader);
    return n ? (const char *)n : "";
}

bool tl_xml_is(const tl_xml *x, const char *local_name)
{
    return tl_xml_type(x) == TL_XML_ELEMENT && strcmp(tl_xml_local_name(x), local_name) == 0;
}

const char *tl_xml_value(const tl_xml *x)
{
    const xmlChar *v = xmlTextReaderConstValue(x->reader);
    return v ? (const char *)v : "";
}

tabllm_status tl_xml_attrs(tl_xml *x, const char *const *names, size_t n, const char **values,
                           const char *ns_fragment)
{
    size_t offsets[8];
    if (n > 8)
        return tl_error(TABLLM_ERR_INTERNAL, "tl_xml_attrs: too many names");
    for (size_t i = 0; i < n; i++)
        offsets[i] = SIZE_MAX;
    tl_buf_truncate(&x->scratch, 0);
    xmlTextReaderPtr r = x->reader;
    if (xmlTextReaderHasAttributes(r) == 1) {
        int rc = xmlTextReaderMoveToFirstAttribute(r);
        while (rc == 1) {
            const char *local = (const char *)xmlTextReaderConstLocalName(r);
            const char *ns = (const char *)xmlTextReaderConstNamespaceUri(r);
            for (size_t i = 0; local && i < n; i++) {
                if (strcmp(local, names[i]) != 0)
                    continue;
                if (ns_fragment ? (ns == NULL || strstr(ns, ns_fragment) == NULL) : ns != NULL)
                    continue;
                const char *v = (const char *)xmlTextReaderConstValue(r);
                offsets[i] = x->scratch.len;
                tl_buf_puts(&x->scratch, v ? v : "");
                tl_buf_putc(&x->scratch, '\0');
            }
            rc = xmlTextReaderMoveToNextAttribute(r);
        }
        xmlTextReaderMoveToElement(r);
        if (rc < 0)
            return tl_xml_fail(x, TABLLM_ERR_FORMAT, "bad attribute");
    }
    if (tl_buf_status(&x->scratch) != TABLLM_OK)
        return x->status = tl_buf_status(&x->scratch);
    for (size_t i = 0; i < n; i++)
        values[i] = offsets[i] == SIZE_MAX ? NULL : x->scratch.data + offsets[i];
    return TABLLM_OK;
}

int tl_xml_skip(tl_xml *x)
{
    if (tl_xml_is_empty(x))
        return 1;
    int depth = tl_xml_depth(x);
    for (;;) {
        int rc = tl_xml_next(x);
        if (rc <= 0)
            return rc < 0 ? -1 : 0;
        if (tl_xml_type(x) == TL_XML_END_ELEMENT && tl_xml_depth(x) == depth)
            return 1;
    }
}
