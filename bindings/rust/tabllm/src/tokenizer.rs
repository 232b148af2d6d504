//! Tokenizers: Hugging Face `tokenizer.json`, with the ids Hugging Face
//! produces (tabllm.h section 3).
use std::mem::{size_of, MaybeUninit};
use std::os::raw::{c_char, c_void};
use std::path::Path;
use std::ptr::{self, NonNull};
use std::sync::Arc;

use tabllm_sys as sys;

use crate::error::{check, Error, Result, Status};
use crate::generated::SpecialToken;
use crate::table::EncodeOptions;
use crate::util::{borrowed_str, path_cstring};
use crate::Token;

/// `TABLLM_TOKENIZE_*` bits for [`Tokenizer::encode_flags`].
pub mod tokenize_flags {
    pub use tabllm_sys::{TABLLM_TOKENIZE_ADD_SPECIAL as ADD_SPECIAL, TABLLM_TOKENIZE_SPECIAL_AS_TEXT as SPECIAL_AS_TEXT};
}

struct Handle(NonNull<sys::tabllm_tokenizer>);

// SAFETY: tabllm.h: "immutable once loaded; any number of threads may encode
// and decode with one tokenizer at the same time".
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        unsafe { sys::tabllm_tokenizer_free(self.0.as_ptr()) }
    }
}

/// A tokenizer loaded from a Hugging Face `tokenizer.json` (or a model
/// directory holding one). Cheap to clone (the handle is shared); `Send` and
/// `Sync`.
///
/// ```no_run
/// let tok = tabllm::Tokenizer::load("examples/demo/model")?;
/// let ids = tok.encode("Hello world", true)?;
/// assert_eq!(tok.decode(&ids, true)?, "Hello world");
/// # Ok::<(), tabllm::Error>(())
/// ```
#[derive(Clone)]
pub struct Tokenizer {
    inner: Arc<Handle>,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tokenizer(vocab_size={})", self.vocab_size())
    }
}

fn params(max_file_bytes: Option<u64>) -> Result<sys::tabllm_tokenizer_params> {
    let mut p = MaybeUninit::<sys::tabllm_tokenizer_params>::zeroed();
    check(unsafe { sys::tabllm_tokenizer_params_init(p.as_mut_ptr(), size_of::<sys::tabllm_tokenizer_params>()) })?;
    let mut p = unsafe { p.assume_init() };
    if let Some(n) = max_file_bytes {
        p.max_file_bytes = n;
    }
    Ok(p)
}

/// Calls `f(buffer, capacity, &mut needed)` until the buffer is large enough
/// (the library's BUFFER_TOO_SMALL protocol).
fn with_capacity<T: Clone + Default>(
    mut cap: usize,
    mut f: impl FnMut(&mut [T], &mut usize) -> sys::tabllm_status,
) -> Result<Vec<T>> {
    loop {
        let mut buf = vec![T::default(); cap.max(1)];
        let mut n = 0usize;
        let st = f(&mut buf[..cap], &mut n);
        if st == sys::TABLLM_ERR_BUFFER_TOO_SMALL && n > cap {
            cap = n;
            continue;
        }
        check(st)?;
        buf.truncate(n);
        return Ok(buf);
    }
}

fn decode_text(mut cap: usize, mut f: impl FnMut(*mut c_char, usize, &mut usize) -> sys::tabllm_status) -> Result<String> {
    loop {
        let mut buf = vec![0u8; cap.max(1)];
        let mut len = 0usize;
        let st = f(buf.as_mut_ptr() as *mut c_char, buf.len(), &mut len);
        if st == sys::TABLLM_ERR_BUFFER_TOO_SMALL && len + 1 > buf.len() {
            cap = len + 1;
            continue;
        }
        check(st)?;
        buf.truncate(len);
        return String::from_utf8(buf).map_err(|_| Error::new(Status::Internal, "the library decoded to invalid UTF-8"));
    }
}

impl Tokenizer {
    /// Loads `tokenizer.json`, or a model directory holding one (with its
    /// tokenizer_config.json and generation_config.json).
    pub fn load(path: impl AsRef<Path>) -> Result<Tokenizer> {
        Tokenizer::load_with_limit(path, None)
    }

    /// As [`load`](Tokenizer::load), refusing files larger than `max_file_bytes`.
    pub fn load_with_limit(path: impl AsRef<Path>, max_file_bytes: Option<u64>) -> Result<Tokenizer> {
        let path = path_cstring(path.as_ref())?;
        let p = params(max_file_bytes)?;
        let mut out = ptr::null_mut();
        check(unsafe { sys::tabllm_tokenizer_load(path.as_ptr(), &p, &mut out) })?;
        Tokenizer::from_out(out)
    }

    /// Loads a tokenizer from the text of a tokenizer.json.
    pub fn from_json(json: &str) -> Result<Tokenizer> {
        let p = params(None)?;
        let mut out = ptr::null_mut();
        check(unsafe { sys::tabllm_tokenizer_from_memory(json.as_ptr() as *const c_char, json.len(), &p, &mut out) })?;
        Tokenizer::from_out(out)
    }

