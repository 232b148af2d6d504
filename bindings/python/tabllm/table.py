"""Tables: read CSV/TSV/HTML/JSON/XLSX, build from Python data, encode as text."""
from __future__ import annotations

import ctypes
import math
import os
from typing import (Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence,
                    Tuple, Union)

from . import _ffi
from ._handle import Handle
from ._lib import string_at
from .enums import (CellRendering, CellType, ColumnKind, Encoding, JsonOrient, RaggedPolicy,
                    RowSampling, TableFormat, coerce)
from .errors import TabllmError, check, error_from_status

Cell = Optional[str]
PathLike = Union[str, bytes, "os.PathLike[str]"]


def _path(p: PathLike) -> bytes:
    return os.fsencode(p)


def _utf8(s: Optional[str]) -> Optional[bytes]:
    return None if s is None else s.encode("utf-8")


def _str_array(items: Sequence[Optional[str]]) -> "ctypes.Array[ctypes.c_char_p]":
    return (ctypes.c_char_p * max(len(items), 1))(*[_utf8(s) for s in items])


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(v != v)  # NaN, NaT and friends are not equal to themselves
    except (TypeError, ValueError):
        return False


def _cell_text(v: Any) -> Optional[str]:
    """How a Python value becomes cell text: as pandas' to_csv would write it
    (True/False, repr of floats), None or NaN for a missing cell."""
    if _is_missing(v):
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, bytes):
        return v.decode("utf-8")
    return str(v)


def _read_params(format: Any = None, delimiter: Optional[str] = None, header: bool = True,
                 ragged: Any = None, table_index: Optional[int] = None,
                 sheet: Union[int, str, None] = None, max_input_bytes: Optional[int] = None,
                 max_cells: Optional[int] = None, max_columns: Optional[int] = None,
                 max_field_bytes: Optional[int] = None) -> _ffi.tabllm_table_read_params:
    p = _ffi.tabllm_table_read_params()
    check(_ffi.tabllm_table_read_params_init(ctypes.byref(p), ctypes.sizeof(p)))
    if format is not None:
        p.format = coerce(TableFormat, format, "table format")
    if delimiter is not None:
        if len(delimiter) != 1:
            raise ValueError(f"delimiter must be one character, not {delimiter!r}")
        p.delimiter = ord(delimiter)
    if not header:
        p.flags |= _ffi.TABLLM_READ_NO_HEADER
    if ragged is not None:
        p.ragged_policy = coerce(RaggedPolicy, ragged, "ragged policy")
    if table_index is not None:
        p.table_index = table_index
    if isinstance(sheet, str):
        p.sheet_name = sheet.encode("utf-8")
    elif sheet is not None:
        p.sheet_index = sheet
    for name, v in (("max_input_bytes", max_input_bytes), ("max_cells", max_cells),
                    ("max_columns", max_columns), ("max_field_bytes", max_field_bytes)):
        if v is not None:
            setattr(p, name, v)
    return p


