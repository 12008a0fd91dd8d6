//! The draw: one candidate by weight, from a seeded generator, the same on every machine.

use matchbot_model::{Candidate, User};
use rand::rngs::ChaCha8Rng;

/// Draws one candidate with probability proportional to its weight; returns its index and the
/// point drawn in `[0, total weight)`. `None` when no candidate has a weight above 0.
pub(crate) fn draw(candidates: &[Candidate], rng: &mut ChaCha8Rng) -> Option<(usize, f64)> {
    let total: f64 = candidates.iter().map(|c| c.weight).sum();
    if candidates.is_empty() || total <= 0.0 {
        return None;
    }
    let point = unit(rand::Rng::next_u64(rng)) * total;
    let mut reached = 0.0;
    for (i, c) in candidates.iter().enumerate() {
        reached += c.weight;
        if point < reached {
            return Some((i, point));
        }
    }
    // Rounding left the point at the very end: it belongs to the last weighted candidate.
    let last = candidates.iter().rposition(|c| c.weight > 0.0)?;
    Some((last, point))
}

/// A number in `[0, 1)` from 64 random bits, the same on every machine and `rand` version.
fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

pub(crate) fn is_same_person(a: &User, b: &User) -> bool {
    if a.id != 0 && b.id != 0 {
        a.id == b.id
    } else {
        a.name == b.name
    }
}
