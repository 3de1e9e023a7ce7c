use mcp_kit::prelude::*;

struct Service;

impl Service {
    #[tool]
    async fn method(&self, x: i64) -> i64 {
        x
    }
}

fn main() {
    let _ = Service.method(1);
}
