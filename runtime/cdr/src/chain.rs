//! main/cdr.c's CDR engine for one channel: the chain of records it keeps while the channel
//! lives, moved by what the channel publishes (snapshots at each application, its answer, its
//! hang-up), by its dials and by its bridge — the states `Single`, `Dial`, `DialedPending`,
//! `Bridged` and `Finalized` with cdr.c's transitions, so that `CDR(billsec)` read in the
//! dialplan and the records written at the end are Asterisk's.
//!
//! Also ResetCDR, ForkCDR and `CDR_PROP()` (`ast_cdr_reset`, `ast_cdr_fork`,
//! `ast_cdr_set_property`). Left out: parking, the records of a channel that joins a bridge
//! it did not dial into, and party B's own account code and tenant (party B is known by
//! name).

use std::sync::atomic::{AtomicU32, Ordering};

use crate::{Cdr, Disposition, Timestamp, tvdiff_ms};

/// cdr.conf's `[general]` options the engine obeys; [`Default`] is cdr.c's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `enable`: records are kept and written at all.
    pub enable: bool,
    /// `unanswered`: also write unanswered records of a channel that had no party B.
    pub unanswered: bool,
    /// `congestion`: a congested call is `CONGESTION` rather than `FAILED`.
    pub congestion: bool,
    /// `endbeforehexten`: records end when the `h` extension starts, and it makes none.
    pub endbeforehexten: bool,
    /// `initiatedseconds`: billsec counts a started half second as a second.
    pub initiatedseconds: bool,
    /// `canceldispositionenabled`: a cancelled dial is `CANCEL` rather than `NO ANSWER`.
    pub canceldispositionenabled: bool,
    /// `channeldefaultenabled`: a channel's records are written (else they are kept, and
    /// read, but never written).
    pub channeldefaultenabled: bool,
    /// `ignoredialchanges`: a dial makes no record of its own and only sets the disposition.
    pub ignoredialchanges: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            enable: true,
            unanswered: false,
            congestion: false,
            endbeforehexten: true,
            initiatedseconds: false,
            canceldispositionenabled: false,
            channeldefaultenabled: true,
            ignoredialchanges: false,
        }
    }
}

impl Settings {
    /// Applies `key = value` of `[general]`; false when the key is not one of these.
    pub fn set(&mut self, key: &str, value: &str) -> bool {
        let flag = match key.to_ascii_lowercase().as_str() {
            "enable" => &mut self.enable,
            "unanswered" => &mut self.unanswered,
            "congestion" => &mut self.congestion,
            "endbeforehexten" => &mut self.endbeforehexten,
            "initiatedseconds" => &mut self.initiatedseconds,
            "canceldispositionenabled" => &mut self.canceldispositionenabled,
            "channeldefaultenabled" => &mut self.channeldefaultenabled,
            "ignoredialchanges" => &mut self.ignoredialchanges,
            _ => return false,
        };
        // OPT_BOOLFLAG_T: ast_true.
        *flag = matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "yes" | "true" | "y" | "t" | "1" | "on"
        );
        true
    }
}

/// `enum ast_cdr_disposition`: the numbers `CDR(disposition,u)` prints and the unanswered
/// filter compares.
pub mod disposition {
    pub const NOANSWER: u32 = 0;
    pub const NULL: u32 = 1;
    pub const FAILED: u32 = 2;
    pub const BUSY: u32 = 4;
    pub const ANSWERED: u32 = 8;
    pub const CONGESTION: u32 = 16;
    pub const CANCEL: u32 = 32;

    /// `ast_cdr_disp2str`.
    pub fn name(value: u32) -> &'static str {
        match value {
            NULL | NOANSWER => "NO ANSWER",
            FAILED => "FAILED",
            BUSY => "BUSY",
            ANSWERED => "ANSWERED",
            CONGESTION => "CONGESTION",
            CANCEL => "CANCEL",
            _ => "UNKNOWN",
        }
    }
}

