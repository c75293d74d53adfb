//! What the API takes, with OpenAPI schemas built from the very constants the credential
//! parsers use (`keycard_core::domain`), so the document cannot say other than the server does.

use serde::Deserialize;
use serde_json::json;
use utoipa::openapi::schema::{
    AllOfBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use keycard_core::auth::{
    LINK_TOKEN_LENGTH, LINK_TOKEN_PATTERN, REFRESH_TOKEN_LENGTH, REFRESH_TOKEN_PATTERN,
};
use keycard_core::domain::{
    EMAIL_LOCAL_PART_PATTERN, EMAIL_MAX_LENGTH, EMAIL_PATTERN, PASSWORD_LENGTH,
    RECOVERY_CODE_PATTERN, TOTP_CODE_PATTERN, USERNAME_LENGTH, USERNAME_PATTERN, password_rule,
    username_rule,
};

/// What `POST /api/v1/register` takes. The fields are optional here only so that a
/// missing one gets the contract's own message rather than a parse error; the document
/// marks username and password as required.
#[derive(Debug, Deserialize)]
pub struct RegisterRequest {
    pub username: Option<String>,
    pub password: Option<String>,
    pub email: Option<String>,
}

/// What `POST /api/v1/login` takes.
#[derive(Debug, Deserialize)]
pub struct LoginRequest {
    pub username: Option<String>,
    pub password: Option<String>,
}

/// What `POST /api/v1/password` takes.
#[derive(Debug, Deserialize)]
pub struct PasswordChangeRequest {
    pub current_password: Option<String>,
    pub new_password: Option<String>,
}

/// What `DELETE /api/v1/user` takes.
#[derive(Debug, Deserialize)]
pub struct DeleteAccountRequest {
    pub password: Option<String>,
}

/// What `POST /api/v1/refresh` takes.
#[derive(Debug, Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: Option<String>,
}

impl PartialSchema for RefreshRequest {
    fn schema() -> RefOr<Schema> {
        let token = ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(REFRESH_TOKEN_LENGTH))
            .max_length(Some(REFRESH_TOKEN_LENGTH))
            .pattern(Some(REFRESH_TOKEN_PATTERN))
            .description(Some(
                "The refresh token from the last login or refresh. Each one works once.",
            ));
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("refresh_token", token)
            .required("refresh_token")
            .into()
    }
}

impl ToSchema for RefreshRequest {}

/// What `POST /api/v1/password/forgot` takes.
#[derive(Debug, Deserialize)]
pub struct ForgotPasswordRequest {
    pub login: Option<String>,
}

/// What `POST /api/v1/password/reset` takes.
#[derive(Debug, Deserialize)]
pub struct ResetPasswordRequest {
    pub token: Option<String>,
    pub new_password: Option<String>,
}

/// What `POST /api/v1/email/verify` takes.
#[derive(Debug, Deserialize)]
pub struct VerifyEmailRequest {
    pub token: Option<String>,
}

impl PartialSchema for ForgotPasswordRequest {
    fn schema() -> RefOr<Schema> {
        let login = ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(EMAIL_MAX_LENGTH))
            .description(Some(
                "The account's username, or its email address. Input that is neither                  matches no account and gets the same answer.",
            ))
            .examples([json!("ada"), json!("ada@example.com")]);
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("login", login)
            .required("login")
            .into()
    }
}

impl ToSchema for ForgotPasswordRequest {}

/// The token of a mailed link, as the link carries it.
fn link_token_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(LINK_TOKEN_LENGTH))
        .max_length(Some(LINK_TOKEN_LENGTH))
        .pattern(Some(LINK_TOKEN_PATTERN))
        .description(Some(
            "The `token` parameter of the mailed link. Each works once, until it expires.",
        ))
}

impl PartialSchema for ResetPasswordRequest {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("token", link_token_schema())
            .property("new_password", Ref::from_schema_name(PASSWORD))
            .required("token")
            .required("new_password")
            .into()
    }
}

impl ToSchema for ResetPasswordRequest {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.extend(credential_schemas());
    }
}

impl PartialSchema for VerifyEmailRequest {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("token", link_token_schema())
            .required("token")
            .into()
    }
}

impl ToSchema for VerifyEmailRequest {}

const USERNAME: &str = "Username";
const PASSWORD: &str = "Password";
const EMAIL: &str = "Email";

impl PartialSchema for RegisterRequest {
    fn schema() -> RefOr<Schema> {
        request_schema(
            None,
            &[
                ("username", USERNAME),
                ("password", PASSWORD),
                ("email", EMAIL),
            ],
        )
    }
}

impl ToSchema for RegisterRequest {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.extend(credential_schemas());
    }
}

impl PartialSchema for LoginRequest {
    fn schema() -> RefOr<Schema> {
        request_schema(
            Some(
                "A username or password that breaks the registration rules cannot belong to \
                 an account, and is answered 401 like any other wrong one.",
            ),
            &[("username", USERNAME), ("password", PASSWORD)],
        )
    }
}

impl ToSchema for LoginRequest {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.extend(credential_schemas());
    }
}

impl PartialSchema for PasswordChangeRequest {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "A current password that breaks the registration rules cannot be the \
                 account's, and is answered 401 like any other wrong one.",
            ))
            .property("current_password", Ref::from_schema_name(PASSWORD))
            .property("new_password", Ref::from_schema_name(PASSWORD))
            .required("current_password")
            .required("new_password")
            .into()
    }
}

