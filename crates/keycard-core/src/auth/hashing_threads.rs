//! A fixed set of long-lived threads for argon2. Compared with the shared blocking
//! pool, this bounds how many 19 MiB buffers exist (one per thread, reused, where
//! a rotating pool of threads left a buffer behind in each thread's allocator arena)
//! and lets hashing run at a lower priority than the requests that need no argon2.

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex, PoisonError, mpsc};

use anyhow::Context as _;

type Job = Box<dyn FnOnce() + Send>;

/// Niceness of the hashing threads: cheap requests get the CPU first, while logins
/// alone still use every core.
const HASHING_NICENESS: libc::c_int = 10;

pub struct HashingThreads {
    jobs: mpsc::Sender<Job>,
}

impl HashingThreads {
    /// Starts `count` threads (at least one). They end when this value is dropped.
    pub fn start(count: usize) -> anyhow::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for number in 0..count.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("argon2-{number}"))
                .spawn(move || {
                    lower_this_threads_priority();
                    loop {
                        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        match next {
                            // A panicking job drops its reply, so its request gets an
                            // error; the thread lives on for the next one.
                            Ok(job) => drop(panic::catch_unwind(AssertUnwindSafe(job))),
                            Err(mpsc::RecvError) => return,
                        }
                    }
                })
                .context("could not start a password hashing thread")?;
        }
        Ok(Self { jobs })
    }

    /// Runs `work` on the next free hashing thread and waits for its result.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (reply, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = reply.send(work());
            }))
            .ok()
            .context("the password hashing threads have stopped")?;
        result.await.context("a password hashing thread stopped")
    }
}

/// On Linux niceness is per thread; failing to lower it only costs latency.
fn lower_this_threads_priority() {
    // SAFETY: setpriority takes plain integers; `0` names the calling thread.
    let failed = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, HASHING_NICENESS) } != 0;
    if failed {
        tracing::debug!("could not lower the priority of a password hashing thread");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_job_fails_its_caller_and_the_thread_serves_the_next_one() {
        let threads = HashingThreads::start(1).unwrap();
        let failed = threads.run(|| -> u32 { panic!("argon2 blew up") }).await;
        assert!(failed.is_err());
        assert_eq!(threads.run(|| 7).await.unwrap(), 7);
    }
}
