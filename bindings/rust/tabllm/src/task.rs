//! Tasks: generation, row prediction (closed-set label scoring) and table
//! question answering (tabllm.h section 6).
use std::any::Any;
use std::ffi::CString;
use std::mem::{size_of, MaybeUninit};
use std::os::raw::{c_char, c_int, c_void};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::ptr::{self, NonNull};
use std::sync::Mutex;

use tabllm_sys as sys;

use crate::adapter::Adapter;
use crate::error::{check, Error, Result, Status};
use crate::generated::{Pooling, Scoring, ShotSelection, StopReason};
use crate::model::{Model, SamplerOptions, Session};
use crate::table::{EncodeOptions, Table};
use crate::tokenizer::Tokenizer;
use crate::util::{borrowed_str, cstring, opt_cstring, opt_ptr, take_string};
use crate::Token;

/// A per-token callback: `(token, text)`; return `false` to stop (the call
/// then fails with [`Status::Cancelled`]).
pub type OnToken<'a> = &'a mut (dyn FnMut(Token, &str) -> bool + Send);

struct TokenCtx<'a> {
    f: OnToken<'a>,
    panic: Mutex<Option<Box<dyn Any + Send>>>,
}

unsafe extern "C" fn token_trampoline(token: Token, text: *const c_char, len: usize, user: *mut c_void) -> c_int {
    let ctx = &mut *(user as *mut TokenCtx);
    let bytes = if len == 0 { &[][..] } else { std::slice::from_raw_parts(text as *const u8, len) };
    let piece = String::from_utf8_lossy(bytes);
    match catch_unwind(AssertUnwindSafe(|| (ctx.f)(token, &piece))) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(p) => {
            *ctx.panic.lock().unwrap_or_else(|e| e.into_inner()) = Some(p);
            1
        }
    }
}

fn resume_panic(ctx: &Option<TokenCtx<'_>>) {
    if let Some(c) = ctx {
        if let Some(p) = c.panic.lock().unwrap_or_else(|e| e.into_inner()).take() {
            resume_unwind(p);
        }
    }
}

/// How [`Session::generate`] runs (`tabllm_generate_params`).
#[derive(Default)]
pub struct GenerateOptions<'a> {
    max_tokens: Option<u32>,
    seq_id: i32,
    sampler: Option<SamplerOptions>,
    seed: u64,
    stop_ids: Vec<Token>,
    stop_strings: Vec<String>,
    no_default_stop: bool,
    skip_special: bool,
    max_batch: Option<u32>,
    on_token: Option<OnToken<'a>>,
}

impl<'a> GenerateOptions<'a> {
    /// Greedy, 256 tokens, stopping at the end-of-sequence ids.
    pub fn new() -> Self {
        Self::default()
    }
    /// Most tokens to generate.
    pub fn max_tokens(mut self, n: u32) -> Self {
        self.max_tokens = Some(n);
        self
    }
    /// The sequence to continue.
    pub fn seq_id(mut self, seq: i32) -> Self {
        self.seq_id = seq;
        self
    }
    /// Sample instead of greedy; `seed` (nonzero) reseeds the session first.
    pub fn sampler(mut self, sampler: SamplerOptions, seed: u64) -> Self {
        self.sampler = Some(sampler);
        self.seed = seed;
        self
    }
    /// Extra stop ids.
    pub fn stop_ids(mut self, ids: &[Token]) -> Self {
        self.stop_ids = ids.to_vec();
        self
    }
    /// Stop strings: the text ends just before the first one.
    pub fn stop_strings<S: AsRef<str>>(mut self, stops: &[S]) -> Self {
        self.stop_strings = stops.iter().map(|s| s.as_ref().to_string()).collect();
        self
    }
    /// Do not stop at the model's and tokenizer's end-of-sequence ids.
    pub fn no_default_stop(mut self) -> Self {
        self.no_default_stop = true;
        self
    }
    /// Leave special tokens out of the text.
    pub fn skip_special(mut self) -> Self {
        self.skip_special = true;
        self
    }
    /// Prompt tokens per forward pass.
    pub fn max_batch(mut self, n: u32) -> Self {
        self.max_batch = Some(n);
        self
    }
    /// Called per token; return false to stop.
    pub fn on_token(mut self, f: OnToken<'a>) -> Self {
        self.on_token = Some(f);
        self
    }
}

