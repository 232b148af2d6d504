/* The malformed-input matrix: for each kind of input the library reads, the
 * bad cases tried and the status each one returns, every row generated here
 * in code and run through the public API. docs/errors.md shows the same
 * table: `test_error_matrix --markdown` prints it, `--check-doc FILE` (a
 * meson test) fails when the document and this list differ, and
 * `--update-doc FILE` rewrites the document's table.
 *
 * Each row also names a fragment the message must contain, so a row checks
 * that the message says what and where, not only the status. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <zip.h>

#include "../common/test_util.h"
#include "../unit/model/tiny_model.h"
#include "error_matrix.h"

/* ---- inputs built in code ------------------------------------------------ */

static char *repeat(const char *a, size_t n, const char *mid, const char *b, size_t m)
{
    size_t la = strlen(a), lm = strlen(mid), lb = strlen(b);
    char *s = malloc(la * n + lm + lb * m + 1), *p = s;
    for (size_t i = 0; i < n; i++, p += la)
        memcpy(p, a, la);
    memcpy(p, mid, lm), p += lm;
    for (size_t i = 0; i < m; i++, p += lb)
        memcpy(p, b, lb);
    *p = '\0';
    return s;
}

static char *fresh_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = malloc(4096);
    snprintf(dir, 4096, "%s/tabllm-errors-XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        fail_msg("mkdtemp");
    return dir;
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
        fail_msg("cannot write %s", path);
}