class _EncodeParams:
    """A filled ``tabllm_encode_params`` and everything its pointers need
    alive (strings, arrays, the token-counting callback). Shared by
    Table.encode and the tasks that take encode options."""

    def __init__(self, table: Optional["Table"], encoding: Union[str, int, None] = "markdown", *,
               cells: Union[str, int, None] = None,
               json_orient: Union[str, int, None] = None,
               row: Optional[int] = None,
               template: Optional[str] = None,
               target: Optional[str] = None,
               labels: Optional[Sequence[str]] = None,
               title: Optional[str] = None,
               context: Optional[str] = None,
               caption: Optional[str] = None,
               question: Optional[str] = None,
               annotation: Optional[str] = None,
               prompt_template: Optional[int] = None,
               rows: Optional[Sequence[int]] = None,
               sampling: Union[str, int, None] = None,
               max_rows: Optional[int] = None,
               seed: Optional[int] = None,
               stratify_column: Optional[str] = None,
               columns: Optional[Sequence[str]] = None,
               max_columns: Optional[int] = None,
               max_tokens: Optional[int] = None,
               count_tokens: Optional[Callable[[str], int]] = None,
               anchor_k: Optional[int] = None,
               partition_marks: bool = False,
               grammar: bool = False,
               column_major: bool = False,
               no_header: bool = False,
               no_inverted_index: bool = False,
               no_format_aggregation: bool = False,
               no_anchors: bool = False) -> None:
        """See :meth:`Table.encode` for the options."""
        self.table = table
        p = _ffi.tabllm_encode_params()
        check(_ffi.tabllm_encode_params_init(ctypes.byref(p), ctypes.sizeof(p)))
        if encoding is not None:
            p.encoding = Table._encoding(encoding)
        if cells is not None:
            p.cells = coerce(CellRendering, cells, "cell rendering")
        if json_orient is not None:
            p.json_orient = coerce(JsonOrient, json_orient, "JSON orient")
        if row is not None:
            p.row = self._row_index(row)
        for field, v in (("template_text", template), ("target", target), ("title", title),
                         ("context", context), ("caption", caption), ("question", question),
                         ("annotation", annotation), ("stratify_column", stratify_column)):
            if v is not None:
                setattr(p, field, v.encode("utf-8"))
        if labels is not None:
            p.labels = _str_array(list(labels))
            p.n_labels = len(labels)
        if prompt_template is not None:
            p.prompt_template = prompt_template
        if rows is not None:
            idx = [self._row_index(r) for r in rows]
            p.rows = (ctypes.c_size_t * max(len(idx), 1))(*idx)
            p.n_rows = len(idx)
        if sampling is not None:
            p.row_sampling = coerce(RowSampling, sampling, "row sampling")
        if columns is not None:
            p.columns = _str_array(list(columns))
            p.n_columns = len(columns)
        for field, iv in (("max_rows", max_rows), ("seed", seed), ("max_columns", max_columns),
                          ("max_tokens", max_tokens), ("anchor_k", anchor_k)):
            if iv is not None:
                setattr(p, field, iv)
        for flag, on in ((_ffi.TABLLM_ENCODE_PARTITION_MARKS, partition_marks),
                         (_ffi.TABLLM_ENCODE_GRAMMAR, grammar),
                         (_ffi.TABLLM_ENCODE_COLUMN_MAJOR, column_major),
                         (_ffi.TABLLM_ENCODE_NO_HEADER, no_header),
                         (_ffi.TABLLM_ENCODE_NO_INVERTED_INDEX, no_inverted_index),
                         (_ffi.TABLLM_ENCODE_NO_FORMAT_AGGREGATION, no_format_aggregation),
                         (_ffi.TABLLM_ENCODE_NO_ANCHORS, no_anchors)):
            if on:
                p.flags |= flag

        self.params = p
        self._errors: List[BaseException] = []
        callback_error = self._errors
        keep: Any = None
        if count_tokens is not None:
            c_counter = getattr(count_tokens, "_c_token_counter", None)
            if c_counter is not None:  # a Tokenizer: count in C, no Python per call
                p.count_tokens, p.count_tokens_user_data = c_counter()
                keep = count_tokens
            else:
                def counter(text: bytes, n: int, _user: Any) -> int:
                    try:
                        return int(count_tokens(ctypes.string_at(text, n).decode("utf-8")))  # type: ignore[misc]
                    except BaseException as e:  # noqa: B902 - re-raised after the call
                        callback_error.append(e)
                        return ctypes.c_size_t(-1).value
                keep = _ffi.tabllm_token_count_fn(counter)
                p.count_tokens = keep
        self._keep = keep

    def _row_index(self, row: int) -> int:
        if self.table is None:
            if row < 0:
                raise IndexError("negative rows need a table")
            return row
        return self.table._row(row)

    def reraise(self) -> None:
        """Raises what the token-counting callback raised, if anything."""
        if self._errors:
            raise self._errors[0]


