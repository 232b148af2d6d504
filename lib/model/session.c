/* Sessions: creation, the batch API, outputs, and the KV cache operations. */
#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/params.h"
#include "model/session.h"

#define MAX_CTX (1u << 22)
#define MAX_SEQ 4096u
#define MAX_THREADS 256u

static const tabllm_session_params session_defaults = {
    .struct_size = sizeof(tabllm_session_params),
    .n_ctx = 0,
    .n_seq_max = 1,
    .n_threads = 1,
    .flags = 0,
    .seed = 0,
};

tabllm_status tabllm_session_params_init(tabllm_session_params *params, size_t struct_size)
{
    return tl_params_init(params, struct_size, &session_defaults, sizeof session_defaults,
                          "tabllm_session_params");
}

static void free_rows(tl_session *s)
{
    int32_t **ints[] = {&s->tok, &s->pos, &s->seq, &s->logit_index, &s->out_rows,
                        &s->block_row, &s->block_len, &s->out_seq};
    float **floats[] = {&s->x, &s->xn, &s->q, &s->k, &s->v, &s->att, &s->gate, &s->up,
                        &s->rope_cos, &s->rope_sin, &s->hidden};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        tl_free(*ints[i]);
        *ints[i] = NULL;
    }
    for (size_t i = 0; i < sizeof floats / sizeof floats[0]; i++) {
        tl_free(*floats[i]);
        *floats[i] = NULL;
    }
    s->cap_rows = 0;
}

/* Activation buffers for `rows` rows; contents are not kept. */
static tabllm_status ensure_rows(tl_session *s, size_t rows)
{
    if (rows <= s->cap_rows)
        return TABLLM_OK;
    free_rows(s);
    const tl_model_config *c = &s->model->cfg;
    size_t D = (size_t)c->n_embd, Q = (size_t)c->n_heads * c->head_dim,
           KV = (size_t)c->n_kv_heads * c->head_dim, F = (size_t)c->n_ff,
           half = (size_t)c->head_dim / 2;
    int32_t **ints[] = {&s->tok, &s->pos, &s->seq, &s->logit_index, &s->out_rows,
                        &s->block_row, &s->block_len, &s->out_seq};
    struct {
        float **p;
        size_t width;
    } floats[] = {{&s->x, D},      {&s->xn, D},          {&s->q, Q},
                  {&s->k, KV},     {&s->v, KV},          {&s->att, Q},
                  {&s->gate, F},   {&s->up, F},          {&s->rope_cos, half},
                  {&s->rope_sin, half}, {&s->hidden, D}};
    tabllm_status st = TABLLM_OK;
    for (size_t i = 0; st == TABLLM_OK && i < sizeof ints / sizeof ints[0]; i++)
        st = tl_alloc_array((void **)ints[i], rows, sizeof(int32_t), "batch rows");
    for (size_t i = 0; st == TABLLM_OK && i < sizeof floats / sizeof floats[0]; i++) {
        size_t n;
        if (!tl_size_mul(rows, floats[i].width, &n))
            st = tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "a batch of %zu rows is too large", rows);
        else
            st = tl_alloc_array((void **)floats[i].p, n, sizeof(float), "activations");
    }
    if (st != TABLLM_OK) {
        free_rows(s);
        return st;
    }
    s->cap_rows = rows;
    return TABLLM_OK;
}

static tabllm_status ensure_logits(tl_session *s, size_t rows)
{
    if (rows <= s->cap_logits)
        return TABLLM_OK;
    float *l;
    size_t n;
    if (!tl_size_mul(rows, (size_t)s->model->cfg.n_vocab, &n))
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "logits for %zu rows are too large", rows);
    tabllm_status st = tl_alloc_array((void **)&l, n, sizeof(float), "logits");
    if (st != TABLLM_OK)
        return st;
    tl_free(s->logits);
    s->logits = l;
    s->cap_logits = rows;
    return TABLLM_OK;
}

