#include "table/formats/pandas.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>


/* ---- the C parser's converters (pandas/_libs/src/parser/tokenizer.c, 1.5) -- */

/* pandas reads the cell as a C string; these read s[i] as '\0' past the end. */
static inline char at(const char *s, size_t len, size_t i)
{
    return i < len ? s[i] : '\0';
}

static inline bool isspace_ascii(char c)
{
    return c == ' ' || ((unsigned)c - '\t') < 5;
}

static inline bool isdigit_ascii(char c)
{
    return c >= '0' && c <= '9';
}

enum { ERR_NONE = 0, ERR_OVERFLOW, ERR_NO_DIGITS, ERR_INVALID_CHARS };

static int64_t str_to_int64(const char *s, size_t len, int *error)
{
    size_t p = 0;
    while (isspace_ascii(at(s, len, p)))
        p++;
    bool neg = false;
    if (at(s, len, p) == '-') {
        neg = true;
        p++;
    } else if (at(s, len, p) == '+') {
        p++;
    }
    if (!isdigit_ascii(at(s, len, p))) {
        *error = ERR_NO_DIGITS;
        return 0;
    }
    int64_t number = 0;
    if (neg) {
        const int64_t pre_min = INT64_MIN / 10;
        const int dig_pre_min = -(int)(INT64_MIN % 10);
        for (char d; isdigit_ascii(d = at(s, len, p)); p++) {
            if (number > pre_min || (number == pre_min && d - '0' <= dig_pre_min)) {
                number = number * 10 - (d - '0');
            } else {
                *error = ERR_OVERFLOW;
                return 0;
            }
        }
    } else {
        const int64_t pre_max = INT64_MAX / 10;
        const int dig_pre_max = (int)(INT64_MAX % 10);
        for (char d; isdigit_ascii(d = at(s, len, p)); p++) {
            if (number < pre_max || (number == pre_max && d - '0' <= dig_pre_max)) {
                number = number * 10 + (d - '0');
            } else {
                *error = ERR_OVERFLOW;
                return 0;
            }
        }
    }
    while (isspace_ascii(at(s, len, p)))
        p++;
    if (p < len) {
        *error = ERR_INVALID_CHARS;
        return 0;
    }
    *error = ERR_NONE;
    return number;
}

typedef struct uint_state {
    bool seen_sint, seen_uint, seen_null;
} uint_state;

static uint64_t str_to_uint64(uint_state *state, const char *s, size_t len, int *error)
{
    size_t p = 0;
    while (isspace_ascii(at(s, len, p)))
        p++;
    if (at(s, len, p) == '-') {
        /* pandas stops here: a sign is enough to rule uint64 out. */
        state->seen_sint = true;
        *error = ERR_NONE;
        return 0;
    }
    if (at(s, len, p) == '+')
        p++;
    if (!isdigit_ascii(at(s, len, p))) {
        *error = ERR_NO_DIGITS;
        return 0;
    }
    const uint64_t pre_max = UINT64_MAX / 10;
    const int dig_pre_max = (int)(UINT64_MAX % 10);
    uint64_t number = 0;
    for (char d; isdigit_ascii(d = at(s, len, p)); p++) {
        if (number < pre_max || (number == pre_max && d - '0' <= dig_pre_max)) {
            number = number * 10 + (uint64_t)(d - '0');
        } else {
            *error = ERR_OVERFLOW;
            return 0;
        }
    }
    while (isspace_ascii(at(s, len, p)))
        p++;
    if (p < len) {
        *error = ERR_INVALID_CHARS;
        return 0;
    }
    if (number > (uint64_t)INT64_MAX)
        state->seen_uint = true;
    *error = ERR_NONE;
    return number;
}

