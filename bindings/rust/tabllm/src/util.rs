//! Small conversions between Rust and C data.
use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::path::Path;

use crate::error::{Error, Result, Status};

/// A Rust string as a C string; a NUL inside is an InvalidArgument error.
pub(crate) fn cstring(s: &str, what: &str) -> Result<CString> {
    CString::new(s).map_err(|e| {
        Error::new(Status::InvalidArgument, format!("{} contains a NUL byte at offset {}", what, e.nul_position()))
    })
}

pub(crate) fn opt_cstring(s: Option<&str>, what: &str) -> Result<Option<CString>> {
    s.map(|s| cstring(s, what)).transpose()
}

pub(crate) fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}

/// Borrows a NUL-terminated UTF-8 string the library returned (None for NULL).
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn borrowed_str<'a>(p: *const c_char) -> Option<&'a str> {
    if p.is_null() {
        return None;
    }
    // The library's strings are UTF-8 by contract; a lossless view or nothing.
    CStr::from_ptr(p).to_str().ok()
}

/// Takes ownership of a library-allocated buffer of `len` bytes, copying it
/// into a `String` and releasing it with tabllm_free().
///
/// # Safety
/// `p` must come from the library, hold `len` bytes, and not be used after.
pub(crate) unsafe fn take_string(p: *mut c_char, len: usize) -> String {
    let bytes = std::slice::from_raw_parts(p as *const u8, len).to_vec();
    tabllm_sys::tabllm_free(p as *mut std::os::raw::c_void);
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A path as a C string (its bytes on Unix).
pub(crate) fn path_cstring(path: &Path) -> Result<CString> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        CString::new(path.as_os_str().as_bytes())
            .map_err(|_| Error::new(Status::InvalidArgument, format!("{}: path contains a NUL byte", path.display())))
    }
    #[cfg(not(unix))]
    {
        cstring(&path.to_string_lossy(), "path")
    }
}
