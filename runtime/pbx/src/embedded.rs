//! The example's prompts and music compiled into the binary, so `pbx` with no argument runs
//! the demo on a machine that has nothing else (made by `examples/demo/sounds/make.sh`).

use std::sync::Arc;

use pbx_media::sound::{Format, Sound};

macro_rules! files {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_bytes!(concat!("../../../examples/demo/", $path)))),*]
    };
}

/// Paths relative to the example directory.
const FILES: &[(&str, &[u8])] = files![
    "sounds/en/beep.wav",
    "sounds/en/demo-congrats.wav",
    "sounds/en/demo-echodone.wav",
    "sounds/en/demo-echotest.wav",
    "sounds/en/invalid.wav",
    "sounds/en/vm-nobodyavail.wav",
    "sounds/en/digits/0.wav",
    "sounds/en/digits/1.wav",
    "sounds/en/digits/2.wav",
    "sounds/en/digits/3.wav",
    "sounds/en/digits/4.wav",
    "sounds/en/digits/5.wav",
    "sounds/en/digits/6.wav",
    "sounds/en/digits/7.wav",
    "sounds/en/digits/8.wav",
    "sounds/en/digits/9.wav",
    "moh/default/chords.wav",
];

/// The sounds directory of the example.
pub fn sounds() -> pbx_media::Sounds {
    pbx_media::Sounds::embedded(
        FILES
            .iter()
            .filter_map(|(path, bytes)| Some((path.strip_prefix("sounds/")?.to_string(), *bytes)))
            .collect::<Vec<_>>(),
    )
}

/// The files of an embedded directory (relative to the example directory), decoded.
pub fn directory(dir: &str) -> Vec<Arc<Sound>> {
    let prefix = format!("{}/", dir.trim_end_matches('/'));
    FILES
        .iter()
        .filter(|(path, _)| path.starts_with(&prefix))
        .filter_map(|(path, bytes)| {
            let format = Format::from_extension(path.rsplit_once('.')?.1)?;
            pbx_media::sound::decode(bytes, format).ok().map(Arc::new)
        })
        .collect()
}
