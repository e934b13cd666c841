//! The claim grammar: what a comment's text says, independent of any run.
//!
//! Comments are found by CPython's `tokenize` in the harness; this module reads their text:
//! whether it names an exception (`TypeError: age must be int`, `raises TypeError`), whether it
//! looks like Python output (`[1, 2]`, `<class 'D'>`, `True`), and how text equal to the real
//! output may be followed by commentary (`[1, 2] - WRONG!`, `True (same values)`).

/// The text of a comment without its `#` and one following space, and without an output
/// marker such as `Output:` or `=>`.
pub fn comment_text(comment: &str) -> String {
    let text = comment.strip_prefix('#').unwrap_or(comment);
    // `#> output` (pytest-examples' style) marks the comment as printed output.
    let text = text.strip_prefix('>').unwrap_or(text);
    let text = text.strip_prefix(' ').unwrap_or(text);
    let trimmed = text.trim_end();
    for marker in ["Output:", "output:", "Prints:", "prints:", "=>", "->", "→"] {
        if let Some(rest) = trimmed.strip_prefix(marker) {
            return rest.trim_start().to_owned();
        }
    }
    trimmed.to_owned()
}

/// An exception named by a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionClaim {
    /// The type name as written (`TypeError`, `json.JSONDecodeError`).
    pub type_name: String,
    /// The message after the colon, if any.
    pub message: Option<String>,
}

/// Reads `TypeError`, `TypeError: msg`, `raises TypeError`, `Raises TypeError: msg`.
pub fn exception_claim(text: &str) -> Option<ExceptionClaim> {
    let text = text.trim();
    let text = ["raises ", "Raises ", "raise ", "Raise "]
        .iter()
        .find_map(|p| text.strip_prefix(p))
        .unwrap_or(text)
        .trim_start();
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(text.len());
    let type_name = &text[..end];
    let last = type_name.rsplit('.').next().unwrap_or(type_name);
    if !is_exception_name(last) {
        return None;
    }
    let rest = &text[end..];
    let message = if rest.trim().is_empty() {
        None
    } else if let Some(message) = rest.strip_prefix(':') {
        Some(message.trim().to_owned())
    } else if is_commentary(rest) {
        None
    } else {
        return None;
    };
    Some(ExceptionClaim {
        type_name: type_name.to_owned(),
        message,
    })
}

fn is_exception_name(name: &str) -> bool {
    const BUILTIN: &[&str] = &[
        "StopIteration",
        "StopAsyncIteration",
        "KeyboardInterrupt",
        "SystemExit",
        "GeneratorExit",
        "BaseExceptionGroup",
        "ExceptionGroup",
    ];
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && (["Error", "Exception", "Warning"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
            || BUILTIN.contains(&name))
}

/// Whether a comment's text looks like a Python value or output rather than prose:
/// a literal, a container, an object repr, or a call-like repr (`Point(x=1)`).
pub fn is_output_like(text: &str) -> bool {
    let text = text.trim();
    let Some(first) = text.chars().next() else {
        return false;
    };
    if "[({<'\"".contains(first) || first.is_ascii_digit() {
        return true;
    }
    if let Some(rest) = text.strip_prefix('-') {
        return rest.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    }
    let word_end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(text.len());
    let word = &text[..word_end];
    if [
        "True",
        "False",
        "None",
        "Ellipsis",
        "NotImplemented",
        "inf",
        "nan",
    ]
    .contains(&word)
    {
        return true;
    }
    // `Point(x=1)`, `datetime.date(2024, 1, 1)`, `b'abc'`, `f'..'` is not output.
    let next = text[word_end..].chars().next();
    (next == Some('(') && !word.is_empty())
        || (matches!(word, "b" | "r") && matches!(next, Some('\'' | '"')))
}

/// Whether `rest`, what follows the real output in a claim, is commentary: white space and
/// then a separator such as `-`, `—`, `(`, `#`, `<-`, `→`.
pub fn is_commentary(rest: &str) -> bool {
    let trimmed = rest.trim_start();
    if trimmed.len() == rest.len() {
        return false;
    }
    const SEPARATORS: &[&str] = &[
        "-", "–", "—", "(", "#", "←", "<-", "→", "->", "=>", "//", ";", "|", "...", "…",
    ];
    trimmed.is_empty() || SEPARATORS.iter().any(|s| trimmed.starts_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_text_strips_hash_and_markers() {
        assert_eq!(comment_text("# [1, 2] - both"), "[1, 2] - both");
        assert_eq!(comment_text("#5"), "5");
        assert_eq!(comment_text("# Output: 3  "), "3");
        assert_eq!(comment_text("# => 'a'"), "'a'");
        assert_eq!(comment_text("#> [1, 2]"), "[1, 2]");
        assert_eq!(comment_text("#>"), "");
    }

    #[test]
    fn exception_claims() {
        let e = exception_claim("TypeError: age must be int").expect("claim");
        assert_eq!(e.type_name, "TypeError");
        assert_eq!(e.message.as_deref(), Some("age must be int"));
        assert_eq!(exception_claim("TypeError").map(|e| e.message), Some(None));
        assert_eq!(
            exception_claim("raises KeyError").map(|e| e.type_name),
            Some("KeyError".to_owned())
        );
        assert_eq!(
            exception_claim("json.JSONDecodeError: x").map(|e| e.type_name),
            Some("json.JSONDecodeError".to_owned())
        );
        assert!(exception_claim("StopIteration (generator is done)").is_some());
        assert!(exception_claim("Generator, not list").is_none());
        assert!(exception_claim("Error handling is hard").is_none());
        assert!(exception_claim("Creates NEW int object").is_none());
    }

    #[test]
    fn output_like() {
        for yes in [
            "[1, 2]",
            "(<class 'D'>,)",
            "{'a': 1}",
            "'x'",
            "2 (refs)",
            "-1",
            "True (same)",
            "None",
            "<object at 0x1>",
            "Point(x=1)",
            "b'ab'",
        ] {
            assert!(is_output_like(yes), "{yes}");
        }
        for no in [
            "GC breaks the cycle",
            "Generator, not list",
            "Modifies the shared object",
            "",
            "e.g. this",
        ] {
            assert!(!is_output_like(no), "{no}");
        }
    }

    #[test]
    fn commentary() {
        assert!(is_commentary(" - both changed!"));
        assert!(is_commentary(" (same values)"));
        assert!(is_commentary("   "));
        assert!(!is_commentary(" 2"));
        assert!(!is_commentary("2"));
        assert!(!is_commentary(", 2"));
        assert!(!is_commentary(" world"));
    }
}
