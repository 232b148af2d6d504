/* How templates fail: syntax errors and unsupported constructs with their
 * line:column, raise_exception with the template's message, type errors,
 * the limits, and running out of memory at every allocation. */
#include "base/alloc.h"
#include "chat_test_util.h"

static void test_syntax_errors(void **state)
{
    (void)state;
    assert_render_fails("line one\n  {{ 1 + }}", NULL, TABLLM_ERR_FORMAT,
                        "chat template:2:10: unexpected '}}' in an expression");
    assert_render_fails("{% if true %}\nno end", NULL, TABLLM_ERR_FORMAT, "missing {% endif %}");
    assert_render_fails("{% for x in y %}\n{% endif %}", NULL, TABLLM_ERR_FORMAT,
                        "chat template:2:4: unexpected statement '{% endif %}'");
    assert_render_fails("{{ 'abc }}", NULL, TABLLM_ERR_FORMAT,
                        "chat template:1:4: unterminated string");
    assert_render_fails("ok {# never closed", NULL, TABLLM_ERR_FORMAT,
                        "1:4: comment has no closing");
    assert_render_fails("{{ '\\q' }}", NULL, TABLLM_ERR_FORMAT,
                        "unexpected escaped character: \\q");
    assert_render_fails("{{ x ? y }}", NULL, TABLLM_ERR_FORMAT, "1:6: unexpected character: ?");
    assert_render_fails("{{ s", NULL, TABLLM_ERR_FORMAT, "unexpected end of template");
    assert_render_fails("{% for 1 in x %}{% endfor %}", NULL, TABLLM_ERR_FORMAT,
                        "expected a name or names after 'for'");
    assert_render_fails("{% macro m(a=1, b) %}{% endmacro %}", NULL, TABLLM_ERR_FORMAT,
                        "a parameter without a default follows one with a default");
    assert_render_fails("{% macro m(a, a) %}{% endmacro %}", NULL, TABLLM_ERR_FORMAT,
                        "duplicate parameter name 'a'");
    assert_render_fails("{{ x[] }}", NULL, TABLLM_ERR_FORMAT, "expected an index or a slice");
    assert_render_fails("{{ x[1:2:3:4] }}", NULL, TABLLM_ERR_FORMAT, "at most 3 parts");
    /* positions count code points, in the original text (before trim_blocks) */
    assert_render_fails("é\n  {% if x %}\n\n  {{ é }}", NULL, TABLLM_ERR_FORMAT,
                        "chat template:4:6: unexpected character: é");
    assert_render_fails("a\xff", NULL, TABLLM_ERR_INVALID_UTF8, "invalid UTF-8 at byte offset 1");
}

static void test_unsupported(void **state)
{
    (void)state;
    assert_render_fails("\n{% include 'x.html' %}", NULL, TABLLM_ERR_UNSUPPORTED,
                        "chat template:2:4: the '{% include %}' statement is not supported");
    assert_render_fails("{% raw %}x{% endraw %}", NULL, TABLLM_ERR_UNSUPPORTED, "'{% raw %}'");
    assert_render_fails("{{ 'a b' | wordcount }}", NULL, TABLLM_ERR_UNSUPPORTED,
                        "chat template:1:12: the filter 'wordcount' is not supported");
    assert_render_fails("{{ [1] | reject('odd') }}", NULL, TABLLM_ERR_UNSUPPORTED,
                        "the filter 'reject' is not supported");
    assert_render_fails("{{ 3 is divisibleby }}", NULL, TABLLM_ERR_UNSUPPORTED,
                        "chat template:1:9: the test 'divisibleby' is not supported");
    assert_render_fails("{{ {'a': 1} | tojson(sort_keys=true) }}", NULL, TABLLM_ERR_UNSUPPORTED,
                        "sort_keys");
    assert_render_fails("{{ range }}", NULL, TABLLM_ERR_UNSUPPORTED, "printing a function");
    assert_render_fails("{{ [1] | map('x') }}", NULL, TABLLM_ERR_UNSUPPORTED, "attribute=");
    /* a filter that exists, on a type it does not take, is the input's fault */
    assert_render_fails("{{ none | length }}", NULL, TABLLM_ERR_INVALID_ARGUMENT,
                        "the filter 'length' cannot be applied to a none");
}

