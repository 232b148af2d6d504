//! Safe Rust API of libtabllm: read tables, encode them as the table-LLM
//! papers do, and (as the library grows) tokenize, run Llama-family models
//! with LoRA adapters, and predict.
//!
//! Every handle frees itself on `Drop`; every fallible call returns
//! [`Result<T>`](Result) whose [`Error`] carries a [`Status`] and the
//! library's message. `Send`/`Sync` follow the C library's threading rules:
//! tables (and models, tokenizers, adapters) are immutable and shareable.
//!
//! ```
//! use tabllm::{Table, ReadOptions, EncodeOptions, Encoding, Status};
//!
//! let csv = b"name,age\nAda,36\nGrace,85\n";
//! let table = Table::from_bytes(csv, &ReadOptions::new())?;
//! assert_eq!(table.n_rows(), 2);
//! assert_eq!(table.cell(1, 1).unwrap().as_i64(), Some(85));
//! println!("{}", table.encode(&EncodeOptions::new(Encoding::MARKDOWN))?);
//!
//! let err = Table::load("/no/such.csv", &ReadOptions::new()).unwrap_err();
//! assert_eq!(err.status(), Status::Io);
//! assert!(err.message().contains("/no/such.csv"));
//! # Ok::<(), tabllm::Error>(())
//! ```
//!
//! Linking: see the `tabllm-sys` crate (`TABLLM_LIB_DIR`, else `pkg-config`).
#![deny(missing_docs)]

use std::ffi::CStr;
use std::os::raw::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

pub use tabllm_sys as sys;

mod adapter;
mod chat;
mod error;
mod generated;
mod model;
mod table;
mod task;
mod tokenizer;
mod util;

pub use adapter::{Adapter, AdapterOptions, AdapterTarget};
pub use chat::{render_chat, render_chat_json, ChatMessage, ChatOptions};
pub use error::{last_error, status_string, Error, Result, Status};
pub use generated::*;
pub use model::{set_blas_threads, Batch, Model, ModelOptions, SamplerOptions, Session, SessionOptions};
pub use table::{encode_flags, Cell, EncodeOptions, ReadOptions, Table};
pub use task::{answer, predict, AnswerOptions, GenerateOptions, Generation, OnToken, PredictOptions, Prediction};
pub use tokenizer::{tokenize_flags, DecodeStream, Tokenizer};

/// A token id (`tabllm_token`).
pub type Token = sys::tabllm_token;

/// The ABI these bindings were generated for; checked by [`check_abi`].
pub const ABI_VERSION: u32 = sys::TABLLM_ABI_VERSION;

/// The linked library's version, "MAJOR.MINOR.PATCH".
pub fn version() -> &'static str {
    // SAFETY: a static string.
    unsafe { CStr::from_ptr(sys::tabllm_version()) }.to_str().unwrap_or("?")
}

/// The linked library's version as MAJOR*10000 + MINOR*100 + PATCH.
pub fn version_number() -> u32 {
    unsafe { sys::tabllm_version_number() }
}

/// The linked library's ABI version.
pub fn abi_version() -> u32 {
    unsafe { sys::tabllm_abi_version() }
}

/// Fails unless the linked library has the ABI these bindings were generated
/// for (the dynamic loader already refuses another soname; this catches a
/// library built from a mismatched header).
pub fn check_abi() -> Result<()> {
    let abi = abi_version();
    if abi == ABI_VERSION {
        Ok(())
    } else {
        Err(Error::new(Status::AbiMismatch, format!("libtabllm has ABI {}, these bindings need {}", abi, ABI_VERSION)))
    }
}

type LogFn = dyn Fn(LogLevel, &str) + Send + Sync;

// The installed logger. The C callback looks it up on every message, so a
// replaced logger is never called after set_logger/clear_logger returns
// except by messages already being delivered.
static LOGGER: Mutex<Option<Arc<LogFn>>> = Mutex::new(None);

unsafe extern "C" fn log_trampoline(level: sys::tabllm_log_level, message: *const c_char, _user: *mut c_void) {
    let f = LOGGER.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if let Some(f) = f {
        let msg = CStr::from_ptr(message).to_string_lossy();
        // A panic must not unwind into C; a logger that panics loses that message.
        let _ = catch_unwind(AssertUnwindSafe(|| f(LogLevel(level), &msg)));
    }
}

/// Sends the library's log messages (levels up to `max_level`) to `f`, from
/// whichever thread is inside a libtabllm call. Replaces any previous logger.
///
/// ```
/// tabllm::set_logger(|level, msg| eprintln!("tabllm {:?}: {}", level, msg), tabllm::LogLevel::WARN);
/// tabllm::clear_logger();
/// ```
pub fn set_logger<F>(f: F, max_level: LogLevel)
where
    F: Fn(LogLevel, &str) + Send + Sync + 'static,
{
    *LOGGER.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(f));
    unsafe { sys::tabllm_set_log_callback(Some(log_trampoline), std::ptr::null_mut(), max_level.0) };
}

/// Silences the library again.
pub fn clear_logger() {
    unsafe { sys::tabllm_set_log_callback(None, std::ptr::null_mut(), LogLevel::ERROR.0) };
    *LOGGER.lock().unwrap_or_else(|e| e.into_inner()) = None;
}
