use mcp_kit::prelude::*;

#[resource("notes://{id}")]
fn note(id: u64, verbose: bool) -> String {
    format!("{id} {verbose}")
}

fn main() {
    let _ = note(1, true);
}
