//! The smallest useful mcp-kit server: `cargo run -p hello` serves it on port 8810.

// The tools are found at link time; naming the crate keeps the linker from dropping it.
use hello as _;

fn main() -> Result<(), mcp_kit::Error> {
    mcp_kit::run!()
}
