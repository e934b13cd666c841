//! `snipcheck completions SHELL` and `snipcheck man`: the shell's completion script and the
//! man page, both generated from the parser's own definitions (`cli`).

use crate::{cli, report};
use anyhow::Result;

/// Prints the completion script of the shell `args` names.
pub fn completions(args: &cli::CompletionsArgs) -> Result<bool> {
    report::print(&cli::completions(args))?;
    Ok(true)
}

/// Prints the man page (roff).
pub fn man() -> Result<bool> {
    report::print(&cli::man_page()?)?;
    Ok(true)
}
