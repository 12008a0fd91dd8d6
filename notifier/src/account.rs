//! The bot account's etiquette kept in Redis for every notifier replica: the wiki client's
//! [`AccountGate`], on the bus.

use std::time::Duration;

use matchbot_bus::{Bus, BusError, EditSlot};
use matchbot_wiki::{AccountError, AccountGate, GateFuture, Reading, Slot};

/// The bus, as the wiki client's shared gate, for one notifier process.
pub(crate) struct BusAccount {
    bus: Bus,
    /// Who holds the edit slot while this process edits: unique per process.
    holder: String,
}

impl BusAccount {
    pub(crate) fn new(bus: Bus, consumer: &str) -> BusAccount {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        BusAccount {
            bus,
            holder: format!("{consumer} {} {nanos}", std::process::id()),
        }
    }
}

fn gate_error(e: BusError) -> AccountError {
    AccountError {
        transient: e.is_transient(),
        message: e.to_string(),
    }
}

impl AccountGate for BusAccount {
    fn take_slot(&self, hold: Duration) -> GateFuture<'_, Slot> {
        Box::pin(async move {
            Ok(
                match self
                    .bus
                    .take_edit_slot(&self.holder, hold)
                    .await
                    .map_err(gate_error)?
                {
                    EditSlot::Taken => Slot::Taken,
                    EditSlot::FreeIn(wait) => Slot::FreeIn(wait),
                    EditSlot::Busy => Slot::Busy,
                },
            )
        })
    }

    fn renew_slot(&self, hold: Duration) -> GateFuture<'_, ()> {
        Box::pin(async move {
            self.bus
                .renew_edit_slot(&self.holder, hold)
                .await
                .map_err(gate_error)
        })
    }

    fn release_slot(&self, interval: Duration) -> GateFuture<'_, ()> {
        Box::pin(async move {
            self.bus
                .release_edit_slot(&self.holder, interval)
                .await
                .map_err(gate_error)
        })
    }

    fn slot_free_in(&self) -> GateFuture<'_, Option<Duration>> {
        Box::pin(async move { self.bus.edit_slot_free_in().await.map_err(gate_error) })
    }

    fn take_trial_edit(&self, budget: u64) -> GateFuture<'_, bool> {
        Box::pin(async move { self.bus.take_trial_edit(budget).await.map_err(gate_error) })
    }

    fn give_back_trial_edit(&self) -> GateFuture<'_, ()> {
        Box::pin(async move { self.bus.give_back_trial_edit().await.map_err(gate_error) })
    }

    fn trial_edits(&self) -> GateFuture<'_, u64> {
        Box::pin(async move { self.bus.trial_edits().await.map_err(gate_error) })
    }

    fn run_page_reading(&self) -> GateFuture<'_, Option<Reading>> {
        Box::pin(async move {
            Ok(self
                .bus
                .run_page_reading()
                .await
                .map_err(gate_error)?
                .map(|r| Reading {
                    age: r.age,
                    stop: r.stop,
                }))
        })
    }

    fn store_run_page_reading<'a>(&'a self, stop: Option<&'a str>) -> GateFuture<'a, ()> {
        Box::pin(async move {
            self.bus
                .store_run_page_reading(stop)
                .await
                .map_err(gate_error)
        })
    }
}
