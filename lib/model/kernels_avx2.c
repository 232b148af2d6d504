/* AVX2 + FMA + F16C kernels (compiled with those flags in a library of their
 * own, chosen at run time only when the CPU has them). Each mirrors a scalar
 * kernel in kernels.c; the tests compare the two.
 *
 * The decode kernel is memory-bound: it streams each weight row once, in
 * address order, widening F16/BF16 to float in registers. */
#include <immintrin.h>
#include <math.h>

#include "model/kernels.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#include <cpuid.h>

static inline float hsum(__m256 v)
{
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 1));
    return _mm_cvtss_f32(lo);
}

static inline __m256 load8_f32(const void *p)
{
    return _mm256_loadu_ps((const float *)p);
}

static inline __m256 load8_f16(const void *p)
{
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

static inline __m256 load8_bf16(const void *p)
{
    __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
}

static inline float load1_f32(const void *p, int64_t i)
{
    return ((const float *)p)[i];
}
static inline float load1_f16(const void *p, int64_t i)
{
    return tl_f16_to_f32(((const uint16_t *)p)[i]);
}
static inline float load1_bf16(const void *p, int64_t i)
{
    return tl_bf16_to_f32(((const uint16_t *)p)[i]);
}

/* ROWS(name, element size, 8-wide load, scalar load). Four rows at a time
 * share each load of x, but not four neighbouring rows: the range is cut in
 * quarters and the four rows come one from each, so the weights are read
 * as four long sequential streams. Four neighbouring rows are four short
 * streams (a Qwen2.5-0.5B row is 1.8 KB in BF16) that the hardware
 * prefetcher does not follow, and one row at a time keeps too few loads in
 * flight for long rows. Eight accumulators (4 rows x 2) hide the FMA
 * latency. */
#define ROWS_AVX2(NAME, ESZ, LOAD8, LOAD1)                                                     \
    static void NAME##_one(const char *w0, int64_t cols, const float *x, int n, float *y,      \
                           int64_t ldy)                                                         \
    {                                                                                           \
        const int64_t main = cols & ~(int64_t)15;                                               \
        for (int t = 0; t < n; t++) {                                                           \
            const float *xt = x + (int64_t)t * cols;                                            \
            __m256 a0 = _mm256_setzero_ps(), b0 = a0;                                           \
            for (int64_t i = 0; i < main; i += 16) {                                            \
                a0 = _mm256_fmadd_ps(LOAD8(w0 + i * ESZ), _mm256_loadu_ps(xt + i), a0);         \
                b0 = _mm256_fmadd_ps(LOAD8(w0 + (i + 8) * ESZ), _mm256_loadu_ps(xt + i + 8),    \
                                     b0);                                                       \
            }                                                                                   \
            float s0 = hsum(_mm256_add_ps(a0, b0));                                             \
            for (int64_t i = main; i < cols; i++)                                               \
                s0 += LOAD1(w0, i) * xt[i];                                                     \
            y[t * ldy] = s0;                                                                    \
        }                                                                                       \
    }                                                                                           \
    static void NAME(const tl_weight *w, int64_t r0, int64_t r1, const float *x, int n,         \
                     float *y, int64_t ldy)                                                     \
    {                                                                                           \
        const int64_t cols = w->cols, main = cols & ~(int64_t)15, q = (r1 - r0) / 4;           \
        const size_t stride = (size_t)(q * cols * ESZ); /* bytes between the four rows */     \
        const char *base = (const char *)w->data;                                               \
        for (int64_t r = r0; r < r0 + q; r++) {                                                 \
            const char *w0 = base + r * cols * ESZ, *w1 = w0 + stride, *w2 = w1 + stride,       \
                       *w3 = w2 + stride;                                                       \
            for (int t = 0; t < n; t++) {                                                       \
                const float *xt = x + (int64_t)t * cols;                                        \
                __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;                     \
                __m256 b0 = a0, b1 = a0, b2 = a0, b3 = a0;                                      \
                for (int64_t i = 0; i < main; i += 16) {                                        \
                    __m256 xa = _mm256_loadu_ps(xt + i), xb = _mm256_loadu_ps(xt + i + 8);      \
                    a0 = _mm256_fmadd_ps(LOAD8(w0 + i * ESZ), xa, a0);                          \
                    b0 = _mm256_fmadd_ps(LOAD8(w0 + (i + 8) * ESZ), xb, b0);                    \
                    a1 = _mm256_fmadd_ps(LOAD8(w1 + i * ESZ), xa, a1);                          \
                    b1 = _mm256_fmadd_ps(LOAD8(w1 + (i + 8) * ESZ), xb, b1);                    \
                    a2 = _mm256_fmadd_ps(LOAD8(w2 + i * ESZ), xa, a2);                          \
                    b2 = _mm256_fmadd_ps(LOAD8(w2 + (i + 8) * ESZ), xb, b2);                    \
                    a3 = _mm256_fmadd_ps(LOAD8(w3 + i * ESZ), xa, a3);                          \
                    b3 = _mm256_fmadd_ps(LOAD8(w3 + (i + 8) * ESZ), xb, b3);                    \
                }                                                                               \
                float s0 = hsum(_mm256_add_ps(a0, b0)), s1 = hsum(_mm256_add_ps(a1, b1));       \
                float s2 = hsum(_mm256_add_ps(a2, b2)), s3 = hsum(_mm256_add_ps(a3, b3));       \
                for (int64_t i = main; i < cols; i++) {                                         \
                    s0 += LOAD1(w0, i) * xt[i];                                                 \
                    s1 += LOAD1(w1, i) * xt[i];                                                 \
                    s2 += LOAD1(w2, i) * xt[i];                                                 \
                    s3 += LOAD1(w3, i) * xt[i];                                                 \
                }                                                                               \
                float *yt = y + t * ldy + r;                                                    \
                yt[0] = s0;                                                                     \
                yt[q] = s1;                                                                     \
                yt[2 * q] = s2;                                                                 \
                yt[3 * q] = s3;                                                                 \
            }                                                                                   \
        }                                                                                       \
        for (int64_t r = r0 + 4 * q; r < r1; r++)                                               \
            NAME##_one(base + r * cols * ESZ, cols, x, n, y + r, ldy);                          \
    }

