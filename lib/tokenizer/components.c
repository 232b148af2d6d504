/* tokenizer.json components: normalizer, pre_tokenizer, post_processor and
 * decoder objects, each checked field by field. What is not implemented is
 * refused with TABLLM_ERR_UNSUPPORTED naming it, never skipped. */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/utf8.h"
#include "tokenizer/load.h"

static char *dup_str(tabllm_tokenizer *t, const tj_node *n)
{
    return tl_arena_strndup(&t->arena, n->u.str, n->len);
}

static tabllm_status type_of(const tj_doc *d, const tj_node *obj, const char *path,
                             const tj_node **type)
{
    if (obj->type != TJ_OBJECT)
        return tj_error(d, obj, "%s: expected an object, got %s", path, tj_type_name(obj));
    return tj_req(d, obj, "type", TJ_STRING, path, type);
}

static tabllm_status unsupported(const tj_doc *d, const tj_node *type, const char *path)
{
    return tl_error(TABLLM_ERR_UNSUPPORTED, "%s: %s type \"%.*s\" is not supported", d->name,
                    path, (int)type->len, type->u.str);
}

/* A {"String": s} or {"Regex": r} pattern. */
static tabllm_status read_pattern(tabllm_tokenizer *t, const tj_doc *d, const tj_node *obj,
                                  const char *path, tl_pattern *out)
{
    const tj_node *p = tj_get(d, obj, "pattern");
    if (p == NULL || p->type != TJ_OBJECT || p->len != 1)
        return tj_error(d, p ? p : obj, "%s.pattern: expected {\"String\": ...} or {\"Regex\": ...}",
                        path);
    const tj_node *k = tj_key(d, p, 0), *v = tj_val(d, p, 0);
    if (v->type != TJ_STRING)
        return tj_error(d, v, "%s.pattern: expected a string, got %s", path, tj_type_name(v));
    char *s = dup_str(t, v);
    if (s == NULL)
        return TABLLM_ERR_OUT_OF_MEMORY;
    char where[256];
    snprintf(where, sizeof where, "%s: %s.pattern", d->name, path);
    if (tj_str_eq(k, "String"))
        return tl_pattern_literal(out, s, v->len, where);
    if (tj_str_eq(k, "Regex"))
        return tl_pattern_compile_regex(out, s, v->len, where);
    return tj_error(d, k, "%s.pattern: unknown pattern kind \"%.*s\"", path, (int)k->len, k->u.str);
}

static tabllm_status one_char(const tj_doc *d, const tj_node *v, const char *path, char rep[4],
                              size_t *rep_len, uint32_t *cp)
{
    if (v == NULL || v->type != TJ_STRING || v->len == 0 ||
        tl_utf8_decode(v->u.str, v->len, cp) != v->len)
        return tj_error(d, v, "%s: expected a string of one character", path);
    memcpy(rep, v->u.str, v->len);
    *rep_len = v->len;
    return TABLLM_OK;
}

/* ---- normalizers ---- */

static tabllm_status add_norm(tabllm_tokenizer *t, tl_norm_step s)
{
    if (t->n_norm >= TL_TOK_MAX_STEPS)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "more than %d normalizers", TL_TOK_MAX_STEPS);
    tl_norm_step *v = tl_realloc(t->norm, (t->n_norm + 1) * sizeof *v);
    if (v == NULL)
        return tl_error_oom("normalizers");
    t->norm = v;
    t->norm[t->n_norm++] = s;
    return TABLLM_OK;
}

