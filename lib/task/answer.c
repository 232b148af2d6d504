/* tabllm_answer: table question answering.
 *
 * The table is encoded (Markdown unless the caller says otherwise) and put
 * with the question into the model's chat template when it has one, or into
 * a plain "Question: ... Answer:" prompt. When the whole table does not fit
 * the context beside the question and the answer, the rows most relevant to
 * the question (BM25) are kept: the largest number of them whose text fits,
 * found by binary search, printed in table order. The answer is generated
 * greedily. */
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/params.h"
#include "base/utf8.h"
#include "task/task.h"

static const tabllm_answer_params answer_defaults = {
    .struct_size = sizeof(tabllm_answer_params),
    .max_tokens = 128,
    .n_threads = 1,
};

static const char default_instruction[] =
    "Answer the question about the table. Give only the answer.";

#define MARGIN 8 /* tokens kept free for merges across the table's boundaries */

tabllm_status tabllm_answer_params_init(tabllm_answer_params *params, size_t struct_size)
{
    return tl_params_init(params, struct_size, &answer_defaults, sizeof answer_defaults,
                          "tabllm_answer_params");
}

typedef struct qa {
    const tabllm_tokenizer *tok;
    const char *question, *instruction;
    bool chat, system_role;
} qa;

/* The prompt for a table text, as ids. */
static tabllm_status prompt_ids(qa *q, const char *table_text, tabllm_token **ids, size_t *n)
{
    tl_buf user = TL_BUF_INIT;
    tabllm_status st;
    if (q->chat) {
        if (!q->system_role) {
            tl_buf_puts(&user, q->instruction);
            tl_buf_puts(&user, "\n\n");
        }
        tl_buf_puts(&user, table_text);
        tl_buf_puts(&user, "\n\nQuestion: ");
        tl_buf_puts(&user, q->question);
        if ((st = tl_buf_status(&user)) != TABLLM_OK)
            goto done;
        tabllm_chat_message m[2] = {{"system", q->instruction}, {"user", user.data}};
        char *text = NULL;
        size_t len = 0;
        st = tabllm_chat_render(q->tok, q->system_role ? m : m + 1, q->system_role ? 2 : 1,
                                TABLLM_CHAT_ADD_GENERATION_PROMPT, &text, &len);
        if (st == TABLLM_ERR_INVALID_ARGUMENT && q->system_role) {
            /* the template refuses a system message (Gemma, Mistral): put the
             * instruction into the user's message instead */
            q->system_role = false;
            tl_buf_free(&user);
            return prompt_ids(q, table_text, ids, n);
        }
        if (st == TABLLM_OK) /* the template writes the special tokens itself */
            st = tl_task_tokenize(q->tok, text, len, 0, ids, n);
        tabllm_free(text);
    } else {
        tl_buf_puts(&user, q->instruction);
        tl_buf_puts(&user, "\n\n");
        tl_buf_puts(&user, table_text);
        tl_buf_puts(&user, "\nQuestion: ");
        tl_buf_puts(&user, q->question);
        tl_buf_puts(&user, "\nAnswer:");
        if ((st = tl_buf_status(&user)) == TABLLM_OK)
            st = tl_task_tokenize(q->tok, user.data, user.len, TABLLM_TOKENIZE_ADD_SPECIAL, ids,
                                  n);
    }
done:
    tl_buf_free(&user);
    return st;
}

static tabllm_status encode_count(const tabllm_table *t, const tabllm_encode_params *e,
                                  const tabllm_tokenizer *tok, char **text, size_t *tokens)
{
    size_t len;
    tabllm_status st = tabllm_table_encode(t, e, text, &len);
    if (st != TABLLM_OK)
        return st;
    *tokens = tabllm_tokenizer_count_tokens(*text, len, (void *)tok);
    if (*tokens == SIZE_MAX) {
        tabllm_free(*text);
        *text = NULL;
        return tabllm_last_status();
    }
    return TABLLM_OK;
}

/* The table's text within `budget` tokens: all of it, or the most relevant
 * rows that fit, or (when not even one row fits) one row with cells cut. */
static tabllm_status fit_table(const tabllm_table *t, const tabllm_encode_params *base,
                               const tabllm_tokenizer *tok, const char *question, size_t budget,
                               char **out)
{
    tabllm_encode_params e = *base;
    size_t tokens;
    tabllm_status st = encode_count(t, &e, tok, out, &tokens);
    if (st != TABLLM_OK || tokens <= budget)
        return st;
    tabllm_free(*out);
    *out = NULL;
    e.row_sampling = TABLLM_ROWS_RELEVANT;
    e.question = question;
    size_t lo = 0, hi = e.rows ? e.n_rows : tabllm_table_n_rows(t);
    char *best = NULL;
    while (lo < hi) { /* the largest k in [1, hi] that fits, lo = best so far */
        size_t k = lo + (hi - lo + 1) / 2;
        e.max_rows = k;
        char *text;
        if ((st = encode_count(t, &e, tok, &text, &tokens)) != TABLLM_OK) {
            tabllm_free(best);
            return st;
        }
        if (tokens <= budget) {
            tabllm_free(best);
            best = text;
            lo = k;
        } else {
            tabllm_free(text);
            hi = k - 1;
        }
    }
    if (best != NULL) {
        *out = best;
        return TABLLM_OK;
    }
    e.max_rows = 1;
    e.max_tokens = budget;
    e.count_tokens = tabllm_tokenizer_count_tokens;
    e.count_tokens_user_data = (void *)tok;
    return tabllm_table_encode(t, &e, out, NULL);
}

