//! `expf` with exactly glibc's bits, written so that it vectorises.
//!
//! **Why.** The softmaxes of attention and of the output head called libm's scalar `expf`
//! once per element: in a training step that was about 4 % of the time in `expf` itself,
//! and more in the loops around it, which could not be vectorised across a call and
//! spilled their running sums to the stack at every element (issue 11). Writing the same
//! function in Rust lets the compiled copies of the passes ([`super::wide`]) run 8 or 16
//! exponentials per instruction.
//!
//! **The same bits.** This is glibc's `expf` (since 2.28; the algorithm of ARM's
//! optimized-routines: `2^(k/32)` from a 32-entry table times a cubic in the remainder)
//! as its FMA build (`__expf_fma`, what glibc's dispatcher picks on any x86-64 with FMA)
//! computes it: the constants and the table below were read from the library's binary,
//! and every multiply-add the disassembly fuses is a fused [`f64::mul_add`] here, which
//! rounds once on any CPU (with or without FMA instructions). The `student` tests compare
//! it with the host's `expf` on millions of inputs and, in an ignored test, on every
//! `f32`. Before this module, results depended on the host's libm: glibc without FMA
//! (`__expf_sse2`, unfused) or another libm could round differently. They now come out as
//! on a glibc-with-FMA host everywhere, which is what every earlier result was computed
//! with.

/// `32 / ln 2`.
const INV_LN2_N: f64 = f64::from_bits(0x40471547652b82fe);
/// `1.5 · 2^52`: adding it rounds to an integer (ties to even) held in the low bits.
const SHIFT: f64 = f64::from_bits(0x4338000000000000);
/// The cubic's coefficients (scaled for the table's 32 steps).
const C0: f64 = f64::from_bits(0x3ebc6af84b912394);
const C1: f64 = f64::from_bits(0x3f2ebfce50fac4f3);
const C2: f64 = f64::from_bits(0x3f962e42ff0c52d6);
/// `bits(2^(i/32)) − (i << 52)/32`: the exponent's share is added back from k.
const TABLE: [u64; 32] = [
    0x3ff0000000000000,
    0x3fefd9b0d3158574,
    0x3fefb5586cf9890f,
    0x3fef9301d0125b51,
    0x3fef72b83c7d517b,
    0x3fef54873168b9aa,
    0x3fef387a6e756238,
    0x3fef1e9df51fdee1,
    0x3fef06fe0a31b715,
    0x3feef1a7373aa9cb,
    0x3feedea64c123422,
    0x3feece086061892d,
    0x3feebfdad5362a27,
    0x3feeb42b569d4f82,
    0x3feeab07dd485429,
    0x3feea47eb03a5585,
    0x3feea09e667f3bcd,
    0x3fee9f75e8ec5f74,
    0x3feea11473eb0187,
    0x3feea589994cce13,
    0x3feeace5422aa0db,
    0x3feeb737b0cdc5e5,
    0x3feec49182a3f090,
    0x3feed503b23e255d,
    0x3feee89f995ad3ad,
    0x3feeff76f2fb5e47,
    0x3fef199bdd85529c,
    0x3fef3720dcef9069,
    0x3fef5818dcfba487,
    0x3fef7c97337b9b5f,
    0x3fefa4afa2a490da,
    0x3fefd0765b6e4540,
];
/// Above this `exp` overflows (`log(2^128)` rounded down to f32).
const OVERFLOW: f32 = f32::from_bits(0x42b17217);
/// Below this the result is +0 (`log(2^-150)`).
const UNDERFLOW: f32 = f32::from_bits(0xc2cff1b4);
/// Below this (and above [`UNDERFLOW`]) glibc returns the least subnormal, 2^-149.
const MAY_UNDERFLOW: f32 = f32::from_bits(0xc2ce8ecf);

/// `e^x` in f32, bit for bit what glibc's `expf` returns on an x86-64 with FMA.
#[inline(always)]
pub fn expf(x: f32) -> f32 {
    let xd = x as f64;
    let shifted = INV_LN2_N.mul_add(xd, SHIFT);
    let ki = shifted.to_bits();
    let kd = shifted - SHIFT;
    let r = INV_LN2_N.mul_add(xd, -kd);
    let s = f64::from_bits(TABLE[(ki & 31) as usize].wrapping_add(ki << 47));
    let z = r.mul_add(C0, C1);
    let r2 = r * r;
    let y = r.mul_add(C2, 1.0);
    let y = z.mul_add(r2, y);
    let main = (y * s) as f32;
    // |x| ≥ 88, infinities and NaN: glibc's special cases, as selects (no branch, so
    // that loops over slices still vectorise).
    let bits = x.to_bits();
    let abstop = (bits >> 20) & 0x7ff;
    let special = if bits == f32::NEG_INFINITY.to_bits() {
        0.0
    } else if abstop >= 0x7f8 {
        x + x
    } else if x > OVERFLOW {
        f32::INFINITY
    } else if x < UNDERFLOW {
        0.0
    } else if x < MAY_UNDERFLOW {
        f32::from_bits(1)
    } else {
        main
    };
    if abstop >= 0x42b {
        special
    } else {
        main
    }
}

