//! Scheduling a run: which stdlib modules the zygote preloads, and which job starts first.

use super::imports;
use super::protocol::Setup;
use super::runner;
use super::venv::Venv;
use std::collections::BTreeSet;

/// The modules a job's child will import: its code's, its prelude's and its context cells'
/// imports, and `doctest` when it runs a session (the harness runs sessions with it).
pub(crate) fn modules_needed(job: &runner::Job) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let cells = job.context.iter().map(|c| c.code.as_str());
    for code in std::iter::once(job.code.as_str())
        .chain(job.prelude.as_deref())
        .chain(cells)
    {
        names.extend(imports::scan(code));
    }
    if job.interactive || job.context.iter().any(|c| c.interactive) {
        names.insert("doctest".to_owned());
    }
    names
}

/// The zygote for `jobs`, each needing the modules `needs` says ([`modules_needed`]): `slots`
/// children at once, the venv readable, and preloaded the modules that more than `slots` jobs
/// import (except names a job's fixture files provide in its scratch dir). A module imported by
/// at most `slots` jobs is cheaper to import in those children, side by side, than once in the
/// zygote, where every child waits for it.
pub(crate) fn setup_for<'a>(
    slots: usize,
    jobs: impl IntoIterator<Item = &'a runner::Job>,
    needs: &[BTreeSet<String>],
    venv: Option<&Venv>,
) -> Setup {
    let mut importers: std::collections::BTreeMap<&str, usize> = Default::default();
    for name in needs.iter().flatten() {
        *importers.entry(name.as_str()).or_default() += 1;
    }
    let shadowed: BTreeSet<String> = jobs
        .into_iter()
        .flat_map(|job| imports::shadowed_by_files(job.files.keys()))
        .collect();
    Setup {
        slots,
        read_only: venv.map(Venv::read_only).unwrap_or_default(),
        preload: importers
            .into_iter()
            .filter(|(name, count)| {
                *count > slots.max(1) && !shadowed.contains(name.split('.').next().unwrap_or(name))
            })
            .map(|(name, _)| name.to_owned())
            .collect(),
        hash_seed: 0,
        python: None,
    }
}

/// The order to start `jobs` in: the ones that import more modules the children must load
/// themselves first (a stable sort, so document order otherwise). `loaded` are the top-level
/// modules the zygote had loaded before preloading (`Zygote::loaded_modules`), `preloaded`
/// the modules it preloaded. A heuristic for scheduling only: every result is reported in
/// document order.
pub(crate) fn dispatch_order(
    needs: &[BTreeSet<String>],
    loaded: &[String],
    preloaded: &[String],
) -> Vec<usize> {
    let costs: Vec<usize> = needs
        .iter()
        .map(|names| {
            names
                .iter()
                .filter(|name| {
                    let top = name.split('.').next().unwrap_or(name);
                    !loaded.iter().any(|l| l == top) && !preloaded.iter().any(|p| p == *name)
                })
                .count()
        })
        .collect();
    let mut order: Vec<usize> = (0..needs.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(costs[k]));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(slots: usize, jobs: &[runner::Job], venv: Option<&Venv>) -> Setup {
        let needs: Vec<BTreeSet<String>> = jobs.iter().map(modules_needed).collect();
        setup_for(slots, jobs, &needs, venv)
    }
    use crate::line::LineNo;
    use std::time::Duration;

    fn job(code: &str) -> runner::Job {
        runner::Job::new("doc.md", LineNo::FIRST, code, Duration::from_secs(1))
    }

    #[test]
    fn the_zygote_preloads_what_more_jobs_import_than_run_at_once() {
        let mut jobs = vec![
            job("import asyncio\nimport json"),
            job("import asyncio"),
            job("from asyncio import run\nimport random"),
            job("import json"),
        ];
        let mut session = job(">>> 1\n1\n");
        session.interactive = true;
        jobs.push(session.clone());
        jobs.push(session.clone());
        jobs.push(session);
        assert_eq!(setup(2, &jobs, None).preload, ["asyncio", "doctest"]);
        assert_eq!(
            setup(1, &jobs, None).preload,
            ["asyncio", "doctest", "json"]
        );
        assert!(setup(8, &jobs, None).preload.is_empty());

        // A fixture file `random.py` must be what `import random` finds in that snippet's
        // scratch dir: never a preloaded copy.
        let mut shadowing = job("import random");
        shadowing
            .files
            .insert("random.py".to_owned(), "x = 1\n".to_owned());
        jobs.push(shadowing);
        jobs.push(job("import random"));
        assert!(!setup(1, &jobs, None).preload.contains(&"random".to_owned()));
    }

    #[test]
    fn snippets_that_load_modules_themselves_start_first() {
        let jobs = [
            job("print(1)"),
            job("import asyncio"),
            job("import json"),
            job("import asyncio, multiprocessing"),
            job("import sys"),
        ];
        let needs: Vec<BTreeSet<String>> = jobs.iter().map(modules_needed).collect();
        let loaded = ["json".to_owned(), "sys".to_owned()];
        assert_eq!(dispatch_order(&needs, &loaded, &[]), [3, 1, 0, 2, 4]);
        // A preloaded module costs the child nothing.
        assert_eq!(
            dispatch_order(&needs, &loaded, &["asyncio".to_owned()]),
            [3, 0, 1, 2, 4]
        );
        // Nor does one the zygote had loaded already; any other does.
        assert_eq!(dispatch_order(&needs, &[], &[]), [3, 1, 2, 4, 0]);
    }
}
