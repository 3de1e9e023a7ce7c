//! Tasks: creating a task and reading its result against a plain call of the same tool;
//! `tasks/get` with 100,000 finished tasks in the store against one; and the memory of
//! 10,000 live tasks. In process, through `TestClient`, on a SQLite file.
//!
//!   cargo bench -p mcp-kit-benches --bench tasks

use std::hint::black_box;

use criterion::Criterion;
use mcp_kit::prelude::*;
use mcp_kit::testing::TestClient;
use serde_json::{Value, json};

/// Answers at once: as a task, the task is created finished.
#[tool(task = "required")]
async fn echo_task(text: String) -> String {
    text
}

/// The same tool as a plain call.
#[tool]
async fn echo(text: String) -> String {
    text
}

/// Runs until cancelled.
#[tool(task = "required")]
async fn forever() -> String {
    std::future::pending::<()>().await;
    unreachable!()
}

fn client(dir: &tempfile::TempDir) -> TestClient {
    let mut settings = mcp_kit::Settings::default();
    let file = dir.path().join("tasks.db");
    settings.tasks.database_url = format!("sqlite://{}?mode=rwc", file.display());
    settings.tasks.max_live_per_caller = 1_000_000;
    // No rate limit: it would refuse all but the first calls, and that is what would be timed.
    settings.write_rate_limit = (0, 0);
    Server::builder()
        .settings(settings)
        .build()
        .unwrap()
        .test_client()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

fn calls(c: &mut Criterion) {
    let runtime = runtime();
    let dir = tempfile::tempdir().unwrap();
    let client = client(&dir);
    let arguments = json!({"text": "hello"});
    let mut group = c.benchmark_group("echo");
    group.bench_function("call", |b| {
        b.to_async(&runtime).iter(|| async {
            let output = client.call("echo", arguments.clone()).await.unwrap();
            assert!(!output.is_error, "{output:?}");
            black_box(output)
        })
    });
    group.bench_function("task_created_and_read", |b| {
        b.to_async(&runtime).iter(|| async {
            let task = client
                .call_task("echo_task", arguments.clone())
                .await
                .unwrap();
            let id = task["taskId"].as_str().unwrap();
            let task = client.get_task(id).await.unwrap();
            assert_eq!(task["result"]["isError"], false, "{task}");
            black_box(task)
        })
    });
    group.finish();
}

fn gets(c: &mut Criterion) {
    let runtime = runtime();
    let mut group = c.benchmark_group("tasks_get");
    for (name, others) in [("1_task", 0), ("100000_tasks", 100_000)] {
        let dir = tempfile::tempdir().unwrap();
        let client = client(&dir);
        let id = runtime.block_on(async {
            let task = client
                .call_task("echo_task", json!({"text": "x"}))
                .await
                .unwrap();
            fill(&dir, others).await;
            task["taskId"].as_str().unwrap().to_owned()
        });
        group.bench_function(name, |b| {
            b.to_async(&runtime)
                .iter(|| async { black_box(client.get_task(&id).await.unwrap()) })
        });
    }
    group.finish();
}

/// `count` more finished tasks, copies of the one there, each with its own id.
async fn fill(dir: &tempfile::TempDir, count: u32) {
    use sqlx::Connection as _;
    if count == 0 {
        return;
    }
    let url = format!("sqlite://{}", dir.path().join("tasks.db").display());
    let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
         INSERT INTO mcp_tasks
         SELECT 'filler-' || i, subject, tool, arguments, declared, status, status_message,
                answers, input_requests, result, error, owner, heartbeat_at, created_at,
                updated_at, expires_at, revision
         FROM n, (SELECT * FROM mcp_tasks LIMIT 1)",
    )
    .bind(count)
    .execute(&mut db)
    .await
    .unwrap();
}

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn memory() {
    const LIVE: usize = 10_000;
    let runtime = runtime();
    let dir = tempfile::tempdir().unwrap();
    let client = client(&dir);
    runtime.block_on(async {
        // One first, so the pool, the schema and the runtime's own memory are counted before.
        let first: Value = client.start_task("forever", json!({})).await.unwrap();
        assert_eq!(first["status"], "working");
        let before = rss_kib();
        let mut last = first;
        for _ in 1..LIVE {
            last = client.start_task("forever", json!({})).await.unwrap();
        }
        let after = rss_kib();
        let id = last["taskId"].as_str().unwrap();
        assert_eq!(client.get_task(id).await.unwrap()["status"], "working");
        let per_task = (after - before) as f64 * 1024.0 / (LIVE - 1) as f64;
        println!(
            "memory: {LIVE} live tasks: RSS {before} KiB before, {after} KiB after: {:.1} MiB, \
             {per_task:.0} bytes per task",
            (after - before) as f64 / 1024.0
        );
    });
}

fn main() {
    // First, while the allocator has no memory freed by the benchmarks to hand out again.
    memory();
    let mut criterion = Criterion::default().configure_from_args();
    calls(&mut criterion);
    gets(&mut criterion);
    criterion.final_summary();
}
