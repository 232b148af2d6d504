//! Models and sessions: the Llama-family forward pass, the KV cache,
//! sampling (tabllm.h section 4).
use std::mem::{size_of, MaybeUninit};
use std::path::Path;
use std::ptr::{self, NonNull};
use std::sync::Arc;

use tabllm_sys as sys;

use crate::error::{check, Error, Result, Status};
use crate::generated::{Pooling, WeightFormat};
use crate::Token;
use crate::util::{borrowed_str, path_cstring};

struct ModelHandle(NonNull<sys::tabllm_model>);

// SAFETY: tabllm.h: "immutable once loaded; may be shared by any number of
// threads and sessions".
unsafe impl Send for ModelHandle {}
unsafe impl Sync for ModelHandle {}

impl Drop for ModelHandle {
    fn drop(&mut self) {
        unsafe { sys::tabllm_model_free(self.0.as_ptr()) }
    }
}

/// How a model is loaded (`tabllm_model_params`).
#[derive(Debug, Clone, Default)]
pub struct ModelOptions {
    weight_format: Option<WeightFormat>,
    check_finite: bool,
}

impl ModelOptions {
    /// The defaults: weights as stored, memory-mapped.
    pub fn new() -> ModelOptions {
        ModelOptions::default()
    }
    /// Convert the weights at load (F32, BF16, F16).
    pub fn weight_format(mut self, format: WeightFormat) -> Self {
        self.weight_format = Some(format);
        self
    }
    /// Scan every weight for NaN and infinity.
    pub fn check_finite(mut self) -> Self {
        self.check_finite = true;
        self
    }
}

/// A loaded Hugging Face model directory (Llama, Mistral, Qwen2, Qwen3).
/// Immutable, `Send + Sync`, cheap to clone (the handle is shared).
///
/// ```no_run
/// use tabllm::{Model, ModelOptions, SessionOptions};
/// let model = Model::load("examples/demo/model", &ModelOptions::new())?;
/// let mut session = model.session(&SessionOptions::new().n_ctx(512))?;
/// session.decode(&[1, 42, 7])?;
/// let logits: &[f32] = session.logits(-1)?;   // borrowed until the next decode
/// assert_eq!(logits.len(), model.n_vocab());
/// # Ok::<(), tabllm::Error>(())
/// ```
#[derive(Clone)]
pub struct Model {
    inner: Arc<ModelHandle>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Model({} {}x{} vocab={})", self.architecture(), self.n_layers(), self.n_embd(), self.n_vocab())
    }
}

impl Model {
    /// Loads a model directory; everything is validated before it returns.
    pub fn load(dir: impl AsRef<Path>, options: &ModelOptions) -> Result<Model> {
        let dir = path_cstring(dir.as_ref())?;
        let mut p = MaybeUninit::<sys::tabllm_model_params>::zeroed();
        check(unsafe { sys::tabllm_model_params_init(p.as_mut_ptr(), size_of::<sys::tabllm_model_params>()) })?;
        let mut p = unsafe { p.assume_init() };
        if let Some(f) = options.weight_format {
            p.weight_format = f.0;
        }
        if options.check_finite {
            p.flags |= sys::TABLLM_MODEL_CHECK_FINITE;
        }
        let mut out = ptr::null_mut();
        check(unsafe { sys::tabllm_model_load(dir.as_ptr(), &p, &mut out) })?;
        let ptr = NonNull::new(out).ok_or_else(|| Error::new(Status::Internal, "no model"))?;
        Ok(Model { inner: Arc::new(ModelHandle(ptr)) })
    }

    fn ptr(&self) -> *mut sys::tabllm_model {
        self.inner.0.as_ptr()
    }