/// What [`Session::generate`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    /// The generated text, cut before a stop string.
    pub text: String,
    /// Why it stopped.
    pub stop_reason: StopReason,
    /// Tokens generated (the stop token not counted).
    pub n_tokens: u32,
    /// Prompt tokens decoded.
    pub n_prompt: u32,
    /// The stop id drawn, if any.
    pub stop_token: Option<Token>,
}

impl Session {
    /// Decodes `prompt` onto a sequence and generates until a stop
    /// condition (see [`GenerateOptions`]). The sequence keeps the prompt and
    /// the generated tokens.
    pub fn generate(&mut self, tokenizer: &Tokenizer, prompt: &[Token], options: GenerateOptions<'_>) -> Result<Generation> {
        let mut p = MaybeUninit::<sys::tabllm_generate_params>::zeroed();
        check(unsafe { sys::tabllm_generate_params_init(p.as_mut_ptr(), size_of::<sys::tabllm_generate_params>()) })?;
        let mut p = unsafe { p.assume_init() };
        if let Some(n) = options.max_tokens {
            p.max_tokens = n;
        }
        p.seq_id = options.seq_id;
        let sampler = match options.sampler {
            Some(s) => {
                let mut c = s.to_c()?;
                c.seed = options.seed;
                Some(c)
            }
            None => None,
        };
        p.sampler = sampler.as_ref().map_or(ptr::null(), |s| s as *const _);
        if options.no_default_stop {
            p.flags |= sys::TABLLM_GENERATE_NO_DEFAULT_STOP;
        }
        if options.skip_special {
            p.flags |= sys::TABLLM_GENERATE_SKIP_SPECIAL;
        }
        p.stop_ids = options.stop_ids.as_ptr();
        p.n_stop_ids = options.stop_ids.len();
        let stops = options.stop_strings.iter().map(|s| cstring(s, "stop string")).collect::<Result<Vec<CString>>>()?;
        let stop_ptrs: Vec<*const c_char> = stops.iter().map(|s| s.as_ptr()).collect();
        p.stop_strings = stop_ptrs.as_ptr();
        p.n_stop_strings = stop_ptrs.len();
        if let Some(n) = options.max_batch {
            p.max_batch = n;
        }
        let mut ctx = options.on_token.map(|f| TokenCtx { f, panic: Mutex::new(None) });
        if let Some(c) = ctx.as_mut() {
            p.on_token = Some(token_trampoline);
            p.user_data = c as *mut TokenCtx as *mut c_void;
        }
        let mut info: sys::tabllm_generate_info = unsafe { std::mem::zeroed() };
        info.struct_size = size_of::<sys::tabllm_generate_info>();
        let (mut out, mut len): (*mut c_char, usize) = (ptr::null_mut(), 0);
        let st = unsafe {
            sys::tabllm_generate(self.as_ptr(), tokenizer.as_ptr(), prompt.as_ptr(), prompt.len(), &p, &mut out, &mut len, &mut info)
        };
        let err = if st == sys::TABLLM_OK { None } else { Some(Error::from_status(st)) };
        let text = if out.is_null() { String::new() } else { unsafe { take_string(out, len) } };
        resume_panic(&ctx);
        if let Some(e) = err {
            return Err(e);
        }
        Ok(Generation {
            text,
            stop_reason: StopReason(info.stop_reason),
            n_tokens: info.n_tokens,
            n_prompt: info.n_prompt,
            stop_token: if info.stop_token < 0 { None } else { Some(info.stop_token) },
        })
    }
}

/// How [`predict`] runs (`tabllm_predict_params`); `target` is required.
pub struct PredictOptions<'a> {
    target: String,
    labels: Option<Vec<String>>,
    encode: Option<EncodeOptions<'a>>,
    completion_end: Option<String>,
    label_prefix: Option<String>,
    support: Option<&'a Table>,
    n_shots: u32,
    shot_selection: ShotSelection,
    seed: u64,
    shot_rows: Option<Vec<usize>>,
    rows: Option<Vec<usize>>,
    flags: u32,
    pooling: Pooling,
    n_threads: u32,
    max_batch_tokens: Option<u32>,
    max_context: Option<u32>,
    adapters: Vec<(&'a Adapter, f32)>,
}

