//! End-to-end tests: the four real binaries against the real Redis, the real MariaDB and the
//! sandbox's real MediaWiki (`scripts/sandbox up`).
//!
//! - `pipeline`: learners tag their profiles as a person would; greetings and rows come out.
//! - `lifecycle`: how the binaries start and stop (bad configuration, SIGTERM).
//! - `errors`: the do-not-contact list and the on-wiki error log.
//! - `etiquette`: exclusion templates, protection, the kill switch, dry runs and trials.
//! - `scanner`: polls, reconcile, withdrawn requests, the mentor pool and blocks.
//! - `budget`: the requests the wiki receives while idle and per match.
//! - `markers`: a request marker someone else wrote does not pass for the greeting.
//! - `matcher`: away, last edits and opt-outs from the wiki, as the matcher sees them.
//! - `report`: `matchbot report --publish`, its page, the kill switch and `{{bots}}`.
//! - `operations`: `matchbot status`, `dlq` and `health` while the workers run and fail.
//! - `traces`: one trace per request across the four workers, exported or not.
//! - `flow`: greetings on Flow boards, on the real Flow extension.
//! - `flow_answers`: the fake wiki's Flow answers held against the real Flow's.
//! - `mentorship`: a month of matches followed: contact, a nudge, new mentors, the queue.
//! - `mentor_template`: a mentor's own cap, set with the mentor template, honoured.
//! - `do_not_contact`: a mentor listed while the workers run, passed over from the next poll.
//! - `push`: the sandbox's RCFeed wakes the scanner; an idle one asks the wiki nothing.
//! - `settings`: the on-wiki settings page: a greeting changed there, a revision refused.
//! - `gates`: who may be matched: a blocked learner skipped, a learner held for edits, a
//!   skip template on the talk page, a mentor with too few edits passed over.
//! - `replicas`: two of every worker: each learner greeted once, the edits an interval apart.
//! - `second_wiki`: the sandbox's second wiki (another programme's), as the harness reaches it.
//! - `programmes`: one deployment serving both sandbox wikis, each greeting and stopping alone.

mod budget;
mod do_not_contact;
mod errors;
mod etiquette;
mod flow;
mod flow_answers;
mod gates;
mod lifecycle;
mod markers;
mod matcher;
mod mentor_template;
mod mentorship;
mod operations;
mod pipeline;
mod programmes;
mod push;
mod replicas;
mod report;
mod scanner;
mod second_wiki;
mod settings;
mod traces;
