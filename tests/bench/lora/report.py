"""Medians of the LoRA benchmark's rounds and their ratios to the base
(time ratios: 1.10 means the phase took 10% longer than without the
adapter), in process CPU seconds and in wall seconds."""
import json
import statistics
import sys

TARGET = {"prefill": 1.15, "decode": 1.25}


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    for weights in sorted({r["weights"] for r in rows}):
        sel = [r for r in rows if r["weights"] == weights]
        print(f"{sel[0]['model']} ({weights}), {sel[0]['threads']} thread(s), "
              f"{len(sel) // 3} round(s); seconds (median) and ratio to the base")
        for phase in ("prefill", "decode"):
            tokens = sel[0][phase + "_tokens"]
            for clock, key in (("cpu", phase + "_cpu_s"), ("wall", None)):
                med = {}
                for config in ("base", "unmerged", "merged"):
                    rs = [r for r in sel if r["config"] == config]
                    med[config] = statistics.median(
                        r[key] if key else tokens / r[phase + "_tps"] for r in rs)
                line = f"  {phase:8s}{clock:5s} base {med['base']:8.3f}"
                for config in ("unmerged", "merged"):
                    line += f" | {config} {med[config]:8.3f} ({med[config] / med['base']:.3f}x)"
                if clock == "cpu":
                    line += f"   target unmerged <= {TARGET[phase]:.2f}x"
                print(line)


if __name__ == "__main__":
    main()
