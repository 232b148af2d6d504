//! PEFT LoRA adapters through the safe crate, against PyTorch: the demo
//! model with examples/demo/adapter-biopsy, whose per-row numbers PyTorch
//! computed in expected.json ("base+adapter"), through Session::set_adapters
//! and through predict's options; adapters that do not fit are refused with
//! the right Status.
mod common;
use common::{demo_dir, demo_expected, demo_labels, demo_want};
use tabllm::*;

const ROWS: [usize; 6] = [0, 1, 2, 3, 4, 5];

fn setup() -> (Model, Tokenizer, Table, Adapter) {
    let m = Model::load(demo_dir().join("model"), &ModelOptions::new()).unwrap();
    let t = Tokenizer::load(demo_dir().join("model")).unwrap();
    let table = Table::load(demo_dir().join("data/biopsy-test.csv"), &ReadOptions::new()).unwrap();
    let a = Adapter::load(&m, demo_dir().join("adapter-biopsy"), &AdapterOptions::new().check_finite()).unwrap();
    (m, t, table, a)
}

fn assert_close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{}", what);
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol, "{} [{}]: {} vs {} (tolerance {})", what, i, g, w, tol);
    }
}

fn log_softmax(x: &[f32]) -> Vec<f64> {
    let m = x.iter().cloned().fold(f32::NEG_INFINITY, f32::max) as f64;
    let z: f64 = x.iter().map(|&v| (v as f64 - m).exp()).sum::<f64>().ln();
    x.iter().map(|&v| v as f64 - m - z).collect()
}

/// Sum of log p(label tokens | prompt) per label: the prompt decoded once
/// on sequence 0, forked onto sequence 1 for each label.
fn label_logprobs(s: &mut Session, prompt: &[Token], labels: &[Vec<Token>]) -> Vec<f64> {
    s.seq_clear(-1).unwrap();
    s.decode(prompt).unwrap();
    let first = log_softmax(s.logits(-1).unwrap());
    let mut out = Vec::new();
    for ids in labels {
        s.seq_clear(1).unwrap();
        s.seq_copy(0, 1, None).unwrap();
        let mut total = first[ids[0] as usize];
        if ids.len() > 1 {
            s.decode_batch(&Batch::new(&ids[..ids.len() - 1]).seq_id(1).all_logits()).unwrap();
            for k in 1..ids.len() {
                total += log_softmax(s.logits(k as i32 - 1).unwrap())[ids[k] as usize];
            }
        }
        out.push(total);
    }
    out
}

#[test]
fn load_describes_the_config() {
    let (m, _, _, a) = setup();
    let cfg = common::json::Json::parse(&std::fs::read_to_string(demo_dir().join("adapter-biopsy/adapter_config.json")).unwrap());
    let (r, alpha) = (cfg["r"].f64(), cfg["lora_alpha"].f64());
    assert_eq!((a.rank() as f64, a.alpha()), (r, alpha));
    assert_eq!(a.features(), 0); // plain LoRA
    let targets = a.targets().unwrap();
    let modules: Vec<&str> = cfg["target_modules"].arr().iter().map(|v| v.str()).collect();
    assert_eq!(targets.len(), m.n_layers() * modules.len());
    for t in &targets {
        assert!(modules.contains(&t.module.rsplit('.').next().unwrap()), "{}", t.module);
        assert!(t.layer >= 0 && (t.layer as usize) < m.n_layers());
        assert_eq!((t.kind, t.rank as f64, t.scaling), (AdapterTargetKind::LORA, r, alpha / r));
    }
    assert!(targets.windows(2).all(|w| w[0].layer <= w[1].layer));
    assert_eq!(a.model().as_ptr(), m.as_ptr());
}

#[test]
fn session_adapters_match_pytorch() {
    let (m, tok, _, a) = setup();
    let e = demo_expected();
    let labels: Vec<Vec<Token>> = demo_labels(&e).iter().map(|l| e["tokens"]["label_ids"][l.as_str()].arr().iter().map(|v| v.f64() as Token).collect()).collect();
    let mut s = m.session(&SessionOptions::new().n_ctx(512).n_seq_max(2)).unwrap();
    for (key, with) in [("base+adapter", true), ("base", false), ("base+adapter", true)] {
        if with {
            s.set_adapters(&[(&a, 1.0)]).unwrap();
        } else {
            s.set_adapters(&[]).unwrap();
        }
        for &row in &ROWS[..3] {
            let prompt = tok.encode(e["rows"][row]["prompt"].str(), true).unwrap();
            let got = label_logprobs(&mut s, &prompt, &labels);
            assert_close(&got, &demo_want(&e, key, "logprob_sum", row), 1e-3, &format!("{} row {}", key, row));
        }
    }
    // Merged: the same numbers to float rounding of the merged weights.
    s.merge_adapters().unwrap();
    assert!(s.adapters_merged());
    let prompt = tok.encode(e["rows"][0]["prompt"].str(), true).unwrap();
    assert_close(&label_logprobs(&mut s, &prompt, &labels), &demo_want(&e, "base+adapter", "logprob_sum", 0), 2e-2, "merged");
    assert_eq!(s.set_adapters(&[]).unwrap_err().status(), Status::InvalidArgument); // unmerge first
    s.unmerge_adapters();
    assert!(!s.adapters_merged());
    // The session keeps the adapter alive after the caller's handle is gone.
    drop(a);
    assert_close(&label_logprobs(&mut s, &prompt, &labels), &demo_want(&e, "base+adapter", "logprob_sum", 0), 1e-3, "after drop");
}

