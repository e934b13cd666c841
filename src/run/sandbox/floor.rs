//! The floor: the weakest set of layers snipcheck runs snippets under without being told to.
//!
//! Seccomp (no `socket()`, so no network of any kind; no new processes, no exec, no mounts or
//! namespaces), no_new_privs, rlimits, and filesystem confinement from Landlock (ABI 1 or
//! newer) or from a private mount namespace with every mount read-only. The zygote decides
//! ([`verdict`], from what the machine gave it) and reports the decision as the `floor` row
//! of its layers; the runner ([`enforce`]) refuses to start anything below it unless the
//! user accepted the weaker set (`--sandbox=minimal`, config `sandbox = "minimal"`), and then
//! every report says so.

use super::{Layer, LayerStatus, landlock};
use std::sync::atomic::{AtomicU8, Ordering};

/// The name of the floor's row among the layers.
pub const NAME: &str = "floor";

/// What the machine gave the zygote, as far as the floor is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// Landlock as the kernel offers it.
    pub landlock: landlock::Support,
    /// Why no per-snippet mount namespace with read-only mounts can be made (`None`: it can).
    pub no_mount_namespace: Option<String>,
    /// The zygote is in an empty network namespace.
    pub network_namespace: bool,
    /// Children drop to a uid of their own.
    pub uid_drop: bool,
    /// The kernel takes seccomp filters (`PR_GET_SECCOMP` answers).
    pub seccomp: bool,
}

/// Whether the floor holds, and what is weaker than the full set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Every layer of the floor holds.
    pub met: bool,
    /// What is below the floor, each with why it matters (empty when met).
    pub missing: Vec<String>,
    /// Above the floor but weaker than the full set: each gap and what it leaves open.
    pub weaker: Vec<String>,
}

/// Decides the floor for a machine.
pub fn verdict(machine: &Machine) -> Verdict {
    let abi = machine.landlock.abi();
    let mounts = machine.no_mount_namespace.is_none();
    let mut missing = Vec::new();
    if !machine.seccomp {
        missing.push(
            "seccomp (this kernel takes no seccomp filter): a snippet could open sockets, start processes and run programs"
                .to_owned(),
        );
    }
    if abi == 0 && !mounts {
        missing.push(format!(
            "filesystem confinement: {}, and no read-only mount namespace ({}); without either, {}, not only in its scratch dir",
            machine.landlock.reason().unwrap_or("no Landlock"),
            machine.no_mount_namespace.as_deref().unwrap_or(""),
            if machine.uid_drop {
                "a snippet can write and delete wherever its own uid may (world-writable directories such as /tmp)"
            } else {
                "a snippet can write, delete or chmod any file the user running snipcheck can (the notes, the repository, the home directory)"
            }
        ));
    }
    let mut weaker = Vec::new();
    if abi == 0 && mounts {
        weaker.push(format!(
            "reads are not confined to sys.path ({}): a snippet reads what {} can read; writes outside scratch are stopped by the read-only mounts",
            machine.landlock.reason().unwrap_or("no Landlock"),
            if machine.uid_drop {
                "its own uid"
            } else {
                "the user running snipcheck"
            }
        ));
    }
    if !mounts && abi > 0 {
        let reason = machine.no_mount_namespace.as_deref().unwrap_or("");
        weaker.push(if machine.uid_drop {
            format!(
                "no read-only mount namespace ({reason}): chmod, chown and utime outside scratch are stopped by the uid drop only; scratch disk use is bounded per file only"
            )
        } else {
            format!(
                "no read-only mount namespace ({reason}): chmod, chown and utime of the user's own files outside scratch are not Landlock rights and stay possible; scratch disk use is bounded per file only"
            )
        });
    }
    for right in landlock::missing(abi) {
        if abi == 0 && right.abi == 1 {
            continue;
        }
        let gap = match right.abi {
            2 => "renames and links across directories are always denied instead (stricter)"
                .to_owned(),
            3 => {
                if mounts {
                    "truncate(2) outside scratch is stopped by the read-only mounts".to_owned()
                } else if machine.uid_drop {
                    "truncate(2) outside scratch is stopped by the uid drop (the dropped uid owns nothing)".to_owned()
                } else {
                    "truncate(2) of the user's own files outside scratch is NOT stopped".to_owned()
                }
            }
            4 => format!(
                "TCP is stopped by seccomp (no socket()){}",
                if machine.network_namespace {
                    " and the empty network namespace"
                } else {
                    ""
                }
            ),
            5 => "the only devices a snippet can open are /dev/null, /dev/zero and /dev/urandom"
                .to_owned(),
            _ if right.name.starts_with("abstract") => {
                "abstract unix sockets are stopped by seccomp (no socket())".to_owned()
            }
            _ => {
                if machine.uid_drop {
                    "signals to other processes are stopped by the uid drop".to_owned()
                } else {
                    "a snippet can signal the user's other processes, the zygote included: it can disturb the run, not escape it".to_owned()
                }
            }
        };
        weaker.push(format!(
            "Landlock {} (ABI {}) missing: {gap}",
            right.name, right.abi
        ));
    }
    Verdict {
        met: missing.is_empty(),
        missing,
        weaker,
    }
}

