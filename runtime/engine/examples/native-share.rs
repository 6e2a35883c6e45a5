//! Which share of a corpus's priorities the JIT runs wholly as native code:
//!
//! ```sh
//! cargo run -q --release -p pbx-engine --example native-share -- ../shared/corpus
//! ```
//!
//! Every file under the given directories whose name holds `extensions` and `.conf` (not
//! `.ael` or `.lua`) is loaded as `pbxc call` loads it (its `#include`s followed; a file
//! Asterisk would reject is skipped and said so), and each priority classified as the JIT
//! would compile it for a call in the extension's own context (`pbx_engine::native_share`).
//! Then the whole dialplan is compiled ahead (`Engine::compile_all`): how long that took, the
//! chains it made and the functions Cranelift compiled for them (one per shape of chain).

use std::path::{Path, PathBuf};

use std::time::{Duration, Instant};

use pbx_engine::{Engine, Share, native_share};

fn main() {
    let roots: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if roots.is_empty() {
        eprintln!("usage: native-share DIR...");
        std::process::exit(2);
    }
    let mut files = Vec::new();
    for root in &roots {
        if let Err(e) = std::fs::read_dir(root) {
            eprintln!("native-share: {}: {e}", root.display());
            std::process::exit(2);
        }
        collect(root, &mut files);
    }
    files.sort();
    let mut total = Share::default();
    let (mut ahead, mut chains, mut functions) = (Duration::ZERO, 0, 0);
    println!(
        "{:>7} {:>7} {:>6} {:>9} {:>7} {:>9}  file",
        "steps", "native", "share", "ahead ms", "chains", "functions"
    );
    for file in &files {
        let disk = pbxc_project::disk::DiskFs { allow_exec: false };
        let plan = match pbxc_project::load_dialplan(&disk, file) {
            Ok(plan) => plan,
            Err(why) => {
                println!(
                    "{:>7} {:>7} {:>6}  {} ({})",
                    "-",
                    "-",
                    "-",
                    file.display(),
                    why.0
                );
                continue;
            }
        };
        let share = native_share(&plan);
        if share.priorities == 0 {
            continue;
        }
        let mut engine = Engine::new(&plan);
        if let Err(why) = engine.enable_jit() {
            eprintln!("native-share: no JIT on this machine: {why}");
            std::process::exit(1);
        }
        let t = Instant::now();
        let all = engine.compile_all();
        let took = t.elapsed();
        println!(
            "{:>7} {:>7} {:>5.1}% {:>9.1} {:>7} {:>9}  {}",
            share.priorities,
            share.native(),
            percent(share.native(), share.priorities),
            took.as_secs_f64() * 1e3,
            all.chains,
            all.functions,
            file.display()
        );
        total.add(share);
        ahead += took;
        chains += all.chains;
        functions += all.functions;
    }
    println!(
        "\n{} priorities in {} files: {} native ({:.1}%) — {} Set($[...]), {} GotoIf/While($[...]), {} fixed (NoOp, Set(x=literal), Goto, EndWhile, Gosub, Return); {} with a compiled data template ({:.1}%); {} substituted and run by the runtime",
        total.priorities,
        files.len(),
        total.native(),
        percent(total.native(), total.priorities),
        total.set,
        total.branch,
        total.pass,
        total.template,
        percent(total.template, total.priorities),
        total.priorities - total.native() - total.template,
    );
    println!(
        "compiled ahead, every extension as reached from every context that reaches it: {chains} chains, {functions} functions compiled, {:.0} ms",
        ahead.as_secs_f64() * 1e3
    );
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.contains("extensions") && name.contains(".conf") {
            out.push(path);
        }
    }
}
