/* Adapter sets in a session: which adapters each sequence uses, attached
 * with their scales (DoRA's m/‖W + s·B·A‖ computed here from the terms the
 * adapter precomputed), and the optional merge into session-private copies
 * of the weights. The model's weights are never written. */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "lora/lora.h"

void tl_lora_set_release(tl_lora_set *set)
{
    if (set == NULL || --set->refs > 0)
        return;
    for (size_t i = 0; i < set->n; i++) {
        tl_lora_entry *e = &set->e[i];
        if (e->mns != NULL) {
            for (size_t k = 0; k < e->ad->n_mods; k++) {
                const tl_lora_module *m = &e->ad->mods[k];
                tl_free(e->mns[tl_lora_slot(m->layer, m->module)]);
            }
            tl_free(e->mns);
        }
        tl_adapter_release(e->ad);
    }
    tl_free(set->e);
    tl_free(set->rep_w);
    tl_free(set->rep_b);
    tl_free(set->touched);
    tl_free(set);
}

static tabllm_status check_args(const tl_session *s, tabllm_adapter *const *ads,
                                const float *scales, size_t n, const char *fn)
{
    if (s == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "%s: session is NULL", fn);
    if (n > 0 && ads == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "%s: adapters is NULL", fn);
    if (n > 1024)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "%s: %zu adapters (at most 1024)", fn, n);
    if (s->lora != NULL && s->lora->merged != NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "%s: the session's adapters are merged; unmerge them first", fn);
    for (size_t i = 0; i < n; i++) {
        if (ads[i] == NULL)
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "%s: adapters[%zu] is NULL", fn, i);
        if (ads[i]->model != s->model)
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                            "%s: adapters[%zu] (%s) was loaded for another model", fn, i,
                            ads[i]->dir);
        if (scales != NULL && !isfinite(scales[i]))
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "%s: scales[%zu] is not finite", fn, i);
        for (size_t j = 0; j < i; j++)
            if (ads[j] == ads[i])
                return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                                "%s: adapters[%zu] and adapters[%zu] are the same adapter", fn, j,
                                i);
    }
    return TABLLM_OK;
}

/* DoRA's factor for every module of an adapter the entry applies with. */
static tabllm_status attach_dora(tl_lora_entry *e, int n_slots)
{
    const tl_adapter *a = e->ad;
    if (!(a->features & TABLLM_ADAPTER_HAS_DORA))
        return TABLLM_OK;
    tabllm_status st = tl_calloc_array((void **)&e->mns, (size_t)n_slots, sizeof *e->mns, "DoRA");
    for (size_t k = 0; st == TABLLM_OK && k < a->n_mods; k++) {
        const tl_lora_module *m = &a->mods[k];
        if (m->magnitude == NULL)
            continue;
        float *f;
        if ((st = tl_alloc_array((void **)&f, (size_t)m->out, sizeof *f, "DoRA")))
            break;
        e->mns[tl_lora_slot(m->layer, m->module)] = f;
        double s = (double)e->scale * m->scaling;
        for (int64_t i = 0; i < m->out; i++) {
            double sq = m->n0[i] + 2 * s * m->n1[i] + s * s * m->n2[i];
            f[i] = (float)(m->magnitude[i] / sqrt(sq > 0 ? sq : 0));
        }
    }
    return st;
}

/* Two adapters of one set may not both replace a module, nor may one
 * adapt what another replaces: PEFT's modules_to_save wrapper serves one
 * adapter at a time. */
