/* Drawing the next token from logits, in the order transformers' generate
 * applies its processors: repetition penalty, temperature, top-k, top-p,
 * min-p, then a draw from the renormalized distribution. Greedy (argmax,
 * lowest id on ties) when temperature is 0. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/params.h"
#include "model/session.h"

static const tabllm_sampler_params sampler_defaults = {
    .struct_size = sizeof(tabllm_sampler_params),
    .temperature = 0.0f,
    .top_k = 0,
    .top_p = 1.0f,
    .min_p = 0.0f,
    .repetition_penalty = 1.0f,
    .repetition_window = 0,
    .seed = 0,
};

tabllm_status tabllm_sampler_params_init(tabllm_sampler_params *params, size_t struct_size)
{
    return tl_params_init(params, struct_size, &sampler_defaults, sizeof sampler_defaults,
                          "tabllm_sampler_params");
}

/* xoshiro256** seeded through splitmix64. */
static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void tl_rng_seed(uint64_t st[4], uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        st[i] = splitmix(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t tl_rng_next(uint64_t s[4])
{
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

void tabllm_session_set_seed(tabllm_session *s, uint64_t seed)
{
    if (s)
        tl_rng_seed(s->rng, seed);
}

typedef struct cand {
    float logit;
    int32_t id;
} cand;

static int by_logit_desc(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->logit != y->logit)
        return x->logit > y->logit ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static tabllm_status check_params(const tabllm_sampler_params *p)
{
    if (!(p->temperature >= 0) || !isfinite(p->temperature))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "sampler: temperature %g must be >= 0",
                        p->temperature);
    if (p->top_k < 0)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "sampler: top_k %d must be >= 0", p->top_k);
    if (!(p->top_p > 0 && p->top_p <= 1))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "sampler: top_p %g must be in (0, 1]",
                        p->top_p);
    if (!(p->min_p >= 0 && p->min_p <= 1))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "sampler: min_p %g must be in [0, 1]",
                        p->min_p);
    if (!(p->repetition_penalty > 0) || !isfinite(p->repetition_penalty))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "sampler: repetition_penalty %g must be > 0", p->repetition_penalty);
    if (p->repetition_window < 0)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "sampler: repetition_window %d must be >= 0",
                        p->repetition_window);
    return TABLLM_OK;
}

tabllm_status tabllm_session_sample(tabllm_session *s, int32_t batch_index,
                                    const tabllm_sampler_params *params,
                                    const tabllm_token *history, size_t n_history,
                                    tabllm_token *out)
{
    if (out == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_session_sample: out is NULL");
    tabllm_sampler_params p = sampler_defaults;
    tabllm_status st = tl_params_read(&p, sizeof p, params, "tabllm_sampler_params");
    if (st != TABLLM_OK || (st = check_params(&p)) != TABLLM_OK)
        return st;
    const float *logits;
    if ((st = tabllm_session_logits(s, batch_index, &logits)) != TABLLM_OK)
        return st;
    const int V = s->model->cfg.n_vocab;
    if (n_history > 0 && history == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "sampler: history is NULL");
    size_t h0 = p.repetition_window > 0 && n_history > (size_t)p.repetition_window
                    ? n_history - (size_t)p.repetition_window
                    : 0;
    for (size_t i = h0; i < n_history; i++)
        if (history[i] < 0 || history[i] >= V)
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                            "sampler: history[%zu] = %d is outside the vocabulary", i,
                            history[i]);
    cand *c;
    if ((st = tl_alloc_array((void **)&c, (size_t)V, sizeof *c, "sampling candidates")))
        return st;
    for (int i = 0; i < V; i++) {
        c[i].logit = logits[i];
        c[i].id = i;
    }
    /* transformers' RepetitionPenaltyLogitsProcessor: each distinct id once */
    if (p.repetition_penalty != 1.0f)
        for (size_t i = h0; i < n_history; i++) {
            cand *x = &c[history[i]];
            if (x->id < 0)
                continue; /* already penalised */
            x->logit = x->logit < 0 ? x->logit * p.repetition_penalty
                                    : x->logit / p.repetition_penalty;
            x->id = -1 - x->id;
        }
    for (int i = 0; i < V; i++)
        if (c[i].id < 0)
            c[i].id = -1 - c[i].id;
    if (p.temperature == 0.0f || p.top_k == 1) {
        int best = 0;
        for (int i = 1; i < V; i++)
            if (c[i].logit > c[best].logit)
                best = i;
        *out = c[best].id;
        tl_free(c);
        return TABLLM_OK;
    }
    for (int i = 0; i < V; i++)
        c[i].logit /= p.temperature;
    qsort(c, (size_t)V, sizeof *c, by_logit_desc);
    int n = V;
    if (p.top_k > 0 && p.top_k < n)
        n = p.top_k;
    /* probabilities of the kept candidates */
    double max = c[0].logit, sum = 0;
    double *prob;
    if ((st = tl_alloc_array((void **)&prob, (size_t)n, sizeof *prob, "sampling"))) {
        tl_free(c);
        return st;
    }
    for (int i = 0; i < n; i++)
        sum += prob[i] = exp((double)c[i].logit - max);
    for (int i = 0; i < n; i++)
        prob[i] /= sum;
    if (p.top_p < 1.0f) { /* keep the smallest prefix whose mass reaches top_p */
        double cum = 0;
        int keep = n;
        for (int i = 0; i < n; i++) {
            cum += prob[i];
            if (cum >= p.top_p) {
                keep = i + 1;
                break;
            }
        }
        n = keep;
    }
    if (p.min_p > 0) { /* drop tokens below min_p times the top probability */
        int keep = 1;
        while (keep < n && prob[keep] >= p.min_p * prob[0])
            keep++;
        n = keep;
    }
    double total = 0;
    for (int i = 0; i < n; i++)
        total += prob[i];
    double r = (double)(tl_rng_next(s->rng) >> 11) * 0x1.0p-53 * total, acc = 0;
    int pick = n - 1;
    for (int i = 0; i < n; i++) {
        acc += prob[i];
        if (r < acc) {
            pick = i;
            break;
        }
    }
    *out = c[pick].id;
    tl_free(prob);
    tl_free(c);
    return TABLLM_OK;
}
