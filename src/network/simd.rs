//! Vectorised sigmoid and tanh, dispatched at run time to the widest SIMD the CPU has (pulp:
//! AVX-512, AVX2+FMA, or scalar).
//!
//! exp is the whole cost of these activations, and std's exp is a scalar library call (with a
//! slow path for the large |z| of saturated units), so exp is written here as a polynomial on
//! SIMD registers: no crate provides a vectorised f64 exp generic over pulp's `Simd`. It is
//! accurate to a few ulps of std; the tests compare both on random and extreme inputs.
//!
//! Each kernel is a standalone `#[inline(always)]` function over registers, called inside the
//! dispatch, so every `mul_add` compiles to an FMA instruction rather than a library call.
//!
//! The kernels are methods of [`Lanes`], with portable bodies written once over pulp's
//! [`Simd`]. AVX-512 overrides the sigmoid and exp with two instructions pulp's portable
//! interface lacks: `vscalefpd` (× 2ⁿ, subnormals included, in one step) and `vrcp14pd` (a
//! 14-bit reciprocal that saves two Newton steps). pulp's own dispatch can only call the
//! portable bodies, so [`dispatch`] is written here: it picks the widest [`Lanes`] once.

use super::Activation;
use pulp::{NullaryFnOnce, Simd};
use std::sync::atomic::{AtomicU8, Ordering};

const LOG2E: f64 = std::f64::consts::LOG2_E;
// ln 2 split in two so that n · LN2_HI is exact for |n| < 2^11 (fdlibm's constants).
const LN2_HI: f64 = 6.931_471_803_691_238e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// 1.5 · 2^52: adding it rounds to an integer, kept in the low mantissa bits.
const SHIFT: f64 = 6_755_399_441_055_744.0;
/// `2^52 + 1023`: adding an integer k stores `k + 1023` (a biased exponent) in the low bits.
const EXP_BIAS: f64 = 4_503_599_627_371_519.0;
/// e^r on |r| ≤ ln2/2 by a degree-11 polynomial (coefficients of r^11 down to r^2; those of r
/// and 1 are 1): Chebyshev-economised in 40-digit arithmetic (mpmath `chebyfit`), error
/// 4.5e-18 relative — two terms fewer than Taylor for the same accuracy.
const EXP_POLY: [f64; 10] = [
    2.511_004_920_481_865_8e-8,
    2.763_265_472_252_779e-7,
    2.755_724_088_722_987e-6,
    2.480_148_544_156_131_3e-5,
    1.984_126_989_007_640_3e-4,
    1.388_888_895_235_286_3e-3,
    8.333_333_333_319_589e-3,
    4.166_666_666_648_795e-2,
    0.166_666_666_666_666_8,
    0.500_000_000_000_001_9,
];
/// tanh's odd Taylor coefficients for z^35 down to z^1 (from Bernoulli numbers); for
/// |z| < 0.5 the first omitted term is below 1e-18 relative.
const TANH_POLY: [f64; 18] = [
    -1.740_661_896_357_164_8e-7,
    4.294_911_078_273_806e-7,
    -1.059_726_832_010_465_4e-6,
    2.614_771_151_290_754_6e-6,
    -6.451_689_215_655_431e-6,
    1.591_890_506_932_896_4e-5,
    -3.927_832_388_331_683e-5,
    9.691_537_956_929_451e-5,
    -2.391_291_142_435_524_8e-4,
    5.900_274_409_455_86e-4,
    -1.455_834_387_051_318_3e-3,
    3.592_128_036_572_481e-3,
    -8.863_235_529_902_197e-3,
    2.186_948_853_615_520_3e-2,
    -5.396_825_396_825_397e-2,
    0.133_333_333_333_333_33,
    -0.333_333_333_333_333_3,
    1.0,
];

/// x = n·ln2 + r with |r| ≤ ln2/2: returns (n, e^r) for x already clamped to a finite range.
#[inline(always)]
fn reduce<S: Simd>(s: S, xc: S::f64s) -> (S::f64s, S::f64s) {
    let (n, r, p) = reduce_parts(s, xc);
    (n, s.mul_add_f64s(p, r, s.splat_f64s(1.0)))
}

/// x = n·ln2 + r as in [`reduce`], with e^r = p·r + 1: returns (n, r, p), so that e^r − 1 = p·r
/// comes without cancellation.
#[inline(always)]
fn reduce_parts<S: Simd>(s: S, xc: S::f64s) -> (S::f64s, S::f64s, S::f64s) {
    let t = s.mul_add_f64s(xc, s.splat_f64s(LOG2E), s.splat_f64s(SHIFT));
    let n = s.sub_f64s(t, s.splat_f64s(SHIFT));
    let r = s.mul_add_f64s(s.neg_f64s(n), s.splat_f64s(LN2_HI), xc);
    let r = s.mul_add_f64s(s.neg_f64s(n), s.splat_f64s(LN2_LO), r);
    let mut p = s.splat_f64s(EXP_POLY[0]);
    for c in &EXP_POLY[1..] {
        p = s.mul_add_f64s(p, r, s.splat_f64s(*c));
    }
    (n, r, s.mul_add_f64s(p, r, s.splat_f64s(1.0)))
}

