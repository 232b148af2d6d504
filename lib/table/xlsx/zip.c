#include "table/xlsx/zip.h"

#include <string.h>
#include <zip.h>

#include "base/alloc.h"

struct tl_zip {
    zip_t *archive;
    tl_xlsx_limits limits;
    uint64_t inflated; /* bytes inflated so far, all parts */
};

struct tl_zip_part {
    tl_zip *zip;
    zip_file_t *file;
    char *name;
    uint64_t declared; /* uncompressed size from the central directory */
    uint64_t read;
};

tabllm_status tl_zip_open(const void *data, size_t size, const tl_xlsx_limits *limits,
                          tl_zip **out)
{
    *out = NULL;
    zip_error_t err;
    zip_error_init(&err);
    /* An empty buffer is "not a zip" rather than an empty archive. */
    if (size < 22) {
        zip_error_fini(&err);
        return tl_error(TABLLM_ERR_FORMAT, "not a zip archive (%zu bytes; an .xlsx is a zip)",
                        size);
    }
    zip_source_t *src = zip_source_buffer_create(data, size, 0, &err);
    if (src == NULL) {
        tabllm_status st = tl_error(TABLLM_ERR_OUT_OF_MEMORY, "zip: %s", zip_error_strerror(&err));
        zip_error_fini(&err);
        return st;
    }
    /* ZIP_CHECKCONS cross-checks local headers against the central
     * directory, which catches many truncated or spliced archives early. */
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
    if (za == NULL) {
        int code = zip_error_code_zip(&err);
        tabllm_status st = tl_error(code == ZIP_ER_MEMORY ? TABLLM_ERR_OUT_OF_MEMORY
                                                         : TABLLM_ERR_FORMAT,
                                    "corrupt or not a zip archive: %s", zip_error_strerror(&err));
        zip_source_free(src);
        zip_error_fini(&err);
        return st;
    }
    zip_error_fini(&err);
    zip_int64_t n = zip_get_num_entries(za, 0);
    if (n < 0 || (uint64_t)n > limits->max_entries) {
        zip_discard(za);
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED,
                        "zip archive has %lld entries, more than the %llu allowed", (long long)n,
                        (unsigned long long)limits->max_entries);
    }
    tl_zip *z = tl_calloc(1, sizeof *z);
    if (z == NULL) {
        zip_discard(za);
        return tl_error_oom("a zip archive");
    }
    z->archive = za;
    z->limits = *limits;
    *out = z;
    return TABLLM_OK;
}

void tl_zip_close(tl_zip *z)
{
    if (z == NULL)
        return;
    zip_discard(z->archive);
    tl_free(z);
}

static zip_int64_t locate(tl_zip *z, const char *name)
{
    return zip_name_locate(z->archive, name, ZIP_FL_NOCASE | ZIP_FL_ENC_RAW);
}

bool tl_zip_has(tl_zip *z, const char *name)
{
    return locate(z, name) >= 0;
}