    /// The architecture as config.json names it.
    pub fn architecture(&self) -> &str {
        unsafe { borrowed_str(sys::tabllm_model_architecture(self.ptr())) }.unwrap_or("")
    }
    /// Vocabulary size.
    pub fn n_vocab(&self) -> usize {
        unsafe { sys::tabllm_model_n_vocab(self.ptr()) as usize }
    }
    /// Hidden size (the length of an embedding).
    pub fn n_embd(&self) -> usize {
        unsafe { sys::tabllm_model_n_embd(self.ptr()) as usize }
    }
    /// Decoder layers.
    pub fn n_layers(&self) -> usize {
        unsafe { sys::tabllm_model_n_layers(self.ptr()) as usize }
    }
    /// Attention heads.
    pub fn n_heads(&self) -> usize {
        unsafe { sys::tabllm_model_n_heads(self.ptr()) as usize }
    }
    /// Key/value heads.
    pub fn n_kv_heads(&self) -> usize {
        unsafe { sys::tabllm_model_n_kv_heads(self.ptr()) as usize }
    }
    /// Size of one attention head.
    pub fn head_dim(&self) -> usize {
        unsafe { sys::tabllm_model_head_dim(self.ptr()) as usize }
    }
    /// The context length the model was trained for.
    pub fn n_ctx_train(&self) -> usize {
        unsafe { sys::tabllm_model_n_ctx_train(self.ptr()) as usize }
    }
    /// config.json's bos_token_id.
    pub fn bos(&self) -> Option<Token> {
        let t = unsafe { sys::tabllm_model_bos(self.ptr()) };
        if t < 0 {
            None
        } else {
            Some(t)
        }
    }
    /// config.json's eos_token_id(s).
    pub fn eos(&self) -> Vec<Token> {
        let mut n = 0usize;
        let p = unsafe { sys::tabllm_model_eos(self.ptr(), &mut n) };
        if p.is_null() {
            Vec::new()
        } else {
            unsafe { std::slice::from_raw_parts(p, n) }.to_vec()
        }
    }
    /// Bytes of weights read per token.
    pub fn weight_bytes(&self) -> u64 {
        unsafe { sys::tabllm_model_weight_bytes(self.ptr()) }
    }
    /// A new session on this model.
    pub fn session(&self, options: &SessionOptions) -> Result<Session> {
        Session::new(self, options)
    }
    /// The raw handle; valid while `self` (or a clone) lives.
    pub fn as_ptr(&self) -> *const sys::tabllm_model {
        self.ptr()
    }
}

/// How a session is created (`tabllm_session_params`).
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    n_ctx: u32,
    n_seq_max: Option<u32>,
    n_threads: Option<u32>,
    keep_hidden: bool,
    seed: u64,
}

impl SessionOptions {
    /// The defaults: n_ctx min(n_ctx_train, 4096), one sequence, one thread.
    pub fn new() -> SessionOptions {
        SessionOptions::default()
    }
    /// Tokens per sequence.
    pub fn n_ctx(mut self, n: u32) -> Self {
        self.n_ctx = n;
        self
    }
    /// Sequences (KV cache slots).
    pub fn n_seq_max(mut self, n: u32) -> Self {
        self.n_seq_max = Some(n);
        self
    }
    /// Threads doing the work, counting the caller.
    pub fn n_threads(mut self, n: u32) -> Self {
        self.n_threads = Some(n);
        self
    }
    /// Keep final hidden states (for [`Session::hidden`] and [`Session::embed`]).
    pub fn keep_hidden(mut self) -> Self {
        self.keep_hidden = true;
        self
    }
    /// Seed of the sampling generator.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// A batch for [`Session::decode_batch`]: row i is token `tokens[i]` of
/// sequence `seq_ids[i]` at position `positions[i]`.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    tokens: Vec<Token>,
    positions: Option<Vec<i32>>,
    seq_ids: Option<Vec<i32>>,
    logits: Option<Vec<i8>>,
}

impl Batch {
    /// Tokens of sequence 0, continuing it, with logits for the last row.
    pub fn new(tokens: &[Token]) -> Batch {
        Batch { tokens: tokens.to_vec(), ..Batch::default() }
    }
    /// All rows belong to sequence `seq_id`.
    pub fn seq_id(mut self, seq_id: i32) -> Self {
        self.seq_ids = Some(vec![seq_id; self.tokens.len()]);
        self
    }
    /// A sequence id per row.
    pub fn seq_ids(mut self, seq_ids: &[i32]) -> Self {
        self.seq_ids = Some(seq_ids.to_vec());
        self
    }
    /// A position per row (default: each sequence continues).
    pub fn positions(mut self, positions: &[i32]) -> Self {
        self.positions = Some(positions.to_vec());
        self
    }
    /// Logits for every row.
    pub fn all_logits(mut self) -> Self {
        self.logits = Some(vec![1; self.tokens.len()]);
        self
    }
    /// Logits for the rows flagged true.
    pub fn logits(mut self, rows: &[bool]) -> Self {
        self.logits = Some(rows.iter().map(|&b| b as i8).collect());
        self
    }
}

/// How a token is drawn (`tabllm_sampler_params`); the default is greedy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SamplerOptions {
    /// 0 = greedy.
    pub temperature: f32,
    /// 0 = off.
    pub top_k: i32,
    /// 1 = off.
    pub top_p: f32,
    /// 0 = off.
    pub min_p: f32,
    /// 1 = off.
    pub repetition_penalty: f32,
    /// Last N history ids penalised; 0 = all.
    pub repetition_window: i32,
}

