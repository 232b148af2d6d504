/* tabllm_answer through the shared library, on small random models with the
 * demo tokenizer: the answer equals greedy generation over the prompt built
 * by hand (plain and chat-template forms, a template without a system
 * role), a table too large for the context is cut to fit, and the errors. */
#include "../common/test_util.h"
#include "../common/tiny_model.h"

static const char csv_text[] = "city,country,population\n"
                               "Paris,France,2100000\n"
                               "Lyon,France,520000\n"
                               "Berlin,Germany,3600000\n"
                               "Hamburg,Germany,1800000\n";

static const char chat_config[] =
    "{\"bos_token\": \"<|begin_of_text|>\", \"eos_token\": \"<|endcompletion|>\", "
    "\"chat_template\": \"{{ bos_token }}{% for m in messages %}<|{{ m.role }}|>{{ m.content }}\\n"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}\"}";

static const char no_system_config[] =
    "{\"bos_token\": \"<|begin_of_text|>\", \"eos_token\": \"<|endcompletion|>\", "
    "\"chat_template\": \"{% if messages[0].role == 'system' %}{{ raise_exception('System role "
    "not supported') }}{% endif %}{% for m in messages %}[{{ m.role }}] {{ m.content }}\\n"
    "{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}\"}";

typedef struct fx {
    char *dir;
    tabllm_model *model;
    tabllm_table *table;
} fx;

static void copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    assert_non_null(a);
    assert_non_null(b);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, a)) > 0)
        fwrite(buf, 1, n, b);
    fclose(a);
    fclose(b);
}

static tabllm_tokenizer *tokenizer_with(fx *f, const char *config)
{
    const char *root = getenv("TABLLM_SOURCE_ROOT");
    char from[4096], to[4200];
    snprintf(from, sizeof from, "%s/examples/demo/model/tokenizer.json", root ? root : ".");
    snprintf(to, sizeof to, "%s/tokenizer.json", f->dir);
    copy_file(from, to);
    snprintf(to, sizeof to, "%s/tokenizer_config.json", f->dir);
    remove(to);
    if (config) {
        FILE *c = fopen(to, "w");
        fputs(config, c);
        fclose(c);
    }
    tabllm_tokenizer *tok;
    assert_ok(tabllm_tokenizer_load(f->dir, NULL, &tok));
    return tok;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    tiny_model_shape sh = {.vocab = 3072, .hidden = 32, .ff = 64, .layers = 2, .heads = 4,
                           .kv_heads = 2, .max_pos = 1024, .bos = 3068, .eos = 3070, .seed = 21,
                           .scale = 0.5f};
    f->dir = tiny_model_write(&sh);
    assert_ok(tabllm_model_load(f->dir, NULL, &f->model));
    assert_ok(tabllm_table_from_memory(csv_text, sizeof csv_text - 1, NULL, &f->table));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    tabllm_table_free(f->table);
    tabllm_model_free(f->model);
    tiny_model_remove(f->dir);
    free(f);
    return 0;
}

/* Greedy generation over `prompt` (tokenized with `flags`), stripped. */
static char *by_hand(fx *f, const tabllm_tokenizer *tok, const char *prompt, uint32_t flags,
                     int stop_newline, uint32_t max_tokens)
{
    tabllm_token ids[2048];
    size_t n;
    assert_ok(tabllm_tokenizer_encode(tok, prompt, strlen(prompt), flags, ids, 2048, &n, NULL));
    tabllm_session_params sp;
    tabllm_session_params_init(&sp, sizeof sp);
    sp.n_ctx = (uint32_t)(n + max_tokens);
    tabllm_session *s;
    assert_ok(tabllm_session_new(f->model, &sp, &s));
    tabllm_generate_params gp;
    tabllm_generate_params_init(&gp, sizeof gp);
    gp.max_tokens = max_tokens;
    gp.flags = TABLLM_GENERATE_SKIP_SPECIAL;
    const char *nl[] = {"\n"};
    gp.stop_strings = stop_newline ? nl : NULL;
    gp.n_stop_strings = stop_newline ? 1 : 0;
    char *text;
    assert_ok(tabllm_generate(s, tok, ids, n, &gp, &text, NULL, NULL));
    tabllm_session_free(s);
    char *a = text;
    while (*a == ' ' || *a == '\n' || *a == '\t' || *a == '\r')
        a++;
    size_t len = strlen(a);
    while (len > 0 && (a[len - 1] == ' ' || a[len - 1] == '\n' || a[len - 1] == '\t' ||
                       a[len - 1] == '\r'))
        len--;
    char *out = strndup(a, len);
    tabllm_free(text);
    return out;
}

