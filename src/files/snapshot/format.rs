//! insta's `.snap` file format, so `cargo insta review` / `accept` / `reject` work on the
//! snapshots snipcheck writes: a YAML header between `---` lines (`source:`, `description:`,
//! `expression:`, `info:`), then the body. The header is emitted exactly as insta's own YAML
//! emitter would (same quoting, same indentation), so accepting a `.snap.new` with cargo-insta
//! gives the bytes `snipcheck update` would have written.

use crate::line::LineNo;

/// A header value: a string, a list of strings, or a map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A scalar string.
    Str(String),
    /// A sequence of strings.
    List(Vec<String>),
    /// A mapping, in order.
    Map(Vec<(String, Value)>),
}

/// A parsed or to-be-written snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snap {
    /// Header fields in order.
    pub header: Vec<(String, Value)>,
    /// The body, without trailing white space (insta compares it that way).
    pub body: String,
}

/// Why a `.snap` file could not be read as one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corrupt {
    /// The offending line of the `.snap` file.
    pub line: LineNo,
    /// What is wrong.
    pub message: String,
}

impl Snap {
    /// The file's text.
    pub fn to_text(&self) -> String {
        let mut out = String::from("---\n");
        for (key, value) in &self.header {
            out.push_str(key);
            out.push(':');
            emit_value(&mut out, value, 1);
            out.push('\n');
        }
        out.push_str("---\n");
        out.push_str(self.body.trim_end());
        out.push('\n');
        out
    }

    /// The header's string value of `key`, if it has one.
    pub fn field(&self, key: &str) -> Option<&str> {
        find_str(&self.header, key)
    }

    /// The string value of `key` under the header's `info:` map, if it has one.
    pub fn info(&self, key: &str) -> Option<&str> {
        self.header.iter().find_map(|(name, value)| match value {
            Value::Map(fields) if name == "info" => find_str(fields, key),
            _ => None,
        })
    }

    /// Whether two snapshots have the same body, insta's comparison (header differences,
    /// such as shifted Markdown lines, do not count).
    pub fn same_body(&self, other: &Snap) -> bool {
        normalize(&self.body) == normalize(&other.body)
    }
}

fn find_str<'a>(fields: &'a [(String, Value)], key: &str) -> Option<&'a str> {
    fields.iter().find_map(|(name, value)| match value {
        Value::Str(text) if name == key => Some(text.as_str()),
        _ => None,
    })
}

/// Parses a `.snap` file's text. Only the shape is checked: a `---` line, `key: value` header
/// lines (indented lines continue the key above: a list or a map, see [`read_value`]), a
/// closing `---`, then the body.
pub fn parse(text: &str) -> Result<Snap, Corrupt> {
    let corrupt = |line: usize, message: String| Corrupt {
        line: LineNo::new(u32::try_from(line).unwrap_or(u32::MAX)),
        message,
    };
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, first)) if first.trim_end() == "---" => {}
        _ => {
            return Err(corrupt(
                1,
                "a snapshot starts with a `---` line (insta's .snap format)".to_owned(),
            ));
        }
    }
    // Each key with its value's text and the indented lines that continue it.
    let mut fields: Vec<(String, &str, Vec<&str>)> = Vec::new();
    let mut closed = false;
    let mut last = 1;
    for (index, line) in lines.by_ref() {
        last = index + 1;
        if line.trim_end() == "---" {
            closed = true;
            break;
        }
        if line.starts_with([' ', '\t']) || line.trim().is_empty() {
            let Some((_, _, nested)) = fields.last_mut() else {
                return Err(corrupt(
                    index + 1,
                    "indented line before any header key".to_owned(),
                ));
            };
            nested.push(line);
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(corrupt(
                index + 1,
                format!("expected `key: value` in the header, found {line:?}"),
            ));
        };
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(corrupt(index + 1, format!("invalid header key {key:?}")));
        }
        fields.push((key.to_owned(), value.trim(), Vec::new()));
    }
    let header = fields
        .into_iter()
        .map(|(key, value, nested)| (key, read_value(value, &nested)))
        .collect();
    if !closed {
        return Err(corrupt(
            last,
            "the header is never closed by a `---` line".to_owned(),
        ));
    }
    let body: Vec<&str> = lines.map(|(_, line)| line).collect();
    Ok(Snap {
        header,
        body: body.join("\n").trim_end().to_owned(),
    })
}

/// A header value from its text after `key:` and the indented lines below it, as
/// [`emit_value`] writes them: a string, `[]`, `{}`, a list of `- item` lines or a map of
/// `key: value` lines (nested by indentation). Lines of any other shape are kept out of the
/// value, never an error: only the body is compared, and insta reads such headers too.
fn read_value(value: &str, nested: &[&str]) -> Value {
    let nested: Vec<&str> = nested
        .iter()
        .copied()
        .filter(|line| !line.trim().is_empty())
        .collect();
    match value {
        "[]" if nested.is_empty() => return Value::List(Vec::new()),
        "{}" if nested.is_empty() => return Value::Map(Vec::new()),
        "" => {}
        value => return Value::Str(unquote(value)),
    }
    let Some(first) = nested.first() else {
        return Value::Str(String::new());
    };
    let indent = first.len() - first.trim_start().len();
    let at_level = |line: &str| line.len() - line.trim_start().len() == indent;
    if nested
        .iter()
        .filter(|l| at_level(l))
        .all(|l| l.trim_start().starts_with("- "))
    {
        return Value::List(
            nested
                .iter()
                .filter(|l| at_level(l))
                .filter_map(|l| l.trim_start().strip_prefix("- "))
                .map(|item| unquote(item.trim()))
                .collect(),
        );
    }
    let mut fields: Vec<(String, &str, Vec<&str>)> = Vec::new();
    for line in nested {
        if !at_level(line) {
            if let Some((_, _, deeper)) = fields.last_mut() {
                deeper.push(line);
            }
            continue;
        }
        if let Some((key, value)) = line.trim_start().split_once(':') {
            fields.push((key.to_owned(), value.trim(), Vec::new()));
        }
    }
    Value::Map(
        fields
            .into_iter()
            .map(|(key, value, deeper)| (key, read_value(value, &deeper)))
            .collect(),
    )
}

