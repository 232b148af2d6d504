/* Portable reference kernels and the dispatch between them and the SIMD
 * ones. Everything here is plain C11 and is what the tests trust. */
#include "model/kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static float dot_ref(const float *a, const float *b, int n)
{
    float s = 0;
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

static void axpy_ref(float a, const float *x, float *y, int n)
{
    for (int i = 0; i < n; i++)
        y[i] += a * x[i];
}

static void widen_f32(const void *src, float *dst, int64_t n)
{
    memcpy(dst, src, (size_t)n * 4);
}

static void widen_f16(const void *src, float *dst, int64_t n)
{
    const uint16_t *s = src;
    for (int64_t i = 0; i < n; i++)
        dst[i] = tl_f16_to_f32(s[i]);
}

static void widen_bf16(const void *src, float *dst, int64_t n)
{
    const uint16_t *s = src;
    for (int64_t i = 0; i < n; i++)
        dst[i] = tl_bf16_to_f32(s[i]);
}

/* One weight row against n inputs; the weight is widened element by
 * element so the row is read once. */
#define ROWS_REF(NAME, T, LOAD)                                                              \
    static void NAME(const tl_weight *w, int64_t r0, int64_t r1, const float *x, int n,       \
                     float *y, int64_t ldy)                                                   \
    {                                                                                         \
        int64_t cols = w->cols;                                                               \
        for (int64_t r = r0; r < r1; r++) {                                                   \
            const T *row = (const T *)w->data + r * cols;                                     \
            for (int t = 0; t < n; t++) {                                                     \
                const float *xt = x + (int64_t)t * cols;                                      \
                float s = 0;                                                                  \
                for (int64_t i = 0; i < cols; i++)                                            \
                    s += LOAD(row[i]) * xt[i];                                                \
                y[t * ldy + r] = s;                                                           \
            }                                                                                 \
        }                                                                                     \
    }
#define LOAD_F32(v) (v)
ROWS_REF(rows_f32, float, LOAD_F32)
ROWS_REF(rows_f16, uint16_t, tl_f16_to_f32)
ROWS_REF(rows_bf16, uint16_t, tl_bf16_to_f32)

static const tl_kernel_table scalar_table = {
    .name = "scalar",
    .rows = {rows_f32, rows_f16, rows_bf16},
    .widen = {widen_f32, widen_f16, widen_bf16},
    .dot = dot_ref,
    .axpy = axpy_ref,
    .softmax = tl_softmax,
    .swiglu = tl_swiglu,
};

const tl_kernel_table *tl_kernels_scalar(void)
{
    return &scalar_table;
}

const tl_kernel_table *tl_kernels(void)
{
    static const tl_kernel_table *_Atomic chosen;
    const tl_kernel_table *t = chosen;
    if (t == NULL) {
        const char *env = getenv("TABLLM_KERNELS");
        t = (env != NULL && strcmp(env, "scalar") == 0) ? NULL : tl_kernels_avx2();
        if (t == NULL)
            t = &scalar_table;
        chosen = t; /* every thread computes the same answer: a benign race */
    }
    return t;
}

void tl_rmsnorm(float *out, const float *x, const float *w, int n, float eps)
{
    double ss = 0;
    for (int i = 0; i < n; i++)
        ss += (double)x[i] * x[i];
    float scale = (float)(1.0 / sqrt(ss / n + eps));
    for (int i = 0; i < n; i++)
        out[i] = w[i] * (x[i] * scale);
}

void tl_softmax(float *x, int n)
{
    float max = x[0];
    for (int i = 1; i < n; i++)
        if (x[i] > max)
            max = x[i];
    float sum = 0;
    for (int i = 0; i < n; i++) {
        x[i] = expf(x[i] - max);
        sum += x[i];
    }
    float inv = 1.0f / sum;
    for (int i = 0; i < n; i++)
        x[i] *= inv;
}

void tl_swiglu(float *gate, const float *up, int n)
{
    for (int i = 0; i < n; i++) {
        float g = gate[i];
        gate[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

void tl_rope_apply(float *x, const float *cos, const float *sin, int dim)
{
    int half = dim / 2;
    for (int i = 0; i < half; i++) {
        float a = x[i], b = x[i + half];
        x[i] = a * cos[i] - b * sin[i];
        x[i + half] = b * cos[i] + a * sin[i];
    }
}