class Table(Handle):
    """A table: column names and rows of cells that keep the exact text they
    were written with, each typed (:class:`CellType`) from that text.

    Read one with :meth:`load` or :meth:`from_bytes`, build one with
    :meth:`from_records`, :meth:`from_rows` or :meth:`from_dataframe`, and turn
    it into model input with :meth:`encode`::

        with tabllm.Table.load("iris.csv") as t:
            print(t.columns, t.n_rows, t[0, "species"])
            print(t.encode("markdown", max_rows=5, sampling="head"))

    A table is immutable once built and may be shared by threads (only
    :meth:`append_row` changes it). ``close()`` frees it now; otherwise it is
    freed when garbage-collected.
    """

    _free = _ffi.tabllm_table_free

    # ------------------------------------------------------------------ build
    @classmethod
    def load(cls, path: PathLike, **read_options: Any) -> "Table":
        """Reads a table from a file.

        Keyword options (all optional): ``format`` (a :class:`TableFormat` or
        "csv", "tsv", "html", "json", "xlsx"; default from the extension, else
        sniffed), ``delimiter`` (CSV; default sniffed), ``header`` (False: the
        first row is data), ``ragged`` (a :class:`RaggedPolicy` or "pandas",
        "error", "pad", "truncate"), ``table_index`` (HTML), ``sheet`` (XLSX:
        index or name), and the caps ``max_input_bytes``, ``max_cells``,
        ``max_columns``, ``max_field_bytes``.

        Raises :class:`~tabllm.errors.IOFailure`, :class:`~tabllm.errors.FormatError`
        (with line:column), :class:`~tabllm.errors.TableShape`, ... with the
        library's message.
        """
        p = _read_params(**read_options)
        out = _ffi.tabllm_table_p()
        check(_ffi.tabllm_table_load(_path(path), ctypes.byref(p), ctypes.byref(out)))
        return cls(out)

    @classmethod
    def from_bytes(cls, data: Union[bytes, bytearray, memoryview, str], **read_options: Any) -> "Table":
        """Reads a table from bytes (or a str, encoded as UTF-8); options as :meth:`load`.
        XLSX needs ``format="xlsx"``."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        buf = bytes(data)
        p = _read_params(**read_options)
        out = _ffi.tabllm_table_p()
        check(_ffi.tabllm_table_from_memory(buf, len(buf), ctypes.byref(p), ctypes.byref(out)))
        return cls(out)

    @classmethod
    def from_rows(cls, columns: Sequence[str], rows: Iterable[Sequence[Any]] = ()) -> "Table":
        """Builds a table from column names and rows of values (see :meth:`append_row`)."""
        names = [str(c) for c in columns]
        out = _ffi.tabllm_table_p()
        check(_ffi.tabllm_table_new(_str_array(names), len(names), ctypes.byref(out)))
        t = cls(out)
        try:
            for r in rows:
                t.append_row(r)
        except BaseException:
            t.close()
            raise
        return t

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]],
                     columns: Optional[Sequence[str]] = None) -> "Table":
        """Builds a table from a list of dicts. Columns are ``columns`` or the
        keys in the order first seen; a missing key is a missing cell."""
        records = list(records)
        if columns is None:
            seen: Dict[str, None] = {}
            for r in records:
                for k in r:
                    seen.setdefault(k, None)
            columns = list(seen)
        return cls.from_rows(columns, ([r.get(c) for c in columns] for r in records))

    @classmethod
    def from_dataframe(cls, df: Any) -> "Table":
        """Builds a table from a pandas DataFrame (pandas must be installed):
        column names as ``str()``, NaN/None/NaT as missing cells, floats
        written as Python's repr (as ``DataFrame.to_csv`` does)."""
        try:
            import pandas  # noqa: F401
        except ImportError as e:  # pragma: no cover - depends on the machine
            raise ImportError("Table.from_dataframe needs pandas") from e
        cols = [str(c) for c in df.columns]
        return cls.from_rows(cols, (list(r) for r in df.itertuples(index=False, name=None)))

    def append_row(self, values: Sequence[Any]) -> None:
        """Appends one row. Values become text as ``DataFrame.to_csv`` writes
        them (None and NaN are missing cells) and are typed from that text as
        a reader would. Not while other threads use the table."""
        cells = [_cell_text(v) for v in values]
        check(_ffi.tabllm_table_append_row(self._h, _str_array(cells), len(cells)))

    # ------------------------------------------------------------------ read
    @property
    def n_rows(self) -> int:
        """Number of data rows (the header is not a row)."""
        return _ffi.tabllm_table_n_rows(self._h)

    @property
    def n_columns(self) -> int:
        return _ffi.tabllm_table_n_columns(self._h)

    @property
    def shape(self) -> Tuple[int, int]:
        return (self.n_rows, self.n_columns)

    def __len__(self) -> int:
        return self.n_rows

    @property
    def columns(self) -> List[str]:
        """The column names."""
        return [self.column_name(i) for i in range(self.n_columns)]

    def column_name(self, column: int) -> str:
        ptr = _ffi.tabllm_table_column_name(self._h, self._col(column))
        return (string_at(ptr) or b"").decode("utf-8")

    def column_index(self, name: str) -> int:
        """The index of the first column called ``name`` (KeyError if none)."""
        for i in range(self.n_columns):
            if self.column_name(i) == name:
                return i
        raise KeyError(name)

    def _col(self, column: Union[int, str]) -> int:
        if isinstance(column, str):
            return self.column_index(column)
        n = self.n_columns
        c = column + n if column < 0 else column
        if not 0 <= c < n:
            raise IndexError(f"column {column} out of range (table has {n})")
        return c

    def _row(self, row: int) -> int:
        n = self.n_rows
        r = row + n if row < 0 else row
        if not 0 <= r < n:
            raise IndexError(f"row {row} out of range (table has {n})")
        return r

    def _cell(self, row: int, column: Union[int, str]) -> Tuple[Optional[str], int]:
        n = ctypes.c_size_t()
        kind = _ffi.tabllm_cell_type()
        ptr = _ffi.tabllm_table_cell(self._h, self._row(row), self._col(column),
                                     ctypes.byref(n), ctypes.byref(kind))
        if kind.value == _ffi.TABLLM_CELL_NULL:
            return None, kind.value
        return ctypes.string_at(ptr, n.value).decode("utf-8"), kind.value

    def cell(self, row: int, column: Union[int, str]) -> Cell:
        """A cell's text exactly as written; None for a missing cell. Negative
        indices count from the end; a column may be given by name."""
        return self._cell(row, column)[0]

    def cell_type(self, row: int, column: Union[int, str]) -> CellType:
        return CellType(self._cell(row, column)[1])

    def value(self, row: int, column: Union[int, str]) -> Any:
        """A cell as a Python value of its type: None, bool, int, float or str."""
        text, kind = self._cell(row, column)
        if kind == _ffi.TABLLM_CELL_BOOL:
            return text.lower() == "true"  # type: ignore[union-attr]
        if kind == _ffi.TABLLM_CELL_INT:
            return int(text)  # type: ignore[arg-type]
        if kind == _ffi.TABLLM_CELL_FLOAT:
            return float(text)  # type: ignore[arg-type]
        return text

    def __getitem__(self, key: Union[int, Tuple[int, Union[int, str]]]) -> Any:
        """``t[row, column]`` is :meth:`cell`; ``t[row]`` is that row as a list."""
        if isinstance(key, tuple):
            return self.cell(*key)
        r = self._row(key)
        return [self.cell(r, c) for c in range(self.n_columns)]

    def rows(self) -> Iterator[List[Cell]]:
        """Iterates over the rows as lists of cell texts (None when missing)."""
        nc = self.n_columns
        for r in range(self.n_rows):
            yield [self.cell(r, c) for c in range(nc)]

    def to_records(self, typed: bool = False) -> List[Dict[str, Any]]:
        """The rows as dicts: texts, or with ``typed=True`` values (:meth:`value`)."""
        cols = self.columns
        get = self.value if typed else self.cell
        return [{c: get(r, i) for i, c in enumerate(cols)} for r in range(self.n_rows)]

    def column_kind(self, column: Union[int, str]) -> ColumnKind:
        """What a column holds, inferred from all its cells."""
        return ColumnKind(_ffi.tabllm_table_column_kind(self._h, self._col(column)))

    def _repr_state(self) -> str:
        return f"{self.n_rows} rows x {self.n_columns} columns"

    # ---------------------------------------------------------------- encode
    def encode(self, encoding: Union[str, int] = "markdown", *,
               cells: Union[str, int, None] = None,
               json_orient: Union[str, int, None] = None,
               row: Optional[int] = None,
               template: Optional[str] = None,
               target: Optional[str] = None,
               labels: Optional[Sequence[str]] = None,
               title: Optional[str] = None,
               context: Optional[str] = None,
               caption: Optional[str] = None,
               question: Optional[str] = None,
               annotation: Optional[str] = None,
               prompt_template: Optional[int] = None,
               rows: Optional[Sequence[int]] = None,
               sampling: Union[str, int, None] = None,
               max_rows: Optional[int] = None,
               seed: Optional[int] = None,
               stratify_column: Optional[str] = None,
               columns: Optional[Sequence[str]] = None,
               max_columns: Optional[int] = None,
               max_tokens: Optional[int] = None,
               count_tokens: Optional[Callable[[str], int]] = None,
               anchor_k: Optional[int] = None,
               partition_marks: bool = False,
               grammar: bool = False,
               column_major: bool = False,
               no_header: bool = False,
               no_inverted_index: bool = False,
               no_format_aggregation: bool = False,
               no_anchors: bool = False) -> str:
        """Encodes the table as text, as ``tabllm_table_encode`` does.

        ``encoding`` is an :class:`Encoding` or its CLI name ("markdown",
        "tp-latex", "tabula", "unipredict", "sheet-compressed", ...). The
        keywords map one to one onto ``tabllm_encode_params`` (see tabllm.h):
        ``cells`` (:class:`CellRendering` or "verbatim"/"pandas"),
        ``json_orient`` ("records"/"split"), ``row`` (per-row encodings: one
        row; default every row), ``template`` (the TEMPLATE text), ``target``,
        ``labels``, ``title``/``context``/``caption``, ``question``,
        ``annotation``, ``prompt_template``; selection: ``rows`` (explicit),
        ``sampling`` (:class:`RowSampling` or "head", "random", "stratified",
        "evenly", "relevant"), ``max_rows``, ``seed``, ``stratify_column``,
        ``columns``, ``max_columns``; token budget: ``max_tokens`` with
        ``count_tokens`` (a function str -> int, or a :class:`Tokenizer`);
        ``anchor_k``; and the flags as booleans.
        """
        built = _EncodeParams(self, encoding, **{k: v for k, v in locals().items()
                                                 if k not in ("self", "encoding")})
        p = built.params
        out = ctypes.POINTER(ctypes.c_char)()
        n = ctypes.c_size_t()
        st = _ffi.tabllm_table_encode(self._h, ctypes.byref(p), ctypes.byref(out), ctypes.byref(n))
        if st != _ffi.TABLLM_OK:
            err = error_from_status(st)
            built.reraise()
            raise err
        try:
            built.reraise()
            return ctypes.string_at(out, n.value).decode("utf-8")
        finally:
            _ffi.tabllm_free(out)

    @staticmethod
    def _encoding(encoding: Union[str, int]) -> int:
        if isinstance(encoding, str):
            v = _ffi.tabllm_encoding()
            check(_ffi.tabllm_encoding_from_name(encoding.encode("utf-8"), ctypes.byref(v)))
            return v.value
        return int(Encoding(encoding))


def encoding_name(encoding: Union[int, Encoding]) -> str:
    """The CLI name of an encoding ("tp-markdown")."""
    ptr = _ffi.tabllm_encoding_name(int(encoding))
    if not ptr:
        raise ValueError(f"unknown encoding {encoding!r}")
    return ctypes.string_at(ptr).decode()


__all__ = ["Table", "encoding_name", "TabllmError"]
