//! OpenAPI operations as tools, against a real REST API on a loopback port: the schemas the
//! tools get, where each argument goes, the credential that is sent (and the caller's that is
//! not), and what a caller sees when the API fails, hangs or answers too much.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, RawQuery};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use mcp_kit::auth::sha256_hex;
use mcp_kit::openapi::OpenApi;
use mcp_kit::prelude::*;
use mcp_kit::testing::TestClient;
use mcp_kit::{Principal, Settings};
use mcp_kit_tests::{call_body, post_mcp_with, spawn, test_settings};
use serde_json::{Value, json};
use tokio::net::TcpListener;

const PETS: &str = include_str!("openapi/pets.yaml");
const UPSTREAM_SECRET: &str = "upstream-secret";

/// The pets API the document describes, on a free loopback port.
async fn pets_api() -> SocketAddr {
    let api = Router::new()
        .route(
            "/v1/pets",
            get(|RawQuery(query): RawQuery| async move {
                axum::Json(json!({
                    "pets": [{"id": 1, "name": "Rex", "tag": "dog"}],
                    "query": query.unwrap_or_default(),
                }))
            })
            .post(|axum::Json(pet): axum::Json<Value>| async move {
                let mut pet = pet;
                pet["id"] = json!(2);
                (StatusCode::CREATED, axum::Json(pet))
            }),
        )
        .route(
            "/v1/pets/{id}",
            get(|Path(id): Path<String>| async move {
                if id == "1" {
                    Ok(axum::Json(json!({"id": 1, "name": "Rex", "tag": null})))
                } else {
                    Err((StatusCode::NOT_FOUND, axum::Json(json!({"message": format!("no pet {id}")}))))
                }
            })
            .delete(|| async { StatusCode::NO_CONTENT }),
        )
        .route(
            "/v1/whoami",
            get(|headers: HeaderMap, RawQuery(query): RawQuery| async move {
                let authorization = headers.get("authorization").map(|v| v.to_str().unwrap().to_owned());
                let authorizations = headers.get_all("authorization").iter().count();
                axum::Json(json!({
                    "authorization": authorization,
                    "authorizations": authorizations,
                    "query": query.unwrap_or_default(),
                }))
            }),
        )
        .route(
            "/v1/items/{id}",
            get(
                |Path(id): Path<String>, Query(query): Query<Value>, headers: HeaderMap| async move {
                    let trace = headers.get("x-trace").map(|v| v.to_str().unwrap().to_owned());
                    axum::Json(json!({ "path": id, "query": query, "trace": trace }))
                },
            ),
        )
        .route("/v1/nodes", post(|axum::Json(node): axum::Json<Value>| async move { axum::Json(node) }))
        .route(
            "/v1/slow",
            // Never answers.
            get(std::future::pending::<&'static str>),
        )
        .route(
            "/v1/broken",
            get(|| async {
                (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(json!({"error": "database on fire\nline two"})))
            }),
        )
        .route("/v1/huge", get(|| async { vec![b'x'; 50 << 20] }));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, api).await.unwrap() });
    addr
}

fn pets(addr: SocketAddr) -> OpenApi {
    OpenApi::parse(PETS)
        .expect("the document parses")
        .prefix("pets")
        .base_url(format!("http://{addr}/v1"))
        .bearer(UPSTREAM_SECRET)
}

fn server_with(api: &OpenApi, settings: Settings) -> Server {
    Server::builder()
        .without_linked_tools()
        .settings(settings)
        .tools(api.tools().expect("the operations become tools"))
        .build()
        .expect("the server builds")
}

fn client(api: &OpenApi) -> TestClient {
    server_with(api, test_settings()).test_client()
}

fn tool(client: &TestClient, name: &str) -> Value {
    client
        .list_tools()
        .into_iter()
        .find(|tool| tool["name"] == name)
        .unwrap_or_else(|| panic!("no tool {name}"))
}

