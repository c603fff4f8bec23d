//! Summaries of repeated measurements (median, quartiles, range, noise) and percentiles of
//! latency samples.

use serde_json::{Value, json};

/// Above this spread (max - min, relative to the median) a figure is called noisy.
pub const NOISY_SPREAD: f64 = 0.20;

/// The repetitions of one figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Every repetition, in the order measured.
    pub samples: Vec<f64>,
    /// The median.
    pub median: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
    /// First quartile.
    pub q1: f64,
    /// Third quartile.
    pub q3: f64,
}

impl Summary {
    /// The summary of `samples`, or `None` when there are none.
    pub fn of(samples: &[f64]) -> Option<Summary> {
        if samples.is_empty() {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        Some(Summary {
            samples: samples.to_vec(),
            median: quantile(&sorted, 0.5),
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            q1: quantile(&sorted, 0.25),
            q3: quantile(&sorted, 0.75),
        })
    }

    /// (max - min) / median: 0 for a single sample.
    pub fn spread(&self) -> f64 {
        if self.median == 0.0 {
            0.0
        } else {
            (self.max - self.min) / self.median.abs()
        }
    }

    /// Whether the spread is over [`NOISY_SPREAD`].
    pub fn noisy(&self) -> bool {
        self.spread() > NOISY_SPREAD
    }

    /// As JSON.
    pub fn json(&self) -> Value {
        json!({
            "median": self.median,
            "min": self.min,
            "max": self.max,
            "q1": self.q1,
            "q3": self.q3,
            "spread": self.spread(),
            "noisy": self.noisy(),
            "samples": self.samples,
        })
    }
}

/// The `q` quantile (0 to 1) of sorted values, interpolated linearly between ranks.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let low = rank.floor() as usize;
    let high = rank.ceil() as usize;
    let weight = rank - low as f64;
    sorted[low] * (1.0 - weight) + sorted[high] * weight
}

/// The `q` quantile of latency samples (sorted here), by the nearest-rank method: the value
/// below which a share `q` of the samples fall (so p99.9 of 10 000 samples is the 9 990th).
pub fn percentile_nearest_rank(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_quartiles_and_spread() {
        let summary = Summary::of(&[5.0, 1.0, 3.0, 2.0, 4.0]).unwrap();
        assert_eq!(summary.median, 3.0);
        assert_eq!((summary.min, summary.max), (1.0, 5.0));
        assert_eq!((summary.q1, summary.q3), (2.0, 4.0));
        assert!((summary.spread() - 4.0 / 3.0).abs() < 1e-12);
        assert!(summary.noisy());
        let steady = Summary::of(&[100.0, 101.0, 99.0]).unwrap();
        assert!(!steady.noisy());
        assert!(Summary::of(&[]).is_none());
    }

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<u64> = (1..=1000).collect();
        assert_eq!(percentile_nearest_rank(&samples, 0.5), 500);
        assert_eq!(percentile_nearest_rank(&samples, 0.99), 990);
        assert_eq!(percentile_nearest_rank(&samples, 0.999), 999);
        assert_eq!(percentile_nearest_rank(&[7], 0.999), 7);
    }
}
