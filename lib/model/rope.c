/* RoPE inverse frequencies, as transformers' modeling_rope_utils computes
 * them (in float32, like its torch code, so angles agree to the last bit as
 * far as possible). Position p rotates the pair (x[i], x[i + dim/2]) by
 * p·inv_freq[i]; cos and sin are multiplied by `mscale` (yarn's attention
 * factor, 1 for the others). */
#include <math.h>

#include "model/config.h"

/* 1 / base^(2i/dim) for i < dim/2, the way torch evaluates it in float32. */
static void default_inv_freq(double base, int dim, float *inv)
{
    for (int i = 0; i < dim / 2; i++) {
        float e = (float)(2 * i) / (float)dim;
        float p = (float)pow(base, (double)e);
        inv[i] = 1.0f / p;
    }
}

static double yarn_correction_dim(double rotations, int dim, double base, int max_pos)
{
    return (dim * log(max_pos / (rotations * 2 * M_PI))) / (2 * log(base));
}

static void yarn_inv_freq(const tl_rope *r, float *inv)
{
    int dim = r->dim;
    double low = yarn_correction_dim(r->beta_fast, dim, r->theta, r->orig_max_pos);
    double high = yarn_correction_dim(r->beta_slow, dim, r->theta, r->orig_max_pos);
    if (r->truncate) {
        low = floor(low);
        high = ceil(high);
    }
    if (low < 0)
        low = 0;
    if (high > dim - 1)
        high = dim - 1;
    if (low == high)
        high += 0.001; /* transformers: "prevent singularity" */
    for (int i = 0; i < dim / 2; i++) {
        float e = (float)(2 * i) / (float)dim;
        float pos_freq = (float)pow(r->theta, (double)e);
        float extrapolation = 1.0f / pos_freq;
        float interpolation = 1.0f / ((float)r->factor * pos_freq);
        float ramp = (float)(((float)i - (float)low) / (float)(high - low));
        ramp = ramp < 0 ? 0 : ramp > 1 ? 1 : ramp;
        float extra_factor = 1.0f - ramp;
        inv[i] = interpolation * (1.0f - extra_factor) + extrapolation * extra_factor;
    }
}

static void llama3_inv_freq(const tl_rope *r, float *inv)
{
    default_inv_freq(r->theta, r->dim, inv);
    double old_ctx = r->orig_max_pos;
    double low_wl = old_ctx / r->low_freq_factor, high_wl = old_ctx / r->high_freq_factor;
    float factor = (float)r->factor;
    for (int i = 0; i < r->dim / 2; i++) {
        float wavelen = (float)(2 * M_PI) / inv[i];
        if (wavelen > low_wl) {
            inv[i] = inv[i] / factor;
        } else if (!(wavelen < high_wl)) {
            float smooth = (float)((old_ctx / wavelen - r->low_freq_factor) /
                                   (r->high_freq_factor - r->low_freq_factor));
            inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
        }
    }
}

void tl_rope_inv_freq(const tl_rope *r, int64_t seq_len, float *inv, float *mscale)
{
    *mscale = 1.0f;
    switch (r->type) {
    case TL_ROPE_DEFAULT:
        default_inv_freq(r->theta, r->dim, inv);
        return;
    case TL_ROPE_LINEAR:
        default_inv_freq(r->theta, r->dim, inv);
        for (int i = 0; i < r->dim / 2; i++)
            inv[i] /= (float)r->factor;
        return;
    case TL_ROPE_DYNAMIC: {
        /* NTK-aware: the base grows once the sequence passes the trained
         * length; below it this is the default RoPE. */
        double len = seq_len > r->max_pos ? (double)seq_len : (double)r->max_pos;
        double base = r->theta * pow((r->factor * len / r->max_pos) - (r->factor - 1),
                                     (double)r->dim / (r->dim - 2));
        default_inv_freq(base, r->dim, inv);
        return;
    }
    case TL_ROPE_LLAMA3:
        llama3_inv_freq(r, inv);
        return;
    case TL_ROPE_YARN:
        yarn_inv_freq(r, inv);
        *mscale = (float)r->attention_factor;
        return;
    }
}