async fn call(client: &TestClient, name: &str, arguments: Value) -> mcp_kit::ToolOutput {
    client.call(name, arguments).await.expect("the tool exists")
}

#[tokio::test]
async fn each_operation_is_a_tool_with_its_schemas_and_hints() {
    let client = client(&pets(pets_api().await));
    let names: Vec<_> = client
        .list_tools()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names
            .iter()
            .map(String::as_str)
            .collect::<std::collections::BTreeSet<_>>(),
        [
            "pets_listPets",
            "pets_createPet",
            "pets_getPet",
            "pets_deletePet",
            "pets_get_whoami",
            "pets_getItem",
            "pets_echoNode",
            "pets_slow",
            "pets_broken",
            "pets_huge",
        ]
        .into_iter()
        .collect(),
        "every operation but the one with a cookie parameter, an operation without an id named from its method and path"
    );

    let list = tool(&client, "pets_listPets");
    assert_eq!(list["title"], "List pets");
    assert_eq!(list["description"], "The pets, filtered by tag.");
    assert_eq!(
        list["annotations"],
        json!({"readOnlyHint": true, "idempotentHint": true, "openWorldHint": true})
    );
    let input = &list["inputSchema"];
    assert_eq!(
        input["properties"]["limit"],
        json!({"type": "integer", "minimum": 1, "exclusiveMaximum": 100, "description": "At most this many."}),
        "a shared parameter, resolved, in JSON Schema 2020-12"
    );
    assert_eq!(
        input["properties"]["tag"]["items"],
        json!({"type": "string"})
    );
    assert_eq!(input["additionalProperties"], false);
    assert_eq!(
        list["outputSchema"]["properties"]["pets"]["items"],
        json!({"$ref": "#/$defs/Pet"}),
        "component schemas are $defs"
    );
    assert!(
        list["outputSchema"]["$defs"]["NewPet"].is_object(),
        "and the components they use"
    );

    let create = tool(&client, "pets_createPet");
    assert_eq!(
        create["inputSchema"]["required"],
        json!(["name"]),
        "an object body's properties are arguments"
    );
    assert_eq!(
        create["inputSchema"]["properties"]["tag"]["type"],
        json!(["string", "null"]),
        "3.0 nullable"
    );
    assert_eq!(
        create["outputSchema"]["type"], "object",
        "an allOf of objects is an object"
    );
    assert_eq!(
        tool(&client, "pets_deletePet")["annotations"]["destructiveHint"],
        true
    );

    let item = tool(&client, "pets_getItem")["inputSchema"].clone();
    let mut arguments: Vec<_> = item["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    arguments.sort();
    assert_eq!(
        arguments,
        ["X-Trace", "path_id", "query_id"],
        "a name in two places is prefixed in both"
    );
    assert_eq!(item["required"], json!(["path_id"]));

    let node = tool(&client, "pets_echoNode");
    assert_eq!(
        node["inputSchema"]["$defs"]["Node"]["properties"]["children"]["items"],
        json!({"$ref": "#/$defs/Node"}),
        "a recursive schema stays a reference"
    );
}

#[tokio::test]
async fn arguments_go_where_the_document_says() {
    let client = client(&pets(pets_api().await));

    let page = call(
        &client,
        "pets_listPets",
        json!({"limit": 2, "tag": ["a b", "c&d"]}),
    )
    .await;
    assert!(!page.is_error, "{}", page.text());
    let page = page.structured_value().expect("structured content");
    assert_eq!(
        page["query"], "limit=2&tag=a+b&tag=c%26d",
        "an exploded list repeats its key, escaped"
    );
    assert_eq!(page["pets"][0]["name"], "Rex");

    let pet = call(&client, "pets_getPet", json!({"petId": "1"})).await;
    assert_eq!(pet.structured_value().unwrap()["name"], "Rex");

    let created = call(
        &client,
        "pets_createPet",
        json!({"name": "Tom", "tag": "cat"}),
    )
    .await;
    assert_eq!(
        created.structured_value().unwrap(),
        json!({"id": 2, "name": "Tom", "tag": "cat"})
    );

    let gone = call(&client, "pets_deletePet", json!({"petId": "1"})).await;
    assert!(!gone.is_error);
    assert_eq!(gone.text(), "204 No Content");

    let item = call(
        &client,
        "pets_getItem",
        json!({"path_id": 7, "query_id": "x/y", "X-Trace": "t-1"}),
    )
    .await;
    assert_eq!(
        item.structured_value().unwrap(),
        json!({"path": "7", "query": {"id": "x/y"}, "trace": "t-1"})
    );

    let tree = json!({"value": "root", "children": [{"value": "leaf", "children": []}]});
    let echoed = call(&client, "pets_echoNode", tree.clone()).await;
    assert_eq!(
        echoed.structured_value().unwrap(),
        tree,
        "a recursive body, sent whole"
    );
}

