/* UniPredict (rwang37/UniPredict): preprocessing/utils.py data_to_prompt and
 * label_to_prompt, preprocessing/dataset.py PROMPT_DICT, fed as
 * preprocessing/preprocess_kaggle_dataset.py does: pd.read_csv, the target
 * dropped, DataFrame.round(4), DataFrame.values.tolist(). */
#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "table/formats/formats.h"
#include "table/formats/frame.h"
#include "table/formats/pynum.h"
#include "table/formats/pystr.h"

static const char *const PROMPT_HEAD =
    "Below is the description of a dataset, an object profile from the dataset and a target "
    "description. Predict the target by the given information of the object.\n";

/* ---- the common dtype of DataFrame.values --------------------------------- */

typedef enum values_kind { VALUES_INT, VALUES_UINT, VALUES_FLOAT, VALUES_BOOL, VALUES_OBJECT } values_kind;

/* pandas' interleaved_dtype (find_common_type) over the feature columns. */
static values_kind common_kind(const tl_frame *f, const size_t *cols, size_t n)
{
    if (!f->pandas)
        return VALUES_OBJECT;
    bool any_int = false, any_uint = false, any_float = false, any_bool = false;
    for (size_t i = 0; i < n; i++) {
        switch (f->cols[cols[i]].dtype) {
        case TL_PD_INT64: any_int = true; break;
        case TL_PD_UINT64: any_uint = true; break;
        case TL_PD_FLOAT64: any_float = true; break;
        case TL_PD_BOOL: any_bool = true; break;
        case TL_PD_OBJECT: return VALUES_OBJECT;
        }
    }
    if (any_bool)
        return (any_int || any_uint || any_float) ? VALUES_OBJECT : VALUES_BOOL;
    if (any_float || (any_int && any_uint))
        return VALUES_FLOAT;
    if (any_uint)
        return VALUES_UINT;
    return n == 0 ? VALUES_FLOAT : VALUES_INT;
}

/* One value as str() prints it after round(4) and the upcast. */
static void put_value(tl_buf *b, tl_pyval v, const tl_pd_column *col, values_kind kind)
{
    if (col->dtype == TL_PD_FLOAT64 && v.kind == TL_PY_FLOAT)
        v.v.f = tl_np_round(v.v.f, 4);
    if (kind == VALUES_FLOAT) {
        if (v.kind == TL_PY_INT) {
            v.kind = TL_PY_FLOAT;
            v.v.f = (double)v.v.i;
        } else if (v.kind == TL_PY_UINT) {
            v.kind = TL_PY_FLOAT;
            v.v.f = (double)v.v.u;
        }
    }
    tl_pyval_str(b, &v);
}

/* data_to_prompt for one row: "{col} is {value}; " joined, the last "; "
 * replaced by ".\n"; "_" in names becomes " ". */
static void put_row(tl_buf *b, const tl_frame *f, size_t row, const size_t *cols, size_t n,
                    values_kind kind)
{
    tl_buf line = TL_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        size_t c = cols[i];
        tl_py_replace(&line, f->names[c], f->name_lens[c], "_", " ");
        tl_buf_puts(&line, " is ");
        put_value(&line, *tl_frame_cell(f, row, c), &f->cols[c], kind);
        tl_buf_puts(&line, "; ");
    }
    if (tl_buf_status(&line) != TABLLM_OK) {
        if (b->status == TABLLM_OK)
            b->status = tl_buf_status(&line);
    } else {
        /* ''.join(prompt)[:-2] */
        size_t keep = line.len >= 2 ? line.len - 2 : 0;
        tl_buf_append(b, line.data ? line.data : "", keep);
        tl_buf_puts(b, ".\n");
    }
    tl_buf_free(&line);
}

/* ---- class labels: CPython's set() iteration order for numbers ------------ */

#define PY_HASH_MODULUS ((1ull << 61) - 1)

static int64_t py_hash_u64(uint64_t a, bool negative)
{
    uint64_t h = a % PY_HASH_MODULUS;
    int64_t r = negative ? -(int64_t)h : (int64_t)h;
    return r == -1 ? -2 : r;
}

