/* Reading files: read-only memory maps for large inputs (weights, big CSVs)
 * and whole-file reads with a size cap for small ones (JSON configs). Every
 * failure names the path and the system's reason. */
#ifndef TL_BASE_FILE_H
#define TL_BASE_FILE_H

#include <stddef.h>

#include "base/error.h"

typedef struct tl_mapped_file {
    const unsigned char *data; /* NULL for an empty file */
    size_t size;
} tl_mapped_file;

/* Maps `path` read-only and private. An empty file maps to {NULL, 0}. */
tabllm_status tl_file_map(const char *path, tl_mapped_file *out);
void tl_file_unmap(tl_mapped_file *file);

/* Reads the whole of `path` into a NUL-terminated heap buffer. Files larger
 * than `max_size` bytes are refused with TABLLM_ERR_LIMIT_EXCEEDED before
 * anything is allocated. */
tabllm_status tl_file_read(const char *path, size_t max_size, char **out, size_t *out_len);

/* True when `path` names an existing regular file. */
int tl_file_exists(const char *path);

/* Joins a directory and a file name with one '/'; NULL on allocation
 * failure (with the error set). Free with tl_free. */
char *tl_path_join(const char *dir, const char *name);

/* The last path component ("a/b/c.json" -> "c.json"), for messages. */
const char *tl_path_basename(const char *path);

#endif
