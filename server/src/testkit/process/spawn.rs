//! Spawning children that die with this process, even when it is SIGKILLed.
//!
//! `PR_SET_PDEATHSIG` fires when the *thread* that spawned the child exits, so every child is
//! spawned from one thread that lives as long as the process.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::{mpsc, Mutex, OnceLock};

unsafe extern "C" {
    fn prctl(option: i32, ...) -> i32;
}
const PR_SET_PDEATHSIG: i32 = 1;
const SIGKILL: std::ffi::c_ulong = 9;

type Job = Box<dyn FnOnce() + Send>;

/// Spawns `cmd` with `PR_SET_PDEATHSIG = SIGKILL` from the kit's long-lived spawner thread.
pub fn spawn_child(mut cmd: Command) -> io::Result<Child> {
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    let tx = SPAWNER
        .get_or_init(|| {
            let (tx, rx) = mpsc::channel::<Job>();
            std::thread::Builder::new()
                .name("testkit-spawner".into())
                .spawn(move || rx.into_iter().for_each(|job| job()))
                .expect("start the testkit spawner thread");
            Mutex::new(tx)
        })
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| match prctl(PR_SET_PDEATHSIG, SIGKILL) {
            0 => Ok(()),
            _ => Err(io::Error::last_os_error()),
        });
    }
    let (rtx, rrx) = mpsc::channel();
    let gone = || io::Error::other("the testkit spawner thread is gone");
    tx.send(Box::new(move || drop(rtx.send(cmd.spawn())))).map_err(|_| gone())?;
    rrx.recv().map_err(|_| gone())?
}
