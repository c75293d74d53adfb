//! The app's own private page: notes only their writer sees.

use keycard_leptos::AuthFnError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// The longest note kept, in characters.
pub const MAX_NOTE_CHARS: usize = 1000;

/// Every user's notes, in memory: they last as long as the process.
#[cfg(feature = "ssr")]
#[derive(Default)]
pub struct Notes(std::sync::Mutex<std::collections::HashMap<i64, Vec<String>>>);

#[cfg(feature = "ssr")]
impl Notes {
    /// The notes `writer` wrote, oldest first.
    pub fn of(&self, writer: keycard_core::auth::UserId) -> Vec<String> {
        let notes = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        notes.get(&writer.0).cloned().unwrap_or_default()
    }

    /// Keeps `text` as `writer`'s newest note.
    pub fn add(&self, writer: keycard_core::auth::UserId, text: String) {
        let mut notes = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        notes.entry(writer.0).or_default().push(text);
    }
}

/// The notes, which the server put in the context of every request.
#[cfg(feature = "ssr")]
fn notes(
    request: &keycard_leptos::server::FnRequest,
) -> Result<std::sync::Arc<Notes>, AuthFnError> {
    use_context::<std::sync::Arc<Notes>>().ok_or_else(|| {
        request.reject_public(keycard_axum::internal_error(
            "the notes are missing from the server function context".to_owned(),
        ))
    })
}

/// The signed-in user's notes, oldest first.
#[server(endpoint = "notes_list")]
pub async fn list_notes() -> Result<Vec<String>, AuthFnError> {
    use keycard_leptos::server::FnRequest;

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    Ok(notes(&request)?.of(session.user.id))
}

/// "Save note": keeps the note for its writer and goes back to the list.
#[server(endpoint = "notes_add")]
pub async fn add_note(
    /// What the note says.
    text: String,
) -> Result<(), AuthFnError> {
    use keycard_leptos::server::FnRequest;

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_NOTE_CHARS {
        return Err(request.reject_public(AuthFnError::BadRequest));
    }
    notes(&request)?.add(session.user.id, text.to_owned());
    request.redirect("/notes");
    Ok(())
}

/// `/notes`: the list and a form for a new one. The form is a plain one: the islands
/// router sends it without leaving the page, and a browser without JavaScript posts it.
#[component]
pub fn NotesPage() -> impl IntoView {
    let notes = Resource::new_blocking(|| (), |()| list_notes());
    view! {
        <Title text="Your notes"/>
        <section class="card">
            <h1>"Your notes"</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    match notes.await {
                        Ok(notes) if notes.is_empty() => {
                            view! { <p class="muted">"No notes yet."</p> }.into_any()
                        }
                        Ok(notes) => view! {
                            <ul class="notes">
                                {notes.into_iter().map(|note| view! { <li>{note}</li> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => {
                            view! { <p class="alert" role="alert">{error.to_string()}</p> }.into_any()
                        }
                    }
                })}
            </Suspense>
            <form action=AddNote::url() method="post">
                <div class="field">
                    <label for="note-text">"New note"</label>
                    <textarea id="note-text" name="text" required maxlength=MAX_NOTE_CHARS></textarea>
                </div>
                <button class="button" type="submit">"Save note"</button>
            </form>
        </section>
    }
}
