/* The zip container of an XLSX file (libzip), read with zip-bomb limits.
 *
 * An .xlsx is a zip of XML parts. A crafted one can declare or inflate to
 * gigabytes, or hold millions of entries, so every part is checked before it
 * is inflated (declared size against the caps, method, encryption) and then
 * inflated as a stream with a running count: a part that inflates past its
 * declared size or the workbook's budget stops with an error naming it. */
#ifndef TL_TABLE_XLSX_ZIP_H
#define TL_TABLE_XLSX_ZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

typedef struct tl_xlsx_limits {
    uint64_t max_entries;     /* entries in the archive; default 10,000 */
    uint64_t max_part_bytes;  /* one part, inflated; default 1 GiB */
    uint64_t max_total_bytes; /* all parts read, inflated; default 2 GiB */
    uint32_t max_xml_depth;   /* element nesting; default 64 */
} tl_xlsx_limits;

#define TL_XLSX_LIMITS_DEFAULT {10000, 1ull << 30, 2ull << 30, 64}

typedef struct tl_zip tl_zip;
typedef struct tl_zip_part tl_zip_part;

/* Opens an archive held in memory; `data` must outlive the archive. */
tabllm_status tl_zip_open(const void *data, size_t size, const tl_xlsx_limits *limits,
                          tl_zip **out);
void tl_zip_close(tl_zip *z);

/* True when the archive holds a part with this name (case-insensitive, as
 * OPC part names are). */
bool tl_zip_has(tl_zip *z, const char *name);

/* Opens part `name` for streaming. A missing part is TABLLM_ERR_FORMAT
 * ("missing part xl/workbook.xml"). */
tabllm_status tl_zip_part_open(tl_zip *z, const char *name, tl_zip_part **out);

/* Reads up to `cap` inflated bytes; *got = 0 at the end. Errors name the
 * part (corrupt data, CRC, past its declared size, over the budget). */
tabllm_status tl_zip_part_read(tl_zip_part *p, void *buf, size_t cap, size_t *got);
void tl_zip_part_close(tl_zip_part *p);

/* Reads a whole part into a NUL-terminated heap buffer (free with tl_free). */
tabllm_status tl_zip_read_all(tl_zip *z, const char *name, char **out, size_t *len);

#endif
