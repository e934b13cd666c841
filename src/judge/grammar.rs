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

/// A value a comment states in words: `Returns [1, 2, ..., 10].`, `returns iter([6, 7]).`,
/// `Evaluates to 45. Accepts 'initial'.` — the value, when it is a literal that reads as
/// output (a container, a number, `name(...)`), up to a `.` that ends the sentence. Bare words
/// (`Returns True if ...`) and strings are not taken: in prose they are rarely the value.
pub fn stated_value(text: &str) -> Option<String> {
    let rest = ["Returns ", "returns ", "Evaluates to ", "evaluates to "]
        .iter()
        .find_map(|p| text.trim().strip_prefix(p))?
        .trim_start();
    let first = rest.chars().next()?;
    let call = rest.find('(').is_some_and(|i| {
        i > 0
            && rest[..i]
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    });
    if !("[{(".contains(first)
        || first.is_ascii_digit()
        || (first == '-' && rest[1..].starts_with(|c: char| c.is_ascii_digit()))
        || call)
    {
        return None;
    }
    // The value ends where brackets balance and a sentence ends (`. ` or a final `.`).
    let mut depth = 0i32;
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        match c {
            '[' | '{' | '(' => depth += 1,
            ']' | '}' | ')' => depth -= 1,
            '.' if depth == 0 => {
                let next = rest[i + 1..].chars().next();
                if next.is_none_or(char::is_whitespace) {
                    end = i;
                    break;
                }
            }
            _ => {}
        }
    }
    let value = rest[..end].trim();
    (depth == 0 && !value.is_empty()).then(|| value.to_owned())
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

/// An exercise placeholder where the answer would go (`?`, `??`, `???`, `...`, `…`, `TODO`):
/// a question to the reader, not a claim.
pub fn is_placeholder(text: &str) -> bool {
    let text = text.trim();
    matches!(text, "..." | "…" | "TODO" | "todo")
        || (!text.is_empty() && text.chars().all(|c| c == '?'))
}

/// Whether `claimed` is what Python 2's print statement printed where Python 3 printed
/// `printed`: `print("Total:", t)` wrote the tuple (`('Total:', 5)`), Python 3 writes its
/// items (`Total: 5`). Every line of the claim is a tuple display that opens with a string, and
/// that string starts a printed line, followed by a space.
pub fn is_python_2_print(claimed: &str, printed: &str) -> bool {
    let lines: Vec<&str> = claimed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    !lines.is_empty()
        && lines.iter().all(|line| {
            let Some(inner) = line.strip_prefix('(').and_then(|l| l.strip_suffix(')')) else {
                return false;
            };
            let Some(quote) = inner.chars().next().filter(|c| matches!(c, '\'' | '"')) else {
                return false;
            };
            let Some((text, rest)) = inner[1..].split_once(quote) else {
                return false;
            };
            rest.starts_with(", ")
                && !text.is_empty()
                && printed
                    .lines()
                    .any(|out| out.strip_prefix(text).is_some_and(|r| r.starts_with(' ')))
        })
}

/// Whether a session's statement is an exercise the reader completes: a placeholder where a
/// value goes (`symbols = ?`, `total = ???`, `answer = TODO`, `x = …`) or one alone. `...` is
/// Python's Ellipsis, so `x = ...` is code. It does not run, and what the session shows after
/// it is the reader's answer's doing.
pub fn is_exercise(source: &str) -> bool {
    let source = source.trim();
    if source.contains('\n') {
        return false;
    }
    let value = match source.split_once('=') {
        Some((target, value))
            if !value.starts_with('=') && !target.ends_with(['!', '<', '>', '=']) =>
        {
            value
        }
        _ => source,
    };
    let value = value.trim();
    value != "..." && is_placeholder(value)
}

/// Whether a claimed value starts as a Python literal does: a number, a string (also `b'..'`,
/// `f'..'`), a bracket, or `True`, `False`, `None`.
pub fn looks_literal(text: &str) -> bool {
    let text = text.trim_start();
    let Some(first) = text.chars().next() else {
        return false;
    };
    let number = |text: &str| {
        // A number ends the value: `5`, `3.5`, `1e3`, `0x1f`, `2j` — not `2^3` or `1/2`.
        let end = text
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
            .unwrap_or(text.len());
        let rest = &text[end..];
        rest.is_empty()
            || rest.starts_with(char::is_whitespace)
            || rest.starts_with([',', ')', ']', '}'])
    };
    (first.is_ascii_digit() && number(text))
        || "'\"[({".contains(first)
        || (first == '-'
            && text[1..].starts_with(|c: char| c.is_ascii_digit())
            && number(&text[1..]))
        || (["b'", "b\"", "f'", "f\"", "r'", "r\""]
            .iter()
            .any(|p| text.starts_with(p)))
        || ["True", "False", "None"].iter().any(|w| {
            text.strip_prefix(w)
                .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
        })
}

