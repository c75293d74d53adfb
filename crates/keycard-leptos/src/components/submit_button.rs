//! A form's submit button, busy while the request runs.

use leptos::prelude::*;

#[component]
pub fn SubmitButton(
    label: &'static str,
    /// Shown instead of `label` while the request is pending.
    pending_label: &'static str,
    pending: Memo<bool>,
    #[prop(optional)] secondary: bool,
    /// For an action that destroys something.
    #[prop(optional)]
    danger: bool,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            class="button"
            class:secondary=secondary
            class:danger=danger
            disabled=move || pending.get()
            aria-busy=move || pending.get().to_string()
        >
            {move || if pending.get() { pending_label } else { label }}
        </button>
    }
}
