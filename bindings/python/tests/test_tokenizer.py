"""Tokenizer and DecodeStream through the binding (ids: a hand-made BPE)."""
import threading

import pytest

import tabllm
import tinytok
from tinytok import BOS, BYTE, EOS


@pytest.fixture
def tok(tmp_path):
    tinytok.write(tmp_path)
    with tabllm.Tokenizer.load(tmp_path) as t:
        yield t


def byte_ids(s: str):
    return list(s.encode("utf-8"))


def test_encode_applies_the_merges(tok):
    # "the the": "the" has no leading space (t, he); " the" merges fully (Ġthe).
    assert tok.encode("the the") == [ord("t"), 257, 258]
    assert tok.encode("the the", add_special=True) == [BOS, ord("t"), 257, 258]
    assert tok.encode("é") == byte_ids("é")
    assert tok.encode("") == []
    assert tok.encode("<s>x") == [BOS, ord("x")]
    assert tok.encode("<s>x", special_as_text=True) == byte_ids("<s>x")


def test_offsets_are_characters(tok):
    ids, offs = tok.encode("é the", offsets=True)
    assert ids == byte_ids("é") + [258]
    assert offs == [(0, 1), (0, 1), (1, 5)]
    ids, offs = tok.encode("the", add_special=True, offsets=True)
    assert offs[0] == (0, 0) and offs[1:] == [(0, 1), (1, 3)]


def test_pair_batch_count(tok):
    assert tok.encode_pair("the", " the", add_special=True) == [BOS, ord("t"), 257, 258]
    texts = ["the the", "é", "", "x" * 1000]
    assert tok.encode_batch(texts, n_threads=2) == [tok.encode(t) for t in texts]
    assert tok.count_tokens("the the the") == 4  # t, he, Ġthe, Ġthe
    assert tok.count_tokens("") == 0


def test_decode_and_stream(tok):
    ids = tok.encode("héllo the world", add_special=True)
    assert tok.decode(ids) == "<s>héllo the world"
    assert tok.decode(ids, skip_special=True) == "héllo the world"
    big = tok.encode("ü" * 3000)
    assert tok.decode(big) == "ü" * 3000
    with tok.decode_stream() as s:
        pieces = [s.step(i) for i in tok.encode("aé b")]
    assert pieces == ["a", "", "é", " ", "b"]  # é is two bytes; " b" two tokens


def test_vocabulary(tok):
    assert tok.vocab_size == len(tok) == 261
    assert tok.id_to_token(258) == "Ġthe" and tok.id_to_token(10**6) is None
    assert tok.token_to_id("Ġthe") == 258
    assert tok.id_to_token(ord(" ")) == BYTE[ord(" ")]
    assert (tok.bos_id, tok.eos_id, tok.pad_id) == (BOS, EOS, None)
    assert tok.is_special(BOS) and not tok.is_special(258)


def test_errors(tok, tmp_path):
    with pytest.raises(tabllm.NotFound):
        tok.token_to_id("no such token")
    with pytest.raises(tabllm.InvalidArgument) as ei:
        tok.decode([99999])
    assert "99999" in ei.value.message
    with pytest.raises(tabllm.IOFailure):
        tabllm.Tokenizer.load(tmp_path / "missing" / "tokenizer.json")
    with pytest.raises(tabllm.FormatError) as ei:
        tabllm.Tokenizer.from_json('{"model": ')
    assert ":1:" in ei.value.message
    with pytest.raises(tabllm.LimitExceeded):
        tabllm.Tokenizer.from_json(tinytok.tokenizer_json(), max_file_bytes=100)


def test_from_json_and_token_budget(tok):
    t2 = tabllm.Tokenizer.from_json(tinytok.tokenizer_json())
    assert t2.encode("the the") == tok.encode("the the")
    table = tabllm.Table.from_rows(["word"], [["the"]] * 40)
    text = table.encode("csv", max_tokens=30, count_tokens=tok)
    assert tok.count_tokens(text) <= 30 and text.startswith("word\n")
    assert text == table.encode("csv", max_tokens=30, count_tokens=tok.count_tokens)


def test_a_stream_keeps_its_tokenizer(tmp_path):
    tinytok.write(tmp_path)
    before = tabllm.live_handles().get("Tokenizer", 0)
    t = tabllm.Tokenizer.load(tmp_path)
    s = t.decode_stream()
    t.close()                      # deferred: the stream still needs it
    assert s.step(ord("a")) == "a"
    assert tabllm.live_handles()["Tokenizer"] == before + 1
    s.close()
    assert tabllm.live_handles().get("Tokenizer", 0) == before


def test_threads_share_a_tokenizer(tok):
    text = "the quick brown fox " * 50
    want = tok.encode(text)
    got = []

    def work():
        got.append(tok.encode(text))

    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert got == [want] * 4
