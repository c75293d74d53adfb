//! Brute-force limits: failed logins per account and client network, second-step codes
//! per account whatever the network, attempts per network, and mails per account and per
//! recipient. Where the counts live is the store's choice ([`Store::throttle`]): in this
//! process's memory when it is the only one (a restart forgetting them costs an
//! attacker a restart they cannot trigger), in the shared database when several
//! processes serve one site, so N processes do not allow N times the attempts.
//!
//! Every limit on tries is a reservation: taking a try and counting it is one atomic
//! step, so requests sent at the same moment cannot all pass a check before any of them
//! is counted. A success gives its try back.
//!
//! [`Store::throttle`]: super::store::Store::throttle

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::error::AuthError;
pub use super::error::RetryAfter;

/// Above this many tracked keys, stale ones are swept on the next write, so a flood
/// of distinct names or addresses cannot grow memory without bound.
const SWEEP_ABOVE_KEYS: usize = 10_000;

/// The longest window the limits may be configured with.
pub const MAX_THROTTLE_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// The window of the limit on verification mails to one address.
pub const RECIPIENT_MAIL_WINDOW: Duration = Duration::from_secs(60 * 60);

/// How many attempts are allowed, and over which sliding window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failed logins for one username from one network before further tries are refused.
    pub failures_per_account: u32,
    /// Wrong second-step codes (or recovery codes) for one account from every network
    /// together: an attacker who has the password and many addresses still gets only
    /// this many guesses at a one-in-a-million code per window (NIST SP 800-63B 5.2.2).
    pub code_failures_per_account: u32,
    /// Logins and sign-ups from one network, successful or not.
    pub attempts_per_address: u32,
    /// Mails of one kind for one account (or one name typed into "Forgot your
    /// password?"), whatever the addresses asking, so nobody can flood an inbox.
    pub mails_per_account: u32,
    /// Verification mails to one address within [`RECIPIENT_MAIL_WINDOW`], whichever
    /// accounts ask, so throwaway accounts cannot flood a stranger's inbox.
    pub verification_mails_per_recipient: u32,
    /// How long each count lasts.
    pub window: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            failures_per_account: 5,
            code_failures_per_account: 20,
            attempts_per_address: 100,
            mails_per_account: 3,
            verification_mails_per_recipient: 5,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// The network an address-based limit counts `client` in: an IPv4 address alone, an
/// IPv6 client by its /64, since one subscriber is routinely given a whole /64 and
/// could otherwise take a fresh address for every try.
pub fn client_network(client: IpAddr) -> IpAddr {
    match client {
        IpAddr::V4(_) => client,
        IpAddr::V6(address) => match address.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from_bits(
                address.to_bits() & !u128::from(u64::MAX),
            )),
        },
    }
}

/// How long a try refused only because the account's tries from that network are all
/// taken by requests still being checked waits for them to finish: a right password
/// gives its try back (and the rest with it), so simultaneous right logins all get in,
/// while simultaneous wrong ones still get no more checks than the limit.
const IN_FLIGHT_SETTLE: Duration = Duration::from_secs(2);
const IN_FLIGHT_POLL: Duration = Duration::from_millis(50);

/// Takes one of the tries `account_key` has from `client` through `throttle`. When all
/// of them were taken within the last [`IN_FLIGHT_SETTLE`] (requests that may still be
/// being checked), it waits for them to settle before refusing, up to that long.
pub(super) async fn reserve_login_try_settling(
    throttle: &dyn Throttle,
    account_key: &str,
    client: IpAddr,
) -> Result<(), AuthError> {
    let window = throttle.window();
    let deadline = tokio::time::Instant::now() + IN_FLIGHT_SETTLE;
    loop {
        match throttle.reserve_login_try(account_key, client).await {
            // The oldest try counted is younger than the settling time, so every one
            // may still be in flight; and the refusal would outlast the wait (a lock
            // about to lapse is simply reported).
            Err(AuthError::Throttled(RetryAfter(wait)))
                if wait + IN_FLIGHT_SETTLE > window
                    && wait > IN_FLIGHT_SETTLE
                    && tokio::time::Instant::now() + IN_FLIGHT_POLL < deadline =>
            {
                tokio::time::sleep(IN_FLIGHT_POLL).await;
            }
            answer => return answer,
        }
    }
}