static const double pow10_table[309] = {
    1e0,   1e1,   1e2,   1e3,   1e4,   1e5,   1e6,   1e7,   1e8,   1e9,   1e10,  1e11,  1e12,
    1e13,  1e14,  1e15,  1e16,  1e17,  1e18,  1e19,  1e20,  1e21,  1e22,  1e23,  1e24,  1e25,
    1e26,  1e27,  1e28,  1e29,  1e30,  1e31,  1e32,  1e33,  1e34,  1e35,  1e36,  1e37,  1e38,
    1e39,  1e40,  1e41,  1e42,  1e43,  1e44,  1e45,  1e46,  1e47,  1e48,  1e49,  1e50,  1e51,
    1e52,  1e53,  1e54,  1e55,  1e56,  1e57,  1e58,  1e59,  1e60,  1e61,  1e62,  1e63,  1e64,
    1e65,  1e66,  1e67,  1e68,  1e69,  1e70,  1e71,  1e72,  1e73,  1e74,  1e75,  1e76,  1e77,
    1e78,  1e79,  1e80,  1e81,  1e82,  1e83,  1e84,  1e85,  1e86,  1e87,  1e88,  1e89,  1e90,
    1e91,  1e92,  1e93,  1e94,  1e95,  1e96,  1e97,  1e98,  1e99,  1e100, 1e101, 1e102, 1e103,
    1e104, 1e105, 1e106, 1e107, 1e108, 1e109, 1e110, 1e111, 1e112, 1e113, 1e114, 1e115, 1e116,
    1e117, 1e118, 1e119, 1e120, 1e121, 1e122, 1e123, 1e124, 1e125, 1e126, 1e127, 1e128, 1e129,
    1e130, 1e131, 1e132, 1e133, 1e134, 1e135, 1e136, 1e137, 1e138, 1e139, 1e140, 1e141, 1e142,
    1e143, 1e144, 1e145, 1e146, 1e147, 1e148, 1e149, 1e150, 1e151, 1e152, 1e153, 1e154, 1e155,
    1e156, 1e157, 1e158, 1e159, 1e160, 1e161, 1e162, 1e163, 1e164, 1e165, 1e166, 1e167, 1e168,
    1e169, 1e170, 1e171, 1e172, 1e173, 1e174, 1e175, 1e176, 1e177, 1e178, 1e179, 1e180, 1e181,
    1e182, 1e183, 1e184, 1e185, 1e186, 1e187, 1e188, 1e189, 1e190, 1e191, 1e192, 1e193, 1e194,
    1e195, 1e196, 1e197, 1e198, 1e199, 1e200, 1e201, 1e202, 1e203, 1e204, 1e205, 1e206, 1e207,
    1e208, 1e209, 1e210, 1e211, 1e212, 1e213, 1e214, 1e215, 1e216, 1e217, 1e218, 1e219, 1e220,
    1e221, 1e222, 1e223, 1e224, 1e225, 1e226, 1e227, 1e228, 1e229, 1e230, 1e231, 1e232, 1e233,
    1e234, 1e235, 1e236, 1e237, 1e238, 1e239, 1e240, 1e241, 1e242, 1e243, 1e244, 1e245, 1e246,
    1e247, 1e248, 1e249, 1e250, 1e251, 1e252, 1e253, 1e254, 1e255, 1e256, 1e257, 1e258, 1e259,
    1e260, 1e261, 1e262, 1e263, 1e264, 1e265, 1e266, 1e267, 1e268, 1e269, 1e270, 1e271, 1e272,
    1e273, 1e274, 1e275, 1e276, 1e277, 1e278, 1e279, 1e280, 1e281, 1e282, 1e283, 1e284, 1e285,
    1e286, 1e287, 1e288, 1e289, 1e290, 1e291, 1e292, 1e293, 1e294, 1e295, 1e296, 1e297, 1e298,
    1e299, 1e300, 1e301, 1e302, 1e303, 1e304, 1e305, 1e306, 1e307, 1e308,
};

