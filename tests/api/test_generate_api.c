/* tabllm_generate through the shared library, on a small random model with
 * the byte-level test tokenizer: the loop agrees with decode + sample done by
 * hand, and every stop condition, the callback, cancellation and the errors
 * behave as documented. */
#include "../common/test_util.h"
#include "../common/tiny_model.h"

typedef struct fixture {
    char *dir;
    tabllm_model *model;
    tabllm_tokenizer *tok;
    tabllm_session *s;
} fixture;

static const tabllm_token prompt[] = {40, 71, 72, 73, 10, 99, 100, 33};
#define N_PROMPT (sizeof prompt / sizeof prompt[0])

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    tiny_model_shape sh = {.vocab = 276, .hidden = 32, .ff = 64, .layers = 2, .heads = 4,
                           .kv_heads = 2, .max_pos = 256, .bos = -1, .eos = 275, .seed = 11,
                           .scale = 0.4f};
    f->dir = tiny_model_write(&sh);
    char *tp = test_data_path("tokenizer/bytelevel.json");
    assert_ok(tabllm_tokenizer_load(tp, NULL, &f->tok));
    free(tp);
    assert_ok(tabllm_model_load(f->dir, NULL, &f->model));
    tabllm_session_params sp;
    tabllm_session_params_init(&sp, sizeof sp);
    sp.n_ctx = 64;
    sp.n_seq_max = 2;
    assert_ok(tabllm_session_new(f->model, &sp, &f->s));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tabllm_session_free(f->s);
    tabllm_model_free(f->model);
    tabllm_tokenizer_free(f->tok);
    tiny_model_remove(f->dir);
    free(f);
    return 0;
}

typedef struct collect {
    tabllm_token ids[256];
    size_t n;
    char text[4096];
    size_t len;
    size_t cancel_at; /* 0: never */
} collect;

static int on_token(tabllm_token token, const char *text, size_t len, void *user)
{
    collect *c = user;
    c->ids[c->n++] = token;
    memcpy(c->text + c->len, text, len);
    c->len += len;
    return c->cancel_at && c->n >= c->cancel_at;
}

static void gen(fixture *f, const tabllm_generate_params *gp, char **text, size_t *len,
                tabllm_generate_info *info)
{
    assert_ok(tabllm_session_seq_clear(f->s, -1));
    assert_ok(tabllm_generate(f->s, f->tok, prompt, N_PROMPT, gp, text, len, info));
}

/* Greedy generation is decode + argmax, token after token. */
static void test_greedy_matches_manual_loop(void **state)
{
    fixture *f = *state;
    tabllm_generate_params gp;
    tabllm_generate_params_init(&gp, sizeof gp);
    gp.max_tokens = 20;
    gp.flags = TABLLM_GENERATE_NO_DEFAULT_STOP;
    collect c = {0};
    gp.on_token = on_token;
    gp.user_data = &c;
    char *text;
    size_t len;
    tabllm_generate_info info = {.struct_size = sizeof info};
    gen(f, &gp, &text, &len, &info);
    assert_int_equal(info.stop_reason, TABLLM_STOP_MAX_TOKENS);
    assert_int_equal(info.n_tokens, 20);
    assert_int_equal(info.n_prompt, N_PROMPT);
    assert_int_equal(c.n, 20);
    assert_int_equal(c.len, len);
    assert_memory_equal(c.text, text, len);
    /* the sequence holds the prompt and every token but the last */
    assert_int_equal(tabllm_session_seq_length(f->s, 0), N_PROMPT + 19);

    assert_ok(tabllm_session_seq_clear(f->s, -1));
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = N_PROMPT, .tokens = prompt};
    assert_ok(tabllm_session_decode(f->s, &b));
    char want[4096];
    size_t want_len = 0;
    for (size_t i = 0; i < 20; i++) {
        tabllm_token id;
        assert_ok(tabllm_session_sample(f->s, -1, NULL, NULL, 0, &id));
        assert_int_equal(id, c.ids[i]);
        tabllm_batch one = {.struct_size = sizeof one, .n_tokens = 1, .tokens = &id};
        assert_ok(tabllm_session_decode(f->s, &one));
    }
    assert_ok(tabllm_tokenizer_decode(f->tok, c.ids, 20, 0, want, sizeof want, &want_len));
    assert_int_equal(want_len, len);
    assert_memory_equal(want, text, len);
    tabllm_free(text);
}