static char *read_data(const char *name, size_t *len)
{
    char *path = test_data_path(name);
    FILE *f = fopen(path, "rb");
    free(path);
    if (f == NULL)
        fail_msg("cannot read %s", name);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (fread(s, 1, (size_t)n, f) != (size_t)n)
        fail_msg("short read");
    s[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return s;
}

/* ---- tables -------------------------------------------------------------- */

static tabllm_status read_table(tabllm_table_format format, const void *data, size_t len,
                                int arg)
{
    tabllm_table_read_params p;
    tabllm_table_read_params_init(&p, sizeof p);
    p.format = format;
    if (arg & EM_RAGGED_ERROR)
        p.ragged_policy = TABLLM_RAGGED_ERROR;
    if (arg & EM_SMALL_CAPS) {
        p.max_field_bytes = 8;
        p.max_columns = 3;
        p.max_cells = 6;
    }
    if (arg & EM_SMALL_INPUT)
        p.max_input_bytes = 16;
    if (arg & EM_TABLE_1)
        p.table_index = 1, p.sheet_index = 1;
    if (arg & EM_SHEET_NAME)
        p.sheet_name = "Nope";
    if (arg & EM_SMALL_INFLATE)
        p.max_inflated_bytes = 65536;
    tabllm_table *t = (tabllm_table *)1;
    tabllm_status st = tabllm_table_from_memory(data, len, &p, &t);
    if (st != TABLLM_OK && t != NULL)
        fail_msg("a failed read left *out set");
    tabllm_table_free(t);
    return st;
}

static tabllm_status run_csv(const em_case *c)
{
    return read_table(TABLLM_TABLE_FORMAT_CSV, c->text, c->len ? c->len : strlen(c->text), c->arg);
}

static tabllm_status run_tsv(const em_case *c)
{
    return read_table(TABLLM_TABLE_FORMAT_TSV, c->text, c->len ? c->len : strlen(c->text), c->arg);
}

static tabllm_status run_html(const em_case *c)
{
    return read_table(TABLLM_TABLE_FORMAT_HTML, c->text, c->len ? c->len : strlen(c->text),
                      c->arg);
}

static tabllm_status run_json_table(const em_case *c)
{
    return read_table(TABLLM_TABLE_FORMAT_JSON, c->text, c->len ? c->len : strlen(c->text),
                      c->arg);
}

/* Deep nesting, built at run time: `arg` levels. */
static tabllm_status run_json_table_deep(const em_case *c)
{
    char *s = repeat("[", (size_t)c->arg, "1", "]", (size_t)c->arg);
    tabllm_status st = read_table(TABLLM_TABLE_FORMAT_JSON, s, strlen(s), 0);
    free(s);
    return st;
}

static tabllm_status run_html_deep(const em_case *c)
{
    char *s = repeat("<div>", (size_t)c->arg, "<table><tr><td>1</td></tr></table>", "</div>",
                     (size_t)c->arg);
    tabllm_status st = read_table(TABLLM_TABLE_FORMAT_HTML, s, strlen(s), 0);
    free(s);
    return st;
}

/* XLSX: the parts of c->text ("\n====\n" between sheet1, sharedStrings,
 * workbook), zipped with libzip; EM_DEFLATE compresses the sheet,
 * EM_TRUNCATE cuts the archive in half. */
static const char rels[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>";
static const char wb_rels[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"x/sharedStrings\" Target=\"sharedStrings.xml\"/>"
    "</Relationships>";
static const char wb_default[] =
    "<workbook xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";

static unsigned char *zip_parts(const char *const *names, const char *const *texts,
                                const size_t *lens, int n, bool deflate, size_t *out_len)
{
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &err);
    zip_source_keep(src);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
    if (za == NULL)
        fail_msg("zip_open_from_source");
    for (int i = 0; i < n; i++) {
        zip_int64_t idx =
            zip_file_add(za, names[i], zip_source_buffer(za, texts[i], lens[i], 0), 0);
        if (idx < 0)
            fail_msg("zip_file_add");
        zip_set_file_compression(za, (zip_uint64_t)idx, deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE,
                                 deflate ? 9 : 0);
    }
    if (zip_close(za) != 0)
        fail_msg("zip_close");
    zip_stat_t st;
    if (zip_source_stat(src, &st) != 0 || zip_source_open(src) != 0)
        fail_msg("zip source");
    unsigned char *buf = malloc(st.size);
    zip_int64_t got = zip_source_read(src, buf, st.size);
    zip_source_close(src);
    zip_source_free(src);
    zip_error_fini(&err);
    *out_len = (size_t)got;
    return buf;
}

static tabllm_status run_xlsx(const em_case *c)
{
    const char *names[5] = {"_rels/.rels", "xl/_rels/workbook.xml.rels",
                            "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml",
                            "xl/workbook.xml"};
    const char *texts[5] = {rels, wb_rels, NULL, NULL, wb_default};
    size_t lens[5] = {strlen(rels), strlen(wb_rels), 0, 0, strlen(wb_default)};
    char *copy = strdup(c->text);
    char *sheet = copy, *strings = strstr(copy, "\n====\n"), *wb = NULL;
    if (strings) {
        *strings = '\0', strings += 6;
        if ((wb = strstr(strings, "\n====\n")) != NULL)
            *wb = '\0', wb += 6;
    }
    texts[2] = sheet, lens[2] = strlen(sheet);
    texts[3] = strings ? strings : "<sst/>", lens[3] = strlen(texts[3]);
    if (wb)
        texts[4] = wb, lens[4] = strlen(wb);
    int n = (c->arg & EM_NO_WORKBOOK) ? 4 : 5;
    size_t zlen;
    unsigned char *zip = zip_parts(names, texts, lens, n, (c->arg & EM_DEFLATE) != 0, &zlen);
    if (c->arg & EM_TRUNCATE)
        zlen /= 2;
    tabllm_status st = read_table(TABLLM_TABLE_FORMAT_XLSX, zip, zlen, c->arg);
    free(zip);
    free(copy);
    return st;
}

/* A sheet whose elements nest c->arg levels deep. */
static tabllm_status run_xlsx_deep(const em_case *c)
{
    char *inner = repeat("<a>", (size_t)c->arg, "", "</a>", (size_t)c->arg);
    size_t n = strlen(inner) + 32;
    char *sheet = malloc(n);
    snprintf(sheet, n, "<worksheet>%s</worksheet>", inner);
    em_case d = *c;
    d.text = sheet;
    d.arg = 0;
    tabllm_status st = run_xlsx(&d);
    free(sheet);
    free(inner);
    return st;
}

/* A sheet of c->arg bytes, mostly spaces, that deflates to a few hundred:
 * read with max_inflated_bytes of 64 KiB. */
static tabllm_status run_xlsx_bomb(const em_case *c)
{
    char *sheet = repeat(" ", (size_t)c->arg, "<worksheet/>", "", 0);
    em_case d = *c;
    d.text = sheet;
    d.arg = EM_DEFLATE | EM_SMALL_INFLATE;
    tabllm_status st = run_xlsx(&d);
    free(sheet);
    return st;
}

/* Bytes that are not a zip archive at all. */
static tabllm_status run_xlsx_raw(const em_case *c)
{
    return read_table(TABLLM_TABLE_FORMAT_XLSX, c->text, c->len ? c->len : strlen(c->text),
                      c->arg);
}

/* ---- tokenizers ---------------------------------------------------------- */

static tabllm_status run_tokenizer_json(const em_case *c)
{
    tabllm_tokenizer_params p;
    tabllm_tokenizer_params_init(&p, sizeof p);
    if (c->arg & EM_SMALL_INPUT)
        p.max_file_bytes = 16;
    tabllm_tokenizer *t = (tabllm_tokenizer *)1;
    tabllm_status st =
        tabllm_tokenizer_from_memory(c->text, c->len ? c->len : strlen(c->text), &p, &t);
    if (st != TABLLM_OK && t != NULL)
        fail_msg("a failed load left *out set");
    tabllm_tokenizer_free(t);
    return st;
}

static tabllm_status run_tokenizer_deep(const em_case *c)
{
    char *inner = repeat("[", (size_t)c->arg, "1", "]", (size_t)c->arg);
    size_t n = strlen(inner) + 64;
    char *s = malloc(n);
    snprintf(s, n, "{\"version\": \"1.0\", \"x\": %s}", inner);
    tabllm_tokenizer *t = NULL;
    tabllm_status st = tabllm_tokenizer_from_memory(s, strlen(s), NULL, &t);
    tabllm_tokenizer_free(t);
    free(s);
    free(inner);
    return st;
}

/* A directory with tests/data/tokenizer/bytelevel.json as tokenizer.json and
 * c->text as tokenizer_config.json (or generation_config.json). */
static tabllm_status run_tokenizer_dir(const em_case *c)
{
    size_t len;
    char *tj = read_data("tokenizer/bytelevel.json", &len);
    char *dir = fresh_dir();
    write_file(dir, "tokenizer.json", tj, len);
    write_file(dir, (c->arg & EM_GENERATION) ? "generation_config.json" : "tokenizer_config.json",
               c->text, strlen(c->text));
    tabllm_tokenizer *t = NULL;
    tabllm_status st = tabllm_tokenizer_load(dir, NULL, &t);
    tabllm_tokenizer_free(t);
    tiny_remove(dir);
    free(tj);
    return st;
}

/* ---- models -------------------------------------------------------------- */

static tabllm_status load_model_dir(const char *dir, uint32_t flags)
{
    tabllm_model_params p;
    tabllm_model_params_init(&p, sizeof p);
    p.flags = flags;
    tabllm_model *m = (tabllm_model *)1;
    tabllm_status st = tabllm_model_load(dir, &p, &m);
    if (st != TABLLM_OK && m != NULL)
        fail_msg("a failed load left *out set");
    tabllm_model_free(m);
    return st;
}

static tabllm_status run_config(const em_case *c)
{
    char *dir = tiny_model(c->text, NULL, NULL, NULL);
    tabllm_status st = load_model_dir(dir, 0);
    tiny_remove(dir);
    return st;
}

static tabllm_status run_config_deep(const em_case *c)
{
    char *inner = repeat("[", (size_t)c->arg, "1", "]", (size_t)c->arg);
    size_t n = strlen(inner) + strlen(TINY_CONFIG) + 16;
    char *s = malloc(n);
    snprintf(s, n, "{\"x\": %s, %s", inner, &TINY_CONFIG[1]);
    char *dir = tiny_model(s, NULL, NULL, NULL);
    tabllm_status st = load_model_dir(dir, 0);
    tiny_remove(dir);
    free(s);
    free(inner);
    return st;
}

/* Tensor edits for tiny_model's hook; c->arg picks one, on the tensor whose
 * name contains c->text. */
static int edit_tensor(tiny_tensor *t, void *user)
{
    const em_case *c = user;
    if (strstr(t->name, c->text) == NULL)
        return 1;
    switch (c->arg & 0xff) {
    case EM_T_DROP: return 0;
    case EM_T_SHAPE: t->shape[0] += 1; return 1;
    case EM_T_DTYPE_I32: strcpy(t->dtype, "I32"); return 1;
    case EM_T_DTYPE_F8: strcpy(t->dtype, "F8_E4M3"); return 1; /* 1 byte: tiny_esize */
    case EM_T_DTYPE_F16: strcpy(t->dtype, "F16"); return 1;
    case EM_T_RANK3: t->n_dims = 1, t->shape[0] *= t->shape[1]; return 1;
    default: return 1;
    }
}

static tabllm_status run_tensor(const em_case *c)
{
    char *dir = tiny_model(NULL, edit_tensor, (void *)c, NULL);
    tabllm_status st = load_model_dir(dir, 0);
    tiny_remove(dir);
    return st;
}

/* An extra tensor no architecture uses. */
static int add_unused(tiny_tensor *t, void *user)
{
    (void)user;
    if (strcmp(t->name, "model.norm.weight") == 0)
        snprintf(t->name, sizeof t->name, "model.unused.weight");
    return 1;
}

static tabllm_status run_fill(const em_case *c)
{
    float v = c->arg & EM_F_NAN ? NAN : INFINITY;
    char *dir = tiny_model(NULL, c->arg & EM_F_UNUSED ? add_unused : NULL, NULL, &v);
    tabllm_status st = load_model_dir(dir, c->arg & EM_F_CHECK ? TABLLM_MODEL_CHECK_FINITE : 0);
    tiny_remove(dir);
    return st;
}

/* A raw model.safetensors: an 8-byte little-endian header length (c->arg, or
 * the header's length when 0), the header c->text padded to 8 bytes, then
 * zero bytes for the data (c->len of them). */
static tabllm_status run_safetensors(const em_case *c)
{
    char *dir = tiny_model(NULL, NULL, NULL, NULL);
    size_t hl = strlen(c->text), padded = (hl + 7) / 8 * 8;
    size_t total = 8 + padded + c->len;
    unsigned char *buf = calloc(1, total);
    uint64_t declared = c->arg == EM_ST_SHORT ? 0 : c->arg ? (uint64_t)c->arg : padded;
    if (c->arg == EM_ST_HUGE)
        declared = (uint64_t)1 << 40;
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)(declared >> (8 * i));
    memcpy(buf + 8, c->text, hl);
    memset(buf + 8 + hl, ' ', padded - hl);
    write_file(dir, "model.safetensors", buf, c->arg == EM_ST_SHORT ? 5 : total);
    free(buf);
    tabllm_status st = load_model_dir(dir, 0);
    tiny_remove(dir);
    return st;
}

/* A sharded model: the tiny model's weights as part.safetensors, and c->text
 * as model.safetensors.index.json. */
static tabllm_status run_index(const em_case *c)
{
    char *dir = tiny_model(NULL, NULL, NULL, NULL);
    char from[4200], to[4200];
    snprintf(from, sizeof from, "%s/model.safetensors", dir);
    snprintf(to, sizeof to, "%s/part.safetensors", dir);
    if (rename(from, to) != 0)
        fail_msg("rename");
    write_file(dir, "model.safetensors.index.json", c->text, strlen(c->text));
    tabllm_status st = load_model_dir(dir, 0);
    tiny_remove(dir);
    return st;
}

/* ---- chat templates ------------------------------------------------------ */

static tabllm_status run_chat(const em_case *c)
{
    tabllm_chat_message m[2] = {{"user", "Hi"}, {"user", "again"}};
    tabllm_chat_params p;
    tabllm_chat_params_init(&p, sizeof p);
    p.now = 1721984700;
    if (c->arg & EM_SMALL_CAPS) {
        p.max_template_bytes = 64;
        p.max_loop_iterations = 1000;
        p.max_output_bytes = 4096;
        p.max_memory_bytes = 1 << 20;
    }
    if (c->arg & EM_BAD_CONTEXT)
        p.context_json = "{\"tools\": [1, }";
    char *out = (char *)1;
    tabllm_status st = tabllm_chat_template_render(c->text, m, c->arg & EM_TWO_MESSAGES ? 2 : 1,
                                                   &p, &out, NULL);
    if (st != TABLLM_OK && out != NULL)
        fail_msg("a failed render left *out set");
    tabllm_free(out);
    return st;
}

static tabllm_status run_chat_deep(const em_case *c)
{
    char *s = repeat("(", (size_t)c->arg, "1", ")", (size_t)c->arg);
    size_t n = strlen(s) + 16;
    char *t = malloc(n);
    snprintf(t, n, "{{ %s }}", s);
    char *out = NULL;
    tabllm_status st = tabllm_chat_template_render(t, NULL, 0, NULL, &out, NULL);
    tabllm_free(out);
    free(t);
    free(s);
    return st;
}

/* ---- API misuse ---------------------------------------------------------- */

static tabllm_model *tiny;
static char *tiny_dir;

static tabllm_status with_session(const em_case *c, tabllm_session **s)
{
    (void)c;
    tabllm_session_params p;
    tabllm_session_params_init(&p, sizeof p);
    p.n_ctx = 4;
    return tabllm_session_new(tiny, &p, s);
}

static tabllm_status run_misuse(const em_case *c)
{
    tabllm_session *s = NULL;
    tabllm_status st = TABLLM_ERR_INTERNAL;
    switch (c->arg) {
    case EM_M_NULL_OUT: return tabllm_table_load("x.csv", NULL, NULL);
    case EM_M_NULL_PATH: {
        tabllm_model *m;
        return tabllm_model_load(NULL, NULL, &m);
    }
    case EM_M_STRUCT_BIG: {
        tabllm_session_params p;
        tabllm_session_params_init(&p, sizeof p);
        p.struct_size = sizeof p + 8;
        return tabllm_session_new(tiny, &p, &s);
    }
    case EM_M_STRUCT_SMALL: {
        tabllm_encode_params p;
        return tabllm_encode_params_init(&p, 2);
    }
    case EM_M_MISSING_FILE: {
        tabllm_table *t;
        return tabllm_table_load("/nonexistent/table.csv", NULL, &t);
    }
    case EM_M_MISSING_DIR: {
        tabllm_model *m;
        return tabllm_model_load("/nonexistent/model", NULL, &m);
    }
    case EM_M_THREADS_0: {
        tabllm_session_params p;
        tabllm_session_params_init(&p, sizeof p);
        p.n_threads = 0;
        return tabllm_session_new(tiny, &p, &s);
    }
    case EM_M_CTX_HUGE: {
        tabllm_session_params p;
        tabllm_session_params_init(&p, sizeof p);
        p.n_ctx = (1u << 22) + 1;
        st = tabllm_session_new(tiny, &p, &s);
        tabllm_session_free(s);
        return st;
    }
    default: break;
    }
    if ((st = with_session(c, &s)) != TABLLM_OK)
        return st;
    tabllm_token toks[6] = {1, 2, 3, 4, 5, 6};
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = 1, .tokens = toks};
    const float *l;
    switch (c->arg) {
    case EM_M_TOKEN_RANGE:
        toks[0] = 16;
        st = tabllm_session_decode(s, &b);
        break;
    case EM_M_CONTEXT_FULL:
        b.n_tokens = 5;
        st = tabllm_session_decode(s, &b);
        break;
    case EM_M_EMPTY_BATCH:
        b.n_tokens = 0;
        st = tabllm_session_decode(s, &b);
        break;
    case EM_M_SEQ_RANGE: {
        int32_t seq = 3;
        b.seq_ids = &seq;
        st = tabllm_session_decode(s, &b);
        break;
    }
    case EM_M_POSITION_GAP: {
        int32_t pos = 2;
        b.positions = &pos;
        st = tabllm_session_decode(s, &b);
        break;
    }
    case EM_M_LOGITS_FIRST: st = tabllm_session_logits(s, -1, &l); break;
    case EM_M_LOGITS_ROW:
        b.n_tokens = 2;
        if ((st = tabllm_session_decode(s, &b)) == TABLLM_OK)
            st = tabllm_session_logits(s, 0, &l);
        break;
    case EM_M_SAMPLER: {
        tabllm_sampler_params p;
        tabllm_sampler_params_init(&p, sizeof p);
        p.top_p = 2.0f;
        tabllm_token out;
        if ((st = tabllm_session_decode(s, &b)) == TABLLM_OK)
            st = tabllm_session_sample(s, -1, &p, NULL, 0, &out);
        break;
    }
    default: fail_msg("unknown misuse case %d", c->arg);
    }
    tabllm_session_free(s);
    return st;
}

