//! Fixtures for the integration tests: a small byte-level BPE tokenizer.json
//! and a random tiny Llama directory, written without any dependency (the
//! same shapes as bindings/python/tests/tinytok.py and tinymodel.py).
#![allow(dead_code)]
use std::fs;
use std::path::{Path, PathBuf};

pub mod json;
use json::Json;

/// examples/demo: the demo model, its adapter, the biopsy table and
/// PyTorch's numbers for them (expected.json).
pub fn demo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../examples/demo")
}

/// examples/demo/expected.json, parsed.
pub fn demo_expected() -> Json {
    Json::parse(&fs::read_to_string(demo_dir().join("expected.json")).unwrap())
}

/// expected.json's `field` ("logprob_sum", "prob", ...) of `key` ("base",
/// "base+adapter", ...) for `row`, per label in the file's label order.
pub fn demo_want(e: &Json, key: &str, field: &str, row: usize) -> Vec<f64> {
    let r = &e["rows"][row];
    assert_eq!(r["row"].f64() as usize, row);
    e["labels"].arr().iter().map(|l| r[key][field][l.str()].f64()).collect()
}

/// The labels of expected.json.
pub fn demo_labels(e: &Json) -> Vec<String> {
    e["labels"].arr().iter().map(|l| l.str().to_string()).collect()
}

pub const BOS: i32 = 259;
pub const EOS: i32 = 260;

/// GPT-2's byte-to-character alphabet.
pub fn byte_alphabet() -> Vec<char> {
    let mut bs: Vec<u32> = (b'!' as u32..=b'~' as u32).chain(0xA1..=0xAC).chain(0xAE..=0xFF).collect();
    let mut cs = bs.clone();
    let mut n = 0;
    for b in 0..256u32 {
        if !bs.contains(&b) {
            bs.push(b);
            cs.push(256 + n);
            n += 1;
        }
    }
    let mut out = vec!['\0'; 256];
    for (b, c) in bs.iter().zip(cs.iter()) {
        out[*b as usize] = char::from_u32(*c).unwrap();
    }
    out
}

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

pub fn tokenizer_json() -> String {
    let alpha = byte_alphabet();
    let mut vocab: Vec<String> = (0..256).map(|b| format!("{}: {}", json_str(&alpha[b].to_string()), b)).collect();
    let merges = [("Ġ", "t"), ("h", "e"), ("Ġt", "he")];
    for (i, (a, b)) in merges.iter().enumerate() {
        vocab.push(format!("{}: {}", json_str(&format!("{}{}", a, b)), 256 + i));
    }
    let merges_json: Vec<String> = merges.iter().map(|(a, b)| json_str(&format!("{} {}", a, b))).collect();
    let added: Vec<String> = [(BOS, "<s>"), (EOS, "</s>")]
        .iter()
        .map(|(id, c)| {
            format!(
                "{{\"id\": {}, \"content\": {}, \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}}",
                id,
                json_str(c)
            )
        })
        .collect();
    let bl = "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": true}";
    format!(
        "{{\"version\": \"1.0\", \"truncation\": null, \"padding\": null, \"added_tokens\": [{}], \"normalizer\": null, \
         \"pre_tokenizer\": {bl}, \"post_processor\": {{\"type\": \"TemplateProcessing\", \
         \"single\": [{{\"SpecialToken\": {{\"id\": \"<s>\", \"type_id\": 0}}}}, {{\"Sequence\": {{\"id\": \"A\", \"type_id\": 0}}}}], \
         \"pair\": [{{\"SpecialToken\": {{\"id\": \"<s>\", \"type_id\": 0}}}}, {{\"Sequence\": {{\"id\": \"A\", \"type_id\": 0}}}}, {{\"Sequence\": {{\"id\": \"B\", \"type_id\": 1}}}}], \
         \"special_tokens\": {{\"<s>\": {{\"id\": \"<s>\", \"ids\": [{BOS}], \"tokens\": [\"<s>\"]}}}}}}, \
         \"decoder\": {bl}, \"model\": {{\"type\": \"BPE\", \"dropout\": null, \"unk_token\": null, \
         \"continuing_subword_prefix\": null, \"end_of_word_suffix\": null, \"fuse_unk\": false, \"byte_fallback\": false, \
         \"ignore_merges\": false, \"vocab\": {{{}}}, \"merges\": [{}]}}}}",
        added.join(", "),
        vocab.join(", "),
        merges_json.join(", "),
        bl = bl,
        BOS = BOS
    )
}

