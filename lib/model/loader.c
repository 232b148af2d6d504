/* Loading a Hugging Face model directory: config.json, then model.safetensors
 * or the shards named by model.safetensors.index.json, then every tensor the
 * architecture needs, checked by name and shape before anything runs.
 *
 * Matrices stay in the mapped files in their stored dtype (zero copy) unless
 * the caller asked for another format or the data is misaligned; norms and
 * biases, a few kilobytes, are always widened to float32 copies. */
#include <math.h>
#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/file.h"
#include "base/json.h"
#include "base/log.h"
#include "model/model.h"

#define MAX_CONFIG_BYTES (16u << 20)
#define MAX_INDEX_BYTES (64u << 20)
#define MAX_SHARDS 4096

/* All tensors of all files, sorted by name, with a "used" mark. */
typedef struct tensor_index {
    tl_st_tensor **t;
    unsigned char *used;
    size_t n;
} tensor_index;

typedef struct loader {
    tl_model *m;
    tensor_index idx;
    uint32_t format; /* tabllm_weight_format */
    uint32_t flags;
} loader;

static int cmp_tensor_ptr(const void *a, const void *b)
{
    return strcmp((*(tl_st_tensor *const *)a)->name, (*(tl_st_tensor *const *)b)->name);
}

static tabllm_status build_index(tl_model *m, tensor_index *idx)
{
    size_t n = 0;
    for (size_t f = 0; f < m->n_files; f++)
        n += m->files[f].n_tensors;
    tabllm_status st = tl_alloc_array((void **)&idx->t, n ? n : 1, sizeof *idx->t, "tensor index");
    if (st == TABLLM_OK)
        st = tl_calloc_array((void **)&idx->used, n ? n : 1, 1, "tensor index");
    if (st != TABLLM_OK)
        return st;
    for (size_t f = 0; f < m->n_files; f++)
        for (size_t i = 0; i < m->files[f].n_tensors; i++)
            idx->t[idx->n++] = &m->files[f].tensors[i];
    qsort(idx->t, idx->n, sizeof *idx->t, cmp_tensor_ptr);
    for (size_t i = 1; i < idx->n; i++)
        if (strcmp(idx->t[i - 1]->name, idx->t[i]->name) == 0)
            return tl_error(TABLLM_ERR_FORMAT, "tensor \"%s\" is in both %s and %s",
                            idx->t[i]->name, idx->t[i - 1]->file, idx->t[i]->file);
    return TABLLM_OK;
}

