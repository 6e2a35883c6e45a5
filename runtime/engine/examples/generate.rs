//! Writes a benchmark dialplan to standard output, so that `pbxc call` (or Asterisk) can be
//! timed on exactly what the benchmarks run:
//!
//! ```sh
//! cargo run -q -p pbx-engine --example generate -- routing 100 900 100 > big.conf
//! cargo run -q -p pbx-engine --example generate -- set-gotoif 1000000 > loop.conf
//! ```

use pbx_engine::generate::{Loop, routing_dialplan};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: u32| {
        args.get(i)
            .map(|a| {
                a.parse()
                    .unwrap_or_else(|_| usage(&format!("not a number: {a}")))
            })
            .unwrap_or(default)
    };
    let text = match args.first().map(String::as_str) {
        Some("routing") => routing_dialplan(number(1, 100), number(2, 900), number(3, 100)),
        Some(name) => match Loop::ALL.into_iter().find(|l| l.name() == name) {
            Some(l) => l.dialplan(number(1, 20_000)),
            None => usage(&format!("unknown dialplan `{name}`")),
        },
        None => usage("which dialplan?"),
    };
    print!("{text}");
}

fn usage(problem: &str) -> ! {
    let loops: Vec<&str> = Loop::ALL.iter().map(|l| l.name()).collect();
    eprintln!(
        "generate: {problem}\nusage: generate routing [CONTEXTS LITERALS PATTERNS] | generate {{{}}} [TURNS]",
        loops.join("|")
    );
    std::process::exit(2);
}
