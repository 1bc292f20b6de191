//! `URLPrefix`: the path prefix the API and dashboard are served under (e.g. behind a proxy).

use super::ConfigError;

/// A path of letters, digits and `/-_.~` without empty, `.` or `..` segments.
pub fn is_plain_path(path: &str) -> bool {
    path.chars().all(|c| c.is_ascii_alphanumeric() || "/-_.~".contains(c))
        && !path.contains("//")
        && !path.split('/').any(|seg| seg == "." || seg == "..")
}

/// Normalises `URLPrefix` as orchestrator does (one leading `/`, no trailing `/`; `""` and
/// `"/"` mean the root) and refuses what cannot be a plain path prefix.
pub fn read(text: &str) -> Result<String, ConfigError> {
    let trimmed = text.trim().trim_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    if !is_plain_path(trimmed) {
        return Err(ConfigError::invalid(
            "URLPrefix",
            format!("{text:?} must be a plain path such as /orchestrator"),
        ));
    }
    let prefix = format!("/{trimmed}");
    for reserved in ["/api", "/web", "/internal", "/sfn", "/pkg"] {
        if prefix == reserved || prefix.starts_with(&format!("{reserved}/")) {
            return Err(ConfigError::invalid(
                "URLPrefix",
                format!("{text:?} would hide orchestrator's own {reserved} paths"),
            ));
        }
    }
    Ok(prefix)
}

#[cfg(test)]
mod tests {
    use super::read;

    #[test]
    fn normalised_like_orchestrator() {
        assert_eq!(read("").unwrap(), "");
        assert_eq!(read("/").unwrap(), "");
        assert_eq!(read("orchestrator").unwrap(), "/orchestrator");
        assert_eq!(read("/orchestrator/").unwrap(), "/orchestrator");
        assert_eq!(read("/ops/orc").unwrap(), "/ops/orc");
    }

    #[test]
    fn bad_prefixes_name_the_key() {
        for bad in ["/a b", "/x/../y", "/a//b", "/api", "/web/x", "/q?x=1"] {
            let e = read(bad).unwrap_err();
            assert_eq!(e.key, "URLPrefix", "{bad}");
        }
    }
}
