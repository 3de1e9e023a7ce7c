use mcp_kit::prelude::*;

async fn ids(_prefix: String) -> Vec<String> {
    Vec::new()
}

#[resource("notes://{id}", complete(name = ids), rate_limit(calls = 5, per = 60))]
fn note(id: u64) -> String {
    id.to_string()
}

fn main() {
    let _ = note(1);
}
