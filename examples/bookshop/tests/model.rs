//! The bookshop's model tools against real databases: a SQLite file, and a PostgreSQL server
//! of the test's own. Both run the same checks.

use mcp_kit::model::Database;
use mcp_kit::{Principal, Server, Tool, ToolOutput};
use mcp_kit_tests::{Postgres, test_settings};
use serde_json::{Value, json};

fn server(db: Database) -> Server {
    let mut settings = test_settings();
    // The test writes more than a client would in a minute.
    settings.write_rate_limit = (10_000, 1);
    bookshop::server(db)
        .settings(settings)
        .tool(Tool::from_schema("ping", Default::default(), |_| async {
            "pong"
        }))
        .build()
        .expect("the bookshop server builds")
}

fn reader() -> Principal {
    Principal::new("reader").with_scopes(["mcp"])
}

fn clerk() -> Principal {
    Principal::new("clerk").with_scopes(["mcp", "books:write"])
}

/// The structured result of a call that must succeed.
async fn ok(server: &Server, who: Principal, tool: &str, args: Value) -> Value {
    let out = call(server, who, tool, args).await;
    assert!(!out.is_error, "{tool} failed: {:?}", out.content);
    out.structured_value().expect("structured content")
}

/// The error text of a call that must fail.
async fn err(server: &Server, who: Principal, tool: &str, args: Value) -> String {
    let out = call(server, who, tool, args).await;
    assert!(
        out.is_error,
        "{tool} should have failed, gave {:?}",
        out.structured_value()
    );
    out.to_json()["content"].to_string()
}

async fn call(server: &Server, who: Principal, tool: &str, args: Value) -> ToolOutput {
    server
        .test_client()
        .as_principal(who)
        .call(tool, args)
        .await
        .expect("a known tool")
}

fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shop.db");
    // The file does not exist: opening creates it, with its tables and seed data.
    let db = bookshop::open(&format!("sqlite:{}", file.display()))
        .await
        .unwrap();
    assert!(file.exists());
    let server = server(db.clone());
    exercise(&server).await;
    // SQLite's allocation statistics were turned off before its first connection: nothing was
    // counted, under the lock the counting takes.
    // SAFETY: a read of SQLite's counter, which it allows from any thread at any time.
    assert_eq!(unsafe { libsqlite3_sys::sqlite3_memory_used() }, 0);
    // With foreign keys off on one connection, a book goes while a shelf row still names it.
    on_one_connection(
        &db,
        &[
            "PRAGMA foreign_keys = OFF",
            "DELETE FROM books WHERE id = 6",
            "PRAGMA foreign_keys = ON",
        ],
    )
    .await;
    related_row_gone(&server).await;

    // SQLite stores any value in any column: a text where the model reads an integer is
    // refused, not read as 0.
    on_one_connection(
        &db,
        &[
            "PRAGMA ignore_check_constraints = ON",
            "UPDATE books SET year = 'nineteen sixty-five' WHERE id = 1",
            "PRAGMA ignore_check_constraints = OFF",
        ],
    )
    .await;
    let out = call(&server, reader(), "books_retrieve", json!({"id": 1})).await;
    assert!(
        out.is_error,
        "read a text as an integer: {:?}",
        out.structured_value()
    );
    ok(&server, reader(), "books_retrieve", json!({"id": 2})).await;
}

