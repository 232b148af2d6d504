/* File mapping and reading, and the JSON layer's messages. */
#include <sys/stat.h>

#include "../../common/test_util.h"
#include "base/alloc.h"
#include "base/file.h"
#include "base/json.h"

static void test_map_and_read(void **state)
{
    (void)state;
    char *path = test_write_temp("hello", 5, ".txt");
    tl_mapped_file f;
    assert_ok(tl_file_map(path, &f));
    assert_int_equal(f.size, 5);
    assert_memory_equal(f.data, "hello", 5);
    tl_file_unmap(&f);
    assert_null(f.data);

    char *text;
    size_t len;
    assert_ok(tl_file_read(path, 100, &text, &len));
    assert_int_equal(len, 5);
    assert_string_equal(text, "hello");
    tl_free(text);

    assert_status(tl_file_read(path, 4, &text, &len), TABLLM_ERR_LIMIT_EXCEEDED,
                  "5 bytes is over the limit of 4 bytes");
    assert_null(text);
    assert_true(tl_file_exists(path));
    unlink(path);
    assert_false(tl_file_exists(path));
    free(path);
}

static void test_empty_file_maps_to_nothing(void **state)
{
    (void)state;
    char *path = test_write_temp("", 0, NULL);
    tl_mapped_file f;
    assert_ok(tl_file_map(path, &f));
    assert_null(f.data);
    assert_int_equal(f.size, 0);
    tl_file_unmap(&f);
    unlink(path);
    free(path);
}

static void test_file_errors_name_the_path(void **state)
{
    (void)state;
    tl_mapped_file f;
    assert_status(tl_file_map("/nonexistent/model.safetensors", &f), TABLLM_ERR_IO,
                  "/nonexistent/model.safetensors: cannot open: No such file");
    assert_status(tl_file_map("/tmp", &f), TABLLM_ERR_IO, "/tmp: not a regular file");
    assert_status(tl_file_map(NULL, &f), TABLLM_ERR_INVALID_ARGUMENT, "NULL");
    char *text;
    assert_status(tl_file_read("/nonexistent/x.json", 10, &text, NULL), TABLLM_ERR_IO,
                  "/nonexistent/x.json");
    if (geteuid() != 0) { /* root reads anything */
        char *path = test_write_temp("x", 1, NULL);
        chmod(path, 0);
        assert_status(tl_file_read(path, 10, &text, NULL), TABLLM_ERR_IO, "Permission denied");
        unlink(path);
        free(path);
    }
}

static void test_path_helpers(void **state)
{
    (void)state;
    char *p = tl_path_join("models/smol/", "config.json");
    assert_string_equal(p, "models/smol/config.json");
    tl_free(p);
    assert_string_equal(tl_path_basename("a/b/c.json"), "c.json");
    assert_string_equal(tl_path_basename("c.json"), "c.json");
    tl_alloc_fail_after(1);
    assert_null(tl_path_join("a", "b"));
    assert_int_equal(tabllm_last_status(), TABLLM_ERR_OUT_OF_MEMORY);
}

static void test_json_parse_error_has_position(void **state)
{
    (void)state;
    json_t *root;
    const char *text = "{\n  \"a\": 1,\n  \"b\": tru\n}";
    assert_status(tl_json_parse("config.json", text, strlen(text), 0, &root), TABLLM_ERR_FORMAT,
                  "config.json:3:");
    assert_null(root);
    const char *dup = "{\"a\": 1, \"a\": 2}";
    assert_ok(tl_json_parse("x.json", dup, strlen(dup), 0, &root));
    json_decref(root);
    assert_status(tl_json_parse("x.json", dup, strlen(dup), TL_JSON_REJECT_DUPLICATES, &root),
                  TABLLM_ERR_FORMAT, "duplicate");
    assert_status(tl_json_parse("x.json", "", 0, 0, &root), TABLLM_ERR_FORMAT, "x.json:");
}

static void test_json_load_file(void **state)
{
    (void)state;
    const char *text = "{\"hidden_size\": 64}";
    char *path = test_write_temp(text, strlen(text), ".json");
    json_t *root;
    assert_ok(tl_json_load_file(path, 1000, 0, &root));
    int64_t v;
    assert_ok(tl_json_req_int(path, root, "hidden_size", &v));
    assert_int_equal(v, 64);
    json_decref(root);
    assert_status(tl_json_load_file(path, 3, 0, &root), TABLLM_ERR_LIMIT_EXCEEDED, path);
    unlink(path);
    free(path);
    assert_status(tl_json_load_file("/nonexistent.json", 10, 0, &root), TABLLM_ERR_IO,
                  "/nonexistent.json");
}

