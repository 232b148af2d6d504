//! Adapters: PEFT LoRA (DoRA, modules_to_save, ...) on a loaded model
//! (tabllm.h section 5).
use std::mem::{size_of, MaybeUninit};
use std::path::Path;
use std::ptr::{self, NonNull};
use std::sync::Arc;

use tabllm_sys as sys;

use crate::error::{check, Error, Result, Status};
use crate::generated::AdapterTargetKind;
use crate::model::{Model, Session};
use crate::util::{borrowed_str, path_cstring};

struct Handle(NonNull<sys::tabllm_adapter>);

// SAFETY: an adapter is immutable after load and may be shared by threads
// and sessions (tabllm.h section 5).
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        unsafe { sys::tabllm_adapter_free(self.0.as_ptr()) }
    }
}

/// How an adapter is loaded (`tabllm_adapter_params`).
#[derive(Debug, Clone, Default)]
pub struct AdapterOptions {
    flags: u32,
}

impl AdapterOptions {
    /// The defaults.
    pub fn new() -> AdapterOptions {
        AdapterOptions::default()
    }
    /// Scan every adapter tensor for NaN and infinity.
    pub fn check_finite(mut self) -> Self {
        self.flags |= sys::TABLLM_ADAPTER_CHECK_FINITE;
        self
    }
    /// Accept adapter_config.json fields this library does not know.
    pub fn allow_unknown_fields(mut self) -> Self {
        self.flags |= sys::TABLLM_ADAPTER_ALLOW_UNKNOWN_FIELDS;
        self
    }
}

/// One module an adapter changes.
#[derive(Debug, Clone, PartialEq)]
pub struct AdapterTarget {
    /// "model.layers.3.self_attn.q_proj".
    pub module: String,
    /// Decoder layer; -1 for embed_tokens and lm_head.
    pub layer: i32,
    /// This module's rank; 0 when not low-rank.
    pub rank: i32,
    /// This module's alpha.
    pub alpha: f64,
    /// alpha/rank, or alpha/sqrt(rank) with use_rslora.
    pub scaling: f64,
    /// How the module is changed.
    pub kind: AdapterTargetKind,
}

/// A PEFT adapter loaded for one model: `Send + Sync`, cheap to clone, holds
/// its model.
///
/// ```no_run
/// use tabllm::{Adapter, AdapterOptions, Model, ModelOptions, SessionOptions};
/// let model = Model::load("examples/demo/model", &ModelOptions::new())?;
/// let adapter = Adapter::load(&model, "examples/demo/adapter-biopsy", &AdapterOptions::new())?;
/// let mut session = model.session(&SessionOptions::new())?;
/// session.set_adapters(&[(&adapter, 1.0)])?;
/// # Ok::<(), tabllm::Error>(())
/// ```
#[derive(Clone)]
pub struct Adapter {
    inner: Arc<Handle>,
    model: Model,
}

impl std::fmt::Debug for Adapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Adapter(r={} alpha={})", self.rank(), self.alpha())
    }
}

impl Adapter {
    /// Loads a PEFT adapter directory for `model`; a mismatch raises
    /// [`Status::AdapterMismatch`] naming the module and both shapes.
    pub fn load(model: &Model, dir: impl AsRef<Path>, options: &AdapterOptions) -> Result<Adapter> {
        let dir = path_cstring(dir.as_ref())?;
        let mut p = MaybeUninit::<sys::tabllm_adapter_params>::zeroed();
        check(unsafe { sys::tabllm_adapter_params_init(p.as_mut_ptr(), size_of::<sys::tabllm_adapter_params>()) })?;
        let mut p = unsafe { p.assume_init() };
        p.flags = options.flags;
        let mut out = ptr::null_mut();
        check(unsafe { sys::tabllm_adapter_load(model.as_ptr() as *mut sys::tabllm_model, dir.as_ptr(), &p, &mut out) })?;
        let h = NonNull::new(out).ok_or_else(|| Error::new(Status::Internal, "no adapter"))?;
        Ok(Adapter { inner: Arc::new(Handle(h)), model: model.clone() })
    }

