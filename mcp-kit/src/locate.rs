//! Finds where in the arguments a deserialization error lies, by walking the tool's JSON
//! Schema. serde's messages say what was expected but not where; tracking the path inside the
//! deserializer would compile a second copy of every argument type's `Deserialize` impl, so the
//! (cached, non-generic) schema is walked instead, and only when something failed.

use serde_json::{Map, Value};

/// The path of the first value in `value` that does not have the type `schema` asks for,
/// e.g. `items[2].name`, starting from `path`.
pub(crate) fn locate(
    root: &Map<String, Value>,
    schema: &Value,
    value: &Value,
    path: &str,
) -> Option<String> {
    let schema = resolve(root, schema, 0)?;
    if let Some(types) = schema.get("type")
        && !type_matches(types, value)
    {
        return Some(path.to_owned());
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = schema.get(key) {
            // A value that fits no branch: descend into the first branch of its JSON type.
            let fits = |branch: &Value| locate(root, branch, value, path).is_none();
            if !branches.iter().any(fits) {
                let same_type = branches.iter().find(|b| {
                    resolve(root, b, 0)
                        .and_then(|b| b.get("type"))
                        .is_some_and(|t| type_matches(t, value))
                });
                return Some(match same_type {
                    Some(branch) => {
                        locate(root, branch, value, path).unwrap_or_else(|| path.to_owned())
                    }
                    None => path.to_owned(),
                });
            }
        }
    }
    match value {
        Value::Object(fields) => {
            let properties = schema.get("properties").and_then(Value::as_object)?;
            fields.iter().find_map(|(name, field)| {
                let child = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                locate(root, properties.get(name)?, field, &child)
            })
        }
        Value::Array(items) => {
            let item_schema = schema.get("items")?;
            items
                .iter()
                .enumerate()
                .find_map(|(i, item)| locate(root, item_schema, item, &format!("{path}[{i}]")))
        }
        _ => None,
    }
}

/// Follows `$ref`s into the root's `$defs`.
fn resolve<'a>(
    root: &'a Map<String, Value>,
    schema: &'a Value,
    depth: usize,
) -> Option<&'a Map<String, Value>> {
    let schema = schema.as_object()?;
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) if depth < 32 => {
            let name = reference.strip_prefix("#/$defs/")?;
            let target = root.get("$defs")?.get(name)?;
            resolve(root, target, depth + 1)
        }
        _ => Some(schema),
    }
}

fn type_matches(types: &Value, value: &Value) -> bool {
    let one = |t: &str| match t {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    };
    match types {
        Value::String(t) => one(t),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(one),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_nested_paths_through_refs_and_options() {
        let root = json!({
            "type": "object",
            "properties": {
                "a": {"type": "integer"},
                "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}},
                "maybe": {"anyOf": [{"$ref": "#/$defs/Item"}, {"type": "null"}]}
            },
            "$defs": {"Item": {"type": "object", "properties": {"name": {"type": "string"}}}}
        });
        let root = root.as_object().unwrap();
        let schema = Value::Object(root.clone());
        let at = |value: Value| locate(root, &schema, &value, "");
        assert_eq!(at(json!({"a": "x"})), Some("a".into()));
        assert_eq!(at(json!({"a": 1.5})), Some("a".into()));
        assert_eq!(
            at(json!({"items": [{"name": "x"}, {"name": 3}]})),
            Some("items[1].name".into())
        );
        assert_eq!(
            at(json!({"maybe": {"name": false}})),
            Some("maybe.name".into())
        );
        assert_eq!(at(json!({"maybe": null, "a": 1})), None);
        assert_eq!(at(json!("not an object")), Some(String::new()));
    }
}
