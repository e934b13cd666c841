//! `snipcheck inspect [ID | FILE:LINE] [--comments] [--html FILE]`: runs the snippets the
//! target names and explains their claims (`report::inspect` renders).

use crate::cli::InspectArgs;
use crate::pipeline::{self, Options};
use crate::report::{self, inspect::Target};
use anyhow::Result;

/// Inspects claims; `Ok(false)` when a shown claim fails (like `verify`).
pub fn inspect(args: &InspectArgs) -> Result<bool> {
    let target = Target::parse(args.target.as_deref());
    let paths = match &target {
        Target::Line(file, _) => vec![file.clone()],
        _ => Vec::new(),
    };
    let options = Options {
        filter: match &target {
            Target::Id(id) => Some(id.clone()),
            _ => None,
        },
        ..super::run_options(paths, &args.run)
    };
    let progress = report::progress::Progress::start("running snippets");
    let run = pipeline::execute(&options, &progress)?;
    drop(progress);
    if args.comments {
        report::print_visible(&report::inspect::comments(&run, &target)?)?;
        return Ok(true);
    }
    let (text, ok) = report::inspect::inspect(&run, &target, args.html.as_deref())?;
    report::print_painted(&text)?;
    Ok(ok)
}
