"""LlamaForCausalLM in plain torch, computing what transformers' modeling_llama does.

Same parameter names as transformers (model.embed_tokens.weight, model.layers.N.self_attn.q_proj.weight,
...), same maths: RMSNorm in float32 (x * rsqrt(mean(x^2) + eps), then weight * x), rotary embeddings
with the rotate_half convention (cos/sin over cat(freqs, freqs)), grouped-query attention by repeating
the key/value heads, softmax in float32, SwiGLU MLP down(silu(gate(x)) * up(x)), tied or separate
lm_head. No dropout, no biases (attention_bias = mlp_bias = False).

LoRA: `LoRALinear` wraps a frozen nn.Linear as PEFT's lora.Linear does:
y = W x + scaling * B(A(x)), scaling = lora_alpha / r, A: [r, in] (kaiming-uniform init), B: [out, r]
(zero init), so an untrained adapter leaves the base model unchanged.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class LlamaConfig:
    """The LlamaConfig fields config.json carries (transformers' names)."""

    def __init__(self, vocab_size, hidden_size, intermediate_size, num_hidden_layers, num_attention_heads,
                 num_key_value_heads, max_position_embeddings, rms_norm_eps=1e-5, rope_theta=10000.0,
                 tie_word_embeddings=True, bos_token_id=None, eos_token_id=None, pad_token_id=None,
                 torch_dtype="float32", head_dim=None, initializer_range=0.02):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.intermediate_size = intermediate_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.num_key_value_heads = num_key_value_heads
        self.head_dim = head_dim if head_dim is not None else hidden_size // num_attention_heads
        self.max_position_embeddings = max_position_embeddings
        self.rms_norm_eps = rms_norm_eps
        self.rope_theta = rope_theta
        self.tie_word_embeddings = tie_word_embeddings
        self.bos_token_id = bos_token_id
        self.eos_token_id = eos_token_id
        self.pad_token_id = pad_token_id
        self.torch_dtype = torch_dtype
        self.initializer_range = initializer_range
        assert num_attention_heads % num_key_value_heads == 0

    def to_hf_dict(self):
        """config.json as transformers writes it for LlamaForCausalLM."""
        return {
            "architectures": ["LlamaForCausalLM"],
            "attention_bias": False,
            "attention_dropout": 0.0,
            "bos_token_id": self.bos_token_id,
            "eos_token_id": self.eos_token_id,
            "head_dim": self.head_dim,
            "hidden_act": "silu",
            "hidden_size": self.hidden_size,
            "initializer_range": self.initializer_range,
            "intermediate_size": self.intermediate_size,
            "max_position_embeddings": self.max_position_embeddings,
            "mlp_bias": False,
            "model_type": "llama",
            "num_attention_heads": self.num_attention_heads,
            "num_hidden_layers": self.num_hidden_layers,
            "num_key_value_heads": self.num_key_value_heads,
            "pad_token_id": self.pad_token_id,
            "pretraining_tp": 1,
            "rms_norm_eps": self.rms_norm_eps,
            "rope_scaling": None,
            "rope_theta": self.rope_theta,
            "tie_word_embeddings": self.tie_word_embeddings,
            "torch_dtype": self.torch_dtype,
            "use_cache": True,
            "vocab_size": self.vocab_size,
        }

    @classmethod
    def from_hf_dict(cls, d):
        return cls(vocab_size=d["vocab_size"], hidden_size=d["hidden_size"],
                   intermediate_size=d["intermediate_size"], num_hidden_layers=d["num_hidden_layers"],
                   num_attention_heads=d["num_attention_heads"],
                   num_key_value_heads=d.get("num_key_value_heads", d["num_attention_heads"]),
                   max_position_embeddings=d["max_position_embeddings"], rms_norm_eps=d["rms_norm_eps"],
                   rope_theta=d.get("rope_theta", 10000.0), tie_word_embeddings=d.get("tie_word_embeddings", False),
                   bos_token_id=d.get("bos_token_id"), eos_token_id=d.get("eos_token_id"),
                   pad_token_id=d.get("pad_token_id"), torch_dtype=d.get("torch_dtype", "float32"),
                   head_dim=d.get("head_dim"))


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        dtype = x.dtype
        x = x.to(torch.float32)
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


def rope_cos_sin(position_ids, head_dim, theta):
    """cos, sin: [batch, seq, head_dim] for integer positions [batch, seq] (float32 throughout)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    freqs = position_ids[:, :, None].float() * inv_freq[None, None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class LoRALinear(nn.Module):
    """A frozen base nn.Linear plus a low-rank update, as peft.tuners.lora.Linear."""

    def __init__(self, base, r, alpha):
        super().__init__()
        self.base = base
        self.r = r
        self.scaling = alpha / r
        self.lora_A = nn.Linear(base.in_features, r, bias=False)
        self.lora_B = nn.Linear(r, base.out_features, bias=False)
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))  # PEFT's default init of A
        nn.init.zeros_(self.lora_B.weight)

    @property
    def weight(self):
        return self.base.weight

    def forward(self, x):
        return self.base(x) + self.lora_B(self.lora_A(x)) * self.scaling


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        h, d = cfg.hidden_size, cfg.head_dim
        self.q_proj = nn.Linear(h, cfg.num_attention_heads * d, bias=False)
        self.k_proj = nn.Linear(h, cfg.num_key_value_heads * d, bias=False)
        self.v_proj = nn.Linear(h, cfg.num_key_value_heads * d, bias=False)
        self.o_proj = nn.Linear(cfg.num_attention_heads * d, h, bias=False)

    def forward(self, x, cos, sin, mask, past=None):
        # x: [B, T, hidden]; cos/sin: [B, T, head_dim]; mask: [B or 1, 1, T, P+T] additive;
        # past: optional (k, v) of a shared prefix, each [1, nkv, P, d] (rotated keys, as a KV cache holds)
        B, T, _ = x.shape
        nh, nkv, d = self.cfg.num_attention_heads, self.cfg.num_key_value_heads, self.cfg.head_dim
        q = self.q_proj(x).view(B, T, nh, d).transpose(1, 2)   # [B, nh, T, d]
        k = self.k_proj(x).view(B, T, nkv, d).transpose(1, 2)  # [B, nkv, T, d]
        v = self.v_proj(x).view(B, T, nkv, d).transpose(1, 2)
        c, s = cos[:, None], sin[:, None]
        q = q * c + rotate_half(q) * s
        k = k * c + rotate_half(k) * s
        kv = (k, v)
        if past is not None:
            k = torch.cat([past[0].expand(B, -1, -1, -1), k], dim=2)  # [B, nkv, P+T, d]
            v = torch.cat([past[1].expand(B, -1, -1, -1), v], dim=2)
        S = k.shape[2]
        rep = nh // nkv
        if rep > 1:  # repeat_kv: kv head j serves query heads j*rep .. j*rep+rep-1
            k = k[:, :, None].expand(B, nkv, rep, S, d).reshape(B, nh, S, d)
            v = v[:, :, None].expand(B, nkv, rep, S, d).reshape(B, nh, S, d)
        att = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(d) + mask  # [B, nh, T, S]
        att = F.softmax(att, dim=-1, dtype=torch.float32).to(q.dtype)
        out = torch.matmul(att, v).transpose(1, 2).reshape(B, T, nh * d)
        return self.o_proj(out), kv


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.gate_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False)
        self.up_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False)
        self.down_proj = nn.Linear(cfg.intermediate_size, cfg.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.self_attn = Attention(cfg)
        self.mlp = MLP(cfg)
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)

    def forward(self, x, cos, sin, mask, past=None):
        a, kv = self.self_attn(self.input_layernorm(x), cos, sin, mask, past)
        x = x + a
        return x + self.mlp(self.post_attention_layernorm(x)), kv


class LlamaModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList([DecoderLayer(cfg) for _ in range(cfg.num_hidden_layers)])
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)


class LlamaForCausalLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.model = LlamaModel(cfg)
        self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)
        self.apply(self._init)
        if cfg.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight

    def _init(self, m):  # transformers' _init_weights: normal(0, initializer_range), norms at 1
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, mean=0.0, std=self.cfg.initializer_range)

    def hidden(self, ids, position_ids=None, mask=None, past=None, return_kv=False):
        """Final-norm hidden states [B, T, hidden].

        mask: additive [B|1, 1, T, P+T], default causal. past: per-layer (k, v) of a prefix of length P
        shared by the whole batch (from return_kv=True on that prefix); positions then start at P and
        every token also sees the whole prefix, which is what running prefix + ids in one piece gives.
        """
        B, T = ids.shape
        P = 0 if past is None else past[0][0].shape[2]
        if position_ids is None:
            position_ids = (P + torch.arange(T))[None].expand(B, T)
        if mask is None:
            mask = causal_mask(T)
            if P:
                mask = torch.cat([torch.zeros(1, 1, T, P), mask], dim=3)
        cos, sin = rope_cos_sin(position_ids, self.cfg.head_dim, self.cfg.rope_theta)
        x = self.model.embed_tokens(ids)
        kvs = []
        for i, layer in enumerate(self.model.layers):
            x, kv = layer(x, cos, sin, mask, None if past is None else past[i])
            kvs.append(kv)
        x = self.model.norm(x)
        return (x, kvs) if return_kv else x

    def forward(self, ids, position_ids=None, mask=None, past=None):
        return self.lm_head(self.hidden(ids, position_ids, mask, past))  # logits [B, T, vocab]

    # -- weights in Hugging Face naming -------------------------------------------------------------

    def hf_state_dict(self):
        """name -> tensor with transformers' LlamaForCausalLM names (lm_head omitted when tied)."""
        out = {}
        for name, p in self.state_dict().items():  # lists a tied weight under both names
            if name == "lm_head.weight" and self.cfg.tie_word_embeddings:
                continue
            if ".lora_" in name:
                continue
            out[name.replace(".base.", ".")] = p.detach()
        return out

    def load_hf_state_dict(self, tensors):
        own = self.state_dict(keep_vars=True)
        want = set(self.hf_state_dict().keys())
        got = set(tensors.keys())
        if want != got:
            raise ValueError(f"tensor names differ: missing {sorted(want - got)}, unexpected {sorted(got - want)}")
        with torch.no_grad():
            for name, p in own.items():
                key = name.replace(".base.", ".")
                if key in tensors:
                    t = tensors[key]
                    if tuple(t.shape) != tuple(p.shape):
                        raise ValueError(f"{key}: shape {tuple(t.shape)}, expected {tuple(p.shape)}")
                    p.copy_(t.to(p.dtype))

    # -- LoRA ----------------------------------------------------------------------------------------

    def add_lora(self, r, alpha, target_modules):
        """Freeze everything and wrap each targeted projection with a LoRALinear; returns LoRA params."""
        for p in self.parameters():
            p.requires_grad_(False)
        params = []
        for layer in self.model.layers:
            for parent in (layer.self_attn, layer.mlp):
                for name in target_modules:
                    if hasattr(parent, name):
                        wrapped = LoRALinear(getattr(parent, name), r, alpha)
                        setattr(parent, name, wrapped)
                        params += [wrapped.lora_A.weight, wrapped.lora_B.weight]
        return params

    def lora_state_dict(self):
        """PEFT's saved names: base_model.model.<module>.lora_A.weight [r, in] / lora_B.weight [out, r]."""
        out = {}
        for name, p in self.named_parameters():
            if ".lora_A." in name or ".lora_B." in name:
                out["base_model.model." + name.replace(".base.", ".")] = p.detach()
        return out

    def load_lora_state_dict(self, tensors):
        own = {"base_model.model." + n: p for n, p in self.named_parameters() if ".lora_" in n}
        if set(own) != set(tensors):
            raise ValueError(f"adapter names differ: {sorted(set(own) ^ set(tensors))[:4]}")
        with torch.no_grad():
            for k, p in own.items():
                p.copy_(tensors[k].to(p.dtype))


def causal_mask(T):
    """Additive causal mask [1, 1, T, T]: 0 on and below the diagonal, finfo.min above (as transformers)."""
    m = torch.full((T, T), torch.finfo(torch.float32).min)
    return torch.triu(m, diagonal=1)[None, None]


def padded_causal_mask(lengths, T):
    """Causal mask that also hides right padding beyond each sequence's length: [B, 1, T, T]."""
    base = causal_mask(T)[0, 0]
    keys = torch.arange(T)[None, :] >= torch.as_tensor(lengths)[:, None]  # [B, T] padded keys
    m = base[None].expand(len(lengths), T, T).clone()
    m.masked_fill_(keys[:, None, :], torch.finfo(torch.float32).min)
    return m[:, None]
