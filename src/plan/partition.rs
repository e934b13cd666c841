//! `verify --partition SCHEME:K/N`: one CI job runs shard K of N of the planned snippets, as
//! cargo-nextest's `--partition` does for tests.
//!
//! The unit of partitioning is a *chain*: a block and the `continue` blocks after it, which
//! share its namespace, always land in the same shard. `hash` assigns a chain by a fixed
//! 64-bit FNV-1a hash of its first block's id, so a snippet stays in its shard when other
//! sections are edited, and the assignment is the same on every machine, Rust version and run
//! (never `std`'s randomly seeded hasher). `count` deals chains out in plan order (the first
//! to shard 1, the second to shard 2, ...), which balances counts but moves snippets between
//! shards when blocks are added above them.
//!
//! A report written by a shard records which shards it covers ([`Shards`]), so
//! `snipcheck report merge` can check that the parts fit together.

use crate::plan::Snippet;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How snippets are assigned to shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// By a stable hash of the chain's first snippet id.
    Hash,
    /// Round-robin over the chains in plan order.
    Count,
}

impl Scheme {
    /// The word used on the command line and in reports.
    pub fn word(self) -> &'static str {
        match self {
            Scheme::Hash => "hash",
            Scheme::Count => "count",
        }
    }
}

/// `--partition SCHEME:K/N`: shard `shard` (1-based) of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// How snippets are assigned.
    pub scheme: Scheme,
    /// Which shard this run is, `1..=total`.
    pub shard: u32,
    /// How many shards there are.
    pub total: u32,
}

const SYNTAX: &str = "expected hash:K/N or count:K/N (shard K of N, 1 <= K <= N), e.g. hash:1/3";

impl FromStr for Partition {
    type Err = String;

    fn from_str(text: &str) -> Result<Partition, String> {
        let (scheme, fraction) = text
            .split_once(':')
            .ok_or_else(|| format!("{SYNTAX}; got {text:?}"))?;
        let scheme = match scheme {
            "hash" => Scheme::Hash,
            "count" => Scheme::Count,
            other => {
                return Err(format!(
                    "unknown partition scheme {other:?}: {SYNTAX}; got {text:?}"
                ));
            }
        };
        let (shard, total) = fraction
            .split_once('/')
            .ok_or_else(|| format!("{SYNTAX}; got {text:?}"))?;
        let number = |part: &str, what: &str| {
            part.parse::<u32>()
                .map_err(|_| format!("{what} {part:?} is not a whole number: {SYNTAX}"))
        };
        let shard = number(shard, "shard")?;
        let total = number(total, "shard count")?;
        if total == 0 {
            return Err(format!("the shard count must be at least 1: {SYNTAX}"));
        }
        if shard == 0 || shard > total {
            return Err(format!(
                "shard {shard} does not exist: shards are numbered 1 to {total}"
            ));
        }
        Ok(Partition {
            scheme,
            shard,
            total,
        })
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}/{}", self.scheme.word(), self.shard, self.total)
    }
}

/// 64-bit FNV-1a: fixed offset basis and prime, so every build agrees on every hash.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The shard (1-based) of `total` that the `hash` scheme gives a chain whose first snippet id
/// is `id`.
pub fn hash_shard(id: &str, total: u32) -> u32 {
    let index = fnv1a64(id.as_bytes()) % u64::from(total.max(1));
    // `index < total <= u32::MAX`, so this never saturates.
    u32::try_from(index).unwrap_or(u32::MAX).saturating_add(1)
}

/// For each snippet, the id of the first block of its chain (`Snippet::chain`: the blocks it
/// continues and the blocks that continue it, whether by a `continue` directive, a shared
/// namespace or `namespace = "auto"`). `snippets` must be the whole plan, in plan order, before
/// `--filter` narrows it, so a chain is found even when the filter drops its start.
pub fn chain_roots(snippets: &[Snippet]) -> Vec<String> {
    snippets
        .iter()
        .map(|snippet| {
            if snippet.chain.is_empty() {
                snippet.id.clone()
            } else {
                snippet.chain.clone()
            }
        })
        .collect()
}

