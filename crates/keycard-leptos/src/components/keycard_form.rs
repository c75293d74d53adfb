//! Every Keycard form that posts to a server function, as one island: the page
//! describes the form ([`Form`]) as the server renders it, and the browser runs the one
//! piece of code all forms share, so the wasm holds a single form rather than one per
//! page.
//!
//! Without JavaScript it is a plain form posting to the server function, which sends
//! the browser on (or back with the error in the address). With JavaScript the island
//! posts it itself: the button shows that it is busy, a refusal shows in place (the
//! passwords emptied, the field it is about marked), and the server function's
//! redirect moves the page as a link would.

use leptos::html::Form as FormElement;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{FormAlert, SubmitButton, TextField};
use crate::AuthFnError;
use keycard_types::Field;

/// A form: where it posts, what it sends, and what it shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Form {
    action: String,
    hidden: Vec<(String, String)>,
    inputs: Vec<Input>,
    submit: String,
    pending: String,
    style: ButtonStyle,
    error: Option<AuthFnError>,
}

/// How the submit button looks.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
enum ButtonStyle {
    #[default]
    Primary,
    Secondary,
    Danger,
}

impl Form {
    /// A form posting to the server function at `action`, sent with a button that says
    /// `submit`, and `pending` while the request runs.
    pub fn new(action: &str, submit: &str, pending: &str) -> Self {
        Self {
            action: action.to_owned(),
            hidden: Vec::new(),
            inputs: Vec::new(),
            submit: submit.to_owned(),
            pending: pending.to_owned(),
            style: ButtonStyle::Primary,
            error: None,
        }
    }

    /// Sends `value` as `name` without showing it.
    pub fn hidden(mut self, name: &str, value: &str) -> Self {
        self.hidden.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds an input under the last one.
    pub fn input(mut self, input: Input) -> Self {
        self.inputs.push(input);
        self
    }

    /// A quieter button, for a form beside the page's main one.
    pub fn secondary(mut self) -> Self {
        self.style = ButtonStyle::Secondary;
        self
    }

    /// A button that warns: the form destroys something.
    pub fn danger(mut self) -> Self {
        self.style = ButtonStyle::Danger;
        self
    }

    /// Shows `error` (what a refused no-JavaScript post came back with) until the form
    /// is sent again.
    pub fn error(mut self, error: Option<AuthFnError>) -> Self {
        self.error = error;
        self
    }
}

/// One labelled input of a [`Form`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Input {
    label: String,
    name: String,
    field: Field,
    input_type: String,
    autocomplete: String,
    inputmode: Option<String>,
    value: String,
    required: bool,
    hint: Option<String>,
    secret: bool,
}

impl Input {
    /// A text input called `name` (the server function's argument), labelled `label`;
    /// an error about `field` marks it.
    pub fn text(label: &str, name: &str, field: Field, autocomplete: &str) -> Self {
        Self {
            label: label.to_owned(),
            name: name.to_owned(),
            field,
            input_type: "text".to_owned(),
            autocomplete: autocomplete.to_owned(),
            inputmode: None,
            value: String::new(),
            required: false,
            hint: None,
            secret: false,
        }
    }

    /// A required password input, emptied when the form is refused.
    pub fn password(label: &str, name: &str, field: Field, autocomplete: &str) -> Self {
        Self {
            input_type: "password".to_owned(),
            required: true,
            secret: true,
            ..Self::text(label, name, field, autocomplete)
        }
    }

    /// "Password": the account's current password, asked for again.
    pub fn current_password() -> Self {
        Self::password("Password", "password", Field::Password, "current-password")
    }

    /// A required one-time code: a phone shows digits for it unless `digits` is false,
    /// and it is emptied when the form is refused, as it cannot be used twice.
    pub fn code(label: &str, name: &str, field: Field, autocomplete: &str, digits: bool) -> Self {
        Self {
            inputmode: digits.then(|| "numeric".to_owned()),
            required: true,
            secret: true,
            ..Self::text(label, name, field, autocomplete)
        }
    }

    /// An email address input.
    pub fn email(mut self) -> Self {
        self.input_type = "email".to_owned();
        self
    }

    /// Filled in with `value` at first (what a refused no-JavaScript post typed).
    pub fn value(mut self, value: String) -> Self {
        self.value = value;
        self
    }

