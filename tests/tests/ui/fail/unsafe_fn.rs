use mcp_kit::prelude::*;

#[tool]
unsafe fn danger() {}

fn main() {
    unsafe { danger() };
}
