//! Tasks through the safe crate, on the demo model (examples/demo): predict
//! against PyTorch's numbers in expected.json (zero- and few-shot),
//! generate with its stop conditions and callback, answer.
mod common;
use common::{demo_dir, demo_expected, demo_labels, demo_want};
use tabllm::*;

const ROWS: [usize; 6] = [0, 1, 2, 3, 4, 5];

fn setup() -> (Model, Tokenizer, Table) {
    let m = Model::load(demo_dir().join("model"), &ModelOptions::new()).unwrap();
    let t = Tokenizer::load(demo_dir().join("model")).unwrap();
    let table = Table::load(demo_dir().join("data/biopsy-test.csv"), &ReadOptions::new()).unwrap();
    (m, t, table)
}

fn assert_close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{}", what);
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol, "{} [{}]: {} vs {} (tolerance {})", what, i, g, w, tol);
    }
}

#[test]
fn predict_matches_pytorch() {
    let (m, tok, table) = setup();
    let e = demo_expected();
    let labels = demo_labels(&e);
    let r = predict(&m, &tok, &table, &PredictOptions::new("class").labels(&labels).rows(&ROWS).n_threads(2)).unwrap();
    assert_eq!((r.n_rows(), r.labels()), (ROWS.len(), vec!["benign", "malignant"]));
    let (lp, probs, probs_mean) = (r.logprobs(Scoring::SUM).unwrap(), r.probs(Scoring::SUM).unwrap(), r.probs(Scoring::MEAN).unwrap());
    let mut truth = Vec::new();
    for (k, &row) in ROWS.iter().enumerate() {
        assert_close(&lp[k * 2..k * 2 + 2], &demo_want(&e, "base", "logprob_sum", row), 1e-4, &format!("row {} logprob", row));
        assert_close(&probs[k * 2..k * 2 + 2], &demo_want(&e, "base", "prob", row), 1e-4, &format!("row {} prob", row));
        assert_close(&probs_mean[k * 2..k * 2 + 2], &demo_want(&e, "base", "prob_length_normalised", row), 1e-4, &format!("row {} mean", row));
        assert_eq!(r.predicted(Scoring::SUM)[k], e["rows"][row]["base"]["predicted"].str());
        assert_eq!(r.table_row(k), Some(row));
        truth.push(labels.iter().position(|l| l == e["rows"][row]["true"].str()).unwrap() as i32);
    }
    assert_eq!(r.truth().unwrap(), &truth[..]);
    let hits = r.argmax(Scoring::SUM).unwrap().iter().zip(&truth).filter(|(a, t)| a == t).count();
    assert_eq!(r.accuracy(Scoring::SUM), Some(hits as f64 / ROWS.len() as f64));
    let want_tokens: Vec<u32> = labels.iter().map(|l| e["tokens"]["label_ids"][l.as_str()].arr().len() as u32).collect();
    assert_eq!(r.label_tokens(), &want_tokens[..]);
    assert!(r.embeddings().is_none());
    assert_eq!(r.table_row(ROWS.len()), None);
    let err = predict(&m, &tok, &table, &PredictOptions::new("nope").rows(&[0])).unwrap_err();
    assert_eq!(err.status(), Status::NotFound);
    assert!(err.message().contains("nope"), "{}", err.message());
    let err = predict(&m, &tok, &table, &PredictOptions::new("class").labels(&["benign", "benign"]).rows(&[0])).unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
}

#[test]
fn few_shot_matches_pytorch() {
    let (m, tok, table) = setup();
    let e = demo_expected();
    let support = Table::load(demo_dir().join(e["few_shot"]["support_table"].str()), &ReadOptions::new()).unwrap();
    let shots: Vec<usize> = e["few_shot"]["support_rows"].arr().iter().map(|v| v.f64() as usize).collect();
    let r = predict(
        &m,
        &tok,
        &table,
        &PredictOptions::new("class").labels(&demo_labels(&e)).rows(&ROWS[..3]).few_shot(&support, 0, ShotSelection::RANDOM, 0).shot_rows(&shots),
    )
    .unwrap();
    let lp = r.logprobs(Scoring::SUM).unwrap();
    for (k, &row) in ROWS[..3].iter().enumerate() {
        assert_close(&lp[k * 2..k * 2 + 2], &demo_want(&e, "base_4shot", "logprob_sum", row), 1e-4, &format!("row {}", row));
    }
}

