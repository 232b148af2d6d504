"""libtabllm from Python: tables in, table-aware language models out.

A pure-ctypes binding of the libtabllm C library (``libtabllm.so.1``); it
compiles nothing. Where the library is found is described in
:mod:`tabllm._lib` (``TABLLM_LIBRARY`` overrides it).

    import tabllm
    with tabllm.Table.load("data.csv") as t:
        print(t.encode("markdown"))

Every failure raises a :class:`tabllm.TabllmError` subclass with the status
and the library's message; see :mod:`tabllm.errors`.
"""
from __future__ import annotations

import ctypes
import logging
import threading
from typing import Callable, Optional, Union

from . import _ffi
from ._handle import live_handles
from ._lib import ABI_VERSION, LibraryNotFoundError
from ._lib import path as library_path
from .enums import (AdapterTargetKind, CellRendering, CellType, ColumnKind, Encoding, JsonOrient, LogLevel,
                    Pooling, RaggedPolicy, RowSampling, Scoring, ShotSelection, SpecialToken, Status,
                    StopReason, TableFormat, WeightFormat, coerce)
from .errors import (ABIMismatch, AdapterError, AdapterMismatch, BufferTooSmall, Cancelled,
                     ContextFull, FormatError, InternalError, InvalidArgument, InvalidUTF8,
                     IOFailure, LimitExceeded, ModelError, NotFound, OutOfMemory, ShapeMismatch,
                     TabllmError, TableError, TableShape, TaskError, TokenizerError, Unsupported,
                     last_error)
from .chat import render_chat
from .model import Model, Session, sampler_params, set_blas_threads
from .tokenizer import DecodeStream, Tokenizer
from .table import Table, encoding_name
from .adapter import Adapter, AdapterTarget
from .task import Generation, Prediction, answer, generate, predict

__version__ = "0.1.0"


def version() -> str:
    """The loaded library's version, "MAJOR.MINOR.PATCH"."""
    return ctypes.string_at(_ffi.tabllm_version()).decode()


def version_number() -> int:
    """The loaded library's version as MAJOR*10000 + MINOR*100 + PATCH."""
    return _ffi.tabllm_version_number()


def abi_version() -> int:
    """The loaded library's ABI version (checked to be ABI_VERSION at import)."""
    return _ffi.tabllm_abi_version()


def status_string(status: int) -> str:
    """The library's short name of a status code."""
    return ctypes.string_at(_ffi.tabllm_status_string(int(status))).decode()


# ------------------------------------------------------------------ logging
_log_lock = threading.Lock()
_log_callback = None  # the ctypes thunk must stay alive while installed

_PY_LEVELS = {_ffi.TABLLM_LOG_ERROR: logging.ERROR, _ffi.TABLLM_LOG_WARN: logging.WARNING,
              _ffi.TABLLM_LOG_INFO: logging.INFO, _ffi.TABLLM_LOG_DEBUG: logging.DEBUG}


def set_log_handler(handler: Optional[Callable[[LogLevel, str], None]],
                    max_level: Union[LogLevel, str, int] = LogLevel.WARN) -> None:
    """Installs ``handler(level, message)`` as the library's process-wide log
    sink (None silences the library again). It may be called from any thread
    inside a libtabllm call; exceptions it raises are swallowed (the C library
    cannot unwind them). Messages above ``max_level`` are not produced."""
    global _log_callback
    level = coerce(LogLevel, max_level, "log level")
    with _log_lock:
        if handler is None:
            _ffi.tabllm_set_log_callback(_ffi.tabllm_log_fn(), None, level)
            _log_callback = None
            return

        def thunk(lvl: int, message: bytes, _user: object) -> None:
            try:
                handler(LogLevel(lvl), message.decode("utf-8", "replace"))
            except BaseException:  # noqa: B902 - must not propagate into C
                pass
        cb = _ffi.tabllm_log_fn(thunk)
        _ffi.tabllm_set_log_callback(cb, None, level)
        # The previous thunk may still be running in a call that started before
        # this one; keeping it one more generation is enough, as the header
        # only promises calls already in progress may use it.
        _log_callback = (cb, _log_callback[0] if _log_callback else None)


def log_to_python(logger: Optional[logging.Logger] = None,
                  max_level: Union[LogLevel, str, int] = LogLevel.INFO) -> None:
    """Sends the library's log messages to a :mod:`logging` logger (default ``tabllm``)."""
    log = logger or logging.getLogger("tabllm")
    set_log_handler(lambda lvl, msg: log.log(_PY_LEVELS.get(int(lvl), logging.INFO), msg), max_level)


__all__ = [
    "ABI_VERSION", "LibraryNotFoundError", "library_path", "live_handles",
    "version", "version_number", "abi_version", "status_string", "last_error",
    "set_log_handler", "log_to_python",
    "Table", "encoding_name", "render_chat", "Model", "Session", "sampler_params", "set_blas_threads",
    "Tokenizer", "DecodeStream", "Adapter", "AdapterTarget",
    "generate", "Generation", "predict", "Prediction", "answer",
    "Status", "LogLevel", "TableFormat", "RaggedPolicy", "CellType", "ColumnKind", "Encoding",
    "CellRendering", "RowSampling", "JsonOrient", "WeightFormat", "Pooling", "SpecialToken",
    "AdapterTargetKind", "StopReason", "ShotSelection", "Scoring",
    "TabllmError", "InvalidArgument", "OutOfMemory", "IOFailure", "FormatError", "Unsupported",
    "BufferTooSmall", "LimitExceeded", "Cancelled", "InvalidUTF8", "NotFound", "ABIMismatch",
    "InternalError", "TableError", "TableShape", "TokenizerError", "ModelError", "ShapeMismatch",
    "ContextFull", "AdapterError", "AdapterMismatch", "TaskError",
]
