/* A fast, strict JSON reader for tokenizer files.
 *
 * Why not jansson (lib/base/json.h): Llama 3's 9 MB tokenizer.json takes about
 * 300 ms to parse with it, twice the whole load budget. This reader builds a
 * flat tree in one pass (about 10x faster): strings without escapes point into
 * the source text, escaped ones are decoded into an arena, and the children of
 * an array or object are stored contiguously. It validates everything JSON
 * requires (RFC 8259 grammar, UTF-8, escapes and surrogate pairs, a depth cap)
 * and reports errors as "name:line:column: message". */
#ifndef TL_TOKENIZER_TJSON_H
#define TL_TOKENIZER_TJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"

typedef enum tj_type {
    TJ_NULL = 0,
    TJ_FALSE,
    TJ_TRUE,
    TJ_NUMBER,
    TJ_STRING,
    TJ_ARRAY,
    TJ_OBJECT,
} tj_type;

typedef struct tj_node {
    uint8_t type;
    uint8_t is_int;  /* TJ_NUMBER written as an integer that fits int64 */
    uint32_t len;    /* string: bytes; array: elements; object: members */
    size_t pos;      /* byte offset in the source, for messages */
    union {
        const char *str;  /* TJ_STRING (not NUL-terminated) */
        size_t first;     /* TJ_ARRAY/TJ_OBJECT: index of the first child */
        struct {
            double real;
            int64_t integer;
        } num;
    } u;
} tj_node;

typedef struct tj_doc {
    const char *name; /* for messages */
    const char *text;
    size_t text_len;
    tj_node *nodes;   /* nodes[0] is the root; an object's children alternate key, value */
    size_t n_nodes;
    tl_arena strings; /* decoded escaped strings */
} tj_doc;

/* Parses text[0..len) (which must outlive the document). */
tabllm_status tj_parse(const char *name, const char *text, size_t len, tj_doc *doc);
void tj_free(tj_doc *doc);

static inline const tj_node *tj_root(const tj_doc *d)
{
    return &d->nodes[0];
}
/* The i-th element of an array. */
static inline const tj_node *tj_at(const tj_doc *d, const tj_node *arr, size_t i)
{
    return &d->nodes[arr->u.first + i];
}
/* The i-th member of an object: key and value. */
static inline const tj_node *tj_key(const tj_doc *d, const tj_node *obj, size_t i)
{
    return &d->nodes[obj->u.first + 2 * i];
}
static inline const tj_node *tj_val(const tj_doc *d, const tj_node *obj, size_t i)
{
    return &d->nodes[obj->u.first + 2 * i + 1];
}

/* The value of `key` in an object (the last one if repeated, as serde does for
 * maps); NULL when absent or when `obj` is not an object. */
const tj_node *tj_get(const tj_doc *d, const tj_node *obj, const char *key);
bool tj_str_eq(const tj_node *n, const char *s);
const char *tj_type_name(const tj_node *n);

/* Sets a FORMAT error "name:line:column: <path>: message" at node n. */
tabllm_status tj_error(const tj_doc *d, const tj_node *n, const char *fmt, ...) TL_PRINTF(3, 4);

/* Typed field readers: "path" names the field in messages. The _opt forms
 * leave *out unchanged when the key is absent or null. */
tabllm_status tj_req(const tj_doc *d, const tj_node *obj, const char *key, tj_type type,
                     const char *path, const tj_node **out);
tabllm_status tj_opt_bool(const tj_doc *d, const tj_node *obj, const char *key, const char *path,
                          bool *out);
tabllm_status tj_opt_uint(const tj_doc *d, const tj_node *obj, const char *key, const char *path,
                          uint64_t max, uint64_t *out);
/* A string field; *out is NULL when absent or null. */
tabllm_status tj_opt_str(const tj_doc *d, const tj_node *obj, const char *key, const char *path,
                         const tj_node **out);

#endif
