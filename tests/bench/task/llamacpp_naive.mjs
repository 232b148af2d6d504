// The naive loop through llama.cpp (node-llama-cpp's prebuilt libllama): each
// row x label as its own full evaluation from an empty sequence, the label's
// tokens scored from the probabilities llama.cpp returns at the positions
// before them. Sequences come from bench_predict --dump. Prints one JSON
// object with rows/s (wall and CPU) and the label log-probabilities summed
// per row and label, to check against libtabllm.
//   node llamacpp_naive.mjs MODEL.gguf SEQUENCES.json THREADS
import fs from "node:fs";
import {getLlama} from "node-llama-cpp";

const [modelPath, seqPath, threadsArg] = process.argv.slice(2);
const threads = +threadsArg;
const job = JSON.parse(fs.readFileSync(seqPath, "utf8"));
const llama = await getLlama({gpu: false, build: "never", logLevel: "error", maxThreads: threads});
const model = await llama.loadModel({modelPath});
const longest = Math.max(...job.sequences.map((s) => s.ids.length));
const context = await model.createContext({
    contextSize: longest + 8, batchSize: longest + 8, threads, flashAttention: false,
    experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32",
});
const sequence = context.getSequence();
const lp = [];
const t0 = performance.now(), c0 = process.cpuUsage();
for (const s of job.sequences) {
    await sequence.clearHistory();
    const from = s.ids.length - s.targets.length;
    const items = s.ids.map((t, i) => (i >= from ? [t, {generateNext: {probabilities: true}}] : t));
    const res = await sequence.controlledEvaluate(items);
    let sum = 0;
    for (let k = 0; k < s.targets.length; k++) {
        const probs = res[from + k].next.probabilities;
        sum += Math.log(probs.get(s.targets[k]) ?? 0);
    }
    lp.push(sum);
}
const wall = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
const cpuS = (c.user + c.system) / 1e6;
console.log(JSON.stringify({engine: "llama.cpp", rows: job.rows, labels: job.labels, threads,
                            naive_rows_per_s: job.rows / wall, naive_cpu_rows_per_s: job.rows / cpuS,
                            logprobs: lp}));
await context.dispose();
await model.dispose();
