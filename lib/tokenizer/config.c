/* tokenizer_config.json and generation_config.json: which tokens are BOS,
 * EOS, PAD and UNK, the chat template, and add_bos_token / add_eos_token,
 * which transformers applies by rebuilding the post-processor of Llama- and
 * Gemma-family tokenizers (LlamaTokenizerFast.update_post_processor). */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "tokenizer/load.h"

/* A token given as "text" or as an AddedToken object {"content": "text"}. */
static tabllm_status token_field(tabllm_tokenizer *t, const tj_doc *d, const tj_node *root,
                                 const char *key, const char **text, int32_t *id)
{
    const tj_node *v = tj_get(d, root, key);
    if (v == NULL || v->type == TJ_NULL)
        return TABLLM_OK;
    if (v->type == TJ_OBJECT) {
        const tj_node *c;
        tabllm_status st = tj_req(d, v, "content", TJ_STRING, key, &c);
        if (st != TABLLM_OK)
            return st;
        v = c;
    }
    if (v->type != TJ_STRING)
        return tj_error(d, v, "%s: expected a string, got %s", key, tj_type_name(v));
    int32_t found = tl_tokenizer_lookup(t, v->u.str, v->len);
    if (found < 0)
        return tj_error(d, v, "%s: \"%.*s\" is not in the vocabulary", key,
                        (int)(v->len > 64 ? 64 : v->len), v->u.str);
    char *s = tl_arena_strndup(&t->arena, v->u.str, v->len);
    if (s == NULL)
        return TABLLM_ERR_OUT_OF_MEMORY;
    *text = s;
    *id = found;
    return TABLLM_OK;
}

static tabllm_status chat_template(tabllm_tokenizer *t, const tj_doc *d, const tj_node *root)
{
    const tj_node *v = tj_get(d, root, "chat_template");
    if (v == NULL || v->type == TJ_NULL)
        return TABLLM_OK;
    if (v->type == TJ_ARRAY) {
        /* [{"name": ..., "template": ...}]: the one named "default". */
        const tj_node *found = NULL;
        for (size_t i = 0; i < v->len; i++) {
            const tj_node *e = tj_at(d, v, i);
            const tj_node *name = tj_get(d, e, "name"), *tpl = tj_get(d, e, "template");
            if (name == NULL || tpl == NULL || name->type != TJ_STRING || tpl->type != TJ_STRING)
                return tj_error(d, e, "chat_template[%zu]: expected {\"name\": string, "
                                "\"template\": string}", i);
            if (tj_str_eq(name, "default"))
                found = tpl;
        }
        if (found == NULL)
            return TABLLM_OK;
        v = found;
    }
    if (v->type != TJ_STRING)
        return tj_error(d, v, "chat_template: expected a string or a list, got %s",
                        tj_type_name(v));
    t->chat_template = tl_arena_strndup(&t->arena, v->u.str, v->len);
    return t->chat_template ? TABLLM_OK : TABLLM_ERR_OUT_OF_MEMORY;
}

static tabllm_status rebuild_template(tabllm_tokenizer *t, bool add_bos, bool add_eos)
{
    if ((add_bos && t->bos_id < 0) || (add_eos && t->eos_id < 0))
        return tl_error(TABLLM_ERR_FORMAT, "tokenizer_config.json: add_%s_token is true but "
                        "there is no %s_token", add_bos && t->bos_id < 0 ? "bos" : "eos",
                        add_bos && t->bos_id < 0 ? "bos" : "eos");
    tl_free(t->post.single);
    tl_free(t->post.pair);
    t->post = (tl_post){0};
    tl_tpl_piece bos = {false, 0, &t->bos_id, 1}, eos = {false, 0, &t->eos_id, 1};
    tl_tpl_piece v[8];
    size_t n = 0;
    if (add_bos)
        v[n++] = bos;
    v[n++] = (tl_tpl_piece){true, 0, NULL, 0};
    if (add_eos)
        v[n++] = eos;
    size_t n_single = n;
    if (add_bos)
        v[n++] = bos;
    v[n++] = (tl_tpl_piece){true, 1, NULL, 0};
    if (add_eos)
        v[n++] = eos;
    t->post.single = tl_malloc(n_single * sizeof *v);
    t->post.pair = tl_malloc(n * sizeof *v);
    if (t->post.single == NULL || t->post.pair == NULL)
        return tl_error_oom("template");
    memcpy(t->post.single, v, n_single * sizeof *v);
    memcpy(t->post.pair, v, n * sizeof *v);
    t->post.n_single = n_single;
    t->post.n_pair = n;
    t->post.present = true;
    return TABLLM_OK;
}

