use mcp_kit::prelude::*;

#[resource("notes://{id}/{part}")]
fn note(id: u64) -> String {
    id.to_string()
}

fn main() {
    let _ = note(1);
}
