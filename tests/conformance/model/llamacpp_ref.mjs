// llama.cpp's answers for a GGUF model, through node-llama-cpp's prebuilt
// libllama: the next-token log-probabilities after every prompt position
// (F32 KV cache, no flash attention) and a greedy continuation.
//   node llamacpp_ref.mjs MODEL.gguf REF.json OUT.json
import fs from "node:fs";
import {getLlama} from "node-llama-cpp";

const [modelPath, refPath, outPath] = process.argv.slice(2);
const ref = JSON.parse(fs.readFileSync(refPath, "utf8"));
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath});
const context = await model.createContext({
    contextSize: 256, batchSize: 256, threads: 1, flashAttention: false,
    experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32",
});
const sequence = context.getSequence();
const V = ref.n_vocab;
const items = ref.prompt.map((t) => [t, {generateNext: {probabilities: true}}]);
const res = await sequence.controlledEvaluate(items);
const logprobs = [];
for (let i = 0; i < ref.prompt.length; i++) {
    const row = new Array(V).fill(null);
    for (const [tok, p] of res[i].next.probabilities)
        row[tok] = p > 0 ? Math.log(p) : null;
    logprobs.push(row);
}
// greedy continuation from a fresh sequence
await sequence.clearHistory();
const generated = [];
for await (const tok of sequence.evaluate(ref.prompt, {temperature: 0})) {
    generated.push(tok);
    if (generated.length >= ref.generated.length) break;
}
fs.writeFileSync(outPath, JSON.stringify({logprobs, generated}));
await context.dispose();
await model.dispose();