static tabllm_status run_tokenizer_misuse(const em_case *c)
{
    tabllm_tokenizer *t;
    char *path = test_data_path("tokenizer/bytelevel.json");
    tabllm_status st = tabllm_tokenizer_load(path, NULL, &t);
    free(path);
    if (st != TABLLM_OK)
        return st;
    tabllm_token ids[4];
    size_t n;
    switch (c->arg) {
    case EM_K_SMALL_BUFFER:
        st = tabllm_tokenizer_encode(t, "hello world, again", 18, 0, ids, 1, &n, NULL);
        break;
    case EM_K_BAD_UTF8: st = tabllm_tokenizer_encode(t, "ab\xC3(", 4, 0, ids, 4, &n, NULL); break;
    case EM_K_BAD_ID: {
        tabllm_token bad = -5;
        char out[16];
        st = tabllm_tokenizer_decode(t, &bad, 1, 0, out, sizeof out, &n);
        break;
    }
    case EM_K_UNKNOWN_TOKEN: st = tabllm_tokenizer_token_to_id(t, "no such", 7, &ids[0]); break;
    default: fail_msg("unknown tokenizer misuse %d", c->arg);
    }
    tabllm_tokenizer_free(t);
    return st;
}

/* ---- the matrix ---------------------------------------------------------- */