impl<'a> PredictOptions<'a> {
    /// Predict column `target`, TabuLa-8B's prompt, labels from the data.
    pub fn new(target: &str) -> Self {
        PredictOptions {
            target: target.to_string(),
            labels: None,
            encode: None,
            completion_end: None,
            label_prefix: None,
            support: None,
            n_shots: 0,
            shot_selection: ShotSelection::RANDOM,
            seed: 0,
            shot_rows: None,
            rows: None,
            flags: 0,
            pooling: Pooling::MEAN,
            n_threads: 1,
            max_batch_tokens: None,
            max_context: None,
            adapters: Vec::new(),
        }
    }
    /// The candidate labels, as printed in prompts.
    pub fn labels<S: AsRef<str>>(mut self, labels: &[S]) -> Self {
        self.labels = Some(labels.iter().map(|s| s.as_ref().to_string()).collect());
        self
    }
    /// The prompt encoding and its options (row, target, labels and
    /// selection are set by predict).
    pub fn encode(mut self, encode: EncodeOptions<'a>) -> Self {
        self.encode = Some(encode);
        self
    }
    /// Text appended to every label (default "<|endcompletion|>" when the
    /// tokenizer has it).
    pub fn completion_end(mut self, text: &str) -> Self {
        self.completion_end = Some(text.to_string());
        self
    }
    /// Text put before every label.
    pub fn label_prefix(mut self, text: &str) -> Self {
        self.label_prefix = Some(text.to_string());
        self
    }
    /// Few-shot examples: `n_shots` rows of `support` before each query.
    pub fn few_shot(mut self, support: &'a Table, n_shots: u32, selection: ShotSelection, seed: u64) -> Self {
        self.support = Some(support);
        self.n_shots = n_shots;
        self.shot_selection = selection;
        self.seed = seed;
        self
    }
    /// Explicit support rows (overrides n_shots).
    pub fn shot_rows(mut self, rows: &[usize]) -> Self {
        self.shot_rows = Some(rows.to_vec());
        self
    }
    /// Only these rows of the table.
    pub fn rows(mut self, rows: &[usize]) -> Self {
        self.rows = Some(rows.to_vec());
        self
    }
    /// `TABLLM_PREDICT_*` bits (embeddings, normalize, naive).
    pub fn flags(mut self, flags: u32) -> Self {
        self.flags |= flags;
        self
    }
    /// Pooling of row embeddings.
    pub fn pooling(mut self, pooling: Pooling) -> Self {
        self.pooling = pooling;
        self
    }
    /// Threads for the model.
    pub fn n_threads(mut self, n: u32) -> Self {
        self.n_threads = n;
        self
    }
    /// Tokens per forward pass.
    pub fn max_batch_tokens(mut self, n: u32) -> Self {
        self.max_batch_tokens = Some(n);
        self
    }
    /// Longest sequence allowed.
    pub fn max_context(mut self, n: u32) -> Self {
        self.max_context = Some(n);
        self
    }

    /// LoRA adapters loaded for the model, applied in order to every row,
    /// each with its scale (1.0 is PEFT's default). They are borrowed for
    /// as long as the options live.
    ///
    /// ```no_run
    /// use tabllm::*;
    /// let model = Model::load("examples/demo/model", &ModelOptions::new())?;
    /// let tok = Tokenizer::load("examples/demo/model")?;
    /// let table = Table::load("examples/demo/data/biopsy-test.csv", &ReadOptions::new())?;
    /// let biopsy = Adapter::load(&model, "examples/demo/adapter-biopsy", &AdapterOptions::new())?;
    /// let options = PredictOptions::new("class").adapters(&[(&biopsy, 1.0)]);
    /// let result = predict(&model, &tok, &table, &options)?;
    /// println!("{:?}", result.accuracy(Scoring::SUM));
    /// # Ok::<(), tabllm::Error>(())
    /// ```
    pub fn adapters(mut self, adapters: &[(&'a Adapter, f32)]) -> Self {
        self.adapters = adapters.to_vec();
        self
    }
    /// Merge the adapters into the call's private copy of the weights first
    /// (`TABLLM_PREDICT_MERGE_ADAPTERS`): base-model speed for a copy of the
    /// changed weights; rounding differs slightly from unmerged.
    pub fn merge_adapters(mut self) -> Self {
        self.flags |= sys::TABLLM_PREDICT_MERGE_ADAPTERS;
        self
    }
}

/// The result of [`predict`]; immutable, `Send + Sync`.
pub struct Prediction {
    ptr: NonNull<sys::tabllm_prediction>,
}

unsafe impl Send for Prediction {}
unsafe impl Sync for Prediction {}

impl Drop for Prediction {
    fn drop(&mut self) {
        unsafe { sys::tabllm_prediction_free(self.ptr.as_ptr()) }
    }
}

impl std::fmt::Debug for Prediction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Prediction({} rows x {} labels)", self.n_rows(), self.n_labels())
    }
}

