//! `snipcheck doctor` as root (every layer active) and as nobody (no cgroup, no uid drop, the
//! rest active).

use crate::harness::{User, doctor};
use serde_json::Value;

const LAYERS: &[&str] = &[
    "parent-death signal",
    "fd reset",
    "network namespace",
    "scratch tmpfs",
    "cgroup",
    "rlimits",
    "uid drop",
    "no_new_privs",
    "landlock",
    "seccomp",
];

fn layer<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["layers"]
        .as_array()
        .and_then(|layers| layers.iter().find(|l| l["name"] == name))
        .unwrap_or_else(|| panic!("doctor reports no layer {name:?}:\n{json:#}"))
}

#[test]
fn doctor_as_root_reports_every_layer_active() {
    let run = doctor("doctor-root", User::Root);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["root"], true, "{}", run.stdout);
    assert_eq!(run.json()["probe_finished"], true, "{}", run.stdout);
    for name in LAYERS {
        assert_eq!(
            layer(run.json(), name)["status"],
            "active",
            "layer {name}:\n{}",
            run.stdout
        );
    }
    for entry in run.json()["layers"].as_array().expect("layers") {
        assert_eq!(entry["status"], "active", "{entry}");
    }
}

#[test]
fn doctor_as_nobody_reports_what_applies() {
    let run = doctor("doctor-nobody", User::Nobody);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["root"], false, "{}", run.stdout);
    assert_eq!(run.json()["probe_finished"], true, "{}", run.stdout);
    for name in [
        "landlock",
        "seccomp",
        "no_new_privs",
        "network namespace",
        "scratch tmpfs",
        "rlimits",
        "parent-death signal",
        "fd reset",
    ] {
        assert_eq!(
            layer(run.json(), name)["status"],
            "active",
            "layer {name}:\n{}",
            run.stdout
        );
    }
    for name in ["cgroup", "uid drop"] {
        let entry = layer(run.json(), name);
        assert_eq!(
            entry["status"], "unavailable",
            "layer {name}:\n{}",
            run.stdout
        );
        assert!(
            entry["detail"]
                .as_str()
                .is_some_and(|d| !d.trim().is_empty()),
            "layer {name} gives no reason:\n{}",
            run.stdout
        );
    }
    assert!(
        !run.json()["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .any(|l| l["status"] == "failed"),
        "{}",
        run.stdout
    );
}
