/* Tokenizer unit tests: loading errors (each with its message), the API's
 * buffers, offsets, pairs, batches, streams, and the two BPE merge loops.
 * The ids themselves are checked against Hugging Face by the conformance
 * test (tests/conformance/tokenizer/check.py), also for these small files. */
#include "test_util.h"

#include "base/alloc.h"
#include "tokenizer/tjson.h"
#include "tokenizer/tokenizer.h"

static tabllm_tokenizer *load(const char *name)
{
    char *path = test_data_path(name);
    tabllm_tokenizer *t = NULL;
    assert_ok(tabllm_tokenizer_load(path, NULL, &t));
    free(path);
    return t;
}

static tabllm_status from_json(const char *json, tabllm_tokenizer **t)
{
    return tabllm_tokenizer_from_memory(json, strlen(json), NULL, t);
}

#define MODEL(extra) "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, " \
                     "\"merges\": [\"a b\"]" extra "}"

static void test_load_errors(void **state)
{
    (void)state;
    tabllm_tokenizer *t = (tabllm_tokenizer *)1;
    assert_status(from_json("{\"model\": {\n  \"vocab\": [1,}}", &t), TABLLM_ERR_FORMAT,
                  "tokenizer.json:2:");
    assert_null(t);
    assert_status(from_json("[]", &t), TABLLM_ERR_FORMAT, "expected an object");
    assert_status(from_json("{}", &t), TABLLM_ERR_FORMAT, "\"model\" is missing");
    assert_status(from_json("{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}", &t),
                  TABLLM_ERR_UNSUPPORTED, "WordPiece");
    assert_status(from_json(MODEL("}, \"normalizer\": {\"type\": \"BertNormalizer\"}"), &t),
                  TABLLM_ERR_UNSUPPORTED, "BertNormalizer");
    assert_status(from_json(MODEL("}, \"pre_tokenizer\": {\"type\": \"UnicodeScripts\"}"), &t),
                  TABLLM_ERR_UNSUPPORTED, "UnicodeScripts");
    assert_status(from_json(MODEL("}, \"decoder\": {\"type\": \"CTC\"}"), &t),
                  TABLLM_ERR_UNSUPPORTED, "CTC");
    assert_status(from_json(MODEL("}, \"post_processor\": {\"type\": \"Nope\"}"), &t),
                  TABLLM_ERR_UNSUPPORTED, "Nope");
    assert_status(from_json(MODEL(", \"dropout\": 0.1}"), &t), TABLLM_ERR_UNSUPPORTED, "dropout");
    assert_status(from_json(MODEL("}, \"truncation\": {\"max_length\": 5}"), &t),
                  TABLLM_ERR_UNSUPPORTED, "truncation");
    assert_status(from_json("{\"model\": {\"vocab\": {\"a\": 0}, \"merges\": [\"a c\"]}}", &t),
                  TABLLM_ERR_FORMAT, "merges[0]: token \"c\" is not in the vocabulary");
    assert_status(from_json("{\"model\": {\"vocab\": {\"a\": 0}, \"merges\": [\"a a a\"]}}", &t),
                  TABLLM_ERR_FORMAT, "merges[0]");
    assert_status(from_json("{\"model\": {\"vocab\": {\"a\": -3}}}", &t), TABLLM_ERR_FORMAT,
                  "vocab[\"a\"]");
    assert_status(from_json("{\"model\": {\"vocab\": {\"a\": 99999999999}}}", &t),
                  TABLLM_ERR_FORMAT, "expected an id");
    assert_status(from_json(MODEL("}, \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\":"
                                  " [{\"type\": \"ByteLevel\"}, {\"type\": \"Digits\"}]}"), &t),
                  TABLLM_ERR_UNSUPPORTED, "ByteLevel");
    assert_status(from_json(MODEL("}, \"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": "
                                  "{\"Regex\": \"(\"}, \"behavior\": \"Isolated\"}"), &t),
                  TABLLM_ERR_UNSUPPORTED, "regex");
    assert_status(from_json("{\"model\": {\"vocab\": {\"\\ud800\": 0}}}", &t), TABLLM_ERR_FORMAT,
                  "surrogate");
    assert_status(from_json("{\"model\": {\"vocab\": {\"a\xff\": 0}}}", &t), TABLLM_ERR_FORMAT,
                  "UTF-8");
    char *missing = test_data_path("no-such-tokenizer.json");
    assert_status(tabllm_tokenizer_load(missing, NULL, &t), TABLLM_ERR_IO, "no-such-tokenizer");
    free(missing);
    assert_null(t);
    /* A minimal tokenizer loads. */
    assert_ok(from_json(MODEL("}"), &t));
    tabllm_token ids[4];
    size_t n;
    assert_ok(tabllm_tokenizer_encode(t, "abba", 4, 0, ids, 4, &n, NULL));
    assert_int_equal(n, 3); /* ab, b, a */
    assert_int_equal(ids[0], 2);
    tabllm_tokenizer_free(t);
}

