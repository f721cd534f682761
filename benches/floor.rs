// SPDX-License-Identifier: Apache-2.0
//! `cargo bench --bench floor [--features aws-lc]`: the signature-check floor
//! of one verification (1× ECDSA P-384 + 4× P-256) with the compiled-in
//! backend. Prints one summary line; with `SLSA_VERIFY_FLOOR_JSON=FILE` it
//! also writes the figures there for `benchmarks/bench.py`.

use std::process::ExitCode;
use std::time::Duration;

/// Timed sets per round; each round reports its median.
const SETS_PER_ROUND: u32 = 200;
/// Rounds; the summary gives the median, min and max of the round medians.
const ROUNDS: usize = 15;

fn main() -> ExitCode {
    let backend = slsa_verify::crypto_backend();
    let mut medians: Vec<Duration> = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        match slsa_verify::signature_floor(SETS_PER_ROUND) {
            Ok(d) => medians.push(d),
            Err(e) => {
                eprintln!("floor {backend}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    medians.sort_unstable();
    let ms = |d: Option<&Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
    let (median, min, max) = (
        ms(medians.get(ROUNDS / 2)),
        ms(medians.first()),
        ms(medians.last()),
    );
    println!(
        "floor {backend}: {median:.3} ms per (1xP-384 + 4xP-256)  \
         [min {min:.3}, max {max:.3}; {ROUNDS} rounds x {SETS_PER_ROUND} sets]"
    );
    if let Some(path) = std::env::var_os("SLSA_VERIFY_FLOOR_JSON") {
        let json = format!(
            "{{\"backend\": \"{backend}\", \"median_ms\": {median}, \"min_ms\": {min}, \
             \"max_ms\": {max}, \"rounds\": {ROUNDS}, \"sets_per_round\": {SETS_PER_ROUND}}}\n"
        );
        if let Err(e) = std::fs::write(&path, json) {
            eprintln!("floor: cannot write {}: {e}", path.to_string_lossy());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
