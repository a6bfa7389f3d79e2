//! The Web Worker: moves [`ToWorker`]/[`FromWorker`] messages between the page and a [`Session`],
//! and schedules training slices with `setTimeout(0)` so that messages are received between them.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use batchlab_lab::protocol::{FromWorker, ToWorker};
use batchlab_lab::session::{Session, HEARTBEAT_MS};

struct Worker {
    scope: DedicatedWorkerGlobalScope,
    session: Session,
    /// A slice is already scheduled (never two at once).
    scheduled: bool,
}

type Shared = Rc<RefCell<Worker>>;

fn now_ms(scope: &DedicatedWorkerGlobalScope) -> f64 {
    scope.performance().map_or_else(js_sys::Date::now, |p| p.now())
}

fn post(scope: &DedicatedWorkerGlobalScope, msg: &FromWorker) {
    crate::wire::post(|v| scope.post_message(v), msg);
}

/// Runs `work` with the trainer's pulse telling the page, at most once a heartbeat, that this worker
/// is busy: one piece of work (a whole-set evaluation or a sharpness reading on a large model, a
/// fork's replay) can outlast the page's patience with a silent worker.
fn busy<T>(scope: &DedicatedWorkerGlobalScope, work: impl FnOnce() -> T) -> T {
    let (scope, last) = (scope.clone(), Cell::new(now_ms(scope)));
    batchlab_trainer::pulse::during(
        move || {
            let now = now_ms(&scope);
            if now - last.get() >= HEARTBEAT_MS {
                last.set(now);
                post(&scope, &FromWorker::Working);
            }
        },
        work,
    )
}

fn schedule(shared: &Shared) {
    let mut w = shared.borrow_mut();
    if w.scheduled || !w.session.wants_slice() {
        return;
    }
    w.scheduled = true;
    let next = shared.clone();
    let tick = Closure::once_into_js(move || {
        {
            let mut w = next.borrow_mut();
            w.scheduled = false;
            let scope = w.scope.clone();
            for msg in busy(&scope, || w.session.slice(|| now_ms(&scope))) {
                post(&scope, &msg);
            }
        }
        schedule(&next);
    });
    if w.scope.set_timeout_with_callback(tick.unchecked_ref()).is_err() {
        w.scheduled = false;
    }
}

/// Entry point of the worker binary.
pub fn run() {
    // A panic is a bug, never a result: log it, and tell the page before the worker stops, so the
    // run shows the message and the next Start gets a fresh worker.
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        post(&scope, &FromWorker::Crashed { message: info.to_string() });
    }));
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let shared: Shared =
        Rc::new(RefCell::new(Worker { scope: scope.clone(), session: Session::default(), scheduled: false }));
    let handler = shared.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let replies = {
            let mut w = handler.borrow_mut();
            let now = now_ms(&w.scope);
            match serde_wasm_bindgen::from_value::<ToWorker>(ev.data()) {
                Ok(msg) => {
                    let scope = w.scope.clone();
                    busy(&scope, || w.session.handle(msg, now))
                }
                Err(e) => vec![FromWorker::Failed {
                    job: None,
                    message: format!("the worker did not understand a message: {e}"),
                }],
            }
        };
        let scope = handler.borrow().scope.clone();
        for msg in &replies {
            post(&scope, msg);
        }
        schedule(&handler);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&scope, &FromWorker::Ready);
    // Decode the shipped digits now, while nothing waits: the first Start then trains at once. A
    // damaged file is reported by the job that needs it.
    let _ = batchlab_trainer::data::digits();
}