tabllm_status tl_load_normalizer(tabllm_tokenizer *t, const tj_doc *d, const tj_node *n,
                                 const char *path, int depth)
{
    const tj_node *type;
    tabllm_status st = type_of(d, n, path, &type);
    if (st != TABLLM_OK)
        return st;
    if (depth > 8)
        return tj_error(d, n, "%s: Sequence nested too deeply", path);
    tl_norm_step s;
    memset(&s, 0, sizeof s);
    if (tj_str_eq(type, "Sequence")) {
        const tj_node *list;
        if ((st = tj_req(d, n, "normalizers", TJ_ARRAY, path, &list)) != TABLLM_OK)
            return st;
        for (size_t i = 0; i < list->len && st == TABLLM_OK; i++) {
            char sub[256];
            snprintf(sub, sizeof sub, "%s.normalizers[%zu]", path, i);
            st = tl_load_normalizer(t, d, tj_at(d, list, i), sub, depth + 1);
        }
        return st;
    }
    if (tj_str_eq(type, "NFC"))
        s.kind = TL_NORM_NFC;
    else if (tj_str_eq(type, "NFD"))
        s.kind = TL_NORM_NFD;
    else if (tj_str_eq(type, "NFKC"))
        s.kind = TL_NORM_NFKC;
    else if (tj_str_eq(type, "NFKD"))
        s.kind = TL_NORM_NFKD;
    else if (tj_str_eq(type, "Lowercase"))
        s.kind = TL_NORM_LOWERCASE;
    else if (tj_str_eq(type, "StripAccents"))
        s.kind = TL_NORM_STRIP_ACCENTS;
    else if (tj_str_eq(type, "Strip")) {
        s.kind = TL_NORM_STRIP;
        s.left = s.right = true;
        if ((st = tj_opt_bool(d, n, "strip_left", path, &s.left)) != TABLLM_OK ||
            (st = tj_opt_bool(d, n, "strip_right", path, &s.right)) != TABLLM_OK)
            return st;
    } else if (tj_str_eq(type, "Replace")) {
        const tj_node *content;
        s.kind = TL_NORM_REPLACE;
        if ((st = tj_req(d, n, "content", TJ_STRING, path, &content)) != TABLLM_OK)
            return st;
        if ((s.content = dup_str(t, content)) == NULL)
            return TABLLM_ERR_OUT_OF_MEMORY;
        s.content_len = content->len;
        if ((st = read_pattern(t, d, n, path, &s.pattern)) != TABLLM_OK)
            return st;
    } else if (tj_str_eq(type, "Prepend")) {
        const tj_node *content;
        s.kind = TL_NORM_PREPEND;
        if ((st = tj_req(d, n, "prepend", TJ_STRING, path, &content)) != TABLLM_OK)
            return st;
        if ((s.content = dup_str(t, content)) == NULL)
            return TABLLM_ERR_OUT_OF_MEMORY;
        s.content_len = content->len;
    } else {
        return unsupported(d, type, path);
    }
    st = add_norm(t, s);
    if (st != TABLLM_OK)
        tl_pattern_free(&s.pattern);
    return st;
}

/* ---- pre-tokenizers ---- */

static tabllm_status add_pre(tabllm_tokenizer *t, tl_pre_step s)
{
    if (t->n_pre >= TL_TOK_MAX_STEPS)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "more than %d pre-tokenizers", TL_TOK_MAX_STEPS);
    tl_pre_step *v = tl_realloc(t->pre, (t->n_pre + 1) * sizeof *v);
    if (v == NULL)
        return tl_error_oom("pre-tokenizers");
    t->pre = v;
    t->pre[t->n_pre++] = s;
    return TABLLM_OK;
}

static tabllm_status read_behavior(const tj_doc *d, const tj_node *n, const char *path,
                                   tl_split_behavior *out)
{
    const tj_node *b = tj_get(d, n, "behavior");
    if (b == NULL)
        return TABLLM_OK;
    static const char *names[] = {"Removed", "Isolated", "MergedWithPrevious", "MergedWithNext",
                                  "Contiguous"};
    for (int k = 0; k < 5; k++)
        if (tj_str_eq(b, names[k])) {
            *out = (tl_split_behavior)k;
            return TABLLM_OK;
        }
    return tj_error(d, b, "%s.behavior: expected Removed, Isolated, MergedWithPrevious, "
                    "MergedWithNext or Contiguous", path);
}

static tabllm_status read_prepend_scheme(const tj_doc *d, const tj_node *n, const char *path,
                                         tl_prepend_scheme *out)
{
    const tj_node *p = tj_get(d, n, "prepend_scheme");
    if (p == NULL || p->type == TJ_NULL) {
        /* Files older than prepend_scheme say add_prefix_space. */
        bool add = true;
        tabllm_status st = tj_opt_bool(d, n, "add_prefix_space", path, &add);
        *out = add ? TL_PREPEND_ALWAYS : TL_PREPEND_NEVER;
        return st;
    }
    if (tj_str_eq(p, "always"))
        *out = TL_PREPEND_ALWAYS;
    else if (tj_str_eq(p, "first"))
        *out = TL_PREPEND_FIRST;
    else if (tj_str_eq(p, "never"))
        *out = TL_PREPEND_NEVER;
    else
        return tj_error(d, p, "%s.prepend_scheme: expected always, first or never", path);
    return TABLLM_OK;
}

