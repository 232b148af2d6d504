/* tokenizer.json -> struct tabllm_tokenizer: the BPE model (vocabulary,
 * merges), added tokens with the ids Hugging Face assigns them, and the
 * components (components.c). Everything is validated; sizes are capped. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/utf8.h"
#include "tokenizer/load.h"
#include "tokenizer/ws.h"

static atomic_uint_fast64_t next_serial = 1;

int32_t tl_tokenizer_lookup(const tabllm_tokenizer *t, const char *s, size_t len)
{
    int32_t id = tl_strmap_get(&t->added_str, s, len);
    return id >= 0 ? id : tl_strmap_get(&t->model_str, s, len);
}

/* Byte-level text ("Ġthe") to the bytes it stands for (" the"); false when a
 * character is outside the byte alphabet. */
static bool byte_level_decode(const char *s, size_t len, char *out, size_t *out_len)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) { /* printable ASCII stands for itself, the rest is not in the alphabet */
            if (c < 33 || c > 126)
                return false;
            out[o++] = (char)c;
            i++;
            continue;
        }
        uint32_t cp;
        i += tl_uc_next(s, len, i, &cp);
        int b = tl_char_to_byte(cp);
        if (b < 0)
            return false;
        out[o++] = (char)b;
    }
    *out_len = o;
    return true;
}

static tabllm_status load_vocab(tabllm_tokenizer *t, const tj_doc *d, const tj_node *model,
                                const tj_node **vocab_out, int64_t *max_id)
{
    const tj_node *vocab;
    tabllm_status st = tj_req(d, model, "vocab", TJ_OBJECT, "model", &vocab);
    if (st != TABLLM_OK)
        return st;
    if (vocab->len > TL_TOK_MAX_VOCAB)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "%s: model.vocab has %u entries, more than %u",
                        d->name, vocab->len, TL_TOK_MAX_VOCAB);
    if ((st = tl_strmap_init(&t->model_str, vocab->len)) != TABLLM_OK)
        return st;
    *max_id = -1;
    /* Keys are hashed and their slots prefetched a batch ahead (see
     * load_merges). */
    enum { B = 64 };
    uint64_t hs[B];
    char *keys[B];
    for (size_t base = 0; base < vocab->len; base += B) {
        size_t n = vocab->len - base < B ? vocab->len - base : B;
        for (size_t k = 0; k < n; k++) {
            const tj_node *kn = tj_key(d, vocab, base + k), *v = tj_val(d, vocab, base + k);
            if (v->type != TJ_NUMBER || !v->is_int || v->u.num.integer < 0 ||
                v->u.num.integer >= (int64_t)TL_TOK_MAX_VOCAB)
                return tj_error(d, v, "model.vocab[\"%.*s\"]: expected an id in [0, %u)",
                                (int)(kn->len > 64 ? 64 : kn->len), kn->u.str, TL_TOK_MAX_VOCAB);
            if (kn->len > TL_TOK_MAX_TOKEN_BYTES)
                return tj_error(d, kn, "model.vocab: a token of %u bytes is too long", kn->len);
            keys[k] = tl_arena_strndup(&t->arena, kn->u.str, kn->len);
            if (keys[k] == NULL)
                return TABLLM_ERR_OUT_OF_MEMORY;
            hs[k] = tl_hash_bytes(keys[k], kn->len);
            tl_strmap_prefetch(&t->model_str, hs[k]);
            if (v->u.num.integer > *max_id)
                *max_id = v->u.num.integer;
        }
        for (size_t k = 0; k < n; k++)
            tl_strmap_put_h(&t->model_str, keys[k], tj_key(d, vocab, base + k)->len,
                            (int32_t)tj_val(d, vocab, base + k)->u.num.integer, hs[k]);
    }
    t->bpe.vocab_len = t->model_str.count;
    *vocab_out = vocab;
    return TABLLM_OK;
}

