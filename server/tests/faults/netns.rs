//! FaultNet: three "data centers", each a Linux network namespace joined to a bridge namespace by
//! a veth pair, plus one veth from the test's own (root) namespace into the bridge, so that the
//! test can reach every DC while links *between* DCs are cut, made one-way or made lossy with
//! `iptables` rules that live inside the DC namespaces only. It must not touch anything outside
//! the namespaces it created (the only root-namespace object is its own veth end).
//!
//! Layout for a run with process id P and subnet S (10.231.S.0/24, chosen so that no route of
//! the root namespace overlaps it; parallel runs pick different S):
//!
//! ```text
//!   root ns: orcftP (10.231.S.254) ──┐
//!                                    │ veth
//!   orcft-P-br:   br0 ── root, d1, d2, d3
//!                             │    │    │  veth
//!   orcft-P-dc1: eth0 10.231.S.1   │    │
//!   orcft-P-dc2:      eth0 10.231.S.2   │
//!   orcft-P-dc3:           eth0 10.231.S.3
//! ```
//!
//! Each DC namespace has a chain `ORCFT`, jumped to from INPUT and OUTPUT; faults are rules in
//! it (`-s peer -j DROP` drops what arrives from a peer, `-d peer -j DROP` what is sent to it),
//! so healing everything is one flush. Packets are dropped silently (no RST, no ICMP): to TCP a
//! cut looks like a real partition. The kernel has no `sch_netem`, so latency cannot be
//! injected here; random loss uses `-m statistic`.
//!
//! Cleanup: [`Drop`] kills whatever still runs in the namespaces and deletes them (also during
//! a panic's unwinding); [`FaultNet::create`] first removes namespaces and links left by earlier
//! runs whose process no longer exists.

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::Mutex;

/// Prefix of every namespace and root-side link this harness creates.
const PREFIX: &str = "orcft";

/// What kind of rule a fault is (kept so that it can be removed again).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rule {
    /// In `dc`'s namespace: drop packets sent to `peer`.
    DropTo { dc: usize, peer: usize },
    /// In `dc`'s namespace: drop packets received from `peer`.
    DropFrom { dc: usize, peer: usize },
    /// In `dc`'s namespace: drop this percentage of the packets sent to `peer`.
    Loss { dc: usize, peer: usize, pct: u8 },
}

/// The namespaces of one run; see the module doc.
pub struct FaultNet {
    pid: u32,
    subnet: u8,
    dcs: usize,
    rules: Mutex<BTreeSet<Rule>>,
}

/// Runs `ip`/`iptables` style commands; the error carries stderr.
fn sh(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program).args(args).output().map_err(|e| format!("{program}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{program} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn pid_alive(pid: &str) -> bool {
    std::path::Path::new("/proc").join(pid).exists()
}

/// Kills every process inside namespace `ns` and deletes it.
fn destroy_ns(ns: &str) {
    if let Ok(pids) = sh("ip", &["netns", "pids", ns]) {
        for pid in pids.split_whitespace() {
            let _ = sh("kill", &["-9", pid]);
        }
    }
    let _ = sh("ip", &["netns", "del", ns]);
}

/// Removes namespaces and root links of earlier runs whose test process is gone.
fn sweep_stale() {
    let list = sh("ip", &["netns", "list"]).unwrap_or_default();
    for line in list.lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        let Some(rest) = name.strip_prefix(&format!("{PREFIX}-")) else { continue };
        let pid = rest.split('-').next().unwrap_or("");
        if pid.parse::<u32>().is_ok() && !pid_alive(pid) {
            eprintln!("--- faultnet: removing stale namespace {name}");
            destroy_ns(name);
        }
    }
    let links = sh("ip", &["-o", "link", "show"]).unwrap_or_default();
    for line in links.lines() {
        let Some(name) =
            line.split(':').nth(1).map(|n| n.trim().split('@').next().unwrap_or("").to_string())
        else {
            continue;
        };
        if let Some(pid) = name.strip_prefix(PREFIX) {
            if pid.parse::<u32>().is_ok() && !pid_alive(pid) {
                let _ = sh("ip", &["link", "del", &name]);
            }
        }
    }
}

