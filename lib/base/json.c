#include "base/json.h"

#include <math.h>

#include "base/alloc.h"
#include "base/file.h"

tabllm_status tl_json_parse(const char *name, const char *text, size_t len, unsigned flags,
                            json_t **out)
{
    *out = NULL;
    json_error_t err;
    size_t jflags = 0;
    if (flags & TL_JSON_REJECT_DUPLICATES)
        jflags |= JSON_REJECT_DUPLICATES;
    json_t *root = json_loadb(text, len, jflags, &err);
    if (root == NULL) {
        if (json_error_code(&err) == json_error_out_of_memory)
            return tl_error(TABLLM_ERR_OUT_OF_MEMORY, "%s: out of memory parsing JSON", name);
        return tl_error(TABLLM_ERR_FORMAT, "%s:%d:%d: %s", name, err.line, err.column, err.text);
    }
    *out = root;
    return TABLLM_OK;
}

tabllm_status tl_json_load_file(const char *path, size_t max_size, unsigned flags, json_t **out)
{
    *out = NULL;
    char *text;
    size_t len;
    tabllm_status st = tl_file_read(path, max_size, &text, &len);
    if (st != TABLLM_OK)
        return st;
    st = tl_json_parse(path, text, len, flags, out);
    tl_free(text);
    return st;
}

const char *tl_json_type_name(const json_t *value)
{
    switch (value ? json_typeof(value) : JSON_NULL) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: break;
    }
    return "null";
}

/* Looks up `key`; *value is NULL when it is missing or null. */
static tabllm_status lookup(const char *file, const json_t *obj, const char *key,
                            const json_t **value)
{
    if (!json_is_object(obj))
        return tl_error(TABLLM_ERR_FORMAT, "%s: expected an object holding \"%s\", got %s", file,
                        key, tl_json_type_name(obj));
    const json_t *v = json_object_get(obj, key);
    *value = json_is_null(v) ? NULL : v;
    return TABLLM_OK;
}

static tabllm_status missing(const char *file, const char *key)
{
    return tl_error(TABLLM_ERR_FORMAT, "%s: required field \"%s\" is missing", file, key);
}

static tabllm_status wrong_type(const char *file, const char *key, const char *expected,
                                const json_t *v)
{
    return tl_error(TABLLM_ERR_FORMAT, "%s: \"%s\" must be %s, got %s", file, key, expected,
                    tl_json_type_name(v));
}

static tabllm_status int_value(const char *file, const char *key, const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return TABLLM_OK;
    }
    /* Python writes 4.0 for some integer fields; accept reals that are whole. */
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d == floor(d) && fabs(d) < 9.007199254740992e15) {
            *out = (int64_t)d;
            return TABLLM_OK;
        }
    }
    return wrong_type(file, key, "an integer", v);
}

tabllm_status tl_json_req_int(const char *file, const json_t *obj, const char *key, int64_t *out)
{
    const json_t *v;
    tabllm_status st = lookup(file, obj, key, &v);
    if (st != TABLLM_OK)
        return st;
    if (v == NULL)
        return missing(file, key);
    return int_value(file, key, v, out);
}

tabllm_status tl_json_opt_int(const char *file, const json_t *obj, const char *key, int64_t def,
                              int64_t *out)
{
    const json_t *v;
    tabllm_status st = lookup(file, obj, key, &v);
    if (st != TABLLM_OK)
        return st;
    if (v == NULL) {
        *out = def;
        return TABLLM_OK;
    }
    return int_value(file, key, v, out);
}

static tabllm_status check_count(const char *file, const char *key, int64_t value, int64_t max)
{
    if (value < 0 || value > max)
        return tl_error(TABLLM_ERR_FORMAT, "%s: \"%s\" = %lld is outside [0, %lld]", file, key,
                        (long long)value, (long long)max);
    return TABLLM_OK;
}

tabllm_status tl_json_req_count(const char *file, const json_t *obj, const char *key, int64_t max,
                                int64_t *out)
{
    tabllm_status st = tl_json_req_int(file, obj, key, out);
    return st != TABLLM_OK ? st : check_count(file, key, *out, max);
}

tabllm_status tl_json_opt_count(const char *file, const json_t *obj, const char *key, int64_t max,
                                int64_t def, int64_t *out)
{
    tabllm_status st = tl_json_opt_int(file, obj, key, def, out);
    return st != TABLLM_OK ? st : check_count(file, key, *out, max);
}

static tabllm_status number_value(const char *file, const char *key, const json_t *v, double *out)
{
    if (!json_is_number(v))
        return wrong_type(file, key, "a number", v);
    *out = json_number_value(v);
    return TABLLM_OK;
}

tabllm_status tl_json_req_number(const char *file, const json_t *obj, const char *key, double *out)
{
    const json_t *v;
    tabllm_status st = lookup(file, obj, key, &v);
    if (st != TABLLM_OK)
        return st;
    if (v == NULL)
        return missing(file, key);
    return number_value(file, key, v, out);
}

tabllm_status tl_json_opt_number(const char *file, const json_t *obj, const char *key, double def,
                                 double *out)
{
    const json_t *v;
    tabllm_status st = lookup(file, obj, key, &v);
    if (st != TABLLM_OK)
        return st;
    if (v == NULL) {
        *out = def;
        return TABLLM_OK;
    }
    return number_value(file, key, v, out);
}

tabllm_status tl_json_opt_bool(const char *file, const json_t *obj, const char *key, bool def,
                               bool *out)
{
    const json_t *v;
    tabllm_status st = lookup(file, obj, key, &v);
    if (st != TABLLM_OK)
        return st;
    if (v == NULL) {
        *out = def;
        return TABLLM_OK;
    }
    if (!json_is_boolean(v))
        return wrong_type(file, key, "a boolean", v);
    *out = json_is_true(v);
    return TABLLM_OK;
}

tabllm_status tl_json_req_string(const char *file, const json_t *obj, const char *key,
                                 const char **out)
{
    const json_t *v;
    tabllm_status st = lookup(file, obj, key, &v);
    if (st != TABLLM_OK)
        return st;
    if (v == NULL)
        return missing(file, key);
    if (!json_is_string(v))
        return wrong_type(file, key, "a string", v);
    *out = json_string_value(v);
    return TABLLM_OK;
}

tabllm_status tl_json_opt_string(const char *file, const json_t *obj, const char *key,
                                 const char *def, const char **out)
{
    const json_t *v;
    tabllm_status st = lookup(file, obj, key, &v);
    if (st != TABLLM_OK)
        return st;
    if (v == NULL) {
        *out = def;
        return TABLLM_OK;
    }
    if (!json_is_string(v))
        return wrong_type(file, key, "a string", v);
    *out = json_string_value(v);
    return TABLLM_OK;
}
