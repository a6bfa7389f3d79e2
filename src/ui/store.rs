//! Keeps the session in the browser's IndexedDB, so a reload or a restart finds it again: one record
//! per page (the lab, each lesson, the answer) of what [`crate::keep::SessionFile`] holds, written after each change that matters and every few seconds
//! while runs train. A refused write (a full quota, storage turned off) is reported once, never fatal. A
//! record that cannot be read is never written over: it is kept aside under a record of its own, or,
//! where even that fails, left alone and nothing is kept. A connection never blocks another tab's
//! upgrade or deletion of the database.

use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

use super::AppState;
use crate::deep_link::DeepLink;
use crate::keep::SessionFile;

const DB: &str = "batchlab";
const STORE: &str = "session";

/// The record a page keeps its session under: the lab's, a lesson's or the answer's own.
pub fn key(page: &crate::deep_link::Page) -> String {
    match page {
        crate::deep_link::Page::Lesson { lesson, .. } => format!("lesson:{}", lesson.name),
        crate::deep_link::Page::Answer => "answer".to_owned(),
        _ => "lab".to_owned(),
    }
}

/// Waits for an IndexedDB request: its result, or its error as text.
async fn done(request: &IdbRequest) -> Result<JsValue, String> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move |_: JsValue| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let fail = Closure::once_into_js(move |_: JsValue| {
            let _ = reject.call0(&JsValue::NULL);
        });
        request.set_onsuccess(Some(ok.unchecked_ref()));
        request.set_onerror(Some(fail.unchecked_ref()));
    });
    let outcome = wasm_bindgen_futures::JsFuture::from(promise).await;
    match outcome {
        Ok(_) => request.result().map_err(|e| format!("{e:?}")),
        Err(_) => Err(request.error().ok().flatten().map_or_else(|| "refused".to_owned(), |e| e.message())),
    }
}

/// Opens the database. The connection closes itself when another tab asks to upgrade or delete the
/// database (`versionchange`), so this page never blocks it; each use closes it when done.
async fn database() -> Result<IdbDatabase, String> {
    let factory = window().indexed_db().ok().flatten().ok_or("this browser keeps no IndexedDB here")?;
    let request: IdbOpenDbRequest = factory.open_with_u32(DB, 1).map_err(|e| format!("{e:?}"))?;
    let upgrade = Closure::once_into_js(move |ev: web_sys::Event| {
        let db = ev.target().and_then(|t| t.dyn_into::<IdbRequest>().ok()).and_then(|r| r.result().ok());
        if let Some(db) = db.and_then(|d| d.dyn_into::<IdbDatabase>().ok()) {
            let _ = db.create_object_store(STORE);
        }
    });
    request.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    let db = done(&request).await?.dyn_into::<IdbDatabase>().map_err(|_| "not a database".to_owned())?;
    let closing = db.clone();
    let on_change = Closure::once_into_js(move |_: JsValue| closing.close());
    db.set_onversionchange(Some(on_change.unchecked_ref()));
    Ok(db)
}

/// Runs `f` on a connection to the database, then closes it (its transactions still finish).
async fn with_database<T, F: std::future::Future<Output = Result<T, String>>>(
    f: impl FnOnce(IdbDatabase) -> F,
) -> Result<T, String> {
    let db = database().await?;
    let out = f(db.clone()).await;
    db.close();
    out
}

async fn put(key: &str, text: String) -> Result<(), String> {
    with_database(|db| async move {
        let tx =
            db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite).map_err(|e| format!("{e:?}"))?;
        let store = tx.object_store(STORE).map_err(|e| format!("{e:?}"))?;
        let request =
            store.put_with_key(&JsValue::from_str(&text), &JsValue::from_str(key)).map_err(|e| format!("{e:?}"))?;
        done(&request).await.map(|_| ())
    })
    .await
}