static long find_tensor(const tensor_index *idx, const char *name)
{
    size_t lo = 0, hi = idx->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(idx->t[mid]->name, name);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static tabllm_status own(tl_model *m, void *p)
{
    tabllm_status st = tl_grow_array((void **)&m->owned, &m->cap_owned, m->n_owned + 1,
                                     sizeof *m->owned, "weight copies");
    if (st != TABLLM_OK) {
        tl_free(p);
        return st;
    }
    m->owned[m->n_owned++] = p;
    return TABLLM_OK;
}

/* Asks the kernel for 2 MB pages under a large weight copy: decode streams
 * every weight each token, and fewer TLB misses measurably help it. */
static void hint_huge_pages(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = 2u << 20;
    uintptr_t b = ((uintptr_t)p + huge - 1) & ~(huge - 1), e = ((uintptr_t)p + bytes) & ~(huge - 1);
    if (e > b)
        madvise((void *)b, e - b, MADV_HUGEPAGE); /* advice only: failure is harmless */
#else
    (void)p;
    (void)bytes;
#endif
}

/* Finds `name` and checks its shape against the expected one. */
static tabllm_status get_tensor(loader *L, const char *name, int n_dims, int64_t d0, int64_t d1,
                                const tl_st_tensor **out)
{
    long i = find_tensor(&L->idx, name);
    if (i < 0)
        return tl_error(TABLLM_ERR_NOT_FOUND, "tensor \"%s\" is missing from the checkpoint",
                        name);
    const tl_st_tensor *t = L->idx.t[i];
    L->idx.used[i] = 1;
    int64_t want[2] = {d0, d1};
    bool ok = t->n_dims == n_dims;
    for (int d = 0; ok && d < n_dims; d++)
        ok = t->shape[d] == want[d];
    if (!ok) {
        char got[128], exp[128];
        tl_st_shape_string(t->shape, t->n_dims, got, sizeof got);
        tl_st_shape_string(want, n_dims, exp, sizeof exp);
        return tl_error(TABLLM_ERR_SHAPE_MISMATCH, "%s: tensor %s has shape %s, expected %s",
                        t->file, name, got, exp);
    }
    if (t->dtype == TL_DTYPE_OTHER)
        return tl_error(TABLLM_ERR_UNSUPPORTED,
                        "%s: tensor %s has dtype %s; F32, F16 and BF16 are supported", t->file,
                        name, t->dtype_name);
    if (L->flags & TABLLM_MODEL_CHECK_FINITE) {
        size_t n = t->nbytes / tl_dtype_size(t->dtype);
        for (size_t k = 0; k < n; k++) {
            float v;
            if (t->dtype == TL_DTYPE_F32)
                memcpy(&v, t->data + 4 * k, 4);
            else {
                uint16_t h;
                memcpy(&h, t->data + 2 * k, 2);
                v = t->dtype == TL_DTYPE_F16 ? tl_f16_to_f32(h) : tl_bf16_to_f32(h);
            }
            if (!isfinite(v))
                return tl_error(TABLLM_ERR_FORMAT, "%s: tensor %s: element %zu is %s", t->file,
                                name, k, isnan(v) ? "NaN" : "infinite");
        }
    }
    *out = t;
    return TABLLM_OK;
}

/* A vector of `n` floats (a norm weight or a bias), always copied to F32. */
static tabllm_status load_vector(loader *L, const char *name, int64_t n, const float **out)
{
    const tl_st_tensor *t;
    tabllm_status st = get_tensor(L, name, 1, n, 0, &t);
    if (st != TABLLM_OK)
        return st;
    float *v;
    if ((st = tl_alloc_array((void **)&v, (size_t)n, sizeof *v, name)) != TABLLM_OK)
        return st;
    /* the source may be unaligned: convert through memcpy'd elements */
    for (int64_t i = 0; i < n; i++) {
        if (t->dtype == TL_DTYPE_F32) {
            memcpy(&v[i], t->data + 4 * i, 4);
        } else {
            uint16_t h;
            memcpy(&h, t->data + 2 * i, 2);
            v[i] = t->dtype == TL_DTYPE_F16 ? tl_f16_to_f32(h) : tl_bf16_to_f32(h);
        }
    }
    if ((st = own(L->m, v)) != TABLLM_OK)
        return st;
    L->m->weight_bytes += (uint64_t)n * 4;
    *out = v;
    return TABLLM_OK;
}

static tl_dtype wanted_dtype(uint32_t format, tl_dtype stored)
{
    switch (format) {
    case TABLLM_WEIGHTS_F32: return TL_DTYPE_F32;
    case TABLLM_WEIGHTS_BF16: return TL_DTYPE_BF16;
    case TABLLM_WEIGHTS_F16: return TL_DTYPE_F16;
    default: return stored;
    }
}

/* A [rows, cols] matrix, mapped in place when it can be. */
static tabllm_status load_matrix(loader *L, const char *name, int64_t rows, int64_t cols,
                                 bool counts, tl_weight *w)
{
    const tl_st_tensor *t;
    tabllm_status st = get_tensor(L, name, 2, rows, cols, &t);
    if (st != TABLLM_OK)
        return st;
    tl_dtype want = wanted_dtype(L->format, t->dtype);
    size_t n = (size_t)rows * (size_t)cols;
    w->rows = rows;
    w->cols = cols;
    w->dtype = want;
    /* 32-byte alignment is what the SIMD kernels like; element alignment is
     * what C needs. Files written by the reference tools are 8-aligned. */
    if (want == t->dtype && ((uintptr_t)t->data % tl_dtype_size(want)) == 0) {
        w->data = t->data;
    } else {
        void *copy;
        if ((st = tl_alloc_array(&copy, n ? n : 1, tl_dtype_size(want), name)) != TABLLM_OK)
            return st;
        hint_huge_pages(copy, n * tl_dtype_size(want));
        if (((uintptr_t)t->data % tl_dtype_size(t->dtype)) == 0) {
            tl_convert(t->dtype, t->data, want, copy, n);
        } else { /* misaligned source: one element at a time */
            for (size_t i = 0; i < n; i++) {
                unsigned char e[4];
                memcpy(e, t->data + i * tl_dtype_size(t->dtype), tl_dtype_size(t->dtype));
                tl_convert(t->dtype, e, want, (char *)copy + i * tl_dtype_size(want), 1);
            }
        }
        if ((st = own(L->m, copy)) != TABLLM_OK)
            return st;
        w->data = copy;
    }
    if (counts)
        L->m->weight_bytes += (uint64_t)n * tl_dtype_size(want);
    return TABLLM_OK;
}

static tabllm_status load_layer(loader *L, int i, tl_layer *l)
{
    const tl_model_config *c = &L->m->cfg;
    int64_t D = c->n_embd, F = c->n_ff, Q = (int64_t)c->n_heads * c->head_dim,
            KV = (int64_t)c->n_kv_heads * c->head_dim;
    char name[128];
    tabllm_status st;
#define NAME(fmt) (snprintf(name, sizeof name, "model.layers.%d." fmt, i), name)
    if ((st = load_vector(L, NAME("input_layernorm.weight"), D, &l->attn_norm)) ||
        (st = load_matrix(L, NAME("self_attn.q_proj.weight"), Q, D, true, &l->wq)) ||
        (st = load_matrix(L, NAME("self_attn.k_proj.weight"), KV, D, true, &l->wk)) ||
        (st = load_matrix(L, NAME("self_attn.v_proj.weight"), KV, D, true, &l->wv)) ||
        (st = load_matrix(L, NAME("self_attn.o_proj.weight"), D, Q, true, &l->wo)) ||
        (st = load_vector(L, NAME("post_attention_layernorm.weight"), D, &l->ffn_norm)) ||
        (st = load_matrix(L, NAME("mlp.gate_proj.weight"), F, D, true, &l->w_gate)) ||
        (st = load_matrix(L, NAME("mlp.up_proj.weight"), F, D, true, &l->w_up)) ||
        (st = load_matrix(L, NAME("mlp.down_proj.weight"), D, F, true, &l->w_down)))
        return st;
    if (c->qkv_bias &&
        ((st = load_vector(L, NAME("self_attn.q_proj.bias"), Q, &l->bq)) ||
         (st = load_vector(L, NAME("self_attn.k_proj.bias"), KV, &l->bk)) ||
         (st = load_vector(L, NAME("self_attn.v_proj.bias"), KV, &l->bv))))
        return st;
    if (c->o_bias && (st = load_vector(L, NAME("self_attn.o_proj.bias"), D, &l->bo)))
        return st;
    if (c->qk_norm &&
        ((st = load_vector(L, NAME("self_attn.q_norm.weight"), c->head_dim, &l->q_norm)) ||
         (st = load_vector(L, NAME("self_attn.k_norm.weight"), c->head_dim, &l->k_norm))))
        return st;
    if (c->mlp_bias &&
        ((st = load_vector(L, NAME("mlp.gate_proj.bias"), F, &l->b_gate)) ||
         (st = load_vector(L, NAME("mlp.up_proj.bias"), F, &l->b_up)) ||
         (st = load_vector(L, NAME("mlp.down_proj.bias"), D, &l->b_down))))
        return st;
#undef NAME
    return TABLLM_OK;
}

/* Tensors nobody asked for: old checkpoints carry rotary inv_freq buffers
 * (recomputed here, as transformers does), a tied model may still carry
 * lm_head (transformers ties it to the embedding). Anything else would be
 * a weight this library silently ignores, so it is refused. */
static tabllm_status check_unused(loader *L)
{
    for (size_t i = 0; i < L->idx.n; i++) {
        if (L->idx.used[i])
            continue;
        const char *name = L->idx.t[i]->name;
        size_t len = strlen(name);
        const char *inv = "rotary_emb.inv_freq";
        if (len >= strlen(inv) && strcmp(name + len - strlen(inv), inv) == 0)
            continue;
        if (strcmp(name, "lm_head.weight") == 0 && L->m->cfg.tie_embeddings) {
            tl_log_info("lm_head.weight ignored: tie_word_embeddings is true");
            continue;
        }
        return tl_error(TABLLM_ERR_UNSUPPORTED,
                        "%s: unexpected tensor \"%s\" (not part of a %s with this config)",
                        L->idx.t[i]->file, name, L->m->cfg.arch_name);
    }
    return TABLLM_OK;
}

static tabllm_status load_weights(loader *L)
{
    tl_model *m = L->m;
    const tl_model_config *c = &m->cfg;
    tabllm_status st = build_index(m, &L->idx);
    if (st != TABLLM_OK)
        return st;
    if ((st = load_matrix(L, "model.embed_tokens.weight", c->n_vocab, c->n_embd, false,
                          &m->tok_embd)) != TABLLM_OK)
        return st;
    if ((st = tl_calloc_array((void **)&m->layers, (size_t)c->n_layers, sizeof *m->layers,
                              "layers")) != TABLLM_OK)
        return st;
    for (int i = 0; i < c->n_layers; i++)
        if ((st = load_layer(L, i, &m->layers[i])) != TABLLM_OK)
            return st;
    if ((st = load_vector(L, "model.norm.weight", c->n_embd, &m->out_norm)) != TABLLM_OK)
        return st;
    if (c->tie_embeddings) {
        m->output = m->tok_embd;
        m->weight_bytes +=
            (uint64_t)m->output.rows * (uint64_t)m->output.cols * tl_dtype_size(m->output.dtype);
    } else if ((st = load_matrix(L, "lm_head.weight", c->n_vocab, c->n_embd, true,
                                 &m->output)) != TABLLM_OK) {
        return st;
    }
    return check_unused(L);
}

/* model.safetensors.index.json: every shard it names, each opened once. */
static tabllm_status open_shards(const char *dir, const char *index_path, tl_model *m)
{
    json_t *root;
    tabllm_status st = tl_json_load_file(index_path, MAX_INDEX_BYTES, TL_JSON_REJECT_DUPLICATES,
                                         &root);
    if (st != TABLLM_OK)
        return st;
    const char *iname = "model.safetensors.index.json";
    const json_t *map = json_object_get(root, "weight_map");
    if (!json_is_object(map)) {
        json_decref(root);
        return tl_error(TABLLM_ERR_FORMAT, "%s: \"weight_map\" must be an object", iname);
    }
    /* distinct shard names, in first-seen order */
    const char **names = NULL;
    size_t n = 0, cap = 0;
    const char *key;
    json_t *v;
    st = TABLLM_OK;
    json_object_foreach((json_t *)map, key, v)
    {
        const char *file = json_string_value(v);
        if (file == NULL || file[0] == '\0' || strchr(file, '/') || strcmp(file, "..") == 0) {
            st = tl_error(TABLLM_ERR_FORMAT,
                          "%s: weight_map[\"%s\"] must be a file name in the model directory",
                          iname, key);
            break;
        }
        size_t k = 0;
        while (k < n && strcmp(names[k], file) != 0)
            k++;
        if (k < n)
            continue;
        if (n == MAX_SHARDS) {
            st = tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "%s: more than %d shards", iname, MAX_SHARDS);
            break;
        }
        if ((st = tl_grow_array((void **)&names, &cap, n + 1, sizeof *names, "shard names")) !=
            TABLLM_OK)
            break;
        names[n++] = file;
    }
    if (st == TABLLM_OK && n == 0)
        st = tl_error(TABLLM_ERR_FORMAT, "%s: weight_map is empty", iname);
    if (st == TABLLM_OK)
        st = tl_calloc_array((void **)&m->files, n, sizeof *m->files, "shards");
    for (size_t k = 0; st == TABLLM_OK && k < n; k++) {
        char *path = tl_path_join(dir, names[k]);
        if (path == NULL) {
            st = TABLLM_ERR_OUT_OF_MEMORY;
            break;
        }
        st = tl_st_open(path, &m->files[k]);
        tl_free(path);
        if (st == TABLLM_OK)
            m->n_files++;
    }
    /* every tensor the index places in a shard must be there */
    json_object_foreach((json_t *)map, key, v)
    {
        if (st != TABLLM_OK)
            break;
        const char *file = json_string_value(v);
        bool found = false;
        for (size_t k = 0; k < m->n_files && !found; k++) {
            if (strcmp(m->files[k].name, file) != 0)
                continue;
            for (size_t t = 0; t < m->files[k].n_tensors && !found; t++)
                found = strcmp(m->files[k].tensors[t].name, key) == 0;
            if (!found)
                st = tl_error(TABLLM_ERR_FORMAT, "%s: places tensor \"%s\" in %s, which lacks it",
                              iname, key, file);
        }
    }
    tl_free(names);
    json_decref(root);
    return st;
}

