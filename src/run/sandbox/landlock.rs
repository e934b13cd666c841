//! The Landlock layer: what the snippet may touch on the filesystem and the network.
//!
//! Read-only: the interpreter's own `sys.path` directories (taken from the initialized
//! interpreter, never guessed) and the few system files CPython and its C extensions need.
//! Everything: the run's scratch dir. TCP bind/connect are handled and so denied; the
//! abstract-unix-socket and signal scopes keep the snippet from reaching processes outside its
//! domain. Full enforcement is required (`CompatLevel::HardRequirement`): a kernel that cannot
//! enforce every right makes the layer fail, and the snippet does not run.

use anyhow::{Context, Result};
use landlock::{
    ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, Ruleset, RulesetAttr,
    RulesetCreatedAttr, RulesetStatus, Scope, path_beneath_rules,
};
use std::path::{Path, PathBuf};

/// The Landlock ABI whose rights are required (filesystem through ABI 3, TCP from 4, scopes
/// from 6).
const REQUIRED_ABI: ABI = ABI::V6;

/// System paths read by CPython and its extension modules, besides `sys.path`.
pub const SYSTEM_READ: &[&str] = &[
    "/usr/lib",
    "/lib",
    "/lib64",
    "/etc/ld.so.cache",
    "/etc/localtime",
    "/usr/share/zoneinfo",
    "/dev/urandom",
];

/// Device files the snippet may read and write.
pub const DEVICES: &[&str] = &["/dev/null", "/dev/zero"];

/// Restricts the calling thread (and its future threads) to the rules.
pub fn restrict(read_only: &[PathBuf], scratch: &Path) -> Result<()> {
    let abi = REQUIRED_ABI;
    let read = AccessFs::from_read(abi);
    let file_rw = AccessFs::ReadFile | AccessFs::WriteFile;
    let status = Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(AccessFs::from_all(abi))
        .context("landlock: filesystem rights")?
        .handle_access(AccessNet::from_all(abi))
        .context("landlock: network rights")?
        .scope(Scope::from_all(abi))
        .context("landlock: scopes")?
        .create()
        .context("landlock: create ruleset")?
        .add_rules(path_beneath_rules(read_only, read))
        .context("landlock: sys.path rules")?
        .add_rules(path_beneath_rules(SYSTEM_READ, read))
        .context("landlock: system file rules")?
        .add_rules(path_beneath_rules(DEVICES, file_rw))
        .context("landlock: device rules")?
        .add_rules(path_beneath_rules([scratch], AccessFs::from_all(abi)))
        .context("landlock: scratch dir rule")?
        .restrict_self()
        .context("landlock: restrict_self")?;
    if status.ruleset != RulesetStatus::FullyEnforced {
        anyhow::bail!("landlock: ruleset only {:?}", status.ruleset);
    }
    Ok(())
}

/// Whether this kernel enforces every right snipcheck requires; `Err` says why not.
pub fn probe() -> Result<()> {
    Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(AccessFs::from_all(REQUIRED_ABI))?
        .handle_access(AccessNet::from_all(REQUIRED_ABI))?
        .scope(Scope::from_all(REQUIRED_ABI))?
        .create()?;
    Ok(())
}