#[test]
fn predict_with_adapter_matches_pytorch() {
    let (m, tok, table, a) = setup();
    let e = demo_expected();
    let opts = || PredictOptions::new("class").labels(&demo_labels(&e)).rows(&ROWS);
    let r = predict(&m, &tok, &table, &opts().adapters(&[(&a, 1.0)])).unwrap();
    let merged = predict(&m, &tok, &table, &opts().adapters(&[(&a, 1.0)]).merge_adapters()).unwrap();
    let zero = predict(&m, &tok, &table, &opts().adapters(&[(&a, 0.0)])).unwrap();
    let (p, pm, pz) = (r.probs(Scoring::SUM).unwrap(), merged.probs(Scoring::SUM).unwrap(), zero.probs(Scoring::SUM).unwrap());
    let mean = r.probs(Scoring::MEAN).unwrap();
    for (k, &row) in ROWS.iter().enumerate() {
        let want = demo_want(&e, "base+adapter", "prob", row);
        assert_close(&p[k * 2..k * 2 + 2], &want, 1e-3, &format!("row {}", row));
        assert_close(&pm[k * 2..k * 2 + 2], &want, 2e-2, &format!("merged row {}", row));
        assert_close(&mean[k * 2..k * 2 + 2], &demo_want(&e, "base+adapter", "prob_length_normalised", row), 1e-3, &format!("mean row {}", row));
        // A scale of 0 is the base model.
        assert_close(&pz[k * 2..k * 2 + 2], &demo_want(&e, "base", "prob", row), 1e-3, &format!("scale 0 row {}", row));
        assert_eq!(r.predicted(Scoring::SUM)[k], e["rows"][row]["base+adapter"]["predicted"].str());
    }
}

#[test]
fn adapter_errors() {
    let (m, tok, table, a) = setup();
    // Built for another model: a 2-layer Llama of hidden size 32.
    let dir = common::temp_dir("tiny-for-adapter");
    common::write_tiny_llama(&dir);
    let tiny = Model::load(&dir, &ModelOptions::new()).unwrap();
    let err = Adapter::load(&tiny, demo_dir().join("adapter-biopsy"), &AdapterOptions::new()).unwrap_err();
    assert_eq!(err.status(), Status::AdapterMismatch);
    assert!(err.message().contains("model.layers."), "{}", err.message());
    let err = Adapter::load(&m, dir.join("no-such-adapter"), &AdapterOptions::new()).unwrap_err();
    assert_eq!(err.status(), Status::NotFound);
    // The same files loaded as a second model: the adapter is not its own.
    let other = Model::load(demo_dir().join("model"), &ModelOptions::new()).unwrap();
    let mut s = other.session(&SessionOptions::new().n_ctx(64)).unwrap();
    assert_eq!(s.set_adapters(&[(&a, 1.0)]).unwrap_err().status(), Status::InvalidArgument);
    let err = predict(&other, &tok, &table, &PredictOptions::new("class").rows(&[0]).adapters(&[(&a, 1.0)])).unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
    for bad in [vec![(&a, 1.0f32), (&a, 1.0)], vec![(&a, f32::NAN)]] {
        let err = predict(&m, &tok, &table, &PredictOptions::new("class").rows(&[0]).adapters(&bad)).unwrap_err();
        assert_eq!(err.status(), Status::InvalidArgument, "{:?}", bad);
    }
}

#[test]
fn answer_takes_adapters() {
    // The demo model answers every QA prompt with <|endcompletion|> (it was
    // trained on row prompts only), adapter or not: this checks the options
    // reach the library.
    let (m, tok, _, a) = setup();
    let cities = Table::load(demo_dir().join("../data/cities.csv"), &ReadOptions::new()).unwrap();
    let q = "Which city has the largest population?";
    let base = answer(&m, &tok, &cities, q, AnswerOptions::new().max_tokens(4)).unwrap();
    assert_eq!(answer(&m, &tok, &cities, q, AnswerOptions::new().max_tokens(4).adapters(&[(&a, 0.0)])).unwrap(), base);
    let tuned = answer(&m, &tok, &cities, q, AnswerOptions::new().max_tokens(4).adapters(&[(&a, 1.0)])).unwrap();
    assert_eq!(answer(&m, &tok, &cities, q, AnswerOptions::new().max_tokens(4).adapters(&[(&a, 1.0)]).merge_adapters()).unwrap(), tuned);
    let err = answer(&m, &tok, &cities, q, AnswerOptions::new().max_tokens(2).adapters(&[(&a, f32::INFINITY)])).unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
    let other = Model::load(demo_dir().join("model"), &ModelOptions::new()).unwrap();
    let err = answer(&other, &tok, &cities, q, AnswerOptions::new().max_tokens(2).adapters(&[(&a, 1.0)])).unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
}