static void test_stop_token(void **state)
{
    fixture *f = *state;
    tabllm_generate_params gp;
    tabllm_generate_params_init(&gp, sizeof gp);
    gp.max_tokens = 12;
    gp.flags = TABLLM_GENERATE_NO_DEFAULT_STOP;
    collect all = {0};
    gp.on_token = on_token;
    gp.user_data = &all;
    gen(f, &gp, NULL, NULL, NULL);
    /* stop at the first occurrence of the 4th token */
    tabllm_token stop = all.ids[3];
    size_t first = 0;
    while (all.ids[first] != stop)
        first++;
    collect c = {0};
    gp.user_data = &c;
    gp.stop_ids = &stop;
    gp.n_stop_ids = 1;
    tabllm_generate_info info = {.struct_size = sizeof info};
    char *text;
    gen(f, &gp, &text, NULL, &info);
    assert_int_equal(info.stop_reason, TABLLM_STOP_TOKEN);
    assert_int_equal(info.stop_token, stop);
    assert_int_equal(info.n_tokens, first);
    assert_int_equal(c.n, first + 1); /* the stop token is reported, last */
    assert_int_equal(c.ids[first], stop);
    char want[1024];
    size_t wl = 0;
    if (first > 0)
        assert_ok(tabllm_tokenizer_decode(f->tok, all.ids, first, 0, want, sizeof want, &wl));
    assert_int_equal(strlen(text), wl);
    assert_memory_equal(text, want, wl);
    tabllm_free(text);
}

/* A stop string cuts the text where it first starts; the callback never sees
 * text past that point, even when the stop string spans tokens. */
static void test_stop_string(void **state)
{
    fixture *f = *state;
    tabllm_generate_params gp;
    tabllm_generate_params_init(&gp, sizeof gp);
    gp.max_tokens = 30;
    gp.flags = TABLLM_GENERATE_NO_DEFAULT_STOP;
    char *full;
    size_t full_len;
    gen(f, &gp, &full, &full_len, NULL);
    assert_true(full_len >= 8);
    for (size_t at = 1; at + 3 <= full_len && at < 12; at += 3) {
        char stop[4];
        memcpy(stop, full + at, 3);
        stop[3] = '\0';
        const char *first = strstr(full, stop);
        size_t want = (size_t)(first - full);
        const char *stops[] = {"never-ever-zz", stop};
        gp.stop_strings = stops;
        gp.n_stop_strings = 2;
        collect c = {0};
        gp.on_token = on_token;
        gp.user_data = &c;
        tabllm_generate_info info = {.struct_size = sizeof info};
        char *text;
        size_t len;
        gen(f, &gp, &text, &len, &info);
        assert_int_equal(info.stop_reason, TABLLM_STOP_STRING);
        assert_int_equal(len, want);
        assert_memory_equal(text, full, want);
        assert_int_equal(c.len, want);
        assert_memory_equal(c.text, full, want);
        tabllm_free(text);
    }
    tabllm_free(full);
}

/* A callback that cancels ends the call with CANCELLED; the session keeps
 * what was decoded and goes on working. */
static void test_cancel_keeps_session_usable(void **state)
{
    fixture *f = *state;
    tabllm_generate_params gp;
    tabllm_generate_params_init(&gp, sizeof gp);
    gp.max_tokens = 20;
    gp.flags = TABLLM_GENERATE_NO_DEFAULT_STOP;
    collect c = {.cancel_at = 3};
    gp.on_token = on_token;
    gp.user_data = &c;
    assert_ok(tabllm_session_seq_clear(f->s, -1));
    char *text = (char *)1;
    tabllm_generate_info info = {.struct_size = sizeof info};
    assert_status(tabllm_generate(f->s, f->tok, prompt, N_PROMPT, &gp, &text, NULL, &info),
                  TABLLM_ERR_CANCELLED, "cancelled");
    assert_null(text);
    assert_int_equal(info.n_tokens, 3);
    assert_int_equal(c.n, 3);
    assert_int_equal(tabllm_session_seq_length(f->s, 0), N_PROMPT + 2);
    /* continue the same sequence: decode the third token and go on */
    collect c2 = {0};
    gp.user_data = &c2;
    gp.max_tokens = 5;
    assert_ok(tabllm_generate(f->s, f->tok, &c.ids[2], 1, &gp, &text, NULL, &info));
    assert_int_equal(info.n_tokens, 5);
    tabllm_free(text);
    /* and equals an uninterrupted run */
    collect whole = {0};
    gp.user_data = &whole;
    gp.max_tokens = 8;
    gen(f, &gp, NULL, NULL, NULL);
    assert_memory_equal(whole.ids, c.ids, 3 * sizeof(tabllm_token));
    assert_memory_equal(whole.ids + 3, c2.ids, 5 * sizeof(tabllm_token));
}

static void test_sampling_seed(void **state)
{
    fixture *f = *state;
    tabllm_sampler_params sp;
    tabllm_sampler_params_init(&sp, sizeof sp);
    sp.temperature = 1.5f;
    sp.seed = 7;
    tabllm_generate_params gp;
    tabllm_generate_params_init(&gp, sizeof gp);
    gp.max_tokens = 16;
    gp.flags = TABLLM_GENERATE_NO_DEFAULT_STOP;
    gp.sampler = &sp;
    collect a = {0}, b = {0}, d = {0};
    gp.on_token = on_token;
    gp.user_data = &a;
    gen(f, &gp, NULL, NULL, NULL);
    gp.user_data = &b;
    gen(f, &gp, NULL, NULL, NULL);
    assert_memory_equal(a.ids, b.ids, sizeof a.ids);
    sp.seed = 8;
    gp.user_data = &d;
    gen(f, &gp, NULL, NULL, NULL);
    assert_memory_not_equal(a.ids, d.ids, 16 * sizeof(tabllm_token));
}

