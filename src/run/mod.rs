//! Running snippets: the runner and its zygote (`runner`, `python`), what they say to each
//! other and to each child (`protocol`), the sandbox every child enters (`sandbox`), what a
//! run observed (`outcome`), which modules to preload and which job to start first
//! (`schedule`, `imports`), and third-party packages (`venv`).

pub mod imports;
pub mod interpreter;
pub mod interrupt;
pub mod outcome;
pub mod protocol;
pub mod python;
pub mod runner;
pub mod sandbox;
pub mod schedule;
pub mod venv;