static tabllm_status add_replacements(tl_lora_set *set, size_t idx, int n_slots)
{
    const tl_adapter *a = set->e[idx].ad;
    for (int slot = 0; slot < n_slots; slot++) {
        bool rep_w = (slot == tl_lora_slot(-1, TL_MOD_EMBED) && a->rep[0].data) ||
                     (slot == tl_lora_slot(-1, TL_MOD_LM_HEAD) && a->rep[1].data);
        bool mine = rep_w || a->slot_mod[slot] >= 0 || a->rep_bias[slot] != NULL;
        if (!mine)
            continue;
        for (size_t j = 0; j < idx; j++) {
            const tl_adapter *o = set->e[j].ad;
            bool o_rep = (slot == tl_lora_slot(-1, TL_MOD_EMBED) && o->rep[0].data) ||
                         (slot == tl_lora_slot(-1, TL_MOD_LM_HEAD) && o->rep[1].data);
            bool o_any = o_rep || o->slot_mod[slot] >= 0 || o->rep_bias[slot] != NULL;
            if ((rep_w && o_any) || (o_rep && mine) ||
                (a->rep_bias[slot] != NULL && o->rep_bias[slot] != NULL))
                return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                                "adapters %s and %s both change a module one of them replaces "
                                "(modules_to_save or a trained bias): one at a time",
                                o->dir, a->dir);
        }
        set->touched[slot] = 1;
        if (rep_w)
            set->rep_w[slot] = &a->rep[slot == tl_lora_slot(-1, TL_MOD_EMBED) ? 0 : 1];
        if (a->rep_bias[slot] != NULL)
            set->rep_b[slot] = a->rep_bias[slot];
    }
    return TABLLM_OK;
}

static tabllm_status make_set(const tl_session *s, tabllm_adapter *const *ads, const float *scales,
                              size_t n, tl_lora_set **out)
{
    *out = NULL;
    if (n == 0)
        return TABLLM_OK;
    int n_slots = tl_lora_n_slots(s->model);
    tl_lora_set *set = tl_calloc(1, sizeof *set);
    if (set == NULL)
        return tl_error_oom("an adapter set");
    set->refs = 1;
    tabllm_status st;
    if ((st = tl_calloc_array((void **)&set->e, n, sizeof *set->e, "an adapter set")) ||
        (st = tl_calloc_array((void **)&set->rep_w, (size_t)n_slots, sizeof *set->rep_w,
                              "an adapter set")) ||
        (st = tl_calloc_array((void **)&set->rep_b, (size_t)n_slots, sizeof *set->rep_b,
                              "an adapter set")) ||
        (st = tl_calloc_array((void **)&set->touched, (size_t)n_slots, 1, "an adapter set"))) {
        tl_lora_set_release(set);
        return st;
    }
    for (size_t i = 0; i < n && st == TABLLM_OK; i++) {
        tl_lora_entry *e = &set->e[i];
        tl_adapter_retain(ads[i]);
        e->ad = ads[i];
        e->scale = scales ? scales[i] : 1.0f;
        set->n = i + 1;
        for (size_t k = 0; k < e->ad->n_mods; k++)
            if (e->ad->mods[k].rank > set->max_rank)
                set->max_rank = e->ad->mods[k].rank;
        st = attach_dora(e, n_slots);
        if (st == TABLLM_OK)
            st = add_replacements(set, i, n_slots);
    }
    if (st != TABLLM_OK) {
        tl_lora_set_release(set);
        return st;
    }
    *out = set;
    return TABLLM_OK;
}

