//! Multi-layer perceptrons (a linear model is one with no hidden layer), with hand-derived backward
//! passes and exact Hessian-vector products over ndarray matrix products.
//!
//! Parameters live in one flat vector so that optimisers and diagnostics treat the model as a point
//! θ ∈ ℝᵖ; layers are views into it. A [`Workspace`] holds every intermediate buffer, sized once for
//! the largest batch, so a training step allocates nothing.

use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Zip};
use rand::Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use crate::loss::{self, BatchStats, LossKind};
use crate::scalar::Scalar;

crate::named_enum! {
    /// The hidden layers' non-linearity.
    pub enum Activation {
        Relu => ("relu", "ReLU"),
        Tanh => ("tanh", "tanh"),
    }
}

/// The network and the loss it is trained on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Hidden layer widths; empty means a linear model (softmax regression with cross-entropy).
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub loss: LossKind,
}

impl ModelConfig {
    /// Parameters of the network on `features` inputs and `outputs` classes.
    pub fn param_count(&self, features: usize, outputs: usize) -> usize {
        let widths: Vec<usize> = self.widths(features, outputs);
        widths.windows(2).map(|p| (p[0] + 1) * p[1]).sum()
    }

    /// Input, hidden and output widths.
    pub fn widths(&self, features: usize, outputs: usize) -> Vec<usize> {
        std::iter::once(features).chain(self.hidden.iter().copied()).chain([outputs]).collect()
    }
}

impl Activation {
    /// σ'(z), from the output a = σ(z) (0 at and left of a ReLU's kink, as in the backward pass).
    fn slope<F: Scalar>(self, a: F) -> F {
        match self {
            Activation::Relu => {
                if a > F::zero() {
                    F::one()
                } else {
                    F::zero()
                }
            }
            Activation::Tanh => F::one() - a * a,
        }
    }

    /// σ''(z), from the output a = σ(z) (0 for ReLU, which is piecewise linear).
    fn curvature<F: Scalar>(self, a: F) -> F {
        match self {
            Activation::Relu => F::zero(),
            Activation::Tanh => F::of(-2.0) * a * (F::one() - a * a),
        }
    }
}

/// Batches of at most this many rows are multiplied by plain loops: matrixmultiply packs both
/// operands on every call, which for a handful of rows costs more than the product itself (at B = 1
/// it made a step several times slower).
const SMALL_ROWS: usize = 4;

/// C ← A·B + β·C, by matrixmultiply, or for a few rows (`rows` = the batch) by rows of B added
/// into rows of C, in a fixed order so the bits are the same on every target.
fn mul<F: Scalar>(rows: usize, a: &ArrayView2<F>, b: &ArrayView2<F>, beta: F, c: &mut ArrayViewMut2<F>) {
    if rows > SMALL_ROWS {
        general_mat_mul(F::one(), a, b, beta, c);
        return;
    }
    c.mapv_inplace(|v| v * beta);
    for (i, mut c_row) in c.axis_iter_mut(Axis(0)).enumerate() {
        for (p, b_row) in b.axis_iter(Axis(0)).enumerate() {
            let x = a[(i, p)];
            if x != F::zero() {
                c_row.scaled_add(x, &b_row);
            }
        }
    }
}

/// Examples and their labels: a minibatch, a chunk or a whole split.
#[derive(Clone, Copy, Debug)]
pub struct Examples<'a, F> {
    pub x: ArrayView2<'a, F>,
    pub y: &'a [usize],
}

impl<'a, F> Examples<'a, F> {
    pub fn new(x: ArrayView2<'a, F>, y: &'a [usize]) -> Self {
        Self { x, y }
    }

    pub fn len(&self) -> usize {
        self.y.len()
    }

    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Rows `start..end`.
    pub fn rows(self, start: usize, end: usize) -> Self {
        Self { x: self.x.slice_move(s![start..end, ..]), y: &self.y[start..end] }
    }

    /// The first `n` rows (all of them if there are fewer).
    pub fn head(self, n: usize) -> Self {
        let n = n.min(self.len());
        self.rows(0, n)
    }
}