void tabllm_session_free(tabllm_session *s)
{
    if (s == NULL)
        return;
    tl_pool_free(s->pool);
    free_rows(s);
    tl_free(s->logits);
    tl_free(s->k_cache);
    tl_free(s->v_cache);
    tl_free(s->hidden_store);
    tl_free(s->seq_len);
    tl_free(s->inv_freq);
    tl_free(s->scratch);
    tl_model_release(s->model);
    tl_free(s);
}

tabllm_status tabllm_session_new(tabllm_model *model, const tabllm_session_params *params,
                                 tabllm_session **out)
{
    if (out == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_session_new: out is NULL");
    *out = NULL;
    if (model == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_session_new: model is NULL");
    tabllm_session_params p = session_defaults;
    tabllm_status st = tl_params_read(&p, sizeof p, params, "tabllm_session_params");
    if (st != TABLLM_OK)
        return st;
    const tl_model_config *c = &model->cfg;
    if (p.n_ctx == 0)
        p.n_ctx = c->n_ctx_train < 4096 ? (uint32_t)c->n_ctx_train : 4096;
    if (p.n_ctx > MAX_CTX || p.n_seq_max == 0 || p.n_seq_max > MAX_SEQ || p.n_threads == 0 ||
        p.n_threads > MAX_THREADS)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "session params: n_ctx=%u (at most %u), n_seq_max=%u (1..%u), "
                        "n_threads=%u (1..%u)",
                        p.n_ctx, MAX_CTX, p.n_seq_max, MAX_SEQ, p.n_threads, MAX_THREADS);
    if (p.flags & ~(uint32_t)TABLLM_SESSION_KEEP_HIDDEN)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "session params: unknown flags 0x%x",
                        p.flags);
    tl_session *s = tl_calloc(1, sizeof *s);
    if (s == NULL)
        return tl_error_oom("a session");
    tl_model_retain(model);
    s->model = model;
    s->kt = tl_kernels();
    s->n_ctx = p.n_ctx;
    s->n_seq = p.n_seq_max;
    s->n_threads = p.n_threads;
    s->flags = p.flags;
    tl_rng_seed(s->rng, p.seed);

    size_t kvdim = (size_t)c->n_kv_heads * c->head_dim, cells, total;
    if (!tl_size_mul((size_t)p.n_ctx, kvdim, &s->kv_seq_stride) ||
        !tl_size_mul(s->kv_seq_stride, p.n_seq_max, &s->kv_layer_stride) ||
        !tl_size_mul(s->kv_layer_stride, (size_t)c->n_layers, &cells) ||
        !tl_size_mul(cells, sizeof(float), &total)) {
        tabllm_session_free(s);
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED,
                        "a KV cache of %u sequences x %u tokens is too large", p.n_seq_max,
                        p.n_ctx);
    }
    size_t scratch = tl_attention_scratch(p.n_ctx), lin = tl_linear_scratch(model);
    s->scratch_floats = scratch > lin ? scratch : lin;
    if ((st = tl_alloc_array((void **)&s->k_cache, cells, sizeof(float), "the KV cache")) ||
        (st = tl_alloc_array((void **)&s->v_cache, cells, sizeof(float), "the KV cache")) ||
        (st = tl_calloc_array((void **)&s->seq_len, p.n_seq_max, sizeof(uint32_t), "sequences")) ||
        (st = tl_alloc_array((void **)&s->inv_freq, (size_t)c->head_dim / 2, sizeof(float),
                             "rope")) ||
        (st = tl_alloc_array((void **)&s->scratch, s->scratch_floats * p.n_threads, sizeof(float),
                             "thread scratch")) ||
        (st = tl_pool_new((int)p.n_threads, &s->pool))) {
        tabllm_session_free(s);
        return st;
    }
    if (p.flags & TABLLM_SESSION_KEEP_HIDDEN) {
        size_t n;
        if (!tl_size_mul((size_t)p.n_seq_max * p.n_ctx, (size_t)c->n_embd, &n)) {
            tabllm_session_free(s);
            return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "hidden-state store is too large");
        }
        if ((st = tl_alloc_array((void **)&s->hidden_store, n, sizeof(float), "hidden states"))) {
            tabllm_session_free(s);
            return st;
        }
    }
    tl_rope_inv_freq(&c->rope, 0, s->inv_freq, &s->rope_mscale);
    s->rope_cached_len = c->rope.max_pos;
    *out = s;
    return TABLLM_OK;
}

