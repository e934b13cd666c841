//! The `loose` rung: comparing a claim with what happened, line by line, and the named
//! normalizations that may make them equal.

use super::Verdict;
use super::grammar;

/// The result of comparing claimed text with actual text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// `Pass`, `Loose` or `Fail`.
    pub verdict: Verdict,
    /// The normalizations needed, for `Loose`.
    pub normalization: Option<String>,
}

/// A normalization: rewrites a text; the flag says whether it is the actual output (some
/// normalizations apply to one side only).
pub type Normalize = fn(&str, bool) -> String;

/// The normalizations of the `loose` rung, in the order they are tried.
pub const NORMALIZATIONS: &[(&str, Normalize)] = &[
    ("main-prefix", strip_main_prefix),
    ("address", mask_addresses),
    ("whitespace", collapse_whitespace),
    ("quotes", drop_quotes),
    ("spacing", tight_spacing),
    ("label", strip_label),
    ("layout", container_layout),
    ("class", class_name),
    ("set-order", set_order),
    ("brackets", strip_brackets),
];

/// Compares a claim with the actual text: equal (line by line, commentary allowed) is `pass`;
/// equal after the fewest normalizations is `loose`; else `fail`.
pub fn compare(claimed: &str, actual: &str) -> Comparison {
    if matches(claimed, actual) {
        return Comparison {
            verdict: Verdict::Pass,
            normalization: None,
        };
    }
    let n = NORMALIZATIONS.len();
    let mut subsets: Vec<u32> = (1..(1u32 << n)).collect();
    subsets.sort_by_key(|mask| (mask.count_ones(), *mask));
    for mask in subsets {
        let mut c = claimed.to_owned();
        let mut a = actual.to_owned();
        let mut names = Vec::new();
        for (i, (name, normalize)) in NORMALIZATIONS.iter().enumerate() {
            if mask & (1 << i) != 0 {
                c = normalize(&c, false);
                a = normalize(&a, true);
                names.push(*name);
            }
        }
        if matches(&c, &a) {
            return Comparison {
                verdict: Verdict::Loose,
                normalization: Some(names.join("+")),
            };
        }
    }
    Comparison {
        verdict: Verdict::Fail,
        normalization: None,
    }
}

fn matches(claimed: &str, actual: &str) -> bool {
    if elided(claimed.trim_end(), actual.trim_end()) {
        return true;
    }
    let claimed: Vec<&str> = claimed.trim_end().lines().collect();
    let actual: Vec<&str> = actual.trim_end().lines().collect();
    claimed.len() == actual.len() && claimed.iter().zip(&actual).all(|(c, a)| line_matches(c, a))
}

