//! The language server on the corpus's largest dialplan (1.7 MB): the first analysis, then
//! fresh diagnostics after one-line edits, and the memory it holds. Run in release:
//! `cargo bench -p pbxc-lsp --bench edit [-- EDITS]`.
//!
//! Targets (issue 6): first analysis ≤ 300 ms, diagnostics after an edit ≤ 30 ms, resident
//! memory ≤ 200 MB. Edits follow each other at once; a few more come after pauses, as when
//! the user stops typing. Each figure is printed with its ratio to
//! the target, and the edit with its ratio to checking from scratch.
//!
//! A time runs until the diagnostics are serialized as the frames the server writes to
//! stdout (`publishDiagnostics`, 3.8 MB of JSON for this file): what the editor waits for.

use std::time::{Duration, Instant};

use pbxc_lsp::World;
use tower_lsp_server::ls_types as ls;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;

use common::{Edit, FILE, PAUSE, PAUSES};

fn rss_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Edit number `i` as the editor sends it.
fn change(edit: &Edit, i: usize) -> ls::TextDocumentContentChangeEvent {
    let (old, new) = edit.nth(i);
    ls::TextDocumentContentChangeEvent {
        range: Some(ls::Range::new(
            ls::Position::new(edit.line, 0),
            ls::Position::new(edit.line, old.encode_utf16().count() as u32),
        )),
        range_length: None,
        text: new.to_string(),
    }
}

fn main() {
    // The server's allocator settings, as `pbx-lsp` runs with them.
    if let Some(e) = pbxc_lsp::allocator::apply() {
        eprintln!("running with the allocator's defaults: {e}");
    }
    let edits: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(40);
    let path = common::file();
    let text = std::fs::read_to_string(&path).expect("read the file");
    let uri = ls::Uri::from_file_path(&path).unwrap();
    let before = rss_kib("VmRSS:");

    // First analysis: open the file, publish its diagnostics.
    let mut world = World::new();
    let t = Instant::now();
    world.open(&path, text.clone(), 1);
    let published = world.publish();
    let first = t.elapsed();
    let frames: usize = published.iter().map(|p| p.frame.len()).sum();
    let count: usize = published
        .iter()
        .map(|p| p.diagnostics().map_or(0, |d| d.len()))
        .sum();

    let edit = Edit::in_text(&text);
    let mut times = Vec::new();
    let mut converted = 0;
    for i in 0..edits {
        let change = change(&edit, i);
        let t = Instant::now();
        world.change(&path, vec![change], i as i32 + 2);
        let published = world.publish();
        times.push(t.elapsed());
        converted = converted.max(published.iter().map(|p| p.converted).sum());
        assert!(
            published.iter().any(|p| p.uri == uri),
            "diagnostics republished"
        );
    }
    // The server's memory: what it holds after the edits, and the most it ever held.
    let (rss, hwm) = (rss_kib("VmRSS:"), rss_kib("VmHWM:"));

    // The same edit after the user paused.
    let mut after_pause = Vec::new();
    for i in edits..edits + PAUSES {
        std::thread::sleep(PAUSE);
        let change = change(&edit, i);
        let t = Instant::now();
        world.change(&path, vec![change], i as i32 + 2);
        world.publish();
        after_pause.push(t.elapsed());
    }
    let after_pause = median(after_pause);
    let worst = *times.iter().max().unwrap();
    let best = *times.iter().min().unwrap();
    let edit = median(times);

    // From scratch, for the ratio: a new world checking the same text.
    let mut scratch = Vec::new();
    for _ in 0..3 {
        let mut w = World::new();
        let t = Instant::now();
        w.open(&path, text.clone(), 1);
        w.publish();
        scratch.push(t.elapsed());
    }
    let scratch = median(scratch);

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "file: {} ({} bytes, {} lines), {count} diagnostics",
        FILE,
        text.len(),
        text.lines().count()
    );
    println!(
        "publishDiagnostics:    {:7.1} MB of JSON",
        frames as f64 / 1e6
    );
    println!("converted per edit:    {converted} at most, the rest copied from the list before");
    println!(
        "first analysis:        {:7.1} ms   ({:.2}× the 300 ms target)",
        ms(first),
        ms(first) / 300.0
    );
    println!(
        "edit → diagnostics:    {:7.1} ms median, {:.1} ms best, {:.1} ms worst of {edits}   ({:.2}× the 30 ms target)",
        ms(edit),
        ms(best),
        ms(worst),
        ms(edit) / 30.0
    );
    println!(
        "after a {:.1} s pause:  {:7.1} ms median of {PAUSES}   ({:.2}× the 30 ms target)",
        PAUSE.as_secs_f64(),
        ms(after_pause),
        ms(after_pause) / 30.0
    );
    println!(
        "from scratch:          {:7.1} ms   (an edit costs {:.2}× a fresh check)",
        ms(scratch),
        ms(edit) / ms(scratch)
    );
    println!(
        "resident memory:       {:7.1} MB after the edits, {:.1} MB peak, {:.1} MB before   ({:.2}× the 200 MB target)",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0,
        before as f64 / 1024.0,
        hwm as f64 / 1024.0 / 200.0
    );
    drop(world);
}
