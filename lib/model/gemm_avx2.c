/* The prefill product for weights kept in F16, BF16 or Q8_0, with AVX2 and
 * FMA: y[n, rows] = x[n, cols] · Wᵀ, blocked like a GEMM (BLIS' loop
 * order, without packing the inputs, which are already row-major floats).
 *
 *   for each block of NC weight rows (TL_GEMM_NC) and KC inputs (TL_GEMM_KC):
 *     pack: widen the block to float, transposed into panels of 16 rows
 *           ([k][16] each), zero-padded (the only pass over those weights);
 *     for each 6 input rows: for each panel: the 6x16 register tile
 *           (12 accumulators, 2 panel loads and 6 broadcasts per k).
 *
 * A panel (16 KB) stays in L1 and the packed block (128 KB) in L2 while
 * every input row goes past it; the weights cross memory once per call. The
 * widening is O(rows·cols), the products O(n·rows·cols), so for a prompt of
 * hundreds of tokens it costs a few percent. Each output sums its KC blocks
 * in order, so results do not depend on how the rows were split over
 * threads. */
#include <immintrin.h>

#include "model/kernels.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)

#define MR 6
#define NR 16

/* Transposes 8 rows of 8 floats in place (row i becomes column i). */
static inline void transpose8(__m256 r[8])
{
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

/* 8 consecutive weights of row r from column k, widened. */
static inline __m256 load8_f16(const tl_weight *w, int64_t r, int64_t k)
{
    const uint16_t *p = (const uint16_t *)w->data + r * w->cols + k;
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

static inline __m256 load8_bf16(const tl_weight *w, int64_t r, int64_t k)
{
    const uint16_t *p = (const uint16_t *)w->data + r * w->cols + k;
    __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
}

/* Q8_0: k is a multiple of 8, so the 8 weights share one block's scale. */
static inline __m256 load8_q8(const tl_weight *w, int64_t r, int64_t k)
{
    const int8_t *p = (const int8_t *)w->data + r * w->cols + k;
    __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)p)));
    float d = _cvtsh_ss(w->scales[r * (w->cols / TL_Q8_BLOCK) + k / TL_Q8_BLOCK]);
    return _mm256_mul_ps(v, _mm256_set1_ps(d));
}

static inline float load1(const tl_weight *w, int64_t r, int64_t k)
{
    const uint16_t *p = (const uint16_t *)w->data + r * w->cols + k;
    return w->dtype == TL_DTYPE_F16 ? tl_f16_to_f32(*p) : tl_bf16_to_f32(*p);
}

/* Packs rows [r, r+nb) x columns [k0, k0+kc) into panels of NR rows:
 * out[p*kc*NR + k*NR + j] = W[r + p*NR + j][k0 + k], zero past nb. */
#define DEFINE_PACK(NAME, LOAD8)                                                               \
    static void NAME(const tl_weight *w, int64_t r, int64_t nb, int64_t k0, int64_t kc,        \
                     float *out)                                                               \
    {                                                                                          \
        const int64_t k8 = kc & ~(int64_t)7;                                                   \
        for (int64_t p = 0; p * NR < nb; p++) {                                                \
            float *panel = out + p * kc * NR;                                                  \
            for (int half = 0; half < 2; half++) {                                             \
                int64_t j0 = p * NR + half * 8;                                                \
                for (int64_t k = 0; k < k8; k += 8) {                                          \
                    __m256 v[8];                                                               \
                    for (int j = 0; j < 8; j++)                                                \
                        v[j] = j0 + j < nb ? LOAD8(w, r + j0 + j, k0 + k) : _mm256_setzero_ps(); \
                    transpose8(v);                                                             \
                    for (int i = 0; i < 8; i++)                                                \
                        _mm256_storeu_ps(panel + (k + i) * NR + half * 8, v[i]);               \
                }                                                                              \
            }                                                                                  \
            for (int64_t k = k8; k < kc; k++) /* Q8_0 never gets here: cols % 32 == 0 */       \
                for (int j = 0; j < NR; j++)                                                   \
                    panel[k * NR + j] = p * NR + j < nb ? load1(w, r + p * NR + j, k0 + k) : 0; \
        }                                                                                      \
    }

DEFINE_PACK(pack_f16, load8_f16)
DEFINE_PACK(pack_bf16, load8_bf16)
DEFINE_PACK(pack_q8, load8_q8)

/* y row `c` (nr valid columns) = or += the two accumulators. */
static inline void store_row(float *c, __m256 lo, __m256 hi, int nr, int acc)
{
    if (nr == NR) {
        if (acc) {
            lo = _mm256_add_ps(lo, _mm256_loadu_ps(c));
            hi = _mm256_add_ps(hi, _mm256_loadu_ps(c + 8));
        }
        _mm256_storeu_ps(c, lo);
        _mm256_storeu_ps(c + 8, hi);
        return;
    }
    float t[NR];
    _mm256_storeu_ps(t, lo);
    _mm256_storeu_ps(t + 8, hi);
    for (int j = 0; j < nr; j++)
        c[j] = acc ? c[j] + t[j] : t[j];
}