static const char GPT2_REGEX[] =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

tabllm_status tl_load_pre_tokenizer(tabllm_tokenizer *t, const tj_doc *d, const tj_node *n,
                                    const char *path, int depth)
{
    const tj_node *type;
    tabllm_status st = type_of(d, n, path, &type);
    if (st != TABLLM_OK)
        return st;
    if (depth > 8)
        return tj_error(d, n, "%s: Sequence nested too deeply", path);
    tl_pre_step s;
    memset(&s, 0, sizeof s);
    char where[256];
    snprintf(where, sizeof where, "%s: %s", d->name, path);
    if (tj_str_eq(type, "Sequence")) {
        const tj_node *list;
        if ((st = tj_req(d, n, "pretokenizers", TJ_ARRAY, path, &list)) != TABLLM_OK)
            return st;
        for (size_t i = 0; i < list->len && st == TABLLM_OK; i++) {
            char sub[256];
            snprintf(sub, sizeof sub, "%s.pretokenizers[%zu]", path, i);
            st = tl_load_pre_tokenizer(t, d, tj_at(d, list, i), sub, depth + 1);
        }
        return st;
    }
    if (tj_str_eq(type, "ByteLevel")) {
        s.kind = TL_PRE_BYTE_LEVEL;
        s.add_prefix_space = true;
        s.use_regex = true;
        if ((st = tj_opt_bool(d, n, "add_prefix_space", path, &s.add_prefix_space)) != TABLLM_OK ||
            (st = tj_opt_bool(d, n, "use_regex", path, &s.use_regex)) != TABLLM_OK)
            return st;
        if (s.use_regex &&
            (st = tl_pattern_compile_regex(&s.pattern, GPT2_REGEX, sizeof GPT2_REGEX - 1, where)) !=
                TABLLM_OK)
            return st;
    } else if (tj_str_eq(type, "Split")) {
        s.kind = TL_PRE_SPLIT;
        s.behavior = TL_SPLIT_REMOVED;
        const tj_node *b;
        if ((st = tj_req(d, n, "behavior", TJ_STRING, path, &b)) != TABLLM_OK ||
            (st = read_behavior(d, n, path, &s.behavior)) != TABLLM_OK ||
            (st = tj_opt_bool(d, n, "invert", path, &s.invert)) != TABLLM_OK ||
            (st = read_pattern(t, d, n, path, &s.pattern)) != TABLLM_OK)
            return st;
    } else if (tj_str_eq(type, "Metaspace")) {
        s.kind = TL_PRE_METASPACE;
        s.split = true;
        if ((st = one_char(d, tj_get(d, n, "replacement"), path, s.rep, &s.rep_len, &s.rep_cp)) !=
                TABLLM_OK ||
            (st = read_prepend_scheme(d, n, path, &s.prepend)) != TABLLM_OK ||
            (st = tj_opt_bool(d, n, "split", path, &s.split)) != TABLLM_OK)
            return st;
    } else if (tj_str_eq(type, "Digits")) {
        s.kind = TL_PRE_DIGITS;
        if ((st = tj_opt_bool(d, n, "individual_digits", path, &s.individual_digits)) != TABLLM_OK)
            return st;
    } else if (tj_str_eq(type, "Whitespace")) {
        static const char re[] = "\\w+|[^\\w\\s]+";
        s.kind = TL_PRE_WHITESPACE;
        if ((st = tl_pattern_compile_regex(&s.pattern, re, sizeof re - 1, where)) != TABLLM_OK)
            return st;
    } else if (tj_str_eq(type, "WhitespaceSplit")) {
        s.kind = TL_PRE_WHITESPACE_SPLIT;
    } else if (tj_str_eq(type, "Punctuation")) {
        s.kind = TL_PRE_PUNCTUATION;
        s.behavior = TL_SPLIT_ISOLATED;
        if ((st = read_behavior(d, n, path, &s.behavior)) != TABLLM_OK)
            return st;
    } else {
        return unsupported(d, type, path);
    }
    st = add_pre(t, s);
    if (st != TABLLM_OK)
        tl_pattern_free(&s.pattern);
    return st;
}

