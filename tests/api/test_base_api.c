/* Black-box checks of the base API through the shared library. */
#include "../common/test_util.h"

static void test_version(void **state)
{
    (void)state;
    assert_string_equal(tabllm_version(), TABLLM_VERSION_STRING);
    assert_string_equal(tabllm_version(), EXPECTED_PROJECT_VERSION);
    assert_int_equal(tabllm_version_number(), TABLLM_VERSION_NUMBER);
    assert_int_equal(tabllm_abi_version(), TABLLM_ABI_VERSION);
    assert_true(TABLLM_AT_LEAST_VERSION(0, 1, 0));
    assert_false(TABLLM_AT_LEAST_VERSION(99, 0, 0));
}

static void test_fresh_thread_has_no_error(void **state)
{
    (void)state;
    assert_non_null(tabllm_last_error());
    assert_string_equal(tabllm_last_error(), "");
    assert_int_equal(tabllm_last_status(), TABLLM_OK);
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(tabllm_status_string(TABLLM_ERR_OUT_OF_MEMORY), "out of memory");
    assert_string_equal(tabllm_status_string((tabllm_status)-1), "unknown status");
}

static void test_free_null(void **state)
{
    (void)state;
    tabllm_free(NULL);
}

static void test_log_callback_can_be_set_and_cleared(void **state)
{
    (void)state;
    tabllm_set_log_callback(NULL, NULL, TABLLM_LOG_DEBUG);
    tabllm_set_log_callback(NULL, NULL, TABLLM_LOG_ERROR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_fresh_thread_has_no_error),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_free_null),
        cmocka_unit_test(test_log_callback_can_be_set_and_cleared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