impl Partition {
    /// Which of the snippets (given with their chain roots, see [`chain_roots`]) belong to this
    /// shard.
    pub fn selects(&self, roots: &[String]) -> Vec<bool> {
        match self.scheme {
            Scheme::Hash => roots
                .iter()
                .map(|root| hash_shard(root, self.total) == self.shard)
                .collect(),
            Scheme::Count => {
                // Chains in the order their first snippet comes, dealt out in turn; a chain's
                // blocks need not be next to each other (`namespace = "auto"`).
                let mut dealt: std::collections::HashMap<&str, u32> = Default::default();
                roots
                    .iter()
                    .map(|root| {
                        let next = u64::try_from(dealt.len()).unwrap_or(u64::MAX);
                        let shard = *dealt.entry(root.as_str()).or_insert_with(|| {
                            let index = next % u64::from(self.total);
                            u32::try_from(index).unwrap_or(u32::MAX).saturating_add(1)
                        });
                        shard == self.shard
                    })
                    .collect()
            }
        }
    }

    /// What a report of this shard records.
    pub fn shards(&self) -> Shards {
        Shards {
            scheme: self.scheme,
            total: self.total,
            shards: vec![self.shard],
        }
    }
}

/// The part of a partition a report covers: one shard for `verify --partition`, the shards
/// merged for `report merge --allow-missing` with shards missing. A report that covers every
/// shard has none (it is a whole run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shards {
    /// How snippets were assigned.
    pub scheme: Scheme,
    /// How many shards there are.
    pub total: u32,
    /// The shards covered, ascending, each in `1..=total`.
    pub shards: Vec<u32>,
}

