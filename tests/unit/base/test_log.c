/* The log callback: delivered above nothing, filtered by level, silent by
 * default. */
#include "../../common/test_util.h"
#include "base/log.h"

struct captured {
    int calls;
    tabllm_log_level level;
    char message[256];
};

static void capture(tabllm_log_level level, const char *message, void *user_data)
{
    struct captured *c = user_data;
    c->calls++;
    c->level = level;
    snprintf(c->message, sizeof c->message, "%s", message);
}

static void test_silent_by_default(void **state)
{
    (void)state;
    assert_false(tl_log_enabled(TABLLM_LOG_ERROR));
    tl_log(TABLLM_LOG_ERROR, "nobody hears this");
}

static void test_levels_filter(void **state)
{
    (void)state;
    struct captured c = {0};
    tabllm_set_log_callback(capture, &c, TABLLM_LOG_INFO);
    assert_true(tl_log_enabled(TABLLM_LOG_WARN));
    assert_false(tl_log_enabled(TABLLM_LOG_DEBUG));
    tl_log_warn("loaded %d tensors", 12);
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.level, TABLLM_LOG_WARN);
    assert_string_equal(c.message, "loaded 12 tensors");
    tl_log_debug("too verbose");
    assert_int_equal(c.calls, 1);
    tl_log_info("info");
    assert_int_equal(c.calls, 2);
    tabllm_set_log_callback(NULL, NULL, TABLLM_LOG_DEBUG);
    tl_log_warn("after removal");
    assert_int_equal(c.calls, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_silent_by_default),
        cmocka_unit_test(test_levels_filter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