/// What the CDR engine reads of a channel snapshot.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub context: String,
    pub exten: String,
    pub priority: i32,
    /// The application the channel runs (`dialplan->appl`), empty before the first.
    pub app: String,
    pub data: String,
    /// The channel is up (answered).
    pub up: bool,
    /// `AST_SOFTHANGUP_HANGUP_EXEC`: the channel runs its hang-up logic (`h`).
    pub hangup_exec: bool,
    /// `AST_FLAG_SUBROUTINE_EXEC`: it runs a subroutine (a Gosub, or one an application
    /// runs on it, such as Dial's `U()`).
    pub in_subroutine: bool,
    /// `AST_FLAG_DEAD`: the channel is gone.
    pub dead: bool,
    /// The hang-up cause (0 while there is none).
    pub cause: i32,
}

impl Clone for Snapshot {
    fn clone(&self) -> Snapshot {
        let mut copy = Snapshot::default();
        copy.clone_from(self);
        copy
    }

    /// Into the strings this one has: a record copies a snapshot at every application.
    fn clone_from(&mut self, source: &Snapshot) {
        self.context.clone_from(&source.context);
        self.exten.clone_from(&source.exten);
        self.priority = source.priority;
        self.app.clone_from(&source.app);
        self.data.clone_from(&source.data);
        self.up = source.up;
        self.hangup_exec = source.hangup_exec;
        self.in_subroutine = source.in_subroutine;
        self.dead = source.dead;
        self.cause = source.cause;
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Single,
    Dial,
    DialedPending,
    Bridged,
    Finalized,
}

/// One `struct cdr_object`.
#[derive(Clone, Debug)]
struct Record {
    state: State,
    party_a: Snapshot,
    party_b: Option<String>,
    party_b_cause: i32,
    start: Timestamp,
    answer: Timestamp,
    end: Timestamp,
    lastevent: Timestamp,
    disposition: u32,
    context: String,
    exten: String,
    appl: String,
    data: String,
    lock_app: bool,
    /// `AST_CDR_FLAG_*` bits: [`DISABLE`], [`DISABLE_ALL`], [`PARTY_A`].
    flags: u32,
    sequence: u32,
}

/// `AST_CDR_FLAG_DISABLE`: the record is not written.
const DISABLE: u32 = 1 << 1;
/// `AST_CDR_FLAG_DISABLE_ALL`: nor is any record appended after it.
const DISABLE_ALL: u32 = 3 << 1;
/// `AST_CDR_FLAG_PARTY_A`: the channel is the preferred party A of a bridge.
const PARTY_A: u32 = 1 << 3;

/// What `CDR_PROP(name)=value` sets or clears on the records still open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Property {
    /// `party_a`: prefer this channel as party A when two channels are paired in a bridge.
    /// pbx only pairs a caller with the party its Dial called, where the caller is party A
    /// whatever the flag says, so the flag is kept but changes no record.
    PartyA,
    /// `disable`: this record and every one appended after it are not written.
    Disable,
}

impl Property {
    fn bits(self) -> u32 {
        match self {
            Property::PartyA => PARTY_A,
            Property::Disable => DISABLE_ALL,
        }
    }
}

/// ForkCDR's options (app_forkcdr.c).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fork {
    /// `a`: a channel that is up is answered in the new record now.
    pub set_answer: bool,
    /// `e`: the records before the new one end now.
    pub finalize: bool,
    /// `r`: the new record starts, and is answered, now.
    pub reset: bool,
    /// `v`: the new record keeps the variables (the caller keeps them: see [`Chain::fork`]).
    pub keep_vars: bool,
}

/// `global_cdr_sequence`.
static SEQUENCE: AtomicU32 = AtomicU32::new(0);

