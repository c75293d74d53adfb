//! Where to go after logging in: only a path on this site, never another origin.

/// A same-site relative path such as `/profile` or `/profile?tab=1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextPath(String);

const MAX_LENGTH: usize = 2048;

impl NextPath {
    /// Accepts only absolute paths on this origin; `//host`, `/\host`, schemes,
    /// backslashes and control characters are refused (browsers treat several of
    /// them as a jump to another site).
    pub fn parse(raw: &str) -> Option<Self> {
        let safe = raw.len() <= MAX_LENGTH
            && raw.starts_with('/')
            && !raw.starts_with("//")
            && !raw.contains('\\')
            && !raw.chars().any(|c| c.is_control() || c.is_whitespace());
        safe.then(|| Self(raw.to_owned()))
    }

    /// The path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_path_is_kept() {
        assert_eq!(NextPath::parse("/profile").unwrap().as_str(), "/profile");
        assert!(NextPath::parse("/profile?tab=security").is_some());
    }

    #[test]
    fn anything_that_could_leave_the_site_is_ignored() {
        for raw in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "javascript:alert(1)",
            "profile",
            "/\tprofile",
            "",
        ] {
            assert_eq!(NextPath::parse(raw), None, "{raw:?} was accepted");
        }
    }
}