/* pandas 1.5's precise_xstrtod with decimal '.', sci 'E', no thousands
 * separator and skip_trailing=1. It is not a correctly rounded strtod: it
 * keeps 17 significant digits (leading zeros count), accumulates them in a
 * double and scales by a power of ten, so "3.141592653589793238" reads as
 * 3.1415926535897927. Its exponent is a C int that wraps. Returns the value
 * and sets *end and *error (nonzero for out-of-range or no digits). */
static double precise_xstrtod(const char *s, size_t len, size_t *end, int *error)
{
    const int max_digits = 17;
    size_t p = 0;
    *error = 0;
    while (isspace_ascii(at(s, len, p)))
        p++;
    bool negative = false;
    if (at(s, len, p) == '-') {
        negative = true;
        p++;
    } else if (at(s, len, p) == '+') {
        p++;
    }
    double number = 0.0;
    /* int arithmetic in pandas; unsigned here so the wrap is defined */
    uint32_t exponent = 0;
    int num_digits = 0, num_decimals = 0;
    for (char d; isdigit_ascii(d = at(s, len, p));) {
        if (num_digits < max_digits) {
            double scaled = number * 10.;
            number = scaled + (d - '0');
            num_digits++;
        } else {
            exponent++;
        }
        p++;
    }
    if (at(s, len, p) == '.') {
        p++;
        for (char d; num_digits < max_digits && isdigit_ascii(d = at(s, len, p)); p++) {
            double scaled = number * 10.;
            number = scaled + (d - '0');
            num_digits++;
            num_decimals++;
        }
        if (num_digits >= max_digits)
            while (isdigit_ascii(at(s, len, p)))
                p++;
        exponent -= (uint32_t)num_decimals;
    }
    if (num_digits == 0) {
        *error = 1;
        *end = p;
        return 0.0;
    }
    if (negative)
        number = -number;
    char e = at(s, len, p);
    if (e == 'e' || e == 'E') {
        bool eneg = false;
        p++;
        if (at(s, len, p) == '-') {
            eneg = true;
            p++;
        } else if (at(s, len, p) == '+') {
            p++;
        }
        int edigits = 0;
        uint32_t n = 0;
        for (char d; edigits < max_digits && isdigit_ascii(d = at(s, len, p)); p++) {
            n = n * 10u + (uint32_t)(d - '0');
            edigits++;
        }
        exponent = eneg ? exponent - n : exponent + n;
        if (edigits == 0)
            p--;
    }
    int32_t ex = (int32_t)exponent;
    if (ex > 308) {
        *error = 1;
        *end = p;
        return HUGE_VAL;
    } else if (ex > 0) {
        number *= pow10_table[ex];
    } else if (ex < -308) {
        if (ex < -616) {
            number = 0.;
        } else {
            number /= pow10_table[-308 - ex];
            number /= pow10_table[308];
        }
    } else {
        number /= pow10_table[-ex];
    }
    if (number == HUGE_VAL || number == -HUGE_VAL)
        *error = 1;
    while (isspace_ascii(at(s, len, p)))
        p++;
    *end = p;
    return number;
}

bool tl_pd_parse_double(const char *s, size_t len, double *out)
{
    size_t end;
    int error;
    double v = precise_xstrtod(s, len, &end, &error);
    if (error == 0 && end != 0 && end >= len) {
        *out = v;
        return true;
    }
    /* _try_double: the infinity spellings, exactly and in any case. */
    static const char *const pos[] = {"inf", "+inf", "infinity", "+infinity"};
    static const char *const neg[] = {"-inf", "-infinity"};
    for (size_t i = 0; i < sizeof pos / sizeof *pos; i++)
        if (strlen(pos[i]) == len && strncasecmp(s, pos[i], len) == 0) {
            *out = INFINITY;
            return true;
        }
    for (size_t i = 0; i < sizeof neg / sizeof *neg; i++)
        if (strlen(neg[i]) == len && strncasecmp(s, neg[i], len) == 0) {
            *out = -INFINITY;
            return true;
        }
    return false;
}

