#!/usr/bin/env python3
"""Generates the standalone crates the compile-time and start-up benchmarks build.

    python3 benches/generate.py [--out DIR] [--tree DIR]

Writes four crates into DIR (default: target/bench-crates), each its own workspace (an empty
`[workspace]` table), depending on mcp-kit by absolute path plus serde (derive), schemars 1 and
serde_json, and starting from that checkout's Cargo.lock so that every crate resolves the same
dependency versions and all can share one CARGO_TARGET_DIR. The mcp-kit is `--tree`'s (default:
$MCP_KIT_TREE, else this repository, found from this script's location), so that a snapshot
(`git archive HEAD | tar -x -C target/bench-snapshot/REV`) can be measured while the work tree
changes.

  tools-hand    100 tools `async fn tool_{i}(args: Args<Tool{i}Args>) -> String` wired by hand:
                one `input_schema(name)` match over `schemars::schema_for!`, one
                `dispatch(name, args)` match over `serde_json::from_value`, each registered with
                `Tool::from_schema` on a `Server::builder().without_linked_tools()`.
  tools-macro   the same 100 functions and args structs, each under `#[tool]`; `run!()`.
  tools-params  100 `#[tool] async fn tool_{i}(a: i64, b: String, c: Option<bool>) -> String`.
  many-tools    1,000 `#[tool]`s with plain parameters, for start-up time.

Besides `src/main.rs`, each crate gets `variants/`: `main.rs.orig` (a copy of src/main.rs),
`main.rs.edit` (tool_50's string literal changed) and `main.rs.add` (one more tool, tool_{N}),
which benches/compile.sh copies into place. Files whose content is unchanged are not rewritten,
so running this again does not make cargo rebuild.
"""

import argparse
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EDITED_TOOL = 50


def cargo_toml(name: str, mcp_kit: Path) -> str:
    return f"""[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
mcp-kit = {{ path = "{mcp_kit.as_posix()}" }}
serde = {{ version = "1", features = ["derive"] }}
schemars = "1"
serde_json = "1"

# A workspace of its own, so that it is not taken for a member of the repository's workspace.
[workspace]
"""


def body(i: int, prefix: str, edited: bool) -> str:
    """The tool's body: a format! whose literal is what the `edit` variant changes."""
    label = f"tool_{i} (edited)" if edited else f"tool_{i}"
    return (
        f'    format!("{label}: a={{}} b={{}} c={{}}", {prefix}a + {i}, {prefix}b, '
        f"{prefix}c.unwrap_or(false))\n"
    )


def args_struct(i: int) -> str:
    return (
        "#[derive(serde::Deserialize, schemars::JsonSchema)]\n"
        f"struct Tool{i}Args {{\n    a: i64,\n    b: String,\n    c: Option<bool>,\n}}\n"
    )


def args_tool(i: int, attribute: bool, edited: bool = False) -> str:
    """`tool_{i}` taking `Args<Tool{i}Args>`, with its struct; under `#[tool]` or not."""
    attr = "#[tool]\n" if attribute else ""
    return (
        args_struct(i)
        + "\n"
        + f"{attr}async fn tool_{i}(args: Args<Tool{i}Args>) -> String {{\n"
        + body(i, "args.", edited)
        + "}\n"
    )


def params_tool(i: int, edited: bool = False) -> str:
    return (
        "#[tool]\n"
        f"async fn tool_{i}(a: i64, b: String, c: Option<bool>) -> String {{\n"
        + body(i, "", edited)
        + "}\n"
    )


MACRO_MAIN = """
fn main() -> Result<(), mcp_kit::Error> {
    mcp_kit::run!()
}
"""


def macro_source(tools: int, edit: bool) -> str:
    parts = ["use mcp_kit::prelude::*;\n"]
    parts += [args_tool(i, True, edit and i == EDITED_TOOL) for i in range(tools)]
    return "\n".join(parts) + MACRO_MAIN


def params_source(tools: int, edit: bool) -> str:
    parts = ["use mcp_kit::prelude::*;\n"]
    parts += [params_tool(i, edit and i == EDITED_TOOL) for i in range(tools)]
    return "\n".join(parts) + MACRO_MAIN