/// Where one dense layer's weights (`fan_in × fan_out`, row-major) and biases sit in the flat vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LayerShape {
    fan_in: usize,
    fan_out: usize,
    w_offset: usize,
    b_offset: usize,
}

/// A pass through the network, for [`Mlp::macs_per_row`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    Forward,
    Gradient,
    /// A Hessian-vector product by the R-operator.
    Hvp,
}

/// A fully connected network: inputs → hidden layers (`activation`) → linear outputs (logits).
#[derive(Clone, Debug)]
pub struct Mlp<F> {
    layers: Vec<LayerShape>,
    activation: Activation,
    /// All weights and biases, layer after layer.
    pub params: Vec<F>,
}

/// A trained network's weights, layer by layer, to check a result elsewhere: each layer computes
/// `activation(x · weights + bias)` with `weights` row-major of `shape` [inputs, outputs] (the last
/// layer gives the logits, without activation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelWeights {
    pub activation: Activation,
    pub layers: Vec<LayerWeights>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerWeights {
    pub shape: [usize; 2],
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
}

impl ModelWeights {
    /// The logits for one example, computed from this description alone (what a reader of an
    /// exported file would write).
    pub fn logits(&self, x: &[f32]) -> Vec<f32> {
        let mut a = x.to_vec();
        let last = self.layers.len().saturating_sub(1);
        for (k, layer) in self.layers.iter().enumerate() {
            let [inputs, outputs] = layer.shape;
            a = (0..outputs)
                .map(|j| {
                    let z = layer.bias[j]
                        + (0..inputs.min(a.len())).map(|i| a[i] * layer.weights[i * outputs + j]).sum::<f32>();
                    match (k == last, self.activation) {
                        (true, _) => z,
                        (false, Activation::Relu) => z.max(0.0),
                        (false, Activation::Tanh) => z.tanh(),
                    }
                })
                .collect();
        }
        a
    }

    /// The class the model gives `x`: its largest logit (the first on a tie).
    pub fn classify(&self, x: &[f32]) -> usize {
        let logits = self.logits(x);
        (0..logits.len()).fold(0, |best, j| if logits[j] > logits[best] { j } else { best })
    }
}

impl Mlp<f32> {
    /// The weights and biases, layer by layer.
    pub fn to_weights(&self) -> ModelWeights {
        let layers = self
            .layers
            .iter()
            .map(|l| LayerWeights {
                shape: [l.fan_in, l.fan_out],
                weights: self.params[l.w_offset..l.b_offset].to_vec(),
                bias: self.params[l.b_offset..l.b_offset + l.fan_out].to_vec(),
            })
            .collect();
        ModelWeights { activation: self.activation, layers }
    }
}

/// Buffers for one forward and backward pass of up to `capacity` rows.
#[derive(Clone, Debug)]
pub struct Workspace<F> {
    /// Output of each layer (post-activation for hidden layers, logits for the last).
    acts: Vec<Array2<F>>,
    /// ∂L/∂(pre-activation) of each layer.
    deltas: Vec<Array2<F>>,
    capacity: usize,
}

/// Buffers for Hessian-vector products: a [`Workspace`] plus the directional derivatives R(·) of the
/// forward and backward passes.
#[derive(Clone, Debug)]
pub struct HvpWorkspace<F> {
    base: Workspace<F>,
    /// R(pre-activation) of each layer.
    r_pre: Vec<Array2<F>>,
    /// R(post-activation) of each hidden layer.
    r_acts: Vec<Array2<F>>,
    /// R(∂L/∂pre-activation) of each layer.
    r_deltas: Vec<Array2<F>>,
}

