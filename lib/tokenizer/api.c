/* The public tokenizer API (tabllm.h section 3). */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/file.h"
#include "base/params.h"
#include "base/pool.h"
#include "base/utf8.h"
#include "tokenizer/ws.h"

static const tabllm_tokenizer_params default_params = {
    .struct_size = sizeof(tabllm_tokenizer_params),
    .max_file_bytes = TL_TOK_MAX_FILE_BYTES,
};

tabllm_status tabllm_tokenizer_params_init(tabllm_tokenizer_params *params, size_t struct_size)
{
    return tl_params_init(params, struct_size, &default_params, sizeof default_params,
                          "tabllm_tokenizer_params");
}

static tabllm_status read_params(const tabllm_tokenizer_params *in, tabllm_tokenizer_params *p)
{
    *p = default_params;
    return tl_params_read(p, sizeof *p, in, "tabllm_tokenizer_params");
}

tabllm_status tabllm_tokenizer_from_memory(const char *json, size_t len,
                                           const tabllm_tokenizer_params *params,
                                           tabllm_tokenizer **out)
{
    if (out == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_tokenizer_from_memory: out is NULL");
    *out = NULL;
    tabllm_tokenizer_params p;
    tabllm_status st = read_params(params, &p);
    if (st != TABLLM_OK)
        return st;
    if (json == NULL && len > 0)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_tokenizer_from_memory: json is NULL");
    if (len > p.max_file_bytes)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "tokenizer.json: %zu bytes, more than the "
                        "limit of %llu", len, (unsigned long long)p.max_file_bytes);
    return tl_tokenizer_parse("tokenizer.json", json ? json : "", len, out);
}

typedef tabllm_status (*apply_fn)(tabllm_tokenizer *, const char *, const char *, size_t);

static tabllm_status apply_file(tabllm_tokenizer *t, const char *dir, const char *name,
                                apply_fn fn)
{
    char *path = tl_path_join(dir, name);
    if (path == NULL)
        return TABLLM_ERR_OUT_OF_MEMORY;
    tabllm_status st = TABLLM_OK;
    if (tl_file_exists(path)) {
        char *text;
        size_t len;
        st = tl_file_read(path, (size_t)64 << 20, &text, &len);
        if (st == TABLLM_OK) {
            st = fn(t, path, text, len);
            tl_free(text);
        }
    }
    tl_free(path);
    return st;
}

tabllm_status tabllm_tokenizer_load(const char *path, const tabllm_tokenizer_params *params,
                                    tabllm_tokenizer **out)
{
    if (out == NULL || path == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_tokenizer_load: %s is NULL",
                        path ? "out" : "path");
    *out = NULL;
    tabllm_tokenizer_params p;
    tabllm_status st = read_params(params, &p);
    if (st != TABLLM_OK)
        return st;
    struct stat sb;
    bool is_dir = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
    char *file = is_dir ? tl_path_join(path, "tokenizer.json") : tl_strdup(path);
    if (file == NULL)
        return tl_error_oom("path");
    tl_mapped_file m;
    st = tl_file_map(file, &m);
    if (st == TABLLM_OK) {
        if (m.size > p.max_file_bytes)
            st = tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "%s: %zu bytes, more than the limit of %llu",
                          file, m.size, (unsigned long long)p.max_file_bytes);
        else
            st = tl_tokenizer_parse(file, m.data ? (const char *)m.data : "", m.size, out);
        tl_file_unmap(&m);
    }
    tl_free(file);
    if (st == TABLLM_OK && is_dir) {
        st = apply_file(*out, path, "tokenizer_config.json", tl_tokenizer_apply_config);
        if (st == TABLLM_OK)
            st = apply_file(*out, path, "generation_config.json",
                            tl_tokenizer_apply_generation_config);
        if (st != TABLLM_OK) {
            tl_tokenizer_destroy(*out);
            *out = NULL;
        }
    }
    return st;
}

void tabllm_tokenizer_free(tabllm_tokenizer *tokenizer)
{
    tl_tokenizer_destroy(tokenizer);
}