const tabllm_model *tabllm_session_model(const tabllm_session *s)
{
    return s ? s->model : NULL;
}

uint32_t tabllm_session_n_ctx(const tabllm_session *s)
{
    return s ? s->n_ctx : 0;
}

/* Checks the whole batch against the session before anything changes;
 * counts[] (n_seq entries, zeroed by the caller) gets tokens per sequence. */
static tabllm_status check_batch(const tl_session *s, const tabllm_batch *b, uint32_t *counts)
{
    const tl_model_config *c = &s->model->cfg;
    if (b->n_tokens == 0 || b->tokens == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "batch: no tokens");
    if ((size_t)b->n_tokens > (size_t)s->n_ctx * s->n_seq)
        return tl_error(TABLLM_ERR_CONTEXT_FULL,
                        "batch: %u tokens exceed the session's %u sequences x %u context",
                        b->n_tokens, s->n_seq, s->n_ctx);
    for (uint32_t i = 0; i < b->n_tokens; i++) {
        int32_t tok = b->tokens[i];
        int32_t seq = b->seq_ids ? b->seq_ids[i] : 0;
        if (tok < 0 || tok >= c->n_vocab)
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                            "batch row %u: token id %d is outside the vocabulary [0, %d)", i, tok,
                            c->n_vocab);
        if (seq < 0 || (uint32_t)seq >= s->n_seq)
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                            "batch row %u: sequence id %d is outside [0, %u)", i, seq, s->n_seq);
        uint32_t expect = s->seq_len[seq] + counts[seq];
        if (b->positions && b->positions[i] != (int32_t)expect)
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                            "batch row %u: position %d does not continue sequence %d, which "
                            "holds %u tokens before this row (expected position %u)",
                            i, b->positions[i], seq, expect, expect);
        if (expect >= s->n_ctx)
            return tl_error(TABLLM_ERR_CONTEXT_FULL,
                            "batch row %u: sequence %d would pass the context of %u tokens "
                            "(%u cached, %u more in this batch)",
                            i, seq, s->n_ctx, s->seq_len[seq], counts[seq] + 1);
        counts[seq]++;
    }
    return TABLLM_OK;
}