ROWS_AVX2(rows_f32, 4, load8_f32, load1_f32)
ROWS_AVX2(rows_f16, 2, load8_f16, load1_f16)
ROWS_AVX2(rows_bf16, 2, load8_bf16, load1_bf16)

static void widen_f32(const void *src, float *dst, int64_t n)
{
    const float *s = src;
    for (int64_t i = 0; i < n; i++)
        dst[i] = s[i];
}

static void widen_f16(const void *src, float *dst, int64_t n)
{
    const uint16_t *s = src;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dst + i, load8_f16(s + i));
    for (; i < n; i++)
        dst[i] = tl_f16_to_f32(s[i]);
}

static void widen_bf16(const void *src, float *dst, int64_t n)
{
    const uint16_t *s = src;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dst + i, load8_bf16(s + i));
    for (; i < n; i++)
        dst[i] = tl_bf16_to_f32(s[i]);
}

static float dot_avx2(const float *a, const float *b, int n)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = s0;
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float s = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; i++)
        s += a[i] * b[i];
    return s;
}

static void axpy_avx2(float a, const float *x, float *y, int n)
{
    __m256 va = _mm256_set1_ps(a);
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++)
        y[i] += a * x[i];
}

/* expf for 8 lanes: Cody-Waite range reduction and Cephes' polynomial,
 * within 2 ulp of expf over the range softmax and SiLU use. */
static inline __m256 exp8(__m256 x)
{
    x = _mm256_min_ps(x, _mm256_set1_ps(88.3762626647949f));
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.3365478515625f));
    __m256 fx = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f));
    fx = _mm256_floor_ps(fx);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 y = _mm256_set1_ps(1.9875691500E-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507E-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073E-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894E-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201E-1f));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

static void softmax_avx2(float *x, int n)
{
    float max = x[0];
    int i = 0;
    if (n >= 8) {
        __m256 m = _mm256_loadu_ps(x);
        for (i = 8; i + 8 <= n; i += 8)
            m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
        float lanes[8];
        _mm256_storeu_ps(lanes, m);
        for (int k = 0; k < 8; k++)
            max = lanes[k] > max ? lanes[k] : max;
    }
    for (; i < n; i++)
        max = x[i] > max ? x[i] : max;
    __m256 vmax = _mm256_set1_ps(max), vsum = _mm256_setzero_ps();
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmax));
        _mm256_storeu_ps(x + i, e);
        vsum = _mm256_add_ps(vsum, e);
    }
    float sum = hsum(vsum);
    for (; i < n; i++) {
        x[i] = expf(x[i] - max);
        sum += x[i];
    }
    __m256 inv = _mm256_set1_ps(1.0f / sum);
    for (i = 0; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inv));
    for (; i < n; i++)
        x[i] *= 1.0f / sum;
}

static void swiglu_avx2(float *gate, const float *up, int n)
{
    int i = 0;
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8) {
        __m256 g = _mm256_loadu_ps(gate + i);
        __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, exp8(_mm256_sub_ps(zero, g))));
        _mm256_storeu_ps(gate + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
    }
    for (; i < n; i++) {
        float g = gate[i];
        gate[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

static const tl_kernel_table avx2_table = {
    .name = "avx2",
    .rows = {rows_f32, rows_f16, rows_bf16},
    .widen = {widen_f32, widen_f16, widen_bf16},
    .gemm = {[TL_DTYPE_F16] = tl_gemm_avx2_f16, [TL_DTYPE_BF16] = tl_gemm_avx2_bf16,
             [TL_DTYPE_Q8_0] = tl_gemm_avx2_q8},
    .quantize_q8 = tl_quantize_q8_avx2,
    .rows_q8 = tl_rows_q8_avx2,
    .dot = dot_avx2,
    .axpy = axpy_avx2,
    .softmax = softmax_avx2,
    .swiglu = swiglu_avx2,
};

const tl_kernel_table *tl_kernels_avx2(void)
{
    unsigned a, b, c, d;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
        return NULL;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_F16C))
        return NULL;
    return &avx2_table;
}

#else

const tl_kernel_table *tl_kernels_avx2(void)
{
    return NULL;
}

#endif
