//! Errors: every failed call becomes an [`Error`] with its [`Status`] and the
//! library's message (`tabllm_last_error()`, read on the same thread right
//! after the call).
use std::ffi::CStr;
use std::fmt;

use tabllm_sys as sys;

pub use crate::generated::Status;

/// A failed libtabllm call: what kind of failure, and the library's message
/// saying what went wrong and where ("data.csv:3:7: unterminated quote").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    status: Status,
    message: String,
}

/// `Result<T, tabllm::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error with a status and message of your own (used for checks the
    /// crate makes before calling C, such as a NUL byte inside a string).
    pub fn new(status: Status, message: impl Into<String>) -> Error {
        Error { status, message: message.into() }
    }

    /// What kind of failure this is.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The library's detailed message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The C status code.
    pub fn code(&self) -> u32 {
        self.status.as_raw()
    }

    /// The error for a failed call's status, with this thread's last message.
    pub(crate) fn from_status(code: sys::tabllm_status) -> Error {
        Error { status: Status::from_raw(code), message: last_error() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = status_string(self.code());
        if self.message.is_empty() {
            write!(f, "{}", name)
        } else {
            write!(f, "{} [{}]", self.message, name)
        }
    }
}

impl std::error::Error for Error {}

/// Turns a status into a `Result`.
pub(crate) fn check(code: sys::tabllm_status) -> Result<()> {
    if code == sys::TABLLM_OK {
        Ok(())
    } else {
        Err(Error::from_status(code))
    }
}

/// The calling thread's most recent libtabllm error message ("" if none).
pub fn last_error() -> String {
    // SAFETY: tabllm_last_error never returns NULL; the string stays valid
    // until the next failing call on this thread, and is copied at once.
    unsafe { CStr::from_ptr(sys::tabllm_last_error()) }.to_string_lossy().into_owned()
}

/// The library's short English name of a status code ("invalid argument").
pub fn status_string(code: u32) -> &'static str {
    // SAFETY: a static string, never NULL.
    unsafe { CStr::from_ptr(sys::tabllm_status_string(code)) }.to_str().unwrap_or("?")
}
