//! The AstDB functions and application, as funcs/func_db.c and apps/app_db.c run them over
//! the engine's database ([`crate::Engine::database`]): `DB`, `DB_EXISTS`, `DB_DELETE`,
//! `DB_KEYS`, `DB_KEYCOUNT` and `DBdeltree`.

use pbx_astdb::AstDb;
use pbxc_stdlib::functions::args;

use crate::call::Call;
use crate::subst::VAR_BUF_SIZE;

/// The AstDB functions' names.
pub(crate) const FUNCTIONS: &[&str] = &["DB", "DB_EXISTS", "DB_DELETE", "DB_KEYS", "DB_KEYCOUNT"];

/// `AST_NONSTANDARD_APP_ARGS(args, parse, '/')` into family and key: `None` (after
/// func_db.c's warning) without both.
fn family_key(name: &str, args: &[u8], call: &mut Call) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut parts = args::separate(args, b'/', true, 2).into_iter();
    match (args.is_empty(), parts.next(), parts.next()) {
        (false, Some(family), Some(key)) => Some((family, key)),
        _ => {
            // DB_EXISTS's message names DB.
            let usage = if name == "DB_DELETE" { name } else { "DB" };
            call.log.push(format!(
                "WARNING: {name} requires an argument, {usage}(<family>/<key>)"
            ));
            None
        }
    }
}

/// `ast_db_get(family, key, buf, len - 1)` into a buffer of `len` bytes: at most `len - 2`
/// bytes of the value.
fn get_into(db: &AstDb, family: &[u8], key: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut value = db.get(family, key)?;
    value.truncate(len - 2);
    Some(value)
}

/// [`get_into`] the 4096-byte workspace a function reads into.
fn get(db: &AstDb, family: &[u8], key: &[u8]) -> Option<Vec<u8>> {
    get_into(db, family, key, VAR_BUF_SIZE)
}

/// `function_db_delete` reading into a buffer of `len` bytes: the value (cut to the buffer)
/// is returned and left in DB_RESULT, and the key deleted.
fn delete(db: &AstDb, args: &[u8], call: &mut Call, len: usize) -> Option<Vec<u8>> {
    let (family, key) = family_key("DB_DELETE", args, call)?;
    let found = get_into(db, &family, &key, len);
    if found.is_some() {
        // A failed delete is only debug output in func_db.c.
        let _ = db.del(&family, &key);
    }
    let value = found.unwrap_or_default();
    call.vars.assign(b"DB_RESULT", &value);
    Some(value)
}

/// Reads function `name` (one of [`FUNCTIONS`]); `None` when it fails.
pub(crate) fn read(db: &AstDb, name: &str, args: &[u8], call: &mut Call) -> Option<Vec<u8>> {
    match name {
        "DB" => {
            let (family, key) = family_key(name, args, call)?;
            // Not found: empty, and DB_RESULT keeps its value.
            let value = get(db, &family, &key)?;
            call.vars.assign(b"DB_RESULT", &value);
            Some(value)
        }
        "DB_EXISTS" => {
            let (family, key) = family_key(name, args, call)?;
            Some(match get(db, &family, &key) {
                Some(value) => {
                    call.vars.assign(b"DB_RESULT", &value);
                    b"1".to_vec()
                }
                None => b"0".to_vec(),
            })
        }
        "DB_DELETE" => delete(db, args, call, VAR_BUF_SIZE),
        "DB_KEYS" => Some(keys_list(&next_components(db, args))),
        "DB_KEYCOUNT" => Some(next_components(db, args).len().to_string().into_bytes()),
        _ => None,
    }
}

/// The keys one level below `prefix` (slashes around it dropped), each once, as func_db.c's
/// DB_KEYS and DB_KEYCOUNT walk `ast_db_gettree(prefix)`: a key skipped when it equals the
/// previous one ignoring case, or when it is empty (the walk starts from ""). Each is
/// `(whether a comma goes before it, the key)`: DB_KEYS puts one before every entry but the
/// tree's first, even when that first was skipped.
fn next_components(db: &AstDb, prefix: &[u8]) -> Vec<(bool, Vec<u8>)> {
    let start = prefix
        .iter()
        .position(|&c| c != b'/')
        .unwrap_or(prefix.len());
    let end = prefix
        .iter()
        .rposition(|&c| c != b'/')
        .map_or(start, |e| e + 1);
    let prefix = &prefix[start..end];
    let entries = db.gettree(prefix, b"");
    let mut out = Vec::new();
    let mut last: &[u8] = b"";
    for (i, (key, _)) in entries.iter().enumerate() {
        // `&key[parselen + 1]`, past one more `/`, up to the next `/`.
        let mut current = key.get(prefix.len() + 1..).unwrap_or_default();
        if current.first() == Some(&b'/') {
            current = &current[1..];
        }
        if let Some(slash) = current.iter().position(|&c| c == b'/') {
            current = &current[..slash];
        }
        if last.eq_ignore_ascii_case(current) {
            continue;
        }
        last = current;
        out.push((i > 0, current.to_vec()));
    }
    out
}

/// `DB_KEYS`' list: the keys, `\` and `,` escaped in each.
fn keys_list(keys: &[(bool, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (comma, key) in keys {
        if *comma {
            out.push(b',');
        }
        out.extend(escape_commas(key));
    }
    out
}

fn escape_commas(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for &c in s {
        if c == b'\\' || c == b',' {
            out.push(b'\\');
        }
        out.push(c);
    }
    out
}

/// Writes function `name`: `DB(family/key)=value` and `DB_DELETE(family/key)=`.
pub(crate) fn write(db: &AstDb, name: &str, args: &[u8], value: &[u8], call: &mut Call) {
    match name {
        "DB" => {
            if args.is_empty() {
                call.log
                    .push("WARNING: DB requires an argument, DB(<family>/<key>)=<value>".into());
                return;
            }
            let mut parts = args::separate(args, b'/', true, 2).into_iter();
            let (Some(family), Some(key)) = (parts.next(), parts.next()) else {
                call.log
                    .push("WARNING: DB requires an argument, DB(<family>/<key>)=value".into());
                return;
            };
            // Written all the same: a key built from an empty variable.
            if key.is_empty()
                || key.first() == Some(&b'/')
                || key.last() == Some(&b'/')
                || key.windows(2).any(|w| w == b"//")
            {
                call.log.push(format!(
                    "WARNING: DB: key '{}' seems malformed",
                    String::from_utf8_lossy(&key)
                ));
            }
            if db.put(&family, &key, value).is_err() {
                call.log
                    .push("WARNING: DB: Error writing value to database.".into());
            }
        }
        // function_db_delete_write: the read into a 128-byte buffer (so DB_RESULT keeps at
        // most 126 bytes of the value), its result thrown away.
        "DB_DELETE" => {
            delete(db, args, call, 128);
        }
        _ => {}
    }
}

/// `DBdeltree(family[/keytree])`: data not split on commas; everything up to the first `/`
/// is the family, and no family at all deletes the whole database, as in Asterisk. Its
/// output is verbose, which the engine does not log, but for db.c's warning.
pub(crate) fn deltree(db: &AstDb, data: &[u8], call: &mut Call) {
    let (family, keytree) = match data.iter().position(|&c| c == b'/') {
        Some(slash) => (&data[..slash], &data[slash + 1..]),
        None => (data, &b""[..]),
    };
    if let Err(e) = db.deltree(family, keytree) {
        call.log.push(format!("WARNING: {e}"));
    }
}