/// The login and sign-up limits, wherever their counts are kept. Each method answers
/// [`AuthError::Throttled`] when the limit is reached, and [`AuthError::Unavailable`]
/// when the counts cannot be read or written, so an attempt is never let through
/// uncounted. Addresses are counted by [`client_network`].
#[async_trait::async_trait]
pub trait Throttle: Send + Sync {
    /// The sliding window of the per-account and per-address limits.
    fn window(&self) -> Duration;
    /// Counts one login or sign-up from `client`, refusing it once the network has used
    /// up its attempts.
    async fn admit_attempt(&self, client: IpAddr) -> Result<(), AuthError>;
    /// Takes one of the tries `account_key` has from `client`, counted as failed unless
    /// [`Throttle::record_successful_login`] follows; refused once they are used up.
    async fn reserve_login_try(&self, account_key: &str, client: IpAddr) -> Result<(), AuthError>;
    /// A successful login wipes the account's failures from that network, its own
    /// reserved try among them.
    async fn record_successful_login(
        &self,
        account_key: &str,
        client: IpAddr,
    ) -> Result<(), AuthError>;
    /// Takes one of the second-step tries `account_key` has from every network
    /// together, counted as failed unless [`Throttle::give_back_code_try`] follows.
    /// Says how many tries are left after this one.
    async fn reserve_code_try(&self, account_key: &str) -> Result<u32, AuthError>;
    /// Returns the try of a right code.
    async fn give_back_code_try(&self, account_key: &str) -> Result<(), AuthError>;
    /// Counts one mail asked for under `mail_key`, refusing it once the key has had its
    /// share in the window.
    async fn admit_mail(&self, mail_key: &str) -> Result<(), AuthError>;
    /// Counts one verification mail to the address `recipient_key` names, refusing it
    /// once the address has had its share in [`RECIPIENT_MAIL_WINDOW`].
    async fn admit_mail_to(&self, recipient_key: &str) -> Result<(), AuthError>;
}

#[async_trait::async_trait]
impl Throttle for MemoryThrottle {
    fn window(&self) -> Duration {
        self.account_failures.window
    }

    async fn admit_attempt(&self, client: IpAddr) -> Result<(), AuthError> {
        MemoryThrottle::admit_attempt(self, client, Instant::now()).map_err(AuthError::Throttled)
    }

    async fn reserve_login_try(&self, account_key: &str, client: IpAddr) -> Result<(), AuthError> {
        MemoryThrottle::reserve_login_try(self, account_key, client, Instant::now())
            .map_err(AuthError::Throttled)
    }

    async fn record_successful_login(
        &self,
        account_key: &str,
        client: IpAddr,
    ) -> Result<(), AuthError> {
        MemoryThrottle::record_successful_login(self, account_key, client);
        Ok(())
    }

    async fn reserve_code_try(&self, account_key: &str) -> Result<u32, AuthError> {
        let left = self
            .code_failures
            .record_if_allowed(account_key.to_owned(), Instant::now())
            .map_err(AuthError::Throttled)?;
        Ok(u32::try_from(left).unwrap_or(u32::MAX))
    }

    async fn give_back_code_try(&self, account_key: &str) -> Result<(), AuthError> {
        self.code_failures.give_back_one(&account_key.to_owned());
        Ok(())
    }

    async fn admit_mail(&self, mail_key: &str) -> Result<(), AuthError> {
        self.mails
            .record_if_allowed(mail_key.to_owned(), Instant::now())
            .map(drop)
            .map_err(AuthError::Throttled)
    }

    async fn admit_mail_to(&self, recipient_key: &str) -> Result<(), AuthError> {
        self.recipient_mails
            .record_if_allowed(recipient_key.to_owned(), Instant::now())
            .map(drop)
            .map_err(AuthError::Throttled)
    }
}

/// The limits of one process, counted in its memory.
pub struct MemoryThrottle {
    account_failures: SlidingWindow<(String, IpAddr)>,
    code_failures: SlidingWindow<String>,
    address_attempts: SlidingWindow<IpAddr>,
    mails: SlidingWindow<String>,
    recipient_mails: SlidingWindow<String>,
}

