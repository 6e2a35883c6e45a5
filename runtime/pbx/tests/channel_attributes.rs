//! The channel's own fields in the runtime: prompts in the language the dialplan sets, music
//! of its class, its account code and AMA flags in the CDR, and what a Local `;2` half
//! starts with.

mod common;

use pbx::scripted::Script;

#[test]
fn prompts_play_in_the_channel_language_falling_back_to_english() {
    let f = common::fixture(
        "language",
        "[in]\nexten => s,1,Answer()\n same => n,Set(CHANNEL(language)=fr)\n same => n,Playback(short)\n\
         same => n,Set(CHANNEL(language)=de)\n same => n,Playback(short)\n same => n,Hangup()\n",
    );
    // French `short` lasts 600 ms (30 frames); there is no German one, so English's 200 ms.
    std::fs::create_dir_all(f.dir.join("sounds/fr")).unwrap();
    std::fs::write(f.dir.join("sounds/fr/short.wav"), common::tone(600)).unwrap();
    let (_, rec) = f.call("in", "s", Script::default());
    f.settle();
    assert_eq!(rec.frames(), 30 + 10);
}

#[test]
fn the_channel_music_class_comes_before_the_one_asked_for() {
    let f = common::fixture(
        "musicclass",
        "[in]\nexten => s,1,Answer()\n same => n,MusicOnHold(nosuch,1)\n same => n,Set(after=yes)\n\
         exten => 2,1,Answer()\n same => n,Set(CHANNEL(musicclass)=JAZZ)\n same => n,MusicOnHold(nosuch,1)\n same => n,Set(after=yes)\n",
    );
    // Only `jazz`: no `default` to fall back on.
    std::fs::create_dir_all(f.dir.join("moh/jazz")).unwrap();
    std::fs::write(f.dir.join("moh/jazz/a.wav"), common::tone(100)).unwrap();
    std::fs::write(
        f.dir.join("musiconhold.conf"),
        "[jazz]\nmode = files\ndirectory = moh/jazz\n",
    )
    .unwrap();
    assert!(f.pbx.reload().is_ok());
    let (without, heard_without) = f.call("in", "s", Script::default());
    let (with, heard_with) = f.call("in", "2", Script::default());
    f.settle();
    // No class to play: play_moh_exec logs it and the dialplan goes on at once.
    assert_eq!(without.final_var("after").as_deref(), Some("yes"));
    assert_eq!(heard_without.frames(), 0);
    // The channel's class, named in any case, played for the second.
    assert_eq!(with.final_var("after").as_deref(), Some("yes"));
    assert!(heard_with.frames() > 25, "frames: {}", heard_with.frames());
}

#[test]
fn account_codes_and_ama_flags_reach_the_cdr_and_a_local_half() {
    let f = common::fixture(
        "accountcode",
        "[in]\nexten => s,1,Set(CHANNEL(accountcode)=acct9)\n same => n,Set(CHANNEL(amaflags)=OMIT)\n\
         same => n,Set(CHANNEL(musicclass)=jazz)\n same => n,Set(CHANNEL(language)=fr)\n\
         same => n,Dial(Local/child@inside)\n same => n,Hangup()\n\
         [inside]\nexten => child,1,Set(GLOBAL(child)=${CHANNEL(accountcode)}|${CHANNEL(peeraccount)}|${CHANNEL(musicclass)}|${CHANNEL(language)}|${CHANNEL(linkedid)})\n\
         same => n,Hangup()\n",
    );
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    let cdr = f.cdr();
    let line = cdr
        .lines()
        .find(|l| l.contains(&format!("\"{}\"", chan.name)))
        .unwrap_or_else(|| panic!("no CDR of {} in {cdr}", chan.name));
    assert!(line.starts_with("\"acct9\","), "{line}");
    assert!(line.ends_with(",\"OMIT\""), "{line}");
    let child = f
        .pbx
        .globals
        .lock()
        .unwrap()
        .get(b"child")
        .map(|v| String::from_utf8_lossy(v).into_owned());
    assert_eq!(
        child,
        Some(format!("acct9|acct9|jazz|en|{}", chan.unique_id)),
        "the caller's codes and class, the default language, the caller's linked ID"
    );
}

#[test]
fn groups_count_the_calls_in_progress_and_a_call_leaves_them_when_it_ends() {
    // Each call joins `out@trunks`, notes how many are in it, waits (the first 0.6 s, the
    // second 1.5 s), and counts again.
    let f = common::fixture(
        "groups",
        "[in]\nexten => _X,1,Set(GROUP(trunks)=out)\n same => n,Set(n=${GROUP_COUNT(out@trunks)})\n\
         same => n,Wait(${IF($[${EXTEN} = 1]?0.6:1.5)})\n same => n,Set(end=${GROUP_COUNT(out@trunks)})\n",
    );
    let (first, _) = f.call("in", "1", Script::default());
    std::thread::sleep(std::time::Duration::from_millis(100));
    let (second, _) = f.call("in", "2", Script::default());
    std::thread::sleep(std::time::Duration::from_millis(100));
    let shown = pbx::control::run(&f.pbx, "group show channels").0;
    assert!(
        shown.starts_with("Channel                    Group                 Category"),
        "{shown}"
    );
    assert!(shown.contains("out                   trunks"), "{shown}");
    assert!(shown.ends_with("2 active channels\n"), "{shown}");
    assert!(
        pbx::control::run(&f.pbx, "group show channels ^x")
            .0
            .ends_with("0 active channels\n")
    );
    f.settle();
    assert_eq!(first.final_var("n").as_deref(), Some("1"));
    assert_eq!(second.final_var("n").as_deref(), Some("2"));
    // The first call ended before the second looked again.
    assert_eq!(second.final_var("end").as_deref(), Some("1"));
    assert!(f.pbx.groups.all().is_empty(), "every call left its groups");
}

