#!/usr/bin/python3
"""Checks that the committed demo artifacts are what train.py says they are, without retraining.

    /usr/bin/python3 examples/demo/check.py [--rows N]

- sizes: model + adapter + tokenizer <= 16 MiB;
- config.json / adapter_config.json carry the fields transformers and PEFT write, and the
  safetensors files hold exactly the tensors (names, dtypes, shapes) those configs imply;
- the prompts in expected.json are the TabuLa serialisation of data/biopsy-test.csv;
- the token ids in expected.json are what the `tokenizers` reference gives, and `@huggingface/tokenizers`
  agrees on every test prompt;
- a PyTorch forward of the stored weights reproduces expected.json's label log-probabilities
  (the first N rows, default 24), base, few-shot and base+adapter.
- when the tabllm CLI is given (--cli, or $TABLLM_CLI as meson sets it): libtabllm's own `tabula`
  encoder gives the same 209 prompts, its tokenizer the same ids, and its forward pass the same logits
  as PyTorch for row 0 (base; with the adapter once `--lora` is available).
Exits 0 when all hold, 1 with a message otherwise.
"""

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
NODE_MODULES = os.environ.get("TABLLM_NODE_MODULES",
                              os.path.join(HERE, "..", "..", "tests", "conformance", "node_modules"))

try:
    import pandas as pd
    import torch

    import data
    import train
except ImportError as e:
    print(f"check.py: SKIP: {e} (tests/install-deps.sh test installs it)")
    sys.exit(77)

LLAMA_FIELDS = ["architectures", "model_type", "vocab_size", "hidden_size", "intermediate_size",
                "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim", "hidden_act",
                "max_position_embeddings", "rms_norm_eps", "rope_theta", "tie_word_embeddings", "attention_bias",
                "mlp_bias", "bos_token_id", "eos_token_id", "torch_dtype"]


def fail(msg):
    print(f"check.py: FAIL: {msg}")
    sys.exit(1)


