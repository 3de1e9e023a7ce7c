//! Start-up with an OpenAPI document: reads it, makes its tools and builds the server, then
//! exits, printing the number of tools. Without a document, the same minus the document.
//!
//!   openapi_startup [DOCUMENT]      (see benches/openapi.sh)

use mcp_kit::Server;
use mcp_kit::openapi::OpenApi;

fn main() {
    let mut builder = Server::builder().without_linked_tools();
    if let Some(path) = std::env::args().nth(1) {
        let api = OpenApi::from_path(&path)
            .expect("the document parses")
            .base_url("http://127.0.0.1:9");
        builder = builder.tools(api.tools().expect("the operations become tools"));
    }
    let server = builder.build().expect("the server builds");
    println!("{} tools", server.registry().tools().len());
    // Start-up ends here; freeing the registry is a shutdown cost, not measured.
    std::process::exit(0);
}
