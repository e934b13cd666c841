//! What the runner, the zygote and each child say to one another, as types.
//!
//! Three channels, each typed here at both ends:
//! - the zygote's command line ([`Setup`], as `snipcheck worker` arguments);
//! - the control socket on [`CONTROL_FD`]: JSON messages over `SOCK_SEQPACKET`
//!   (`sandbox::control`), runner → zygote [`ControlRequest`], zygote → runner
//!   [`ControlReply`], with a child's pipes passed as `SCM_RIGHTS`. The zygote never receives
//!   document text: a fork request carries only an id, the scratch path and the limits;
//! - each child's pipes: the runner writes one [`HarnessRequest`] (the code and its settings)
//!   to the child's [`REQUEST_FD`], and the child writes JSON-lines [`Record`]s to
//!   [`RESULT_FD`] (the zygote's `sandbox` record, then the harness's), which
//!   [`read_result_channel`] folds into an [`Outcome`], checking their order.

use crate::line::LineNo;
pub use crate::plan::BlockNames;
use crate::run::outcome::{Comment, End, ErrorFacts, Execution, Outcome, Statement};
use crate::run::sandbox::{Layer, Limits};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::os::fd::RawFd;
use std::path::{Path, PathBuf};

/// The fd of the zygote's control socket.
pub const CONTROL_FD: RawFd = 3;

/// The fd a child writes its JSON-lines records to.
pub const RESULT_FD: RawFd = 3;

/// The fd a child reads its [`HarnessRequest`] from, after the fd reset.
pub const REQUEST_FD: RawFd = 4;

/// How the zygote is set up for a run (the arguments of the hidden `worker` command).
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// How many children may run at once (sizes the run's cgroups).
    pub slots: usize,
    /// Directories the children may read besides the interpreter's own `sys.path` (a
    /// virtualenv's site-packages and the directories its `.pth` files name).
    pub read_only: Vec<PathBuf>,
    /// Standard-library modules the zygote imports before forking, so that every child starts
    /// with them loaded (non-stdlib names are ignored by the zygote).
    pub preload: Vec<String>,
    /// The interpreter's hash seed (`PYTHONHASHSEED`; 0 turns randomization off): fixed, so a
    /// run's output and its snapshots are the same every time.
    pub hash_seed: u32,
    /// The CPython to run (`None`: the default choice, `python3` on `PATH`).
    pub python: Option<crate::run::interpreter::Interpreter>,
}

/// Runner → zygote.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum ControlRequest {
    /// Fork a child for job `id`; fds: stdout, stderr, result channel (write ends) and the
    /// request pipe (read end).
    Fork {
        /// The job.
        id: u64,
        /// The scratch dir (empty, made by the runner).
        scratch: String,
        /// The limits.
        limits: Limits,
    },
    /// SIGKILL the child of job `id`.
    Kill {
        /// The job.
        id: u64,
    },
}

/// Zygote → runner.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum ControlReply {
    /// The interpreter is up; the zygote-wide layers.
    Ready {
        /// `sys.version`'s first word.
        python: String,
        /// The interpreter's home.
        home: String,
        /// Layers and their status, as far as the zygote can tell before any child runs.
        layers: Vec<Layer>,
        /// The run's cgroup directories, for the runner to remove after the zygote exits.
        #[serde(default)]
        cgroups: Vec<String>,
        /// The top-level names in `sys.modules` once the harness loaded, before preloading.
        loaded_modules: Vec<String>,
    },
    /// The child of job `id` could not be forked.
    Failed {
        /// The job.
        id: u64,
        /// Why.
        error: String,
    },
    /// The child of job `id` was reaped.
    Exited {
        /// The job.
        id: u64,
        /// Exit status, if it exited.
        status: Option<i32>,
        /// Signal, if it was killed.
        signal: Option<i32>,
        /// The kernel's OOM killer killed it (its own memory cgroup was full).
        oom_killed: bool,
        /// Its peak resident memory, in bytes.
        peak_bytes: u64,
    },
}

