use mcp_kit::openapi_tools;

fn main() {
    let _missing = openapi_tools!("../openapi/nowhere.json");
    let _broken = openapi_tools!("../openapi/broken.yaml");
}
