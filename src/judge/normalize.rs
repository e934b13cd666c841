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
fn strip_label(text: &str, is_actual: bool) -> String {
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
    fn the_claim_never_gets_main_prefix_stripped() {
        // Only the actual output loses `__main__.`: a claim that wrongly adds it fails.
        assert_eq!(
            compare("<class '__main__.D'>", "<class 'D'>").verdict,
            Verdict::Fail
        );
    }
}