def hand_source(tools: int, edit: bool) -> str:
    parts = [
        "use mcp_kit::{Args, Server, Tool, ToolError};\n"
        "use serde_json::{Map, Value};\n"
    ]
    parts += [args_tool(i, False, edit and i == EDITED_TOOL) for i in range(tools)]
    names = "".join(f'    "tool_{i}",\n' for i in range(tools))
    parts.append(f"static NAMES: &[&str] = &[\n{names}];\n")
    schema_arms = "".join(
        f'        "tool_{i}" => schemars::schema_for!(Tool{i}Args),\n' for i in range(tools)
    )
    parts.append(
        "fn input_schema(name: &str) -> Map<String, Value> {\n"
        "    let schema = match name {\n"
        f"{schema_arms}"
        '        _ => unreachable!("no tool named {name}"),\n'
        "    };\n"
        "    let Value::Object(mut schema) = schema.to_value() else {\n"
        '        unreachable!("a struct\'s schema is an object")\n'
        "    };\n"
        '    schema.remove("$schema");\n'
        "    schema\n"
        "}\n"
    )
    dispatch_arms = "".join(
        f'        "tool_{i}" => Ok(tool_{i}(Args(serde_json::from_value::<Tool{i}Args>(args).map_err(bad)?)).await),\n'
        for i in range(tools)
    )
    parts.append(
        "fn bad(error: serde_json::Error) -> ToolError {\n"
        "    ToolError::bad_request(error.to_string())\n"
        "}\n\n"
        "async fn dispatch(name: &str, args: Map<String, Value>) -> Result<String, ToolError> {\n"
        "    let args = Value::Object(args);\n"
        "    match name {\n"
        f"{dispatch_arms}"
        '        _ => Err(ToolError::not_found(format!("no tool named {name}"))),\n'
        "    }\n"
        "}\n"
    )
    parts.append(
        "fn main() -> Result<(), mcp_kit::Error> {\n"
        "    let mut builder = Server::builder()\n"
        '        .info(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))\n'
        "        .without_linked_tools();\n"
        "    for &name in NAMES {\n"
        "        builder = builder.tool(Tool::from_schema(name, input_schema(name), move |args| {\n"
        "            dispatch(name, args)\n"
        "        }));\n"
        "    }\n"
        "    builder.run()\n"
        "}\n"
    )
    return "\n".join(parts)


CRATES = {
    # name: (source(tools, edit), tools)
    "tools-hand": (hand_source, 100),
    "tools-macro": (macro_source, 100),
    "tools-params": (params_source, 100),
    "many-tools": (params_source, 1000),
}


def write(path: Path, text: str) -> bool:
    """Writes `text` unless the file already holds it (keeps mtimes, so no rebuild)."""
    if path.exists() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "target" / "bench-crates")
    parser.add_argument("--tree", type=Path, default=Path(os.environ.get("MCP_KIT_TREE", ROOT)))
    options = parser.parse_args()
    out, tree = options.out.resolve(), options.tree.resolve()
    if not (tree / "mcp-kit" / "Cargo.toml").exists():
        parser.error(f"{tree} has no mcp-kit/Cargo.toml")
    lock = tree / "Cargo.lock"
    for name, (source, tools) in CRATES.items():
        crate = out / name
        manifest_changed = write(crate / "Cargo.toml", cargo_toml(name, tree / "mcp-kit"))
        original = source(tools, edit=False)
        write(crate / "src" / "main.rs", original)
        write(crate / "variants" / "main.rs.orig", original)
        write(crate / "variants" / "main.rs.edit", source(tools, edit=True))
        write(crate / "variants" / "main.rs.add", source(tools + 1, edit=False))
        if lock.exists() and (manifest_changed or not (crate / "Cargo.lock").exists()):
            shutil.copyfile(lock, crate / "Cargo.lock")
        print(f"{crate}: {tools} tools, mcp-kit at {tree / 'mcp-kit'}")


if __name__ == "__main__":
    main()
