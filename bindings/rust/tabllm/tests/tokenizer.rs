//! Tokenizer and DecodeStream against the real library (a hand-made BPE).
mod common;
use common::{BOS, EOS};
use tabllm::{EncodeOptions, Encoding, SpecialToken, Status, Table, Tokenizer};

fn tok() -> Tokenizer {
    let dir = common::temp_dir("tok");
    common::write_tokenizer(&dir);
    Tokenizer::load(&dir).unwrap()
}

#[test]
fn encode_decode() {
    let t = tok();
    assert_eq!(t.encode("the the", false).unwrap(), vec![b't' as i32, 257, 258]);
    assert_eq!(t.encode("the the", true).unwrap(), vec![BOS, b't' as i32, 257, 258]);
    assert_eq!(t.encode("<s>x", false).unwrap(), vec![BOS, b'x' as i32]);
    assert_eq!(t.encode_flags("<s>x", tabllm::tokenize_flags::SPECIAL_AS_TEXT).unwrap(), vec![60, 115, 62, 120]);
    let (ids, offs) = t.encode_with_offsets("é the", 0).unwrap();
    assert_eq!(ids, vec![0xC3, 0xA9, 258]);
    assert_eq!(offs, vec![(0, 2), (0, 2), (2, 6)]);
    let ids = t.encode("héllo the world", true).unwrap();
    assert_eq!(t.decode(&ids, false).unwrap(), "<s>héllo the world");
    assert_eq!(t.decode(&ids, true).unwrap(), "héllo the world");
    assert_eq!(t.encode_pair("the", " the", tabllm::tokenize_flags::ADD_SPECIAL).unwrap(), vec![BOS, b't' as i32, 257, 258]);
    let texts = ["the the", "é", "", "xxxxxxxxxx"];
    let batch = t.encode_batch(&texts, 0, 2).unwrap();
    for (b, s) in batch.iter().zip(texts.iter()) {
        assert_eq!(b, &t.encode(s, false).unwrap());
    }
    assert_eq!(t.count_tokens("the the the").unwrap(), 4);
}

#[test]
fn stream_vocabulary_errors() {
    let t = tok();
    let mut s = t.decode_stream(false).unwrap();
    let pieces: Vec<String> = t.encode("aé b", false).unwrap().iter().map(|&i| s.step(i).unwrap()).collect();
    assert_eq!(pieces, ["a", "", "é", " ", "b"]);
    drop(t); // the stream holds the tokenizer
    assert_eq!(s.step(b'z' as i32).unwrap(), "z");
    let t = Tokenizer::from_json(&common::tokenizer_json()).unwrap();
    assert_eq!(t.vocab_size(), 261);
    assert_eq!(t.id_to_token(258), Some("Ġthe"));
    assert_eq!(t.id_to_token(100000), None);
    assert_eq!(t.token_to_id("Ġthe").unwrap(), 258);
    assert_eq!(t.token_to_id("nope nope").unwrap_err().status(), Status::NotFound);
    assert_eq!(t.special_id(SpecialToken::PAD), None);
    assert!(t.is_special(BOS) && !t.is_special(258));
    let e = t.decode(&[99999], false).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
    assert!(e.message().contains("99999"));
    assert_eq!(Tokenizer::from_json("{\"model\": ").unwrap_err().status(), Status::Format);
    let dir = common::temp_dir("tok-specials");
    common::write_tokenizer(&dir);
    let t = Tokenizer::load(&dir).unwrap();
    assert_eq!((t.special_id(SpecialToken::BOS), t.special_id(SpecialToken::EOS)), (Some(BOS), Some(EOS)));
}

#[test]
fn token_budget_and_threads() {
    let t = tok();
    let mut table = Table::new(&["word"]).unwrap();
    for _ in 0..40 {
        table.append_row(&[Some("the")]).unwrap();
    }
    let text = table.encode(&EncodeOptions::new(Encoding::CSV).token_budget_tokenizer(30, &t)).unwrap();
    assert!(t.count_tokens(&text).unwrap() <= 30 && text.starts_with("word\n"));
    let count = |s: &str| t.count_tokens(s).unwrap();
    assert_eq!(text, table.encode(&EncodeOptions::new(Encoding::CSV).token_budget(30, &count)).unwrap());
    let want = t.encode("the quick brown fox", false).unwrap();
    let hs: Vec<_> = (0..4).map(|_| { let t = t.clone(); std::thread::spawn(move || t.encode("the quick brown fox", false).unwrap()) }).collect();
    for h in hs {
        assert_eq!(h.join().unwrap(), want);
    }
}

#[test]
fn the_tokenizers_own_chat_template() {
    let dir = common::temp_dir("tok-chat");
    common::write_tokenizer(&dir);
    let cfg = "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"chat_template\": \"{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}\"}";
    std::fs::write(dir.join("tokenizer_config.json"), cfg).unwrap();
    let t = Tokenizer::load(&dir).unwrap();
    let out = t.apply_chat_template(&[tabllm::ChatMessage::new("user", "Hi")], true).unwrap();
    assert_eq!(out, "<s><user>Hi<assistant>");
    let plain = tok();
    assert_eq!(plain.apply_chat_template(&[tabllm::ChatMessage::new("user", "Hi")], false).unwrap_err().status(), Status::NotFound);
}