/// 2^k for integers k in [-1022, 1023] held in floats: the biased exponent k + 1023 is formed
/// in a float's low bits, then moved up by a wrapping multiply with 2^52 (pulp has no generic
/// 64-bit shifts; the high bits of 2^52 + 1023 vanish in the product).
#[inline(always)]
fn pow2<S: Simd>(s: S, k: S::f64s) -> S::f64s {
    let biased = s.transmute_u64s_f64s(s.add_f64s(k, s.splat_f64s(EXP_BIAS)));
    s.transmute_f64s_u64s(s.mul_u64s(biased, s.splat_u64s(1 << 52)))
}

/// `e^x` lane by lane: x = n·ln2 + r, e^r by polynomial, times 2^n built from its bits.
#[inline(always)]
fn exp<S: Simd>(s: S, x: S::f64s) -> S::f64s {
    // Beyond these bounds the result is 0 or inf anyway; clamping keeps n in range.
    let xc = s.min_f64s(s.max_f64s(x, s.splat_f64s(-746.0)), s.splat_f64s(710.0));
    let (n, p) = reduce(s, xc);
    // 2^n as two factors so that subnormal results and n = 1024 work.
    let half = s.sub_f64s(
        s.mul_add_f64s(n, s.splat_f64s(0.5), s.splat_f64s(SHIFT)),
        s.splat_f64s(SHIFT),
    );
    let y = s.mul_f64s(s.mul_f64s(p, pow2(s, half)), pow2(s, s.sub_f64s(n, half)));
    // min/max drop NaN; give it back.
    s.select_f64s(s.equal_f64s(x, x), y, x)
}

/// `e^x` for x ≤ 0 (all sigmoid and tanh need): n ≤ 0, so one factor 2^(n+64) and an exact
/// multiply by 2^-64 reach the subnormal range with a single rounding.
#[inline(always)]
fn exp_neg<S: Simd>(s: S, x: S::f64s) -> S::f64s {
    let xc = s.max_f64s(x, s.splat_f64s(-746.0));
    let (n, p) = reduce(s, xc);
    let scale = pow2(s, s.add_f64s(n, s.splat_f64s(64.0)));
    let y = s.mul_f64s(
        s.mul_f64s(p, scale),
        s.splat_f64s(f64::from_bits(0x3bf0_0000_0000_0000)),
    );
    s.select_f64s(s.equal_f64s(x, x), y, x)
}

/// `1 / x` for x in [1, 2], without a division (a 512-bit division costs more than the whole
/// exp): Newton's iteration from the linear guess 24/17 − 8/17·x (relative error ≤ 1/17),
/// three steps (error 1.5e-10), then one FMA correction to within an ulp.
#[inline(always)]
fn recip_1_2<S: Simd>(s: S, x: S::f64s) -> S::f64s {
    let two = s.splat_f64s(2.0);
    let mut r = s.mul_add_f64s(s.splat_f64s(-8.0 / 17.0), x, s.splat_f64s(24.0 / 17.0));
    for _ in 0..3 {
        r = s.mul_f64s(r, s.negate_mul_add_f64s(x, r, two));
    }
    let e = s.negate_mul_add_f64s(x, r, s.splat_f64s(1.0));
    s.mul_add_f64s(r, e, r)
}

/// With u = e^{−|z|} in (0, 1]: σ(z) = 1/(1 + u) for z ≥ 0 and u/(1 + u) for z < 0. The
/// denominator stays in (1, 2], so no overflow, no division, and subnormal results come out
/// of u · (1/(1 + u)) exactly as they should.
#[inline(always)]
fn sigmoid<S: Simd>(s: S, z: S::f64s) -> S::f64s {
    let u = exp_neg(s, s.neg_f64s(s.abs_f64s(z)));
    let r = recip_1_2(s, s.add_f64s(s.splat_f64s(1.0), u));
    // NaN fails the comparison and takes u · r, which is NaN.
    s.select_f64s(
        s.greater_than_or_equal_f64s(z, s.splat_f64s(0.0)),
        r,
        s.mul_f64s(u, r),
    )
}

