/* Weight element types and the scalar conversions every kernel's portable
 * path uses. F16/BF16 weights stay in their stored format and are widened to
 * float inside the kernels. */
#ifndef TL_MODEL_TENSOR_H
#define TL_MODEL_TENSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum tl_dtype {
    TL_DTYPE_F32 = 0,
    TL_DTYPE_F16 = 1,
    TL_DTYPE_BF16 = 2,
    TL_DTYPE_OTHER = 3, /* valid in a safetensors file, not usable as a weight */
} tl_dtype;

static inline size_t tl_dtype_size(tl_dtype t)
{
    return t == TL_DTYPE_F32 ? 4 : 2;
}

const char *tl_dtype_name(tl_dtype t);

static inline float tl_bf16_to_f32(uint16_t h)
{
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Round to nearest even, as torch's .to(torch.bfloat16); NaN stays NaN. */
static inline uint16_t tl_f32_to_bf16(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

float tl_f16_to_f32(uint16_t h);
uint16_t tl_f32_to_f16(float f);

/* A weight matrix as the kernels see it: `rows` output features of `cols`
 * inputs each, row-major (torch.nn.Linear's [out, in]), in `dtype`. */
typedef struct tl_weight {
    tl_dtype dtype;
    int64_t rows, cols;
    const void *data;
} tl_weight;

/* Row r of a weight, widened to float. */
void tl_weight_row_f32(const tl_weight *w, int64_t r, float *out);

/* Converts n elements between dtypes (any pair of F32/F16/BF16). */
void tl_convert(tl_dtype from, const void *src, tl_dtype to, void *dst, size_t n);

#endif