impl Default for SamplerOptions {
    fn default() -> Self {
        SamplerOptions { temperature: 0.0, top_k: 0, top_p: 1.0, min_p: 0.0, repetition_penalty: 1.0, repetition_window: 0 }
    }
}

impl SamplerOptions {
    pub(crate) fn to_c(self) -> Result<sys::tabllm_sampler_params> {
        let mut p = MaybeUninit::<sys::tabllm_sampler_params>::zeroed();
        check(unsafe { sys::tabllm_sampler_params_init(p.as_mut_ptr(), size_of::<sys::tabllm_sampler_params>()) })?;
        let mut p = unsafe { p.assume_init() };
        p.temperature = self.temperature;
        p.top_k = self.top_k;
        p.top_p = self.top_p;
        p.min_p = self.min_p;
        p.repetition_penalty = self.repetition_penalty;
        p.repetition_window = self.repetition_window;
        Ok(p)
    }
}

/// A model in use: KV cache, threads, random generator. `Send` but not
/// `Sync` (one thread at a time, as tabllm.h says). It holds its model, so
/// it can never outlive it.
///
/// Outputs borrow the session: the borrow checker rejects a decode while a
/// logits slice is alive.
///
/// ```compile_fail,E0502
/// fn stale(s: &mut tabllm::Session) {
///     let logits = s.logits(-1).unwrap();
///     s.decode(&[1]).unwrap();      // error: `*s` is also borrowed as immutable
///     println!("{}", logits[0]);
/// }
/// ```
///
/// ```compile_fail,E0277
/// fn share(s: &tabllm::Session) {
///     fn needs_sync<T: Sync>(_: &T) {}
///     needs_sync(s);                // error: a session is not Sync
/// }
/// ```
pub struct Session {
    ptr: NonNull<sys::tabllm_session>,
    // Dropped after Drop::drop frees the session: the model outlives it.
    model: Model,
    n_vocab: usize,
    n_embd: usize,
    // The adapters in use, per sequence (None: all): the C library counts
    // references too, this keeps the Rust side's ownership plain.
    adapters: std::collections::HashMap<Option<i32>, Vec<Arc<dyn std::any::Any + Send + Sync>>>,
}

// SAFETY: "one thread at a time (it may move between threads)": Send, and
// not Sync (NonNull makes it !Sync by default).
unsafe impl Send for Session {}

impl Drop for Session {
    fn drop(&mut self) {
        unsafe { sys::tabllm_session_free(self.ptr.as_ptr()) }
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Session(n_ctx={})", self.n_ctx())
    }
}

impl Session {
    /// A new session on `model`.
    pub fn new(model: &Model, options: &SessionOptions) -> Result<Session> {
        let mut p = MaybeUninit::<sys::tabllm_session_params>::zeroed();
        check(unsafe { sys::tabllm_session_params_init(p.as_mut_ptr(), size_of::<sys::tabllm_session_params>()) })?;
        let mut p = unsafe { p.assume_init() };
        p.n_ctx = options.n_ctx;
        if let Some(n) = options.n_seq_max {
            p.n_seq_max = n;
        }
        if let Some(n) = options.n_threads {
            p.n_threads = n;
        }
        if options.keep_hidden {
            p.flags |= sys::TABLLM_SESSION_KEEP_HIDDEN;
        }
        p.seed = options.seed;
        let mut out = ptr::null_mut();
        check(unsafe { sys::tabllm_session_new(model.ptr(), &p, &mut out) })?;
        let ptr = NonNull::new(out).ok_or_else(|| Error::new(Status::Internal, "no session"))?;
        Ok(Session { ptr, model: model.clone(), n_vocab: model.n_vocab(), n_embd: model.n_embd(), adapters: Default::default() })
    }

    /// Records the adapters a sequence (None: every sequence) now uses.
    pub(crate) fn keep_alive(&mut self, seq_id: Option<i32>, adapters: Vec<Arc<dyn std::any::Any + Send + Sync>>) {
        if seq_id.is_none() {
            self.adapters.clear();
        }
        self.adapters.insert(seq_id, adapters);
    }

    /// The model this session runs.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Context length per sequence.
    pub fn n_ctx(&self) -> u32 {
        unsafe { sys::tabllm_session_n_ctx(self.ptr.as_ptr()) }
    }

    /// Appends `tokens` to sequence 0 and computes the last row's logits.
    pub fn decode(&mut self, tokens: &[Token]) -> Result<()> {
        self.decode_batch(&Batch::new(tokens))
    }