/// The party A columns that come from the channel rather than the engine.
#[derive(Clone, Debug, Default)]
pub struct PartyA {
    pub accountcode: String,
    pub amaflags: crate::AmaFlags,
    pub channel: String,
    pub clid: String,
    pub src: String,
    pub uniqueid: String,
    pub linkedid: String,
    pub userfield: String,
}

/// The records of one channel, oldest first (never empty).
#[derive(Clone, Debug)]
pub struct Chain {
    settings: Settings,
    records: Vec<Record>,
    /// The channel's last snapshot (the "old snapshot" of the next update).
    last: Snapshot,
    /// `AST_FLAG_OUTGOING` without `AST_FLAG_ORIGINATED`: the channel was dialed.
    dialed: bool,
}

fn starts_with_appdial(app: &str) -> bool {
    app.as_bytes()
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"appdial"))
}

impl Chain {
    /// The chain of a channel created at `now` (`cdr_object_alloc` and the first snapshot).
    pub fn new(settings: Settings, snapshot: Snapshot, dialed: bool, now: Timestamp) -> Chain {
        let record = Record::new(snapshot.clone(), now);
        let mut chain = Chain {
            settings,
            records: vec![record],
            last: snapshot.clone(),
            dialed,
        };
        let s = chain.settings.clone();
        // `channeldefaultenabled = no`: CDRs are off unless the channel turns them on.
        if !s.channeldefaultenabled {
            chain.records[0].flags |= DISABLE_ALL;
        }
        chain.records[0].state = State::Single;
        chain.records[0].single_init();
        chain.records[0].base_party_a(&s, &snapshot);
        chain
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The channel's last published snapshot.
    pub fn snapshot(&self) -> &Snapshot {
        &self.last
    }

    /// `handle_channel_snapshot_update_message`: the channel published `snapshot`. (Taken
    /// by reference and copied into the buffers the records already have: a channel
    /// publishes one for every application it runs.)
    pub fn update(&mut self, snapshot: &Snapshot, now: Timestamp) {
        let s = self.settings.clone();
        let mut all_reject = true;
        for record in &mut self.records {
            record.lastevent = now;
            all_reject &= record.process_party_a(&s, snapshot);
        }
        if all_reject && check_new_cdr_needed(&s, &self.last, snapshot) {
            self.append(now);
            let last = self.last_mut();
            last.process_party_a(&s, snapshot);
        }
        if snapshot.dead {
            for record in &mut self.records {
                record.lastevent = now;
                record.finalize(&s);
            }
        }
        self.last.clone_from(snapshot);
    }

    /// `handle_dial_message` without a status: the channel starts dialing `peer`.
    pub fn dial_begin(&mut self, peer: &str, now: Timestamp) {
        let s = self.settings.clone();
        let caller = self.last.clone();
        let mut res = true;
        for record in &mut self.records {
            record.lastevent = now;
            if s.ignoredialchanges {
                continue;
            }
            match record.state {
                State::Single => {
                    record.single_dial_begin(&s, &caller, peer);
                    res = false;
                }
                State::Dial => {}
                State::DialedPending => record.transition(&s, State::Finalized),
                State::Bridged | State::Finalized => {}
            }
        }
        if res && !s.ignoredialchanges {
            self.append(now);
            self.last_mut().single_dial_begin(&s, &caller, peer);
        }
    }

    /// `handle_dial_message` with a status (`ANSWER`, `BUSY`, `NOANSWER`, `CANCEL`,
    /// `CONGESTION`, `CHANUNAVAIL`…): the dial of `peer` ended.
    pub fn dial_end(&mut self, peer: &str, status: &str, now: Timestamp) {
        let s = self.settings.clone();
        let caller = self.last.clone();
        for record in &mut self.records {
            record.lastevent = now;
            if s.ignoredialchanges {
                if matches!(record.state, State::Single | State::Dial) {
                    record.disposition = dial_status_to_disposition(&s, status);
                }
                continue;
            }
            if record.state != State::Dial || record.party_b.as_deref() != Some(peer) {
                continue;
            }
            record.party_a = caller.clone();
            record.disposition = dial_status_to_disposition(&s, status);
            if record.disposition == disposition::ANSWERED {
                record.state = State::DialedPending;
            } else {
                record.transition(&s, State::Finalized);
            }
        }
    }

    /// The channel and `peer` are bridged (`dial_state_process_bridge_enter`).
    pub fn bridge_enter(&mut self, peer: &str, now: Timestamp) {
        for record in &mut self.records {
            record.lastevent = now;
            if matches!(record.state, State::Dial | State::DialedPending)
                && record.party_b.as_deref() == Some(peer)
            {
                record.state = State::Bridged;
            }
        }
    }

    /// The bridge is over (either party left it): its records end now.
    pub fn bridge_leave(&mut self, now: Timestamp) {
        let s = self.settings.clone();
        for record in &mut self.records {
            if record.state == State::Bridged {
                record.lastevent = now;
                record.transition(&s, State::Finalized);
            }
        }
    }

    /// Party B `peer` hung up with `cause` (what a finalized record without an answer reads
    /// its disposition from, after party A's cause).
    pub fn party_b_hung_up(&mut self, peer: &str, cause: i32) {
        for record in &mut self.records {
            if record.party_b.as_deref() == Some(peer) {
                record.party_b_cause = cause;
            }
        }
    }

    /// Whether `snapshot` may be left out when the next one follows it: while every record is
    /// single, takes any application and has its answer if the channel is up, a snapshot
    /// with the flags of the last one, outside the hang-up logic, that runs no Dial changes
    /// nothing a later such
    /// snapshot does not replace (the place, the application, party A). A channel that
    /// publishes at every priority then hands over only the latest before the chain is read
    /// or anything else happens to it; its flags (up, hang-up logic, gone) change only after
    /// that, and the records come out as if every snapshot had been seen — but for
    /// `lastevent`, which is when the chain saw the latest.
    pub fn can_skip(&self, snapshot: &Snapshot) -> bool {
        let last = &self.last;
        // In the hang-up logic a snapshot may end the records (`endbeforehexten`).
        snapshot.up == last.up
            && !snapshot.hangup_exec
            && !last.hangup_exec
            && !snapshot.dead
            && !last.dead
            && snapshot.in_subroutine == last.in_subroutine
            && !snapshot.app.is_empty()
            && snapshot.app != "Dial"
            && !starts_with_appdial(&snapshot.app)
            && self.records.iter().all(|r| {
                r.state == State::Single && !r.lock_app && !(snapshot.up && r.answer.is_zero())
            })
    }

    /// `ast_cdr_set_property` (`on`) or `ast_cdr_clear_property`: on every record not in the
    /// finalized state. The record `h` ends (`endbeforehexten = yes`) has ended but keeps
    /// its state, as `base_process_party_a` leaves it: a property set in `h` still applies.
    pub fn set_property(&mut self, property: Property, on: bool) {
        for record in &mut self.records {
            if record.state == State::Finalized {
                continue;
            }
            if on {
                record.flags |= property.bits();
            } else {
                record.flags &= !property.bits();
            }
        }
    }

    /// `ast_cdr_reset` (ResetCDR): every record, finalized or not, starts again now, is
    /// answered now if the channel is up, and has not ended. (The variables are the
    /// caller's to clear, unless ResetCDR's `v`.)
    pub fn reset(&mut self, now: Timestamp) {
        for record in &mut self.records {
            record.start = now;
            record.answer = Timestamp::ZERO;
            record.end = Timestamp::ZERO;
            record.lastevent = now;
            record.check_answer();
        }
    }

    /// `ast_cdr_fork` (ForkCDR): a new record after the last, in the same state, with the
    /// first record's application and place, the last one's party B, start and answer, as
    /// `options` modify them. False, and nothing changes, when the last record is already
    /// finalized. (The new record's variables are the caller's to clear, unless `v`.)
    pub fn fork(&mut self, options: Fork, now: Timestamp) -> bool {
        let Some(last) = self.records.last() else {
            return false;
        };
        if last.state == State::Finalized {
            return false;
        }
        let last = last.clone();
        let first = &self.records[0];
        let (appl, data, context, exten, flags) = (
            first.appl.clone(),
            first.data.clone(),
            first.context.clone(),
            first.exten.clone(),
            first.flags,
        );
        self.append(now);
        let new = self.last_mut();
        new.state = last.state;
        new.appl = appl;
        new.data = data;
        new.context = context;
        new.exten = exten;
        new.flags = flags;
        new.lock_app = false;
        if last.party_b.is_some() {
            new.party_b = last.party_b;
            new.party_b_cause = last.party_b_cause;
        }
        new.start = last.start;
        new.answer = last.answer;
        new.lastevent = now;
        if options.set_answer && new.party_a.up {
            new.answer = now;
        }
        if options.reset {
            new.answer = now;
            new.start = now;
        }
        if options.finalize {
            let s = self.settings.clone();
            let before = self.records.len() - 1;
            for record in &mut self.records[..before] {
                if record.state != State::Finalized {
                    // Forced: `endbeforehexten` is not asked.
                    record.finalize(&s);
                    record.state = State::Finalized;
                }
            }
        }
        true
    }

    /// `cdr_object_format_property` on the last record (`ast_cdr_getvar`), unformatted:
    /// `None` for a name that is not a property (a CDR variable's).
    pub fn property(&self, name: &str, now: Timestamp) -> Option<String> {
        let record = self.records.last()?;
        let a = &record.party_a;
        let raw = |t: Timestamp| format!("{}.{:06}", t.tv_sec(), t.tv_usec());
        Some(match name.to_ascii_lowercase().as_str() {
            "dst" => a.exten.clone(),
            "dcontext" => a.context.clone(),
            "dstchannel" => record.party_b.clone().unwrap_or_default(),
            "lastapp" => a.app.clone(),
            "lastdata" => a.data.clone(),
            "start" => raw(record.start),
            "answer" => raw(record.answer),
            "end" => raw(record.end),
            "duration" => record.duration(now).to_string(),
            "billsec" => record.billsec(&self.settings, now).to_string(),
            "disposition" => record.disposition.to_string(),
            "sequence" => record.sequence.to_string(),
            // Party B's account code and tenant are not known.
            "peeraccount" | "peertenantid" => String::new(),
            _ => return None,
        })
    }

    /// `cdr_object_create_public_records` and `cdr_detach`'s filter: the records to write
    /// once the channel is gone, with party A's columns from `party_a`.
    pub fn records(&self, party_a: &PartyA, now: Timestamp) -> Vec<Cdr> {
        if !self.settings.enable {
            return Vec::new();
        }
        self.records
            .iter()
            .filter(|r| !(self.dialed && r.party_b.is_none()))
            // post_cdr: a record with AST_CDR_FLAG_DISABLE goes to no backend.
            .filter(|r| r.flags & DISABLE == 0)
            .filter(|r| {
                self.settings.unanswered
                    || r.disposition >= disposition::ANSWERED
                    || r.party_b.as_deref().is_some_and(|b| !b.is_empty())
            })
            .map(|r| Cdr {
                accountcode: party_a.accountcode.clone(),
                src: party_a.src.clone(),
                dst: r.exten.clone(),
                dcontext: r.context.clone(),
                clid: party_a.clid.clone(),
                channel: party_a.channel.clone(),
                dstchannel: r.party_b.clone().unwrap_or_default(),
                lastapp: r.appl.clone(),
                lastdata: r.data.clone(),
                start: r.start,
                answer: (!r.answer.is_zero()).then_some(r.answer),
                end: if r.end.is_zero() { now } else { r.end },
                disposition: match r.disposition {
                    disposition::FAILED => Disposition::Failed,
                    disposition::BUSY => Disposition::Busy,
                    disposition::ANSWERED => Disposition::Answered,
                    disposition::CONGESTION => Disposition::Congestion,
                    disposition::CANCEL => Disposition::Cancel,
                    _ => Disposition::NoAnswer,
                },
                amaflags: party_a.amaflags,
                uniqueid: party_a.uniqueid.clone(),
                userfield: party_a.userfield.clone(),
                peeraccount: String::new(),
                linkedid: party_a.linkedid.clone(),
                sequence: r.sequence as i32,
            })
            .collect()
    }

    /// How many records the chain holds.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Never: a chain starts with a record.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    fn last_mut(&mut self) -> &mut Record {
        self.records
            .last_mut()
            .expect("a chain always holds its first record")
    }

