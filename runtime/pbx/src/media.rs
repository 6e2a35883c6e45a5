//! The media clock: a thread per core that, every 20 ms, sends the next frame of every stream
//! being played (prompts, music on hold, tones) to its channel.
//!
//! A clock for every call rather than a timer per call: 5,000 calls are 250,000 frames a
//! second, and waking a few threads 50 times a second costs far less than waking 5,000.
//! Streams are dealt round-robin to the threads, which tick on the same schedule. Each
//! frame has a due time (its stream's start plus 20 ms per frame); the clock counts the frames
//! it sent more than [`LATE`] after that, which is what a benchmark of concurrent calls
//! measures.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use pbx_media::sound::Sound;
use pbx_media::tone::Tone;
use pbx_media::{FRAME_SAMPLES, Samples};

use crate::channel::{Channel, lock};

pub const FRAME: Duration = Duration::from_millis(20);
/// A frame sent more than half a frame after its due time is late.
pub const LATE: Duration = Duration::from_millis(10);

/// What a stream plays.
pub enum Source {
    Sound {
        sound: Arc<Sound>,
        position: usize,
        /// Start again at the end (music on hold).
        repeat: bool,
    },
    Tone(Tone),
}

impl Source {
    pub fn sound(sound: Arc<Sound>) -> Source {
        Source::Sound {
            sound,
            position: 0,
            repeat: false,
        }
    }

    fn next_frame(&mut self) -> Option<Samples> {
        match self {
            Source::Sound {
                sound,
                position,
                repeat,
            } => {
                let samples = &sound.samples;
                if *position >= samples.len() {
                    if !*repeat || samples.is_empty() {
                        return None;
                    }
                    *position = 0;
                }
                let mut frame = [0i16; FRAME_SAMPLES];
                let end = (*position + FRAME_SAMPLES).min(samples.len());
                frame[..end - *position].copy_from_slice(&samples[*position..end]);
                *position = end;
                Some(frame)
            }
            Source::Tone(tone) => tone.next_frame(),
        }
    }
}

/// The caller's handle on a stream: whether it ended, and a way to stop it.
#[derive(Default)]
pub struct Playing {
    done: AtomicBool,
    stop: AtomicBool,
}

impl Playing {
    pub fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// Stops the stream; the clock drops it at its next tick.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Release);
    }
}

struct Stream {
    channel: Arc<Channel>,
    source: Source,
    playing: Arc<Playing>,
    due: Instant,
}

/// Frames sent and how late, since the clock started.
#[derive(Default)]
pub struct Stats {
    pub frames: AtomicU64,
    pub late: AtomicU64,
    pub max_late_us: AtomicU64,
}

/// One clock thread's streams.
struct Shard {
    streams: Mutex<Vec<Stream>>,
    /// Streams added since the last tick (kept apart so adding never waits for a tick).
    added: Mutex<Vec<Stream>>,
}

struct Shared {
    shards: Vec<Shard>,
    running: AtomicBool,
    stats: Stats,
    /// The tick every thread keeps to.
    epoch: Instant,
}

/// The clock; its threads stop when it is dropped.
pub struct MediaClock {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    next: std::sync::atomic::AtomicUsize,
}

impl MediaClock {
    pub fn start() -> std::io::Result<MediaClock> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let shared = Arc::new(Shared {
            shards: (0..threads)
                .map(|_| Shard {
                    streams: Mutex::new(Vec::new()),
                    added: Mutex::new(Vec::new()),
                })
                .collect(),
            running: AtomicBool::new(true),
            stats: Stats::default(),
            epoch: Instant::now(),
        });
        let mut clock = MediaClock {
            shared: shared.clone(),
            threads: Vec::new(),
            next: Default::default(),
        };
        for i in 0..threads {
            let shared = shared.clone();
            clock.threads.push(
                std::thread::Builder::new()
                    .name(format!("media-clock-{i}"))
                    .spawn(move || run(&shared, i))?,
            );
        }
        Ok(clock)
    }

    /// Starts playing `source` to `channel` at the next tick.
    pub fn play(&self, channel: Arc<Channel>, source: Source) -> Arc<Playing> {
        let playing = Arc::new(Playing::default());
        let shards = &self.shared.shards;
        let shard = self.next.fetch_add(1, Ordering::Relaxed) % shards.len();
        lock(&shards[shard].added).push(Stream {
            channel,
            source,
            playing: playing.clone(),
            due: Instant::now(),
        });
        playing
    }

    pub fn stats(&self) -> &Stats {
        &self.shared.stats
    }

    /// Streams playing now.
    pub fn streams(&self) -> usize {
        self.shared
            .shards
            .iter()
            .map(|s| lock(&s.streams).len() + lock(&s.added).len())
            .sum()
    }
}

