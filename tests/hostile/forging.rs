//! Attacks on the harness from inside its own process: a snippet that reaches the harness's
//! functions (through frames, `inspect`, a traceback, `gc`, `sys.modules`) and rebinds them, or
//! hooks into its work (an audit hook, a trace or profile function), to turn the failing claim
//! `print(1)  # 2` into a pass. Each must end as `tampered` (exit 1), never as a clean pass.
//! What stays forgeable is listed in the README's sandbox section.

use crate::harness::{QUICK, case, error, expect};

/// Rebinds the harness's `emit` in the module dict `g` so the record of `print(1)` says `2`.
const FORGE_EMIT: &str = r#"
orig = g["emit"]
def fake(record, *rest):
    if record.get("stdout") == "1\n":
        record["stdout"] = "2\n"
    orig(record)
g["emit"] = fake
print(1)  # 2
"#;

fn expect_tampered(name: &str, code: &str) {
    let run = case(name, code, QUICK);
    expect(&run, "tampered", 1);
    assert_eq!(error(&run)["type"], "Tampered", "{name}: {}", run.stdout);
}

#[test]
fn rebinding_the_harness_through_frames_is_tampering() {
    for (name, reach) in [
        (
            "frame-f-back",
            "import sys\ng = sys._getframe().f_back.f_globals\n",
        ),
        (
            "inspect-stack",
            "import inspect\ng = next(i.frame.f_globals for i in inspect.stack() if 'Hooks' in i.frame.f_globals)\n",
        ),
        (
            "traceback-frame",
            "try:\n    raise ValueError\nexcept ValueError as e:\n    g = e.__traceback__.tb_frame.f_back.f_globals\n",
        ),
    ] {
        expect_tampered(name, &format!("{reach}{FORGE_EMIT}"));
    }
}

#[test]
fn rebinding_the_harness_through_a_module_dict_is_tampering() {
    for (name, reach) in [
        (
            "sys-modules-harness",
            "import sys\ng = sys.modules['_snipcheck_harness'].__dict__\n",
        ),
        (
            "sys-modules-scan",
            "import sys\ng = next(m.__dict__ for m in list(sys.modules.values()) if hasattr(m, 'Hooks'))\n",
        ),
        (
            "main-module-builtins",
            "import sys, builtins\nhook = next(v for k, v in vars(sys.modules['__main__'].__builtins__ if isinstance(sys.modules['__main__'].__builtins__, dict) else builtins).items() if k.startswith('__snipcheck_'))\ng = type(hook).leave.__globals__\n",
        ),
    ] {
        expect_tampered(name, &format!("{reach}{FORGE_EMIT}"));
    }
}

#[test]
fn rebinding_the_harness_through_gc_is_tampering() {
    let class_patch = r#"
import gc
hooks = next(o for o in gc.get_objects() if type(o).__name__ == "Hooks")
orig = type(hooks)._leave
def fake(self, index, exited=False):
    self.out.chunks[:] = [b"2\n"]
    orig(self, index, exited)
type(hooks)._leave = fake
print(1)  # 2
"#;
    expect_tampered("gc-class-method", class_patch);
    let globals = "import gc\nhooks = next(o for o in gc.get_objects() if type(o).__name__ == 'Hooks')\ng = next(r for r in gc.get_referents(type(hooks).leave) if isinstance(r, dict) and 'emit' in r)\n";
    expect_tampered("gc-referents", &format!("{globals}{FORGE_EMIT}"));
}

#[test]
fn replacing_the_code_of_a_harness_function_is_tampering() {
    let code = r#"
import sys
g = sys._getframe(1).f_globals
def _leave(self, index, exited=False):
    flush_streams()
    self.out.take()
    emit({"event": "statement", "index": index, "line": self.statements[index]["line"], "stdout": "2\n", "stderr": "", "value": None, "exception": None, "after_error": False})
    self.current = None
g["Hooks"]._leave.__code__ = _leave.__code__
print(1)  # 2
"#;
    expect_tampered("replace-code", code);
    // Put back before the harness looks again: the audit hook sees the change itself.
    let restored = r#"
import sys
g = sys._getframe(1).f_globals
leave = g["Hooks"]._leave
saved = leave.__code__
def _leave(self, index, exited=False):
    leave.__code__ = saved
    self.out.chunks[:] = [b"2\n"]
    leave(self, index, exited)
leave.__code__ = _leave.__code__
print(1)  # 2
"#;
    expect_tampered("replace-code-and-restore", restored);
}

#[test]
fn hooking_into_the_harness_is_tampering() {
    let rewrite = r#"
def forge(frame):
    while frame is not None:
        record = frame.f_locals.get("record")
        if type(record) is dict and record.get("stdout") == "1\n":
            record["stdout"] = "2\n"
        frame = frame.f_back
"#;
    for (name, install) in [
        (
            "audit-hook",
            "import sys\nsys.addaudithook(lambda event, args: forge(sys._getframe(1)))\n",
        ),
        (
            "settrace",
            "import sys\ndef tracer(frame, event, arg):\n    forge(frame)\n    return tracer\nsys.settrace(tracer)\n",
        ),
        (
            "settrace-removes-itself",
            "import sys\ndef tracer(frame, event, arg):\n    forge(frame)\n    if frame.f_code.co_name == 'emit':\n        sys.settrace(None)\n    return tracer\nsys.settrace(tracer)\n",
        ),
        (
            "setprofile",
            "import sys\ndef profiler(frame, event, arg):\n    forge(frame)\nsys.setprofile(profiler)\n",
        ),
        (
            "threading-settrace",
            "import sys, threading\ndef tracer(frame, event, arg):\n    forge(frame)\n    return tracer\nthreading.settrace(tracer)\nsys.settrace(tracer)\n",
        ),
    ] {
        expect_tampered(name, &format!("{rewrite}{install}print(1)  # 2\n"));
    }
}

#[test]
fn a_c_profiler_and_a_trace_within_one_statement_are_not_tampering() {
    let code = r#"
import cProfile, sys
def f():
    return 2
cProfile.run("f()")
def tracer(frame, event, arg):
    return None
def traced():
    sys.settrace(tracer)
    sys.settrace(None)
traced()
print(f())  # 2
"#;
    let run = case("c-profiler", code, QUICK);
    expect(&run, "completed", 0);
}
