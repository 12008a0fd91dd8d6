//! The subscribers of one upstream, indexed by the wiki their filter names, so that a change
//! is checked only against the filters that could keep it: those of its wiki (by `wiki`, or
//! by `server_name` when a filter names only that) and those that name no wiki at all.

use std::collections::HashMap;

use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use crate::{Change, Filter};

/// One subscriber: what it wants, and its queue.
struct Subscriber {
    filter: Filter,
    queue: mpsc::Sender<Change>,
}

/// Where a subscriber is filed, from its filter.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Bucket {
    Wiki(String),
    Server(String),
    Anywhere,
}

impl Bucket {
    fn of(filter: &Filter) -> Bucket {
        match (&filter.wiki, &filter.server_name) {
            (Some(wiki), _) => Bucket::Wiki(wiki.clone()),
            (None, Some(server)) => Bucket::Server(server.clone()),
            (None, None) => Bucket::Anywhere,
        }
    }
}

/// What handing one change out did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Dispatched {
    /// Filters the change was checked against.
    pub(crate) checked: usize,
    /// Subscribers it was queued for.
    pub(crate) queued: usize,
    /// Subscribers that kept it but whose queue was full (they have a wake-up waiting).
    pub(crate) full: usize,
}

/// Every subscriber of one upstream.
#[derive(Default)]
pub(crate) struct Registry {
    by_wiki: HashMap<String, HashMap<u64, Subscriber>>,
    by_server: HashMap<String, HashMap<u64, Subscriber>>,
    anywhere: HashMap<u64, Subscriber>,
    filed: HashMap<u64, Bucket>,
}

impl Registry {
    /// Adds subscriber `id`, replacing one of that id.
    pub(crate) fn insert(&mut self, id: u64, filter: Filter, queue: mpsc::Sender<Change>) {
        self.remove(id);
        let bucket = Bucket::of(&filter);
        let subscriber = Subscriber { filter, queue };
        match &bucket {
            Bucket::Wiki(wiki) => self.by_wiki.entry(wiki.clone()).or_default(),
            Bucket::Server(server) => self.by_server.entry(server.clone()).or_default(),
            Bucket::Anywhere => &mut self.anywhere,
        }
        .insert(id, subscriber);
        self.filed.insert(id, bucket);
    }

    /// Gives subscriber `id` a new filter, keeping its queue; nothing when it is gone.
    pub(crate) fn set_filter(&mut self, id: u64, filter: Filter) {
        if let Some(subscriber) = self.take(id) {
            self.insert(id, filter, subscriber.queue);
        }
    }

    /// Removes subscriber `id` (its queue closes once its receiver drains it).
    pub(crate) fn remove(&mut self, id: u64) {
        self.take(id);
    }

    fn take(&mut self, id: u64) -> Option<Subscriber> {
        let bucket = self.filed.remove(&id)?;
        match bucket {
            Bucket::Wiki(wiki) => take_from(&mut self.by_wiki, &wiki, id),
            Bucket::Server(server) => take_from(&mut self.by_server, &server, id),
            Bucket::Anywhere => self.anywhere.remove(&id),
        }
    }

    /// How many subscribe.
    pub(crate) fn len(&self) -> usize {
        self.filed.len()
    }

    /// Drops every subscriber's queue, so that each one's `recv` ends: the upstream is gone.
    pub(crate) fn close(&mut self) {
        *self = Registry::default();
    }

    /// Queues `change` for each subscriber whose filter keeps it, never waiting: a full queue
    /// already holds a wake-up.
    pub(crate) fn dispatch(&self, change: &Change) -> Dispatched {
        let mut done = Dispatched::default();
        let of_wiki = self.by_wiki.get(change.wiki.as_str()).into_iter();
        let of_server = self.by_server.get(change.server_name.as_str()).into_iter();
        let candidates = of_wiki
            .chain(of_server)
            .flat_map(HashMap::values)
            .chain(self.anywhere.values());
        for subscriber in candidates {
            done.checked += 1;
            if !subscriber.filter.keeps(change) {
                continue;
            }
            match subscriber.queue.try_send(change.clone()) {
                Ok(()) => done.queued += 1,
                Err(TrySendError::Full(_)) => done.full += 1,
                // Its subscription is being dropped.
                Err(TrySendError::Closed(_)) => {}
            }
        }
        done
    }
}

