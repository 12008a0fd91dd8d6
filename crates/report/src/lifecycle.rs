//! The lifecycle's figures for a period, from `match_events`: how often mentor and learner got
//! in touch and how soon, the nudges sent, the new mentors by reason, and the queue of
//! requests waiting with the maintainer.

use std::collections::BTreeMap;

use matchbot_model::{Event, EventKind, Level, Timestamp, pairing};
use serde::Serialize;

use crate::{Delay, Rate, nearest_rank};

/// What happened to matches after their greetings.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Lifecycle {
    /// Of the greetings posted in the period, those whose mentor and learner got in touch.
    pub contact: Rate,
    /// From the greeting to the first contact, over those in touch.
    pub time_to_contact: Delay,
    /// Nudges posted in the period.
    pub nudges: u64,
    /// New mentors posted in the period, by reason (`silent`, `mentor-left`, `wish`,
    /// `picked-up`).
    pub reassignments: BTreeMap<String, u64>,
    /// Requests waiting with the maintainer at the period's end.
    pub queue: Queue,
}

/// The unmatched queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Queue {
    /// How many wait.
    pub length: u64,
    /// How long the longest has waited, in seconds.
    pub oldest_seconds: Option<i64>,
    /// The median wait, in seconds (nearest rank).
    pub median_seconds: Option<i64>,
}

impl Lifecycle {
    /// The figures for `from` to `to` (not included), from `histories` (each request's events,
    /// oldest first: every request greeted or with a step in the period) and `open` (the
    /// histories of the matches still followed). `None` when no event was ever recorded.
    pub fn build(
        histories: &[Vec<Event>],
        open: &[Vec<Event>],
        from: Timestamp,
        to: Timestamp,
    ) -> Option<Lifecycle> {
        if histories.is_empty() && open.is_empty() {
            return None;
        }
        let within = |t: Timestamp| from <= t && t < to;
        let posted = |e: &&Event| e.outcome == "posted" && within(e.at);
        let mut figures = Lifecycle::default();
        let (mut greeted, mut contacted) = (0, 0);
        let mut waits = Vec::new();
        for history in histories {
            let greeting = history
                .iter()
                .find(|e| e.kind == EventKind::Greeted && e.took_effect() && within(e.at));
            if let Some(greeting) = greeting {
                greeted += 1;
                let first = history
                    .iter()
                    .filter(|e| e.kind == EventKind::Contacted && e.took_effect())
                    .map(|e| e.at)
                    .min();
                if let Some(first) = first {
                    contacted += 1;
                    waits.push(first.unix() - greeting.at.unix());
                }
            }
            for e in history.iter().filter(posted) {
                match e.kind {
                    EventKind::Nudged => figures.nudges += 1,
                    EventKind::Reassigned => {
                        let reason = e.reason.clone().unwrap_or_else(|| "unknown".into());
                        *figures.reassignments.entry(reason).or_default() += 1;
                    }
                    _ => {}
                }
            }
        }
        figures.contact = Rate::new(contacted, greeted);
        waits.sort_unstable();
        figures.time_to_contact = Delay {
            greetings: waits.len() as u64,
            median_seconds: nearest_rank(&waits, 50),
            p90_seconds: nearest_rank(&waits, 90),
        };
        let mut ages: Vec<i64> = open
            .iter()
            .filter_map(|h| pairing(h))
            .filter(|p| p.level == Level::Maintainer)
            .map(|p| to.unix() - p.since.unix())
            .collect();
        ages.sort_unstable();
        figures.queue = Queue {
            length: ages.len() as u64,
            oldest_seconds: ages.last().copied(),
            median_seconds: nearest_rank(&ages, 50),
        };
        Some(figures)
    }
}

#[cfg(test)]
mod tests {
    use matchbot_model::User;

    use super::*;

    const DAY: i64 = 86_400;

    fn at(days: i64) -> Timestamp {
        Timestamp::parse("2026-11-01T00:00:00Z")
            .unwrap()
            .plus_seconds(days * DAY)
    }

    fn event(
        kind: EventKind,
        days: i64,
        level: Level,
        reason: Option<&str>,
        outcome: &str,
    ) -> Event {
        Event {
            step: format!("{kind}-{days}"),
            kind,
            at: at(days),
            mentor: User {
                name: "Ada".into(),
                id: 1,
            },
            level,
            from: None,
            reason: reason.map(str::to_owned),
            outcome: outcome.into(),
        }
    }

    #[test]
    fn contact_nudges_new_mentors_and_the_queue_are_counted() {
        use EventKind::*;
        let skill = Level::Skill;
        let histories = vec![
            // Greeted on day 1, in touch on day 3.
            vec![
                event(Greeted, 1, skill, None, "posted"),
                event(Contacted, 3, skill, None, "noted"),
            ],
            // Greeted on day 2, nudged, a new mentor, in touch on day 12 with them.
            vec![
                event(Greeted, 2, skill, None, "posted"),
                event(Nudged, 9, skill, None, "posted"),
                event(Reassigned, 11, skill, Some("silent"), "posted"),
                event(Contacted, 12, skill, None, "noted"),
            ],
            // Greeted on day 4, a nudge that was not posted, never in touch.
            vec![
                event(Greeted, 4, skill, None, "posted"),
                event(Nudged, 11, skill, None, "skipped"),
            ],
            // Greeted before the period; picked up in it.
            vec![
                event(Greeted, -5, Level::Maintainer, None, "posted"),
                event(Reassigned, 6, skill, Some("picked-up"), "posted"),
            ],
        ];
        let open = vec![
            vec![event(Greeted, 20, Level::Maintainer, None, "posted")],
            vec![event(Greeted, 26, Level::Maintainer, None, "posted")],
            vec![event(Greeted, 28, Level::Maintainer, None, "posted")],
            histories[2].clone(),
        ];
        let l = Lifecycle::build(&histories, &open, at(0), at(30)).unwrap();
        assert_eq!((l.contact.count, l.contact.of), (2, 3));
        // Waits of 2 and 10 days: the median is the first, the 90th percentile the second.
        assert_eq!(l.time_to_contact.median_seconds, Some(2 * DAY));
        assert_eq!(l.time_to_contact.p90_seconds, Some(10 * DAY));
        assert_eq!(l.nudges, 1, "a nudge not posted was not sent");
        assert_eq!(
            l.reassignments,
            BTreeMap::from([("picked-up".to_owned(), 1), ("silent".to_owned(), 1)])
        );
        assert_eq!(
            l.queue,
            Queue {
                length: 3,
                oldest_seconds: Some(10 * DAY),
                median_seconds: Some(4 * DAY)
            }
        );
        assert_eq!(Lifecycle::build(&[], &[], at(0), at(30)), None);
    }
}
