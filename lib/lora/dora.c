/* DoRA's weight norm, precomputed at load.
 *
 * PEFT (tuners/lora/dora.py, DoraLinearLayer.get_weight_norm) divides the
 * magnitude m by ‖W + s·B·A‖ taken per output row (dim=1 of the [out, in]
 * weight), s being the adapter's scaling at the time of the forward pass,
 * which a user scale multiplies (LoraLayer.scale_layer). For an embedding
 * (DoraEmbeddingLayer, fan_in_fan_out=True) the weight is transposed
 * first, so the norm runs over the vocabulary for each embedding dimension.
 *
 * Expanding the square, for row i (w = W_i, d = (B·A)_i):
 *     ‖w + s·d‖² = ‖w‖² + 2s·⟨w, d⟩ + s²·‖d‖²
 * with ⟨w, d⟩ = Σ_k B[i,k]·(W·Aᵀ)[i,k] and ‖d‖² = B_i·(A·Aᵀ)·B_iᵀ. The
 * three terms cost one pass over W at load (a GEMM of W with Aᵀ); after
 * that any scale costs O(out), so attaching a DoRA adapter to a session
 * with any scale needs no pass over the weights. */
#include <cblas.h>
#include <string.h>

#include "base/alloc.h"
#include "lora/lora.h"

#define TILE 64

/* G = A·Aᵀ [r, r] in double, for A given as rows of length `len` with
 * stride: a[k*ks + v*vs]. */
static void gram(const float *a, int r, int64_t len, int64_t ks, int64_t vs, double *g)
{
    for (int k = 0; k < r; k++)
        for (int l = k; l < r; l++) {
            double s = 0;
            for (int64_t v = 0; v < len; v++)
                s += (double)a[k * ks + v * vs] * a[l * ks + v * vs];
            g[k * r + l] = g[l * r + k] = s;
        }
}

static double quad(const float *b, const double *g, int r)
{
    double s = 0;
    for (int k = 0; k < r; k++) {
        double t = 0;
        for (int l = 0; l < r; l++)
            t += g[k * r + l] * b[l];
        s += b[k] * t;
    }
    return s;
}

/* Linear: W [out, in], A [r, in], B [out, r]. */
static void linear_terms(const tl_weight *w, const tl_lora_module *m, float *wt, float *wa,
                         double *g)
{
    const int r = m->rank;
    const int64_t in = m->in, out = m->out;
    const size_t esz = tl_dtype_size(w->dtype);
    for (int64_t r0 = 0; r0 < out; r0 += TILE) {
        int64_t n = out - r0 < TILE ? out - r0 : TILE;
        tl_convert(w->dtype, (const char *)w->data + (size_t)(r0 * in) * esz, TL_DTYPE_F32, wt,
                   (size_t)(n * in));
        /* wa[n, r] = wt[n, in] · Aᵀ */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, r, (int)in, 1.0f, wt,
                    (int)in, m->a, (int)in, 0.0f, wa, r);
        for (int64_t i = 0; i < n; i++) {
            double s0 = 0, s1 = 0;
            for (int64_t j = 0; j < in; j++)
                s0 += (double)wt[i * in + j] * wt[i * in + j];
            const float *bi = m->b + (r0 + i) * r;
            for (int k = 0; k < r; k++)
                s1 += (double)bi[k] * wa[i * r + k];
            m->n0[r0 + i] = s0;
            m->n1[r0 + i] = s1;
        }
    }
    gram(m->a, r, in, in, 1, g);
    for (int64_t i = 0; i < out; i++)
        m->n2[i] = quad(m->b + i * r, g, r);
}

/* Embedding: E [vocab, D], a = Aᵀ [vocab, r], B [D, r]; norms per column d
 * of E. ae[r, D] = Aᵀᵀ·E accumulates over vocabulary tiles. */
static void embed_terms(const tl_weight *e, const tl_lora_module *m, float *et, float *ae,
                        double *g)
{
    const int r = m->rank;
    const int64_t V = m->in, D = m->out;
    const size_t esz = tl_dtype_size(e->dtype);
    memset(ae, 0, (size_t)r * (size_t)D * sizeof *ae);
    for (int64_t d = 0; d < D; d++)
        m->n0[d] = 0;
    for (int64_t v0 = 0; v0 < V; v0 += TILE) {
        int64_t n = V - v0 < TILE ? V - v0 : TILE;
        tl_convert(e->dtype, (const char *)e->data + (size_t)(v0 * D) * esz, TL_DTYPE_F32, et,
                   (size_t)(n * D));
        /* ae[r, D] += (a[v0:v0+n, r])ᵀ · et[n, D] */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r, (int)D, (int)n, 1.0f,
                    m->a + v0 * r, r, et, (int)D, 1.0f, ae, (int)D);
        for (int64_t v = 0; v < n; v++)
            for (int64_t d = 0; d < D; d++)
                m->n0[d] += (double)et[v * D + d] * et[v * D + d];
    }
    gram(m->a, r, V, 1, r, g);
    for (int64_t d = 0; d < D; d++) {
        const float *bd = m->b + d * r;
        double s1 = 0;
        for (int k = 0; k < r; k++)
            s1 += (double)bd[k] * ae[(int64_t)k * D + d];
        m->n1[d] = s1;
        m->n2[d] = quad(bd, g, r);
    }
}

tabllm_status tl_lora_dora_terms(tl_adapter *a, tl_lora_module *m)
{
    const tl_weight *w;
    const float *bias;
    tl_lora_base_weight(a->model, m->layer, m->module, &w, &bias);
    if (w->dtype == TL_DTYPE_Q8_0)
        return tl_error(TABLLM_ERR_UNSUPPORTED,
                        "DoRA on layer %d %s needs the base weights, which the model holds as "
                        "INT8; load it as f32, bf16 or f16",
                        m->layer, tl_module_name((tl_module)m->module));
    bool embed = m->module == TL_MOD_EMBED;
    size_t out = (size_t)m->out, r = (size_t)m->rank, cols = (size_t)w->cols;
    double *terms, *g;
    float *tile, *prod;
    tabllm_status st;
    if ((st = tl_alloc_array((void **)&terms, out, 3 * sizeof(double), "DoRA norms")))
        return st;
    if ((st = tl_adapter_own(a, terms)))
        return st;
    m->n0 = terms;
    m->n1 = terms + out;
    m->n2 = terms + 2 * out;
    size_t prod_n = embed ? r * out : TILE * r;
    if ((st = tl_alloc_array((void **)&tile, TILE, cols * sizeof(float), "DoRA scratch")))
        return st;
    if ((st = tl_alloc_array((void **)&prod, prod_n, sizeof(float), "DoRA scratch"))) {
        tl_free(tile);
        return st;
    }
    if ((st = tl_alloc_array((void **)&g, r * r, sizeof(double), "DoRA scratch"))) {
        tl_free(tile);
        tl_free(prod);
        return st;
    }
    if (embed)
        embed_terms(w, m, tile, prod, g);
    else
        linear_terms(w, m, tile, prod, g);
    tl_free(tile);
    tl_free(prod);
    tl_free(g);
    return TABLLM_OK;
}
