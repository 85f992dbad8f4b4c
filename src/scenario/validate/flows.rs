//! `[[data]]` feeders and `[[flows]]` with their steps and captures, and the two placeholders
//! they bring: `${data.COLUMN}` and `${flow.NAME}`.
//!
//! A flow's steps are parsed as requests (the same keys, the same messages) and appended to the
//! scenario's requests as `FLOW.STEP` with weight 0, so every per-request figure of the report
//! (latency, status codes, thresholds, histograms) is per step with no extra machinery. A step may
//! use only what an *earlier* step captured: the variables become visible step by step.

use std::ops::Range;
use std::sync::Arc;

use super::templates::TplScope;
use super::{Cx, suggest};
use crate::scenario::data::{self, Format};
use crate::scenario::diag;
use crate::scenario::model::*;
use crate::scenario::tree::{Entry, Kind, Node, get};

/// The flow whose steps are being compiled: its variables in slot order, and how many of them
/// earlier steps have captured (only those may be used).
pub(crate) struct FlowScope {
    flow: String,
    vars: Vec<String>,
    visible: usize,
}

fn is_name(s: &str) -> bool {
    crate::scenario::template::is_ident(s)
}

impl Cx<'_> {
    /// `[[data]]`: read every file once; later templates resolve `${data.*}` against them.
    pub(super) fn data_sections(&mut self, e: &Entry) {
        let nodes = match &e.value.kind {
            Kind::Array(items) => items,
            _ => {
                self.type_err(e, "an array of tables ([[data]])");
                return;
            }
        };
        for node in nodes {
            let Some(t) = node.table() else {
                self.err(
                    node.span.clone(),
                    format!(
                        "each entry of `data` must be a table, found {}",
                        node.describe()
                    ),
                );
                continue;
            };
            self.check_keys(t, &["name", "file", "order"], "[[data]]");
            let Some(file_entry) = get(t, "file") else {
                self.missing(
                    node.span.clone(),
                    "file",
                    "[[data]]",
                    "name a CSV or JSON Lines file, relative to the scenario: `file = \"users.csv\"`",
                );
                continue;
            };
            let Some(file) = self.str_of(file_entry) else {
                continue;
            };
            let order = match get(t, "order") {
                Some(o) => match self
                    .choice(o, &["sequential", "random", "unique"])
                    .as_deref()
                {
                    Some("random") => Some(DataOrder::Random),
                    Some("unique") => Some(DataOrder::Unique),
                    Some(_) => Some(DataOrder::Sequential),
                    None => None,
                },
                None => Some(DataOrder::Sequential),
            };
            let stem = std::path::Path::new(&file)
                .file_stem()
                .map(|s| s.to_string_lossy().replace(['-', ' ', '.'], "_"))
                .unwrap_or_default();
            let name = match get(t, "name") {
                Some(n) => self.str_of(n).and_then(|s| {
                    if is_name(&s) {
                        Some(s)
                    } else {
                        self.err_hint(
                            n.value.span.clone(),
                            format!("invalid data name {s:?}"),
                            "use letters, digits and `_`, e.g. \"customers\"",
                        );
                        None
                    }
                }),
                None => Some(stem),
            };
            let Some(name) = name else { continue };
            if self.data.iter().any(|d| d.name == name) {
                self.err_hint(
                    get(t, "name").unwrap_or(file_entry).value.span.clone(),
                    format!("two [[data]] entries are named `{name}`"),
                    "give each a unique `name`",
                );
                continue;
            }
            let Some(table) = self.read_data(file_entry, &file) else {
                continue;
            };
            if let Some(order) = order {
                self.data.push(DataSpec {
                    name,
                    file,
                    order,
                    table: Arc::new(table),
                });
            }
        }
        // An entry that did not load is reported above; a `${data.*}` that might have been one
        // of its columns must not add "unknown column" or "no [[data]]" on top of it.
        self.data_broken = self.data.len() < nodes.len();
    }

    fn read_data(&mut self, e: &Entry, file: &str) -> Option<data::Table> {
        let Some(format) = Format::of(file) else {
            self.err_hint(
                e.value.span.clone(),
                format!("cannot tell the format of data file {file:?}"),
                "name a `.csv` file (first row: column names) or a `.jsonl` file (one JSON object per line)",
            );
            return None;
        };
        let base = std::path::Path::new(self.origin)
            .parent()
            .unwrap_or(std::path::Path::new(""));
        let path = base.join(file);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(err) => {
                self.err_hint(
                    e.value.span.clone(),
                    format!("cannot read data file {}: {err}", path.display()),
                    "the path is relative to the scenario file's folder",
                );
                return None;
            }
        };
        match data::parse(file, &text, format) {
            Ok(t) => Some(t),
            Err(d) => {
                self.err_hint(e.value.span.clone(), d.message, d.hint);
                None
            }
        }
    }

    /// `${data.COLUMN}` or `${data.NAME.COLUMN}`.
    pub(super) fn data_ref(
        &mut self,
        rest: &str,
        body: &str,
        span: Range<usize>,
        scope: TplScope,
    ) -> Option<Vec<Part>> {
        if scope.in_vars() {
            self.err_hint(
                span,
                format!("`${{{body}}}` is not allowed in [vars] or [secrets]: variables are per-run constants"),
                "use the placeholder directly in the request template instead",
            );
            return None;
        }
        if self.data.is_empty() {
            if self.data_broken {
                return None;
            }
            self.err_hint(
                span,
                format!("`${{{body}}}`: no [[data]] file is declared"),
                "declare one: [[data]] with `file = \"users.csv\"` (its columns become ${data.COLUMN})",
            );
            return None;
        }
        let named = rest
            .split_once('.')
            .and_then(|(n, c)| self.data.iter().position(|d| d.name == n).map(|f| (f, c)));
        let found: Vec<(usize, usize)> = match named {
            Some((f, c)) => self.data[f]
                .table
                .column(c)
                .map(|i| (f, i))
                .into_iter()
                .collect(),
            None => self
                .data
                .iter()
                .enumerate()
                .filter_map(|(f, d)| d.table.column(rest).map(|c| (f, c)))
                .collect(),
        };
        let (feeder, column) = match found.as_slice() {
            [one] => *one,
            [] if self.data_broken => return None,
            [] => {
                let all: Vec<String> = self
                    .data
                    .iter()
                    .flat_map(|d| d.table.columns.iter().cloned())
                    .collect();
                let wanted = named.map_or(rest, |(_, c)| c);
                let hint = match suggest(wanted, all.iter().map(String::as_str)) {
                    Some(c) => format!("did you mean `${{data.{c}}}`?"),
                    None => format!("the columns are: {}", all.join(", ")),
                };
                self.err_hint(span, format!("unknown data column in `${{{body}}}`"), hint);
                return None;
            }
            many => {
                let names: Vec<&str> = many
                    .iter()
                    .map(|(f, _)| self.data[*f].name.as_str())
                    .collect();
                self.err_hint(
                    span,
                    format!(
                        "`${{{body}}}` is ambiguous: column `{rest}` is in {}",
                        names.join(" and ")
                    ),
                    format!("name the data: `${{data.{}.{rest}}}`", names[0]),
                );
                return None;
            }
        };
        // Every value is known now: one a header or a path cannot carry is refused here, with
        // the data file's row, rather than failing requests at run time.
        let d = &self.data[feeder];
        let bad = d.table.rows.iter().enumerate().find_map(|(i, row)| {
            scope
                .forbidden(&data::cell_text(&row[column]))
                .map(|c| (i, c))
        });
        if let Some((i, c)) = bad {
            let message = format!(
                "`${{{body}}}` cannot be used in {}: row {} of {} contains {}",
                scope.what(),
                i + 1,
                d.file,
                super::templates::describe_char(c)
            );
            self.err_hint(
                span,
                message,
                "clean the data file, or use the column elsewhere (a body or a query value)",
            );
            return None;
        }
        Some(vec![Part::Data { feeder, column }])
    }

    /// `${flow.NAME}`: only in a flow's step, and only a variable an earlier step captures.
    pub(super) fn flow_ref(
        &mut self,
        name: &str,
        body: &str,
        span: Range<usize>,
    ) -> Option<Vec<Part>> {
        let Some(f) = &self.flow else {
            self.err_hint(
                span,
                format!("`${{{body}}}` is only defined in the steps of a [[flows]] entry"),
                "capture the value in an earlier step of a flow (`capture.NAME = { json = \"/id\" }`), and use it in a later step",
            );
            return None;
        };
        if let Some(slot) = f.vars[..f.visible].iter().position(|v| v == name) {
            return Some(vec![Part::Flow { slot }]);
        }
        let later = f.vars[f.visible..].iter().any(|v| v == name);
        let (message, hint) = if later {
            (
                format!(
                    "`${{{body}}}` is used before it is captured in flow `{}`",
                    f.flow
                ),
                "a step sees only what earlier steps captured; move the capture to an earlier step"
                    .to_string(),
            )
        } else {
            let hint = match suggest(name, f.vars[..f.visible].iter().map(String::as_str)) {
                Some(c) => format!("did you mean `${{flow.{c}}}`?"),
                None if f.visible == 0 => "no earlier step captures anything: add `capture.NAME = { json = \"/id\" }` to an earlier step".to_string(),
                None => format!("captured so far: {}", f.vars[..f.visible].join(", ")),
            };
            (
                format!("no earlier step of flow `{}` captures `{name}`", f.flow),
                hint,
            )
        };
        self.err_hint(span, message, hint);
        None
    }

    /// `[[flows]]`: every step is appended to `requests` (as `FLOW.STEP`, weight 0).
    pub(super) fn flows(
        &mut self,
        e: &Entry,
        requests: &mut Vec<RequestSpec>,
    ) -> Option<Vec<FlowSpec>> {
        let nodes = match &e.value.kind {
            Kind::Array(items) => items,
            _ => {
                self.type_err(e, "an array of tables ([[flows]])");
                return None;
            }
        };
        let mut flows: Vec<FlowSpec> = Vec::new();
        let mut ok = true;
        for node in nodes {
            match self.flow(node, requests) {
                Some(f) if flows.iter().any(|g| g.name == f.name) => {
                    let span = node
                        .table()
                        .and_then(|t| get(t, "name"))
                        .map_or(node.span.clone(), |e| e.value.span.clone());
                    self.err_hint(
                        span,
                        format!("two flows are named `{}`", f.name),
                        "flow names must be unique",
                    );
                    ok = false;
                }
                Some(f) => flows.push(f),
                None => ok = false,
            }
        }
        ok.then_some(flows)
    }

    fn flow(&mut self, node: &Node, requests: &mut Vec<RequestSpec>) -> Option<FlowSpec> {
        let Some(t) = node.table() else {
            self.err(
                node.span.clone(),
                format!(
                    "each entry of `flows` must be a table, found {}",
                    node.describe()
                ),
            );
            return None;
        };
        self.check_keys(t, &["name", "weight", "steps"], "[[flows]]");
        let name = match get(t, "name") {
            Some(n) => self.str_of(n).and_then(|s| {
                if super::requests::is_request_name(&s) && !s.contains('.') {
                    Some(s)
                } else {
                    self.err_hint(
                        n.value.span.clone(),
                        format!("invalid flow name {s:?}"),
                        "flow names use letters, digits, `_` and `-` (a step is reported as FLOW.STEP), e.g. \"checkout\"",
                    );
                    None
                }
            }),
            None => {
                self.missing(node.span.clone(), "name", "[[flows]]", "name the flow, e.g. `name = \"checkout\"`");
                None
            }
        };
        let weight = match get(t, "weight") {
            Some(w) => self.u32_in(w, 0, u32::MAX),
            None => Some(1),
        };
        let steps_nodes = match get(t, "steps") {
            Some(Entry {
                value:
                    Node {
                        kind: Kind::Array(items),
                        ..
                    },
                ..
            }) if !items.is_empty() => Some(items),
            Some(s) => {
                self.err_hint(
                    s.value.span.clone(),
                    "`steps` must be a non-empty array of tables",
                    "write each step under its own [[flows.steps]] header",
                );
                None
            }
            None => {
                self.missing(
                    node.span.clone(),
                    "steps",
                    "[[flows]]",
                    "add the flow's requests in order, each under [[flows.steps]] with a `name` and a `path`",
                );
                None
            }
        };
        let steps_nodes = steps_nodes?;
        // A bad flow name is reported; its steps are still checked, so one pass shows every
        // problem (under the name as written, or "flow" when there is none).
        let named = name.is_some();
        let written = match get(t, "name").map(|e| &e.value.kind) {
            Some(Kind::String(s)) => s.clone(),
            _ => "flow".to_string(),
        };
        let name = name.unwrap_or(written);
        // Every variable of the flow, in capture order, so that a use before its capture can be
        // told apart from a name nobody captures.
        let mut vars: Vec<String> = Vec::new();
        for s in steps_nodes {
            if let Some(c) = s
                .table()
                .and_then(|t| get(t, "capture"))
                .and_then(|c| c.value.table())
            {
                for ce in c {
                    if !vars.contains(&ce.key) {
                        vars.push(ce.key.clone());
                    }
                }
            }
        }
        self.flow = Some(FlowScope {
            flow: name.clone(),
            vars: vars.clone(),
            visible: 0,
        });
        let mut steps = Vec::new();
        let mut ok = true;
        let mut step_names: Vec<String> = Vec::new();
        for s in steps_nodes {
            let parsed = self.request(s, Some(&name));
            let captures = s
                .table()
                .and_then(|t| get(t, "capture"))
                .map(|c| self.captures(c, &vars));
            let step_name = parsed
                .spec
                .as_ref()
                .map(|r| r.name[name.len() + 1..].to_string());
            let name_span = s
                .table()
                .and_then(|t| get(t, "name"))
                .map_or(s.span.clone(), |e| e.value.span.clone());
            if let Some(n) = &step_name
                && step_names.contains(n)
            {
                self.err_hint(
                    name_span,
                    format!("flow `{name}` has two steps named `{n}`"),
                    "step names must be unique within a flow",
                );
                ok = false;
                continue;
            }
            // The captures of this step become visible to the next one.
            if let Some(f) = &mut self.flow {
                if let Some(Some(cs)) = &captures {
                    let last = cs.iter().map(|c| c.slot + 1).max().unwrap_or(0);
                    f.visible = f.visible.max(last);
                }
            }
            match (parsed.spec, captures.unwrap_or(Some(Vec::new())), step_name) {
                (Some(spec), Some(captures), Some(step)) => {
                    if let Some((_, first)) =
                        self.request_names.iter().find(|(n, _)| *n == spec.name)
                    {
                        let (line, _) = diag::line_col(self.src, first.start);
                        self.err_hint(
                            name_span,
                            format!("step `{step}` of flow `{name}` is reported as `{}`, which is already a request name (line {line})", spec.name),
                            "rename the step or the request",
                        );
                        ok = false;
                    } else {
                        self.request_names.push((spec.name.clone(), name_span));
                    }
                    step_names.push(step.clone());
                    if reads_flow_vars(&spec) {
                        self.chained_steps.push(spec.name.clone());
                    }
                    steps.push(StepSpec {
                        name: step,
                        request: requests.len(),
                        captures,
                    });
                    requests.push(spec);
                }
                _ => ok = false,
            }
        }
        self.flow = None;
        (ok && named && weight.is_some()).then(|| FlowSpec {
            name,
            weight: weight.unwrap_or(1),
            steps,
            vars,
        })
    }

    /// `capture = { order_id = { json = "/id" }, etag = { header = "ETag" }, code = { status = true } }`.
    fn captures(&mut self, e: &Entry, vars: &[String]) -> Option<Vec<Capture>> {
        let t = self.table_of(e)?;
        let mut out = Vec::new();
        let mut ok = true;
        for ce in t {
            if !is_name(&ce.key) {
                self.err_hint(
                    ce.key_span.clone(),
                    format!("invalid capture name {:?}", ce.key),
                    "use letters, digits and `_`; it is used as ${flow.NAME}",
                );
                ok = false;
                continue;
            }
            let slot = vars.iter().position(|v| *v == ce.key).unwrap_or(0);
            let Some(src) = self.table_of(ce) else {
                ok = false;
                continue;
            };
            let place = format!("capture `{}`", ce.key);
            self.check_keys(src, &["json", "header", "status"], &place);
            let json = get(src, "json");
            let header = get(src, "header");
            let status = get(src, "status");
            let given = [json, header, status]
                .iter()
                .filter(|x| x.is_some())
                .count();
            // An unknown key (already reported, with "did you mean") explains a missing source.
            let unknown = src.len() > given;
            if given > 1 || (given == 0 && !unknown) {
                self.err_hint(
                    ce.value.span.clone(),
                    format!("{place} must take exactly one of `json`, `header` or `status`"),
                    "e.g. `{ json = \"/id\" }`, `{ header = \"Location\" }` or `{ status = true }`",
                );
                ok = false;
                continue;
            }
            if given == 0 {
                ok = false;
                continue;
            }
            let from = if let Some(j) = json {
                self.pointer(j).map(CaptureFrom::Json)
            } else if let Some(h) = header {
                self.str_of(h).and_then(|name| {
                    self.header_name(&name, h.value.span.clone())
                        .then_some(CaptureFrom::Header(name))
                })
            } else if let Some(s) = status {
                match self.bool_of(s) {
                    Some(true) => Some(CaptureFrom::Status),
                    Some(false) => {
                        self.err_hint(
                            s.value.span.clone(),
                            "`status = false` captures nothing",
                            "write `status = true`, or remove the capture",
                        );
                        None
                    }
                    None => None,
                }
            } else {
                None
            };
            match from {
                Some(from) => out.push(Capture {
                    var: ce.key.clone(),
                    slot,
                    from,
                }),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }
}

/// Whether any template of `spec` reads `${flow.*}`.
fn reads_flow_vars(spec: &RequestSpec) -> bool {
    let mut reads = false;
    spec.each_part(&mut |p| reads |= matches!(p, Part::Flow { .. }));
    reads
}
