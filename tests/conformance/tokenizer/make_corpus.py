#!/usr/bin/env python3
"""Builds the tokenizer conformance corpus: JSON Lines {"text": ...}, at least
1 MB, deterministic, from text that every Debian machine has (documentation,
the Python standard library, time zone tables, /etc/services, translations)
plus generated hard cases (whitespace runs, scripts, emoji, combining marks,
NFD text, contractions, special-token strings, tables, numbers).

usage: make_corpus.py OUT.jsonl [TARGET_BYTES]
"""
import glob
import gzip
import json
import os
import random
import sys
import unicodedata

TARGET = int(sys.argv[2]) if len(sys.argv) > 2 else 1_300_000
rng = random.Random(20240611)


def read_text(path, limit=200_000):
    try:
        if path.endswith('.gz'):
            with gzip.open(path, 'rb') as f:
                data = f.read(limit)
        else:
            with open(path, 'rb') as f:
                data = f.read(limit)
        return data.decode('utf-8')
    except (OSError, UnicodeDecodeError, EOFError):
        return None


def mo_strings(path):
    """The translated strings of a gettext .mo file."""
    import gettext
    try:
        with open(path, 'rb') as f:
            cat = gettext.GNUTranslations(f)._catalog
    except Exception:
        return None
    vals = [v for k, v in sorted(cat.items(), key=lambda kv: str(kv[0])) if isinstance(v, str) and k]
    return '\n'.join(vals) if vals else None


def sources():
    docs = sorted(glob.glob('/usr/share/doc/*/README*') + glob.glob('/usr/share/doc/*/changelog*.gz'))
    py = sorted(glob.glob('/usr/lib/python3*/*.py'))
    tz = sorted(glob.glob('/usr/share/zoneinfo/*.tab') + glob.glob('/usr/share/zoneinfo/tzdata.zi'))
    mo = sorted(glob.glob('/usr/share/locale/*/LC_MESSAGES/*.mo'))
    rng.shuffle(docs)
    rng.shuffle(py)
    rng.shuffle(mo)
    picks = [('doc', docs[:60]), ('py', py[:40]), ('tz', tz), ('etc', ['/etc/services']), ('mo', mo[:60])]
    for kind, files in picks:
        for p in files:
            t = mo_strings(p) if kind == 'mo' else read_text(p, 40_000)
            if t:
                yield kind, t


def chunks(text):
    """Cuts text into pieces of varied length at character boundaries."""
    i = 0
    while i < len(text):
        n = rng.choice([1, 5, 20, 80, 300, 1000, 3000])
        n = rng.randint(1, n)
        yield text[i:i + n]
        i += n


def hard_cases():
    out = []
    ws = [' ', '  ', '\t', '\n', '\r\n', '\r', '\u00a0', '\u3000', '\u2009', '\u200b', '\u180e', '\u2028', '\f', '\v', '\u0085']
    words = ['hello', 'World', 'THE', "don't", "I'M", "we'LL", "they'Re", "she'S", "It'd", "you'VE", "'s", "'t",
             "\u017f", "'\u017f", 'naïve', 'café', '東京', 'Москва', 'مرحبا', 'नमस्ते', 'สวัสดี', '안녕하세요',
             '😀', '👩\u200d👩\u200d👧', '👍🏽', '🇫🇷', 'e\u0301', 'n\u0303o', 'A\u030a', '\u1e9b\u0323', '½', 'ﬁ',
             '2024', '3.14159', '1,234,567', '-42', '0x1F', '١٢٣', '१२३', '²', 'Ⅻ', '<s>', '</s>', '<unk>',
             '<|begin_of_text|>', '<|end_of_text|>', '<|eot_id|>', '<|im_start|>', '<|im_end|>', '<|endoftext|>',
             '<bos>', '<eos>', '<start_of_turn>', '<end_of_turn>', '<pad>', '<mask>', '<0x0A>', '▁', '▁▁x',
             'Ġ', 'Ċ', '|', '---', ':--', '**bold**', '`code`', '#', '```', '{', '}', '[1, 2]', '\\n', '"', "'",
             'x' * 40, 'ab' * 30, '9' * 25, '!!!', '...', '—', '–', '«', '»', '¿', '¡', 'ß', 'İ', 'ﬀ', 'Ǆ']
    for _ in range(3000):
        k = rng.randint(1, 25)
        parts = []
        for _ in range(k):
            parts.append(rng.choice(words))
            parts.append(rng.choice(ws) * rng.choice([1, 1, 1, 2, 3, 8]))
        out.append(''.join(parts))
    # whitespace runs
    for _ in range(400):
        out.append(''.join(rng.choice(ws + ['a', '1', '.']) for _ in range(rng.randint(1, 60))))
    # CSV and Markdown tables with numbers
    for t in range(150):
        cols = rng.randint(2, 7)
        rows = rng.randint(1, 12)
        head = [rng.choice(['id', 'name', 'Age', 'price (€)', 'città', '名前', 'value_1', 'date']) for _ in range(cols)]
        cells = [[rng.choice([str(rng.randint(-1000, 100000)), f'{rng.random() * 1000:.3f}', 'N/A', '',
                              rng.choice(words), '2021-03-04', 'true', '1e-5'])
                  for _ in range(cols)] for _ in range(rows)]
        if t % 2:
            lines = [','.join(head)] + [','.join(c if ',' not in c else '"' + c + '"' for c in r) for r in cells]
            out.append('\r\n'.join(lines) if t % 4 == 1 else '\n'.join(lines))
        else:
            lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * cols] + ['| ' + ' | '.join(r) + ' |' for r in cells]
            out.append('\n'.join(lines))
    # NFD text and mixed scripts
    samples = ['Ångström résumé façade coöperate', 'Ελληνικά κείμενα', 'Tiếng Việt có dấu', 'Ünïcödé']
    for s in samples:
        out.append(unicodedata.normalize('NFD', s))
        out.append(unicodedata.normalize('NFKD', s))
    # random code points from many blocks
    blocks = [(0x20, 0x7e), (0xa0, 0x24f), (0x300, 0x36f), (0x370, 0x3ff), (0x400, 0x4ff), (0x590, 0x5ff),
              (0x600, 0x6ff), (0x900, 0x97f), (0xe00, 0xe7f), (0x1100, 0x11ff), (0x3040, 0x30ff),
              (0x4e00, 0x4fff), (0xac00, 0xad00), (0x1f300, 0x1f6ff), (0x2000, 0x206f), (0xfe00, 0xfe0f),
              (0x1d400, 0x1d4ff)]
    for _ in range(800):
        s = []
        for _ in range(rng.randint(1, 40)):
            a, b = rng.choice(blocks)
            c = rng.randint(a, b)
            if 0xd800 <= c <= 0xdfff:
                continue
            s.append(chr(c))
        out.append(''.join(s))
    return out


def main():
    lines = []
    size = 0
    for t in hard_cases():
        lines.append(t)
        size += len(t.encode('utf-8'))
    for kind, text in sources():
        for c in chunks(text):
            lines.append(c)
            size += len(c.encode('utf-8'))
        if size >= TARGET:
            break
    with open(sys.argv[1], 'w', encoding='utf-8') as f:
        for t in lines:
            f.write(json.dumps({'text': t}, ensure_ascii=True) + '\n')
    print(f'{len(lines)} lines, {size} bytes of text', file=sys.stderr)


if __name__ == '__main__':
    main()
