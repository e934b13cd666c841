//! Generated files: `snippets/` (`snippets`), `expected/` (`snapshot`) and what they share
//! (`generated`: compare a tree with disk, apply it); and the one rewrite of the notes
//! themselves, `fix`'s (`fix`: failing claims replaced by what the code does).

pub mod fix;
pub mod generated;
pub mod snapshot;
pub mod snippets;
