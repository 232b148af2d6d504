// Reference ids from Hugging Face tokenizers (the Rust library through its
// Node binding). Usage:
//   node reference.js encode TOKENIZER_JSON [--add-special] < in.jsonl > out.jsonl
//   node reference.js decode TOKENIZER_JSON [--skip-special] < ids.jsonl > text.jsonl
// Input lines: {"text": ...} (encode) or {"ids": [...]} (decode).
'use strict';
const path = require('path');
const fs = require('fs');
const { Tokenizer } = require(path.join(__dirname, '..', 'node_modules', 'tokenizers'));

async function main() {
  const [mode, file, ...opts] = process.argv.slice(2);
  const tok = Tokenizer.fromFile(file);
  const flag = opts.includes('--add-special') || opts.includes('--skip-special');
  const lines = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l.length > 0);
  const out = [];
  const batch = 256;
  for (let i = 0; i < lines.length; i += batch) {
    const chunk = lines.slice(i, i + batch).map((l) => JSON.parse(l));
    if (mode === 'encode') {
      if (chunk.some((o) => o.pair !== undefined)) {
        for (const o of chunk) {
          const e = await tok.encode(o.text, o.pair === undefined ? null : o.pair, { addSpecialTokens: flag });
          out.push(JSON.stringify({ ids: e.getIds() }));
        }
      } else {
        const encs = await tok.encodeBatch(chunk.map((o) => o.text), { addSpecialTokens: flag });
        for (const e of encs) out.push(JSON.stringify({ ids: e.getIds() }));
      }
    } else if (mode === 'decode') {
      const texts = await tok.decodeBatch(chunk.map((o) => o.ids), flag);
      for (const t of texts) out.push(JSON.stringify({ text: t }));
    } else if (mode === 'offsets') {
      const encs = await tok.encodeBatch(chunk.map((o) => o.text), { addSpecialTokens: flag });
      for (const e of encs) out.push(JSON.stringify({ ids: e.getIds(), offsets: e.getOffsets() }));
    } else {
      throw new Error('mode must be encode, decode or offsets');
    }
  }
  fs.writeFileSync(1, out.length ? out.join('\n') + '\n' : '');
}
main().catch((e) => { console.error(e); process.exit(1); });
