/* UTF-8 validation and decoding, strict as RFC 3629 (no overlongs, no
 * surrogates, nothing above U+10FFFF). */
#ifndef TL_BASE_UTF8_H
#define TL_BASE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Returns the length of the longest valid prefix of s[0..len); equal to
 * `len` when the whole text is valid. */
size_t tl_utf8_valid_prefix(const char *s, size_t len);

/* Decodes one code point at s (at most `len` bytes). Returns its length in
 * bytes (1-4) and stores it in *cp, or 0 when the bytes there are not valid
 * UTF-8. */
size_t tl_utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Writes the UTF-8 form of cp (< 0x110000, not a surrogate) to out[0..4) and
 * returns its length. */
size_t tl_utf8_encode(uint32_t cp, char out[4]);

#endif