static bool same_set(const tl_lora_set *set, tabllm_adapter *const *ads, const float *scales,
                     size_t n)
{
    if (set == NULL || set->n != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (set->e[i].ad != ads[i] || set->e[i].scale != (scales ? scales[i] : 1.0f))
            return false;
    return true;
}

static tabllm_status ensure_state(tl_session *s)
{
    if (s->lora != NULL)
        return TABLLM_OK;
    tl_lora_state *st = tl_calloc(1, sizeof *st);
    if (st == NULL)
        return tl_error_oom("adapter state");
    tabllm_status rc = tl_calloc_array((void **)&st->seq_set, s->n_seq, sizeof *st->seq_set,
                                       "adapter state");
    if (rc != TABLLM_OK) {
        tl_free(st);
        return rc;
    }
    st->n_slots = tl_lora_n_slots(s->model);
    s->lora = st;
    /* the free hook must run even while no adapter is active */
    s->adapter_hooks = &tl_lora_hooks;
    return TABLLM_OK;
}

/* Hooks only while something applies, so a session back on the base model
 * pays nothing per projection. */
static void update_hooks(tl_session *s)
{
    tl_lora_state *st = s->lora;
    bool active = st->merged != NULL;
    for (uint32_t q = 0; q < s->n_seq && !active; q++)
        active = st->seq_set[q] != NULL;
    st->active = active;
}

static tabllm_status assign(tl_session *s, int32_t seq, tabllm_adapter *const *ads,
                            const float *scales, size_t n)
{
    tabllm_status rc = ensure_state(s);
    if (rc != TABLLM_OK)
        return rc;
    tl_lora_state *st = s->lora;
    /* reuse an equal set, so rows of sequences that agree form one run */
    tl_lora_set *set = NULL;
    for (uint32_t q = 0; q < s->n_seq && set == NULL && n > 0; q++)
        if (same_set(st->seq_set[q], ads, scales, n))
            set = st->seq_set[q];
    if (set != NULL)
        set->refs++;
    else if ((rc = make_set(s, ads, scales, n, &set)) != TABLLM_OK)
        return rc;
    uint32_t q0 = seq < 0 ? 0 : (uint32_t)seq, q1 = seq < 0 ? s->n_seq : (uint32_t)seq + 1;
    if (set != NULL)
        set->refs += (int)(q1 - q0) - 1;
    for (uint32_t q = q0; q < q1; q++) {
        tl_lora_set_release(st->seq_set[q]);
        st->seq_set[q] = set;
    }
    update_hooks(s);
    return TABLLM_OK;
}

tabllm_status tabllm_session_set_adapters(tabllm_session *s, tabllm_adapter *const *adapters,
                                          const float *scales, size_t n)
{
    tabllm_status rc = check_args(s, adapters, scales, n, "tabllm_session_set_adapters");
    if (rc != TABLLM_OK)
        return rc;
    if (n == 0 && s->lora == NULL)
        return TABLLM_OK;
    return assign(s, -1, adapters, scales, n);
}

tabllm_status tabllm_session_set_seq_adapters(tabllm_session *s, int32_t seq_id,
                                              tabllm_adapter *const *adapters, const float *scales,
                                              size_t n)
{
    tabllm_status rc = check_args(s, adapters, scales, n, "tabllm_session_set_seq_adapters");
    if (rc != TABLLM_OK)
        return rc;
    if (seq_id < 0 || (uint32_t)seq_id >= s->n_seq)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "tabllm_session_set_seq_adapters: sequence id %d is outside [0, %u)",
                        seq_id, s->n_seq);
    if (n == 0 && s->lora == NULL)
        return TABLLM_OK;
    return assign(s, seq_id, adapters, scales, n);
}

/* --- merge --------------------------------------------------------------- */

static void merged_free(tl_lora_merged *mg)
{
    if (mg == NULL)
        return;
    for (size_t i = 0; i < mg->n_owned; i++)
        tl_free(mg->owned[i]);
    tl_free(mg->owned);
    tl_free(mg->w);
    tl_free(mg->b);
    tl_free(mg);
}

void tl_lora_state_free(tl_session *s)
{
    tl_lora_state *st = s->lora;
    if (st == NULL)
        return;
    for (uint32_t q = 0; q < s->n_seq; q++)
        tl_lora_set_release(st->seq_set[q]);
    tl_free(st->seq_set);
    merged_free(st->merged);
    tl_free(st->t);
    tl_free(st->seg_begin);
    tl_free(st->seg_len);
    tl_free(st->seg_set);
    tl_free(st->segs);
    tl_free(st);
    s->lora = NULL;
    s->adapter_hooks = NULL;
}

static void keep(tl_lora_merged *mg, void *p)
{
    mg->owned[mg->n_owned++] = p; /* room for a weight and a bias per slot */
}

