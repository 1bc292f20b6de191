//! Physical floors measured in the same run as the cluster figures, so that targets expressed
//! as ratios of them (T1 in docs/benchmarks.md) hold on any machine: 4 KiB append + fdatasync
//! in the nodes' own directory, and a loopback TCP ping-pong with TCP_NODELAY on both ends.
//! Blocking code: call it from `spawn_blocking` or a plain thread.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{BenchError, Result};
use crate::stats::{summarize, Summary};

/// Bytes per append: a small raft log append.
const APPEND_BYTES: usize = 4096;
/// Bytes per ping and per pong.
const PING_BYTES: usize = 64;

/// Both floors, measured back to back.
#[derive(Debug, Clone, Copy)]
pub struct Floors {
    /// 4 KiB `O_APPEND` write + `fdatasync`.
    pub fsync: Summary,
    /// 64 B loopback round trip, TCP_NODELAY.
    pub rtt: Summary,
}

impl Floors {
    /// `fsync p50 + RTT p50`: the cheapest a durable replicated commit could be, per step.
    pub fn unit(&self) -> Duration {
        self.fsync.p50 + self.rtt.p50
    }
}

/// Measures both floors: `fsync_iters` appends in `dir`, `rtt_iters` round trips.
pub fn measure(dir: &Path, fsync_iters: usize, rtt_iters: usize) -> Result<Floors> {
    let fsync = fsync_append(dir, fsync_iters)?;
    let rtt = tcp_rtt(rtt_iters)?;
    Ok(Floors { fsync, rtt })
}

/// Appends 4 KiB and fdatasyncs, `iters` times (after 20 unrecorded warm-up rounds).
pub fn fsync_append(dir: &Path, iters: usize) -> Result<Summary> {
    std::fs::create_dir_all(dir).map_err(BenchError::file("create", dir))?;
    let path = dir.join("fsync-probe.bin");
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(BenchError::file("open", &path))?;
    let block = vec![0x5au8; APPEND_BYTES];
    let mut samples = Vec::with_capacity(iters);
    for i in 0..iters + 20 {
        let start = Instant::now();
        file.write_all(&block).map_err(BenchError::io("append"))?;
        file.sync_data().map_err(BenchError::io("fdatasync"))?;
        if i >= 20 {
            samples.push(start.elapsed());
        }
    }
    drop(file);
    let _ = std::fs::remove_file(&path);
    summarize(&samples).ok_or(BenchError::NoSamples("fsync"))
}

/// Ping-pong of 64 B between this thread and an echo thread over 127.0.0.1, TCP_NODELAY on
/// both sockets; 1,000 unrecorded warm-up rounds, then `iters` recorded ones.
pub fn tcp_rtt(iters: usize) -> Result<Summary> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(BenchError::io("bind echo listener"))?;
    let addr = listener.local_addr().map_err(BenchError::io("echo listener address"))?;
    let echo = std::thread::Builder::new().name("rtt-echo".into()).spawn(
        move || -> std::io::Result<()> {
            let (mut sock, _) = listener.accept()?;
            sock.set_nodelay(true)?;
            let mut buf = [0u8; PING_BYTES];
            loop {
                match sock.read_exact(&mut buf) {
                    Ok(()) => sock.write_all(&buf)?,
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
                    Err(e) => return Err(e),
                }
            }
        },
    );
    let echo = echo.map_err(BenchError::io("start the echo thread"))?;
    let mut sock = TcpStream::connect(addr).map_err(BenchError::io("connect to echo"))?;
    sock.set_nodelay(true).map_err(BenchError::io("set TCP_NODELAY"))?;
    let ping = [0x42u8; PING_BYTES];
    let mut pong = [0u8; PING_BYTES];
    let warmup = 1000;
    let mut samples = Vec::with_capacity(iters);
    for i in 0..iters + warmup {
        let start = Instant::now();
        sock.write_all(&ping).map_err(BenchError::io("send a ping"))?;
        sock.read_exact(&mut pong).map_err(BenchError::io("receive a pong"))?;
        if i >= warmup {
            samples.push(start.elapsed());
        }
    }
    drop(sock);
    match echo.join() {
        Ok(r) => r.map_err(BenchError::io("echo thread"))?,
        Err(_) => return Err(BenchError::ThreadPanicked("echo thread")),
    }
    summarize(&samples).ok_or(BenchError::NoSamples("RTT"))
}
