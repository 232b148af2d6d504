/* The scorer: runs the model over a prediction plan.
 *
 * Sequence slots of one session:
 *   slot 0              the shared prefix (BOS, shots, common opening), once
 *   slots 1..G          the G rows of the current group, each forked from
 *                       slot 0; its prompt and the first multi-token label's
 *                       tokens go through one batched forward pass (D1)
 *   slots after those   the other multi-token labels of each row, forked
 *                       from the row's slot at the end of its prompt, all in
 *                       a second batched pass (D2)
 * The logits at a prompt's last token score the first token of every label;
 * each further label token is scored at the position before it. A label of
 * one token (often just <|endcompletion|> after a one-token value) needs no
 * pass of its own. Positions restart at 0 in every sequence and attention
 * stays inside each sequence (block-diagonal), so a row sees exactly what it
 * would see alone.
 *
 * TABLLM_PREDICT_NAIVE instead evaluates every row and label as one full
 * sequence of its own, the reference the shared path is tested against. */
#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "task/predict.h"
#include "task/task.h"

#define KV_BUDGET ((size_t)1 << 30) /* bytes of KV cache a call may take */
#define MAX_SLOTS 4096u             /* sessions' n_seq_max limit */

typedef struct runner {
    tabllm_session *s;
    const tl_pred_plan *plan;
    const tl_pred_params *p;
    size_t V, D;
    size_t *longs; /* labels of two tokens or more */
    size_t n_long;
    size_t G;      /* rows per group */
    bool embed;
    double *common; /* [D] hidden sums over prefix[prompt_from..] */
    double *acc;    /* [D] scratch */
    tabllm_token *tok;
    int32_t *seq;
    int8_t *want;
    size_t cap;
    size_t *at; /* [G] batch row of each group row's last prompt token */
    tl_pred_scores *out;
} runner;

static tabllm_status reserve(runner *r, size_t n)
{
    if (n <= r->cap)
        return TABLLM_OK;
    size_t c1 = r->cap, c2 = r->cap, c3 = r->cap;
    tabllm_status st;
    if ((st = tl_grow_array((void **)&r->tok, &c1, n, sizeof *r->tok, "batch")) ||
        (st = tl_grow_array((void **)&r->seq, &c2, n, sizeof *r->seq, "batch")) ||
        (st = tl_grow_array((void **)&r->want, &c3, n, sizeof *r->want, "batch")))
        return st;
    r->cap = c1 < c2 ? (c1 < c3 ? c1 : c3) : (c2 < c3 ? c2 : c3);
    return TABLLM_OK;
}

/* log p(id) from one row of logits: logit - logsumexp. */
static double lse(const float *l, size_t V)
{
    float m = l[0];
    for (size_t i = 1; i < V; i++)
        if (l[i] > m)
            m = l[i];
    double sum = 0;
    for (size_t i = 0; i < V; i++)
        sum += exp((double)l[i] - (double)m);
    return (double)m + log(sum);
}

static tabllm_status logits_at(const runner *r, size_t row, const float **l)
{
    return tabllm_session_logits(r->s, (int32_t)row, l);
}

/* Decodes ids onto a sequence in chunks, without logits, adding each row's
 * hidden state to acc when given. */
static tabllm_status decode_plain(runner *r, int32_t seq, const tabllm_token *ids, size_t n,
                                  double *acc)
{
    size_t chunk = r->p->max_batch_tokens;
    for (size_t at = 0; at < n;) {
        size_t k = n - at < chunk ? n - at : chunk;
        tabllm_status st = reserve(r, k);
        if (st != TABLLM_OK)
            return st;
        for (size_t i = 0; i < k; i++) {
            r->tok[i] = ids[at + i];
            r->seq[i] = seq;
            r->want[i] = 0;
        }
        tabllm_batch b = {.struct_size = sizeof b, .n_tokens = (uint32_t)k, .tokens = r->tok,
                          .seq_ids = r->seq, .logits = r->want};
        if ((st = tabllm_session_decode(r->s, &b)) != TABLLM_OK)
            return st;
        for (size_t i = 0; acc && i < k; i++) {
            const float *h;
            if ((st = tabllm_session_hidden(r->s, (int32_t)i, &h)) != TABLLM_OK)
                return st;
            for (size_t d = 0; d < r->D; d++)
                acc[d] += h[d];
        }
        at += k;
    }
    return TABLLM_OK;
}

