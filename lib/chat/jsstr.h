/* JavaScript string and number semantics, on UTF-8.
 *
 * The reference renderer (Hugging Face's @huggingface/jinja) is JavaScript:
 * its strings are UTF-16, its numbers are doubles, its `trim` and `\s` use
 * the ECMAScript white-space set and its upper/lower case is ICU's full case
 * mapping. Rendering byte for byte like it means doing the same here; this
 * file is where those rules live. Strings are valid UTF-8 everywhere (a lone
 * surrogate, which UTF-8 cannot hold, is stored as U+FFFD, which is what the
 * reference prints for one). */
#ifndef TL_CHAT_JSSTR_H
#define TL_CHAT_JSSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* ECMAScript WhiteSpace + LineTerminator: what \s, trim() and parseInt skip. */
bool tl_js_is_space(uint32_t cp);
/* Byte length of the white-space character at s[0..len) (0 if none). */
size_t tl_js_space_at(const char *s, size_t len);
/* Byte length of the white-space character that ends s[0..len) (0 if none). */
size_t tl_js_space_before(const char *s, size_t len);

/* trim(), trimStart(), trimEnd(): the kept slice of s[0..*len) as an offset
 * (returned) and a length (in *len). */
size_t tl_js_trim(const char *s, size_t *len, bool start, bool end);

/* /\w/ without the u flag: ASCII letters, digits and underscore. */
static inline bool tl_js_is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Length in UTF-16 code units (String.prototype.length). */
size_t tl_js_utf16_len(const char *s, size_t len);

/* Where the UTF-16 code unit `index` lies: the byte offset of its code point
 * and that code point's byte length; *half is true when the unit is one half
 * of a surrogate pair. False when index >= the UTF-16 length. */
bool tl_js_utf16_at(const char *s, size_t len, size_t index, size_t *off, size_t *cplen,
                    bool *half);

/* Compares as JavaScript's < does: by UTF-16 code units. */
int tl_js_compare(const char *a, size_t alen, const char *b, size_t blen);

/* Number::toString(): the shortest round-trip form ("0.1", "1e+21", "NaN").
 * buf needs 32 bytes; returns the length. */
size_t tl_js_number_to_string(double v, char *buf);
/* The reference's FloatValue.toString(): "-0.0", "2.0", "2.5". */
size_t tl_js_float_to_string(double v, char *buf);

/* ToNumber(string): "" and white space are 0, "0x1f", "Infinity", else NaN. */
double tl_js_string_to_number(const char *s, size_t len);
/* parseInt(s, 10) and parseFloat(s): NaN when no number starts the text. */
double tl_js_parse_int(const char *s, size_t len);
double tl_js_parse_float(const char *s, size_t len);

/* String.prototype.toUpperCase()/toLowerCase(): full case mapping, including
 * the special cases (ß -> SS, final sigma). Appends to `out`. */
void tl_js_to_upper(const char *s, size_t len, tl_buf *out);
void tl_js_to_lower(const char *s, size_t len, tl_buf *out);
/* Case of one code point, for tests: writes up to 3 code points to out[],
 * returns how many. */
int tl_js_case_map_cp(uint32_t cp, bool upper, uint32_t out[3]);

/* Appends a UTF-8 encoded code point (surrogates become U+FFFD). */
void tl_js_put_cp(tl_buf *b, uint32_t cp);

/* Decodes the code point at s (valid UTF-8 assumed, defensively bounded).
 * Returns its byte length (>= 1). */
size_t tl_js_decode(const char *s, size_t len, uint32_t *cp);

#endif
