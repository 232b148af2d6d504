/* Weight element types and the scalar conversions every kernel's portable
 * path uses. F16/BF16 weights stay in their stored format and are widened to
 * float inside the kernels. */
#ifndef TL_MODEL_TENSOR_H
#define TL_MODEL_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum tl_dtype {
    TL_DTYPE_F32 = 0,
    TL_DTYPE_F16 = 1,
    TL_DTYPE_BF16 = 2,
    TL_DTYPE_OTHER = 3, /* valid in a safetensors file, not usable as a weight */
    TL_DTYPE_Q8_0 = 4,  /* weight-only INT8 made at load: see tl_weight */
    TL_DTYPE_COUNT = 5
} tl_dtype;

/* Q8_0 quantizes runs of this many weights of a row with one F16 scale. */
#define TL_Q8_BLOCK 32

/* Bytes of one element in `data` (for Q8_0, the int8 values only). */
static inline size_t tl_dtype_size(tl_dtype t)
{
    return t == TL_DTYPE_F32 ? 4 : t == TL_DTYPE_Q8_0 ? 1 : 2;
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
 * inputs each, row-major (torch.nn.Linear's [out, in]), in `dtype`.
 * Q8_0 (llama.cpp's scheme, with the scales in an array of their own so
 * the int8 rows stay 32-byte aligned): weight [r][k] =
 * data[r*cols + k] * f16(scales[r*(cols/32) + k/32]), data in [-127, 127],
 * cols a multiple of 32. */
typedef struct tl_weight {
    tl_dtype dtype;
    int64_t rows, cols;
    const void *data;
    const uint16_t *scales; /* Q8_0 only: [rows][cols/32] F16 */
} tl_weight;

/* Bytes a weight occupies (data and scales). */
uint64_t tl_weight_bytes(const tl_weight *w);

/* Quantizes rows [r0, r1) of a [rows, cols] matrix in `from` (F32, F16 or
 * BF16; `src` points at the matrix) to Q8_0 into q (int8 [rows][cols]) and
 * scales ([rows][cols/32]): each block's scale is amax/127 rounded to F16,
 * each value round-to-nearest of w/scale clamped to [-127, 127]. Returns
 * false when a scale overflows F16 (|w| > 65504*127) or a value is not
 * finite. */
bool tl_quantize_q8_rows(tl_dtype from, const void *src, int64_t cols, int64_t r0, int64_t r1,
                         int8_t *q, uint16_t *scales);

/* Row r of a weight, widened to float. */
void tl_weight_row_f32(const tl_weight *w, int64_t r, float *out);

/* Converts n elements between dtypes (any pair of F32/F16/BF16). */
void tl_convert(tl_dtype from, const void *src, tl_dtype to, void *dst, size_t n);

#endif
