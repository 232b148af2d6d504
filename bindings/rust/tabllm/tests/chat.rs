//! Chat templates through the safe crate.
use tabllm::{render_chat, render_chat_json, ChatMessage, ChatOptions, Status};

const LOOP: &str = "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}";

#[test]
fn render() {
    let msgs = [ChatMessage::new("system", "Be brief."), ChatMessage::new("user", "Hi"), ChatMessage { role: "assistant", content: None }];
    assert_eq!(render_chat(LOOP, &msgs[..2], &ChatOptions::new()).unwrap(), "<system>Be brief.<user>Hi");
    assert!(render_chat(LOOP, &msgs, &ChatOptions::new().add_generation_prompt()).unwrap().ends_with("<assistant>"));
    let t = "{{ bos_token }}{{ x }}{{ strftime_now('%Y') }}{{ messages[0].extra }}";
    let out = render_chat_json(
        t,
        r#"[{"role": "user", "content": "", "extra": "!"}]"#,
        &ChatOptions::new().bos_token("<s>").variables_json(r#"{"x": 7}"#).now(1_721_995_200),
    )
    .unwrap();
    assert_eq!(out, "<s>72024!");
}

#[test]
fn errors() {
    let msgs = [ChatMessage::new("user", "Hi")];
    let e = render_chat("{{ raise_exception('roles must alternate') }}", &msgs, &ChatOptions::new()).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
    assert!(e.message().contains("roles must alternate"));
    assert_eq!(render_chat("{% for %}", &msgs, &ChatOptions::new()).unwrap_err().status(), Status::Format);
    let e = render_chat("{% for i in range(100) %}{{ i }}{% endfor %}", &msgs, &ChatOptions::new().max_loop_iterations(10)).unwrap_err();
    assert_eq!(e.status(), Status::LimitExceeded);
    let e = render_chat(LOOP, &[ChatMessage::new("us\0er", "x")], &ChatOptions::new()).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
}