static tabllm_status open_files(const char *dir, tl_model *m)
{
    char *single = tl_path_join(dir, "model.safetensors");
    if (single == NULL)
        return TABLLM_ERR_OUT_OF_MEMORY;
    tabllm_status st;
    if (tl_file_exists(single)) {
        st = tl_calloc_array((void **)&m->files, 1, sizeof *m->files, "files");
        if (st == TABLLM_OK && (st = tl_st_open(single, &m->files[0])) == TABLLM_OK)
            m->n_files = 1;
        tl_free(single);
        return st;
    }
    tl_free(single);
    char *index = tl_path_join(dir, "model.safetensors.index.json");
    if (index == NULL)
        return TABLLM_ERR_OUT_OF_MEMORY;
    if (!tl_file_exists(index)) {
        tl_free(index);
        return tl_error(TABLLM_ERR_NOT_FOUND,
                        "%s: neither model.safetensors nor model.safetensors.index.json exists",
                        dir);
    }
    st = open_shards(dir, index, m);
    tl_free(index);
    return st;
}

void tl_model_retain(tl_model *m)
{
    tl_ref_acquire(&m->ref);
}

static void destroy(tl_model *m)
{
    for (size_t i = 0; i < m->n_owned; i++)
        tl_free(m->owned[i]);
    tl_free(m->owned);
    for (size_t i = 0; i < m->n_files; i++)
        tl_st_close(&m->files[i]);
    tl_free(m->files);
    tl_free(m->layers);
    tl_free(m);
}

