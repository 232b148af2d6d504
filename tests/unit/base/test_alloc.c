/* Overflow-checked allocation, growth, injected failures, text buffers,
 * parameter structs. */
#include <stdint.h>

#include "../../common/test_util.h"
#include "base/alloc.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/params.h"

static void test_size_arithmetic(void **state)
{
    (void)state;
    size_t out = 7;
    assert_true(tl_size_mul(3, 4, &out));
    assert_int_equal(out, 12);
    assert_false(tl_size_mul(SIZE_MAX / 2 + 1, 2, &out));
    assert_int_equal(out, 12);
    assert_true(tl_size_add(1, 2, &out));
    assert_false(tl_size_add(SIZE_MAX, 1, &out));
}

static void test_array_overflow_is_reported(void **state)
{
    (void)state;
    void *p = (void *)1;
    assert_status(tl_alloc_array(&p, SIZE_MAX / 4, 8, "the cells"), TABLLM_ERR_OUT_OF_MEMORY,
                  "the cells");
    assert_null(p);
    assert_status(tl_calloc_array(&p, SIZE_MAX / 4, 8, "the rows"), TABLLM_ERR_OUT_OF_MEMORY,
                  "the rows");
    assert_null(p);
    assert_ok(tl_calloc_array(&p, 10, 4, "ints"));
    for (int i = 0; i < 10; i++)
        assert_int_equal(((int *)p)[i], 0);
    tl_free(p);
}

static void test_injected_failure(void **state)
{
    (void)state;
    tl_alloc_fail_after(2);
    void *a = tl_malloc(8);
    assert_non_null(a);
    void *b = NULL;
    assert_status(tl_alloc_array(&b, 4, 4, "the second block"), TABLLM_ERR_OUT_OF_MEMORY,
                  "second block");
    void *c = tl_malloc(8); /* the failure fires once */
    assert_non_null(c);
    tl_free(a);
    tl_free(c);
}

static void test_grow_array(void **state)
{
    (void)state;
    int *items = NULL;
    size_t cap = 0;
    for (int i = 0; i < 1000; i++) {
        assert_ok(tl_grow_array((void **)&items, &cap, (size_t)i + 1, sizeof *items, "items"));
        items[i] = i;
    }
    assert_true(cap >= 1000);
    assert_int_equal(items[999], 999);
    assert_status(tl_grow_array((void **)&items, &cap, SIZE_MAX / 2, 16, "huge items"),
                  TABLLM_ERR_OUT_OF_MEMORY, "huge items");
    tl_alloc_fail_after(1);
    size_t before = cap;
    assert_status(tl_grow_array((void **)&items, &cap, cap + 1, sizeof *items, "more items"),
                  TABLLM_ERR_OUT_OF_MEMORY, "more items");
    assert_int_equal(cap, before); /* the old array is intact */
    assert_int_equal(items[999], 999);
    tl_free(items);
}

static void test_buf_appends_and_latches_failure(void **state)
{
    (void)state;
    tl_buf b = TL_BUF_INIT;
    tl_buf_puts(&b, "The ");
    tl_buf_printf(&b, "%s is %d.", "age", 39);
    tl_buf_putc(&b, '!');
    assert_ok(tl_buf_status(&b));
    assert_string_equal(b.data, "The age is 39.!");
    tl_buf_truncate(&b, 3);
    assert_string_equal(b.data, "The");

    tl_alloc_fail_after(1);
    tl_buf_append(&b, "x", 1); /* fits: no allocation */
    char big[4096];
    memset(big, 'y', sizeof big);
    tl_buf_append(&b, big, sizeof big); /* needs to grow: fails */
    tl_buf_puts(&b, "ignored");
    assert_int_equal(tl_buf_status(&b), TABLLM_ERR_OUT_OF_MEMORY);
    size_t len = 99;
    assert_null(tl_buf_detach(&b, &len));
    tl_alloc_fail_after(0);

    tl_buf empty = TL_BUF_INIT;
    char *s = tl_buf_detach(&empty, &len);
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    tabllm_free(s);
}

