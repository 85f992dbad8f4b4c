//! Per-flow counters: iterations started, completed, cut by the end of the load phase, and
//! ended early, by step and reason. Counters only, so memory is bounded by steps × reasons.

/// One flow's counters, per thread then merged. Memory is bounded by steps × reasons.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowStats {
    /// Iterations begun (their first step was sent or failed to send).
    pub started: u64,
    /// Iterations whose every step got a response and every capture succeeded.
    pub completed: u64,
    /// Iterations stopped because the load phase ended between two steps (not a failure).
    pub cut: u64,
    /// Iterations ended early, by step and reason.
    pub ended: Vec<Ended>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ended {
    /// Index of the step that ended the iteration.
    pub step: usize,
    /// `request error: timeout`, `capture order_id`: what is counted together.
    pub reason: String,
    pub count: u64,
    /// The first full message, as evidence.
    pub sample: String,
}

impl FlowStats {
    /// Count one iteration ended at `step` for `reason` (`sample` kept from the first).
    pub fn end(&mut self, step: usize, reason: String, sample: impl FnOnce() -> String) {
        match self
            .ended
            .iter_mut()
            .find(|e| e.step == step && e.reason == reason)
        {
            Some(e) => e.count += 1,
            None => self.ended.push(Ended {
                step,
                reason,
                count: 1,
                sample: sample(),
            }),
        }
    }

    pub fn merge(&mut self, other: &FlowStats) {
        self.started += other.started;
        self.completed += other.completed;
        self.cut += other.cut;
        for e in &other.ended {
            match self
                .ended
                .iter_mut()
                .find(|m| m.step == e.step && m.reason == e.reason)
            {
                Some(m) => m.count += e.count,
                None => self.ended.push(e.clone()),
            }
        }
        self.ended
            .sort_by(|a, b| (a.step, &a.reason).cmp(&(b.step, &b.reason)));
    }

    pub fn ended_early(&self) -> u64 {
        self.ended.iter().map(|e| e.count).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_count_by_step_and_reason_and_merge() {
        let mut a = FlowStats {
            started: 3,
            completed: 1,
            ..Default::default()
        };
        a.end(0, "capture `id`".into(), || "first".into());
        a.end(0, "capture `id`".into(), || "second".into());
        let mut b = FlowStats {
            started: 2,
            completed: 1,
            cut: 1,
            ..Default::default()
        };
        b.end(1, "request error: timeout".into(), || "t".into());
        b.end(0, "capture `id`".into(), || "third".into());
        a.merge(&b);
        assert_eq!(
            (a.started, a.completed, a.cut, a.ended_early()),
            (5, 2, 1, 4)
        );
        assert_eq!(a.ended[0].count, 3);
        assert_eq!(a.ended[0].sample, "first");
        assert_eq!(a.ended[1].reason, "request error: timeout");
    }
}