#[test]
fn a_group_joined_in_dial_u_subroutine_belongs_to_the_called_party_and_goes_with_it() {
    let f = common::fixture(
        "groupsU",
        "[in]\nexten => s,1,Set(CHANNEL(accountcode)=acct)\n same => n,Dial(Local/200@inside,5,U(screen)g)\n\
         same => n,Set(after=${GROUP_COUNT(callee@screened)})\n\
         [screen]\nexten => s,1,Set(GROUP(screened)=callee)\n\
         same => n,Set(GLOBAL(during)=${GROUP_COUNT(callee@screened)}|${CHANNEL(peeraccount)})\n same => n,Return()\n\
         [inside]\nexten => 200,1,Answer()\n same => n,Wait(0.3)\n",
    );
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    // The subroutine ran as the called party (`;1`, whose peer account is the caller's
    // account code), in the group while it lived.
    let during = f
        .pbx
        .globals
        .lock()
        .unwrap()
        .get(b"during")
        .map(|v| String::from_utf8_lossy(v).into_owned());
    assert_eq!(during.as_deref(), Some("1|acct"));
    assert_eq!(chan.final_var("after").as_deref(), Some("0"));
    // Every channel is gone, and with it every group.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !f.pbx.groups.all().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(f.pbx.groups.all().is_empty(), "{:?}", f.pbx.groups.all());
}

#[test]
fn shared_variables_cross_from_the_called_dialplan_to_the_caller() {
    let f = common::fixture(
        "shared",
        "[in]\nexten => s,1,Set(__CALLER=${CHANNEL})\n\
         same => n,Set(SHARED(seen)=no)\n\
         same => n,Dial(Local/200@inside,5,g)\n\
         same => n,Set(R=${SHARED(seen)})\n\
         same => n,Set(BACK=${SHARED(back)})\n\
         [inside]\nexten => 200,1,Set(SHARED(seen,${CALLER})=by ${CHANNEL})\n\
         same => n,Set(SHARED(own)=mine)\n\
         same => n,Set(SHARED(back,${CALLER})=${SHARED(seen,${CALLER})}|${SHARED(own)}|${SHARED(seen,test/CALLER)})\n\
         same => n,Answer()\n same => n,Hangup()\n",
    );
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    let r = chan.final_var("R").unwrap();
    assert!(
        r.starts_with("by Local/200@inside-") && r.ends_with(";2"),
        "{r}"
    );
    // The called side read the caller's by its full name and by its name up to the `-`
    // (any case), and its own.
    assert_eq!(chan.final_var("BACK").unwrap(), format!("{r}|mine|{r}"));
}

#[test]
fn channels_start_in_asterisk_conf_default_language() {
    let dir = common::temp_dir("deflang");
    common::write_config(
        &dir,
        "[in]\nexten => s,1,Set(__CALLER=${CHANNEL})\n same => n,Set(OWN=${CHANNEL(language)})\n\
         same => n,Dial(Local/1@kid,,g)\n same => n,Set(KID=${SHARED(kid)})\n\
         [kid]\nexten => 1,1,Set(SHARED(kid,${CALLER})=${CHANNEL(language)})\n",
    );
    std::fs::write(
        dir.join("asterisk.conf"),
        "[options]\ndefaultlanguage = fr\n",
    )
    .unwrap();
    let f = common::Fixture {
        dir: dir.clone(),
        pbx: pbx::Pbx::start(pbx::Options::for_source(pbx::Source::Dir(dir))).unwrap(),
    };
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    assert_eq!(chan.final_var("OWN").as_deref(), Some("fr"));
    assert_eq!(chan.final_var("KID").as_deref(), Some("fr"));
}

#[test]
fn a_channel_running_h_after_its_caller_hung_up_is_still_found_by_name() {
    let f = common::fixture(
        "sharedh",
        "[in]\nexten => s,1,Set(SHARED(x)=kept)\n same => n,Wait(5)\n\
         exten => h,1,Set(H=${SHARED(x,${CHANNEL})})\n",
    );
    let (chan, _) = f.call("in", "s", common::hangup_after(300));
    f.settle();
    assert_eq!(chan.final_var("H").as_deref(), Some("kept"));
}

#[test]
fn master_channel_and_import_work_on_the_call_itself_and_refuse_a_channel_elsewhere() {
    let f = common::fixture(
        "master",
        "[in]\nexten => s,1,Set(__CALLER=${CHANNEL})\n\
         same => n,Set(MASTER_CHANNEL(SELF)=yes)\n\
         same => n,Set(R=${MASTER_CHANNEL(SELF)}|${MASTER_CHANNEL(CHANNEL(name))}|${IMPORT(${CHANNEL},SELF)})\n\
         same => n,Dial(Local/200@inside,5,g)\n\
         same => n,Set(AFTER=[${X}]|${SHARED(back)})\n\
         [inside]\nexten => 200,1,Set(MASTER_CHANNEL(X)=from the callee)\n\
         same => n,Set(SHARED(back,${CALLER})=[${X}][${MASTER_CHANNEL(SELF)}][${IMPORT(${CALLER},SELF)}])\n\
         same => n,Answer()\n same => n,Hangup()\n",
    );
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    // The caller is its own master.
    assert_eq!(
        chan.final_var("R").as_deref(),
        Some(format!("yes|{}|yes", chan.name).as_str())
    );
    // The callee's master runs on its own thread: neither written nor read, and the
    // callee's own channel is not used instead (that is Asterisk's fallback for a master
    // that is gone).
    assert_eq!(chan.final_var("AFTER").as_deref(), Some("[]|[][][]"));
}