impl<F: Scalar> Mlp<F> {
    /// He-normal weights (σ² = 2/fan_in) for ReLU, LeCun-normal (σ² = 1/fan_in) for tanh; zero biases.
    ///
    /// # Panics
    /// If a width is zero (`RunConfig::validate` refuses those).
    pub fn new(features: usize, hidden: &[usize], outputs: usize, activation: Activation, rng: &mut impl Rng) -> Self {
        let widths: Vec<usize> = std::iter::once(features).chain(hidden.iter().copied()).chain([outputs]).collect();
        let mut layers = Vec::with_capacity(widths.len() - 1);
        let mut offset = 0;
        for pair in widths.windows(2) {
            let (fan_in, fan_out) = (pair[0], pair[1]);
            layers.push(LayerShape { fan_in, fan_out, w_offset: offset, b_offset: offset + fan_in * fan_out });
            offset += fan_in * fan_out + fan_out;
        }
        let mut params = vec![F::zero(); offset];
        let gain = match activation {
            Activation::Relu => 2.0,
            Activation::Tanh => 1.0,
        };
        for l in &layers {
            let normal = Normal::new(0.0, (gain / l.fan_in as f64).sqrt()).expect("fan_in ≥ 1 gives a finite σ");
            for w in &mut params[l.w_offset..l.b_offset] {
                *w = F::of(normal.sample(rng));
            }
        }
        Self { layers, activation, params }
    }

    /// The same network with its parameters converted to another float type (f64 for reference
    /// checks of the f32 trainer).
    pub fn cast<G: Scalar>(&self) -> Mlp<G> {
        Mlp {
            layers: self.layers.clone(),
            activation: self.activation,
            params: self.params.iter().map(|p| G::of(p.wide())).collect(),
        }
    }

    pub fn param_count(&self) -> usize {
        self.params.len()
    }

    pub fn outputs(&self) -> usize {
        self.layers.last().map_or(0, |l| l.fan_out)
    }

    /// A workspace for batches of up to `capacity` rows.
    pub fn workspace(&self, capacity: usize) -> Workspace<F> {
        let capacity = capacity.max(1);
        let acts: Vec<Array2<F>> = self.layers.iter().map(|l| Array2::zeros((capacity, l.fan_out))).collect();
        Workspace { deltas: acts.clone(), acts, capacity }
    }

    /// A workspace for Hessian-vector products over chunks of up to `capacity` rows.
    pub fn hvp_workspace(&self, capacity: usize) -> HvpWorkspace<F> {
        let base = self.workspace(capacity);
        HvpWorkspace { r_pre: base.acts.clone(), r_acts: base.acts.clone(), r_deltas: base.acts.clone(), base }
    }

    pub fn activation(&self) -> Activation {
        self.activation
    }