/* The row's embedding from the sums of its prompt's hidden states. */
static void finish_embedding(runner *r, size_t row, const double *sum, size_t count,
                             const float *last)
{
    float *e = r->out->emb + row * r->D;
    for (size_t d = 0; d < r->D; d++)
        e[d] = r->p->pooling == TABLLM_POOLING_LAST ? last[d] : (float)(sum[d] / (double)count);
    if (r->p->flags & TABLLM_PREDICT_NORMALIZE) {
        double ss = 0;
        for (size_t d = 0; d < r->D; d++)
            ss += (double)e[d] * e[d];
        double norm = sqrt(ss);
        float inv = (float)(1.0 / (norm > 1e-12 ? norm : 1e-12));
        for (size_t d = 0; d < r->D; d++)
            e[d] *= inv;
    }
}

/* Adds a row's hidden states (batch rows [b0, b0+n)) to the common sums and
 * finishes its embedding. */
static tabllm_status embed_row(runner *r, size_t row, size_t b0, size_t n, const double *pre)
{
    const tl_pred_plan *plan = r->plan;
    for (size_t d = 0; d < r->D; d++)
        r->acc[d] = r->common[d] + (pre ? pre[d] : 0);
    const float *h = NULL;
    for (size_t i = 0; i < n; i++) {
        tabllm_status st = tabllm_session_hidden(r->s, (int32_t)(b0 + i), &h);
        if (st != TABLLM_OK)
            return st;
        for (size_t d = 0; d < r->D; d++)
            r->acc[d] += h[d];
    }
    size_t count = plan->n_prefix - plan->prompt_from + tl_pred_row_len(plan, row);
    finish_embedding(r, row, r->acc, count, h);
    return TABLLM_OK;
}

/* Tokens a row puts into D1: its prompt and the first long label's tokens
 * but the last. */
static size_t d1_tokens(const runner *r, size_t row)
{
    size_t n = tl_pred_row_len(r->plan, row);
    if (r->n_long > 0)
        n += tl_pred_label_len(r->plan, r->longs[0]) - 1;
    return n;
}

/* Scores the label tokens after the first of label j, fed at batch rows
 * [b0, b0 + m - 1). */
static tabllm_status score_tail(runner *r, size_t row, size_t j, size_t b0)
{
    const tl_pred_plan *plan = r->plan;
    const tabllm_token *c = plan->label_ids + plan->label_start[j];
    size_t m = tl_pred_label_len(plan, j);
    double *lp = r->out->lp_sum + row * plan->n_labels + j;
    for (size_t k = 1; k < m; k++) {
        const float *l;
        tabllm_status st = logits_at(r, b0 + k - 1, &l);
        if (st != TABLLM_OK)
            return st;
        *lp += (double)l[c[k]] - lse(l, r->V);
    }
    return TABLLM_OK;
}

