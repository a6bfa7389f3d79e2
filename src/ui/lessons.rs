//! The lessons page (`?lessons`) and one lesson open above the lab (`?lesson=NAME`): step by step,
//! predict, play the step's runs in the lab, then see the prediction beside what happened. The lab
//! stays fully usable below; the lesson's runs are ordinary runs.

use leptos::prelude::*;

use batchlab_trainer::Summary;

use super::{now_ms, AppState};
use crate::lab::{RunId, RunKind};
use crate::lessons::{self, answer, Lesson, LESSONS};

/// What a lab page shows above its results.
#[derive(Clone, Copy)]
pub enum Guide {
    None,
    /// A lesson, and whether it plays itself.
    Lesson(&'static Lesson, bool),
    /// The answer, with the lessons' evidence.
    Answer,
}

/// The guide's view, if any.
pub fn guide_view(guide: Guide) -> Option<AnyView> {
    match guide {
        Guide::None => None,
        Guide::Lesson(lesson, autoplay) => Some(view! { <LessonView lesson autoplay /> }.into_any()),
        Guide::Answer => Some(view! { <AnswerView /> }.into_any()),
    }
}

/// The list of lessons, each a link.
#[component]
pub fn LessonsPage() -> impl IntoView {
    view! {
        <header class="top">
            <h1>"BatchLab lessons"</h1>
            <p class="tagline">"Short guided experiments: predict, run, and see what the networks do."</p>
            <p class="top-links"><a class="nav-link" href="?">"Open the lab"</a></p>
        </header>
        <main class="lessons">
            <p><a class="nav-link" href="?answer" data-testid="answer-link">"The answer, with the app's own evidence"</a></p>
            <ol class="lesson-list">
                {LESSONS.iter().map(|l| view! {
                    <li>
                        <a class="nav-link" data-testid="lesson-link" data-lesson=l.name href=format!("?lesson={}", l.name)>{l.title}</a>
                        <p class="hint">{l.summary}</p>
                    </li>
                }).collect_view()}
            </ol>
        </main>
    }
}

/// Which runs each step played (empty until it has).
type Played = RwSignal<Vec<Vec<RunId>>>;

/// Adds step `k`'s runs to the lab.
fn play(state: AppState, lesson: &'static Lesson, played: Played, k: usize) {
    let Some(step) = lesson.steps.get(k) else { return };
    let (mut ids, mut commands) = (Vec::new(), Vec::new());
    let mut room = Ok(());
    state.lab.update(|l| {
        room = l.room_for(step.runs.len());
        if room.is_ok() {
            for &link in step.runs {
                if let Ok((id, c)) = l.add_run(lessons::config(link), RunKind::Curve, now_ms()) {
                    ids.push(id);
                    commands.extend(c);
                }
            }
        }
    });
    if let Err(e) = room {
        return state.notify(format!("The step's runs were not added: {e}."));
    }
    played.update(|p| p[k] = ids);
    state.execute(commands);
}

/// Step `k`'s finished runs, once every one of them has ended.
fn results(state: AppState, played: Played, k: usize) -> Option<Vec<Summary>> {
    let ids = played.with(|p| p.get(k).cloned().unwrap_or_default());
    if ids.is_empty() {
        return None;
    }
    state.lab.with(|l| ids.iter().map(|&id| l.run(id).and_then(|r| r.view.summary.clone())).collect())
}

/// A lesson's check on its runs, once every step's runs have ended.
fn lesson_verdict(state: AppState, lesson: &'static Lesson, played: Played) -> Option<lessons::Verdict> {
    let all: Option<Vec<Vec<Summary>>> = (0..lesson.steps.len()).map(|k| results(state, played, k)).collect();
    all.map(|all| (lesson.check)(&all))
}

/// The seed question answered, claim by claim; "Measure the evidence" plays every lesson the claims
/// rest on, and each claim then shows its lesson's check, measured here.
#[component]
fn AnswerView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let claims: Vec<(&'static answer::Claim, &'static Lesson, Played)> = answer::CLAIMS
        .iter()
        .filter_map(|c| lessons::find(c.lesson).map(|l| (c, l, RwSignal::new(vec![Vec::new(); l.steps.len()]))))
        .collect();
    let started = RwSignal::new(false);
    let measure = {
        let claims = claims.clone();
        move |_| {
            started.set(true);
            for &(_, lesson, played) in &claims {
                for k in 0..lesson.steps.len() {
                    play(state, lesson, played, k);
                }
            }
        }
    };
    view! {
        <section class="panel lesson" data-testid="answer" aria-label="The answer">
            <p class="hint"><a class="nav-link" href="?lessons">"All lessons"</a></p>
            <h2>{answer::QUESTION}</h2>
            <div class="buttons-row">
                <button type="button" class="primary" data-testid="answer-measure" prop:disabled=move || started.get()
                    on:click=measure>"Measure the evidence"</button>
                <span class="hint">"Plays every lesson's runs in the lab below (about a minute), then shows what each measured."</span>
            </div>
            <ol class="answer">
                {claims.into_iter().map(|(claim, lesson, played)| view! {
                    <li>
                        <p>{claim.text}</p>
                        <p class="hint">
                            {move || match lesson_verdict(state, lesson, played) {
                                Some(v) => view! {
                                    <span data-testid="answer-evidence" data-pass=v.pass.to_string()>{"Evidence: "}{v.text}</span>
                                }.into_any(),
                                None if started.get() => view! { <span>"Measuring…"</span> }.into_any(),
                                None => view! { <span>"Evidence: not measured yet."</span> }.into_any(),
                            }}
                            " "
                            <a href=format!("?lesson={}", lesson.name)>{format!("Lesson: {}", lesson.title)}</a>
                        </p>
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

/// One lesson, above the lab. With `autoplay` every step plays at once, without predictions.
#[component]
pub fn LessonView(lesson: &'static Lesson, autoplay: bool) -> impl IntoView {
    let state = expect_context::<AppState>();
    let n = lesson.steps.len();
    let current = RwSignal::new(0usize);
    let predictions = RwSignal::new(vec![None::<usize>; n]);
    let played: Played = RwSignal::new(vec![Vec::new(); n]);
    if autoplay {
        for k in 0..n {
            play(state, lesson, played, k);
        }
    }
    let verdict = move || lesson_verdict(state, lesson, played);
    view! {
        <section class="panel lesson" data-testid="lesson" aria-label=format!("Lesson: {}", lesson.title)>
            <p class="hint"><a class="nav-link" href="?lessons">"All lessons"</a></p>
            <h2>{lesson.title}</h2>
            <p class="hint">{lesson.summary}" ("{lesson.paper}")"</p>
            <nav class="lesson-steps" aria-label="Steps">
                {(0..n).map(|k| view! {
                    <button type="button" data-testid="lesson-step" class:selected=move || current.get() == k
                        on:click=move |_| current.set(k)>{format!("{}. {}", k + 1, lesson.steps[k].title)}</button>
                }).collect_view()}
            </nav>
            {move || { let k = current.get(); view! { <StepView lesson k current predictions played /> } }}
            {move || verdict().map(|v| view! {
                <p class="lesson-verdict" data-testid="lesson-verdict" data-pass=v.pass.to_string()>
                    <strong>{if v.pass { "The lesson's point shows: " } else { "The lesson's point did not show this time: " }}</strong>
                    {v.text}
                </p>
            })}
        </section>
    }
}

/// Step `k`: what to try and look for, the prediction, Play, and once its runs have ended the
/// prediction beside what happened, and why.
#[component]
fn StepView(
    lesson: &'static Lesson,
    k: usize,
    current: RwSignal<usize>,
    predictions: RwSignal<Vec<Option<usize>>>,
    played: Played,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let step = &lesson.steps[k];
    let n = lesson.steps.len();
    let is_played = move || played.with(|p| !p[k].is_empty());
    // Played here and not yet revealed: when the runs end, the reveal is brought into view.
    let awaiting = RwSignal::new(false);
    let chosen = move || predictions.with(|p| p[k]);
    let result = move || {
        results(state, played, k).map(|runs| {
            let truth = (step.question.answer)(&runs);
            let said = match chosen() {
                Some(c) => {
                    format!("{} ({})", step.question.choices[c], if c == truth { "right" } else { "not what happened" })
                }
                None => "no prediction".to_owned(),
            };
            (said, lessons::what_happened(step, &runs))
        })
    };
    // The student watches the curves below while the runs train; the prediction beside what happened
    // comes into view once they end (its Why and Next clear of a phone's bar).
    Effect::new(move |_| {
        if awaiting.get() && result().is_some() {
            awaiting.set(false);
            request_animation_frame(|| {
                if let Ok(Some(reveal)) = document().query_selector("[data-testid=lesson-result]") {
                    super::bring_into_view(&reveal);
                }
            });
        }
    });
    view! {
        <h3 tabindex="-1">{format!("Step {} of {n}: {}", k + 1, step.title)}</h3>
        <p><strong>"Try: "</strong>{step.try_this}</p>
        <p><strong>"Look for: "</strong>{step.look_for}</p>
        <fieldset class="predict">
            <legend>{step.question.prompt}</legend>
            {step.question.choices.iter().enumerate().map(|(i, choice)| view! {
                <label class="choice">
                    <input type="radio" name=format!("predict-{k}") data-testid="lesson-choice" value=i.to_string()
                        prop:checked=move || chosen() == Some(i)
                        prop:disabled=is_played
                        on:change=move |_| predictions.update(|p| p[k] = Some(i)) />
                    {*choice}
                </label>
            }).collect_view()}
        </fieldset>
        <div class="buttons-row">
            <button type="button" class="primary" data-testid="lesson-play"
                prop:disabled=move || is_played() || chosen().is_none()
                on:click=move |_| {
                    awaiting.set(true);
                    play(state, lesson, played, k);
                }>
                {move || match (is_played(), result().is_some(), chosen().is_some()) {
                    (true, true, _) => "Played: its runs are in the list below",
                    (true, false, _) => "Playing in the lab below",
                    (false, _, false) => "Predict first",
                    (false, _, true) => "Play this step",
                }}
            </button>
        </div>
        {move || result().map(|(said, happened)| view! {
            <div class="lesson-result" data-testid="lesson-result">
                <p><strong>"You predicted: "</strong>{said}</p>
                <p><strong>"What happened: "</strong>{happened}</p>
                <p><strong>"Why: "</strong>{step.why}</p>
                {(k + 1 < n).then(|| view! {
                    <button type="button" class="primary" data-testid="lesson-next" on:click=move |_| next_step(current, k + 1)>
                        {format!("Next: step {} of {n}, {}", k + 2, lesson.steps[k + 1].title)}
                    </button>
                })}
            </div>
        })}
        {move || (is_played() && result().is_none()).then(|| view! { <p class="hint">"Training… the runs are in the list below."</p> })}
    }
}

/// Goes to step `k`, brings its heading to the top of the screen and gives it the focus, once the
/// step is drawn: the student has read the reveal at the bottom of the step before, and a keyboard
/// goes on from the new step.
fn next_step(current: RwSignal<usize>, k: usize) {
    use wasm_bindgen::JsCast;
    current.set(k);
    request_animation_frame(|| {
        let Ok(Some(heading)) = document().query_selector("[data-testid=lesson] h3") else { return };
        heading.scroll_into_view_with_bool(true);
        if let Ok(heading) = heading.dyn_into::<web_sys::HtmlElement>() {
            let _ = heading.focus();
        }
    });
}