impl Prediction {
    fn p(&self) -> *const sys::tabllm_prediction {
        self.ptr.as_ptr()
    }
    /// Rows in the result.
    pub fn n_rows(&self) -> usize {
        unsafe { sys::tabllm_prediction_n_rows(self.p()) }
    }
    /// Labels in the result.
    pub fn n_labels(&self) -> usize {
        unsafe { sys::tabllm_prediction_n_labels(self.p()) }
    }
    /// The labels, as printed.
    pub fn labels(&self) -> Vec<&str> {
        (0..self.n_labels()).map(|i| unsafe { borrowed_str(sys::tabllm_prediction_label(self.p(), i)) }.unwrap_or("")).collect()
    }
    /// The table row behind result row `i`.
    pub fn table_row(&self, i: usize) -> Option<usize> {
        let r = unsafe { sys::tabllm_prediction_table_row(self.p(), i) };
        if r == usize::MAX {
            None
        } else {
            Some(r)
        }
    }
    fn matrix<T>(&self, p: *const T, cols: usize) -> Option<&[T]> {
        if p.is_null() {
            None
        } else {
            Some(unsafe { std::slice::from_raw_parts(p, self.n_rows() * cols) })
        }
    }
    /// Probabilities, `n_rows × n_labels` row-major.
    pub fn probs(&self, scoring: Scoring) -> Option<&[f64]> {
        self.matrix(unsafe { sys::tabllm_prediction_probs(self.p(), scoring.0) }, self.n_labels())
    }
    /// Label scores (summed or mean log-probabilities), `n_rows × n_labels`.
    pub fn logprobs(&self, scoring: Scoring) -> Option<&[f64]> {
        self.matrix(unsafe { sys::tabllm_prediction_logprobs(self.p(), scoring.0) }, self.n_labels())
    }
    /// Tokens of each label's continuation (what [`Scoring::MEAN`] divides by).
    pub fn label_tokens(&self) -> &[u32] {
        let p = unsafe { sys::tabllm_prediction_label_tokens(self.p()) };
        if p.is_null() {
            &[]
        } else {
            unsafe { std::slice::from_raw_parts(p, self.n_labels()) }
        }
    }
    /// The most probable label index of each row.
    pub fn argmax(&self, scoring: Scoring) -> Option<&[i32]> {
        self.matrix(unsafe { sys::tabllm_prediction_argmax(self.p(), scoring.0) }, 1)
    }
    /// The most probable label of each row.
    pub fn predicted(&self, scoring: Scoring) -> Vec<&str> {
        let labels = self.labels();
        self.argmax(scoring).map_or_else(Vec::new, |a| a.iter().map(|&i| labels[i as usize]).collect())
    }
    /// Each row's true label index (-1 missing, -2 not a label), when the
    /// table has the target column.
    pub fn truth(&self) -> Option<&[i32]> {
        self.matrix(unsafe { sys::tabllm_prediction_truth(self.p()) }, 1)
    }
    /// Accuracy over the rows with a known true label.
    pub fn accuracy(&self, scoring: Scoring) -> Option<f64> {
        let (a, t) = (self.argmax(scoring)?, self.truth()?);
        let known: Vec<(i32, i32)> = a.iter().zip(t).filter(|(_, t)| **t >= 0).map(|(a, t)| (*a, *t)).collect();
        if known.is_empty() {
            return None;
        }
        Some(known.iter().filter(|(a, t)| a == t).count() as f64 / known.len() as f64)
    }
    /// Row embeddings and their size, when asked for.
    pub fn embeddings(&self) -> Option<(&[f32], usize)> {
        let mut dim = 0usize;
        let p = unsafe { sys::tabllm_prediction_embeddings(self.p(), &mut dim) };
        self.matrix(p, dim).map(|m| (m, dim))
    }
}

