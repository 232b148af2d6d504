"""PEFT LoRA adapters through the binding, against PyTorch: the demo model with
examples/demo/adapter-biopsy, whose per-row probabilities PyTorch computed in
examples/demo/expected.json ("base+adapter"), by Session.set_adapters and by
predict(adapters=...); adapters that do not fit are refused with the right
exception."""
import gc
import json

import pytest

import tabllm
from tinymodel import write_tiny_llama

np = pytest.importorskip("numpy")
ROWS = [0, 1, 2, 3, 4, 5]  # of 209; rows 0-5 hold both classes


@pytest.fixture(scope="module")
def demo(source_root):
    d = source_root / "examples" / "demo"
    if not (d / "model" / "model.safetensors").exists():
        pytest.skip("examples/demo/model is not in this tree")
    e = json.loads((d / "expected.json").read_text())
    with tabllm.Model.load(d / "model") as m, tabllm.Tokenizer.load(d / "model") as tok, \
            tabllm.Table.load(d / e["table"]) as t, tabllm.Adapter.load(m, d / e["adapter"]) as a:
        yield e, m, tok, t, a, d


def want(e, key, field="prob"):
    return np.array([[e["rows"][i][key][field][lab] for lab in e["labels"]] for i in ROWS])


def label_logprobs(session, prompt_ids, labels_ids):
    """Sum of log p(label tokens | prompt), the prompt decoded once on
    sequence 0 and forked onto sequence 1 per label."""
    def log_softmax(x):
        x = np.asarray(x, dtype=np.float64)
        return x - x.max() - np.log(np.exp(x - x.max()).sum())
    session.seq_clear()
    session.decode(prompt_ids, seq_ids=0)
    first = log_softmax(session.logits())
    out = []
    for ids in labels_ids:
        session.seq_clear(1)
        session.seq_copy(0, 1)
        total = first[ids[0]]
        if len(ids) > 1:
            session.decode(ids[:-1], seq_ids=1, logits="all")
            for k in range(1, len(ids)):
                total += log_softmax(session.logits(k - 1))[ids[k]]
        out.append(total)
    return out


def test_load_describes_the_config(demo):
    e, m, tok, t, a, d = demo
    cfg = json.loads((d / e["adapter"] / "adapter_config.json").read_text())
    assert a.rank == cfg["r"] and a.alpha == cfg["lora_alpha"]
    assert a.features == []  # plain LoRA: no rslora, DoRA, biases, ...
    targets = a.targets()
    assert len(targets) == m.n_layers * len(cfg["target_modules"])
    assert {t.module.rsplit(".", 1)[1] for t in targets} == set(cfg["target_modules"])
    assert [t.layer for t in targets] == sorted(t.layer for t in targets)
    assert all(t.kind == "lora" and t.rank == cfg["r"] and t.scaling == cfg["lora_alpha"] / cfg["r"]
               for t in targets)
    assert "r=8" in repr(a)


def test_session_set_adapters_matches_pytorch(demo):
    e, m, tok, t, a, _ = demo
    label_ids = [e["tokens"]["label_ids"][lab] for lab in e["labels"]]
    with m.session(n_ctx=512, n_seq_max=2) as s:
        for key, adapters in (("base+adapter", [a]), ("base", [])):
            s.set_adapters(adapters)
            got = [label_logprobs(s, tok.encode(e["rows"][i]["prompt"], add_special=True), label_ids)
                   for i in ROWS]
            np.testing.assert_allclose(got, want(e, key, "logprob_sum"), atol=1e-3, err_msg=key)
        s.set_adapters([a])
        s.merge_adapters()
        assert s.adapters_merged
        got = label_logprobs(s, tok.encode(e["rows"][0]["prompt"], add_special=True), label_ids)
        np.testing.assert_allclose(got, want(e, "base+adapter", "logprob_sum")[0], atol=2e-2)
        with pytest.raises(tabllm.InvalidArgument):  # merged: unmerge first
            s.set_adapters([])
        s.unmerge_adapters()
        assert not s.adapters_merged


def test_session_keeps_a_closed_adapter(demo):
    e, m, tok, t, _, d = demo
    label_ids = [e["tokens"]["label_ids"][lab] for lab in e["labels"]]
    with m.session(n_ctx=512, n_seq_max=2) as s:
        a = tabllm.Adapter.load(m, d / e["adapter"])
        s.set_adapters([a], scales=[1.0])
        a.close()
        del a
        gc.collect()
        got = label_logprobs(s, tok.encode(e["rows"][0]["prompt"], add_special=True), label_ids)
        np.testing.assert_allclose(got, want(e, "base+adapter", "logprob_sum")[0], atol=1e-3)