static tabllm_status check_utf8(const char *text, size_t len, const char *what)
{
    size_t ok = tl_utf8_valid_prefix(text, len);
    if (ok != len)
        return tl_error(TABLLM_ERR_INVALID_UTF8, "%s: invalid UTF-8 at byte offset %zu", what, ok);
    return TABLLM_OK;
}

/* Encodes one or two texts into ws (ids of A first, then B) and returns how
 * many belong to A. */
static tabllm_status encode_into(const tabllm_tokenizer *t, tl_ws *ws, const char *a, size_t alen,
                                 const char *b, size_t blen, bool pair, uint32_t flags,
                                 bool offs, size_t *n_a)
{
    tabllm_status st;
    if ((a == NULL && alen) || (pair && b == NULL && blen))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_tokenizer_encode: text is NULL");
    if ((st = check_utf8(a, alen, pair ? "text_a" : "text")) != TABLLM_OK)
        return st;
    if (pair && (st = check_utf8(b, blen, "text_b")) != TABLLM_OK)
        return st;
    bool sat = (flags & TABLLM_TOKENIZE_SPECIAL_AS_TEXT) != 0;
    ws->n = 0;
    if ((st = tl_encode_sequence(t, ws, a ? a : "", alen, sat, offs)) != TABLLM_OK)
        return st;
    *n_a = ws->n;
    if (pair)
        st = tl_encode_sequence(t, ws, b ? b : "", blen, sat, offs);
    return st;
}

/* ByteLevel's process_offsets: leading and trailing spaces of a token
 * (U+0120 in byte-level tokens, or whitespace) leave its offsets; a single
 * leading space of the first token stays when add_prefix_space put it there. */
static void trim_offsets(const tabllm_tokenizer *t, const char *text, const int32_t *ids,
                         tl_span *offs, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        const char *s = t->tok_str[ids[k]];
        size_t len = t->tok_len[ids[k]], lead = 0, trail = 0, i = 0;
        if (t->id_flags[ids[k]] & TL_ID_ADDED) {
            /* An added token's value is the text it matched, stripped
             * spaces (lstrip/rstrip) included. */
            s = text + offs[k].start;
            len = offs[k].end - offs[k].start;
        }
        while (i < len) {
            uint32_t cp;
            size_t m = tl_uc_next(s, len, i, &cp);
            if (cp != 0x120 && !tl_uc_is_space(cp))
                break;
            lead++;
            i += m;
        }
        for (size_t e = len; e > 0;) {
            size_t p = e - 1;
            while (p > 0 && ((unsigned char)s[p] & 0xC0) == 0x80)
                p--;
            uint32_t cp;
            tl_uc_next(s, len, p, &cp);
            if (cp != 0x120 && !tl_uc_is_space(cp))
                break;
            trail++;
            e = p;
        }
        tl_span *o = &offs[k];
        if (lead > 0) {
            if ((k == 0 || o->start == 0) && t->post.trim_prefix_space && lead == 1)
                lead = 0;
            o->start = o->start + lead < o->end ? o->start + lead : o->end;
        }
        if (trail > 0 && o->end >= trail)
            o->end = o->end - trail > o->start ? o->end - trail : o->start;
    }
}

/* Writes the result (with the post-processor's template when asked). */
/* The post-processor's template for this call, or NULL. */
static const tl_tpl_piece *template_for(const tabllm_tokenizer *t, bool pair, uint32_t flags,
                                        size_t *n_tpl)
{
    *n_tpl = 0;
    if (!(flags & TABLLM_TOKENIZE_ADD_SPECIAL) || !t->post.present)
        return NULL;
    *n_tpl = pair ? t->post.n_pair : t->post.n_single;
    return pair ? t->post.pair : t->post.single;
}

/* How many ids the call returns. */
static size_t out_count(const tabllm_tokenizer *t, const tl_ws *ws, size_t n_a, bool pair,
                        uint32_t flags)
{
    size_t n_tpl;
    const tl_tpl_piece *tpl = template_for(t, pair, flags, &n_tpl);
    if (tpl == NULL)
        return ws->n;
    size_t total = 0;
    for (size_t k = 0; k < n_tpl; k++)
        total += tpl[k].is_seq ? (tpl[k].seq == 0 ? n_a : ws->n - n_a) : tpl[k].n_ids;
    return total;
}

