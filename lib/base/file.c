#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"

static tabllm_status open_regular(const char *path, int *fd_out, size_t *size_out)
{
    if (path == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "file path is NULL");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tl_error(TABLLM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return tl_error(TABLLM_ERR_IO, "%s: cannot stat: %s", path, strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return tl_error(TABLLM_ERR_IO, "%s: not a regular file", path);
    }
    if ((uintmax_t)st.st_size > SIZE_MAX) {
        close(fd);
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "%s: file too large to address", path);
    }
    *fd_out = fd;
    *size_out = (size_t)st.st_size;
    return TABLLM_OK;
}

tabllm_status tl_file_map(const char *path, tl_mapped_file *out)
{
    out->data = NULL;
    out->size = 0;
    int fd;
    size_t size;
    tabllm_status st = open_regular(path, &fd, &size);
    if (st != TABLLM_OK)
        return st;
    if (size == 0) {
        close(fd);
        return TABLLM_OK;
    }
    void *data = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int err = errno;
    close(fd);
    if (data == MAP_FAILED)
        return tl_error(TABLLM_ERR_IO, "%s: cannot map %zu bytes: %s", path, size, strerror(err));
    out->data = data;
    out->size = size;
    return TABLLM_OK;
}

void tl_file_unmap(tl_mapped_file *file)
{
    if (file->data != NULL)
        munmap((void *)file->data, file->size);
    file->data = NULL;
    file->size = 0;
}

tabllm_status tl_file_read(const char *path, size_t max_size, char **out, size_t *out_len)
{
    *out = NULL;
    int fd;
    size_t size;
    tabllm_status st = open_regular(path, &fd, &size);
    if (st != TABLLM_OK)
        return st;
    if (size > max_size) {
        close(fd);
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "%s: %zu bytes is over the limit of %zu bytes",
                        path, size, max_size);
    }
    char *data = tl_malloc(size + 1);
    if (data == NULL) {
        close(fd);
        return tl_error(TABLLM_ERR_OUT_OF_MEMORY, "%s: out of memory reading %zu bytes", path, size);
    }
    size_t done = 0;
    while (done < size) {
        ssize_t n = read(fd, data + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            close(fd);
            tl_free(data);
            return tl_error(TABLLM_ERR_IO, "%s: read failed: %s", path, strerror(err));
        }
        if (n == 0)
            break; /* the file shrank while we read it: keep what is there */
        done += (size_t)n;
    }
    close(fd);
    data[done] = '\0';
    *out = data;
    if (out_len)
        *out_len = done;
    return TABLLM_OK;
}

int tl_file_exists(const char *path)
{
    struct stat st;
    return path != NULL && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *tl_path_join(const char *dir, const char *name)
{
    size_t dlen = strlen(dir), nlen = strlen(name);
    while (dlen > 1 && dir[dlen - 1] == '/')
        dlen--;
    char *path = tl_malloc(dlen + 1 + nlen + 1);
    if (path == NULL) {
        tl_error_oom("a file path");
        return NULL;
    }
    memcpy(path, dir, dlen);
    path[dlen] = '/';
    memcpy(path + dlen + 1, name, nlen + 1);
    return path;
}

const char *tl_path_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}
