//! The Landlock layer: what the snippet may touch on the filesystem and the network.
//!
//! Read-only: the interpreter's own `sys.path` directories (taken from the initialized
//! interpreter, never guessed) and the few system files CPython and its C extensions need.
//! Everything: the run's scratch dir. TCP bind/connect are handled and so denied; the
//! abstract-unix-socket and signal scopes keep the snippet from reaching processes outside its
//! domain. Each right applies from the ABI that brought it ([`RIGHTS`]): the filesystem rules
//! of ABI 1 are a hard requirement once Landlock is used at all, every later right is asked
//! for best effort (`CompatLevel::BestEffort`), and what the kernel lacked is named
//! ([`missing`]) for `doctor`, the report and the floor (`floor.rs`).

use anyhow::{Context, Result, bail};
use landlock::{
    ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, Ruleset, RulesetAttr,
    RulesetCreatedAttr, RulesetStatus, Scope, path_beneath_rules,
};
use std::path::{Path, PathBuf};

/// The newest ABI whose rights snipcheck asks for (filesystem through ABI 5, TCP from 4,
/// scopes from 6); a kernel with a newer ABI enforces all of them.
const TARGET_ABI: ABI = ABI::V6;

/// The ABI number of [`TARGET_ABI`].
pub const TARGET: u8 = 6;

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

/// What this kernel offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// Landlock with this ABI (1 or more).
    Abi(u8),
    /// Built in, but not enabled at boot (`EOPNOTSUPP`: `lsm=` or `CONFIG_LSM` leave it out).
    NotEnabled,
    /// Not built into this kernel (`ENOSYS`: before Linux 5.13, or `CONFIG_SECURITY_LANDLOCK`
    /// off).
    NotBuilt,
    /// The syscall was refused with another error (`EPERM`: a seccomp profile, such as an
    /// older container runtime's default, forbids it).
    Refused,
}

impl Support {
    /// The ABI, 0 without Landlock.
    pub fn abi(self) -> u8 {
        match self {
            Support::Abi(abi) => abi,
            Support::NotEnabled | Support::NotBuilt | Support::Refused => 0,
        }
    }

    /// Why Landlock is missing, for a message (`None` when it is there).
    pub fn reason(self) -> Option<&'static str> {
        match self {
            Support::Abi(_) => None,
            Support::NotEnabled => Some(
                "Landlock is built into this kernel but not enabled at boot (add `landlock` to the `lsm=` kernel parameter)",
            ),
            Support::NotBuilt => Some(
                "this kernel has no Landlock (Linux 5.13 or newer with CONFIG_SECURITY_LANDLOCK)",
            ),
            Support::Refused => Some(
                "the Landlock syscalls are refused (EPERM): a seccomp profile, such as a container runtime's, forbids them",
            ),
        }
    }
}

/// Asks the kernel which Landlock ABI it offers (`landlock_create_ruleset` with
/// `LANDLOCK_CREATE_RULESET_VERSION`). Only for choosing the layer and naming what is
/// missing: the ruleset itself asks for every right and lets the crate drop the unknown ones.
pub fn support() -> Support {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
    // SAFETY: a null attr with size 0 and the version flag only returns a number.
    let version = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    if version >= 1 {
        return Support::Abi(u8::try_from(version).unwrap_or(u8::MAX));
    }
    match std::io::Error::last_os_error().raw_os_error() {
        Some(libc::EOPNOTSUPP) => Support::NotEnabled,
        Some(libc::ENOSYS) => Support::NotBuilt,
        _ => Support::Refused,
    }
}

/// One of the rights snipcheck asks Landlock for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Right {
    /// Its name in messages.
    pub name: &'static str,
    /// The ABI that brought it.
    pub abi: u8,
}

/// Every right snipcheck asks for, by the ABI that brought it.
pub const RIGHTS: &[Right] = &[
    Right {
        name: "filesystem rules",
        abi: 1,
    },
    Right {
        name: "refer",
        abi: 2,
    },
    Right {
        name: "truncate",
        abi: 3,
    },
    Right {
        name: "TCP bind/connect",
        abi: 4,
    },
    Right {
        name: "device ioctl",
        abi: 5,
    },
    Right {
        name: "abstract-unix-socket scope",
        abi: 6,
    },
    Right {
        name: "signal scope",
        abi: 6,
    },
];

