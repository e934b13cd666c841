//! Each style of claim, located on its Markdown lines and rewritten in its own form: a comment
//! (trailing, or lines below the statement: `#`, `#>`, `# Output:`), an output block's
//! content, a session's expected output. Each new text is checked against the claim grammar
//! before it is used: a rewrite the judge would not read as a claim that holds is not made.

use super::{Edit, Fixed, Line, Target};
use crate::judge::grammar;
use crate::judge::{ClaimKind, Verdict, compare, strip_label};

/// The traceback header doctest and Python print.
const TRACEBACK: &str = "Traceback (most recent call last):";

/// A claim in a comment: a trailing one keeps its commentary (`# 6 - unchanged` → `# 5 -
/// unchanged`) and holds one line; comment lines below the statement take one line per output
/// line, with the first line's indentation and marker.
pub(super) fn comment(lines: &[Line<'_>], index: usize, target: &Target) -> Result<Edit, String> {
    usable(&target.actual)?;
    let content = lines[index].content;
    let below = content
        .find('#')
        .is_some_and(|at| content[..at].chars().all(|c| c.is_whitespace() || c == '>'));
    if !below {
        let start = trailing_span(content, &target.claimed).ok_or_else(|| {
            let code = content.trim_start_matches(|c: char| c.is_whitespace() || c == '>');
            if ["\"\"\"", "'''"].iter().any(|q| code.starts_with(q)) {
                "a string below a print is not rewritten; edit it by hand".to_owned()
            } else {
                "its text was not found in a comment on its line".to_owned()
            }
        })?;
        let new = one_line_claim(target)?;
        let end = content.trim_end().len();
        let line = format!("{}{}{}", &content[..start], new, &content[end..]);
        return Ok(edit(index, 1, vec![line], target, new));
    }
    let pieces: Vec<&str> = target.claimed.split('\n').collect();
    let mut starts = Vec::new();
    for (k, piece) in pieces.iter().enumerate() {
        let line = lines
            .get(index + k)
            .map(|l| l.content)
            .ok_or("its comment lines run past the end of the note")?;
        starts.push(below_span(line, piece).ok_or_else(|| {
            format!(
                "its text was not found on line {} as a comment line",
                target.line.get() as usize + k
            )
        })?);
    }
    let first = lines[index].content;
    let new = new_text(target)?;
    if pieces.len() == 1 && !new.contains('\n') {
        let new = one_line_claim(target)?;
        let end = first.trim_end().len();
        let line = format!("{}{}{}", &first[..starts[0]], new, &first[end..]);
        return Ok(edit(index, 1, vec![line], target, new));
    }
    let hash = first.find('#').unwrap_or(0);
    let prefix_first = &first[..starts[0]];
    // `# Output: 0 1 2` on one line stays one line (compared with white space collapsed).
    if pieces.len() == 1 && grammar::comment_text(&first[hash..starts[0]]).is_empty() && {
        let marker = first[hash..starts[0]].trim_start_matches(['#', '>', ' ']);
        !marker.is_empty()
    } {
        let joined = new.lines().map(str::trim).collect::<Vec<_>>().join(" ");
        let line = format!("{prefix_first}{joined}{}", &first[first.trim_end().len()..]);
        if compare(&joined, &target.actual).verdict == Verdict::Fail {
            return Err("its output does not fit on the `# Output:` line".to_owned());
        }
        return Ok(edit(index, 1, vec![line], target, joined));
    }
    let rest_prefix = match pieces.len() {
        1 => {
            let marker = if first[hash..].starts_with("#>") {
                "#> "
            } else {
                "# "
            };
            format!("{}{marker}", &first[..hash])
        }
        _ => lines[index + 1].content[..starts[1]].to_owned(),
    };
    let new_lines: Vec<String> = new
        .split('\n')
        .enumerate()
        .map(|(k, piece)| {
            let prefix = if k == 0 {
                prefix_first
            } else {
                rest_prefix.as_str()
            };
            let piece = piece.trim_end();
            if piece.is_empty() {
                prefix.trim_end().to_owned()
            } else {
                format!("{prefix}{piece}")
            }
        })
        .collect();
    let read: Vec<String> = new_lines
        .iter()
        .map(|l| grammar::comment_text(&l[l.find('#').unwrap_or(0)..]))
        .skip_while(String::is_empty)
        .collect();
    if !holds(target, &read.join("\n")) {
        return Err(
            "its output cannot be written as comment lines the judge reads back".to_owned(),
        );
    }
    Ok(edit(index, pieces.len(), new_lines, target, new))
}

/// An output block's content (fence and label kept): the output lines, with the block's
/// indentation; a traceback's last line, for an exception claim.
pub(super) fn output_block(
    lines: &[Line<'_>],
    index: usize,
    target: &Target,
) -> Result<Edit, String> {
    usable(&target.actual)?;
    let pieces: Vec<&str> = target.claimed.split('\n').collect();
    let at = |start: usize| -> Option<Vec<&str>> {
        pieces
            .iter()
            .enumerate()
            .map(|(k, piece)| {
                let line = lines.get(start + k)?.content.trim_end();
                let piece = piece.trim_end();
                let prefix = line.strip_suffix(piece)?;
                prefix
                    .chars()
                    .all(|c| c == ' ' || c == '\t' || c == '>')
                    .then_some(prefix)
            })
            .collect()
    };
    // The content's first line may be the command that ran the script (not claimed).
    let (start, prefixes) = match (at(index), at(index + 1)) {
        (Some(p), None) => (index, p),
        (None, Some(p)) => (index + 1, p),
        _ => return Err("its output block's lines were not found unambiguously".to_owned()),
    };
    if target.kind == ClaimKind::Exception {
        let actual = target.actual.as_str();
        if actual == "no exception" {
            return Err(
                "its block raises nothing now; its output block shows a traceback".to_owned(),
            );
        }
        let last = pieces.len() - 1;
        if actual.contains('\n') || grammar::exception_claim(pieces[last]).is_none() {
            return Err("its traceback's last line does not name the exception".to_owned());
        }
        if !holds_exception(actual, actual) {
            return Err(format!("{actual:?} does not read as an exception"));
        }
        let old = lines[start + last].content;
        let line = format!(
            "{}{}{}",
            prefixes[last],
            actual,
            &old[old.trim_end().len()..]
        );
        return Ok(Edit {
            first: start + last,
            old: 1,
            lines: vec![line],
            fixed: Fixed {
                line: target.line,
                old: target.claimed.clone(),
                new: pieces[..last]
                    .iter()
                    .copied()
                    .chain([actual])
                    .collect::<Vec<_>>()
                    .join("\n"),
            },
        });
    }
    let new: Vec<&str> = target.actual.lines().map(str::trim_end).collect();
    let fence = new.iter().any(|l| {
        let l = l.trim_start();
        l.starts_with("```") || l.starts_with("~~~")
    });
    let command = new
        .first()
        .is_some_and(|l| l.trim_start().starts_with("$ ") || l.trim_start().starts_with("% "));
    if fence || command || target.actual.contains(TRACEBACK) {
        return Err("its output would not read back as this output block's content".to_owned());
    }
    let prefix = prefixes
        .iter()
        .zip(&pieces)
        .find(|(_, piece)| !piece.trim().is_empty())
        .map_or("", |(prefix, _)| *prefix);
    let new_lines = new
        .iter()
        .map(|piece| {
            if piece.is_empty() {
                prefix.trim_end().to_owned()
            } else {
                format!("{prefix}{piece}")
            }
        })
        .collect();
    Ok(Edit {
        first: start,
        old: pieces.len(),
        lines: new_lines,
        fixed: Fixed {
            line: target.line,
            old: target.claimed.clone(),
            new: new.join("\n"),
        },
    })
}

/// A session example's expected output: what it printed, a blank line as `<BLANKLINE>`, with the
/// example's indentation; an exception as doctest shows it.
pub(super) fn session(lines: &[Line<'_>], index: usize, target: &Target) -> Result<Edit, String> {
    usable(&target.actual)?;
    let pieces: Vec<&str> = target.claimed.split('\n').collect();
    let mut prefixes = Vec::new();
    for (k, piece) in pieces.iter().enumerate() {
        let line = lines
            .get(index + k)
            .map(|l| l.content.trim_end())
            .ok_or("its expected output runs past the end of the note")?;
        let prefix = line
            .strip_suffix(piece.trim_end())
            .filter(|p| p.chars().all(|c| c == ' ' || c == '\t' || c == '>') && !p.contains(">>>"))
            .ok_or("its expected output was not found on its lines")?;
        prefixes.push(prefix);
    }
    let want = session_want(target, &pieces)?;
    if want.iter().enumerate().any(|(k, l)| {
        let l = l.trim_start();
        l.starts_with(">>>") || (k == 0 && l.is_empty())
    }) {
        return Err("its output would not read back as the example's expected output".to_owned());
    }
    let prefix = prefixes[0];
    let new_lines = want.iter().map(|l| format!("{prefix}{l}")).collect();
    Ok(Edit {
        first: index,
        old: pieces.len(),
        lines: new_lines,
        fixed: Fixed {
            line: target.line,
            old: target.claimed.clone(),
            new: want.join("\n"),
        },
    })
}

/// The expected output a session example should show.
fn session_want(target: &Target, pieces: &[&str]) -> Result<Vec<String>, String> {
    let actual = target.actual.as_str();
    let owned = |lines: &[&str]| lines.iter().map(|l| (*l).to_owned()).collect::<Vec<_>>();
    if actual.starts_with(TRACEBACK) {
        // doctest compares the exception's lines: keep the shown header and stack.
        let shown = if pieces[0].starts_with(TRACEBACK) {
            exception_head(pieces)
        } else {
            vec![TRACEBACK, "  ..."]
        };
        let raised: Vec<&str> = actual.lines().collect();
        let exception = &raised[exception_head(&raised).len()..];
        if exception.is_empty() {
            return Err("its traceback names no exception".to_owned());
        }
        return Ok(owned(&[shown, exception.to_vec()].concat()));
    }
    if target.kind == ClaimKind::Exception {
        // An exception shown without doctest's header: its last line names it.
        if actual.contains('\n') || grammar::exception_claim(actual).is_none() {
            return Err("it no longer raises what the session shows".to_owned());
        }
        let last = pieces
            .iter()
            .rposition(|p| !p.trim().is_empty())
            .unwrap_or(pieces.len() - 1);
        let mut want = owned(pieces);
        want[last] = actual.to_owned();
        return Ok(want);
    }
    if target.raised.as_deref() == Some(actual) {
        let type_name = actual.split(':').next().unwrap_or(actual);
        if actual.contains('\n')
            || ["SyntaxError", "IndentationError", "TabError"]
                .iter()
                .any(|t| type_name.ends_with(t))
        {
            return Err(format!(
                "it raises {type_name} now, whose traceback doctest shows over several lines"
            ));
        }
        return Ok(owned(&[TRACEBACK, "  ...", actual]));
    }
    Ok(actual
        .split('\n')
        .map(|l| {
            if l.trim().is_empty() {
                "<BLANKLINE>".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect())
}

/// A traceback's header and stack lines (what comes before the exception's own lines: the
/// header and every indented line after it).
fn exception_head<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let stack = lines
        .iter()
        .rposition(|l| l.starts_with([' ', '\t']))
        .map_or(1, |i| i + 1);
    lines[..stack.min(lines.len())].to_vec()
}

/// Where a trailing comment's claim text starts on its line: the one `#` whose comment reads as
/// the claim and ends the line. `None` when no `#`, or more than one, does.
fn trailing_span(content: &str, claimed: &str) -> Option<usize> {
    if claimed.contains('\n') || claimed.is_empty() {
        return None;
    }
    let line = content.trim_end();
    let found: Vec<usize> = line
        .match_indices('#')
        .filter(|(at, _)| {
            line[*at..].ends_with(claimed) && grammar::comment_text(&line[*at..]) == claimed
        })
        .map(|(at, _)| at)
        .collect();
    match found.as_slice() {
        [_] => Some(line.len() - claimed.len()),
        _ => None,
    }
}

/// Where a comment line's claim text starts: the line is a comment (only white space or `>`
/// before its `#`) that reads as `piece`.
fn below_span(content: &str, piece: &str) -> Option<usize> {
    let hash = content.find('#')?;
    if !content[..hash]
        .chars()
        .all(|c| c.is_whitespace() || c == '>')
    {
        return None;
    }
    let line = content.trim_end();
    let piece = piece.trim_end();
    (line.ends_with(piece) && grammar::comment_text(&line[hash..]) == piece)
        .then(|| line.len() - piece.len())
}

fn edit(first: usize, old: usize, lines: Vec<String>, target: &Target, new: String) -> Edit {
    Edit {
        first,
        old,
        lines,
        fixed: Fixed {
            line: target.line,
            old: target.claimed.clone(),
            new,
        },
    }
}

/// Output that cannot be written into a note as it is: nothing, or control characters.
fn usable(actual: &str) -> Result<(), String> {
    if actual.trim().is_empty() {
        return Err(
            "it printed nothing: there is no claim to write (remove the comment)".to_owned(),
        );
    }
    if actual
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("its output holds control characters".to_owned());
    }
    Ok(())
}

/// A comment claim's new text, on one line, its commentary kept: the claimed text's value
/// part replaced by what happened.
fn one_line_claim(target: &Target) -> Result<String, String> {
    let new = new_text(target)?;
    if new.contains('\n') {
        return Err(format!(
            "it prints {} lines; a comment on the statement's line holds one",
            new.lines().count()
        ));
    }
    if !holds(target, &new) {
        return Err(format!(
            "{new:?} would not be read back as a claim that holds"
        ));
    }
    Ok(new)
}

/// A comment claim's new text: what happened (an exception as `Type: message`), followed by
/// the claim's commentary when it is one line.
fn new_text(target: &Target) -> Result<String, String> {
    let claimed = target.claimed.as_str();
    let actual = target.actual.as_str();
    let commentary = if claimed.contains('\n') || actual.contains('\n') {
        ""
    } else {
        &claimed[value_end(claimed)..]
    };
    match (&target.raised, target.kind) {
        (Some(raised), ClaimKind::Exception) => exception_text(claimed, raised),
        (Some(raised), _) if raised == actual => {
            if raised.contains('\n') {
                return Err("it raises an exception whose message spans lines".to_owned());
            }
            Ok(format!("{raised}{commentary}"))
        }
        (None, ClaimKind::Exception) if actual == "no exception" => {
            Err("it raises nothing now, and has no output to claim".to_owned())
        }
        _ => Ok(format!("{}{commentary}", unlabelled(claimed, actual))),
    }
}

/// The output as the claim writes it: without the label the program prints before the value
/// (`Tangent: 1.0`) when the claim leaves it out (`# Output: 1.0`), as the author did.
fn unlabelled<'a>(claimed: &str, actual: &'a str) -> std::borrow::Cow<'a, str> {
    let bare = strip_label(actual, true);
    let label = actual.strip_suffix(bare.as_str()).unwrap_or("").trim();
    if bare != actual && !label.is_empty() && !claimed.contains(label) {
        std::borrow::Cow::Owned(bare)
    } else {
        std::borrow::Cow::Borrowed(actual)
    }
}

/// An exception claim rewritten to the exception raised: `raises` kept, the type replaced,
/// the message replaced when the claim has one (its commentary kept).
fn exception_text(claimed: &str, raised: &str) -> Result<String, String> {
    if raised.contains('\n') {
        return Err("it raises an exception whose message spans lines".to_owned());
    }
    let (type_name, message) = match raised.split_once(": ") {
        Some((t, m)) => (t, Some(m)),
        None => (raised, None),
    };
    let lead = ["raises ", "Raises ", "raise ", "Raise "]
        .iter()
        .find(|p| claimed.starts_with(**p))
        .map_or(0, |p| p.len());
    let after = &claimed[lead..];
    let end = after
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(after.len());
    let rest = &after[end..];
    let tail = match rest.strip_prefix(':') {
        Some(shown) => {
            let shown = shown.trim_start();
            let commentary = &shown[value_end(shown)..];
            match message {
                Some(message) => format!(": {message}{commentary}"),
                None => commentary.to_owned(),
            }
        }
        None => rest.to_owned(),
    };
    Ok(format!("{}{type_name}{tail}", &claimed[..lead]))
}

/// Where a claim's value ends and its commentary starts: the first point, outside brackets and
/// quotes, where what follows is commentary after what precedes (`6 - unchanged` → 1); the
/// whole text when none is.
pub(super) fn value_end(text: &str) -> usize {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if i > 0
            && depth == 0
            && quote.is_none()
            && grammar::is_commentary_after(&text[..i], &text[i..])
        {
            return i;
        }
        match quote {
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            },
        }
    }
    text.len()
}

