//! The send loop both runtimes run: passes of [`deliver_due`] of at most `rate` messages, at
//! most one full pass a second, until nothing is due or the runtime says stop. The local
//! server runs it for as long as it runs; the AWS worker runs it for one invocation's budget.
//! What differs between them — how to wait, when to stop, whom to tell — is the [`Pacer`]
//! each lends it; the pacing rule is written here once.

use super::{DeliveryReport, DeliverySettings, Outlets, deliver_due};
use crate::ports::{IdSource, Store, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// The runtime's side of the loop: its clock, its waits and its ears. The core reads no clock
/// itself, so tests pace by a clock they move.
#[async_trait]
pub trait Pacer: Send {
    fn now(&self) -> DateTime<Utc>;

    /// Hears what a pass did (logs, alarms), before the loop decides what comes next.
    async fn passed(&mut self, pass: &Result<DeliveryReport, StoreError>);

    /// Waits before the next pass; `false` ends the run.
    async fn wait(&mut self, next: Next) -> bool;
}

/// What the loop asks of the runtime after a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// More may be due now: go again after this long. After a full batch that is the rest of
    /// the second the pass began in (the rate limit); after a partial one it is zero, because
    /// the pass may have fanned out new messages that are due at once.
    After(Duration),
    /// Nothing was due, or the paused outbox waits for its probe: wait for a doorbell or the
    /// next look.
    Idle,
    /// The store failed the pass: wait before trying again, or give up.
    Failed,
}

/// Why a run ended.
#[derive(Debug)]
pub enum Stop {
    /// Nothing more was due.
    Idle,
    /// The runtime stopped the run while work was still due (its budget was spent).
    WorkLeft,
    /// The runtime gave up after the store failed a pass.
    Failed(StoreError),
}

#[derive(Debug)]
pub struct PacedRun {
    /// Every pass's counts, added up.
    pub total: DeliveryReport,
    pub stop: Stop,
}

/// Sends what is due, `rate` messages a second at most, until the pacer stops the run.
pub async fn send_paced(
    store: &dyn Store,
    ids: &dyn IdSource,
    outlets: &Outlets<'_>,
    settings: &DeliverySettings,
    rate: u32,
    pacer: &mut dyn Pacer,
) -> PacedRun {
    let batch = rate.max(1) as usize;
    let settings = DeliverySettings {
        batch,
        ..settings.clone()
    };
    let mut total = DeliveryReport::default();
    loop {
        let began = pacer.now();
        let pass = deliver_due(store, ids, outlets, &settings, began).await;
        pacer.passed(&pass).await;
        let next = match &pass {
            Err(_) => Next::Failed,
            Ok(report) if report.handled() == 0 => Next::Idle,
            Ok(report) if report.handled() >= batch => {
                let spent = (pacer.now() - began).to_std().unwrap_or_default();
                Next::After(Duration::from_secs(1).saturating_sub(spent))
            }
            Ok(_) => Next::After(Duration::ZERO),
        };
        let failed = match pass {
            Ok(report) => {
                total.add(report);
                None
            }
            Err(error) => Some(error),
        };
        if pacer.wait(next).await {
            continue;
        }
        let stop = match (failed, next) {
            (Some(error), _) => Stop::Failed(error),
            (None, Next::After(_)) => Stop::WorkLeft,
            (None, _) => Stop::Idle,
        };
        return PacedRun { total, stop };
    }
}
