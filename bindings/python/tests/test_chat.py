"""Chat templates through the binding."""
import datetime

import pytest

import tabllm

import tinytok

LOOP = ("{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}"
        "{% if add_generation_prompt %}<assistant>{% endif %}")


def test_render():
    msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    assert tabllm.render_chat(LOOP, msgs) == "<system>Be brief.<user>Hi"
    assert tabllm.render_chat(LOOP, msgs, add_generation_prompt=True).endswith("<assistant>")
    t = "{{ bos_token }}{{ x }}{{ strftime_now('%d %b %Y') }}{{ messages[0].extra }}"
    out = tabllm.render_chat(t, [{"role": "user", "content": "", "extra": "!"}], bos_token="<s>",
                             variables={"x": 7}, now=datetime.datetime(2024, 7, 26, 12))
    assert out == "<s>726 Jul 2024!"


def test_errors():
    msgs = [{"role": "user", "content": "Hi"}]
    with pytest.raises(tabllm.InvalidArgument) as ei:
        tabllm.render_chat("{{ raise_exception('roles must alternate') }}", msgs)
    assert "roles must alternate" in ei.value.message
    with pytest.raises(tabllm.FormatError) as ei:
        tabllm.render_chat("{% for %}", msgs)
    assert "1:" in ei.value.message
    with pytest.raises(tabllm.LimitExceeded):
        tabllm.render_chat("{% for i in range(100) %}{{ i }}{% endfor %}", msgs, max_loop_iterations=10)
    with pytest.raises(TypeError):
        tabllm.render_chat(LOOP, msgs, max_bananas=1)


def test_tokenizer_template(tmp_path):
    import json
    tinytok.write(tmp_path)
    cfg = json.loads((tmp_path / "tokenizer_config.json").read_text())
    cfg["chat_template"] = "{{ bos_token }}" + LOOP
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(cfg))
    tok = tabllm.Tokenizer.load(tmp_path)
    out = tok.apply_chat_template([{"role": "user", "content": "Hi"}], add_generation_prompt=True)
    assert out == "<s><user>Hi<assistant>"
    tinytok.write(tmp_path / "plain")
    with pytest.raises(tabllm.NotFound):
        tabllm.Tokenizer.load(tmp_path / "plain").apply_chat_template([{"role": "user", "content": "Hi"}])
