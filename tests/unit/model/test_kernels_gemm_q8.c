/* The blocked GEMM (F16/BF16/Q8_0 weights) and the Q8_0 kernels against
 * the scalar references, on sizes that hit every edge (panels of 16, tiles
 * of 6 rows, KC blocks of 256, remainders of 8), and the Q8_0 weight
 * quantizer against its definition. */
#include <math.h>

#include "../../common/test_util.h"
#include "model/kernels.h"

static float frand(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (float)(*s >> 8) / 16777216.0f - 0.5f;
}

/* A random [rows, cols] weight in `dt` (Q8_0 quantized from floats); the
 * caller frees w->data and w->scales. */
static tl_weight make_weight(tl_dtype dt, int rows, int cols, uint32_t *seed)
{
    size_t n = (size_t)rows * cols;
    float *f = malloc(n * 4);
    for (size_t i = 0; i < n; i++)
        f[i] = frand(seed);
    tl_weight w = {.dtype = dt, .rows = rows, .cols = cols};
    if (dt == TL_DTYPE_Q8_0) {
        int8_t *q = malloc(n);
        uint16_t *sc = malloc(n / TL_Q8_BLOCK * 2 + 2);
        assert_true(tl_quantize_q8_rows(TL_DTYPE_F32, f, cols, 0, rows, q, sc));
        w.data = q;
        w.scales = sc;
        free(f);
    } else {
        void *d = malloc(n * 4);
        tl_convert(TL_DTYPE_F32, f, dt, d, n);
        w.data = d;
        free(f);
    }
    return w;
}

static void free_weight(tl_weight *w)
{
    free((void *)w->data);
    free((void *)w->scales);
}

static void test_gemm_matches_scalar(void **state)
{
    (void)state;
    const tl_kernel_table *simd = tl_kernels_avx2(), *ref = tl_kernels_scalar();
    if (simd == NULL)
        skip();
    /* rows, cols, input rows */
    int shapes[][3] = {{1, 8, 1}, {5, 13, 3}, {17, 40, 7}, {33, 64, 13}, {130, 520, 9},
                       {16, 264, 6}, {300, 96, 25}};
    tl_dtype dts[] = {TL_DTYPE_F16, TL_DTYPE_BF16, TL_DTYPE_Q8_0};
    uint32_t seed = 3;
    float *scratch = malloc(TL_GEMM_SCRATCH_FLOATS * 4 + 4096 * 4);
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        int rows = shapes[k][0], cols = shapes[k][1], n = shapes[k][2];
        for (size_t d = 0; d < 3; d++) {
            if (dts[d] == TL_DTYPE_Q8_0 && cols % TL_Q8_BLOCK != 0)
                continue;
            tl_weight w = make_weight(dts[d], rows, cols, &seed);
            float *x = malloc((size_t)n * cols * 4);
            for (int i = 0; i < n * cols; i++)
                x[i] = frand(&seed);
            size_t ny = (size_t)n * rows;
            float *y1 = calloc(ny, 4), *y2 = calloc(ny, 4), *y3 = calloc(ny, 4);
            simd->gemm[dts[d]](&w, 0, rows, x, cols, n, y1, rows, scratch);
            ref->gemm[dts[d]](&w, 0, rows, x, cols, n, y2, rows, scratch);
            for (size_t i = 0; i < ny; i++)
                if (fabsf(y1[i] - y2[i]) > 2e-6f * sqrtf((float)cols) + 1e-6f)
                    fail_msg("%s %dx%d n=%d: [%zu] %g vs %g", tl_dtype_name(dts[d]), rows, cols,
                             n, i, y1[i], y2[i]);
            /* any cut of the rows gives the same bits, and only its rows */
            for (int cut = 1; cut < rows; cut += 7) {
                memset(y3, 0, ny * 4);
                simd->gemm[dts[d]](&w, cut, rows, x, cols, n, y3, rows, scratch);
                simd->gemm[dts[d]](&w, 0, cut, x, cols, n, y3, rows, scratch);
                assert_memory_equal(y1, y3, ny * 4);
            }
            memset(y3, 0, ny * 4);
            simd->gemm[dts[d]](&w, rows / 2, rows, x, cols, n, y3, rows, scratch);
            for (int t = 0; t < n; t++)
                for (int r = 0; r < rows / 2; r++)
                    assert_true(y3[(size_t)t * rows + r] == 0);
            /* the rows kernel (decode) agrees with the GEMM (prefill) */
            if (dts[d] != TL_DTYPE_Q8_0) {
                ref->rows[dts[d]](&w, 0, rows, x, n, y3, rows);
                for (size_t i = 0; i < ny; i++)
                    assert_float_equal(y3[i], y2[i], 2e-6 * sqrt(cols) + 1e-6);
            }
            free(x);
            free(y1);
            free(y2);
            free(y3);
            free_weight(&w);
        }
    }
    free(scratch);
}

