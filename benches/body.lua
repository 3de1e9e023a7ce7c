-- wrk script: the JSON-RPC request in the file $MCP_BODY, once per request.
wrk.method = "POST"
wrk.body = io.open(os.getenv("MCP_BODY")):read("*a")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