/* The model's lookup map: raw bytes for byte-level models. */
static tabllm_status build_model_space(tabllm_tokenizer *t)
{
    tl_bpe *bpe = &t->bpe;
    tabllm_status st = tl_strmap_init(&bpe->vocab, t->model_str.count);
    if (st != TABLLM_OK)
        return st;
    enum { B = 64 };
    const char *keys[B];
    size_t lens[B];
    int32_t ids[B];
    uint64_t hs[B];
    size_t n = 0;
    for (size_t i = 0; i <= t->model_str.mask + 1; i++) {
        if (i <= t->model_str.mask) {
            const tl_strmap_slot *s = &t->model_str.slots[i];
            if (s->id < 0)
                continue;
            const char *key = s->key;
            size_t len = s->len;
            if (bpe->byte_level) {
                /* A token outside the byte alphabet can never come out of BPE
                 * over bytes (only an added token can): it is left out. */
                char *raw = tl_arena_alloc(&t->arena, s->len + 1);
                if (raw == NULL)
                    return TABLLM_ERR_OUT_OF_MEMORY;
                if (!byte_level_decode(s->key, s->len, raw, &len))
                    continue;
                key = raw;
            }
            keys[n] = key;
            lens[n] = len;
            ids[n] = s->id;
            hs[n] = tl_hash_bytes(key, len);
            tl_strmap_prefetch(&bpe->vocab, hs[n]);
            n++;
        }
        if (n == B || (i > t->model_str.mask && n > 0)) {
            for (size_t k = 0; k < n; k++)
                tl_strmap_put_h(&bpe->vocab, keys[k], lens[k], ids[k], hs[k]);
            n = 0;
        }
    }
    for (int b = 0; b < 256; b++) {
        char c = (char)b;
        bpe->unit_ids[b] = tl_strmap_get(&bpe->vocab, &c, 1);
        char name[8];
        snprintf(name, sizeof name, "<0x%02X>", b);
        bpe->fallback_ids[b] = tl_strmap_get(&t->model_str, name, 6);
    }
    return TABLLM_OK;
}

static tabllm_status affix(tabllm_tokenizer *t, const tj_doc *d, const tj_node *model,
                           const char *key, const char **out, size_t *len, bool *has)
{
    const tj_node *v;
    tabllm_status st = tj_opt_str(d, model, key, "model", &v);
    if (st != TABLLM_OK || v == NULL)
        return st;
    char *s = tl_arena_alloc(&t->arena, v->len + 1);
    if (s == NULL)
        return TABLLM_ERR_OUT_OF_MEMORY;
    if (t->bpe.byte_level) {
        if (!byte_level_decode(v->u.str, v->len, s, len))
            return tj_error(d, v, "model.%s: characters outside the byte-level alphabet", key);
    } else {
        memcpy(s, v->u.str, v->len);
        *len = v->len;
    }
    s[*len] = '\0';
    *out = s;
    *has = true;
    return TABLLM_OK;
}

static tabllm_status merge_part(tabllm_tokenizer *t, const tj_doc *d, const tj_node *at,
                                size_t i, const char *s, size_t len, int32_t *id)
{
    *id = tl_strmap_get(&t->model_str, s, len);
    if (*id < 0)
        return tj_error(d, at, "model.merges[%zu]: token \"%.*s\" is not in the vocabulary", i,
                        (int)(len > 64 ? 64 : len), s);
    return TABLLM_OK;
}

/* One merge's two parts; false (with the error set) when malformed. *skip
 * is set for the "#version" line merges.txt files start with. */
static bool merge_split(const tj_doc *d, const tj_node *m, size_t i, const char **a, size_t *al,
                        const char **b, size_t *bl, bool *skip)
{
    *skip = false;
    if (m->type == TJ_STRING) {
        if (m->len >= 8 && memcmp(m->u.str, "#version", 8) == 0) {
            *skip = true; /* as convert_merges_to_hashmap skips it */
            return true;
        }
        const char *sp = memchr(m->u.str, ' ', m->len);
        if (sp == NULL || memchr(sp + 1, ' ', m->len - (size_t)(sp + 1 - m->u.str)) != NULL) {
            tj_error(d, m, "model.merges[%zu]: expected \"left right\" with one space", i);
            return false;
        }
        *a = m->u.str;
        *al = (size_t)(sp - *a);
        *b = sp + 1;
        *bl = m->len - *al - 1;
        return true;
    }
    if (m->type == TJ_ARRAY && m->len == 2 && tj_at(d, m, 0)->type == TJ_STRING &&
        tj_at(d, m, 1)->type == TJ_STRING) {
        *a = tj_at(d, m, 0)->u.str;
        *al = tj_at(d, m, 0)->len;
        *b = tj_at(d, m, 1)->u.str;
        *bl = tj_at(d, m, 1)->len;
        return true;
    }
    tj_error(d, m, "model.merges[%zu]: expected \"a b\" or [\"a\", \"b\"]", i);
    return false;
}