    fn from_out(out: *mut sys::tabllm_tokenizer) -> Result<Tokenizer> {
        NonNull::new(out)
            .map(|p| Tokenizer { inner: Arc::new(Handle(p)) })
            .ok_or_else(|| Error::new(Status::Internal, "the library returned TABLLM_OK and no tokenizer"))
    }

    fn ptr(&self) -> *mut sys::tabllm_tokenizer {
        self.inner.0.as_ptr()
    }

    /// The token ids of `text`; `add_special` adds the post-processor's
    /// special tokens (BOS, ...).
    pub fn encode(&self, text: &str, add_special: bool) -> Result<Vec<Token>> {
        let flags = if add_special { sys::TABLLM_TOKENIZE_ADD_SPECIAL } else { 0 };
        self.encode_flags(text, flags)
    }

    /// As [`encode`](Tokenizer::encode) with `TABLLM_TOKENIZE_*` bits (see [`tokenize_flags`]).
    pub fn encode_flags(&self, text: &str, flags: u32) -> Result<Vec<Token>> {
        with_capacity(text.len() + 8, |ids, n| unsafe {
            sys::tabllm_tokenizer_encode(self.ptr(), text.as_ptr() as *const c_char, text.len(), flags, ids.as_mut_ptr(), ids.len(), n, ptr::null_mut())
        })
    }

    /// The ids and each token's byte range in `text` ((0, 0) for added specials).
    pub fn encode_with_offsets(&self, text: &str, flags: u32) -> Result<(Vec<Token>, Vec<(usize, usize)>)> {
        let mut cap = text.len() + 8;
        loop {
            let mut ids = vec![0 as Token; cap];
            let mut offs = vec![sys::tabllm_token_offset { start: 0, end: 0 }; cap];
            let mut n = 0usize;
            let st = unsafe {
                sys::tabllm_tokenizer_encode(self.ptr(), text.as_ptr() as *const c_char, text.len(), flags, ids.as_mut_ptr(), cap, &mut n, offs.as_mut_ptr())
            };
            if st == sys::TABLLM_ERR_BUFFER_TOO_SMALL && n > cap {
                cap = n;
                continue;
            }
            check(st)?;
            ids.truncate(n);
            return Ok((ids, offs[..n].iter().map(|o| (o.start, o.end)).collect()));
        }
    }

    /// Two texts as one sequence, with the pair template under ADD_SPECIAL.
    pub fn encode_pair(&self, a: &str, b: &str, flags: u32) -> Result<Vec<Token>> {
        with_capacity(a.len() + b.len() + 8, |ids, n| unsafe {
            sys::tabllm_tokenizer_encode_pair(
                self.ptr(),
                a.as_ptr() as *const c_char,
                a.len(),
                b.as_ptr() as *const c_char,
                b.len(),
                flags,
                ids.as_mut_ptr(),
                ids.len(),
                n,
                ptr::null_mut(),
            )
        })
    }

    /// Encodes many texts on `n_threads` threads (0: one per core).
    pub fn encode_batch<S: AsRef<str>>(&self, texts: &[S], flags: u32, n_threads: i32) -> Result<Vec<Vec<Token>>> {
        let ptrs: Vec<*const c_char> = texts.iter().map(|t| t.as_ref().as_ptr() as *const c_char).collect();
        let lens: Vec<usize> = texts.iter().map(|t| t.as_ref().len()).collect();
        let mut ids: *mut Token = ptr::null_mut();
        let mut starts: *mut usize = ptr::null_mut();
        check(unsafe {
            sys::tabllm_tokenizer_encode_batch(self.ptr(), ptrs.as_ptr(), lens.as_ptr(), texts.len(), flags, n_threads, &mut ids, &mut starts)
        })?;
        // SAFETY: starts has n+1 entries, ids has starts[n] entries; both freed below.
        let out = unsafe {
            let starts_s = std::slice::from_raw_parts(starts, texts.len() + 1);
            let ids_s = std::slice::from_raw_parts(ids, starts_s[texts.len()]);
            (0..texts.len()).map(|i| ids_s[starts_s[i]..starts_s[i + 1]].to_vec()).collect()
        };
        unsafe {
            sys::tabllm_free(ids as *mut c_void);
            sys::tabllm_free(starts as *mut c_void);
        }
        Ok(out)
    }

    /// The number of tokens of `text` (no special tokens added).
    pub fn count_tokens(&self, text: &str) -> Result<usize> {
        let n = unsafe { sys::tabllm_tokenizer_count_tokens(text.as_ptr() as *const c_char, text.len(), self.ptr() as *mut c_void) };
        if n == usize::MAX {
            Err(Error::from_status(unsafe { sys::tabllm_last_status() }))
        } else {
            Ok(n)
        }
    }