#[inline(always)]
fn tanh<S: Simd>(s: S, z: S::f64s) -> S::f64s {
    let a = s.abs_f64s(z);
    let one = s.splat_f64s(1.0);
    // |z| ≥ 0.5: (1 − e^{−2|z|}) / (1 + e^{−2|z|}), with the sign of z.
    let e = exp_neg(s, s.mul_f64s(a, s.splat_f64s(-2.0)));
    let big = s.mul_f64s(s.sub_f64s(one, e), recip_1_2(s, s.add_f64s(one, e)));
    let sign = s.transmute_f64s_u64s(s.and_u64s(
        s.transmute_u64s_f64s(z),
        s.splat_u64s(0x8000_0000_0000_0000),
    ));
    let big =
        s.transmute_f64s_u64s(s.or_u64s(s.transmute_u64s_f64s(big), s.transmute_u64s_f64s(sign)));
    // |z| < 0.5: the odd series, free of the cancellation in 1 − e^{−2|z|}.
    let w = s.mul_f64s(z, z);
    let mut p = s.splat_f64s(TANH_POLY[0]);
    for c in &TANH_POLY[1..] {
        p = s.mul_add_f64s(p, w, s.splat_f64s(*c));
    }
    let small = s.mul_f64s(z, p);
    let y = s.select_f64s(s.less_than_f64s(a, s.splat_f64s(0.5)), small, big);
    s.select_f64s(s.equal_f64s(z, z), y, z)
}

/// `max(z, 0)`, keeping NaN (so a diverged run shows as NaN, not as a dead unit).
#[inline(always)]
fn relu<S: Simd>(s: S, z: S::f64s) -> S::f64s {
    let zero = s.splat_f64s(0.0);
    // `0 > z ? 0 : z` keeps NaN; adding +0 turns −0 into +0, as `z > 0 ? z : 0` does. Written
    // as one select and an add, not two selects: LLVM turned those, stored in place, into a
    // masked store, which is microcoded and several times slower on AMD's cores.
    s.add_f64s(s.select_f64s(s.greater_than_f64s(zero, z), zero, z), zero)
}

/// `d` where the unit was active (`a > 0`), else 0.
#[inline(always)]
fn relu_grad<S: Simd>(s: S, d: S::f64s, a: S::f64s) -> S::f64s {
    let zero = s.splat_f64s(0.0);
    s.select_f64s(s.greater_than_f64s(a, zero), d, zero)
}

/// `d · a(1 − a)`: the sigmoid's derivative from its output.
#[inline(always)]
fn sigmoid_grad<S: Simd>(s: S, d: S::f64s, a: S::f64s) -> S::f64s {
    // a(1 − a) as the tutorials write it: a − a·a in one fused operation would save an
    // instruction but round differently, and the tutorials' moons run is chaotic at that level.
    s.mul_f64s(d, s.mul_f64s(a, s.sub_f64s(s.splat_f64s(1.0), a)))
}

/// `d · (1 − a²)`: tanh's derivative from its output.
#[inline(always)]
fn tanh_grad<S: Simd>(s: S, d: S::f64s, a: S::f64s) -> S::f64s {
    s.mul_f64s(d, s.negate_mul_add_f64s(a, a, s.splat_f64s(1.0)))
}

/// A SIMD instruction set with runner's register kernels. The default bodies are portable;
/// an instruction set overrides what it can do faster.
pub trait Lanes: Simd {
    #[inline(always)]
    fn sigmoid(self, z: Self::f64s) -> Self::f64s {
        sigmoid(self, z)
    }
    #[inline(always)]
    fn tanh(self, z: Self::f64s) -> Self::f64s {
        tanh(self, z)
    }
    #[inline(always)]
    fn exp(self, x: Self::f64s) -> Self::f64s {
        exp(self, x)
    }
    #[inline(always)]
    fn relu(self, z: Self::f64s) -> Self::f64s {
        relu(self, z)
    }
    #[inline(always)]
    fn sigmoid_grad(self, d: Self::f64s, a: Self::f64s) -> Self::f64s {
        sigmoid_grad(self, d, a)
    }
    #[inline(always)]
    fn tanh_grad(self, d: Self::f64s, a: Self::f64s) -> Self::f64s {
        tanh_grad(self, d, a)
    }
    #[inline(always)]
    fn relu_grad(self, d: Self::f64s, a: Self::f64s) -> Self::f64s {
        relu_grad(self, d, a)
    }
    /// `z ← σ(z + bias)` in f32. By default through the f64 kernel, a stack buffer at a time,
    /// each value rounded once.
    #[inline(always)]
    fn sigmoid_f32(self, z: &mut [f32], bias: f32) {
        through_f64(self, z, bias, F32Kernel::Sigmoid);
    }
}

/// An f32 kernel.
#[derive(Clone, Copy)]
enum F32Kernel {
    Sigmoid,
    Tanh,
    Relu,
}

/// `z ← f(z + bias)` in f32 through the f64 kernel, a stack buffer at a time: each value is
/// the f64 result rounded once, without a second exp polynomial to maintain.
#[inline(always)]
fn through_f64<S: Lanes>(s: S, z: &mut [f32], bias: f32, f: F32Kernel) {
    let mut buf = [0.0f64; 256];
    for chunk in z.chunks_mut(buf.len()) {
        let b = &mut buf[..chunk.len()];
        for (o, v) in b.iter_mut().zip(chunk.iter()) {
            *o = *v as f64;
        }
        match f {
            F32Kernel::Sigmoid => SigmoidSlice(b, bias as f64).run(s),
            F32Kernel::Tanh => TanhSlice(b, bias as f64).run(s),
            F32Kernel::Relu => ReluSlice(b, bias as f64).run(s),
        }
        for (o, v) in chunk.iter_mut().zip(b.iter()) {
            *o = *v as f32;
        }
    }
}

