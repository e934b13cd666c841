//! Directives in the notes: an HTML comment directly before a Python block that says how to
//! run it, with the same keys as a `[snippet."<id>"]` table of `snipcheck.toml`:
//!
//! ```markdown
//! <!-- snipcheck: skip reason="needs a GPU" -->
//! <!-- snipcheck: continue -->
//! <!-- snipcheck: expect-error NameError reason="uses a placeholder" -->
//! <!-- snipcheck: timeout=30 -->
//! <!-- snipcheck: namespace=section -->   (before the first block: the whole document)
//! ```
//!
//! In reStructuredText the same text is a comment: `.. snipcheck: skip reason="needs a GPU"`
//! (`rst.rs` passes its text to [`parse_text`]).
//!
//! Several directives may share one comment (`<!-- snipcheck: continue timeout=30 -->`). An
//! unknown directive or key, a missing reason or a bad value is a problem naming the file and
//! line — never silently ignored.

use crate::config::{self, ExpectError};
use crate::line::LineNo;
use std::time::Duration;

/// The marker that makes an HTML comment a directive.
pub const MARKER: &str = "snipcheck:";

/// The settings one or more directive comments give a block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Directives {
    /// Line of the (first) directive comment.
    pub line: LineNo,
    /// `skip reason="…"`: not run, reported as skipped with the reason.
    pub skip: Option<String>,
    /// `continue`: shares the namespace of the previous block, like notebook cells.
    pub continues: bool,
    /// `expect-error Type reason="…"`.
    pub expect_error: Option<ExpectError>,
    /// `timeout=SECONDS`.
    pub timeout: Option<Duration>,
    /// `namespace=block|section|document`: which blocks of the document share one namespace
    /// (only before the document's first Python block; overrides the config's `namespace`).
    pub namespace: Option<config::Namespace>,
}

/// Whether an HTML block is a snipcheck directive comment.
pub fn is_directive(html: &str) -> bool {
    comment_body(html).is_some_and(|body| body.trim_start().starts_with(MARKER))
}

/// Parses one directive comment (`<!-- snipcheck: ... -->`) found at `line` into `into`.
/// The error is a lowercase message; the caller adds the file and line.
pub fn parse(html: &str, line: LineNo, into: &mut Directives) -> Result<(), String> {
    let text = comment_body(html)
        .filter(|b| b.trim_start().starts_with(MARKER))
        .ok_or_else(|| "a directive is an HTML comment `<!-- snipcheck: ... -->`".to_owned())?;
    parse_text(text, line, into)
}

/// Parses the text of a directive (`snipcheck: ...`, the comment's delimiters removed), as a
/// Markdown HTML comment or a reStructuredText comment (`.. snipcheck: ...`) carries it.
pub fn parse_text(text: &str, line: LineNo, into: &mut Directives) -> Result<(), String> {
    let body = text
        .trim_start()
        .strip_prefix(MARKER)
        .ok_or_else(|| format!("a directive starts with `{MARKER}`"))?;
    if into.skip.is_none()
        && !into.continues
        && into.expect_error.is_none()
        && into.timeout.is_none()
        && into.namespace.is_none()
    {
        into.line = line;
    }
    let tokens = tokenize(body)?;
    if tokens.is_empty() {
        return Err("empty directive: expected skip, continue, expect-error or timeout".to_owned());
    }
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        i += 1;
        match (token.key.as_str(), &token.value) {
            ("skip", None) => {
                let reason = take_reason(&tokens, &mut i, "skip")?;
                set(&mut into.skip, reason, "skip")?;
            }
            ("continue", None) => {
                if into.continues {
                    return Err("`continue` is given twice".to_owned());
                }
                into.continues = true;
            }
            ("expect-error", None) => {
                let error = match tokens.get(i) {
                    Some(t) if t.value.is_none() && is_exception_name(&t.key) => t.key.clone(),
                    _ => {
                        return Err(
                            "`expect-error` needs an exception type, e.g. `expect-error NameError reason=\"…\"`"
                                .to_owned(),
                        );
                    }
                };
                i += 1;
                let reason = take_reason(&tokens, &mut i, "expect-error")?;
                set(
                    &mut into.expect_error,
                    ExpectError { error, reason },
                    "expect-error",
                )?;
            }
            ("timeout", Some(value)) => {
                let secs: f64 = value
                    .parse()
                    .map_err(|_| format!("timeout must be a number of seconds, got {value:?}"))?;
                let timeout = config::seconds(secs).map_err(|e| e.to_string())?;
                set(&mut into.timeout, timeout, "timeout")?;
            }
            ("namespace", Some(value)) => {
                let namespace = config::Namespace::parse(value).ok_or_else(|| {
                    format!("namespace must be auto, block, section or document, got {value:?}")
                })?;
                set(&mut into.namespace, namespace, "namespace")?;
            }
            ("reason", Some(_)) => {
                return Err(
                    "`reason` belongs right after `skip` or `expect-error <Type>`".to_owned(),
                );
            }
            (key, _) => {
                return Err(format!(
                    "unknown directive {key:?}: expected skip reason=\"…\", continue, expect-error <Type> reason=\"…\", timeout=<seconds> or namespace=block|section|document"
                ));
            }
        }
    }
    if into.skip.is_some() && into.expect_error.is_some() {
        return Err(
            "`skip` and `expect-error` exclude each other: a skipped block does not run".to_owned(),
        );
    }
    Ok(())
}

