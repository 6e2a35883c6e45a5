//! The clock an engine reads, and the server's zone it reads the time in. `${EPOCH}` and
//! `STRFTIME` want the time to the second; routing only wants its minute, and asks far more
//! often — a call in a context with business hours before every priority, and a compiled step
//! past a time-conditioned include before every move.
//!
//! Reading the exact clock (`SystemTime::now`, `clock_gettime(CLOCK_REALTIME)` in the vDSO)
//! costs this machine 33 ns, the kernel's coarse clock (`CLOCK_REALTIME_COARSE`) 3 ns: the
//! same clock as of the last timer tick (1–10 ms ago), so never ahead of it and never a
//! second behind. Away from the end of a minute of the epoch, its minute is therefore the
//! exact clock's: Asterisk reads the exact clock, and a condition read in a zone offset by
//! whole minutes (UTC, and every zone's offset since 1972) sees the same minute here. A zone
//! may be offset by seconds (local mean time: Monrovia until 1972), so an engine whose
//! conditions name a zone, or whose server's offset is not whole minutes then, reads the
//! exact clock (`Engine::routing_time`).

use pbxc_dialplan::timing::{Moment, ServerZone};

/// Seconds since the epoch, read exactly, and a cheaper reading of the same clock where
/// there is one.
#[derive(Clone, Copy)]
pub struct Clock {
    exact: fn() -> i64,
    coarse: Option<fn() -> i64>,
    /// The same clock in milliseconds, where it has them (the system's).
    millis: Option<fn() -> i64>,
    /// The server's zone: time conditions, `STRFTIME` and dates that name none read the time
    /// there, as Asterisk reads `/etc/localtime`.
    zone: ServerZone,
    /// A time the clock stands still at, read instead of `exact` (`pbxc call --at`).
    stopped: Option<i64>,
}

/// A coarse reading is less than this many seconds behind the exact clock (the kernel's is
/// one tick behind at most), and is trusted for the minute only this far from its end.
const COARSE_LAG: i64 = 2;

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock {
            exact: system_time,
            coarse: system_coarse(),
            millis: Some(system_time_ms),
            zone: ServerZone::system(),
            stopped: None,
        }
    }

    /// A clock read exactly every time (a test's clock), on a server in UTC.
    pub const fn exact(read: fn() -> i64) -> Clock {
        Clock {
            exact: read,
            coarse: None,
            millis: None,
            zone: ServerZone::UTC,
            stopped: None,
        }
    }

    /// `exact` with a cheaper reading, `coarse`, which is never ahead of it and less than
    /// [`COARSE_LAG`] seconds behind.
    pub const fn with_coarse(exact: fn() -> i64, coarse: fn() -> i64) -> Clock {
        Clock {
            exact,
            coarse: Some(coarse),
            millis: None,
            zone: ServerZone::UTC,
            stopped: None,
        }
    }

    /// This clock standing still at `epoch`, on the same server.
    pub const fn stopped_at(self, epoch: i64) -> Clock {
        Clock {
            stopped: Some(epoch),
            coarse: None,
            millis: None,
            ..self
        }
    }

    /// This clock on a server in `zone`.
    pub const fn in_zone(self, zone: ServerZone) -> Clock {
        Clock { zone, ..self }
    }

    /// The server's zone.
    pub fn zone(&self) -> ServerZone {
        self.zone
    }

    /// The time, exactly, and the server's zone: what a time condition reads.
    pub fn moment(&self) -> Moment {
        Moment::new(self.now(), self.zone)
    }

    /// Whether [`Clock::now_ms`] has milliseconds (else it gives the start of the second).
    pub fn has_millis(&self) -> bool {
        self.millis.is_some()
    }

    /// The time, in seconds since the epoch.
    pub fn now(&self) -> i64 {
        match self.stopped {
            Some(epoch) => epoch,
            None => (self.exact)(),
        }
    }

    /// The time in milliseconds since the epoch (`ast_tvnow`, for the absolute timeout): a
    /// clock of whole seconds gives the start of its second.
    pub fn now_ms(&self) -> i64 {
        match self.millis {
            Some(millis) => millis(),
            None => self.now().saturating_mul(1000),
        }
    }

    /// A time in the minute of the epoch [`Clock::now`] would give (the seconds may be
    /// behind): all that a time condition reads (its ranges are in minutes) where its zone's
    /// minutes begin with the epoch's.
    pub fn minute_now(&self) -> i64 {
        if let Some(coarse) = self.coarse {
            let t = coarse();
            // The exact clock is less than `1 + COARSE_LAG` seconds past `t` (the second `t`
            // truncates, and the lag): still in `t`'s minute unless `t` is past its second
            // `59 - COARSE_LAG`.
            if t.rem_euclid(60) <= 59 - COARSE_LAG {
                return t;
            }
        }
        self.now()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clock")
            .field("coarse", &self.coarse.is_some())
            .field("zone", &self.zone.id())
            .finish_non_exhaustive()
    }
}