static void test_raise_exception(void **state)
{
    (void)state;
    assert_render_fails("ok\n{{ raise_exception('Conversation roles must alternate') }}", NULL,
                        TABLLM_ERR_INVALID_ARGUMENT,
                        "chat template:2:4: raise_exception: Conversation roles must alternate");
    assert_render_fails("{{ raise_exception(n ~ ' bad') }}", "{\"n\": 3}",
                        TABLLM_ERR_INVALID_ARGUMENT, "raise_exception: 3 bad");
    /* nothing is output when a template raises */
    tabllm_chat_params p;
    tabllm_chat_params_init(&p, sizeof p);
    tabllm_chat_message msgs[2] = {{"user", "a"}, {"user", "b"}};
    char *out = (char *)1;
    FILE *f = fopen(getenv("TABLLM_TEST_DATA") ? "/dev/null" : "/dev/null", "r");
    if (f)
        fclose(f);
    char *path = test_data_path("chat/mistral-7b-instruct-v0.1.jinja");
    FILE *tf = fopen(path, "rb");
    assert_non_null(tf);
    char tmpl[4096];
    size_t n = fread(tmpl, 1, sizeof tmpl - 1, tf);
    tmpl[n] = '\0';
    fclose(tf);
    free(path);
    p.bos_token = "<s>";
    p.eos_token = "</s>";
    assert_status(
        tabllm_chat_template_render(tmpl, msgs, 2, &p, &out, NULL), TABLLM_ERR_INVALID_ARGUMENT,
        "raise_exception: Conversation roles must alternate user/assistant/user/assistant/...");
    assert_null(out);
}

static void test_runtime_errors(void **state)
{
    (void)state;
    assert_render_fails("{{ 'a' +\n none }}", NULL, TABLLM_ERR_INVALID_ARGUMENT,
                        "chat template:1:8: cannot apply '+' to none");
    assert_render_fails("{{ x - 1 }}", NULL, TABLLM_ERR_INVALID_ARGUMENT,
                        "cannot apply '-' to an undefined value");
    assert_render_fails("{{ 'a' < 'b' }}", NULL, TABLLM_ERR_INVALID_ARGUMENT,
                        "cannot apply '<' to a string and a string");
    assert_render_fails("{% for c in 'abc' %}{% endfor %}", NULL, TABLLM_ERR_INVALID_ARGUMENT,
                        "cannot loop over a string");
    assert_render_fails("{{ messages[0].content.nope() }}", NULL, TABLLM_ERR_INVALID_ARGUMENT,
                        "cannot call a undefined");
    assert_render_fails("x{% break %}", NULL, TABLLM_ERR_INVALID_ARGUMENT,
                        "chat template:1:5: 'break' outside of a loop");
    assert_render_fails("{% set d = {} %}{% set d.x = 1 %}", NULL, TABLLM_ERR_INVALID_ARGUMENT,
                        "only namespaces");
    assert_render_fails("{{ (1, 2) }}", NULL, TABLLM_ERR_INVALID_ARGUMENT,
                        "a tuple cannot be converted to JSON");
    assert_render_fails("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}", NULL,
                        TABLLM_ERR_INVALID_ARGUMENT, "macro 'm' takes not more than 1 argument(s)");
    assert_render_fails("{{ 0 ** -1 }}", NULL, TABLLM_ERR_INVALID_ARGUMENT, "negative power");
}

static tabllm_status render_with(const char *tmpl, tabllm_chat_params *p)
{
    tabllm_chat_message m = {"user", "x"};
    char *out = NULL;
    tabllm_status st = tabllm_chat_template_render(tmpl, &m, 1, p, &out, NULL);
    tabllm_free(out);
    return st;
}

