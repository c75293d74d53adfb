//! Where a site mounts the JSON API.

/// Where a site mounts the JSON API: `/api/v1` unless it says otherwise. The layers
/// read it from `KeycardServices` to tell API requests
/// (bearer tokens only, JSON errors) from the rest, and the OpenAPI document names its
/// paths below it.
///
/// ```
/// use keycard_axum::ApiPrefix;
///
/// let prefix = ApiPrefix::new("/auth/api");
/// assert!(prefix.contains("/auth/api/login"));
/// assert!(!prefix.contains("/auth/apis"));
/// assert_eq!(ApiPrefix::DEFAULT.as_str(), "/api/v1");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiPrefix(&'static str);

impl ApiPrefix {
    /// `/api/v1`, where Keycard's own app serves the API.
    pub const DEFAULT: ApiPrefix = ApiPrefix("/api/v1");

    /// The API below `prefix`, a path such as `/api/v1`.
    ///
    /// # Panics
    /// When `prefix` does not start with `/`, ends with `/` or is `/` alone (in a
    /// `const`, this stops the build instead).
    pub const fn new(prefix: &'static str) -> ApiPrefix {
        let bytes = prefix.as_bytes();
        assert!(
            bytes.len() > 1 && bytes[0] == b'/' && bytes[bytes.len() - 1] != b'/',
            "an API prefix starts with '/', does not end with one, and is not '/' alone"
        );
        ApiPrefix(prefix)
    }

    /// The prefix, for `Router::nest`.
    pub const fn as_str(self) -> &'static str {
        self.0
    }

    /// Whether a request path belongs to the API.
    pub fn contains(self, path: &str) -> bool {
        path.strip_prefix(self.0)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }
}

impl Default for ApiPrefix {
    fn default() -> Self {
        ApiPrefix::DEFAULT
    }
}
