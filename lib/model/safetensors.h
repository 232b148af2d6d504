/* safetensors files: an 8-byte little-endian header length, a JSON header
 * naming each tensor's dtype, shape and [begin, end) byte range, then the
 * data. The header is validated in full before any tensor is used, with the
 * rules of the reference implementation: known dtypes, element count times
 * element size equal to the byte range, ranges that tile the data exactly
 * (no overlap, no gap, nothing past the end), no duplicate names, a header of
 * at most 100 MB. */
#ifndef TL_MODEL_SAFETENSORS_H
#define TL_MODEL_SAFETENSORS_H

#include <stdint.h>

#include "base/error.h"
#include "base/file.h"
#include "model/tensor.h"

#define TL_ST_MAX_HEADER 100000000u
#define TL_ST_MAX_DIMS 8

typedef struct tl_st_tensor {
    char *name;
    tl_dtype dtype;
    const char *dtype_name; /* as written, static */
    int n_dims;
    int64_t shape[TL_ST_MAX_DIMS];
    const unsigned char *data; /* inside the file's mapping */
    size_t nbytes;
    const char *file; /* the file's base name, for messages (owned by tl_st_file) */
} tl_st_tensor;

typedef struct tl_st_file {
    tl_mapped_file map;
    char *name; /* base name */
    size_t n_tensors;
    tl_st_tensor *tensors;
} tl_st_file;

/* Validates a safetensors image in memory; `name` starts every message.
 * Tensors point into `data`, which must outlive the result. */
tabllm_status tl_st_parse(const char *name, const unsigned char *data, size_t size,
                          tl_st_file *out);

/* Maps and validates a file. */
tabllm_status tl_st_open(const char *path, tl_st_file *out);

void tl_st_close(tl_st_file *f);

/* "[4864,896]" for messages. */
void tl_st_shape_string(const int64_t *shape, int n_dims, char *buf, size_t cap);

#endif
