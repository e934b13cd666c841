//! No false claims: comments that describe code stay prose, and `inspect --comments` lists the
//! close calls with why each is not a claim.

use crate::support::*;

const DOC: &str = "# Close calls

```python
squares = (x**2 for x in range(3))  # Generator, not list
x = [1, 2, 3]  # [1, 2, 3]
len(x)  # length of the list
d = {}  # O(1) lookup
print(sorted(x))  # [1, 2, 3]
```
";

#[test]
fn descriptive_comments_are_not_claims_and_close_calls_are_listed_with_why() {
    let dir = empty_dir();
    std::fs::write(dir.path().join("doc.md"), DOC).expect("write doc");
    std::fs::write(dir.path().join("snipcheck.toml"), "notes = [\"doc.md\"]\n").expect("config");
    let verify = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--format", "json", "doc.md"],
    );
    let report = verify.json();
    assert_eq!(verify.code, EXIT_OK, "{}", verify.stdout);
    // The print is a claim, and so is the assignment whose comment is a literal (the value it
    // bound); `O(1) lookup` on `d = {}` is not a literal nor the dict's own form: prose.
    assert_summary(report, 1, 1, [2, 0, 0, 0], 0);
    assert_claim(
        claim_on(report, line_of(DOC, "x = [1, 2, 3]")),
        "value",
        "pass",
        "[1, 2, 3]",
    );
    assert_claim(
        claim_on(report, line_of(DOC, "print(sorted(x))")),
        "output",
        "pass",
        "[1, 2, 3]",
    );

    let inspect = snipcheck(dir.path(), &["inspect", "--comments", "doc/close-calls"]);
    assert_eq!(inspect.code, EXIT_OK, "{}", inspect.stderr);
    let out = &inspect.stdout;
    // The prose on a valued expression is a close call, at its Markdown line with its reason.
    let assignment = format!("doc.md:{}: [1, 2, 3]", line_of(DOC, "x = [1, 2, 3]"));
    assert!(
        !out.contains(&assignment),
        "a claim, not a close call: {out}"
    );
    let length = format!("doc.md:{}: length of the list", line_of(DOC, "len(x)"));
    assert!(out.contains(&length), "{out}");
    assert!(out.contains("the expression's value is 3"), "{out}");
    // `O(1)` reads like a `Name(...)` repr: listed, still not a claim.
    let lookup = format!("doc.md:{}: O(1) lookup", line_of(DOC, "d = {}"));
    assert!(out.contains(&lookup), "{out}");
    // Plain prose on a statement with no output is not even a close call.
    assert!(!out.contains("Generator, not list"), "{out}");
    assert!(out.contains("2 close calls"), "{out}");

    // FILE:LINE selects the block around the line.
    let by_line = snipcheck(
        dir.path(),
        &[
            "inspect",
            "--comments",
            &format!("doc.md:{}", line_of(DOC, "len(x)")),
        ],
    );
    assert_eq!(by_line.stdout, inspect.stdout);

    let unknown = snipcheck(dir.path(), &["inspect", "--comments", "doc/nope"]);
    assert_eq!(unknown.code, EXIT_ERROR);
}
