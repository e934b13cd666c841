//! `--format json`: the whole report as one JSON object.

use super::Report;

/// Renders the report as pretty-printed JSON with a trailing newline.
pub fn render(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).unwrap_or_else(|err| {
        serde_json::json!({ "error": format!("failed to serialize the report: {err}") }).to_string()
    });
    text.push('\n');
    text
}
