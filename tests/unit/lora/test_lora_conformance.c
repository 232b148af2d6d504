/* LoRA adapters against the independent PyTorch reference
 * (tests/conformance/lora/gen_adapters.py), which computes every option
 * with explicit effective weights as PEFT's rules give them: each case's
 * sequences alone (prefill, then token-by-token decode), all of a case's
 * sequences mixed in one batch (contiguous and interleaved rows), merged,
 * with 1 and 2 threads and through the threaded low-rank path; switching
 * adapters in a session equals a fresh session, and returning to the base
 * model (after a merge and an unmerge too) gives the base logits exactly. */
#include <math.h>
#include <stdlib.h>

#include "../../common/test_util.h"
#include "base/json.h"
#include "lora/lora.h"

#define MAX_SEQ 8
#define MAX_ADS 4
#define N_CTX 64

typedef struct seq_ref {
    tabllm_adapter *ads[MAX_ADS];
    float scales[MAX_ADS];
    int n_ads;
    int32_t prompt[N_CTX];
    int n_prompt;
    float *logits; /* [n_prompt, vocab] */
    double tol;
} seq_ref;

static json_t *root;
static char lora_dir[1024];

/* A path of cases.json, relative to the data directory. */
static const char *data_path(const char *rel, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", lora_dir, rel);
    return buf;
}

static tabllm_adapter *adapter_for(tabllm_model *m, const char *name, tabllm_adapter **cache,
                                   char (*names)[64], int *n)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(names[i], name) == 0)
            return cache[i];
    char dir[1400];
    data_path(json_string_value(json_object_get(json_object_get(root, "adapters"), name)), dir,
              sizeof dir);
    tabllm_adapter *a = NULL;
    tabllm_adapter_params p;
    assert_ok(tabllm_adapter_params_init(&p, sizeof p));
    p.flags = TABLLM_ADAPTER_CHECK_FINITE;
    assert_ok(tabllm_adapter_load(m, dir, &p, &a));
    snprintf(names[*n], 64, "%s", name);
    cache[(*n)++] = a;
    return a;
}

static tabllm_session *session(tabllm_model *m, uint32_t n_seq, uint32_t threads)
{
    tabllm_session_params sp;
    assert_ok(tabllm_session_params_init(&sp, sizeof sp));
    sp.n_ctx = N_CTX;
    sp.n_seq_max = n_seq;
    sp.n_threads = threads;
    tabllm_session *s = NULL;
    assert_ok(tabllm_session_new(m, &sp, &s));
    return s;
}

static double row_diff(const float *a, const float *b, int n)
{
    double d = 0;
    for (int i = 0; i < n; i++) {
        double x = fabs((double)a[i] - b[i]);
        if (!(x <= d))
            d = x;
    }
    return d;
}

/* Prefill of one sequence with every row's logits: max diff / tol. */
static double prefill_check(tabllm_session *s, const seq_ref *r, int vocab, int32_t seq, int n)
{
    int8_t want[N_CTX];
    int32_t seqs[N_CTX];
    for (int i = 0; i < n; i++) {
        want[i] = 1;
        seqs[i] = seq;
    }
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = (uint32_t)n, .tokens = r->prompt,
                      .seq_ids = seqs, .logits = want};
    assert_ok(tabllm_session_decode(s, &b));
    double worst = 0;
    for (int i = 0; i < n; i++) {
        const float *l;
        assert_ok(tabllm_session_logits(s, i, &l));
        double d = row_diff(l, r->logits + (size_t)i * vocab, vocab) / r->tol;
        worst = d > worst ? d : worst;
    }
    return worst;
}

/* The rest of the prompt one token at a time (the decode path). */
static double decode_check(tabllm_session *s, const seq_ref *r, int vocab, int from)
{
    double worst = 0;
    for (int i = from; i < r->n_prompt; i++) {
        tabllm_batch b = {.struct_size = sizeof b, .n_tokens = 1, .tokens = &r->prompt[i]};
        assert_ok(tabllm_session_decode(s, &b));
        const float *l;
        assert_ok(tabllm_session_logits(s, -1, &l));
        double d = row_diff(l, r->logits + (size_t)i * vocab, vocab) / r->tol;
        worst = d > worst ? d : worst;
    }
    return worst;
}