/// f32 derivatives: plain loops, which the compiler vectorises for the instruction set they
/// are dispatched to.
struct F32Grad<'a>(&'a mut [f32], &'a [f32], F32Kernel);

impl LanesOp for F32Grad<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Lanes>(self, _: S) {
        let F32Grad(d, a, f) = self;
        match f {
            F32Kernel::Sigmoid => {
                for (d, a) in d.iter_mut().zip(a) {
                    *d *= a * (1.0 - a);
                }
            }
            F32Kernel::Tanh => {
                for (d, a) in d.iter_mut().zip(a) {
                    *d *= 1.0 - a * a;
                }
            }
            F32Kernel::Relu => {
                for (d, a) in d.iter_mut().zip(a) {
                    *d = if *a > 0.0 { *d } else { 0.0 };
                }
            }
        }
    }
}

impl Lanes for pulp::Scalar {}

#[cfg(target_arch = "x86_64")]
impl Lanes for pulp::x86::V3 {}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::*;
    use core::arch::x86_64::{__m512, __m512d, _CMP_LT_OQ};
    use pulp::{cast, f64x8, x86::V4};

    /// `e^x` for x ≤ 0 (or NaN): the portable reduction, then `vscalefpd` multiplies by 2ⁿ
    /// with a single rounding, down to subnormals and to 0.
    #[inline(always)]
    fn exp_neg(s: V4, x: __m512d) -> __m512d {
        let f = s.avx512f;
        // vmaxpd returns its second operand when either is NaN: NaN goes through.
        let xc = f._mm512_max_pd(f._mm512_set1_pd(-746.0), x);
        let (n, p) = reduce(s, cast(xc));
        f._mm512_scalef_pd(cast(p), cast(n))
    }

    /// `1/d` for d in [1, 2]: a 14-bit estimate and two Newton steps in the FMA form
    /// r + r(1 − dr), which ends within an ulp.
    #[inline(always)]
    fn recip_1_2(s: V4, d: __m512d) -> __m512d {
        let f = s.avx512f;
        let one = f._mm512_set1_pd(1.0);
        let mut r = f._mm512_rcp14_pd(d);
        for _ in 0..2 {
            let e = f._mm512_fnmadd_pd(d, r, one);
            r = f._mm512_fmadd_pd(r, e, r);
        }
        r
    }

    /// 1.5 · 2^23: adding it rounds an f32 to an integer.
    const SHIFT_F32: f32 = 12_582_912.0;
    /// ln 2 in two parts for f32 (Cephes): n · LN2_HI_F32 is exact for the n that occur.
    const LN2_HI_F32: f32 = 0.693_359_4;
    const LN2_LO_F32: f32 = -2.121_944_4e-4;
    /// e^r = 1 + r + r² · P(r) on |r| ≤ ln2/2, P's coefficients from r^5 down (Cephes expf,
    /// about 1 ulp).
    const EXP_POLY_F32: [f32; 6] = [
        1.987_569_1e-4,
        1.398_199_9e-3,
        8.333_452e-3,
        4.166_579_6e-2,
        0.166_666_65,
        0.5,
    ];

    /// σ on 16 f32 lanes, as the f64 kernel: u = e^{−|z|} with `vscalefpd`'s f32 twin, and
    /// 1/(1 + u) from a 14-bit estimate and one Newton step (28 bits, more than f32 holds).
    #[inline(always)]
    fn sigmoid_f32(s: V4, z: __m512) -> __m512 {
        let f = s.avx512f;
        let one = f._mm512_set1_ps(1.0);
        let x: __m512 = cast(s.neg_f32s(s.abs_f32s(cast(z))));
        // Below −110, e^x is 0 in f32 anyway; vmaxps passes a NaN in its second operand.
        let xc = f._mm512_max_ps(f._mm512_set1_ps(-110.0), x);
        let t = f._mm512_fmadd_ps(
            xc,
            f._mm512_set1_ps(std::f32::consts::LOG2_E),
            f._mm512_set1_ps(SHIFT_F32),
        );
        let n = f._mm512_sub_ps(t, f._mm512_set1_ps(SHIFT_F32));
        let r = f._mm512_fnmadd_ps(n, f._mm512_set1_ps(LN2_HI_F32), xc);
        let r = f._mm512_fnmadd_ps(n, f._mm512_set1_ps(LN2_LO_F32), r);
        let mut p = f._mm512_set1_ps(EXP_POLY_F32[0]);
        for c in &EXP_POLY_F32[1..] {
            p = f._mm512_fmadd_ps(p, r, f._mm512_set1_ps(*c));
        }
        let y = f._mm512_add_ps(f._mm512_fmadd_ps(p, f._mm512_mul_ps(r, r), r), one);
        let u = f._mm512_scalef_ps(y, n);
        let d = f._mm512_add_ps(one, u);
        let q = f._mm512_rcp14_ps(d);
        let q = f._mm512_fmadd_ps(q, f._mm512_fnmadd_ps(d, q, one), q);
        let negative = f._mm512_cmp_ps_mask::<_CMP_LT_OQ>(z, f._mm512_setzero_ps());
        f._mm512_mask_mul_ps(q, negative, u, q)
    }

    impl Lanes for V4 {
        #[inline(always)]
        fn sigmoid_f32(self, z: &mut [f32], bias: f32) {
            let b = self.splat_f32s(bias);
            let (body, tail) = V4::as_mut_simd_f32s(z);
            for v in body {
                *v = cast(sigmoid_f32(self, cast(self.add_f32s(*v, b))));
            }
            if !tail.is_empty() {
                let v = self.add_f32s(self.partial_load_f32s(tail), b);
                self.partial_store_f32s(tail, cast(sigmoid_f32(self, cast(v))));
            }
        }

        /// tanh|z| = −m/(2 + m) with m = e^{−2|z|} − 1 in (−1, 0], the sign of z put back.
        /// m = 2ⁿ(e^r − 1) + (2ⁿ − 1), both terms from `vscalefpd`: for small |z| (n = 0) it
        /// is e^r − 1 straight from the polynomial, free of the cancellation in 1 − e^{−2|z|}
        /// that makes the portable kernel evaluate a second, odd series there.
        #[inline(always)]
        fn tanh(self, z: f64x8) -> f64x8 {
            let f = self.avx512f;
            let one = f._mm512_set1_pd(1.0);
            let a = self.abs_f64s(z);
            // Beyond |z| = 30, tanh is 1 in f64; vmaxpd passes a NaN in its second operand.
            let x = f._mm512_max_pd(
                f._mm512_set1_pd(-60.0),
                cast(self.mul_f64s(a, self.splat_f64s(-2.0))),
            );
            let (n, r, p) = reduce_parts(self, cast(x));
            let (n, em1): (__m512d, __m512d) = (cast(n), cast(self.mul_f64s(p, r)));
            let m = f._mm512_add_pd(
                f._mm512_scalef_pd(em1, n),
                f._mm512_sub_pd(f._mm512_scalef_pd(one, n), one),
            );
            let t = f._mm512_mul_pd(
                m,
                recip_1_2(self, f._mm512_add_pd(f._mm512_set1_pd(2.0), m)),
            );
            // t = −tanh|z| (m ≤ 0): its magnitude, with the sign of z (so tanh(±0) = ±0).
            let sign = self.and_u64s(cast(z), self.splat_u64s(0x8000_0000_0000_0000));
            cast(self.or_u64s(cast(self.abs_f64s(cast(t))), sign))
        }

        /// As the portable sigmoid: u = e^{−|z|}, σ = 1/(1 + u) or u/(1 + u).
        #[inline(always)]
        fn sigmoid(self, z: f64x8) -> f64x8 {
            let f = self.avx512f;
            let z: __m512d = cast(z);
            let u = exp_neg(self, cast(self.neg_f64s(self.abs_f64s(cast(z)))));
            let r = recip_1_2(self, f._mm512_add_pd(f._mm512_set1_pd(1.0), u));
            // NaN fails z < 0 and keeps r, which is NaN.
            let negative = f._mm512_cmp_pd_mask::<_CMP_LT_OQ>(z, f._mm512_setzero_pd());
            cast(f._mm512_mask_mul_pd(r, negative, u, r))
        }
    }
}

