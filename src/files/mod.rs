//! Generated files: `snippets/` (`snippets`), `expected/` (`snapshot`) and what they share
//! (`generated`: compare a tree with disk, apply it).

pub mod generated;
pub mod snapshot;
pub mod snippets;
