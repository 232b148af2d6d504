"""Model and Session through the binding, on small random Llama directories."""
import gc
import threading

import pytest

import tabllm
import tinymodel

np = pytest.importorskip("numpy")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return tinymodel.write_tiny_llama(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture
def model(model_dir):
    with tabllm.Model.load(model_dir) as m:
        yield m


def test_model_properties(model):
    assert model.architecture == "LlamaForCausalLM"
    assert (model.n_vocab, model.n_embd, model.n_layers) == (64, 32, 2)
    assert (model.n_heads, model.n_kv_heads, model.head_dim) == (4, 2, 8)
    assert model.n_ctx_train == 128 and model.bos == 1 and model.eos == [2, 3]
    assert model.weight_bytes > 0
    assert "LlamaForCausalLM" in repr(model)


def test_logits_are_zero_copy_views_of_the_right_rows(model):
    tokens = [1, 5, 6, 7, 9]
    with model.session(n_ctx=32) as s:
        s.decode(tokens, logits="all")
        views = [s.logits(i) for i in range(len(tokens))]
        assert views[-1].shape == (64,) and views[-1].dtype == np.float32
        assert not views[-1].flags.writeable and not views[-1].flags.owndata
        assert np.shares_memory(s.logits(-1), views[-1])
        assert np.array_equal(s.logits(-1), views[4])
        rows = [v.copy() for v in views]
        copy = s.logits(2, copy=True)
        assert copy.flags.owndata and np.array_equal(copy, rows[2])
        # The same logits, one token at a time.
        with model.session(n_ctx=32) as s2:
            for i, t in enumerate(tokens):
                s2.decode([t])
                np.testing.assert_allclose(s2.logits(), rows[i], rtol=1e-5, atol=1e-5)
        assert s.seq_length() == 5


def test_sampling_and_seeds(model):
    with model.session(n_ctx=32, seed=1) as s:
        s.decode([1, 5])
        assert s.sample() == int(np.argmax(s.logits()))
        draws = [s.sample(temperature=1.0, top_k=10) for _ in range(20)]
        s.set_seed(1)
        again = [s.sample(temperature=1.0, top_k=10) for _ in range(20)]
        assert draws == again and len(set(draws)) > 1
        with pytest.raises(tabllm.InvalidArgument):
            s.sample(top_p=2.0)


def test_sequences_and_kv_operations(model):
    with model.session(n_ctx=16, n_seq_max=2) as s:
        s.decode([1, 5, 6], seq_ids=0)
        s.seq_copy(0, 1)
        assert s.seq_length(1) == 3
        s.decode([7], seq_ids=0)
        a = s.logits(copy=True)
        s.decode([7], seq_ids=1)
        np.testing.assert_allclose(s.logits(), a, rtol=1e-5, atol=1e-5)  # same prefix, same token
        s.seq_truncate(0, 1)
        assert s.seq_length(0) == 1
        s.seq_clear()
        assert (s.seq_length(0), s.seq_length(1)) == (0, 0)
        with pytest.raises(tabllm.ContextFull):
            s.decode(list(range(17)))
        assert s.seq_length(0) == 0  # nothing changed


def test_hidden_and_embeddings(model):
    with model.session(n_ctx=16, keep_hidden=True) as s:
        s.decode([1, 5, 6], logits="all")
        h = np.stack([s.hidden(i, copy=True) for i in range(3)])
        mean = s.embed(pooling="mean")
        np.testing.assert_allclose(mean, h.mean(axis=0), rtol=1e-5, atol=1e-6)
        last = s.embed(pooling="last", normalize=True)
        np.testing.assert_allclose(last, h[2] / np.linalg.norm(h[2]), rtol=1e-5, atol=1e-6)
        assert mean.flags.owndata
    with model.session(n_ctx=16) as s:
        s.decode([1])
        with pytest.raises(tabllm.InvalidArgument):
            s.embed()


def test_errors(model, tmp_path):
    with pytest.raises(tabllm.IOFailure):
        tabllm.Model.load(tmp_path / "nothing")
    bad = tinymodel.write_tiny_llama(tmp_path / "bad", hidden=32)
    import json
    cfg = json.loads((bad / "config.json").read_text())
    cfg["hidden_size"] = 48
    (bad / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(tabllm.TabllmError) as ei:
        tabllm.Model.load(bad)
    assert ei.value.status in (tabllm.Status.SHAPE_MISMATCH, tabllm.Status.FORMAT)
    assert "model.embed_tokens.weight" in ei.value.message or "48" in ei.value.message
    with model.session(n_ctx=8) as s:
        with pytest.raises(tabllm.InvalidArgument) as ei:
            s.decode([1000])
        assert "1000" in ei.value.message
        with pytest.raises(tabllm.InvalidArgument):
            s.logits(5)


def test_views_keep_a_closed_session_alive(model):
    before = tabllm.live_handles().get("Session", 0)
    s = model.session(n_ctx=8)
    s.decode([1, 2], logits="all")
    v = s.logits(0)
    part = v[10:20]
    want = v.copy()
    s.close()
    with pytest.raises(ValueError):
        s.decode([3])
    assert tabllm.live_handles()["Session"] == before + 1
    assert np.array_equal(v, want)          # still readable
    del v
    gc.collect()
    assert tabllm.live_handles()["Session"] == before + 1   # the slice holds it too
    del part
    gc.collect()
    assert tabllm.live_handles().get("Session", 0) == before


def test_a_session_keeps_its_model(model_dir):
    before = dict(tabllm.live_handles())
    m = tabllm.Model.load(model_dir)
    s = m.session(n_ctx=8)
    m.close()                                # deferred
    s.decode([1, 2])
    assert s.model is m
    s.close()
    assert tabllm.live_handles() == before


def test_sessions_on_threads(model):
    out = {}

    def work(i):
        with model.session(n_ctx=16) as s:
            s.decode([1, i + 2, 3])
            out[i] = s.logits(copy=True)

    ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    with model.session(n_ctx=16) as s:
        for i in range(4):
            s.seq_clear()
            s.decode([1, i + 2, 3])
            np.testing.assert_allclose(s.logits(), out[i], rtol=1e-6, atol=1e-6)


def test_no_session_leak(model):
    def rss():
        import os
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    for _ in range(50):
        with model.session(n_ctx=64) as s:
            s.decode([1, 2, 3])
    r0 = rss()
    for _ in range(1000):
        with model.session(n_ctx=64) as s:
            s.decode([1, 2, 3])
            s.logits()
    # A session's KV cache alone is 2*64*2*16*4 = 16 KiB: 1,000 leaked would be 16 MB.
    assert rss() - r0 < 4 * 1024 * 1024
