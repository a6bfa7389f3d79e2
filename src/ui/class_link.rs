//! For a teacher: a class link from the current form, showing only the controls the teacher ticks,
//! with an optional note at the top. Opening it shows exactly that (`hide=`, `note=`).

use leptos::prelude::*;

use super::AppState;
use crate::deep_link::{class_query, control_label, hideable, ClassView, NOTE_CHARS};

/// The teacher's note at the top of a class link's page, as text.
#[component]
pub fn ClassNote() -> impl IntoView {
    let class = expect_context::<ClassView>();
    class.note.map(|note| view! { <p class="class-note" data-testid="class-note">{note}</p> })
}

/// Ticks for the controls a class sees (named as the form names them), a note, and the whole
/// address that carries them, to copy and hand out.
#[component]
pub fn ClassLinkBuilder() -> impl IntoView {
    let state = expect_context::<AppState>();
    let class = RwSignal::new(expect_context::<ClassView>());
    // What the copy button did, until the link changes.
    let copied = RwSignal::new(String::new());
    let link = move || {
        let location = window().location();
        let page = format!("{}{}", location.origin().unwrap_or_default(), location.pathname().unwrap_or_default());
        class.with(|c| format!("{page}{}", state.config.with(|config| class_query(config, c))))
    };
    let edit = move |change: &dyn Fn(&mut ClassView)| {
        class.update(|c| change(c));
        copied.set(String::new());
    };
    let toggle = move |key: &'static str| {
        edit(&|c| {
            if let Some(i) = c.hidden.iter().position(|k| *k == key) {
                c.hidden.remove(i);
            } else {
                c.hidden.push(key);
            }
        });
    };
    // On every input, so the link is right while the teacher types.
    let on_note = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        if text.chars().count() > NOTE_CHARS {
            state.notify(format!("Not changed: a note has at most {NOTE_CHARS} characters."));
        } else {
            edit(&|c| c.note = (!text.is_empty()).then(|| text.clone()));
        }
    };
    let copy = move |_| {
        let text = link();
        wasm_bindgen_futures::spawn_local(async move {
            copied.set(match super::copy_text(&text).await {
                Ok(()) => "Copied.".to_owned(),
                Err(why) => format!("Not copied: {why}. Select the link and copy it by hand."),
            });
        });
    };
    view! {
        <details class="panel class-link">
            <summary>"For a class: a link that shows only some controls"</summary>
            <p class="hint">"Untick what students should not change: the link keeps the form's values for it and hides it."</p>
            <div class="class-keys">
                {hideable().map(|key| view! {
                    <label class="choice">
                        <input type="checkbox" data-testid="class-show" value=key
                            prop:checked=move || class.with(|c| c.shows(key))
                            on:change=move |_| toggle(key) />
                        {control_label(key)}
                    </label>
                }).collect_view()}
            </div>
            <label class="field">
                <span class="label">"Note at the top"</span>
                <input type="text" maxlength=NOTE_CHARS.to_string() data-testid="class-note-input"
                    prop:value=move || class.with(|c| c.note.clone().unwrap_or_default()) on:input=on_note />
            </label>
            <label class="field">
                <span class="label">"Class link"</span>
                <input type="text" readonly data-testid="class-link" prop:value=link />
            </label>
            <div class="buttons-row">
                <button type="button" data-testid="class-link-copy" on:click=copy>"Copy the class link"</button>
                <span role="status" aria-live="polite" data-testid="class-link-status">{move || copied.get()}</span>
            </div>
        </details>
    }
}
