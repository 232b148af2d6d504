/* The renderer's values, modelled on @huggingface/jinja's runtime values.
 *
 * Integers and floats are both doubles (JavaScript numbers) that differ only
 * in how they print; strings are UTF-8 slices; lists, dicts and namespaces
 * are shared by reference (a namespace is the one mutable kind). Everything a
 * render creates lives in its arena and is freed at once when the render ends,
 * so values may point at each other freely, cycles included. */
#ifndef TL_CHAT_VALUE_H
#define TL_CHAT_VALUE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "chat/jinja.h"

typedef enum tl_jv_kind {
    JV_UNDEF,
    JV_NULL,
    JV_BOOL,
    JV_INT,
    JV_FLOAT,
    JV_STR,
    JV_ARRAY,
    JV_OBJECT,
    JV_NS,
    JV_FUNC,
} tl_jv_kind;

#define JV_TUPLE 0x1u  /* JV_ARRAY made by (a, b): prints and serialises differently */
#define JV_KWARGS 0x2u /* JV_OBJECT holding a call's keyword arguments */

typedef struct tl_jv tl_jv;
typedef struct tl_jarr {
    size_t n;
    tl_jv *v;
} tl_jarr;

typedef struct tl_jmap {
    size_t n, cap;
    const char **keys;
    size_t *klen;
    tl_jv *vals;
    uint32_t *index; /* open-addressing hash of entry numbers + 1, once n > 16 */
    size_t index_cap;
} tl_jmap;

typedef struct tl_jfunc tl_jfunc;

struct tl_jv {
    uint8_t kind;
    uint8_t flags;
    union {
        bool b;
        double n;
        struct {
            const char *p;
            size_t len;
        } s;
        tl_jarr *a;
        tl_jmap *m;
        tl_jfunc *f;
    } u;
};

/* Builtin functions and bound methods. */
typedef enum tl_jfunc_kind {
    JF_NAMESPACE,
    JF_RAISE,
    JF_RANGE,
    JF_STRFTIME,
    JF_STR_METHOD,  /* self: the string; name: the method */
    JF_DICT_METHOD, /* self: the dict */
    JF_MACRO,       /* node: N_MACRO */
    JF_CALLER,      /* node: N_CALL_BLOCK; scope: where it was called */
} tl_jfunc_kind;

typedef struct tl_jscope tl_jscope;
struct tl_jfunc {
    tl_jfunc_kind kind;
    const char *name;
    tl_jv self;
    const struct tl_jnode *node;
    tl_jscope *scope;
};

struct tl_jscope {
    tl_jscope *parent;
    tl_jmap vars;
};

/* Internal results of evaluation: errors carry their message in r->st. */
enum { JR_OK = 0, JR_ERR = 1, JR_BREAK = 2, JR_CONTINUE = 3 };

typedef struct tl_jrender {
    const tl_jinja_template *t;
    tl_jinja_caps caps;
    tl_arena arena;
    size_t depth;
    uint64_t iterations;
    int64_t now;
    tabllm_status st;
    size_t signal_pos; /* where the last break/continue was */
} tl_jrender;

/* Records an error at node n (first error wins) and returns JR_ERR. */
int tl_jr_fail(tl_jrender *r, const struct tl_jnode *n, tabllm_status status, const char *fmt, ...)
    TL_PRINTF(4, 5);
/* Arena allocation within the memory cap. NULL (with r->st set) on failure. */
void *tl_jr_alloc(tl_jrender *r, const struct tl_jnode *n, size_t size);
/* Copies bytes into a string value. */
int tl_jv_make_str(tl_jrender *r, const struct tl_jnode *n, const char *p, size_t len, tl_jv *out);
/* Turns a finished buffer into a string value (and frees the buffer). */
int tl_jv_from_buf(tl_jrender *r, const struct tl_jnode *n, tl_buf *b, tl_jv *out);
int tl_jv_make_array(tl_jrender *r, const struct tl_jnode *n, size_t count, tl_jv *out);
int tl_jv_make_object(tl_jrender *r, const struct tl_jnode *n, uint8_t kind, tl_jv *out);
/* A new buffer with the output cap as its limit. */
tl_buf tl_jr_buf(const tl_jrender *r);
/* Checks a buffer for failure, turning a latched error into JR_ERR at n. */
int tl_jr_buf_check(tl_jrender *r, const struct tl_jnode *n, tl_buf *b);

