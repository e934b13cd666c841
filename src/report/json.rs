//! `--format json`: the whole report as one JSON object.

use super::Report;

/// Renders the report as pretty-printed JSON with a trailing newline. A partitioned report
/// (`verify --partition`) also carries each snippet's `merge_data`, for `report merge`.
pub fn render(report: &Report) -> String {
    let with_data;
    let report = if report.partition.is_some() {
        with_data = super::merge::with_merge_data(report);
        &with_data
    } else {
        report
    };
    let mut text = serde_json::to_string_pretty(report).unwrap_or_else(|err| {
        serde_json::json!({ "error": format!("failed to serialize the report: {err}") }).to_string()
    });
    text.push('\n');
    text
}