    /// `cdr_object_create_and_append`.
    fn append(&mut self, now: Timestamp) {
        let Some(last) = self.records.last() else {
            return;
        };
        let mut record = Record::new(last.party_a.clone(), now);
        record.appl = last.appl.clone();
        record.data = last.data.clone();
        record.context = last.context.clone();
        record.exten = last.exten.clone();
        // Keeps the disable chain going.
        if last.flags & DISABLE_ALL != 0 {
            record.flags |= DISABLE_ALL;
        }
        record.single_init();
        self.records.push(record);
    }
}

/// `dial_status_to_disposition`.
fn dial_status_to_disposition(s: &Settings, status: &str) -> u32 {
    match status {
        "ANSWER" => disposition::ANSWERED,
        "BUSY" => disposition::BUSY,
        "CANCEL" if s.canceldispositionenabled => disposition::CANCEL,
        "CANCEL" | "NOANSWER" => disposition::NOANSWER,
        "CONGESTION" if s.congestion => disposition::CONGESTION,
        _ => disposition::FAILED,
    }
}

/// `snapshot_cep_changed`: the channel runs a new application at a new place.
fn cep_changed(s: &Settings, old: &Snapshot, new: &Snapshot) -> bool {
    if new.hangup_exec && s.endbeforehexten {
        return false;
    }
    new.app != old.app
        && !starts_with_appdial(&new.app)
        && (new.context != old.context || new.exten != old.exten || new.priority != old.priority)
}

