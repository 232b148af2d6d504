/* Writes a small random Llama model in Hugging Face format (config.json +
 * model.safetensors, float32) into a fresh temporary directory, for tests
 * that need some model of a given vocabulary, not a trained one. */
#ifndef TABLLM_TEST_TINY_MODEL_H
#define TABLLM_TEST_TINY_MODEL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tiny_model_shape {
    int vocab, hidden, ff, layers, heads, kv_heads, max_pos;
    int bos, eos;  /* -1: none */
    uint64_t seed;
    float scale;   /* weight scale; 0 = 0.15 */
} tiny_model_shape;

static inline uint64_t tiny_rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

typedef struct tiny_tensor {
    char name[96];
    int rows, cols; /* cols 0: a vector of `rows` */
    int norm;       /* 1: values near 1 (RMSNorm weights) */
} tiny_tensor;

/* Returns a malloc'd directory path (caller frees; the files stay). */
static inline char *tiny_model_write(const tiny_model_shape *sh)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = malloc(4096);
    snprintf(dir, 4096, "%s/tabllm-tiny-XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        free(dir);
        return NULL;
    }
    int hd = sh->hidden / sh->heads;
    char path[4200];
    snprintf(path, sizeof path, "%s/config.json", dir);
    FILE *f = fopen(path, "w");
    fprintf(f,
            "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\", "
            "\"vocab_size\": %d, \"hidden_size\": %d, \"intermediate_size\": %d, "
            "\"num_hidden_layers\": %d, \"num_attention_heads\": %d, "
            "\"num_key_value_heads\": %d, \"head_dim\": %d, \"hidden_act\": \"silu\", "
            "\"max_position_embeddings\": %d, \"rms_norm_eps\": 1e-05, "
            "\"rope_theta\": 10000.0, \"tie_word_embeddings\": false, "
            "\"attention_bias\": false, \"mlp_bias\": false, \"torch_dtype\": \"float32\"",
            sh->vocab, sh->hidden, sh->ff, sh->layers, sh->heads, sh->kv_heads, hd, sh->max_pos);
    if (sh->bos >= 0)
        fprintf(f, ", \"bos_token_id\": %d", sh->bos);
    if (sh->eos >= 0)
        fprintf(f, ", \"eos_token_id\": %d", sh->eos);
    fprintf(f, "}\n");
    fclose(f);

    int nt = 3 + 9 * sh->layers;
    tiny_tensor *t = calloc((size_t)nt, sizeof *t);
    int k = 0;
    snprintf(t[k].name, sizeof t[k].name, "model.embed_tokens.weight");
    t[k].rows = sh->vocab, t[k++].cols = sh->hidden;
    snprintf(t[k].name, sizeof t[k].name, "model.norm.weight");
    t[k].rows = sh->hidden, t[k++].norm = 1;
    snprintf(t[k].name, sizeof t[k].name, "lm_head.weight");
    t[k].rows = sh->vocab, t[k++].cols = sh->hidden;
    for (int L = 0; L < sh->layers; L++) {
        struct {
            const char *n;
            int r, c, norm;
        } parts[9] = {
            {"input_layernorm.weight", sh->hidden, 0, 1},
            {"self_attn.q_proj.weight", sh->heads * hd, sh->hidden, 0},
            {"self_attn.k_proj.weight", sh->kv_heads * hd, sh->hidden, 0},
            {"self_attn.v_proj.weight", sh->kv_heads * hd, sh->hidden, 0},
            {"self_attn.o_proj.weight", sh->hidden, sh->heads * hd, 0},
            {"post_attention_layernorm.weight", sh->hidden, 0, 1},
            {"mlp.gate_proj.weight", sh->ff, sh->hidden, 0},
            {"mlp.up_proj.weight", sh->ff, sh->hidden, 0},
            {"mlp.down_proj.weight", sh->hidden, sh->ff, 0},
        };
        for (int i = 0; i < 9; i++, k++) {
            snprintf(t[k].name, sizeof t[k].name, "model.layers.%d.%s", L, parts[i].n);
            t[k].rows = parts[i].r;
            t[k].cols = parts[i].c;
            t[k].norm = parts[i].norm;
        }
    }
    /* header */
    size_t cap = 256 + (size_t)nt * 160, len = 0, off = 0;
    char *h = malloc(cap);
    len += (size_t)snprintf(h + len, cap - len, "{");
    for (int i = 0; i < nt; i++) {
        size_t n = (size_t)t[i].rows * (size_t)(t[i].cols ? t[i].cols : 1) * 4;
        if (t[i].cols)
            len += (size_t)snprintf(h + len, cap - len,
                                    "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%d,%d],"
                                    "\"data_offsets\":[%zu,%zu]}",
                                    i ? "," : "", t[i].name, t[i].rows, t[i].cols, off, off + n);
        else
            len += (size_t)snprintf(h + len, cap - len,
                                    "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%d],"
                                    "\"data_offsets\":[%zu,%zu]}",
                                    i ? "," : "", t[i].name, t[i].rows, off, off + n);
        off += n;
    }
    len += (size_t)snprintf(h + len, cap - len, "}");
    while (len % 8)
        h[len++] = ' ';
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    f = fopen(path, "wb");
    uint64_t hl = len;
    fwrite(&hl, 8, 1, f);
    fwrite(h, 1, len, f);
    uint64_t s = sh->seed;
    float scale = sh->scale > 0 ? sh->scale : 0.15f;
    for (int i = 0; i < nt; i++) {
        size_t n = (size_t)t[i].rows * (size_t)(t[i].cols ? t[i].cols : 1);
        for (size_t j = 0; j < n; j++) {
            double u = (double)(tiny_rng(&s) >> 11) * 0x1.0p-53 * 2 - 1;
            float v = t[i].norm ? (float)(1 + 0.1 * u) : (float)(u * scale);
            fwrite(&v, 4, 1, f);
        }
    }
    fclose(f);
    free(h);
    free(t);
    return dir;
}

/* Removes the files tiny_model_write made (and any tokenizer copied in). */
static inline void tiny_model_remove(char *dir)
{
    if (dir == NULL)
        return;
    const char *files[] = {"config.json", "model.safetensors", "tokenizer.json",
                           "tokenizer_config.json"};
    char path[4200];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        remove(path);
    }
    remove(dir);
    free(dir);
}

#endif