/// `row[j] = e^(row[j] − shift)` for every element: the softmaxes' exponentials, in a
/// loop of its own so that it vectorises (their sums are taken afterwards, in order).
#[inline(always)]
pub fn exp_minus(row: &mut [f32], shift: f32) {
    for x in row.iter_mut() {
        *x = expf(*x - shift);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// The host's `expf` (what `f32::exp` calls on Linux).
    fn libm(x: f32) -> f32 {
        x.exp()
    }

    fn check(x: f32) {
        let (a, b) = (expf(x), libm(x));
        assert!(
            a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
            "expf({x:e} = {:#010x}): {a:e} ({:#010x}) against libm {b:e} ({:#010x})",
            x.to_bits(),
            a.to_bits(),
            b.to_bits()
        );
    }

    /// Against the host's glibc (on an x86-64 with FMA, where glibc runs the same
    /// computation): the softmaxes' whole domain near 0, every special case and
    /// boundary, and random bit patterns. A differing libm makes this fail; the result
    /// is then still within 1 ULP of e^x (the next test).
    #[test]
    #[cfg(all(target_env = "gnu", target_arch = "x86_64"))]
    fn same_bits_as_glibc_expf() {
        if !std::is_x86_feature_detected!("fma") {
            return; // glibc then runs its unfused variant, which can round differently
        }
        for x in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            f32::MIN_POSITIVE,
            -f32::MIN_POSITIVE,
            f32::from_bits(1),
            f32::MAX,
            f32::MIN,
            88.0,
            -88.0,
            OVERFLOW,
            UNDERFLOW,
            MAY_UNDERFLOW,
        ] {
            for d in -3i32..=3 {
                check(f32::from_bits(x.to_bits().wrapping_add_signed(d)));
            }
        }
        // every f32 in [-1, 0] with its low 6 bits cleared, and [-104, -1] likewise
        let lo = (-1.0f32).to_bits();
        for b in ((0.0f32).to_bits()..=lo).step_by(64) {
            check(f32::from_bits(b | 0x8000_0000));
        }
        for b in (lo..=(-104.5f32).to_bits()).step_by(61) {
            check(f32::from_bits(b));
        }
        let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for _ in 0..1_000_000 {
            check(f32::from_bits(r.gen()));
        }
    }

    /// Every f32 (about a minute in release): `cargo test --release -- --ignored expf`.
    #[test]
    #[ignore]
    #[cfg(all(target_env = "gnu", target_arch = "x86_64"))]
    fn same_bits_as_glibc_expf_on_every_f32() {
        assert!(std::is_x86_feature_detected!("fma"));
        for b in 0..=u32::MAX {
            check(f32::from_bits(b));
        }
    }

    /// Independently of any libm: within 1 ULP of e^x computed in f64 (glibc's bound is
    /// 0.502 ULP), on every f32 in [-104, 89] with its low 8 bits cleared.
    #[test]
    fn within_one_ulp_of_exact() {
        let ulp_err = |x: f32| {
            let (a, e) = (expf(x) as f64, (x as f64).exp());
            if e < f32::MIN_POSITIVE as f64 {
                return ((a - e).abs() / f32::from_bits(1) as f64).floor();
            }
            let ulp = {
                let ef = e as f32;
                (f32::from_bits(ef.to_bits() + 1) - ef) as f64
            };
            (a - e).abs() / ulp
        };
        let mut worst = 0.0f64;
        for b in (0u32..=u32::MAX).step_by(256) {
            let x = f32::from_bits(b);
            if x.is_finite() && (-104.0..89.0).contains(&x) && x < OVERFLOW {
                worst = worst.max(ulp_err(x));
            }
        }
        assert!(worst <= 1.0, "worst error {worst} ULP");
        assert!(worst > 0.0);
        assert_eq!(expf(f32::NEG_INFINITY), 0.0);
        assert_eq!(expf(f32::INFINITY), f32::INFINITY);
        assert_eq!(expf(100.0), f32::INFINITY);
        assert_eq!(expf(-200.0), 0.0);
        assert!(expf(f32::NAN).is_nan());
    }
}
