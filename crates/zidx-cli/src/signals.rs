//! Removing a build's temporary file when a signal stops `zidx build`.
//!
//! SIGINT (Ctrl-C), SIGTERM and SIGHUP would kill the process before the
//! writer's own cleanup runs, leaving `.NAME.PID.RANDOM.zidx-tmp` with the
//! record data. A thread waits for them, removes the registered temporary
//! file and exits with 128 + the signal number, as the shell reports a
//! death by signal. SIGXFSZ (file size limit exceeded) is caught too, so that
//! the write that hit the limit fails with EFBIG and the build ends through
//! its normal error path, which removes the file. SIGKILL cannot be caught:
//! the next build of the same target removes what it left (see
//! `zidx_writer::AtomicFile::create`).

use std::path::PathBuf;
use std::sync::Mutex;

/// The temporary file to remove if a signal arrives.
static PENDING: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Starts the signal thread. Call once, before the build starts writing.
#[cfg(unix)]
pub fn install() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGXFSZ};
    // A flag handler replaces the default action (terminate) for SIGXFSZ;
    // the flag itself is not needed.
    let ignored = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let _ = signal_hook::flag::register(SIGXFSZ, ignored);
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            remove_pending();
            std::process::exit(128 + signal);
        }
    });
}

#[cfg(not(unix))]
pub fn install() {}

/// Registers the temporary file of the build in progress.
pub fn set_pending(path: PathBuf) {
    if let Ok(mut pending) = PENDING.lock() {
        *pending = Some(path);
    }
}

/// Forgets it: the build has published or removed it.
pub fn clear_pending() {
    if let Ok(mut pending) = PENDING.lock() {
        *pending = None;
    }
}

fn remove_pending() {
    if let Ok(mut pending) = PENDING.lock() {
        if let Some(path) = pending.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}
