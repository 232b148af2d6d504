/* Rendering dates and times through a compiled number format: y m d h s,
 * AM/PM, elapsed [h] [m] [s], fractional seconds, in either date system. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "table/xlsx/numfmt_impl.h"

/* --- dates --------------------------------------------------------------- */

static const char *const month_names[12] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};
static const char *const day_names[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                         "Thursday", "Friday", "Saturday"};

bool tl_nf_render_date(const nf_section *s, double v, bool date1904, tl_buf *out)
{
    /* Excel shows ##### for negative serials and those past 9999-12-31. */
    if (!(v >= 0) || v >= 2958466.0)
        return false;
    int64_t unit = 1;
    for (int i = 0; i < s->subsec; i++)
        unit *= 10;
    /* Round to the shown precision (seconds or their fraction), carrying
     * into minutes, hours and days; finer units are then truncated. */
    int64_t total = llround(v * 86400.0 * (double)unit);
    int64_t per_day = 86400 * unit;
    int64_t days = total / per_day;
    int64_t rem = total % per_day;
    int64_t sub = rem % unit;
    int64_t secs = rem / unit;
    int hour = (int)(secs / 3600), minute = (int)(secs / 60 % 60), second = (int)(secs % 60);
    tl_civil c;
    tl_serial_to_civil(days, date1904, &c);
    bool ampm = false;
    for (int t = 0; t < s->n_toks; t++)
        ampm |= s->toks[t].kind == TK_AMPM;
    for (int t = 0; t < s->n_toks; t++) {
        const tok *k = &s->toks[t];
        switch (k->kind) {
        case TK_LIT:
            lit(out, s, k);
            break;
        case TK_YEAR:
            if (k->n == 2)
                tl_buf_printf(out, "%02d", c.year % 100);
            else
                tl_buf_printf(out, "%04d", c.year);
            break;
        case TK_MONTH:
            if (k->n <= 2)
                tl_buf_printf(out, k->n == 2 ? "%02d" : "%d", c.month);
            else if (k->n == 3)
                tl_buf_append(out, month_names[c.month - 1], 3);
            else if (k->n == 4)
                tl_buf_puts(out, month_names[c.month - 1]);
            else
                tl_buf_putc(out, month_names[c.month - 1][0]);
            break;
        case TK_DAY:
            if (k->n <= 2)
                tl_buf_printf(out, k->n == 2 ? "%02d" : "%d", c.day);
            else if (k->n == 3)
                tl_buf_append(out, day_names[c.weekday], 3);
            else
                tl_buf_puts(out, day_names[c.weekday]);
            break;
        case TK_HOUR: {
            int h = ampm ? (hour % 12 == 0 ? 12 : hour % 12) : hour;
            tl_buf_printf(out, k->n == 2 ? "%02d" : "%d", h);
            break;
        }
        case TK_MINUTE:
            tl_buf_printf(out, k->n == 2 ? "%02d" : "%d", minute);
            break;
        case TK_SECOND:
            tl_buf_printf(out, k->n == 2 ? "%02d" : "%d", second);
            break;
        case TK_SUBSEC: {
            char d[8];
            snprintf(d, sizeof d, "%0*lld", s->subsec, (long long)sub);
            tl_buf_putc(out, '.');
            tl_buf_append(out, d, k->n);
            break;
        }
        case TK_AMPM:
            if (k->n == 0)
                tl_buf_puts(out, hour < 12 ? "AM" : "PM");
            else
                tl_buf_putc(out, (char)((hour < 12 ? 'A' : 'P') + (k->n == 2 ? 32 : 0)));
            break;
        case TK_ELAPSED_H:
            tl_buf_printf(out, "%0*lld", k->n, (long long)(days * 24 + hour));
            break;
        case TK_ELAPSED_M:
            tl_buf_printf(out, "%0*lld", k->n, (long long)((days * 24 + hour) * 60 + minute));
            break;
        case TK_ELAPSED_S:
            tl_buf_printf(out, "%0*lld", k->n, (long long)(days * 86400 + secs));
            break;
        case TK_POINT:
            tl_buf_putc(out, '.');
            break;
        default:
            break; /* stray digit placeholders and the like print nothing */
        }
    }
    return true;
}