/// `f` on one register.
#[inline(always)]
pub(super) fn activate<S: Lanes>(s: S, f: Activation, z: S::f64s) -> S::f64s {
    match f {
        Activation::Sigmoid => s.sigmoid(z),
        Activation::Tanh => s.tanh(z),
        Activation::Relu => s.relu(z),
        // Softmax is never fused (`Fused::choose`).
        Activation::Identity | Activation::Softmax => z,
    }
}

/// `d` times the derivative of `f` at its output `a`, on one register.
#[inline(always)]
pub(super) fn derive<S: Lanes>(s: S, f: Activation, d: S::f64s, a: S::f64s) -> S::f64s {
    match f {
        Activation::Sigmoid => s.sigmoid_grad(d, a),
        Activation::Tanh => s.tanh_grad(d, a),
        Activation::Relu => s.relu_grad(d, a),
        Activation::Identity | Activation::Softmax => d,
    }
}

/// `z ← f(z)` over a slice, inside a dispatch already made (the slice kernels' bodies; a
/// closure here would not be inlined, and each multiply-add would become a call).
#[inline(always)]
pub(super) fn activate_slice<S: Lanes>(s: S, f: Activation, z: &mut [f64]) {
    match f {
        Activation::Sigmoid => SigmoidSlice(z, 0.0).run(s),
        Activation::Tanh => TanhSlice(z, 0.0).run(s),
        Activation::Relu => ReluSlice(z, 0.0).run(s),
        Activation::Identity | Activation::Softmax => {}
    }
}