impl ToSchema for PasswordChangeRequest {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.extend(credential_schemas());
    }
}

impl PartialSchema for DeleteAccountRequest {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("password", Ref::from_schema_name(PASSWORD))
            .required("password")
            .into()
    }
}

impl ToSchema for DeleteAccountRequest {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.extend(credential_schemas());
    }
}

/// What `POST /api/v1/two-factor` takes.
#[derive(Debug, Deserialize)]
pub struct BeginTwoFactorRequest {
    pub password: Option<String>,
}

/// What `POST /api/v1/two-factor/confirm` takes.
#[derive(Debug, Deserialize)]
pub struct ConfirmTwoFactorRequest {
    pub password: Option<String>,
    pub code: Option<String>,
}

/// What `DELETE /api/v1/two-factor` takes.
#[derive(Debug, Deserialize)]
pub struct DisableTwoFactorRequest {
    pub password: Option<String>,
    pub code: Option<String>,
}

/// What `POST /api/v1/login/two-factor` takes.
#[derive(Debug, Deserialize)]
pub struct TwoStepLoginRequest {
    pub mfa_token: Option<String>,
    pub code: Option<String>,
    pub recovery_code: Option<String>,
}

fn totp_code_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(TOTP_CODE_PATTERN))
        .description(Some(
            "The 6-digit code the authenticator app shows now; spaces and dashes are              ignored. Each code works once.",
        ))
        .examples([json!("123456")])
}

impl PartialSchema for BeginTwoFactorRequest {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("password", Ref::from_schema_name(PASSWORD))
            .required("password")
            .into()
    }
}

impl ToSchema for BeginTwoFactorRequest {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.extend(credential_schemas());
    }
}

/// The password asked again, with a current code.
fn password_and_code_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("password", Ref::from_schema_name(PASSWORD))
        .property("code", totp_code_schema())
        .required("password")
        .required("code")
        .into()
}

impl PartialSchema for ConfirmTwoFactorRequest {
    fn schema() -> RefOr<Schema> {
        password_and_code_schema()
    }
}

impl ToSchema for ConfirmTwoFactorRequest {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.extend(credential_schemas());
    }
}

impl PartialSchema for DisableTwoFactorRequest {
    fn schema() -> RefOr<Schema> {
        password_and_code_schema()
    }
}

impl ToSchema for DisableTwoFactorRequest {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.extend(credential_schemas());
    }
}

impl PartialSchema for TwoStepLoginRequest {
    fn schema() -> RefOr<Schema> {
        let token = ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .description(Some("The `mfa_token` of the login's 401 answer."));
        let recovery_code = ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(RECOVERY_CODE_PATTERN))
            .description(Some(
                "One of the recovery codes shown when two-step sign-in was turned on,                  e.g. `k7mq2-x9pfa`; each works once.",
            ));
        let fields = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("mfa_token", token)
            .property("code", totp_code_schema())
            .property("recovery_code", recovery_code)
            .required("mfa_token");
        // Exactly one of the two answers.
        let one_answer = OneOfBuilder::new()
            .item(ObjectBuilder::new().required("code"))
            .item(ObjectBuilder::new().required("recovery_code"));
        AllOfBuilder::new().item(fields).item(one_answer).into()
    }
}

impl ToSchema for TwoStepLoginRequest {}

/// An object of credential fields, each a reference to its named schema; username and
/// password are required.
fn request_schema(description: Option<&str>, fields: &[(&str, &str)]) -> RefOr<Schema> {
    let object = fields.iter().fold(
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(description),
        |object, (field, schema)| object.property(*field, Ref::from_schema_name(*schema)),
    );
    object.required("username").required("password").into()
}

/// The named schemas of the three credentials.
fn credential_schemas() -> [(String, RefOr<Schema>); 3] {
    let username = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(*USERNAME_LENGTH.start()))
        .max_length(Some(*USERNAME_LENGTH.end()))
        .pattern(Some(USERNAME_PATTERN))
        .description(Some(format!(
            "{}, of any script, exactly as given. Two names are one account when they differ \
             only by letter case, Unicode compatibility form (NFKC) or invisible characters.",
            username_rule()
        )))
        .examples([json!("ada")]);
    let password = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(*PASSWORD_LENGTH.start()))
        .max_length(Some(*PASSWORD_LENGTH.end()))
        .description(Some(format!(
            "{} and at most {}, any Unicode, never trimmed or truncated. Registration refuses \
             the most common passwords with 422.",
            password_rule(),
            PASSWORD_LENGTH.end()
        )))
        .examples([json!("correct horse battery staple")]);
    // Absent, null and "" all mean "no email". The structure and the 64-character local
    // part are two patterns because neither alone can say both.
    let email = AllOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                .max_length(Some(EMAIL_MAX_LENGTH))
                .pattern(Some(format!("^$|{EMAIL_PATTERN}"))),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(SchemaType::AnyValue)
                .pattern(Some(format!("^$|{EMAIL_LOCAL_PART_PATTERN}"))),
        )
        .description(Some(
            "Optional; register only. A dot-atom local part of at most 64 characters, `@`, and \
             a domain of two or more labels.",
        ))
        .examples([json!("ada@example.com")]);
    [
        (USERNAME.to_owned(), username.into()),
        (PASSWORD.to_owned(), password.into()),
        (EMAIL.to_owned(), email.into()),
    ]
}