/* W' for one slot, built as the unmerged forward applies the set
 * (apply.c): start from the replacement or the model's weight, then for
 * each adapter in order W' += s·B·A, or for DoRA W' = mns ⊙ (W' + s·B·A)
 * per output row (per embedding column). Computed in float32 tiles and
 * stored in the source's format. */
static tabllm_status merge_weight(const tl_session *s, const tl_lora_set *set, int layer,
                                  int module, tl_weight *dst, void **data)
{
    int slot = tl_lora_slot(layer, module);
    const tl_weight *w;
    const float *unused;
    tl_lora_base_weight(s->model, layer, module, &w, &unused);
    if (set->rep_w[slot] != NULL)
        w = set->rep_w[slot];
    *dst = *w;
    bool any = false;
    for (size_t i = 0; i < set->n; i++)
        any |= set->e[i].ad->slot_mod[slot] >= 0;
    if (!any)
        return TABLLM_OK; /* only a replacement or a bias: used as is */
    if (w->dtype == TL_DTYPE_Q8_0)
        return tl_error(TABLLM_ERR_UNSUPPORTED,
                        "tabllm_session_merge_adapters: layer %d %s holds INT8 weights; merging "
                        "needs the model loaded as f32, bf16 or f16 (unmerged adapters work)",
                        layer, tl_module_name((tl_module)module));
    const bool embed = module == TL_MOD_EMBED;
    const int64_t rows = w->rows, cols = w->cols;
    const size_t esz = tl_dtype_size(w->dtype);
    enum { TILE = 64 };
    void *copy;
    float *tile;
    size_t n;
    if (!tl_size_mul((size_t)rows, (size_t)cols, &n))
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "merged weight too large");
    tabllm_status st = tl_alloc_array(&copy, n ? n : 1, esz, "a merged weight");
    if (st != TABLLM_OK)
        return st;
    if ((st = tl_alloc_array((void **)&tile, TILE, (size_t)cols * sizeof(float), "merge tile"))) {
        tl_free(copy);
        return st;
    }
    for (int64_t r0 = 0; r0 < rows; r0 += TILE) {
        int64_t nr = rows - r0 < TILE ? rows - r0 : TILE;
        tl_convert(w->dtype, (const char *)w->data + (size_t)(r0 * cols) * esz, TL_DTYPE_F32,
                   tile, (size_t)(nr * cols));
        for (size_t i = 0; i < set->n; i++) {
            const tl_lora_entry *e = &set->e[i];
            int k = e->ad->slot_mod[slot];
            if (k < 0)
                continue;
            const tl_lora_module *m = &e->ad->mods[k];
            float sc = (float)((double)e->scale * m->scaling);
            const float *mns = e->mns ? e->mns[slot] : NULL;
            if (embed) /* tile[nr, D] += s · Aᵀ[r0:r0+nr] · Bᵀ */
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nr, (int)cols, m->rank,
                            sc, m->a + r0 * m->rank, m->rank, m->b, m->rank, 1.0f, tile,
                            (int)cols);
            else /* tile[nr, in] += s · B[r0:r0+nr] · A */
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nr, (int)cols, m->rank,
                            sc, m->b + r0 * m->rank, m->rank, m->a, (int)cols, 1.0f, tile,
                            (int)cols);
            if (mns != NULL)
                for (int64_t r = 0; r < nr; r++)
                    for (int64_t c = 0; c < cols; c++)
                        tile[r * cols + c] *= embed ? mns[c] : mns[r0 + r];
        }
        tl_convert(TL_DTYPE_F32, tile, w->dtype, (char *)copy + (size_t)(r0 * cols) * esz,
                   (size_t)(nr * cols));
    }
    tl_free(tile);
    dst->data = copy;
    *data = copy;
    return TABLLM_OK;
}

/* b' = the replacement or the model's bias, plus s·lora_B.bias of each
 * plain adapter (DoRA leaves the bias outside its normalisation). */
