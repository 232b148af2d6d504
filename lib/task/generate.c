/* tabllm_generate: the token-by-token loop on top of a session.
 *
 * The prompt is decoded in chunks (logits only for its last row), then each
 * step draws a token from the last logits, turns it into text with a
 * DecodeStream, checks the stop conditions, reports the token, and decodes
 * it. Text that could still be the start of a stop string is held back from
 * the callback, so what the callback sees is exactly the final text. */
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/params.h"
#include "model/session.h"
#include "task/task.h"

static const tabllm_generate_params generate_defaults = {
    .struct_size = sizeof(tabllm_generate_params),
    .max_tokens = 256,
    .flags = 0,
    .seq_id = 0,
    .max_batch = 512,
};

#define KNOWN_FLAGS (TABLLM_GENERATE_NO_DEFAULT_STOP | TABLLM_GENERATE_SKIP_SPECIAL)

tabllm_status tabllm_generate_params_init(tabllm_generate_params *params, size_t struct_size)
{
    return tl_params_init(params, struct_size, &generate_defaults, sizeof generate_defaults,
                          "tabllm_generate_params");
}

tabllm_status tl_task_decode_ids(tabllm_session *s, int32_t seq, const tabllm_token *ids,
                                 size_t n, uint32_t max_batch)
{
    if (max_batch == 0)
        max_batch = 512;
    int32_t *seqs;
    size_t chunk = n < max_batch ? n : max_batch;
    tabllm_status st = tl_alloc_array((void **)&seqs, chunk ? chunk : 1, sizeof *seqs, "batch");
    if (st != TABLLM_OK)
        return st;
    for (size_t i = 0; i < chunk; i++)
        seqs[i] = seq;
    for (size_t at = 0; at < n && st == TABLLM_OK; at += chunk) {
        size_t m = n - at < chunk ? n - at : chunk;
        tabllm_batch b = {.struct_size = sizeof b, .n_tokens = (uint32_t)m, .tokens = ids + at,
                          .seq_ids = seqs};
        st = tabllm_session_decode(s, &b);
    }
    tl_free(seqs);
    return st;
}

/* The stop ids: the caller's, plus (unless asked not to) the model's eos ids
 * and the tokenizer's eos token. */
typedef struct stop_set {
    tabllm_token *ids;
    size_t n;
} stop_set;

static tabllm_status stop_set_build(const tl_session *s, const tabllm_tokenizer *tok,
                                    const tabllm_generate_params *p, stop_set *out)
{
    size_t n_model = 0;
    const tabllm_token *model_eos = tabllm_model_eos(s->model, &n_model);
    bool defaults = !(p->flags & TABLLM_GENERATE_NO_DEFAULT_STOP);
    size_t cap = p->n_stop_ids + (defaults ? n_model + 1 : 0);
    out->n = 0;
    tabllm_status st = tl_alloc_array((void **)&out->ids, cap ? cap : 1, sizeof *out->ids,
                                      "stop ids");
    if (st != TABLLM_OK)
        return st;
    for (size_t i = 0; i < p->n_stop_ids; i++)
        out->ids[out->n++] = p->stop_ids[i];
    if (defaults) {
        for (size_t i = 0; i < n_model; i++)
            out->ids[out->n++] = model_eos[i];
        tabllm_token eos = tabllm_tokenizer_special_id(tok, TABLLM_SPECIAL_EOS);
        if (eos >= 0)
            out->ids[out->n++] = eos;
    }
    return TABLLM_OK;
}

static bool stop_set_has(const stop_set *set, tabllm_token id)
{
    for (size_t i = 0; i < set->n; i++)
        if (set->ids[i] == id)
            return true;
    return false;
}

/* Where the first stop string starts in text[from..len), or SIZE_MAX. */
static size_t find_stop(const char *text, size_t len, size_t from, const char *const *stops,
                        size_t n_stops)
{
    size_t best = SIZE_MAX;
    for (size_t k = 0; k < n_stops; k++) {
        size_t sl = strlen(stops[k]);
        if (sl == 0 || sl > len - from)
            continue;
        for (size_t i = from; i + sl <= len && i < best; i++)
            if (memcmp(text + i, stops[k], sl) == 0) {
                best = i;
                break;
            }
    }
    return best;
}

/* Bytes at the end of text[from..len) that begin some stop string and so
 * may not be shown yet. */
static size_t held_back(const char *text, size_t len, size_t from, const char *const *stops,
                        size_t n_stops)
{
    size_t hold = 0;
    for (size_t k = 0; k < n_stops; k++) {
        size_t sl = strlen(stops[k]);
        for (size_t h = sl > 0 ? sl - 1 : 0; h > hold; h--)
            if (h <= len - from && memcmp(text + len - h, stops[k], h) == 0) {
                hold = h;
                break;
            }
    }
    return hold;
}