/// The rights a kernel with this ABI lacks (all of them at 0).
pub fn missing(abi: u8) -> Vec<Right> {
    RIGHTS.iter().copied().filter(|r| r.abi > abi).collect()
}

/// The layer's detail for a kernel with this ABI (at least 1): what holds, then what the
/// kernel lacks.
pub fn describe(abi: u8) -> String {
    let mut text = format!(
        "ABI {abi}: read-only sys.path and system libraries, full access to the scratch dir only"
    );
    if abi >= 4 {
        text.push_str(", TCP bind/connect denied");
    }
    if abi >= 6 {
        text.push_str(", signal and abstract-socket scopes");
    }
    let lacking = missing(abi);
    if !lacking.is_empty() {
        let names: Vec<String> = lacking
            .iter()
            .map(|r| format!("{} (ABI {})", r.name, r.abi))
            .collect();
        text.push_str(&format!("; the kernel lacks: {}", names.join(", ")));
    }
    text
}

/// Restricts the calling thread (and its future threads) to the rules, with every right the
/// kernel's ABI (`abi`, from [`support`], at least 1) can express; returns the layer's
/// detail. Fails when the ABI 1 filesystem rules cannot be enforced, or when the kernel
/// enforced less than its ABI promises.
pub fn restrict(read_only: &[PathBuf], scratch: &Path, abi: u8) -> Result<String> {
    let read = AccessFs::from_read(TARGET_ABI);
    let file_rw = AccessFs::ReadFile | AccessFs::WriteFile;
    let status = Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(AccessFs::from_all(ABI::V1))
        .context("landlock: filesystem rights of ABI 1")?
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(TARGET_ABI))
        .context("landlock: filesystem rights")?
        .handle_access(AccessNet::from_all(TARGET_ABI))
        .context("landlock: network rights")?
        .scope(Scope::from_all(TARGET_ABI))
        .context("landlock: scopes")?
        .create()
        .context("landlock: create ruleset")?
        .add_rules(path_beneath_rules(read_only, read))
        .context("landlock: sys.path rules")?
        .add_rules(path_beneath_rules(SYSTEM_READ, read))
        .context("landlock: system file rules")?
        .add_rules(path_beneath_rules(DEVICES, file_rw))
        .context("landlock: device rules")?
        .add_rules(path_beneath_rules(
            [scratch],
            AccessFs::from_all(TARGET_ABI),
        ))
        .context("landlock: scratch dir rule")?
        .restrict_self()
        .context("landlock: restrict_self")?;
    let expected = if abi >= TARGET {
        RulesetStatus::FullyEnforced
    } else {
        RulesetStatus::PartiallyEnforced
    };
    if status.ruleset != expected {
        bail!(
            "landlock: the kernel offers ABI {abi}, but the ruleset was {} ({} expected)",
            enforcement(&status.ruleset),
            enforcement(&expected)
        );
    }
    Ok(describe(abi))
}

fn enforcement(status: &RulesetStatus) -> &'static str {
    match status {
        RulesetStatus::FullyEnforced => "fully enforced",
        RulesetStatus::PartiallyEnforced => "partially enforced",
        RulesetStatus::NotEnforced => "not enforced",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_abi_lacks_the_rights_of_later_abis() {
        let names = |abi| -> Vec<&str> { missing(abi).iter().map(|r| r.name).collect() };
        assert_eq!(names(0).len(), RIGHTS.len());
        assert_eq!(
            names(2),
            [
                "truncate",
                "TCP bind/connect",
                "device ioctl",
                "abstract-unix-socket scope",
                "signal scope"
            ]
        );
        assert_eq!(
            names(4),
            ["device ioctl", "abstract-unix-socket scope", "signal scope"]
        );
        assert!(names(6).is_empty());
        assert!(names(7).is_empty());
    }

    #[test]
    fn the_detail_names_what_holds_and_what_is_missing() {
        assert_eq!(
            describe(2),
            "ABI 2: read-only sys.path and system libraries, full access to the scratch dir only; the kernel lacks: truncate (ABI 3), TCP bind/connect (ABI 4), device ioctl (ABI 5), abstract-unix-socket scope (ABI 6), signal scope (ABI 6)"
        );
        assert_eq!(
            describe(7),
            "ABI 7: read-only sys.path and system libraries, full access to the scratch dir only, TCP bind/connect denied, signal and abstract-socket scopes"
        );
    }
}