static void strip(const char **s, size_t *len)
{
    while (*len > 0 && ((*s)[0] == ' ' || (*s)[0] == '\n' || (*s)[0] == '\t' || (*s)[0] == '\r'))
        (*s)++, (*len)--;
    while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\n' ||
                        (*s)[*len - 1] == '\t' || (*s)[*len - 1] == '\r'))
        (*len)--;
}

tabllm_status tabllm_answer(tabllm_model *model, const tabllm_tokenizer *tok,
                            const tabllm_table *table, const char *question,
                            const tabllm_answer_params *params, char **answer, size_t *answer_len)
{
    if (answer == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_answer: answer is NULL");
    *answer = NULL;
    if (answer_len)
        *answer_len = 0;
    if (model == NULL || tok == NULL || table == NULL || question == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_answer: %s is NULL",
                        model == NULL       ? "model"
                        : tok == NULL       ? "tokenizer"
                        : table == NULL     ? "table"
                                            : "question");
    size_t qlen = strlen(question), valid = tl_utf8_valid_prefix(question, qlen);
    if (valid != qlen)
        return tl_error(TABLLM_ERR_INVALID_UTF8,
                        "tabllm_answer: the question is not UTF-8 (byte offset %zu)", valid);
    tabllm_answer_params p = answer_defaults;
    tabllm_status st = tl_params_read(&p, sizeof p, params, "tabllm_answer_params");
    if (st != TABLLM_OK)
        return st;
    if (p.flags & ~(uint32_t)(TABLLM_ANSWER_NO_CHAT | TABLLM_ANSWER_MERGE_ADAPTERS))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_answer: unknown flags 0x%x",
                        p.flags);
    tabllm_encode_params e;
    tabllm_encode_params_init(&e, sizeof e);
    if (p.encode && (st = tl_params_read(&e, sizeof e, p.encode, "tabllm_encode_params")))
        return st;
    size_t n_ctx = p.n_ctx;
    if (n_ctx == 0) {
        n_ctx = (size_t)tabllm_model_n_ctx_train(model);
        if (n_ctx > 4096)
            n_ctx = 4096;
    }

    qa q = {.tok = tok, .question = question,
            .instruction = p.instruction ? p.instruction : default_instruction,
            .system_role = true};
    char *probe = NULL;
    tabllm_chat_message hello = {"user", "x"};
    q.chat = !(p.flags & TABLLM_ANSWER_NO_CHAT) &&
             tabllm_chat_render(tok, &hello, 1, 0, &probe, NULL) != TABLLM_ERR_NOT_FOUND;
    tabllm_free(probe);

    tabllm_token *ids = NULL;
    size_t n_ids = 0;
    char *table_text = NULL;
    tabllm_session *s = NULL;
    if ((st = prompt_ids(&q, "", &ids, &n_ids)) != TABLLM_OK)
        return st;
    tl_free(ids);
    ids = NULL;
    if (n_ids + p.max_tokens + MARGIN >= n_ctx)
        return tl_error(TABLLM_ERR_CONTEXT_FULL,
                        "tabllm_answer: the question and instructions take %zu tokens; with %u "
                        "for the answer nothing of the table fits a context of %zu",
                        n_ids, p.max_tokens, n_ctx);
    size_t budget = n_ctx - n_ids - p.max_tokens - MARGIN;
    if ((st = fit_table(table, &e, tok, question, budget, &table_text)) != TABLLM_OK ||
        (st = prompt_ids(&q, table_text, &ids, &n_ids)) != TABLLM_OK)
        goto done;
    if (n_ids + 1 > n_ctx) {
        st = tl_error(TABLLM_ERR_CONTEXT_FULL, "tabllm_answer: the prompt takes %zu tokens of %zu",
                      n_ids, n_ctx);
        goto done;
    }
    tabllm_session_params sp;
    tabllm_session_params_init(&sp, sizeof sp);
    sp.n_ctx = (uint32_t)(n_ids + p.max_tokens < n_ctx ? n_ids + p.max_tokens : n_ctx);
    sp.n_threads = p.n_threads ? p.n_threads : 1;
    if ((st = tabllm_session_new(model, &sp, &s)) != TABLLM_OK ||
        (st = tl_task_set_adapters(s, p.adapters, p.adapter_scales, p.n_adapters,
                                   (p.flags & TABLLM_ANSWER_MERGE_ADAPTERS) != 0,
                                   "tabllm_answer")) != TABLLM_OK)
        goto done;
    tabllm_generate_params gp;
    tabllm_generate_params_init(&gp, sizeof gp);
    gp.max_tokens = p.max_tokens;
    gp.flags = TABLLM_GENERATE_SKIP_SPECIAL;
    static const char *const newline[] = {"\n"};
    if (!q.chat) {
        gp.stop_strings = newline;
        gp.n_stop_strings = 1;
    }
    gp.on_token = p.on_token;
    gp.user_data = p.user_data;
    char *text = NULL;
    size_t len = 0;
    if ((st = tabllm_generate(s, tok, ids, n_ids, &gp, &text, &len, NULL)) != TABLLM_OK)
        goto done;
    const char *a = text;
    strip(&a, &len);
    *answer = tl_strndup(a, len);
    tabllm_free(text);
    if (*answer == NULL)
        st = tl_error_oom("the answer");
    else if (answer_len)
        *answer_len = len;
done:
    tabllm_session_free(s);
    tabllm_free(table_text);
    tl_free(ids);
    return st;
}