tabllm_status tabllm_session_decode(tabllm_session *s, const tabllm_batch *batch)
{
    if (s == NULL || batch == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_session_decode: NULL argument");
    tabllm_batch b = {0};
    tabllm_status st = tl_params_read(&b, sizeof b, batch, "tabllm_batch");
    if (st != TABLLM_OK)
        return st;
    uint32_t *counts;
    if ((st = tl_calloc_array((void **)&counts, s->n_seq, sizeof *counts, "batch counts")))
        return st;
    st = check_batch(s, &b, counts);
    size_t n_logits = 0;
    if (st == TABLLM_OK) {
        for (uint32_t i = 0; i < b.n_tokens; i++)
            n_logits += b.logits ? b.logits[i] != 0 : i + 1 == b.n_tokens;
        st = ensure_rows(s, b.n_tokens);
    }
    if (st == TABLLM_OK && n_logits > 0)
        st = ensure_logits(s, n_logits);
    if (st != TABLLM_OK) {
        if (st == TABLLM_ERR_OUT_OF_MEMORY) { /* buffers may have been replaced */
            s->n_rows = 0;
            s->n_out = 0;
        }
        tl_free(counts);
        return st;
    }
    /* stage */
    bool keep = (s->flags & TABLLM_SESSION_KEEP_HIDDEN) != 0;
    memset(counts, 0, s->n_seq * sizeof *counts);
    s->n_rows = b.n_tokens;
    s->n_out = 0;
    int32_t k = 0;
    for (uint32_t i = 0; i < b.n_tokens; i++) {
        int32_t seq = b.seq_ids ? b.seq_ids[i] : 0;
        s->tok[i] = b.tokens[i];
        s->seq[i] = seq;
        s->pos[i] = (int32_t)(s->seq_len[seq] + counts[seq]++);
        bool want = b.logits ? b.logits[i] != 0 : i + 1 == b.n_tokens;
        s->logit_index[i] = want ? k++ : -1;
        if (want || keep)
            s->out_rows[s->n_out++] = (int32_t)i;
    }
    tl_forward(s);
    for (uint32_t q = 0; q < s->n_seq; q++)
        s->seq_len[q] += counts[q];
    tl_free(counts);
    return TABLLM_OK;
}

static tabllm_status row_index(const tl_session *s, int32_t batch_index, uint32_t *row)
{
    if (s == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "session is NULL");
    if (batch_index == -1) {
        for (uint32_t i = s->n_rows; i-- > 0;)
            if (s->logit_index[i] >= 0) {
                *row = i;
                return TABLLM_OK;
            }
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "no row of the last batch has logits");
    }
    if (batch_index < 0 || (uint32_t)batch_index >= s->n_rows)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "batch index %d is outside the last batch's %u rows", batch_index,
                        s->n_rows);
    *row = (uint32_t)batch_index;
    return TABLLM_OK;
}

tabllm_status tabllm_session_logits(const tabllm_session *s, int32_t batch_index,
                                    const float **out)
{
    if (out == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_session_logits: out is NULL");
    *out = NULL;
    uint32_t row;
    tabllm_status st = row_index(s, batch_index, &row);
    if (st != TABLLM_OK)
        return st;
    if (s->logit_index[row] < 0)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "batch row %u did not ask for logits (tabllm_batch.logits)", row);
    *out = s->logits + (size_t)s->logit_index[row] * (size_t)s->model->cfg.n_vocab;
    return TABLLM_OK;
}

tabllm_status tabllm_session_hidden(const tabllm_session *s, int32_t batch_index,
                                    const float **out)
{
    if (out == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_session_hidden: out is NULL");
    *out = NULL;
    if (s != NULL && !(s->flags & TABLLM_SESSION_KEEP_HIDDEN))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "hidden states need the session flag TABLLM_SESSION_KEEP_HIDDEN");
    uint32_t row;
    tabllm_status st = row_index(s, batch_index, &row);
    if (st != TABLLM_OK)
        return st;
    *out = s->hidden + (size_t)row * (size_t)s->model->cfg.n_embd; /* all rows are outputs */
    return TABLLM_OK;
}

static tabllm_status check_seq(const tl_session *s, int32_t seq, const char *what)
{
    if (s == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "%s: session is NULL", what);
    if (seq < 0 || (uint32_t)seq >= s->n_seq)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "%s: sequence id %d is outside [0, %u)",
                        what, seq, s->n_seq);
    return TABLLM_OK;
}