/* All sequences of a case in one batch; interleaved or one after another. */
static double mixed_check(tabllm_model *m, seq_ref *refs, int n_seqs, int vocab, bool interleave,
                          uint32_t threads)
{
    tabllm_session *s = session(m, (uint32_t)n_seqs, threads);
    for (int q = 0; q < n_seqs; q++)
        assert_ok(tabllm_session_set_seq_adapters(s, q, refs[q].ads, refs[q].scales,
                                                  (size_t)refs[q].n_ads));
    int total = 0;
    for (int q = 0; q < n_seqs; q++)
        total += refs[q].n_prompt;
    int32_t *tok = malloc((size_t)total * sizeof *tok), *seq = malloc((size_t)total * sizeof *seq),
            *pos = malloc((size_t)total * sizeof *pos);
    int8_t *want = malloc((size_t)total);
    int k = 0;
    if (interleave) {
        for (int i = 0; i < N_CTX; i++)
            for (int q = 0; q < n_seqs; q++)
                if (i < refs[q].n_prompt)
                    tok[k] = refs[q].prompt[i], seq[k] = q, pos[k] = i, want[k++] = 1;
    } else {
        for (int q = 0; q < n_seqs; q++)
            for (int i = 0; i < refs[q].n_prompt; i++)
                tok[k] = refs[q].prompt[i], seq[k] = q, pos[k] = i, want[k++] = 1;
    }
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = (uint32_t)total, .tokens = tok,
                      .seq_ids = seq, .logits = want};
    assert_ok(tabllm_session_decode(s, &b));
    double worst = 0;
    for (int i = 0; i < total; i++) {
        const float *l;
        assert_ok(tabllm_session_logits(s, i, &l));
        const seq_ref *r = &refs[seq[i]];
        double d = row_diff(l, r->logits + (size_t)pos[i] * vocab, vocab) / r->tol;
        worst = d > worst ? d : worst;
    }
    free(tok);
    free(seq);
    free(pos);
    free(want);
    tabllm_session_free(s);
    return worst;
}

static float *base_logits(tabllm_model *m, const seq_ref *r, int vocab)
{
    tabllm_session *s = session(m, 1, 1);
    int8_t want[N_CTX];
    memset(want, 1, sizeof want);
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = (uint32_t)r->n_prompt,
                      .tokens = r->prompt, .logits = want};
    assert_ok(tabllm_session_decode(s, &b));
    float *out = malloc((size_t)r->n_prompt * vocab * sizeof *out);
    for (int i = 0; i < r->n_prompt; i++) {
        const float *l;
        assert_ok(tabllm_session_logits(s, i, &l));
        memcpy(out + (size_t)i * vocab, l, (size_t)vocab * sizeof *l);
    }
    tabllm_session_free(s);
    return out;
}

static void assert_base_exact(tabllm_session *s, const seq_ref *r, const float *base, int vocab)
{
    assert_ok(tabllm_session_seq_clear(s, -1));
    int8_t want[N_CTX];
    memset(want, 1, sizeof want);
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = (uint32_t)r->n_prompt,
                      .tokens = r->prompt, .logits = want};
    assert_ok(tabllm_session_decode(s, &b));
    for (int i = 0; i < r->n_prompt; i++) {
        const float *l;
        assert_ok(tabllm_session_logits(s, i, &l));
        if (memcmp(l, base + (size_t)i * vocab, (size_t)vocab * sizeof *l) != 0)
            fail_msg("row %d differs from the base model's logits", i);
    }
}