/* The weight quantizer: scales are amax/127 in F16, every value within half
 * a step of the original, never -128, and non-finite input refused. */
static void test_quantize_weights(void **state)
{
    (void)state;
    enum { R = 3, C = 96 };
    float f[R * C];
    uint32_t seed = 5;
    for (int i = 0; i < R * C; i++)
        f[i] = 4 * frand(&seed);
    for (int i = 0; i < C / 2; i++)
        f[C + i] = 0; /* a zero block */
    f[2 * C + 5] = -3.75f; /* the block's extreme is negative */
    int8_t q[R * C];
    uint16_t sc[R * C / TL_Q8_BLOCK];
    assert_true(tl_quantize_q8_rows(TL_DTYPE_F32, f, C, 0, R, q, sc));
    for (int r = 0; r < R; r++)
        for (int b = 0; b < C / TL_Q8_BLOCK; b++) {
            float amax = 0, d = tl_f16_to_f32(sc[r * (C / TL_Q8_BLOCK) + b]);
            for (int i = 0; i < TL_Q8_BLOCK; i++)
                amax = fmaxf(amax, fabsf(f[r * C + b * TL_Q8_BLOCK + i]));
            assert_int_equal(sc[r * (C / TL_Q8_BLOCK) + b], tl_f32_to_f16(amax / 127));
            for (int i = 0; i < TL_Q8_BLOCK; i++) {
                int at = r * C + b * TL_Q8_BLOCK + i;
                assert_true(q[at] >= -127 && q[at] <= 127);
                assert_true(fabsf(q[at] * d - f[at]) <= 0.5f * d * 1.01f + 1e-7f);
            }
        }
    assert_int_equal(q[2 * C + 5], -127);
    tl_weight w = {.dtype = TL_DTYPE_Q8_0, .rows = R, .cols = C, .data = q, .scales = sc};
    float row[C];
    tl_weight_row_f32(&w, 2, row);
    assert_float_equal(row[5], -127 * tl_f16_to_f32(sc[2 * (C / TL_Q8_BLOCK)]), 0);
    assert_int_equal(tl_weight_bytes(&w), R * C + R * C / TL_Q8_BLOCK * 2);
    /* BF16 sources give the same as their float values */
    uint16_t h[R * C];
    int8_t q2[R * C];
    uint16_t sc2[R * C / TL_Q8_BLOCK];
    tl_convert(TL_DTYPE_F32, f, TL_DTYPE_BF16, h, R * C);
    float fb[R * C];
    tl_convert(TL_DTYPE_BF16, h, TL_DTYPE_F32, fb, R * C);
    assert_true(tl_quantize_q8_rows(TL_DTYPE_BF16, h, C, 0, R, q2, sc2));
    assert_true(tl_quantize_q8_rows(TL_DTYPE_F32, fb, C, 0, R, q, sc));
    assert_memory_equal(q, q2, sizeof q);
    assert_memory_equal(sc, sc2, sizeof sc);
    f[7] = NAN;
    assert_false(tl_quantize_q8_rows(TL_DTYPE_F32, f, C, 0, 1, q, sc));
    f[7] = 1e30f; /* the scale would overflow F16 */
    assert_false(tl_quantize_q8_rows(TL_DTYPE_F32, f, C, 0, 1, q, sc));
}

/* Decode with Q8_0: the input quantizers agree bit for bit, the int8 dot
 * kernels agree, and the result is close to the float product of the
 * dequantized weights (the input rounding is the only extra error). */
