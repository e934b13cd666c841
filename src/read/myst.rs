//! MyST's directive fences in Markdown (```` ```{code-block} python ````), read as their
//! reStructuredText equivalents are (`rst.rs`): `{code-block}`, `{code}`, `{sourcecode}` and
//! `{code-cell}` with a Python language are Python blocks, `{doctest}` a session, `{testcode}`
//! a Python block whose output is the next `{testoutput}` in its section, `{testsetup}` code
//! run before every `{doctest}` and `{testcode}` block. A directive's options (`:linenos:`
//! lines, or a `---` YAML block) open its content and are not code.

use crate::read::block::is_python;

/// What a MyST directive fence holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fence {
    /// A Python block, read with this info (`python`, or `pycon` for a session); `tested`:
    /// Sphinx's doctest extension tests it (`{doctest}`, `{testcode}`), so `{testsetup}` code
    /// runs before it.
    Python { info: String, tested: bool },
    /// `{testcode}`: a Python block whose output may follow.
    TestCode,
    /// `{testoutput}`: the output of the `{testcode}` before it.
    TestOutput,
    /// `{testsetup}`: code every tested block runs after.
    TestSetup,
}

/// The languages `{code-cell}` names Python with, beyond [`is_python`]'s (a Jupyter kernel).
const KERNELS: &[&str] = &["ipython", "ipython3"];

/// What a fence's info string (`{code-block} python`, `{doctest}`) makes of it, if it is a MyST
/// directive snipcheck reads.
pub fn fence(info: &str) -> Option<Fence> {
    let rest = info.trim().strip_prefix('{')?;
    let (name, argument) = rest.split_once('}')?;
    let language = argument.split_whitespace().next().unwrap_or("");
    match name.trim() {
        "code-block" | "code" | "sourcecode" | "code-cell"
            if is_python(language)
                || (name.trim() == "code-cell"
                    && KERNELS.contains(&language.to_ascii_lowercase().as_str())) =>
        {
            let info = if language.eq_ignore_ascii_case("pycon") {
                "pycon"
            } else {
                "python"
            };
            Some(Fence::Python {
                info: info.to_owned(),
                tested: false,
            })
        }
        "doctest" => Some(Fence::Python {
            info: "pycon".to_owned(),
            tested: true,
        }),
        "testcode" => Some(Fence::TestCode),
        "testoutput" => Some(Fence::TestOutput),
        "testsetup" => Some(Fence::TestSetup),
        _ => None,
    }
}

/// How many lines at the start of a directive's content are its options: `:name: value` lines
/// (and the blank line after them), or a block between two `---` lines.
pub fn option_lines(content: &str) -> usize {
    let mut lines = content.lines();
    if lines.next().map(str::trim_end) == Some("---") {
        return lines
            .position(|line| line.trim_end() == "---")
            .map_or(0, |end| end + 2);
    }
    let options = content
        .lines()
        .take_while(|line| is_option(line.trim_start()))
        .count();
    let blank = options > 0
        && content
            .lines()
            .nth(options)
            .is_some_and(|line| line.trim().is_empty());
    options + usize::from(blank)
}

/// `content` without its first `lines` lines.
pub fn without_lines(content: &str, lines: usize) -> &str {
    let mut rest = content;
    for _ in 0..lines {
        rest = rest.split_once('\n').map_or("", |(_, after)| after);
    }
    rest
}

/// A field-list line, as options are written: `:name:` then a value or nothing.
fn is_option(line: &str) -> bool {
    line.strip_prefix(':')
        .and_then(|rest| rest.split_once(':'))
        .is_some_and(|(name, _)| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directive_fences() {
        let python = |info: &str| {
            Some(Fence::Python {
                info: info.to_owned(),
                tested: false,
            })
        };
        assert_eq!(fence("{code-block} python"), python("python"));
        assert_eq!(fence("{code-block} py3"), None);
        assert_eq!(fence("{code} py"), python("python"));
        assert_eq!(fence(" {code-cell} ipython3 "), python("python"));
        assert_eq!(fence("{code-block} pycon"), python("pycon"));
        assert_eq!(fence("{code-block} javascript"), None);
        assert_eq!(fence("{code-block}"), None);
        assert_eq!(
            fence("{ipython} ipython3"),
            None,
            "not a kernel name outside code-cell"
        );
        assert_eq!(
            fence("{doctest}"),
            Some(Fence::Python {
                info: "pycon".to_owned(),
                tested: true
            })
        );
        assert_eq!(fence("{testcode}"), Some(Fence::TestCode));
        assert_eq!(fence("{testoutput}"), Some(Fence::TestOutput));
        assert_eq!(fence("{testsetup} *"), Some(Fence::TestSetup));
        assert_eq!(fence("{note}"), None);
        assert_eq!(fence("python"), None);
    }

    #[test]
    fn options_open_the_content() {
        assert_eq!(option_lines(":linenos:\n:caption: x\n\nprint(1)\n"), 3);
        assert_eq!(option_lines(":linenos:\nprint(1)\n"), 1);
        assert_eq!(option_lines("---\nlinenos: true\n---\nprint(1)\n"), 3);
        assert_eq!(option_lines("---\nunclosed\n"), 0);
        assert_eq!(option_lines("print(1)\n:x: 1\n"), 0);
        assert_eq!(option_lines(">>> 1\n1\n"), 0);
        assert_eq!(without_lines("a\nb\nc\n", 2), "c\n");
        assert_eq!(without_lines("a\n", 3), "");
    }
}
