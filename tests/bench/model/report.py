"""Prints the benchmark table and the ratios the model issue sets targets
for, from run.sh's JSON lines."""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
triad = {r["threads"]: r["triad_gbs"] for r in rows if r["engine"] == "stream"}
ours = {(r["key"], r["threads"]): r for r in rows if r["engine"] == "tabllm"}
long = {(r["key"], r["threads"]): r for r in rows if r["engine"] == "tabllm-1024"}
ref = {(r["key"], r["threads"]): r for r in rows if r["engine"] == "llama.cpp"}

print(f"STREAM triad: " + ", ".join(f"{t} thread(s) {g:.1f} GB/s" for t, g in sorted(triad.items())))
hdr = ("model", "thr", "prefill t/s (x llama)", "decode t/s (x llama)", "BW eff",
       "batch16x64 t/s (x llama, vs 1024)", "load s (llama)", "RSS MB (weights)")
print(" | ".join(hdr))
for key, t in sorted(ours):
    o, r, lo = ours[(key, t)], ref.get((key, t)), long.get((key, t))
    wb = o["weight_bytes"]
    bw = wb * o["decode_tps"] / 1e9 / triad[t] if triad.get(t) else 0
    def ratio(a, b):
        return f"{a / b:.2f}x" if b else "-"
    print(" | ".join([
        key, str(t),
        f"{o['prefill_tps']:.1f} ({ratio(o['prefill_tps'], r['prefill_tps']) if r else '-'})",
        f"{o['decode_tps']:.2f} ({ratio(o['decode_tps'], r['decode_tps']) if r else '-'})",
        f"{100 * bw:.0f}%",
        f"{o['batch_tps']:.1f} ({ratio(o['batch_tps'], r['batch_tps']) if r else '-'}, "
        f"{ratio(o['batch_tps'], lo['prefill_tps']) if lo else '-'})",
        f"{o['load_s']:.3f} ({r['load_s']:.3f})" if r else f"{o['load_s']:.3f}",
        f"{o['peak_rss_mb']:.0f} ({wb / 1e6:.0f})"]))