static void test_oom(void **state)
{
    (void)state;
    char *path = test_data_path("tokenizer/sentencepiece.json");
    for (unsigned long k = 1; k < 400; k += 7) {
        tabllm_tokenizer *t = NULL;
        tl_alloc_fail_after(k);
        tabllm_status st = tabllm_tokenizer_load(path, NULL, &t);
        tl_alloc_fail_after(0);
        if (st == TABLLM_OK) {
            tabllm_tokenizer_free(t);
            break;
        }
        assert_int_equal(st, TABLLM_ERR_OUT_OF_MEMORY);
        assert_null(t);
    }
    free(path);
}

static void test_encode_api(void **state)
{
    (void)state;
    tabllm_tokenizer *t = load("tokenizer/bytelevel.json");
    const char *text = "Hello café <|endoftext|>x";
    tabllm_token ids[64];
    tabllm_token_offset offs[64];
    size_t n = 0, n2 = 0;
    assert_status(tabllm_tokenizer_encode(t, text, strlen(text), 0, ids, 1, &n, NULL),
                  TABLLM_ERR_BUFFER_TOO_SMALL, "do not fit");
    assert_true(n > 1);
    assert_ok(tabllm_tokenizer_encode(t, text, strlen(text), 0, ids, n, &n2, offs));
    assert_int_equal(n, n2);
    /* offsets are increasing byte ranges inside the text; the special token's is exact */
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(offs[i].start <= offs[i].end && offs[i].end <= strlen(text)); /* trim_offsets may empty a space */
        if (tabllm_tokenizer_is_special(t, ids[i])) {
            assert_int_equal(offs[i].start, 12);
            assert_int_equal(offs[i].end, 25);
            found = 1;
        }
    }
    assert_true(found);
    /* as plain text, the special token's text is split by the model */
    size_t n3;
    assert_ok(tabllm_tokenizer_encode(t, text, strlen(text), TABLLM_TOKENIZE_SPECIAL_AS_TEXT, ids,
                                      64, &n3, NULL));
    assert_true(n3 > n);
    for (size_t i = 0; i < n3; i++)
        assert_false(tabllm_tokenizer_is_special(t, ids[i]));
    assert_int_equal(tabllm_tokenizer_count_tokens(text, strlen(text), t), n);
    assert_status(tabllm_tokenizer_encode(t, "ab\xC3(", 4, 0, ids, 64, &n, NULL),
                  TABLLM_ERR_INVALID_UTF8, "byte offset 2");
    assert_int_equal(tabllm_tokenizer_count_tokens("\xff", 1, t), SIZE_MAX);
    assert_status(tabllm_tokenizer_encode(t, "a", 1, 0x80, ids, 64, &n, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, "flags");
    /* Roberta: <s> A </s> and <s> A </s> </s> B </s> */
    tabllm_token s_id, e_id;
    assert_ok(tabllm_tokenizer_token_to_id(t, "<s>", 3, &s_id));
    assert_ok(tabllm_tokenizer_token_to_id(t, "</s>", 4, &e_id));
    assert_ok(tabllm_tokenizer_encode_pair(t, "the", 3, "in", 2, TABLLM_TOKENIZE_ADD_SPECIAL, ids,
                                           64, &n, NULL));
    assert_int_equal(n, 6);
    assert_int_equal(ids[0], s_id);
    assert_int_equal(ids[2], e_id);
    assert_int_equal(ids[3], e_id);
    assert_int_equal(ids[5], e_id);
    assert_string_equal(tabllm_tokenizer_id_to_token(t, s_id), "<s>");
    assert_null(tabllm_tokenizer_id_to_token(t, -1));
    assert_status(tabllm_tokenizer_token_to_id(t, "nope!", 5, &s_id), TABLLM_ERR_NOT_FOUND, "nope");
    tabllm_tokenizer_free(t);
}

