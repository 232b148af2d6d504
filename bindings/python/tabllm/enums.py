"""Python enums for the C enums, built from the generated constants.

Each enum takes every ``TABLLM_<PREFIX>_*`` constant of tabllm.h, so a value
added to the header appears here after ``bindings/tools/generate.py`` runs.
Members are ``IntEnum``s (``Encoding.MARKDOWN == 3``); functions accepting an
enum also accept its lower-case name (``"markdown"``) where noted.
"""
from __future__ import annotations

import enum
from typing import Any, Type

from . import _ffi


def _build(name: str, prefix: str, doc: str) -> Any:
    members = {k[len(prefix):]: v for k, v in vars(_ffi).items()
               if k.startswith(prefix) and isinstance(v, int) and not k.endswith("_MAX_ENUM_")}
    cls = enum.IntEnum(name, members, module=__name__)
    cls.__doc__ = doc
    return cls


Status = enum.IntEnum(
    "Status",
    {"OK": _ffi.TABLLM_OK,
     **{k[len("TABLLM_ERR_"):]: v for k, v in vars(_ffi).items() if k.startswith("TABLLM_ERR_")}},
    module=__name__)
Status.__doc__ = "tabllm_status: OK or the error codes (see tabllm.errors for the exceptions)."
LogLevel = _build("LogLevel", "TABLLM_LOG_", "tabllm_log_level.")
TableFormat = _build("TableFormat", "TABLLM_TABLE_FORMAT_", "The file formats tables are read from.")
RaggedPolicy = _build("RaggedPolicy", "TABLLM_RAGGED_", "What a CSV reader does with rows of another length.")
CellType = _build("CellType", "TABLLM_CELL_", "The type of a cell, read from its text.")
ColumnKind = _build("ColumnKind", "TABLLM_COLUMN_", "What a column holds, inferred from all its cells.")
Encoding = _build("Encoding", "TABLLM_ENCODING_", "The text encodings of a table (docs/table-formats.md).")
CellRendering = _build("CellRendering", "TABLLM_CELLS_", "How cell values are printed.")
RowSampling = _build("RowSampling", "TABLLM_ROWS_", "How rows are chosen before encoding.")
JsonOrient = _build("JsonOrient", "TABLLM_JSON_", "JSON layouts for Encoding.JSON.")
SpecialToken = _build("SpecialToken", "TABLLM_SPECIAL_", "Special tokens a tokenizer may have.")
WeightFormat = _build("WeightFormat", "TABLLM_WEIGHTS_", "How a model's weights are kept in memory.")
Pooling = _build("Pooling", "TABLLM_POOLING_", "How Session.embed pools hidden states.")
AdapterTargetKind = _build("AdapterTargetKind", "TABLLM_ADAPTER_TARGET_", "How an adapter changes a module.")
StopReason = _build("StopReason", "TABLLM_STOP_", "Why generation stopped.")
ShotSelection = _build("ShotSelection", "TABLLM_SHOTS_", "How few-shot examples are drawn.")
Scoring = _build("Scoring", "TABLLM_SCORING_", "Which label scores probabilities come from.")


def coerce(cls: Type[enum.IntEnum], value: Any, what: str) -> int:
    """An enum member from a member, an int, or a case-insensitive name
    ("pandas", "ragged-error" style dashes allowed)."""
    if isinstance(value, str):
        key = value.strip().upper().replace("-", "_")
        try:
            return int(cls[key])
        except KeyError:
            names = ", ".join(m.name.lower() for m in cls)
            raise ValueError(f"unknown {what} {value!r}; expected one of {names}") from None
    return int(cls(value))