/// Runner → child: the blocks of one chain, as the harness's `main` reads it.
#[derive(Debug, Serialize)]
pub struct HarnessRequest<'a> {
    /// The Markdown path, the file name of every block's code.
    pub path: &'a str,
    /// The blocks, in document order: earlier blocks replayed silently and the blocks
    /// reported, each after a `step` marker.
    pub steps: Vec<HarnessStep<'a>>,
    /// The virtualenv whose site-packages join `sys.path`.
    pub venv: Option<HarnessVenv<'a>>,
}

/// One block of a chain as the harness reads it.
#[derive(Debug, Serialize)]
pub struct HarnessStep<'a> {
    /// The Markdown line of its first code line.
    pub first_line: LineNo,
    /// Its code.
    pub code: &'a str,
    /// Code run first, in the same namespace.
    pub prelude: Option<&'a str>,
    /// Files to create in the scratch dir before it runs.
    pub files: &'a BTreeMap<String, String>,
    /// An interactive session: run with REPL semantics by doctest.
    pub interactive: bool,
    /// Replayed for the blocks after it: run without records, its output discarded.
    pub silent: bool,
}

/// Runner → child: the blocks of one document to read names from (`namespace = "auto"`);
/// nothing runs.
#[derive(Debug, Serialize)]
pub struct NamesRequest<'a> {
    /// The Markdown path.
    pub path: &'a str,
    /// The blocks, in document order.
    pub names: Vec<NamesCell<'a>>,
}

/// One block to read names from.
#[derive(Debug, Clone, Serialize)]
pub struct NamesCell<'a> {
    /// The Markdown line of its first code line.
    pub first_line: LineNo,
    /// Its code.
    pub code: &'a str,
    /// An interactive session.
    pub interactive: bool,
}

/// A virtualenv as the harness reads it.
#[derive(Debug, Serialize)]
pub struct HarnessVenv<'a> {
    /// Its root (`sys.prefix` in the child).
    pub root: &'a Path,
    /// Its site-packages.
    pub site_packages: &'a Path,
    /// The system's site-packages stay on `sys.path`.
    pub system_site_packages: bool,
}

/// One JSON line on the result channel.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Record {
    /// The child's sandbox layers, written (by the zygote's code in the child) before any
    /// snippet code runs.
    Sandbox {
        /// Each layer as applied.
        layers: Vec<Layer>,
        /// A required layer failed; the snippet did not run.
        failed: bool,
    },
    /// The interpreter started.
    Start {
        /// `sys.version`'s first word.
        python: String,
    },
    /// The block does not parse.
    Unparsable {
        /// The SyntaxError.
        error: ErrorFacts,
        /// Comments at the end of code lines, as far as tokenize got.
        #[serde(default)]
        comments: Vec<Comment>,
    },
    /// The block parsed; its statements.
    Analysis {
        /// Top-level statements.
        statements: Vec<Statement>,
    },
    /// The configured prelude ran.
    Prelude {
        /// What it printed.
        stdout: String,
        /// What it printed to stderr.
        stderr: String,
        /// What it raised.
        error: Option<ErrorFacts>,
    },
    /// A statement finished.
    Statement(Execution),
    /// The snippet wrote past the output cap and was stopped.
    #[serde(rename = "output-limit")]
    OutputLimit {
        /// The cap, in bytes.
        bytes: usize,
    },
    /// The snippet called `sys.exit()`.
    Exit {
        /// The exit code.
        code: Option<serde_json::Value>,
    },
    /// The names each block of a document reads and binds (a names request).
    Names {
        /// One entry per block, in the order asked.
        blocks: Vec<BlockNames>,
    },
    /// The module finished (possibly after errors), threads joined, atexit handlers run.
    End {
        /// The block used top-level `await` and ran in an event loop.
        top_level_await: bool,
        /// Output of atexit handlers and threads after the last statement.
        epilogue_stdout: String,
        /// Stderr after the last statement.
        epilogue_stderr: String,
        /// An exception from the epilogue.
        epilogue_error: Option<ErrorFacts>,
        /// Some captured output was cut at the size limit.
        truncated: bool,
    },
}