/* One group of rows [r0, r1): fork, D1, then D2 in chunks. */
static tabllm_status run_group(runner *r, size_t r0, size_t r1)
{
    const tl_pred_plan *plan = r->plan;
    const size_t L = plan->n_labels, G = r1 - r0, P = plan->n_prefix;
    const size_t max_batch = r->p->max_batch_tokens;
    tabllm_status st = TABLLM_OK;
    double *pre = NULL; /* hidden sums of a long row's pre-decoded tokens */

    /* D1: every row's prompt (+ the first long label) */
    size_t total = 0;
    for (size_t i = 0; i < G; i++)
        total += d1_tokens(r, r0 + i);
    size_t skip = 0; /* a lone row too long for one pass: decode all but its end first */
    for (size_t i = 0; i < G && st == TABLLM_OK; i++)
        st = tabllm_session_seq_copy(r->s, 0, (int32_t)(1 + i), (uint32_t)P);
    if (st == TABLLM_OK && G == 1 && total > max_batch) {
        skip = tl_pred_row_len(plan, r0) - 1;
        if (r->embed && (st = tl_calloc_array((void **)&pre, r->D, sizeof *pre, "embedding")))
            return st;
        if (st == TABLLM_OK)
            st = decode_plain(r, 1, plan->row_ids + plan->row_start[r0], skip, pre);
        total -= skip;
    }
    if (st == TABLLM_OK)
        st = reserve(r, total);
    if (st != TABLLM_OK) {
        tl_free(pre);
        return st;
    }
    size_t n = 0;
    for (size_t i = 0; i < G; i++) {
        size_t row = r0 + i, len = tl_pred_row_len(plan, row);
        const tabllm_token *ids = plan->row_ids + plan->row_start[row];
        for (size_t k = skip; k < len; k++, n++) {
            r->tok[n] = ids[k];
            r->seq[n] = (int32_t)(1 + i);
            r->want[n] = k + 1 == len;
        }
        r->at[i] = n - 1;
        if (r->n_long > 0) {
            size_t j = r->longs[0], m = tl_pred_label_len(plan, j);
            for (size_t k = 0; k + 1 < m; k++, n++) {
                r->tok[n] = plan->label_ids[plan->label_start[j] + k];
                r->seq[n] = (int32_t)(1 + i);
                r->want[n] = 1;
            }
        }
    }
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = (uint32_t)n, .tokens = r->tok,
                      .seq_ids = r->seq, .logits = r->want};
    if (L > 0 || r->embed)
        st = tabllm_session_decode(r->s, &b);
    for (size_t i = 0; i < G && st == TABLLM_OK; i++) {
        size_t row = r0 + i;
        if (r->embed) {
            size_t len = tl_pred_row_len(plan, row) - skip;
            st = embed_row(r, row, r->at[i] + 1 - len, len, pre);
        }
        if (L == 0 || st != TABLLM_OK)
            continue;
        const float *l;
        if ((st = logits_at(r, r->at[i], &l)) != TABLLM_OK)
            break;
        double z = lse(l, r->V);
        for (size_t j = 0; j < L; j++)
            r->out->lp_sum[row * L + j] =
                (double)l[plan->label_ids[plan->label_start[j]]] - z;
        if (r->n_long > 0)
            st = score_tail(r, row, r->longs[0], r->at[i] + 1);
    }
    tl_free(pre);

    /* D2: the other long labels, forked from each row's prompt */
    const size_t per_row = r->n_long > 1 ? r->n_long - 1 : 0;
    for (size_t i0 = 0; i0 < G && per_row > 0 && st == TABLLM_OK;) {
        size_t i1 = i0, m_total = 0;
        while (i1 < G) {
            size_t add = 0;
            for (size_t q = 1; q < r->n_long; q++)
                add += tl_pred_label_len(plan, r->longs[q]) - 1;
            if (i1 > i0 && m_total + add > max_batch)
                break;
            m_total += add;
            i1++;
        }
        if ((st = reserve(r, m_total)) != TABLLM_OK)
            break;
        size_t k = 0;
        for (size_t i = i0; i < i1 && st == TABLLM_OK; i++) {
            uint32_t len = (uint32_t)(P + tl_pred_row_len(plan, r0 + i));
            for (size_t q = 1; q < r->n_long && st == TABLLM_OK; q++) {
                int32_t slot = (int32_t)(1 + G + i * per_row + (q - 1));
                st = tabllm_session_seq_copy(r->s, (int32_t)(1 + i), slot, len);
                size_t j = r->longs[q], m = tl_pred_label_len(plan, j);
                for (size_t t = 0; t + 1 < m; t++, k++) {
                    r->tok[k] = plan->label_ids[plan->label_start[j] + t];
                    r->seq[k] = slot;
                    r->want[k] = 1;
                }
            }
        }
        tabllm_batch b2 = {.struct_size = sizeof b2, .n_tokens = (uint32_t)k, .tokens = r->tok,
                           .seq_ids = r->seq, .logits = r->want};
        if (st == TABLLM_OK)
            st = tabllm_session_decode(r->s, &b2);
        k = 0;
        for (size_t i = i0; i < i1 && st == TABLLM_OK; i++)
            for (size_t q = 1; q < r->n_long && st == TABLLM_OK; q++) {
                size_t j = r->longs[q];
                st = score_tail(r, r0 + i, j, k);
                k += tl_pred_label_len(plan, j) - 1;
            }
        i0 = i1;
    }
    return st;
}

