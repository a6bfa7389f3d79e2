//! The page's end of the worker boundary: spawns a worker, queues messages until it reports Ready
//! (messages posted before its wasm has loaded would be lost), decodes its replies, and turns its
//! death — an error event, a crash report, or silence while it owes an answer — into one callback.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, Event, MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::protocol::{FromWorker, ToWorker};

/// The worker's own loader (`src/worker_loader.js`, copied by Trunk): it reports a wasm that cannot
/// load instead of failing silently.
const WORKER_URL: &str = "./worker_loader.js";

/// A worker that owes an answer and says nothing for this long is taken for dead. It reports at
/// least once a second while training, so only a stopped worker (or a single step this slow, which
/// the memory limit on settings rules out in practice) stays silent.
pub const SILENCE_LIMIT_MS: f64 = 30_000.0;

pub struct WorkerClient {
    worker: Worker,
    /// `None` once the worker is ready; until then, messages waiting to be sent.
    queue: Rc<RefCell<Option<Vec<ToWorker>>>>,
    /// When the worker was last heard from (or last asked something, while it owed nothing).
    last_heard_ms: Rc<Cell<f64>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl WorkerClient {
    /// Starts a worker. `on_message` receives every decoded reply; `on_death` is called once, with
    /// the reason, if the worker dies.
    pub fn spawn(
        on_message: impl Fn(FromWorker) + 'static,
        on_death: impl Fn(String) + 'static,
        now_ms: impl Fn() -> f64 + 'static,
    ) -> Result<Self, String> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Classic);
        let worker = Worker::new_with_options(WORKER_URL, &options)
            .map_err(|e| format!("the training worker could not start: {e:?}"))?;
        let queue: Rc<RefCell<Option<Vec<ToWorker>>>> = Rc::new(RefCell::new(Some(Vec::new())));
        let last_heard_ms = Rc::new(Cell::new(now_ms()));
        let dead = Rc::new(Cell::new(false));
        let on_death = Rc::new(move |why: String| on_death(why));
        let (q, w, heard, d, death) =
            (queue.clone(), worker.clone(), last_heard_ms.clone(), dead.clone(), on_death.clone());
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            heard.set(now_ms());
            let msg = serde_wasm_bindgen::from_value::<FromWorker>(ev.data()).unwrap_or_else(|e| FromWorker::Failed {
                job: None,
                message: format!("unreadable message from the worker: {e}"),
            });
            match msg {
                FromWorker::Ready => {
                    for pending in q.borrow_mut().take().unwrap_or_default() {
                        post(&w, &pending);
                    }
                }
                FromWorker::Crashed { message } => {
                    if !d.replace(true) {
                        death(message);
                    }
                    return;
                }
                _ => {}
            }
            on_message(msg);
        });
        // An uncaught error in the worker is an ErrorEvent; a script that cannot load is a plain Event.
        let on_error = Closure::<dyn FnMut(Event)>::new(move |ev: Event| {
            ev.prevent_default();
            if !dead.replace(true) {
                let what = ev.dyn_ref::<ErrorEvent>().map(ErrorEvent::message).unwrap_or_default();
                on_death(if what.is_empty() { "its script could not load".to_owned() } else { what });
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        worker.set_onmessageerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Self { worker, queue, last_heard_ms, _on_message: on_message, _on_error: on_error })
    }

    pub fn send(&self, msg: ToWorker) {
        match self.queue.borrow_mut().as_mut() {
            Some(waiting) => waiting.push(msg),
            None => post(&self.worker, &msg),
        }
    }

    /// Milliseconds since the worker was last heard from.
    pub fn silent_for_ms(&self, now_ms: f64) -> f64 {
        now_ms - self.last_heard_ms.get()
    }

    /// Restarts the silence clock (when the worker starts to owe an answer).
    pub fn expect_answer(&self, now_ms: f64) {
        self.last_heard_ms.set(now_ms);
    }
}

impl Drop for WorkerClient {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.set_onmessageerror(None);
        self.worker.terminate();
    }
}

fn post(worker: &Worker, msg: &ToWorker) {
    batchlab_worker::wire::post(|v| worker.post_message(v), msg);
}
