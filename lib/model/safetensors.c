#include "model/safetensors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/json.h"

static const struct {
    const char *name;
    size_t size;
    tl_dtype dtype;
} dtypes[] = {
    {"F32", 4, TL_DTYPE_F32},    {"F16", 2, TL_DTYPE_F16},      {"BF16", 2, TL_DTYPE_BF16},
    {"F64", 8, TL_DTYPE_OTHER},  {"I64", 8, TL_DTYPE_OTHER},    {"U64", 8, TL_DTYPE_OTHER},
    {"I32", 4, TL_DTYPE_OTHER},  {"U32", 4, TL_DTYPE_OTHER},    {"I16", 2, TL_DTYPE_OTHER},
    {"U16", 2, TL_DTYPE_OTHER},  {"I8", 1, TL_DTYPE_OTHER},     {"U8", 1, TL_DTYPE_OTHER},
    {"BOOL", 1, TL_DTYPE_OTHER}, {"F8_E4M3", 1, TL_DTYPE_OTHER}, {"F8_E5M2", 1, TL_DTYPE_OTHER},
};

void tl_st_shape_string(const int64_t *shape, int n_dims, char *buf, size_t cap)
{
    size_t used = 0;
    used += (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < n_dims && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%lld", i ? "," : "",
                                 (long long)shape[i]);
    if (used < cap)
        snprintf(buf + used, cap - used, "]");
}

void tl_st_close(tl_st_file *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->n_tensors; i++)
        tl_free(f->tensors[i].name);
    tl_free(f->tensors);
    tl_free(f->name);
    tl_file_unmap(&f->map);
    memset(f, 0, sizeof *f);
}

/* Reads one header entry into t; `t->name` is set by the caller. */
static tabllm_status parse_entry(const char *file, const char *key, const json_t *v,
                                 size_t data_size, tl_st_tensor *t, size_t *begin)
{
    if (!json_is_object(v))
        return tl_error(TABLLM_ERR_FORMAT, "%s: tensor \"%s\": expected an object, got %s", file,
                        key, tl_json_type_name(v));
    const json_t *dt = json_object_get(v, "dtype");
    const json_t *shape = json_object_get(v, "shape");
    const json_t *offs = json_object_get(v, "data_offsets");
    if (!json_is_string(dt))
        return tl_error(TABLLM_ERR_FORMAT, "%s: tensor \"%s\": \"dtype\" must be a string", file,
                        key);
    size_t esize = 0;
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (strcmp(json_string_value(dt), dtypes[i].name) == 0) {
            esize = dtypes[i].size;
            t->dtype = dtypes[i].dtype;
            t->dtype_name = dtypes[i].name;
        }
    if (esize == 0)
        return tl_error(TABLLM_ERR_UNSUPPORTED, "%s: tensor \"%s\": unknown dtype \"%s\"", file,
                        key, json_string_value(dt));
    if (!json_is_array(shape) || json_array_size(shape) > TL_ST_MAX_DIMS)
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s: tensor \"%s\": \"shape\" must be an array of at most %d sizes", file,
                        key, TL_ST_MAX_DIMS);
    t->n_dims = (int)json_array_size(shape);
    size_t count = 1;
    for (int d = 0; d < t->n_dims; d++) {
        const json_t *s = json_array_get(shape, (size_t)d);
        if (!json_is_integer(s) || json_integer_value(s) < 0)
            return tl_error(TABLLM_ERR_FORMAT,
                            "%s: tensor \"%s\": shape[%d] must be a non-negative integer", file,
                            key, d);
        t->shape[d] = json_integer_value(s);
        if ((uint64_t)t->shape[d] > SIZE_MAX || !tl_size_mul(count, (size_t)t->shape[d], &count))
            return tl_error(TABLLM_ERR_FORMAT, "%s: tensor \"%s\": element count overflows", file,
                            key);
    }
    if (!json_is_array(offs) || json_array_size(offs) != 2 ||
        !json_is_integer(json_array_get(offs, 0)) || !json_is_integer(json_array_get(offs, 1)))
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s: tensor \"%s\": \"data_offsets\" must be [begin, end]", file, key);
    json_int_t b = json_integer_value(json_array_get(offs, 0));
    json_int_t e = json_integer_value(json_array_get(offs, 1));
    if (b < 0 || e < b)
        return tl_error(TABLLM_ERR_FORMAT, "%s: tensor \"%s\": data_offsets [%lld, %lld] are invalid",
                        file, key, (long long)b, (long long)e);
    if ((uint64_t)e > data_size)
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s: tensor \"%s\": data_offsets end %lld is past the end of the data "
                        "(%zu bytes)",
                        file, key, (long long)e, data_size);
    size_t nbytes;
    if (!tl_size_mul(count, esize, &nbytes) || nbytes != (size_t)(e - b)) {
        char sh[128];
        tl_st_shape_string(t->shape, t->n_dims, sh, sizeof sh);
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s: tensor \"%s\": shape %s of %s needs %zu bytes but data_offsets "
                        "[%lld, %lld] hold %lld",
                        file, key, sh, t->dtype_name, count * esize, (long long)b, (long long)e,
                        (long long)(e - b));
    }
    t->nbytes = nbytes;
    *begin = (size_t)b;
    return TABLLM_OK;
}

