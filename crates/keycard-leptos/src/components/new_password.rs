//! The two inputs that set a password on an existing account: "New password", with
//! the sign-up rule under it, and "Confirm new password".

use super::{Form, Input};
use keycard_types::{Field, password_rule};

/// `form` with the new password's two inputs added.
pub fn new_password(form: Form) -> Form {
    form.input(
        Input::password(
            "New password",
            "new_password",
            Field::Password,
            "new-password",
        )
        .hint(password_rule()),
    )
    .input(Input::password(
        "Confirm new password",
        "confirm_new_password",
        Field::ConfirmPassword,
        "new-password",
    ))
}
