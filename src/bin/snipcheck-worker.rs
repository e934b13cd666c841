//! `snipcheck-worker`: the zygote, started by the runner (never by hand). The only binary that
//! links CPython: `libpython3.so`, which the runner makes the chosen interpreter's library
//! (`LD_LIBRARY_PATH`). See `snipcheck::run::python`.

use clap::Parser;
use std::path::PathBuf;

/// The zygote that forks one sandboxed child per snippet (started by `snipcheck verify` and
/// the other commands that run snippets).
#[derive(Parser)]
#[command(name = "snipcheck-worker", version)]
enum Worker {
    /// Serve the runner on the control socket (fd 3) until it closes.
    Worker {
        /// The interpreter's `sys.base_prefix` (where its standard library is).
        #[arg(long, value_name = "DIR")]
        home: PathBuf,
        /// The interpreter's `sys.executable`.
        #[arg(long, value_name = "PATH")]
        executable: PathBuf,
        /// How many children may run at once (sizes the run's cgroups).
        #[arg(long, default_value_t = 1)]
        slots: u64,
        /// A directory the children may read besides the interpreter's own (a virtualenv's
        /// site-packages); repeatable.
        #[arg(long = "read-only", value_name = "DIR")]
        read_only: Vec<PathBuf>,
        /// Standard-library modules to import before forking (comma-separated).
        #[arg(long, value_name = "MODULES", value_delimiter = ',')]
        preload: Vec<String>,
    },
}

fn main() {
    let Worker::Worker {
        home,
        executable,
        slots,
        read_only,
        preload,
    } = Worker::parse();
    snipcheck::run::python::zygote_main(
        &snipcheck::run::protocol::Setup {
            slots: usize::try_from(slots).unwrap_or(usize::MAX),
            read_only,
            preload,
            ..Default::default()
        },
        &home,
        &executable,
    )
}
