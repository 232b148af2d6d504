/* The SIMD kernels against the scalar reference ones, on odd sizes that hit
 * every remainder path, and the dtype conversions bit for bit. */
#include <math.h>

#include "../../common/test_util.h"
#include "model/kernels.h"

static float frand(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (float)(*s >> 8) / 16777216.0f - 0.5f;
}

static void test_rows_match_scalar(void **state)
{
    (void)state;
    const tl_kernel_table *simd = tl_kernels_avx2(), *ref = tl_kernels_scalar();
    if (simd == NULL)
        skip();
    int shapes[][2] = {{1, 1}, {3, 7}, {4, 16}, {9, 33}, {37, 53}, {64, 4864}};
    uint32_t seed = 1;
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        int rows = shapes[k][0], cols = shapes[k][1];
        for (int dt = 0; dt < 3; dt++) {
            size_t n = (size_t)rows * cols;
            float *wf = malloc(n * 4);
            void *w = malloc(n * 4);
            for (size_t i = 0; i < n; i++)
                wf[i] = frand(&seed);
            tl_convert(TL_DTYPE_F32, wf, (tl_dtype)dt, w, n);
            tl_weight W = {.dtype = (tl_dtype)dt, .rows = rows, .cols = cols, .data = w};
            for (int ntok = 1; ntok <= 3; ntok++) {
                float *x = malloc((size_t)ntok * cols * 4);
                float *y1 = calloc((size_t)ntok * rows, 4), *y2 = calloc((size_t)ntok * rows, 4);
                for (int i = 0; i < ntok * cols; i++)
                    x[i] = frand(&seed);
                simd->rows[dt](&W, 0, rows, x, ntok, y1, rows);
                ref->rows[dt](&W, 0, rows, x, ntok, y2, rows);
                for (int i = 0; i < ntok * rows; i++)
                    assert_float_equal(y1[i], y2[i], 1e-5 * sqrt(cols) + 1e-6);
                /* a slice writes only its rows */
                memset(y1, 0, (size_t)ntok * rows * 4);
                simd->rows[dt](&W, rows / 2, rows, x, ntok, y1, rows);
                for (int t = 0; t < ntok; t++)
                    for (int r = 0; r < rows; r++)
                        if (r < rows / 2)
                            assert_true(y1[t * rows + r] == 0);
                        else
                            assert_float_equal(y1[t * rows + r], y2[t * rows + r],
                                               1e-5 * sqrt(cols) + 1e-6);
                free(x);
                free(y1);
                free(y2);
            }
            float *a = malloc((size_t)cols * 4), *b = malloc((size_t)cols * 4);
            simd->widen[dt](w, a, cols);
            ref->widen[dt](w, b, cols);
            assert_memory_equal(a, b, (size_t)cols * 4);
            free(a);
            free(b);
            free(w);
            free(wf);
        }
        float *a = malloc((size_t)cols * 4), *b = malloc((size_t)cols * 4), *y = malloc((size_t)cols * 4),
              *y2 = malloc((size_t)cols * 4);
        for (int i = 0; i < cols; i++) {
            a[i] = frand(&seed);
            b[i] = frand(&seed);
            y[i] = y2[i] = frand(&seed);
        }
        assert_float_equal(simd->dot(a, b, cols), ref->dot(a, b, cols), 1e-5 * sqrt(cols));
        simd->axpy(0.7f, a, y, cols);
        ref->axpy(0.7f, a, y2, cols);
        for (int i = 0; i < cols; i++)
            assert_float_equal(y[i], y2[i], 1e-6);
        free(a);
        free(b);
        free(y);
        free(y2);
    }
}