static tabllm_status write_out(const tabllm_tokenizer *t, const tl_ws *ws, size_t n_a, bool pair,
                               uint32_t flags, tabllm_token *ids, size_t cap, size_t *n_ids,
                               tabllm_token_offset *offsets)
{
    size_t n_tpl;
    const tl_tpl_piece *tpl = template_for(t, pair, flags, &n_tpl);
    size_t total = out_count(t, ws, n_a, pair, flags);
    *n_ids = total;
    if (total > cap)
        return tl_error(TABLLM_ERR_BUFFER_TOO_SMALL, "%zu token ids do not fit in %zu", total,
                        cap);
    if (tpl == NULL) {
        if (ws->n)
            memcpy(ids, ws->ids, ws->n * sizeof *ids);
        for (size_t i = 0; offsets && i < ws->n; i++)
            offsets[i] = (tabllm_token_offset){ws->offs[i].start, ws->offs[i].end};
        return TABLLM_OK;
    }
    size_t o = 0;
    for (size_t k = 0; k < n_tpl; k++) {
        if (!tpl[k].is_seq) {
            for (size_t j = 0; j < tpl[k].n_ids; j++, o++) {
                ids[o] = tpl[k].ids[j];
                if (offsets)
                    offsets[o] = (tabllm_token_offset){0, 0};
            }
            continue;
        }
        size_t s = tpl[k].seq == 0 ? 0 : n_a, e = tpl[k].seq == 0 ? n_a : ws->n;
        for (size_t i = s; i < e; i++, o++) {
            ids[o] = ws->ids[i];
            if (offsets)
                offsets[o] = (tabllm_token_offset){ws->offs[i].start, ws->offs[i].end};
        }
    }
    return TABLLM_OK;
}

static tabllm_status encode_api(const tabllm_tokenizer *t, const char *a, size_t alen,
                                const char *b, size_t blen, bool pair, uint32_t flags,
                                tabllm_token *ids, size_t cap, size_t *n_ids,
                                tabllm_token_offset *offsets)
{
    if (t == NULL || n_ids == NULL || (ids == NULL && cap > 0))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_tokenizer_encode: %s is NULL",
                        t == NULL ? "tokenizer" : n_ids == NULL ? "n_ids" : "ids");
    *n_ids = 0;
    if (flags & ~(TABLLM_TOKENIZE_ADD_SPECIAL | TABLLM_TOKENIZE_SPECIAL_AS_TEXT))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_tokenizer_encode: unknown flags 0x%x",
                        (unsigned)flags);
    tl_ws *ws = tl_ws_get(t);
    if (ws == NULL)
        return TABLLM_ERR_OUT_OF_MEMORY;
    size_t n_a = 0;
    tabllm_status st = encode_into(t, ws, a, alen, b, blen, pair, flags, offsets != NULL, &n_a);
    if (st == TABLLM_OK && offsets && t->post.trim_offsets) {
        trim_offsets(t, a, ws->ids, ws->offs, n_a);
        trim_offsets(t, b, ws->ids + n_a, ws->offs + n_a, ws->n - n_a);
    }
    if (st == TABLLM_OK)
        st = write_out(t, ws, n_a, pair, flags, ids, cap, n_ids, offsets);
    tl_ws_put(t, ws);
    return st;
}

tabllm_status tabllm_tokenizer_encode(const tabllm_tokenizer *tokenizer, const char *text,
                                      size_t len, uint32_t flags, tabllm_token *ids,
                                      size_t capacity, size_t *n_ids,
                                      tabllm_token_offset *offsets)
{
    return encode_api(tokenizer, text, len, NULL, 0, false, flags, ids, capacity, n_ids, offsets);
}

tabllm_status tabllm_tokenizer_encode_pair(const tabllm_tokenizer *tokenizer, const char *text_a,
                                           size_t len_a, const char *text_b, size_t len_b,
                                           uint32_t flags, tabllm_token *ids, size_t capacity,
                                           size_t *n_ids, tabllm_token_offset *offsets)
{
    return encode_api(tokenizer, text_a, len_a, text_b, len_b, true, flags, ids, capacity, n_ids,
                      offsets);
}