/* ---- post-processors ---- */

/* A fixed sequence of ids, for Roberta/Bert cls and sep. */
static tabllm_status pair_token(tabllm_tokenizer *t, const tj_doc *d, const tj_node *n,
                                const char *key, const char *path, int32_t **ids)
{
    const tj_node *v;
    tabllm_status st = tj_req(d, n, key, TJ_ARRAY, path, &v);
    if (st != TABLLM_OK)
        return st;
    if (v->len != 2 || tj_at(d, v, 0)->type != TJ_STRING || tj_at(d, v, 1)->type != TJ_NUMBER ||
        !tj_at(d, v, 1)->is_int)
        return tj_error(d, v, "%s.%s: expected [token, id]", path, key);
    int64_t id = tj_at(d, v, 1)->u.num.integer;
    if (id < 0 || (uint64_t)id >= t->n_ids)
        return tj_error(d, v, "%s.%s: id %lld is outside the vocabulary", path, key, (long long)id);
    *ids = tl_arena_alloc(&t->arena, sizeof(int32_t));
    if (*ids == NULL)
        return TABLLM_ERR_OUT_OF_MEMORY;
    **ids = (int32_t)id;
    return TABLLM_OK;
}

static tabllm_status tpl_add(tl_tpl_piece **v, size_t *n, tl_tpl_piece p)
{
    if (*n >= 64)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "template with more than 64 pieces");
    tl_tpl_piece *w = tl_realloc(*v, (*n + 1) * sizeof *w);
    if (w == NULL)
        return tl_error_oom("template");
    *v = w;
    w[(*n)++] = p;
    return TABLLM_OK;
}

static tabllm_status read_template(tabllm_tokenizer *t, const tj_doc *d, const tj_node *n,
                                   const char *key, const char *path, tl_tpl_piece **out,
                                   size_t *n_out)
{
    const tj_node *list, *specials = tj_get(d, n, "special_tokens");
    tabllm_status st = tj_req(d, n, key, TJ_ARRAY, path, &list);
    if (st != TABLLM_OK)
        return st;
    for (size_t i = 0; i < list->len; i++) {
        const tj_node *item = tj_at(d, list, i);
        if (item->type != TJ_OBJECT || item->len != 1)
            return tj_error(d, item, "%s.%s[%zu]: expected {\"Sequence\": ...} or "
                            "{\"SpecialToken\": ...}", path, key, i);
        const tj_node *kind = tj_key(d, item, 0), *body = tj_val(d, item, 0);
        const tj_node *id;
        if ((st = tj_req(d, body, "id", TJ_STRING, path, &id)) != TABLLM_OK)
            return st;
        tl_tpl_piece p = {0};
        if (tj_str_eq(kind, "Sequence")) {
            p.is_seq = true;
            if (tj_str_eq(id, "A"))
                p.seq = 0;
            else if (tj_str_eq(id, "B"))
                p.seq = 1;
            else
                return tj_error(d, id, "%s.%s[%zu]: sequence id must be A or B", path, key, i);
        } else if (tj_str_eq(kind, "SpecialToken")) {
            /* special_tokens maps the name to the ids it stands for. */
            const tj_node *spec = NULL;
            if (specials && specials->type == TJ_OBJECT)
                for (size_t k = 0; k < specials->len; k++)
                    if (tj_key(d, specials, k)->len == id->len &&
                        memcmp(tj_key(d, specials, k)->u.str, id->u.str, id->len) == 0)
                        spec = tj_val(d, specials, k);
            if (spec == NULL)
                return tj_error(d, id, "%s.%s[%zu]: special token \"%.*s\" is missing from "
                                "special_tokens", path, key, i, (int)id->len, id->u.str);
            const tj_node *ids;
            if ((st = tj_req(d, spec, "ids", TJ_ARRAY, path, &ids)) != TABLLM_OK)
                return st;
            if (ids->len > 64)
                return tj_error(d, ids, "%s: more than 64 ids for one special token", path);
            int32_t *v = tl_arena_alloc(&t->arena, (ids->len + 1) * sizeof *v);
            if (v == NULL)
                return TABLLM_ERR_OUT_OF_MEMORY;
            for (size_t k = 0; k < ids->len; k++) {
                const tj_node *x = tj_at(d, ids, k);
                if (x->type != TJ_NUMBER || !x->is_int || x->u.num.integer < 0 ||
                    (uint64_t)x->u.num.integer >= t->n_ids)
                    return tj_error(d, x, "%s: special token id outside the vocabulary", path);
                v[k] = (int32_t)x->u.num.integer;
            }
            p.ids = v;
            p.n_ids = ids->len;
        } else {
            return tj_error(d, kind, "%s.%s[%zu]: unknown template piece", path, key, i);
        }
        if ((st = tpl_add(out, n_out, p)) != TABLLM_OK)
            return st;
    }
    return TABLLM_OK;
}

