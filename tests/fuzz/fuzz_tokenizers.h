/* The tokenizers the encode and decode targets fuzz: each real tokenizer
 * (TABLLM_CONFORMANCE_DATA, written by tests/conformance/generate.sh) and
 * the small hand-written ones (TABLLM_TEST_DATA), loaded once. */
#ifndef FUZZ_TOKENIZERS_H
#define FUZZ_TOKENIZERS_H

#include <stdio.h>
#include <stdlib.h>

#include "tabllm.h"

static tabllm_tokenizer *fuzz_toks[8];
static int fuzz_n_toks;

static void fuzz_load_tokenizers(void)
{
    const char *cdata = getenv("TABLLM_CONFORMANCE_DATA"), *tdata = getenv("TABLLM_TEST_DATA");
    static const char *real[] = {"llama2", "llama3", "qwen3", "gemma3"};
    static const char *small[] = {"bytelevel", "sentencepiece", "wordsplit"};
    char path[4096];
    /* the directory, so tokenizer_config.json's special tokens apply too */
    for (int i = 0; cdata && i < 4; i++) {
        snprintf(path, sizeof path, "%s/tokenizer/tokenizers/%s", cdata, real[i]);
        if (tabllm_tokenizer_load(path, NULL, &fuzz_toks[fuzz_n_toks]) == TABLLM_OK)
            fuzz_n_toks++;
    }
    for (int i = 0; tdata && i < 3; i++) {
        snprintf(path, sizeof path, "%s/tokenizer/%s.json", tdata, small[i]);
        if (tabllm_tokenizer_load(path, NULL, &fuzz_toks[fuzz_n_toks]) == TABLLM_OK)
            fuzz_n_toks++;
    }
}

#endif
