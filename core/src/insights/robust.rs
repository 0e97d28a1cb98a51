//! The robust "far above its own baseline" rule shared by destructive-change flags (X2) and
//! API-call spikes (U4).
//!
//! A day's value is judged against the same series' trailing days: with `m` their median and
//! `MAD` the median of absolute deviations from `m`, the day is flagged when
//! `value >= min_value` and `value > m + mad_multiplier × max(1.4826 × MAD, min_spread, m / 100)`.
//! 1.4826 × MAD estimates the standard deviation of normal data, but unlike it a single earlier
//! burst cannot inflate it; `min_spread` keeps a perfectly flat history (MAD 0) from flagging
//! every small wobble (nor 1% above a large median), and `min_value` keeps tiny counts quiet. Days with too little history
//! (fewer than `min_history_days` available trailing days) are not judged.

use serde::{Deserialize, Serialize};

use super::InsightsError;
use crate::limits::MAX_TRAILING_DAYS;

/// Parameters of the robust baseline rule (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RobustRule {
    /// How many trailing days form the baseline.
    pub trailing_days: u32,
    /// Fewer available trailing days than this: the day is not judged.
    pub min_history_days: u32,
    /// How many scaled MADs above the median a value must be.
    pub mad_multiplier: f64,
    /// The smallest scaled spread used, so a flat history does not flag every wobble.
    pub min_spread: f64,
    /// Values below this are never flagged.
    pub min_value: u64,
}

impl RobustRule {
    /// For deletes and merges of records (X2): 14 trailing days, at least 7 of them, 6 scaled
    /// MADs, a spread of at least 3 records, and at least 25 records on the day.
    #[must_use]
    pub fn records() -> Self {
        Self { trailing_days: 14, min_history_days: 7, mad_multiplier: 6.0, min_spread: 3.0, min_value: 25 }
    }

    /// For daily API calls (U4): 14 trailing days, at least 7 of them, 5 scaled MADs, a spread of
    /// at least 100 calls, and at least 1,000 calls on the day.
    #[must_use]
    pub fn api_calls() -> Self {
        Self { trailing_days: 14, min_history_days: 7, mad_multiplier: 5.0, min_spread: 100.0, min_value: 1_000 }
    }

    /// Checks what sizes work or could make the rule meaningless: at most
    /// [`MAX_TRAILING_DAYS`] trailing days, and a finite, non-negative multiplier and spread.
    ///
    /// # Errors
    /// [`InsightsError::WindowTooLong`], [`InsightsError::InvalidRule`].
    pub fn check(&self) -> Result<(), InsightsError> {
        if self.trailing_days > MAX_TRAILING_DAYS {
            return Err(InsightsError::WindowTooLong {
                what: "trailing baseline",
                days: self.trailing_days,
                max: MAX_TRAILING_DAYS,
            });
        }
        for (field, value) in [("mad_multiplier", self.mad_multiplier), ("min_spread", self.min_spread)] {
            if !value.is_finite() || value < 0.0 {
                return Err(InsightsError::InvalidRule { field, value: value.to_string() });
            }
        }
        Ok(())
    }

    /// The threshold `value` must exceed given the trailing `history`, and the history's median;
    /// `None` when the history is too short to judge.
    #[must_use]
    pub fn threshold(&self, history: &[u64]) -> Option<(f64, f64)> {
        if history.len() < self.min_history_days.max(1) as usize {
            return None;
        }
        let median = median_f(history.iter().map(|v| *v as f64).collect());
        let mad = median_f(history.iter().map(|v| (*v as f64 - median).abs()).collect());
        let spread = (1.4826 * mad).max(self.min_spread).max(median * 0.01);
        Some((median, median + self.mad_multiplier * spread))
    }

    /// Whether `value` is far above `history` (see the module documentation); returns the
    /// baseline median and the threshold when it is.
    #[must_use]
    pub fn exceeds(&self, value: u64, history: &[u64]) -> Option<(f64, f64)> {
        if value < self.min_value {
            return None;
        }
        self.threshold(history).filter(|(_, threshold)| value as f64 > *threshold)
    }
}

fn median_f(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match (values.get(n / 2), n.checked_sub(1).and_then(|_| values.get((n.max(1) - 1) / 2))) {
        (Some(hi), Some(lo)) if n.is_multiple_of(2) => (hi + lo) / 2.0,
        (Some(mid), _) => *mid,
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_far_above_a_noisy_baseline_is_flagged_and_ordinary_days_are_not() {
        let rule = RobustRule::records();
        let history = [10, 12, 9, 11, 10, 13, 8, 10, 11, 12, 9, 10, 11, 10];
        assert!(rule.exceeds(400, &history).is_some());
        assert!(rule.exceeds(20, &history).is_none());
        // Too short a history: not judged.
        assert!(rule.exceeds(400, &history[..5]).is_none());
        // Below the minimum: quiet, however flat the history.
        assert!(rule.exceeds(24, &[0; 14]).is_none());
        assert_eq!(median_f(vec![3.0, 1.0, 2.0, 10.0]), 2.5);
        assert_eq!(median_f(vec![3.0, 1.0, 2.0]), 2.0);
    }

    #[test]
    fn a_rule_is_checked_for_its_trailing_days_and_numbers() {
        let rule = RobustRule::records();
        assert_eq!(rule.check(), Ok(()));
        let longest = RobustRule { trailing_days: MAX_TRAILING_DAYS, ..rule };
        assert_eq!(longest.check(), Ok(()));
        let too_long = RobustRule { trailing_days: MAX_TRAILING_DAYS + 1, ..rule };
        assert_eq!(
            too_long.check(),
            Err(InsightsError::WindowTooLong {
                what: "trailing baseline",
                days: MAX_TRAILING_DAYS + 1,
                max: MAX_TRAILING_DAYS
            })
        );
        assert_eq!(RobustRule { mad_multiplier: 0.0, ..rule }.check(), Ok(()));
        for (bad, field) in [
            (RobustRule { mad_multiplier: f64::NAN, ..rule }, "mad_multiplier"),
            (RobustRule { min_spread: -0.5, ..rule }, "min_spread"),
            (RobustRule { min_spread: f64::INFINITY, ..rule }, "min_spread"),
        ] {
            assert!(matches!(bad.check(), Err(InsightsError::InvalidRule { field: f, .. }) if f == field));
        }
    }
}
