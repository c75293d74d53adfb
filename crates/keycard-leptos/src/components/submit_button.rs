//! A form's submit button, busy while the request runs.

use leptos::prelude::*;

#[component]
pub fn SubmitButton(
    #[prop(into)] label: String,
    /// Shown instead of `label` while the request is pending.
    #[prop(into)]
    pending_label: String,
    #[prop(into)] pending: Signal<bool>,
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
            {move || if pending.get() { pending_label.clone() } else { label.clone() }}
        </button>
    }
}
