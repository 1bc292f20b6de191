//! Signals sent to children by pid (Linux numbering, x86_64 and aarch64).

use std::io;

unsafe extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
}

/// The signals the kit sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGKILL.
    Kill = 9,
    /// SIGTERM (graceful shutdown).
    Term = 15,
    /// SIGCONT (resume a stopped process).
    Cont = 18,
    /// SIGSTOP (the process hangs).
    Stop = 19,
}

/// Sends `sig` to `pid`, which must be an unreaped child of this process (so that the pid
/// cannot have been reused).
pub fn send(pid: u32, sig: Signal) -> io::Result<()> {
    let pid =
        i32::try_from(pid).map_err(|_| io::Error::other(format!("pid {pid} out of range")))?;
    // SAFETY: a plain syscall on our own child; no memory is shared.
    match unsafe { kill(pid, sig as i32) } {
        0 => Ok(()),
        _ => Err(io::Error::last_os_error()),
    }
}
