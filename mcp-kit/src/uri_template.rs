//! RFC 6570 URI templates as resource templates use them: `{name}` matches one path segment
//! (no `/`), `{+name}` matches the rest, `/` included. Values are percent-decoded, and checked
//! after decoding: a `{name}` value never holds a `/` (`%2F`), and no value is or holds a
//! `.` or `..` segment, so a variable cannot walk out of where its template points.

use std::fmt;

/// A parsed URI template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriTemplate {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Variable { name: String, reserved: bool },
}

/// Why a template does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(pub String);

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TemplateError {}

impl UriTemplate {
    /// Parses `template`. Two variables must be separated by a literal.
    pub fn parse(template: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_owned()));
            }
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| TemplateError(format!("`{template}`: a `{{` is never closed")))?
                + open;
            let expression = &rest[open + 1..close];
            let (name, reserved) = match expression.strip_prefix('+') {
                Some(name) => (name, true),
                None => (expression, false),
            };
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(TemplateError(format!(
                    "`{template}`: `{{{expression}}}` is not a variable this server can match \
                     (use `{{name}}` or `{{+name}}`)"
                )));
            }
            if matches!(parts.last(), Some(Part::Variable { .. })) {
                return Err(TemplateError(format!(
                    "`{template}`: two variables in a row cannot be told apart"
                )));
            }
            parts.push(Part::Variable {
                name: name.to_owned(),
                reserved,
            });
            rest = &rest[close + 1..];
        }
        if rest.contains('}') {
            return Err(TemplateError(format!(
                "`{template}`: a `}}` is never opened"
            )));
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_owned()));
        }
        Ok(Self { parts })
    }

    /// Whether the template has variables at all.
    pub fn is_template(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Variable { .. }))
    }

    /// The variables' names, in order.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            Part::Variable { name, .. } => Some(name.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// The variables' values if `uri` matches.
    pub fn matches(&self, uri: &str) -> Option<Vec<(String, String)>> {
        let mut values = Vec::new();
        let mut rest = uri;
        let mut parts = self.parts.iter().peekable();
        while let Some(part) = parts.next() {
            match part {
                Part::Literal(literal) => rest = rest.strip_prefix(literal.as_str())?,
                Part::Variable { name, reserved } => {
                    let end = match parts.peek() {
                        Some(Part::Literal(next)) => rest.find(next.as_str())?,
                        _ => rest.len(),
                    };
                    let raw = &rest[..end];
                    if raw.is_empty() || (!reserved && raw.contains('/')) {
                        return None;
                    }
                    let value = percent_decode(raw)?;
                    if (!reserved && value.contains('/')) || has_dot_segment(&value) {
                        return None;
                    }
                    values.push((name.clone(), value));
                    rest = &rest[end..];
                }
            }
        }
        rest.is_empty().then_some(values)
    }
}

/// Whether `value` is, or has between slashes, `.` or `..`.
fn has_dot_segment(value: &str) -> bool {
    value
        .split('/')
        .any(|segment| segment == "." || segment == "..")
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(template: &str, uri: &str) -> Option<Vec<(String, String)>> {
        UriTemplate::parse(template).unwrap().matches(uri)
    }

    #[test]
    fn variables_match_one_segment_unless_reserved() {
        assert_eq!(
            vars("notes://{id}/body", "notes://42/body"),
            Some(vec![("id".into(), "42".into())])
        );
        assert_eq!(vars("notes://{id}/body", "notes://4/2/body"), None);
        assert_eq!(vars("notes://{id}/body", "notes:///body"), None);
        assert_eq!(
            vars("file:///{+path}", "file:///a/b%20c.txt"),
            Some(vec![("path".into(), "a/b c.txt".into())])
        );
        assert_eq!(
            vars("x://{a}-{b}", "x://1-2"),
            Some(vec![("a".into(), "1".into()), ("b".into(), "2".into())])
        );
        assert_eq!(vars("x://fixed", "x://fixed"), Some(vec![]));
        assert_eq!(vars("x://fixed", "x://fixed/more"), None);
    }

    #[test]
    fn decoded_values_cannot_hold_a_slash_or_a_dot_segment() {
        assert_eq!(
            vars("t://{id}/data", "t://..%2F..%2Fetc%2Fpasswd/data"),
            None
        );
        assert_eq!(vars("t://{id}/data", "t://a%2fb/data"), None);
        assert_eq!(vars("t://{id}/data", "t://../data"), None);
        assert_eq!(vars("t://{id}/data", "t://%2e/data"), None);
        assert_eq!(vars("file:///{+path}", "file:///a/../../etc/passwd"), None);
        assert_eq!(vars("file:///{+path}", "file:///a/%2E%2E/b"), None);
        assert_eq!(
            vars("t://{id}/data", "t://..a/data"),
            Some(vec![("id".into(), "..a".into())])
        );
        assert_eq!(
            vars("file:///{+path}", "file:///a/.hidden/b"),
            Some(vec![("path".into(), "a/.hidden/b".into())])
        );
    }

    #[test]
    fn bad_templates_say_why() {
        assert!(
            UriTemplate::parse("x://{a")
                .unwrap_err()
                .0
                .contains("never closed")
        );
        assert!(
            UriTemplate::parse("x://{a}{b}")
                .unwrap_err()
                .0
                .contains("in a row")
        );
        assert!(
            UriTemplate::parse("x://{?q}")
                .unwrap_err()
                .0
                .contains("`{?q}`")
        );
        assert!(!UriTemplate::parse("x://plain").unwrap().is_template());
    }
}