tabllm_status tl_tokenizer_apply_config(tabllm_tokenizer *t, const char *name, const char *json,
                                        size_t len)
{
    tj_doc d;
    tabllm_status st = tj_parse(name, json, len, &d);
    if (st != TABLLM_OK)
        return st;
    const tj_node *root = tj_root(&d);
    if (root->type != TJ_OBJECT) {
        st = tj_error(&d, root, "expected an object at the top level");
        goto done;
    }
    if ((st = token_field(t, &d, root, "bos_token", &t->bos_text, &t->bos_id)) != TABLLM_OK ||
        (st = token_field(t, &d, root, "eos_token", &t->eos_text, &t->eos_id)) != TABLLM_OK ||
        (st = token_field(t, &d, root, "pad_token", &t->pad_text, &t->pad_id)) != TABLLM_OK ||
        (st = token_field(t, &d, root, "unk_token", &t->unk_text, &t->unk_id)) != TABLLM_OK ||
        (st = chat_template(t, &d, root)) != TABLLM_OK)
        goto done;
    const tj_node *cls = tj_get(&d, root, "tokenizer_class");
    static const char *rebuilt[] = {"LlamaTokenizer", "LlamaTokenizerFast", "GemmaTokenizer",
                                    "GemmaTokenizerFast", "CodeLlamaTokenizer",
                                    "CodeLlamaTokenizerFast"};
    bool family = false;
    for (size_t k = 0; cls && k < sizeof rebuilt / sizeof *rebuilt; k++)
        family |= tj_str_eq(cls, rebuilt[k]);
    const tj_node *ab = tj_get(&d, root, "add_bos_token"), *ae = tj_get(&d, root, "add_eos_token");
    if (family && ((ab && ab->type != TJ_NULL) || (ae && ae->type != TJ_NULL))) {
        bool add_bos = true, add_eos = false; /* LlamaTokenizerFast's defaults */
        if ((st = tj_opt_bool(&d, root, "add_bos_token", "tokenizer_config", &add_bos)) !=
                TABLLM_OK ||
            (st = tj_opt_bool(&d, root, "add_eos_token", "tokenizer_config", &add_eos)) !=
                TABLLM_OK)
            goto done;
        st = rebuild_template(t, add_bos, add_eos);
    }
done:
    tj_free(&d);
    return st;
}

static tabllm_status id_field(tabllm_tokenizer *t, const tj_doc *d, const tj_node *root,
                              const char *key, int32_t *id, const char **text)
{
    const tj_node *v = tj_get(d, root, key);
    if (v == NULL || v->type == TJ_NULL || *id >= 0)
        return TABLLM_OK; /* tokenizer_config.json said it already */
    if (v->type == TJ_ARRAY && v->len > 0)
        v = tj_at(d, v, 0);
    if (v->type != TJ_NUMBER || !v->is_int || v->u.num.integer < 0 ||
        (uint64_t)v->u.num.integer >= t->n_ids || t->tok_str[v->u.num.integer] == NULL)
        return tj_error(d, v, "%s: expected a token id in the vocabulary", key);
    *id = (int32_t)v->u.num.integer;
    *text = t->tok_str[*id];
    return TABLLM_OK;
}

tabllm_status tl_tokenizer_apply_generation_config(tabllm_tokenizer *t, const char *name,
                                                   const char *json, size_t len)
{
    tj_doc d;
    tabllm_status st = tj_parse(name, json, len, &d);
    if (st != TABLLM_OK)
        return st;
    const tj_node *root = tj_root(&d);
    if (root->type != TJ_OBJECT)
        st = tj_error(&d, root, "expected an object at the top level");
    else if ((st = id_field(t, &d, root, "bos_token_id", &t->bos_id, &t->bos_text)) == TABLLM_OK &&
             (st = id_field(t, &d, root, "eos_token_id", &t->eos_id, &t->eos_text)) == TABLLM_OK)
        st = id_field(t, &d, root, "pad_token_id", &t->pad_id, &t->pad_text);
    tj_free(&d);
    return st;
}

const char *tl_tokenizer_chat_template(const tabllm_tokenizer *t)
{
    return t ? t->chat_template : NULL;
}

const char *tl_tokenizer_bos_text(const tabllm_tokenizer *t)
{
    return t ? t->bos_text : NULL;
}

const char *tl_tokenizer_eos_text(const tabllm_tokenizer *t)
{
    return t ? t->eos_text : NULL;
}