#[tokio::test]
async fn a_path_argument_cannot_climb_out_of_its_segment() {
    let client = client(&pets(pets_api().await));
    for (id, says) in [
        ("..", "must not be empty, `.` or `..`"),
        ("", "must not be empty"),
    ] {
        let answer = call(&client, "pets_getPet", json!({"petId": id})).await;
        assert!(answer.is_error);
        assert!(answer.text().contains(says), "{id:?}: {}", answer.text());
    }
    let slashed = call(&client, "pets_getPet", json!({"petId": "1/../../whoami"})).await;
    assert!(slashed.is_error, "a slash is escaped, so no such pet");
    assert!(
        slashed.text().contains("no pet 1/../../whoami"),
        "{}",
        slashed.text()
    );
}

#[tokio::test]
async fn bad_arguments_are_named_before_any_request() {
    let client = client(&pets(pets_api().await));
    let answer = call(
        &client,
        "pets_getItem",
        json!({"query_id": {"a": 1}, "colour": "red"}),
    )
    .await;
    assert!(answer.is_error);
    let text = answer.text();
    for says in [
        "colour: unknown argument",
        "path_id: missing",
        "query_id: must be a string",
    ] {
        assert!(text.contains(says), "{says:?} in {text}");
    }
}

#[tokio::test]
async fn the_servers_credential_goes_up_and_the_callers_never_does() {
    let api = pets(pets_api().await);
    let mut settings = test_settings();
    settings.require_auth = true;
    settings.auth.static_tokens = vec![mcp_kit::auth::StaticToken {
        token_sha256: sha256_hex("caller-token"),
        subject: "caller".into(),
        scopes: vec!["mcp".into()],
        permissions: vec![],
    }];
    let server = spawn(server_with(&api, settings)).await;
    let answer = post_mcp_with(
        server.addr,
        &[("authorization", "Bearer caller-token")],
        call_body("pets_get_whoami", json!({})),
    )
    .await;
    assert_eq!(answer.status, 200);
    let result = &answer.json()["result"];
    assert_eq!(
        result["structuredContent"]["authorization"],
        format!("Bearer {UPSTREAM_SECRET}")
    );
    assert!(!String::from_utf8_lossy(&answer.body).contains("caller-token"));
}

#[tokio::test]
async fn arguments_cannot_replace_the_servers_credential() {
    let addr = pets_api().await;
    let client = client(&pets(addr));
    let whoami = tool(&client, "pets_get_whoami");
    assert!(
        whoami["inputSchema"]["properties"]
            .get("Authorization")
            .is_none(),
        "an Authorization header parameter is ignored, as OpenAPI says"
    );
    let forged = call(
        &client,
        "pets_get_whoami",
        json!({"Authorization": "Bearer forged"}),
    )
    .await;
    assert!(forged.is_error);
    assert!(
        forged.text().contains("Authorization: unknown argument"),
        "{}",
        forged.text()
    );
    let seen = call(&client, "pets_get_whoami", json!({})).await;
    let seen = seen.structured_value().unwrap();
    assert_eq!(seen["authorization"], format!("Bearer {UPSTREAM_SECRET}"));
    assert_eq!(
        seen["authorizations"], 1,
        "one Authorization header, the server's"
    );

    let keyed = client_for(
        OpenApi::parse(PETS)
            .unwrap()
            .prefix("pets")
            .base_url(format!("http://{addr}/v1"))
            .query_key("api_key", "server-key"),
    );
    let seen = call(&keyed, "pets_get_whoami", json!({"api_key": "forged"})).await;
    assert_eq!(
        seen.structured_value().unwrap()["query"],
        "api_key=server-key"
    );
}

