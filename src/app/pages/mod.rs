//! One component per route.

mod activity;
mod change_password;
mod delete_account;
mod home;
mod login;
mod not_found;
mod profile;
mod register;
mod sessions;

pub use activity::ActivityPage;
pub use change_password::ChangePasswordPage;
pub use delete_account::DeleteAccountPage;
pub use home::HomePage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use profile::ProfilePage;
pub use register::RegisterPage;
pub use sessions::SessionsPage;
