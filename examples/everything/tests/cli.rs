//! The command line every server gets: listing and running tools, resources and prompts
//! in-process, and the errors for what does not exist.

use std::process::{Command, Output};

use serde_json::{Value, json};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_everything"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run everything")
}

fn json_of(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

#[test]
fn lists_name_every_item() {
    let resources = run(&["resources", "list"]);
    let text = String::from_utf8_lossy(&resources.stdout);
    assert!(
        text.contains("test://template/{id}/data  Data for one id."),
        "{text}"
    );
    assert!(text.ends_with("\n4 resources and templates\n"), "{text}");
    let prompts = json_of(&run(&["prompts", "list", "--json"]));
    let prompts = prompts.as_array().unwrap();
    assert_eq!(prompts.len(), 5);
    let with_arguments = prompts
        .iter()
        .find(|p| p["name"] == "test_prompt_with_arguments")
        .expect("listed");
    assert_eq!(with_arguments["arguments"][0]["name"], "arg1");
}

#[test]
fn reads_and_renders_in_process() {
    let read = json_of(&run(&["read", "test://template/7/data"]));
    let text = read["contents"][0]["text"].as_str().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(text).unwrap()["data"],
        "Data for ID: 7"
    );
    let prompt = json_of(&run(&[
        "prompt",
        "test_prompt_with_arguments",
        "--args",
        r#"{"arg1": "a", "arg2": "b"}"#,
    ]));
    assert_eq!(
        prompt["messages"],
        json!([{"role": "user", "content": {"type": "text", "text": "Prompt with arguments: arg1='a', arg2='b'"}}])
    );
}

#[test]
fn what_does_not_exist_is_an_error_naming_it() {
    let missing = run(&["read", "nope://x"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("resource not found: nope://x"));
    let incomplete = run(&["prompt", "test_prompt_with_arguments"]);
    assert!(!incomplete.status.success());
    assert!(
        String::from_utf8_lossy(&incomplete.stderr).contains("arg2: missing required argument")
    );
}
