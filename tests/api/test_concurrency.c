/* Several threads sharing one model, one tokenizer and the same inputs,
 * each with its own session: tokenize, run the model, sample a few tokens,
 * read and encode tables, render a chat template. Every thread must get
 * exactly what one thread alone gets. Built in the normal, sanitizer and
 * valgrind runs, and in the ThreadSanitizer build (suite 'tsan',
 * tests/run-all.sh), where any data race fails it.
 *
 * The thread-safety rules it checks are the ones tabllm.h states per handle:
 * a model, tokenizer or table may be shared once loaded; a session or decode
 * stream belongs to one thread at a time. */
#include <pthread.h>
#include <stdint.h>

#include "../common/test_util.h"
#include "../unit/model/tiny_model.h"

enum { N_THREADS = 4, ROUNDS = 2, GEN = 6 };

static tabllm_model *model;
static tabllm_tokenizer *tokenizer;
static char *model_dir;
static char *chat_template;

static const char csv[] = "name,qty,note\nApple,3,\"red, sweet\"\nPear,,\"says \"\"hi\"\"\"\n"
                          "Fig,12,plain\n";
static const char html[] = "<table><tr><th>City</th><th>Pop</th></tr>"
                           "<tr><td>Paris</td><td>2,102,650</td></tr>"
                           "<tr><td rowspan=2>Lyon</td><td>522,250</td></tr>"
                           "<tr><td>1</td></tr></table>";
static const char json[] = "{\"columns\": [\"a\", \"b\"], \"data\": [[1, \"x\"], [2.50, null]]}";

/* Everything one thread computes. */
typedef struct result {
    tabllm_status st;
    char where[64];
    tabllm_token ids[64];
    size_t n_ids;
    char decoded[256];
    char streamed[256];
    float logits[16];
    tabllm_token generated[GEN];
    char tables[3][512];
    char chat[1024];
} result;

#define CHECK(call, what)                                                                 \
    do {                                                                                  \
        if ((r->st = (call)) != TABLLM_OK) {                                              \
            snprintf(r->where, sizeof r->where, "%s: %s", what, tabllm_last_error());      \
            return;                                                                       \
        }                                                                                 \
    } while (0)

static void tokenize(result *r)
{
    static const char text[] = "Hello, wörld! <s> the table has 3 rows: Apple, Pear, Fig 😀";
    CHECK(tabllm_tokenizer_encode(tokenizer, text, sizeof text - 1, TABLLM_TOKENIZE_ADD_SPECIAL,
                                  r->ids, 64, &r->n_ids, NULL),
          "encode");
    size_t len;
    CHECK(tabllm_tokenizer_decode(tokenizer, r->ids, r->n_ids, 0, r->decoded, sizeof r->decoded,
                                  &len),
          "decode");
    tabllm_decode_stream *s;
    CHECK(tabllm_decode_stream_new(tokenizer, 0, &s), "stream");
    size_t at = 0;
    for (size_t i = 0; i < r->n_ids; i++) {
        if ((r->st = tabllm_decode_stream_step(s, r->ids[i], r->streamed + at,
                                               sizeof r->streamed - at, &len)) != TABLLM_OK)
            break;
        at += len;
    }
    tabllm_decode_stream_free(s);
    CHECK(r->st, "stream step");
}

/* Prefill the token ids (folded into the tiny vocabulary), then generate
 * GEN tokens by sampling with temperature, one decode per token. */
