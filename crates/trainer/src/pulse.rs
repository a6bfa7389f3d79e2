//! A sign of life from long work. The trainer has no clock and never yields in the middle of a step,
//! yet one piece of work — a whole-set evaluation, a sharpness reading, a fork's replay — can take a
//! browser tens of seconds on a large model. A host that must show it is alive (the worker, whose page
//! takes a silent worker for dead) runs the work inside [`during`] with a pulse of its own, which the
//! trainer calls between the pieces of such work (each chunk of rows, each step): the host decides,
//! by its clock, whether to say so. Outside [`during`] a beat costs a thread-local read.

use std::cell::RefCell;

thread_local! {
    static PULSE: RefCell<Option<Box<dyn FnMut()>>> = const { RefCell::new(None) };
}

/// Runs `work` with `pulse` called at every beat; the pulse in force before is restored after.
pub fn during<T>(pulse: impl FnMut() + 'static, work: impl FnOnce() -> T) -> T {
    let before = PULSE.with(|p| p.replace(Some(Box::new(pulse))));
    let out = work();
    PULSE.with(|p| *p.borrow_mut() = before);
    out
}

/// A piece of long work is done: calls the host's pulse, if there is one.
pub(crate) fn beat() {
    PULSE.with(|p| {
        // A pulse that itself does trainer work (it should not) finds the cell borrowed: no beat.
        if let Ok(mut p) = p.try_borrow_mut() {
            if let Some(f) = p.as_mut() {
                f();
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use crate::loss::LossKind;
    use crate::RunConfig;

    #[test]
    fn long_work_beats_at_every_chunk_and_step_and_only_inside_during() {
        let mut c = RunConfig::default();
        assert_eq!(c.set_all([("bs", "full"), ("epochs", "2")]), []);
        let mut t = c.init().unwrap();
        let beats = Rc::new(Cell::new(0usize));
        let counter = Rc::clone(&beats);
        let (model, data) = (t.model().clone(), t.data().clone());
        super::during(
            move || counter.set(counter.get() + 1),
            || {
                let mut ws = model.workspace(crate::config::EVAL_CHUNK);
                model.evaluate(data.x_train.view(), &data.y_train, LossKind::CrossEntropy, &mut ws);
            },
        );
        assert_eq!(beats.get(), data.train_len().div_ceil(crate::config::EVAL_CHUNK), "a beat per chunk");
        let counter = Rc::clone(&beats);
        super::during(move || counter.set(counter.get() + 1), || while t.step(&mut ()) {});
        assert!(beats.get() > 3 + 2, "every step, evaluation and reading beats: {}", beats.get());
        let after = beats.get();
        c.init().unwrap().run(&mut ());
        assert_eq!(beats.get(), after, "no pulse outside during");
    }
}
