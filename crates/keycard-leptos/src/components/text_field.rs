//! A labelled input that shows when the form's error is about it.

use leptos::html::Input;
use leptos::prelude::*;

use crate::AuthFnError;
use keycard_types::Field;

#[component]
pub fn TextField(
    #[prop(into)] label: String,
    /// The form field name, which is also the server function argument.
    #[prop(into)]
    name: String,
    /// Which field this is, to highlight it when the error is about it.
    field: Field,
    #[prop(into, default = "text".to_owned())] input_type: String,
    #[prop(into)] autocomplete: String,
    /// The keyboard a phone shows, e.g. "numeric" for a code.
    #[prop(optional_no_strip)]
    inputmode: Option<String>,
    /// What to fill in at first, e.g. what was typed before a failed no-JS post.
    #[prop(optional, into)]
    value: String,
    #[prop(optional)] required: bool,
    /// A hint under the input, e.g. the rules for a new password.
    #[prop(optional_no_strip)]
    hint: Option<String>,
    /// A password or a code, which the page empties when the form is refused.
    #[prop(optional)]
    secret: bool,
    error: Signal<Option<AuthFnError>>,
    #[prop(optional)] node_ref: NodeRef<Input>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let hint_id = format!("{id}-hint");
    let invalid = move || error.get().and_then(AuthFnError::field) == Some(field);
    view! {
        <div class="field" class:invalid=invalid>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=input_type
                autocomplete=autocomplete
                inputmode=inputmode
                value=value
                required=required
                data-secret=secret.then_some("")
                aria-invalid=move || invalid().to_string()
                aria-describedby=hint.as_ref().map(|_| hint_id.clone())
                node_ref=node_ref
            />
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
        </div>
    }
}
