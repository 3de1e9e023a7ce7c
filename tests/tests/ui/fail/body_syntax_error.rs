use mcp_kit::prelude::*;

// A mistake inside the body is rustc's to report, once, at the mistake: the macro does not
// parse the body, so it cannot mistake the item for something other than a function.
#[tool]
async fn shout(text: String) -> String {
    let loud = ;
    text.to_uppercase()
}

fn main() {}
