#include "model/tensor.h"

#include <math.h>

const char *tl_dtype_name(tl_dtype t)
{
    switch (t) {
    case TL_DTYPE_F32: return "F32";
    case TL_DTYPE_F16: return "F16";
    case TL_DTYPE_BF16: return "BF16";
    case TL_DTYPE_OTHER: break;
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

void tl_weight_row_f32(const tl_weight *w, int64_t r, float *out)
{
    size_t n = (size_t)w->cols;
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