fn normalize(body: &str) -> String {
    body.replace("\r\n", "\n").trim_end().to_owned()
}

fn unquote(value: &str) -> String {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .map(|v| v.replace("\\\"", "\"").replace("\\\\", "\\"))
        .unwrap_or_else(|| value.to_owned())
}

fn emit_value(out: &mut String, value: &Value, level: usize) {
    let indent = "  ".repeat(level);
    match value {
        Value::Str(s) => {
            out.push(' ');
            emit_str(out, s);
        }
        Value::List(items) if items.is_empty() => out.push_str(" []"),
        Value::List(items) => {
            for item in items {
                out.push('\n');
                out.push_str(&indent);
                out.push_str("- ");
                emit_str(out, item);
            }
        }
        Value::Map(fields) if fields.is_empty() => out.push_str(" {}"),
        Value::Map(fields) => {
            for (key, value) in fields {
                out.push('\n');
                out.push_str(&indent);
                out.push_str(key);
                out.push(':');
                emit_value(out, value, level + 1);
            }
        }
    }
}

/// A string as insta's YAML emitter writes it: plain when safe, else double-quoted.
fn emit_str(out: &mut String, s: &str) {
    if !needs_quotes(s) {
        out.push_str(s);
        return;
    }
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// insta's `need_quotes` (content/yaml/vendored/emitter.rs), rule for rule.
fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.starts_with(' ')
        || s.ends_with(' ')
        || s.starts_with(['&', '*', '?', '|', '-', '<', '>', '=', '!', '%', '@'])
        || s.contains(|c: char| {
            matches!(c, ':' | '{' | '}' | '[' | ']' | ',' | '#' | '`' | '"' | '\'' | '\\'
                | '\0'..='\x06' | '\t' | '\n' | '\r' | '\x0e'..='\x1a' | '\x1c'..='\x1f')
        })
        || [
            "yes", "Yes", "YES", "no", "No", "NO", "True", "TRUE", "true", "False", "FALSE",
            "false", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
        ]
        .contains(&s)
        || s.starts_with('.')
        || s.starts_with("0x")
        || s.parse::<i64>().is_ok()
        || s.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Snap {
        Snap {
            header: vec![
                ("source".to_owned(), Value::Str("notes/n.md".to_owned())),
                (
                    "description".to_owned(),
                    Value::Str("2.1 Vars: & ids".to_owned()),
                ),
                ("expression".to_owned(), Value::Str("n/2-1-vars".to_owned())),
                (
                    "info".to_owned(),
                    Value::Map(vec![
                        ("lines".to_owned(), Value::Str("6-9".to_owned())),
                        (
                            "filters".to_owned(),
                            Value::List(vec!["address".to_owned()]),
                        ),
                        ("none".to_owned(), Value::List(Vec::new())),
                    ]),
                ),
            ],
            body: "L1 print(1)\n  stdout: 1\n".to_owned(),
        }
    }

    #[test]
    fn writes_insta_yaml_and_reads_it_back() {
        let text = sample().to_text();
        assert_eq!(
            text,
            "---\nsource: notes/n.md\ndescription: \"2.1 Vars: & ids\"\nexpression: n/2-1-vars\ninfo:\n  lines: 6-9\n  filters:\n    - address\n  none: []\n---\nL1 print(1)\n  stdout: 1\n"
        );
        let parsed = parse(&text).expect("parses");
        assert_eq!(
            parsed.header,
            sample().header,
            "the header reads back as written"
        );
        assert!(parsed.same_body(&sample()));
        assert_eq!(parsed.field("description"), Some("2.1 Vars: & ids"));
        assert_eq!(parsed.info("lines"), Some("6-9"));
        assert_eq!(parsed.info("filters"), None, "a list, not a string");
    }

    #[test]
    fn corrupt_files_name_the_line() {
        assert_eq!(parse("hello\n").expect_err("no ---").line.get(), 1);
        let err = parse("---\nsource: x\nnot a header line\n---\nbody\n").expect_err("bad key");
        assert_eq!(err.line.get(), 3);
        let err = parse("---\nsource: x\n").expect_err("unclosed");
        assert!(err.message.contains("never closed"), "{}", err.message);
    }

    #[test]
    fn quoting_follows_insta() {
        for (s, quoted) in [
            ("plain text", false),
            ("a: b", true),
            ("123", true),
            ("-x", true),
            ("", true),
            ("true", true),
            ("x-1", false),
        ] {
            assert_eq!(needs_quotes(s), quoted, "{s:?}");
        }
    }
}