static char *markdown(const tabllm_table *t)
{
    char *md;
    assert_ok(tabllm_table_encode(t, NULL, &md, NULL));
    return md;
}

static void test_plain_prompt(void **state)
{
    fx *f = *state;
    tabllm_tokenizer *tok = tokenizer_with(f, NULL);
    tabllm_answer_params ap;
    tabllm_answer_params_init(&ap, sizeof ap);
    ap.max_tokens = 24;
    char *answer;
    size_t len;
    const char *q = "Which city is in Germany?";
    assert_ok(tabllm_answer(f->model, tok, f->table, q, &ap, &answer, &len));
    assert_int_equal(strlen(answer), len);
    char *md = markdown(f->table), prompt[8192];
    snprintf(prompt, sizeof prompt,
             "Answer the question about the table. Give only the answer.\n\n%s\nQuestion: "
             "%s\nAnswer:",
             md, q);
    char *want = by_hand(f, tok, prompt, TABLLM_TOKENIZE_ADD_SPECIAL, 1, 24);
    assert_string_equal(answer, want);
    assert_true(len > 0); /* a random model's answer, but not nothing */
    free(want);
    tabllm_free(answer);
    tabllm_free(md);
    tabllm_tokenizer_free(tok);
}

static void test_chat_prompt(void **state)
{
    fx *f = *state;
    tabllm_tokenizer *tok = tokenizer_with(f, chat_config);
    tabllm_answer_params ap;
    tabllm_answer_params_init(&ap, sizeof ap);
    ap.max_tokens = 20;
    ap.instruction = "Be brief.";
    const char *q = "Population of Lyon?";
    char *answer;
    assert_ok(tabllm_answer(f->model, tok, f->table, q, &ap, &answer, NULL));
    char *md = markdown(f->table), user[8192], *rendered;
    snprintf(user, sizeof user, "%s\n\nQuestion: %s", md, q);
    tabllm_chat_message m[2] = {{"system", "Be brief."}, {"user", user}};
    assert_ok(tabllm_chat_render(tok, m, 2, TABLLM_CHAT_ADD_GENERATION_PROMPT, &rendered, NULL));
    assert_non_null(strstr(rendered, "<|system|>Be brief.\n<|user|>| city"));
    char *want = by_hand(f, tok, rendered, 0, 0, 20);
    assert_string_equal(answer, want);
    assert_true(strlen(answer) > 0);
    free(want);
    tabllm_free(answer);
    tabllm_free(rendered);

    /* NO_CHAT: the plain prompt even though there is a template */
    ap.flags = TABLLM_ANSWER_NO_CHAT;
    assert_ok(tabllm_answer(f->model, tok, f->table, q, &ap, &answer, NULL));
    char prompt[8192];
    snprintf(prompt, sizeof prompt, "Be brief.\n\n%s\nQuestion: %s\nAnswer:", md, q);
    want = by_hand(f, tok, prompt, TABLLM_TOKENIZE_ADD_SPECIAL, 1, 20);
    assert_string_equal(answer, want);
    free(want);
    tabllm_free(answer);
    tabllm_free(md);
    tabllm_tokenizer_free(tok);
}

/* A template that refuses a system message gets the instruction in the
 * user's message. */