    fn weights<'a>(l: &LayerShape, params: &'a [F]) -> (ArrayView2<'a, F>, ArrayView1<'a, F>) {
        let w = ArrayView2::from_shape((l.fan_in, l.fan_out), &params[l.w_offset..l.b_offset])
            .expect("layer shapes tile the parameter vector");
        (w, ArrayView1::from(&params[l.b_offset..l.b_offset + l.fan_out]))
    }

    fn weights_mut<'a>(l: &LayerShape, params: &'a mut [F]) -> (ArrayViewMut2<'a, F>, ArrayViewMut1<'a, F>) {
        let (w, rest) = params[l.w_offset..l.b_offset + l.fan_out].split_at_mut(l.fan_in * l.fan_out);
        let w = ArrayViewMut2::from_shape((l.fan_in, l.fan_out), w).expect("layer shapes tile the parameter vector");
        (w, ArrayViewMut1::from(rest))
    }

    /// Forward pass of `x` (at most `ws.capacity` rows); returns the logits.
    pub fn forward<'w>(&self, x: ArrayView2<F>, ws: &'w mut Workspace<F>) -> ArrayView2<'w, F> {
        self.forward_with(&self.params, x, ws)
    }

    fn forward_with<'w>(&self, params: &[F], x: ArrayView2<F>, ws: &'w mut Workspace<F>) -> ArrayView2<'w, F> {
        let rows = x.nrows();
        assert!(rows <= ws.capacity, "batch of {rows} rows exceeds the workspace's {}", ws.capacity);
        let last = self.layers.len() - 1;
        for (i, l) in self.layers.iter().enumerate() {
            let (w, b) = Self::weights(l, params);
            let (before, after) = ws.acts.split_at_mut(i);
            let input = if i == 0 { x.view() } else { before[i - 1].slice(s![..rows, ..]) };
            let mut out = after[0].slice_mut(s![..rows, ..]);
            out.assign(&b.broadcast((rows, l.fan_out)).expect("bias matches the layer width"));
            mul(rows, &input, &w, F::one(), &mut out);
            if i < last {
                match self.activation {
                    Activation::Relu => out.mapv_inplace(|z| z.max(F::zero())),
                    Activation::Tanh => out.mapv_inplace(Scalar::tanh_),
                }
            }
        }
        ws.acts[last].slice(s![..rows, ..])
    }

    /// Forward and backward pass on one batch: writes ∇θ of the mean loss into `grad` (same layout as
    /// `params`) and returns the batch's loss and accuracy sums.
    pub fn loss_grad(
        &self,
        x: ArrayView2<F>,
        labels: &[usize],
        kind: LossKind,
        ws: &mut Workspace<F>,
        grad: &mut [F],
    ) -> BatchStats {
        self.loss_grad_with(&self.params, x, labels, kind, ws, grad)
    }

    /// [`Mlp::loss_grad`] at other parameters `params` (used by gradient checks and diagnostics).
    pub fn loss_grad_with(
        &self,
        params: &[F],
        x: ArrayView2<F>,
        labels: &[usize],
        kind: LossKind,
        ws: &mut Workspace<F>,
        grad: &mut [F],
    ) -> BatchStats {
        let rows = x.nrows();
        let last = self.layers.len() - 1;
        self.forward_with(params, x.view(), ws);
        let stats = loss::evaluate(
            kind,
            ws.acts[last].slice(s![..rows, ..]),
            labels,
            Some(ws.deltas[last].slice_mut(s![..rows, ..])),
            F::of(1.0 / rows as f64),
        );
        for i in (0..=last).rev() {
            let l = &self.layers[i];
            let input = if i == 0 { x.view() } else { ws.acts[i - 1].slice(s![..rows, ..]) };
            let (before, after) = ws.deltas.split_at_mut(i);
            let delta = after[0].slice(s![..rows, ..]);
            let (mut gw, mut gb) = Self::weights_mut(l, grad);
            mul(rows, &input.t(), &delta, F::zero(), &mut gw);
            gb.fill(F::zero());
            for row in delta.axis_iter(Axis(0)) {
                gb += &row;
            }
            if i > 0 {
                let (w, _) = Self::weights(l, params);
                let mut prev = before[i - 1].slice_mut(s![..rows, ..]);
                mul(rows, &delta, &w.t(), F::zero(), &mut prev);
                let act = ws.acts[i - 1].slice(s![..rows, ..]);
                match self.activation {
                    Activation::Relu => Zip::from(&mut prev).and(&act).for_each(|d, &a| {
                        if a <= F::zero() {
                            *d = F::zero();
                        }
                    }),
                    Activation::Tanh => Zip::from(&mut prev).and(&act).for_each(|d, &a| *d *= F::one() - a * a),
                }
            }
        }
        stats
    }

    /// Multiply-adds per example of one `pass` through the network: the cost model that budgets the
    /// automatic diagnostics in operations, never by the clock, so a run measures at the same steps
    /// on every machine. Counts the matrix products, which dominate every pass.
    pub fn macs_per_row(&self, pass: Pass) -> f64 {
        let all: usize = self.layers.iter().map(|l| l.fan_in * l.fan_out).sum();
        // Layers above the first also carry a product back to the layer below.
        let upper = all - self.layers.first().map_or(0, |l| l.fan_in * l.fan_out);
        let (all, upper) = (all as f64, upper as f64);
        match pass {
            Pass::Forward => all,
            // Forward, the weights' gradients, and δ carried down.
            Pass::Gradient => 2.0 * all + upper,
            // Forward; R(forward); δ carried down; R(∇W) (one product, two above the first layer);
            // R(δ) carried down (two products).
            Pass::Hvp => 3.0 * all + 5.0 * upper,
        }
    }

    /// After [`Mlp::loss_grad`] on `x` (of `rows` rows, with its mean-loss scaling), adds each
    /// example's squared gradient norm ‖∇ℓᵢ‖² to `out[i]`: for a dense layer ∇_W ℓᵢ = aᵢ δᵢᵀ, so
    /// ‖∇_W ℓᵢ‖² + ‖∇_b ℓᵢ‖² = (‖aᵢ‖² + 1)‖δᵢ‖², with no per-example gradient formed (Goodfellow 2015).
    pub fn add_per_example_sq_norms(&self, x: ArrayView2<F>, ws: &Workspace<F>, out: &mut [f64]) {
        let rows = x.nrows();
        // The backward pass scaled δ by 1/rows.
        let unscale = (rows * rows) as f64;
        for (i, _) in self.layers.iter().enumerate() {
            let input = if i == 0 { x.view() } else { ws.acts[i - 1].slice(s![..rows, ..]) };
            let delta = ws.deltas[i].slice(s![..rows, ..]);
            for (r, o) in out.iter_mut().enumerate().take(rows) {
                let a2: f64 = input.row(r).iter().map(|&a| a.wide() * a.wide()).sum();
                let d2: f64 = delta.row(r).iter().map(|&d| d.wide() * d.wide()).sum();
                *o += (a2 + 1.0) * d2 * unscale;
            }
        }
    }

    /// Loss and accuracy sums over a whole data set, in chunks of the workspace's capacity.
    pub fn evaluate(&self, x: ArrayView2<F>, labels: &[usize], kind: LossKind, ws: &mut Workspace<F>) -> BatchStats {
        let mut total = BatchStats::default();
        let chunk = ws.capacity;
        for start in (0..labels.len()).step_by(chunk) {
            let end = (start + chunk).min(labels.len());
            let logits = self.forward(x.slice(s![start..end, ..]), ws);
            total.add(loss::evaluate(kind, logits, &labels[start..end], None, F::one()));
            crate::pulse::beat();
        }
        total
    }

    /// H·v, the Hessian of the mean loss over all of `x` at `params` times `v` (same layout as
    /// `params`), written into `hv`. Exact: the R-operator (Pearlmutter 1994) pushes the directional
    /// derivative R(·) = d/dt(·)(params + t·v) through the forward pass and then through the backward
    /// pass, so nothing is differenced and a ReLU's kink is never mistaken for curvature. Rows are
    /// taken in chunks of the workspace's capacity.
    pub fn hvp(
        &self,
        params: &[F],
        data: Examples<F>,
        kind: LossKind,
        v: &[F],
        ws: &mut HvpWorkspace<F>,
        hv: &mut [F],
    ) {
        hv.fill(F::zero());
        let scale = F::of(1.0 / data.len().max(1) as f64);
        let chunk = ws.base.capacity;
        for start in (0..data.len()).step_by(chunk) {
            let end = (start + chunk).min(data.len());
            self.hvp_chunk(params, data.rows(start, end), kind, (v, hv), ws, scale);
            crate::pulse::beat();
        }
    }

    /// Adds `scale` × Σ over the chunk's rows of the per-example Hessian times `v` to `hv`.
    fn hvp_chunk(
        &self,
        params: &[F],
        chunk: Examples<F>,
        kind: LossKind,
        (v, hv): (&[F], &mut [F]),
        ws: &mut HvpWorkspace<F>,
        scale: F,
    ) {
        let (x, labels) = (chunk.x, chunk.y);
        let rows = x.nrows();
        let last = self.layers.len() - 1;
        self.forward_with(params, x.view(), &mut ws.base);
        let HvpWorkspace { base: Workspace { acts, deltas, .. }, r_pre, r_acts, r_deltas } = ws;
        // Forward: R(z) = R(input)·W + input·V + c; R(a) = σ'(z) ⊙ R(z).
        for (i, l) in self.layers.iter().enumerate() {
            let (w, _) = Self::weights(l, params);
            let (vw, vb) = Self::weights(l, v);
            let input = if i == 0 { x.view() } else { acts[i - 1].slice(s![..rows, ..]) };
            let mut rz = r_pre[i].slice_mut(s![..rows, ..]);
            rz.assign(&vb.broadcast((rows, l.fan_out)).expect("bias matches the layer width"));
            general_mat_mul(F::one(), &input, &vw, F::one(), &mut rz);
            if i > 0 {
                general_mat_mul(F::one(), &r_acts[i - 1].slice(s![..rows, ..]), &w, F::one(), &mut rz);
            }
            if i < last {
                let a = acts[i].slice(s![..rows, ..]);
                let mut ra = r_acts[i].slice_mut(s![..rows, ..]);
                Zip::from(&mut ra).and(&rz).and(&a).for_each(|ra, &rz, &a| *ra = rz * self.activation.slope(a));
            }
        }
        // The loss: δ = scale·∇ℓ(z), R(δ) = scale·∇²ℓ(z)·R(z).
        let logits = acts[last].slice(s![..rows, ..]);
        loss::evaluate(kind, logits, labels, Some(deltas[last].slice_mut(s![..rows, ..])), scale);
        loss::hessian_times(
            kind,
            logits,
            r_pre[last].slice(s![..rows, ..]),
            r_deltas[last].slice_mut(s![..rows, ..]),
            scale,
        );
        // Backward: R(∇W) = inputᵀ·R(δ) + R(input)ᵀ·δ, and R(δ) of the layer below.
        for i in (0..=last).rev() {
            let l = &self.layers[i];
            let input = if i == 0 { x.view() } else { acts[i - 1].slice(s![..rows, ..]) };
            let (delta, r_delta) = (deltas[i].slice(s![..rows, ..]), r_deltas[i].slice(s![..rows, ..]));
            let (mut gw, mut gb) = Self::weights_mut(l, hv);
            general_mat_mul(F::one(), &input.t(), &r_delta, F::one(), &mut gw);
            for row in r_delta.axis_iter(Axis(0)) {
                gb += &row;
            }
            if i == 0 {
                continue;
            }
            general_mat_mul(F::one(), &r_acts[i - 1].slice(s![..rows, ..]).t(), &delta, F::one(), &mut gw);
            let (w, _) = Self::weights(l, params);
            let (vw, _) = Self::weights(l, v);
            // e = δ·Wᵀ (∂L/∂a below); δ' = e ⊙ σ'; R(δ') = (R(δ)·Wᵀ + δ·Vᵀ) ⊙ σ' + e ⊙ σ'' ⊙ R(z).
            let (below, here) = deltas.split_at_mut(i);
            let mut e = below[i - 1].slice_mut(s![..rows, ..]);
            general_mat_mul(F::one(), &here[0].slice(s![..rows, ..]), &w.t(), F::zero(), &mut e);
            let (r_below, r_here) = r_deltas.split_at_mut(i);
            let mut rd = r_below[i - 1].slice_mut(s![..rows, ..]);
            general_mat_mul(F::one(), &r_here[0].slice(s![..rows, ..]), &w.t(), F::zero(), &mut rd);
            general_mat_mul(F::one(), &here[0].slice(s![..rows, ..]), &vw.t(), F::one(), &mut rd);
            let (a, rz) = (acts[i - 1].slice(s![..rows, ..]), r_pre[i - 1].slice(s![..rows, ..]));
            let act = self.activation;
            Zip::from(&mut rd).and(&mut e).and(&a).and(&rz).for_each(|rd, e, &a, &rz| {
                *rd = *rd * act.slope(a) + *e * act.curvature(a) * rz;
                *e *= act.slope(a);
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// The matrix products sum each output over k in one order (in matrixmultiply's blocks of 256, each
    /// from zero, added to C in turn), without fused multiply-adds, whatever the SIMD width of the
    /// kernel: SSE2 or AVX natively, simd128 in the browser. So a run is the same bit for bit on each;
    /// this checks the kernel this build uses against that order, for the shapes training meets
    /// (k of 1 to 600 covers a batch of 512 and the blocks) and a few rows, which take the loops.
    #[test]
    fn products_sum_in_one_fixed_order_whatever_the_kernel() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut draw = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-2.0f32..2.0)).collect() };
        for &(m, k, n) in &[(3, 64, 10), (32, 64, 128), (128, 128, 10), (37, 300, 19), (64, 600, 128), (9, 1, 33)] {
            for beta in [0.0f32, 1.0] {
                let a = Array2::from_shape_vec((m, k), draw(m * k)).unwrap();
                let b = Array2::from_shape_vec((k, n), draw(k * n)).unwrap();
                let c0 = Array2::from_shape_vec((m, n), draw(m * n)).unwrap();
                let mut c = c0.clone();
                mul(m, &a.view(), &b.view(), beta, &mut c.view_mut());
                for ((i, j), got) in c.indexed_iter() {
                    let mut want = c0[(i, j)];
                    for (block, ps) in (0..k).collect::<Vec<_>>().chunks(256).enumerate() {
                        let sum = ps.iter().fold(0.0f32, |s, &p| s + a[(i, p)] * b[(p, j)]);
                        want = sum + if block == 0 { beta } else { 1.0 } * want;
                    }
                    if m <= SMALL_ROWS {
                        // The loops add each product into C in turn.
                        want = (0..k).fold(beta * c0[(i, j)], |s, p| s + a[(i, p)] * b[(p, j)]);
                    }
                    assert_eq!(got.to_bits(), want.to_bits(), "({m}×{k})·({k}×{n}), β {beta}, at ({i}, {j})");
                }
            }
        }
    }

    /// Central finite differences in f64 against the analytic gradient, for every parameter of small
    /// networks covering each layer type, activation and loss.
    #[test]
    fn gradients_match_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let x = Array2::from_shape_fn((7, 5), |(i, j)| ((i * 5 + j) as f64 * 0.37).sin());
        let labels = [0, 2, 1, 2, 0, 1, 1];
        for hidden in [vec![], vec![6], vec![6, 4]] {
            for activation in [Activation::Relu, Activation::Tanh] {
                for kind in [LossKind::CrossEntropy, LossKind::Mse] {
                    let mut net = Mlp::<f64>::new(5, &hidden, 3, activation, &mut rng);
                    // Non-zero biases so that their gradients are exercised too.
                    for p in &mut net.params {
                        *p += 0.05;
                    }
                    let mut ws = net.workspace(7);
                    let mut grad = vec![0.0; net.param_count()];
                    net.loss_grad(x.view(), &labels, kind, &mut ws, &mut grad);
                    let mut scratch = vec![0.0; net.param_count()];
                    let h = 1e-6;
                    for k in 0..net.param_count() {
                        let mut p = net.params.clone();
                        p[k] += h;
                        let up = net.loss_grad_with(&p, x.view(), &labels, kind, &mut ws, &mut scratch).mean_loss();
                        p[k] -= 2.0 * h;
                        let down = net.loss_grad_with(&p, x.view(), &labels, kind, &mut ws, &mut scratch).mean_loss();
                        let numeric = (up - down) / (2.0 * h);
                        let err = (numeric - grad[k]).abs() / (1e-6 + numeric.abs().max(grad[k].abs()));
                        assert!(
                            err < 1e-5 || (numeric - grad[k]).abs() < 1e-9,
                            "{hidden:?} {activation:?} {kind:?} param {k}: analytic {} numeric {numeric}",
                            grad[k]
                        );
                    }
                }
            }
        }
    }

    /// The per-example squared gradient norms of a batch pass against each example's gradient taken
    /// alone.
    #[test]
    fn per_example_norms_match_single_example_gradients() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let x = Array2::from_shape_fn((9, 4), |(i, j)| ((i * 4 + j) as f64 * 0.71).cos());
        let labels = [0, 1, 2, 1, 0, 2, 2, 1, 0];
        for hidden in [vec![], vec![5], vec![5, 3]] {
            for kind in [LossKind::CrossEntropy, LossKind::Mse] {
                let net = Mlp::<f64>::new(4, &hidden, 3, Activation::Tanh, &mut rng);
                let (mut ws, mut grad) = (net.workspace(9), vec![0.0; net.param_count()]);
                net.loss_grad(x.view(), &labels, kind, &mut ws, &mut grad);
                let mut norms = vec![0.0; 9];
                net.add_per_example_sq_norms(x.view(), &ws, &mut norms);
                for (i, &n) in norms.iter().enumerate() {
                    net.loss_grad(x.slice(s![i..=i, ..]), &labels[i..=i], kind, &mut ws, &mut grad);
                    let want: f64 = grad.iter().map(|g| g * g).sum();
                    assert!((n - want).abs() <= 1e-10 * want.max(1.0), "{hidden:?} {kind:?} row {i}: {n} vs {want}");
                }
            }
        }
    }

    /// science.md, "Live estimators": the R-operator's H·v against a dense float64 Hessian (central
    /// differences of the analytic gradient, column by column) of small ReLU and tanh networks with
    /// each loss, at random points and in random directions; chunking over rows is exercised too.
    #[test]
    fn hessian_vector_products_match_a_dense_hessian() {
        use rand_distr::StandardNormal;
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let x = Array2::from_shape_fn((9, 4), |(i, j)| ((i * 4 + j) as f64 * 0.61).sin());
        let labels = [0, 2, 1, 2, 0, 1, 1, 0, 2];
        let mut worst: f64 = 0.0;
        for hidden in [vec![5], vec![4, 3]] {
            for activation in [Activation::Relu, Activation::Tanh] {
                for kind in [LossKind::CrossEntropy, LossKind::Mse] {
                    let mut net = Mlp::<f64>::new(4, &hidden, 3, activation, &mut rng);
                    for p in &mut net.params {
                        *p += 0.3 * rng.sample::<f64, _>(StandardNormal);
                    }
                    let p = net.param_count();
                    let mut ws = net.workspace(9);
                    let (mut up, mut down) = (vec![0.0; p], vec![0.0; p]);
                    let h = 1e-5;
                    let mut dense = vec![vec![0.0; p]; p];
                    for j in 0..p {
                        let mut q = net.params.clone();
                        q[j] += h;
                        net.loss_grad_with(&q, x.view(), &labels, kind, &mut ws, &mut up);
                        q[j] -= 2.0 * h;
                        net.loss_grad_with(&q, x.view(), &labels, kind, &mut ws, &mut down);
                        for i in 0..p {
                            dense[i][j] = (up[i] - down[i]) / (2.0 * h);
                        }
                    }
                    let mut hws = net.hvp_workspace(4);
                    let mut hv = vec![0.0; p];
                    for _ in 0..3 {
                        let v: Vec<f64> = (0..p).map(|_| rng.sample(StandardNormal)).collect();
                        net.hvp(&net.params, Examples::new(x.view(), &labels), kind, &v, &mut hws, &mut hv);
                        let want: Vec<f64> =
                            dense.iter().map(|row| row.iter().zip(&v).map(|(a, b)| a * b).sum()).collect();
                        let err = hv.iter().zip(&want).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt()
                            / want.iter().map(|b| b * b).sum::<f64>().sqrt();
                        assert!(err < 1e-6, "{hidden:?} {activation:?} {kind:?}: relative error {err:.2e}");
                        worst = worst.max(err);
                    }
                }
            }
        }
        println!("worst relative error of H·v against the dense Hessian: {worst:.2e}");
    }

    #[test]
    fn evaluate_in_chunks_equals_one_pass() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let net = Mlp::<f64>::new(4, &[8], 3, Activation::Relu, &mut rng);
        let x = Array2::from_shape_fn((10, 4), |(i, j)| (i as f64 - j as f64) * 0.1);
        let labels: Vec<usize> = (0..10).map(|i| i % 3).collect();
        let whole = net.evaluate(x.view(), &labels, LossKind::CrossEntropy, &mut net.workspace(10));
        let chunked = net.evaluate(x.view(), &labels, LossKind::CrossEntropy, &mut net.workspace(3));
        assert!((whole.loss_sum - chunked.loss_sum).abs() < 1e-12);
        assert_eq!(whole.correct, chunked.correct);
    }
}