static void test_context_full(void **state)
{
    fixture *f = *state;
    tabllm_generate_params gp;
    tabllm_generate_params_init(&gp, sizeof gp);
    gp.max_tokens = 1000;
    gp.flags = TABLLM_GENERATE_NO_DEFAULT_STOP;
    tabllm_generate_info info = {.struct_size = sizeof info};
    gen(f, &gp, NULL, NULL, &info);
    assert_int_equal(info.stop_reason, TABLLM_STOP_CONTEXT_FULL);
    assert_int_equal(info.n_tokens, 64 - N_PROMPT + 1);
    assert_int_equal(tabllm_session_seq_length(f->s, 0), 64);
    /* no room for another prompt: an error, the sequence unchanged */
    assert_status(tabllm_generate(f->s, f->tok, prompt, N_PROMPT, &gp, NULL, NULL, NULL),
                  TABLLM_ERR_CONTEXT_FULL, "does not fit sequence 0");
    assert_int_equal(tabllm_session_seq_length(f->s, 0), 64);
}

static void test_errors(void **state)
{
    fixture *f = *state;
    tabllm_generate_params gp;
    tabllm_generate_params_init(&gp, sizeof gp);
    char *text;
    assert_status(tabllm_generate(NULL, f->tok, prompt, N_PROMPT, NULL, &text, NULL, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, "session is NULL");
    assert_status(tabllm_generate(f->s, NULL, prompt, N_PROMPT, NULL, &text, NULL, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, "tokenizer is NULL");
    assert_status(tabllm_generate(f->s, f->tok, prompt, 0, NULL, &text, NULL, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, "no prompt");
    tabllm_token bad[] = {1, 276};
    assert_status(tabllm_generate(f->s, f->tok, bad, 2, NULL, &text, NULL, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, "prompt[1] = 276 is outside the vocabulary");
    gp.seq_id = 2;
    assert_status(tabllm_generate(f->s, f->tok, prompt, N_PROMPT, &gp, &text, NULL, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, "sequence id 2");
    gp.seq_id = 0;
    gp.flags = 0x100;
    assert_status(tabllm_generate(f->s, f->tok, prompt, N_PROMPT, &gp, &text, NULL, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, "unknown flags");
    gp.flags = 0;
    tabllm_sampler_params sp;
    tabllm_sampler_params_init(&sp, sizeof sp);
    sp.top_p = 2;
    gp.sampler = &sp;
    assert_ok(tabllm_session_seq_clear(f->s, -1));
    assert_status(tabllm_generate(f->s, f->tok, prompt, N_PROMPT, &gp, &text, NULL, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, "top_p");
    gp.sampler = NULL;
    gp.n_stop_strings = 1;
    assert_status(tabllm_generate(f->s, f->tok, prompt, N_PROMPT, &gp, &text, NULL, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, "stop_strings is NULL");
    gp.n_stop_strings = 0;
    tabllm_generate_info info = {.struct_size = 3};
    assert_status(tabllm_generate(f->s, f->tok, prompt, N_PROMPT, &gp, &text, NULL, &info),
                  TABLLM_ERR_INVALID_ARGUMENT, "struct_size");
    tabllm_generate_params big;
    assert_status(tabllm_generate_params_init(&big, sizeof big + 8), TABLLM_ERR_ABI_MISMATCH,
                  NULL);
}

/* The model's eos id (config.json) stops generation unless asked not to. */
static void test_default_eos_stop(void **state)
{
    fixture *f = *state;
    tabllm_generate_params gp;
    tabllm_generate_params_init(&gp, sizeof gp);
    gp.max_tokens = 40;
    gp.flags = TABLLM_GENERATE_NO_DEFAULT_STOP;
    collect all = {0};
    gp.on_token = on_token;
    gp.user_data = &all;
    gen(f, &gp, NULL, NULL, NULL);
    size_t eos_at = SIZE_MAX;
    for (size_t i = 0; i < all.n && eos_at == SIZE_MAX; i++)
        if (all.ids[i] == 275)
            eos_at = i;
    gp.flags = 0;
    tabllm_generate_info info = {.struct_size = sizeof info};
    gen(f, &gp, NULL, NULL, &info);
    if (eos_at == SIZE_MAX) {
        assert_int_equal(info.stop_reason, TABLLM_STOP_MAX_TOKENS);
    } else {
        assert_int_equal(info.stop_reason, TABLLM_STOP_TOKEN);
        assert_int_equal(info.n_tokens, eos_at);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_greedy_matches_manual_loop),
        cmocka_unit_test(test_stop_token),
        cmocka_unit_test(test_stop_string),
        cmocka_unit_test(test_cancel_keeps_session_usable),
        cmocka_unit_test(test_sampling_seed),
        cmocka_unit_test(test_context_full),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_default_eos_stop),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
