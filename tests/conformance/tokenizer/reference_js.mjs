// Second reference: @huggingface/tokenizers, the pure-JS port. Encodes the
// corpus and prints how many lines agree with the Rust reference's ids.
//   node reference_js.mjs TOKENIZER_DIR CORPUS.jsonl RUST_IDS.jsonl [--add-special]
import fs from 'fs';
import path from 'path';
import { fileURLToPath } from 'url';
const here = path.dirname(fileURLToPath(import.meta.url));
const { Tokenizer } = await import(path.join(here, '..', 'node_modules', '@huggingface', 'tokenizers', 'dist', 'tokenizers.mjs'));

const [dir, corpus, rust, flag] = process.argv.slice(2);
const json = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
const cfgPath = path.join(dir, 'tokenizer_config.json');
const cfg = fs.existsSync(cfgPath) ? JSON.parse(fs.readFileSync(cfgPath, 'utf8')) : {};
const tok = new Tokenizer(json, cfg);
const texts = fs.readFileSync(corpus, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l).text);
const want = fs.readFileSync(rust, 'utf8').split('\n').filter((l) => l);
let same = 0;
const differ = [];
for (let i = 0; i < texts.length; i++) {
  const ids = tok.encode(texts[i], { add_special_tokens: flag === '--add-special' }).ids;
  if (JSON.stringify({ ids }) === want[i]) same++;
  else differ.push(i + 1);
}
console.log(`${path.basename(dir)}: @huggingface/tokenizers agrees with tokenizers (Rust) on ${same}/${texts.length} lines` +
  (differ.length ? `; differing lines: ${differ.slice(0, 20).join(', ')}` : ''));
