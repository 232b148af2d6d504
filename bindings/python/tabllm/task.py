"""Tasks: generation, row prediction (closed-set label scoring), table QA."""
from __future__ import annotations

import ctypes
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Union

from . import _ffi
from ._handle import Handle
from ._lib import string_at
from .enums import Pooling, Scoring, ShotSelection, coerce
from .errors import check, error_from_status
from .model import _Borrowed, _np, _View, sampler_params
from .table import Table, _EncodeParams, _str_array

TokenCallback = Callable[[int, str], Optional[bool]]


class _Callbacks:
    """Python callbacks behind C function pointers: exceptions are kept and
    re-raised after the C call (they cannot unwind through C)."""

    def __init__(self) -> None:
        self.errors: List[BaseException] = []
        self.keep: List[Any] = []

    def token_fn(self, fn: Optional[TokenCallback]) -> Any:
        if fn is None:
            return _ffi.tabllm_token_fn()

        def thunk(token: int, text: bytes, n: int, _user: Any) -> int:
            try:
                piece = ctypes.string_at(text, n).decode("utf-8", "replace") if n else ""
                return 1 if fn(token, piece) is False else 0
            except BaseException as e:  # noqa: B902 - re-raised after the call
                self.errors.append(e)
                return 1
        c = _ffi.tabllm_token_fn(thunk)
        self.keep.append(c)
        return c

    def progress_fn(self, fn: Optional[Callable[[int, int], Optional[bool]]]) -> Any:
        if fn is None:
            return _ffi.tabllm_progress_fn()

        def thunk(done: int, total: int, _user: Any) -> int:
            try:
                return 1 if fn(done, total) is False else 0
            except BaseException as e:  # noqa: B902
                self.errors.append(e)
                return 1
        c = _ffi.tabllm_progress_fn(thunk)
        self.keep.append(c)
        return c

    def check(self, status: int) -> None:
        if status != _ffi.TABLLM_OK:
            err = error_from_status(status)
            if self.errors:
                raise self.errors[0]
            raise err
        if self.errors:
            raise self.errors[0]


# ---------------------------------------------------------------- generation
class Generation(NamedTuple):
    """What :func:`generate` returns."""
    text: str
    stop_reason: str     #: "max_tokens", "token", "string" or "context_full"
    n_tokens: int        #: tokens generated (the stop token not counted)
    n_prompt: int        #: prompt tokens decoded
    stop_token: Optional[int]


_STOP = {v: k[len("TABLLM_STOP_"):].lower() for k, v in vars(_ffi).items()
         if k.startswith("TABLLM_STOP_") and not k.endswith("_MAX_ENUM_")}


def generate(session: Any, tokenizer: Any, prompt: Sequence[int], *, max_tokens: int = 256,
             seq_id: int = 0, stop: Sequence[str] = (), stop_ids: Sequence[int] = (),
             default_stop: bool = True, skip_special: bool = False,
             on_token: Optional[TokenCallback] = None, max_batch: Optional[int] = None,
             temperature: float = 0.0, top_k: int = 0, top_p: float = 1.0, min_p: float = 0.0,
             repetition_penalty: float = 1.0, repetition_window: int = 0, seed: int = 0) -> Generation:
    """Decodes ``prompt`` onto sequence ``seq_id`` of ``session`` and
    generates until ``max_tokens``, an end-of-sequence id (unless
    ``default_stop=False``), one of ``stop_ids``, one of the ``stop``
    strings (the text ends before it) or a full context. Greedy unless a
    temperature is given. ``on_token(token, text)`` is called per token;
    returning False cancels (raises Cancelled; the session stays usable).
    """
    cb = _Callbacks()
    p = _ffi.tabllm_generate_params()
    check(_ffi.tabllm_generate_params_init(ctypes.byref(p), ctypes.sizeof(p)))
    sp = sampler_params(temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p,
                        repetition_penalty=repetition_penalty, repetition_window=repetition_window,
                        seed=seed)
    p.max_tokens, p.seq_id, p.sampler = max_tokens, seq_id, ctypes.pointer(sp)
    if not default_stop:
        p.flags |= _ffi.TABLLM_GENERATE_NO_DEFAULT_STOP
    if skip_special:
        p.flags |= _ffi.TABLLM_GENERATE_SKIP_SPECIAL
    ids = (_ffi.tabllm_token * max(len(stop_ids), 1))(*stop_ids)
    p.stop_ids, p.n_stop_ids = ids, len(stop_ids)
    strs = _str_array(list(stop))
    p.stop_strings, p.n_stop_strings = strs, len(stop)
    p.on_token = cb.token_fn(on_token)
    if max_batch is not None:
        p.max_batch = max_batch
    prompt_arr = (_ffi.tabllm_token * max(len(prompt), 1))(*prompt)
    info = _ffi.tabllm_generate_info()
    info.struct_size = ctypes.sizeof(info)
    out = ctypes.POINTER(ctypes.c_char)()
    n = ctypes.c_size_t()
    st = _ffi.tabllm_generate(session._h, tokenizer._h, prompt_arr, len(prompt), ctypes.byref(p),
                              ctypes.byref(out), ctypes.byref(n), ctypes.byref(info))
    try:
        cb.check(st)
        text = ctypes.string_at(out, n.value).decode("utf-8")
    finally:
        _ffi.tabllm_free(out)
    return Generation(text, _STOP.get(info.stop_reason, str(info.stop_reason)), info.n_tokens,
                      info.n_prompt, None if info.stop_token < 0 else info.stop_token)


