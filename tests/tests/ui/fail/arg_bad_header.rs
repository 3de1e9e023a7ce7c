use mcp_kit::prelude::*;

/// Header names must be HTTP tokens, each used once.
#[tool]
async fn route(
    #[arg(header = "Data Center")] site: String,
    #[arg(header = "Region")] region: String,
    #[arg(header = "region")] zone: String,
    #[arg(header = "")] rack: String,
) -> String {
    format!("{site} {region} {zone} {rack}")
}

fn main() {}
