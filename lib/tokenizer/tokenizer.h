/* The tokenizer's internal representation, shared by the files of
 * lib/tokenizer/ (loading, normalizers, pre-tokenizers, BPE, added tokens,
 * post-processors, decoders) and the accessors the chat module uses.
 *
 * Pipeline, exactly as Hugging Face `tokenizers` runs it:
 *   text -> added tokens that match the raw text (normalized=false)
 *        -> normalizer on each remaining piece
 *        -> added tokens that match the normalized text (normalized=true)
 *        -> pre-tokenizer splits each remaining piece into words
 *        -> the model (BPE) turns each word into tokens
 *        -> post-processor adds special tokens (when asked)
 *
 * For byte-level models the ByteLevel pre-tokenizer's byte-to-character
 * mapping is not performed: the vocabulary is re-keyed by raw bytes at load,
 * which gives the same ids without rewriting every word. */
#ifndef TL_TOKENIZER_TOKENIZER_H
#define TL_TOKENIZER_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "base/arena.h"
#include "base/error.h"
#include "tokenizer/strmap.h"

/* Caps on what a tokenizer file may ask for, checked before allocating. */
#define TL_TOK_MAX_FILE_BYTES ((size_t)1 << 30)
#define TL_TOK_MAX_VOCAB (1u << 24)   /* ids */
#define TL_TOK_MAX_MERGES (1u << 24)
#define TL_TOK_MAX_ADDED (1u << 20)
#define TL_TOK_MAX_STEPS 64            /* components in a Sequence */
#define TL_TOK_MAX_TOKEN_BYTES 65536

/* ---- patterns (Split, Replace) ----------------------------------------- */

/* Hand-written matchers for the regexes nearly every byte-level tokenizer
 * uses; tests/unit/tokenizer/test_regex_fast.c and a fuzz target prove them
 * identical to PCRE2 on the same pattern. */
typedef enum tl_fast_regex {
    TL_FAST_NONE = 0,
    TL_FAST_GPT2 = 1,   /* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+|... */
    TL_FAST_LLAMA3 = 2, /* (?i:'s|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|... */
    TL_FAST_QWEN2 = 3,  /* the same with \p{N} alone */
} tl_fast_regex;

typedef struct tl_pattern {
    bool is_regex;
    const char *lit; /* the literal (String patterns) */
    size_t lit_len;
    pcre2_code *re;  /* compiled regex (Regex patterns, and empty literals) */
    tl_fast_regex fast;
} tl_pattern;

/* A match list: [start, end) pieces covering the input, flagged. */
typedef struct tl_match {
    size_t start, end;
    bool is_match;
} tl_match;

typedef struct tl_matches {
    tl_match *v;
    size_t n, cap;
} tl_matches;

/* Compiles `source` (a tokenizer.json regex) with PCRE2, after rewriting \s
 * and \S to Oniguruma's whitespace set (what HF's regex engine uses). */
tabllm_status tl_pattern_compile_regex(tl_pattern *p, const char *source, size_t len,
                                       const char *where);
tabllm_status tl_pattern_literal(tl_pattern *p, const char *lit, size_t len, const char *where);
void tl_pattern_free(tl_pattern *p);
/* All matches in text[0..len), with the gaps between them, as HF's
 * Pattern::find_matches returns them (empty input: one empty non-match). */
tabllm_status tl_pattern_find(const tl_pattern *p, const char *text, size_t len, tl_matches *out,
                              pcre2_match_data **md);
/* Appends a piece to a match list. */
tabllm_status tl_matches_push(tl_matches *m, size_t start, size_t end, bool is_match);

/* The fast matchers: the length of the match starting at text[i] (every
 * position matches for these patterns). */
size_t tl_fast_match(tl_fast_regex which, const char *text, size_t len, size_t i);
/* Recognises a pattern string that has a fast matcher. */
tl_fast_regex tl_fast_regex_detect(const char *source, size_t len);

