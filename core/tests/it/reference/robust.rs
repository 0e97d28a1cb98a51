//! The naive reference of the robust "far above its own baseline" rule (X2 flags, U4 spikes):
//! the median and the median absolute deviation computed by sorting, the threshold spelled out
//! from the rule's fields (not `RobustRule::threshold` / `exceeds`).

use connected_apps::RobustRule;

/// The median of `values` (the mean of the two middle ones for an even count); 0 when empty.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = sorted.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// Whether `value` is far above `history` by `rule`: at least `min_value` (and not 0), at least
/// `min_history_days` days of history, and above median + multiplier × max(1.4826 × MAD,
/// min_spread, median / 100). Returns the median and the threshold when it is.
pub fn far_above(rule: &RobustRule, value: u64, history: &[u64]) -> Option<(f64, f64)> {
    if value == 0 || value < rule.min_value || history.len() < rule.min_history_days.max(1) as usize {
        return None;
    }
    let values: Vec<f64> = history.iter().map(|v| *v as f64).collect();
    let m = median(&values);
    let deviations: Vec<f64> = values.iter().map(|v| (v - m).abs()).collect();
    let mad = median(&deviations);
    let mut spread = 1.4826 * mad;
    if spread < rule.min_spread {
        spread = rule.min_spread;
    }
    if spread < m / 100.0 {
        spread = m / 100.0;
    }
    let threshold = m + rule.mad_multiplier * spread;
    (value as f64 > threshold).then_some((m, threshold))
}

/// Whether two thresholds agree up to rounding.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}