static void run_case(const json_t *c)
{
    const char *name = json_string_value(json_object_get(c, "name"));
    char model_dir[1400], path[1400];
    data_path(json_string_value(json_object_get(c, "model")), model_dir, sizeof model_dir);
    bool f32 = strcmp(json_string_value(json_object_get(c, "stored")), "f32") == 0;
    int vocab = (int)json_integer_value(json_object_get(c, "n_vocab"));
    tabllm_model *m = NULL;
    assert_ok(tabllm_model_load(model_dir, NULL, &m));
    tabllm_adapter *cache[16];
    char names[16][64];
    int n_cache = 0;
    const json_t *seqs = json_object_get(c, "sequences");
    int n_seqs = (int)json_array_size(seqs);
    assert_true(n_seqs <= MAX_SEQ);
    seq_ref refs[MAX_SEQ];
    memset(refs, 0, sizeof refs);
    for (int q = 0; q < n_seqs; q++) {
        const json_t *j = json_array_get(seqs, (size_t)q);
        seq_ref *r = &refs[q];
        const json_t *ads = json_object_get(j, "adapters"), *sc = json_object_get(j, "scales");
        r->n_ads = (int)json_array_size(ads);
        for (int i = 0; i < r->n_ads; i++) {
            r->ads[i] = adapter_for(m, json_string_value(json_array_get(ads, (size_t)i)), cache,
                                    names, &n_cache);
            r->scales[i] = (float)json_number_value(json_array_get(sc, (size_t)i));
        }
        const json_t *pr = json_object_get(j, "prompt");
        r->n_prompt = (int)json_array_size(pr);
        for (int i = 0; i < r->n_prompt; i++)
            r->prompt[i] = (int32_t)json_integer_value(json_array_get(pr, (size_t)i));
        double maxabs = json_number_value(json_object_get(j, "max_abs_logit"));
        r->tol = 1e-3 * (maxabs > 1 ? maxabs : 1);
        size_t n = (size_t)r->n_prompt * (size_t)vocab;
        r->logits = malloc(n * sizeof(float));
        FILE *f =
            fopen(data_path(json_string_value(json_object_get(j, "logits")), path, sizeof path),
                  "rb");
        assert_non_null(f);
        assert_int_equal(fread(r->logits, sizeof(float), n, f), n);
        fclose(f);
    }
    double worst = 0, w;
#define CHECK(what, expr)                                                                   \
    do {                                                                                    \
        w = (expr);                                                                         \
        if (!(w <= 1.0))                                                                    \
            fail_msg("%s: %s: max |diff| is %.3g x the tolerance", name, what, w);          \
        worst = w > worst ? w : worst;                                                      \
    } while (0)
    for (int q = 0; q < n_seqs; q++) {
        const seq_ref *r = &refs[q];
        for (uint32_t threads = 1; threads <= 2; threads++) {
            tabllm_session *s = session(m, 1, threads);
            assert_ok(tabllm_session_set_adapters(s, r->ads, r->scales, (size_t)r->n_ads));
            CHECK("prefill", prefill_check(s, r, vocab, 0, r->n_prompt));
            assert_ok(tabllm_session_seq_clear(s, 0));
            CHECK("prefill+decode", prefill_check(s, r, vocab, 0, r->n_prompt / 2));
            CHECK("decode", decode_check(s, r, vocab, r->n_prompt / 2));
            tabllm_session_free(s);
        }
        /* the threaded low-rank path on these small shapes */
        size_t saved = tl_lora_inline_macs;
        tl_lora_inline_macs = 0;
        tabllm_session *s = session(m, 1, 2);
        assert_ok(tabllm_session_set_adapters(s, r->ads, r->scales, (size_t)r->n_ads));
        CHECK("threaded prefill", prefill_check(s, r, vocab, 0, r->n_prompt));
        tabllm_session_free(s);
        tl_lora_inline_macs = saved;

        /* switching, merging, unmerging, and back to the exact base */
        float *base = base_logits(m, r, vocab);
        if (r->n_ads > 0) { /* the adapter must matter, or none of this shows anything */
            double moved = 0;
            for (int i = 0; i < r->n_prompt; i++) {
                double d = row_diff(base + (size_t)i * vocab, r->logits + (size_t)i * vocab, vocab);
                moved = d > moved ? d : moved;
            }
            if (moved < 50 * r->tol)
                fail_msg("%s: the adapter moves the logits by only %.3g", name, moved);
        }
        s = session(m, 1, 1);
        assert_base_exact(s, r, base, vocab);
        assert_ok(tabllm_session_set_adapters(s, r->ads, r->scales, (size_t)r->n_ads));
        assert_ok(tabllm_session_seq_clear(s, -1));
        CHECK("after switching", prefill_check(s, r, vocab, 0, r->n_prompt));
        if (f32 && r->n_ads > 0) {
            assert_ok(tabllm_session_merge_adapters(s));
            assert_true(tabllm_session_adapters_merged(s));
            assert_ok(tabllm_session_seq_clear(s, -1));
            CHECK("merged", prefill_check(s, r, vocab, 0, r->n_prompt));
            tabllm_session_unmerge_adapters(s);
            assert_ok(tabllm_session_seq_clear(s, -1));
            CHECK("unmerged again", prefill_check(s, r, vocab, 0, r->n_prompt));
        }
        assert_ok(tabllm_session_set_adapters(s, NULL, NULL, 0));
        assert_base_exact(s, r, base, vocab);
        tabllm_session_free(s);
        free(base);
    }
    if (n_seqs > 1) {
        for (uint32_t threads = 1; threads <= 2; threads++) {
            CHECK("mixed batch", mixed_check(m, refs, n_seqs, vocab, false, threads));
            CHECK("interleaved batch", mixed_check(m, refs, n_seqs, vocab, true, threads));
        }
        size_t saved = tl_lora_inline_macs;
        tl_lora_inline_macs = 0;
        CHECK("threaded mixed batch", mixed_check(m, refs, n_seqs, vocab, false, 2));
        tl_lora_inline_macs = saved;
    }
#undef CHECK
    print_message("%-16s %d sequence(s): worst %.4f x tolerance\n", name, n_seqs, worst);
    for (int q = 0; q < n_seqs; q++)
        free(refs[q].logits);
    for (int i = 0; i < n_cache; i++)
        tabllm_adapter_free(cache[i]);
    tabllm_model_free(m);
}

static void test_cases(void **state)
{
    (void)state;
    const json_t *cases = json_object_get(root, "cases");
    assert_true(json_array_size(cases) >= 17);
    for (size_t i = 0; i < json_array_size(cases); i++)
        run_case(json_array_get(cases, i));
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "scalar") == 0)
        setenv("TABLLM_KERNELS", "scalar", 1);
    const char *data = getenv("TABLLM_CONFORMANCE_DATA");
    snprintf(lora_dir, sizeof lora_dir, "%s/lora", data ? data : "");
    char path[1100];
    snprintf(path, sizeof path, "%s/cases.json", lora_dir);
    if (tl_json_load_file(path, 16 << 20, 0, &root) != TABLLM_OK) {
        fprintf(stderr, "no LoRA reference data (%s); run tests/conformance/generate.sh\n", path);
        return 77;
    }
    tabllm_set_blas_threads(1, NULL);
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_cases)};
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    json_decref(root);
    return rc;
}