size_t tabllm_tokenizer_count_tokens(const char *text, size_t len, void *tokenizer)
{
    const tabllm_tokenizer *t = tokenizer;
    if (t == NULL) {
        tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_tokenizer_count_tokens: tokenizer is NULL");
        return SIZE_MAX;
    }
    tl_ws *ws = tl_ws_get(t);
    if (ws == NULL)
        return SIZE_MAX;
    size_t n_a = 0;
    tabllm_status st = encode_into(t, ws, text, len, NULL, 0, false, 0, false, &n_a);
    size_t n = ws->n;
    tl_ws_put(t, ws);
    return st == TABLLM_OK ? n : SIZE_MAX;
}

/* ---- batch ---- */

typedef struct batch {
    const tabllm_tokenizer *t;
    const char *const *texts;
    const size_t *lens;
    size_t n;
    uint32_t flags;
    atomic_size_t next;
    tabllm_token **res;
    size_t *counts;
    atomic_int failed;
    size_t fail_index;
    tabllm_status fail_status;
    char fail_msg[512];
    pthread_mutex_t lock;
} batch;

static void batch_worker(void *ctx, int index, int n_threads)
{
    batch *b = ctx;
    (void)index;
    (void)n_threads;
    for (;;) {
        size_t i = atomic_fetch_add(&b->next, 1);
        if (i >= b->n || atomic_load(&b->failed))
            return;
        /* Encode once into a workspace, then copy out at the final size. */
        tabllm_status st = TABLLM_ERR_OUT_OF_MEMORY;
        tl_ws *ws = tl_ws_get(b->t);
        if (ws) {
            size_t n_a = 0, need = 0;
            st = encode_into(b->t, ws, b->texts[i], b->lens[i], NULL, 0, false, b->flags, false,
                             &n_a);
            if (st == TABLLM_OK) {
                need = out_count(b->t, ws, n_a, false, b->flags);
                b->res[i] = tl_malloc((need ? need : 1) * sizeof(tabllm_token));
                st = b->res[i] ? write_out(b->t, ws, n_a, false, b->flags, b->res[i], need,
                                           &b->counts[i], NULL)
                               : tl_error_oom("batch ids");
            }
            tl_ws_put(b->t, ws);
        }
        if (st != TABLLM_OK) {
            pthread_mutex_lock(&b->lock);
            if (!atomic_load(&b->failed) || i < b->fail_index) {
                b->fail_index = i;
                b->fail_status = st;
                snprintf(b->fail_msg, sizeof b->fail_msg, "%s", tabllm_last_error());
            }
            atomic_store(&b->failed, 1);
            pthread_mutex_unlock(&b->lock);
            return;
        }
    }
}