tabllm_status tabllm_session_embed(const tabllm_session *s, int32_t seq, tabllm_pooling pooling,
                                   uint32_t flags, float *out, size_t cap)
{
    tabllm_status st = check_seq(s, seq, "tabllm_session_embed");
    if (st != TABLLM_OK)
        return st;
    size_t D = (size_t)s->model->cfg.n_embd;
    if (!(s->flags & TABLLM_SESSION_KEEP_HIDDEN))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "embeddings need the session flag TABLLM_SESSION_KEEP_HIDDEN");
    if (pooling != TABLLM_POOLING_MEAN && pooling != TABLLM_POOLING_LAST)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "unknown pooling %d", (int)pooling);
    if (flags & ~(uint32_t)TABLLM_EMBED_NORMALIZE)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "unknown embed flags 0x%x", flags);
    uint32_t len = s->seq_len[seq];
    if (len == 0)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "sequence %d is empty", seq);
    if (out == NULL || cap < D)
        return tl_error(TABLLM_ERR_BUFFER_TOO_SMALL, "an embedding needs %zu floats, got %zu", D,
                        cap);
    const float *h = s->hidden_store + (size_t)seq * s->n_ctx * D;
    if (pooling == TABLLM_POOLING_LAST) {
        memcpy(out, h + (size_t)(len - 1) * D, D * sizeof(float));
    } else {
        for (size_t i = 0; i < D; i++) {
            double sum = 0;
            for (uint32_t p = 0; p < len; p++)
                sum += h[(size_t)p * D + i];
            out[i] = (float)(sum / len);
        }
    }
    if (flags & TABLLM_EMBED_NORMALIZE) {
        double ss = 0;
        for (size_t i = 0; i < D; i++)
            ss += (double)out[i] * out[i];
        double norm = sqrt(ss);
        float inv = (float)(1.0 / (norm > 1e-12 ? norm : 1e-12)); /* torch F.normalize's eps */
        for (size_t i = 0; i < D; i++)
            out[i] *= inv;
    }
    return TABLLM_OK;
}

uint32_t tabllm_session_seq_length(const tabllm_session *s, int32_t seq)
{
    if (s == NULL || seq < 0 || (uint32_t)seq >= s->n_seq)
        return 0;
    return s->seq_len[seq];
}

tabllm_status tabllm_session_seq_clear(tabllm_session *s, int32_t seq)
{
    if (s != NULL && seq == -1) {
        memset(s->seq_len, 0, s->n_seq * sizeof *s->seq_len);
        return TABLLM_OK;
    }
    tabllm_status st = check_seq(s, seq, "tabllm_session_seq_clear");
    if (st != TABLLM_OK)
        return st;
    s->seq_len[seq] = 0;
    return TABLLM_OK;
}

tabllm_status tabllm_session_seq_truncate(tabllm_session *s, int32_t seq, uint32_t length)
{
    tabllm_status st = check_seq(s, seq, "tabllm_session_seq_truncate");
    if (st != TABLLM_OK)
        return st;
    if (length < s->seq_len[seq])
        s->seq_len[seq] = length;
    return TABLLM_OK;
}

tabllm_status tabllm_session_seq_copy(tabllm_session *s, int32_t src, int32_t dst,
                                      uint32_t length)
{
    tabllm_status st = check_seq(s, src, "tabllm_session_seq_copy (source)");
    if (st == TABLLM_OK)
        st = check_seq(s, dst, "tabllm_session_seq_copy (destination)");
    if (st != TABLLM_OK)
        return st;
    if (length == UINT32_MAX)
        length = s->seq_len[src];
    if (length > s->seq_len[src])
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "tabllm_session_seq_copy: sequence %d holds %u tokens, cannot copy %u",
                        src, s->seq_len[src], length);
    if (src != dst) {
        const tl_model_config *c = &s->model->cfg;
        size_t bytes = (size_t)length * (size_t)c->n_kv_heads * c->head_dim * sizeof(float);
        for (int L = 0; L < c->n_layers; L++) {
            size_t from = (size_t)L * s->kv_layer_stride + (size_t)src * s->kv_seq_stride;
            size_t to = (size_t)L * s->kv_layer_stride + (size_t)dst * s->kv_seq_stride;
            memcpy(s->k_cache + to, s->k_cache + from, bytes);
            memcpy(s->v_cache + to, s->v_cache + from, bytes);
        }
        if (s->hidden_store) {
            size_t D = (size_t)c->n_embd;
            memcpy(s->hidden_store + (size_t)dst * s->n_ctx * D,
                   s->hidden_store + (size_t)src * s->n_ctx * D, (size_t)length * D * sizeof(float));
        }
    }
    s->seq_len[dst] = length;
    return TABLLM_OK;
}
