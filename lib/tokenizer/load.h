/* Loading helpers shared by load.c and components.c. */
#ifndef TL_TOKENIZER_LOAD_H
#define TL_TOKENIZER_LOAD_H

#include <stdio.h>

#include "tokenizer/tjson.h"
#include "tokenizer/tokenizer.h"

tabllm_status tl_load_normalizer(tabllm_tokenizer *t, const tj_doc *d, const tj_node *n,
                                 const char *path, int depth);
tabllm_status tl_load_pre_tokenizer(tabllm_tokenizer *t, const tj_doc *d, const tj_node *n,
                                    const char *path, int depth);
tabllm_status tl_load_post_processor(tabllm_tokenizer *t, const tj_doc *d, const tj_node *n,
                                     const char *path, int depth);
tabllm_status tl_load_decoder(tabllm_tokenizer *t, const tj_doc *d, const tj_node *n,
                              const char *path, int depth);


tabllm_status tl_trie_add(tl_trie *t, const char *s, size_t len, int32_t token);

#endif