/* Merges are resolved in batches: every lookup is a cache miss in a table of
 * megabytes, so all keys of a batch are hashed and prefetched before any is
 * resolved (this makes loading Llama 3's 280k merges several times faster). */
#define MERGE_BATCH 64

typedef struct merge_job {
    const char *a, *b;
    size_t al, bl, nl;
    uint64_t ha, hb, hn;
    int32_t ia, ib, in;
    bool skip;
    char *joined;
} merge_job;

static tabllm_status load_merges(tabllm_tokenizer *t, const tj_doc *d, const tj_node *model)
{
    const tj_node *merges = tj_get(d, model, "merges");
    if (merges == NULL || merges->type == TJ_NULL)
        return tl_pairmap_init(&t->bpe.merges, 0);
    if (merges->type != TJ_ARRAY)
        return tj_error(d, merges, "model.merges: expected an array, got %s",
                        tj_type_name(merges));
    if (merges->len > TL_TOK_MAX_MERGES)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "%s: model.merges has %u entries, more than %u",
                        d->name, merges->len, TL_TOK_MAX_MERGES);
    tabllm_status st = tl_pairmap_init(&t->bpe.merges, merges->len);
    if (st != TABLLM_OK)
        return st;
    size_t prefix_len = 0;
    const tj_node *pfx = tj_get(d, model, "continuing_subword_prefix");
    if (pfx && pfx->type == TJ_STRING)
        prefix_len = pfx->len;
    merge_job job[MERGE_BATCH];
    char *buf = NULL; /* the joined tokens of one batch */
    size_t cap = 0;
    uint32_t rank = 0;
    const tl_strmap *vs = &t->model_str;
    for (size_t base = 0; base < merges->len && st == TABLLM_OK; base += MERGE_BATCH) {
        size_t n = merges->len - base < MERGE_BATCH ? merges->len - base : MERGE_BATCH;
        size_t need = 0;
        for (size_t k = 0; k < n; k++) {
            merge_job *j = &job[k];
            if (!merge_split(d, tj_at(d, merges, base + k), base + k, &j->a, &j->al, &j->b, &j->bl,
                             &j->skip))
                return tl_free(buf), TABLLM_ERR_FORMAT;
            if (j->skip)
                continue;
            if (j->bl < prefix_len) {
                st = tj_error(d, tj_at(d, merges, base + k), "model.merges[%zu]: \"%.*s\" is "
                              "shorter than the continuing_subword_prefix", base + k, (int)j->bl,
                              j->b);
                tl_free(buf);
                return st;
            }
            j->nl = j->al + j->bl - prefix_len;
            need += j->nl;
            j->ha = tl_hash_bytes(j->a, j->al);
            j->hb = tl_hash_bytes(j->b, j->bl);
            tl_strmap_prefetch(vs, j->ha);
            tl_strmap_prefetch(vs, j->hb);
        }
        if (need > cap) {
            char *nb = tl_realloc(buf, need);
            if (nb == NULL) {
                tl_free(buf);
                return tl_error_oom("merges");
            }
            buf = nb;
            cap = need;
        }
        size_t o = 0;
        for (size_t k = 0; k < n; k++) {
            merge_job *j = &job[k];
            if (j->skip)
                continue;
            j->ia = tl_strmap_get_h(vs, j->a, j->al, j->ha);
            j->ib = tl_strmap_get_h(vs, j->b, j->bl, j->hb);
            j->joined = buf + o;
            memcpy(j->joined, j->a, j->al);
            memcpy(j->joined + j->al, j->b + prefix_len, j->bl - prefix_len);
            o += j->nl;
            j->hn = tl_hash_bytes(j->joined, j->nl);
            tl_strmap_prefetch(vs, j->hn);
        }
        for (size_t k = 0; k < n; k++) {
            merge_job *j = &job[k];
            if (j->skip)
                continue;
            j->in = tl_strmap_get_h(vs, j->joined, j->nl, j->hn);
            if (j->ia >= 0 && j->ib >= 0)
                tl_pairmap_prefetch(&t->bpe.merges, j->ia, j->ib);
        }
        for (size_t k = 0; k < n && st == TABLLM_OK; k++) {
            merge_job *j = &job[k];
            const tj_node *m = tj_at(d, merges, base + k);
            if (j->skip)
                continue;
            if (j->ia < 0 || j->ib < 0 || j->in < 0) { /* name the missing one */
                if ((st = merge_part(t, d, m, base + k, j->a, j->al, &j->ia)) == TABLLM_OK &&
                    (st = merge_part(t, d, m, base + k, j->b, j->bl, &j->ib)) == TABLLM_OK)
                    st = merge_part(t, d, m, base + k, j->joined, j->nl, &j->in);
                break;
            }
            tl_pairmap_put(&t->bpe.merges, j->ia, j->ib, rank++, j->in);
        }
    }
    tl_free(buf);
    return st;
}