/// A /24 in 10.231.0.0/16 that no root-namespace address or route overlaps.
fn free_subnet(pid: u32) -> Result<u8, String> {
    let routes = sh("ip", &["-4", "route", "show", "table", "all"])? + &sh("ip", &["-4", "addr"])?;
    let start = 20 + (pid % 200) as u8;
    (0..200u8)
        .map(|k| 20 + (start - 20 + k) % 200)
        .find(|s| !routes.contains(&format!("10.231.{s}.")))
        .ok_or_else(|| "no free 10.231.x.0/24 subnet".to_string())
}

impl FaultNet {
    /// Creates the bridge and `dcs` DC namespaces. `Err(reason)` when namespaces cannot be
    /// created here (not root, no `ip`, no CAP_SYS_ADMIN): the caller prints it and skips.
    pub fn create(dcs: usize) -> Result<FaultNet, String> {
        sweep_stale();
        let pid = std::process::id();
        let probe = format!("{PREFIX}-{pid}-probe");
        sh("ip", &["netns", "add", &probe]).map_err(|e| format!("ip netns add failed: {e}"))?;
        let iptables = sh("ip", &["netns", "exec", &probe, "iptables", "-S"]);
        let _ = sh("ip", &["netns", "del", &probe]);
        iptables.map_err(|e| format!("iptables unusable in a namespace: {e}"))?;
        let net =
            FaultNet { pid, subnet: free_subnet(pid)?, dcs, rules: Mutex::new(BTreeSet::new()) };
        net.build().map_err(|e| format!("building the namespaces failed: {e}"))?;
        Ok(net)
    }

    fn build(&self) -> Result<(), String> {
        let br = self.bridge_ns();
        sh("ip", &["netns", "add", &br])?;
        sh("ip", &["-n", &br, "link", "set", "lo", "up"])?;
        sh("ip", &["-n", &br, "link", "add", "br0", "type", "bridge"])?;
        sh("ip", &["-n", &br, "link", "set", "br0", "up"])?;
        for dc in 0..self.dcs {
            let ns = self.ns(dc);
            let port = format!("d{dc}");
            sh("ip", &["netns", "add", &ns])?;
            sh("ip", &["-n", &ns, "link", "set", "lo", "up"])?;
            sh(
                "ip",
                &[
                    "-n", &br, "link", "add", &port, "type", "veth", "peer", "name", "eth0",
                    "netns", &ns,
                ],
            )?;
            sh("ip", &["-n", &br, "link", "set", &port, "master", "br0"])?;
            sh("ip", &["-n", &br, "link", "set", &port, "up"])?;
            sh("ip", &["-n", &ns, "addr", "add", &format!("{}/24", self.ip(dc)), "dev", "eth0"])?;
            sh("ip", &["-n", &ns, "link", "set", "eth0", "up"])?;
            for chain_cmd in [
                &["-N", "ORCFT"][..],
                &["-I", "INPUT", "-j", "ORCFT"],
                &["-I", "OUTPUT", "-j", "ORCFT"],
            ] {
                let mut args = vec!["netns", "exec", &ns, "iptables", "-w"];
                args.extend_from_slice(chain_cmd);
                sh("ip", &args)?;
            }
        }
        let root = self.root_link();
        sh("ip", &["link", "add", &root, "type", "veth", "peer", "name", "root", "netns", &br])?;
        sh("ip", &["-n", &br, "link", "set", "root", "master", "br0"])?;
        sh("ip", &["-n", &br, "link", "set", "root", "up"])?;
        sh("ip", &["addr", "add", &format!("{}/24", self.root_ip()), "dev", &root])?;
        sh("ip", &["link", "set", &root, "up"])?;
        Ok(())
    }

    /// Number of DCs.
    pub fn dcs(&self) -> usize {
        self.dcs
    }

    /// Namespace name of DC `dc` (0-based; printed as DC1..).
    pub fn ns(&self, dc: usize) -> String {
        format!("{PREFIX}-{}-dc{}", self.pid, dc + 1)
    }

    fn bridge_ns(&self) -> String {
        format!("{PREFIX}-{}-br", self.pid)
    }

    fn root_link(&self) -> String {
        format!("{PREFIX}{}", self.pid)
    }

    /// Address of DC `dc`.
    pub fn ip(&self, dc: usize) -> String {
        format!("10.231.{}.{}", self.subnet, dc + 1)
    }

    /// The test process's address on the bridge.
    pub fn root_ip(&self) -> String {
        format!("10.231.{}.254", self.subnet)
    }