/* SIMD softmax and SwiGLU (their own exp) against the libm-based ones. */
static void test_exp_kernels(void **state)
{
    (void)state;
    const tl_kernel_table *simd = tl_kernels_avx2(), *ref = tl_kernels_scalar();
    if (simd == NULL)
        skip();
    uint32_t seed = 9;
    for (int n = 1; n < 300; n += 37) {
        float *a = malloc((size_t)n * 4), *b = malloc((size_t)n * 4), *u = malloc((size_t)n * 4);
        for (int i = 0; i < n; i++) {
            a[i] = b[i] = 60 * frand(&seed);
            u[i] = frand(&seed);
        }
        simd->softmax(a, n);
        ref->softmax(b, n);
        for (int i = 0; i < n; i++)
            assert_float_equal(a[i], b[i], 2e-7 + 4e-7 * b[i]);
        for (int i = 0; i < n; i++)
            a[i] = b[i] = 40 * frand(&seed);
        simd->swiglu(a, u, n);
        ref->swiglu(b, u, n);
        for (int i = 0; i < n; i++)
            assert_float_equal(a[i], b[i], 1e-6 + 4e-7 * fabsf(b[i]));
        free(a);
        free(b);
        free(u);
    }
}

static void test_half_conversions(void **state)
{
    (void)state;
    /* every half value survives half -> float -> half */
    for (uint32_t h = 0; h < 65536; h++) {
        float f = tl_f16_to_f32((uint16_t)h);
        if (isnan(f))
            assert_true(isnan(tl_f16_to_f32(tl_f32_to_f16(f))));
        else
            assert_int_equal(tl_f32_to_f16(f), h);
        float g = tl_bf16_to_f32((uint16_t)h);
        if (!isnan(g))
            assert_int_equal(tl_f32_to_bf16(g), h);
    }
    assert_true(tl_f16_to_f32(0x3c00) == 1.0f);
    assert_true(tl_f16_to_f32(0x0001) == ldexpf(1, -24));
    assert_int_equal(tl_f32_to_f16(65520.0f), 0x7c00); /* rounds to infinity */
    assert_int_equal(tl_f32_to_f16(65504.0f), 0x7bff);
    assert_int_equal(tl_f32_to_f16(1.0f + ldexpf(1, -11)), 0x3c00); /* tie to even */
    assert_int_equal(tl_f32_to_f16(1.0f + 3 * ldexpf(1, -11)), 0x3c02);
    assert_int_equal(tl_f32_to_bf16(1.0f + ldexpf(1, -8)), 0x3f80); /* tie to even */
    assert_int_equal(tl_f32_to_bf16(1.0f + 3 * ldexpf(1, -8)), 0x3f82);
}

static void test_small_kernels(void **state)
{
    (void)state;
    float x[5] = {1, 2, 3, 4, 5}, w[5] = {1, 1, 1, 1, 2}, out[5];
    tl_rmsnorm(out, x, w, 5, 0);
    double rms = sqrt((1 + 4 + 9 + 16 + 25) / 5.0);
    for (int i = 0; i < 5; i++)
        assert_float_equal(out[i], w[i] * x[i] / rms, 1e-6);
    float s[4] = {1000, 1001, 1002, -1e30f};
    tl_softmax(s, 4);
    assert_float_equal(s[0] + s[1] + s[2] + s[3], 1, 1e-6);
    assert_float_equal(s[2] / s[1], expf(1), 1e-4);
    assert_true(s[3] == 0);
    float g[2] = {0, 2}, u[2] = {3, 0.5f};
    tl_swiglu(g, u, 2);
    assert_float_equal(g[0], 0, 1e-7);
    assert_float_equal(g[1], 2 / (1 + expf(-2)) * 0.5f, 1e-6);
    float v[4] = {1, 2, 3, 4}, c[2] = {0, 1}, sn[2] = {1, 0};
    tl_rope_apply(v, c, sn, 4); /* pair 0 turned by 90 degrees, pair 1 untouched */
    assert_float_equal(v[0], -3, 1e-7);
    assert_float_equal(v[2], 1, 1e-7);
    assert_float_equal(v[1], 2, 1e-7);
    assert_float_equal(v[3], 4, 1e-7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_match_scalar),
        cmocka_unit_test(test_exp_kernels),
        cmocka_unit_test(test_half_conversions),
        cmocka_unit_test(test_small_kernels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
