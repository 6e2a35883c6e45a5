//! The canonical text of a dialplan, as `dialplan save` writes it: contexts newest first,
//! extensions in Asterisk's order, `;` in data escaped again.

use std::fmt::Write;

use crate::model::{Dialplan, HINT};

fn s(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn dump(plan: &Dialplan) -> String {
    let mut out = String::new();
    for c in plan.contexts.iter().rev() {
        writeln!(out, "[{}]", s(&c.name)).unwrap();
        for e in &c.extensions {
            let name = match &e.cid {
                Some(cid) => format!("{}/{}", s(&e.name), s(cid)),
                None => s(&e.name),
            };
            for p in &e.priorities {
                let label = p
                    .label
                    .as_ref()
                    .map(|l| format!("({})", s(l)))
                    .unwrap_or_default();
                if p.number == HINT {
                    writeln!(out, "  exten => {name},hint,{}", s(&p.app)).unwrap();
                } else {
                    let data = s(&p.data).replace(';', "\\;");
                    writeln!(
                        out,
                        "  exten => {name},{}{label},{}({data})",
                        p.number,
                        s(&p.app)
                    )
                    .unwrap();
                }
            }
        }
        for i in &c.includes {
            writeln!(out, "  include => {}", s(&i.value)).unwrap();
        }
        for sw in &c.switches {
            writeln!(out, "  switch => {}/{}", s(&sw.name), s(&sw.data)).unwrap();
        }
        for (p, _) in &c.ignorepats {
            writeln!(out, "  ignorepat => {}", s(p)).unwrap();
        }
    }
    out
}
