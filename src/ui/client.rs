//! The page's end of the worker boundary: spawns the worker, queues messages until it reports
//! Ready (messages posted before its wasm has loaded would be lost), and decodes its replies.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::protocol::{FromWorker, ToWorker};

/// Trunk's loader for the `worker` binary (see index.html).
const WORKER_URL: &str = "./worker_loader.js";

pub struct WorkerClient {
    worker: Worker,
    /// `None` once the worker is ready; until then, messages waiting to be sent.
    queue: Rc<RefCell<Option<Vec<ToWorker>>>>,
}

impl WorkerClient {
    /// Starts the worker; `on_message` receives every decoded reply (and a `Failed` for any that
    /// cannot be decoded).
    pub fn spawn(on_message: impl Fn(FromWorker) + 'static) -> Result<Self, String> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Classic);
        let worker = Worker::new_with_options(WORKER_URL, &options)
            .map_err(|e| format!("the training worker could not start: {e:?}"))?;
        let queue: Rc<RefCell<Option<Vec<ToWorker>>>> = Rc::new(RefCell::new(Some(Vec::new())));
        let (q, w) = (queue.clone(), worker.clone());
        let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let msg = serde_wasm_bindgen::from_value::<FromWorker>(ev.data())
                .unwrap_or_else(|e| FromWorker::Failed { message: format!("unreadable message from the worker: {e}") });
            if matches!(msg, FromWorker::Ready { .. }) {
                for pending in q.borrow_mut().take().unwrap_or_default() {
                    post(&w, &pending);
                }
            }
            on_message(msg);
        });
        worker.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        handler.forget();
        Ok(Self { worker, queue })
    }

    pub fn send(&self, msg: ToWorker) {
        match self.queue.borrow_mut().as_mut() {
            Some(waiting) => waiting.push(msg),
            None => post(&self.worker, &msg),
        }
    }
}

fn post(worker: &Worker, msg: &ToWorker) {
    crate::wire::post(|v| worker.post_message(v), msg);
}
