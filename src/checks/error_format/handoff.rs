//! Hand-off of the probes' tallies from `run` (active, after the load phase) to
//! `Passive::verdicts` (called later by the framework), so that each ERR-0N is reported once,
//! merged over both sources.
//!
//! `Passive::new` *arms* a slot for its spec (only the passive framework calls it, once per worker
//! thread). `run` deposits into an armed slot, or, when none is armed (passive checks are off),
//! reports by itself. `Passive::verdicts` takes the deposit. Slots are matched by spec, so two
//! runs in one process with different specs do not mix; two concurrent in-process runs with an
//! identical spec could (the CLI runs one scenario per process).
//!
//! The framework change that would make this unnecessary: pass the merged passive part to the
//! active family, e.g. `run_active(plan, base_url, stop, &mut observed.passive)` and
//! `error_format::run(ctx, spec, Option<&mut Passive>)`, or collect passive verdicts *before*
//! `run_active` and let each family merge by ID.

use std::sync::Mutex;

use super::Passive;
use crate::scenario::ErrorFormatSpec;

struct Slot {
    spec: ErrorFormatSpec,
    deposit: Option<Passive>,
}

static SLOTS: Mutex<Vec<Slot>> = Mutex::new(Vec::new());

fn slots() -> std::sync::MutexGuard<'static, Vec<Slot>> {
    SLOTS.lock().unwrap_or_else(|e| e.into_inner())
}

pub(super) fn arm(spec: &ErrorFormatSpec) {
    let mut s = slots();
    if !s.iter().any(|x| x.spec == *spec && x.deposit.is_none()) {
        s.push(Slot {
            spec: spec.clone(),
            deposit: None,
        });
    }
}

/// Give the probes' tallies to the armed passive part; back if nothing is armed.
pub(super) fn deposit(spec: &ErrorFormatSpec, acc: Passive) -> Result<(), Box<Passive>> {
    let mut s = slots();
    match s
        .iter_mut()
        .find(|x| x.spec == *spec && x.deposit.is_none())
    {
        Some(slot) => {
            slot.deposit = Some(acc);
            Ok(())
        }
        None => Err(Box::new(acc)),
    }
}

/// Take (and disarm) the slot for `spec`; the deposit, if `run` made one.
pub(super) fn take(spec: &ErrorFormatSpec) -> Option<Passive> {
    let mut s = slots();
    let i = s
        .iter()
        .position(|x| x.spec == *spec && x.deposit.is_some())
        .or_else(|| s.iter().position(|x| x.spec == *spec))?;
    s.remove(i).deposit
}
