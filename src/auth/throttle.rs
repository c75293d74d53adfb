//! Brute-force limits: failed logins per account and client address, and attempts per
//! address. Where the counts live is the store's choice ([`Store::throttle`]): in this
//! process's memory when it is the only one (a restart forgetting them costs an
//! attacker a restart they cannot trigger), in the shared database when several
//! processes serve one site, so N processes do not allow N times the attempts.
//!
//! [`Store::throttle`]: super::store::Store::throttle

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::error::AuthError;

/// Above this many tracked keys, stale ones are swept on the next write, so a flood
/// of distinct names or addresses cannot grow memory without bound.
const SWEEP_ABOVE_KEYS: usize = 10_000;

/// The longest window the limits may be configured with.
pub const MAX_THROTTLE_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// How many attempts are allowed, and over which sliding window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failed logins for one username from one address before further tries are refused.
    pub failures_per_account: u32,
    /// Logins and sign-ups from one address, successful or not.
    pub attempts_per_address: u32,
    /// Mails of one kind for one account (or one name typed into "Forgot your
    /// password?"), whatever the addresses asking, so nobody can flood an inbox.
    pub mails_per_account: u32,
    pub window: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            failures_per_account: 5,
            attempts_per_address: 100,
            mails_per_account: 3,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// How long until the next attempt is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Rounded up, so a client that waits exactly this long is let in.
    pub fn whole_seconds(self) -> u64 {
        self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0)
    }
}

/// The login and sign-up limits, wherever their counts are kept. Each method answers
/// [`AuthError::Throttled`] when the limit is reached, and [`AuthError::Unavailable`]
/// when the counts cannot be read or written, so an attempt is never let through
/// uncounted.
#[async_trait::async_trait]
pub trait Throttle: Send + Sync {
    /// Counts one login or sign-up from `client`, refusing it once the address has used
    /// up its attempts.
    async fn admit_attempt(&self, client: IpAddr) -> Result<(), AuthError>;
    /// Refuses a login for `account_key` from `client` that has failed too often lately.
    async fn check_login(&self, account_key: &str, client: IpAddr) -> Result<(), AuthError>;
    async fn record_failed_login(&self, account_key: &str, client: IpAddr)
    -> Result<(), AuthError>;
    /// A successful login wipes the account's failures from that address.
    async fn record_successful_login(
        &self,
        account_key: &str,
        client: IpAddr,
    ) -> Result<(), AuthError>;
    /// Counts one mail asked for under `mail_key`, refusing it once the key has had its
    /// share in the window.
    async fn admit_mail(&self, mail_key: &str) -> Result<(), AuthError>;
}

#[async_trait::async_trait]
impl Throttle for MemoryThrottle {
    async fn admit_attempt(&self, client: IpAddr) -> Result<(), AuthError> {
        MemoryThrottle::admit_attempt(self, client, Instant::now()).map_err(AuthError::Throttled)
    }

    async fn check_login(&self, account_key: &str, client: IpAddr) -> Result<(), AuthError> {
        MemoryThrottle::check_login(self, account_key, client, Instant::now())
            .map_err(AuthError::Throttled)
    }

    async fn record_failed_login(
        &self,
        account_key: &str,
        client: IpAddr,
    ) -> Result<(), AuthError> {
        MemoryThrottle::record_failed_login(self, account_key, client, Instant::now());
        Ok(())
    }

    async fn record_successful_login(
        &self,
        account_key: &str,
        client: IpAddr,
    ) -> Result<(), AuthError> {
        MemoryThrottle::record_successful_login(self, account_key, client);
        Ok(())
    }

    async fn admit_mail(&self, mail_key: &str) -> Result<(), AuthError> {
        self.mails
            .record_if_allowed(mail_key.to_owned(), Instant::now())
            .map_err(AuthError::Throttled)
    }
}

/// The limits of one process, counted in its memory.
pub struct MemoryThrottle {
    account_failures: SlidingWindow<(String, IpAddr)>,
    address_attempts: SlidingWindow<IpAddr>,
    mails: SlidingWindow<String>,
}

impl MemoryThrottle {
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self {
            account_failures: SlidingWindow::new(policy.failures_per_account, policy.window),
            address_attempts: SlidingWindow::new(policy.attempts_per_address, policy.window),
            mails: SlidingWindow::new(policy.mails_per_account, policy.window),
        }
    }

    /// Counts one login or sign-up from `client`, refusing it once the address has used
    /// up its attempts.
    pub fn admit_attempt(&self, client: IpAddr, now: Instant) -> Result<(), RetryAfter> {
        self.address_attempts.record_if_allowed(client, now)
    }

    /// Refuses a login for `account_key` from `client` that has failed too often lately.
    pub fn check_login(
        &self,
        account_key: &str,
        client: IpAddr,
        now: Instant,
    ) -> Result<(), RetryAfter> {
        self.account_failures
            .check(&(account_key.to_owned(), client), now)
    }

    pub fn record_failed_login(&self, account_key: &str, client: IpAddr, now: Instant) {
        self.account_failures
            .record((account_key.to_owned(), client), now);
    }

    /// A successful login wipes the account's failures from that address.
    pub fn record_successful_login(&self, account_key: &str, client: IpAddr) {
        self.account_failures
            .forget(&(account_key.to_owned(), client));
    }
}

