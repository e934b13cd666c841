//! One file per subcommand; each returns `Ok(true)` for success, `Ok(false)` for a failed
//! check (exit 1), `Err` when snipcheck itself failed (exit 2).

mod verify;

pub use verify::verify;