static void test_q8_decode(void **state)
{
    (void)state;
    const tl_kernel_table *simd = tl_kernels_avx2(), *ref = tl_kernels_scalar();
    int shapes[][3] = {{1, 32, 1}, {7, 64, 2}, {37, 896, 3}, {64, 4864, 1}};
    uint32_t seed = 11;
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        int rows = shapes[k][0], cols = shapes[k][1], n = shapes[k][2], nb = cols / TL_Q8_BLOCK;
        tl_weight w = make_weight(TL_DTYPE_Q8_0, rows, cols, &seed);
        float *x = malloc((size_t)n * cols * 4);
        for (int i = 0; i < n * cols; i++)
            x[i] = 3 * frand(&seed);
        if (k == 1)
            memset(x, 0, TL_Q8_BLOCK * 4); /* an all-zero input block */
        int8_t *q1 = malloc((size_t)n * cols), *q2 = malloc((size_t)n * cols);
        float *d1 = malloc((size_t)n * nb * 4), *d2 = malloc((size_t)n * nb * 4);
        ref->quantize_q8(x, (int64_t)n * cols, q1, d1);
        float *y1 = calloc((size_t)n * rows, 4), *y2 = calloc((size_t)n * rows, 4);
        ref->rows_q8(&w, 0, rows, q1, d1, n, y1, rows);
        if (simd != NULL) {
            simd->quantize_q8(x, (int64_t)n * cols, q2, d2);
            assert_memory_equal(q1, q2, (size_t)n * cols);
            assert_memory_equal(d1, d2, (size_t)n * nb * 4);
            simd->rows_q8(&w, 0, rows, q1, d1, n, y2, rows);
            for (int i = 0; i < n * rows; i++)
                assert_float_equal(y1[i], y2[i], 1e-5 * sqrt(cols) + 1e-6);
        }
        float *wr = malloc((size_t)cols * 4);
        for (int r = 0; r < rows; r++) {
            tl_weight_row_f32(&w, r, wr);
            for (int t = 0; t < n; t++) {
                double exact = 0, bound = 0;
                for (int i = 0; i < cols; i++) {
                    exact += (double)wr[i] * x[t * cols + i];
                    /* each input moves by at most half its block's step */
                    bound += fabs(wr[i]) * 0.5 * d1[t * nb + i / TL_Q8_BLOCK];
                }
                assert_float_equal(y1[t * rows + r], exact, bound + 1e-4);
            }
        }
        for (int i = 0; i < n * cols; i++)
            assert_true(q1[i] >= -127 && q1[i] <= 127);
        free(wr);
        free(x);
        free(q1);
        free(q2);
        free(d1);
        free(d2);
        free(y1);
        free(y2);
        free_weight(&w);
    }
}

/* The decode kernels tile rows by the range they are given (four rows from
 * the range's quarters), and linear.c cuts ranges by chunk: every row must
 * come out bit for bit the same however [0, rows) is cut, or results would
 * depend on the chunking. */
static void rows_in_pieces(const tl_kernel_table *kt, const tl_weight *w, const float *x,
                           const int8_t *xq, const float *xd, int n, int64_t piece, float *y)
{
    for (int64_t r0 = 0; r0 < w->rows; r0 += piece) {
        int64_t r1 = r0 + piece < w->rows ? r0 + piece : w->rows;
        if (w->dtype == TL_DTYPE_Q8_0)
            kt->rows_q8(w, r0, r1, xq, xd, n, y, w->rows);
        else
            kt->rows[w->dtype](w, r0, r1, x, n, y, w->rows);
    }
}

static void test_rows_cut_independent(void **state)
{
    (void)state;
    const tl_kernel_table *simd = tl_kernels_avx2();
    if (simd == NULL)
        skip();
    const int rows = 45, cols = 96, n = 2, nb = cols / TL_Q8_BLOCK;
    const int64_t pieces[] = {1, 3, 4, 5, 7, 13, 44};
    const tl_dtype dts[] = {TL_DTYPE_F32, TL_DTYPE_F16, TL_DTYPE_BF16, TL_DTYPE_Q8_0};
    uint32_t seed = 5;
    float *x = malloc((size_t)n * cols * 4), *d = malloc((size_t)n * nb * 4);
    int8_t *q = malloc((size_t)n * cols);
    for (int i = 0; i < n * cols; i++)
        x[i] = frand(&seed);
    simd->quantize_q8(x, (int64_t)n * cols, q, d);
    float *whole = malloc((size_t)n * rows * 4), *cut = malloc((size_t)n * rows * 4);
    for (size_t k = 0; k < sizeof dts / sizeof dts[0]; k++) {
        tl_weight w = make_weight(dts[k], rows, cols, &seed);
        rows_in_pieces(simd, &w, x, q, d, n, rows, whole);
        for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
            memset(cut, 0xff, (size_t)n * rows * 4);
            rows_in_pieces(simd, &w, x, q, d, n, pieces[p], cut);
            assert_memory_equal(whole, cut, (size_t)n * rows * 4);
        }
        free_weight(&w);
    }
    free(x);
    free(d);
    free(q);
    free(whole);
    free(cut);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemm_matches_scalar),
        cmocka_unit_test(test_quantize_weights),
        cmocka_unit_test(test_q8_decode),
        cmocka_unit_test(test_rows_cut_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
