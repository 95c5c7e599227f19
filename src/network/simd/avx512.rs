//! AVX-512 overrides of [`Lanes`]: `vscalefpd` and `vrcp14pd`, which pulp's portable interface
//! lacks.

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
    let x: __m512 = cast(neg_f32(s, abs_f32(s, cast(z))));
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
        let a = abs(self, z);
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
        cast(self.or_u64s(cast(abs(self, cast(t))), sign))
    }

    /// As the portable sigmoid: u = e^{−|z|}, σ = 1/(1 + u) or u/(1 + u).
    #[inline(always)]
    fn sigmoid(self, z: f64x8) -> f64x8 {
        let f = self.avx512f;
        let z: __m512d = cast(z);
        let u = exp_neg(self, cast(neg(self, abs(self, cast(z)))));
        let r = recip_1_2(self, f._mm512_add_pd(f._mm512_set1_pd(1.0), u));
        // NaN fails z < 0 and keeps r, which is NaN.
        let negative = f._mm512_cmp_pd_mask::<_CMP_LT_OQ>(z, f._mm512_setzero_pd());
        cast(f._mm512_mask_mul_pd(r, negative, u, r))
    }
}
