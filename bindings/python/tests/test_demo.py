"""Table, Tokenizer, Model and Session together through the binding, against
PyTorch: the demo model's label log-probabilities on the held-out biopsy
table (examples/demo/expected.json, computed by examples/demo/train.py)."""
import json

import pytest

import tabllm

np = pytest.importorskip("numpy")
ROWS = 6  # of 209; each costs a prompt and two labels on the CPU


@pytest.fixture(scope="module")
def demo(source_root):
    d = source_root / "examples" / "demo"
    if not (d / "model" / "model.safetensors").exists():
        pytest.skip("examples/demo/model is not in this tree")
    expected = json.loads((d / "expected.json").read_text())
    with tabllm.Model.load(d / "model") as model, tabllm.Tokenizer.load(d / "model") as tok, \
            tabllm.Table.load(d / expected["table"]) as table:
        yield expected, model, tok, table


def log_softmax(x):
    x = np.asarray(x, dtype=np.float64)
    m = x.max()
    return x - m - np.log(np.exp(x - m).sum())


def label_logprobs(session, prompt_ids, labels_ids):
    """Sum of log p(label tokens | prompt) for each label: the prompt is
    decoded once on sequence 0 and forked onto sequence 1 per label."""
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


def test_prompts_and_ids_match_the_reference(demo):
    expected, model, tok, table = demo
    labels = expected["labels"]
    for i in range(ROWS):
        prompt = table.encode("tabula", target=expected["target"], labels=labels, row=i)
        assert prompt.rstrip("\n") == expected["rows"][i]["prompt"]
    ids = tok.encode(expected["rows"][0]["prompt"], add_special=True)
    assert ids == expected["tokens"]["prompt_ids"]
    assert ids[0] == tok.bos_id == expected["tokens"]["bos_id"]
    for label, want in expected["tokens"]["label_ids"].items():
        assert tok.encode(label + "<|endcompletion|>") == want


def test_label_logprobs_match_pytorch(demo):
    expected, model, tok, table = demo
    labels = expected["labels"]
    label_ids = [expected["tokens"]["label_ids"][lab] for lab in labels]
    with model.session(n_ctx=512, n_seq_max=2) as s:
        for i in range(ROWS):
            row = expected["rows"][i]
            got = label_logprobs(s, tok.encode(row["prompt"], add_special=True), label_ids)
            want = [row["base"]["logprob_sum"][lab] for lab in labels]
            np.testing.assert_allclose(got, want, atol=1e-4, err_msg=f"row {i}")
