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

typedef struct tl_kernel_table {
    const char *name; /* "scalar", "avx2" */
    tl_rows_fn rows[3]; /* by tl_dtype */
    tl_widen_fn widen[3];
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
