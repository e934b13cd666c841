//! `snipcheck report merge A.json B.json ...`: joins the JSON reports of the shards of a
//! `verify --partition` run into the report one unpartitioned run would have written, prints
//! it (or writes it to `--output` and prints the human report), and succeeds exactly when that
//! run would have.

use crate::cli::{MergeArgs, MergeFormat};
use crate::report::{self, Format, merge};
use anyhow::Result;

/// Merges the shards' reports; `Ok(true)` when the merged run succeeded.
pub fn merge(args: &MergeArgs) -> Result<bool> {
    let parts = args
        .reports
        .iter()
        .map(|path| merge::read(path))
        .collect::<Result<Vec<_>>>()?;
    let merged = merge::merge(parts, args.allow_missing)?;
    let format = match args.format {
        MergeFormat::Human => Format::Human,
        MergeFormat::Json => Format::Json,
        MergeFormat::Junit => Format::Junit,
        MergeFormat::Github => Format::Github,
    };
    report::emit(&merged, format, args.output.as_deref())?;
    Ok(merged.is_success())
}