def header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        h = json.loads(f.read(n))
        size = os.fstat(f.fileno()).st_size
    h.pop("__metadata__", None)
    end = max(v["data_offsets"][1] for v in h.values())
    if 8 + n + end != size:
        fail(f"{path}: data ends at {8 + n + end}, file has {size} bytes")
    return h


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=24)
    ap.add_argument("--cli", default=os.environ.get("TABLLM_CLI"), help="the tabllm program, to check libtabllm too")
    args = ap.parse_args()
    if not os.path.isdir(os.path.join(NODE_MODULES, "tokenizers")) or \
            not os.path.isdir(os.path.join(NODE_MODULES, "@huggingface", "tokenizers")):
        print(f"check.py: SKIP: npm references not installed in {NODE_MODULES} (tests/conformance/generate.sh)")
        sys.exit(77)
    torch.set_num_threads(2)
    mdir, adir = os.path.join(HERE, "model"), os.path.join(HERE, "adapter-biopsy")

    total = sum(os.path.getsize(os.path.join(d, f)) for d in (mdir, adir) for f in os.listdir(d))
    if total > 16 * 1024 * 1024:
        fail(f"model + adapter + tokenizer: {total} bytes > 16 MiB")

    with open(os.path.join(mdir, "config.json")) as f:
        cfg = json.load(f)
    missing = [k for k in LLAMA_FIELDS if k not in cfg]
    if missing or cfg["architectures"] != ["LlamaForCausalLM"] or cfg["model_type"] != "llama":
        fail(f"config.json: missing {missing} or not a LlamaForCausalLM")
    h, d = cfg["hidden_size"], cfg["head_dim"]
    want = {"model.embed_tokens.weight": [cfg["vocab_size"], h], "model.norm.weight": [h]}
    if not cfg["tie_word_embeddings"]:
        want["lm_head.weight"] = [cfg["vocab_size"], h]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        want.update({
            p + "self_attn.q_proj.weight": [cfg["num_attention_heads"] * d, h],
            p + "self_attn.k_proj.weight": [cfg["num_key_value_heads"] * d, h],
            p + "self_attn.v_proj.weight": [cfg["num_key_value_heads"] * d, h],
            p + "self_attn.o_proj.weight": [h, cfg["num_attention_heads"] * d],
            p + "mlp.gate_proj.weight": [cfg["intermediate_size"], h],
            p + "mlp.up_proj.weight": [cfg["intermediate_size"], h],
            p + "mlp.down_proj.weight": [h, cfg["intermediate_size"]],
            p + "input_layernorm.weight": [h],
            p + "post_attention_layernorm.weight": [h],
        })
    got = header(os.path.join(mdir, "model.safetensors"))
    if {k: v["shape"] for k, v in got.items()} != want:
        fail("model.safetensors: tensor names/shapes differ from what config.json implies")
    dt = {"bfloat16": "BF16", "float32": "F32", "float16": "F16"}[cfg["torch_dtype"]]
    if any(v["dtype"] != dt for v in got.values()):
        fail(f"model.safetensors: not all tensors are {dt}")

    with open(os.path.join(adir, "adapter_config.json")) as f:
        acfg = json.load(f)
    if acfg["peft_type"] != "LORA" or acfg["task_type"] != "CAUSAL_LM" or acfg["use_rslora"] or acfg["use_dora"]:
        fail("adapter_config.json: not a plain PEFT LoRA for a causal LM")
    r = acfg["r"]
    shapes = {k[len("model.layers.0."):]: v for k, v in want.items() if k.startswith("model.layers.0.")}
    awant = {}
    for i in range(cfg["num_hidden_layers"]):
        for t in acfg["target_modules"]:
            mod = next(k for k in shapes if k.endswith("." + t + ".weight"))[:-len(".weight")]
            out_f, in_f = shapes[mod + ".weight"]
            base = f"base_model.model.model.layers.{i}.{mod}"
            awant[base + ".lora_A.weight"] = [r, in_f]
            awant[base + ".lora_B.weight"] = [out_f, r]
    got = header(os.path.join(adir, "adapter_model.safetensors"))
    if {k: v["shape"] for k, v in got.items()} != awant:
        fail("adapter_model.safetensors: tensor names/shapes differ from what adapter_config.json implies")

    with open(os.path.join(HERE, "expected.json")) as f:
        exp = json.load(f)
    test = pd.read_csv(os.path.join(HERE, exp["table"]))
    prompts = [data.serialize(rec, exp["target"], exp["labels"])[0] for rec in data.records(test)]
    if prompts != [row["prompt"] for row in exp["rows"]]:
        fail("expected.json prompts are not the serialisation of " + exp["table"])

    tok_file = os.path.join(mdir, "tokenizer.json")
    with tempfile.TemporaryDirectory() as work:
        texts = prompts + [lab + data.EOC for lab in exp["labels"]]
        ids = train.node_encode(work, tok_file, texts)
        bos = exp["tokens"]["bos_id"]
        if [bos] + ids[0] != exp["tokens"]["prompt_ids"]:
            fail("expected.json prompt_ids differ from the tokenizers reference")
        if ids[len(prompts):] != [exp["tokens"]["label_ids"][lab] for lab in exp["labels"]]:
            fail("expected.json label_ids differ from the tokenizers reference")
        path = os.path.join(work, "prompts.json")
        with open(path, "w") as f:
            json.dump({"texts": texts}, f)
        r = subprocess.run(["node", os.path.join(HERE, "tok.js"), "check", tok_file,
                            os.path.join(mdir, "tokenizer_config.json"), path], capture_output=True, text=True)
        if r.returncode:
            fail("tokenizers and @huggingface/tokenizers disagree:\n" + r.stderr)

    n = min(args.rows, len(prompts))
    ctx = [[bos] + i for i in ids[:n]]
    labels = ids[len(prompts):]
    base = train.load_base(mdir)
    runs = [("base", train.score(base, ctx, labels, cfg["pad_token_id"]))]
    shots = exp.get("few_shot")
    if shots:
        runs.append((f"base_{shots['shots']}shot",
                     train.score(base, ids[:n], labels, cfg["pad_token_id"], shots["prefix_ids"])))
    adapted = train.load_adapter(train.load_base(mdir), adir)
    runs.append(("base+adapter", train.score(adapted, ctx, labels, cfg["pad_token_id"])))
    worst = 0.0
    for name, lp in runs:
        for i in range(n):
            for j, lab in enumerate(exp["labels"]):
                want_lp = exp["rows"][i][name]["logprob_sum"][lab]
                err = abs(lp[i, j] - want_lp)
                worst = max(worst, err)
                if err > 1e-4 * max(1.0, abs(want_lp)):
                    fail(f"{name} row {i} label {lab}: logprob {lp[i, j]:.6f}, expected.json {want_lp:.6f}")
    notes = check_cli(args.cli, exp, prompts, ids, base, adapted) if args.cli else ["no tabllm CLI given"]
    print(f"check.py: OK: {total} bytes; {len(prompts)} prompts and their ids agree with the references; "
          f"{n} rows x {len(runs)} runs reproduce expected.json (max |diff| {worst:.2e}); libtabllm: "
          + "; ".join(notes))