tabllm_status tabllm_tokenizer_encode_batch(const tabllm_tokenizer *tokenizer,
                                            const char *const *texts, const size_t *lens,
                                            size_t n_texts, uint32_t flags, int n_threads,
                                            tabllm_token **ids, size_t **starts)
{
    if (tokenizer == NULL || ids == NULL || starts == NULL || (n_texts && (!texts || !lens)))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "tabllm_tokenizer_encode_batch: a required pointer is NULL");
    *ids = NULL;
    *starts = NULL;
    if (n_threads <= 0) {
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        n_threads = nc > 0 ? (int)nc : 1;
    }
    if (n_threads > 256)
        n_threads = 256;
    if ((size_t)n_threads > n_texts)
        n_threads = n_texts ? (int)n_texts : 1;
    batch b = {.t = tokenizer, .texts = texts, .lens = lens, .n = n_texts, .flags = flags};
    pthread_mutex_init(&b.lock, NULL);
    tabllm_status st = tl_calloc_array((void **)&b.res, n_texts ? n_texts : 1, sizeof *b.res,
                                       "batch");
    if (st == TABLLM_OK)
        st = tl_calloc_array((void **)&b.counts, n_texts ? n_texts : 1, sizeof *b.counts,
                             "batch");
    tl_pool *pool = NULL;
    if (st == TABLLM_OK && n_threads > 1)
        st = tl_pool_new(n_threads, &pool);
    if (st == TABLLM_OK) {
        if (pool)
            tl_pool_run(pool, batch_worker, &b);
        else
            batch_worker(&b, 0, 1);
        if (atomic_load(&b.failed))
            st = tl_error(b.fail_status, "texts[%zu]: %s", b.fail_index, b.fail_msg);
    }
    tl_pool_free(pool);
    size_t total = 0;
    for (size_t i = 0; st == TABLLM_OK && i < n_texts; i++)
        total += b.counts[i];
    if (st == TABLLM_OK) {
        *ids = tl_malloc((total ? total : 1) * sizeof **ids);
        *starts = tl_malloc((n_texts + 1) * sizeof **starts);
        if (*ids == NULL || *starts == NULL) {
            tl_free(*ids);
            tl_free(*starts);
            *ids = NULL;
            *starts = NULL;
            st = tl_error_oom("batch results");
        } else {
            size_t o = 0;
            for (size_t i = 0; i < n_texts; i++) {
                (*starts)[i] = o;
                memcpy(*ids + o, b.res[i], b.counts[i] * sizeof **ids);
                o += b.counts[i];
            }
            (*starts)[n_texts] = o;
        }
    }
    for (size_t i = 0; b.res && i < n_texts; i++)
        tl_free(b.res[i]);
    tl_free(b.res);
    tl_free(b.counts);
    pthread_mutex_destroy(&b.lock);
    return st;
}

/* ---- decoding ---- */

static tabllm_status copy_text(const char *s, size_t n, char *text, size_t cap, size_t *len)
{
    *len = n;
    if (cap < n + 1)
        return tl_error(TABLLM_ERR_BUFFER_TOO_SMALL, "%zu bytes of text (+1 for the NUL) do not "
                        "fit in %zu", n, cap);
    memcpy(text, s, n);
    text[n] = '\0';
    return TABLLM_OK;
}

tabllm_status tabllm_tokenizer_decode(const tabllm_tokenizer *t, const tabllm_token *ids,
                                      size_t n_ids, uint32_t flags, char *text, size_t capacity,
                                      size_t *len)
{
    if (t == NULL || len == NULL || (ids == NULL && n_ids) || (text == NULL && capacity))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_tokenizer_decode: a required "
                        "pointer is NULL");
    *len = 0;
    char *s;
    size_t n;
    tabllm_status st = tl_decode(t, ids, n_ids, (flags & TABLLM_DECODE_SKIP_SPECIAL) != 0, &s, &n);
    if (st != TABLLM_OK)
        return st;
    st = copy_text(s, n, text, capacity, len);
    tl_free(s);
    return st;
}

struct tabllm_decode_stream {
    const tabllm_tokenizer *t;
    bool skip;
    int32_t *ids;
    size_t n, cap;
    char *prefix;
    size_t prefix_len;
    size_t prefix_index;
};

