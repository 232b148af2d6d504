#include "model/tensor.h"

#include <math.h>

const char *tl_dtype_name(tl_dtype t)
{
    switch (t) {
    case TL_DTYPE_F32: return "F32";
    case TL_DTYPE_F16: return "F16";
    case TL_DTYPE_BF16: return "BF16";
    case TL_DTYPE_Q8_0: return "Q8_0";
    case TL_DTYPE_OTHER:
    case TL_DTYPE_COUNT: break;
    }
    return "other";
}

float tl_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31;
    uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    uint32_t u;
    if (exp == 0x1f) {
        u = sign | 0x7f800000u | (mant << 13); /* inf, nan */
    } else if (exp == 0) {
        if (mant == 0) {
            u = sign;
        } else { /* subnormal: value = mant * 2^-24 */
            float f = ldexpf((float)mant, -24);
            memcpy(&u, &f, sizeof u);
            u |= sign;
        }
    } else {
        u = sign | ((exp + 112) << 23) | (mant << 13);
    }
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

uint16_t tl_f32_to_f16(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000);
    uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u)
        return sign | 0x7e00; /* nan */
    if (a >= 0x477ff000u)  /* rounds to >= 65536: inf */
        return sign | 0x7c00;
    if (a < 0x38800000u) { /* below the smallest normal half: subnormal or zero */
        float v;
        memcpy(&v, &a, sizeof v);
        /* v * 2^24 rounded to nearest even gives the subnormal mantissa */
        float m = nearbyintf(v * 16777216.0f);
        return sign | (uint16_t)m;
    }
    /* normal: keep 10 mantissa bits, round to nearest even */
    uint32_t r = a + 0xfffu + ((a >> 13) & 1u);
    return sign | (uint16_t)(((r >> 13) - (112u << 10)) & 0x7fff);
}

uint64_t tl_weight_bytes(const tl_weight *w)
{
    uint64_t n = (uint64_t)w->rows * (uint64_t)w->cols;
    if (w->dtype == TL_DTYPE_Q8_0)
        return n + n / TL_Q8_BLOCK * 2;
    return n * tl_dtype_size(w->dtype);
}

/* Rounds to nearest, ties to even, for |x| < 2^22 (the default rounding
 * mode does the work; libm's nearbyintf is a call per element). */
static inline float round_even(float x)
{
    const float magic = 12582912.0f; /* 1.5 * 2^23 */
    return x >= 0 ? (x + magic) - magic : -((-x + magic) - magic);
}

bool tl_quantize_q8_rows(tl_dtype from, const void *src, int64_t cols, int64_t r0, int64_t r1,
                         int8_t *q, uint16_t *scales)
{
    const int64_t nb = cols / TL_Q8_BLOCK;
    const size_t esz = tl_dtype_size(from);
    for (int64_t r = r0; r < r1; r++) {
        for (int64_t b = 0; b < nb; b++) {
            size_t at = (size_t)(r * cols + b * TL_Q8_BLOCK);
            float v[TL_Q8_BLOCK], amax = 0;
            /* the source may be misaligned in its file: copy the block out */
            if (from == TL_DTYPE_F32) {
                memcpy(v, (const char *)src + at * esz, sizeof v);
            } else {
                uint16_t h[TL_Q8_BLOCK];
                memcpy(h, (const char *)src + at * esz, sizeof h);
                for (int i = 0; i < TL_Q8_BLOCK; i++)
                    v[i] = from == TL_DTYPE_BF16 ? tl_bf16_to_f32(h[i]) : tl_f16_to_f32(h[i]);
            }
            bool finite = true;
            for (int i = 0; i < TL_Q8_BLOCK; i++) {
                finite &= isfinite(v[i]) != 0;
                amax = fabsf(v[i]) > amax ? fabsf(v[i]) : amax;
            }
            if (!finite)
                return false;
            /* the scale the kernels will use is the F16 one, so quantize
             * against it rather than against amax/127 itself */
            uint16_t hs = tl_f32_to_f16(amax / 127.0f);
            float d = tl_f16_to_f32(hs);
            if (!isfinite(d))
                return false;
            float id = d > 0 ? 1.0f / d : 0.0f;
            for (int i = 0; i < TL_Q8_BLOCK; i++) {
                float x = v[i] * id;
                x = x > 127 ? 127 : x < -127 ? -127 : x;
                q[at + (size_t)i] = (int8_t)round_even(x);
            }
            scales[r * nb + b] = hs;
        }
    }
    return true;
}

void tl_weight_row_f32(const tl_weight *w, int64_t r, float *out)
{
    size_t n = (size_t)w->cols;
    if (w->dtype == TL_DTYPE_Q8_0) {
        const int8_t *q = (const int8_t *)w->data + (size_t)r * n;
        const uint16_t *sc = w->scales + (size_t)r * (n / TL_Q8_BLOCK);
        for (size_t i = 0; i < n; i++)
            out[i] = (float)q[i] * tl_f16_to_f32(sc[i / TL_Q8_BLOCK]);
        return;
    }
    const char *row = (const char *)w->data + (size_t)r * n * tl_dtype_size(w->dtype);
    tl_convert(w->dtype, row, TL_DTYPE_F32, out, n);
}

void tl_convert(tl_dtype from, const void *src, tl_dtype to, void *dst, size_t n)
{
    if (from == to) {
        memcpy(dst, src, n * tl_dtype_size(from));
        return;
    }
    const uint16_t *s16 = src;
    const float *s32 = src;
    float *d32 = dst;
    uint16_t *d16 = dst;
    for (size_t i = 0; i < n; i++) {
        float v;
        if (from == TL_DTYPE_F32)
            v = s32[i];
        else if (from == TL_DTYPE_F16)
            v = tl_f16_to_f32(s16[i]);
        else
            v = tl_bf16_to_f32(s16[i]);
        if (to == TL_DTYPE_F32)
            d32[i] = v;
        else if (to == TL_DTYPE_F16)
            d16[i] = tl_f32_to_f16(v);
        else
            d16[i] = tl_f32_to_bf16(v);
    }
}
