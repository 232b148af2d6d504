/* Adapters for the task calls: tabllm_predict() and tabllm_answer() make
 * their own session, so they take the adapters and attach them to it. */
#include "task/task.h"

tabllm_status tl_task_set_adapters(tabllm_session *s, tabllm_adapter *const *adapters,
                                   const float *scales, size_t n, bool merge, const char *fn)
{
    if (n == 0)
        return TABLLM_OK;
    if (adapters == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "%s: n_adapters is %zu but adapters is NULL",
                        fn, n);
    tabllm_status st = tabllm_session_set_adapters(s, adapters, scales, n);
    if (st == TABLLM_OK && merge)
        st = tabllm_session_merge_adapters(s);
    return st;
}