tabllm_status tabllm_decode_stream_new(const tabllm_tokenizer *t, uint32_t flags,
                                       tabllm_decode_stream **out)
{
    if (t == NULL || out == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_decode_stream_new: NULL argument");
    *out = tl_calloc(1, sizeof **out);
    if (*out == NULL)
        return tl_error_oom("decode stream");
    (*out)->t = t;
    (*out)->skip = (flags & TABLLM_DECODE_SKIP_SPECIAL) != 0;
    (*out)->prefix = tl_strdup("");
    if ((*out)->prefix == NULL) {
        tl_free(*out);
        *out = NULL;
        return tl_error_oom("decode stream");
    }
    return TABLLM_OK;
}

/* DecodeStream::step: the text grows once the ids decode to more than the
 * prefix without ending in U+FFFD (an incomplete character). */
tabllm_status tabllm_decode_stream_step(tabllm_decode_stream *s, tabllm_token id, char *text,
                                        size_t capacity, size_t *len)
{
    if (s == NULL || len == NULL || (text == NULL && capacity))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_decode_stream_step: NULL argument");
    *len = 0;
    if (s->n == s->cap &&
        tl_grow_array((void **)&s->ids, &s->cap, s->n + 1, sizeof *s->ids, "decode stream") !=
            TABLLM_OK)
        return TABLLM_ERR_OUT_OF_MEMORY;
    s->ids[s->n] = id;
    char *str;
    size_t n;
    tabllm_status st = tl_decode(s->t, s->ids, s->n + 1, s->skip, &str, &n);
    if (st != TABLLM_OK)
        return st;
    bool grows = n > s->prefix_len && !(n >= 3 && memcmp(str + n - 3, "\xEF\xBF\xBD", 3) == 0);
    if (!grows) {
        tl_free(str);
        st = copy_text("", 0, text, capacity, len);
        if (st == TABLLM_OK)
            s->n++;
        return st;
    }
    if (memcmp(str, s->prefix, s->prefix_len) != 0) {
        /* Byte pieces (<0x..>) that form no character decode as one U+FFFD
         * per byte once a later token closes the run, rewriting text that
         * was already returned. Hugging Face's DecodeStream fails here too
         * (InvalidPrefix); the ids are not UTF-8, so that is the status. */
        tl_free(str);
        return tl_error(TABLLM_ERR_INVALID_UTF8,
                        "decode stream: id %d turns byte tokens already returned into invalid "
                        "UTF-8 (the text returned so far would change); start a new stream",
                        (int)id);
    }
    st = copy_text(str + s->prefix_len, n - s->prefix_len, text, capacity, len);
    tl_free(str);
    if (st != TABLLM_OK)
        return st;
    s->n++;
    size_t new_prefix_index = s->n - s->prefix_index;
    memmove(s->ids, s->ids + s->prefix_index, (s->n - s->prefix_index) * sizeof *s->ids);
    s->n -= s->prefix_index;
    char *p;
    size_t pn;
    st = tl_decode(s->t, s->ids, s->n, s->skip, &p, &pn);
    if (st != TABLLM_OK)
        return st;
    tl_free(s->prefix);
    s->prefix = p;
    s->prefix_len = pn;
    s->prefix_index = new_prefix_index;
    return TABLLM_OK;
}

void tabllm_decode_stream_free(tabllm_decode_stream *s)
{
    if (s == NULL)
        return;
    tl_free(s->ids);
    tl_free(s->prefix);
    tl_free(s);
}

/* ---- vocabulary ---- */

const char *tabllm_tokenizer_id_to_token(const tabllm_tokenizer *t, tabllm_token id)
{
    if (t == NULL || id < 0 || (size_t)id >= t->n_ids)
        return NULL;
    return t->tok_str[id];
}

tabllm_status tabllm_tokenizer_token_to_id(const tabllm_tokenizer *t, const char *token,
                                           size_t len, tabllm_token *out)
{
    if (t == NULL || out == NULL || (token == NULL && len))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_tokenizer_token_to_id: NULL argument");
    int32_t id = tl_tokenizer_lookup(t, token ? token : "", len);
    if (id < 0)
        return tl_error(TABLLM_ERR_NOT_FOUND, "token \"%.*s\" is not in the vocabulary",
                        (int)(len > 64 ? 64 : len), token);
    *out = id;
    return TABLLM_OK;
}

size_t tabllm_tokenizer_vocab_size(const tabllm_tokenizer *t)
{
    return t ? t->n_ids : 0;
}

tabllm_token tabllm_tokenizer_special_id(const tabllm_tokenizer *t, tabllm_special_token which)
{
    if (t == NULL)
        return -1;
    switch (which) {
    case TABLLM_SPECIAL_BOS: return t->bos_id;
    case TABLLM_SPECIAL_EOS: return t->eos_id;
    case TABLLM_SPECIAL_PAD: return t->pad_id;
    case TABLLM_SPECIAL_UNK: return t->unk_id;
    default: return -1;
    }
}

int tabllm_tokenizer_is_special(const tabllm_tokenizer *t, tabllm_token id)
{
    return t && id >= 0 && (size_t)id < t->n_ids && (t->id_flags[id] & TL_ID_SPECIAL) ? 1 : 0;
}
