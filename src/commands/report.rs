//! `snipcheck report merge A.json B.json ...`: joins the JSON reports of the shards of a
//! `verify --partition` run into the report one unpartitioned run would have written, prints
//! it (or writes it to `--output` and prints the human report), and succeeds exactly when that
//! run would have.

use crate::cli::{MergeArgs, MergeFormat};
use crate::report::{self, merge};
use crate::{atomic, environment};
use anyhow::Result;

/// Merges the shards' reports; `Ok(true)` when the merged run succeeded.
pub fn merge(args: &MergeArgs) -> Result<bool> {
    let parts = args
        .reports
        .iter()
        .map(|path| merge::read(path))
        .collect::<Result<Vec<_>>>()?;
    let merged = merge::merge(parts, args.allow_missing)?;
    let human = || report::human::render_styled(&merged, environment::stdout_colors());
    let text = match args.format {
        MergeFormat::Human => human(),
        MergeFormat::Json => report::json::render(&merged),
        MergeFormat::Junit => report::junit::render(&merged),
        MergeFormat::Github => report::github::render(&merged),
    };
    match &args.output {
        Some(path) => {
            atomic::write(path, text.as_bytes())?;
            super::extract::print(&format!(
                "{}report written to {}\n",
                human(),
                path.display()
            ))?;
        }
        None => super::extract::print(&text)?,
    }
    Ok(merged.is_success())
}