static void test_decode_and_stream(void **state)
{
    (void)state;
    tabllm_tokenizer *t = load("tokenizer/sentencepiece.json");
    const char *text = "Hello the world ça va 😀 日本";
    tabllm_token ids[128];
    size_t n, len;
    assert_ok(tabllm_tokenizer_encode(t, text, strlen(text), TABLLM_TOKENIZE_ADD_SPECIAL, ids, 128,
                                      &n, NULL));
    char full[256], small[4];
    assert_status(tabllm_tokenizer_decode(t, ids, n, TABLLM_DECODE_SKIP_SPECIAL, small, 4, &len),
                  TABLLM_ERR_BUFFER_TOO_SMALL, "do not fit");
    assert_ok(tabllm_tokenizer_decode(t, ids, n, TABLLM_DECODE_SKIP_SPECIAL, full, sizeof full, &len));
    assert_int_equal(len, strlen(full));
    /* the stream yields the same text, piece by piece, each piece valid UTF-8 */
    tabllm_decode_stream *s;
    assert_ok(tabllm_decode_stream_new(t, TABLLM_DECODE_SKIP_SPECIAL, &s));
    char joined[256] = "", piece[64];
    for (size_t i = 0; i < n; i++) {
        size_t pl;
        assert_ok(tabllm_decode_stream_step(s, ids[i], piece, sizeof piece, &pl));
        assert_int_equal(strlen(piece), pl);
        for (size_t k = 0; k < pl; k++)
            assert_true((unsigned char)piece[k] != 0xEF || k + 2 < pl); /* no dangling U+FFFD */
        strcat(joined, piece);
    }
    assert_string_equal(joined, full);
    tabllm_decode_stream_free(s);
    /* A byte token that starts no character, then a word: the whole decode
     * turns the earlier "\x02" into U+FFFD, which the stream had already
     * returned (found by fuzz_tokenizer_decode; Hugging Face fails too). */
    tabllm_token cut[] = {5, 0x95 + 3, 0}; /* <0x02> <0x95> ▁the */
    assert_ok(tabllm_tokenizer_token_to_id(t, "\xE2\x96\x81the", 6, &cut[2]));
    assert_ok(tabllm_decode_stream_new(t, 0, &s));
    size_t pl;
    assert_ok(tabllm_decode_stream_step(s, cut[0], piece, sizeof piece, &pl));
    assert_int_equal(pl, 1);
    assert_ok(tabllm_decode_stream_step(s, cut[1], piece, sizeof piece, &pl));
    assert_int_equal(pl, 0);
    assert_status(tabllm_decode_stream_step(s, cut[2], piece, sizeof piece, &pl),
                  TABLLM_ERR_INVALID_UTF8, "invalid UTF-8");
    tabllm_decode_stream_free(s);
    assert_ok(tabllm_tokenizer_decode(t, cut, 3, 0, full, sizeof full, &len));
    assert_string_equal(full, "\xEF\xBF\xBD\xEF\xBF\xBD the");
    tabllm_token bad = 1 << 20;
    assert_status(tabllm_tokenizer_decode(t, &bad, 1, 0, full, sizeof full, &len),
                  TABLLM_ERR_INVALID_ARGUMENT, "not a token id");
    tabllm_tokenizer_free(t);
}