static int by_begin(const void *a, const void *b)
{
    const tl_st_tensor *x = a, *y = b;
    if (x->data != y->data)
        return x->data < y->data ? -1 : 1;
    return x->nbytes < y->nbytes ? -1 : x->nbytes > y->nbytes;
}

static tabllm_status check_tiling(const char *file, tl_st_tensor *ts, size_t n,
                                  const unsigned char *base, size_t data_size)
{
    /* The reference implementation requires the ranges, sorted, to follow
     * each other exactly from 0 to the end of the file. */
    qsort(ts, n, sizeof *ts, by_begin);
    size_t expect = 0;
    for (size_t i = 0; i < n; i++) {
        size_t b = (size_t)(ts[i].data - base);
        if (b < expect)
            return tl_error(TABLLM_ERR_FORMAT,
                            "%s: tensors \"%s\" and \"%s\" overlap (bytes %zu..%zu and %zu..%zu)",
                            file, ts[i - 1].name, ts[i].name,
                            (size_t)(ts[i - 1].data - base),
                            (size_t)(ts[i - 1].data - base) + ts[i - 1].nbytes, b,
                            b + ts[i].nbytes);
        if (b > expect)
            return tl_error(TABLLM_ERR_FORMAT,
                            "%s: %zu unused bytes before tensor \"%s\" (data_offsets begin %zu, "
                            "expected %zu)",
                            file, b - expect, ts[i].name, b, expect);
        expect = b + ts[i].nbytes;
    }
    if (expect != data_size)
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s: the tensors cover %zu bytes of data but the file holds %zu", file,
                        expect, data_size);
    return TABLLM_OK;
}

tabllm_status tl_st_parse(const char *name, const unsigned char *data, size_t size,
                          tl_st_file *out)
{
    memset(out, 0, sizeof *out);
    if (size < 8)
        return tl_error(TABLLM_ERR_FORMAT, "%s: %zu bytes is too short for a safetensors file",
                        name, size);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = (n << 8) | data[i];
    if (n > TL_ST_MAX_HEADER)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED,
                        "%s: header length %llu is over the 100 MB limit", name,
                        (unsigned long long)n);
    if (n > size - 8)
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s: header length %llu is past the end of the file (%zu bytes): "
                        "truncated?",
                        name, (unsigned long long)n, size);
    json_t *root;
    tabllm_status st = tl_json_parse(name, (const char *)data + 8, (size_t)n,
                                     TL_JSON_REJECT_DUPLICATES, &root);
    if (st != TABLLM_OK)
        return st;
    if (!json_is_object(root)) {
        json_decref(root);
        return tl_error(TABLLM_ERR_FORMAT, "%s: the header must be a JSON object", name);
    }
    const unsigned char *base = data + 8 + n;
    size_t data_size = size - 8 - (size_t)n;
    size_t count = json_object_size(root);
    const json_t *meta = json_object_get(root, "__metadata__");
    if (meta != NULL) {
        count--;
        const char *k;
        json_t *v;
        if (!json_is_object(meta)) {
            json_decref(root);
            return tl_error(TABLLM_ERR_FORMAT, "%s: \"__metadata__\" must be an object", name);
        }
        json_object_foreach((json_t *)meta, k, v)
        {
            if (!json_is_string(v)) {
                /* the message first: k lives in the JSON freed next */
                tl_error(TABLLM_ERR_FORMAT, "%s: \"__metadata__\".\"%s\" must be a string",
                         name, k);
                json_decref(root);
                return TABLLM_ERR_FORMAT;
            }
        }
    }
    out->name = tl_strdup(name);
    if (out->name == NULL ||
        tl_calloc_array((void **)&out->tensors, count ? count : 1, sizeof *out->tensors,
                        "safetensors entries") != TABLLM_OK) {
        json_decref(root);
        tl_st_close(out);
        return tl_error_oom("safetensors header");
    }
    const char *key;
    json_t *value;
    st = TABLLM_OK;
    json_object_foreach(root, key, value)
    {
        if (strcmp(key, "__metadata__") == 0)
            continue;
        tl_st_tensor *t = &out->tensors[out->n_tensors];
        size_t begin = 0;
        st = parse_entry(name, key, value, data_size, t, &begin);
        if (st != TABLLM_OK)
            break;
        t->name = tl_strdup(key);
        if (t->name == NULL) {
            st = tl_error_oom("a tensor name");
            break;
        }
        t->data = base + begin;
        t->file = out->name;
        out->n_tensors++;
    }
    json_decref(root);
    if (st == TABLLM_OK)
        st = check_tiling(name, out->tensors, out->n_tensors, base, data_size);
    if (st != TABLLM_OK)
        tl_st_close(out);
    return st;
}

tabllm_status tl_st_open(const char *path, tl_st_file *out)
{
    memset(out, 0, sizeof *out);
    tl_mapped_file map;
    tabllm_status st = tl_file_map(path, &map);
    if (st != TABLLM_OK)
        return st;
    st = tl_st_parse(tl_path_basename(path), map.data, map.size, out);
    if (st != TABLLM_OK) {
        tl_file_unmap(&map);
        return st;
    }
    out->map = map;
    return TABLLM_OK;
}
