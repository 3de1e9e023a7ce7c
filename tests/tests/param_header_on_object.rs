//! A parameter header on an argument that cannot travel in a header (an object) is found
//! when the server is built, with a message naming the parameter.

use mcp_kit::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
struct Place {
    city: String,
}

/// Moves somewhere.
#[tool]
async fn relocate(#[arg(header = "Place")] place: Place) -> String {
    place.city
}

#[test]
#[should_panic(expected = "`#[arg(header = \"Place\")]` is on `place`, which is not a string")]
fn a_header_on_an_object_argument_is_refused_at_build() {
    let _ = Server::builder().build();
}