/* Every row and label as a sequence of its own, from scratch. */
static tabllm_status run_naive(runner *r)
{
    const tl_pred_plan *plan = r->plan;
    const size_t L = plan->n_labels, P = plan->n_prefix;
    tabllm_status st = TABLLM_OK;
    for (size_t row = 0; row < plan->n_rows && st == TABLLM_OK; row++) {
        size_t len = tl_pred_row_len(plan, row);
        for (size_t j = 0; j < (L ? L : 1) && st == TABLLM_OK; j++) {
            size_t m = L ? tl_pred_label_len(plan, j) : 1, n = P + len + m - 1;
            if ((st = reserve(r, n)) != TABLLM_OK)
                break;
            memcpy(r->tok, plan->prefix, P * sizeof *r->tok);
            memcpy(r->tok + P, plan->row_ids + plan->row_start[row], len * sizeof *r->tok);
            if (L)
                memcpy(r->tok + P + len, plan->label_ids + plan->label_start[j],
                       (m - 1) * sizeof *r->tok);
            for (size_t k = 0; k < n; k++) {
                r->seq[k] = 0;
                r->want[k] = L > 0 && k + 1 >= P + len;
            }
            tabllm_session_seq_clear(r->s, 0);
            tabllm_batch b = {.struct_size = sizeof b, .n_tokens = (uint32_t)n, .tokens = r->tok,
                              .seq_ids = r->seq, .logits = r->want};
            if ((st = tabllm_session_decode(r->s, &b)) != TABLLM_OK)
                break;
            if (r->embed && j == 0) {
                memset(r->common, 0, r->D * sizeof *r->common);
                for (size_t k = plan->prompt_from; k < P && st == TABLLM_OK; k++) {
                    const float *h;
                    st = tabllm_session_hidden(r->s, (int32_t)k, &h);
                    for (size_t d = 0; st == TABLLM_OK && d < r->D; d++)
                        r->common[d] += h[d];
                }
                if (st == TABLLM_OK)
                    st = embed_row(r, row, P, len, NULL);
            }
            if (L == 0 || st != TABLLM_OK)
                continue;
            const float *l;
            if ((st = logits_at(r, P + len - 1, &l)) != TABLLM_OK)
                break;
            r->out->lp_sum[row * L + j] =
                (double)l[plan->label_ids[plan->label_start[j]]] - lse(l, r->V);
            st = score_tail(r, row, j, P + len);
        }
        if (st == TABLLM_OK && r->p->progress &&
            r->p->progress(row + 1, plan->n_rows, r->p->progress_user_data))
            st = tl_error(TABLLM_ERR_CANCELLED, "predict: cancelled after %zu of %zu rows",
                          row + 1, plan->n_rows);
    }
    return st;
}

/* Sizes the session: context for the longest row, and as many rows per
 * group as fit the batch and the KV budget. */
static tabllm_status plan_session(runner *r, tabllm_model *model, uint32_t *n_ctx, uint32_t *n_seq)
{
    const tl_pred_plan *plan = r->plan;
    size_t max_m = 1, longest = 0, total = 0;
    for (size_t j = 0; j < plan->n_labels; j++)
        if (tl_pred_label_len(plan, j) > max_m)
            max_m = tl_pred_label_len(plan, j);
    for (size_t i = 0; i < plan->n_rows; i++) {
        if (tl_pred_row_len(plan, i) > tl_pred_row_len(plan, longest))
            longest = i;
        total += d1_tokens(r, i);
    }
    size_t need = plan->n_prefix + tl_pred_row_len(plan, longest) + max_m - 1;
    size_t limit = r->p->max_context ? r->p->max_context
                                     : (size_t)tabllm_model_n_ctx_train(model);
    if (need > limit)
        return tl_error(TABLLM_ERR_CONTEXT_FULL,
                        "predict: row %zu needs %zu tokens (%zu shared, %zu of its own, %zu of "
                        "the longest label), more than the context of %zu",
                        plan->table_rows[longest], need, plan->n_prefix,
                        tl_pred_row_len(plan, longest), max_m, limit);
    *n_ctx = (uint32_t)need;
    if (r->p->flags & TABLLM_PREDICT_NAIVE) {
        r->G = 1;
        *n_seq = 1;
        return TABLLM_OK;
    }
    size_t avg = total / plan->n_rows + 1;
    size_t G = r->p->max_batch_tokens / avg;
    if (G < 1)
        G = 1;
    if (G > plan->n_rows)
        G = plan->n_rows;
    size_t per_row = r->n_long > 1 ? r->n_long : 1;
    size_t kv_token = (size_t)tabllm_model_n_layers(model) * 2 *
                      (size_t)tabllm_model_n_kv_heads(model) *
                      (size_t)tabllm_model_head_dim(model) * sizeof(float);
    if (r->embed)
        kv_token += (size_t)tabllm_model_n_embd(model) * sizeof(float);
    size_t fit = KV_BUDGET / (kv_token * need);
    size_t fit_rows = fit > 1 ? (fit - 1) / per_row : 0;
    if (G > fit_rows)
        G = fit_rows > 0 ? fit_rows : 1;
    if (1 + G * per_row > MAX_SLOTS)
        G = (MAX_SLOTS - 1) / per_row > 0 ? (MAX_SLOTS - 1) / per_row : 1;
    r->G = G;
    *n_seq = (uint32_t)(1 + G * per_row);
    return TABLLM_OK;
}