fn take_from(
    buckets: &mut HashMap<String, HashMap<u64, Subscriber>>,
    key: &str,
    id: u64,
) -> Option<Subscriber> {
    let bucket = buckets.get_mut(key)?;
    let subscriber = bucket.remove(&id);
    if bucket.is_empty() {
        buckets.remove(key);
    }
    subscriber
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn change(wiki: &str, title: &str) -> Change {
        Change {
            meta: None,
            kind: "categorize".into(),
            namespace: 14,
            title: title.into(),
            comment: String::new(),
            timestamp: 0,
            user: String::new(),
            wiki: wiki.into(),
            server_name: format!("{wiki}.example"),
        }
    }

    fn filter(wiki: Option<&str>, server: Option<&str>, category: &str) -> Filter {
        Filter {
            wiki: wiki.map(str::to_owned),
            server_name: server.map(str::to_owned),
            categories: BTreeSet::from([category.to_owned()]),
            pages: BTreeSet::new(),
        }
    }

    #[test]
    fn a_change_is_checked_only_against_its_wikis_filters_and_those_of_any_wiki() {
        let mut registry = Registry::default();
        let mut queues = Vec::new();
        for n in 0..100 {
            let (queue, heard) = mpsc::channel(4);
            let wiki = format!("wiki{n}");
            registry.insert(n, filter(Some(&wiki), None, "Category:A"), queue);
            queues.push(heard);
        }
        let (queue, mut by_server) = mpsc::channel(4);
        registry.insert(
            100,
            filter(None, Some("wiki7.example"), "Category:A"),
            queue,
        );
        let (queue, mut anywhere) = mpsc::channel(4);
        registry.insert(101, filter(None, None, "Category:A"), queue);

        let done = registry.dispatch(&change("wiki7", "Category:A"));
        assert_eq!((done.checked, done.queued, done.full), (3, 3, 0));
        assert!(queues[7].try_recv().is_ok());
        assert!(queues[8].try_recv().is_err());
        assert!(by_server.try_recv().is_ok() && anywhere.try_recv().is_ok());

        let done = registry.dispatch(&change("elsewhere", "Category:A"));
        assert_eq!((done.checked, done.queued), (1, 1));
        assert_eq!(registry.dispatch(&change("wiki9", "Category:B")).queued, 0);
    }

    #[test]
    fn a_new_filter_refiles_and_a_removed_subscriber_is_gone() {
        let mut registry = Registry::default();
        let (queue, mut heard) = mpsc::channel(1);
        registry.insert(1, filter(Some("enwiki"), None, "Category:A"), queue);
        registry.set_filter(1, filter(Some("dewiki"), None, "Category:A"));
        assert_eq!(
            registry.dispatch(&change("enwiki", "Category:A")).checked,
            0
        );
        assert_eq!(registry.dispatch(&change("dewiki", "Category:A")).queued, 1);
        // The queue holds one: the next is a wake-up already waiting.
        assert_eq!(registry.dispatch(&change("dewiki", "Category:A")).full, 1);
        assert!(heard.try_recv().is_ok());

        registry.remove(1);
        assert_eq!(registry.len(), 0);
        assert!(registry.by_wiki.is_empty(), "an emptied bucket is removed");
        assert_eq!(
            registry.dispatch(&change("dewiki", "Category:A")).checked,
            0
        );
        assert!(heard.try_recv().is_err(), "closed once drained");
    }
}
