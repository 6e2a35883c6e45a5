//! `pbxc explain`: which extension answers a number in a context, and why — the candidates in
//! the order Asterisk considers them, and the winner for each priority.

use std::fmt::Write;

use pbxc_dialplan::route::{self, Note, Rejection};
use pbxc_dialplan::{Dialplan, HINT};
use serde_json::json;

use pbxc_project::check::CannotRun;

pub use pbxc_project::load_dialplan;

fn s(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub struct Explanation {
    pub text: String,
    pub json: serde_json::Value,
}

pub fn explain(
    plan: &Dialplan,
    context: &str,
    number: &str,
    callerid: Option<&str>,
) -> Result<Explanation, CannotRun> {
    if plan.context(context.as_bytes()).is_none() {
        let similar: Vec<String> = plan
            .contexts
            .iter()
            .filter(|c| c.name.eq_ignore_ascii_case(context.as_bytes()))
            .map(|c| s(&c.name))
            .collect();
        let hint = if similar.is_empty() {
            String::new()
        } else {
            format!(
                " (context names are case-sensitive: did you mean {}?)",
                similar.join(", ")
            )
        };
        return Err(CannotRun(format!(
            "no context `{context}` in this dialplan{hint}"
        )));
    }
    let cid = callerid.map(str::as_bytes);
    // A priority no extension has makes the search visit every matching entry.
    let all = route::find(plan, context.as_bytes(), number.as_bytes(), i32::MAX, cid);
    let mut priorities: Vec<i32> = all
        .candidates
        .iter()
        .filter(|c| c.rejected != Some(Rejection::CallerId))
        .flat_map(|c| {
            plan.contexts[c.context].extensions[c.extension]
                .priorities
                .iter()
                .map(|p| p.number)
        })
        .filter(|&n| n != HINT)
        .collect();
    priorities.sort_unstable();
    priorities.dedup();

    let mut text = String::new();
    let who = match callerid {
        Some(c) => format!("caller ID {c}"),
        None => "no caller ID".into(),
    };
    writeln!(text, "{number} dialled in context {context}, {who}").unwrap();
    writeln!(
        text,
        "searched: {}",
        all.searched
            .iter()
            .map(|&c| s(&plan.contexts[c].name))
            .collect::<Vec<_>>()
            .join(" → ")
    )
    .unwrap();
    if all.candidates.is_empty() {
        writeln!(text, "\nno extension matches: Asterisk runs `i` in {context} if there is one, otherwise hangs up").unwrap();
    } else {
        writeln!(text, "\ncandidates, in the order Asterisk tries them:").unwrap();
        writeln!(
            text,
            "  {:<3} {:<20} {:<20} {:<14} priorities",
            "#", "context", "extension", "caller ID"
        )
        .unwrap();
    }
    let mut candidates = Vec::new();
    for (i, c) in all.candidates.iter().enumerate() {
        let ctx = &plan.contexts[c.context];
        let e = &ctx.extensions[c.extension];
        let prios: Vec<String> = e
            .priorities
            .iter()
            .map(|p| {
                if p.number == HINT {
                    "hint".into()
                } else {
                    p.number.to_string()
                }
            })
            .collect();
        let cid_text = match &e.cid {
            None => "any".to_string(),
            Some(c) if c.is_empty() => "none only".to_string(),
            Some(c) => s(c),
        };
        let cid_ok = c.rejected != Some(Rejection::CallerId);
        writeln!(
            text,
            "  {:<3} {:<20} {:<20} {:<14} {}{}",
            i + 1,
            s(&ctx.name),
            s(&e.name),
            cid_text,
            prios.join(","),
            if cid_ok {
                ""
            } else {
                "   (caller ID does not match)"
            }
        )
        .unwrap();
        candidates.push(json!({
            "order": i + 1,
            "context": s(&ctx.name),
            "extension": s(&e.name),
            "callerid": e.cid.as_ref().map(|c| s(c)),
            "callerid_matches": cid_ok,
            "priorities": prios,
        }));
    }
    let mut winners = Vec::new();
    if !priorities.is_empty() {
        writeln!(text, "\nwho runs each priority:").unwrap();
    }
    for &p in &priorities {
        let search = route::find(plan, context.as_bytes(), number.as_bytes(), p, cid);
        let Some(w) = search.winner() else { continue };
        let order = search.candidates.len();
        let ctx = &plan.contexts[w.context];
        let e = &ctx.extensions[w.extension];
        let step = e.priority(p).expect("the winner has the priority");
        let skipped = order - 1;
        let why = match skipped {
            0 => "the first candidate".to_string(),
            n => format!(
                "{n} earlier candidate{} lack{} it",
                if n == 1 { "" } else { "s" },
                if n == 1 { "s" } else { "" }
            ),
        };
        writeln!(
            text,
            "  {p:>5}  #{order} {}@{}  {}({})  — {why}",
            s(&e.name),
            s(&ctx.name),
            s(&step.app),
            s(&step.data)
        )
        .unwrap();
        winners.push(json!({
            "priority": p,
            "candidate": order,
            "context": s(&ctx.name),
            "extension": s(&e.name),
            "application": s(&step.app),
            "data": s(&step.data),
        }));
    }
    let mut notes = Vec::new();
    for n in &all.notes {
        let line = match n {
            Note::MissingInclude { from, name } => format!(
                "{} includes `{}`, which does not exist",
                s(&plan.contexts[*from].name),
                s(name)
            ),
            Note::AlreadySearched { from, name } => format!(
                "{} includes {}, already searched in this lookup (skipped)",
                s(&plan.contexts[*from].name),
                s(name)
            ),
            Note::TimeCondition { from, include } => format!(
                "include => {} in {} only applies at the times it names; assumed to apply",
                s(&plan.contexts[*from].includes[*include].value),
                s(&plan.contexts[*from].name)
            ),
            Note::StackExceeded { from, include } => format!(
                "include => {} in {} is not followed: the search has entered {} contexts, \
                 Asterisk's limit (it warns `Maximum PBX stack (512) exceeded`)",
                s(&plan.contexts[*from].includes[*include].value),
                s(&plan.contexts[*from].name),
                pbxc_dialplan::route::MAX_STACK
            ),
            Note::Switch { context, switch } => {
                let sw = &plan.contexts[*context].switches[*switch];
                format!(
                    "switch {}/{} in {} is asked before the includes; pbxc cannot resolve it offline",
                    s(&sw.name),
                    s(&sw.data),
                    s(&plan.contexts[*context].name)
                )
            }
        };
        notes.push(line);
    }
    if !notes.is_empty() {
        writeln!(text, "\nnotes:").unwrap();
        for n in &notes {
            writeln!(text, "  - {n}").unwrap();
        }
    }
    let json = json!({
        "context": context,
        "number": number,
        "callerid": callerid,
        "searched": all.searched.iter().map(|&c| s(&plan.contexts[c].name)).collect::<Vec<_>>(),
        "candidates": candidates,
        "priorities": winners,
        "notes": notes,
    });
    Ok(Explanation { text, json })
}