    /// The text of `ids`, as Hugging Face's `decode` gives it.
    pub fn decode(&self, ids: &[Token], skip_special: bool) -> Result<String> {
        let flags = if skip_special { sys::TABLLM_DECODE_SKIP_SPECIAL } else { 0 };
        decode_text(8 * ids.len() + 16, |buf, cap, len| unsafe {
            sys::tabllm_tokenizer_decode(self.ptr(), ids.as_ptr(), ids.len(), flags, buf, cap, len)
        })
    }

    /// A stream that decodes one id at a time, never splitting a character.
    pub fn decode_stream(&self, skip_special: bool) -> Result<DecodeStream> {
        let flags = if skip_special { sys::TABLLM_DECODE_SKIP_SPECIAL } else { 0 };
        let mut out = ptr::null_mut();
        check(unsafe { sys::tabllm_decode_stream_new(self.ptr(), flags, &mut out) })?;
        let ptr = NonNull::new(out).ok_or_else(|| Error::new(Status::Internal, "no decode stream"))?;
        Ok(DecodeStream { ptr, _tokenizer: self.inner.clone() })
    }

    /// The token text of an id as tokenizer.json writes it; None if unknown.
    pub fn id_to_token(&self, id: Token) -> Option<&str> {
        unsafe { borrowed_str(sys::tabllm_tokenizer_id_to_token(self.ptr(), id)) }
    }

    /// The id of a token text.
    pub fn token_to_id(&self, token: &str) -> Result<Token> {
        let mut out: Token = 0;
        check(unsafe { sys::tabllm_tokenizer_token_to_id(self.ptr(), token.as_ptr() as *const c_char, token.len(), &mut out) })?;
        Ok(out)
    }

    /// The largest id + 1.
    pub fn vocab_size(&self) -> usize {
        unsafe { sys::tabllm_tokenizer_vocab_size(self.ptr()) }
    }

    /// A special token's id, if the tokenizer has one.
    pub fn special_id(&self, which: SpecialToken) -> Option<Token> {
        let id = unsafe { sys::tabllm_tokenizer_special_id(self.ptr(), which.0) };
        if id < 0 {
            None
        } else {
            Some(id)
        }
    }

    /// True when decoding with `skip_special` leaves `id` out.
    pub fn is_special(&self, id: Token) -> bool {
        unsafe { sys::tabllm_tokenizer_is_special(self.ptr(), id) != 0 }
    }

    /// The raw handle; valid while `self` (or a clone) lives.
    pub fn as_ptr(&self) -> *const sys::tabllm_tokenizer {
        self.ptr()
    }
}

impl<'a> EncodeOptions<'a> {
    /// A token budget counted by `tokenizer` (in C, without a callback into Rust).
    pub fn token_budget_tokenizer(self, max_tokens: usize, tokenizer: &'a Tokenizer) -> Self {
        // SAFETY: tabllm_tokenizer_count_tokens takes the tokenizer as user
        // data and may run on any thread; the borrow keeps it alive for 'a.
        unsafe { self.token_budget_raw(max_tokens, Some(sys::tabllm_tokenizer_count_tokens), tokenizer.ptr() as *mut c_void) }
    }
}

/// Incremental decoding (see [`Tokenizer::decode_stream`]). Holds its
/// tokenizer; `Send` but not `Sync` (one thread at a time).
pub struct DecodeStream {
    ptr: NonNull<sys::tabllm_decode_stream>,
    // Drop::drop frees the stream before this field is dropped, so the
    // tokenizer outlives the stream, as tabllm.h requires.
    _tokenizer: Arc<Handle>,
}

// SAFETY: "one thread at a time per stream"; &mut self for every step.
unsafe impl Send for DecodeStream {}

impl Drop for DecodeStream {
    fn drop(&mut self) {
        unsafe { sys::tabllm_decode_stream_free(self.ptr.as_ptr()) }
    }
}

impl DecodeStream {
    /// Adds one id; returns the text it completes (often "" mid-character).
    pub fn step(&mut self, id: Token) -> Result<String> {
        decode_text(64, |buf, cap, len| unsafe { sys::tabllm_decode_stream_step(self.ptr.as_ptr(), id, buf, cap, len) })
    }
}

impl Tokenizer {
    /// Renders this tokenizer's own chat template with its bos/eos tokens.
    pub fn apply_chat_template(&self, messages: &[crate::chat::ChatMessage<'_>], add_generation_prompt: bool) -> Result<String> {
        let (_owned, msgs) = crate::chat::messages_c(messages)?;
        let flags = if add_generation_prompt { sys::TABLLM_CHAT_ADD_GENERATION_PROMPT } else { 0 };
        let (mut out, mut len) = (ptr::null_mut(), 0usize);
        let st = unsafe { sys::tabllm_chat_render(self.as_ptr(), msgs.as_ptr(), msgs.len(), flags, &mut out, &mut len) };
        check(st)?;
        Ok(unsafe { crate::util::take_string(out, len) })
    }
}
