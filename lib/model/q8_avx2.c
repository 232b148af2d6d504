/* Q8_0 decode with AVX2: int8 weights times int8-quantized inputs, as
 * llama.cpp computes Q8_0 x Q8_0. Per block of 32: vpmaddubsw needs one
 * unsigned operand, so it multiplies |x| by w·sign(x) (vpsignb; neither side
 * is ever -128, which is why both quantizers clamp to [-127, 127]); pairs
 * of int16 products are then summed to int32 by vpmaddwd with ones, which
 * cannot overflow (2·127·127 < 32767), converted to float and scaled by
 * the weight's and the input's block scales. The int8 rows (a quarter of
 * F32's bytes) are streamed once per call, four rows sharing each input
 * block. */
#include <immintrin.h>
#include <math.h>

#include "model/kernels.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)

static inline float hsum(__m256 v)
{
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 1));
    return _mm_cvtss_f32(lo);
}

void tl_quantize_q8_avx2(const float *x, int64_t n, int8_t *q, float *d)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (int64_t b = 0; b < n / TL_Q8_BLOCK; b++) {
        const float *v = x + b * TL_Q8_BLOCK;
        __m256 v0 = _mm256_loadu_ps(v), v1 = _mm256_loadu_ps(v + 8);
        __m256 v2 = _mm256_loadu_ps(v + 16), v3 = _mm256_loadu_ps(v + 24);
        __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v0), _mm256_andnot_ps(sign, v1)),
                                 _mm256_max_ps(_mm256_andnot_ps(sign, v2), _mm256_andnot_ps(sign, v3)));
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_shuffle_ps(m4, m4, 1));
        float amax = _mm_cvtss_f32(m4);
        float id = amax > 0 ? 127.0f / amax : 0.0f;
        d[b] = amax / 127.0f;
        __m256 vid = _mm256_set1_ps(id);
        /* cvtps rounds to nearest even, as nearbyintf does in the reference */
        __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(v0, vid));
        __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(v1, vid));
        __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(v2, vid));
        __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(v3, vid));
        /* packs work within 128-bit lanes: undo their interleaving */
        __m256i p01 = _mm256_packs_epi32(i0, i1), p23 = _mm256_packs_epi32(i2, i3);
        __m256i p = _mm256_packs_epi16(p01, p23);
        p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256((__m256i *)(q + b * TL_Q8_BLOCK), p);
    }
}

/* One block's contribution: float(int dot(w, x)) · scale, accumulated. */
static inline __m256 block_dot(__m256i ax, __m256i x, const int8_t *w, float scale, __m256 acc)
{
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i sw = _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)w), x);
    __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(ax, sw), ones);
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(scale), acc);
}

/* Four rows' dots with one quantized input, sharing each input block. The
 * weight and input scales are multiplied eight blocks at a time (one F16
 * conversion and one multiply per row) and read back as broadcasts from
 * memory. Written out row by row so the accumulators stay in registers. */
static inline __m256 scales8(const uint16_t *ws, __m256 dx)
{
    return _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)ws)), dx);
}

static void dot4(const int8_t *const w[4], const uint16_t *const ws[4], const int8_t *x,
                 const float *xd, int64_t nb, float out[4])
{
    const int8_t *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3];
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    float s0[8], s1[8], s2[8], s3[8];
    int64_t b = 0;
    for (; b + 8 <= nb; b += 8) {
        __m256 dx = _mm256_loadu_ps(xd + b);
        _mm256_storeu_ps(s0, scales8(ws[0] + b, dx));
        _mm256_storeu_ps(s1, scales8(ws[1] + b, dx));
        _mm256_storeu_ps(s2, scales8(ws[2] + b, dx));
        _mm256_storeu_ps(s3, scales8(ws[3] + b, dx));
        for (int j = 0; j < 8; j++) {
            const int64_t o = (b + j) * TL_Q8_BLOCK;
            __m256i xv = _mm256_loadu_si256((const __m256i *)(x + o));
            __m256i ax = _mm256_sign_epi8(xv, xv);
            a0 = block_dot(ax, xv, w0 + o, s0[j], a0);
            a1 = block_dot(ax, xv, w1 + o, s1[j], a1);
            a2 = block_dot(ax, xv, w2 + o, s2[j], a2);
            a3 = block_dot(ax, xv, w3 + o, s3[j], a3);
        }
    }
    for (; b < nb; b++) {
        const int64_t o = b * TL_Q8_BLOCK;
        __m256i xv = _mm256_loadu_si256((const __m256i *)(x + o));
        __m256i ax = _mm256_sign_epi8(xv, xv);
        a0 = block_dot(ax, xv, w0 + o, _cvtsh_ss(ws[0][b]) * xd[b], a0);
        a1 = block_dot(ax, xv, w1 + o, _cvtsh_ss(ws[1][b]) * xd[b], a1);
        a2 = block_dot(ax, xv, w2 + o, _cvtsh_ss(ws[2][b]) * xd[b], a2);
        a3 = block_dot(ax, xv, w3 + o, _cvtsh_ss(ws[3][b]) * xd[b], a3);
    }
    out[0] = hsum(a0);
    out[1] = hsum(a1);
    out[2] = hsum(a2);
    out[3] = hsum(a3);
}

/* As in the float kernels (kernels_avx2.c), the four rows of a tile come one
 * from each quarter of [r0, r1): the int8 weights and their scales are read
 * as long sequential streams the prefetcher follows. The rows left over
 * take the same path with one row repeated four times (same sums). */
void tl_rows_q8_avx2(const tl_weight *w, int64_t r0, int64_t r1, const int8_t *xq,
                     const float *xd, int n, float *y, int64_t ldy)
{
    const int64_t cols = w->cols, nb = cols / TL_Q8_BLOCK, q = (r1 - r0) / 4;
    const int8_t *base = (const int8_t *)w->data;
    for (int64_t r = r0; r < r1; r++) {
        if (r >= r0 + q && r < r0 + 4 * q)
            continue; /* computed with its tile */
        int64_t step = r < r0 + q ? q : 0;
        const int8_t *wr[4];
        const uint16_t *sr[4];
        for (int k = 0; k < 4; k++) {
            wr[k] = base + (r + k * step) * cols;
            sr[k] = w->scales + (r + k * step) * nb;
        }
        for (int t = 0; t < n; t++) {
            float out[4];
            dot4(wr, sr, xq + t * cols, xd + t * nb, nb, out);
            for (int k = 0; k < 4; k++)
                y[t * ldy + r + k * step] = out[k];
        }
    }
}

#else
typedef int tl_no_avx2_build; /* not an empty translation unit */
#endif
