//! Values that travel as strings (resource template variables, prompt arguments) turned into
//! the JSON their parameters' schemas ask for, so `id: u64` gets a number from `notes://42`.

use serde_json::{Map, Value};

use crate::error::{FieldError, ToolError};

/// Each value as its property's schema wants it: integers, numbers and booleans are parsed;
/// anything else stays a string. Every value that does not parse is named in the error.
pub(crate) fn coerce(
    values: impl IntoIterator<Item = (String, String)>,
    schema: &Map<String, Value>,
) -> Result<Map<String, Value>, ToolError> {
    let properties = schema.get("properties").and_then(Value::as_object);
    let mut out = Map::new();
    let mut errors = Vec::new();
    for (name, text) in values {
        let types = properties
            .and_then(|p| p.get(&name))
            .map(types)
            .unwrap_or_default();
        match parse(&text, &types) {
            Ok(value) => {
                out.insert(name, value);
            }
            Err(expected) => errors.push(FieldError {
                field: name,
                message: format!("expected {expected}, got `{text}`"),
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ToolError::invalid(errors))
    }
}

/// The JSON types a property allows, from `type` (a name or a list).
fn types(property: &Value) -> Vec<&str> {
    match property.get("type") {
        Some(Value::String(name)) => vec![name.as_str()],
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn parse(text: &str, types: &[&str]) -> Result<Value, &'static str> {
    if types.is_empty() || types.contains(&"string") {
        return Ok(Value::String(text.to_owned()));
    }
    if types.contains(&"integer") {
        if let Ok(n) = text.parse::<i64>() {
            return Ok(n.into());
        }
        if let Ok(n) = text.parse::<u64>() {
            return Ok(n.into());
        }
        return Err("an integer");
    }
    if types.contains(&"number") {
        return text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or("a number");
    }
    if types.contains(&"boolean") {
        return text
            .parse::<bool>()
            .map(Value::Bool)
            .map_err(|_| "`true` or `false`");
    }
    Ok(Value::String(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn values_follow_their_schema() {
        let schema = json!({"properties": {
            "id": {"type": "integer"}, "ratio": {"type": "number"},
            "flag": {"type": ["boolean", "null"]}, "name": {"type": "string"},
        }});
        let schema = schema.as_object().unwrap();
        let pairs = [
            ("id", "42"),
            ("ratio", "0.5"),
            ("flag", "true"),
            ("name", "7"),
            ("x", "y"),
        ];
        let values = coerce(pairs.map(|(k, v)| (k.to_owned(), v.to_owned())), schema).unwrap();
        assert_eq!(
            Value::Object(values),
            json!({"id": 42, "ratio": 0.5, "flag": true, "name": "7", "x": "y"})
        );
        let error = coerce(
            [("id", "forty"), ("flag", "yes")].map(|(k, v)| (k.to_owned(), v.to_owned())),
            schema,
        )
        .unwrap_err();
        assert_eq!(
            error.message(),
            "id: expected an integer, got `forty`; flag: expected `true` or `false`, got `yes`"
        );
    }
}
