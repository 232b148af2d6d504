//! Chat templates: a model's Jinja chat template rendered over a
//! conversation, byte for byte as Hugging Face's renderer does.
use std::ffi::CString;
use std::mem::{size_of, MaybeUninit};
use std::os::raw::c_char;
use std::ptr;

use tabllm_sys as sys;

use crate::error::{check, Result};
use crate::util::{cstring, opt_cstring, opt_ptr, take_string};

/// One message of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatMessage<'a> {
    /// "system", "user", "assistant" or "tool".
    pub role: &'a str,
    /// The text; None renders as none.
    pub content: Option<&'a str>,
}

impl<'a> ChatMessage<'a> {
    /// A message with text.
    pub fn new(role: &'a str, content: &'a str) -> ChatMessage<'a> {
        ChatMessage { role, content: Some(content) }
    }
}

/// How a chat template is rendered (`tabllm_chat_params`).
///
/// ```
/// use tabllm::{render_chat, ChatMessage, ChatOptions};
/// let template = "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}\
///                 {% if add_generation_prompt %}<assistant>{% endif %}";
/// let prompt = render_chat(template, &[ChatMessage::new("user", "Hi")],
///                          &ChatOptions::new().add_generation_prompt())?;
/// assert_eq!(prompt, "<user>Hi<assistant>");
/// # Ok::<(), tabllm::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ChatOptions {
    add_generation_prompt: bool,
    bos_token: Option<String>,
    eos_token: Option<String>,
    variables_json: Option<String>,
    now: i64,
    max_loop_iterations: Option<u64>,
    max_output_bytes: Option<usize>,
}

impl ChatOptions {
    /// The defaults: no generation prompt, no special tokens, the current time.
    pub fn new() -> ChatOptions {
        ChatOptions::default()
    }
    /// End with the assistant's turn header.
    pub fn add_generation_prompt(mut self) -> Self {
        self.add_generation_prompt = true;
        self
    }
    /// The template's `bos_token`.
    pub fn bos_token(mut self, token: &str) -> Self {
        self.bos_token = Some(token.to_string());
        self
    }
    /// The template's `eos_token`.
    pub fn eos_token(mut self, token: &str) -> Self {
        self.eos_token = Some(token.to_string());
        self
    }
    /// Extra variables as a JSON object (`{"enable_thinking": false}`).
    pub fn variables_json(mut self, json: &str) -> Self {
        self.variables_json = Some(json.to_string());
        self
    }
    /// The time `strftime_now()` shows, in seconds since the epoch.
    pub fn now(mut self, unix_seconds: i64) -> Self {
        self.now = unix_seconds;
        self
    }
    /// Cap on loop iterations.
    pub fn max_loop_iterations(mut self, n: u64) -> Self {
        self.max_loop_iterations = Some(n);
        self
    }
    /// Cap on the prompt's size in bytes.
    pub fn max_output_bytes(mut self, n: usize) -> Self {
        self.max_output_bytes = Some(n);
        self
    }

    fn to_c(&self) -> Result<(sys::tabllm_chat_params, [Option<CString>; 3])> {
        let mut p = MaybeUninit::<sys::tabllm_chat_params>::zeroed();
        check(unsafe { sys::tabllm_chat_params_init(p.as_mut_ptr(), size_of::<sys::tabllm_chat_params>()) })?;
        let mut p = unsafe { p.assume_init() };
        let strings = [
            opt_cstring(self.bos_token.as_deref(), "bos token")?,
            opt_cstring(self.eos_token.as_deref(), "eos token")?,
            opt_cstring(self.variables_json.as_deref(), "variables")?,
        ];
        if self.add_generation_prompt {
            p.flags |= sys::TABLLM_CHAT_ADD_GENERATION_PROMPT;
        }
        p.bos_token = opt_ptr(&strings[0]);
        p.eos_token = opt_ptr(&strings[1]);
        p.context_json = opt_ptr(&strings[2]);
        p.now = self.now;
        if let Some(n) = self.max_loop_iterations {
            p.max_loop_iterations = n;
        }
        if let Some(n) = self.max_output_bytes {
            p.max_output_bytes = n;
        }
        Ok((p, strings))
    }
}

pub(crate) fn messages_c(messages: &[ChatMessage<'_>]) -> Result<(Vec<CString>, Vec<sys::tabllm_chat_message>)> {
    let mut owned = Vec::with_capacity(2 * messages.len());
    let mut out = Vec::with_capacity(messages.len());
    for m in messages {
        let role = cstring(m.role, "role")?;
        let content = opt_cstring(m.content, "content")?;
        // CString's buffer does not move when the CString does.
        let msg = sys::tabllm_chat_message { role: role.as_ptr(), content: opt_ptr(&content) };
        owned.push(role);
        if let Some(c) = content {
            owned.push(c);
        }
        out.push(msg);
    }
    Ok((owned, out))
}

fn finish(st: sys::tabllm_status, out: *mut c_char, len: usize) -> Result<String> {
    check(st)?;
    Ok(unsafe { take_string(out, len) })
}

/// Renders a Jinja chat template (tokenizer_config.json's `chat_template`)
/// over a conversation.
pub fn render_chat(template: &str, messages: &[ChatMessage<'_>], options: &ChatOptions) -> Result<String> {
    let t = cstring(template, "template")?;
    let (_owned, msgs) = messages_c(messages)?;
    let (p, _strings) = options.to_c()?;
    let (mut out, mut len) = (ptr::null_mut(), 0usize);
    let st = unsafe { sys::tabllm_chat_template_render(t.as_ptr(), msgs.as_ptr(), msgs.len(), &p, &mut out, &mut len) };
    finish(st, out, len)
}

/// As [`render_chat`], with the conversation as a JSON array of message
/// objects carrying any fields the template reads.
pub fn render_chat_json(template: &str, messages_json: &str, options: &ChatOptions) -> Result<String> {
    let t = cstring(template, "template")?;
    let m = cstring(messages_json, "messages")?;
    let (p, _strings) = options.to_c()?;
    let (mut out, mut len) = (ptr::null_mut(), 0usize);
    let st = unsafe { sys::tabllm_chat_template_render_json(t.as_ptr(), m.as_ptr(), &p, &mut out, &mut len) };
    finish(st, out, len)
}
