use mcp_kit::prelude::*;

#[resource("numbers://{n}")]
fn number(n: u64) -> u64 {
    n
}

fn main() {
    let _ = number(1);
}
