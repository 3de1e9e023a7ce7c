//! `#[toolset]` on an `impl` block: its public `&self` methods are tools named
//! `{prefix}_{method}`, called on the value the server holds, with access rules set for the
//! whole set and overridden per method.

use std::sync::Mutex;

use mcp_kit::prelude::*;
use mcp_kit::testing::TestClient;
use mcp_kit_tests::test_settings;
use serde_json::json;

/// A service with its own state, as a real one would hold a pool or a client.
struct Notes {
    texts: Mutex<Vec<String>>,
}

#[toolset(prefix = "notes", permission = IsAuthenticated)]
impl Notes {
    /// Not a tool: no `self`.
    pub fn new() -> Self {
        Self {
            texts: Mutex::new(Vec::new()),
        }
    }

    /// Adds a note; returns how many there are.
    pub async fn add(&self, #[arg(description = "the note")] text: String) -> usize {
        let mut texts = self.texts.lock().unwrap();
        texts.push(text);
        texts.len()
    }

    /// Every note, for anyone.
    #[tool(permission = AllowAny, annotations(read_only))]
    pub fn list(&self) -> Vec<Content> {
        self.texts
            .lock()
            .unwrap()
            .iter()
            .map(|t| Content::text(t.as_str()))
            .collect()
    }

    /// Removes every note; needs an admin, twice a minute.
    #[tool(permission = HasScope("notes:admin"), rate_limit(calls = 2, per = 60), annotations(destructive))]
    pub async fn clear(&self) -> &'static str {
        self.helper();
        self.texts.lock().unwrap().clear();
        "cleared"
    }

    /// Not a tool: not public.
    fn helper(&self) {}
}

fn client() -> (TestClient, TestClient, TestClient) {
    let server = Server::builder()
        .state(Notes::new())
        .settings(test_settings())
        .build()
        .unwrap();
    (
        server.test_client(),
        server.test_client().as_principal(Principal::new("ada")),
        server
            .test_client()
            .as_principal(Principal::new("root").with_scopes(["notes:admin"])),
    )
}

fn names(client: &TestClient) -> Vec<String> {
    client
        .list_tools()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn methods_become_tools_sharing_the_value() {
    let (anonymous, ada, root) = client();
    assert_eq!(names(&anonymous), ["notes_list"]);
    assert_eq!(names(&ada), ["notes_add", "notes_list"]);
    assert_eq!(names(&root), ["notes_add", "notes_clear", "notes_list"]);

    let listed = ada.list_tools();
    let add = listed.iter().find(|t| t["name"] == "notes_add").unwrap();
    assert_eq!(
        add["description"],
        "Adds a note; returns how many there are."
    );
    assert_eq!(
        add["inputSchema"]["properties"]["text"]["description"],
        "the note"
    );
    let list = listed.iter().find(|t| t["name"] == "notes_list").unwrap();
    assert_eq!(list["annotations"]["readOnlyHint"], true);

    assert_eq!(
        ada.call("notes_add", json!({"text": "one"}))
            .await
            .unwrap()
            .text(),
        "1"
    );
    assert_eq!(
        root.call("notes_add", json!({"text": "two"}))
            .await
            .unwrap()
            .text(),
        "2"
    );
    assert_eq!(
        anonymous
            .call("notes_list", json!({}))
            .await
            .unwrap()
            .text(),
        "one\ntwo"
    );

    let denied = ada.call("notes_clear", json!({})).await.unwrap();
    assert!(
        denied.is_error && denied.text() == "the scope `notes:admin` is required",
        "{}",
        denied.text()
    );
    for _ in 0..2 {
        assert_eq!(
            root.call("notes_clear", json!({})).await.unwrap().text(),
            "cleared"
        );
    }
    let limited = root.call("notes_clear", json!({})).await.unwrap();
    assert!(
        limited.text().starts_with("rate limited"),
        "{}",
        limited.text()
    );
    let bad = ada.call("notes_add", json!({"text": 3})).await.unwrap();
    assert!(
        bad.is_error && bad.text().contains("text:"),
        "{}",
        bad.text()
    );
}