# ---------------------------------------------------------------- prediction
class Prediction(Handle):
    """The result of :func:`predict`: per row and label, probabilities and
    log-probabilities; per row, the argmax, the true label (when the table
    has the target) and optionally an embedding. Arrays are NumPy views of
    the result's memory (it stays alive while they do), lists without NumPy.
    """

    _free = _ffi.tabllm_prediction_free

    @property
    def n_rows(self) -> int:
        return _ffi.tabllm_prediction_n_rows(self._h)

    def __len__(self) -> int:
        return self.n_rows

    @property
    def labels(self) -> List[str]:
        return [(string_at(_ffi.tabllm_prediction_label(self._h, i)) or b"").decode("utf-8")
                for i in range(_ffi.tabllm_prediction_n_labels(self._h))]

    @property
    def table_rows(self) -> List[int]:
        """The table row behind each result row."""
        return [_ffi.tabllm_prediction_table_row(self._h, i) for i in range(self.n_rows)]

    def _matrix(self, ptr: Any, shape: tuple) -> Any:
        if not ptr:
            return None
        n = 1
        for d in shape:
            n *= d
        if _np is None:
            flat = ptr[:n]
            return [flat[i * shape[1]:(i + 1) * shape[1]] for i in range(shape[0])] if len(shape) == 2 else flat
        arr = _np.ctypeslib.as_array(ptr, shape=shape)
        return _Borrowed(arr, _View(self))

    def probs(self, scoring: Union[str, int] = "sum") -> Any:
        """[n_rows × n_labels] probabilities (softmax over the labels)."""
        s = coerce(_Scoring, scoring, "scoring")
        return self._matrix(_ffi.tabllm_prediction_probs(self._h, s), (self.n_rows, len(self.labels)))

    def logprobs(self, scoring: Union[str, int] = "sum") -> Any:
        """[n_rows × n_labels] label scores: summed (or mean) log-probabilities."""
        s = coerce(_Scoring, scoring, "scoring")
        return self._matrix(_ffi.tabllm_prediction_logprobs(self._h, s), (self.n_rows, len(self.labels)))

    def label_tokens(self) -> List[int]:
        """Tokens in each label's continuation."""
        p = _ffi.tabllm_prediction_label_tokens(self._h)
        return [p[i] for i in range(len(self.labels))] if p else []

    def argmax(self, scoring: Union[str, int] = "sum") -> List[int]:
        """The most probable label index of each row."""
        p = _ffi.tabllm_prediction_argmax(self._h, coerce(_Scoring, scoring, "scoring"))
        return [p[i] for i in range(self.n_rows)] if p else []

    def predicted(self, scoring: Union[str, int] = "sum") -> List[str]:
        """The most probable label of each row."""
        labels = self.labels
        return [labels[i] for i in self.argmax(scoring)]

    def truth(self) -> Optional[List[int]]:
        """Each row's true label index (-1 missing, -2 not a label), or None
        when the table has no target column."""
        p = _ffi.tabllm_prediction_truth(self._h)
        return [p[i] for i in range(self.n_rows)] if p else None

    def accuracy(self, scoring: Union[str, int] = "sum") -> Optional[float]:
        """The share of rows whose argmax is their true label (rows with a
        known true label only); None without a target column."""
        truth = self.truth()
        if truth is None:
            return None
        pairs = [(a, t) for a, t in zip(self.argmax(scoring), truth) if t >= 0]
        return sum(a == t for a, t in pairs) / len(pairs) if pairs else None

    def embeddings(self) -> Any:
        """[n_rows × dim] row embeddings, or None when not asked for."""
        dim = ctypes.c_size_t()
        p = _ffi.tabllm_prediction_embeddings(self._h, ctypes.byref(dim))
        return self._matrix(p, (self.n_rows, dim.value)) if p else None

    def _repr_state(self) -> str:
        return f"{self.n_rows} rows x {len(self.labels)} labels"