void tl_model_release(tl_model *m)
{
    if (m != NULL && tl_ref_release(&m->ref))
        destroy(m);
}

tabllm_status tl_model_load(const char *dir, uint32_t weight_format, uint32_t flags,
                            tl_model **out)
{
    *out = NULL;
    if (weight_format == TABLLM_WEIGHTS_INT8)
        return tl_error(TABLLM_ERR_UNSUPPORTED, "INT8 weights are not supported yet");
    if (weight_format > TABLLM_WEIGHTS_INT8)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "unknown weight_format %u", weight_format);
    if (flags & ~(uint32_t)TABLLM_MODEL_CHECK_FINITE)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "unknown model flags 0x%x", flags);
    tl_model *m = tl_calloc(1, sizeof *m);
    if (m == NULL)
        return tl_error_oom("a model");
    tl_ref_init(&m->ref);
    char *config_path = tl_path_join(dir, "config.json");
    if (config_path == NULL) {
        tl_free(m);
        return TABLLM_ERR_OUT_OF_MEMORY;
    }
    char *text = NULL;
    size_t len = 0;
    tabllm_status st = tl_file_read(config_path, MAX_CONFIG_BYTES, &text, &len);
    tl_free(config_path);
    if (st == TABLLM_OK)
        st = tl_config_parse("config.json", text, len, &m->cfg);
    tl_free(text);
    if (st == TABLLM_OK)
        st = open_files(dir, m);
    loader L = {.m = m, .format = weight_format, .flags = flags};
    if (st == TABLLM_OK)
        st = load_weights(&L);
    tl_free(L.idx.t);
    tl_free(L.idx.used);
    if (st != TABLLM_OK) {
        destroy(m);
        return st;
    }
    *out = m;
    return TABLLM_OK;
}
