//! "The answer": the seed question answered in a few claims, each backed by a lesson whose check
//! measures it on the current trainer. The page plays the lessons' runs and shows each check's own
//! sentence as the evidence: no figure here is typed in.

/// One claim of the answer, and the lesson whose check is its evidence.
#[derive(Debug)]
pub struct Claim {
    pub text: &'static str,
    pub lesson: &'static str,
}

pub const QUESTION: &str = "Should the learning rate increase or decrease with the batch size?";

/// The answer, claim by claim.
pub const CLAIMS: &[Claim] = &[
    Claim {
        text: "With SGD, increase it, in proportion, while η stays well below where runs break: with η ∝ B (the \
               linear rule), runs of different batch sizes reach the same accuracy in the same number of epochs.",
        lesson: "linear-rule",
    },
    Claim {
        text:
            "Beware comparisons that change two things at once: the seed page's three examples raise η 10× per 4× B, \
               and the big batch \"wins\" only because η 0.001 is too small for 10 epochs. With η ∝ B the three end \
               alike.",
        lesson: "three-pairs",
    },
    Claim {
        text: "Not past where runs break: above 2/λ₀, the start's curvature edge, the loss first jumps and a network \
               can still catch itself, but past η_max(B) runs break — and a larger batch moves η_max up far more \
               slowly than B grows, if at all, so the linear rule stops there.",
        lesson: "too-hot",
    },
    Claim {
        text: "Only up to a critical batch: while the batch is below the gradient noise scale B_simple, a batch k× \
               larger with η k× larger does what k small steps do; far above it a larger batch saves few steps and \
               wastes examples. B_simple grows as training goes on.",
        lesson: "noise-scale",
    },
    Claim {
        text: "Late in training, growing the batch does what decaying η does, in far fewer steps: what matters is the \
               noise of a step, which grows with η/B.",
        lesson: "decay-or-grow",
    },
    Claim {
        text: "With Adam, more slowly: Adam divides each step by the gradient's running size, noise included, so its \
               η should grow more slowly than B — as √B in Malladi et al.'s analysis — and the linear rule overshoots.",
        lesson: "adam-sqrt",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_claim_names_a_lesson() {
        for c in CLAIMS {
            assert!(super::super::find(c.lesson).is_some(), "{}", c.lesson);
        }
    }
}