/// `d ← d · f'(a)` over slices, inside a dispatch already made.
#[inline(always)]
pub(super) fn derive_slice<S: Lanes>(s: S, f: Activation, d: &mut [f64], a: &[f64]) {
    match f {
        Activation::Sigmoid => SigmoidGrad(d, a).run(s),
        Activation::Tanh => TanhGrad(d, a).run(s),
        Activation::Relu => ReluGrad(d, a).run(s),
        Activation::Identity | Activation::Softmax => {}
    }
}

/// The widest instruction set, detected once: 0 unknown, 1 scalar, 3 AVX2+FMA, 4 AVX-512.
static LEVEL: AtomicU8 = AtomicU8::new(0);

#[cfg(test)]
thread_local! {
    /// Tests: the widest level [`dispatch`] may use on this thread (0: no limit).
    static BELOW: std::cell::Cell<u8> = const { std::cell::Cell::new(0) };
}

/// Runs `f` with [`dispatch`] limited, on this thread, to each instruction set in turn that the
/// CPU has (scalar, AVX2, AVX-512): each has its own compiled code to test.
#[cfg(test)]
pub(crate) fn on_every_level(mut f: impl FnMut(u8)) {
    // Make sure the CPU's own level is known before limiting it.
    dispatch(ExpSlice(&mut [], 0.0));
    let top = LEVEL.load(Ordering::Relaxed);
    for level in [1, 3, 4].into_iter().filter(|&l| l <= top) {
        BELOW.with(|b| b.set(level));
        f(level);
        BELOW.with(|b| b.set(0));
    }
}

/// An operation to run on the widest [`Lanes`] the CPU has.
pub trait LanesOp {
    type Output;
    fn run<S: Lanes>(self, s: S) -> Self::Output;
}

struct Call<Op, S>(Op, S);

impl<Op: LanesOp, S: Lanes> NullaryFnOnce for Call<Op, S> {
    type Output = Op::Output;
    #[inline(always)]
    fn call(self) -> Op::Output {
        self.0.run(self.1)
    }
}

/// Runs `op` with the widest instruction set this CPU has, compiled for it.
#[inline(always)]
pub fn dispatch<Op: LanesOp>(op: Op) -> Op::Output {
    #[cfg(target_arch = "x86_64")]
    {
        use pulp::x86::{V3, V4};
        let mut level = LEVEL.load(Ordering::Relaxed);
        #[cfg(test)]
        {
            let below = BELOW.with(|b| b.get());
            if below != 0 {
                level = level.min(below);
            }
        }
        if level == 0 {
            level = if V4::try_new().is_some() {
                4
            } else if V3::try_new().is_some() {
                3
            } else {
                1
            };
            LEVEL.store(level, Ordering::Relaxed);
        }
        // SAFETY: the level was read off this CPU just above or by an earlier call.
        unsafe {
            match level {
                4 => return V4::new_unchecked().vectorize(Call(op, V4::new_unchecked())),
                3 => return V3::new_unchecked().vectorize(Call(op, V3::new_unchecked())),
                _ => {}
            }
        }
    }
    op.run(pulp::Scalar::new())
}

/// Applies a register kernel in place to `z + bias`, the tail through a partial register. A
/// zero bias is not added (one instruction in about thirty, and `z + 0` would only turn −0
/// into +0).
macro_rules! unary_kernel {
    ($name:ident, $kernel:ident) => {
        struct $name<'a>(&'a mut [f64], f64);

        impl LanesOp for $name<'_> {
            type Output = ();

            #[inline(always)]
            fn run<S: Lanes>(self, s: S) {
                let bias = s.splat_f64s(self.1);
                let (body, tail) = S::as_mut_simd_f64s(self.0);
                if self.1 == 0.0 {
                    for v in body.iter_mut() {
                        *v = s.$kernel(*v);
                    }
                } else {
                    for v in body.iter_mut() {
                        *v = s.$kernel(s.add_f64s(*v, bias));
                    }
                }
                if !tail.is_empty() {
                    let v = s.add_f64s(s.partial_load_f64s(tail), bias);
                    s.partial_store_f64s(tail, s.$kernel(v));
                }
            }
        }
    };
}

/// Applies a register kernel `d ← f(d, a)` over two slices.
macro_rules! binary_kernel {
    ($name:ident, $kernel:ident) => {
        struct $name<'a>(&'a mut [f64], &'a [f64]);

        impl LanesOp for $name<'_> {
            type Output = ();

            #[inline(always)]
            fn run<S: Lanes>(self, s: S) {
                let (d_body, d_tail) = S::as_mut_simd_f64s(self.0);
                let (a_body, a_tail) = S::as_simd_f64s(self.1);
                for (d, a) in d_body.iter_mut().zip(a_body) {
                    *d = s.$kernel(*d, *a);
                }
                if !d_tail.is_empty() {
                    let v = s.$kernel(s.partial_load_f64s(d_tail), s.partial_load_f64s(a_tail));
                    s.partial_store_f64s(d_tail, v);
                }
            }
        }
    };
}

