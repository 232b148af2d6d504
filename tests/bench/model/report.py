"""Prints the benchmark table and the ratios the model and speed issues set
targets for, from run.sh's JSON lines. Keys are MODEL-FORMAT, the format
being llama.cpp's GGUF type: f32 (ours F32), f16 (ours BF16, and PyTorch
bf16), q8_0 (ours INT8)."""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
triad = {r["threads"]: r["triad_gbs"] for r in rows if r["engine"] == "stream"}
load = {r["threads"]: r.get("load", "?") for r in rows if r["engine"] == "stream"}
ours = {(r["key"], r["threads"]): r for r in rows if r["engine"] == "tabllm"}
long = {(r["key"], r["threads"]): r for r in rows if r["engine"] == "tabllm-1024"}
ref = {(r["key"], r["threads"]): r for r in rows if r["engine"] == "llama.cpp"}
torch = {(r["key"], r["threads"]): r for r in rows if r["engine"] == "torch-bf16"}
OURS = {"f32": "F32", "f16": "BF16", "q8_0": "INT8"}


def ratio(a, b):
    return f"{a / b:.2f}x" if b else "-"


for t, g in sorted(triad.items()):
    print(f"STREAM triad, {t} thread(s): {g:.1f} GB/s (load average {load[t]})")
hdr = ("model, ours vs llama.cpp", "thr", "prefill-512 t/s (x llama)", "decode t/s (x llama)",
       "BW eff ours / llama", "batch16x64 t/s (x llama, vs 1024)", "load s (llama)",
       "RSS MB (weights)")
print(" | ".join(hdr))
for key, t in sorted(ours):
    o, r, lo = ours[(key, t)], ref.get((key, t)), long.get((key, t))
    model, fmt = key.rsplit("-", 1)
    wb = o["weight_bytes"]
    tri = triad.get(t)
    bw = wb * o["decode_tps"] / 1e9 / tri if tri else 0
    # llama.cpp reads about the same bytes per token in its format: ours for
    # F32 and Q8_0 (same block layout), and ours for F16 (2 bytes a weight)
    bw_ref = wb * r["decode_tps"] / 1e9 / tri if tri and r else 0
    print(" | ".join([
        f"{model} {OURS[fmt]} vs {fmt.upper()}", str(t),
        f"{o['prefill_tps']:.1f} ({ratio(o['prefill_tps'], r['prefill_tps']) if r else '-'})",
        f"{o['decode_tps']:.2f} ({ratio(o['decode_tps'], r['decode_tps']) if r else '-'})",
        f"{100 * bw:.0f}% / {100 * bw_ref:.0f}%",
        f"{o['batch_tps']:.1f} ({ratio(o['batch_tps'], r['batch_tps']) if r else '-'}, "
        f"{ratio(o['batch_tps'], lo['prefill_tps']) if lo else '-'})",
        f"{o['load_s']:.3f} ({r['load_s']:.3f})" if r else f"{o['load_s']:.3f}",
        f"{o['peak_rss_mb']:.0f} ({wb / 1e6:.0f})"]))

if torch:
    print()
    print("PyTorch bf16 (logits for all positions) | thr | prefill t/s: torch, ours BF16 (x torch), "
          "llama.cpp F16; ours x llama.cpp F16 | decode t/s: torch, ours BF16")
    for (key, t), p in sorted(torch.items()):
        o, r = ours.get((key, t)), ref.get((key, t))
        if not o:
            continue
        print(f"{key.rsplit('-', 1)[0]} ({p['prefill_tokens']} tokens for torch) | {t} | "
              f"{p['prefill_tps']:.2f}, {o['prefill_tps']:.1f} "
              f"({ratio(o['prefill_tps'], p['prefill_tps'])}), "
              f"{r['prefill_tps'] if r else 0:.1f}; "
              f"{ratio(o['prefill_tps'], r['prefill_tps']) if r else '-'} | "
              f"{p['decode_tps']:.2f}, {o['decode_tps']:.2f}")

kl = [r for r in rows if r["engine"] in ("int8-kl", "q8-kl")]
if kl:
    print()
    print("INT8 loss on fixed random ids: mean KL(F32 || quantized) nats (max), top-1 agreement")
    for r in kl:
        if r["engine"] == "int8-kl":
            for path in ("prefill", "decode"):
                k = r[path]
                print(f"ours {r['model']} {path}: {k['mean_kl']:.2e} ({k['max_kl']:.2e}), "
                      f"{100 * k['top1']:.1f}% over {r['tokens']} tokens")
        else:
            print(f"llama.cpp Q8_0 {r['model']}: {r['mean_kl']:.2e} ({r['max_kl']:.2e}), "
                  f"{100 * r['top1']:.1f}% over {r['tokens']} tokens")
