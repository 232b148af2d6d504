/* The public chat-template API: parameters, arguments, messages, context,
 * special tokens, the clock, NUL bytes in the output. */
#include <pthread.h>
#include <time.h>

#include "chat_test_util.h"

static void test_params_init(void **state)
{
    (void)state;
    tabllm_chat_params p;
    assert_ok(tabllm_chat_params_init(&p, sizeof p));
    assert_int_equal(p.struct_size, sizeof p);
    assert_int_equal(p.flags, 0);
    assert_null(p.bos_token);
    assert_int_equal(p.max_depth, 256);
    assert_int_equal(p.max_loop_iterations, 1000000);
    assert_int_equal(p.max_output_bytes, 16u << 20);
    assert_status(tabllm_chat_params_init(NULL, sizeof p), TABLLM_ERR_INVALID_ARGUMENT, "NULL");
    assert_status(tabllm_chat_params_init(&p, 2), TABLLM_ERR_INVALID_ARGUMENT, "struct_size");
    assert_status(tabllm_chat_params_init(&p, sizeof p + 8), TABLLM_ERR_ABI_MISMATCH, "newer");
}

static void test_older_struct_keeps_defaults(void **state)
{
    (void)state;
    /* a caller built against a header that ended at eos_token */
    tabllm_chat_params p;
    tabllm_chat_params_init(&p, offsetof(tabllm_chat_params, context_json));
    p.flags = TABLLM_CHAT_ADD_GENERATION_PROMPT;
    p.eos_token = "E";
    tabllm_chat_message m = {"user", "x"};
    char *out;
    assert_ok(tabllm_chat_template_render("{{ eos_token }}{{ add_generation_prompt }}", &m, 1, &p,
                                          &out, NULL));
    assert_string_equal(out, "Etrue");
    tabllm_free(out);
}