unary_kernel!(SigmoidSlice, sigmoid);
unary_kernel!(TanhSlice, tanh);
unary_kernel!(ExpSlice, exp);
unary_kernel!(ReluSlice, relu);
binary_kernel!(ReluGrad, relu_grad);
binary_kernel!(SigmoidGrad, sigmoid_grad);
binary_kernel!(TanhGrad, tanh_grad);

struct F32Slice<'a>(&'a mut [f32], f32, F32Kernel);

impl LanesOp for F32Slice<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Lanes>(self, s: S) {
        let F32Slice(z, bias, f) = self;
        match f {
            // Native where the instruction set has it.
            F32Kernel::Sigmoid => s.sigmoid_f32(z, bias),
            F32Kernel::Tanh | F32Kernel::Relu => through_f64(s, z, bias, f),
        }
    }
}

/// `z ← 1 / (1 + e^{−(z + bias)})` in place, in f32.
pub fn sigmoid_f32_in_place(z: &mut [f32], bias: f32) {
    dispatch(F32Slice(z, bias, F32Kernel::Sigmoid));
}

/// `z ← tanh(z + bias)` in place, in f32.
pub fn tanh_f32_in_place(z: &mut [f32], bias: f32) {
    dispatch(F32Slice(z, bias, F32Kernel::Tanh));
}

/// `z ← max(z + bias, 0)` in place, in f32 (NaN stays NaN).
pub fn relu_f32_in_place(z: &mut [f32], bias: f32) {
    dispatch(F32Slice(z, bias, F32Kernel::Relu));
}

/// `d ← d · a(1 − a)` in f32.
pub fn sigmoid_grad_f32_in_place(d: &mut [f32], a: &[f32]) {
    dispatch(F32Grad(d, a, F32Kernel::Sigmoid));
}

/// `d ← d · (1 − a²)` in f32.
pub fn tanh_grad_f32_in_place(d: &mut [f32], a: &[f32]) {
    dispatch(F32Grad(d, a, F32Kernel::Tanh));
}

/// `d ← d` where `a > 0`, else 0, in f32.
pub fn relu_grad_f32_in_place(d: &mut [f32], a: &[f32]) {
    dispatch(F32Grad(d, a, F32Kernel::Relu));
}

/// `z ← 1 / (1 + e^{−(z + bias)})` in place.
pub fn sigmoid_in_place(z: &mut [f64], bias: f64) {
    dispatch(SigmoidSlice(z, bias));
}

/// `z ← tanh(z + bias)` in place.
pub fn tanh_in_place(z: &mut [f64], bias: f64) {
    dispatch(TanhSlice(z, bias));
}

/// `z ← max(z + bias, 0)` in place (NaN stays NaN).
pub fn relu_in_place(z: &mut [f64], bias: f64) {
    dispatch(ReluSlice(z, bias));
}

/// `d ← d` where `a > 0`, else 0.
pub fn relu_grad_in_place(d: &mut [f64], a: &[f64]) {
    dispatch(ReluGrad(d, a));
}

/// `x ← e^x` in place.
pub fn exp_in_place(x: &mut [f64]) {
    dispatch(ExpSlice(x, 0.0));
}

/// `d ← d · a(1 − a)`.
pub fn sigmoid_grad_in_place(d: &mut [f64], a: &[f64]) {
    dispatch(SigmoidGrad(d, a));
}