static tabllm_status set_post(tabllm_tokenizer *t, const tj_doc *d, const char *path)
{
    if (t->post.present)
        return tl_error(TABLLM_ERR_UNSUPPORTED, "%s: %s: more than one post-processor that "
                        "adds tokens in a Sequence", d->name, path);
    t->post.present = true;
    return TABLLM_OK;
}

tabllm_status tl_load_post_processor(tabllm_tokenizer *t, const tj_doc *d, const tj_node *n,
                                     const char *path, int depth)
{
    const tj_node *type;
    tabllm_status st = type_of(d, n, path, &type);
    if (st != TABLLM_OK)
        return st;
    if (depth > 8)
        return tj_error(d, n, "%s: Sequence nested too deeply", path);
    if (tj_str_eq(type, "Sequence")) {
        const tj_node *list;
        if ((st = tj_req(d, n, "processors", TJ_ARRAY, path, &list)) != TABLLM_OK)
            return st;
        for (size_t i = 0; i < list->len && st == TABLLM_OK; i++) {
            char sub[256];
            snprintf(sub, sizeof sub, "%s.processors[%zu]", path, i);
            st = tl_load_post_processor(t, d, tj_at(d, list, i), sub, depth + 1);
        }
        return st;
    }
    if (tj_str_eq(type, "ByteLevel") || tj_str_eq(type, "RobertaProcessing")) {
        /* trim_offsets changes offsets only, never ids */
        bool trim = true, prefix = true;
        if ((st = tj_opt_bool(d, n, "trim_offsets", path, &trim)) != TABLLM_OK ||
            (st = tj_opt_bool(d, n, "add_prefix_space", path, &prefix)) != TABLLM_OK)
            return st;
        t->post.trim_offsets |= trim;
        t->post.trim_prefix_space = prefix;
        if (tj_str_eq(type, "ByteLevel"))
            return TABLLM_OK;
    }
    if (tj_str_eq(type, "TemplateProcessing")) {
        if ((st = set_post(t, d, path)) != TABLLM_OK)
            return st;
        if ((st = read_template(t, d, n, "single", path, &t->post.single, &t->post.n_single)) !=
            TABLLM_OK)
            return st;
        return read_template(t, d, n, "pair", path, &t->post.pair, &t->post.n_pair);
    }
    bool roberta = tj_str_eq(type, "RobertaProcessing");
    if (roberta || tj_str_eq(type, "BertProcessing")) {
        int32_t *cls, *sep;
        if ((st = set_post(t, d, path)) != TABLLM_OK ||
            (st = pair_token(t, d, n, "cls", path, &cls)) != TABLLM_OK ||
            (st = pair_token(t, d, n, "sep", path, &sep)) != TABLLM_OK)
            return st;
        /* Bert: [CLS] A [SEP] / [CLS] A [SEP] B [SEP];
         * Roberta: <s> A </s> / <s> A </s> </s> B </s>. */
        tl_tpl_piece c = {false, 0, cls, 1}, s = {false, 0, sep, 1}, a = {true, 0, NULL, 0},
                     b = {true, 1, NULL, 0};
        tl_tpl_piece single[] = {c, a, s};
        for (int k = 0; k < 3 && st == TABLLM_OK; k++)
            st = tpl_add(&t->post.single, &t->post.n_single, single[k]);
        tl_tpl_piece pr[] = {c, a, s, s, b, s}, pb[] = {c, a, s, b, s};
        for (int k = 0; k < (roberta ? 6 : 5) && st == TABLLM_OK; k++)
            st = tpl_add(&t->post.pair, &t->post.n_pair, roberta ? pr[k] : pb[k]);
        return st;
    }
    return unsupported(d, type, path);
}

