use mcp_kit::prelude::*;

#[tool]
async fn open() -> std::fs::File {
    std::fs::File::open("/dev/null").unwrap()
}

#[tool]
fn open_sync() -> std::fs::File {
    std::fs::File::open("/dev/null").unwrap()
}

fn main() {
    let _ = open();
    let _ = open_sync();
}