impl Drop for MediaClock {
    fn drop(&mut self) {
        self.shared.running.store(false, Ordering::Release);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
        // Whoever still waits on a stream learns that it ended.
        for shard in &self.shared.shards {
            let streams = std::mem::take(&mut *lock(&shard.streams));
            let added = std::mem::take(&mut *lock(&shard.added));
            for stream in streams.into_iter().chain(added) {
                finish(&stream);
            }
        }
    }
}

fn finish(stream: &Stream) {
    stream.playing.done.store(true, Ordering::Release);
    stream.channel.signal.bump();
}

fn run(shared: &Shared, shard: usize) {
    let mut tick = shared.epoch;
    let shard = &shared.shards[shard];
    while shared.running.load(Ordering::Acquire) {
        tick += FRAME;
        let now = Instant::now();
        if tick > now {
            std::thread::sleep(tick - now);
        } else if now - tick > FRAME * 50 {
            // Stalled for over a second (a suspended process): start afresh rather than
            // burst a second of audio.
            tick = now;
        }
        let mut streams = lock(&shard.streams);
        // A new stream's first frame is due at the first tick that sees it.
        for mut stream in lock(&shard.added).drain(..) {
            stream.due = tick;
            streams.push(stream);
        }
        // Counted here and added to the shared figures once a tick: the shards would
        // otherwise contend on the same cache lines for every frame.
        let (mut tick_frames, mut tick_late, mut tick_max_late) = (0u64, 0u64, Duration::ZERO);
        // Streams that end are reported after the tick: the calls they wake (thousands, when
        // a prompt everyone hears ends at once) must not compete with this tick's frames.
        let mut ended: Vec<Arc<Channel>> = Vec::new();
        let mut end = |stream: &Stream| {
            stream.playing.done.store(true, Ordering::Release);
            ended.push(stream.channel.clone());
        };
        streams.retain_mut(|stream| {
            if stream.playing.stop.load(Ordering::Acquire) || stream.channel.is_hung_up() {
                end(stream);
                return false;
            }
            // After a stall (the clock was reset), a stream starts again from this tick
            // rather than sending every frame it missed.
            if tick.saturating_duration_since(stream.due) > FRAME * 50 {
                stream.due = tick;
            }
            // Every frame due by now goes out (a late tick sends two).
            loop {
                let now = Instant::now();
                if stream.due > now {
                    return true;
                }
                let Some(frame) = stream.source.next_frame() else {
                    end(stream);
                    return false;
                };
                // A driver that panics loses its channel, not the clock every call depends on.
                let sent = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    stream.channel.write_frame(&frame)
                }));
                if sent.is_err() {
                    stream.channel.hangup(crate::channel::Cause::FAILURE);
                    end(stream);
                    return false;
                }
                let late = now - stream.due;
                tick_frames += 1;
                tick_late += u64::from(late > LATE);
                tick_max_late = tick_max_late.max(late);
                stream.due += FRAME;
            }
        });
        drop(streams);
        let stats = &shared.stats;
        stats.frames.fetch_add(tick_frames, Ordering::Relaxed);
        stats.late.fetch_add(tick_late, Ordering::Relaxed);
        stats
            .max_late_us
            .fetch_max(tick_max_late.as_micros() as u64, Ordering::Relaxed);
        for channel in ended {
            channel.signal.bump();
        }
    }
}
