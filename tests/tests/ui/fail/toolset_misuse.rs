use mcp_kit::prelude::*;

struct Notes;

trait Named {
    fn name(&self) -> String;
}

#[toolset(prefix = "notes")]
impl Named for Notes {
    fn name(&self) -> String {
        "notes".into()
    }
}

struct Counter;

#[toolset(prefix = "counter")]
impl Counter {
    /// Reads the counter.
    #[tool = "read"]
    pub fn read(&self) -> u64 {
        0
    }
}

fn main() {}
