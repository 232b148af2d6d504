/* The error model: status names, the thread-local message, prefixes,
 * truncation of long messages. */
#include <pthread.h>

#include "../../common/test_util.h"
#include "base/error.h"

static void test_status_strings(void **state)
{
    (void)state;
    assert_string_equal(tabllm_status_string(TABLLM_OK), "ok");
    assert_string_equal(tabllm_status_string(TABLLM_ERR_INVALID_ARGUMENT), "invalid argument");
    assert_string_equal(tabllm_status_string(TABLLM_ERR_CONTEXT_FULL), "context full");
    assert_string_equal(tabllm_status_string((tabllm_status)12345), "unknown status");
    /* Every defined code has its own name. */
    const tabllm_status all[] = {
        TABLLM_ERR_INVALID_ARGUMENT, TABLLM_ERR_OUT_OF_MEMORY,   TABLLM_ERR_IO,
        TABLLM_ERR_FORMAT,           TABLLM_ERR_UNSUPPORTED,     TABLLM_ERR_BUFFER_TOO_SMALL,
        TABLLM_ERR_LIMIT_EXCEEDED,   TABLLM_ERR_CANCELLED,       TABLLM_ERR_INVALID_UTF8,
        TABLLM_ERR_NOT_FOUND,        TABLLM_ERR_ABI_MISMATCH,    TABLLM_ERR_INTERNAL,
        TABLLM_ERR_TABLE_SHAPE,      TABLLM_ERR_SHAPE_MISMATCH,  TABLLM_ERR_CONTEXT_FULL,
        TABLLM_ERR_ADAPTER_MISMATCH,
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        assert_string_not_equal(tabllm_status_string(all[i]), "unknown status");
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(tabllm_status_string(all[i]), tabllm_status_string(all[j]));
    }
}

static void test_last_error_records_message(void **state)
{
    (void)state;
    tl_error_clear();
    assert_string_equal(tabllm_last_error(), "");
    assert_int_equal(tabllm_last_status(), TABLLM_OK);
    tabllm_status st = tl_error(TABLLM_ERR_FORMAT, "%s:%d: bad %s", "x.json", 3, "thing");
    assert_int_equal(st, TABLLM_ERR_FORMAT);
    assert_string_equal(tabllm_last_error(), "x.json:3: bad thing");
    assert_int_equal(tabllm_last_status(), TABLLM_ERR_FORMAT);
}

static void test_prefix(void **state)
{
    (void)state;
    tl_error(TABLLM_ERR_FORMAT, "merges[3]: unknown token");
    tl_error_prefix("%s", "tokenizer.json");
    assert_string_equal(tabllm_last_error(), "tokenizer.json: merges[3]: unknown token");
}

static void test_long_message_is_marked_truncated(void **state)
{
    (void)state;
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    tl_error(TABLLM_ERR_IO, "%s", big);
    size_t len = strlen(tabllm_last_error());
    assert_true(len < 2000);
    assert_string_equal(tabllm_last_error() + len - 3, "...");
    tl_error_prefix("file.csv");
    len = strlen(tabllm_last_error());
    assert_string_equal(tabllm_last_error() + len - 3, "...");
    assert_memory_equal(tabllm_last_error(), "file.csv: x", 11);
}

static void *other_thread(void *arg)
{
    (void)arg;
    /* A fresh thread starts with no error and its failure stays its own. */
    int clean = tabllm_last_error()[0] == '\0';
    tl_error(TABLLM_ERR_IO, "thread message");
    return (void *)(intptr_t)clean;
}

static void test_message_is_thread_local(void **state)
{
    (void)state;
    tl_error(TABLLM_ERR_FORMAT, "main message");
    pthread_t t;
    void *clean;
    pthread_create(&t, NULL, other_thread, NULL);
    pthread_join(t, &clean);
    assert_true((intptr_t)clean);
    assert_string_equal(tabllm_last_error(), "main message");
    assert_int_equal(tabllm_last_status(), TABLLM_ERR_FORMAT);
}

static void test_oom_message(void **state)
{
    (void)state;
    assert_int_equal(tl_error_oom("the vocabulary"), TABLLM_ERR_OUT_OF_MEMORY);
    assert_non_null(strstr(tabllm_last_error(), "the vocabulary"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_strings),
        cmocka_unit_test(test_last_error_records_message),
        cmocka_unit_test(test_prefix),
        cmocka_unit_test(test_long_message_is_marked_truncated),
        cmocka_unit_test(test_message_is_thread_local),
        cmocka_unit_test(test_oom_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