tabllm_status tl_pred_run(tabllm_model *model, const tl_pred_plan *plan, const tl_pred_params *p,
                          tl_pred_scores *out)
{
    runner r = {.plan = plan, .p = p, .out = out};
    r.V = (size_t)tabllm_model_n_vocab(model);
    r.D = (size_t)tabllm_model_n_embd(model);
    r.embed = (p->flags & (TABLLM_PREDICT_EMBEDDINGS | TABLLM_PREDICT_EMBEDDINGS_ONLY)) != 0;
    tabllm_status st;
    memset(out, 0, sizeof *out);
    if ((st = tl_alloc_array((void **)&r.longs, plan->n_labels + 1, sizeof *r.longs, "labels")))
        return st;
    for (size_t j = 0; j < plan->n_labels; j++)
        if (tl_pred_label_len(plan, j) >= 2)
            r.longs[r.n_long++] = j;
    uint32_t n_ctx = 0, n_seq = 0;
    if ((st = plan_session(&r, model, &n_ctx, &n_seq)) != TABLLM_OK)
        goto done;
    tabllm_session_params sp;
    tabllm_session_params_init(&sp, sizeof sp);
    sp.n_ctx = n_ctx;
    sp.n_seq_max = n_seq;
    sp.n_threads = p->n_threads ? p->n_threads : 1;
    sp.flags = r.embed ? TABLLM_SESSION_KEEP_HIDDEN : 0;
    if ((st = tabllm_session_new(model, &sp, &r.s)) ||
        (st = tl_task_set_adapters(r.s, p->adapters, p->adapter_scales, p->n_adapters,
                                   (p->flags & TABLLM_PREDICT_MERGE_ADAPTERS) != 0,
                                   "tabllm_predict")) ||
        (plan->n_labels > 0 &&
         (st = tl_calloc_array((void **)&out->lp_sum, plan->n_rows * plan->n_labels,
                               sizeof *out->lp_sum, "scores"))) ||
        (st = tl_alloc_array((void **)&r.at, r.G, sizeof *r.at, "batch")))
        goto done;
    if (r.embed) {
        out->dim = r.D;
        if ((st = tl_alloc_array((void **)&out->emb, plan->n_rows * r.D, sizeof *out->emb,
                                 "embeddings")) ||
            (st = tl_calloc_array((void **)&r.common, r.D, sizeof *r.common, "embeddings")) ||
            (st = tl_alloc_array((void **)&r.acc, r.D, sizeof *r.acc, "embeddings")))
            goto done;
    }
    if (p->flags & TABLLM_PREDICT_NAIVE) {
        st = run_naive(&r);
        goto done;
    }
    /* the prefix, once */
    if ((st = decode_plain(&r, 0, plan->prefix, plan->prompt_from, NULL)) ||
        (st = decode_plain(&r, 0, plan->prefix + plan->prompt_from,
                           plan->n_prefix - plan->prompt_from, r.embed ? r.common : NULL)))
        goto done;
    for (size_t r0 = 0; r0 < plan->n_rows && st == TABLLM_OK;) {
        /* a group: up to G rows within the batch budget (at least one) */
        size_t r1 = r0, tokens = 0;
        while (r1 < plan->n_rows && r1 - r0 < r.G &&
               (r1 == r0 || tokens + d1_tokens(&r, r1) <= p->max_batch_tokens))
            tokens += d1_tokens(&r, r1++);
        if ((st = run_group(&r, r0, r1)) != TABLLM_OK)
            break;
        r0 = r1;
        if (p->progress && p->progress(r0, plan->n_rows, p->progress_user_data))
            st = tl_error(TABLLM_ERR_CANCELLED, "predict: cancelled after %zu of %zu rows", r0,
                          plan->n_rows);
    }
done:
    if (st != TABLLM_OK) {
        tl_free(out->lp_sum);
        tl_free(out->emb);
        memset(out, 0, sizeof *out);
    }
    tabllm_session_free(r.s);
    tl_free(r.longs);
    tl_free(r.common);
    tl_free(r.acc);
    tl_free(r.tok);
    tl_free(r.seq);
    tl_free(r.want);
    tl_free(r.at);
    return st;
}