/// A fresh directory under the test target dir.
/// A fresh directory for one test. Unique per call: tests run on parallel
/// threads, and one rewriting a file another has mapped would pull the
/// pages from under it (SIGBUS).
pub fn temp_dir(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{}-{}-{}", name, std::process::id(), n));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

pub fn write_tokenizer(dir: &Path) -> PathBuf {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("tokenizer.json"), tokenizer_json()).unwrap();
    fs::write(dir.join("tokenizer_config.json"), "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"add_bos_token\": true}").unwrap();
    dir.join("tokenizer.json")
}

/// A deterministic generator of small weights (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545F4914F6CDD1D);
        ((x >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.4
    }
}

/// config.json + model.safetensors (F32) of a 2-layer Llama: vocab 64,
/// hidden 32, 4 heads, 2 KV heads, FFN 64, 128 positions.
pub fn write_tiny_llama(dir: &Path) -> PathBuf {
    let (v, h, l, nh, nkv, ff) = (64usize, 32usize, 2usize, 4usize, 2usize, 64usize);
    let hd = h / nh;
    let mut rng = Rng(0x9E3779B97F4A7C15);
    let mut tensors: Vec<(String, Vec<usize>)> = vec![
        ("model.embed_tokens.weight".into(), vec![v, h]),
        ("model.norm.weight".into(), vec![h]),
        ("lm_head.weight".into(), vec![v, h]),
    ];
    for i in 0..l {
        let p = format!("model.layers.{}.", i);
        for (n, s) in [
            ("input_layernorm.weight", vec![h]),
            ("post_attention_layernorm.weight", vec![h]),
            ("self_attn.q_proj.weight", vec![nh * hd, h]),
            ("self_attn.k_proj.weight", vec![nkv * hd, h]),
            ("self_attn.v_proj.weight", vec![nkv * hd, h]),
            ("self_attn.o_proj.weight", vec![h, nh * hd]),
            ("mlp.gate_proj.weight", vec![ff, h]),
            ("mlp.up_proj.weight", vec![ff, h]),
            ("mlp.down_proj.weight", vec![h, ff]),
        ] {
            tensors.push((format!("{}{}", p, n), s));
        }
    }
    let mut header = Vec::new();
    let mut data: Vec<u8> = Vec::new();
    for (name, shape) in &tensors {
        let n: usize = shape.iter().product();
        let start = data.len();
        for _ in 0..n {
            let w = if name.ends_with("norm.weight") { 1.0 + rng.next() * 0.1 } else { rng.next() };
            data.extend_from_slice(&w.to_le_bytes());
        }
        let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        header.push(format!("{}: {{\"dtype\": \"F32\", \"shape\": [{}], \"data_offsets\": [{}, {}]}}", json_str(name), dims.join(", "), start, data.len()));
    }
    let mut hjson = format!("{{{}}}", header.join(", ")).into_bytes();
    while hjson.len() % 8 != 0 {
        hjson.push(b' ');
    }
    let mut file = (hjson.len() as u64).to_le_bytes().to_vec();
    file.extend_from_slice(&hjson);
    file.extend_from_slice(&data);
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("model.safetensors"), file).unwrap();
    let cfg = format!(
        "{{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\", \"vocab_size\": {}, \"hidden_size\": {}, \
         \"intermediate_size\": {}, \"num_hidden_layers\": {}, \"num_attention_heads\": {}, \"num_key_value_heads\": {}, \
         \"max_position_embeddings\": 128, \"rms_norm_eps\": 1e-5, \"rope_theta\": 10000.0, \"hidden_act\": \"silu\", \
         \"tie_word_embeddings\": false, \"bos_token_id\": 1, \"eos_token_id\": [2, 3], \"torch_dtype\": \"float32\"}}",
        v, h, ff, l, nh, nkv
    );
    fs::write(dir.join("config.json"), cfg).unwrap();
    dir.to_path_buf()
}