_Scoring, _Shots = Scoring, ShotSelection


def predict(model: Any, tokenizer: Any, table: Table, *, target: str,
            labels: Optional[Sequence[str]] = None,
            encoding: Union[str, int, None] = None, encode_options: Optional[Dict[str, Any]] = None,
            completion_end: Optional[str] = None, label_prefix: Optional[str] = None,
            support: Optional[Table] = None, n_shots: int = 0, shot_selection: Union[str, int] = "random",
            seed: int = 0, shot_rows: Optional[Sequence[int]] = None, rows: Optional[Sequence[int]] = None,
            embeddings: bool = False, embeddings_only: bool = False, normalize: bool = False,
            naive: bool = False, pooling: Union[str, int] = "mean",
            n_threads: int = 1, max_batch_tokens: Optional[int] = None, max_context: Optional[int] = None,
            progress: Optional[Callable[[int, int], Optional[bool]]] = None,
            adapters: Sequence[Any] = (), adapter_scales: Optional[Sequence[float]] = None,
            merge_adapters: bool = False) -> Prediction:
    """Scores the labels of every row of ``table`` (tabllm_predict): the
    row's prompt (TabuLa-8B's by default; ``encoding`` and ``encode_options``
    as :meth:`Table.encode` takes them) and, per label, the log-probability
    of ``label_prefix + label + completion_end``. ``labels`` default to the
    target's distinct values. Few-shot examples come from ``support``.
    ``progress(done, total)`` may return False to cancel.

    ``adapters``: :class:`~tabllm.Adapter` objects loaded for ``model``,
    applied in order to every row, each scaled by ``adapter_scales`` (default
    1 each); ``merge_adapters=True`` merges them into the call's private
    weights first (base-model speed; float rounding differs slightly).
    """
    cb = _Callbacks()
    p = _ffi.tabllm_predict_params()
    check(_ffi.tabllm_predict_params_init(ctypes.byref(p), ctypes.sizeof(p)))
    keep: List[Any] = []
    p.target = target.encode("utf-8")
    if labels is not None:
        arr = _str_array(list(labels))
        keep.append(arr)
        p.labels, p.n_labels = arr, len(labels)
    if encoding is not None or encode_options:
        built = _EncodeParams(table, encoding, **(encode_options or {}))
        keep.append(built)
        p.encode = ctypes.pointer(built.params)
    if completion_end is not None:
        p.completion_end = completion_end.encode("utf-8")
    if label_prefix is not None:
        p.label_prefix = label_prefix.encode("utf-8")
    if support is not None:
        p.support = support._h
    p.n_shots, p.seed = n_shots, seed
    p.shot_selection = coerce(_Shots, shot_selection, "shot selection")
    if shot_rows is not None:
        a = (ctypes.c_size_t * max(len(shot_rows), 1))(*shot_rows)
        keep.append(a)
        p.shot_rows, p.n_shot_rows = a, len(shot_rows)
    if rows is not None:
        a = (ctypes.c_size_t * max(len(rows), 1))(*rows)
        keep.append(a)
        p.rows, p.n_rows = a, len(rows)
    for flag, on in ((_ffi.TABLLM_PREDICT_EMBEDDINGS, embeddings),
                     (_ffi.TABLLM_PREDICT_EMBEDDINGS_ONLY, embeddings_only),
                     (_ffi.TABLLM_PREDICT_NORMALIZE, normalize), (_ffi.TABLLM_PREDICT_NAIVE, naive)):
        if on:
            p.flags |= flag
    p.pooling = coerce(Pooling, pooling, "pooling")
    p.n_threads = n_threads
    if max_batch_tokens is not None:
        p.max_batch_tokens = max_batch_tokens
    if max_context is not None:
        p.max_context = max_context
    p.progress = cb.progress_fn(progress)
    _set_adapters(p, adapters, adapter_scales, keep)
    if merge_adapters:
        p.flags |= _ffi.TABLLM_PREDICT_MERGE_ADAPTERS
    out = _ffi.tabllm_prediction_p()
    cb.check(_ffi.tabllm_predict(model._h, tokenizer._h, table._h, ctypes.byref(p), ctypes.byref(out)))
    del keep  # the arrays and Adapter objects lived until the call returned
    return Prediction(out)