static tabllm_status check_args(tabllm_session *s, const tabllm_tokenizer *tok,
                                const tabllm_token *prompt, size_t n_prompt,
                                const tabllm_generate_params *p)
{
    if (s == NULL || tok == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_generate: %s is NULL",
                        s == NULL ? "session" : "tokenizer");
    if (prompt == NULL || n_prompt == 0)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_generate: no prompt ids");
    if (p->flags & ~(uint32_t)KNOWN_FLAGS)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_generate: unknown flags 0x%x",
                        p->flags & ~(uint32_t)KNOWN_FLAGS);
    if (p->seq_id < 0 || (uint32_t)p->seq_id >= s->n_seq)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "tabllm_generate: sequence id %d is outside [0, %u)", p->seq_id, s->n_seq);
    if (p->n_stop_ids > 0 && p->stop_ids == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "tabllm_generate: n_stop_ids is %zu but stop_ids is NULL", p->n_stop_ids);
    if (p->n_stop_strings > 0 && p->stop_strings == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "tabllm_generate: n_stop_strings is %zu but stop_strings is NULL",
                        p->n_stop_strings);
    for (size_t i = 0; i < p->n_stop_strings; i++)
        if (p->stop_strings[i] == NULL)
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_generate: stop_strings[%zu] is NULL",
                            i);
    const int32_t V = s->model->cfg.n_vocab;
    for (size_t i = 0; i < n_prompt; i++)
        if (prompt[i] < 0 || prompt[i] >= V)
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                            "tabllm_generate: prompt[%zu] = %d is outside the vocabulary [0, %d)",
                            i, prompt[i], V);
    uint32_t have = s->seq_len[p->seq_id];
    if ((uint64_t)have + n_prompt > s->n_ctx)
        return tl_error(TABLLM_ERR_CONTEXT_FULL,
                        "tabllm_generate: a prompt of %zu tokens does not fit sequence %d (%u of "
                        "%u tokens used)",
                        n_prompt, p->seq_id, have, s->n_ctx);
    return TABLLM_OK;
}

typedef struct gen_state {
    tl_buf text;
    size_t emitted; /* bytes of text already given to the callback */
    tabllm_token *history; /* prompt, then the generated ids */
    size_t n_history, cap_history;
    uint32_t decode_flags;
} gen_state;

/* Reports `token` with the text that became final, text[emitted..upto);
 * true if the caller cancels. */
static bool report(const tabllm_generate_params *p, gen_state *g, tabllm_token token, size_t upto)
{
    size_t from = g->emitted;
    g->emitted = upto;
    if (p->on_token == NULL)
        return false;
    const char *base = g->text.data ? g->text.data : "";
    return p->on_token(token, base + from, upto - from, p->user_data) != 0;
}

/* At the end, the text is the decoding of all generated ids, as Hugging
 * Face's decode gives it: the stream holds back bytes of a character that is
 * never completed, which decode shows as U+FFFD. Appends what the stream
 * has not given. */
static tabllm_status flush_tail(const tabllm_tokenizer *tok, gen_state *g, size_t n_prompt)
{
    size_t n = g->n_history - n_prompt, len = 0;
    if (n == 0)
        return TABLLM_OK;
    const tabllm_token *ids = g->history + n_prompt;
    tabllm_status st = tabllm_tokenizer_decode(tok, ids, n, g->decode_flags, NULL, 0, &len);
    if (st != TABLLM_OK && st != TABLLM_ERR_BUFFER_TOO_SMALL)
        return st;
    if (len <= g->text.len)
        return TABLLM_OK;
    char *full = tl_malloc(len + 1);
    if (full == NULL)
        return tl_error_oom("decoded text");
    st = tabllm_tokenizer_decode(tok, ids, n, g->decode_flags, full, len + 1, &len);
    if (st == TABLLM_OK && len > g->text.len &&
        (g->text.len == 0 || memcmp(full, g->text.data, g->text.len) == 0))
        tl_buf_append(&g->text, full + g->text.len, len - g->text.len);
    tl_free(full);
    return st == TABLLM_OK ? tl_buf_status(&g->text) : st;
}

