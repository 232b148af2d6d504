/* Delimiter sniffing: which of , TAB ; | splits the first records of a file
 * into the same number of fields every time.
 *
 * Python's csv.Sniffer guesses from character frequencies over the whole
 * sample and may pick any character; here the choice is limited to the four
 * delimiters people use, and quotes are honoured, so a comma inside a quoted
 * field of a semicolon file does not count. Rules, in order:
 *  1. a candidate that occurs the same, nonzero number of times in every
 *     sampled record wins; among several, the one with the most fields;
 *  2. otherwise the candidate whose count in the first record is repeated by
 *     the most records (ties: the larger count);
 *  3. ties go to the order , TAB ; |, and ',' when none occurs at all. */
#include <string.h>

#include "table/read.h"

#define SNIFF_BYTES (64u << 10)
#define SNIFF_RECORDS 64

static const char candidates[] = {',', '\t', ';', '|'};
#define N_CAND 4

char tl_csv_sniff_delimiter(const char *data, size_t len)
{
    size_t counts[SNIFF_RECORDS][N_CAND];
    size_t n_records = 0;
    size_t cur[N_CAND] = {0};
    bool in_quotes = false, field_start = true, record_has_text = false;
    size_t limit = len < SNIFF_BYTES ? len : SNIFF_BYTES;
    bool complete = limit == len; /* whether the last record is whole */

    for (size_t i = 0; i < limit && n_records < SNIFF_RECORDS; i++) {
        char c = data[i];
        if (in_quotes) {
            if (c == '"') {
                if (i + 1 < limit && data[i + 1] == '"')
                    i++;
                else
                    in_quotes = false;
            }
            continue;
        }
        if (c == '\r' || c == '\n') {
            if (record_has_text) {
                memcpy(counts[n_records++], cur, sizeof cur);
                memset(cur, 0, sizeof cur);
            }
            record_has_text = false;
            field_start = true;
            continue;
        }
        record_has_text = true;
        if (c == '"' && field_start) {
            in_quotes = true;
            field_start = false;
            continue;
        }
        field_start = false;
        for (int k = 0; k < N_CAND; k++) {
            if (c == candidates[k]) {
                cur[k]++;
                field_start = true;
            }
        }
    }
    if (record_has_text && complete && !in_quotes && n_records < SNIFF_RECORDS)
        memcpy(counts[n_records++], cur, sizeof cur);
    if (n_records == 0)
        return ',';

    int best = -1;
    size_t best_count = 0;
    for (int k = 0; k < N_CAND; k++) {
        size_t first = counts[0][k];
        bool consistent = first > 0;
        for (size_t r = 1; r < n_records && consistent; r++)
            consistent = counts[r][k] == first;
        if (consistent && first > best_count) {
            best = k;
            best_count = first;
        }
    }
    if (best >= 0)
        return candidates[best];

    size_t best_agree = 0;
    for (int k = 0; k < N_CAND; k++) {
        size_t first = counts[0][k];
        if (first == 0)
            continue;
        size_t agree = 0;
        for (size_t r = 0; r < n_records; r++)
            agree += counts[r][k] == first;
        if (agree > best_agree || (agree == best_agree && first > best_count)) {
            best = k;
            best_agree = agree;
            best_count = first;
        }
    }
    return best >= 0 ? candidates[best] : ',';
}
