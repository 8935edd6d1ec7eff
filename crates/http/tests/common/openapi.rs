//! Every API response the tests receive, checked against the OpenAPI document the server
//! publishes (`crates/http/src/api/openapi.json`), so the document cannot drift from what the
//! handlers send.
//!
//! Written by hand rather than with a JSON Schema engine: the document uses a handful of
//! keywords (`type`, `properties`, `required`, `items`, `enum`, `additionalProperties`,
//! `allOf`, `$ref`), and the engine crates cost minutes of build on the CI machine. Stricter
//! than JSON Schema on one point, on purpose: an object schema with `properties` and no
//! `additionalProperties` admits no other field, so a field a handler sends without the
//! document naming it fails here.

use serde_json::{Map, Value};
use std::sync::LazyLock;

static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../src/api/openapi.json")).expect("the document")
});

/// Whether `body`, answered with `status` to `method uri`, is what the document says.
pub fn check(
    method: &str,
    uri: &str,
    status: u16,
    content_type: &str,
    body: &str,
) -> Result<(), String> {
    let path = uri.split('?').next().unwrap_or(uri);
    let paths = DOCUMENT["paths"].as_object().ok_or("no paths")?;
    let template = paths
        .keys()
        .find(|t| matches(t, path))
        .ok_or_else(|| format!("{path}: no such path in the document"))?;
    let operation = &paths[template][method.to_ascii_lowercase()];
    if operation.is_null() {
        return Err(format!("{method} {template}: not in the document"));
    }
    let response = &operation["responses"][status.to_string()];
    let schema = match response {
        Value::Null if status >= 400 => DOCUMENT["components"]["schemas"]["Error"].clone(),
        Value::Null => return Err(format!("{method} {template}: status {status} undocumented")),
        response => {
            let schema = &response["content"]["application/json"]["schema"];
            if schema.is_null() || !content_type.starts_with("application/json") {
                return Ok(()); // No content (204), or a file download described elsewhere.
            }
            schema.clone()
        }
    };
    let value: Value = serde_json::from_str(body)
        .map_err(|e| format!("{method} {template} {status}: not JSON ({e}): {body}"))?;
    validate(&value, &schema, "$").map_err(|e| format!("{method} {template} {status}: {e}"))
}

/// Whether `path` is an instance of `template` (`{name}` stands for one segment).
fn matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
}

/// The schema a `$ref` names, or `schema` itself.
fn resolved(schema: &Value) -> Result<&Value, String> {
    match schema["$ref"].as_str() {
        None => Ok(schema),
        Some(pointer) => {
            let target = DOCUMENT
                .pointer(pointer.trim_start_matches('#'))
                .ok_or_else(|| format!("dangling $ref {pointer}"))?;
            resolved(target)
        }
    }
}

/// `allOf` folded into one object schema: the union of the parts' properties and required.
fn merged(schema: &Value) -> Result<Value, String> {
    let schema = resolved(schema)?;
    let Some(parts) = schema["allOf"].as_array() else {
        return Ok(schema.clone());
    };
    let (mut properties, mut required) = (Map::new(), Vec::new());
    let mut open = None;
    for part in parts {
        let part = merged(part)?;
        if let Some(own) = part["properties"].as_object() {
            properties.extend(own.clone());
        }
        required.extend(part["required"].as_array().cloned().unwrap_or_default());
        if !part["additionalProperties"].is_null() {
            open = Some(part["additionalProperties"].clone());
        }
    }
    let mut one =
        serde_json::json!({"type": "object", "properties": properties, "required": required});
    if let Some(open) = open {
        one["additionalProperties"] = open;
    }
    Ok(one)
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn validate(value: &Value, schema: &Value, at: &str) -> Result<(), String> {
    let schema = merged(schema)?;
    let actual = type_name(value);
    let allowed: Vec<&str> = match &schema["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let fits = |t: &&str| *t == actual || (*t == "number" && actual == "integer");
    if !allowed.is_empty() && !allowed.iter().any(fits) {
        return Err(format!(
            "{at}: {actual} {value}, the document says {allowed:?}"
        ));
    }
    if let Some(choices) = schema["enum"].as_array()
        && !choices.contains(value)
    {
        return Err(format!("{at}: {value} is none of {choices:?}"));
    }
    match value {
        Value::Array(items) if !schema["items"].is_null() => {
            for (i, item) in items.iter().enumerate() {
                validate(item, &schema["items"], &format!("{at}[{i}]"))?;
            }
        }
        Value::Object(fields) => {
            let properties = schema["properties"].as_object();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap_or_default();
                if !fields.contains_key(name) {
                    return Err(format!("{at}: required field {name} is missing"));
                }
            }
            for (name, field) in fields {
                let at = format!("{at}.{name}");
                match (
                    properties.and_then(|p| p.get(name)),
                    &schema["additionalProperties"],
                ) {
                    (Some(own), _) => validate(field, own, &at)?,
                    (None, Value::Bool(false)) => return Err(format!("{at}: not in the document")),
                    (None, Value::Null) if properties.is_some() => {
                        return Err(format!("{at}: not in the document"));
                    }
                    (None, Value::Null | Value::Bool(true)) => {}
                    (None, other) => validate(field, other, &at)?,
                }
            }
        }
        _ => {}
    }
    Ok(())
}