/// The floor's row among the layers: active when met (with what is weaker), failed when not.
pub fn layer(machine: &Machine, verdict: &Verdict) -> Layer {
    if !verdict.met {
        return Layer::new(
            NAME,
            LayerStatus::Failed,
            format!("below the floor: {}", verdict.missing.join("; ")),
        );
    }
    let filesystem = match (machine.landlock.abi(), machine.no_mount_namespace.is_none()) {
        (0, _) => "read-only mounts".to_owned(),
        (abi, true) => format!("Landlock ABI {abi} and read-only mounts"),
        (abi, false) => format!("Landlock ABI {abi}"),
    };
    let mut detail = format!(
        "met: seccomp (no network, no new processes), no_new_privs, rlimits, filesystem confinement by {filesystem}"
    );
    if !verdict.weaker.is_empty() {
        detail.push_str(&format!("; weaker here: {}", verdict.weaker.join("; ")));
    }
    Layer::new(NAME, LayerStatus::Active, detail)
}

/// What the runner does with a zygote below the floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Enforcement {
    /// Refuse before anything runs (the default).
    Refuse = 0,
    /// Run, and mark the floor's row as accepted (`--sandbox=minimal`).
    AcceptMinimal = 1,
    /// Only report it (`doctor`).
    ReportOnly = 2,
}

static ENFORCEMENT: AtomicU8 = AtomicU8::new(Enforcement::Refuse as u8);

/// Sets what this process's zygotes do below the floor; a command sets it once, before it
/// starts any.
pub fn set_enforcement(enforcement: Enforcement) {
    ENFORCEMENT.store(enforcement as u8, Ordering::SeqCst);
}

/// What this process's zygotes do below the floor.
pub fn enforcement() -> Enforcement {
    match ENFORCEMENT.load(Ordering::SeqCst) {
        1 => Enforcement::AcceptMinimal,
        2 => Enforcement::ReportOnly,
        _ => Enforcement::Refuse,
    }
}

/// Applies `enforcement` to a zygote's layers: below the floor, `Err` with the refusal
/// message ([`Enforcement::Refuse`]), or the floor's row marked as accepted
/// ([`Enforcement::AcceptMinimal`]); otherwise the layers as they are.
pub fn enforce(layers: &mut [Layer], enforcement: Enforcement) -> Result<(), String> {
    let Some(row) = layers.iter_mut().find(|l| l.name == NAME) else {
        return Err(refusal("the zygote did not report the floor"));
    };
    if row.status != LayerStatus::Failed {
        return Ok(());
    }
    let missing = row
        .detail
        .strip_prefix("below the floor: ")
        .unwrap_or(&row.detail)
        .to_owned();
    match enforcement {
        Enforcement::Refuse => Err(refusal(&missing)),
        Enforcement::AcceptMinimal => {
            row.status = LayerStatus::Unavailable;
            row.detail = format!("{MINIMAL_PREFIX}{missing}");
            Ok(())
        }
        Enforcement::ReportOnly => Ok(()),
    }
}

