//! Raw FFI declarations of libtabllm, one to one with `include/tabllm.h`.
//!
//! `src/bindings.rs` is generated from the header by
//! `bindings/tools/generate.py`; the test suite fails when it differs from what
//! the header says, and `tests/layout.rs` checks every struct's layout and
//! every constant against a C compiler. The header is the documentation of
//! every item here. Use the safe `tabllm` crate unless you need the raw API.
//!
//! Linking: the build script uses `TABLLM_LIB_DIR` (and `TABLLM_STATIC=1` for
//! `libtabllm.a`) when set, else the `pkg-config` command (`tabllm.pc`, with
//! `--static` under `TABLLM_STATIC`), else a plain `-ltabllm`.
#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals)]
#![allow(clippy::all)]

mod bindings;
pub use bindings::*;
