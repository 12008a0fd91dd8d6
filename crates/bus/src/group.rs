//! One member of a stage's consumer group: what reading, upkeep and dead-lettering share.

use crate::bus::Bus;
use crate::stream::Stream;

/// A consumer's place: the stream it reads, its stage's group, and its own name there.
#[derive(Clone)]
pub(crate) struct Member {
    pub bus: Bus,
    pub stream: Stream,
    /// The stream's full key.
    pub key: String,
    /// The group: the stage's name.
    pub stage: &'static str,
    /// This consumer's name in the group.
    pub name: String,
}