/// The system clock, exactly.
pub fn system_time() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The system clock in milliseconds.
pub fn system_time_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn system_coarse() -> Option<fn() -> i64> {
    Some(|| rustix::time::clock_gettime(rustix::time::ClockId::RealtimeCoarse).tv_sec)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn system_coarse() -> Option<fn() -> i64> {
    None
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use proptest::prelude::*;

    use super::*;

    thread_local! {
        /// The exact time in milliseconds, and how far the coarse reading lags it.
        static MILLIS: Cell<(i64, i64)> = const { Cell::new((0, 0)) };
    }

    fn exact_millis() -> i64 {
        MILLIS.with(Cell::get).0.div_euclid(1000)
    }

    fn coarse_millis() -> i64 {
        let (now, lag) = MILLIS.with(Cell::get);
        (now - lag).div_euclid(1000)
    }

    const LAGGING: Clock = Clock::with_coarse(exact_millis, coarse_millis);

    /// Mon 2024-01-01 10:00:00 UTC.
    const TEN: i64 = 1_704_103_200;

    fn minute_at(now_ms: i64, lag_ms: i64) -> (i64, i64) {
        MILLIS.with(|m| m.set((now_ms, lag_ms)));
        (
            LAGGING.minute_now().div_euclid(60),
            LAGGING.now().div_euclid(60),
        )
    }

    #[test]
    fn a_coarse_reading_from_the_minute_before_is_not_taken() {
        // 10:00:00.300 exactly; 09:59:59.400 coarsely.
        let (minute, exact) = minute_at(TEN * 1000 + 300, 900);
        assert_eq!(exact, TEN / 60);
        assert_eq!(minute, TEN / 60);
        // 10:00:00.400 exactly, 09:59:58.900 coarsely (1.5 s behind).
        assert_eq!(minute_at(TEN * 1000 + 400, 1500), (TEN / 60, TEN / 60));
        // 10:00:01.200 exactly, 10:00:00.300 coarsely: the coarse reading serves.
        assert_eq!(minute_at(TEN * 1000 + 1200, 900), (TEN / 60, TEN / 60));
        assert_eq!(LAGGING.minute_now(), TEN);
    }

    proptest! {
        #[test]
        fn the_minute_is_the_exact_clocks(
            now in (TEN - 600) * 1000..(TEN + 600) * 1000,
            lag in 0i64..COARSE_LAG * 1000,
        ) {
            let (minute, exact) = minute_at(now, lag);
            prop_assert_eq!(minute, exact);
        }
    }

    #[test]
    fn the_systems_coarse_clock_is_never_ahead_nor_a_second_behind() {
        let clock = Clock::system();
        for _ in 0..10_000 {
            let coarse = clock.coarse.map_or_else(|| clock.now(), |c| c());
            let exact = clock.now();
            assert!(coarse <= exact && exact - coarse <= 1, "{coarse} {exact}");
        }
        let before = clock.now();
        let minute = clock.minute_now();
        let after = clock.now();
        assert!((before / 60..=after / 60).contains(&(minute / 60)));
    }
}
