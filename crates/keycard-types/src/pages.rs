//! Where Keycard's pages live: one table for the router, the links between pages, the
//! redirects, the mailed links and the page guard.

/// One of Keycard's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Page {
    /// Log in with a name and password (or a passkey).
    Login,
    /// The second step of a login, for an account with two-step sign-in on.
    TwoStep,
    /// Create an account.
    Register,
    /// The signed-in user's account; where people land after signing in.
    Profile,
    /// The signed-in user's sessions, each of which can be ended.
    Sessions,
    /// The account's recent security events.
    Activity,
    /// Change the password.
    Password,
    /// Delete the account.
    DeleteAccount,
    /// Change the email address.
    Email,
    /// Turn two-step sign-in on and off.
    TwoFactor,
    /// List, add and remove passkeys.
    Passkeys,
    /// Ask for a password reset link.
    ForgotPassword,
    /// Choose a new password from a reset link.
    ResetPassword,
    /// Confirm an email address from a mailed link.
    VerifyEmail,
}

impl Page {
    /// Every page, in the order the router lists them.
    pub const ALL: [Page; 14] = [
        Page::Login,
        Page::TwoStep,
        Page::Register,
        Page::Profile,
        Page::Sessions,
        Page::Activity,
        Page::Password,
        Page::DeleteAccount,
        Page::Email,
        Page::TwoFactor,
        Page::Passkeys,
        Page::ForgotPassword,
        Page::ResetPassword,
        Page::VerifyEmail,
    ];

    /// The page's path below the pages' base, without a leading slash.
    pub const fn relative_path(self) -> &'static str {
        match self {
            Page::Login => "login",
            Page::TwoStep => "login/two-step",
            Page::Register => "register",
            Page::Profile => "profile",
            Page::Sessions => "sessions",
            Page::Activity => "activity",
            Page::Password => "password",
            Page::DeleteAccount => "delete-account",
            Page::Email => "email",
            Page::TwoFactor => "two-factor",
            Page::Passkeys => "passkeys",
            Page::ForgotPassword => "forgot-password",
            Page::ResetPassword => "reset-password",
            Page::VerifyEmail => "verify-email",
        }
    }

    /// Only a signed-in user may load the page: the guard sends anyone else to log in.
    pub const fn signed_in_only(self) -> bool {
        matches!(
            self,
            Page::Profile
                | Page::Sessions
                | Page::Activity
                | Page::Password
                | Page::DeleteAccount
                | Page::Email
                | Page::TwoFactor
                | Page::Passkeys
        )
    }

    /// The page must never be stored by a browser or proxy: it shows an account, or its
    /// address or cookie holds a mailed link's token or a login's challenge.
    pub const fn never_stored(self) -> bool {
        self.signed_in_only()
            || matches!(
                self,
                Page::ResetPassword | Page::VerifyEmail | Page::TwoStep
            )
    }
}

/// Where a site mounts Keycard's pages: at its root (`/login`, `/profile`, ...) or below
/// one path segment of its choosing (`/account/login`, ...).
///
/// ```
/// use keycard_types::{Page, Pages};
///
/// assert_eq!(Pages::ROOT.path(Page::TwoStep), "/login/two-step");
/// let pages = Pages::under("account");
/// assert_eq!(pages.path(Page::Profile), "/account/profile");
/// assert_eq!(pages.page_at("/account/profile"), Some(Page::Profile));
/// assert_eq!(pages.page_at("/profile"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Pages {
    segment: &'static str,
}

impl Pages {
    /// The pages at the site's root, as the Keycard app serves them.
    pub const ROOT: Pages = Pages { segment: "" };

    /// The pages below `/{segment}`.
    ///
    /// # Panics
    /// When `segment` is empty or holds anything but ASCII letters, digits, `-` and `_`
    /// (in a `const`, this stops the build instead).
    pub const fn under(segment: &'static str) -> Pages {
        let bytes = segment.as_bytes();
        assert!(!bytes.is_empty(), "a page segment cannot be empty");
        let mut index = 0;
        while index < bytes.len() {
            let byte = bytes[index];
            assert!(
                byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_',
                "a page segment is ASCII letters, digits, '-' and '_'"
            );
            index += 1;
        }
        Pages { segment }
    }

    /// The path segment the pages sit under; empty at the root.
    pub const fn segment(self) -> &'static str {
        self.segment
    }

    /// The absolute path of `page`.
    pub fn path(self, page: Page) -> String {
        if self.segment.is_empty() {
            format!("/{}", page.relative_path())
        } else {
            format!("/{}/{}", self.segment, page.relative_path())
        }
    }

    /// The absolute path of `page` with a query string, e.g. `?next=%2Fnotes`.
    pub fn path_with_query(self, page: Page, query: &str) -> String {
        format!("{}?{query}", self.path(page))
    }

    /// Which page, if any, is served at the absolute `path`.
    pub fn page_at(self, path: &str) -> Option<Page> {
        let relative = if self.segment.is_empty() {
            path.strip_prefix('/')?
        } else {
            path.strip_prefix('/')?
                .strip_prefix(self.segment)?
                .strip_prefix('/')?
        };
        Page::ALL
            .into_iter()
            .find(|page| page.relative_path() == relative)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_is_found_at_its_own_path_and_nowhere_else() {
        for pages in [Pages::ROOT, Pages::under("account")] {
            for page in Page::ALL {
                assert_eq!(pages.page_at(&pages.path(page)), Some(page));
                assert_eq!(pages.page_at(&format!("{}/", pages.path(page))), None);
            }
        }
        assert_eq!(Pages::under("account").page_at("/accountlogin"), None);
        assert_eq!(Pages::ROOT.page_at("login"), None);
    }

    #[test]
    fn every_signed_in_page_is_also_never_stored() {
        for page in Page::ALL {
            assert!(!page.signed_in_only() || page.never_stored(), "{page:?}");
        }
    }
}