/// doctest's ELLIPSIS: a claim that writes `...` (or `…`) for part of the output matches any
/// text there, across lines (`['aa', 'ab', ..., 'cc']`). A claim of a literal `...` that
/// the output holds is compared as written.
fn elided(claimed: &str, actual: &str) -> bool {
    let marker = if claimed.contains("...") {
        "..."
    } else if claimed.contains('…') {
        "…"
    } else {
        return false;
    };
    if actual.contains(marker) {
        return false;
    }
    let pieces: Vec<&str> = claimed.split(marker).collect();
    // `0x...` is an address the claim leaves open: the `address` normalization names it.
    if pieces[..pieces.len() - 1].iter().all(|p| p.ends_with("0x")) {
        return false;
    }
    let (first, last) = (pieces[0], pieces[pieces.len() - 1]);
    if first.trim().is_empty() && last.trim().is_empty() && pieces.len() == 2 {
        return false; // `...` alone claims nothing
    }
    if !actual.starts_with(first)
        || actual.len() < first.len() + last.len()
        || !actual.ends_with(last)
    {
        return false;
    }
    let mut rest = &actual[first.len()..actual.len() - last.len()];
    for piece in &pieces[1..pieces.len() - 1] {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

fn line_matches(claimed: &str, actual: &str) -> bool {
    let claimed = claimed.trim_end();
    let actual = actual.trim_end();
    claimed == actual
        || (!actual.is_empty()
            && claimed.starts_with(actual)
            && grammar::is_commentary_after(actual, &claimed[actual.len()..]))
}

fn strip_main_prefix(text: &str, is_actual: bool) -> String {
    if is_actual {
        text.replace("__main__.", "")
    } else {
        text.to_owned()
    }
}

fn mask_addresses(text: &str, _is_actual: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("0x") {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 2..];
        let hex = after.chars().take_while(|c| c.is_ascii_hexdigit()).count();
        if hex > 0 {
            out.push_str("0x…");
            rest = &after[hex..];
        } else if let Some(elided) = ["...", "…"].iter().find_map(|e| after.strip_prefix(e)) {
            // A claim that writes the address as `0x...` means any address.
            out.push_str("0x…");
            rest = elided;
        } else {
            out.push_str("0x");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn collapse_whitespace(text: &str, _is_actual: bool) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Quotes around strings, either kind, are not what the claim is about: `"hello"` for a printed
/// `hello`, `"spam"` for `'spam'`.
fn drop_quotes(text: &str, _is_actual: bool) -> String {
    text.replace(['\'', '"'], "")
}

/// Spacing around commas, colons and brackets is layout: `[0,2]` for `[0, 2]`, `{'a':1}`.
fn tight_spacing(text: &str, _is_actual: bool) -> String {
    text.lines()
        .map(|line| {
            let mut out = String::with_capacity(line.len());
            let mut chars = line.trim().chars().peekable();
            while let Some(c) = chars.next() {
                out.push(c);
                if matches!(c, ',' | ':' | '(' | '[' | '{') {
                    while chars.peek() == Some(&' ') {
                        chars.next();
                    }
                }
                if c == ' ' {
                    while chars.peek() == Some(&' ') {
                        chars.next();
                    }
                }
            }
            out.replace(" )", ")").replace(" ]", "]").replace(" }", "}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A label the program prints before the value is not part of the claim:
/// `print(f"Total: {t}")  # 3` for `Total: 3`. Only the output loses it: a word or a few,
/// then `:` or `=`, at the start of each line.
pub fn strip_label(text: &str, is_actual: bool) -> String {
    if !is_actual {
        return text.to_owned();
    }
    text.lines()
        .map(|line| {
            let Some(end) = line.find([':', '=']) else {
                return line.to_owned();
            };
            let label = &line[..end];
            let is_label = !label.is_empty()
                && label.len() <= 40
                && label.starts_with(|c: char| c.is_alphabetic())
                && label
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.' | '(' | ')'));
            let rest = line[end + 1..].trim_start();
            if is_label && !rest.is_empty() {
                rest.to_owned()
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A container laid out over several lines (pprint, black, a hand-aligned table with a
/// comment on each row) is the one-line repr: outside string literals, white space and `#`
/// comments are dropped. Only for text that starts with `[`, `(` or `{`.
fn container_layout(text: &str, _is_actual: bool) -> String {
    if !text.trim_start().starts_with(['[', '(', '{']) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == '\\' {
                    out.extend(chars.next());
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '#' => {
                for skipped in chars.by_ref() {
                    if skipped == '\n' {
                        break;
                    }
                }
            }
            None if c.is_whitespace() => {}
            None => out.push(c),
        }
    }
    out
}

/// A class shown by its name: `str` for `<class 'str'>`, `Point` for `<class
/// '__main__.Point'>` (with `main-prefix`). Only the output is rewritten.
fn class_name(text: &str, is_actual: bool) -> String {
    if !is_actual {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("<class '") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "<class '".len()..];
        match after.split_once("'>") {
            Some((name, tail))
                if !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '.') =>
            {
                out.push_str(name);
                rest = tail;
            }
            _ => {
                out.push_str("<class '");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The elements of a set display (`{'b', 'a'}`, `frozenset({...})`) in sorted order: the
/// order a set of strings prints in follows the hash seed, so the author's run had its own.
/// Each line that starts with one; a dict display (a `:` at the top level) is left alone.
fn set_order(text: &str, _is_actual: bool) -> String {
    text.lines()
        .map(|line| {
            let trimmed = line.trim_start();
            let prefix = if trimmed.starts_with("frozenset({") {
                "frozenset({"
            } else if trimmed.starts_with('{') {
                "{"
            } else {
                return line.to_owned();
            };
            let body = &trimmed[prefix.len()..];
            let Some((elements, end)) = top_level_items(body) else {
                return line.to_owned();
            };
            if elements.iter().any(|e| e.contains_top_level_colon) {
                return line.to_owned();
            }
            let mut items: Vec<&str> = elements.iter().map(|e| e.text.trim()).collect();
            items.sort_unstable();
            format!("{prefix}{}{}", items.join(", "), &body[end..])
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A list or tuple written without its brackets (`3,2,1` for `[3, 2, 1]`): only the output
/// loses the outer pair, and only when it is one display from first to last character.
fn strip_brackets(text: &str, is_actual: bool) -> String {
    let trimmed = text.trim();
    if !is_actual || trimmed.contains('\n') {
        return text.to_owned();
    }
    let inner = trimmed
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .or_else(|| trimmed.strip_prefix('(').and_then(|t| t.strip_suffix(')')));
    match inner {
        Some(inner) if top_level_items(&format!("{inner}}}")).is_some() && !inner.is_empty() => {
            inner.to_owned()
        }
        _ => text.to_owned(),
    }
}

/// One comma-separated item of a display.
struct Item<'a> {
    text: &'a str,
    contains_top_level_colon: bool,
}

/// The comma-separated items of `body` up to the bracket that closes the display (string
/// literals and nested brackets respected), and that bracket's byte offset; `None` when the
/// display does not close on this line.
fn top_level_items(body: &str) -> Option<(Vec<Item<'_>>, usize)> {
    let mut items = Vec::new();
    let (mut depth, mut start, mut colon) = (0usize, 0usize, false);
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '[' | '(' | '{' => depth += 1,
            ']' | ')' | '}' if depth > 0 => depth -= 1,
            '}' => {
                let text = &body[start..i];
                if !text.trim().is_empty() {
                    items.push(Item {
                        text,
                        contains_top_level_colon: colon,
                    });
                }
                return Some((items, i));
            }
            ':' if depth == 0 => colon = true,
            ',' if depth == 0 => {
                items.push(Item {
                    text: &body[start..i],
                    contains_top_level_colon: colon,
                });
                start = i + 1;
                colon = false;
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_with_and_without_commentary() {
        assert_eq!(
            compare("[1, 2, 3, 4] - both changed!", "[1, 2, 3, 4]").verdict,
            Verdict::Pass
        );
        assert_eq!(compare("True (same values)", "True").verdict, Verdict::Pass);
        assert_eq!(compare("5", "5").verdict, Verdict::Pass);
        assert_eq!(compare("a\nb", "a\nb").verdict, Verdict::Pass);
    }

    #[test]
    fn fail_on_real_differences() {
        assert_eq!(compare("12", "1").verdict, Verdict::Fail);
        assert_eq!(compare("True", "False").verdict, Verdict::Fail);
        assert_eq!(compare("[1, 2] - shared", "[2]").verdict, Verdict::Fail);
        assert_eq!(compare("1 2", "1").verdict, Verdict::Fail);
        assert_eq!(compare("a", "a\nb").verdict, Verdict::Fail);
    }

    #[test]
    fn loose_names_its_normalization() {
        let c = compare(
            "(<class 'D'>, <class 'object'>)",
            "(<class '__main__.D'>, <class 'object'>)",
        );
        assert_eq!(c.verdict, Verdict::Loose);
        assert_eq!(c.normalization.as_deref(), Some("main-prefix"));
        let c = compare("<A object at 0x7f00>", "<__main__.A object at 0x7fab12>");
        assert_eq!(c.normalization.as_deref(), Some("main-prefix+address"));
        let c = compare("1 2 3", "1\n2\n3");
        assert_eq!(c.normalization.as_deref(), Some("whitespace"));
        let c = compare(
            "<__main__.A object at 0x...>",
            "<__main__.A object at 0x7f3a>",
        );
        assert_eq!(c.normalization.as_deref(), Some("address"));
    }

    #[test]
    fn an_ellipsis_elides_as_doctest_does() {
        let actual = "['aa', 'ab', 'ac', 'ba', 'bb', 'bc', 'ca', 'cb', 'cc']";
        assert_eq!(
            compare("['aa', 'ab', 'ac', ..., 'cc']", actual).verdict,
            Verdict::Pass
        );
        assert_eq!(compare("['aa', …, 'cc']", actual).verdict, Verdict::Pass);
        assert_eq!(
            compare("line 1\n...\nline 9", "line 1\nline 2\nline 9").verdict,
            Verdict::Pass
        );
        assert_eq!(compare("['aa', ..., 'cd']", actual).verdict, Verdict::Fail);
        assert_eq!(compare("['ab', ..., 'cc']", actual).verdict, Verdict::Fail);
        assert_eq!(compare("...", "anything").verdict, Verdict::Fail);
        assert_eq!(compare("Ellipsis", "Ellipsis").verdict, Verdict::Pass);
    }

    #[test]
    fn cosmetic_differences_a_reader_forgives_are_named() {
        let named = |claimed: &str, actual: &str| compare(claimed, actual).normalization;
        assert_eq!(named("\"hello\"", "hello").as_deref(), Some("quotes"));
        assert_eq!(
            named("[\"spam\", 1]", "['spam', 1]").as_deref(),
            Some("quotes")
        );
        assert_eq!(named("[0,2]", "[0, 2]").as_deref(), Some("spacing"));
        assert_eq!(
            named("{'a':1, 'b':2}", "{'a': 1, 'b': 2}").as_deref(),
            Some("spacing")
        );
        assert_eq!(named("6.6", "Sum: 6.6").as_deref(), Some("label"));
        assert_eq!(named("8", "Ceiling = 8").as_deref(), Some("label"));
        // The value itself still has to be right.
        assert_eq!(compare("6.5", "Sum: 6.6").verdict, Verdict::Fail);
        assert_eq!(compare("[0,3]", "[0, 2]").verdict, Verdict::Fail);
        assert_eq!(compare("\"hello\"", "hallo").verdict, Verdict::Fail);
        // A claim that adds a label the output lacks is not forgiven.
        assert_eq!(compare("Sum: 6.6", "6.6").verdict, Verdict::Fail);
    }

    #[test]
    fn layout_class_names_and_set_order_are_named() {
        let named = |claimed: &str, actual: &str| compare(claimed, actual).normalization;
        let table = "[('a', 'b'), ('a', 'c'),   # a .  x\n ('b', 'c')                # b .  .\n]";
        assert_eq!(
            named(table, "[('a', 'b'), ('a', 'c'), ('b', 'c')]").as_deref(),
            Some("layout")
        );
        // pprint's layout is white space alone.
        let pprinted = "{'a': 1,\n 'b': [1,\n       2]}";
        assert_eq!(
            named(pprinted, "{'a': 1, 'b': [1, 2]}").as_deref(),
            Some("whitespace")
        );
        let black = "[\n    1,\n    2,\n]";
        assert_eq!(named(black, "[1, 2,]").as_deref(), Some("layout"));
        assert_eq!(named("str", "<class 'str'>").as_deref(), Some("class"));
        assert_eq!(
            named("Point", "<class '__main__.Point'>").as_deref(),
            Some("main-prefix+class")
        );
        assert_eq!(
            named("{'b', 'a', 'c'}", "{'c', 'a', 'b'}").as_deref(),
            Some("set-order")
        );
        assert_eq!(
            named("{'b', 'a'} set s with new elements", "{'a', 'b'}").as_deref(),
            Some("set-order")
        );
        // The values themselves still have to be right.
        assert_eq!(
            compare(table, "[('a', 'b'), ('b', 'c')]").verdict,
            Verdict::Fail
        );
        assert_eq!(compare("[1, 2]", "[12]").verdict, Verdict::Fail);
        assert_eq!(compare("'a b'", "'ab'").verdict, Verdict::Fail);
        assert_eq!(compare("int", "<class 'str'>").verdict, Verdict::Fail);
        assert_eq!(compare("{'a', 'b'}", "{'a', 'c'}").verdict, Verdict::Fail);
        assert_eq!(
            compare("{'a', 'b'}", "{'a', 'b', 'c'}").verdict,
            Verdict::Fail
        );
        // A dict's order is its insertion order: not a set's.
        assert_eq!(
            compare("{'b': 1, 'a': 2}", "{'a': 2, 'b': 1}").verdict,
            Verdict::Fail
        );
        assert_eq!(
            named("3,2,1", "[3, 2, 1]").as_deref(),
            Some("spacing+brackets")
        );
        assert_eq!(named("1, 2", "(1, 2)").as_deref(), Some("brackets"));
        assert_eq!(compare("3,2,1", "[3, 2, 0]").verdict, Verdict::Fail);
        // Only one display loses its brackets, not two side by side.
        assert_eq!(compare("1], [2", "[1], [2]").verdict, Verdict::Fail);
        // The claim is never rewritten into a class name.
        assert_eq!(compare("<class 'str'>", "str").verdict, Verdict::Fail);
    }

    #[test]
    fn the_claim_never_gets_main_prefix_stripped() {
        // Only the actual output loses `__main__.`: a claim that wrongly adds it fails.
        assert_eq!(
            compare("<class '__main__.D'>", "<class 'D'>").verdict,
            Verdict::Fail
        );
    }
}