static void test_batch(void **state)
{
    (void)state;
    tabllm_tokenizer *t = load("tokenizer/wordsplit.json");
    const char *texts[40];
    size_t lens[40];
    char bufs[40][64];
    for (int i = 0; i < 40; i++) {
        snprintf(bufs[i], sizeof bufs[i], "the cat %d sings, and sings%s", i * 37, i % 3 ? "!" : "");
        texts[i] = bufs[i];
        lens[i] = strlen(bufs[i]);
    }
    tabllm_token *ids;
    size_t *starts;
    assert_ok(tabllm_tokenizer_encode_batch(t, texts, lens, 40, TABLLM_TOKENIZE_ADD_SPECIAL, 4, &ids,
                                            &starts));
    for (int i = 0; i < 40; i++) {
        tabllm_token one[64];
        size_t n;
        assert_ok(tabllm_tokenizer_encode(t, texts[i], lens[i], TABLLM_TOKENIZE_ADD_SPECIAL, one, 64,
                                          &n, NULL));
        assert_int_equal(starts[i + 1] - starts[i], n);
        assert_memory_equal(ids + starts[i], one, n * sizeof *one);
    }
    tabllm_free(ids);
    tabllm_free(starts);
    texts[7] = "bad \xff";
    lens[7] = 5;
    assert_status(tabllm_tokenizer_encode_batch(t, texts, lens, 40, 0, 3, &ids, &starts),
                  TABLLM_ERR_INVALID_UTF8, "texts[7]");
    assert_null(ids);
    tabllm_tokenizer_free(t);
}

/* The scan (short words) and the heap (long words) give the same merges. */
static void test_merge_loops_agree(void **state)
{
    (void)state;
    tl_pairmap m;
    assert_ok(tl_pairmap_init(&m, 64));
    uint64_t r = 12345;
    /* ids 0-3 are letters; merges create ids 4.. with random ranks */
    for (int32_t a = 0; a < 8; a++)
        for (int32_t b = 0; b < 8; b++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            if ((r >> 40) % 3 == 0)
                tl_pairmap_put(&m, a, b, (uint32_t)(r >> 50), 4 + (int32_t)((r >> 33) % 4));
        }
    for (int iter = 0; iter < 2000; iter++) {
        size_t n = 1 + iter % 32;
        tl_sym a[32], b[32];
        for (size_t i = 0; i < n; i++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            a[i] = (tl_sym){(int32_t)((r >> 33) % 4), (int32_t)i - 1, (int32_t)i + 1, (uint32_t)i,
                            (uint32_t)i + 1};
        }
        a[n - 1].next = -1;
        memcpy(b, a, sizeof a);
        char heap[32 * 2 * 12];
        tl_bpe_merge_scan(&m, a, n);
        tl_bpe_merge_heap(&m, b, n, heap);
        int32_t i = 0, j = 0;
        for (; i >= 0 && j >= 0; i = a[i].next, j = b[j].next) {
            assert_int_equal(a[i].id, b[j].id);
            assert_int_equal(a[i].end, b[j].end);
        }
        assert_int_equal(i, j);
    }
    tl_pairmap_free(&m);
}