impl Shards {
    /// In words: `hash:1/3`, or `hash:1,3/3 (shard 2 missing)`.
    pub fn describe(&self) -> String {
        let covered: Vec<String> = self.shards.iter().map(u32::to_string).collect();
        let missing: Vec<String> = (1..=self.total)
            .filter(|k| !self.shards.contains(k))
            .map(|k| k.to_string())
            .collect();
        let mut text = format!(
            "{}:{}/{}",
            self.scheme.word(),
            covered.join(","),
            self.total
        );
        if self.shards.len() > 1 && !missing.is_empty() {
            let noun = if missing.len() == 1 {
                "shard"
            } else {
                "shards"
            };
            text.push_str(&format!(" ({noun} {} missing)", missing.join(", ")));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::read::extract;
    use std::path::Path;

    #[test]
    fn fnv1a64_matches_the_published_test_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn hash_shards_are_fixed_for_fixed_ids() {
        // These numbers must never change: CI jobs on different machines and snipcheck
        // versions must agree on them. They were computed once and are pinned here.
        let ids = [
            "python-interview-notes/2-1-variables-memory-model",
            "python-interview-notes/c-advanced-tricky-senior-level",
            "n/cells-2",
            "n/a",
            "n/c",
            "shards/three",
        ];
        let hashes: Vec<u64> = ids.iter().map(|id| fnv1a64(id.as_bytes())).collect();
        let in_3: Vec<u32> = ids.iter().map(|id| hash_shard(id, 3)).collect();
        let in_4: Vec<u32> = ids.iter().map(|id| hash_shard(id, 4)).collect();
        assert_eq!(hashes, PINNED_HASHES);
        assert_eq!(in_3, PINNED_IN_3);
        assert_eq!(in_4, PINNED_IN_4);
        assert!(ids.iter().all(|id| hash_shard(id, 1) == 1));
    }

    // Computed with an independent Python implementation of FNV-1a 64.
    const PINNED_HASHES: [u64; 6] = [
        0xe3c5_afaa_12ad_3752,
        0x139d_b142_564f_d8b7,
        0x2ccb_c03f_7b54_8dd0,
        0x2234_e319_2648_5921,
        0x2234_e119_2648_55bb,
        0x940f_862b_97ed_b3a3,
    ];
    const PINNED_IN_3: [u32; 6] = [3, 3, 3, 1, 2, 3];
    const PINNED_IN_4: [u32; 6] = [3, 4, 1, 2, 4, 4];

    #[test]
    fn specs_parse_and_bad_ones_say_why() {
        assert_eq!(
            "hash:2/3".parse(),
            Ok(Partition {
                scheme: Scheme::Hash,
                shard: 2,
                total: 3
            })
        );
        assert_eq!(
            "count:1/1".parse(),
            Ok(Partition {
                scheme: Scheme::Count,
                shard: 1,
                total: 1
            })
        );
        assert_eq!(
            "hash:3/3".parse::<Partition>().map(|p| p.to_string()),
            Ok("hash:3/3".to_owned())
        );
        let error = |spec: &str| spec.parse::<Partition>().expect_err(spec);
        assert!(error("hash:0/3").contains("shard 0 does not exist"));
        assert!(error("hash:4/3").contains("shard 4 does not exist"));
        assert!(error("hash:1/0").contains("at least 1"));
        assert!(error("slice:1/2").contains("unknown partition scheme \"slice\""));
        for garbage in [
            "",
            "hash",
            "hash:",
            "hash:1",
            "hash:/3",
            "hash:a/3",
            "hash:1/b",
            "hash:-1/3",
            "hash:1/3/4",
            "HASH:1/3",
            "1/3",
            " hash:1/3",
        ] {
            assert!(
                garbage.parse::<Partition>().is_err(),
                "{garbage:?} must not parse"
            );
        }
    }

    fn plan(text: &str) -> Vec<Snippet> {
        let doc = extract(Path::new("notes/n.md"), text.as_bytes());
        let note = crate::read::discover::Note {
            document: doc,
            tracked: false,
        };
        crate::plan::plan(&[note], &Config::default(), &Default::default(), "3.11").expect("plan")
    }

    const CHAINED: &str = "# A\n```python\na = 1\n```\n<!-- snipcheck: continue -->\n```python\nb = a\n```\n<!-- snipcheck: continue -->\n```python\nprint(b)\n```\n# B\n```python\nz = 0\n```\n# C\n```python\ny = 0\n```\n<!-- snipcheck: continue -->\n```python\nprint(y)\n```\n";

    #[test]
    fn continue_chains_share_their_first_block_as_root() {
        let snippets = plan(CHAINED);
        assert_eq!(
            chain_roots(&snippets),
            ["n/a", "n/a", "n/a", "n/b", "n/c", "n/c"]
        );
    }

    #[test]
    fn count_deals_chains_whose_blocks_are_apart_as_one() {
        // `namespace = "auto"` chains need not be contiguous: a, b, a, c, b.
        let roots: Vec<String> = ["a", "b", "a", "c", "b"].map(String::from).to_vec();
        let one: Partition = "count:1/2".parse().expect("parses");
        let two: Partition = "count:2/2".parse().expect("parses");
        assert_eq!(one.selects(&roots), [true, false, true, true, false]);
        assert_eq!(two.selects(&roots), [false, true, false, false, true]);
    }

    #[test]
    fn every_snippet_is_in_exactly_one_shard_and_chains_stay_together() {
        let snippets = plan(CHAINED);
        let roots = chain_roots(&snippets);
        for scheme in [Scheme::Hash, Scheme::Count] {
            for total in 1..=5 {
                let selections: Vec<Vec<bool>> = (1..=total)
                    .map(|shard| {
                        Partition {
                            scheme,
                            shard,
                            total,
                        }
                        .selects(&roots)
                    })
                    .collect();
                for i in 0..snippets.len() {
                    let owners = selections.iter().filter(|s| s[i]).count();
                    assert_eq!(owners, 1, "{scheme:?} {total}: snippet {i}");
                    for j in 0..snippets.len() {
                        if roots[i] == roots[j] {
                            assert!(selections.iter().all(|s| s[i] == s[j]));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn count_deals_chains_round_robin() {
        let roots = chain_roots(&plan(CHAINED));
        let shard_of = |total: u32| -> Vec<u32> {
            (0..roots.len())
                .map(|i| {
                    (1..=total)
                        .find(|&shard| {
                            Partition {
                                scheme: Scheme::Count,
                                shard,
                                total,
                            }
                            .selects(&roots)[i]
                        })
                        .unwrap_or(0)
                })
                .collect()
        };
        // Chains: a (3 blocks), b, c (2 blocks).
        assert_eq!(shard_of(2), [1, 1, 1, 2, 1, 1]);
        assert_eq!(shard_of(3), [1, 1, 1, 2, 3, 3]);
    }

    #[test]
    fn shards_describe_what_is_covered() {
        let one = Partition {
            scheme: Scheme::Hash,
            shard: 2,
            total: 3,
        }
        .shards();
        assert_eq!(one.describe(), "hash:2/3");
        let partial = Shards {
            scheme: Scheme::Count,
            total: 4,
            shards: vec![1, 3],
        };
        assert_eq!(partial.describe(), "count:1,3/4 (shards 2, 4 missing)");
    }
}
