"""Exceptions: one class per ``tabllm_status``, grouped as the codes are.

Every failure raises a subclass of :class:`TabllmError` carrying the status
code (``.status``), its name (``.status_name``) and the library's message
(``.message``, from ``tabllm_last_error()``, saying what went wrong and where).
Where a Python built-in exception means the same thing the class derives from
it too, so ``except FileNotFoundError``-style code keeps working with
``except OSError`` (IO), ``except ValueError`` (bad input), ``except
MemoryError``, ``except LookupError`` (not found).

Codes this version does not know still map to the class of their range
(100-199 :class:`TableError`, 200-299 :class:`TokenizerError`, 300-399
:class:`ModelError`, 400-499 :class:`AdapterError`, 500-599 :class:`TaskError`).
"""
from __future__ import annotations

from typing import Dict, Type

from . import _ffi
from ._lib import string_at


class TabllmError(Exception):
    """A libtabllm call failed.

    Attributes:
        status: the ``tabllm_status`` code (an int; see :class:`tabllm.Status`).
        status_name: the library's short name for it ("invalid argument").
        message: the library's detailed message for this failure.
    """

    def __init__(self, status: int, message: str):
        self.status = int(status)
        self.status_name = (string_at(_ffi.tabllm_status_string(self.status)) or b"").decode()
        self.message = message
        super().__init__(f"{message} [{self.status_name}]" if message else self.status_name)

    def __reduce__(self):  # keep pickling (multiprocessing) working despite the custom __init__
        return (type(self), (self.status, self.message))


# --- generic (1-99) --------------------------------------------------------
class InvalidArgument(TabllmError, ValueError):
    """An argument is out of range or inconsistent, or a call came in the wrong state."""


class OutOfMemory(TabllmError, MemoryError):
    """An allocation failed; the object the call was made on is unchanged."""


class IOFailure(TabllmError, OSError):
    """A file could not be opened, read, mapped or written (the message has the path and reason)."""


class FormatError(TabllmError, ValueError):
    """Malformed input; the message gives the file and position."""


class Unsupported(TabllmError):
    """Well-formed input asking for something the library does not implement (named)."""


class BufferTooSmall(TabllmError):
    """A caller buffer was too small. The wrappers retry, so this escapes only on a library bug."""


class LimitExceeded(TabllmError):
    """A size exceeds a configured cap or what the input can hold."""


class Cancelled(TabllmError):
    """A callback asked to stop."""


class InvalidUTF8(TabllmError, UnicodeError):
    """Text that must be UTF-8 is not; the message gives the byte offset."""


class NotFound(TabllmError, LookupError):
    """A named thing (column, sheet, tensor, token) does not exist."""


class ABIMismatch(TabllmError):
    """A parameter struct is newer than the loaded library."""


class InternalError(TabllmError):
    """A bug in libtabllm; please report it with the message."""


# --- by area ---------------------------------------------------------------
class TableError(TabllmError):
    """A table failure (codes 100-199)."""


class TableShape(TableError, ValueError):
    """The table's shape does not fit the operation."""


class TokenizerError(TabllmError):
    """A tokenizer failure (codes 200-299)."""


class ModelError(TabllmError):
    """A model or session failure (codes 300-399)."""


class ShapeMismatch(ModelError, ValueError):
    """A tensor has another shape than the architecture needs (both named)."""


class ContextFull(ModelError):
    """The session's KV cache has no room for the tokens given."""


class AdapterError(TabllmError):
    """An adapter failure (codes 400-499)."""


class AdapterMismatch(AdapterError, ValueError):
    """An adapter does not fit its model."""


class TaskError(TabllmError):
    """A task failure (codes 500-599)."""


_BY_STATUS: Dict[int, Type[TabllmError]] = {
    _ffi.TABLLM_ERR_INVALID_ARGUMENT: InvalidArgument,
    _ffi.TABLLM_ERR_OUT_OF_MEMORY: OutOfMemory,
    _ffi.TABLLM_ERR_IO: IOFailure,
    _ffi.TABLLM_ERR_FORMAT: FormatError,
    _ffi.TABLLM_ERR_UNSUPPORTED: Unsupported,
    _ffi.TABLLM_ERR_BUFFER_TOO_SMALL: BufferTooSmall,
    _ffi.TABLLM_ERR_LIMIT_EXCEEDED: LimitExceeded,
    _ffi.TABLLM_ERR_CANCELLED: Cancelled,
    _ffi.TABLLM_ERR_INVALID_UTF8: InvalidUTF8,
    _ffi.TABLLM_ERR_NOT_FOUND: NotFound,
    _ffi.TABLLM_ERR_ABI_MISMATCH: ABIMismatch,
    _ffi.TABLLM_ERR_INTERNAL: InternalError,
    _ffi.TABLLM_ERR_TABLE_SHAPE: TableShape,
    _ffi.TABLLM_ERR_SHAPE_MISMATCH: ShapeMismatch,
    _ffi.TABLLM_ERR_CONTEXT_FULL: ContextFull,
    _ffi.TABLLM_ERR_ADAPTER_MISMATCH: AdapterMismatch,
}

_BY_RANGE = {1: TableError, 2: TokenizerError, 3: ModelError, 4: AdapterError, 5: TaskError}


def error_class(status: int) -> Type[TabllmError]:
    """The exception class for a status code."""
    cls = _BY_STATUS.get(status)
    if cls is not None:
        return cls
    return _BY_RANGE.get(status // 100, TabllmError)


def last_error() -> str:
    """The calling thread's last libtabllm error message ("" if none)."""
    return (string_at(_ffi.tabllm_last_error()) or b"").decode("utf-8", "replace")


def error_from_status(status: int) -> TabllmError:
    """The exception for a failed call, with the thread's last message.
    Call it right after the failing call, on the same thread."""
    return error_class(status)(status, last_error())


def check(status: int) -> None:
    """Raises the matching exception unless ``status`` is TABLLM_OK."""
    if status != _ffi.TABLLM_OK:
        raise error_from_status(status)