static tabllm_status merge_bias(const tl_session *s, const tl_lora_set *set, int layer,
                                int module, float **dst)
{
    int slot = tl_lora_slot(layer, module);
    const tl_weight *w;
    const float *b;
    tl_lora_base_weight(s->model, layer, module, &w, &b);
    if (set->rep_b[slot] != NULL)
        b = set->rep_b[slot];
    bool adds = false;
    for (size_t i = 0; i < set->n; i++) {
        int k = set->e[i].ad->slot_mod[slot];
        adds |= k >= 0 && set->e[i].ad->mods[k].lora_bias != NULL;
    }
    *dst = NULL;
    if (b == NULL && !adds)
        return TABLLM_OK;
    float *v;
    tabllm_status st = tl_calloc_array((void **)&v, (size_t)w->rows, sizeof *v, "a merged bias");
    if (st != TABLLM_OK)
        return st;
    if (b != NULL)
        memcpy(v, b, (size_t)w->rows * sizeof *v);
    for (size_t i = 0; i < set->n; i++) {
        int k = set->e[i].ad->slot_mod[slot];
        if (k < 0 || set->e[i].ad->mods[k].lora_bias == NULL)
            continue;
        const tl_lora_module *m = &set->e[i].ad->mods[k];
        float sc = (float)((double)set->e[i].scale * m->scaling);
        for (int64_t r = 0; r < w->rows; r++)
            v[r] += sc * m->lora_bias[r];
    }
    *dst = v;
    return TABLLM_OK;
}

tabllm_status tabllm_session_merge_adapters(tabllm_session *s)
{
    if (s == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_session_merge_adapters: NULL");
    tl_lora_state *st = s->lora;
    if (st == NULL)
        return TABLLM_OK;
    if (st->merged != NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "tabllm_session_merge_adapters: already merged");
    tl_lora_set *set = st->seq_set[0];
    for (uint32_t q = 1; q < s->n_seq; q++)
        if (st->seq_set[q] != set)
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                            "tabllm_session_merge_adapters: sequences %d and %u use different "
                            "adapter sets; merging needs one set for all",
                            0, q);
    if (set == NULL)
        return TABLLM_OK;
    int n_slots = st->n_slots;
    tl_lora_merged *mg = tl_calloc(1, sizeof *mg);
    if (mg == NULL)
        return tl_error_oom("merged weights");
    tabllm_status rc;
    if ((rc = tl_calloc_array((void **)&mg->w, (size_t)n_slots, sizeof *mg->w, "merge")) ||
        (rc = tl_calloc_array((void **)&mg->b, (size_t)n_slots, sizeof *mg->b, "merge")))
        goto done;
    rc = tl_calloc_array((void **)&mg->owned, 2 * (size_t)n_slots, sizeof *mg->owned, "merge");
    for (int slot = 0; rc == TABLLM_OK && slot < n_slots; slot++) {
        if (!set->touched[slot])
            continue;
        int layer = slot / TL_MOD_COUNT - 1, module = slot % TL_MOD_COUNT;
        void *data = NULL;
        float *b = NULL;
        rc = merge_weight(s, set, layer, module, &mg->w[slot], &data);
        if (rc == TABLLM_OK && data != NULL)
            keep(mg, data);
        if (rc == TABLLM_OK && module != TL_MOD_EMBED)
            rc = merge_bias(s, set, layer, module, &b);
        if (rc == TABLLM_OK && b != NULL) {
            keep(mg, b);
            mg->b[slot] = b;
        }
    }
done:
    if (rc != TABLLM_OK) {
        merged_free(mg);
        return rc;
    }
    st->merged = mg;
    update_hooks(s);
    return TABLLM_OK;
}

void tabllm_session_unmerge_adapters(tabllm_session *s)
{
    if (s == NULL || s->lora == NULL || s->lora->merged == NULL)
        return;
    merged_free(s->lora->merged);
    s->lora->merged = NULL;
    update_hooks(s);
}

int tabllm_session_adapters_merged(const tabllm_session *s)
{
    return s != NULL && s->lora != NULL && s->lora->merged != NULL;
}