static bool parse_bool(const char *s, size_t len, bool *out)
{
    if (len == 4 && strncasecmp(s, "true", 4) == 0) {
        *out = true;
        return true;
    }
    if (len == 5 && strncasecmp(s, "false", 5) == 0) {
        *out = false;
        return true;
    }
    return false;
}

bool tl_pd_is_na_string(const char *s, size_t len)
{
    /* pandas._libs.parsers.STR_NA_VALUES (1.5), by length */
    switch (len) {
    case 0:
        return true;
    case 2:
        return memcmp(s, "NA", 2) == 0;
    case 3:
        return memcmp(s, "#NA", 3) == 0 || memcmp(s, "N/A", 3) == 0 ||
               memcmp(s, "NaN", 3) == 0 || memcmp(s, "n/a", 3) == 0 || memcmp(s, "nan", 3) == 0;
    case 4:
        return memcmp(s, "#N/A", 4) == 0 || memcmp(s, "-NaN", 4) == 0 ||
               memcmp(s, "-nan", 4) == 0 || memcmp(s, "<NA>", 4) == 0 ||
               memcmp(s, "NULL", 4) == 0 || memcmp(s, "null", 4) == 0;
    case 6:
        return memcmp(s, "1.#IND", 6) == 0;
    case 7:
        return memcmp(s, "-1.#IND", 7) == 0 || memcmp(s, "1.#QNAN", 7) == 0;
    case 8:
        return memcmp(s, "#N/A N/A", 8) == 0 || memcmp(s, "-1.#QNAN", 8) == 0;
    default:
        return false;
    }
}

/* pandas sees the cell as a C string; an embedded NUL would cut it there.
 * Such cells are text here (numeric conversion refuses them). */
static bool has_nul(const tl_cell *c)
{
    return memchr(c->text, '\0', c->len) != NULL;
}

/* ---- per-column inference (pandas/_libs/parsers.pyx _convert_tokens) ---- */

tl_pd_column tl_pd_infer_column(const tabllm_table *t, size_t col)
{
    tl_pd_column info;
    if (t->n_rows == 0) {
        info.dtype = TL_PD_OBJECT;
        info.source = TL_PD_FROM_TEXT;
        return info;
    }
    /* int64; on overflow uint64 */
    bool any_na = false;
    int error = ERR_NONE;
    for (size_t r = 0; r < t->n_rows && error == ERR_NONE; r++) {
        const tl_cell *c = tl_table_cell(t, r, col);
        if (tl_pd_is_na_string(c->text, c->len)) {
            any_na = true;
            continue;
        }
        if (has_nul(c)) {
            error = ERR_INVALID_CHARS;
            break;
        }
        str_to_int64(c->text, c->len, &error);
    }
    if (error == ERR_NONE) {
        info.dtype = any_na ? TL_PD_FLOAT64 : TL_PD_INT64;
        info.source = any_na ? TL_PD_FROM_INT_NA : TL_PD_FROM_INT;
        return info;
    }
    if (error == ERR_OVERFLOW) {
        uint_state state = {false, false, false};
        int uerr = ERR_NONE;
        for (size_t r = 0; r < t->n_rows && uerr == ERR_NONE; r++) {
            const tl_cell *c = tl_table_cell(t, r, col);
            if (tl_pd_is_na_string(c->text, c->len)) {
                state.seen_null = true;
                continue;
            }
            if (has_nul(c)) {
                uerr = ERR_INVALID_CHARS;
                break;
            }
            str_to_uint64(&state, c->text, c->len, &uerr);
        }
        if (uerr == ERR_OVERFLOW) {
            /* OverflowError: object, NA strings still filtered */
            info.dtype = TL_PD_OBJECT;
            info.source = TL_PD_FROM_TEXT;
            return info;
        }
        if (uerr == ERR_NONE) {
            if (state.seen_uint && (state.seen_sint || state.seen_null)) {
                /* ValueError: the column is left as is, NA strings included */
                info.dtype = TL_PD_OBJECT;
                info.source = TL_PD_FROM_TEXT_NOFILTER;
                return info;
            }
            if (state.seen_sint) {
                info.dtype = TL_PD_OBJECT;
                info.source = TL_PD_FROM_TEXT;
                return info;
            }
            info.dtype = TL_PD_UINT64;
            info.source = TL_PD_FROM_UINT;
            return info;
        }
        /* another error: on to float64 */
    }
    bool is_float = true;
    for (size_t r = 0; r < t->n_rows && is_float; r++) {
        const tl_cell *c = tl_table_cell(t, r, col);
        double v;
        if (tl_pd_is_na_string(c->text, c->len))
            continue;
        is_float = !has_nul(c) && tl_pd_parse_double(c->text, c->len, &v);
    }
    if (is_float) {
        info.dtype = TL_PD_FLOAT64;
        info.source = TL_PD_FROM_FLOAT;
        return info;
    }
    bool is_bool = true;
    any_na = false;
    for (size_t r = 0; r < t->n_rows && is_bool; r++) {
        const tl_cell *c = tl_table_cell(t, r, col);
        bool b;
        if (tl_pd_is_na_string(c->text, c->len)) {
            any_na = true;
            continue;
        }
        is_bool = parse_bool(c->text, c->len, &b);
    }
    if (is_bool) {
        info.dtype = any_na ? TL_PD_OBJECT : TL_PD_BOOL;
        info.source = any_na ? TL_PD_FROM_BOOL_NA : TL_PD_FROM_BOOL;
        return info;
    }
    info.dtype = TL_PD_OBJECT;
    info.source = TL_PD_FROM_TEXT;
    return info;
}

