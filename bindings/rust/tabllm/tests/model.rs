//! Model and Session against the real library (a random tiny Llama).
mod common;
use tabllm::{Batch, Model, ModelOptions, Pooling, SamplerOptions, Session, SessionOptions, Status};

fn model() -> Model {
    let dir = common::temp_dir("model");
    common::write_tiny_llama(&dir);
    Model::load(&dir, &ModelOptions::new()).unwrap()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn properties() {
    let m = model();
    assert_eq!(m.architecture(), "LlamaForCausalLM");
    assert_eq!((m.n_vocab(), m.n_embd(), m.n_layers(), m.n_heads(), m.n_kv_heads(), m.head_dim()), (64, 32, 2, 4, 2, 8));
    assert_eq!((m.n_ctx_train(), m.bos(), m.eos()), (128, Some(1), vec![2, 3]));
    assert!(m.weight_bytes() > 0);
}

#[test]
fn batch_logits_equal_incremental_logits() {
    let m = model();
    let tokens = [1, 5, 6, 7, 9];
    let mut s = m.session(&SessionOptions::new().n_ctx(32)).unwrap();
    s.decode_batch(&Batch::new(&tokens).all_logits()).unwrap();
    let rows: Vec<Vec<f32>> = (0..5).map(|i| s.logits(i).unwrap().to_vec()).collect();
    assert_eq!(s.logits(-1).unwrap(), &rows[4][..]);
    assert_eq!(rows[0].len(), 64);
    let mut s2 = Session::new(&m, &SessionOptions::new().n_ctx(32)).unwrap();
    for (i, t) in tokens.iter().enumerate() {
        s2.decode(&[*t]).unwrap();
        assert!(max_diff(s2.logits(-1).unwrap(), &rows[i]) < 1e-5);
    }
    assert_eq!(s.logits(7).unwrap_err().status(), Status::InvalidArgument);
    let e = s.decode(&[1000]).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
    assert!(e.message().contains("1000"));
    let e = s.decode_batch(&Batch::new(&[1, 2]).positions(&[0])).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
}

#[test]
fn sequences_sampling_embeddings() {
    let m = model();
    let mut s = m.session(&SessionOptions::new().n_ctx(16).n_seq_max(2).keep_hidden().seed(1)).unwrap();
    s.decode_batch(&Batch::new(&[1, 5, 6]).seq_id(0).all_logits()).unwrap();
    let h: Vec<Vec<f32>> = (0..3).map(|i| s.hidden(i).unwrap().to_vec()).collect();
    let mean = s.embed(0, Pooling::MEAN, false).unwrap();
    for j in 0..32 {
        let want = (h[0][j] + h[1][j] + h[2][j]) / 3.0;
        assert!((mean[j] - want).abs() < 1e-5);
    }
    let greedy = s.sample(-1, &SamplerOptions::default(), &[]).unwrap();
    let l = s.logits(-1).unwrap();
    let argmax = (0..l.len()).fold(0, |b, i| if l[i] > l[b] { i } else { b });
    assert_eq!(greedy as usize, argmax);
    let hot = SamplerOptions { temperature: 1.0, top_k: 10, ..SamplerOptions::default() };
    let a: Vec<i32> = (0..20).map(|_| s.sample(-1, &hot, &[]).unwrap()).collect();
    s.set_seed(1);
    let b: Vec<i32> = (0..20).map(|_| s.sample(-1, &hot, &[]).unwrap()).collect();
    assert_eq!(a, b);
    s.seq_copy(0, 1, None).unwrap();
    assert_eq!(s.seq_length(1), 3);
    s.seq_truncate(1, 1).unwrap();
    assert_eq!(s.seq_length(1), 1);
    s.seq_clear(-1).unwrap();
    assert_eq!(s.seq_length(0), 0);
    let e = s.decode(&[1; 17]).unwrap_err();
    assert_eq!(e.status(), Status::ContextFull);
}

#[test]
fn sessions_outlive_dropped_models_and_move_between_threads() {
    fn send<T: Send>() {}
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Model>();
    send::<Session>();
    let m = model();
    let mut s = m.session(&SessionOptions::new().n_ctx(16)).unwrap();
    drop(m); // the session holds the model
    s.decode(&[1, 2]).unwrap();
    let first = s.logits(-1).unwrap().to_vec();
    let h = std::thread::spawn(move || {
        s.seq_clear(-1).unwrap();
        s.decode(&[1, 2]).unwrap();
        s.logits(-1).unwrap().to_vec()
    });
    assert_eq!(h.join().unwrap(), first);
    let m = model();
    let hs: Vec<_> = (0..3)
        .map(|i| {
            let m = m.clone();
            std::thread::spawn(move || {
                let mut s = m.session(&SessionOptions::new().n_ctx(16)).unwrap();
                s.decode(&[1, i + 2]).unwrap();
                s.logits(-1).unwrap().to_vec()
            })
        })
        .collect();
    for (i, h) in hs.into_iter().enumerate() {
        let mut s = m.session(&SessionOptions::new().n_ctx(16)).unwrap();
        s.decode(&[1, i as i32 + 2]).unwrap();
        assert!(max_diff(&h.join().unwrap(), s.logits(-1).unwrap()) < 1e-6);
    }
}