/// How the floor's row starts when a run accepted the weaker set.
pub const MINIMAL_PREFIX: &str = "below the floor, accepted with --sandbox=minimal: ";

/// Whether these layers ran below the floor by the user's choice (`--sandbox=minimal`), and
/// what was missing.
pub fn accepted_minimal(layers: &[Layer]) -> Option<&str> {
    layers
        .iter()
        .find(|l| l.name == NAME)
        .and_then(|l| l.detail.strip_prefix(MINIMAL_PREFIX))
}

/// The message that refuses a run below the floor: what is missing (with why it matters) and
/// what to do.
pub fn refusal(missing: &str) -> String {
    format!(
        "the sandbox here is below snipcheck's floor, so no snippet was run.\n\
         \x20 floor: seccomp (no network, no new processes), no_new_privs, rlimits, and filesystem confinement by Landlock (ABI 1, Linux 5.13+) or a read-only mount namespace\n\
         \x20 missing: {missing}\n\
         \x20 what to do, any one of:\n\
         \x20   - a kernel with Landlock enabled (Linux 5.13 or newer, `landlock` in the `lsm=` kernel parameter or CONFIG_LSM)\n\
         \x20   - allow user namespaces: `sysctl kernel.unprivileged_userns_clone=1`, `sysctl kernel.apparmor_restrict_unprivileged_userns=0`, or in a container a seccomp profile that permits unshare (e.g. `docker run --security-opt seccomp=unconfined`)\n\
         \x20   - accept the weaker set explicitly: `--sandbox=minimal` (config: `sandbox = \"minimal\"`); every report then says so\n\
         \x20 `snipcheck doctor` shows every layer and why it is missing"
    )
}

#[cfg(test)]
mod tests {
    use super::landlock::Support;
    use super::*;

    fn machine(landlock: Support, mounts: bool, root: bool) -> Machine {
        Machine {
            landlock,
            no_mount_namespace: (!mounts)
                .then(|| "unshare(CLONE_NEWUSER): Operation not permitted".to_owned()),
            network_namespace: mounts,
            uid_drop: root,
            seccomp: true,
        }
    }

    #[test]
    fn every_layer_on_a_new_kernel_leaves_nothing_weaker() {
        let v = verdict(&machine(Support::Abi(7), true, true));
        assert!(v.met);
        assert!(v.weaker.is_empty(), "{:?}", v.weaker);
        let row = layer(&machine(Support::Abi(7), true, true), &v);
        assert_eq!(row.status, LayerStatus::Active);
        assert_eq!(
            row.detail,
            "met: seccomp (no network, no new processes), no_new_privs, rlimits, filesystem confinement by Landlock ABI 7 and read-only mounts"
        );
    }

    #[test]
    fn debian_12_as_root_meets_the_floor_and_names_what_abi_2_lacks() {
        let v = verdict(&machine(Support::Abi(2), true, true));
        assert!(v.met);
        assert_eq!(
            v.weaker,
            [
                "Landlock truncate (ABI 3) missing: truncate(2) outside scratch is stopped by the read-only mounts",
                "Landlock TCP bind/connect (ABI 4) missing: TCP is stopped by seccomp (no socket()) and the empty network namespace",
                "Landlock device ioctl (ABI 5) missing: the only devices a snippet can open are /dev/null, /dev/zero and /dev/urandom",
                "Landlock abstract-unix-socket scope (ABI 6) missing: abstract unix sockets are stopped by seccomp (no socket())",
                "Landlock signal scope (ABI 6) missing: signals to other processes are stopped by the uid drop",
            ]
        );
    }

