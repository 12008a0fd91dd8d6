//! Plain keys beside the streams, for the state a worker keeps of its own (the scanner's
//! floor and what it has seen, the profiles' creators, the matcher's ledger). Every name is
//! put under the prefix here, so no worker builds a key or talks to Redis itself. Writes that
//! must land with a stage's emits go in its [`crate::Commit`]; these are the reads, and the
//! few writes that stand alone.

use std::fmt;
use std::marker::PhantomData;

use redis::{AsyncTypedCommands, FromRedisValue};

use crate::bus::Bus;
use crate::error::BusError;

impl Bus {
    /// The value of plain key `name`, if set.
    pub async fn value(&self, name: &str) -> Result<Option<String>, BusError> {
        let mut conn = self.connection();
        Ok(conn.get(self.key(name)).await?)
    }

    /// Sets plain key `name` to `value`, now rather than in a commit.
    pub async fn set_value(&self, name: &str, value: &str) -> Result<(), BusError> {
        let mut conn = self.connection();
        conn.set(self.key(name), value).await?;
        Ok(())
    }

    /// Sets plain key `name` to `value` unless it is set, to expire after `expires`: true when
    /// this call set it (one round trip, so of several callers exactly one wins).
    pub(crate) async fn set_new(
        &self,
        name: &str,
        value: &str,
        expires: std::time::Duration,
    ) -> Result<bool, BusError> {
        let mut conn = self.connection();
        let set: Option<String> = redis::cmd("SET")
            .arg(self.key(name))
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(crate::time::millis(expires))
            .query_async(&mut conn)
            .await?;
        Ok(set.is_some())
    }

    /// Field `field` of hash `name`, if set.
    pub async fn field(&self, name: &str, field: &str) -> Result<Option<String>, BusError> {
        let mut conn = self.connection();
        Ok(conn.hget(self.key(name), field).await?)
    }

    /// Fields `fields` of hash `name` (`None` where unset), in one round trip.
    pub async fn fields(
        &self,
        name: &str,
        fields: &[&str],
    ) -> Result<Vec<Option<String>>, BusError> {
        if fields.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.connection();
        let values: Vec<Option<String>> = redis::cmd("HMGET")
            .arg(self.key(name))
            .arg(fields)
            .query_async(&mut conn)
            .await?;
        Ok(values)
    }

    /// How many fields hash `name` has.
    pub async fn field_count(&self, name: &str) -> Result<u64, BusError> {
        let mut conn = self.connection();
        Ok(conn.hlen(self.key(name)).await? as u64)
    }

    /// Deletes key `name` (for a cache that grew past its bound), now rather than in a commit.
    pub async fn forget(&self, name: &str) -> Result<(), BusError> {
        let mut conn = self.connection();
        conn.unlink(self.key(name)).await?;
        Ok(())
    }

    /// Sets field `field` of hash `name` to `value`, now rather than in a commit.
    pub async fn set_field(&self, name: &str, field: &str, value: &str) -> Result<(), BusError> {
        let mut conn = self.connection();
        conn.hset(self.key(name), field, value).await?;
        Ok(())
    }

    /// Those of `members` that are in sorted set `name`, in one round trip.
    pub async fn present<'m>(
        &self,
        name: &str,
        members: &[&'m str],
    ) -> Result<Vec<&'m str>, BusError> {
        let scores = self.zmscore(name, members).await?;
        Ok(members
            .iter()
            .zip(scores)
            .filter_map(|(member, score)| score.map(|_| *member))
            .collect())
    }

    /// The score of each of `members` in sorted set `name` (`None` where absent), in one
    /// round trip. A score that is not a whole number reads as absent.
    pub async fn scores(&self, name: &str, members: &[&str]) -> Result<Vec<Option<i64>>, BusError> {
        Ok(self
            .zmscore(name, members)
            .await?
            .into_iter()
            .map(|s| {
                s.filter(|s| s.is_finite() && s.fract() == 0.0)
                    .map(|s| s as i64)
            })
            .collect())
    }

    /// ZMSCORE: the score of each of `members` in sorted set `name`, in one round trip.
    async fn zmscore(&self, name: &str, members: &[&str]) -> Result<Vec<Option<f64>>, BusError> {
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.connection();
        Ok(redis::cmd("ZMSCORE")
            .arg(self.key(name))
            .arg(members)
            .query_async(&mut conn)
            .await?)
    }

    /// Starts a batch of reads that go to Redis in one round trip.
    pub fn reads(&self) -> Reads<'_> {
        Reads {
            bus: self,
            pipe: redis::pipe(),
            len: 0,
        }
    }
}

/// One end of a range of scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// This score and beyond.
    Inclusive(i64),
    /// Beyond this score.
    Exclusive(i64),
}

impl fmt::Display for Bound {
    /// As Redis writes it: `5` or `(5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::Inclusive(score) => write!(f, "{score}"),
            Bound::Exclusive(score) => write!(f, "({score}"),
        }
    }
}

/// Reads queued to run together; each returns a [`Slot`] to take its answer from.
#[must_use = "reads do nothing until they are run"]
pub struct Reads<'b> {
    bus: &'b Bus,
    pipe: redis::Pipeline,
    len: usize,
}

/// Where one read's answer will be, and of what type.
#[derive(Debug)]
pub struct Slot<T> {
    index: usize,
    answer: PhantomData<fn() -> T>,
}

impl<'b> Reads<'b> {
    fn slot<T>(&mut self) -> Slot<T> {
        self.len += 1;
        Slot {
            index: self.len - 1,
            answer: PhantomData,
        }
    }

    /// How many members of sorted set `name` score from `min` to `max`.
    pub fn count(&mut self, name: &str, min: Bound, max: Bound) -> Slot<u64> {
        self.pipe
            .zcount(self.bus.key(name), min.to_string(), max.to_string());
        self.slot()
    }

    /// The members of sorted set `name` scored from `min` to `max`, with their scores.
    pub fn range(&mut self, name: &str, min: Bound, max: Bound) -> Slot<Vec<(String, i64)>> {
        self.pipe
            .cmd("ZRANGE")
            .arg(self.bus.key(name))
            .arg(min.to_string())
            .arg(max.to_string())
            .arg("BYSCORE")
            .arg("WITHSCORES");
        self.slot()
    }

    /// Every field of hash `name`, with its value.
    pub fn hash(&mut self, name: &str) -> Slot<Vec<(String, String)>> {
        self.pipe.hgetall(self.bus.key(name));
        self.slot()
    }

    /// Runs the reads, in one round trip.
    pub async fn run(self) -> Result<Answers, BusError> {
        if self.len == 0 {
            return Ok(Answers(Vec::new()));
        }
        let mut conn = self.bus.connection();
        let answers: Vec<redis::Value> = self.pipe.query_async(&mut conn).await?;
        Ok(Answers(answers))
    }
}

/// The answers of a batch of [`Reads`].
pub struct Answers(Vec<redis::Value>);

impl Answers {
    /// The answer of the read that gave `slot`.
    pub fn take<T: FromRedisValue>(&mut self, slot: &Slot<T>) -> Result<T, BusError> {
        let value = self
            .0
            .get_mut(slot.index)
            .map(std::mem::take)
            .unwrap_or(redis::Value::Nil);
        redis::from_redis_value(value).map_err(|e| BusError::Redis(e.into()))
    }
}