#[tokio::test]
async fn upstream_failures_are_tool_errors_that_say_what_happened() {
    let addr = pets_api().await;
    let client = client(&pets(addr).timeout(Duration::from_millis(300)));

    let missing = call(&client, "pets_getPet", json!({"petId": "7"})).await;
    assert!(missing.is_error);
    assert_eq!(
        missing.text(),
        format!("not found: GET /pets/{{petId}} on 127.0.0.1 answered 404 Not Found: no pet 7")
    );

    let broken = call(&client, "pets_broken", json!({})).await;
    assert!(broken.is_error);
    assert!(
        broken
            .text()
            .ends_with("answered 500 Internal Server Error: database on fire line two"),
        "{}",
        broken.text()
    );

    let slow = call(&client, "pets_slow", json!({})).await;
    assert!(slow.is_error);
    assert!(
        slow.text()
            .contains("GET /slow on 127.0.0.1 did not answer within 0.3 s"),
        "{}",
        slow.text()
    );

    let huge = call(&client, "pets_huge", json!({})).await;
    assert!(huge.is_error);
    assert!(
        huge.text()
            .contains("answered more than 10485760 bytes, the limit"),
        "{}",
        huge.text()
    );

    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_addr = closed.local_addr().unwrap();
    drop(closed);
    let down = client_for(pets(closed_addr));
    let unreachable = call(&down, "pets_getPet", json!({"petId": "1"})).await;
    assert!(unreachable.is_error);
    assert!(
        unreachable.text().contains("could not be reached"),
        "{}",
        unreachable.text()
    );
    assert!(!unreachable.text().contains(UPSTREAM_SECRET));
}

fn client_for(api: OpenApi) -> TestClient {
    client(&api)
}

#[tokio::test]
async fn a_permission_hides_the_documents_tools() {
    let api = pets(pets_api().await).permission(HasScope("pets"));
    let server = server_with(&api, test_settings());
    assert!(server.test_client().list_tools().is_empty());
    let keeper = Principal::new("keeper").with_scopes(["pets"]);
    assert_eq!(
        server.test_client().as_principal(keeper).list_tools().len(),
        10
    );
}

#[test]
fn operations_can_be_chosen_by_tag_path_or_id() {
    let names = |api: OpenApi| -> Vec<String> {
        api.base_url("http://127.0.0.1:1")
            .tools()
            .unwrap()
            .iter()
            .map(|t| t.name().to_owned())
            .collect()
    };
    let api = OpenApi::parse(PETS).unwrap();
    assert_eq!(names(api.clone().include_tags(["admin"])), ["deletePet"]);
    assert_eq!(
        names(api.clone().include_paths(["/pets/*"])),
        ["getPet", "deletePet"]
    );
    assert_eq!(
        names(api.clone().include_operations(["slow", "huge"])),
        ["huge", "slow"],
        "by path"
    );
    assert_eq!(
        names(
            api.exclude_tags(["pets", "admin"])
                .exclude_paths(["/items/*", "/nodes"])
        )
        .len(),
        4
    );
}

#[test]
fn unsupported_features_skip_their_operation_and_say_why() {
    let skipped: Vec<String> = OpenApi::parse(PETS)
        .unwrap()
        .skipped()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        skipped,
        [
            "GET /hosted skipped: the header `Host`, which the HTTP client sets (at /paths/~1hosted/get/parameters/0/name)",
            "GET /session skipped: cookie parameters (at /paths/~1session/get/parameters/0)",
        ]
    );
}