/// `d ← d · (1 − a²)`.
pub fn tanh_grad_in_place(d: &mut [f64], a: &[f64]) {
    dispatch(TanhGrad(d, a));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::RandomState;

    /// Distance in units in the last place, treating equal infinities and NaNs as 0, and
    /// zeros of opposite signs as far apart (tanh(−0) is −0).
    fn ulps(a: f64, b: f64) -> u64 {
        if a == 0.0 && b == 0.0 && a.is_sign_negative() != b.is_sign_negative() {
            return u64::MAX;
        }
        if a == b || (a.is_nan() && b.is_nan()) {
            return 0;
        }
        let key = |x: f64| {
            let i = x.to_bits() as i64;
            if i < 0 {
                i64::MIN - i
            } else {
                i
            }
        };
        key(a).abs_diff(key(b))
    }

    fn inputs() -> Vec<f64> {
        let mut rng = RandomState::new(9);
        let mut v: Vec<f64> = (0..20_000).map(|_| rng.uniform(-40.0, 40.0)).collect();
        v.extend((0..20_000).map(|_| rng.uniform(-1.0, 1.0)));
        v.extend((0..5_000).map(|_| rng.uniform(-760.0, 760.0)));
        v.extend((0..2_000).map(|_| rng.normal(0.0, 1e-6)));
        v.extend([
            0.0, -0.0, 700.0, -700.0, 709.78, 709.79, -708.4, -745.1, -745.2, 710.0, -746.0,
        ]);
        v.extend([
            1e-300,
            -1e-300,
            5e-324,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            0.5,
            -0.5,
        ]);
        v.extend([0.49999999999999994, 1e-8, 37.0, -37.0, 19.06, 1e308, -1e308]);
        v
    }

    /// Checks `fast` against `reference` on all inputs, within `max_ulps`, on every
    /// instruction set this CPU has (each has its own code).
    fn agrees(name: &str, fast: fn(&mut [f64]), reference: fn(f64) -> f64, max_ulps: u64) {
        let x = inputs();
        on_every_level(|level| {
            // Odd lengths exercise the partial-register tail.
            for len in [x.len(), 1, 3, 7, 13] {
                let mut y = x[..len].to_vec();
                fast(&mut y);
                for (xi, yi) in x.iter().zip(&y) {
                    let want = reference(*xi);
                    assert!(
                        ulps(*yi, want) <= max_ulps,
                        "{name}({xi:e}) = {yi:e} on level {level}, std gives {want:e}"
                    );
                }
            }
        });
    }

    #[test]
    fn dispatch_can_be_limited_to_each_level() {
        struct Width;
        impl LanesOp for Width {
            type Output = usize;
            fn run<S: Lanes>(self, _: S) -> usize {
                std::mem::size_of::<S::f64s>() / std::mem::size_of::<f64>()
            }
        }
        let mut seen = Vec::new();
        on_every_level(|level| {
            let lanes = [(1, 1), (3, 4), (4, 8)]
                .iter()
                .find(|l| l.0 == level)
                .unwrap()
                .1;
            assert_eq!(dispatch(Width), lanes, "level {level}");
            seen.push(level);
        });
        assert_eq!(seen[0], 1, "scalar code runs everywhere");
        assert_eq!(
            dispatch(Width),
            1 << (LEVEL.load(Ordering::Relaxed) - 1).min(3)
        );
    }

    #[test]
    fn exp_is_within_a_few_ulps_of_std() {
        agrees("exp", exp_in_place, f64::exp, 2);
    }

    #[test]
    fn sigmoid_is_within_a_few_ulps_of_std() {
        // std's exp in the form that cannot overflow: 1/(1 + e^{−z}) would give 0 instead of
        // the subnormal σ(−711) = 1.36e-309.
        let reference = |z: f64| {
            if z >= 0.0 {
                1.0 / (1.0 + (-z).exp())
            } else {
                z.exp() / (1.0 + z.exp())
            }
        };
        agrees("sigmoid", |z| sigmoid_in_place(z, 0.0), reference, 3);
    }

    #[test]
    fn relu_and_its_gradient_match_the_definition() {
        let x = inputs();
        let mut y = x.clone();
        relu_in_place(&mut y, 0.25);
        for (xi, yi) in x.iter().zip(&y) {
            let s = xi + 0.25;
            let want = if s.is_nan() { s } else { s.max(0.0) };
            assert_eq!(ulps(*yi, want), 0, "relu({xi:e} + 0.25) = {yi:e}");
        }
        let mut d: Vec<f64> = (0..x.len()).map(|i| i as f64 + 1.0).collect();
        relu_grad_in_place(&mut d, &x);
        for (i, (di, xi)) in d.iter().zip(&x).enumerate() {
            let want = if *xi > 0.0 { i as f64 + 1.0 } else { 0.0 };
            assert_eq!(*di, want, "relu′ at {xi:e}");
        }
    }

    #[test]
    fn f32_sigmoid_is_within_a_few_f32_ulps_of_std() {
        let f32_ulps = |a: f32, b: f32| {
            if a == b || (a.is_nan() && b.is_nan()) {
                return 0;
            }
            let key = |x: f32| {
                let i = x.to_bits() as i32 as i64;
                if i < 0 {
                    i64::from(i32::MIN) - i
                } else {
                    i
                }
            };
            key(a).abs_diff(key(b))
        };
        let x: Vec<f32> = inputs().iter().map(|&v| v as f32).collect();
        on_every_level(|level| {
            for len in [x.len(), 1, 3, 17, 31] {
                let mut y = x[..len].to_vec();
                sigmoid_f32_in_place(&mut y, 0.0);
                for (xi, yi) in x.iter().zip(&y) {
                    let z = *xi as f64;
                    let want = if z >= 0.0 {
                        1.0 / (1.0 + (-z).exp())
                    } else {
                        z.exp() / (1.0 + z.exp())
                    } as f32;
                    assert!(
                        f32_ulps(*yi, want) <= 2,
                        "σ({xi:e}) = {yi:e} in f32 on level {level}, std gives {want:e}"
                    );
                }
            }
        });
    }

    #[test]
    fn tanh_is_within_a_few_ulps_of_std() {
        agrees("tanh", |z| tanh_in_place(z, 0.0), f64::tanh, 4);
    }
}
