#!/usr/bin/env python3
"""A ~20 MB benchmark corpus of English prose, code and tables from files on
a Debian machine, as documents separated by 0x1E. usage: OUT [MB]"""
import glob, gzip, random, sys
target = int(float(sys.argv[2]) * 1e6) if len(sys.argv) > 2 else 20_000_000
rng = random.Random(7)
docs, size = [], 0
def add(t):
    global size
    t = t.replace('\x1e', ' ')
    for i in range(0, len(t), 8000):
        d = t[i:i + 8000]
        docs.append(d); size += len(d.encode())
def read(p):
    try:
        data = gzip.open(p).read() if p.endswith('.gz') else open(p, 'rb').read()
        return data.decode('utf-8')
    except Exception:
        return None
files = sorted(glob.glob('/usr/share/doc/*/README*') + glob.glob('/usr/share/doc/*/changelog*.gz'))
code = sorted(glob.glob('/usr/lib/python3*/**/*.py', recursive=True))
rng.shuffle(files); rng.shuffle(code)
fi = ci = 0
while size < target and (fi < len(files) or ci < len(code)):
    kind = rng.random()
    if kind < 0.45 and fi < len(files):
        t = read(files[fi]); fi += 1
        if t: add(t)
    elif kind < 0.85 and ci < len(code):
        t = read(code[ci]); ci += 1
        if t: add(t)
    else:
        rows = ['id,name,price,qty,date,city'] + [f'{i},item {rng.randint(1, 999)},{rng.random() * 100:.2f},{rng.randint(0, 50)},2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},{rng.choice(["Paris", "Berlin", "New York", "Tokyo"])}' for i in range(200)]
        md = '| id | name | price |\n|---|---|---|\n' + '\n'.join(f'| {i} | row {i} | {rng.random() * 1e4:.1f} |' for i in range(150))
        add('\n'.join(rows)); add(md)
with open(sys.argv[1], 'w', encoding='utf-8') as f:
    f.write('\x1e'.join(docs))
print(f'{len(docs)} documents, {size} bytes', file=sys.stderr)
