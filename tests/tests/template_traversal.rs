//! A template variable cannot walk out of where its template points: after percent-decoding,
//! a `{name}` value holds no `/`, and no value is a `.` or `..` segment; such URIs match no
//! resource (-32002), and the handler never sees them.

use mcp_kit::prelude::*;
use mcp_kit_tests::{Response, post_mcp, spawn, test_settings};
use serde_json::{Value, json};

async fn rpc(addr: std::net::SocketAddr, method: &str, params: Value) -> Response {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    post_mcp(addr, body.to_string()).await
}

fn result(response: &Response) -> Value {
    let body = response.json();
    assert!(body.get("error").is_none(), "{body}");
    body["result"].clone()
}

fn error(response: &Response) -> (i64, String) {
    let body = response.json();
    let code = body["error"]["code"].as_i64();
    let code = code.unwrap_or_else(|| panic!("not an error: {body}"));
    (code, body["error"]["message"].as_str().unwrap().to_owned())
}

/// A note's name, echoed: what the template variable was bound to.
#[resource("names://{name}/data")]
fn named(name: String) -> String {
    format!("bound to {name}")
}

#[tokio::test]
async fn a_one_segment_variable_never_binds_a_slash_or_a_dot_segment() {
    let server = spawn(Server::builder().settings(test_settings()).build().unwrap()).await;
    let read = |uri: &'static str| rpc(server.addr, "resources/read", json!({"uri": uri}));
    let fine = result(&read("names://report%20one/data").await);
    assert_eq!(fine["contents"][0]["text"], "bound to report one");
    for uri in [
        "names://..%2F..%2Fetc%2Fpasswd/data",
        "names://a%2fb/data",
        "names://../data",
        "names://./data",
        "names://%2E%2E/data",
    ] {
        let (code, message) = error(&read(uri).await);
        assert_eq!(code, -32002, "{uri}: {message}");
        assert!(message.contains(uri), "{uri}: {message}");
    }
}