tl_pyval tl_pd_cell_text(const tl_cell *cell)
{
    tl_pyval v;
    memset(&v, 0, sizeof v);
    v.kind = TL_PY_STR;
    v.s = cell->text;
    v.len = cell->len;
    return v;
}

tl_pyval tl_pd_cell_value(const tl_cell *cell, const tl_pd_column *info)
{
    tl_pyval v;
    memset(&v, 0, sizeof v);
    bool na = tl_pd_is_na_string(cell->text, cell->len);
    int error;
    switch (info->source) {
    case TL_PD_FROM_INT:
        v.kind = TL_PY_INT;
        v.v.i = str_to_int64(cell->text, cell->len, &error);
        return v;
    case TL_PD_FROM_INT_NA:
        if (na) {
            v.kind = TL_PY_NAN;
            v.v.f = NAN;
        } else {
            v.kind = TL_PY_FLOAT;
            v.v.f = (double)str_to_int64(cell->text, cell->len, &error);
        }
        return v;
    case TL_PD_FROM_UINT: {
        uint_state state = {false, false, false};
        v.kind = TL_PY_UINT;
        v.v.u = str_to_uint64(&state, cell->text, cell->len, &error);
        return v;
    }
    case TL_PD_FROM_FLOAT:
        if (na || !tl_pd_parse_double(cell->text, cell->len, &v.v.f)) {
            v.kind = TL_PY_NAN;
            v.v.f = NAN;
        } else {
            v.kind = TL_PY_FLOAT;
        }
        return v;
    case TL_PD_FROM_BOOL:
    case TL_PD_FROM_BOOL_NA:
        if (na) {
            v.kind = TL_PY_NAN;
            v.v.f = NAN;
        } else {
            v.kind = TL_PY_BOOL;
            parse_bool(cell->text, cell->len, &v.v.b);
        }
        return v;
    case TL_PD_FROM_TEXT:
        if (na) {
            v.kind = TL_PY_NAN;
            v.v.f = NAN;
            return v;
        }
        return tl_pd_cell_text(cell);
    case TL_PD_FROM_TEXT_NOFILTER:
    default:
        return tl_pd_cell_text(cell);
    }
}
