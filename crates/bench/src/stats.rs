//! Integer statistics: rates, ratios and percentiles without floating-point arithmetic (the workspace
//! denies it; times are microseconds, rates are per second, ratios per mille).

use std::time::Duration;

/// `count` per second over `elapsed` (0 when nothing elapsed).
pub(crate) fn per_second(count: u64, elapsed: Duration) -> u64 {
    let micros = elapsed.as_micros();
    if micros == 0 {
        return 0;
    }
    u64::try_from(u128::from(count) * 1_000_000 / micros).unwrap_or(u64::MAX)
}

/// `part / whole` in per mille, rounded down (None when `whole` is 0).
pub(crate) fn per_mille(part: u64, whole: u64) -> Option<u64> {
    (whole > 0)
        .then(|| u64::try_from(u128::from(part) * 1000 / u128::from(whole)).unwrap_or(u64::MAX))
}

/// The `p`-th percentile (0..=100) of `values` by the nearest-rank method; None for no values.
pub(crate) fn percentile(values: &[i64], p: u32) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    // Nearest rank: ceil(p/100 * n), at least 1.
    let rank = (usize::try_from(p.min(100)).unwrap_or(100) * n)
        .div_ceil(100)
        .max(1);
    Some(sorted[rank - 1])
}

/// Microseconds as milliseconds with one decimal, e.g. `12.3 ms` (negative values keep their sign).
pub(crate) fn millis(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let abs = micros.unsigned_abs();
    format!("{sign}{}.{} ms", abs / 1000, (abs % 1000) / 100)
}

/// A duration as seconds with two decimals, e.g. `3.14 s`.
pub(crate) fn seconds(elapsed: Duration) -> String {
    let ms = elapsed.as_millis();
    format!("{}.{:02} s", ms / 1000, (ms % 1000) / 10)
}

/// A per-mille ratio as `0.85×` (two decimals, rounded down).
pub(crate) fn times(per_mille: u64) -> String {
    format!("{}.{:02}×", per_mille / 1000, (per_mille % 1000) / 10)
}

/// A count with thousands separators: `12,345`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Kibibytes as mebibytes, e.g. `123 MiB`.
pub(crate) fn mebibytes(kib: u64) -> String {
    format!("{} MiB", kib / 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_per_second() {
        assert_eq!(per_second(30_013, Duration::from_millis(7_730)), 3_882);
        assert_eq!(per_second(5, Duration::ZERO), 0);
        assert_eq!(per_second(1, Duration::from_micros(1)), 1_000_000);
    }

    #[test]
    fn ratios_are_per_mille() {
        assert_eq!(per_mille(1, 2), Some(500));
        assert_eq!(per_mille(3, 1), Some(3000));
        assert_eq!(per_mille(1, 0), None);
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let values: Vec<i64> = (1..=100).collect();
        assert_eq!(percentile(&values, 50), Some(50));
        assert_eq!(percentile(&values, 99), Some(99));
        assert_eq!(percentile(&values, 100), Some(100));
        assert_eq!(percentile(&values, 0), Some(1));
        assert_eq!(percentile(&[7, -3, 5], 50), Some(5));
        assert_eq!(percentile(&[42], 99), Some(42));
        assert_eq!(percentile(&[], 50), None);
        // Unsorted input, small sample: p99 of 10 values is the largest.
        assert_eq!(percentile(&[9, 1, 8, 2, 7, 3, 6, 4, 5, 10], 99), Some(10));
        assert_eq!(percentile(&[9, 1, 8, 2, 7, 3, 6, 4, 5, 10], 50), Some(5));
    }

    #[test]
    fn formats_are_exact() {
        assert_eq!(millis(12_345), "12.3 ms");
        assert_eq!(millis(-1_500), "-1.5 ms");
        assert_eq!(millis(99), "0.0 ms");
        assert_eq!(seconds(Duration::from_millis(3_141)), "3.14 s");
        assert_eq!(times(853), "0.85×");
        assert_eq!(times(12_000), "12.00×");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(mebibytes(2048), "2 MiB");
    }
}
