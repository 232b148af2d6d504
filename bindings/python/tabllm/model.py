"""Models and sessions: the Llama-family forward pass, KV cache and sampling.

Logits, hidden states and embeddings come back as NumPy ``float32`` arrays
when NumPy is installed, plain lists of floats otherwise.

Lifetime of :meth:`Session.logits` and :meth:`Session.hidden`: by default the
array is a read-only *view* of the session's own buffer (no copy). It keeps
the session's memory alive (closing the session is deferred while a view
exists), but its contents are only meaningful until the next
:meth:`Session.decode`, which overwrites or reallocates that buffer. Pass
``copy=True`` to keep values across decodes.
"""
from __future__ import annotations

import ctypes
import os
from typing import Any, List, Optional, Sequence, Union

from . import _ffi
from ._handle import Handle
from ._lib import string_at
from .enums import Pooling, WeightFormat, coerce
from .errors import check

try:
    import numpy as _np
except ImportError:  # pragma: no cover - depends on the machine
    _np = None

PathLike = Union[str, bytes, "os.PathLike[str]"]
Floats = Any  # numpy.ndarray of float32, or List[float] without NumPy


class Model(Handle):
    """A loaded Hugging Face model directory (Llama, Mistral, Qwen2, Qwen3).

    Immutable once loaded; may be shared by threads and sessions::

        model = tabllm.Model.load("examples/demo/model")
        with model.session(n_ctx=512) as s:
            s.decode(tokenizer.encode("Hello", add_special=True))
            print(s.logits().argmax())
    """

    _free = _ffi.tabllm_model_free

    @classmethod
    def load(cls, path: PathLike, *, weight_format: Union[str, int, None] = None,
             check_finite: bool = False) -> "Model":
        """Loads a model directory. ``weight_format``: "auto" (as stored,
        mapped), "f32", "bf16", "f16"; ``check_finite`` scans every weight for
        NaN/inf."""
        p = _ffi.tabllm_model_params()
        check(_ffi.tabllm_model_params_init(ctypes.byref(p), ctypes.sizeof(p)))
        if weight_format is not None:
            p.weight_format = coerce(WeightFormat, weight_format, "weight format")
        if check_finite:
            p.flags |= _ffi.TABLLM_MODEL_CHECK_FINITE
        out = _ffi.tabllm_model_p()
        check(_ffi.tabllm_model_load(os.fsencode(path), ctypes.byref(p), ctypes.byref(out)))
        return cls(out)

    @property
    def architecture(self) -> str:
        return (string_at(_ffi.tabllm_model_architecture(self._h)) or b"").decode()

    @property
    def n_vocab(self) -> int:
        return _ffi.tabllm_model_n_vocab(self._h)

    @property
    def n_embd(self) -> int:
        return _ffi.tabllm_model_n_embd(self._h)

    @property
    def n_layers(self) -> int:
        return _ffi.tabllm_model_n_layers(self._h)

    @property
    def n_heads(self) -> int:
        return _ffi.tabllm_model_n_heads(self._h)

    @property
    def n_kv_heads(self) -> int:
        return _ffi.tabllm_model_n_kv_heads(self._h)

    @property
    def head_dim(self) -> int:
        return _ffi.tabllm_model_head_dim(self._h)

    @property
    def n_ctx_train(self) -> int:
        return _ffi.tabllm_model_n_ctx_train(self._h)

    @property
    def bos(self) -> Optional[int]:
        """config.json's bos_token_id, or None."""
        v = _ffi.tabllm_model_bos(self._h)
        return None if v < 0 else v

    @property
    def eos(self) -> List[int]:
        """config.json's eos_token_id(s)."""
        n = ctypes.c_size_t()
        p = _ffi.tabllm_model_eos(self._h, ctypes.byref(n))
        return [p[i] for i in range(n.value)] if p else []

    @property
    def weight_bytes(self) -> int:
        """Bytes of weights the forward pass reads per token."""
        return _ffi.tabllm_model_weight_bytes(self._h)

    def session(self, **options: Any) -> "Session":
        """A new :class:`Session` on this model (options as :class:`Session`)."""
        return Session(self, **options)

    def _repr_state(self) -> str:
        return f"{self.architecture} {self.n_layers}x{self.n_embd} vocab={self.n_vocab}"


class _View:
    """The owner of a NumPy view of session memory: keeps the session's
    memory alive while the array exists (see the module docstring)."""

    __slots__ = ("session", "__weakref__")

    def __init__(self, session: "Session"):
        self.session = session
        session._borrow(self)


def _float_array(ptr: Any, n: int, owner: "Session", copy: bool) -> Floats:
    if _np is None:
        return ptr[:n]
    arr = _np.ctypeslib.as_array(ptr, shape=(n,))
    if copy:
        return arr.copy()
    return _Borrowed(arr, _View(owner))