/// `<!-- X -->` → `X`.
fn comment_body(html: &str) -> Option<&str> {
    html.trim()
        .strip_prefix("<!--")
        .and_then(|rest| rest.strip_suffix("-->"))
}

#[derive(Debug)]
struct Token {
    key: String,
    value: Option<String>,
}

/// Splits `word word key=value key="quoted value"`.
fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() || c == '=' {
                break;
            }
            key.push(c);
            chars.next();
        }
        let mut value = None;
        if chars.peek() == Some(&'=') {
            chars.next();
            let mut v = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => {
                            if let Some(next) = chars.next() {
                                v.push(next);
                            }
                        }
                        c => v.push(c),
                    }
                }
                if !closed {
                    return Err(format!("the quoted value of {key:?} is never closed"));
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() {
                        break;
                    }
                    v.push(c);
                    chars.next();
                }
            }
            value = Some(v);
        }
        if key.is_empty() {
            return Err("a `=` without a key".to_owned());
        }
        tokens.push(Token { key, value });
    }
    Ok(tokens)
}

fn take_reason(tokens: &[Token], i: &mut usize, what: &str) -> Result<String, String> {
    match tokens.get(*i) {
        Some(Token {
            key,
            value: Some(reason),
        }) if key == "reason" => {
            *i += 1;
            if reason.trim().is_empty() {
                return Err(format!("`{what}` needs a non-empty reason=\"…\""));
            }
            Ok(reason.clone())
        }
        _ => Err(format!("`{what}` needs a reason: {what} … reason=\"why\"")),
    }
}

fn set<T>(slot: &mut Option<T>, value: T, what: &str) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("`{what}` is given twice"));
    }
    *slot = Some(value);
    Ok(())
}

fn is_exception_name(name: &str) -> bool {
    name.split('.').all(|part| {
        part.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_alphanumeric() || c == '_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(html: &str) -> Result<Directives, String> {
        let mut d = Directives::default();
        parse(html, LineNo::new(7), &mut d).map(|()| d)
    }

    #[test]
    fn every_directive_parses() {
        let d = parsed("<!-- snipcheck: skip reason=\"needs a \\\"GPU\\\"\" -->").expect("skip");
        assert_eq!(d.skip.as_deref(), Some("needs a \"GPU\""));
        assert_eq!(d.line.get(), 7);
        assert!(
            parsed("<!-- snipcheck: continue -->")
                .expect("continue")
                .continues
        );
        let d =
            parsed("<!--snipcheck: expect-error NameError reason=\"placeholder\"-->").expect("e");
        assert_eq!(
            d.expect_error,
            Some(ExpectError {
                error: "NameError".to_owned(),
                reason: "placeholder".to_owned()
            })
        );
        let d = parsed("<!-- snipcheck: continue timeout=30 -->").expect("two");
        assert!(d.continues);
        assert_eq!(d.timeout, Some(Duration::from_secs(30)));
    }

    #[test]
    fn mistakes_are_errors_not_ignored() {
        for (html, needle) in [
            ("<!-- snipcheck: skipp -->", "unknown directive \"skipp\""),
            ("<!-- snipcheck: skip -->", "needs a reason"),
            (
                "<!-- snipcheck: expect-error reason=\"x\" -->",
                "exception type",
            ),
            (
                "<!-- snipcheck: expect-error NameError -->",
                "needs a reason",
            ),
            ("<!-- snipcheck: timeout=ten -->", "number of seconds"),
            ("<!-- snipcheck: timeout=0 -->", "between 0 and 86400"),
            ("<!-- snipcheck: -->", "empty directive"),
            ("<!-- snipcheck: skip reason=\"open -->", "never closed"),
            ("<!-- snipcheck: continue continue -->", "twice"),
            (
                "<!-- snipcheck: colour=red -->",
                "unknown directive \"colour\"",
            ),
            (
                "<!-- snipcheck: skip reason=\"a\" expect-error E reason=\"b\" -->",
                "exclude",
            ),
        ] {
            let err = parsed(html).expect_err(html);
            assert!(err.contains(needle), "{html}: {err}");
        }
    }

    #[test]
    fn the_text_form_parses_like_the_comment() {
        let mut d = Directives::default();
        parse_text("snipcheck: skip reason=\"gpu\"", LineNo::new(3), &mut d).expect("text form");
        assert_eq!(d.skip.as_deref(), Some("gpu"));
        assert_eq!(d.line.get(), 3);
        let err =
            parse_text("skip", LineNo::new(3), &mut Directives::default()).expect_err("no marker");
        assert!(err.contains("snipcheck:"), "{err}");
    }

    #[test]
    fn only_snipcheck_comments_are_directives() {
        assert!(is_directive("<!-- snipcheck: continue -->\n"));
        assert!(!is_directive("<!-- a note to editors -->"));
        assert!(!is_directive("<div>snipcheck: x</div>"));
    }
}
