use mcp_kit::openapi::OpenApi;
use mcp_kit::openapi_tools;

fn main() {
    // Only `/a` is chosen, so the two `same` operations do not clash.
    let api: OpenApi = openapi_tools!(
        "../openapi/clash.json",
        prefix = "pets",
        base_url = "http://127.0.0.1:9",
        include_paths = ["/a"],
    );
    let tools = api.tools().unwrap();
    assert_eq!(tools.len(), 1);
    assert_eq!(tools[0].name(), "pets_same");
}
