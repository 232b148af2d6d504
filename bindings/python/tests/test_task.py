"""Tasks through the binding: predict against PyTorch (examples/demo/expected.json),
generation with stops and callbacks, table QA, errors and cancellation."""
import json

import pytest

import tabllm

np = pytest.importorskip("numpy")
ROWS = 16


@pytest.fixture(scope="module")
def demo(source_root):
    d = source_root / "examples" / "demo"
    if not (d / "model" / "model.safetensors").exists():
        pytest.skip("examples/demo/model is not in this tree")
    e = json.loads((d / "expected.json").read_text())
    with tabllm.Model.load(d / "model") as m, tabllm.Tokenizer.load(d / "model") as tok, \
            tabllm.Table.load(d / e["table"]) as t, tabllm.Table.load(d / e["few_shot"]["support_table"]) as sup:
        yield e, m, tok, t, sup


def want(e, key):
    return np.array([[e["rows"][i][key]["logprob_sum"][lab] for lab in e["labels"]] for i in range(ROWS)])


def test_predict_matches_pytorch(demo):
    e, m, tok, t, _ = demo
    r = tabllm.predict(m, tok, t, target=e["target"], labels=e["labels"], rows=range(ROWS), n_threads=2)
    assert len(r) == ROWS and r.labels == e["labels"] and r.table_rows == list(range(ROWS))
    np.testing.assert_allclose(r.logprobs(), want(e, "base"), atol=1e-4)
    probs = r.probs()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-9)
    assert r.predicted() == [e["rows"][i]["base"]["predicted"] for i in range(ROWS)]
    truth = [e["labels"].index(e["rows"][i]["true"]) for i in range(ROWS)]
    assert r.truth() == truth
    assert r.accuracy() == sum(a == b for a, b in zip(r.argmax(), truth)) / ROWS
    assert r.label_tokens() == [len(e["tokens"]["label_ids"][lab]) for lab in e["labels"]]
    assert not probs.flags.owndata and not probs.flags.writeable  # a view of the result


def test_few_shot_matches_pytorch(demo):
    e, m, tok, t, sup = demo
    r = tabllm.predict(m, tok, t, target=e["target"], labels=e["labels"], rows=range(ROWS),
                       support=sup, shot_rows=e["few_shot"]["support_rows"])
    np.testing.assert_allclose(r.logprobs(), want(e, "base_4shot"), atol=1e-4)


def test_naive_equals_shared_and_embeddings(demo):
    e, m, tok, t, _ = demo
    fast = tabllm.predict(m, tok, t, target="class", rows=range(3), embeddings=True, normalize=True)
    slow = tabllm.predict(m, tok, t, target="class", rows=range(3), naive=True)
    np.testing.assert_allclose(fast.logprobs(), slow.logprobs(), atol=1e-5)
    emb = fast.embeddings()
    assert emb.shape == (3, m.n_embd)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    assert slow.embeddings() is None
    only = tabllm.predict(m, tok, t, target="class", rows=[0], embeddings_only=True)
    assert only.labels == [] and only.embeddings().shape == (1, m.n_embd)


def test_a_view_keeps_the_result(demo):
    e, m, tok, t, _ = demo
    before = tabllm.live_handles().get("Prediction", 0)
    r = tabllm.predict(m, tok, t, target="class", rows=[0, 1])
    lp = r.logprobs()
    copy = lp.copy()
    r.close()
    assert np.array_equal(lp, copy)
    del lp
    import gc
    gc.collect()
    assert tabllm.live_handles().get("Prediction", 0) == before


def test_predict_errors_and_cancellation(demo):
    e, m, tok, t, _ = demo
    with pytest.raises(tabllm.NotFound) as ei:
        tabllm.predict(m, tok, t, target="no such column", rows=[0])
    assert "no such column" in ei.value.message
    with pytest.raises(tabllm.InvalidArgument):
        tabllm.predict(m, tok, t, target="class", labels=["benign", "benign"], rows=[0])
    with pytest.raises(tabllm.Cancelled):
        tabllm.predict(m, tok, t, target="class", rows=range(40), max_batch_tokens=512,
                       progress=lambda done, total: False)

    def boom(done, total):
        raise KeyError("from progress")
    with pytest.raises(KeyError, match="from progress"):
        tabllm.predict(m, tok, t, target="class", rows=range(40), max_batch_tokens=512, progress=boom)


def test_generate(demo):
    e, m, tok, t, _ = demo
    prompt = tok.encode(e["rows"][0]["prompt"], add_special=True)
    with m.session(n_ctx=512) as s:
        g = tabllm.generate(s, tok, prompt, max_tokens=8)
        assert g.text == e["rows"][0]["base"]["predicted"] and g.stop_reason == "token"
        assert g.n_prompt == len(prompt) and g.stop_token == tok.token_to_id("<|endcompletion|>")
        assert s.seq_length() == len(prompt) + g.n_tokens  # the stop token is not decoded
        s.seq_clear()
        g = tabllm.generate(s, tok, prompt, max_tokens=8, stop=["nign"])
        assert g.text == "be" and g.stop_reason == "string"
        s.seq_clear()
        seen = []
        with pytest.raises(tabllm.Cancelled):
            tabllm.generate(s, tok, prompt, max_tokens=8, on_token=lambda tid, text: seen.append(tid) or False)
        assert len(seen) == 1
        s.seq_clear()
        g = tabllm.generate(s, tok, prompt, max_tokens=3, default_stop=False, temperature=1.0, seed=5)
        s.seq_clear()
        assert tabllm.generate(s, tok, prompt, max_tokens=3, default_stop=False, temperature=1.0, seed=5) == g
        assert g.n_tokens == 3 and g.stop_reason == "max_tokens"


def test_answer(demo, source_root):
    e, m, tok, t, _ = demo
    cities = tabllm.Table.load(source_root / "examples" / "data" / "cities.csv")
    got = []
    out = tabllm.answer(m, tok, cities, "What is the population of Cairo?", max_tokens=6,
                        on_token=lambda tid, text: got.append(text))
    assert isinstance(out, str) and len(got) <= 7
    assert out == "".join(got).strip()
    with pytest.raises(tabllm.ContextFull):
        tabllm.answer(m, tok, cities, "What is the population of Cairo? " * 20, n_ctx=32)