/// At most `limit` events per key within any `window`.
struct SlidingWindow<K> {
    limit: usize,
    window: Duration,
    events: Mutex<HashMap<K, VecDeque<Instant>>>,
}

impl<K: Eq + Hash + Clone> SlidingWindow<K> {
    fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit: usize::try_from(limit).unwrap_or(usize::MAX).max(1),
            window,
            events: Mutex::new(HashMap::new()),
        }
    }

    fn check(&self, key: &K, now: Instant) -> Result<(), RetryAfter> {
        let mut events = self.lock();
        match events.get_mut(key) {
            Some(times) => self.refuse_if_full(times, now),
            None => Ok(()),
        }
    }

    fn record(&self, key: K, now: Instant) {
        let mut events = self.lock();
        self.sweep_if_large(&mut events, now);
        let times = events.entry(key).or_default();
        times.push_back(now);
        // Only the newest `limit` events can ever matter.
        while times.len() > self.limit {
            times.pop_front();
        }
    }

    fn record_if_allowed(&self, key: K, now: Instant) -> Result<(), RetryAfter> {
        let mut events = self.lock();
        self.sweep_if_large(&mut events, now);
        let times = events.entry(key).or_default();
        self.refuse_if_full(times, now)?;
        times.push_back(now);
        Ok(())
    }

    fn forget(&self, key: &K) {
        self.lock().remove(key);
    }

    fn refuse_if_full(
        &self,
        times: &mut VecDeque<Instant>,
        now: Instant,
    ) -> Result<(), RetryAfter> {
        while times
            .front()
            .is_some_and(|oldest| now.saturating_duration_since(*oldest) >= self.window)
        {
            times.pop_front();
        }
        match times.front() {
            Some(oldest) if times.len() >= self.limit => Err(RetryAfter(
                (*oldest + self.window).saturating_duration_since(now),
            )),
            _ => Ok(()),
        }
    }

    fn sweep_if_large(&self, events: &mut HashMap<K, VecDeque<Instant>>, now: Instant) {
        if events.len() > SWEEP_ABOVE_KEYS {
            events.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|newest| now.saturating_duration_since(*newest) < self.window)
            });
        }
    }

    /// A panic while holding the lock leaves only counts behind, which stay usable.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, VecDeque<Instant>>> {
        self.events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const OTHER_CLIENT: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

    fn throttle() -> MemoryThrottle {
        MemoryThrottle::new(ThrottlePolicy {
            failures_per_account: 3,
            attempts_per_address: 4,
            mails_per_account: 2,
            window: Duration::from_secs(60),
        })
    }

    #[test]
    fn failures_lock_one_account_from_one_address_until_the_window_passes() {
        let throttle = throttle();
        let start = Instant::now();
        for second in 0..3 {
            let now = start + Duration::from_secs(second);
            assert!(throttle.check_login("grace", CLIENT, now).is_ok());
            throttle.record_failed_login("grace", CLIENT, now);
        }
        let later = start + Duration::from_secs(10);
        assert_eq!(
            throttle.check_login("grace", CLIENT, later),
            Err(RetryAfter(Duration::from_secs(50)))
        );
        assert!(throttle.check_login("grace", OTHER_CLIENT, later).is_ok());
        assert!(throttle.check_login("alan", CLIENT, later).is_ok());
        let after_window = start + Duration::from_secs(61);
        assert!(throttle.check_login("grace", CLIENT, after_window).is_ok());
    }

    #[test]
    fn a_successful_login_resets_the_failures() {
        let throttle = throttle();
        let now = Instant::now();
        for _ in 0..3 {
            throttle.record_failed_login("grace", CLIENT, now);
        }
        throttle.record_successful_login("grace", CLIENT);
        assert!(throttle.check_login("grace", CLIENT, now).is_ok());
    }

    #[test]
    fn an_address_gets_a_bounded_number_of_attempts() {
        let throttle = throttle();
        let now = Instant::now();
        for _ in 0..4 {
            assert!(throttle.admit_attempt(CLIENT, now).is_ok());
        }
        assert!(throttle.admit_attempt(CLIENT, now).is_err());
        assert!(throttle.admit_attempt(OTHER_CLIENT, now).is_ok());
    }
}