    /// A command that runs `program` inside DC `dc`'s namespace (`ip netns exec` execs it, so
    /// the child's pid is the program's own).
    pub fn command(&self, dc: usize, program: &str) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.ns(dc), program]);
        cmd
    }

    fn iptables(&self, dc: usize, op: &str, spec: &[&str]) -> Result<(), String> {
        let ns = self.ns(dc);
        let mut args = vec!["netns", "exec", ns.as_str(), "iptables", "-w", op, "ORCFT"];
        args.extend_from_slice(spec);
        sh("ip", &args).map(|_| ())
    }

    fn rule_spec(&self, rule: Rule) -> (usize, Vec<String>) {
        match rule {
            Rule::DropTo { dc, peer } => {
                (dc, vec!["-d".into(), self.ip(peer), "-j".into(), "DROP".into()])
            }
            Rule::DropFrom { dc, peer } => {
                (dc, vec!["-s".into(), self.ip(peer), "-j".into(), "DROP".into()])
            }
            Rule::Loss { dc, peer, pct } => {
                let p = format!("{:.2}", f64::from(pct) / 100.0);
                let spec = [
                    "-d",
                    &self.ip(peer),
                    "-m",
                    "statistic",
                    "--mode",
                    "random",
                    "--probability",
                    &p,
                    "-j",
                    "DROP",
                ];
                (dc, spec.iter().map(|s| s.to_string()).collect())
            }
        }
    }

    fn add(&self, rule: Rule) {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        if rules.insert(rule) {
            let (dc, spec) = self.rule_spec(rule);
            let spec: Vec<&str> = spec.iter().map(String::as_str).collect();
            self.iptables(dc, "-A", &spec).expect("add iptables rule");
        }
    }

    fn remove(&self, rule: Rule) {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        if rules.remove(&rule) {
            let (dc, spec) = self.rule_spec(rule);
            let spec: Vec<&str> = spec.iter().map(String::as_str).collect();
            let _ = self.iptables(dc, "-D", &spec);
        }
    }

    /// Cuts the link between DCs `a` and `b`, both ways.
    pub fn cut(&self, a: usize, b: usize) {
        self.cut_oneway(a, b);
        self.cut_oneway(b, a);
    }

    /// Drops every packet `from` sends to `to` (the reverse direction still flows; note that a
    /// TCP connection needs both, so new connections fail either way).
    pub fn cut_oneway(&self, from: usize, to: usize) {
        self.add(Rule::DropTo { dc: from, peer: to });
        self.add(Rule::DropFrom { dc: to, peer: from });
    }

    /// Restores the link between `a` and `b` (both directions).
    pub fn heal(&self, a: usize, b: usize) {
        for (x, y) in [(a, b), (b, a)] {
            self.remove(Rule::DropTo { dc: x, peer: y });
            self.remove(Rule::DropFrom { dc: y, peer: x });
        }
    }

    /// Cuts DC `dc` from every other DC (the test process still reaches it through the bridge).
    pub fn isolate(&self, dc: usize) {
        for other in (0..self.dcs).filter(|o| *o != dc) {
            self.cut(dc, other);
        }
    }

    /// Undoes [`FaultNet::isolate`].
    pub fn rejoin(&self, dc: usize) {
        for other in (0..self.dcs).filter(|o| *o != dc) {
            self.heal(dc, other);
        }
    }

    /// Drops `pct`% of the packets DC `dc` sends to other DCs.
    pub fn loss(&self, dc: usize, pct: u8) {
        for peer in (0..self.dcs).filter(|p| *p != dc) {
            self.add(Rule::Loss { dc, peer, pct });
        }
    }

    /// Removes every fault (one flush per DC).
    pub fn heal_all(&self) {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        rules.clear();
        for dc in 0..self.dcs {
            let _ = self.iptables(dc, "-F", &[]);
        }
    }

    /// The faults in force, for trace lines.
    pub fn describe(&self) -> String {
        let rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        rules
            .iter()
            .map(|r| match r {
                Rule::DropTo { dc, peer } => format!("DC{}->DC{} dropped", dc + 1, peer + 1),
                Rule::DropFrom { dc, peer } => format!("DC{}<-DC{} dropped", dc + 1, peer + 1),
                Rule::Loss { dc, peer, pct } => {
                    format!("DC{}->DC{} loses {pct}%", dc + 1, peer + 1)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Drop for FaultNet {
    fn drop(&mut self) {
        for dc in 0..self.dcs {
            destroy_ns(&self.ns(dc));
        }
        destroy_ns(&self.bridge_ns());
        let _ = sh("ip", &["link", "del", &self.root_link()]);
    }
}