static tabllm_status load_model(tabllm_tokenizer *t, const tj_doc *d, const tj_node *model)
{
    if (model->type != TJ_OBJECT)
        return tj_error(d, model, "model: expected an object, got %s", tj_type_name(model));
    const tj_node *type = tj_get(d, model, "type");
    if (type != NULL && !tj_str_eq(type, "BPE"))
        return tl_error(TABLLM_ERR_UNSUPPORTED, "%s: model type \"%.*s\" is not supported (only BPE)",
                        d->name, type && type->type == TJ_STRING ? (int)type->len : 0,
                        type && type->type == TJ_STRING ? type->u.str : "");
    tabllm_status st;
    const tj_node *dropout = tj_get(d, model, "dropout");
    if (dropout && dropout->type != TJ_NULL) {
        if (dropout->type != TJ_NUMBER || dropout->u.num.real < 0 || dropout->u.num.real > 1)
            return tj_error(d, dropout, "model.dropout: expected a number in [0, 1]");
        if (dropout->u.num.real > 0)
            return tl_error(TABLLM_ERR_UNSUPPORTED, "%s: model.dropout = %g is not supported "
                            "(it makes tokenization random)", d->name, dropout->u.num.real);
    }
    tl_bpe *bpe = &t->bpe;
    if ((st = tj_opt_bool(d, model, "fuse_unk", "model", &bpe->fuse_unk)) != TABLLM_OK ||
        (st = tj_opt_bool(d, model, "byte_fallback", "model", &bpe->byte_fallback)) != TABLLM_OK ||
        (st = tj_opt_bool(d, model, "ignore_merges", "model", &bpe->ignore_merges)) != TABLLM_OK)
        return st;
    if ((st = affix(t, d, model, "continuing_subword_prefix", &bpe->prefix, &bpe->prefix_len,
                    &bpe->has_prefix)) != TABLLM_OK ||
        (st = affix(t, d, model, "end_of_word_suffix", &bpe->suffix, &bpe->suffix_len,
                    &bpe->has_suffix)) != TABLLM_OK)
        return st;
    /* An empty prefix or suffix changes nothing. */
    bpe->has_prefix = bpe->has_prefix && bpe->prefix_len > 0;
    bpe->has_suffix = bpe->has_suffix && bpe->suffix_len > 0;
    if ((st = build_model_space(t)) != TABLLM_OK || (st = load_merges(t, d, model)) != TABLLM_OK)
        return st;
    if (!bpe->byte_level && !bpe->ignore_merges && !bpe->has_prefix && !bpe->has_suffix &&
        tl_strmap_get(&bpe->vocab, "\xE2\x96\x81", 3) >= 0) {
        /* Collect the tokens that could span a cut (see tl_bpe.split_rep). */
        size_t cap = 64;
        bpe->cross = tl_arena_alloc(&t->arena, cap * sizeof *bpe->cross);
        bpe->cross_len = tl_arena_alloc(&t->arena, cap * sizeof *bpe->cross_len);
        if (bpe->cross == NULL || bpe->cross_len == NULL)
            return TABLLM_ERR_OUT_OF_MEMORY;
        bpe->split_rep = true;
        for (size_t i = 0; i <= bpe->vocab.mask && bpe->split_rep; i++) {
            const tl_strmap_slot *sl = &bpe->vocab.slots[i];
            if (sl->id < 0)
                continue;
            for (size_t k = 1; k + 3 <= sl->len; k++)
                if (memcmp(sl->key + k, "\xE2\x96\x81", 3) == 0 &&
                    !(k >= 3 && memcmp(sl->key + k - 3, "\xE2\x96\x81", 3) == 0)) {
                    if (bpe->n_cross == cap) {
                        bpe->split_rep = false; /* too many: do not cut */
                        break;
                    }
                    bpe->cross[bpe->n_cross] = sl->key;
                    bpe->cross_len[bpe->n_cross++] = sl->len;
                    break;
                }
        }
    }
    const tj_node *unk;
    if ((st = tj_opt_str(d, model, "unk_token", "model", &unk)) != TABLLM_OK)
        return st;
    bpe->unk_id = -1;
    if (unk) {
        bpe->unk_token = tl_arena_strndup(&t->arena, unk->u.str, unk->len);
        if (bpe->unk_token == NULL)
            return TABLLM_ERR_OUT_OF_MEMORY;
        bpe->unk_id = tl_strmap_get(&t->model_str, unk->u.str, unk->len);
        if (bpe->unk_id < 0)
            bpe->unk_id = -2; /* HF fails when it needs it, and so do we */
    }
    return TABLLM_OK;
}