    /// Runs the model on a batch; on any error nothing changes.
    pub fn decode_batch(&mut self, batch: &Batch) -> Result<()> {
        let n = batch.tokens.len();
        for (what, len) in [
            ("positions", batch.positions.as_ref().map(|v| v.len())),
            ("seq_ids", batch.seq_ids.as_ref().map(|v| v.len())),
            ("logits", batch.logits.as_ref().map(|v| v.len())),
        ] {
            if let Some(len) = len {
                if len != n {
                    return Err(Error::new(Status::InvalidArgument, format!("batch {} has {} entries for {} tokens", what, len, n)));
                }
            }
        }
        let b = sys::tabllm_batch {
            struct_size: size_of::<sys::tabllm_batch>(),
            n_tokens: u32::try_from(n).map_err(|_| Error::new(Status::InvalidArgument, "batch too large"))?,
            tokens: batch.tokens.as_ptr(),
            positions: batch.positions.as_ref().map_or(ptr::null(), |v| v.as_ptr()),
            seq_ids: batch.seq_ids.as_ref().map_or(ptr::null(), |v| v.as_ptr()),
            logits: batch.logits.as_ref().map_or(ptr::null(), |v| v.as_ptr()),
        };
        check(unsafe { sys::tabllm_session_decode(self.ptr.as_ptr(), &b) })
    }

    /// The logits of one row of the last batch (-1: the last row with
    /// logits), borrowed until the next `&mut self` call.
    pub fn logits(&self, batch_index: i32) -> Result<&[f32]> {
        let mut out: *const f32 = ptr::null();
        check(unsafe { sys::tabllm_session_logits(self.ptr.as_ptr(), batch_index, &mut out) })?;
        Ok(unsafe { std::slice::from_raw_parts(out, self.n_vocab) })
    }

    /// The final hidden state of one row (needs `keep_hidden`).
    pub fn hidden(&self, batch_index: i32) -> Result<&[f32]> {
        let mut out: *const f32 = ptr::null();
        check(unsafe { sys::tabllm_session_hidden(self.ptr.as_ptr(), batch_index, &mut out) })?;
        Ok(unsafe { std::slice::from_raw_parts(out, self.n_embd) })
    }

    /// A sequence's pooled final hidden states (needs `keep_hidden`).
    pub fn embed(&self, seq_id: i32, pooling: Pooling, normalize: bool) -> Result<Vec<f32>> {
        let mut v = vec![0f32; self.n_embd];
        let flags = if normalize { sys::TABLLM_EMBED_NORMALIZE } else { 0 };
        check(unsafe { sys::tabllm_session_embed(self.ptr.as_ptr(), seq_id, pooling.0, flags, v.as_mut_ptr(), v.len()) })?;
        Ok(v)
    }

    /// Tokens in a sequence's cache.
    pub fn seq_length(&self, seq_id: i32) -> u32 {
        unsafe { sys::tabllm_session_seq_length(self.ptr.as_ptr(), seq_id) }
    }

    /// Forgets a sequence (-1: all).
    pub fn seq_clear(&mut self, seq_id: i32) -> Result<()> {
        check(unsafe { sys::tabllm_session_seq_clear(self.ptr.as_ptr(), seq_id) })
    }

    /// Keeps the first `length` tokens of a sequence.
    pub fn seq_truncate(&mut self, seq_id: i32, length: u32) -> Result<()> {
        check(unsafe { sys::tabllm_session_seq_truncate(self.ptr.as_ptr(), seq_id, length) })
    }

    /// Makes `dst` a copy of the first `length` tokens of `src` (None: all).
    pub fn seq_copy(&mut self, src: i32, dst: i32, length: Option<u32>) -> Result<()> {
        check(unsafe { sys::tabllm_session_seq_copy(self.ptr.as_ptr(), src, dst, length.unwrap_or(u32::MAX)) })
    }

    /// Draws the next token from one row's logits with the session's generator.
    pub fn sample(&mut self, batch_index: i32, options: &SamplerOptions, history: &[Token]) -> Result<Token> {
        let p = options.to_c()?;
        let mut out: Token = 0;
        check(unsafe { sys::tabllm_session_sample(self.ptr.as_ptr(), batch_index, &p, history.as_ptr(), history.len(), &mut out) })?;
        Ok(out)
    }

    /// Reseeds the session's generator.
    pub fn set_seed(&mut self, seed: u64) {
        unsafe { sys::tabllm_session_set_seed(self.ptr.as_ptr(), seed) }
    }

    /// The raw handle; valid while `self` lives.
    pub fn as_ptr(&self) -> *mut sys::tabllm_session {
        self.ptr.as_ptr()
    }
}

/// Sets OpenBLAS' process-wide thread count; returns the previous one.
pub fn set_blas_threads(n_threads: i32) -> Result<i32> {
    let mut prev = 0i32;
    check(unsafe { sys::tabllm_set_blas_threads(n_threads, &mut prev) })?;
    Ok(prev)
}
