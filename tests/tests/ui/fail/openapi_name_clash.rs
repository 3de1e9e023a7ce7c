use mcp_kit::openapi_tools;

fn main() {
    let _api = openapi_tools!("../openapi/clash.json", prefix = "pets");
}