/* ---- added tokens: AddedVocabulary::add_tokens ---- */

typedef struct added_in {
    const char *content;
    size_t len;
    bool special, single_word, lstrip, rstrip, normalized;
} added_in;

static tabllm_status load_added(tabllm_tokenizer *t, const tj_doc *d, const tj_node *list,
                                int64_t *max_id)
{
    tabllm_status st = tl_strmap_init(&t->added_str, list ? list->len : 0);
    if (st != TABLLM_OK || list == NULL)
        return st;
    if (list->len > TL_TOK_MAX_ADDED)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "%s: %u added tokens, more than %u", d->name,
                        list->len, TL_TOK_MAX_ADDED);
    added_in *in = NULL;
    added_in **order = NULL; /* the special ones first, then the others, as HF matches them */
    tl_strmap special = {0};
    tl_pairmap by_id = {0};
    size_t n_special = 0, n_plain = 0;
    int64_t next_max = -1; /* the largest id given to an added token so far */
    if ((st = tl_calloc_array((void **)&in, list->len, sizeof *in, "added tokens")) != TABLLM_OK ||
        (st = tl_calloc_array((void **)&order, list->len, sizeof *order, "added tokens")) !=
            TABLLM_OK ||
        (st = tl_calloc_array((void **)&t->added, list->len, sizeof *t->added, "added tokens")) !=
            TABLLM_OK ||
        (st = tl_strmap_init(&special, list->len)) != TABLLM_OK ||
        (st = tl_pairmap_init(&by_id, list->len)) != TABLLM_OK)
        goto done;
    for (size_t i = 0; i < list->len; i++) {
        const tj_node *a = tj_at(d, list, i), *content;
        char path[64];
        snprintf(path, sizeof path, "added_tokens[%zu]", i);
        added_in *x = &in[i];
        x->normalized = true;
        if ((st = tj_req(d, a, "content", TJ_STRING, path, &content)) != TABLLM_OK ||
            (st = tj_opt_bool(d, a, "special", path, &x->special)) != TABLLM_OK ||
            (st = tj_opt_bool(d, a, "single_word", path, &x->single_word)) != TABLLM_OK ||
            (st = tj_opt_bool(d, a, "lstrip", path, &x->lstrip)) != TABLLM_OK ||
            (st = tj_opt_bool(d, a, "rstrip", path, &x->rstrip)) != TABLLM_OK)
            goto done;
        x->normalized = !x->special;
        if ((st = tj_opt_bool(d, a, "normalized", path, &x->normalized)) != TABLLM_OK)
            goto done;
        if (content->len > TL_TOK_MAX_TOKEN_BYTES) {
            st = tj_error(d, content, "%s.content: %u bytes is too long", path, content->len);
            goto done;
        }
        x->content = tl_arena_strndup(&t->arena, content->u.str, content->len);
        if (x->content == NULL) {
            st = TABLLM_ERR_OUT_OF_MEMORY;
            goto done;
        }
        x->len = content->len;
    }
    /* Special tokens are recorded first, each content once. */
    for (size_t i = 0; i < list->len; i++)
        if (in[i].special && in[i].len > 0 &&
            tl_strmap_get(&special, in[i].content, in[i].len) < 0) {
            tl_strmap_put(&special, in[i].content, in[i].len, (int32_t)i);
            order[n_special++] = &in[i];
        }
    for (size_t i = 0; i < list->len; i++) {
        added_in *x = &in[i];
        if (x->len == 0)
            continue;
        int32_t id = tl_tokenizer_lookup(t, x->content, x->len);
        if (id >= 0 && tl_strmap_get(&t->added_str, x->content, x->len) >= 0) {
            /* the same token again is ignored; another token with this content updates it */
            const tl_pairmap_slot *s = tl_pairmap_get(&by_id, id, 0);
            tl_added *e = &t->added[s->rank];
            if (e->special == x->special && e->single_word == x->single_word &&
                e->lstrip == x->lstrip && e->rstrip == x->rstrip && e->normalized == x->normalized)
                continue;
        }
        if (id < 0) {
            int64_t vs = (int64_t)t->bpe.vocab_len;
            id = (int32_t)(next_max < 0 ? vs : (next_max >= vs || vs == 0) ? next_max + 1 : vs);
            if (id >= (int64_t)TL_TOK_MAX_VOCAB) {
                st = tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "%s: added token ids exceed %u", d->name,
                              TL_TOK_MAX_VOCAB);
                goto done;
            }
        }
        if (id > next_max)
            next_max = id;
        tl_strmap_put(&t->added_str, x->content, x->len, id);
        const tl_pairmap_slot *s = tl_pairmap_get(&by_id, id, 0);
        size_t slot = s ? s->rank : t->n_added++;
        if (!s)
            tl_pairmap_put(&by_id, id, 0, (uint32_t)slot, 0);
        t->added[slot] = (tl_added){x->content, x->len, id, x->special, x->single_word,
                                    x->lstrip, x->rstrip, x->normalized};
        if (tl_strmap_get(&special, x->content, x->len) < 0)
            order[n_special + n_plain++] = x;
        if (id > *max_id)
            *max_id = id;
    }
    /* The matching tries: raw text for normalized=false, normalized text for
     * the others (their content normalized the same way). */
    tl_ws *ws = NULL;
    for (size_t k = 0; k < n_special + n_plain && st == TABLLM_OK; k++) {
        added_in *x = order[k];
        int32_t id = tl_tokenizer_lookup(t, x->content, x->len);
        const tl_pairmap_slot *s = tl_pairmap_get(&by_id, id, 0);
        if (s == NULL)
            continue;
        if (!x->normalized || t->n_norm == 0) {
            st = x->normalized ? tl_trie_add(&t->trie_norm, x->content, x->len, (int32_t)s->rank)
                               : tl_trie_add(&t->trie_raw, x->content, x->len, (int32_t)s->rank);
            continue;
        }
        if (ws == NULL && (ws = tl_ws_get(t)) == NULL) {
            st = TABLLM_ERR_OUT_OF_MEMORY;
            break;
        }
        st = tl_normalize(t->norm, t->n_norm, x->content, x->len, NULL, 0, false, &ws->norm,
                          &ws->norm_scratch, &ws->matches, &ws->md);
        if (st == TABLLM_OK) {
            char *c = tl_arena_strndup(&t->arena, ws->norm.s, ws->norm.len);
            st = c ? tl_trie_add(&t->trie_norm, c, ws->norm.len, (int32_t)s->rank)
                   : TABLLM_ERR_OUT_OF_MEMORY;
        }
    }
    tl_ws_destroy(ws);