/// The exit status of a child whose result channel the snippet closed or replaced (the harness
/// exits with it as soon as it notices: `CHANNEL_LOST` in `harness.py`).
pub const CHANNEL_LOST_STATUS: i32 = 72;

/// The exit status of a child whose snippet changed the harness's own functions or names, or
/// hooked into its work with an audit hook or a trace or profile function (`TAMPERED` in
/// `harness.py`: its seal, checked before every record, at the end and by an audit hook).
pub const TAMPERED_STATUS: i32 = 73;

/// Parses the result channel's JSON lines and folds them into an outcome, checking that
/// they follow the protocol: sandbox, start, then `unparsable` or analysis, prelude,
/// statements in strictly increasing order, an optional exit, and end, with nothing after.
/// A line cut off by a kill (no final newline) is ignored; anything else out of place is
/// recorded as a protocol violation.
pub fn read_result_channel(bytes: &[u8], end: End) -> Outcome {
    let mut outcome = Outcome {
        end,
        ..Outcome::default()
    };
    let complete = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(last) => &bytes[..=last],
        None => &[][..],
    };
    let mut stage = Stage::Sandbox;
    for (number, line) in complete.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let record = match serde_json::from_slice::<Record>(line) {
            Ok(record) => record,
            Err(err) => {
                violate(
                    &mut outcome,
                    format!("record {} is not valid: {err}", number + 1),
                );
                break;
            }
        };
        match stage.next(&record, &outcome.executions) {
            Some(next) => stage = next,
            None => {
                violate(
                    &mut outcome,
                    format!("record {} ({}) is out of place", number + 1, record.name()),
                );
                break;
            }
        }
        fold(&mut outcome, record);
    }
    if outcome.end
        == (End::Exited {
            status: CHANNEL_LOST_STATUS,
        })
    {
        violate(
            &mut outcome,
            "the snippet closed or replaced the result channel (fd 3), so its transcript stops there"
                .to_owned(),
        );
    }
    if outcome.end
        == (End::Exited {
            status: TAMPERED_STATUS,
        })
    {
        violate(
            &mut outcome,
            "the snippet changed the harness's own code or names, or hooked into its work (an audit hook, a trace or profile function), so no record after that is trusted"
                .to_owned(),
        );
    }
    outcome
}

fn violate(outcome: &mut Outcome, message: String) {
    outcome.protocol_violation.get_or_insert(message);
}

fn fold(outcome: &mut Outcome, record: Record) {
    match record {
        Record::Sandbox { layers, failed } => {
            outcome.layers = layers;
            outcome.sandbox_failed = failed;
        }
        Record::Start { python } => outcome.python = Some(python),
        Record::Unparsable { error, comments } => {
            outcome.unparsable = Some(error);
            outcome.unparsable_comments = comments;
        }
        Record::Analysis { statements } => outcome.statements = Some(statements),
        Record::Names { blocks } => outcome.names = Some(blocks),
        Record::Prelude { error, .. } => outcome.prelude_error = error,
        Record::Statement(execution) => outcome.executions.push(execution),
        Record::Exit { code } => outcome.exit = Some(code),
        Record::OutputLimit { bytes } => {
            outcome.output_limited = Some(bytes);
            outcome.truncated = true;
        }
        Record::End {
            top_level_await,
            epilogue_stdout,
            epilogue_stderr: _,
            epilogue_error: _,
            truncated,
        } => {
            outcome.finished = true;
            outcome.top_level_await = top_level_await;
            outcome.epilogue_stdout = epilogue_stdout;
            outcome.truncated |= truncated;
        }
    }
}

