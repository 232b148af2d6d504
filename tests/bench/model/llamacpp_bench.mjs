// The same phases as `tabllm bench`, run by llama.cpp through node-llama-cpp:
// load, prefill of N random ids, decode of M ids one at a time, and S
// sequences of T ids in one context. Prints one JSON object.
//   node llamacpp_bench.mjs MODEL.gguf THREADS PREFILL DECODE SEQS TOKENS
import {getLlama} from "node-llama-cpp";

const [modelPath, threadsArg, prefillArg, decodeArg, seqsArg, tokArg] = process.argv.slice(2);
const threads = +threadsArg, prefill = +prefillArg, decode = +decodeArg;
const seqs = +seqsArg, perSeq = +tokArg;
let rng = 0x2545f491n;
function randomToken(vocab) {
    rng = (rng * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
    return Number((rng >> 33n) % BigInt(vocab));
}
const now = () => performance.now() / 1000;

const llama = await getLlama({gpu: false, build: "never", logLevel: "error", maxThreads: threads});
let t0 = now();
const model = await llama.loadModel({modelPath, useMmap: true});
const loadS = now() - t0;
const nVocab = model.fileInfo.metadata.tokenizer.ggml.tokens.length;

const ctxSize = Math.max(prefill + decode, perSeq) + 8;
const context = await model.createContext({contextSize: ctxSize, batchSize: Math.max(prefill, 512),
                                           threads, flashAttention: false});
const seq = context.getSequence();
// warm-up: touch every weight page
await seq.evaluateWithoutGeneratingNewTokens(Array.from({length: 16}, () => randomToken(nVocab)));
await seq.clearHistory();

const ids = Array.from({length: prefill}, () => randomToken(nVocab));
t0 = now();
await seq.evaluateWithoutGeneratingNewTokens(ids);
const prefillS = now() - t0;

t0 = now();
for (let i = 0; i < decode; i++)
    await seq.evaluateWithoutGeneratingNewTokens([randomToken(nVocab)]);
const decodeS = now() - t0;
await context.dispose();

let batchS = 0;
if (seqs > 0) {
    const bctx = await model.createContext({contextSize: seqs * (perSeq + 8), sequences: seqs,
                                            batchSize: seqs * perSeq, threads,
                                            flashAttention: false});
    const all = Array.from({length: seqs}, () => bctx.getSequence());
    const inputs = all.map(() => Array.from({length: perSeq}, () => randomToken(nVocab)));
    t0 = now();
    await Promise.all(all.map((s, i) => s.evaluateWithoutGeneratingNewTokens(inputs[i])));
    batchS = now() - t0;
    await bctx.dispose();
}
const rssMb = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({
    engine: "llama.cpp", model: modelPath, threads, load_s: loadS, prefill_tokens: prefill,
    prefill_tps: prefill / prefillS, decode_tokens: decode, decode_tps: decode / decodeS,
    batch: `${seqs}x${perSeq}`, batch_tps: seqs > 0 ? seqs * perSeq / batchS : 0,
    peak_rss_mb: rssMb, vocab: nVocab}));
await model.dispose();