/* ---- Unicode character classes (utf8proc) ------------------------------ */
bool tl_uc_is_letter(uint32_t cp);     /* \p{L} */
bool tl_uc_is_number(uint32_t cp);     /* \p{N} */
bool tl_uc_is_space(uint32_t cp);      /* White_Space: Rust's char::is_whitespace, onig \s */
bool tl_uc_is_punct(uint32_t cp);      /* Rust is_ascii_punctuation || \p{P} */
bool tl_uc_is_word(uint32_t cp);       /* Rust regex \w */
bool tl_uc_is_mark_nonspacing(uint32_t cp);
/* Decodes one code point of valid UTF-8 (the caller validated it). */
static inline size_t tl_uc_next(const char *s, size_t len, size_t i, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s + i;
    (void)len;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    if (u[0] < 0xE0) {
        *cp = (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
        return 2;
    }
    if (u[0] < 0xF0) {
        *cp = (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
        return 3;
    }
    *cp = (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3F) << 12 |
          (uint32_t)(u[2] & 0x3F) << 6 | (u[3] & 0x3F);
    return 4;
}
static inline size_t tl_uc_len(unsigned char lead)
{
    return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

/* ---- text with alignments ---------------------------------------------- */

/* A piece of (normalized, transformed) text and, per byte, the [start, end)
 * byte range of the original input it came from. align == NULL means the
 * identity shifted by `base`. */
typedef struct tl_span {
    size_t start, end;
} tl_span;

typedef struct tl_text {
    char *s;
    tl_span *align; /* used only when `track` (offsets asked for, or needed) */
    size_t len, cap;
    size_t base;
    bool track;
} tl_text;

tabllm_status tl_text_reserve(tl_text *t, size_t extra, bool with_align);
void tl_text_free(tl_text *t);

/* ---- normalizers -------------------------------------------------------- */
typedef enum tl_norm_kind {
    TL_NORM_NFC, TL_NORM_NFD, TL_NORM_NFKC, TL_NORM_NFKD, TL_NORM_LOWERCASE,
    TL_NORM_STRIP, TL_NORM_STRIP_ACCENTS, TL_NORM_REPLACE, TL_NORM_PREPEND,
} tl_norm_kind;

typedef struct tl_norm_step {
    tl_norm_kind kind;
    bool left, right;        /* Strip */
    tl_pattern pattern;      /* Replace */
    const char *content;     /* Replace: replacement; Prepend: prefix */
    size_t content_len;
} tl_norm_step;

/* Runs the steps over in[0..in_len) whose byte i came from original
 * [base + i, base + i + 1) or in_align[i]; the result replaces *out. */
tabllm_status tl_normalize(const tl_norm_step *steps, size_t n_steps, const char *in,
                           size_t in_len, const tl_span *in_align, size_t base, bool track,
                           tl_text *out, tl_text *scratch, tl_matches *matches,
                           pcre2_match_data **md);

/* ---- pre-tokenizers ----------------------------------------------------- */
typedef enum tl_pre_kind {
    TL_PRE_BYTE_LEVEL, TL_PRE_SPLIT, TL_PRE_METASPACE, TL_PRE_DIGITS, TL_PRE_WHITESPACE,
    TL_PRE_WHITESPACE_SPLIT, TL_PRE_PUNCTUATION,
} tl_pre_kind;

typedef enum tl_split_behavior {
    TL_SPLIT_REMOVED, TL_SPLIT_ISOLATED, TL_SPLIT_MERGED_WITH_PREVIOUS,
    TL_SPLIT_MERGED_WITH_NEXT, TL_SPLIT_CONTIGUOUS,
} tl_split_behavior;

typedef enum tl_prepend_scheme { TL_PREPEND_ALWAYS, TL_PREPEND_FIRST, TL_PREPEND_NEVER } tl_prepend_scheme;

typedef struct tl_pre_step {
    tl_pre_kind kind;
    bool add_prefix_space, use_regex; /* ByteLevel */
    tl_pattern pattern;               /* Split; ByteLevel's GPT-2 regex; Whitespace */
    tl_split_behavior behavior;       /* Split, Punctuation */
    bool invert;                      /* Split */
    char rep[4];                      /* Metaspace replacement, UTF-8 */
    size_t rep_len;
    uint32_t rep_cp;
    tl_prepend_scheme prepend;        /* Metaspace */
    bool split;                       /* Metaspace */
    bool individual_digits;           /* Digits */
} tl_pre_step;

/* ---- BPE ---------------------------------------------------------------- */
typedef struct tl_bpe {
    tl_strmap vocab;          /* model-space bytes -> id */
    size_t vocab_len;         /* HF's get_vocab_size() of the model */
    tl_pairmap merges;
    bool byte_level;          /* model space is raw bytes (see the file comment) */
    int32_t unit_ids[256];    /* byte-level without prefix/suffix: id of each byte, or -1 */
    int32_t fallback_ids[256];/* byte_fallback: id of <0xXX>, or -1 */
    bool has_fallback_ids;    /* all 256 present */
    bool byte_fallback, ignore_merges, fuse_unk;
    int32_t unk_id;           /* -1: no unk_token; -2: unk_token not in the vocabulary */
    const char *unk_token;
    const char *prefix, *suffix; /* continuing_subword_prefix / end_of_word_suffix, model space */
    size_t prefix_len, suffix_len;
    bool has_prefix, has_suffix;
    /* SentencePiece-style words (no pre-tokenizer: a whole sentence is one
     * word) are cut before each U+2581 that follows another character, where
     * no vocabulary token can span the cut: the few tokens that contain
     * "X\u2581" are checked at each cut. Same ids, and the pieces are short
     * and cacheable. */
    bool split_rep;
    const char **cross;       /* tokens containing a character then U+2581 */
    uint32_t *cross_len;
    size_t n_cross;
} tl_bpe;

/* A model token: id and the [start, end) bytes of the word it covers. */
typedef struct tl_tok {
    int32_t id;
    uint32_t start, end;
} tl_tok;

typedef struct tl_ws tl_ws; /* per-thread scratch space and word cache */

/* Tokenizes one word (model-space bytes) and appends its tokens. */
tabllm_status tl_bpe_word(const struct tabllm_tokenizer *t, tl_ws *ws, const char *w, size_t len,
                          tl_tok **toks, size_t *n, size_t *cap);
/* The reference merge (heap) and the small-word merge, exposed for tests. */
typedef struct tl_sym {
    int32_t id;
    int32_t prev, next;
    uint32_t start, end;
} tl_sym;
void tl_bpe_merge_heap(const tl_pairmap *merges, tl_sym *syms, size_t n, void *heap_mem);
void tl_bpe_merge_scan(const tl_pairmap *merges, tl_sym *syms, size_t n);

/* ---- added tokens ------------------------------------------------------- */
typedef struct tl_added {
    const char *content;
    size_t len;
    int32_t id;
    bool special, single_word, lstrip, rstrip, normalized;
} tl_added;

/* A byte trie over added-token contents, for leftmost-longest matching. */
typedef struct tl_trie_node {
    int32_t first_child, next_sibling;
    int32_t token;   /* index into tokenizer->added, or -1 */
    unsigned char byte;
} tl_trie_node;

typedef struct tl_trie {
    tl_trie_node *nodes;
    size_t n, cap;
    uint64_t first[4]; /* bitmap of possible first bytes */
    const char **patterns; /* per added token: the pattern text (normalized content) */
    size_t *pattern_lens;
} tl_trie;

typedef struct tl_seg {
    size_t start, end; /* in the text that was matched */
    int32_t added;     /* index into tokenizer->added, or -1 */
} tl_seg;

/* Splits text into added-token matches and the text between them, as
 * AddedVocabulary::find_matches does. */
tabllm_status tl_added_split(const struct tabllm_tokenizer *t, const tl_trie *trie,
                             const char *text, size_t len, bool special_as_text, tl_seg **segs,
                             size_t *n, size_t *cap);

/* ---- post-processor ----------------------------------------------------- */
typedef struct tl_tpl_piece {
    bool is_seq;        /* a sequence ($A or $B) or special tokens */
    int seq;            /* 0 = A, 1 = B */
    const int32_t *ids; /* special tokens' ids */
    size_t n_ids;
} tl_tpl_piece;

typedef struct tl_post {
    bool trim_offsets;     /* ByteLevel/Roberta trim_offsets: spaces leave token offsets */
    bool trim_prefix_space;/* ... except the one add_prefix_space put before the first */
    bool present;      /* a post-processor that adds tokens */
    tl_tpl_piece *single, *pair;
    size_t n_single, n_pair;
} tl_post;

/* ---- decoders ----------------------------------------------------------- */
typedef enum tl_dec_kind {
    TL_DEC_BYTE_LEVEL, TL_DEC_METASPACE, TL_DEC_REPLACE, TL_DEC_BYTE_FALLBACK, TL_DEC_FUSE,
    TL_DEC_STRIP,
} tl_dec_kind;

typedef struct tl_dec_step {
    tl_dec_kind kind;
    uint32_t rep_cp;        /* Metaspace */
    bool prepend_never;     /* Metaspace prepend_scheme == never */
    tl_pattern pattern;     /* Replace */
    const char *content;    /* Replace */
    size_t content_len;
    uint32_t strip_cp;      /* Strip */
    size_t strip_start, strip_stop;
} tl_dec_step;

/* ---- the tokenizer ------------------------------------------------------ */
#define TL_ID_ADDED 1u
#define TL_ID_SPECIAL 2u

struct tabllm_tokenizer {
    tl_arena arena;        /* every string below */
    uint64_t serial;       /* unique per tokenizer, keys the per-thread caches */

    size_t n_ids;          /* max id + 1 */
    const char **tok_str;  /* per id: the token as tokenizer.json writes it, or NULL */
    uint32_t *tok_len;
    uint8_t *id_flags;     /* TL_ID_* */
    tl_strmap model_str;   /* model vocabulary as tokenizer.json writes it -> id */
    tl_strmap added_str;   /* added token content -> id (wins over model_str) */

    tl_bpe bpe;
    tl_norm_step *norm;
    size_t n_norm;
    tl_pre_step *pre;
    size_t n_pre;
    bool pre_byte_level;   /* the last pre-tokenizer step is ByteLevel */
    bool needs_align;      /* Metaspace "first" needs original offsets even without offsets */

    tl_added *added;
    size_t n_added;
    tl_trie trie_raw, trie_norm;

    tl_post post;
    tl_dec_step *dec;
    size_t n_dec;
    bool has_decoder;

    int32_t bos_id, eos_id, pad_id, unk_id;
    const char *bos_text, *eos_text, *pad_text, *unk_text;
    const char *chat_template;

    /* Workspaces not in use, reused by the next encode on any thread. */
    pthread_mutex_t ws_lock;
    tl_ws *ws_free;
};

/* A workspace for one encode call (reused across calls); NULL on OOM. */
tl_ws *tl_ws_get(const struct tabllm_tokenizer *t);
void tl_ws_put(const struct tabllm_tokenizer *t, tl_ws *ws);
void tl_ws_destroy(tl_ws *ws);

/* Encodes one sequence into ids (+offsets when `offsets` is non-NULL), without
 * post-processing. Results are appended to the workspace's output arrays. */
tabllm_status tl_encode_sequence(const struct tabllm_tokenizer *t, tl_ws *ws, const char *text,
                                 size_t len, bool special_as_text, bool want_offsets);

/* Decodes ids into out (NUL-terminated, heap); the decoder pipeline of HF. */
tabllm_status tl_decode(const struct tabllm_tokenizer *t, const int32_t *ids, size_t n,
                        bool skip_special, char **out, size_t *out_len);

/* Loading. */
tabllm_status tl_tokenizer_parse(const char *name, const char *json, size_t len,
                                 struct tabllm_tokenizer **out);
tabllm_status tl_tokenizer_apply_config(struct tabllm_tokenizer *t, const char *name,
                                        const char *json, size_t len);
tabllm_status tl_tokenizer_apply_generation_config(struct tabllm_tokenizer *t, const char *name,
                                                   const char *json, size_t len);
void tl_tokenizer_destroy(struct tabllm_tokenizer *t);

/* token_to_id: added tokens first, then the model vocabulary; -1 if none. */
int32_t tl_tokenizer_lookup(const struct tabllm_tokenizer *t, const char *s, size_t len);

/* Accessors for the chat-template module. */
const char *tl_tokenizer_chat_template(const struct tabllm_tokenizer *t);
const char *tl_tokenizer_bos_text(const struct tabllm_tokenizer *t);
const char *tl_tokenizer_eos_text(const struct tabllm_tokenizer *t);

/* The GPT-2 byte-to-character table of the ByteLevel components. */
uint32_t tl_byte_to_char(unsigned char b);
/* The byte a character stands for, or -1. */
int tl_char_to_byte(uint32_t cp);

#endif