done:
    tl_free(in);
    tl_free(order);
    tl_strmap_free(&special);
    tl_pairmap_free(&by_id);
    return st;
}

static tabllm_status build_id_tables(tabllm_tokenizer *t, int64_t max_id)
{
    t->n_ids = (size_t)(max_id + 1);
    tabllm_status st;
    if ((st = tl_calloc_array((void **)&t->tok_str, t->n_ids, sizeof *t->tok_str, "id table")) !=
            TABLLM_OK ||
        (st = tl_calloc_array((void **)&t->tok_len, t->n_ids, sizeof *t->tok_len, "id table")) !=
            TABLLM_OK ||
        (st = tl_calloc_array((void **)&t->id_flags, t->n_ids, 1, "id table")) != TABLLM_OK)
        return st;
    for (size_t i = 0; i <= t->model_str.mask; i++) {
        const tl_strmap_slot *s = &t->model_str.slots[i];
        if (s->id >= 0) {
            t->tok_str[s->id] = s->key;
            t->tok_len[s->id] = s->len;
        }
    }
    for (size_t i = 0; i < t->n_added; i++) {
        const tl_added *a = &t->added[i];
        t->tok_str[a->id] = a->content;
        t->tok_len[a->id] = (uint32_t)a->len;
        t->id_flags[a->id] |= TL_ID_ADDED;
    }
    /* Decoding skips an id when its token text is a special token's. */
    for (size_t i = 0; i < t->n_added; i++) {
        const tl_added *a = &t->added[i];
        if (!a->special)
            continue;
        int32_t id = tl_tokenizer_lookup(t, a->content, a->len);
        if (id >= 0)
            t->id_flags[id] |= TL_ID_SPECIAL;
    }
    return TABLLM_OK;
}