impl Record {
    fn name(&self) -> &'static str {
        match self {
            Record::Sandbox { .. } => "sandbox",
            Record::Start { .. } => "start",
            Record::Unparsable { .. } => "unparsable",
            Record::Analysis { .. } => "analysis",
            Record::Prelude { .. } => "prelude",
            Record::Statement(_) => "statement",
            Record::Exit { .. } => "exit",
            Record::OutputLimit { .. } => "output-limit",
            Record::Names { .. } => "names",
            Record::End { .. } => "end",
        }
    }
}

/// Where the result channel is in the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Sandbox,
    Start,
    Analysis,
    Prelude,
    Statements,
    Exited,
    Done,
}

impl Stage {
    fn next(self, record: &Record, executions: &[Execution]) -> Option<Stage> {
        match (self, record) {
            (Stage::Sandbox, Record::Sandbox { failed: false, .. }) => Some(Stage::Start),
            (Stage::Sandbox, Record::Sandbox { failed: true, .. }) => Some(Stage::Done),
            (Stage::Start, Record::Start { .. }) => Some(Stage::Analysis),
            (Stage::Analysis, Record::Unparsable { .. } | Record::Names { .. }) => {
                Some(Stage::Done)
            }
            (Stage::Analysis, Record::Analysis { .. }) => Some(Stage::Prelude),
            (Stage::Prelude, Record::Prelude { error: None, .. }) => Some(Stage::Statements),
            (Stage::Prelude, Record::Prelude { error: Some(_), .. }) => Some(Stage::Done),
            (Stage::Statements, Record::Statement(execution)) => {
                let increasing = executions
                    .last()
                    .is_none_or(|last| execution.index > last.index);
                increasing.then_some(if execution.exit_code.is_some() {
                    Stage::Exited
                } else {
                    Stage::Statements
                })
            }
            (
                Stage::Statements | Stage::Exited,
                Record::Exit { .. } | Record::OutputLimit { .. },
            ) => Some(Stage::Exited),
            (Stage::Statements | Stage::Exited, Record::End { .. }) => Some(Stage::Done),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::sandbox::LayerStatus;

    fn line(record: &Record) -> Vec<u8> {
        let mut line = serde_json::to_vec(record).expect("a record encodes");
        line.push(b'\n');
        line
    }

    #[test]
    fn the_records_of_a_run_fold_into_its_outcome() {
        let layer = Layer {
            name: "seccomp".to_owned(),
            status: LayerStatus::Active,
            detail: "installed".to_owned(),
        };
        let mut channel = line(&Record::Sandbox {
            layers: vec![layer.clone()],
            failed: false,
        });
        // As the harness writes them (with a field the runner does not read).
        channel.extend_from_slice(
            b"{\"event\": \"start\", \"python\": \"3.11.9\", \"implementation\": \"cpython\"}\n\
              {\"event\": \"analysis\", \"statements\": []}\n\
              {\"event\": \"prelude\", \"stdout\": \"\", \"stderr\": \"\", \"error\": null}\n",
        );
        channel.extend_from_slice(&line(&Record::End {
            top_level_await: false,
            epilogue_stdout: "bye\n".to_owned(),
            epilogue_stderr: String::new(),
            epilogue_error: None,
            truncated: false,
        }));
        // A line cut off by a kill is no violation.
        channel.extend_from_slice(b"{\"event\": \"sta");
        let outcome = read_result_channel(&channel, End::Exited { status: 0 });
        assert_eq!(outcome.protocol_violation, None);
        assert_eq!(outcome.layers, [layer]);
        assert_eq!(outcome.python.as_deref(), Some("3.11.9"));
        assert_eq!(outcome.statements, Some(Vec::new()));
        assert!(outcome.finished);
        assert_eq!(outcome.epilogue_stdout, "bye\n");
        assert_eq!(outcome.end, End::Exited { status: 0 });
    }

    #[test]
    fn a_lost_result_channel_is_a_violation_whatever_was_read_before() {
        // The harness exits with this status when the snippet closed or replaced fd 3.
        let harness = include_str!("python/harness.py");
        assert!(
            harness.contains(&format!("\nCHANNEL_LOST = {CHANNEL_LOST_STATUS}\n")),
            "harness.py and protocol.rs must agree on the status"
        );
        assert!(
            harness.contains(&format!("\nTAMPERED = {TAMPERED_STATUS}\n")),
            "harness.py and protocol.rs must agree on the status"
        );
        let channel = line(&Record::Sandbox {
            layers: Vec::new(),
            failed: false,
        });
        let lost = read_result_channel(
            &channel,
            End::Exited {
                status: CHANNEL_LOST_STATUS,
            },
        );
        assert!(
            lost.protocol_violation
                .as_deref()
                .is_some_and(|v| v.contains("closed or replaced the result channel")),
            "{lost:?}"
        );
        let clean = read_result_channel(&channel, End::Exited { status: 0 });
        assert_eq!(clean.protocol_violation, None);
    }

    #[test]
    fn a_record_out_of_place_is_a_violation_and_ends_the_reading() {
        let mut channel = line(&Record::Sandbox {
            layers: Vec::new(),
            failed: true,
        });
        channel.extend_from_slice(&line(&Record::Start {
            python: "3.11.9".to_owned(),
        }));
        let outcome = read_result_channel(&channel, End::Exited { status: 71 });
        assert!(outcome.sandbox_failed);
        assert_eq!(
            outcome.protocol_violation.as_deref(),
            Some("record 2 (start) is out of place")
        );
        assert_eq!(outcome.python, None);

        let outcome = read_result_channel(b"{\"event\": \"forged\"}\n", End::NotRun);
        assert!(
            outcome
                .protocol_violation
                .is_some_and(|v| v.starts_with("record 1 is not valid"))
        );
    }

    #[test]
    fn the_harness_request_carries_what_the_harness_reads() {
        let files = BTreeMap::from([("data.txt".to_owned(), "1\n".to_owned())]);
        let none = BTreeMap::new();
        let request = HarnessRequest {
            path: "notes/a.md",
            steps: vec![
                HarnessStep {
                    first_line: LineNo::new(3),
                    code: ">>> y = 2\n",
                    prelude: None,
                    files: &none,
                    interactive: true,
                    silent: true,
                },
                HarnessStep {
                    first_line: LineNo::new(7),
                    code: "print(x)\n",
                    prelude: Some("x = 1\n"),
                    files: &files,
                    interactive: false,
                    silent: false,
                },
            ],
            venv: Some(HarnessVenv {
                root: Path::new("/v"),
                site_packages: Path::new("/v/lib/python3.11/site-packages"),
                system_site_packages: false,
            }),
        };
        let value = serde_json::to_value(&request).expect("the request encodes");
        assert_eq!(
            value,
            serde_json::json!({
                "path": "notes/a.md",
                "steps": [
                    {"first_line": 3, "code": ">>> y = 2\n", "prelude": null, "files": {}, "interactive": true, "silent": true},
                    {"first_line": 7, "code": "print(x)\n", "prelude": "x = 1\n", "files": {"data.txt": "1\n"}, "interactive": false, "silent": false},
                ],
                "venv": {
                    "root": "/v",
                    "site_packages": "/v/lib/python3.11/site-packages",
                    "system_site_packages": false,
                },
            })
        );
        let names = NamesRequest {
            path: "notes/a.md",
            names: vec![NamesCell {
                first_line: LineNo::new(3),
                code: "x = y\n",
                interactive: false,
            }],
        };
        assert_eq!(
            serde_json::to_value(&names).expect("encodes"),
            serde_json::json!({"path": "notes/a.md", "names": [{"first_line": 3, "code": "x = y\n", "interactive": false}]})
        );
    }
}
