//! Instance tags, as orchestrator has them: a tag is `name` or `name=value` on an instance;
//! filters (`name`, `name=value`, `~name`, `~name=value`, `!` read as `~`, comma-separated for
//! an intersection) select tagged instances; untagging removes a tag by name (and value) from
//! one instance, or from every instance when a value is given.

use serde::{Deserialize, Serialize};

use crate::core::error::DomainError;
use crate::core::instance_key::InstanceKey;

/// Longest tag name accepted.
pub const MAX_TAG_NAME: usize = 128;
/// Longest tag value accepted.
pub const MAX_TAG_VALUE: usize = 1024;

/// A tag stored on an instance (an absent value is the empty string, as orchestrator stores it).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Tag {
    /// The name.
    pub name: String,
    /// The value, possibly empty.
    pub value: String,
}

impl Tag {
    /// A tag to store, validated: a name that is not empty once trimmed, no control characters.
    pub fn new(name: &str, value: &str) -> Result<Tag, DomainError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(DomainError::field("tag", "empty tag name"));
        }
        if name.chars().count() > MAX_TAG_NAME || name.chars().any(char::is_control) {
            return Err(DomainError::field("tag", format!("invalid tag name {name:?}")));
        }
        if value.chars().count() > MAX_TAG_VALUE || value.chars().any(char::is_control) {
            return Err(DomainError::field("tag", format!("invalid tag value {value:?}")));
        }
        Ok(Tag { name: name.to_string(), value: value.to_string() })
    }

    /// orchestrator's `tags` wording: always `name=value`.
    pub fn pair(&self) -> String {
        format!("{}={}", self.name, self.value)
    }

    /// orchestrator's display (topology-tags): `name`, or `name=value` when it has a value.
    pub fn display(&self) -> String {
        if self.value.is_empty() {
            self.name.clone()
        } else {
            self.pair()
        }
    }
}

/// One term of a tag filter (orchestrator's parsed `Tag`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagFilter {
    /// The name.
    pub name: String,
    /// The value, when the term has `=`.
    pub value: Option<String>,
    /// `~` (or `!`) in front: the instance must not have it.
    pub negate: bool,
}

impl TagFilter {
    /// orchestrator's `ParseTag`: `name`, `name=value`, `~name`, `~name=value`; `!` is `~`;
    /// surrounding blanks are dropped.
    pub fn parse(text: &str) -> Result<TagFilter, DomainError> {
        let text = text.replace('!', "~");
        let text = text.trim();
        let unparsable = || DomainError::field("tag", format!("Unable to parse tag: {text}"));
        let (negate, rest) = match text.strip_prefix('~') {
            // `~` alone or `~=…` are read as plain names, as orchestrator's patterns do.
            Some(rest) if !rest.is_empty() && !rest.starts_with('=') => (true, rest),
            _ => (false, text),
        };
        let (name, value) = match rest.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (rest, None),
        };
        if name.is_empty() {
            return Err(unparsable());
        }
        Tag::new(name, value.as_deref().unwrap_or(""))?;
        Ok(TagFilter { name: name.to_string(), value, negate })
    }

    /// orchestrator's `ParseIntersectTags`: comma-separated terms, all of which must hold.
    pub fn parse_all(text: &str) -> Result<Vec<TagFilter>, DomainError> {
        text.split(',').map(TagFilter::parse).collect()
    }

    fn matches(&self, tag: &Tag) -> bool {
        tag.name == self.name && self.value.as_ref().is_none_or(|v| *v == tag.value)
    }
}

/// The instances `filters` select among `tags` (every stored tag), sorted by host then port:
/// `name` has the tag, `name=value` has it with that value, `~name=value` has it with another
/// value, `~name` is tagged but not with that name. Several filters intersect.
pub fn tagged(tags: &[(InstanceKey, Tag)], filters: &[TagFilter]) -> Vec<InstanceKey> {
    let mut result: Option<Vec<InstanceKey>> = None;
    for filter in filters {
        let mut keys: Vec<InstanceKey> = match (&filter.value, filter.negate) {
            (_, false) => {
                tags.iter().filter(|(_, t)| filter.matches(t)).map(|(k, _)| k.clone()).collect()
            }
            (Some(value), true) => tags
                .iter()
                .filter(|(_, t)| t.name == filter.name && t.value != *value)
                .map(|(k, _)| k.clone())
                .collect(),
            (None, true) => tags
                .iter()
                .map(|(k, _)| k)
                .filter(|k| !tags.iter().any(|(other, t)| other == *k && t.name == filter.name))
                .cloned()
                .collect(),
        };
        keys.sort();
        keys.dedup();
        result = Some(match result {
            None => keys,
            Some(before) => before.into_iter().filter(|k| keys.contains(k)).collect(),
        });
    }
    result.unwrap_or_default()
}