/// Runs `statements` in order on one pooled SQLite connection, as a PRAGMA holds for its
/// connection only.
async fn on_one_connection(db: &Database, statements: &[&str]) {
    let mut conn = db.sqlite().unwrap().acquire().await.unwrap();
    for sql in statements {
        sqlx::query(sql).execute(&mut *conn).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres() {
    let mut pg = Postgres::start();
    let db = bookshop::open(&pg.url).await.unwrap();
    assert!(db.is_postgres());
    let server = server(db.clone());
    exercise(&server).await;
    let pool = db.postgres().unwrap();
    for sql in [
        "ALTER TABLE shelf DROP CONSTRAINT shelf_book_id_fkey",
        "DELETE FROM books WHERE id = 6",
    ] {
        sqlx::query(sql).execute(pool).await.unwrap();
    }
    related_row_gone(&server).await;

    // A restart closes every pooled connection. A call on one the pool used a moment ago
    // reports the database unavailable; one idle for a second is pinged before it is used, and
    // replaced, so the call succeeds.
    pg.restart();
    let out = call(&server, reader(), "books_list", json!({})).await;
    let text = out.to_json()["content"].to_string();
    assert!(
        !out.is_error || text.contains("the database is unavailable"),
        "{text}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    ok(&server, reader(), "books_list", json!({})).await;

    // A column whose type changed under the model is refused, not read as the old type: the
    // four bytes of the text '1965' would decode as an integer. (A fresh pool: a cached
    // statement would fail on the change by itself.)
    for sql in [
        "ALTER TABLE books DROP CONSTRAINT books_year_check",
        "ALTER TABLE books ALTER COLUMN year TYPE text",
    ] {
        sqlx::query(sql).execute(pool).await.unwrap();
    }
    let drifted = self::server(Database::connect(&pg.url).await.unwrap());
    let out = call(&drifted, reader(), "books_list", json!({})).await;
    assert!(out.is_error, "read a text column as an integer");

    // An outage is a clear error, and tools that need no database go on.
    pg.stop();
    let out = call(&server, reader(), "books_list", json!({})).await;
    assert!(out.is_error);
    let text = out.to_json()["content"].to_string();
    assert!(text.contains("the database is unavailable"), "{text}");
    let pong = call(&server, reader(), "ping", json!({})).await;
    assert!(!pong.is_error);
}

async fn exercise(server: &Server) {
    read_only_by_default(server).await;
    retrieve_and_resource(server).await;
    filters_order_and_search(server).await;
    paging_with_inserts_between(server).await;
    writes(server).await;
    bad_input(server).await;
    metacharacters(server).await;
    scoping(server).await;
    totals(server).await;
    several_toolsets(server).await;
    includes(server).await;
}

async fn read_only_by_default(server: &Server) {
    let names = |who: Principal| {
        server
            .test_client()
            .as_principal(who)
            .list_tools()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    // Authors name no actions: list and retrieve only.
    let reader_tools = names(reader());
    assert!(reader_tools.contains(&"authors_list".to_owned()));
    assert!(
        !reader_tools
            .iter()
            .any(|t| t.starts_with("authors_") && !t.ends_with("list") && !t.ends_with("retrieve"))
    );
    // Writing books needs `books:write`: the reader does not see those tools.
    assert!(!reader_tools.contains(&"books_create".to_owned()));
    assert!(names(clerk()).contains(&"books_create".to_owned()));
    let denied = err(server, reader(), "books_destroy", json!({"id": 1})).await;
    assert!(denied.contains("books:write"), "{denied}");

    let tools = server.test_client().as_principal(clerk()).list_tools();
    let tool = |name: &str| tools.iter().find(|t| t["name"] == name).unwrap().clone();
    assert_eq!(tool("books_list")["annotations"]["readOnlyHint"], true);
    assert_eq!(tool("books_update")["annotations"]["idempotentHint"], true);
    assert_eq!(
        tool("books_destroy")["annotations"]["destructiveHint"],
        true
    );
    let list = tool("books_list");
    let props = &list["inputSchema"]["properties"];
    assert_eq!(props["year__gte"]["type"], "integer");
    assert_eq!(props["in_stock"]["type"], "boolean");
    assert!(
        props.get("in_stock__gte").is_none(),
        "no ranges on booleans"
    );
    assert_eq!(
        props["order_by"]["enum"],
        json!(["title", "-title", "year", "-year", "price", "-price"])
    );
    let row = &list["outputSchema"]["properties"]["items"]["items"];
    assert_eq!(
        row["properties"]["isbn"]["description"],
        "ISBN-13, unique in the catalogue."
    );
    // `added_at` is read-only: not an argument of create.
    let create = tool("books_create");
    assert!(
        create["inputSchema"]["properties"]
            .get("added_at")
            .is_none()
    );
    assert!(create["inputSchema"]["properties"].get("id").is_none());
    assert_eq!(
        create["inputSchema"]["required"],
        json!(["title", "isbn", "author_id", "year", "price"])
    );
}

async fn retrieve_and_resource(server: &Server) {
    let book = ok(server, reader(), "books_retrieve", json!({"id": 4})).await;
    assert_eq!(book["title"], "Invisible Cities");
    assert_eq!(book["year"], 1972);
    assert_eq!(book["price"], 13.95);
    let missing = err(server, reader(), "books_retrieve", json!({"id": 999_999})).await;
    assert!(
        missing.contains("no row of `books` has id 999999"),
        "{missing}"
    );

    let client = server.test_client().as_principal(reader());
    let templates = client.list_resource_templates();
    assert!(templates.iter().any(|t| t["uriTemplate"] == "books://{id}"));
    let contents = client.read("books://4").await.unwrap();
    let text = contents[0].to_json()["text"].as_str().unwrap().to_owned();
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["title"],
        "Invisible Cities"
    );
    assert!(client.read("books://nope").await.is_err());
}

async fn filters_order_and_search(server: &Server) {
    let r = reader();
    let page = ok(
        server,
        r.clone(),
        "books_list",
        json!({"author_id": 1, "order_by": "year"}),
    )
    .await;
    assert_eq!(
        titles(&page),
        [
            "A Wizard of Earthsea",
            "The Left Hand of Darkness",
            "The Lathe of Heaven",
            "The Dispossessed"
        ]
    );
    let page = ok(
        server,
        r.clone(),
        "books_list",
        json!({"year__gte": 1960, "year__lte": 1970, "order_by": "-year"}),
    )
    .await;
    assert_eq!(
        titles(&page),
        [
            "The Left Hand of Darkness",
            "A Wizard of Earthsea",
            "Labyrinths"
        ]
    );
    let page = ok(
        server,
        r.clone(),
        "books_list",
        json!({"in_stock": false, "order_by": "title"}),
    )
    .await;
    assert_eq!(
        titles(&page),
        ["The Dispossessed", "View with a Grain of Sand"]
    );
    let page = ok(
        server,
        r.clone(),
        "books_list",
        json!({"price__lte": 10.0, "order_by": "price"}),
    )
    .await;
    assert_eq!(titles(&page), ["A Wizard of Earthsea", "Things Fall Apart"]);
    // Case-insensitive, in any search field.
    let page = ok(
        server,
        r.clone(),
        "books_list",
        json!({"search": "LABYRINTH"}),
    )
    .await;
    assert_eq!(titles(&page), ["Labyrinths"]);
    let page = ok(
        server,
        r.clone(),
        "books_list",
        json!({"search": "978-0156"}),
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    // A nullable filter given null matches nulls.
    let page = ok(server, r.clone(), "authors_list", json!({"country": null})).await;
    assert_eq!(page["items"][0]["name"], "Jorge Luis Borges");
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let page = ok(
        server,
        r,
        "authors_list",
        json!({"order_by": "-name", "limit": 2}),
    )
    .await;
    assert_eq!(page["items"][0]["name"], "Wisława Szymborska");
    assert!(page["next_cursor"].is_string());
    assert!(page.get("total").is_none(), "counted only when asked");
}

async fn includes(server: &Server) {
    let dana = Principal::new("dana").with_scopes(["mcp"]);
    for book in [4, 6] {
        ok(
            server,
            dana.clone(),
            "shelf_create",
            json!({"book_id": book}),
        )
        .await;
    }
    // Each row embeds its book, as `books_retrieve` shows it.
    let shelf = ok(server, dana.clone(), "shelf_list", json!({})).await;
    let items = shelf["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{shelf}");
    let book = ok(server, reader(), "books_retrieve", json!({"id": 4})).await;
    assert_eq!(items[0]["book"], book);
    assert_eq!(items[1]["book"]["id"], 6);
    let one = ok(
        server,
        dana.clone(),
        "shelf_retrieve",
        json!({"id": items[0]["id"]}),
    )
    .await;
    assert_eq!(one["book"]["title"], "Invisible Cities");
    // Filters follow the relation, typed as the related column is.
    let cities = ok(
        server,
        dana.clone(),
        "shelf_list",
        json!({"book__title": "Invisible Cities"}),
    )
    .await;
    assert_eq!(cities["items"].as_array().unwrap().len(), 1, "{cities}");
    assert_eq!(cities["items"][0]["book_id"], 4);
    let later = ok(
        server,
        dana.clone(),
        "shelf_list",
        json!({"book__year__gte": 3000}),
    )
    .await;
    assert_eq!(later["items"], json!([]));
    let wrong = err(
        server,
        dana.clone(),
        "shelf_list",
        json!({"book__year": "1972"}),
    )
    .await;
    assert!(
        wrong.contains("book__year") && wrong.contains("expected an integer"),
        "{wrong}"
    );
    let unordered = err(
        server,
        dana.clone(),
        "shelf_list",
        json!({"order_by": "note"}),
    )
    .await;
    assert!(
        unordered.contains("rows are listed by `id` only"),
        "{unordered}"
    );
    // The schemas say so.
    let tools = server.test_client().as_principal(dana.clone()).list_tools();
    let list = tools.iter().find(|t| t["name"] == "shelf_list").unwrap();
    assert_eq!(
        list["inputSchema"]["properties"]["book__year__gte"]["type"],
        "integer"
    );
    let row = &list["outputSchema"]["properties"]["items"]["items"];
    assert_eq!(row["properties"]["book"]["type"], json!(["object", "null"]));
    assert!(
        row["properties"]["book"]["properties"]["isbn"].is_object(),
        "{row}"
    );
    // Writes return the row alone.
    let create = tools.iter().find(|t| t["name"] == "shelf_create").unwrap();
    assert!(
        create["outputSchema"]["properties"].get("book").is_none(),
        "{create}"
    );
    let created = ok(server, dana, "shelf_create", json!({"book_id": 7})).await;
    assert!(created.get("book").is_none(), "{created}");
}

/// A shelf row whose book is gone (deleted between the page's read and its books' read, or
/// never constrained) embeds `null`, and the rest of the page is whole.
async fn related_row_gone(server: &Server) {
    let dana = Principal::new("dana").with_scopes(["mcp"]);
    let shelf = ok(server, dana.clone(), "shelf_list", json!({})).await;
    let books: Vec<(i64, Value)> = shelf["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["book_id"].as_i64().unwrap(), i["book"]["id"].clone()))
        .collect();
    assert_eq!(
        books,
        [(4, json!(4)), (6, Value::Null), (7, json!(7))],
        "{shelf}"
    );
    let gone = shelf["items"][1]["id"].clone();
    let one = ok(server, dana, "shelf_retrieve", json!({"id": gone})).await;
    assert_eq!(one["book"], Value::Null, "{one}");
}

async fn several_toolsets(server: &Server) {
    let editor = Principal::new("editor").with_scopes(["mcp", "authors:write"]);
    let names = |who: Principal| {
        server
            .test_client()
            .as_principal(who)
            .list_tools()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    // The editors' toolset is the editors': a reader sees only the one for everyone.
    assert!(
        !names(reader())
            .iter()
            .any(|t| t.starts_with("edit_authors_"))
    );
    let theirs = names(editor.clone());
    for tool in [
        "edit_authors_retrieve",
        "edit_authors_create",
        "edit_authors_partial_update",
        "edit_authors_destroy",
        "authors_list",
    ] {
        assert!(theirs.contains(&tool.to_owned()), "{tool} in {theirs:?}");
    }
    let denied = err(
        server,
        reader(),
        "edit_authors_create",
        json!({"name": "Nobody"}),
    )
    .await;
    assert!(denied.contains("authors:write"), "{denied}");

    // Its rows are named by `pk`, in the schema and in calls.
    let tools = server
        .test_client()
        .as_principal(editor.clone())
        .list_tools();
    let schema = &tools
        .iter()
        .find(|t| t["name"] == "edit_authors_partial_update")
        .unwrap()["inputSchema"];
    assert_eq!(schema["required"], json!(["pk"]));
    assert!(schema["properties"].get("id").is_none(), "{schema}");
    assert_eq!(
        schema["properties"]["country"]["type"],
        json!(["string", "null"])
    );
    let new = ok(
        server,
        editor.clone(),
        "edit_authors_create",
        json!({"name": "Ngũgĩ wa Thiong’o"}),
    )
    .await;
    let pk = new["id"].clone();
    let changed = ok(
        server,
        editor.clone(),
        "edit_authors_partial_update",
        json!({"pk": pk, "country": "NG"}),
    )
    .await;
    assert_eq!(changed["country"], "NG");
    // The same row through the toolset for everyone, by `id`.
    let read = ok(server, reader(), "authors_retrieve", json!({"id": pk})).await;
    assert_eq!(read["name"], "Ngũgĩ wa Thiong’o");
    let by_id = err(
        server,
        editor.clone(),
        "edit_authors_retrieve",
        json!({"id": pk}),
    )
    .await;
    assert!(
        by_id.contains("pk") && by_id.contains("missing required argument"),
        "{by_id}"
    );
    ok(
        server,
        editor.clone(),
        "edit_authors_destroy",
        json!({"pk": pk}),
    )
    .await;
    let gone = err(server, reader(), "authors_retrieve", json!({"id": pk})).await;
    assert!(gone.contains("no row of `authors`"), "{gone}");
}

async fn totals(server: &Server) {
    let r = reader();
    // Every matching row, on every page, with the filters and search of the page.
    let first = ok(
        server,
        r.clone(),
        "books_list",
        json!({"year__gte": 1960, "limit": 2, "with_total": true}),
    )
    .await;
    let all = ok(
        server,
        r.clone(),
        "books_list",
        json!({"year__gte": 1960, "limit": 100}),
    )
    .await;
    let matching = all["items"].as_array().unwrap().len();
    assert!(matching > 2, "{all}");
    assert_eq!(first["total"], matching);
    let second = ok(
        server,
        r.clone(),
        "books_list",
        json!({"year__gte": 1960, "limit": 2, "with_total": true, "cursor": first["next_cursor"]}),
    )
    .await;
    assert_eq!(second["total"], matching);
    let searched = ok(
        server,
        r.clone(),
        "books_list",
        json!({"search": "978-0156", "limit": 1, "with_total": true}),
    )
    .await;
    assert_eq!(searched["total"], 3);
    let none = ok(
        server,
        r.clone(),
        "books_list",
        json!({"year__gte": 3000, "with_total": true}),
    )
    .await;
    assert_eq!(none, json!({"items": [], "next_cursor": null, "total": 0}));
    // Within the caller's scope: another reader's shelf is not counted.
    let alice = Principal::new("alice").with_scopes(["mcp"]);
    let carol = Principal::new("carol").with_scopes(["mcp"]);
    let mine = ok(server, alice, "shelf_list", json!({"with_total": true})).await;
    assert_eq!(mine["total"], mine["items"].as_array().unwrap().len());
    let theirs = ok(server, carol, "shelf_list", json!({"with_total": true})).await;
    assert_eq!(theirs["total"], 0);
    let wrong = err(server, r, "books_list", json!({"with_total": "yes"})).await;
    assert!(
        wrong.contains("with_total") && wrong.contains("expected true or false"),
        "{wrong}"
    );
}

async fn paging_with_inserts_between(server: &Server) {
    for i in 0..25 {
        ok(
            server,
            clerk(),
            "books_create",
            json!({
                "title": format!("Paging {i:02}"), "isbn": format!("paging-{i:02}"),
                "author_id": 2, "year": 2000 + i, "price": 5.0, "in_stock": true,
            }),
        )
        .await;
    }
    let query = json!({"search": "paging", "order_by": "title", "limit": 10});
    let mut seen = Vec::new();
    let mut args = query.clone();
    let mut pages = 0;
    loop {
        let page = ok(server, reader(), "books_list", args.clone()).await;
        pages += 1;
        seen.extend(titles(&page));
        if pages == 1 {
            // Rows added before the cursor do not shift the pages after it; rows after it show.
            for (title, isbn) in [("Paging 00a", "paging-00a"), ("Paging 99", "paging-99")] {
                ok(server, clerk(), "books_create", json!({
                    "title": title, "isbn": isbn, "author_id": 2, "year": 2001, "price": 1.0, "in_stock": true,
                }))
                .await;
            }
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => args["cursor"] = cursor.into(),
            None => break,
        }
    }
    let expected: Vec<String> = (0..25)
        .map(|i| format!("Paging {i:02}"))
        .chain(["Paging 99".into()])
        .collect();
    assert_eq!(
        seen, expected,
        "every row once, in order, across {pages} pages"
    );
    assert_eq!(pages, 3);

    // A cursor is for the listing that gave it.
    let first = ok(server, reader(), "books_list", query.clone()).await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let other = err(
        server,
        reader(),
        "books_list",
        json!({"search": "paging", "order_by": "-title", "cursor": cursor}),
    )
    .await;
    assert!(
        other.contains("other filters, search or ordering"),
        "{other}"
    );
    let mut tampered = cursor.clone();
    tampered.replace_range(2..4, "zz");
    let bad = err(
        server,
        reader(),
        "books_list",
        json!({"search": "paging", "order_by": "title", "cursor": tampered}),
    )
    .await;
    assert!(bad.contains("cursor"), "{bad}");
    let bad = err(
        server,
        reader(),
        "books_list",
        json!({"cursor": "not a cursor"}),
    )
    .await;
    assert!(bad.contains("is not a cursor this tool gave out"), "{bad}");
    // A cursor the client wrote itself (a position of its choosing, with the listing's own
    // digest if it can read one) is refused: cursors are sealed, not just encoded.
    use base64::Engine as _;
    let base64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let digest = base64
        .decode(&cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|readable| readable["q"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let forged = base64.encode(json!({"v": "a", "k": 1, "q": digest}).to_string());
    let refused = err(
        server,
        reader(),
        "books_list",
        json!({"search": "paging", "order_by": "title", "cursor": forged}),
    )
    .await;
    assert!(
        refused.contains("is not a cursor this tool gave out"),
        "{refused}"
    );
}

async fn writes(server: &Server) {
    let c = clerk();
    // `in_stock` has a database default: create may leave it out.
    let book = ok(server, c.clone(), "books_create", json!({
        "title": "Cosmicomics", "isbn": "978-0156226004", "author_id": 2, "year": 1965, "price": 12.0,
    }))
    .await;
    assert_eq!(book["in_stock"], true);
    let id = book["id"].as_i64().unwrap();
    assert!(
        book["added_at"].as_str().unwrap().ends_with('Z'),
        "the database default: {book}"
    );

    let changed = ok(
        server,
        c.clone(),
        "books_partial_update",
        json!({"id": id, "price": 9.5}),
    )
    .await;
    assert_eq!(changed["price"], 9.5);
    assert_eq!(changed["title"], "Cosmicomics");
    let nothing = err(server, c.clone(), "books_partial_update", json!({"id": id})).await;
    assert!(
        nothing.contains("name at least one field to change"),
        "{nothing}"
    );

    let missing = err(
        server,
        c.clone(),
        "books_update",
        json!({"id": id, "title": "Cosmicomics"}),
    )
    .await;
    assert!(
        missing.contains("isbn") && missing.contains("missing required argument"),
        "{missing}"
    );
    let replaced = ok(server, c.clone(), "books_update", json!({
        "id": id, "title": "Cosmicomics (new)", "isbn": "978-0156226004", "author_id": 2, "year": 1965, "price": 13.0, "in_stock": false,
    }))
    .await;
    assert_eq!(replaced["in_stock"], false);

    // Constraint violations name the field.
    let dup = err(
        server,
        c.clone(),
        "books_partial_update",
        json!({"id": id, "isbn": "978-0802130303"}),
    )
    .await;
    assert!(
        dup.contains("isbn") && dup.contains("must be unique"),
        "{dup}"
    );
    let fk = err(
        server,
        c.clone(),
        "books_partial_update",
        json!({"id": id, "author_id": 999}),
    )
    .await;
    assert!(fk.contains("does not exist"), "{fk}");
    let check = err(
        server,
        c.clone(),
        "books_partial_update",
        json!({"id": id, "year": 99}),
    )
    .await;
    assert!(check.contains("breaks a constraint"), "{check}");

    let gone = ok(server, c.clone(), "books_destroy", json!({"id": id})).await;
    assert_eq!(gone["title"], "Cosmicomics (new)");
    let again = err(server, c.clone(), "books_destroy", json!({"id": id})).await;
    assert!(
        again.contains(&format!("no row of `books` has id {id}")),
        "{again}"
    );
    let missing = err(
        server,
        c,
        "books_partial_update",
        json!({"id": id, "price": 1.0}),
    )
    .await;
    assert!(missing.contains("no row of `books`"), "{missing}");
}

async fn bad_input(server: &Server) {
    let r = reader();
    let wrong = err(server, r.clone(), "books_list", json!({"year": "1968", "in_stock": "yes", "limit": 1000, "order_by": "isbn", "colour": "red"})).await;
    for expected in [
        "year: expected an integer",
        "in_stock: expected true or false",
        "limit: expected an integer from 1 to 100",
        "order_by: cannot order by `isbn`",
        "colour: unknown argument",
    ] {
        assert!(wrong.contains(expected), "{expected} in {wrong}");
    }
    let wrong = err(server, r, "books_retrieve", json!({"id": "4"})).await;
    assert!(wrong.contains("id: expected an integer"), "{wrong}");
    let wrong = err(
        server,
        clerk(),
        "books_create",
        json!({"title": 5, "year": 3_000_000_000_i64, "price": null}),
    )
    .await;
    for expected in [
        "title: expected a string",
        "year: expected an integer from",
        "price: must not be null",
        "isbn: missing required argument",
    ] {
        assert!(wrong.contains(expected), "{expected} in {wrong}");
    }
}

async fn metacharacters(server: &Server) {
    let nasty = [
        "Robert'); DROP TABLE books;--",
        "100% _under_ \\ back\\slash",
        "\"quoted\" $1 ? :name",
        "ünïcödé — «»",
    ];
    for (i, title) in nasty.iter().enumerate() {
        let isbn = format!("nasty-{i}' OR '1'='1");
        let book = ok(server, clerk(), "books_create", json!({
            "title": title, "isbn": isbn, "author_id": 3, "year": 2020, "price": 1.0, "in_stock": true,
        }))
        .await;
        assert_eq!(book["title"], *title);
        let found = ok(server, reader(), "books_list", json!({"search": title})).await;
        assert_eq!(titles(&found), [*title], "search for {title:?}");
    }
    let nul = err(server, clerk(), "books_create", json!({
        "title": "a\u{0}b", "isbn": "nul", "author_id": 3, "year": 2020, "price": 1.0, "in_stock": true,
    }))
    .await;
    assert!(
        nul.contains("title: must not contain the NUL character"),
        "{nul}"
    );
    // `%` and `_` match themselves, not anything.
    let found = ok(server, reader(), "books_list", json!({"search": "%"})).await;
    assert_eq!(titles(&found), [nasty[1]]);
    let found = ok(server, reader(), "books_list", json!({"search": "_under_"})).await;
    assert_eq!(titles(&found), [nasty[1]]);
    let none = ok(
        server,
        reader(),
        "authors_list",
        json!({"country": "' OR 1=1 --"}),
    )
    .await;
    assert_eq!(none["items"], json!([]));
    // The table is still there.
    ok(server, reader(), "books_retrieve", json!({"id": 1})).await;
}

async fn scoping(server: &Server) {
    let alice = Principal::new("alice").with_scopes(["mcp"]);
    let bob = Principal::new("bob").with_scopes(["mcp"]);
    let mine = ok(
        server,
        alice.clone(),
        "shelf_create",
        json!({"book_id": 1, "status": "reading"}),
    )
    .await;
    ok(
        server,
        alice.clone(),
        "shelf_create",
        json!({"book_id": 2, "status": "to-read", "note": "next"}),
    )
    .await;
    ok(
        server,
        bob.clone(),
        "shelf_create",
        json!({"book_id": 1, "status": "done"}),
    )
    .await;
    assert!(mine.get("owner").is_none(), "owner is not exposed");

    let alices = ok(server, alice.clone(), "shelf_list", json!({})).await;
    assert_eq!(alices["items"].as_array().unwrap().len(), 2);
    let bobs = ok(server, bob.clone(), "shelf_list", json!({"status": "done"})).await;
    assert_eq!(bobs["items"].as_array().unwrap().len(), 1);

    // Alice's row does not exist for Bob: not to read, change or delete.
    let id = mine["id"].clone();
    for (tool, args) in [
        ("shelf_retrieve", json!({"id": id})),
        ("shelf_partial_update", json!({"id": id, "status": "done"})),
        ("shelf_destroy", json!({"id": id})),
    ] {
        let hidden = err(server, bob.clone(), tool, args).await;
        assert!(hidden.contains("no row of `shelf`"), "{tool}: {hidden}");
    }
    let still = ok(server, alice.clone(), "shelf_retrieve", json!({"id": id})).await;
    assert_eq!(still["status"], "reading");
    // Dates: written, read back, and filtered by range.
    let done = ok(
        server,
        alice.clone(),
        "shelf_partial_update",
        json!({"id": id, "status": "done", "finished_on": "2026-03-01"}),
    )
    .await;
    assert_eq!(done["finished_on"], "2026-03-01");
    let march = ok(
        server,
        alice.clone(),
        "shelf_list",
        json!({"finished_on__gte": "2026-03-01", "finished_on__lte": "2026-03-31"}),
    )
    .await;
    assert_eq!(march["items"].as_array().unwrap().len(), 1);
    let april = ok(
        server,
        alice.clone(),
        "shelf_list",
        json!({"finished_on__gte": "2026-04-01"}),
    )
    .await;
    assert_eq!(april["items"], json!([]));
    let bad = err(
        server,
        alice.clone(),
        "shelf_partial_update",
        json!({"id": id, "finished_on": "March 1st"}),
    )
    .await;
    assert!(
        bad.contains("finished_on: expected a date like 2026-01-31"),
        "{bad}"
    );
    // The owner is not an argument at all.
    let refused = err(
        server,
        bob.clone(),
        "shelf_create",
        json!({"book_id": 3, "status": "done", "owner": "alice"}),
    )
    .await;
    assert!(refused.contains("owner: unknown argument"), "{refused}");
    // Anonymous callers are refused by the toolset's permission.
    let anonymous = server
        .test_client()
        .call("shelf_list", json!({}))
        .await
        .unwrap();
    assert!(anonymous.is_error);
}
