//! Replicas sharing a real `redis-server`: two server processes behind the same Redis admit
//! exactly the allowed number of calls between them, and when Redis goes away the counted
//! tools say so while the rest keep working; an announcement made on one replica reaches
//! `subscriptions/listen` streams open on either.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};

use mcp_kit::auth::sha256_hex;
use mcp_kit_tests::{
    Process, Response, call_body, free_port, listen, post_mcp_with, read_until, wait_for,
    wait_healthy,
};
use serde_json::json;

async fn start_redis() -> (Process, u16) {
    let port = free_port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server is installed (Debian package `redis-server`; .ci/run installs it)");
    let redis = Process(child);
    wait_for("redis-server", async || {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
            return false;
        };
        let mut reply = [0u8; 7];
        stream.write_all(b"PING\r\n").await.is_ok()
            && stream.read_exact(&mut reply).await.is_ok()
            && &reply == b"+PONG\r\n"
    })
    .await;
    (redis, port)
}

/// Starts a replica on a port the system picks, and reads the address from its log: a port
/// chosen beforehand could be taken meanwhile by another test's process (its Redis, say).
async fn start_replica(config: &Path) -> (Process, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_replica"))
        .arg("--config")
        .arg(config)
        .args(["serve", "--port", "0"])
        .env("RUST_LOG", "warn,mcp_kit::http=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start a replica");
    let stderr = child.stderr.take().expect("piped stderr");
    let replica = Process(child);
    let addr = tokio::task::spawn_blocking(move || {
        use std::io::BufRead as _;
        let mut lines = std::io::BufReader::new(stderr).lines();
        let addr = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| {
                let at = line.find("serving MCP on http://")? + "serving MCP on http://".len();
                let rest = &line[at..];
                rest[..rest.find('/')?].parse::<SocketAddr>().ok()
            })
            .expect("the replica logs the address it serves on");
        // Keep reading, so that the replica never blocks on a full pipe; its warnings explain
        // a failure.
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if line.contains("WARN") || line.contains("ERROR") {
                    eprintln!("replica {addr}: {line}");
                }
            }
        });
        addr
    })
    .await
    .expect("the log reader");
    wait_healthy(addr, "a replica").await;
    (replica, addr)
}

async fn call(addr: SocketAddr, token: &str, tool: &str) -> Response {
    let auth = format!("Bearer {token}");
    post_mcp_with(
        addr,
        &[("authorization", &auth)],
        call_body(tool, json!({})),
    )
    .await
}

/// The outcome of a tool call: its text, and whether it is an error.
fn outcome(response: &Response) -> (bool, String) {
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let result = &response.json()["result"];
    (
        result["isError"] == true,
        result["content"][0]["text"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn replicas_share_one_limit_through_redis() {
    let (redis, redis_port) = start_redis().await;
    let dir = std::env::temp_dir().join(format!("mcp-kit-redis-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("mcp-kit.toml");
    std::fs::write(
        &config,
        format!(
            r#"
write_rate_limit = [5, 3600]
rate_limit_redis_url = "redis://127.0.0.1:{redis_port}/"

[[auth.static_tokens]]
token_sha256 = "{alice}"
subject = "alice"
scopes = ["mcp"]

[[auth.static_tokens]]
token_sha256 = "{bob}"
subject = "bob"
scopes = ["mcp"]
"#,
            alice = sha256_hex("alice-token"),
            bob = sha256_hex("bob-token"),
        ),
    )
    .unwrap();
    let (_one, first) = start_replica(&config).await;
    let (_two, second) = start_replica(&config).await;

    // Twelve calls, alternating and concurrent: exactly five get through.
    let calls = (0..12).map(|n| {
        let addr = if n % 2 == 0 { first } else { second };
        async move { outcome(&call(addr, "alice-token", "stamp").await) }
    });
    let outcomes = futures_util::future::join_all(calls).await;
    let admitted = outcomes.iter().filter(|(error, _)| !error).count();
    assert_eq!(admitted, 5, "{outcomes:?}");
    for (error, text) in &outcomes {
        if *error {
            assert!(text.starts_with("rate limited: try again in "), "{text}");
        } else {
            assert_eq!(text, "stamped for alice");
        }
    }
    // Bob has his own count, on either replica.
    assert_eq!(
        outcome(&call(second, "bob-token", "stamp").await),
        (false, "stamped for bob".into())
    );

    // Redis goes away: counted calls are refused, clearly; the rest still work.
    drop(redis);
    let (error, text) = outcome(&call(first, "bob-token", "stamp").await);
    assert!(error, "{text}");
    assert_eq!(
        text,
        "unavailable: rate limits cannot be counted right now; try again later"
    );
    assert_eq!(
        outcome(&call(first, "bob-token", "peek").await),
        (false, "peeked".into())
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// How many clients of the Redis on `port` are subscribed to `channel` (`PUBSUB NUMSUB`).
async fn subscribers(port: u16, channel: &str) -> u64 {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect to redis-server");
    let command = format!("PUBSUB NUMSUB {channel}\r\n");
    stream.write_all(command.as_bytes()).await.unwrap();
    // `*2 $len channel :count`: the count is the last line.
    let mut reply = String::new();
    let mut buffer = [0u8; 256];
    while reply.matches("\r\n").count() < 4 {
        let n = stream.read(&mut buffer).await.unwrap();
        assert!(n > 0, "redis-server closed the connection: {reply}");
        reply.push_str(&String::from_utf8_lossy(&buffer[..n]));
    }
    let count = reply.lines().nth(3).and_then(|line| line.strip_prefix(':'));
    count
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("not a PUBSUB NUMSUB reply: {reply:?}"))
}

#[tokio::test]
async fn an_announcement_on_one_replica_reaches_listeners_on_the_other() {
    let (_redis, redis_port) = start_redis().await;
    let dir = std::env::temp_dir().join(format!("mcp-kit-notify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("mcp-kit.toml");
    std::fs::write(
        &config,
        format!(
            r#"
notify_redis_url = "redis://127.0.0.1:{redis_port}/"

[[auth.static_tokens]]
token_sha256 = "{alice}"
subject = "alice"
scopes = ["mcp"]
"#,
            alice = sha256_hex("alice-token"),
        ),
    )
    .unwrap();
    let (_one, first) = start_replica(&config).await;
    let (_two, second) = start_replica(&config).await;

    let filter = json!({"resourceSubscriptions": ["replica://doc"]});
    let mut on_first = listen(first, "alice-token", 7, filter.clone()).await;
    let mut on_second = listen(second, "alice-token", 7, filter).await;
    let (mut first_seen, mut second_seen) = (String::new(), String::new());
    read_until(&mut on_first, &mut first_seen, "acknowledged").await;
    read_until(&mut on_second, &mut second_seen, "acknowledged").await;
    // The replicas subscribe to Redis in the background: announce once both have.
    wait_for("both replicas to subscribe to announcements", async || {
        subscribers(redis_port, "mcp-kit:announcements").await == 2
    })
    .await;
    assert_eq!(
        outcome(&call(first, "alice-token", "touch").await),
        (false, "touched".into())
    );
    let update = r#""method":"notifications/resources/updated""#;
    read_until(&mut on_second, &mut second_seen, update).await;
    assert!(
        second_seen.contains(r#""uri":"replica://doc""#),
        "{second_seen}"
    );
    // The announcing replica's own listener hears it too, from the replica itself.
    read_until(&mut on_first, &mut first_seen, update).await;
    let _ = std::fs::remove_dir_all(dir);
}