    #[test]
    fn a_user_without_namespaces_on_abi_4_meets_the_floor_with_named_gaps() {
        let v = verdict(&machine(Support::Abi(4), false, false));
        assert!(v.met);
        assert_eq!(v.weaker.len(), 4, "{:?}", v.weaker);
        assert!(v.weaker[0].starts_with("no read-only mount namespace (unshare(CLONE_NEWUSER): Operation not permitted): chmod, chown and utime of the user's own files"));
        assert!(v.weaker[1].contains("device ioctl"));
        assert!(v.weaker[3].ends_with("it can disturb the run, not escape it"));
    }

    #[test]
    fn abi_1_reports_refer_as_stricter() {
        let v = verdict(&machine(Support::Abi(1), true, true));
        assert!(v.met);
        assert_eq!(
            v.weaker[0],
            "Landlock refer (ABI 2) missing: renames and links across directories are always denied instead (stricter)"
        );
    }

    #[test]
    fn read_only_mounts_alone_meet_the_floor_but_reads_are_open() {
        let v = verdict(&machine(Support::NotEnabled, true, true));
        assert!(v.met);
        assert!(v.weaker[0].starts_with("reads are not confined to sys.path (Landlock is built into this kernel but not enabled at boot"));
        assert!(v.weaker[0].contains("what its own uid can read"));
        let row = layer(&machine(Support::NotEnabled, true, true), &v);
        assert!(
            row.detail
                .contains("filesystem confinement by read-only mounts;")
        );
    }

    #[test]
    fn neither_landlock_nor_mounts_is_below_the_floor() {
        for landlock in [Support::NotEnabled, Support::NotBuilt, Support::Refused] {
            let m = machine(landlock, false, false);
            let v = verdict(&m);
            assert!(!v.met);
            assert_eq!(v.missing.len(), 1);
            assert!(v.missing[0].starts_with("filesystem confinement: "));
            assert!(v.missing[0].contains(
                "no read-only mount namespace (unshare(CLONE_NEWUSER): Operation not permitted)"
            ));
            assert_eq!(layer(&m, &v).status, LayerStatus::Failed);
        }
    }

    #[test]
    fn no_seccomp_is_below_the_floor_whatever_else_holds() {
        let mut m = machine(Support::Abi(7), true, true);
        m.seccomp = false;
        let v = verdict(&m);
        assert!(!v.met);
        assert!(v.missing[0].starts_with("seccomp"));
    }

    fn below() -> Vec<Layer> {
        let m = machine(Support::NotEnabled, false, false);
        vec![layer(&m, &verdict(&m))]
    }

    #[test]
    fn below_the_floor_refuses_with_what_is_missing_and_what_to_do() {
        let mut layers = below();
        let message = enforce(&mut layers, Enforcement::Refuse).expect_err("a refusal");
        assert!(message.starts_with("the sandbox here is below snipcheck's floor"));
        assert!(message.contains("missing: filesystem confinement: Landlock is built into this kernel but not enabled at boot"));
        assert!(message.contains("--sandbox=minimal"));
        assert!(!message.contains("BitFlags"));
    }

    #[test]
    fn minimal_runs_below_the_floor_and_says_so() {
        let mut layers = below();
        enforce(&mut layers, Enforcement::AcceptMinimal).expect("no refusal");
        assert_eq!(layers[0].status, LayerStatus::Unavailable);
        assert!(
            accepted_minimal(&layers)
                .expect("accepted")
                .starts_with("filesystem confinement: ")
        );
        let mut met = vec![layer(
            &machine(Support::Abi(7), true, true),
            &verdict(&machine(Support::Abi(7), true, true)),
        )];
        enforce(&mut met, Enforcement::Refuse).expect("no refusal");
        assert_eq!(accepted_minimal(&met), None);
    }

    #[test]
    fn doctor_only_reports() {
        let mut layers = below();
        enforce(&mut layers, Enforcement::ReportOnly).expect("no refusal");
        assert_eq!(layers[0].status, LayerStatus::Failed);
    }
}