/* _Py_HashDouble for a finite or infinite double. */
static int64_t py_hash_double(double v)
{
    if (isinf(v))
        return v > 0 ? 314159 : -314159;
    int e;
    double m = frexp(v, &e);
    int sign = 1;
    if (m < 0) {
        sign = -1;
        m = -m;
    }
    uint64_t x = 0;
    while (m) {
        x = ((x << 28) & PY_HASH_MODULUS) | x >> (61 - 28);
        m *= 268435456.0;
        e -= 28;
        uint64_t y = (uint64_t)m;
        m -= (double)y;
        x += y;
        if (x >= PY_HASH_MODULUS)
            x -= PY_HASH_MODULUS;
    }
    e = e >= 0 ? e % 61 : 60 - ((-1 - e) % 61);
    x = ((x << e) & PY_HASH_MODULUS) | x >> (61 - e);
    int64_t r = (int64_t)x * sign;
    return r == -1 ? -2 : r;
}

typedef struct set_entry {
    int64_t hash;
    size_t key; /* index into the caller's key list; SIZE_MAX = empty */
} set_entry;

typedef struct py_set {
    set_entry *table;
    size_t mask, fill;
} py_set;

#define LINEAR_PROBES 9
#define PERTURB_SHIFT 5

static void set_insert_clean(set_entry *table, size_t mask, size_t key, int64_t hash)
{
    size_t perturb = (size_t)hash;
    size_t i = (size_t)hash & mask;
    set_entry *entry;
    for (;;) {
        entry = &table[i];
        if (entry->key == SIZE_MAX)
            goto found;
        if (i + LINEAR_PROBES <= mask) {
            for (int j = 0; j < LINEAR_PROBES; j++) {
                entry++;
                if (entry->key == SIZE_MAX)
                    goto found;
            }
        }
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
    }
found:
    entry->key = key;
    entry->hash = hash;
}

static tabllm_status set_alloc(set_entry **table, size_t size)
{
    tabllm_status st = tl_alloc_array((void **)table, size, sizeof **table, "label set");
    if (st == TABLLM_OK)
        for (size_t i = 0; i < size; i++)
            (*table)[i].key = SIZE_MAX;
    return st;
}

/* setobject.c set_add_entry for keys already known to be distinct. */
static tabllm_status set_add(py_set *s, size_t key, int64_t hash)
{
    size_t mask = s->mask;
    size_t perturb = (size_t)hash;
    size_t i = (size_t)hash & mask;
    for (;;) {
        set_entry *entry = &s->table[i];
        int probes = (i + LINEAR_PROBES <= mask) ? LINEAR_PROBES : 0;
        do {
            if (entry->key == SIZE_MAX) {
                entry->key = key;
                entry->hash = hash;
                s->fill++;
                if (s->fill * 5 < mask * 3)
                    return TABLLM_OK;
                /* set_table_resize(so, used > 50000 ? used*2 : used*4) */
                size_t minused = s->fill > 50000 ? s->fill * 2 : s->fill * 4;
                size_t newsize = 8;
                while (newsize <= minused)
                    newsize <<= 1;
                set_entry *table;
                tabllm_status st = set_alloc(&table, newsize);
                if (st != TABLLM_OK)
                    return st;
                for (size_t k = 0; k <= mask; k++)
                    if (s->table[k].key != SIZE_MAX)
                        set_insert_clean(table, newsize - 1, s->table[k].key, s->table[k].hash);
                tl_free(s->table);
                s->table = table;
                s->mask = newsize - 1;
                return TABLLM_OK;
            }
            entry++;
        } while (probes--);
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
    }
}

typedef struct label_list {
    tl_pyval *vals;
    size_t n;
} label_list;

static int64_t value_hash(const tl_pyval *v)
{
    switch (v->kind) {
    case TL_PY_INT:
        return v->v.i < 0 ? py_hash_u64((uint64_t)0 - (uint64_t)v->v.i, true)
                          : py_hash_u64((uint64_t)v->v.i, false);
    case TL_PY_UINT: return py_hash_u64(v->v.u, false);
    case TL_PY_FLOAT: return py_hash_double(v->v.f);
    case TL_PY_BOOL: return v->v.b ? 1 : 0;
    default: return 0;
    }
}

/* cat_dict keys: set(labels.to_list()) over the whole target column.
 * Numbers come out in CPython's set order (deterministic); strings, whose
 * order depends on the hash seed, in order of first appearance; missing
 * values ("nan") last. */
