//! API paths from templates such as `begin-downtime/{instance}/{owner}/{reason}/{duration}`.
//!
//! A placeholder takes a flag's value, percent-encoded; `{instance}` and `{destination}` are
//! validated instance keys written `host/port` (default port from `-D`). A `[...]` section is
//! dropped when a placeholder inside it has no value; a missing value outside one is a usage
//! error naming the flag, raised before any request is sent.

use app::core::InstanceKey;

use crate::args::{Opt, Options};
use crate::error::ClientError;

/// Expands `template` with the values in `opts`.
pub fn expand(template: &str, opts: &Options) -> Result<String, ClientError> {
    let mut out = String::new();
    // The optional section being read: its text and whether every placeholder had a value.
    let mut section: Option<(String, bool)> = None;
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        match c {
            '[' => section = Some((String::new(), true)),
            ']' => {
                if let Some((text, true)) = section.take() {
                    out.push_str(&text);
                }
            }
            '{' => {
                let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
                match (&mut section, value(&name, opts)?) {
                    (Some((text, _)), Some(v)) => text.push_str(&v),
                    (Some((_, complete)), None) => *complete = false,
                    (None, Some(v)) => out.push_str(&v),
                    (None, None) => {
                        return Err(ClientError::Usage(format!(
                            "{} must be provided",
                            label(&name)
                        )))
                    }
                }
            }
            c => match &mut section {
                Some((text, _)) => text.push(c),
                None => out.push(c),
            },
        }
    }
    Ok(out)
}

/// The flag a placeholder reads, as error messages name it.
fn label(name: &str) -> &str {
    match name {
        "hint" => "instance|alias",
        "text" => "instance",
        "rule" => "promotion-rule",
        "query" => "query",
        "binlog" => "binlog",
        "seconds" => "seconds",
        "process" => "process",
        "tag" => "tag",
        other => other,
    }
}

fn value(name: &str, opts: &Options) -> Result<Option<String>, ClientError> {
    let plain = |opt: Opt| Ok(opts.get(opt).map(encode));
    match name {
        "instance" => key(opts, Opt::Instance, "instance"),
        "destination" => key(opts, Opt::Destination, "destination"),
        // A cluster hint: the alias, else `-i` as typed (a member `host:port` or a cluster name).
        "hint" => Ok(opts.get(Opt::Alias).or_else(|| opts.get(Opt::Instance)).map(encode)),
        "text" => plain(Opt::Instance),
        "owner" => plain(Opt::Owner),
        "reason" => plain(Opt::Reason),
        "duration" => plain(Opt::Duration),
        "rule" => plain(Opt::PromotionRule),
        "hostname" => plain(Opt::Hostname),
        "query" => plain(Opt::Query),
        "binlog" => plain(Opt::Binlog),
        "seconds" => plain(Opt::Seconds),
        "process" => plain(Opt::Process),
        "tag" => plain(Opt::Tag),
        other => {
            Err(ClientError::Setup(format!("internal error: unknown placeholder {{{other}}}")))
        }
    }
}

/// `host/port` of the instance key in `opt`, validated.
fn key(opts: &Options, opt: Opt, what: &str) -> Result<Option<String>, ClientError> {
    let Some(text) = opts.get(opt) else {
        return Ok(None);
    };
    let key = InstanceKey::parse_joined(text, opts.default_port)
        .map_err(|e| ClientError::Usage(format!("invalid {what} {text:?}: {e}")))?;
    Ok(Some(format!("{}/{}", encode(&key.hostname), key.port)))
}

/// Percent-encodes everything but unreserved characters and `:` (kept readable in `host:port`
/// hints), so a value is always exactly one path segment or one query value.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b':') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::parse;

    fn opts(args: &[&str]) -> Options {
        parse(args.iter().map(|s| s.to_string()), &|_| None).unwrap()
    }

    #[test]
    fn fills_encodes_and_drops_optional_sections() {
        let o = opts(&["-i", "db1", "-o", "me", "-r", "disk swap/2"]);
        assert_eq!(
            expand("begin-downtime/{instance}/{owner}/{reason}/{duration}", &o).unwrap(),
            "begin-downtime/db1/3306/me/disk%20swap%2F2/10m"
        );
        assert_eq!(expand("recover/{instance}[/{destination}]", &o).unwrap(), "recover/db1/3306");
        let o = opts(&["-i", "db1:3307", "-d", "db2", "-D", "3310"]);
        assert_eq!(
            expand("recover/{instance}[/{destination}]", &o).unwrap(),
            "recover/db1/3307/db2/3310"
        );
        assert_eq!(expand("topology/{hint}", &o).unwrap(), "topology/db1:3307");
        let o = opts(&["-i", "db1", "-a", "main"]);
        assert_eq!(expand("topology/{hint}", &o).unwrap(), "topology/main");
    }

    #[test]
    fn missing_or_invalid_values_are_usage_errors() {
        let e =
            expand("begin-downtime/{instance}/{owner}/{reason}", &opts(&["-i", "db", "-o", "x"]))
                .unwrap_err();
        assert_eq!(e.to_string(), "reason must be provided");
        let e = expand("topology/{hint}", &opts(&[])).unwrap_err();
        assert_eq!(e.to_string(), "instance|alias must be provided");
        let e = expand("instance/{instance}", &opts(&["-i", "bad host"])).unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }
}