/// What an untag removes: a tag name, with a value or not, from one instance or from all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Untag {
    /// The instance; `None` for `untag-all`.
    pub key: Option<InstanceKey>,
    /// The tag name.
    pub name: String,
    /// Only tags with this value, when given.
    pub value: Option<String>,
}

impl Untag {
    /// orchestrator's rules: no negation, and across instances only with a value.
    pub fn new(key: Option<InstanceKey>, filter: TagFilter) -> Result<Untag, DomainError> {
        if filter.negate {
            return Err(DomainError::field("tag", "Untag: does not support negation"));
        }
        if key.is_none() && filter.value.is_none() {
            return Err(DomainError::field(
                "tag",
                "Untag: either indicate an instance or a tag value. Will not delete on-valued \
                 tag across instances",
            ));
        }
        Ok(Untag { key, name: filter.name, value: filter.value })
    }

    /// Whether the untag removes `tag` of `key`.
    pub fn removes(&self, key: &InstanceKey, tag: &Tag) -> bool {
        self.key.as_ref().is_none_or(|k| k == key)
            && tag.name == self.name
            && self.value.as_ref().is_none_or(|v| *v == tag.value)
    }

    /// The instances it would untag among `tags`, sorted.
    pub fn targets(&self, tags: &[(InstanceKey, Tag)]) -> Vec<InstanceKey> {
        let mut keys: Vec<InstanceKey> =
            tags.iter().filter(|(k, t)| self.removes(k, t)).map(|(k, _)| k.clone()).collect();
        keys.sort();
        keys.dedup();
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(port: u16) -> InstanceKey {
        InstanceKey::new("db", port).unwrap()
    }

    fn t(name: &str, value: &str) -> Tag {
        Tag::new(name, value).unwrap()
    }

    fn rows() -> Vec<(InstanceKey, Tag)> {
        vec![
            (k(1), t("role", "backup")),
            (k(1), t("dc", "east")),
            (k(2), t("role", "reporting")),
            (k(3), t("dc", "east")),
            (k(3), t("flag", "")),
        ]
    }

    fn tagged_by(text: &str) -> Vec<u16> {
        let filters = TagFilter::parse_all(text).unwrap();
        tagged(&rows(), &filters).into_iter().map(|k| k.port).collect()
    }

    #[test]
    fn parses_orchestrators_tag_forms() {
        let f = |n: &str, v: Option<&str>, negate| TagFilter {
            name: n.into(),
            value: v.map(String::from),
            negate,
        };
        assert_eq!(TagFilter::parse(" a ").unwrap(), f("a", None, false));
        assert_eq!(TagFilter::parse("a=b=c").unwrap(), f("a", Some("b=c"), false));
        assert_eq!(TagFilter::parse("a=").unwrap(), f("a", Some(""), false));
        assert_eq!(TagFilter::parse("~a").unwrap(), f("a", None, true));
        assert_eq!(TagFilter::parse("!a=1").unwrap(), f("a", Some("1"), true));
        assert_eq!(TagFilter::parse("~").unwrap(), f("~", None, false));
        for bad in ["", " ", "=x", "a\nb"] {
            assert!(TagFilter::parse(bad).is_err(), "{bad:?}");
        }
        assert!(TagFilter::parse_all("a,").is_err());
    }

    #[test]
    fn selects_and_intersects_as_orchestrator() {
        assert_eq!(tagged_by("role"), vec![1, 2]);
        assert_eq!(tagged_by("role=backup"), vec![1]);
        assert_eq!(tagged_by("~role=backup"), vec![2]);
        assert_eq!(tagged_by("~role"), vec![3]);
        assert_eq!(tagged_by("dc=east,~role"), vec![3]);
        assert_eq!(tagged_by("dc,role"), vec![1]);
        assert_eq!(tagged_by("nothing"), Vec::<u16>::new());
    }

    #[test]
    fn untag_rules_and_targets() {
        let all = |text: &str| Untag::new(None, TagFilter::parse(text).unwrap());
        assert!(all("role").is_err(), "no value across instances");
        assert!(Untag::new(Some(k(1)), TagFilter::parse("~role").unwrap()).is_err());
        let u = all("dc=east").unwrap();
        assert_eq!(u.targets(&rows()), vec![k(1), k(3)]);
        let u = Untag::new(Some(k(1)), TagFilter::parse("role").unwrap()).unwrap();
        assert_eq!(u.targets(&rows()), vec![k(1)]);
        assert!(!u.removes(&k(2), &t("role", "reporting")));
    }

    #[test]
    fn words_tags_as_orchestrator() {
        assert_eq!(t("flag", "").pair(), "flag=");
        assert_eq!(t("flag", "").display(), "flag");
        assert_eq!(t(" dc ", "east").display(), "dc=east");
        assert!(Tag::new(" ", "x").is_err());
    }
}
