//! `[load]` and `[[load.stages]]`: the load model (open or closed loop), its bounds and
//! connection settings.

use std::time::Duration;

use super::Cx;
use crate::scenario::model::*;
use crate::scenario::tree::{Entry, Kind, Node, get};

fn fmt_duration(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

struct StageIn<'t> {
    node: &'t Node,
    duration: Option<Duration>,
    rate: Option<(f64, &'t Entry)>,
    users: Option<(u32, &'t Entry)>,
    rate_key: Option<&'t Entry>,
    users_key: Option<&'t Entry>,
}

impl Cx<'_> {
    fn stage<'t>(&mut self, node: &'t Node) -> Option<StageIn<'t>> {
        let Some(t) = node.table() else {
            self.err(
                node.span.clone(),
                format!("each stage must be a table like {{ duration = \"30s\", rate = 100 }}, found {}", node.describe()),
            );
            return None;
        };
        self.check_keys(t, &["duration", "rate", "users"], "[[load.stages]]");
        let duration = match get(t, "duration") {
            Some(e) => self.duration(e, true),
            None => {
                self.missing(
                    node.span.clone(),
                    "duration",
                    "[[load.stages]]",
                    "add e.g. `duration = \"30s\"`",
                );
                None
            }
        };
        let rate_key = get(t, "rate");
        let users_key = get(t, "users");
        let rate = rate_key.and_then(|e| {
            let r = self.number(e)?;
            if r < 0.0 {
                self.err(
                    e.value.span.clone(),
                    format!("`rate` must not be negative, found {r}"),
                );
                return None;
            }
            Some((r, e))
        });
        let users = users_key.and_then(|e| Some((self.u32_in(e, 1, u32::MAX)?, e)));
        if let (Some(_), Some(u)) = (rate_key, users_key) {
            self.err_hint(
                u.key_span.clone(),
                "a stage cannot set both `rate` and `users`",
                "`rate` is for open-loop load, `users` for closed-loop load; keep one",
            );
        }
        Some(StageIn {
            node,
            duration,
            rate,
            users,
            rate_key,
            users_key,
        })
    }

    pub(super) fn load(&mut self, e: &Entry) -> Option<LoadSpec> {
        let t = self.table_of(e)?;
        const KEYS: &[&str] = &[
            "mode",
            "rate",
            "start_rate",
            "stages",
            "users",
            "think_time",
            "duration",
            "requests",
            "connections",
            "protocol",
            "timeout",
            "warmup",
            "drain",
        ];
        self.check_keys(t, KEYS, "[load]");
        let header = e.value.span.clone();
        let errors_before = self.diags.len();

        let mode_e = get(t, "mode");
        let mode = mode_e.and_then(|m| self.choice(m, &["open", "closed"]));
        let rate_e = get(t, "rate");
        let start_rate_e = get(t, "start_rate");
        let users_e = get(t, "users");
        let think_e = get(t, "think_time");
        let duration_e = get(t, "duration");
        let requests_e = get(t, "requests");

        let rate = rate_e.and_then(|r| {
            let v = self.number(r)?;
            if v <= 0.0 {
                self.err_hint(
                    r.value.span.clone(),
                    format!("`rate` must be greater than zero, found {v}"),
                    "rate is in requests per second, e.g. `rate = 50`",
                );
                return None;
            }
            Some(v)
        });
        let start_rate = start_rate_e.and_then(|r| {
            let v = self.number(r)?;
            if v < 0.0 {
                self.err(
                    r.value.span.clone(),
                    format!("`start_rate` must not be negative, found {v}"),
                );
                return None;
            }
            Some(v)
        });
        let users = users_e.and_then(|u| self.u32_in(u, 1, u32::MAX));
        let think_time = think_e.and_then(|d| self.duration(d, false));
        let duration = duration_e.and_then(|d| self.duration(d, true));
        let requests = requests_e
            .and_then(|r| self.int_in(r, 1, i64::MAX))
            .map(|v| v as u64);
        let connections = get(t, "connections").and_then(|c| self.u32_in(c, 1, 10_000));
        let protocol = match get(t, "protocol") {
            Some(p) => match self.choice(p, &["http1", "http2", "h2c"]).as_deref() {
                Some("http1") => Some(Protocol::Http1),
                Some("http2") => Some(Protocol::Http2),
                Some(_) => Some(Protocol::H2c),
                None => None,
            },
            None => Some(Protocol::Http1),
        };
        let timeout =
            get(t, "timeout").and_then(|d| self.duration_at_most(d, MAX_TIMEOUT, TIMEOUT_HINT));
        let drain = get(t, "drain").and_then(|d| self.duration_at_most(d, MAX_DRAIN, DRAIN_HINT));
        let warmup = get(t, "warmup").and_then(|d| self.duration(d, true));

        let stages_e = get(t, "stages");
        let mut stages: Vec<StageIn<'_>> = Vec::new();
        if let Some(s) = stages_e {
            match &s.value.kind {
                Kind::Array(items) if items.is_empty() => {
                    self.err_hint(
                        s.value.span.clone(),
                        "`stages` is empty",
                        "add [[load.stages]] tables, or remove `stages` for a constant load",
                    );
                }
                Kind::Array(items) => {
                    for node in items {
                        if let Some(st) = self.stage(node) {
                            stages.push(st);
                        }
                    }
                }
                _ => self.type_err(s, "an array of tables ([[load.stages]])"),
            }
        }
        let has_stages = stages_e.is_some();

        // Which model?
        let open_hint = rate_e
            .or(start_rate_e)
            .or_else(|| stages.iter().find_map(|s| s.rate_key));
        let closed_hint = users_e.or_else(|| stages.iter().find_map(|s| s.users_key));
        let mode: Option<&str> = match (mode.as_deref(), mode_e) {
            (Some(m), _) => Some(if m == "open" { "open" } else { "closed" }),
            (None, Some(_)) => None, // invalid `mode`, already reported
            (None, None) => match (open_hint, closed_hint) {
                (Some(_), None) => Some("open"),
                (None, Some(_)) => Some("closed"),
                (Some(o), Some(c)) => {
                    let second = if c.key_span.start > o.key_span.start {
                        c
                    } else {
                        o
                    };
                    self.err_hint(
                        second.key_span.clone(),
                        format!(
                            "contradictory load settings: `{}` (open loop) and `{}` (closed loop) cannot be combined",
                            o.key, c.key
                        ),
                        "open loop sends at a fixed `rate`; closed loop runs `users` that wait for responses. Keep one, or set `mode`",
                    );
                    None
                }
                (None, None) => {
                    self.err_hint(
                        header.clone(),
                        "cannot tell the load model: [load] has neither `rate` nor `users`",
                        "set `rate = 50` (open loop, requests per second) or `users = 10` (closed loop), or add [[load.stages]]",
                    );
                    None
                }
            },
        };

        let mut model = None;
        match mode {
            Some("open") => {
                for bad in [users_e, think_e].into_iter().flatten() {
                    self.err_hint(
                        bad.key_span.clone(),
                        format!(
                            "`{}` is only for closed-loop load, but this [load] is open loop",
                            bad.key
                        ),
                        "remove it, or use `mode = \"closed\"` with `users`",
                    );
                }
                for st in &stages {
                    if st.rate_key.is_none() {
                        match st.users_key {
                            Some(u) if st.rate_key.is_none() => self.err_hint(
                                u.key_span.clone(),
                                "an open-loop stage sets `rate`, not `users`",
                                "write e.g. { duration = \"30s\", rate = 100 }",
                            ),
                            _ => self.missing(
                                st.node.span.clone(),
                                "rate",
                                "[[load.stages]]",
                                "an open-loop stage needs a target `rate`, e.g. { duration = \"30s\", rate = 100 }",
                            ),
                        }
                    }
                }
                if has_stages {
                    if let Some(r) = rate_e {
                        self.err_hint(
                            r.key_span.clone(),
                            "`rate` sets a constant rate and cannot be combined with [[load.stages]]",
                            "use `start_rate` for the rate before the first stage",
                        );
                    }
                    let parsed: Vec<Stage> = stages
                        .iter()
                        .filter_map(|s| {
                            Some(Stage {
                                duration: s.duration?,
                                target: s.rate?.0,
                            })
                        })
                        .collect();
                    model = Some(LoadModel::Open {
                        start_rate: start_rate.unwrap_or(0.0),
                        stages: parsed,
                    });
                } else {
                    if let Some(s) = start_rate_e {
                        self.err_hint(
                            s.key_span.clone(),
                            "`start_rate` only applies with [[load.stages]]",
                            "use `rate` for a constant rate",
                        );
                    }
                    if rate_e.is_none() {
                        self.err_hint(
                            header.clone(),
                            "open-loop load needs `rate` (constant) or [[load.stages]] (ramp)",
                            "add e.g. `rate = 50` (requests per second)",
                        );
                    }
                    model = rate.map(|r| LoadModel::Open {
                        start_rate: r,
                        stages: Vec::new(),
                    });
                }
            }
            Some(_) => {
                for bad in [rate_e, start_rate_e].into_iter().flatten() {
                    self.err_hint(
                        bad.key_span.clone(),
                        format!(
                            "`{}` is only for open-loop load, but this [load] is closed loop",
                            bad.key
                        ),
                        "remove it, or use `mode = \"open\"` without `users`",
                    );
                }
                for st in &stages {
                    if st.users_key.is_none() {
                        match st.rate_key {
                            Some(r) => self.err_hint(
                                r.key_span.clone(),
                                "a closed-loop stage sets `users`, not `rate`",
                                "write e.g. { duration = \"30s\", users = 20 }",
                            ),
                            None => self.missing(
                                st.node.span.clone(),
                                "users",
                                "[[load.stages]]",
                                "a closed-loop stage needs `users`, e.g. { duration = \"30s\", users = 20 }",
                            ),
                        }
                    }
                }
                if has_stages {
                    if let Some(u) = users_e {
                        self.err_hint(
                            u.key_span.clone(),
                            "`users` cannot be combined with [[load.stages]]",
                            "each stage sets its own `users`",
                        );
                    }
                    let parsed: Vec<Stage> = stages
                        .iter()
                        .filter_map(|s| {
                            Some(Stage {
                                duration: s.duration?,
                                target: f64::from(s.users?.0),
                            })
                        })
                        .collect();
                    let first = stages.first().and_then(|s| s.users).map(|u| u.0);
                    model = first.map(|users| LoadModel::Closed {
                        users,
                        stages: parsed,
                        think_time,
                    });
                } else {
                    if users_e.is_none() {
                        self.err_hint(
                            header.clone(),
                            "closed-loop load needs `users` or [[load.stages]]",
                            "add e.g. `users = 10`",
                        );
                    }
                    model = users.map(|users| LoadModel::Closed {
                        users,
                        stages: Vec::new(),
                        think_time,
                    });
                }
            }
            None => {}
        }

        // The run must be bounded, and stages define their own length.
        if has_stages {
            if let Some(d) = duration_e {
                let total: Duration = stages.iter().filter_map(|s| s.duration).sum();
                self.err_hint(
                    d.key_span.clone(),
                    "`duration` cannot be combined with [[load.stages]]",
                    format!(
                        "the stages define the run length (together {}); remove `duration`",
                        fmt_duration(total)
                    ),
                );
            }
        } else if duration_e.is_none() && requests_e.is_none() {
            self.err_hint(
                header.clone(),
                "the run is unbounded: [load] needs `duration`, `requests` or [[load.stages]]",
                "add e.g. `duration = \"30s\"` or `requests = 10000`",
            );
        }

        if self.diags.len() != errors_before {
            return None;
        }
        let duration = if has_stages {
            Some(stages.iter().filter_map(|s| s.duration).sum())
        } else {
            duration
        };
        Some(LoadSpec {
            model: model?,
            duration,
            requests,
            connections,
            protocol: protocol?,
            timeout,
            warmup,
            drain,
        })
    }
}