/// Scores the labels of every row of `table` (`tabllm_predict`).
///
/// ```no_run
/// use tabllm::*;
/// let model = Model::load("examples/demo/model", &ModelOptions::new())?;
/// let tok = Tokenizer::load("examples/demo/model")?;
/// let table = Table::load("examples/demo/data/biopsy-test.csv", &ReadOptions::new())?;
/// let result = predict(&model, &tok, &table, &PredictOptions::new("class"))?;
/// println!("{:?}", result.accuracy(Scoring::SUM));
/// # Ok::<(), tabllm::Error>(())
/// ```
pub fn predict(model: &Model, tokenizer: &Tokenizer, table: &Table, options: &PredictOptions<'_>) -> Result<Prediction> {
    let mut p = MaybeUninit::<sys::tabllm_predict_params>::zeroed();
    check(unsafe { sys::tabllm_predict_params_init(p.as_mut_ptr(), size_of::<sys::tabllm_predict_params>()) })?;
    let mut p = unsafe { p.assume_init() };
    let target = cstring(&options.target, "target")?;
    p.target = target.as_ptr();
    let labels = match &options.labels {
        Some(l) => Some(l.iter().map(|s| cstring(s, "label")).collect::<Result<Vec<CString>>>()?),
        None => None,
    };
    let label_ptrs: Vec<*const c_char> = labels.iter().flatten().map(|c| c.as_ptr()).collect();
    if labels.is_some() {
        p.labels = label_ptrs.as_ptr();
        p.n_labels = label_ptrs.len();
    }
    let encode = match &options.encode {
        Some(e) => Some(e.to_c()?),
        None => None,
    };
    if let Some(e) = &encode {
        p.encode = e.params();
    }
    let completion_end = opt_cstring(options.completion_end.as_deref(), "completion end")?;
    p.completion_end = opt_ptr(&completion_end);
    let label_prefix = opt_cstring(options.label_prefix.as_deref(), "label prefix")?;
    p.label_prefix = opt_ptr(&label_prefix);
    if let Some(s) = options.support {
        p.support = s.as_ptr();
    }
    p.n_shots = options.n_shots;
    p.shot_selection = options.shot_selection.0;
    p.seed = options.seed;
    if let Some(r) = &options.shot_rows {
        p.shot_rows = r.as_ptr();
        p.n_shot_rows = r.len();
    }
    if let Some(r) = &options.rows {
        p.rows = r.as_ptr();
        p.n_rows = r.len();
    }
    p.flags = options.flags;
    p.pooling = options.pooling.0;
    p.n_threads = options.n_threads;
    if let Some(n) = options.max_batch_tokens {
        p.max_batch_tokens = n;
    }
    if let Some(n) = options.max_context {
        p.max_context = n;
    }
    let (adapters, scales) = adapter_arrays(&options.adapters);
    if !adapters.is_empty() {
        p.adapters = adapters.as_ptr();
        p.adapter_scales = scales.as_ptr();
        p.n_adapters = adapters.len();
    }
    let mut out = ptr::null_mut();
    let st = unsafe { sys::tabllm_predict(model.as_ptr() as *mut _, tokenizer.as_ptr(), table.as_ptr(), &p, &mut out) };
    if let Some(e) = &encode {
        e.resume_panic();
    }
    check(st)?;
    let ptr = NonNull::new(out).ok_or_else(|| Error::new(Status::Internal, "no prediction"))?;
    Ok(Prediction { ptr })
}

/// The C arrays of an adapter list (borrowed from the options for the call).
fn adapter_arrays(adapters: &[(&Adapter, f32)]) -> (Vec<*mut sys::tabllm_adapter>, Vec<f32>) {
    (adapters.iter().map(|(a, _)| a.ptr()).collect(), adapters.iter().map(|(_, s)| *s).collect())
}

/// How [`answer`] runs (`tabllm_answer_params`).
#[derive(Default)]
pub struct AnswerOptions<'a> {
    encode: Option<EncodeOptions<'a>>,
    no_chat: bool,
    max_tokens: Option<u32>,
    n_ctx: Option<u32>,
    n_threads: Option<u32>,
    instruction: Option<String>,
    on_token: Option<OnToken<'a>>,
    adapters: Vec<(&'a Adapter, f32)>,
    merge_adapters: bool,
}

