//! Cluster filters (`RecoverMasterClusterFilters`, `RecoverIntermediateMasterClusterFilters`):
//! decide whether automated recovery is enabled for a cluster, by name or alias.
//!
//! Each entry, tried in order (the first that matches wins), as orchestrator's
//! `filtersMatchCluster`:
//! - equal to the cluster name or to its alias;
//! - `alias=NAME`: the alias equals NAME;
//! - `alias~=REGEX`: the alias matches REGEX (unanchored, like Go's `MatchString`);
//! - `*`: every cluster;
//! - anything else: a regex matched (unanchored) against the cluster name.
//!
//! An empty list matches nothing: automated recovery is opt-in. Unlike orchestrator, which
//! silently ignores a regex that does not compile, parsing fails, so a typo in the config is
//! reported at startup instead of disabling recovery.

use regex::Regex;
use thiserror::Error;

/// A filter entry that does not compile.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid cluster filter {filter:?}: {reason}")]
pub struct ClusterFilterError {
    /// The entry as configured.
    pub filter: String,
    /// The regex compiler's complaint.
    pub reason: String,
}

#[derive(Debug, Clone)]
enum Pattern {
    /// Only the name/alias equality check applies (empty entry).
    ExactOnly,
    /// `alias=NAME`.
    Alias(String),
    /// `alias~=REGEX`.
    AliasRegex(Regex),
    /// `*`.
    Any,
    /// A regex on the cluster name.
    NameRegex(Regex),
}

#[derive(Debug, Clone)]
struct Filter {
    text: String,
    pattern: Pattern,
}

/// A parsed list of cluster filters.
#[derive(Debug, Clone, Default)]
pub struct ClusterFilters {
    filters: Vec<Filter>,
}

impl ClusterFilters {
    /// Parses configured entries; fails on the first regex that does not compile.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, ClusterFilterError> {
        let filters = entries
            .iter()
            .map(|entry| {
                let text = entry.as_ref().to_string();
                let pattern = parse_pattern(&text)?;
                Ok(Filter { text, pattern })
            })
            .collect::<Result<Vec<_>, ClusterFilterError>>()?;
        Ok(ClusterFilters { filters })
    }

    /// Whether no filter is configured.
    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
    }

    /// The entries as configured.
    pub fn entries(&self) -> impl Iterator<Item = &str> {
        self.filters.iter().map(|f| f.text.as_str())
    }

    /// Whether any filter matches the cluster `name` with alias `alias`.
    pub fn matches(&self, name: &str, alias: &str) -> bool {
        self.filters.iter().any(|f| {
            f.text == name
                || f.text == alias
                || match &f.pattern {
                    Pattern::ExactOnly => false,
                    Pattern::Alias(wanted) => wanted == alias,
                    Pattern::AliasRegex(re) => re.is_match(alias),
                    Pattern::Any => true,
                    Pattern::NameRegex(re) => re.is_match(name),
                }
        })
    }
}

fn parse_pattern(text: &str) -> Result<Pattern, ClusterFilterError> {
    let compile = |re: &str| {
        Regex::new(re)
            .map_err(|e| ClusterFilterError { filter: text.to_string(), reason: e.to_string() })
    };
    Ok(if let Some(alias) = text.strip_prefix("alias=") {
        Pattern::Alias(alias.to_string())
    } else if let Some(re) = text.strip_prefix("alias~=") {
        Pattern::AliasRegex(compile(re)?)
    } else if text == "*" {
        Pattern::Any
    } else if text.is_empty() {
        Pattern::ExactOnly
    } else {
        Pattern::NameRegex(compile(text)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_like_orchestrator() {
        // (filters, cluster name, alias, expected)
        let cases: &[(&[&str], &str, &str, bool)] = &[
            (&[], "db1:3306", "shop", false),
            (&["db1:3306"], "db1:3306", "shop", true),
            (&["shop"], "db1:3306", "shop", true),
            (&["alias=shop"], "db1:3306", "shop", true),
            (&["alias=shop"], "db1:3306", "shopping", false),
            (&["alias~=^sh"], "db1:3306", "shopping", true),
            (&["alias~=^sh"], "shop:3306", "billing", false),
            (&["*"], "anything:1", "x", true),
            (&["^db[0-9]+"], "db12:3306", "x", true),
            (&["^db[0-9]+"], "xdb12:3306", "x", false),
            (&["db"], "mydb:3306", "x", true),
            (&["billing", "alias=shop"], "db1:3306", "shop", true),
            (&[""], "db1:3306", "shop", false),
        ];
        for &(filters, name, alias, expected) in cases {
            let parsed = ClusterFilters::parse(filters).unwrap();
            assert_eq!(parsed.matches(name, alias), expected, "{filters:?} on {name}/{alias}");
        }
    }

    #[test]
    fn refuses_bad_regexes() {
        let err = ClusterFilters::parse(&["alias~=(unclosed"]).unwrap_err();
        assert_eq!(err.filter, "alias~=(unclosed");
        assert!(ClusterFilters::parse(&["[z-a]"]).is_err());
        // `alias=` takes the rest literally, so regex syntax there is fine.
        assert!(ClusterFilters::parse(&["alias=(x"]).is_ok());
    }

    #[test]
    fn exposes_entries() {
        let parsed = ClusterFilters::parse(&["*", "alias=a"]).unwrap();
        assert_eq!(parsed.entries().collect::<Vec<_>>(), vec!["*", "alias=a"]);
        assert!(!parsed.is_empty());
        assert!(ClusterFilters::default().is_empty());
    }
}