/// Whether a claim in constructor form (`Counter({...})`, `Point(x=1)`) names the type the
/// repr shows (`Counter({'l': 2})`).
pub fn same_constructor(claimed: &str, repr: &str) -> bool {
    let name = |text: &str| -> Option<String> {
        let end = text.find('(')?;
        let name = &text[..end];
        (!name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.'))
        .then(|| name.rsplit('.').next().unwrap_or(name).to_owned())
    };
    name(claimed.trim()).is_some_and(|c| name(repr.trim()).is_some_and(|r| r == c))
}

/// A comment addressed to a tool, not a reader: `type: ...`, `noqa`, `pragma: ...`,
/// `pylint: ...`, `fmt: ...`, `requires: ...`, `doctest: ...`, `isort: ...`, `mypy: ...`.
pub fn is_directive(text: &str) -> bool {
    let text = text.trim_start();
    const TOOLS: &[&str] = &[
        "type:",
        "noqa",
        "pragma:",
        "pylint:",
        "fmt:",
        "requires:",
        "doctest:",
        "isort:",
        "mypy:",
        "pyright:",
        "ruff:",
    ];
    TOOLS.iter().any(|t| text.starts_with(t))
}

/// Whether a comment on a print is a remark about the code, not its output: a sentence (four
/// words or more, letters only: no digit, bracket or operator) most of whose words are not in
/// what the print printed (`# notice that both lists print the same items` over `mylist is
/// ['mango']`). A sentence the output mostly shares is a claim (`# Hello, Alice` for `Hello,
/// Bob`), and so is anything with a value in it.
pub fn is_remark(claimed: &str, printed: &str) -> bool {
    let words: Vec<&str> = claimed
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| ".,;:!?'\"`#()—–-".contains(c)))
        .filter(|w| !w.is_empty())
        .collect();
    let sentence = words.len() >= 4
        && words.iter().all(|w| {
            w.chars()
                .all(|c| c.is_alphabetic() || c == '\'' || c == '-')
        });
    if !sentence {
        return false;
    }
    let printed: std::collections::HashSet<String> = printed
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let shared = words
        .iter()
        .filter(|w| printed.contains(&w.to_lowercase()))
        .count();
    shared * 2 < words.len()
}

