/* The compute kernels, one small function each. Every kernel has a portable
 * scalar version here (the reference the tests compare against) and, where
 * it pays, an AVX2/FMA/F16C version in kernels_avx2.c chosen at run time by
 * CPU detection (tl_kernels()). */
#ifndef TL_MODEL_KERNELS_H
#define TL_MODEL_KERNELS_H

#include <stdint.h>

#include "model/tensor.h"

/* y[t*ldy + r] = dot(w row r, x[t*w->cols ...]) for rows r in [r0, r1) and
 * tokens t < n: a matrix-vector product for each of n inputs that reads each
 * weight row from memory once (the decode path). */
typedef void (*tl_rows_fn)(const tl_weight *w, int64_t r0, int64_t r1, const float *x, int n,
                           float *y, int64_t ldy);

/* dst[i] = float(src[i]) for a run of n elements of a row in `dtype`. */
typedef void (*tl_widen_fn)(const void *src, float *dst, int64_t n);

/* The same product for many inputs (prefill): y[t*ldy + r] = dot(w row r,
 * x[t*ldx ...]) for rows r in [r0, r1), t < n, computed as a blocked GEMM:
 * blocks of weights are widened to float into `scratch` (at least
 * TL_GEMM_SCRATCH_FLOATS) once and used for every input row. Each output's
 * sum runs over fixed blocks of the inputs in a fixed order, so the result
 * does not depend on how [r0, r1) was cut. */
typedef void (*tl_gemm_fn)(const tl_weight *w, int64_t r0, int64_t r1, const float *x,
                           int64_t ldx, int n, float *y, int64_t ldy, float *scratch);
#define TL_GEMM_NC 128 /* weight rows packed at a time */
#define TL_GEMM_KC 256 /* inputs per packed block */
#define TL_GEMM_SCRATCH_FLOATS (TL_GEMM_NC * TL_GEMM_KC)

/* Q8_0 weights in decode multiply int8 by int8, as llama.cpp does: the
 * inputs are first quantized in blocks of 32 (scale amax/127 as float,
 * values round-to-nearest-even of x·127/amax). n a multiple of 32. */
typedef void (*tl_quantize_q8_fn)(const float *x, int64_t n, int8_t *q, float *d);
/* y[t*ldy + r] = sum over blocks of (int dot of weight and input block) ·
 * weight scale · input scale, for rows [r0, r1) and n inputs quantized by
 * tl_quantize_q8_fn (input t at xq + t*cols, xd + t*cols/32). */
typedef void (*tl_rows_q8_fn)(const tl_weight *w, int64_t r0, int64_t r1, const int8_t *xq,
                              const float *xd, int n, float *y, int64_t ldy);

typedef struct tl_kernel_table {
    const char *name; /* "scalar", "avx2" */
    tl_rows_fn rows[TL_DTYPE_COUNT]; /* by tl_dtype; NULL for Q8_0 (rows_q8) */
    tl_widen_fn widen[TL_DTYPE_COUNT];
    tl_gemm_fn gemm[TL_DTYPE_COUNT]; /* F16, BF16, Q8_0; F32 uses OpenBLAS */
    tl_quantize_q8_fn quantize_q8;
    tl_rows_q8_fn rows_q8;
    float (*dot)(const float *a, const float *b, int n);
    void (*axpy)(float a, const float *x, float *y, int n); /* y += a*x */
    void (*softmax)(float *x, int n);                       /* tl_softmax */
    void (*swiglu)(float *gate, const float *up, int n);    /* tl_swiglu */
} tl_kernel_table;

/* The best table for this CPU (selected once). TABLLM_KERNELS=scalar in the
 * environment forces the portable one. */
const tl_kernel_table *tl_kernels(void);
const tl_kernel_table *tl_kernels_scalar(void);
/* NULL when the CPU or the build lacks AVX2+FMA+F16C. */
const tl_kernel_table *tl_kernels_avx2(void);

/* The AVX2 GEMM and Q8_0 kernels (gemm_avx2.c, q8_avx2.c; only called
 * through the table above, which exists only on CPUs that have AVX2). */
void tl_gemm_avx2_f16(const tl_weight *w, int64_t r0, int64_t r1, const float *x, int64_t ldx,
                      int n, float *y, int64_t ldy, float *scratch);
void tl_gemm_avx2_bf16(const tl_weight *w, int64_t r0, int64_t r1, const float *x, int64_t ldx,
                       int n, float *y, int64_t ldy, float *scratch);
void tl_gemm_avx2_q8(const tl_weight *w, int64_t r0, int64_t r1, const float *x, int64_t ldx,
                     int n, float *y, int64_t ldy, float *scratch);
void tl_quantize_q8_avx2(const float *x, int64_t n, int8_t *q, float *d);
void tl_rows_q8_avx2(const tl_weight *w, int64_t r0, int64_t r1, const int8_t *xq,
                     const float *xd, int n, float *y, int64_t ldy);

/* Scalar helpers used directly by the forward pass. */

/* out = x / sqrt(mean(x^2) + eps) * w, as transformers' RMSNorm. */
void tl_rmsnorm(float *out, const float *x, const float *w, int n, float eps);

/* Numerically stable softmax in place (subtracts the max). */
void tl_softmax(float *x, int n);

/* x = silu(gate) * up, elementwise. */
void tl_swiglu(float *gate, const float *up, int n);

/* Rotates one head (rotate_half convention): for i < dim/2,
 * (x[i], x[i+dim/2]) by the angles whose cos/sin are given. */
void tl_rope_apply(float *x, const float *cos, const float *sin, int dim);

#endif
