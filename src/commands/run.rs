//! `snipcheck run FILE.py|ID`: one file or snippet in the sandbox, with its full transcript
//! (`report::transcript` renders it).

use crate::cli::{Format, RunArgs};
use crate::config;
use crate::judge::Verdict;
use crate::line::LineNo;
use crate::pipeline::{self, Options, Prepared, Scope, Unobserved};
use crate::plan::{Disposition, Snippet};
use crate::read::block::Block;
use crate::report;
use anyhow::{Context, Result, anyhow};
use std::path::Path;

/// Runs the target and prints its transcript; `Ok(true)` when it ended as expected and every
/// claim held.
pub fn run(args: &RunArgs) -> Result<bool> {
    super::choose_sandbox(args.sandbox, args.config.as_deref());
    let options = Options {
        config: args.config.clone(),
        timeout: args.timeout,
        jobs: Some(1),
        venv: args.venv.clone(),
        no_venv: args.no_venv,
        python: args.python.clone(),
        ..Options::default()
    };
    let prepared = target(args, &options)?;
    if !prepared.runtime.others.is_empty() {
        return Err(anyhow!(
            "`snipcheck run` shows one Python's transcript, and several are named (--python, $SNIPCHECK_PYTHON or the config's `python`): name one with --python"
        ));
    }
    let run = pipeline::execute_prepared(prepared, &options, &Unobserved)?;
    let row = run
        .rows
        .first()
        .ok_or_else(|| anyhow!("{:?}: nothing to run", args.target))?;
    let success = !row.check.is_unexpected_error()
        && row
            .check
            .claims
            .iter()
            .all(|c| matches!(c.verdict, Verdict::Pass | Verdict::Loose));
    let text = match args.format {
        Format::Json => report::transcript::json(&run.sandbox.python, row)?,
        _ => report::transcript::human(&run.sandbox.python, row),
    };
    report::print_visible(&text)?;
    Ok(success)
}

/// The one snippet to run: a Python file as one block, or a planned snippet of the
/// configured notes by id.
fn target(args: &RunArgs, options: &Options) -> Result<Prepared> {
    let path = Path::new(&args.target);
    if path.is_file() {
        let bytes =
            std::fs::read(path).with_context(|| format!("failed to read {}", path.display()))?;
        let code = String::from_utf8(bytes).map_err(|err| {
            let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            anyhow!("{}:{line}: file is not valid UTF-8", path.display())
        })?;
        let code = code
            .strip_prefix('\u{feff}')
            .unwrap_or(&code)
            .replace("\r\n", "\n");
        let lines = u32::try_from(code.lines().count()).unwrap_or(u32::MAX);
        let snippet = Snippet {
            id: args.target.clone(),
            path: path.to_path_buf(),
            tracked: false,
            disposition: Disposition::Run,
            block: Block {
                section: None,
                info: "python".to_owned(),
                fence_line: LineNo::FIRST,
                first_line: LineNo::FIRST,
                end_line: LineNo::new(lines),
                span: 0..code.len(),
                code,
                unterminated: false,
                directives: None,
                output: None,
                setup: None,
                python: None,
            },
            settings: None,
            context: Vec::new(),
            namespace: crate::config::Namespace::Block,
            chain: args.target.clone(),
            undefined: Vec::new(),
        };
        let config = config::load(args.config.as_deref())?;
        let runtime = pipeline::runtime(options, &config)?;
        return Ok(Prepared {
            config,
            notes: Vec::new(),
            snippets: vec![snippet],
            scope: Scope::default(),
            runtime,
        });
    }
    let mut prepared = pipeline::prepare(options).with_context(|| {
        format!(
            "{:?} is neither a file nor a snippet id of the configured notes",
            args.target
        )
    })?;
    prepared.snippets.retain(|s| s.id == args.target);
    if prepared.snippets.is_empty() {
        return Err(anyhow!(
            "{:?} is neither a file nor a snippet id of the configured notes (ids are listed by `snipcheck verify --format json`)",
            args.target
        ));
    }
    Ok(prepared)
}
