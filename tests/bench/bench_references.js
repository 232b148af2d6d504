// Speed of the reference tokenizers on the benchmark corpus (documents
// separated by 0x1E), single-threaded, in MB/s, plus load times.
//   node bench_references.js CORPUS TOKENIZER_DIR... [--js-mb N]
// Prints lines "name impl load_ms=... mb_per_s=... bytes=...".
// Hugging Face tokenizers (Rust, Node binding) is timed with its batch call,
// one thread (RAYON_NUM_THREADS=1 set by bench.sh), so that per-call overhead
// does not count against it. @huggingface/tokenizers (pure JS) is slow: it
// runs on the first --js-mb megabytes only.
'use strict';
const fs = require('fs');
const path = require('path');
const nm = path.join(__dirname, '..', 'conformance', 'node_modules');
const { Tokenizer } = require(path.join(nm, 'tokenizers'));
const tiktoken = require(path.join(nm, 'tiktoken'));

function now() { return Number(process.hrtime.bigint()) / 1e9; }
// CPU seconds of this process (all its threads): on a shared machine wall
// time also measures the neighbours.
function cpu() { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; }

async function main() {
  const args = process.argv.slice(2);
  let jsMb = 2;
  const i = args.indexOf('--js-mb');
  if (i >= 0) { jsMb = Number(args[i + 1]); args.splice(i, 2); }
  const [corpus, ...dirs] = args;
  const docs = fs.readFileSync(corpus, 'utf8').split('\x1e');
  const bytes = docs.reduce((s, d) => s + Buffer.byteLength(d), 0);
  const jsDocs = [];
  let jsBytes = 0;
  for (const d of docs) { if (jsBytes >= jsMb * 1e6) break; jsDocs.push(d); jsBytes += Buffer.byteLength(d); }
  const { Tokenizer: JsTokenizer } = await import(path.join(nm, '@huggingface', 'tokenizers', 'dist', 'tokenizers.mjs'));
  for (const dir of dirs) {
    const name = path.basename(dir);
    let t0 = now();
    const tok = Tokenizer.fromFile(path.join(dir, 'tokenizer.json'));
    const load = now() - t0;
    t0 = now();
    let c0 = cpu();
    let n = 0;
    for (let k = 0; k < docs.length; k += 1000) {
      const encs = await tok.encodeBatch(docs.slice(k, k + 1000), { addSpecialTokens: false });
      for (const e of encs) n += e.getIds().length;
    }
    const secs = now() - t0, csecs = cpu() - c0;
    console.log(`${name} hf-tokenizers-rust load_ms=${(load * 1e3).toFixed(1)} mb_per_s=${(bytes / secs / 1e6).toFixed(2)} cpu_mb_per_s=${(bytes / csecs / 1e6).toFixed(2)} tokens=${n} bytes=${bytes}`);
    t0 = now();
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
    const cfgPath = path.join(dir, 'tokenizer_config.json');
    const cfg = fs.existsSync(cfgPath) ? JSON.parse(fs.readFileSync(cfgPath, 'utf8')) : {};
    const jt = new JsTokenizer(json, cfg);
    const jload = now() - t0;
    t0 = now();
    c0 = cpu();
    n = 0;
    for (const d of jsDocs) n += jt.encode(d, { add_special_tokens: false }).ids.length;
    const jsecs = now() - t0, jcsecs = cpu() - c0;
    console.log(`${name} hf-tokenizers-js load_ms=${(jload * 1e3).toFixed(1)} mb_per_s=${(jsBytes / jsecs / 1e6).toFixed(2)} cpu_mb_per_s=${(jsBytes / jcsecs / 1e6).toFixed(2)} tokens=${n} bytes=${jsBytes}`);
  }
  for (const enc of ['cl100k_base', 'o200k_base']) {
    let t0 = now();
    const e = tiktoken.get_encoding(enc);
    const load = now() - t0;
    t0 = now();
    const c0 = cpu();
    let n = 0;
    for (const d of docs) n += e.encode(d).length;
    const secs = now() - t0, csecs = cpu() - c0;
    console.log(`${enc} tiktoken load_ms=${(load * 1e3).toFixed(1)} mb_per_s=${(bytes / secs / 1e6).toFixed(2)} cpu_mb_per_s=${(bytes / csecs / 1e6).toFixed(2)} tokens=${n} bytes=${bytes}`);
    e.free();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
