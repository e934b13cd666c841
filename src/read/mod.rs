//! Reading notes: which files (`discover`), their blocks (`document` for Markdown, `rst` for
//! reStructuredText) and the `snipcheck:` directives before a block (`directive`).

pub mod directive;
pub mod discover;
pub mod document;
pub mod rst;