    pub(crate) fn ptr(&self) -> *mut sys::tabllm_adapter {
        self.inner.0.as_ptr()
    }

    /// The model it was loaded for.
    pub fn model(&self) -> &Model {
        &self.model
    }
    /// adapter_config.json's `r`.
    pub fn rank(&self) -> i32 {
        unsafe { sys::tabllm_adapter_rank(self.ptr()) }
    }
    /// adapter_config.json's `lora_alpha`.
    pub fn alpha(&self) -> f64 {
        unsafe { sys::tabllm_adapter_alpha(self.ptr()) }
    }
    /// `TABLLM_ADAPTER_HAS_*` bits.
    pub fn features(&self) -> u32 {
        unsafe { sys::tabllm_adapter_features(self.ptr()) }
    }
    /// Every module it changes, in model order.
    pub fn targets(&self) -> Result<Vec<AdapterTarget>> {
        let n = unsafe { sys::tabllm_adapter_n_targets(self.ptr()) };
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            // SAFETY: all-zero is a valid value of the struct (numbers, a null pointer).
            let mut info: sys::tabllm_adapter_target_info = unsafe { std::mem::zeroed() };
            info.struct_size = size_of::<sys::tabllm_adapter_target_info>();
            check(unsafe { sys::tabllm_adapter_target(self.ptr(), i, &mut info) })?;
            out.push(AdapterTarget {
                module: unsafe { borrowed_str(info.module) }.unwrap_or("").to_string(),
                layer: info.layer,
                rank: info.rank,
                alpha: info.alpha,
                scaling: info.scaling,
                kind: AdapterTargetKind(info.kind),
            });
        }
        Ok(out)
    }
}

fn arrays(adapters: &[(&Adapter, f32)]) -> (Vec<*mut sys::tabllm_adapter>, Vec<f32>) {
    (adapters.iter().map(|(a, _)| a.ptr()).collect(), adapters.iter().map(|(_, s)| *s).collect())
}

impl Session {
    /// Makes every sequence use these adapters, each with its scale (PEFT's
    /// active adapters); an empty slice returns to the base model. The
    /// session keeps them alive.
    pub fn set_adapters(&mut self, adapters: &[(&Adapter, f32)]) -> Result<()> {
        let (ptrs, scales) = arrays(adapters);
        check(unsafe { sys::tabllm_session_set_adapters(self.as_ptr(), ptrs.as_ptr(), scales.as_ptr(), ptrs.len()) })?;
        self.keep_alive(None, adapters.iter().map(|(a, _)| a.inner.clone() as Arc<dyn std::any::Any + Send + Sync>).collect());
        Ok(())
    }

    /// As [`set_adapters`](Session::set_adapters) for one sequence.
    pub fn set_seq_adapters(&mut self, seq_id: i32, adapters: &[(&Adapter, f32)]) -> Result<()> {
        let (ptrs, scales) = arrays(adapters);
        check(unsafe { sys::tabllm_session_set_seq_adapters(self.as_ptr(), seq_id, ptrs.as_ptr(), scales.as_ptr(), ptrs.len()) })?;
        self.keep_alive(Some(seq_id), adapters.iter().map(|(a, _)| a.inner.clone() as Arc<dyn std::any::Any + Send + Sync>).collect());
        Ok(())
    }

    /// Merges the session's adapters into a private copy of the weights
    /// (faster decoding; the KV cache is cleared as tabllm.h says).
    pub fn merge_adapters(&mut self) -> Result<()> {
        check(unsafe { sys::tabllm_session_merge_adapters(self.as_ptr()) })
    }

    /// Undoes [`merge_adapters`](Session::merge_adapters).
    pub fn unmerge_adapters(&mut self) {
        unsafe { sys::tabllm_session_unmerge_adapters(self.as_ptr()) }
    }

    /// Whether the session's adapters are merged.
    pub fn adapters_merged(&self) -> bool {
        unsafe { sys::tabllm_session_adapters_merged(self.as_ptr()) != 0 }
    }
}