def missing_feature(r, what):
    """A CLI command that failed: fine only when the build says the feature is not there yet."""
    msg = r.stderr.decode("utf-8", errors="replace").strip()
    if "not available" in msg or "unknown command" in msg:
        return f"{what} not in this build"
    fail(f"tabllm {what} failed: {msg}")


def check_cli(cli, exp, prompts, ids, base, adapted):
    """libtabllm itself against the same references: encoder, tokenizer, forward pass (row 0)."""
    notes = []
    with tempfile.TemporaryDirectory() as work:
        r = subprocess.run([cli, "encode", "--format", "tabula", "--target", exp["target"], "--labels",
                            ",".join(exp["labels"]), os.path.join(HERE, exp["table"])], capture_output=True)
        if r.returncode:
            return [missing_feature(r, "encode")]
        if r.stdout.decode("utf-8") != "".join(p + "\n" for p in prompts):
            fail("tabllm encode --format tabula differs from expected.json's prompts")
        notes.append(f"encode: {len(prompts)} prompts identical")
        lines = "".join(json.dumps({"text": p}) + "\n" for p in prompts)
        r = subprocess.run([cli, "tokenize", "--tokenizer", os.path.join(HERE, "model"), "--add-special"],
                           input=lines.encode("utf-8"), capture_output=True)
        if r.returncode:
            return notes + [missing_feature(r, "tokenize")]
        got = [json.loads(line)["ids"] for line in r.stdout.decode("utf-8").splitlines()]
        if got != [[exp["tokens"]["bos_id"]] + i for i in ids[:len(prompts)]]:
            fail("tabllm tokenize differs from the tokenizers reference")
        notes.append("tokenize: ids identical")
        seq = exp["tokens"]["prompt_ids"] + exp["tokens"]["label_ids"][exp["labels"][-1]]
        for name, model, extra in (("base", base, []),
                                   ("base+adapter", adapted, ["--lora", os.path.join(HERE, "adapter-biopsy")])):
            out = os.path.join(work, "logits.npy")
            r = subprocess.run([cli, "logits", "--model", os.path.join(HERE, "model"), "--ids",
                                ",".join(map(str, seq)), "--all", "--out", out] + extra, capture_output=True)
            if r.returncode:
                notes.append(missing_feature(r, f"logits {name}"))
                continue
            import numpy as np
            with torch.no_grad():
                want = model(torch.tensor([seq]))[0].numpy()
            got = np.load(out).reshape(want.shape)
            err = float(np.abs(got - want).max())
            if err > 1e-3 * max(1.0, float(np.abs(want).max())):
                fail(f"tabllm logits ({name}) differ from PyTorch by {err}")
            notes.append(f"logits {name}: max |diff| {err:.1e}")
    return notes


if __name__ == "__main__":
    main()