static tabllm_status check_null(const tj_doc *d, const tj_node *root, const char *key)
{
    const tj_node *v = tj_get(d, root, key);
    if (v && v->type != TJ_NULL)
        return tl_error(TABLLM_ERR_UNSUPPORTED, "%s: \"%s\" is set; truncation and padding "
                        "inside tokenizer.json are not supported (pass the limits to the "
                        "caller instead)", d->name, key);
    return TABLLM_OK;
}

tabllm_status tl_tokenizer_parse(const char *name, const char *json, size_t len,
                                 tabllm_tokenizer **out)
{
    *out = NULL;
    tabllm_tokenizer *t = tl_calloc(1, sizeof *t);
    if (t == NULL)
        return tl_error_oom("tokenizer");
    pthread_mutex_init(&t->ws_lock, NULL);
    t->serial = atomic_fetch_add(&next_serial, 1);
    t->bos_id = t->eos_id = t->pad_id = t->unk_id = -1;
    tj_doc d;
    tabllm_status st = tj_parse(name, json, len, &d);
    if (st != TABLLM_OK) {
        tl_tokenizer_destroy(t);
        return st;
    }
    const tj_node *root = tj_root(&d), *model, *n;
    int64_t max_id = -1, max_added = -1;
    const tj_node *vocab;
    if (root->type != TJ_OBJECT) {
        st = tj_error(&d, root, "expected an object at the top level, got %s", tj_type_name(root));
        goto done;
    }
    if ((st = check_null(&d, root, "truncation")) != TABLLM_OK ||
        (st = check_null(&d, root, "padding")) != TABLLM_OK ||
        (st = tj_req(&d, root, "model", TJ_OBJECT, "tokenizer", &model)) != TABLLM_OK)
        goto done;
    if ((st = load_vocab(t, &d, model, &vocab, &max_id)) != TABLLM_OK)
        goto done;
    if ((n = tj_get(&d, root, "normalizer")) && n->type != TJ_NULL &&
        (st = tl_load_normalizer(t, &d, n, "normalizer", 0)) != TABLLM_OK)
        goto done;
    if ((n = tj_get(&d, root, "pre_tokenizer")) && n->type != TJ_NULL &&
        (st = tl_load_pre_tokenizer(t, &d, n, "pre_tokenizer", 0)) != TABLLM_OK)
        goto done;
    /* Byte-level: the ByteLevel pre-tokenizer must come last (later steps
     * would see its mapped characters). A ByteLevel step that neither adds a
     * space nor splits does nothing else and is dropped. */
    for (size_t k = 0; k < t->n_pre; k++) {
        if (t->pre[k].kind != TL_PRE_BYTE_LEVEL)
            continue;
        if (k + 1 != t->n_pre) {
            st = tl_error(TABLLM_ERR_UNSUPPORTED, "%s: pre_tokenizer: a ByteLevel step followed "
                          "by other pre-tokenizers is not supported", d.name);
            goto done;
        }
        t->bpe.byte_level = true;
        if (!t->pre[k].add_prefix_space && !t->pre[k].use_regex)
            t->n_pre--;
    }
    for (size_t k = 0; k < t->n_pre; k++)
        if (t->pre[k].kind == TL_PRE_METASPACE && t->pre[k].prepend == TL_PREPEND_FIRST)
            t->needs_align = true;
    if ((st = load_model(t, &d, model)) != TABLLM_OK)
        goto done;
    n = tj_get(&d, root, "added_tokens");
    if (n && n->type != TJ_NULL && n->type != TJ_ARRAY) {
        st = tj_error(&d, n, "added_tokens: expected an array, got %s", tj_type_name(n));
        goto done;
    }
    if ((st = load_added(t, &d, n && n->type == TJ_ARRAY ? n : NULL, &max_added)) != TABLLM_OK)
        goto done;
    if ((st = build_id_tables(t, max_id > max_added ? max_id : max_added)) != TABLLM_OK)
        goto done;
    if ((n = tj_get(&d, root, "post_processor")) && n->type != TJ_NULL &&
        (st = tl_load_post_processor(t, &d, n, "post_processor", 0)) != TABLLM_OK)
        goto done;
    if ((n = tj_get(&d, root, "decoder")) && n->type != TJ_NULL) {
        t->has_decoder = true;
        if ((st = tl_load_decoder(t, &d, n, "decoder", 0)) != TABLLM_OK)
            goto done;
    }
    if (t->bpe.unk_id >= 0) {
        t->unk_id = t->bpe.unk_id;
        t->unk_text = t->bpe.unk_token;
    }
done:
    tj_free(&d);
    if (st != TABLLM_OK) {
        tl_tokenizer_destroy(t);
        return st;
    }
    *out = t;
    return TABLLM_OK;
}