/// Whether `rest`, after a claimed `value` that equals the output, is commentary: a separator
/// after white space (`is_commentary`), an emoji or other symbol, or prose — a comma or white
/// space and then a word — after a value that is complete on its own (ending in a bracket, a
/// quote, a digit, `True`, `False` or `None`): `True, because 3 > 2`, `(2, 3) the default
/// pair`, `'0b1000' and`. Never a value going on: `1, 2` is not `1` with commentary, nor
/// `hello world` `hello`, nor `True False` `True`.
pub fn is_commentary_after(value: &str, rest: &str) -> bool {
    if is_commentary(rest) {
        return true;
    }
    let after_space = rest.trim_start();
    let spaced = after_space.len() < rest.len();
    if spaced
        && after_space
            .chars()
            .next()
            .is_some_and(|c| !c.is_alphanumeric() && !c.is_ascii() && !"'\"([{".contains(c))
    {
        return true; // ✅, 👈, ≈ ...
    }
    let value = value.trim_end();
    let complete = value.ends_with([')', ']', '}', '\'', '"'])
        || value.ends_with(|c: char| c.is_ascii_digit())
        || ["True", "False", "None"].iter().any(|v| value.ends_with(v));
    if !complete {
        return false;
    }
    let prose = match rest.strip_prefix([',', ';', ':']) {
        Some(after) if after.starts_with(' ') => after.trim_start(),
        Some(_) => return false,
        None if spaced => after_space,
        None => return false,
    };
    let word: String = prose.chars().take_while(|c| c.is_alphabetic()).collect();
    !word.is_empty() && !["True", "False", "None"].contains(&word.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sentence_the_output_does_not_share_is_a_remark() {
        let printed = "mylist is ['mango', 'carrot', 'banana']";
        assert!(is_remark(
            "notice that both shoplist and mylist both print the same list",
            printed
        ));
        assert!(is_remark("convert the result to metres", "1.83"));
        assert!(is_remark(
            "notice that now the two lists are different #",
            printed
        ));
        // A sentence the output mostly shares is a claim about it, right or wrong.
        assert!(!is_remark(
            "Hello, Alice! Welcome back",
            "Hello, Bob! Welcome back"
        ));
        assert!(!is_remark(
            "hello world from Python",
            "hello world from python"
        ));
        // Short comments and comments with values are claims.
        assert!(!is_remark("wrong answer", "42"));
        assert!(!is_remark("the list is now [1, 2]", "[1, 2, 3]"));
        assert!(!is_remark("there are 3 items left", "2"));
    }

    #[test]
    fn values_stated_in_words() {
        assert_eq!(
            stated_value("Returns [1, 2, ..., 10]."),
            Some("[1, 2, ..., 10]".to_owned())
        );
        assert_eq!(
            stated_value("Returns iter([6, 7, 8, 9])."),
            Some("iter([6, 7, 8, 9])".to_owned())
        );
        assert_eq!(
            stated_value("Returns 45. Accepts 'initial'."),
            Some("45".to_owned())
        );
        assert_eq!(
            stated_value("Returns {0: 0, 1: 2, ..., 9: 18}."),
            Some("{0: 0, 1: 2, ..., 9: 18}".to_owned())
        );
        assert_eq!(stated_value("Returns 3.5"), Some("3.5".to_owned()));
        assert_eq!(
            stated_value("Returns True if string contains the substring."),
            None
        );
        assert_eq!(stated_value("Returns '[-]0x<hex>'. Also bin()."), None);
        assert_eq!(stated_value("Returns number of items."), None);
        assert_eq!(stated_value("Creates new list object."), None);
    }

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

    #[test]
    fn literals_and_constructors() {
        for text in [
            "'w'",
            "[1, 2]",
            "-1",
            "3.5",
            "True",
            "None  # nothing",
            "b'x'",
            "{'a': 1}",
        ] {
            assert!(looks_literal(text), "{text:?}");
        }
        for text in [
            "O(1) lookup",
            "int",
            "Trueish",
            "-x",
            "start here",
            "2^3",
            "1/2",
        ] {
            assert!(!looks_literal(text), "{text:?}");
        }
        assert!(same_constructor(
            "Counter({'h': 1})",
            "Counter({'l': 2, 'h': 1})"
        ));
        assert!(!same_constructor("O(1) lookup", "{}"));
        assert!(!same_constructor("Point(1)", "Vector(1)"));
    }

    #[test]
    fn tool_directives_are_not_claims() {
        for text in [
            "type: list[int]",
            "noqa: E501",
            "pragma: no cover",
            "requires: numpy",
        ] {
            assert!(is_directive(text), "{text:?}");
        }
        for text in ["[1, 2]", "typed", "note: 5"] {
            assert!(!is_directive(text), "{text:?}");
        }
    }

    #[test]
    fn python_2_prints_of_tuples_are_told_apart() {
        let printed = "Time at midnight is 00:00:00\nTime at noon is 12:00:00";
        assert!(is_python_2_print(
            "('Time at noon is', datetime.time(12, 0))",
            printed
        ));
        assert!(is_python_2_print("('Total:', 5)", "Total: 5"));
        // A tuple Python 3 printed as a tuple, or one whose text is not what was printed.
        assert!(!is_python_2_print("('a', 1)", "('a', 1)"));
        assert!(!is_python_2_print("('Sum:', 5)", "Total: 5"));
        assert!(!is_python_2_print("(1, 2)", "1 2"));
        assert!(!is_python_2_print("Total: 5", "Total: 6"));
    }

    #[test]
    fn exercises_are_told_from_code() {
        for source in ["symbols = ?", "total = ???", "answer = TODO", "?", "x = …"] {
            assert!(is_exercise(source), "{source:?}");
        }
        for source in [
            "x = ...",
            "a == b",
            "x = y",
            "print('?')",
            "s = '?'",
            "x != ?",
        ] {
            assert!(!is_exercise(source), "{source:?}");
        }
    }

    #[test]
    fn placeholders_ask_and_claim_nothing() {
        for text in ["?", "???", " ... ", "…", "TODO"] {
            assert!(is_placeholder(text), "{text:?}");
        }
        for text in ["", "? maybe", "None", "...1", "'?'"] {
            assert!(!is_placeholder(text), "{text:?}");
        }
    }

    #[test]
    fn commentary_as_people_write_it() {
        for (value, rest) in [
            ("True", ", because 3 > 2"),
            ("(2, 3)", " the default pair"),
            ("'0b1000'", " and"),
            ("30", " is the answer"),
            ("[1, 2]", " ✅"),
            ("5", " 👈 unchanged"),
            ("[1, 2]", " → both changed"),
        ] {
            assert!(is_commentary_after(value, rest), "{value:?} {rest:?}");
        }
        for (value, rest) in [
            ("1", ", 2"),
            ("hello", " world"),
            ("True", " False"),
            ("(1, 2)", ", (3, 4)"),
            ("1", " 2"),
            ("x", "y"),
            ("[1]", ",and"),
        ] {
            assert!(!is_commentary_after(value, rest), "{value:?} {rest:?}");
        }
    }
}
