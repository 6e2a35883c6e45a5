//! asterisk.conf's `[directories]` and `[options]`, when present, say where the PBX keeps its
//! socket, CDRs, recordings and sounds; without them everything lives under `DIR/run`.

mod common;

use pbx::scripted::Script;
use pbx::{Options, Pbx, Source};

#[test]
fn without_asterisk_conf_everything_is_below_run() {
    let dir = common::temp_dir("layout");
    let options = Options::for_source(Source::Dir(dir.clone()));
    assert_eq!(options.run_dir, dir.join("run"));
    assert_eq!(options.log_dir, dir.join("run"));
    assert_eq!(options.recordings_dir, dir.join("run/recordings"));
    assert_eq!(options.sounds, Some(dir.join("sounds")));
    assert_eq!(options.verbose, None);
    // No cdr.conf: CDRs are written below run/ all the same, with cdr_csv's defaults.
    assert_eq!(options.csv, Some(Default::default()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn asterisk_conf_directories_are_followed() {
    let dir = common::temp_dir("dirs");
    common::write_config(&dir, "[in]\nexten => s,1,Answer()\n same => n,Hangup()\n");
    std::fs::write(
        dir.join("asterisk.conf"),
        // A template is not browsed (config.c's `does_category_match`): the section after it
        // is the one read, and a later one of the same name is not.
        "[directories](!)\nastrundir => template\n\
         [directories]\nastrundir => sock\nastlogdir => /nonexistent-but-unused\n\
         astlogdir => logs\nastspooldir => spool\nastdatadir => .\n[options]\nverbose = 3\n\
         [Directories]\nastrundir => later\n",
    )
    .unwrap();
    let options = Options::for_source(Source::Dir(dir.clone()));
    assert_eq!(options.run_dir, dir.join("sock"));
    assert_eq!(options.log_dir, dir.join("logs"));
    assert_eq!(options.recordings_dir, dir.join("spool/recordings"));
    assert_eq!(options.sounds, Some(dir.join("./sounds")));
    assert_eq!(options.verbose, Some(3));

    let pbx = Pbx::start(options).unwrap();
    let f = common::Fixture {
        dir: dir.clone(),
        pbx,
    };
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    let cdr = std::fs::read_to_string(dir.join("logs/cdr-csv/Master.csv")).unwrap();
    assert_eq!(cdr.lines().count(), 1, "{cdr}");
    // A daemon keeps no trace of its calls (a call looping for hours would keep every
    // line), yet the CDR still knows the last application.
    assert!(chan.trace().is_empty());
    assert!(cdr.contains("\"Hangup\",\"\""), "{cdr}");
}