static void test_chat_without_system_role(void **state)
{
    fx *f = *state;
    tabllm_tokenizer *tok = tokenizer_with(f, no_system_config);
    tabllm_answer_params ap;
    tabllm_answer_params_init(&ap, sizeof ap);
    ap.max_tokens = 16;
    const char *q = "Largest city?";
    char *answer;
    assert_ok(tabllm_answer(f->model, tok, f->table, q, &ap, &answer, NULL));
    char *md = markdown(f->table), user[8192], *rendered;
    snprintf(user, sizeof user,
             "Answer the question about the table. Give only the answer.\n\n%s\n\nQuestion: %s",
             md, q);
    tabllm_chat_message m = {"user", user};
    assert_ok(tabllm_chat_render(tok, &m, 1, TABLLM_CHAT_ADD_GENERATION_PROMPT, &rendered, NULL));
    char *want = by_hand(f, tok, rendered, 0, 0, 16);
    assert_string_equal(answer, want);
    free(want);
    tabllm_free(answer);
    tabllm_free(rendered);
    tabllm_free(md);
    tabllm_tokenizer_free(tok);
}

/* A table larger than the context keeps the rows that matter and fits. */
static void test_large_table_is_cut(void **state)
{
    fx *f = *state;
    tabllm_tokenizer *tok = tokenizer_with(f, NULL);
    const char *names[] = {"id", "name", "note"};
    tabllm_table *big;
    assert_ok(tabllm_table_new(names, 3, &big));
    for (int i = 0; i < 300; i++) {
        char id[16], name[32];
        snprintf(id, sizeof id, "%d", i);
        snprintf(name, sizeof name, i == 217 ? "zanzibar" : "row%d", i);
        const char *cells[] = {id, name, "some filler text that takes tokens"};
        assert_ok(tabllm_table_append_row(big, cells, 3));
    }
    tabllm_answer_params ap;
    tabllm_answer_params_init(&ap, sizeof ap);
    ap.max_tokens = 8;
    ap.n_ctx = 400;
    char *answer;
    assert_ok(tabllm_answer(f->model, tok, big, "What is the id of zanzibar?", &ap, &answer, NULL));
    tabllm_free(answer);
    /* no room beside the question at all */
    ap.n_ctx = 40;
    assert_status(tabllm_answer(f->model, tok, big, "What is the id of zanzibar?", &ap, &answer,
                                NULL),
                  TABLLM_ERR_CONTEXT_FULL, "nothing of the table fits");
    tabllm_table_free(big);
    tabllm_tokenizer_free(tok);
}

static int cancel_now(tabllm_token t, const char *text, size_t len, void *user)
{
    (void)t, (void)text, (void)len, (void)user;
    return 1;
}

static void test_errors(void **state)
{
    fx *f = *state;
    tabllm_tokenizer *tok = tokenizer_with(f, NULL);
    char *answer = (char *)1;
    assert_status(tabllm_answer(f->model, tok, f->table, NULL, NULL, &answer, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, "question is NULL");
    assert_null(answer);
    assert_status(tabllm_answer(f->model, tok, f->table, "caf\xc3", NULL, &answer, NULL),
                  TABLLM_ERR_INVALID_UTF8, "byte offset 3");
    tabllm_answer_params ap;
    tabllm_answer_params_init(&ap, sizeof ap);
    ap.flags = 0x80;
    assert_status(tabllm_answer(f->model, tok, f->table, "q", &ap, &answer, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, "unknown flags");
    ap.flags = 0;
    tabllm_encode_params ep;
    tabllm_encode_params_init(&ep, sizeof ep);
    ep.encoding = 9999;
    ap.encode = &ep;
    assert_status(tabllm_answer(f->model, tok, f->table, "q", &ap, &answer, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, NULL);
    ap.encode = NULL;
    ap.on_token = cancel_now;
    ap.max_tokens = 4;
    tabllm_status st = tabllm_answer(f->model, tok, f->table, "q", &ap, &answer, NULL);
    /* cancelled at the first token (or the model stopped before drawing one) */
    assert_true(st == TABLLM_ERR_CANCELLED);
    tabllm_answer_params big;
    assert_status(tabllm_answer_params_init(&big, sizeof big + 8), TABLLM_ERR_ABI_MISMATCH, NULL);
    tabllm_tokenizer_free(tok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_prompt),
        cmocka_unit_test(test_chat_prompt),
        cmocka_unit_test(test_chat_without_system_role),
        cmocka_unit_test(test_large_table_is_cut),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
