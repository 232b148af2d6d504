"""Writes small random Hugging Face Llama directories for the binding tests
(config.json + model.safetensors, F32), so the tests need no model files."""
import json
import pathlib
import struct

import numpy as np


def write_safetensors(path: pathlib.Path, tensors: dict) -> None:
    header, blobs, offset = {}, [], 0
    for name, arr in tensors.items():
        data = np.ascontiguousarray(arr, dtype=np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)


def write_tiny_llama(directory: pathlib.Path, *, vocab: int = 64, hidden: int = 32, layers: int = 2,
                     heads: int = 4, kv_heads: int = 2, ff: int = 64, max_pos: int = 128,
                     seed: int = 0) -> pathlib.Path:
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    hd = hidden // heads

    def w(*shape):
        return rng.standard_normal(shape).astype(np.float32) * 0.2

    t = {"model.embed_tokens.weight": w(vocab, hidden),
         "model.norm.weight": 1 + w(hidden) * 0.1,
         "lm_head.weight": w(vocab, hidden)}
    for i in range(layers):
        p = f"model.layers.{i}."
        t.update({p + "input_layernorm.weight": 1 + w(hidden) * 0.1,
                  p + "post_attention_layernorm.weight": 1 + w(hidden) * 0.1,
                  p + "self_attn.q_proj.weight": w(heads * hd, hidden),
                  p + "self_attn.k_proj.weight": w(kv_heads * hd, hidden),
                  p + "self_attn.v_proj.weight": w(kv_heads * hd, hidden),
                  p + "self_attn.o_proj.weight": w(hidden, heads * hd),
                  p + "mlp.gate_proj.weight": w(ff, hidden),
                  p + "mlp.up_proj.weight": w(ff, hidden),
                  p + "mlp.down_proj.weight": w(hidden, ff)})
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": vocab,
           "hidden_size": hidden, "intermediate_size": ff, "num_hidden_layers": layers,
           "num_attention_heads": heads, "num_key_value_heads": kv_heads,
           "max_position_embeddings": max_pos, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
           "hidden_act": "silu", "tie_word_embeddings": False, "bos_token_id": 1, "eos_token_id": [2, 3],
           "torch_dtype": "float32"}
    (directory / "config.json").write_text(json.dumps(cfg))
    write_safetensors(directory / "model.safetensors", t)
    return directory
