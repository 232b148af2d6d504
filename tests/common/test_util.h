/* Small helpers shared by the cmocka tests. */
#ifndef TABLLM_TEST_UTIL_H
#define TABLLM_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tabllm.h"

/* Asserts that `call` returned `expected` and that the thread's last error
 * contains `fragment` (NULL skips the message check). */
#define assert_status(call, expected, fragment)                                          \
    do {                                                                                 \
        tabllm_status st_ = (call);                                                      \
        const char *frag_ = (fragment);                                                  \
        if (st_ != (expected))                                                           \
            fail_msg("%s returned %d (%s: %s), expected %d", #call, (int)st_,           \
                     tabllm_status_string(st_), tabllm_last_error(), (int)(expected));   \
        if (frag_ != NULL && strstr(tabllm_last_error(), frag_) == NULL)                 \
            fail_msg("%s: message \"%s\" lacks \"%s\"", #call, tabllm_last_error(), frag_); \
    } while (0)

#define assert_ok(call) assert_status(call, TABLLM_OK, NULL)

/* Writes `len` bytes to a fresh temporary file and returns its path
 * (static storage per call site is not needed: caller frees with free()). */
static inline char *test_write_temp(const void *data, size_t len, const char *suffix)
{
    const char *dir = getenv("TMPDIR");
    char *path = malloc(4096);
    snprintf(path, 4096, "%s/tabllm-test-XXXXXX%s", dir ? dir : "/tmp", suffix ? suffix : "");
    int fd = mkstemps(path, suffix ? (int)strlen(suffix) : 0);
    if (fd < 0)
        fail_msg("mkstemps failed");
    if (len && write(fd, data, len) != (ssize_t)len)
        fail_msg("write failed");
    close(fd);
    return path;
}

/* A file under the test data directory (TABLLM_TEST_DATA). Caller frees. */
static inline char *test_data_path(const char *name)
{
    const char *dir = getenv("TABLLM_TEST_DATA");
    char *path = malloc(4096);
    snprintf(path, 4096, "%s/%s", dir ? dir : ".", name);
    return path;
}

#endif