static void test_limits(void **state)
{
    (void)state;
    tabllm_chat_params p;
    tabllm_chat_params_init(&p, sizeof p);
    p.max_template_bytes = 10;
    assert_status(render_with("0123456789a", &p), TABLLM_ERR_LIMIT_EXCEEDED,
                  "11 bytes exceed the limit of 10 bytes");
    tabllm_chat_params_init(&p, sizeof p);
    p.max_depth = 20;
    assert_status(render_with("{{ ((((((((((((((((((((((1)))))))))))))))))))))) }}", &p),
                  TABLLM_ERR_LIMIT_EXCEEDED, "nests deeper than the limit of 20 levels");
    /* a left-leaning chain parses flat but evaluates deep */
    char chain[4096] = "{{ 1";
    for (int i = 0; i < 100; i++)
        strcat(chain, " + 1");
    strcat(chain, " }}");
    assert_status(render_with(chain, &p), TABLLM_ERR_LIMIT_EXCEEDED, "evaluation nests deeper");
    assert_status(render_with("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", &p),
                  TABLLM_ERR_LIMIT_EXCEEDED, "nests deeper");
    tabllm_chat_params_init(&p, sizeof p);
    p.max_loop_iterations = 100;
    assert_status(render_with("{% for i in range(60) %}{% endfor %}", &p),
                  TABLLM_ERR_LIMIT_EXCEEDED, "more than the limit of 100 iterations");
    assert_status(render_with("{% for i in range(40) %}{% endfor %}", &p), TABLLM_OK, NULL);
    assert_status(render_with("{{ range(1000000000000) | length }}", &p), TABLLM_ERR_LIMIT_EXCEEDED,
                  "iterations");
    tabllm_chat_params_init(&p, sizeof p);
    p.max_output_bytes = 1000;
    assert_status(render_with("{% for i in range(200) %}{{ '0123456789' }}{% endfor %}", &p),
                  TABLLM_ERR_LIMIT_EXCEEDED, "output limit of 1000 bytes");
    assert_status(render_with("{% set ns = namespace(s='x') %}{% for i in range(20) %}"
                              "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
                              &p),
                  TABLLM_ERR_LIMIT_EXCEEDED, "output limit");
    tabllm_chat_params_init(&p, sizeof p);
    p.max_memory_bytes = 1 << 20;
    assert_status(render_with("{% set ns = namespace(l=[]) %}{% for i in range(100000) %}"
                              "{% set ns.l = ns.l + [i] %}{% endfor %}",
                              &p),
                  TABLLM_ERR_LIMIT_EXCEEDED, "memory limit");
    /* values that nest deeper than the limit cannot be printed */
    tabllm_chat_params_init(&p, sizeof p);
    p.max_depth = 50;
    assert_status(render_with("{% set ns = namespace(l=[]) %}{% for i in range(60) %}"
                              "{% set ns.l = [ns.l] %}{% endfor %}{{ ns.l }}",
                              &p),
                  TABLLM_ERR_LIMIT_EXCEEDED, "a value nests deeper");
    assert_status(render_with("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}", &p),
                  TABLLM_ERR_LIMIT_EXCEEDED, "a value nests deeper");
}

/* Every allocation of a realistic render fails once in turn: each attempt
 * must end in OUT_OF_MEMORY or success, never a crash or a leak. */
static void test_out_of_memory(void **state)
{
    (void)state;
    char *path = test_data_path("chat/qwen2.5-instruct.jinja");
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char tmpl[8192];
    size_t n = fread(tmpl, 1, sizeof tmpl - 1, f);
    tmpl[n] = '\0';
    fclose(f);
    free(path);
    const char *messages =
        "[{\"role\": \"system\", \"content\": \"S\"}, {\"role\": \"user\", \"content\": \"Q\"},"
        " {\"role\": \"assistant\", \"content\": \"\", \"tool_calls\": [{\"function\": "
        "{\"name\": \"f\", \"arguments\": {\"a\": [1, 2.5, \"x\"]}}}]},"
        " {\"role\": \"tool\", \"content\": \"r\"}]";
    tabllm_chat_params p;
    tabllm_chat_params_init(&p, sizeof p);
    p.context_json = "{\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}]}";
    p.flags = TABLLM_CHAT_ADD_GENERATION_PROMPT;
    char *want;
    assert_ok(tabllm_chat_template_render_json(tmpl, messages, &p, &want, NULL));
    int failures_seen = 0;
    for (unsigned long k = 1; k < 5000; k++) {
        char *out = NULL;
        tl_alloc_fail_after(k);
        tabllm_status st = tabllm_chat_template_render_json(tmpl, messages, &p, &out, NULL);
        tl_alloc_fail_after(0);
        if (st == TABLLM_OK) {
            assert_string_equal(out, want);
            tabllm_free(out);
            if (failures_seen)
                break; /* past the last allocation */
            continue;
        }
        failures_seen++;
        assert_int_equal(st, TABLLM_ERR_OUT_OF_MEMORY);
        assert_null(out);
    }
    assert_true(failures_seen > 10);
    tabllm_free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax_errors),   cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_raise_exception), cmocka_unit_test(test_runtime_errors),
        cmocka_unit_test(test_limits),          cmocka_unit_test(test_out_of_memory),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char *out;
    render_ctx("", NULL, &out);
    return rc;
}