fn document(paths: Value) -> String {
    json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths}).to_string()
}

fn tools_of(text: &str) -> Result<Vec<mcp_kit::Tool>, String> {
    OpenApi::parse(text)
        .and_then(|api| api.base_url("http://127.0.0.1:1").tools())
        .map_err(|error| error.to_string())
}

#[test]
fn a_broken_document_is_an_error_with_the_pointer_of_the_fault() {
    let cases = [
        (
            "{\"openapi\": ",
            "the OpenAPI document: not valid JSON: EOF while parsing a value at line 1 column 12",
        ),
        (
            "swagger: '2.0'",
            "the OpenAPI document: Swagger 2.0 is not supported: convert the document to OpenAPI 3 (at /swagger)",
        ),
        (
            &document(
                json!({"/a": {"get": {"parameters": [{"$ref": "#/components/parameters/Nope"}]}}}),
            ),
            "the OpenAPI document: `$ref: #/components/parameters/Nope` points at nothing (at /paths/~1a/get/parameters/0/$ref)",
        ),
        (
            &document(json!({"/a": {"get": {"parameters": [{"in": "query"}]}}})),
            "the OpenAPI document: a parameter needs `name` and `in` (at /paths/~1a/get/parameters/0)",
        ),
        (
            &document(
                json!({"/a": {"get": {"operationId": "same"}}, "/b": {"get": {"operationId": "same"}}}),
            ),
            "the OpenAPI document: GET /a and GET /b both become the tool `same`: give one an `operationId`, or exclude it (at /paths/~1b/get)",
        ),
    ];
    for (text, says) in cases {
        assert_eq!(tools_of(text).unwrap_err(), says);
    }
}

#[test]
fn a_ref_loop_is_an_error_not_a_stack_overflow() {
    let text = json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"parameters": [{"$ref": "#/components/parameters/A"}]}}},
        "components": {"parameters": {
            "A": {"$ref": "#/components/parameters/B"},
            "B": {"$ref": "#/components/parameters/A"},
        }},
    })
    .to_string();
    assert_eq!(
        tools_of(&text).unwrap_err(),
        "the OpenAPI document: `$ref`s form a loop (at /paths/~1a/get/parameters/0)"
    );
}

#[test]
fn names_stay_within_64_characters_and_apart() {
    let long = "an_operation_whose_name_goes_on_and_on_well_past_what_clients_accept";
    let text = document(json!({
        "/a": {"get": {"operationId": format!("{long}_a")}},
        "/b": {"get": {"operationId": format!("{long}_b")}},
    }));
    let tools = tools_of(&text).unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name()).collect();
    assert!(names.iter().all(|name| name.len() == 64), "{names:?}");
    assert_ne!(names[0], names[1]);
    assert_eq!(
        names,
        tools_of(&text)
            .unwrap()
            .iter()
            .map(|t| t.name())
            .collect::<Vec<_>>(),
        "stable"
    );
}

#[test]
fn an_outside_ref_skips_its_operation() {
    let text = document(json!({
        "/a": {"get": {"operationId": "a", "parameters": [{"$ref": "common.yaml#/Limit"}]}},
        "/b": {"get": {"operationId": "b"}},
    }));
    let api = OpenApi::parse(&text).unwrap();
    let skipped = api.skipped().unwrap();
    assert_eq!(
        skipped[0].reason,
        "`$ref: common.yaml#/Limit` points outside the document"
    );
    assert_eq!(tools_of(&text).unwrap().len(), 1);
}

#[test]
fn a_missing_credential_variable_is_named() {
    let error = OpenApi::parse(PETS)
        .unwrap()
        .bearer_from_env("MCP_KIT_TEST_NO_SUCH_VARIABLE")
        .tools()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the OpenAPI document: the environment variable `MCP_KIT_TEST_NO_SUCH_VARIABLE` is not set"
    );
}