if _np is not None:
    class _Borrowed(_np.ndarray):  # type: ignore[misc]
        """A read-only float32 view of session memory that holds the session."""

        def __new__(cls, arr: Any, holder: Any) -> "_Borrowed":
            obj = arr.view(cls)
            obj._holder = holder
            obj.flags.writeable = False
            return obj

        def __array_finalize__(self, obj: Any) -> None:
            # Slices and views of a borrowed array keep the session alive too;
            # copies own their data and need nothing.
            self._holder = None if self.flags.owndata else getattr(obj, "_holder", None)

        def __reduce__(self):  # pickling copies the values, not the borrow
            return _np.asarray(self).copy().__reduce__()


class Session(Handle):
    """A model in use: a KV cache of ``n_seq_max`` sequences of ``n_ctx``
    tokens, a thread pool and a random generator. One thread at a time (it may
    move between threads). Holds its model.

    Options: ``n_ctx`` (0: min(n_ctx_train, 4096)), ``n_seq_max``,
    ``n_threads``, ``keep_hidden`` (needed by :meth:`hidden` and
    :meth:`embed`), ``seed``.
    """

    _free = _ffi.tabllm_session_free

    def __init__(self, model: Model, *, n_ctx: int = 0, n_seq_max: int = 1, n_threads: int = 1,
                 keep_hidden: bool = False, seed: int = 0):
        p = _ffi.tabllm_session_params()
        check(_ffi.tabllm_session_params_init(ctypes.byref(p), ctypes.sizeof(p)))
        p.n_ctx, p.n_seq_max, p.n_threads, p.seed = n_ctx, n_seq_max, n_threads, seed
        if keep_hidden:
            p.flags |= _ffi.TABLLM_SESSION_KEEP_HIDDEN
        out = _ffi.tabllm_session_p()
        check(_ffi.tabllm_session_new(model._h, ctypes.byref(p), ctypes.byref(out)))
        super().__init__(out, model)
        self.model = model
        self._n_vocab = model.n_vocab
        self._n_embd = model.n_embd

    @property
    def n_ctx(self) -> int:
        return _ffi.tabllm_session_n_ctx(self._h)

    def decode(self, tokens: Sequence[int], *, seq_ids: Union[int, Sequence[int], None] = None,
               positions: Optional[Sequence[int]] = None,
               logits: Union[str, Sequence[bool]] = "last") -> None:
        """Runs the model on a batch of tokens, appending them to their
        sequences' caches.

        ``seq_ids``: one sequence id for all tokens, or one per token (default
        0). ``positions``: per token (default: each sequence continues).
        ``logits``: "last" (the last row), "all", or a flag per row.
        Raises ContextFull when a sequence would pass n_ctx; on any error
        nothing changes.
        """
        n = len(tokens)
        keep: List[Any] = []
        b = _ffi.tabllm_batch()
        b.struct_size = ctypes.sizeof(b)
        b.n_tokens = n
        toks = (_ffi.tabllm_token * max(n, 1))(*tokens)
        keep.append(toks)
        b.tokens = toks
        if seq_ids is not None:
            ids = [seq_ids] * n if isinstance(seq_ids, int) else list(seq_ids)
            arr = (ctypes.c_int32 * max(n, 1))(*ids)
            keep.append(arr)
            b.seq_ids = arr
        if positions is not None:
            arr = (ctypes.c_int32 * max(n, 1))(*positions)
            keep.append(arr)
            b.positions = arr
        if logits == "all":
            flags = [1] * n
        elif logits == "last":
            flags = None
        else:
            flags = [1 if f else 0 for f in logits]  # type: ignore[union-attr]
        if flags is not None:
            arr = (ctypes.c_int8 * max(n, 1))(*flags)
            keep.append(arr)
            b.logits = arr
        check(_ffi.tabllm_session_decode(self._h, ctypes.byref(b)))

    def logits(self, batch_index: int = -1, *, copy: bool = False) -> Floats:
        """The n_vocab logits of one row of the last batch (-1: the last row
        with logits). A read-only NumPy view unless ``copy`` (see the module
        docstring for how long a view is valid)."""
        out = ctypes.POINTER(ctypes.c_float)()
        check(_ffi.tabllm_session_logits(self._h, batch_index, ctypes.byref(out)))
        return _float_array(out, self._n_vocab, self, copy)

    def hidden(self, batch_index: int = -1, *, copy: bool = False) -> Floats:
        """The final hidden state (n_embd floats) of one row; needs keep_hidden."""
        out = ctypes.POINTER(ctypes.c_float)()
        check(_ffi.tabllm_session_hidden(self._h, batch_index, ctypes.byref(out)))
        return _float_array(out, self._n_embd, self, copy)

    def embed(self, seq_id: int = 0, *, pooling: Union[str, int] = "mean",
              normalize: bool = False) -> Floats:
        """A sequence's pooled hidden states ("mean" or "last"), optionally
        L2-normalised; needs keep_hidden. Written straight into a new array."""
        mode = coerce(Pooling, pooling, "pooling")
        flags = _ffi.TABLLM_EMBED_NORMALIZE if normalize else 0
        n = self._n_embd
        if _np is not None:
            arr = _np.empty(n, dtype=_np.float32)
            ptr = arr.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
            check(_ffi.tabllm_session_embed(self._h, seq_id, mode, flags, ptr, n))
            return arr
        buf = (ctypes.c_float * n)()
        check(_ffi.tabllm_session_embed(self._h, seq_id, mode, flags, buf, n))
        return list(buf)

    def seq_length(self, seq_id: int = 0) -> int:
        """Tokens in a sequence's cache."""
        return _ffi.tabllm_session_seq_length(self._h, seq_id)

    def seq_clear(self, seq_id: int = -1) -> None:
        """Forgets a sequence (-1: all)."""
        check(_ffi.tabllm_session_seq_clear(self._h, seq_id))

    def seq_truncate(self, seq_id: int, length: int) -> None:
        """Keeps the first ``length`` tokens of a sequence."""
        check(_ffi.tabllm_session_seq_truncate(self._h, seq_id, length))

    def seq_copy(self, src: int, dst: int, length: Optional[int] = None) -> None:
        """Makes ``dst`` a copy of the first ``length`` tokens of ``src`` (all by default)."""
        check(_ffi.tabllm_session_seq_copy(self._h, src, dst, 0xFFFFFFFF if length is None else length))

    def sample(self, batch_index: int = -1, *, temperature: float = 0.0, top_k: int = 0,
               top_p: float = 1.0, min_p: float = 0.0, repetition_penalty: float = 1.0,
               repetition_window: int = 0, history: Sequence[int] = ()) -> int:
        """Draws the next token from one row's logits (greedy by default),
        with the session's random generator."""
        p = sampler_params(temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p,
                           repetition_penalty=repetition_penalty, repetition_window=repetition_window)
        hist = (_ffi.tabllm_token * max(len(history), 1))(*history)
        out = _ffi.tabllm_token()
        check(_ffi.tabllm_session_sample(self._h, batch_index, ctypes.byref(p), hist, len(history),
                                         ctypes.byref(out)))
        return out.value

    def set_seed(self, seed: int) -> None:
        """Reseeds the session's random generator."""
        _ffi.tabllm_session_set_seed(self._h, seed)

    def set_adapters(self, adapters: Sequence[Any], scales: Optional[Sequence[float]] = None,
                     seq_id: Optional[int] = None) -> None:
        """Makes every sequence (or sequence ``seq_id``) use these
        :class:`~tabllm.Adapter` objects, in order, each with its scale
        (default 1); ``[]`` returns to the base model. The session keeps them
        alive. An adapter of another model raises InvalidArgument."""
        from .adapter import set_adapters
        set_adapters(self, adapters, scales, seq_id)

    def merge_adapters(self) -> None:
        """Merges the adapters into session-private weights (base-model
        speed; all sequences must use the same set)."""
        check(_ffi.tabllm_session_merge_adapters(self._h))

    def unmerge_adapters(self) -> None:
        """Drops the merged copies; a no-op when nothing is merged."""
        _ffi.tabllm_session_unmerge_adapters(self._h)

    @property
    def adapters_merged(self) -> bool:
        return bool(_ffi.tabllm_session_adapters_merged(self._h))

    def _repr_state(self) -> str:
        return f"n_ctx={self.n_ctx}"


def sampler_params(*, temperature: float = 0.0, top_k: int = 0, top_p: float = 1.0, min_p: float = 0.0,
                   repetition_penalty: float = 1.0, repetition_window: int = 0,
                   seed: int = 0) -> _ffi.tabllm_sampler_params:
    """A filled ``tabllm_sampler_params``."""
    p = _ffi.tabllm_sampler_params()
    check(_ffi.tabllm_sampler_params_init(ctypes.byref(p), ctypes.sizeof(p)))
    p.temperature, p.top_k, p.top_p, p.min_p = temperature, top_k, top_p, min_p
    p.repetition_penalty, p.repetition_window, p.seed = repetition_penalty, repetition_window, seed
    return p


def set_blas_threads(n_threads: int) -> int:
    """Sets OpenBLAS' process-wide thread count (affects NumPy too); returns
    the previous count. Not while sessions are decoding."""
    prev = ctypes.c_int32()
    check(_ffi.tabllm_set_blas_threads(n_threads, ctypes.byref(prev)))
    return prev.value