#[test]
fn naive_embeddings_and_cancel() {
    let (m, tok, table) = setup();
    let fast = predict(&m, &tok, &table, &PredictOptions::new("class").rows(&[0, 1]).flags(sys::TABLLM_PREDICT_EMBEDDINGS | sys::TABLLM_PREDICT_NORMALIZE)).unwrap();
    let slow = predict(&m, &tok, &table, &PredictOptions::new("class").rows(&[0, 1]).flags(sys::TABLLM_PREDICT_NAIVE)).unwrap();
    assert_close(fast.logprobs(Scoring::SUM).unwrap(), slow.logprobs(Scoring::SUM).unwrap(), 1e-5, "naive");
    let (emb, dim) = fast.embeddings().unwrap();
    assert_eq!((emb.len(), dim), (2 * m.n_embd(), m.n_embd()));
    for row in emb.chunks(dim) {
        let norm: f32 = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "{}", norm);
    }
    assert!(slow.embeddings().is_none());
}

fn prompt_ids(tok: &Tokenizer, row: usize) -> Vec<Token> {
    tok.encode(demo_expected()["rows"][row]["prompt"].str(), true).unwrap()
}

#[test]
fn generate_stops_and_callbacks() {
    let (m, tok, _) = setup();
    let e = demo_expected();
    let ids = prompt_ids(&tok, 0);
    assert_eq!(ids.iter().map(|&t| t as f64).collect::<Vec<_>>(), e["tokens"]["prompt_ids"].arr().iter().map(|v| v.f64()).collect::<Vec<_>>());
    let end = tok.token_to_id("<|endcompletion|>").unwrap();
    let mut s = m.session(&SessionOptions::new().n_ctx(512)).unwrap();
    // Greedy generation is the label PyTorch scores highest, then the end token.
    let g = s.generate(&tok, &ids, GenerateOptions::new().max_tokens(8)).unwrap();
    assert_eq!(g.text, e["rows"][0]["base"]["predicted"].str());
    assert_eq!((g.stop_reason, g.stop_token, g.n_prompt as usize), (StopReason::TOKEN, Some(end), ids.len()));
    assert_eq!(s.seq_length(0) as usize, ids.len() + g.n_tokens as usize);
    s.seq_clear(-1).unwrap();
    let g2 = s.generate(&tok, &ids, GenerateOptions::new().max_tokens(8).stop_strings(&["nign"])).unwrap();
    assert_eq!((g2.text.as_str(), g2.stop_reason), ("be", StopReason::STRING));
    s.seq_clear(-1).unwrap();
    let g3 = s.generate(&tok, &ids, GenerateOptions::new().max_tokens(2).no_default_stop()).unwrap();
    assert_eq!((g3.n_tokens, g3.stop_reason), (2, StopReason::MAX_TOKENS));
    s.seq_clear(-1).unwrap();
    let mut seen = Vec::new();
    let mut stop_after_one = |t: Token, _: &str| {
        seen.push(t);
        false
    };
    let err = s.generate(&tok, &ids, GenerateOptions::new().on_token(&mut stop_after_one)).unwrap_err();
    assert_eq!(err.status(), Status::Cancelled);
    assert_eq!(seen.len(), 1);
    // A callback that panics: the panic comes back out of generate.
    s.seq_clear(-1).unwrap();
    let mut boom = |_: Token, _: &str| -> bool { panic!("from the callback") };
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = s.generate(&tok, &ids, GenerateOptions::new().on_token(&mut boom));
    }));
    let msg = caught.unwrap_err();
    assert_eq!(msg.downcast_ref::<&str>(), Some(&"from the callback"));
}

#[test]
fn answer_streams_and_fails_cleanly() {
    let (m, tok, _) = setup();
    let cities = Table::load(demo_dir().join("../data/cities.csv"), &ReadOptions::new()).unwrap();
    let mut pieces = String::new();
    let mut n = 0;
    let mut collect = |_: Token, text: &str| {
        pieces.push_str(text);
        n += 1;
        true
    };
    let a = answer(&m, &tok, &cities, "What is the population of Cairo?", AnswerOptions::new().max_tokens(4).on_token(&mut collect)).unwrap();
    assert!(n >= 1 && n <= 5, "{} tokens", n);
    assert_eq!(a, pieces.trim());
    let long = "What is the population of Cairo? ".repeat(20);
    let err = answer(&m, &tok, &cities, &long, AnswerOptions::new().n_ctx(32)).unwrap_err();
    assert_eq!(err.status(), Status::ContextFull);
}
