#!/usr/bin/env bash
# Start-up with a 1,000-operation OpenAPI document, against the same server without it.
#
# Writes documents of 250 paths with four operations each (list, create, read, delete) over 50
# component schemas, as JSON and as YAML: `things` where each schema refers to one shared
# schema and one to itself (a typical API), and `chain` where schema i refers to schema i-1, so
# an operation's schema needs 25 others on average (the worst case: every tool carries its own
# copy of each schema it needs). Release-builds benches/src/bin/openapi_startup.rs, which reads a document, makes its
# tools, builds the server and exits; and times whole processes with farm-bench, each paired
# against the run without a document. Goal: under 100 ms more than without it.
#
#   bash benches/openapi.sh [RUNS]      (from the repository root; RUNS=20)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${1:-20}
out=$root/target/bench-results/openapi
mkdir -p "$out"

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
try:
    import yaml
except ImportError:
    yaml = None
    print("PyYAML is not installed: the YAML runs are skipped", file=sys.stderr)

def document(chain):
    schemas = {"Audit": {"type": "object", "properties": {
        "created": {"type": "string", "format": "date-time"}, "by": {"type": "string"}}}}
    for i in range(50):
        props = {"id": {"type": "integer"}, "name": {"type": "string", "nullable": True},
                 "tags": {"type": "array", "items": {"type": "string"}},
                 "audit": {"$ref": "#/components/schemas/Audit"}}
        if chain and i > 0:
            props["parent"] = {"$ref": f"#/components/schemas/Thing{i - 1}"}
        if i == 0:
            props["children"] = {"type": "array", "items": {"$ref": "#/components/schemas/Thing0"}}
        schemas[f"Thing{i}"] = {"type": "object", "required": ["name"], "properties": props}
    paths = {}
    json_of = lambda schema: {"application/json": {"schema": schema}}
    for p in range(250):
        thing = {"$ref": f"#/components/schemas/Thing{p % 50}"}
        paths[f"/things{p}"] = {
            "get": {"operationId": f"listThings{p}", "summary": f"List things {p}",
                    "parameters": [{"$ref": "#/components/parameters/Limit"},
                                   {"name": "tag", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}],
                    "responses": {"200": {"description": "ok", "content": json_of(
                        {"type": "object", "properties": {"items": {"type": "array", "items": thing}}})}}},
            "post": {"operationId": f"createThing{p}", "requestBody": {"required": True, "content": json_of(thing)},
                     "responses": {"201": {"description": "ok", "content": json_of(thing)}}},
        }
        paths[f"/things{p}/{{id}}"] = {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {"operationId": f"getThing{p}", "responses": {"200": {"description": "ok", "content": json_of(thing)}}},
            "delete": {"operationId": f"deleteThing{p}", "responses": {"204": {"description": "gone"}}},
        }
    return {"openapi": "3.0.3", "info": {"title": "Things", "version": "1"}, "paths": paths,
            "components": {"schemas": schemas, "parameters": {"Limit": {
                "name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}}}}

for name, chain in [("things", False), ("chain", True)]:
    doc = document(chain)
    json.dump(doc, open(f"{out}/{name}.json", "w"))
    if yaml:
        yaml.safe_dump(doc, open(f"{out}/{name}.yaml", "w"), sort_keys=False)
PY
ls -l "$out"/*.json "$out"/*.yaml 2>/dev/null || true

timeout 1800 cargo build -q --release -p mcp-kit-benches --bin openapi_startup
bin=$root/target/release/openapi_startup
"$bin" "$out/things.json" 2>/dev/null

for doc in "$out"/things.json "$out"/things.yaml "$out"/chain.json "$out"/chain.yaml; do
  [ -e "$doc" ] || continue
  echo
  echo "== $(basename "$doc") (A) against no document (B) =="
  farm-bench -n "$runs" --warmup 2 --vs "$bin" -- "$bin" "$doc" | grep -E "runs counted|wall s|cpu s|peak MiB|A/B wall"
done