impl MemoryThrottle {
    /// Counts kept in this process's memory, under `policy`.
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self {
            account_failures: SlidingWindow::new(policy.failures_per_account, policy.window),
            code_failures: SlidingWindow::new(policy.code_failures_per_account, policy.window),
            address_attempts: SlidingWindow::new(policy.attempts_per_address, policy.window),
            mails: SlidingWindow::new(policy.mails_per_account, policy.window),
            recipient_mails: SlidingWindow::new(
                policy.verification_mails_per_recipient,
                RECIPIENT_MAIL_WINDOW,
            ),
        }
    }

    /// Counts one login or sign-up from `client`, refusing it once the network has used
    /// up its attempts.
    pub fn admit_attempt(&self, client: IpAddr, now: Instant) -> Result<(), RetryAfter> {
        self.address_attempts
            .record_if_allowed(client_network(client), now)
            .map(drop)
    }

    /// Takes one of the tries `account_key` has from `client`'s network, in one step.
    pub fn reserve_login_try(
        &self,
        account_key: &str,
        client: IpAddr,
        now: Instant,
    ) -> Result<(), RetryAfter> {
        self.account_failures
            .record_if_allowed((account_key.to_owned(), client_network(client)), now)
            .map(drop)
    }

    /// A successful login wipes the account's failures from that network.
    pub fn record_successful_login(&self, account_key: &str, client: IpAddr) {
        self.account_failures
            .forget(&(account_key.to_owned(), client_network(client)));
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

    /// Records an event for `key` unless the window is full, under one lock: the check
    /// and the count cannot be separated by a racing caller. Says how many events the
    /// window has room for after this one.
    fn record_if_allowed(&self, key: K, now: Instant) -> Result<usize, RetryAfter> {
        let mut events = self.lock();
        self.sweep_if_large(&mut events, now);
        let times = events.entry(key).or_default();
        self.refuse_if_full(times, now)?;
        times.push_back(now);
        Ok(self.limit - times.len())
    }

    /// Takes back the newest event of `key`.
    fn give_back_one(&self, key: &K) {
        if let Some(times) = self.lock().get_mut(key) {
            times.pop_back();
        }
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
            ..ThrottlePolicy::default()
        })
    }

    #[test]
    fn failures_lock_one_account_from_one_address_until_the_window_passes() {
        let throttle = throttle();
        let start = Instant::now();
        for second in 0..3 {
            let now = start + Duration::from_secs(second);
            assert!(throttle.reserve_login_try("grace", CLIENT, now).is_ok());
        }
        let later = start + Duration::from_secs(10);
        assert_eq!(
            throttle.reserve_login_try("grace", CLIENT, later),
            Err(RetryAfter(Duration::from_secs(50)))
        );
        assert!(
            throttle
                .reserve_login_try("grace", OTHER_CLIENT, later)
                .is_ok()
        );
        assert!(throttle.reserve_login_try("alan", CLIENT, later).is_ok());
        let after_window = start + Duration::from_secs(61);
        assert!(
            throttle
                .reserve_login_try("grace", CLIENT, after_window)
                .is_ok()
        );
    }

    #[test]
    fn a_successful_login_gives_the_tries_back() {
        let throttle = throttle();
        let now = Instant::now();
        for _ in 0..3 {
            throttle.reserve_login_try("grace", CLIENT, now).unwrap();
        }
        throttle.record_successful_login("grace", CLIENT);
        assert!(throttle.reserve_login_try("grace", CLIENT, now).is_ok());
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

    #[test]
    fn ipv6_clients_are_counted_by_their_64_and_mapped_ipv4_as_ipv4() {
        let address = |text: &str| text.parse::<IpAddr>().unwrap();
        assert_eq!(
            client_network(address("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            address("2001:db8:1:2::")
        );
        assert_eq!(client_network(address("::ffff:192.0.2.1")), CLIENT);
        assert_eq!(client_network(CLIENT), CLIENT);

        let throttle = throttle();
        let now = Instant::now();
        for host in 1..=3 {
            let client = address(&format!("2001:db8:1:2::{host}"));
            assert!(throttle.reserve_login_try("grace", client, now).is_ok());
        }
        assert!(
            throttle
                .reserve_login_try("grace", address("2001:db8:1:2:ffff::9"), now)
                .is_err()
        );
        assert!(
            throttle
                .reserve_login_try("grace", address("2001:db8:1:3::1"), now)
                .is_ok()
        );
    }

    #[tokio::test]
    async fn code_tries_are_counted_per_account_and_a_right_code_gives_its_try_back() {
        let throttle = MemoryThrottle::new(ThrottlePolicy {
            code_failures_per_account: 3,
            ..ThrottlePolicy::default()
        });
        assert_eq!(throttle.reserve_code_try("grace").await.unwrap(), 2);
        throttle.give_back_code_try("grace").await.unwrap();
        assert_eq!(throttle.reserve_code_try("grace").await.unwrap(), 2);
        assert_eq!(throttle.reserve_code_try("grace").await.unwrap(), 1);
        assert_eq!(throttle.reserve_code_try("grace").await.unwrap(), 0);
        assert!(matches!(
            throttle.reserve_code_try("grace").await,
            Err(AuthError::Throttled(_))
        ));
        assert_eq!(throttle.reserve_code_try("alan").await.unwrap(), 2);
    }
}