/* The register tile for M input rows (1..6): c[M][16] (+)= a[M][kc] · b[kc][16].
 * The `if (M > i)` tests are compile-time constants, so each version keeps
 * only its accumulators, all in registers. */
#define FMA_ROW(i)                                                                              \
    if (MROWS > i) {                                                                                \
        __m256 av = _mm256_broadcast_ss(a##i + k);                                             \
        c##i##0 = _mm256_fmadd_ps(av, b0, c##i##0);                                            \
        c##i##1 = _mm256_fmadd_ps(av, b1, c##i##1);                                            \
    }
#define DEFINE_TILE(M)                                                                          \
    static void tile##M(int64_t kc, const float *a, int64_t lda, const float *b, float *c,      \
                        int64_t ldc, int nr, int acc)                                           \
    {                                                                                           \
        enum { MROWS = M };                                                                     \
        const float *a0 = a, *a1 = M > 1 ? a + lda : a, *a2 = M > 2 ? a + 2 * lda : a,          \
                    *a3 = M > 3 ? a + 3 * lda : a, *a4 = M > 4 ? a + 4 * lda : a,               \
                    *a5 = M > 5 ? a + 5 * lda : a;                                              \
        __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00,           \
               c21 = c00, c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;     \
        for (int64_t k = 0; k < kc; k++) {                                                      \
            __m256 b0 = _mm256_loadu_ps(b + k * NR), b1 = _mm256_loadu_ps(b + k * NR + 8);      \
            FMA_ROW(0) FMA_ROW(1) FMA_ROW(2) FMA_ROW(3) FMA_ROW(4) FMA_ROW(5)                   \
        }                                                                                       \
        store_row(c, c00, c01, nr, acc);                                                        \
        if (M > 1)                                                                              \
            store_row(c + ldc, c10, c11, nr, acc);                                              \
        if (M > 2)                                                                              \
            store_row(c + 2 * ldc, c20, c21, nr, acc);                                          \
        if (M > 3)                                                                              \
            store_row(c + 3 * ldc, c30, c31, nr, acc);                                          \
        if (M > 4)                                                                              \
            store_row(c + 4 * ldc, c40, c41, nr, acc);                                          \
        if (M > 5)                                                                              \
            store_row(c + 5 * ldc, c50, c51, nr, acc);                                          \
    }

DEFINE_TILE(1)
DEFINE_TILE(2)
DEFINE_TILE(3)
DEFINE_TILE(4)
DEFINE_TILE(5)
DEFINE_TILE(6)

typedef void (*tile_fn)(int64_t, const float *, int64_t, const float *, float *, int64_t, int,
                        int);
static const tile_fn tiles[MR + 1] = {NULL, tile1, tile2, tile3, tile4, tile5, tile6};

typedef void (*pack_fn)(const tl_weight *, int64_t, int64_t, int64_t, int64_t, float *);

static void gemm(pack_fn pack, const tl_weight *w, int64_t r0, int64_t r1, const float *x,
                 int64_t ldx, int n, float *y, int64_t ldy, float *scratch)
{
    const int64_t K = w->cols;
    for (int64_t rb = r0; rb < r1; rb += TL_GEMM_NC) {
        int64_t nb = r1 - rb < TL_GEMM_NC ? r1 - rb : TL_GEMM_NC;
        for (int64_t k0 = 0; k0 < K; k0 += TL_GEMM_KC) {
            int64_t kc = K - k0 < TL_GEMM_KC ? K - k0 : TL_GEMM_KC;
            pack(w, rb, nb, k0, kc, scratch);
            for (int t = 0; t < n; t += MR) {
                int m = n - t < MR ? n - t : MR;
                for (int64_t p = 0; p * NR < nb; p++) {
                    int nr = nb - p * NR < NR ? (int)(nb - p * NR) : NR;
                    tiles[m](kc, x + t * ldx + k0, ldx, scratch + p * kc * NR,
                             y + t * ldy + rb + p * NR, ldy, nr, k0 > 0);
                }
            }
        }
    }
}

void tl_gemm_avx2_f16(const tl_weight *w, int64_t r0, int64_t r1, const float *x, int64_t ldx,
                      int n, float *y, int64_t ldy, float *scratch)
{
    gemm(pack_f16, w, r0, r1, x, ldx, n, y, ldy, scratch);
}

void tl_gemm_avx2_bf16(const tl_weight *w, int64_t r0, int64_t r1, const float *x, int64_t ldx,
                       int n, float *y, int64_t ldy, float *scratch)
{
    gemm(pack_bf16, w, r0, r1, x, ldx, n, y, ldy, scratch);
}

void tl_gemm_avx2_q8(const tl_weight *w, int64_t r0, int64_t r1, const float *x, int64_t ldx,
                     int n, float *y, int64_t ldy, float *scratch)
{
    gemm(pack_q8, w, r0, r1, x, ldx, n, y, ldy, scratch);
}

#else
typedef int tl_no_avx2_build; /* not an empty translation unit */
#endif