static tabllm_status derive_labels(const tl_frame *f, size_t target_col, label_list *out)
{
    const tabllm_table *t = f->table;
    tl_pd_column info;
    if (f->pandas) {
        info = tl_pd_infer_column(t, target_col);
    } else {
        info.dtype = TL_PD_OBJECT;
        info.source = TL_PD_FROM_TEXT_NOFILTER;
    }
    tl_pyval *uniq;
    tabllm_status st = tl_alloc_array((void **)&uniq, t->n_rows + 1, sizeof *uniq, "labels");
    if (st != TABLLM_OK)
        return st;
    size_t n = 0, n_nan = 0;
    tl_strset seen = {0};
    tl_buf key = TL_BUF_INIT;
    for (size_t r = 0; r < t->n_rows && st == TABLLM_OK; r++) {
        tl_pyval v = tl_pd_cell_value(tl_table_cell(t, r, target_col), &info);
        if (v.kind == TL_PY_NAN) {
            /* tolist() of a float column makes a new nan object per cell, and
             * nan != nan, so each is its own class; an object column holds
             * one shared nan. */
            if (info.dtype == TL_PD_FLOAT64 || n_nan == 0)
                n_nan++;
            continue;
        }
        /* equal values print alike, except 0.0 == -0.0 */
        tl_buf_truncate(&key, 0);
        tl_buf_putc(&key, (char)('0' + v.kind));
        if (v.kind == TL_PY_FLOAT && v.v.f == 0)
            tl_buf_puts(&key, "0");
        else
            tl_pyval_str(&key, &v);
        bool added = false;
        if ((st = tl_buf_status(&key)) == TABLLM_OK)
            st = tl_strset_add(&seen, key.data, key.len, &added);
        if (added)
            uniq[n++] = v;
    }
    tl_strset_free(&seen);
    tl_buf_free(&key);
    if (st != TABLLM_OK) {
        tl_free(uniq);
        return st;
    }
    bool numeric = info.dtype != TL_PD_OBJECT || info.source == TL_PD_FROM_BOOL_NA;
    if (numeric && n > 1) {
        py_set s = {NULL, 7, 0};
        st = set_alloc(&s.table, 8);
        for (size_t i = 0; st == TABLLM_OK && i < n; i++)
            st = set_add(&s, i, value_hash(&uniq[i]));
        tl_pyval *ordered = NULL;
        if (st == TABLLM_OK)
            st = tl_alloc_array((void **)&ordered, n + 1, sizeof *ordered, "labels");
        if (st == TABLLM_OK) {
            size_t k = 0;
            for (size_t i = 0; i <= s.mask; i++)
                if (s.table[i].key != SIZE_MAX)
                    ordered[k++] = uniq[s.table[i].key];
            memcpy(uniq, ordered, n * sizeof *uniq);
        }
        tl_free(ordered);
        tl_free(s.table);
        if (st != TABLLM_OK) {
            tl_free(uniq);
            return st;
        }
    }
    tl_pyval *all = tl_realloc(uniq, (n + n_nan + 1) * sizeof *uniq);
    if (all == NULL) {
        tl_free(uniq);
        return tl_error_oom("labels");
    }
    for (size_t i = 0; i < n_nan; i++) {
        all[n + i].kind = TL_PY_NAN;
        all[n + i].v.f = NAN;
    }
    out->vals = all;
    out->n = n + n_nan;
    return TABLLM_OK;
}

/* label_to_prompt: "class 0: xxx; class 1: xxx; where class 0 stands for
 * "a"; class 1 stands for "b".\n" */
static void put_labels(tl_buf *b, const label_list *labels, bool from_where)
{
    tl_buf tmp = TL_BUF_INIT;
    if (!from_where)
        for (size_t i = 0; i < labels->n; i++)
            tl_buf_printf(b, "class %zu: xxx; ", i);
    tl_buf_puts(b, "where ");
    for (size_t i = 0; i < labels->n; i++) {
        tl_buf_printf(&tmp, "class %zu stands for \"", i);
        tl_pyval_str(&tmp, &labels->vals[i]);
        tl_buf_puts(&tmp, "\"; ");
    }
    if (tl_buf_status(&tmp) != TABLLM_OK) {
        if (b->status == TABLLM_OK)
            b->status = tl_buf_status(&tmp);
    } else {
        size_t keep = tmp.len >= 2 ? tmp.len - 2 : 0;
        tl_buf_append(b, tmp.data ? tmp.data : "", keep);
        tl_buf_puts(b, ".\n");
    }
    tl_buf_free(&tmp);
}

typedef enum up_kind { UP_PROMPT, UP_ROWS, UP_LABELS } up_kind;