/// `check_new_cdr_needed`.
fn check_new_cdr_needed(s: &Settings, old: &Snapshot, new: &Snapshot) -> bool {
    if (new.hangup_exec && s.endbeforehexten) || new.app.is_empty() {
        return false;
    }
    cep_changed(s, old, new)
}

impl Record {
    fn new(party_a: Snapshot, now: Timestamp) -> Record {
        Record {
            state: State::Single,
            party_a,
            party_b: None,
            party_b_cause: 0,
            start: Timestamp::ZERO,
            answer: Timestamp::ZERO,
            end: Timestamp::ZERO,
            lastevent: now,
            disposition: disposition::NULL,
            context: String::new(),
            exten: String::new(),
            appl: String::new(),
            data: String::new(),
            lock_app: false,
            flags: 0,
            sequence: SEQUENCE.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// `single_state_init_function`.
    fn single_init(&mut self) {
        self.start = self.lastevent;
        self.check_answer();
    }

    fn transition(&mut self, s: &Settings, state: State) {
        self.state = state;
        if state == State::Finalized {
            self.finalize(s);
        }
    }

    /// The record's `process_party_a`: true when it asks for a new record.
    fn process_party_a(&mut self, s: &Settings, snapshot: &Snapshot) -> bool {
        match self.state {
            State::Finalized => !(snapshot.hangup_exec && s.endbeforehexten),
            State::DialedPending if cep_changed(s, &self.party_a, snapshot) => {
                if self.party_b.is_some() {
                    self.transition(s, State::Finalized);
                    true
                } else {
                    // Back to Single without its init: the start time stays.
                    self.state = State::Single;
                    self.base_party_a(s, snapshot);
                    false
                }
            }
            _ => {
                self.base_party_a(s, snapshot);
                false
            }
        }
    }

    /// `base_process_party_a`.
    fn base_party_a(&mut self, s: &Settings, snapshot: &Snapshot) {
        if snapshot.hangup_exec && s.endbeforehexten {
            self.finalize(s);
            return;
        }
        // The place is only recorded outside a subroutine an application runs.
        if !snapshot.in_subroutine || snapshot.hangup_exec {
            self.context.clone_from(&snapshot.context);
            self.exten.clone_from(&snapshot.exten);
        }
        self.party_a.clone_from(snapshot);
        if !self.lock_app
            && !snapshot.app.is_empty()
            && (!starts_with_appdial(&snapshot.app) || self.appl.is_empty())
        {
            self.appl.clone_from(&snapshot.app);
            self.data.clone_from(&snapshot.data);
            // Pre-dial handlers would change it: Dial keeps the record's application.
            if snapshot.app == "Dial" {
                self.lock_app = true;
            }
        }
        self.check_answer();
        if snapshot.dead && self.state != State::Finalized {
            self.transition(s, State::Finalized);
        }
    }

    /// `single_state_process_dial_begin` for the caller.
    fn single_dial_begin(&mut self, s: &Settings, caller: &Snapshot, peer: &str) {
        self.base_party_a(s, caller);
        self.party_b = Some(peer.to_string());
        // The application that joined the parties stays the record's.
        self.lock_app = true;
        self.state = State::Dial;
    }

    /// `cdr_object_check_party_a_answer`.
    fn check_answer(&mut self) {
        if self.party_a.up && self.answer.is_zero() {
            self.answer = self.lastevent;
        }
    }

    /// `cdr_object_finalize`.
    fn finalize(&mut self, s: &Settings) {
        if !self.end.is_zero() {
            return;
        }
        self.end = self.lastevent;
        if self.disposition == disposition::NULL {
            if !self.answer.is_zero() {
                self.disposition = disposition::ANSWERED;
            } else if self.party_a.cause != 0 {
                self.set_disposition(s, self.party_a.cause);
            } else if self.party_b_cause != 0 {
                self.set_disposition(s, self.party_b_cause);
            } else {
                self.disposition = disposition::FAILED;
            }
        }
    }

    /// `cdr_object_set_disposition`: causes other than these leave it as it is.
    fn set_disposition(&mut self, s: &Settings, cause: i32) {
        self.disposition = match cause {
            // AST_CAUSE_BUSY
            17 => disposition::BUSY,
            // AST_CAUSE_CONGESTION
            34 if s.congestion => disposition::CONGESTION,
            // AST_CAUSE_CONGESTION, AST_CAUSE_NO_ROUTE_DESTINATION, AST_CAUSE_UNREGISTERED
            34 | 3 | 20 => disposition::FAILED,
            // AST_CAUSE_NORMAL_CLEARING, AST_CAUSE_NO_ANSWER
            16 | 19 => disposition::NOANSWER,
            _ => self.disposition,
        };
    }

    fn end_or(&self, now: Timestamp) -> Timestamp {
        if self.end.is_zero() { now } else { self.end }
    }

    /// `cdr_object_get_duration`.
    fn duration(&self, now: Timestamp) -> i64 {
        tvdiff_ms(self.end_or(now), self.start) / 1000
    }

    /// `cdr_object_get_billsec`.
    fn billsec(&self, s: &Settings, now: Timestamp) -> i64 {
        if self.answer.is_zero() {
            return 0;
        }
        let ms = tvdiff_ms(self.end_or(now), self.answer);
        if ms % 1000 >= 500 && s.initiatedseconds {
            ms / 1000 + 1
        } else {
            ms / 1000
        }
    }
}

#[cfg(test)]
#[path = "chain_tests.rs"]
mod tests;
