/* Python's float repr, format "g", float()/int() parsing and str methods,
 * against values CPython 3.11 prints (checked by hand in python3). */
#include <math.h>

#include "formats_test.h"
#include "table/formats/pynum.h"
#include "table/formats/pystr.h"

static void check_repr(double x, const char *want)
{
    char buf[TL_PY_FLOAT_BUF];
    size_t n = tl_py_float_repr(x, buf);
    assert_int_equal(n, strlen(want));
    assert_string_equal(buf, want);
}

static void test_float_repr(void **state)
{
    (void)state;
    check_repr(0.1 + 0.2, "0.30000000000000004");
    check_repr(1e16, "1e+16");
    check_repr(1234567890123456.0, "1234567890123456.0");
    check_repr(0.0001, "0.0001");
    check_repr(1e-05, "1e-05");
    check_repr(5e-324, "5e-324");
    check_repr(1.7976931348623157e308, "1.7976931348623157e+308");
    check_repr(-0.0, "-0.0");
    check_repr(0.0, "0.0");
    check_repr(2.5, "2.5");
    check_repr(100.0, "100.0");
    check_repr(41.0, "41.0");
    check_repr(1e22, "1e+22");
    check_repr(123456789.123, "123456789.123");
    check_repr(9007199254740993.0, "9007199254740992.0");
    check_repr(1.5e-323, "1.5e-323");
    check_repr(1.0 / 3.0, "0.3333333333333333");
    check_repr(1152921504606846976.0, "1.152921504606847e+18");
    check_repr(9.5367431640625e-07, "9.5367431640625e-07");
    check_repr(2.2250738585072014e-308, "2.2250738585072014e-308");
    check_repr(4.35, "4.35");
    check_repr(-768.25, "-768.25");
    check_repr(NAN, "nan");
    check_repr(-NAN, "nan");
    check_repr(INFINITY, "inf");
    check_repr(-INFINITY, "-inf");
}

static void check_g(double x, const char *want)
{
    char buf[TL_PY_FLOAT_BUF];
    tl_py_float_g(x, buf);
    assert_string_equal(buf, want);
}

static void test_float_g(void **state)
{
    (void)state;
    check_g(1234567890123456.0, "1.23457e+15");
    check_g(5e-324, "4.94066e-324");
    check_g(-0.0, "-0");
    check_g(100.0, "100");
    check_g(2.0, "2");
    check_g(0.0001, "0.0001");
    check_g(0.00001, "1e-05");
    check_g(9007199254740992.0, "9.0072e+15");
    check_g(-NAN, "nan");
    check_g(INFINITY, "inf");
}

static void check_float(const char *s, int ok, double want)
{
    double v = 0;
    assert_int_equal(tl_py_parse_float(s, strlen(s), &v), ok);
    if (ok == 1 && !isnan(want))
        assert_true(v == want);
}

static void test_parse_float(void **state)
{
    (void)state;
    check_float("1_0.5", 1, 10.5);
    check_float("  1e5  ", 1, 1e5);
    check_float("1__0", 0, 0);
    check_float("_1", 0, 0);
    check_float("1_", 0, 0);
    check_float("1_.5", 0, 0);
    check_float("1._5", 0, 0);
    check_float("1e_5", 0, 0);
    check_float("0x10", 0, 0);
    check_float("-NaN", 1, NAN);
    check_float("+inf", 1, INFINITY);
    check_float("Infinity", 1, INFINITY);
    check_float("infinit", 0, 0);
    check_float("1.", 1, 1.0);
    check_float(".5", 1, 0.5);
    check_float(".", 0, 0);
    check_float("e5", 0, 0);
    check_float("1e", 0, 0);
    check_float("1e+", 0, 0);
    check_float("\xd9\xa1\xd9\xa2", 1, 12.0);            /* Arabic-Indic 1 2 */
    check_float("\xc2\xa0" "1\xe2\x80\x83", 1, 1.0);     /* NBSP 1 EM SPACE */
    check_float("1e999", 1, INFINITY);
    check_float("", 0, 0);
    check_float("   ", 0, 0);
    check_float("1\xc3\xa9", 0, 0);
    /* longer than any stack buffer */
    char big[600];
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    double v;
    assert_int_equal(tl_py_parse_float(big, strlen(big), &v), 1);
    assert_true(isinf(v)); /* 599 digits: float() overflows to inf */
}

