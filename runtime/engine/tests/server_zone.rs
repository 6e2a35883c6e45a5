//! The server's zone. Asterisk reads the time of a condition that names no zone — business
//! hours in GotoIfTime, IFTIME, ExecIfTime or an `include` — and of STRFTIME and STRPTIME
//! given no zone in `/etc/localtime` (`ast_localtime(.., NULL)`), not in UTC. The engine's
//! [`Clock`] carries that zone; a PBX's is `/etc/localtime` ([`Clock::system`]), and here it
//! is set.

use pbx_engine::{Call, Clock, Engine, SimulatedChannel};
use pbxc_dialplan::timing::ServerZone;

/// Monday 2026-11-30 21:00 UTC: 16:00 in New York, 06:00 on Tuesday in Tokyo.
const MONDAY_21_UTC: i64 = 1_796_072_400;

const DIALPLAN: &str = "\
[in]
include => day,09:00-17:00,mon-fri,*,*
include => night
exten => hours,1,GotoIfTime(09:00-17:00,mon-fri,*,*?open)
 same => n,Set(HOURS=closed)
 same => n,Hangup()
 same => n(open),Set(HOURS=open)
exten => utc,1,GotoIfTime(09:00-17:00,mon-fri,*,*,UTC?open)
 same => n,Set(HOURS=closed)
 same => n,Hangup()
 same => n(open),Set(HOURS=open)
exten => empty,1,GotoIfTime(09:00-17:00,mon-fri,*,*,?open)
 same => n,Set(HOURS=closed)
 same => n,Hangup()
 same => n(open),Set(HOURS=open)
exten => functions,1,Set(LOCAL=${STRFTIME(${EPOCH},,%a %H:%M)})
 same => n,Set(UTC=${STRFTIME(${EPOCH},UTC,%a %H:%M)})
 same => n,Set(PARSED=${STRPTIME(2026-11-30 10:00:00,,%Y-%m-%d %H:%M:%S)})
 same => n,Set(IFTIME=${IFTIME(09:00-17:00,mon-fri,*,*?in:out)})
 same => n,ExecIfTime(09:00-17:00,mon-fri,*,*?Set(EXECIFTIME=ran))
[day]
exten => loop,1,Set(i=$[${i} + 1])
 same => n,GotoIf($[${i} < 50]?1)
 same => n,Set(WHERE=day)
[night]
exten => loop,1,Set(i=$[${i} + 1])
 same => n,GotoIf($[${i} < 50]?1)
 same => n,Set(WHERE=night)
";

fn monday_21_utc() -> i64 {
    MONDAY_21_UTC
}

/// Runs `exten` of `[in]` on a server in `zone` at [`MONDAY_21_UTC`]; the variables `names`
/// at the end, and how many steps ran as native code.
fn run(exten: &str, zone: ServerZone, jit: bool, names: &[&str]) -> (Vec<String>, u64) {
    let (plan, findings) = pbxc_dialplan::lower_text(DIALPLAN.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    let mut engine = Engine::new(&plan);
    if jit {
        engine.enable_jit().expect("a JIT");
    }
    engine.clock = Clock::exact(monday_21_utc).in_zone(zone);
    engine.max_steps = Some(10_000);
    let mut call = Call::new(b"in", exten.as_bytes(), None);
    call.vars.set(b"i", Some(b"0"));
    engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
    let values = names
        .iter()
        .map(|n| {
            String::from_utf8_lossy(call.vars.get(n.as_bytes()).unwrap_or_default()).into_owned()
        })
        .collect();
    (values, call.native_steps)
}

/// Both engines, the same values.
fn values(exten: &str, zone: ServerZone, names: &[&str]) -> Vec<String> {
    let (interpreted, native) = run(exten, zone, false, names);
    assert_eq!(native, 0);
    let (compiled, _) = run(exten, zone, true, names);
    assert_eq!(compiled, interpreted, "{exten}: the JIT differs");
    interpreted
}

fn new_york() -> ServerZone {
    ServerZone::named("America/New_York").expect("zoneinfo has America/New_York")
}

fn tokyo() -> ServerZone {
    ServerZone::named("Asia/Tokyo").expect("zoneinfo has Asia/Tokyo")
}

#[test]
fn business_hours_are_read_in_the_servers_zone() {
    for (zone, hours) in [
        (ServerZone::UTC, "closed"),
        (new_york(), "open"),
        (tokyo(), "closed"),
    ] {
        assert_eq!(values("hours", zone, &["HOURS"]), [hours], "{zone:?}");
        // An empty zone field is the server's zone too.
        assert_eq!(values("empty", zone, &["HOURS"]), [hours], "{zone:?}");
        // A condition that names its zone ignores the server's.
        assert_eq!(values("utc", zone, &["HOURS"]), ["closed"], "{zone:?}");
    }
}

#[test]
fn time_functions_read_the_servers_zone_when_given_none() {
    let names = ["LOCAL", "UTC", "PARSED", "IFTIME", "EXECIFTIME"];
    assert_eq!(
        values("functions", new_york(), &names),
        ["Mon 16:00", "Mon 21:00", "1796050800", "in", "ran"]
    );
    assert_eq!(
        values("functions", tokyo(), &names),
        ["Tue 06:00", "Mon 21:00", "1796000400", "out", ""]
    );
    assert_eq!(
        values("functions", ServerZone::UTC, &names),
        ["Mon 21:00", "Mon 21:00", "1796032800", "out", ""]
    );
}

/// A time-conditioned include is open by the server's clock, also for the compiled loop
/// behind it (which the JIT compiles for the includes open at the time).
#[test]
fn includes_open_by_the_servers_zone() {
    for (zone, context) in [(ServerZone::UTC, "night"), (new_york(), "day")] {
        assert_eq!(values("loop", zone, &["WHERE", "i"]), [context, "50"]);
        let (_, native) = run("loop", zone, true, &["WHERE"]);
        assert!(native > 0, "the loop in {context} ran compiled");
    }
}
