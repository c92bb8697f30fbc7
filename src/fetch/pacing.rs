//! Politeness: at most `concurrency` requests in flight, and `per_host_delay` between two
//! requests to one host.

use tokio::time::Instant;
use url::Url;

impl super::Fetcher {
    /// Waits for a request slot (at most `concurrency` in flight) at a moment when `url`'s host
    /// may be asked again (`per_host_delay` after its last request), and books that moment.
    /// The host's clock is read once the slot is held, so requests that queued for a slot
    /// still keep the gap; a request that must wait for its host gives its slot back meanwhile.
    pub(super) async fn turn(&self, url: &Url) -> tokio::sync::SemaphorePermit<'_> {
        let delay = self.settings.per_host_delay;
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        loop {
            let permit = self
                .in_flight
                .acquire()
                .await
                .expect("the semaphore is never closed");
            if delay.is_zero() {
                return permit;
            }
            let wait_until = {
                let mut slots = self.next_slot.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                match slots.get(&host) {
                    Some(&at) if at > now => Some(at),
                    _ => {
                        slots.insert(host.clone(), now + delay);
                        None
                    }
                }
            };
            match wait_until {
                None => return permit,
                Some(at) => {
                    drop(permit);
                    tokio::time::sleep_until(at).await;
                }
            }
        }
    }
}