tabllm_status tl_zip_part_open(tl_zip *z, const char *name, tl_zip_part **out)
{
    *out = NULL;
    zip_int64_t idx = locate(z, name);
    if (idx < 0)
        return tl_error(TABLLM_ERR_FORMAT, "missing part %s", name);
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z->archive, (zip_uint64_t)idx, 0, &st) != 0)
        return tl_error(TABLLM_ERR_FORMAT, "%s: %s", name, zip_strerror(z->archive));
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
        return tl_error(TABLLM_ERR_UNSUPPORTED, "%s: encrypted zip entries are not supported",
                        name);
    if ((st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method != ZIP_CM_STORE &&
        st.comp_method != ZIP_CM_DEFLATE)
        return tl_error(TABLLM_ERR_UNSUPPORTED,
                        "%s: zip compression method %u is not supported (only stored and deflate)",
                        name, (unsigned)st.comp_method);
    if (!(st.valid & ZIP_STAT_SIZE))
        return tl_error(TABLLM_ERR_FORMAT, "%s: the zip entry has no size", name);
    /* Checked before inflating anything: a declared size over the caps is
     * refused outright. */
    if (st.size > z->limits.max_part_bytes)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED,
                        "%s: declares %llu bytes uncompressed, more than the %llu allowed per part",
                        name, (unsigned long long)st.size,
                        (unsigned long long)z->limits.max_part_bytes);
    if (st.size > z->limits.max_total_bytes - z->inflated)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED,
                        "%s: declares %llu bytes uncompressed, over the workbook's budget of %llu "
                        "(%llu already inflated)",
                        name, (unsigned long long)st.size,
                        (unsigned long long)z->limits.max_total_bytes,
                        (unsigned long long)z->inflated);
    zip_file_t *f = zip_fopen_index(z->archive, (zip_uint64_t)idx, 0);
    if (f == NULL) {
        zip_error_t *e = zip_get_error(z->archive);
        tabllm_status code = zip_error_code_zip(e) == ZIP_ER_NOPASSWD ? TABLLM_ERR_UNSUPPORTED
                                                                      : TABLLM_ERR_FORMAT;
        return tl_error(code, "%s: %s", name, zip_error_strerror(e));
    }
    tl_zip_part *p = tl_calloc(1, sizeof *p);
    char *copy = tl_strdup(name);
    if (p == NULL || copy == NULL) {
        tl_free(p);
        tl_free(copy);
        zip_fclose(f);
        return tl_error_oom("a zip part");
    }
    p->zip = z;
    p->file = f;
    p->name = copy;
    p->declared = st.size;
    *out = p;
    return TABLLM_OK;
}

tabllm_status tl_zip_part_read(tl_zip_part *p, void *buf, size_t cap, size_t *got)
{
    *got = 0;
    /* Ask for one byte more than may legally remain, so a part that inflates
     * past its declared size is caught on the read that crosses it. */
    uint64_t remaining = p->declared - p->read;
    if ((uint64_t)cap > remaining + 1)
        cap = (size_t)(remaining + 1);
    zip_int64_t n = zip_fread(p->file, buf, cap);
    if (n < 0)
        return tl_error(TABLLM_ERR_FORMAT, "%s: corrupt zip data: %s", p->name,
                        zip_file_strerror(p->file));
    if ((uint64_t)n > remaining)
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s: inflates to more than its declared %llu bytes (zip bomb or corrupt "
                        "archive)",
                        p->name, (unsigned long long)p->declared);
    tl_zip *z = p->zip;
    if ((uint64_t)n > z->limits.max_total_bytes - z->inflated)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED,
                        "%s: the workbook inflates to more than the %llu bytes allowed", p->name,
                        (unsigned long long)z->limits.max_total_bytes);
    p->read += (uint64_t)n;
    z->inflated += (uint64_t)n;
    if (n == 0 && p->read != p->declared)
        return tl_error(TABLLM_ERR_FORMAT, "%s: inflates to %llu bytes, %llu declared", p->name,
                        (unsigned long long)p->read, (unsigned long long)p->declared);
    *got = (size_t)n;
    return TABLLM_OK;
}

void tl_zip_part_close(tl_zip_part *p)
{
    if (p == NULL)
        return;
    zip_fclose(p->file);
    tl_free(p->name);
    tl_free(p);
}

tabllm_status tl_zip_read_all(tl_zip *z, const char *name, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    tl_zip_part *p;
    tabllm_status st = tl_zip_part_open(z, name, &p);
    if (st != TABLLM_OK)
        return st;
    size_t size = (size_t)p->declared;
    char *buf = NULL;
    if (size == SIZE_MAX || (buf = tl_malloc(size + 1)) == NULL) {
        tl_zip_part_close(p);
        return tl_error(TABLLM_ERR_OUT_OF_MEMORY, "%s: out of memory for %zu bytes", name, size);
    }
    size_t used = 0;
    for (;;) {
        size_t got;
        char extra[1];
        /* The last read goes to a scratch byte so the over-size check in
         * tl_zip_part_read still sees one byte past the declared size. */
        st = used < size ? tl_zip_part_read(p, buf + used, size - used, &got)
                         : tl_zip_part_read(p, extra, sizeof extra, &got);
        if (st != TABLLM_OK || got == 0)
            break;
        used += got;
    }
    tl_zip_part_close(p);
    if (st != TABLLM_OK) {
        tl_free(buf);
        return st;
    }
    buf[used] = '\0';
    *out = buf;
    *len = used;
    return TABLLM_OK;
}