static void test_argument_errors(void **state)
{
    (void)state;
    char *out = (char *)1;
    size_t len = 7;
    tabllm_chat_message m = {"user", "x"};
    assert_status(tabllm_chat_template_render(NULL, &m, 1, NULL, &out, &len),
                  TABLLM_ERR_INVALID_ARGUMENT, "template is NULL");
    assert_null(out);
    assert_int_equal(len, 0);
    assert_status(tabllm_chat_template_render("x", &m, 1, NULL, NULL, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, "out is NULL");
    assert_status(tabllm_chat_template_render("x", NULL, 2, NULL, &out, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, "NULL array of 2 messages");
    tabllm_chat_message bad[2] = {{"user", "x"}, {NULL, "y"}};
    assert_status(tabllm_chat_template_render("x", bad, 2, NULL, &out, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, "messages[1]: role is NULL");
    tabllm_chat_message utf[2] = {{"user", "x"}, {"user", "ok\xff"}};
    assert_status(tabllm_chat_template_render("x", utf, 2, NULL, &out, NULL),
                  TABLLM_ERR_INVALID_UTF8,
                  "chat messages[1]: chat template: content: invalid UTF-8 at byte offset 2");
    tabllm_chat_params p;
    tabllm_chat_params_init(&p, sizeof p);
    p.flags = 0x80;
    assert_status(tabllm_chat_template_render("x", &m, 1, &p, &out, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, "unknown flags 0x80");
    p.flags = 0;
    p.bos_token = "\xc3";
    assert_status(tabllm_chat_template_render("x", &m, 1, &p, &out, NULL), TABLLM_ERR_INVALID_UTF8,
                  "bos_token");
}

static void test_no_messages_and_null_content(void **state)
{
    (void)state;
    char *out;
    assert_ok(tabllm_chat_template_render("{{ messages | length }}", NULL, 0, NULL, &out, NULL));
    assert_string_equal(out, "0");
    tabllm_free(out);
    tabllm_chat_message m = {"assistant", NULL};
    assert_ok(
        tabllm_chat_template_render("{{ messages[0].content is none }}", &m, 1, NULL, &out, NULL));
    assert_string_equal(out, "true");
    tabllm_free(out);
}

static void test_json_messages(void **state)
{
    (void)state;
    char *out;
    size_t len;
    assert_ok(tabllm_chat_template_render_json(
        "{% for m in messages %}{{ m.role }}:{{ m.tool_calls[0].function.name }};{% endfor %}",
        "[{\"role\": \"assistant\", \"tool_calls\": [{\"function\": {\"name\": \"f\"}}]}]", NULL,
        &out, &len));
    assert_string_equal(out, "assistant:f;");
    assert_int_equal(len, 12);
    tabllm_free(out);
    assert_status(tabllm_chat_template_render_json("x", "[{\"role\": ", NULL, &out, NULL),
                  TABLLM_ERR_FORMAT, "chat messages:1:");
    assert_null(out);
    assert_status(tabllm_chat_template_render_json("x", "{\"role\": \"user\"}", NULL, &out, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, "expected a JSON array");
    assert_status(tabllm_chat_template_render_json("x", NULL, NULL, &out, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, "NULL");
}

static void test_context(void **state)
{
    (void)state;
    assert_renders("{{ tools }}|{{ documents }}|{{ tools is none }}", NULL, "||true");
    assert_renders("{{ tools | length }} {{ enable_thinking }}",
                   "{\"tools\": [{\"name\": \"a\"}], \"enable_thinking\": false}", "1 false");
    /* integers stay integers, whole floats become integers as in JavaScript */
    assert_renders("{{ a }} {{ b }} {{ c }} {{ d | tojson }}",
                   "{\"a\": 1, \"b\": 1.0, \"c\": 1.5, \"d\": 12345678901234567890}",
                   "1 1 1.5 12345678901234567000");
    assert_render_fails("x", "[1]", TABLLM_ERR_INVALID_ARGUMENT, "expected a JSON object");
    assert_render_fails("x", "{\"a\": }", TABLLM_ERR_FORMAT, "chat template context:1:");
    assert_render_fails("x", "{\"range\": 1}", TABLLM_ERR_INVALID_ARGUMENT,
                        "the variable 'range' is built in");
    assert_render_fails("x", "{\"true\": 1}", TABLLM_ERR_INVALID_ARGUMENT, "'true' is built in");
    /* the context may replace the conversation, as transformers.js lets it */
    assert_renders("{{ messages }}", "{\"messages\": \"replaced\"}", "replaced");
}

static void test_special_tokens(void **state)
{
    (void)state;
    tabllm_chat_params p;
    tabllm_chat_params_init(&p, sizeof p);
    tabllm_chat_message m = {"user", "x"};
    char *out;
    /* empty tokens are left undefined, as transformers.js does */
    p.bos_token = "";
    assert_ok(tabllm_chat_template_render(
        "[{{ bos_token }}]{{ bos_token is defined }}{{ eos_token is defined }}", &m, 1, &p, &out,
        NULL));
    assert_string_equal(out, "[]falsefalse");
    tabllm_free(out);
    p.bos_token = "<|begin_of_text|>";
    p.flags = TABLLM_CHAT_ADD_GENERATION_PROMPT;
    assert_ok(tabllm_chat_template_render(
        "{{ bos_token }}{% if add_generation_prompt %}GEN{% endif %}", &m, 1, &p, &out, NULL));
    assert_string_equal(out, "<|begin_of_text|>GEN");
    tabllm_free(out);
}

static void test_clock(void **state)
{
    (void)state;
    setenv("TZ", "UTC", 1);
    tzset();
    assert_renders("{{ strftime_now('%d %b %Y, %B %m %H:%M %%') }}", NULL,
                   "26 Jul 2024, July 07 09:05 %");
    /* now = 0 means the current time */
    tabllm_chat_message m = {"user", "x"};
    char *out;
    assert_ok(tabllm_chat_template_render("{{ strftime_now('%Y') }}", &m, 1, NULL, &out, NULL));
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char year[16];
    snprintf(year, sizeof year, "%d", tm.tm_year + 1900);
    assert_string_equal(out, year);
    tabllm_free(out);
}

static void test_empty_template(void **state)
{
    (void)state;
    /* the fuzzer's first finding: an empty template */
    assert_renders("", NULL, "");
    assert_renders("\n", NULL, "");
    assert_renders("{{- '' -}}", NULL, "");
}

static void test_nul_in_output(void **state)
{
    (void)state;
    tabllm_chat_message m = {"user", "x"};
    char *out;
    size_t len;
    assert_ok(tabllm_chat_template_render("a{{ '\\x00' }}b", &m, 1, NULL, &out, &len));
    assert_int_equal(len, 3);
    assert_memory_equal(out, "a\0b", 3);
    tabllm_free(out);
}

/* Renders from several threads at once give the same text (no shared state). */
typedef struct thread_job {
    const char *tmpl;
    const char *want;
    int mismatches;
} thread_job;

static void *render_many(void *arg)
{
    thread_job *job = arg;
    tabllm_chat_params p;
    tabllm_chat_params_init(&p, sizeof p);
    p.flags = TABLLM_CHAT_ADD_GENERATION_PROMPT;
    p.now = 1721984700;
    tabllm_chat_message m[3] = {{"system", "S"}, {"user", "Hi \xc3\xa9"}, {"assistant", "Ok"}};
    for (int i = 0; i < 50; i++) {
        char *out = NULL;
        if (tabllm_chat_template_render(job->tmpl, m, 3, &p, &out, NULL) != TABLLM_OK ||
            strcmp(out, job->want) != 0)
            job->mismatches++;
        tabllm_free(out);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    char *path = test_data_path("chat/llama-3.2-instruct.jinja");
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char tmpl[8192];
    size_t n = fread(tmpl, 1, sizeof tmpl - 1, f);
    tmpl[n] = '\0';
    fclose(f);
    free(path);
    thread_job first = {tmpl, NULL, 0};
    tabllm_chat_params p;
    tabllm_chat_params_init(&p, sizeof p);
    p.flags = TABLLM_CHAT_ADD_GENERATION_PROMPT;
    p.now = 1721984700;
    tabllm_chat_message m[3] = {{"system", "S"}, {"user", "Hi \xc3\xa9"}, {"assistant", "Ok"}};
    char *want;
    assert_ok(tabllm_chat_template_render(tmpl, m, 3, &p, &want, NULL));
    first.want = want;
    pthread_t th[4];
    thread_job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = first;
        assert_int_equal(pthread_create(&th[i], NULL, render_many, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(jobs[i].mismatches, 0);
    }
    tabllm_free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params_init),     cmocka_unit_test(test_older_struct_keeps_defaults),
        cmocka_unit_test(test_argument_errors), cmocka_unit_test(test_no_messages_and_null_content),
        cmocka_unit_test(test_json_messages),   cmocka_unit_test(test_context),
        cmocka_unit_test(test_special_tokens),  cmocka_unit_test(test_clock),
        cmocka_unit_test(test_empty_template),
        cmocka_unit_test(test_nul_in_output),
        cmocka_unit_test(test_threads),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char *out;
    render_ctx("", NULL, &out); /* frees the helper's last output */
    tabllm_free(out);
    return rc;
}