/// Whether the judge reads `new`, a comment claim's text, as a claim that holds.
fn holds(target: &Target, new: &str) -> bool {
    let exception = match (&target.raised, target.kind) {
        (Some(raised), ClaimKind::Exception) => Some(raised.as_str()),
        (Some(raised), _) if *raised == target.actual => Some(raised.as_str()),
        _ => None,
    };
    if let Some(raised) = exception {
        return holds_exception(new, raised);
    }
    let value = target.kind == ClaimKind::Value;
    let comparison = compare(new, &target.actual);
    // Pass, or loose only for the label the claim's style leaves out.
    (comparison.verdict == Verdict::Pass
        || (comparison.verdict == Verdict::Loose
            && comparison.normalization.as_deref() == Some("label")
            && unlabelled(&target.claimed, &target.actual) != target.actual.as_str()))
        && !grammar::is_placeholder(new)
        && !grammar::is_directive(new)
        && !grammar::is_remark(new, &target.actual)
        && (!value
            || (grammar::exception_claim(new).is_none()
                && grammar::is_output_like(new)
                && (grammar::looks_literal(new) || grammar::same_constructor(new, &target.actual))))
}

/// Whether `new` reads as an exception claim that holds for `raised` (`Type: message`).
fn holds_exception(new: &str, raised: &str) -> bool {
    let Some(claim) = grammar::exception_claim(new) else {
        return false;
    };
    let (type_name, message) = match raised.split_once(": ") {
        Some((t, m)) => (t, m),
        None => (raised, ""),
    };
    let short = |name: &str| name.rsplit('.').next().unwrap_or(name).to_owned();
    short(&claim.type_name) == short(type_name)
        && claim
            .message
            .is_none_or(|m| compare(&m, message).verdict == Verdict::Pass)
}