static void test_is_int(void **state)
{
    (void)state;
    assert_true(tl_py_is_int("0012", 4));
    assert_true(tl_py_is_int("1_000", 5));
    assert_false(tl_py_is_int("_1", 2));
    assert_true(tl_py_is_int("+5", 2));
    assert_false(tl_py_is_int("- 5", 3));
    assert_true(tl_py_is_int(" 5 ", 3));
    assert_false(tl_py_is_int("5.0", 3));
    assert_true(tl_py_is_int("\xd9\xa1", 2));
    assert_false(tl_py_is_int("1__0", 4));
    assert_false(tl_py_is_int("+_1", 3));
    assert_true(tl_py_is_int("0_0", 3));
    assert_false(tl_py_is_int("1_", 2));
    assert_false(tl_py_is_int("", 0));
    /* CPython 3.11 refuses more than 4300 digits */
    char *digits = malloc(4302);
    memset(digits, '7', 4301);
    assert_true(tl_py_is_int(digits, 4300));
    assert_false(tl_py_is_int(digits, 4301));
    free(digits);
}

static void test_np_round(void **state)
{
    (void)state;
    assert_true(tl_np_round(0.00015, 4) == 0.0001); /* 1.4999999999999998 rounds down */
    assert_true(tl_np_round(1.00005, 4) == 1.0001);
    assert_true(tl_np_round(0.00005, 4) == 0.0);     /* half to even */
    assert_true(isinf(tl_np_round(1e305, 4)));       /* numpy overflows the same way */
    assert_true(tl_np_round(7.4, 4) == 7.4);
}

static char *repr(const char *s)
{
    tl_buf b = TL_BUF_INIT;
    tl_py_repr_str(&b, s, strlen(s));
    size_t len;
    return tl_buf_detach(&b, &len);
}

static void check_repr_str(const char *s, const char *want)
{
    char *got = repr(s);
    assert_string_equal(got, want);
    tl_free(got);
}

static void test_repr_str(void **state)
{
    (void)state;
    check_repr_str("a\x7f\xc2\x80\xc2\xa0\xc2\xad\xe2\x80\xa8\xf0\x9f\x98\x80\xee\x80\x80",
                   "'a\\x7f\\x80\\xa0\\xad\\u2028\xf0\x9f\x98\x80\\ue000'");
    check_repr_str("it's", "\"it's\"");
    check_repr_str("it's \"x\"", "'it\\'s \"x\"'");
    check_repr_str("tab\there\nnl\r\\", "'tab\\there\\nnl\\r\\\\'");
    check_repr_str("say \"hi\"", "'say \"hi\"'");
    check_repr_str("n\xc3\xa4me", "'n\xc3\xa4me'");
    check_repr_str("", "''");
}

static void test_json_str(void **state)
{
    (void)state;
    tl_buf b = TL_BUF_INIT;
    const char *s = "\"q\" \\ \n\t\b\f\x01\x7f \xc3\xa4 \xf0\x9f\x98\x80";
    tl_py_json_str(&b, s, strlen(s));
    assert_string_equal(b.data,
                        "\"\\\"q\\\" \\\\ \\n\\t\\b\\f\\u0001\\u007f \\u00e4 \\ud83d\\ude00\"");
    tl_buf_free(&b);
}

static void check_lower(const char *s, const char *want)
{
    tl_buf b = TL_BUF_INIT;
    tl_py_lower(&b, s, strlen(s));
    assert_string_equal(b.data ? b.data : "", want);
    tl_buf_free(&b);
}

static void test_lower(void **state)
{
    (void)state;
    check_lower("Solar.R NA", "solar.r na");
    check_lower("\xc4\xb0", "i\xcc\x87");                          /* U+0130: two characters */
    check_lower("\xce\x9f\xce\x94\xce\x9f\xce\xa3", "\xce\xbf\xce\xb4\xce\xbf\xcf\x82"); /* ΟΔΟΣ → οδος, final sigma */
    check_lower("\xce\xa3\xce\x91", "\xcf\x83\xce\xb1");            /* ΣΑ → σα */
    check_lower("\xce\x91\xce\xa3 x", "\xce\xb1\xcf\x82 x");         /* ΑΣ x → ας x */
    check_lower("\xc3\x84\xc3\x96", "\xc3\xa4\xc3\xb6");
}

static void test_strip(void **state)
{
    (void)state;
    const char *s = "\xe3\x80\x80 \x1c a b \xc2\x85\xe2\x80\xa9";
    size_t len = strlen(s);
    tl_py_strip(&s, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(s, "a b", 3);
    /* U+200B ZERO WIDTH SPACE and U+FEFF are not whitespace to Python */
    const char *z = "\xe2\x80\x8bx\xef\xbb\xbf";
    size_t zl = strlen(z);
    tl_py_strip(&z, &zl);
    assert_int_equal(zl, strlen("\xe2\x80\x8bx\xef\xbb\xbf"));
    assert_int_equal(tl_py_len("n\xc3\xa4me\xf0\x9f\x98\x80", 9), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_float_repr), cmocka_unit_test(test_float_g),
        cmocka_unit_test(test_parse_float), cmocka_unit_test(test_is_int),
        cmocka_unit_test(test_np_round),   cmocka_unit_test(test_repr_str),
        cmocka_unit_test(test_json_str),   cmocka_unit_test(test_lower),
        cmocka_unit_test(test_strip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
