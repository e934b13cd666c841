//! Redactions: named filters that replace volatile values in a transcript (memory addresses,
//! the scratch dir, timings) with visible placeholders, so a transcript is the same on every
//! run and machine. Each `.snap` names the filters that changed it (`info: filters:`).

/// A redaction filter: a name shown in every `.snap` it applied to, what it replaces, and how.
pub struct Filter {
    /// The name, e.g. `address`.
    pub name: &'static str,
    /// Rewrites a text.
    pub apply: fn(&str) -> String,
}

/// The filters, applied in this order to every value a snippet produced.
pub const FILTERS: &[Filter] = &[
    // the snippet's scratch dir (<tmp>/snipcheck-XXXXXX) → [SCRATCH]
    Filter {
        name: "scratch-dir",
        apply: scratch_dir,
    },
    // memory addresses (0x followed by 8 or more hex digits) → 0x[ADDR]
    Filter {
        name: "address",
        apply: address,
    },
    // decimal durations followed by a unit (0.01s, 1.5 ms) → [TIME]s
    Filter {
        name: "timing",
        apply: timing,
    },
];

/// Applies every filter to `text`, recording the names of those that changed it in `used`.
pub fn redact(text: &str, used: &mut Vec<&'static str>) -> String {
    let mut out = text.to_owned();
    for filter in FILTERS {
        let next = (filter.apply)(&out);
        if next != out {
            if !used.contains(&filter.name) {
                used.push(filter.name);
            }
            out = next;
        }
    }
    out
}

fn scratch_dir(text: &str) -> String {
    let tmp = std::env::temp_dir();
    let prefix = format!(
        "{}/snipcheck-",
        tmp.display().to_string().trim_end_matches('/')
    );
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(&prefix) {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + prefix.len()..];
        let suffix = after
            .char_indices()
            .find(|(_, c)| !c.is_ascii_alphanumeric() && *c != '_')
            .map_or(after.len(), |(i, _)| i);
        out.push_str("[SCRATCH]");
        rest = &after[suffix..];
    }
    out.push_str(rest);
    out
}

fn address(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("0x") {
        let boundary = rest[..pos]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_ascii_alphanumeric());
        let after = &rest[pos + 2..];
        let hex = after.chars().take_while(char::is_ascii_hexdigit).count();
        out.push_str(&rest[..pos]);
        if boundary && hex >= 8 {
            out.push_str("0x[ADDR]");
            rest = &after[hex..];
        } else {
            out.push_str("0x");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn timing(text: &str) -> String {
    const UNITS: &[&str] = &["ms", "µs", "us", "ns", "s", "sec", "seconds"];
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts_number = chars[i].is_ascii_digit()
            && (i == 0 || !(chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '.'));
        if starts_number {
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            if j + 1 < chars.len() && chars[j] == '.' && chars[j + 1].is_ascii_digit() {
                let mut k = j + 1;
                while k < chars.len() && chars[k].is_ascii_digit() {
                    k += 1;
                }
                let space = usize::from(k < chars.len() && chars[k] == ' ');
                let tail: String = chars[k + space..].iter().collect();
                let unit = UNITS.iter().copied().filter(|u| {
                    tail.starts_with(u)
                        && tail[u.len()..]
                            .chars()
                            .next()
                            .is_none_or(|c| !c.is_alphanumeric())
                });
                if unit.max_by_key(|u| u.len()).is_some() {
                    out.push_str("[TIME]");
                    out.extend(&chars[k..k + space]);
                    i = k + space;
                    continue;
                }
            }
            out.extend(&chars[i..j]);
            i = j;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_filter_replaces_only_its_values() {
        let mut used = Vec::new();
        let text = "<A object at 0x7f3a2b1c4d50> 0x1f took 0.00s, 1.5 ms, v1.25 3.14 pi";
        assert_eq!(
            redact(text, &mut used),
            "<A object at 0x[ADDR]> 0x1f took [TIME]s, [TIME] ms, v1.25 3.14 pi"
        );
        assert_eq!(used, ["address", "timing"]);
        let scratch = format!(
            "{}/snipcheck-Ab3xYz/data.txt",
            std::env::temp_dir().display()
        );
        let mut used = Vec::new();
        assert_eq!(redact(&scratch, &mut used), "[SCRATCH]/data.txt");
        assert_eq!(used, ["scratch-dir"]);
        let mut used = Vec::new();
        assert_eq!(redact("[1, 2, 3]", &mut used), "[1, 2, 3]");
        assert!(used.is_empty());
    }
}