static void run_model(result *r)
{
    tabllm_session_params sp;
    tabllm_session_params_init(&sp, sizeof sp);
    sp.n_threads = 2; /* the session's own pool, next to the other threads */
    sp.n_ctx = 64;
    sp.seed = 42;
    tabllm_session *s;
    CHECK(tabllm_session_new(model, &sp, &s), "session");
    tabllm_token prompt[64];
    for (size_t i = 0; i < r->n_ids; i++)
        prompt[i] = (tabllm_token)((uint32_t)r->ids[i] % 16u);
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = (uint32_t)r->n_ids, .tokens = prompt};
    const float *l;
    if ((r->st = tabllm_session_decode(s, &b)) == TABLLM_OK &&
        (r->st = tabllm_session_logits(s, -1, &l)) == TABLLM_OK)
        memcpy(r->logits, l, sizeof r->logits);
    tabllm_sampler_params p;
    tabllm_sampler_params_init(&p, sizeof p);
    p.temperature = 0.8f;
    p.top_k = 8;
    p.repetition_penalty = 1.1f;
    for (int i = 0; i < GEN && r->st == TABLLM_OK; i++) {
        if ((r->st = tabllm_session_sample(s, -1, &p, r->generated, (size_t)i,
                                           &r->generated[i])) != TABLLM_OK)
            break;
        tabllm_batch one = {.struct_size = sizeof one, .n_tokens = 1, .tokens = &r->generated[i]};
        r->st = tabllm_session_decode(s, &one);
    }
    if (r->st != TABLLM_OK)
        snprintf(r->where, sizeof r->where, "model: %s", tabllm_last_error());
    tabllm_session_free(s);
}

static void tables(result *r)
{
    static const struct {
        const char *data;
        size_t len;
        tabllm_table_format format;
        tabllm_encoding encoding;
    } in[3] = {
        {csv, sizeof csv - 1, TABLLM_TABLE_FORMAT_CSV, TABLLM_ENCODING_MARKDOWN},
        {html, sizeof html - 1, TABLLM_TABLE_FORMAT_HTML, TABLLM_ENCODING_JSON},
        {json, sizeof json - 1, TABLLM_TABLE_FORMAT_JSON, TABLLM_ENCODING_HTML},
    };
    for (int i = 0; i < 3; i++) {
        tabllm_table_read_params rp;
        tabllm_table_read_params_init(&rp, sizeof rp);
        rp.format = in[i].format;
        tabllm_table *t;
        CHECK(tabllm_table_from_memory(in[i].data, in[i].len, &rp, &t), "table");
        tabllm_encode_params e;
        tabllm_encode_params_init(&e, sizeof e);
        e.encoding = in[i].encoding;
        e.row_sampling = TABLLM_ROWS_RELEVANT;
        e.max_rows = 2;
        e.question = "How many apples are in Paris?";
        e.count_tokens = tabllm_tokenizer_count_tokens;
        e.count_tokens_user_data = tokenizer;
        e.max_tokens = 200;
        char *out;
        r->st = tabllm_table_encode(t, &e, &out, NULL);
        tabllm_table_free(t);
        CHECK(r->st, "encode table");
        snprintf(r->tables[i], sizeof r->tables[i], "%s", out);
        tabllm_free(out);
    }
}

static void chat(result *r)
{
    tabllm_chat_message msgs[3] = {{"system", "Answer from the table."},
                                   {"user", "| a |\n|---|\n| 1 |\nWhat is a?"},
                                   {"assistant", "1"}};
    tabllm_chat_params p;
    tabllm_chat_params_init(&p, sizeof p);
    p.flags = TABLLM_CHAT_ADD_GENERATION_PROMPT;
    p.bos_token = "<|begin_of_text|>";
    p.now = 1721984700;
    char *out;
    CHECK(tabllm_chat_template_render(chat_template, msgs, 3, &p, &out, NULL), "chat");
    snprintf(r->chat, sizeof r->chat, "%s", out);
    tabllm_free(out);
}

static void *work(void *arg)
{
    result *r = arg;
    for (int round = 0; round < ROUNDS; round++) {
        memset(r, 0, sizeof *r);
        tokenize(r);
        if (r->st == TABLLM_OK)
            run_model(r);
        if (r->st == TABLLM_OK)
            tables(r);
        if (r->st == TABLLM_OK)
            chat(r);
        if (r->st != TABLLM_OK)
            break;
    }
    return NULL;
}