impl<'a> AnswerOptions<'a> {
    /// Markdown, the chat template when the tokenizer has one, 128 tokens.
    pub fn new() -> Self {
        Self::default()
    }
    /// How the table is printed.
    pub fn encode(mut self, encode: EncodeOptions<'a>) -> Self {
        self.encode = Some(encode);
        self
    }
    /// Do not use the tokenizer's chat template.
    pub fn no_chat(mut self) -> Self {
        self.no_chat = true;
        self
    }
    /// Longest answer in tokens.
    pub fn max_tokens(mut self, n: u32) -> Self {
        self.max_tokens = Some(n);
        self
    }
    /// Context for table, question and answer.
    pub fn n_ctx(mut self, n: u32) -> Self {
        self.n_ctx = Some(n);
        self
    }
    /// Threads for the model.
    pub fn n_threads(mut self, n: u32) -> Self {
        self.n_threads = Some(n);
        self
    }
    /// The instruction (system message or first line).
    pub fn instruction(mut self, text: &str) -> Self {
        self.instruction = Some(text.to_string());
        self
    }
    /// Called per generated token; return false to stop.
    pub fn on_token(mut self, f: OnToken<'a>) -> Self {
        self.on_token = Some(f);
        self
    }
    /// LoRA adapters loaded for the model, applied in order, each with its
    /// scale (see [`PredictOptions::adapters`]).
    pub fn adapters(mut self, adapters: &[(&'a Adapter, f32)]) -> Self {
        self.adapters = adapters.to_vec();
        self
    }
    /// Merge the adapters into the call's private weights first
    /// (`TABLLM_ANSWER_MERGE_ADAPTERS`).
    pub fn merge_adapters(mut self) -> Self {
        self.merge_adapters = true;
        self
    }
}

/// Answers a question about a table (`tabllm_answer`).
pub fn answer(model: &Model, tokenizer: &Tokenizer, table: &Table, question: &str, options: AnswerOptions<'_>) -> Result<String> {
    let mut p = MaybeUninit::<sys::tabllm_answer_params>::zeroed();
    check(unsafe { sys::tabllm_answer_params_init(p.as_mut_ptr(), size_of::<sys::tabllm_answer_params>()) })?;
    let mut p = unsafe { p.assume_init() };
    let encode = match &options.encode {
        Some(e) => Some(e.to_c()?),
        None => None,
    };
    if let Some(e) = &encode {
        p.encode = e.params();
    }
    if options.no_chat {
        p.flags |= sys::TABLLM_ANSWER_NO_CHAT;
    }
    if options.merge_adapters {
        p.flags |= sys::TABLLM_ANSWER_MERGE_ADAPTERS;
    }
    let (adapters, scales) = adapter_arrays(&options.adapters);
    if !adapters.is_empty() {
        p.adapters = adapters.as_ptr();
        p.adapter_scales = scales.as_ptr();
        p.n_adapters = adapters.len();
    }
    if let Some(n) = options.max_tokens {
        p.max_tokens = n;
    }
    if let Some(n) = options.n_ctx {
        p.n_ctx = n;
    }
    if let Some(n) = options.n_threads {
        p.n_threads = n;
    }
    let instruction = opt_cstring(options.instruction.as_deref(), "instruction")?;
    p.instruction = opt_ptr(&instruction);
    let q = cstring(question, "question")?;
    let mut ctx = options.on_token.map(|f| TokenCtx { f, panic: Mutex::new(None) });
    if let Some(c) = ctx.as_mut() {
        p.on_token = Some(token_trampoline);
        p.user_data = c as *mut TokenCtx as *mut c_void;
    }
    let (mut out, mut len): (*mut c_char, usize) = (ptr::null_mut(), 0);
    let st = unsafe { sys::tabllm_answer(model.as_ptr() as *mut _, tokenizer.as_ptr(), table.as_ptr(), q.as_ptr(), &p, &mut out, &mut len) };
    let err = if st == sys::TABLLM_OK { None } else { Some(Error::from_status(st)) };
    let text = if out.is_null() { String::new() } else { unsafe { take_string(out, len) } };
    resume_panic(&ctx);
    if let Some(e) = &encode {
        e.resume_panic();
    }
    match err {
        Some(e) => Err(e),
        None => Ok(text),
    }
}
