use mcp_kit::openapi_tools;

fn main() {
    let _api = openapi_tools!(
        "../openapi/clash.json",
        prefx = "pets",
        base_url = "ftp://pets.example.com",
        include_operations = ["same"],
    );
    let _no_path = openapi_tools!(prefix = "pets");
}