static tabllm_status unipredict(const tl_view *view, const tabllm_encode_params *params,
                                tl_buf *out, up_kind kind)
{
    const char *name = kind == UP_PROMPT ? "unipredict"
                       : kind == UP_ROWS ? "unipredict-rows"
                                         : "unipredict-labels";
    if (params->target == NULL || params->target[0] == '\0')
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "%s: a target column is required", name);
    uint32_t tmpl = params->prompt_template;
    if (kind == UP_PROMPT && tmpl > 2)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "%s: unknown prompt template %u (0 prompt_input, 1 without_metadata, "
                        "2 TabLLM)",
                        name, tmpl);
    if (kind == UP_PROMPT && tmpl != 1 && params->annotation == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "%s: the %s template needs an annotation (the dataset description)",
                        name, tmpl == 0 ? "prompt_input" : "TabLLM");
    bool pandas;
    tabllm_status st = tl_cells_pandas(params, true, &pandas);
    if (st != TABLLM_OK)
        return st;
    tl_frame f;
    if ((st = tl_frame_build(view, pandas, params->row, &f)) != TABLLM_OK)
        return st;
    size_t target_col;
    size_t *cols = NULL;
    label_list labels = {NULL, 0};
    st = tl_frame_find_column(&f, params->target, "target", &target_col);
    if (st == TABLLM_OK)
        st = tl_alloc_array((void **)&cols, f.n_cols + 1, sizeof *cols, "feature list");
    size_t n = 0;
    if (st == TABLLM_OK)
        for (size_t c = 0; c < f.n_cols; c++)
            if (f.table_cols[c] != target_col)
                cols[n++] = c;
    if (st == TABLLM_OK && kind != UP_ROWS) {
        if (params->labels != NULL && params->n_labels > 0) {
            st = tl_alloc_array((void **)&labels.vals, params->n_labels, sizeof *labels.vals,
                                "labels");
            for (size_t i = 0; st == TABLLM_OK && i < params->n_labels; i++) {
                if (params->labels[i] == NULL) {
                    st = tl_error(TABLLM_ERR_INVALID_ARGUMENT, "%s: label %zu is NULL", name, i);
                    break;
                }
                labels.vals[i] = tl_pyval_text(params->labels[i], strlen(params->labels[i]));
                labels.n++;
            }
        } else {
            st = derive_labels(&f, target_col, &labels);
        }
    }
    if (st == TABLLM_OK) {
        values_kind vk = common_kind(&f, cols, n);
        if (kind == UP_LABELS) {
            put_labels(out, &labels, false);
        } else if (kind == UP_ROWS) {
            for (size_t r = 0; r < f.n_rows; r++)
                put_row(out, &f, r, cols, n, vk);
        } else {
            bool single = tl_frame_single_row(params);
            for (size_t r = 0; r < f.n_rows; r++) {
                tl_buf_puts(out, tmpl == 1 ? "Below is a dataset. Predict the target by the "
                                             "given information of the object.\n"
                                           : PROMPT_HEAD);
                if (tmpl != 1) {
                    tl_buf_puts(out, "# Dataset description: ");
                    tl_buf_puts(out, params->annotation);
                    tl_buf_putc(out, '\n');
                }
                tl_buf_puts(out, "# Object description: ");
                put_row(out, &f, r, cols, n, vk);
                tl_buf_putc(out, '\n');
                if (tmpl == 2) {
                    tl_buf_puts(out, "# You should return your choice of class by stating the "
                                     "class number, ");
                    put_labels(out, &labels, true);
                } else {
                    tl_buf_puts(out, "# You should return the probability of each class by: \n");
                    put_labels(out, &labels, false);
                }
                tl_buf_puts(out, "\n# Answer: \n");
                if (!single)
                    tl_buf_putc(out, '\n');
            }
        }
        st = tl_buf_status(out);
    }
    tl_free(labels.vals);
    tl_free(cols);
    tl_frame_free(&f);
    return st;
}

tabllm_status tl_encode_unipredict(const tl_view *view, const tabllm_encode_params *params,
                                   tl_buf *out)
{
    return unipredict(view, params, out, UP_PROMPT);
}

tabllm_status tl_encode_unipredict_rows(const tl_view *view, const tabllm_encode_params *params,
                                        tl_buf *out)
{
    return unipredict(view, params, out, UP_ROWS);
}

tabllm_status tl_encode_unipredict_labels(const tl_view *view,
                                          const tabllm_encode_params *params, tl_buf *out)
{
    return unipredict(view, params, out, UP_LABELS);
}
