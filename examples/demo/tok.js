// Token ids for the demo's training and evaluation text, from the reference implementations.
//
//   node tok.js encode TOKENIZER_JSON IN.json OUT.json
//       IN.json: {"texts": [...]}; OUT.json: {"ids": [[...], ...]} from the `tokenizers` npm package
//       (Hugging Face's Rust tokenizers), without special tokens added by the post-processor.
//   node tok.js check TOKENIZER_JSON TOKENIZER_CONFIG_JSON IN.json
//       encodes every text with `tokenizers` and with `@huggingface/tokenizers` (the pure JS one), with
//       and without the post-processor's special tokens, and exits 1 on the first difference.
//
// The npm references live in tests/conformance/node_modules (override with TABLLM_NODE_MODULES).
"use strict";
const fs = require("fs");
const path = require("path");

const modules = process.env.TABLLM_NODE_MODULES ||
    path.join(__dirname, "..", "..", "tests", "conformance", "node_modules");
const rust = require(path.join(modules, "tokenizers"));

async function rustIds(tokFile, texts, addSpecial) {
    const tok = rust.Tokenizer.fromFile(tokFile);
    const out = [];
    const batch = 512;
    for (let i = 0; i < texts.length; i += batch) {
        const encs = await tok.encodeBatch(texts.slice(i, i + batch), { addSpecialTokens: addSpecial });
        for (const e of encs) out.push(e.getIds());
    }
    return out;
}

async function main() {
    const [mode, tokFile, ...rest] = process.argv.slice(2);
    if (mode === "encode") {
        const [inFile, outFile] = rest;
        const texts = JSON.parse(fs.readFileSync(inFile, "utf8")).texts;
        fs.writeFileSync(outFile, JSON.stringify({ ids: await rustIds(tokFile, texts, false) }));
    } else if (mode === "check") {
        const [cfgFile, inFile] = rest;
        const texts = JSON.parse(fs.readFileSync(inFile, "utf8")).texts;
        const js = require(path.join(modules, "@huggingface", "tokenizers"));
        const jsTok = new js.Tokenizer(JSON.parse(fs.readFileSync(tokFile, "utf8")),
            JSON.parse(fs.readFileSync(cfgFile, "utf8")));
        for (const addSpecial of [false, true]) {
            const want = await rustIds(tokFile, texts, addSpecial);
            for (let i = 0; i < texts.length; i++) {
                const got = Array.from(jsTok.encode(texts[i], { add_special_tokens: addSpecial }).ids);
                if (JSON.stringify(got) !== JSON.stringify(want[i])) {
                    console.error(`text ${i} (add_special_tokens=${addSpecial}): ${JSON.stringify(texts[i])}\n` +
                        `  tokenizers:            ${JSON.stringify(want[i])}\n` +
                        `  @huggingface/tokenizers: ${JSON.stringify(got)}`);
                    process.exit(1);
                }
            }
            if (addSpecial) continue;
            const dec = await rust.Tokenizer.fromFile(tokFile).decodeBatch(want, false);
            for (let i = 0; i < texts.length; i++) {
                if (dec[i] !== texts[i]) {
                    console.error(`text ${i}: decode does not round-trip: ${JSON.stringify(dec[i])}`);
                    process.exit(1);
                }
            }
        }
        console.log(`${texts.length} texts: tokenizers and @huggingface/tokenizers agree`);
    } else {
        console.error("usage: tok.js encode|check ...");
        process.exit(2);
    }
}

main().catch((e) => { console.error(e); process.exit(1); });
