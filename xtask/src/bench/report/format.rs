//! How figures read in the Markdown tables: numbers with grouped thousands, a median with its
//! spread, a ratio with the rumqttc set-up it compares with and how it fares.

use std::fmt::Write as _;

use crate::bench::stats::Summary;
use crate::bench::targets::{Goal, judge};
use crate::bench::versus::Versus;

/// `41 200`, `3.1`, `0.42`: a figure with sensible precision and grouped thousands.
pub fn number(value: f64) -> String {
    let decimals = match value.abs() {
        v if v >= 100.0 => 0,
        v if v >= 10.0 => 1,
        _ => 2,
    };
    let text = format!("{value:.decimals$}");
    let (integer, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let (sign, digits) = integer
        .strip_prefix('-')
        .map_or(("", integer), |digits| ("-", digits));
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(' ');
        }
        grouped.push(digit);
    }
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

/// A median with its spread, flagged when noisy: `41 200 ±3%`, `40 100 ±27% (noisy)`.
pub fn cell(summary: Option<&Summary>) -> String {
    let Some(summary) = summary else {
        return "n/a".into();
    };
    let mut text = number(summary.median);
    if summary.samples.len() > 1 {
        let _ = write!(text, " ±{:.0}%", summary.spread() * 50.0);
        if summary.noisy() {
            text.push_str(" (noisy)");
        }
    }
    text
}

/// Ours against rumqttc: `0.45x vs ct: met`, `0.98x vs mt: overlap`, `1.20x vs ct` (no
/// goal), `n/a`.
pub fn versus_cell(versus: Option<&Versus>, goal: Option<&Goal>) -> String {
    let Some(versus) = versus else {
        return "n/a".into();
    };
    let mut text = format!("{:.2}x vs {}", versus.ratio, versus.against.short());
    if let Some(goal) = goal {
        let _ = write!(text, ": {}", judge(goal, versus).word());
    } else if versus.overlap() {
        text.push_str(": overlap");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::job::ClientKind;
    use crate::bench::targets::GOALS;

    #[test]
    fn numbers_and_cells() {
        assert_eq!(number(41234.4), "41 234");
        assert_eq!(number(1234567.0), "1 234 567");
        assert_eq!(number(12.34), "12.3");
        assert_eq!(number(0.4217), "0.42");
        let steady = Summary::of(&[100.0, 102.0, 98.0]).unwrap();
        assert_eq!(cell(Some(&steady)), "100 ±2%");
        let noisy = Summary::of(&[100.0, 150.0, 90.0]).unwrap();
        assert_eq!(cell(Some(&noisy)), "100 ±30% (noisy)");
        assert_eq!(cell(None), "n/a");
    }

    #[test]
    fn ratios_name_the_set_up_and_the_outcome() {
        let versus = Versus {
            ours: Summary::of(&[4.0, 5.0]).unwrap(),
            theirs: Summary::of(&[10.0, 11.0]).unwrap(),
            against: ClientKind::RumqttcCurrentThread,
            ratio: 4.5 / 10.5,
        };
        // GOALS[1]: CPU flat out against the peer, at most 0.5x.
        assert_eq!(
            versus_cell(Some(&versus), Some(&GOALS[1])),
            "0.43x vs ct: met"
        );
        assert_eq!(versus_cell(Some(&versus), None), "0.43x vs ct");
        assert_eq!(versus_cell(None, Some(&GOALS[1])), "n/a");
    }
}