static inline tl_jv tl_jv_undef(void)
{
    tl_jv v = {JV_UNDEF, 0, {0}};
    return v;
}
static inline tl_jv tl_jv_null(void)
{
    tl_jv v = {JV_NULL, 0, {0}};
    return v;
}
static inline tl_jv tl_jv_bool(bool b)
{
    tl_jv v = {JV_BOOL, 0, {0}};
    v.u.b = b;
    return v;
}
static inline tl_jv tl_jv_num(tl_jv_kind kind, double n)
{
    tl_jv v = {(uint8_t)kind, 0, {0}};
    v.u.n = n;
    return v;
}
/* A string value over existing bytes that outlive the render. */
static inline tl_jv tl_jv_str_ref(const char *p, size_t len)
{
    tl_jv v = {JV_STR, 0, {0}};
    v.u.s.p = p;
    v.u.s.len = len;
    return v;
}

tl_jv *tl_jmap_get(const tl_jmap *m, const char *key, size_t len);
int tl_jmap_set(tl_jrender *r, const struct tl_jnode *n, tl_jmap *m, const char *key, size_t len,
                tl_jv v);

/* Scope chain lookup: the value, or NULL when no scope defines the name. */
tl_jv *tl_jscope_lookup(tl_jscope *s, const char *name, size_t len);

/* __bool__ */
bool tl_jv_truthy(const tl_jv *v);
/* "string", "list", "dict", ... for messages */
const char *tl_jv_type_name(const tl_jv *v);
/* A numeric value: int or float. */
static inline bool tl_jv_is_number(const tl_jv *v)
{
    return v->kind == JV_INT || v->kind == JV_FLOAT;
}

/* JavaScript's == and === on the values' underlying JS values, and
 * SameValueZero (what Set uses). */
int tl_jv_loose_equal(tl_jrender *r, const struct tl_jnode *n, const tl_jv *a, const tl_jv *b,
                      bool *eq);
bool tl_jv_strict_equal(const tl_jv *a, const tl_jv *b);
bool tl_jv_same_value_zero(const tl_jv *a, const tl_jv *b);

/* Converts a JSON value (from the render context) into a value. */
int tl_jv_from_json(tl_jrender *r, const json_t *j, tl_jv *out, size_t depth);

/* ---- text forms (jvout.c) ---------------------------------------------- */

typedef struct tl_jjson_opts {
    bool indent_set;
    double indent; /* spaces per level, when indent_set and non-zero */
    bool ensure_ascii;
    const char *item_sep, *key_sep;
    size_t item_sep_len, key_sep_len;
    bool undefined_as_null;
} tl_jjson_opts;

/* RuntimeValue.toString(): what {{ v }} prints. */
int tl_jv_print(tl_jrender *r, const struct tl_jnode *n, const tl_jv *v, tl_buf *out);
/* String(v.value): the JavaScript value's own string (what `~` and `+` use). */
int tl_jv_raw_string(tl_jrender *r, const struct tl_jnode *n, const tl_jv *v, tl_buf *out);
/* The values joined as Array.prototype.join joins them. */
int tl_jv_join(tl_jrender *r, const struct tl_jnode *n, const tl_jv *items, size_t count,
               const char *sep, size_t sep_len, tl_buf *out);
/* toJSON(): the tojson filter and how lists and dicts print. */
int tl_jv_to_json(tl_jrender *r, const struct tl_jnode *n, const tl_jv *v, const tl_jjson_opts *o,
                  size_t depth, tl_buf *out);
/* JSON.stringify(string) */
void tl_jv_json_quote(const char *s, size_t len, bool ensure_ascii, tl_buf *out);

#endif
