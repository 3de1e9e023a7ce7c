"""An MCP server on the official Python SDK whose tool list changes: `reveal` adds the tool
`revealed` and announces it. Serves Streamable HTTP on 127.0.0.1 at the port given as the
first argument; the mount tests put it behind `examples/everything`."""

from __future__ import annotations

import sys

from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("changing-upstream")


def revealed() -> str:
    """A tool that exists only once `reveal` was called."""
    return "here"


@server.tool()
async def reveal(ctx: Context) -> str:
    """Adds the tool `revealed` and announces that the tool list changed."""
    server.add_tool(revealed, name="revealed")
    await ctx.notify_tools_changed()
    return "revealed"


if __name__ == "__main__":
    server.run(transport="streamable-http", host="127.0.0.1", port=int(sys.argv[1]))