def _set_adapters(p: Any, adapters: Sequence[Any], scales: Optional[Sequence[float]], keep: List[Any]) -> None:
    """Fills the adapters/adapter_scales/n_adapters fields of a predict or
    answer params struct. ``keep`` holds the Adapter objects and the C arrays
    for the call, so none is collected (and freed) while C reads them."""
    from .adapter import Adapter, _adapter_arrays
    adapters = list(adapters)
    for a in adapters:
        if not isinstance(a, Adapter):
            raise TypeError(f"adapters must be tabllm.Adapter objects, not {type(a).__name__}")
    if not adapters:
        if scales:
            raise ValueError(f"{len(scales)} adapter scales for 0 adapters")
        return
    arr, sc, n = _adapter_arrays(adapters, None if scales is None else list(scales))
    keep.extend((adapters, arr, sc))
    p.adapters, p.n_adapters = arr, n
    if sc is not None:
        p.adapter_scales = sc


# ---------------------------------------------------------------- table QA
def answer(model: Any, tokenizer: Any, table: Table, question: str, *,
           encoding: Union[str, int, None] = None, encode_options: Optional[Dict[str, Any]] = None,
           chat: bool = True, max_tokens: Optional[int] = None, n_ctx: Optional[int] = None,
           n_threads: int = 1, instruction: Optional[str] = None,
           on_token: Optional[TokenCallback] = None, adapters: Sequence[Any] = (),
           adapter_scales: Optional[Sequence[float]] = None, merge_adapters: bool = False) -> str:
    """Answers a question about a table (tabllm_answer): the table (Markdown
    by default, reduced to the rows most relevant to the question when it
    does not fit), the question, the tokenizer's chat template when it has
    one (``chat=False`` to skip it), generated greedily. ``adapters``,
    ``adapter_scales`` and ``merge_adapters`` as :func:`predict` takes them."""
    cb = _Callbacks()
    p = _ffi.tabllm_answer_params()
    check(_ffi.tabllm_answer_params_init(ctypes.byref(p), ctypes.sizeof(p)))
    built = None
    if encoding is not None or encode_options:
        built = _EncodeParams(table, encoding, **(encode_options or {}))
        p.encode = ctypes.pointer(built.params)
    if not chat:
        p.flags |= _ffi.TABLLM_ANSWER_NO_CHAT
    if max_tokens is not None:
        p.max_tokens = max_tokens
    if n_ctx is not None:
        p.n_ctx = n_ctx
    p.n_threads = n_threads
    if instruction is not None:
        p.instruction = instruction.encode("utf-8")
    p.on_token = cb.token_fn(on_token)
    keep: List[Any] = []
    _set_adapters(p, adapters, adapter_scales, keep)
    if merge_adapters:
        p.flags |= _ffi.TABLLM_ANSWER_MERGE_ADAPTERS
    out = ctypes.POINTER(ctypes.c_char)()
    n = ctypes.c_size_t()
    st = _ffi.tabllm_answer(model._h, tokenizer._h, table._h, question.encode("utf-8"), ctypes.byref(p),
                            ctypes.byref(out), ctypes.byref(n))
    try:
        cb.check(st)
        return ctypes.string_at(out, n.value).decode("utf-8")
    finally:
        _ffi.tabllm_free(out)
        del built, keep
