use mcp_kit::prelude::*;

struct Counter(u64);

#[toolset(prefix = "counter")]
impl Counter {
    /// Adds one.
    pub fn bump(&mut self) -> u64 {
        self.0 += 1;
        self.0
    }

    /// Takes the counter away.
    pub fn take(self) -> u64 {
        self.0
    }
}

struct Wrapper<T>(T);

#[toolset(prefix = "wrapper")]
impl<T: Send + Sync + 'static> Wrapper<T> {
    /// Nothing.
    pub fn nothing(&self) {}
}

fn main() {}
