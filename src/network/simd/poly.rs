//! The portable kernels: exp by range reduction and a polynomial, and the activations and
//! their derivatives built on it, written once over pulp's [`Simd`] registers.

use pulp::Simd;

pub(super) const LOG2E: f64 = std::f64::consts::LOG2_E;
// ln 2 split in two so that n · LN2_HI is exact for |n| < 2^11 (fdlibm's constants).
pub(super) const LN2_HI: f64 = 6.931_471_803_691_238e-1;
pub(super) const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// 1.5 · 2^52: adding it rounds to an integer, kept in the low mantissa bits.
pub(super) const SHIFT: f64 = 6_755_399_441_055_744.0;
/// `2^52 + 1023`: adding an integer k stores `k + 1023` (a biased exponent) in the low bits.
pub(super) const EXP_BIAS: f64 = 4_503_599_627_371_519.0;
/// e^r on |r| ≤ ln2/2 by a degree-11 polynomial (coefficients of r^11 down to r^2; those of r
/// and 1 are 1): Chebyshev-economised in 40-digit arithmetic (mpmath `chebyfit`), error
/// 4.5e-18 relative — two terms fewer than Taylor for the same accuracy.
pub(super) const EXP_POLY: [f64; 10] = [
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
/// `−a`. pulp's own `neg_f64s` and `abs_f64s` are only `#[inline]`: in a large kernel the
/// compiler may leave them calls, which lack the dispatch's target features and cost more than
/// the exp around them. The same bit operations, always inlined.
#[inline(always)]
pub(super) fn neg<S: Simd>(s: S, a: S::f64s) -> S::f64s {
    s.xor_f64s(a, s.splat_f64s(-0.0))
}

/// `|a|` (see [`neg`]).
#[inline(always)]
pub(super) fn abs<S: Simd>(s: S, a: S::f64s) -> S::f64s {
    s.and_f64s(s.splat_f64s(f64::from_bits(!(1 << 63))), a)
}

/// `−a` in f32 (see [`neg`]).
#[inline(always)]
pub(super) fn neg_f32<S: Simd>(s: S, a: S::f32s) -> S::f32s {
    s.xor_f32s(a, s.splat_f32s(-0.0))
}

/// `|a|` in f32 (see [`neg`]).
#[inline(always)]
pub(super) fn abs_f32<S: Simd>(s: S, a: S::f32s) -> S::f32s {
    s.and_f32s(s.splat_f32s(f32::from_bits(!(1 << 31))), a)
}

/// x = n·ln2 + r with |r| ≤ ln2/2: returns (n, e^r) for x already clamped to a finite range.
#[inline(always)]
pub(super) fn reduce<S: Simd>(s: S, xc: S::f64s) -> (S::f64s, S::f64s) {
    let (n, r, p) = reduce_parts(s, xc);
    (n, s.mul_add_f64s(p, r, s.splat_f64s(1.0)))
}

/// x = n·ln2 + r as in [`reduce`], with e^r = p·r + 1: returns (n, r, p), so that e^r − 1 = p·r
/// comes without cancellation.
#[inline(always)]
pub(super) fn reduce_parts<S: Simd>(s: S, xc: S::f64s) -> (S::f64s, S::f64s, S::f64s) {
    let t = s.mul_add_f64s(xc, s.splat_f64s(LOG2E), s.splat_f64s(SHIFT));
    let n = s.sub_f64s(t, s.splat_f64s(SHIFT));
    let r = s.mul_add_f64s(neg(s, n), s.splat_f64s(LN2_HI), xc);
    let r = s.mul_add_f64s(neg(s, n), s.splat_f64s(LN2_LO), r);
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
pub(super) fn pow2<S: Simd>(s: S, k: S::f64s) -> S::f64s {
    let biased = s.transmute_u64s_f64s(s.add_f64s(k, s.splat_f64s(EXP_BIAS)));
    s.transmute_f64s_u64s(s.mul_u64s(biased, s.splat_u64s(1 << 52)))
}

/// `e^x` lane by lane: x = n·ln2 + r, e^r by polynomial, times 2^n built from its bits.
#[inline(always)]
pub(super) fn exp<S: Simd>(s: S, x: S::f64s) -> S::f64s {
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
pub(super) fn exp_neg<S: Simd>(s: S, x: S::f64s) -> S::f64s {
    let xc = s.max_f64s(x, s.splat_f64s(-746.0));
    let (n, p) = reduce(s, xc);
    let scale = pow2(s, s.add_f64s(n, s.splat_f64s(64.0)));
    let y = s.mul_f64s(
        s.mul_f64s(p, scale),
        s.splat_f64s(f64::from_bits(0x3bf0_0000_0000_0000)),
    );
    s.select_f64s(s.equal_f64s(x, x), y, x)
}

/// With u = e^{−|z|} in (0, 1]: σ(z) = 1/(1 + u) for z ≥ 0 and u/(1 + u) for z < 0. The
/// denominator stays in (1, 2], so no overflow, and subnormal results come out of
/// u · (1/(1 + u)) exactly as they should. The reciprocal is a division: on AVX2 it costs
/// less than the Newton steps that avoid it (the AVX-512 kernel, where a 512-bit division
/// costs more than the whole exp, starts from `vrcp14pd` instead).
#[inline(always)]
pub(super) fn sigmoid<S: Simd>(s: S, z: S::f64s) -> S::f64s {
    let u = exp_neg(s, neg(s, abs(s, z)));
    let r = s.div_f64s(s.splat_f64s(1.0), s.add_f64s(s.splat_f64s(1.0), u));
    // NaN fails the comparison and takes u · r, which is NaN.
    s.select_f64s(
        s.greater_than_or_equal_f64s(z, s.splat_f64s(0.0)),
        r,
        s.mul_f64s(u, r),
    )
}

/// tanh|z| = −m/(2 + m) with m = e^{−2|z|} − 1 in (−1, 0], the sign of z put back (as the
/// AVX-512 kernel computes it): m = 2ⁿ(e^r − 1) + (2ⁿ − 1), so for small |z| (n = 0) it is
/// e^r − 1 straight from the polynomial, free of the cancellation in 1 − e^{−2|z|}.
#[inline(always)]
pub(super) fn tanh<S: Simd>(s: S, z: S::f64s) -> S::f64s {
    let one = s.splat_f64s(1.0);
    let a = abs(s, z);
    // Beyond |z| = 30, tanh is 1 in f64; the clamp keeps 2ⁿ a normal number.
    let x = s.max_f64s(s.mul_f64s(a, s.splat_f64s(-2.0)), s.splat_f64s(-60.0));
    let (n, r, p) = reduce_parts(s, x);
    let scale = pow2(s, n);
    let m = s.add_f64s(s.mul_f64s(s.mul_f64s(p, r), scale), s.sub_f64s(scale, one));
    let t = s.div_f64s(m, s.add_f64s(s.splat_f64s(2.0), m));
    // t = −tanh|z| (m ≤ 0): its magnitude, with the sign of z (so tanh(±0) = ±0).
    let sign = s.and_u64s(
        s.transmute_u64s_f64s(z),
        s.splat_u64s(0x8000_0000_0000_0000),
    );
    let y = s.transmute_f64s_u64s(s.or_u64s(s.transmute_u64s_f64s(abs(s, t)), sign));
    s.select_f64s(s.equal_f64s(z, z), y, z)
}

/// `max(z, 0)`, keeping NaN (so a diverged run shows as NaN, not as a dead unit).
#[inline(always)]
pub(super) fn relu<S: Simd>(s: S, z: S::f64s) -> S::f64s {
    let zero = s.splat_f64s(0.0);
    // `0 > z ? 0 : z` keeps NaN; adding +0 turns −0 into +0, as `z > 0 ? z : 0` does. Written
    // as one select and an add, not two selects: LLVM turned those, stored in place, into a
    // masked store, which is microcoded and several times slower on AMD's cores.
    s.add_f64s(s.select_f64s(s.greater_than_f64s(zero, z), zero, z), zero)
}

/// `d` where the unit was active (`a > 0`), else 0.
#[inline(always)]
pub(super) fn relu_grad<S: Simd>(s: S, d: S::f64s, a: S::f64s) -> S::f64s {
    let zero = s.splat_f64s(0.0);
    s.select_f64s(s.greater_than_f64s(a, zero), d, zero)
}

/// `d · a(1 − a)`: the sigmoid's derivative from its output.
#[inline(always)]
pub(super) fn sigmoid_grad<S: Simd>(s: S, d: S::f64s, a: S::f64s) -> S::f64s {
    // a(1 − a) as the tutorials write it: a − a·a in one fused operation would save an
    // instruction but round differently, and the tutorials' moons run is chaotic at that level.
    s.mul_f64s(d, s.mul_f64s(a, s.sub_f64s(s.splat_f64s(1.0), a)))
}

/// `d · (1 − a²)`: tanh's derivative from its output.
#[inline(always)]
pub(super) fn tanh_grad<S: Simd>(s: S, d: S::f64s, a: S::f64s) -> S::f64s {
    s.mul_f64s(d, s.negate_mul_add_f64s(a, a, s.splat_f64s(1.0)))
}