void tl_tokenizer_destroy(tabllm_tokenizer *t)
{
    if (t == NULL)
        return;
    for (size_t k = 0; k < t->n_norm; k++)
        tl_pattern_free(&t->norm[k].pattern);
    for (size_t k = 0; k < t->n_pre; k++)
        tl_pattern_free(&t->pre[k].pattern);
    /* a dropped trailing ByteLevel step owns no pattern */
    for (size_t k = 0; k < t->n_dec; k++)
        tl_pattern_free(&t->dec[k].pattern);
    tl_free(t->norm);
    tl_free(t->pre);
    tl_free(t->dec);
    tl_free(t->post.single);
    tl_free(t->post.pair);
    tl_free(t->added);
    tl_free(t->trie_raw.nodes);
    tl_free(t->trie_norm.nodes);
    tl_strmap_free(&t->model_str);
    tl_strmap_free(&t->added_str);
    tl_strmap_free(&t->bpe.vocab);
    tl_pairmap_free(&t->bpe.merges);
    tl_free(t->tok_str);
    tl_free(t->tok_len);
    tl_free(t->id_flags);
    while (t->ws_free) {
        tl_ws *w = t->ws_free;
        t->ws_free = w->next_free;
        tl_ws_destroy(w);
    }
    pthread_mutex_destroy(&t->ws_lock);
    tl_arena_free(&t->arena);
    tl_free(t);
}
