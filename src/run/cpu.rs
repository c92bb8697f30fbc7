//! CPU work off the async runtime: the extraction of pages runs on a pool of threads of its own,
//! one per core, so that a big page never holds up another section's fetch or the renewal of
//! the run's leases, and never waits behind history's blocking calls either.
//!
//! The threads start with the first page and end when the run drops the pool.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, OnceLock};

type Job = Box<dyn FnOnce() + Send>;

/// Threads for CPU work.
#[derive(Default)]
pub(crate) struct CpuPool {
    jobs: OnceLock<Mutex<Sender<Job>>>,
}

impl CpuPool {
    /// Runs `work` on one of the pool's threads and waits for it without blocking the runtime.
    /// A panic in `work` resumes in the caller, as if `work` had run in place.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> T {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // The caller may be gone (its run was cancelled): nobody wants the result then.
            let _ = done.send(std::panic::catch_unwind(AssertUnwindSafe(work)));
        });
        let sent = self
            .jobs
            .get_or_init(start)
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(job);
        // No thread could start: the work runs in place.
        if let Err(std::sync::mpsc::SendError(job)) = sent {
            job();
        }
        match result.await {
            Ok(Ok(value)) => value,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => unreachable!("a job answers once it has run, even when it panics"),
        }
    }
}

/// Starts one thread per core, taking jobs from one queue.
fn start() -> Mutex<Sender<Job>> {
    let (jobs, queue) = channel::<Job>();
    let queue = Arc::new(Mutex::new(queue));
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    for n in 0..threads {
        let queue = Arc::clone(&queue);
        let spawned = std::thread::Builder::new()
            .name(format!("feedwright-cpu-{n}"))
            .spawn(move || work_through(&queue));
        if let Err(error) = spawned {
            tracing::warn!(%error, "a CPU thread could not start; the others do its share");
        }
    }
    Mutex::new(jobs)
}

/// Runs the queue's jobs until the pool is dropped.
fn work_through(queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}