/* ---- decoders ---- */

static tabllm_status add_dec(tabllm_tokenizer *t, tl_dec_step s)
{
    if (t->n_dec >= TL_TOK_MAX_STEPS)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "more than %d decoders", TL_TOK_MAX_STEPS);
    tl_dec_step *v = tl_realloc(t->dec, (t->n_dec + 1) * sizeof *v);
    if (v == NULL)
        return tl_error_oom("decoders");
    t->dec = v;
    t->dec[t->n_dec++] = s;
    return TABLLM_OK;
}

tabllm_status tl_load_decoder(tabllm_tokenizer *t, const tj_doc *d, const tj_node *n,
                              const char *path, int depth)
{
    const tj_node *type;
    tabllm_status st = type_of(d, n, path, &type);
    if (st != TABLLM_OK)
        return st;
    if (depth > 8)
        return tj_error(d, n, "%s: Sequence nested too deeply", path);
    tl_dec_step s;
    memset(&s, 0, sizeof s);
    if (tj_str_eq(type, "Sequence")) {
        const tj_node *list;
        if ((st = tj_req(d, n, "decoders", TJ_ARRAY, path, &list)) != TABLLM_OK)
            return st;
        for (size_t i = 0; i < list->len && st == TABLLM_OK; i++) {
            char sub[256];
            snprintf(sub, sizeof sub, "%s.decoders[%zu]", path, i);
            st = tl_load_decoder(t, d, tj_at(d, list, i), sub, depth + 1);
        }
        return st;
    }
    if (tj_str_eq(type, "ByteLevel")) {
        s.kind = TL_DEC_BYTE_LEVEL;
    } else if (tj_str_eq(type, "ByteFallback")) {
        s.kind = TL_DEC_BYTE_FALLBACK;
    } else if (tj_str_eq(type, "Fuse")) {
        s.kind = TL_DEC_FUSE;
    } else if (tj_str_eq(type, "Metaspace")) {
        char rep[4];
        size_t rep_len;
        tl_prepend_scheme ps;
        s.kind = TL_DEC_METASPACE;
        if ((st = one_char(d, tj_get(d, n, "replacement"), path, rep, &rep_len, &s.rep_cp)) !=
                TABLLM_OK ||
            (st = read_prepend_scheme(d, n, path, &ps)) != TABLLM_OK)
            return st;
        s.prepend_never = ps == TL_PREPEND_NEVER;
    } else if (tj_str_eq(type, "Replace")) {
        const tj_node *content;
        s.kind = TL_DEC_REPLACE;
        if ((st = tj_req(d, n, "content", TJ_STRING, path, &content)) != TABLLM_OK)
            return st;
        if ((s.content = dup_str(t, content)) == NULL)
            return TABLLM_ERR_OUT_OF_MEMORY;
        s.content_len = content->len;
        if ((st = read_pattern(t, d, n, path, &s.pattern)) != TABLLM_OK)
            return st;
    } else if (tj_str_eq(type, "Strip")) {
        char rep[4];
        size_t rep_len;
        uint64_t a = 0, b = 0;
        s.kind = TL_DEC_STRIP;
        if ((st = one_char(d, tj_get(d, n, "content"), path, rep, &rep_len, &s.strip_cp)) !=
                TABLLM_OK ||
            (st = tj_opt_uint(d, n, "start", path, 1u << 20, &a)) != TABLLM_OK ||
            (st = tj_opt_uint(d, n, "stop", path, 1u << 20, &b)) != TABLLM_OK)
            return st;
        s.strip_start = (size_t)a;
        s.strip_stop = (size_t)b;
    } else {
        return unsupported(d, type, path);
    }
    st = add_dec(t, s);
    if (st != TABLLM_OK)
        tl_pattern_free(&s.pattern);
    return st;
}