static void test_model_directory(void **state)
{
    (void)state;
    char dir[] = "/tmp/tabllm-tok-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *src = test_data_path("tokenizer/sentencepiece.json"), path[512], cmd[1200];
    snprintf(cmd, sizeof cmd, "cp %s %s/tokenizer.json", src, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"bos_token\": {\"content\": \"<s>\"}, \"eos_token\": \"</s>\", \"add_bos_token\": true,"
          " \"add_eos_token\": true, \"tokenizer_class\": \"LlamaTokenizerFast\", \"chat_template\":"
          " [{\"name\": \"tool\", \"template\": \"x\"}, {\"name\": \"default\", \"template\": \"{{ y }}\"}]}",
          f);
    fclose(f);
    tabllm_tokenizer *t;
    assert_ok(tabllm_tokenizer_load(dir, NULL, &t));
    assert_int_equal(tabllm_tokenizer_special_id(t, TABLLM_SPECIAL_BOS), 1);
    assert_int_equal(tabllm_tokenizer_special_id(t, TABLLM_SPECIAL_EOS), 2);
    assert_int_equal(tabllm_tokenizer_special_id(t, TABLLM_SPECIAL_PAD), -1);
    assert_int_equal(tabllm_tokenizer_special_id(t, TABLLM_SPECIAL_UNK), 0);
    assert_string_equal(tl_tokenizer_chat_template(t), "{{ y }}");
    assert_string_equal(tl_tokenizer_bos_text(t), "<s>");
    assert_string_equal(tl_tokenizer_eos_text(t), "</s>");
    tabllm_token ids[16];
    size_t n;
    assert_ok(tabllm_tokenizer_encode(t, "the", 3, TABLLM_TOKENIZE_ADD_SPECIAL, ids, 16, &n, NULL));
    assert_int_equal(ids[0], 1);
    assert_int_equal(ids[n - 1], 2);
    tabllm_tokenizer_free(t);
    f = fopen(path, "w");
    fputs("{\"eos_token\": \"<nope>\"}", f);
    fclose(f);
    assert_status(tabllm_tokenizer_load(dir, NULL, &t), TABLLM_ERR_FORMAT,
                  "tokenizer_config.json:1:15: eos_token: \"<nope>\" is not in the vocabulary");
    snprintf(cmd, sizeof cmd, "rm -r %s", dir);
    assert_int_equal(system(cmd), 0);
    free(src);
}

/* The JSON reader: values, escapes, and errors with line:column. */
static void test_json_reader(void **state)
{
    (void)state;
    tj_doc d;
    const char *ok = "\xEF\xBB\xBF {\"a\": [1, -23, 4.5e1, true, false, null], "
                     "\"s\": \"x\\u00e9\\ud83d\\ude00\\n\\\"\", \"a\": {}}";
    assert_ok(tj_parse("t.json", ok, strlen(ok), &d));
    const tj_node *root = tj_root(&d), *a = tj_get(&d, root, "a"), *str = tj_get(&d, root, "s");
    assert_int_equal(a->type, TJ_OBJECT); /* the last of repeated keys */
    assert_int_equal(str->type, TJ_STRING);
    assert_int_equal(str->len, 1 + 2 + 4 + 2);
    assert_memory_equal(str->u.str, "x\xC3\xA9\xF0\x9F\x98\x80\n\"", str->len);
    const tj_node *arr = tj_val(&d, root, 0);
    assert_int_equal(arr->len, 6);
    assert_true(tj_at(&d, arr, 1)->is_int && tj_at(&d, arr, 1)->u.num.integer == -23);
    assert_false(tj_at(&d, arr, 2)->is_int);
    assert_true(tj_at(&d, arr, 2)->u.num.real == 45.0);
    tj_free(&d);
    static const struct {
        const char *text, *message;
    } bad[] = {
        {"{\"a\": 1,\n \"b\" 2}", "t.json:2:6: expected ':'"},
        {"[1, 2", "expected ',' or ']'"},
        {"[01]", "expected ',' or ']'"},
        {"[1.]", "digits expected after '.'"},
        {"\"abc", "unterminated string"},
        {"\"a\tb\"", "control character"},
        {"\"\\x\"", "invalid escape"},
        {"\"\\udc00\"", "lone trailing surrogate"},
        {"{} x", "unexpected text after"},
        {"nul", "unexpected character"},
        {"", "unexpected end of input"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_status(tj_parse("t.json", bad[i].text, strlen(bad[i].text), &d), TABLLM_ERR_FORMAT,
                      bad[i].message);
    char deep[600];
    memset(deep, '[', 300);
    memset(deep + 300, ']', 300);
    assert_status(tj_parse("t.json", deep, 600, &d), TABLLM_ERR_FORMAT, "nesting deeper");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_errors),       cmocka_unit_test(test_oom),
        cmocka_unit_test(test_encode_api),        cmocka_unit_test(test_decode_and_stream),
        cmocka_unit_test(test_batch),             cmocka_unit_test(test_merge_loops_agree),
        cmocka_unit_test(test_model_directory),   cmocka_unit_test(test_json_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
