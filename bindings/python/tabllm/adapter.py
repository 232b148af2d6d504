"""Adapters: PEFT LoRA (and DoRA, modules_to_save, ...) on a loaded model."""
from __future__ import annotations

import ctypes
import os
from typing import Any, List, NamedTuple, Optional, Sequence, Tuple, Union

from . import _ffi
from ._handle import Handle
from ._lib import string_at
from .errors import check

PathLike = Union[str, bytes, "os.PathLike[str]"]

_FEATURES = {k[len("TABLLM_ADAPTER_HAS_"):].lower(): v for k, v in vars(_ffi).items()
             if k.startswith("TABLLM_ADAPTER_HAS_")}
_KINDS = {v: k[len("TABLLM_ADAPTER_TARGET_"):].lower() for k, v in vars(_ffi).items()
          if k.startswith("TABLLM_ADAPTER_TARGET_") and not k.endswith("_MAX_ENUM_")}


class AdapterTarget(NamedTuple):
    """One module an adapter changes."""
    module: str      #: "model.layers.3.self_attn.q_proj"
    layer: int       #: decoder layer, -1 for embed_tokens and lm_head
    rank: int        #: rank (rank_pattern applied); 0 when not low-rank
    alpha: float     #: alpha (alpha_pattern applied)
    scaling: float   #: alpha/rank, or alpha/sqrt(rank) with use_rslora
    kind: str        #: "lora", "dora", "replaced" or "bias"


class Adapter(Handle):
    """A PEFT adapter directory (adapter_config.json +
    adapter_model.safetensors) loaded for one model. Immutable; may be shared
    by threads and sessions. Holds its model::

        adapter = tabllm.Adapter.load(model, "examples/demo/adapter-biopsy")
        session.set_adapters([adapter])
    """

    _free = _ffi.tabllm_adapter_free

    @classmethod
    def load(cls, model: Any, path: PathLike, *, check_finite: bool = False,
             allow_unknown_fields: bool = False) -> "Adapter":
        """Loads an adapter for ``model``; a mismatch with the model raises
        AdapterMismatch naming the module and both shapes."""
        p = _ffi.tabllm_adapter_params()
        check(_ffi.tabllm_adapter_params_init(ctypes.byref(p), ctypes.sizeof(p)))
        if check_finite:
            p.flags |= _ffi.TABLLM_ADAPTER_CHECK_FINITE
        if allow_unknown_fields:
            p.flags |= _ffi.TABLLM_ADAPTER_ALLOW_UNKNOWN_FIELDS
        out = _ffi.tabllm_adapter_p()
        check(_ffi.tabllm_adapter_load(model._h, os.fsencode(path), ctypes.byref(p), ctypes.byref(out)))
        a = cls(out, model)
        a.model = model
        return a

    @property
    def rank(self) -> int:
        """adapter_config.json's ``r``."""
        return _ffi.tabllm_adapter_rank(self._h)

    @property
    def alpha(self) -> float:
        """adapter_config.json's ``lora_alpha``."""
        return _ffi.tabllm_adapter_alpha(self._h)

    @property
    def features(self) -> List[str]:
        """What it contains: "rslora", "dora", "lora_bias", "embedding_lora", ..."""
        bits = _ffi.tabllm_adapter_features(self._h)
        return [name for name, bit in sorted(_FEATURES.items(), key=lambda kv: kv[1]) if bits & bit]

    def targets(self) -> List[AdapterTarget]:
        """Every module it changes, in model order."""
        out = []
        for i in range(_ffi.tabllm_adapter_n_targets(self._h)):
            info = _ffi.tabllm_adapter_target_info()
            info.struct_size = ctypes.sizeof(info)
            check(_ffi.tabllm_adapter_target(self._h, i, ctypes.byref(info)))
            out.append(AdapterTarget((string_at(info.module) or b"").decode(), info.layer, info.rank,
                                     info.alpha, info.scaling, _KINDS.get(info.kind, str(info.kind))))
        return out

    def _repr_state(self) -> str:
        return f"r={self.rank} alpha={self.alpha:g}"


def _adapter_arrays(adapters: Sequence[Any], scales: Optional[Sequence[float]]) -> Tuple[Any, Any, int]:
    n = len(adapters)
    if scales is not None and len(scales) != n:
        raise ValueError(f"{len(scales)} scales for {n} adapters")
    arr = (_ffi.tabllm_adapter_p * max(n, 1))(*[a._h for a in adapters])
    sc = None if scales is None else (ctypes.c_float * max(n, 1))(*scales)
    return arr, sc, n


def set_adapters(session: Any, adapters: Sequence[Adapter], scales: Optional[Sequence[float]] = None,
                 seq_id: Optional[int] = None) -> None:
    """Makes the session (or one sequence of it) use ``adapters``, each with
    its scale (default 1); an empty list returns to the base model. The
    session keeps the adapters alive."""
    arr, sc, n = _adapter_arrays(adapters, scales)
    if seq_id is None:
        check(_ffi.tabllm_session_set_adapters(session._h, arr, sc, n))
        session._adapters = {None: list(adapters)}
    else:
        check(_ffi.tabllm_session_set_seq_adapters(session._h, seq_id, arr, sc, n))
        session._adapters = dict(getattr(session, "_adapters", {}) or {})
        session._adapters[seq_id] = list(adapters)


__all__ = ["Adapter", "AdapterTarget", "set_adapters"]
