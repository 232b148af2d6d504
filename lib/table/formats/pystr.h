/* Python's string semantics, as the papers' pipelines apply them.
 *
 * The authors' serializers are Python: they strip with str.strip(), print
 * with repr(), dump with json.dumps(), lower-case with str.lower(), measure
 * with len(). Reproducing their bytes means reproducing those functions on
 * UTF-8 text, with the Unicode rules CPython 3.11 uses (utf8proc supplies the
 * character categories). Text is expected to be valid UTF-8; an invalid byte
 * is treated as one character of its own and copied through, so nothing here
 * can crash on bad input. */
#ifndef TL_TABLE_FORMATS_PYSTR_H
#define TL_TABLE_FORMATS_PYSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* An invalid byte decodes to this marker OR'ed with the byte value. */
#define TL_PY_BADBYTE 0x80000000u

/* Decodes the character at s[0..len) (len > 0); returns its length in bytes
 * (at least 1). */
size_t tl_py_next(const char *s, size_t len, uint32_t *cp);

/* str.isspace() for one character. */
bool tl_py_isspace(uint32_t cp);
/* str.isprintable() for one character. */
bool tl_py_isprintable(uint32_t cp);

/* str.strip(), lstrip(), rstrip() with no argument: narrow [*s, *s+*len). */
void tl_py_strip(const char **s, size_t *len);
void tl_py_lstrip(const char **s, size_t *len);
void tl_py_rstrip(const char **s, size_t *len);

/* len(): the number of characters (code points). */
size_t tl_py_len(const char *s, size_t len);

/* repr(str): quotes chosen as CPython does, escapes for the unprintable. */
void tl_py_repr_str(tl_buf *b, const char *s, size_t len);

/* json.dumps(str) with the default ensure_ascii=True. */
void tl_py_json_str(tl_buf *b, const char *s, size_t len);

/* str.lower(): full case mapping (U+0130 becomes two characters) and the
 * final-sigma rule. */
void tl_py_lower(tl_buf *b, const char *s, size_t len);

/* Is the character one of str.splitlines()'s line boundaries? (\r\n is one
 * boundary of two characters; callers handle that pair.) */
bool tl_py_is_linebreak(uint32_t cp);

/* Appends s with every occurrence of `from` replaced by `to`. */
void tl_py_replace(tl_buf *b, const char *s, size_t len, const char *from, const char *to);

/* Appends s padded with spaces to `width` characters: align '<' left
 * ("{:<w}"), '>' right ("{:>w}"), '^' centred ("{:^w}", extra space right). */
void tl_py_pad(tl_buf *b, const char *s, size_t len, size_t width, char align);

#endif
