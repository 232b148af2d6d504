#!/usr/bin/python3
"""Train libtabllm's demo model, its LoRA adapter, and the reference predictions, from scratch.

    /usr/bin/python3 examples/demo/train.py --out examples/demo

writes examples/demo/{model/, adapter-biopsy/, data/, expected.json, train-log.txt}. See
docs/demo-model.md for what they are and how well they do.

Needs only Debian packages: python3-torch python3-numpy python3-pandas python3-sklearn python3-regex
r-base-core r-cran-mass nodejs, plus the npm references installed in tests/conformance/node_modules
(`tokenizers`, `@huggingface/tokenizers`; see tests/conformance/package.json). CPU only; fixed seeds;
torch.use_deterministic_algorithms; 2 threads by default.

Steps (each also runnable alone with --stage for debugging is deliberately not offered: the whole
run is short, and one command is what makes it reproducible):
 1. self-test: the row serialiser reproduces TabuLa's golden prompts byte for byte; the Llama forward's
    masking, GQA and padding behave; safetensors files round-trip.
 2. data: R datasets + MASS + scikit-learn tables exported to CSV; prediction tasks built; the
    held-out table (MASS::biopsy) split into train/test CSVs under data/.
 3. tokenizer: byte-level BPE trained on the base model's training text; tokenizer.json checked
    against both reference implementations; all text tokenized by the `tokenizers` reference.
 4. base model: LlamaForCausalLM trained on the completion tokens of packed rows of many tables.
 5. adapter: PEFT-format LoRA trained on the held-out table's train split only.
 6. evaluation on the held-out test split: closed-set label scoring (base, base 4-shot,
    base+adapter), majority-class and logistic-regression baselines; expected.json.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bpe  # noqa: E402
import data  # noqa: E402
import llama  # noqa: E402
import safetensors_io  # noqa: E402

BOS, QA_SEP, EOC, PAD = "<|begin_of_text|>", data.QA_SEP, data.EOC, "<|pad|>"
SPECIALS = [BOS, QA_SEP, EOC, PAD]
VOCAB_SIZE = 3072  # BPE tokens + the 4 special tokens

MODEL = dict(hidden_size=192, intermediate_size=512, num_hidden_layers=4, num_attention_heads=6,
             num_key_value_heads=2, max_position_embeddings=1024, rms_norm_eps=1e-5, rope_theta=10000.0,
             tie_word_embeddings=True)
BASE = dict(steps=480, batch=16, seq_len=256, lr=2e-3, warmup=30, weight_decay=0.1, max_rows=400,
            max_targets=3)
LORA = dict(r=8, alpha=16, target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                                           "down_proj"], epochs=4, batch=16, lr=2e-3)
TARGET = "class"
LABELS = ["benign", "malignant"]
SHOTS = 4
SPLIT_SEED = 7


def find_goldens():
    """shared/data/encoder-goldens: $TABLLM_ENCODER_GOLDENS, else the first one found walking up from here."""
    if os.environ.get("TABLLM_ENCODER_GOLDENS"):
        return os.environ["TABLLM_ENCODER_GOLDENS"]
    d = HERE
    while True:
        cand = os.path.join(d, "shared", "data", "encoder-goldens")
        if os.path.isdir(cand):
            return cand
        if os.path.dirname(d) == d:
            return None
        d = os.path.dirname(d)


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# -- 1. self-test -------------------------------------------------------------------------------------


def self_test(work):
    golden_dir = find_goldens()
    if golden_dir and os.path.isdir(golden_dir):
        n = data.check_goldens(golden_dir)
        log(f"self-test: serializer reproduces {n} TabuLa golden files byte for byte ({golden_dir})")
    else:
        log("self-test: WARNING shared/data/encoder-goldens not found (set TABLLM_ENCODER_GOLDENS): "
            "golden check skipped")

    torch.manual_seed(0)
    cfg = llama.LlamaConfig(vocab_size=50, hidden_size=24, intermediate_size=40, num_hidden_layers=2,
                            num_attention_heads=6, num_key_value_heads=2, max_position_embeddings=64,
                            tie_word_embeddings=False)
    m = llama.LlamaForCausalLM(cfg).eval()
    for p in m.model.parameters():  # norms away from 1 so that a wrong norm would show
        if p.dim() == 1:
            p.data.uniform_(0.5, 1.5)
    ids = torch.randint(0, 50, (3, 12))
    with torch.no_grad():
        full = m(ids)
        # causality: a prefix's logits do not depend on what follows
        assert torch.allclose(m(ids[:, :7]), full[:, :7], atol=1e-5)
        # right padding changes nothing for the real positions
        pad = torch.cat([ids[:1, :5], torch.zeros(1, 7, dtype=torch.long)], 1)
        assert torch.allclose(m(pad)[:, :5], full[:1, :5], atol=1e-5)
        # GQA: the same as multi-head attention with each kv head repeated (repeat_interleave layout)
        cfg2 = llama.LlamaConfig(**{**cfg.__dict__, "num_key_value_heads": 6})
        m2 = llama.LlamaForCausalLM(cfg2).eval()
        sd = dict(m.named_parameters())
        for name, p in m2.named_parameters():
            src = sd[name]
            if name.endswith(("k_proj.weight", "v_proj.weight")):
                src = src.view(2, 1, 4, 24).expand(2, 3, 4, 24).reshape(24, 24)
            p.data.copy_(src)
        assert torch.allclose(m2(ids), full, atol=1e-5)
        # a shared prefix computed once (KV cache) gives what the whole sequence gives
        _, kv = m.hidden(ids[:1, :5], return_kv=True)
        tails = torch.cat([ids[:1, 5:], ids[1:2, 5:]], 0)
        whole = m(torch.cat([ids[:1, :5].expand(2, 5), tails], 1))[:, 5:]
        assert torch.allclose(m(tails, past=kv), whole, atol=1e-5)
    t = {"a": torch.randn(3, 5), "b": torch.randn(7)}
    path = os.path.join(work, "selftest.safetensors")
    for dt, tol in (("F32", 0), ("BF16", 1e-2)):
        safetensors_io.save(path, t, dt)
        back, meta = safetensors_io.load(path)
        assert meta == {"format": "pt"} and all(torch.allclose(back[k], t[k], atol=tol, rtol=tol) for k in t)
        with open(path, "rb") as f:
            assert (8 + int.from_bytes(f.read(8), "little")) % 8 == 0
    log("self-test: llama forward (causality, padding, GQA, prefix cache) and safetensors round-trip OK")


# -- 2. data ------------------------------------------------------------------------------------------


def build_data(work, out, seed):
    raw = os.path.join(work, "raw")
    data.export_r_tables(raw)
    data.export_sklearn_tables(raw)
    rng = np.random.default_rng(seed)
    tasks = []
    for path in data.base_table_files(raw):
        tasks += data.make_tasks(path, rng, BASE["max_rows"], BASE["max_targets"])
    samples = []  # (task index, input text, target text)
    for ti, (name, target, df, labels) in enumerate(tasks):
        for rec in data.records(df):
            choices = list(labels)
            rng.shuffle(choices)  # rtfm renders choices in Python-set order: teach order invariance
            x, y = data.serialize(rec, target, choices)
            samples.append((ti, x, y))
    tables = sorted({t[0] for t in tasks})
    log(f"data: {len(tables)} tables, {len(tasks)} prediction tasks, {len(samples)} serialised rows")

    held = data.heldout_table(raw)
    train, test = data.split_heldout(held, SPLIT_SEED)
    ddir = os.path.join(out, "data")
    os.makedirs(ddir, exist_ok=True)
    train.to_csv(os.path.join(ddir, "biopsy-train.csv"), index=False)
    test.to_csv(os.path.join(ddir, "biopsy-test.csv"), index=False)
    # Everything downstream reads the committed CSVs back, as libtabllm will.
    train = pd.read_csv(os.path.join(ddir, "biopsy-train.csv"))
    test = pd.read_csv(os.path.join(ddir, "biopsy-test.csv"))
    log(f"data: held-out MASS::biopsy: {len(train)} train rows, {len(test)} test rows")
    return tasks, samples, train, test


# -- 3. tokenizer -------------------------------------------------------------------------------------


def node_encode(work, tok_file, texts):
    inp, outp = os.path.join(work, "texts.json"), os.path.join(work, "ids.json")
    with open(inp, "w", encoding="utf-8") as f:
        json.dump({"texts": texts}, f)
    subprocess.run(["node", os.path.join(HERE, "tok.js"), "encode", tok_file, inp, outp], check=True)
    with open(outp, encoding="utf-8") as f:
        return json.load(f)["ids"]


def build_tokenizer(work, mdir, samples, seed):
    counts = bpe.pretokenize_counts((x + y for _, x, y in samples), SPECIALS)
    vocab, merges = bpe.train(counts, VOCAB_SIZE - len(SPECIALS))
    if len(vocab) != VOCAB_SIZE - len(SPECIALS):
        raise RuntimeError(f"BPE stopped at {len(vocab)} tokens: corpus too small for {VOCAB_SIZE}")
    tok_file = os.path.join(mdir, "tokenizer.json")
    doc = bpe.tokenizer_json(vocab, merges, SPECIALS, BOS)
    bpe.write(tok_file, doc)
    ids = {t["content"]: t["id"] for t in doc["added_tokens"]}
    cfg = {
        "add_bos_token": True,
        "add_eos_token": False,
        "added_tokens_decoder": {str(t["id"]): {k: t[k] for k in ("content", "lstrip", "normalized", "rstrip",
                                                                   "single_word", "special")}
                                 for t in doc["added_tokens"]},
        "bos_token": BOS,
        "clean_up_tokenization_spaces": False,
        "eos_token": EOC,
        "model_max_length": MODEL["max_position_embeddings"],
        "pad_token": PAD,
        "tokenizer_class": "PreTrainedTokenizerFast",
    }
    with open(os.path.join(mdir, "tokenizer_config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    rng = np.random.default_rng(seed)
    check = [samples[i][1] + samples[i][2] for i in rng.choice(len(samples), 400, replace=False)]
    check += ["", " ", "héllo wörld, 日本語 🙂\n\n\t x", "The  h2  is b.", QA_SEP + "x" + EOC, "3.14159 -0.5 1e-05"]
    path = os.path.join(work, "check.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"texts": check}, f)
    subprocess.run(["node", os.path.join(HERE, "tok.js"), "check", tok_file,
                    os.path.join(mdir, "tokenizer_config.json"), path], check=True)
    log(f"tokenizer: {len(vocab)} BPE tokens ({len(merges)} merges) + {len(SPECIALS)} special tokens")
    return tok_file, ids


# -- 4. base model ------------------------------------------------------------------------------------


def pack(samples, sample_ids, bos, seq_len, rng):
    """Rows of one table packed into causal sequences, BOS only first (TabuLa's few-shot layout).

    Returns a list of (ids, loss_mask) where loss_mask marks the completion tokens (label + EOC).
    """
    by_task = {}
    for (ti, _, _), (xi, yi) in zip(samples, sample_ids):
        by_task.setdefault(ti, []).append((xi, yi))
    seqs = []
    for ti in sorted(by_task):
        rows = by_task[ti]
        order = rng.permutation(len(rows))
        ids, mask = [bos], [0]
        for j in order:
            xi, yi = rows[j]
            if len(ids) + len(xi) + len(yi) > seq_len and len(ids) > 1:
                seqs.append((ids, mask))
                ids, mask = [bos], [0]
            ids += xi + yi
            mask += [0] * len(xi) + [1] * len(yi)
        if len(ids) > 1:
            seqs.append((ids, mask))
    return seqs


def batch_tensors(items, pad):
    T = max(len(i) for i, _ in items)
    ids = torch.full((len(items), T), pad, dtype=torch.long)
    mask = torch.zeros((len(items), T), dtype=torch.bool)
    for b, (i, m) in enumerate(items):
        ids[b, :len(i)] = torch.tensor(i)
        mask[b, :len(m)] = torch.tensor(m, dtype=torch.bool)
    return ids, mask


def completion_loss(model, ids, mask):
    """Mean cross-entropy of the masked (completion) tokens; right padding needs no attention mask."""
    h = model.hidden(ids[:, :-1])
    sel = mask[:, 1:]
    logits = model.lm_head(h[sel])
    return F.cross_entropy(logits, ids[:, 1:][sel])


def lr_at(step, total, peak, warmup):
    if step < warmup:
        return peak * (step + 1) / warmup
    p = (step - warmup) / max(1, total - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))


def train_base(seqs, cfg, tok_ids, seed, steps, stop=None):
    """Trains a fresh model for `steps` steps (stop: end early, same schedule, for determinism checks)."""
    torch.manual_seed(seed)
    model = llama.LlamaForCausalLM(cfg)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": BASE["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}], lr=BASE["lr"], betas=(0.9, 0.95))
    rng = np.random.default_rng(seed + 1)
    order, pos, epoch = rng.permutation(len(seqs)), 0, 0
    model.train()
    t0, ema = time.time(), None
    for step in range(steps if stop is None else stop):
        if pos + BASE["batch"] > len(order):
            order, pos, epoch = rng.permutation(len(seqs)), 0, epoch + 1
        items = [seqs[i] for i in order[pos:pos + BASE["batch"]]]
        pos += BASE["batch"]
        ids, mask = batch_tensors(items, tok_ids[PAD])
        for g in opt.param_groups:
            g["lr"] = lr_at(step, steps, BASE["lr"], BASE["warmup"])
        loss = completion_loss(model, ids, mask)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ema = loss.item() if ema is None else 0.95 * ema + 0.05 * loss.item()
        if step % 40 == 0 or step == steps - 1:
            log(f"base step {step}/{steps} epoch {epoch} loss {ema:.4f} ({time.time() - t0:.0f} s)")
    return model.eval()


def save_base(model, cfg, mdir, tok_ids):
    cfg.torch_dtype = "bfloat16"
    with open(os.path.join(mdir, "config.json"), "w") as f:
        json.dump(cfg.to_hf_dict(), f, indent=2)
        f.write("\n")
    with open(os.path.join(mdir, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": tok_ids[BOS], "do_sample": False, "eos_token_id": tok_ids[EOC],
                   "max_new_tokens": 32, "pad_token_id": tok_ids[PAD]}, f, indent=2)
        f.write("\n")
    safetensors_io.save(os.path.join(mdir, "model.safetensors"), model.hf_state_dict(), "BF16")


def load_base(mdir):
    with open(os.path.join(mdir, "config.json")) as f:
        cfg = llama.LlamaConfig.from_hf_dict(json.load(f))
    model = llama.LlamaForCausalLM(cfg)
    tensors, _ = safetensors_io.load(os.path.join(mdir, "model.safetensors"))
    model.load_hf_state_dict(tensors)
    return model.eval()


# -- 5. adapter -----------------------------------------------------------------------------------------


def train_adapter(model, rows, tok_ids, seed, epochs):
    """rows: list of (prompt ids with BOS, completion ids). Trains LoRA params in place."""
    torch.manual_seed(seed)
    params = model.add_lora(LORA["r"], LORA["alpha"], LORA["target_modules"])
    opt = torch.optim.AdamW(params, lr=LORA["lr"], weight_decay=0.0)
    rng = np.random.default_rng(seed + 1)
    steps = epochs * math.ceil(len(rows) / LORA["batch"])
    step, t0 = 0, time.time()
    model.train()
    for epoch in range(epochs):
        order = rng.permutation(len(rows))
        total = 0.0
        for b in range(0, len(order), LORA["batch"]):
            items = [(rows[i][0] + rows[i][1], [0] * len(rows[i][0]) + [1] * len(rows[i][1]))
                     for i in order[b:b + LORA["batch"]]]
            ids, mask = batch_tensors(items, tok_ids[PAD])
            for g in opt.param_groups:
                g["lr"] = lr_at(step, steps, LORA["lr"], 10)
            loss = completion_loss(model, ids, mask)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(items)
            step += 1
        log(f"adapter epoch {epoch + 1}/{epochs} loss {total / len(rows):.4f} ({time.time() - t0:.0f} s)")
    return model.eval()


def save_adapter(model, adir, base_path):
    os.makedirs(adir, exist_ok=True)
    cfg = {
        "alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": base_path, "bias": "none",
        "fan_in_fan_out": False, "inference_mode": True, "init_lora_weights": True, "layer_replication": None,
        "layers_pattern": None, "layers_to_transform": None, "lora_alpha": LORA["alpha"], "lora_dropout": 0.0,
        "modules_to_save": None, "peft_type": "LORA", "r": LORA["r"], "rank_pattern": {}, "revision": None,
        "target_modules": sorted(LORA["target_modules"]), "task_type": "CAUSAL_LM", "use_dora": False,
        "use_rslora": False,
    }
    with open(os.path.join(adir, "adapter_config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    safetensors_io.save(os.path.join(adir, "adapter_model.safetensors"), model.lora_state_dict(), "F32")


def load_adapter(model, adir):
    with open(os.path.join(adir, "adapter_config.json")) as f:
        cfg = json.load(f)
    model.add_lora(cfg["r"], cfg["lora_alpha"], cfg["target_modules"])
    tensors, _ = safetensors_io.load(os.path.join(adir, "adapter_model.safetensors"))
    model.load_lora_state_dict(tensors)
    return model.eval()


# -- 6. evaluation ------------------------------------------------------------------------------------


@torch.no_grad()
def score(model, contexts, label_ids, pad, prefix=None, chunk=32):
    """Closed-set scoring: for each context and each label continuation (label + EOC ids), the summed
    log-probability of the continuation. The full context of row r is prefix + contexts[r] (prefix: ids
    shared by all rows, e.g. BOS + few-shot examples, computed once). Returns [n_rows, n_labels]."""
    past, P = None, 0
    if prefix:
        _, past = model.hidden(torch.tensor([prefix]), return_kv=True)
        P = len(prefix)
    jobs = [(r, l) for r in range(len(contexts)) for l in range(len(label_ids))]
    out = np.zeros((len(contexts), len(label_ids)))
    for s in range(0, len(jobs), chunk):
        part = jobs[s:s + chunk]
        seqs = [contexts[r] + label_ids[l] for r, l in part]
        ids, _ = batch_tensors([(q, [0] * len(q)) for q in seqs], pad)
        h = model.hidden(ids, past=past)
        for b, (r, l) in enumerate(part):
            n0, c = len(contexts[r]), label_ids[l]
            if n0 == 0:
                raise ValueError("empty context")
            logp = F.log_softmax(model.lm_head(h[b, n0 - 1:n0 - 1 + len(c)]).float(), dim=-1)
            out[r, l] = float(logp[torch.arange(len(c)), torch.tensor(c)].sum())
    return out


def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def summarize(lp_sum, label_ids, truth):
    n_tok = np.array([len(c) for c in label_ids], float)
    p_sum, p_mean = softmax(lp_sum), softmax(lp_sum / n_tok)
    y = np.array([LABELS.index(t) for t in truth])
    from sklearn.metrics import roc_auc_score

    res = {
        "accuracy": float((p_sum.argmax(1) == y).mean()),
        "auc": float(roc_auc_score(y, p_sum[:, 1])),  # ranking quality of p(malignant), blind to the threshold
        "accuracy_length_normalised": float((p_mean.argmax(1) == y).mean()),
        "log_loss": float(-np.log(np.clip(p_sum[np.arange(len(y)), y], 1e-12, None)).mean()),
    }
    return res, p_sum, p_mean


def baselines(train, test):
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X_tr, y_tr = train.drop(columns=[TARGET]), train[TARGET]
    X_te, y_te = test.drop(columns=[TARGET]), test[TARGET]
    majority = y_tr.value_counts().idxmax()
    clf = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(max_iter=1000))
    clf.fit(X_tr, y_tr)
    proba = clf.predict_proba(X_te)
    idx = [list(clf.classes_).index(t) for t in y_te]
    return {
        "majority_class": {"label": majority, "accuracy": float((y_te == majority).mean())},
        "logistic_regression": {
            "accuracy": float((clf.predict(X_te) == y_te).mean()),
            "log_loss": float(-np.log(np.clip(proba[np.arange(len(idx)), idx], 1e-12, None)).mean()),
            "auc": float(roc_auc_score([LABELS.index(t) for t in y_te],
                                       proba[:, list(clf.classes_).index(LABELS[1])])),
            "model": "scikit-learn: SimpleImputer(median) + StandardScaler + LogisticRegression(max_iter=1000), "
                     "fit on the train split",
        },
    }


def evaluate(out, mdir, adir, train, test, tok_file, tok_ids, work, seed):
    bos = tok_ids[BOS]
    test_x = [data.serialize(r, TARGET, LABELS)[0] for r in data.records(test)]
    truth = [str(v) for v in test[TARGET]]
    rng = np.random.default_rng(seed)
    shots = sorted(int(i) for lab in LABELS
                   for i in rng.choice(np.flatnonzero(train[TARGET].to_numpy() == lab), SHOTS // len(LABELS),
                                       replace=False))
    shots = [shots[i] for i in rng.permutation(len(shots))]
    train_recs = data.records(train)
    shot_xy = [data.serialize(train_recs[i], TARGET, LABELS) for i in shots]
    texts = test_x + [l + EOC for l in LABELS] + [t for xy in shot_xy for t in xy]
    ids = node_encode(work, tok_file, texts)
    n = len(test_x)
    prompt_ids = [[bos] + i for i in ids[:n]]
    label_ids = ids[n:n + len(LABELS)]
    shot_ids = [bos] + [t for i in ids[n + len(LABELS):] for t in i]
    fewshot_prefix = "".join(x + y for x, y in shot_xy)

    runs, probs = {}, {}
    base = load_base(mdir)
    for name, ctx, prefix in (("base", prompt_ids, None), (f"base_{SHOTS}shot", ids[:n], shot_ids)):
        lp = score(base, ctx, label_ids, tok_ids[PAD], prefix)
        runs[name], ps, pm = summarize(lp, label_ids, truth)
        probs[name] = (lp, ps, pm)
    adapted = load_adapter(load_base(mdir), adir)
    lp = score(adapted, prompt_ids, label_ids, tok_ids[PAD])
    runs["base+adapter"], ps, pm = summarize(lp, label_ids, truth)
    probs["base+adapter"] = (lp, ps, pm)

    rows = []
    for i in range(n):
        row = {"row": i, "true": truth[i], "prompt": test_x[i]}
        for name, (lp, ps, pm) in probs.items():
            row[name] = {
                "logprob_sum": dict(zip(LABELS, map(float, lp[i]))),
                "prob": dict(zip(LABELS, map(float, ps[i]))),
                "prob_length_normalised": dict(zip(LABELS, map(float, pm[i]))),
                "predicted": LABELS[int(ps[i].argmax())],
            }
        rows.append(row)
    doc = {
        "description": "Reference predictions of examples/demo/model (+ adapter-biopsy) on data/biopsy-test.csv, "
                       "computed by examples/demo/train.py in PyTorch (float32 compute on the stored weights). "
                       "Closed-set scoring: for each row and label, logprob_sum = sum of log p(token) over the "
                       "tokens of label + '<|endcompletion|>' after the prompt; prob = softmax of logprob_sum over "
                       "the labels; prob_length_normalised = softmax of logprob_sum / number of those tokens.",
        "table": "data/biopsy-test.csv",
        "target": TARGET,
        "labels": LABELS,
        "model": "model",
        "adapter": "adapter-biopsy",
        "template": "TabuLa-8B BasicSerializerV2 (rtfm defaults): prompt = text + '<|endinput|>', "
                    "tokenized with the tokenizer's post-processor (BOS first)",
        "tokens": {
            "prompt": test_x[0],
            "prompt_ids": prompt_ids[0],
            "label_ids": dict(zip(LABELS, label_ids)),
            "bos_id": bos,
        },
        "few_shot": {
            "shots": SHOTS,
            "support_table": "data/biopsy-train.csv",
            "support_rows": shots,
            "prefix_text": fewshot_prefix,
            "layout": "BOS + (shot input + shot target) for each shot + query prompt; each piece tokenized alone "
                      "without special tokens (TabuLa's make_few_shot_sample: BOS only on the first sample)",
            "prefix_ids": shot_ids,
        },
        "baselines": baselines(train, test),
        "results": runs,
        "rows": rows,
    }
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    return doc


# -- main -----------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--out", required=True, help="output directory (examples/demo)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--base-steps", type=int, default=BASE["steps"])
    ap.add_argument("--adapter-epochs", type=int, default=LORA["epochs"])
    ap.add_argument("--work", help="scratch directory (default: a temporary one, removed at the end)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    out = os.path.abspath(args.out)
    mdir, adir = os.path.join(out, "model"), os.path.join(out, "adapter-biopsy")
    os.makedirs(mdir, exist_ok=True)
    work = args.work or tempfile.mkdtemp(prefix="tabllm-demo-")
    os.makedirs(work, exist_ok=True)
    times, cpu = {}, {}
    t_all = t = time.time()
    c = time.process_time()
    try:
        self_test(work)
        tasks, samples, train, test = build_data(work, out, args.seed)
        times["data"] = time.time() - t
        cpu["data"], c = time.process_time() - c, time.process_time()
        t = time.time()
        tok_file, tok_ids = build_tokenizer(work, mdir, samples, args.seed)
        ids = node_encode(work, tok_file, [s for _, x, y in samples for s in (x, y)])
        sample_ids = [(ids[2 * i], ids[2 * i + 1]) for i in range(len(samples))]
        seqs = pack(samples, sample_ids, tok_ids[BOS], BASE["seq_len"], np.random.default_rng(args.seed))
        n_tok = sum(len(s) for s, _ in seqs)
        n_loss = sum(sum(m) for _, m in seqs)
        times["tokenizer"] = time.time() - t
        cpu["tokenizer"], c = time.process_time() - c, time.process_time()
        log(f"tokenized: {n_tok} tokens in {len(seqs)} packed sequences, {n_loss} completion tokens")
        t = time.time()

        cfg = llama.LlamaConfig(vocab_size=VOCAB_SIZE, bos_token_id=tok_ids[BOS], eos_token_id=tok_ids[EOC],
                                pad_token_id=tok_ids[PAD], **MODEL)
        model = train_base(seqs, cfg, tok_ids, args.seed, args.base_steps)
        save_base(model, cfg, mdir, tok_ids)
        times["base"] = time.time() - t
        cpu["base"], c = time.process_time() - c, time.process_time()
        t = time.time()

        base = load_base(mdir)  # the adapter is trained on the stored (BF16-rounded) weights
        recs = data.records(train)
        xy = [data.serialize(r, TARGET, LABELS) for r in recs]
        ids = node_encode(work, tok_file, [s for x, y in xy for s in (x, y)])
        rows = [([tok_ids[BOS]] + ids[2 * i], ids[2 * i + 1]) for i in range(len(xy))]
        adapted = train_adapter(base, rows, tok_ids, args.seed, args.adapter_epochs)
        save_adapter(adapted, adir, "examples/demo/model")
        times["adapter"] = time.time() - t
        cpu["adapter"], c = time.process_time() - c, time.process_time()
        t = time.time()

        doc = evaluate(out, mdir, adir, train, test, tok_file, tok_ids, work, args.seed)
        times["evaluation"] = time.time() - t
        cpu["evaluation"], c = time.process_time() - c, time.process_time()
        times["total"] = time.time() - t_all
        cpu["total"] = sum(cpu.values())
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)

    sizes = {os.path.relpath(os.path.join(d, f), out): os.path.getsize(os.path.join(d, f))
             for d in (mdir, adir) for f in sorted(os.listdir(d))}
    total = sum(sizes.values())
    lines = [f"demo model training run, {time.strftime('%Y-%m-%d')}, torch {torch.__version__}, "
             f"{args.threads} threads, {os.cpu_count()} CPUs",
             "wall seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in times.items()),
             "CPU seconds (all threads): " + ", ".join(f"{k} {v:.0f}" for k, v in cpu.items()),
             f"bytes: total {total} (" + ", ".join(f"{k} {v}" for k, v in sizes.items()) + ")",
             "baselines: " + json.dumps(doc["baselines"]["majority_class"]) + " "
             + f"logistic_regression accuracy {doc['baselines']['logistic_regression']['accuracy']:.4f}"]
    lines += [f"{k}: " + json.dumps(v) for k, v in doc["results"].items()]
    with open(os.path.join(out, "train-log.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    if total > 16 * 1024 * 1024:
        raise SystemExit(f"model + adapter + tokenizer take {total} bytes, more than 16 MiB")


if __name__ == "__main__":
    main()
