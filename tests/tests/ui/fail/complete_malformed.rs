use mcp_kit::prelude::*;

async fn ids(_prefix: String) -> Vec<String> {
    Vec::new()
}

#[resource("notes://{id}", complete(id, name = "ids", id = ids))]
fn note(id: u64) -> String {
    id.to_string()
}

#[prompt(complete(topic(ids)))]
fn brief(topic: String) -> String {
    topic
}

fn main() {
    let _ = (note(1), brief(String::new()));
}
