//! The seccomp layer: a deny-list filter compiled once (in the zygote) and installed in every
//! child just before the snippet runs.
//!
//! seccompiler's program starts with an architecture check that kills the process on a foreign
//! arch, which stops `int 0x80` (i386 syscalls) from slipping past the x86_64 numbers. Denied
//! calls fail with `EPERM`, so Python raises `PermissionError` and the harness can report which
//! thing was blocked; `clone3` fails with `ENOSYS` so libc falls back to `clone`, whose flags a
//! classic BPF filter can inspect (threads allowed, new processes denied).

use anyhow::{Context, Result};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};
use std::collections::BTreeMap;

/// The compiled filters, installed in this order.
#[derive(Debug, Clone)]
pub struct Filters {
    programs: Vec<BpfProgram>,
}

/// Syscalls denied outright, with the errno `EPERM`.
pub const DENIED: &[(&str, i64)] = &[
    ("fork", libc::SYS_fork),
    ("vfork", libc::SYS_vfork),
    ("execve", libc::SYS_execve),
    ("execveat", libc::SYS_execveat),
    ("ptrace", libc::SYS_ptrace),
    ("process_vm_readv", libc::SYS_process_vm_readv),
    ("process_vm_writev", libc::SYS_process_vm_writev),
    ("mount", libc::SYS_mount),
    ("umount2", libc::SYS_umount2),
    ("pivot_root", libc::SYS_pivot_root),
    ("chroot", libc::SYS_chroot),
    ("unshare", libc::SYS_unshare),
    ("setns", libc::SYS_setns),
    ("bpf", libc::SYS_bpf),
    ("perf_event_open", libc::SYS_perf_event_open),
    ("userfaultfd", libc::SYS_userfaultfd),
    ("io_uring_setup", libc::SYS_io_uring_setup),
    ("io_uring_enter", libc::SYS_io_uring_enter),
    ("io_uring_register", libc::SYS_io_uring_register),
    ("keyctl", libc::SYS_keyctl),
    ("add_key", libc::SYS_add_key),
    ("request_key", libc::SYS_request_key),
    ("kexec_load", libc::SYS_kexec_load),
    ("kexec_file_load", libc::SYS_kexec_file_load),
    ("reboot", libc::SYS_reboot),
    ("init_module", libc::SYS_init_module),
    ("finit_module", libc::SYS_finit_module),
    ("delete_module", libc::SYS_delete_module),
    ("setsid", libc::SYS_setsid),
    ("setpgid", libc::SYS_setpgid),
    ("setrlimit", libc::SYS_setrlimit),
    ("open_by_handle_at", libc::SYS_open_by_handle_at),
    ("name_to_handle_at", libc::SYS_name_to_handle_at),
    ("socket", libc::SYS_socket),
    ("iopl", libc::SYS_iopl),
    ("ioperm", libc::SYS_ioperm),
    ("swapon", libc::SYS_swapon),
    ("swapoff", libc::SYS_swapoff),
    ("acct", libc::SYS_acct),
    ("settimeofday", libc::SYS_settimeofday),
    ("clock_settime", libc::SYS_clock_settime),
    ("syslog", libc::SYS_syslog),
    ("quotactl", libc::SYS_quotactl),
    ("fanotify_init", libc::SYS_fanotify_init),
    ("pidfd_getfd", libc::SYS_pidfd_getfd),
    ("mknod", libc::SYS_mknod),
    ("mknodat", libc::SYS_mknodat),
    ("personality", libc::SYS_personality),
];

impl Filters {
    /// Compiles the filters for x86_64.
    pub fn compile() -> Result<Filters> {
        let eperm = u32::try_from(libc::EPERM).unwrap_or(1);
        let enosys = u32::try_from(libc::ENOSYS).unwrap_or(38);
        let mut denied: BTreeMap<i64, Vec<SeccompRule>> = DENIED
            .iter()
            .map(|&(_, number)| (number, Vec::new()))
            .collect();
        // clone without CLONE_THREAD makes a new process; with it, a thread (allowed).
        denied.insert(
            libc::SYS_clone,
            vec![rule(
                0,
                SeccompCmpOp::MaskedEq(flag(libc::CLONE_THREAD)),
                0,
            )?],
        );
        // prlimit64 that sets a limit (new_limit != NULL); reading limits stays allowed.
        denied.insert(libc::SYS_prlimit64, vec![rule(2, SeccompCmpOp::Ne, 0)?]);
        let deny = SeccompFilter::new(
            denied,
            SeccompAction::Allow,
            SeccompAction::Errno(eperm),
            TargetArch::x86_64,
        )
        .context("failed to build the seccomp deny filter")?;
        let clone3 = SeccompFilter::new(
            BTreeMap::from([(libc::SYS_clone3, Vec::new())]),
            SeccompAction::Allow,
            SeccompAction::Errno(enosys),
            TargetArch::x86_64,
        )
        .context("failed to build the seccomp clone3 filter")?;
        let programs = [deny, clone3]
            .into_iter()
            .map(|filter| {
                BpfProgram::try_from(filter).context("failed to compile a seccomp filter")
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Filters { programs })
    }

    /// Installs the filters in the calling thread (no_new_privs must already be set).
    pub fn install(&self) -> Result<()> {
        for program in &self.programs {
            seccompiler::apply_filter(program).context("failed to install a seccomp filter")?;
        }
        Ok(())
    }
}

fn flag(bits: i32) -> u64 {
    u64::from(bits.unsigned_abs())
}

fn rule(arg: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompRule> {
    let condition = SeccompCondition::new(arg, SeccompCmpArgLen::Qword, op, value)
        .context("failed to build a seccomp condition")?;
    SeccompRule::new(vec![condition]).context("failed to build a seccomp rule")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_compile() {
        let filters = Filters::compile().expect("filters compile");
        assert_eq!(filters.programs.len(), 2);
        assert!(filters.programs.iter().all(|p| !p.is_empty()));
    }
}