tabllm_status tabllm_generate(tabllm_session *s, const tabllm_tokenizer *tok,
                              const tabllm_token *prompt, size_t n_prompt,
                              const tabllm_generate_params *params, char **text, size_t *text_len,
                              tabllm_generate_info *info)
{
    if (text)
        *text = NULL;
    if (text_len)
        *text_len = 0;
    tabllm_generate_info inf = {.struct_size = sizeof inf, .stop_token = -1};
    if (info != NULL && (info->struct_size < offsetof(tabllm_generate_info, stop_reason) +
                                                 sizeof info->stop_reason ||
                         info->struct_size > sizeof inf))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "tabllm_generate: info->struct_size %zu is not a tabllm_generate_info size",
                        info->struct_size);
    tabllm_generate_params p = generate_defaults;
    tabllm_status st = tl_params_read(&p, sizeof p, params, "tabllm_generate_params");
    if (st == TABLLM_OK)
        st = check_args(s, tok, prompt, n_prompt, &p);
    tabllm_sampler_params sp;
    tabllm_sampler_params_init(&sp, sizeof sp);
    if (st == TABLLM_OK)
        st = tl_params_read(&sp, sizeof sp, p.sampler, "tabllm_sampler_params");
    if (st != TABLLM_OK)
        return st;

    stop_set stops = {0};
    gen_state g = {.text = TL_BUF_INIT};
    g.decode_flags = (p.flags & TABLLM_GENERATE_SKIP_SPECIAL) ? TABLLM_DECODE_SKIP_SPECIAL : 0;
    tabllm_decode_stream *ds = NULL;
    if ((st = stop_set_build(s, tok, &p, &stops)) != TABLLM_OK ||
        (st = tabllm_decode_stream_new(tok, g.decode_flags, &ds)) != TABLLM_OK ||
        (st = tl_grow_array((void **)&g.history, &g.cap_history, n_prompt + 64,
                            sizeof *g.history, "token history")) != TABLLM_OK)
        goto done;
    memcpy(g.history, prompt, n_prompt * sizeof *prompt);
    g.n_history = n_prompt;
    if (sp.seed != 0)
        tabllm_session_set_seed(s, sp.seed);

    if ((st = tl_task_decode_ids(s, p.seq_id, prompt, n_prompt, p.max_batch)) != TABLLM_OK)
        goto done;
    inf.n_prompt = (uint32_t)n_prompt;

    char piece[256];
    while (inf.stop_reason == TABLLM_STOP_NONE) {
        if (inf.n_tokens >= p.max_tokens) {
            inf.stop_reason = TABLLM_STOP_MAX_TOKENS;
            break;
        }
        tabllm_token id;
        if ((st = tabllm_session_sample(s, -1, &sp, g.history, g.n_history, &id)) != TABLLM_OK)
            goto done;
        if (stop_set_has(&stops, id)) {
            inf.stop_reason = TABLLM_STOP_TOKEN;
            inf.stop_token = id;
            if ((st = flush_tail(tok, &g, n_prompt)) != TABLLM_OK)
                goto done;
            if (report(&p, &g, id, g.text.len))
                st = tl_error(TABLLM_ERR_CANCELLED, "tabllm_generate: cancelled by the callback");
            break;
        }
        inf.n_tokens++;
        if ((st = tl_grow_array((void **)&g.history, &g.cap_history, g.n_history + 1,
                                sizeof *g.history, "token history")) != TABLLM_OK)
            goto done;
        g.history[g.n_history++] = id;

        size_t plen;
        st = tabllm_decode_stream_step(ds, id, piece, sizeof piece, &plen);
        if (st == TABLLM_ERR_BUFFER_TOO_SMALL) {
            char *big = tl_malloc(plen + 1);
            if (big == NULL) {
                st = tl_error_oom("decoded text");
                goto done;
            }
            st = tabllm_decode_stream_step(ds, id, big, plen + 1, &plen);
            if (st == TABLLM_OK)
                tl_buf_append(&g.text, big, plen);
            tl_free(big);
        } else if (st == TABLLM_OK) {
            tl_buf_append(&g.text, piece, plen);
        }
        if (st != TABLLM_OK || (st = tl_buf_status(&g.text)) != TABLLM_OK)
            goto done;

        size_t at = find_stop(g.text.data ? g.text.data : "", g.text.len, g.emitted,
                              p.stop_strings, p.n_stop_strings);
        bool last = inf.n_tokens >= p.max_tokens || s->seq_len[p.seq_id] >= s->n_ctx;
        if (at != SIZE_MAX) {
            tl_buf_truncate(&g.text, at);
            inf.stop_reason = TABLLM_STOP_STRING;
        } else if (last && (st = flush_tail(tok, &g, n_prompt)) != TABLLM_OK) {
            goto done;
        }
        size_t upto = g.text.len;
        if (at == SIZE_MAX && !last)
            upto -= held_back(g.text.data ? g.text.data : "", g.text.len, g.emitted,
                              p.stop_strings, p.n_stop_strings);
        if (report(&p, &g, id, upto)) {
            st = tl_error(TABLLM_ERR_CANCELLED, "tabllm_generate: cancelled by the callback");
            goto done;
        }
        if (inf.stop_reason != TABLLM_STOP_NONE)
            break;
        if (s->seq_len[p.seq_id] >= s->n_ctx) {
            inf.stop_reason = TABLLM_STOP_CONTEXT_FULL;
            break;
        }
        if (inf.n_tokens >= p.max_tokens) {
            inf.stop_reason = TABLLM_STOP_MAX_TOKENS;
            break;
        }
        if ((st = tl_task_decode_ids(s, p.seq_id, &id, 1, 1)) != TABLLM_OK)
            goto done;
    }
    if ((st = tl_buf_status(&g.text)) == TABLLM_OK && text != NULL) {
        size_t len;
        *text = tl_buf_detach(&g.text, &len);
        if (*text == NULL)
            st = tl_buf_status(&g.text);
        else if (text_len)
            *text_len = len;
    } else if (st == TABLLM_OK && text_len) {
        *text_len = g.text.len;
    }
done:
    if (info != NULL) {
        tabllm_generate_info *dst = info;
        size_t sz = info->struct_size;
        inf.struct_size = sz;
        memcpy(dst, &inf, sz);
    }
    tabllm_decode_stream_free(ds);
    tl_free(stops.ids);
    tl_free(g.history);
    tl_buf_free(&g.text);
    return st;
}
