//! Formatting: `pbxc fmt`'s canonical layout as one edit of the whole buffer.

use tower_lsp_server::ls_types as ls;

use crate::world::World;

pub fn formatting(world: &mut World, uri: &ls::Uri) -> Option<Vec<ls::TextEdit>> {
    let path = uri.to_file_path()?.into_owned();
    let text = world.database().file(&path).text(world.database())?;
    let formatted = pbxc_fmt::format(&text);
    if formatted == *text {
        return Some(Vec::new());
    }
    let index = pbxc_diagnostics::LineIndex::new(&text);
    let lines = crate::convert::Lines {
        text: &text,
        index: &index,
        encoding: world.encoding,
    };
    Some(vec![ls::TextEdit {
        range: ls::Range::new(lines.position(0), lines.position(text.len())),
        new_text: String::from_utf8_lossy(&formatted).into_owned(),
    }])
}
