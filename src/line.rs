//! `LineNo`: a 1-based line number in a source file (Markdown, config), so that every message
//! points into the file the user edits and 0/1-based mixups cannot type-check.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A 1-based line number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LineNo(u32);

impl LineNo {
    /// The first line of a file.
    pub const FIRST: LineNo = LineNo(1);

    /// A line number from a 1-based value; 0 is clamped to the first line.
    pub fn new(one_based: u32) -> LineNo {
        LineNo(one_based.max(1))
    }

    /// The line number of the byte at `offset` in `text`.
    pub fn of_offset(text: &str, offset: usize) -> LineNo {
        let before = &text.as_bytes()[..offset.min(text.len())];
        let newlines = before.iter().filter(|&&b| b == b'\n').count();
        LineNo(u32::try_from(newlines).unwrap_or(u32::MAX - 1) + 1)
    }

    /// The 1-based value.
    pub fn get(self) -> u32 {
        self.0
    }

    /// The line `n` lines further down.
    pub fn plus(self, n: u32) -> LineNo {
        LineNo(self.0.saturating_add(n))
    }
}

/// The line starts of a text, so that many offsets map to lines in O(log n) each (a parser's
/// events over a whole book would be quadratic with [`LineNo::of_offset`]).
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset of every `\n`.
    newlines: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> LineIndex {
        LineIndex {
            newlines: text
                .bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        }
    }

    /// The line number of the byte at `offset` (as [`LineNo::of_offset`]).
    pub fn line(&self, offset: usize) -> LineNo {
        let before = self.newlines.partition_point(|&newline| newline < offset);
        LineNo(u32::try_from(before).unwrap_or(u32::MAX - 1) + 1)
    }
}

impl fmt::Display for LineNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_one_based_lines() {
        let text = "a\nbc\n\nd";
        assert_eq!(LineNo::of_offset(text, 0).get(), 1);
        assert_eq!(LineNo::of_offset(text, 2).get(), 2);
        assert_eq!(LineNo::of_offset(text, 5).get(), 3);
        assert_eq!(LineNo::of_offset(text, 6).get(), 4);
        assert_eq!(LineNo::of_offset(text, 999).get(), 4);
    }

    #[test]
    fn the_index_agrees_with_counting() {
        let text = "a\nbc\n\nd\n";
        let index = LineIndex::new(text);
        for offset in 0..text.len() + 3 {
            assert_eq!(
                index.line(offset),
                LineNo::of_offset(text, offset),
                "{offset}"
            );
        }
    }

    #[test]
    fn zero_is_clamped() {
        assert_eq!(LineNo::new(0), LineNo::FIRST);
    }
}
