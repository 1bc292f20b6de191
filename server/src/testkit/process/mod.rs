//! Child processes for the kit: spawned so that they die with this process, signalled by pid,
//! found on `$PATH`, run to completion, and their logs' tails read for error messages.

mod locate;
mod log_tail;
mod run;
mod signal;
mod spawn;

pub use locate::{find_program, sibling_binary};
pub use log_tail::{tail, tail_from};
pub use run::{run_to_end, RunError};
pub use signal::{send, Signal};
pub use spawn::spawn_child;