async fn get(key: &str) -> Result<Option<String>, String> {
    with_database(|db| async move {
        let tx = db.transaction_with_str(STORE).map_err(|e| format!("{e:?}"))?;
        let store = tx.object_store(STORE).map_err(|e| format!("{e:?}"))?;
        let request = store.get(&JsValue::from_str(key)).map_err(|e| format!("{e:?}"))?;
        Ok(done(&request).await?.as_string())
    })
    .await
}

/// Opens the page's session: the kept one when the link asks for no runs or names the very runs
/// kept (finished curves then come back as they were, without training again); otherwise the link's
/// runs train. Then keeps the session as it changes (an embed view keeps nothing).
pub fn open_session(state: AppState, link: DeepLink) {
    let failed = state.save_failed;
    let record = StoredValue::new(key(&link.page));
    // Nothing is kept until the page has opened its session (a save before would overwrite it).
    let opened = RwSignal::new(false);
    let embed = link.embed;
    leptos::task::spawn_local(async move {
        let kept = if link.embed { Ok(None) } else { get(&record.get_value()).await };
        // A link that starts runs of its own (autostart, a lesson's autoplay) does not restore.
        let starts = link.autostart || matches!(link.page, crate::deep_link::Page::Lesson { autoplay: true, .. });
        let fresh = link.runs.is_empty() && link.sweep.is_none() && !starts;
        // Whether this page may keep its session over the record: not over one it could not read and
        // could not keep aside either.
        let mut keeps = !link.embed;
        match kept.map(|text| text.map(|t| (SessionFile::read(&t), t))) {
            Ok(Some((Ok(k), _)))
                if fresh
                    || (!starts
                        && k.link.runs == link.runs
                        && k.link.sweep == link.sweep
                        && k.link.config == link.config) =>
            {
                state.restore(k);
            }
            Ok(Some((Err(e), text))) => {
                // Never replaced: kept aside, whole, under a record of its own.
                let aside = format!(
                    "{} (unread, kept aside at {})",
                    record.get_value(),
                    String::from(js_sys::Date::new_0().to_iso_string())
                );
                match put(&aside, text).await {
                    Ok(()) => state.notify(format!(
                        "The kept session could not be restored ({e}). It is kept aside, untouched, in this browser's \
                         storage (IndexedDB “{DB}”, record “{aside}”); this page keeps its session anew."
                    )),
                    Err(why) => {
                        keeps = false;
                        failed.set(Some(why.clone()));
                        state.notify(format!(
                            "The kept session could not be restored ({e}), nor kept aside ({why}): it is left untouched, \
                             and this page's runs are not kept."
                        ));
                    }
                }
                state.replay(&link);
            }
            Ok(_) => state.replay(&link),
            Err(e) => {
                state.notify(format!("Runs are not kept on this page: {e}."));
                state.replay(&link);
            }
        }
        opened.set(keeps);
    });
    if embed {
        return;
    }
    // Save on every change that matters, and every few seconds while something trains.
    let signature = Memo::new(move |_| state.lab.with(SessionFile::signature) + &format!("{:?}", state.charts.get()));
    let save = move || {
        let text = state.lab.with_untracked(|l| {
            SessionFile::of(l, &state.config.get_untracked(), state.charts.get_untracked()).write()
        });
        let key = record.get_value();
        leptos::task::spawn_local(async move {
            match put(&key, text).await {
                Ok(()) => failed.set(None),
                Err(e) => {
                    if failed.get_untracked().is_none() {
                        state.notify(format!(
                            "Your runs could not be kept in this browser ({e}); leaving the page will lose them."
                        ));
                    }
                    failed.set(Some(e));
                }
            }
        });
    };
    Effect::new(move |_| {
        // Read, not only tracked: a memo re-runs the effect when its value is read.
        let _ = signature.get();
        if opened.get() {
            save();
        }
    });
    if let Ok(timer) = set_interval_with_handle(
        move || {
            if opened.get_untracked() && state.lab.with_untracked(|l| l.training() > 0) {
                save();
            }
        },
        Duration::from_secs(3),
    ) {
        on_cleanup(move || timer.clear());
    }
}