#include "error_matrix_cases.h"

static int setup(void **state)
{
    (void)state;
    tiny_dir = tiny_model(NULL, NULL, NULL, NULL);
    return tabllm_model_load(tiny_dir, NULL, &tiny) == TABLLM_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tabllm_model_free(tiny);
    tiny_remove(tiny_dir);
    return 0;
}

static void test_matrix(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < sizeof em_cases / sizeof em_cases[0]; i++) {
        const em_case *c = &em_cases[i];
        tabllm_status st = c->run(c);
        const char *msg = tabllm_last_error();
        if (st != c->expect) {
            print_error("%s / %s: returned %s (%s), expected %s\n", c->kind, c->name,
                        tabllm_status_string(st), msg, tabllm_status_string(c->expect));
            failed++;
        } else if (st != TABLLM_OK && c->fragment && strstr(msg, c->fragment) == NULL) {
            print_error("%s / %s: message \"%s\" lacks \"%s\"\n", c->kind, c->name, msg,
                        c->fragment);
            failed++;
        } else if (getenv("EM_VERBOSE")) {
            print_message("%s / %s: %s: %s\n", c->kind, c->name, tabllm_status_string(st),
                          st ? msg : "");
        }
    }
    if (failed)
        fail_msg("%d of %zu rows differ", failed, sizeof em_cases / sizeof em_cases[0]);
}

int main(int argc, char **argv)
{
    if (argc >= 2)
        return em_doc_main(argc, argv, em_cases, sizeof em_cases / sizeof em_cases[0]);
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_matrix)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
