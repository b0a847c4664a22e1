//! Total variation distance between token distributions of the seed set `D0` and a
//! synthetic set `D̂t` (the paper's section C.5, Figure 12).

use super::{StatsError, StatsResult};

/// Token-count histogram over a vocabulary of `vocab_size` ids: `h[id]` = occurrences
/// of `id` across all sequences. Errors on an id ≥ `vocab_size`.
pub fn token_histogram<'a, I>(sequences: I, vocab_size: usize) -> StatsResult<Vec<u64>>
where
    I: IntoIterator<Item = &'a [u32]>,
{
    let mut h = vec![0u64; vocab_size];
    for seq in sequences {
        for &id in seq {
            let slot = h.get_mut(id as usize).ok_or_else(|| {
                StatsError::Invalid(format!("token id {id} outside vocabulary {vocab_size}"))
            })?;
            *slot += 1;
        }
    }
    Ok(h)
}

/// TVD(P, Q) = ½ Σₓ |P(x) − Q(x)| with P(x) = p[x]/Σp and Q(x) = q[x]/Σq the empirical
/// token distributions of two count histograms over the same ids (a shorter histogram
/// counts as zeros past its end). In [0, 1]. Errors when a histogram is all zeros.
pub fn total_variation(p: &[u64], q: &[u64]) -> StatsResult<f64> {
    let sp: u64 = p.iter().sum();
    let sq: u64 = q.iter().sum();
    if sp == 0 || sq == 0 {
        return Err(StatsError::Invalid("empty token histogram".into()));
    }
    let (sp, sq) = (sp as f64, sq as f64);
    let n = p.len().max(q.len());
    let sum: f64 = (0..n)
        .map(|i| {
            let a = p.get(i).copied().unwrap_or(0) as f64 / sp;
            let b = q.get(i).copied().unwrap_or(0) as f64 / sq;
            (a - b).abs()
        })
        .sum();
    Ok((0.5 * sum).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // P = (1/2, 1/2, 0), Q = (0, 1/4, 3/4): ½(1/2 + 1/4 + 3/4) = 3/4.
        assert_eq!(total_variation(&[2, 2], &[0, 1, 3]).unwrap(), 0.75);
        // Same distribution at different scales.
        assert_eq!(total_variation(&[1, 2, 3], &[2, 4, 6]).unwrap(), 0.0);
        // Disjoint supports.
        assert_eq!(total_variation(&[5, 0], &[0, 7]).unwrap(), 1.0);
        assert!(total_variation(&[0, 0], &[1]).is_err());
    }

    #[test]
    fn histogram_counts_and_bounds() {
        let seqs: Vec<Vec<u32>> = vec![vec![0, 1, 1], vec![3, 1]];
        let h = token_histogram(seqs.iter().map(|s| s.as_slice()), 4).unwrap();
        assert_eq!(h, vec![1, 3, 0, 1]);
        assert!(token_histogram(seqs.iter().map(|s| s.as_slice()), 3).is_err());
    }
}