def test_predict_with_adapter_matches_pytorch(demo):
    e, m, tok, t, a, _ = demo
    r = tabllm.predict(m, tok, t, target=e["target"], labels=e["labels"], rows=ROWS, adapters=[a])
    np.testing.assert_allclose(r.probs(), want(e, "base+adapter"), atol=1e-3)
    np.testing.assert_allclose(r.probs("mean"), want(e, "base+adapter", "prob_length_normalised"), atol=1e-3)
    assert r.predicted() == [e["rows"][i]["base+adapter"]["predicted"] for i in ROWS]
    merged = tabllm.predict(m, tok, t, target=e["target"], labels=e["labels"], rows=ROWS, adapters=[a],
                            merge_adapters=True)
    np.testing.assert_allclose(merged.probs(), want(e, "base+adapter"), atol=2e-2)
    # A scale of 0 is the base model; 1 is the default.
    zero = tabllm.predict(m, tok, t, target=e["target"], labels=e["labels"], rows=ROWS, adapters=[a],
                          adapter_scales=[0.0])
    np.testing.assert_allclose(zero.probs(), want(e, "base"), atol=1e-3)
    one = tabllm.predict(m, tok, t, target=e["target"], labels=e["labels"], rows=ROWS, adapters=(a,),
                         adapter_scales=[1.0])
    np.testing.assert_allclose(one.logprobs(), r.logprobs(), atol=1e-9)


def test_predict_adapter_errors(demo):
    e, m, tok, t, a, d = demo
    with pytest.raises(ValueError, match="2 scales for 1 adapters"):
        tabllm.predict(m, tok, t, target="class", rows=[0], adapters=[a], adapter_scales=[1.0, 1.0])
    with pytest.raises(TypeError):
        tabllm.predict(m, tok, t, target="class", rows=[0], adapters=["adapter-biopsy"])
    with pytest.raises(tabllm.InvalidArgument):  # duplicates
        tabllm.predict(m, tok, t, target="class", rows=[0], adapters=[a, a])
    with pytest.raises(tabllm.InvalidArgument):
        tabllm.predict(m, tok, t, target="class", rows=[0], adapters=[a], adapter_scales=[float("nan")])
    # The same files loaded as another model: the adapter is not its own.
    with tabllm.Model.load(d / "model") as other:
        with pytest.raises(tabllm.InvalidArgument):
            tabllm.predict(other, tok, t, target="class", rows=[0], adapters=[a])
        with other.session(n_ctx=64) as s, pytest.raises(tabllm.InvalidArgument):
            s.set_adapters([a])
    closed = tabllm.Adapter.load(m, d / e["adapter"])
    closed.close()
    with pytest.raises(ValueError, match="closed"):
        tabllm.predict(m, tok, t, target="class", rows=[0], adapters=[closed])


def test_adapter_for_another_model_is_refused(demo, tmp_path):
    e, m, tok, t, a, d = demo
    with tabllm.Model.load(write_tiny_llama(tmp_path / "tiny")) as tiny:
        with pytest.raises(tabllm.AdapterMismatch) as ei:
            tabllm.Adapter.load(tiny, d / e["adapter"])
    err = ei.value
    assert isinstance(err, tabllm.AdapterError) and err.status == tabllm.Status.ADAPTER_MISMATCH
    assert "model.layers." in err.message  # names the module
    with pytest.raises(tabllm.NotFound):
        tabllm.Adapter.load(m, tmp_path / "no-such-adapter")


def test_answer_with_adapter(demo, source_root):
    # The demo model answers every QA prompt with <|endcompletion|> (it was
    # trained on row prompts only), with or without its adapter, so this
    # checks that the options reach the library: a scale of 0, merging, a
    # bad scale and an adapter of another model.
    e, m, tok, t, a, _ = demo
    cities = tabllm.Table.load(source_root / "examples" / "data" / "cities.csv")
    q = "Which city has the largest population?"
    base = tabllm.answer(m, tok, cities, q, max_tokens=6)
    assert tabllm.answer(m, tok, cities, q, max_tokens=6, adapters=[a], adapter_scales=[0.0]) == base
    seen = []
    tuned = tabllm.answer(m, tok, cities, q, max_tokens=6, adapters=[a],
                          on_token=lambda tid, text: seen.append(text))
    assert tuned == "".join(seen).strip()
    assert tabllm.answer(m, tok, cities, q, max_tokens=6, adapters=[a], merge_adapters=True) == tuned
    with pytest.raises(tabllm.InvalidArgument):
        tabllm.answer(m, tok, cities, q, max_tokens=2, adapters=[a], adapter_scales=[float("inf")])
    with tabllm.Model.load(source_root / "examples" / "demo" / "model") as other, \
            pytest.raises(tabllm.InvalidArgument):
        tabllm.answer(other, tok, cities, q, max_tokens=2, adapters=[a])