    /// The form cannot be sent without it.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// A line of help under the input.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// A [`Form`] on the page.
#[island]
pub fn KeycardForm(form: Form) -> impl IntoView {
    let Form {
        action,
        hidden,
        inputs,
        submit,
        pending: pending_label,
        style,
        error: redirected,
    } = form;
    let element = NodeRef::<FormElement>::new();
    let pending = RwSignal::new(false);
    let answer = RwSignal::new(None::<Option<AuthFnError>>);
    let error = Signal::derive(move || answer.get().unwrap_or(redirected));
    let on_submit = {
        let action = action.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            if pending.get_untracked() {
                return;
            }
            let Some(form) = element.get_untracked() else {
                return;
            };
            pending.set(true);
            let action = action.clone();
            leptos::task::spawn_local(async move {
                let outcome = browser::post(&action, &form).await;
                match outcome {
                    Posted::MovedOn => {}
                    Posted::Refused(refusal) => {
                        browser::empty_secret_inputs(&form);
                        answer.set(Some(Some(refusal)));
                        pending.set(false);
                    }
                    Posted::Done => {
                        answer.set(Some(None));
                        pending.set(false);
                    }
                }
            });
        }
    };
    let hidden = hidden
        .into_iter()
        .map(|(name, value)| view! { <input type="hidden" name=name value=value/> })
        .collect_view();
    let inputs = inputs
        .into_iter()
        .map(|input| {
            view! {
                <TextField label=input.label name=input.name field=input.field
                    input_type=input.input_type autocomplete=input.autocomplete
                    inputmode=input.inputmode value=input.value required=input.required
                    hint=input.hint secret=input.secret error/>
            }
        })
        .collect_view();
    view! {
        <form action=action method="post" node_ref=element on:submit=on_submit>
            <FormAlert error/>
            {hidden}
            {inputs}
            <SubmitButton label=submit pending_label pending
                secondary=matches!(style, ButtonStyle::Secondary)
                danger=matches!(style, ButtonStyle::Danger)/>
        </form>
    }
}

/// What came of a post. Only the browser posts, so the server's build makes none.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Posted {
    /// The server function sent the page on; it is on its way.
    MovedOn,
    /// The form was refused.
    Refused(AuthFnError),
    /// It went through, and the page stays.
    Done,
}

/// The browser's half: posting the form to its server function.
#[cfg(feature = "hydrate")]
mod browser {
    use leptos::server_fn::error::FromServerFnError as _;
    use leptos::server_fn::redirect::REDIRECT_HEADER;
    use wasm_bindgen::{JsCast as _, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        FormData, Headers, HtmlFormElement, HtmlInputElement, RequestInit, Response,
        UrlSearchParams,
    };

    use super::Posted;
    use crate::AuthFnError;

    /// Posts `form` to `action` as the server function's own client would: the
    /// fields URL-encoded, asking for JSON, so the function answers with its error or
    /// a redirect to follow rather than with a page.
    pub async fn post(action: &str, form: &HtmlFormElement) -> Posted {
        match send(action, form).await {
            Ok(response) => read(response).await,
            Err(_) => Posted::Refused(AuthFnError::Unreachable),
        }
    }

    async fn send(action: &str, form: &HtmlFormElement) -> Result<Response, JsValue> {
        let form_data = FormData::new_with_form(form)?;
        let fields = UrlSearchParams::new_with_str_sequence_sequence(&form_data)?;
        let headers = Headers::new()?;
        headers.set("Content-Type", "application/x-www-form-urlencoded")?;
        headers.set("Accept", "application/json")?;
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_headers(&headers);
        init.set_body(&fields);
        let window = web_sys::window().ok_or(JsValue::NULL)?;
        JsFuture::from(window.fetch_with_str_and_init(action, &init))
            .await?
            .dyn_into::<Response>()
    }

    async fn read(response: Response) -> Posted {
        let headers = response.headers();
        if headers.has(REDIRECT_HEADER).unwrap_or(false)
            && let Ok(Some(location)) = headers.get("Location")
        {
            crate::islands::click_link_to(&location);
            return Posted::MovedOn;
        }
        if response.ok() {
            return Posted::Done;
        }
        let body = match response.text() {
            Ok(text) => JsFuture::from(text)
                .await
                .ok()
                .and_then(|text| text.as_string()),
            Err(_) => None,
        };
        Posted::Refused(AuthFnError::de(body.unwrap_or_default().into()))
    }

    /// Empties the passwords and codes, as the no-JavaScript path does by never sending
    /// them back.
    pub fn empty_secret_inputs(form: &HtmlFormElement) {
        let Ok(secrets) = form.query_selector_all("input[data-secret]") else {
            return;
        };
        for index in 0..secrets.length() {
            if let Some(input) = secrets
                .item(index)
                .and_then(|node| node.dyn_into::<HtmlInputElement>().ok())
            {
                input.set_value("");
            }
        }
    }
}

/// Only the browser posts a form itself; the server's build renders it and never runs
/// its handler.
#[cfg(not(feature = "hydrate"))]
mod browser {
    use leptos::web_sys::HtmlFormElement;

    use super::Posted;
    use crate::AuthFnError;

    pub async fn post(_action: &str, _form: &HtmlFormElement) -> Posted {
        Posted::Refused(AuthFnError::Unreachable)
    }

    pub fn empty_secret_inputs(_form: &HtmlFormElement) {}
}