static void test_json_typed_fields(void **state)
{
    (void)state;
    const char *text = "{\"n\": 8, \"f\": 1e-5, \"whole\": 4.0, \"s\": \"silu\", \"b\": true,"
                       " \"neg\": -3, \"nul\": null, \"big\": 5000}";
    json_t *o;
    assert_ok(tl_json_parse("config.json", text, strlen(text), 0, &o));
    int64_t i;
    double d;
    bool b;
    const char *s;
    assert_ok(tl_json_req_int("config.json", o, "n", &i));
    assert_int_equal(i, 8);
    assert_ok(tl_json_req_int("config.json", o, "whole", &i));
    assert_int_equal(i, 4);
    assert_ok(tl_json_opt_int("config.json", o, "missing", 42, &i));
    assert_int_equal(i, 42);
    assert_ok(tl_json_opt_int("config.json", o, "nul", 7, &i));
    assert_int_equal(i, 7);
    assert_ok(tl_json_req_number("config.json", o, "f", &d));
    assert_true(d == 1e-5);
    assert_ok(tl_json_req_number("config.json", o, "n", &d));
    assert_true(d == 8.0);
    assert_ok(tl_json_opt_number("config.json", o, "missing", 0.5, &d));
    assert_true(d == 0.5);
    assert_ok(tl_json_opt_bool("config.json", o, "b", false, &b));
    assert_true(b);
    assert_ok(tl_json_opt_bool("config.json", o, "missing", true, &b));
    assert_true(b);
    assert_ok(tl_json_req_string("config.json", o, "s", &s));
    assert_string_equal(s, "silu");
    assert_ok(tl_json_opt_string("config.json", o, "missing", "dflt", &s));
    assert_string_equal(s, "dflt");
    assert_ok(tl_json_req_count("config.json", o, "n", 100, &i));
    assert_ok(tl_json_opt_count("config.json", o, "missing", 100, 3, &i));
    assert_int_equal(i, 3);

    assert_status(tl_json_req_int("config.json", o, "s", &i), TABLLM_ERR_FORMAT,
                  "config.json: \"s\" must be an integer, got a string");
    assert_status(tl_json_req_int("config.json", o, "f", &i), TABLLM_ERR_FORMAT,
                  "must be an integer, got a real number");
    assert_status(tl_json_req_int("config.json", o, "missing", &i), TABLLM_ERR_FORMAT,
                  "config.json: required field \"missing\" is missing");
    assert_status(tl_json_req_count("config.json", o, "neg", 100, &i), TABLLM_ERR_FORMAT,
                  "\"neg\" = -3 is outside [0, 100]");
    assert_status(tl_json_opt_count("config.json", o, "big", 100, 0, &i), TABLLM_ERR_FORMAT,
                  "\"big\" = 5000 is outside [0, 100]");
    assert_status(tl_json_req_number("config.json", o, "s", &d), TABLLM_ERR_FORMAT,
                  "must be a number");
    assert_status(tl_json_req_number("config.json", o, "missing", &d), TABLLM_ERR_FORMAT,
                  "missing");
    assert_status(tl_json_opt_number("config.json", o, "b", 0, &d), TABLLM_ERR_FORMAT,
                  "must be a number, got a boolean");
    assert_status(tl_json_opt_bool("config.json", o, "n", false, &b), TABLLM_ERR_FORMAT,
                  "must be a boolean");
    assert_status(tl_json_req_string("config.json", o, "n", &s), TABLLM_ERR_FORMAT,
                  "must be a string");
    assert_status(tl_json_req_string("config.json", o, "missing", &s), TABLLM_ERR_FORMAT,
                  "missing");
    assert_status(tl_json_opt_string("config.json", o, "b", NULL, &s), TABLLM_ERR_FORMAT,
                  "must be a string");
    json_t *arr = json_array();
    assert_status(tl_json_opt_int("config.json", arr, "n", 0, &i), TABLLM_ERR_FORMAT,
                  "expected an object holding \"n\", got an array");
    json_decref(arr);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_and_read),
        cmocka_unit_test(test_empty_file_maps_to_nothing),
        cmocka_unit_test(test_file_errors_name_the_path),
        cmocka_unit_test(test_path_helpers),
        cmocka_unit_test(test_json_parse_error_has_position),
        cmocka_unit_test(test_json_load_file),
        cmocka_unit_test(test_json_typed_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