static int setup(void **state)
{
    (void)state;
    /* OpenBLAS' own threads are not instrumented for the race detector, and
     * the sessions' pools are what is under test: one BLAS thread. */
    tabllm_set_blas_threads(1, NULL);
    model_dir = tiny_model(NULL, NULL, NULL, NULL);
    if (tabllm_model_load(model_dir, NULL, &model) != TABLLM_OK)
        return -1;
    char *path = test_data_path("tokenizer/bytelevel.json");
    tabllm_status st = tabllm_tokenizer_load(path, NULL, &tokenizer);
    free(path);
    if (st != TABLLM_OK)
        return -1;
    path = test_data_path("chat/llama-3.1-instruct.jinja");
    FILE *f = fopen(path, "rb");
    free(path);
    if (f == NULL)
        return -1;
    chat_template = calloc(1, 1 << 16);
    size_t n = fread(chat_template, 1, (1 << 16) - 1, f);
    fclose(f);
    return n > 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tabllm_model_free(model);
    tabllm_tokenizer_free(tokenizer);
    tiny_remove(model_dir);
    free(chat_template);
    return 0;
}

static void assert_same(const result *a, const result *b)
{
    assert_int_equal(a->n_ids, b->n_ids);
    assert_memory_equal(a->ids, b->ids, a->n_ids * sizeof *a->ids);
    assert_string_equal(a->decoded, b->decoded);
    assert_string_equal(a->streamed, b->streamed);
    assert_memory_equal(a->logits, b->logits, sizeof a->logits);
    assert_memory_equal(a->generated, b->generated, sizeof a->generated);
    for (int i = 0; i < 3; i++)
        assert_string_equal(a->tables[i], b->tables[i]);
    assert_string_equal(a->chat, b->chat);
}

static void test_shared_handles(void **state)
{
    (void)state;
    static result one, many[N_THREADS];
    work(&one);
    if (one.st != TABLLM_OK)
        fail_msg("alone: %s", one.where);
    assert_string_equal(one.streamed, one.decoded);
    pthread_t th[N_THREADS];
    for (int i = 0; i < N_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, work, &many[i]), 0);
    for (int i = 0; i < N_THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < N_THREADS; i++) {
        if (many[i].st != TABLLM_OK)
            fail_msg("thread %d: %s", i, many[i].where);
        assert_same(&many[i], &one);
    }
}

/* One session handed from thread to thread (one at a time) keeps its state. */
static void *continue_session(void *arg)
{
    tabllm_session *s = arg;
    tabllm_token t = 3;
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = 1, .tokens = &t};
    return tabllm_session_decode(s, &b) == TABLLM_OK ? s : NULL;
}

static void test_session_moves(void **state)
{
    (void)state;
    tabllm_session_params sp;
    tabllm_session_params_init(&sp, sizeof sp);
    sp.n_threads = 2;
    sp.n_ctx = 16;
    tabllm_session *s;
    assert_ok(tabllm_session_new(model, &sp, &s));
    for (int i = 0; i < 4; i++) {
        pthread_t th;
        void *ret;
        assert_int_equal(pthread_create(&th, NULL, continue_session, s), 0);
        assert_int_equal(pthread_join(th, &ret), 0);
        assert_ptr_equal(ret, s);
    }
    assert_int_equal(tabllm_session_seq_length(s, 0), 4);
    tabllm_session_free(s);
}

/* Freeing the model while a session on another thread still runs is safe:
 * the session holds its own reference. */
static void *use_after_owner_free(void *arg)
{
    tabllm_session *s = arg;
    tabllm_token toks[5] = {1, 2, 3, 4, 5};
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = 5, .tokens = toks};
    tabllm_status st = tabllm_session_decode(s, &b);
    tabllm_session_free(s);
    return st == TABLLM_OK ? arg : NULL;
}

static void test_free_order(void **state)
{
    (void)state;
    tabllm_model *m;
    assert_ok(tabllm_model_load(model_dir, NULL, &m));
    tabllm_session *s[2];
    for (int i = 0; i < 2; i++)
        assert_ok(tabllm_session_new(m, NULL, &s[i]));
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, use_after_owner_free, s[i]), 0);
    tabllm_model_free(m); /* while the threads may still be decoding */
    for (int i = 0; i < 2; i++) {
        void *ret;
        assert_int_equal(pthread_join(th[i], &ret), 0);
        assert_non_null(ret);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_handles),
        cmocka_unit_test(test_session_moves),
        cmocka_unit_test(test_free_order),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
