//! A labelled input that shows when the form's error is about it.

use leptos::html::Input;
use leptos::prelude::*;

use crate::AuthFnError;
use keycard_types::Field;

#[component]
pub fn TextField(
    label: &'static str,
    /// The form field name, which is also the server function argument.
    name: &'static str,
    /// Which field this is, to highlight it when the error is about it.
    field: Field,
    #[prop(default = "text")] input_type: &'static str,
    autocomplete: &'static str,
    /// The keyboard a phone shows, e.g. "numeric" for a code.
    #[prop(optional)]
    inputmode: Option<&'static str>,
    /// What to fill in at first, e.g. what was typed before a failed no-JS post.
    #[prop(optional, into)]
    value: String,
    #[prop(optional)] required: bool,
    /// A hint under the input, e.g. the rules for a new password.
    #[prop(optional, into)]
    hint: Option<String>,
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
                aria-invalid=move || invalid().to_string()
                aria-describedby=hint.as_ref().map(|_| hint_id.clone())
                node_ref=node_ref
            />
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
        </div>
    }
}

/// Empties the given password inputs whenever the form reports an error, as the
/// no-JavaScript path does by never sending passwords back.
pub fn clear_on_error<const N: usize>(
    error: Signal<Option<AuthFnError>>,
    inputs: [NodeRef<Input>; N],
) {
    Effect::new(move || {
        if error.get().is_some() {
            clear(&inputs);
        }
    });
}

/// Empties the given inputs once the form's action succeeds, when the page stays.
pub fn clear_on_success<T: 'static, E: 'static, const N: usize>(
    result: impl With<Value = Option<Result<T, E>>> + Send + Sync + 'static,
    inputs: [NodeRef<Input>; N],
) {
    Effect::new(move || {
        if result.with(|result| matches!(result, Some(Ok(_)))) {
            clear(&inputs);
        }
    });
}

fn clear(inputs: &[NodeRef<Input>]) {
    for input in inputs.iter().filter_map(NodeRef::get_untracked) {
        input.set_value("");
    }
}