static void test_buf_limit(void **state)
{
    (void)state;
    tl_buf b = TL_BUF_INIT;
    b.limit = 8;
    tl_buf_puts(&b, "12345678");
    assert_ok(tl_buf_status(&b));
    tl_buf_puts(&b, "9");
    assert_int_equal(tl_buf_status(&b), TABLLM_ERR_LIMIT_EXCEEDED);
    assert_non_null(strstr(tabllm_last_error(), "limit of 8 bytes"));
    tl_buf_free(&b);
}

struct demo_params {
    size_t struct_size;
    int32_t a;
    int32_t b;
};

static void test_params_pattern(void **state)
{
    (void)state;
    const struct demo_params defaults = {sizeof defaults, 10, 20};
    struct demo_params p;
    assert_ok(tl_params_init(&p, sizeof p, &defaults, sizeof defaults, "demo_params"));
    assert_int_equal(p.struct_size, sizeof p);
    assert_int_equal(p.a, 10);
    assert_int_equal(p.b, 20);

    /* An older caller knows only `a`: `b` keeps its default. */
    struct demo_params older = {offsetof(struct demo_params, b), 5, 999};
    struct demo_params got = defaults;
    assert_ok(tl_params_read(&got, sizeof got, &older, "demo_params"));
    assert_int_equal(got.a, 5);
    assert_int_equal(got.b, 20);

    /* NULL means defaults. */
    got = defaults;
    assert_ok(tl_params_read(&got, sizeof got, NULL, "demo_params"));
    assert_int_equal(got.a, 10);

    struct {
        struct demo_params p;
        int extra;
    } newer = {{sizeof newer, 1, 2}, 3};
    assert_status(tl_params_read(&got, sizeof got, &newer, "demo_params"),
                  TABLLM_ERR_ABI_MISMATCH, "demo_params: struct_size");
    struct demo_params garbage = {2, 0, 0};
    assert_status(tl_params_read(&got, sizeof got, &garbage, "demo_params"),
                  TABLLM_ERR_INVALID_ARGUMENT, "too small");
    assert_status(tl_params_init(&p, sizeof p + 8, &defaults, sizeof defaults, "demo_params"),
                  TABLLM_ERR_ABI_MISMATCH, "newer tabllm.h");
    assert_status(tl_params_init(NULL, sizeof p, &defaults, sizeof defaults, "demo_params"),
                  TABLLM_ERR_INVALID_ARGUMENT, "NULL");
}

static void test_arena(void **state)
{
    (void)state;
    tl_arena a = TL_ARENA_INIT;
    char *first = tl_arena_strndup(&a, "hello world", 5);
    assert_string_equal(first, "hello");
    for (int i = 0; i < 10000; i++) {
        char *s = tl_arena_strndup(&a, "abcdefghijklmnop", (size_t)(i % 17));
        assert_non_null(s);
        assert_int_equal(strlen(s), (size_t)(i % 17));
        assert_int_equal(((uintptr_t)s) % 8, 0);
    }
    void *big = tl_arena_alloc(&a, 100000); /* larger than any block so far */
    assert_non_null(big);
    memset(big, 1, 100000);
    assert_string_equal(first, "hello"); /* nothing moved */
    assert_null(tl_arena_alloc(&a, SIZE_MAX - 3));
    assert_int_equal(tabllm_last_status(), TABLLM_ERR_OUT_OF_MEMORY);
    tl_alloc_fail_after(1);
    assert_null(tl_arena_alloc(&a, 1u << 24));
    assert_non_null(strstr(tabllm_last_error(), "out of memory"));
    tl_arena_free(&a);
    tl_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_size_arithmetic),
        cmocka_unit_test(test_array_overflow_is_reported),
        cmocka_unit_test(test_injected_failure),
        cmocka_unit_test(test_grow_array),
        cmocka_unit_test(test_buf_appends_and_latches_failure),
        cmocka_unit_test(test_buf_limit),
        cmocka_unit_test(test_params_pattern),
        cmocka_unit_test(test_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
