//! JSON_DECODE against Asterisk's answers. Each row's answer was taken from func_json.c's
//! `json_decode_read` compiled against jansson 2.14 (Debian's libjansson-dev), its calls to
//! Asterisk's wrappers replaced by the jansson calls they wrap: `Ok` is the text the function
//! returns, `Err` a failure (nothing substituted), with the warning it logs when the text does
//! not parse.

use super::super::testenv::TestEnv;
use super::*;

const PARSE: &str = "parse";
const SILENT: &str = "";

/// `${JSON_DECODE(j,args)}` with `j` holding `json`, and what it logged.
fn decode(json: &str, args: &str) -> (Result<String, Complaint>, Vec<String>) {
    let mut env = TestEnv::with(&[("j", json)]);
    let args = format!("j,{args}");
    let result = json_decode("JSON_DECODE", args.as_bytes(), &mut env)
        .map(|v| String::from_utf8(v).unwrap());
    (result, env.log)
}

#[test]
fn each_row_reads_as_func_json_reads_it() {
    #[rustfmt::skip]
    let rows: &[(&str, &str, Result<&str, &str>)] = &[
        // func_json.c's own table (its TEST_FRAMEWORK test), but for the rows with option
        // `c` and the one with no key, which are tested below.
        (r#"{"myboolean": true, "state": "USA"}"#, "myboolean", Ok("1")),
        (r#"{"myboolean": false, "state": "USA"}"#, "myboolean", Ok("0")),
        (r#"{"myreal": 1E+2, "state": "USA"}"#, "myreal", Ok("100")),
        (r#"{"myreal": 1.23, "state": "USA"}"#, "myreal", Ok("1.23")),
        (r#"{"myarray": [[1]], "state": "USA"}"#, "myarray.0.0", Ok("1")),
        (r#"{"myarray": [null], "state": "USA"}"#, "myarray.0", Ok("")),
        (r#"{"myarray": [0, 1], "state": "USA"}"#, "myarray", Ok("[0,1]")),
        ("[0, 1]", "0", Ok("0")),
        ("[0, 1]", "foo", Err(SILENT)),
        (r#"{"mynull": null, "state": "USA"}"#, "mynull", Ok("")),
        (r#"{"city": "Anytown", "state": "USA"}"#, "city", Ok("Anytown")),
        (r#"{"city": "Anytown", "state": "USA"}"#, "state", Ok("USA")),
        (r#"{"city": "Anytown", "state": "USA"}"#, "blah", Err(SILENT)),
        (r#"{"key1": "123", "key2": "456"}"#, "key1", Ok("123")),
        (r#"{"key1": 123, "key2": 456}"#, "key1", Ok("123")),
        (r#"{ "path": { "to": { "elem": "someVar" } } }"#, "path/to/elem,/", Ok("someVar")),
        (r#"{ "path": { "to": { "elem": "someVar" } } }"#, "path.to.elem2", Err(SILENT)),
        (r#"{ "path": { "to": { "arr": [ "item0", "item1" ] } } }"#, "path/to/arr/2,/", Ok("")),
        (r#"{ "path": { "to": { "arr": [ "item0", "item1" ] } } }"#, "path/to/arr/-1,/", Ok("")),
        (r#"{ "path": { "to": { "arr": [ "item0", "item1" ] } } }"#, "path/to/arr/test,/", Ok("")),
        (r#"{ "path": { "to": { "arr": [ "item0", "item1" ] } } }"#, "path.to.arr.test.test2.subkey", Ok("")),
        (r#"{ "path": { "to": { "arr": [ "item0", "item1" ] } } }"#, "path.to.arr", Ok(r#"["item0","item1"]"#)),
        (r#"{ "path": { "to": { "arr": [ "item0", "item1" ] } } }"#, "path.to.arr.1,.", Ok("item1")),
        (r#"{ "path": { "to": { "arr": [ "item0", "item1" ] } } }"#, "path/to/arr,/", Ok(r#"["item0","item1"]"#)),
        (r#"{ "path": { "to": { "arr": [ "item0", "item1" ] } } }"#, "path/to/arr/1,/", Ok("item1")),
        (r#"{ "startId": "foobar", "abcd": { "id": "abcd", "type": "EXT" }, "bcde": { "id": "bcde", "type": "CONDITION" } }"#, "bcde", Ok(r#"{"id":"bcde","type":"CONDITION"}"#)),
        // Jansson's reader: duplicate keys, escapes, numbers, what it refuses.
        (r#"{"a":{"a":1,"b":2,"a":3}}"#, "a", Ok(r#"{"a":3,"b":2}"#)),
        (r#"{"a":["\u001f\"\\\/\b\f\n\r\t","\ud83d\ude00\u00e9"]}"#, "a", Ok(r#"["\u001F\"\\/\b\f\n\r\t","😀é"]"#)),
        (r#"{"a":["\ud83d\ude00\u00e9"]}"#, "a.0", Ok("😀é")),
        (r#"{"a":[1e-7,1E5,-0,-0.0,0.1,123456789012345678,1e22,1.5e300,1e-400]}"#, "a", Ok("[9.9999999999999995e-8,100000.0,0,-0.0,0.10000000000000001,123456789012345678,1e22,1.5000000000000001e300,0.0]")),
        (r#"{"a":1e-7}"#, "a", Ok("9.9999999999999995e-08")),
        (r#"{"a":-1.5}"#, "a", Ok("-1.5")),
        (r#"{"a":1e400}"#, "a", Err(PARSE)),
        (r#"{"a":01}"#, "a", Err(PARSE)),
        (r#"{"a":9223372036854775807}"#, "a", Ok("-1")),
        (r#"{"a":9223372036854775808}"#, "a", Err(PARSE)),
        (r#"{"a":-9223372036854775808}"#, "a", Ok("0")),
        (r#"{"a":2147483648}"#, "a", Ok("-2147483648")),
        (r#"{"a":4294967297}"#, "a", Ok("1")),
        (r#"{"a":"\ud800"}"#, "a", Err(PARSE)),
        (r#"{"a":"\udc00"}"#, "a", Err(PARSE)),
        (r#"{"a":"\ud800\u0041"}"#, "a", Err(PARSE)),
        (r#"{"a":"\u0000"}"#, "a", Err(PARSE)),
        (r#"{"a":"\x"}"#, "a", Err(PARSE)),
        (r#"{"a":"\u12G4"}"#, "a", Err(PARSE)),
        ("{\"a\":\"tab\there\"}", "a", Err(PARSE)),
        (r#"{"a":1} x"#, "a", Err(PARSE)),
        (r#"{"a":1}{}"#, "a", Err(PARSE)),
        ("5", "a", Err(PARSE)),
        (r#""text""#, "a", Err(PARSE)),
        (" \t\r\n[1] \n", "0", Ok("1")),
        ("[1,]", "0", Err(PARSE)),
        (r#"{"a":1,}"#, "a", Err(PARSE)),
        ("[1 2]", "0", Err(PARSE)),
        ("[truex]", "0", Err(PARSE)),
        ("[True]", "0", Err(PARSE)),
        ("[-]", "0", Err(PARSE)),
        ("[1.]", "0", Err(PARSE)),
        ("[.5]", "0", Err(PARSE)),
        ("[1e]", "0", Err(PARSE)),
        ("[1e+]", "0", Err(PARSE)),
        ("[-0]", "0", Ok("0")),
        ("[1E+05]", "0", Ok("100000")),
        (r#"[{"k" 1}]"#, "0", Err(PARSE)),
        ("[{1:1}]", "0", Err(PARSE)),
        ("[[]]", "0", Ok("[]")),
        ("[{}]", "0", Ok("{}")),
        (r#"[[1,{"b":[true,false,null]}]]"#, "0", Ok(r#"[1,{"b":[true,false,null]}]"#)),
        ("[1]", " 0", Ok("1")),
        ("[1]", "+0", Ok("1")),
        ("[1]", "0 ", Err(SILENT)),
        // Paths: indices as `ast_str_to_int` reads them, empty items, separators.
        ("[1]", "-0", Ok("1")),
        ("[1]", "1", Err(SILENT)),
        ("[1]", "-1", Err(SILENT)),
        ("[1]", "99999999999", Err(SILENT)),
        ("[[1,2]]", "0.1", Ok("2")),
        ("[[1,2]]", "0.x", Ok("")),
        (r#"{"a":true}"#, "a.b.c", Ok("1")),
        (r#"{"a":{"b":1}}"#, "a.", Err(SILENT)),
        (r#"{"a":{"":1}}"#, "a.", Ok("1")),
        (r#"{"":{"b":1}}"#, ".b", Ok("1")),
        (r#"{"a.b":1}"#, "a.b", Err(SILENT)),
        (r#"{"a.b":1}"#, "a.b,/", Ok("1")),
        (r#"{"a":{"b":1}}"#, "a|b,|", Ok("1")),
    ];
    let mut wrong = Vec::new();
    for &(json, args, expected) in rows {
        let (got, log) = decode(json, args);
        let matches = match (&got, expected) {
            (Ok(got), Ok(expected)) => got == expected && log.is_empty(),
            (Err(c), Err(PARSE)) => {
                c.line() == Some(format!("WARNING: Failed to parse as JSON: {json}"))
            }
            (Err(c), Err(_)) => c.line().is_none(),
            _ => false,
        };
        if !matches {
            wrong.push(format!(
                "{json} / {args}: {got:?} {log:?}, expected {expected:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Option `c` gives an array's length where the path ends at one, and changes nothing else
/// (the four rows of func_json.c's table that use it).
#[test]
fn option_c_counts_an_array_where_the_path_ends() {
    let arr = r#"{ "path": { "to": { "arr": [ "item0", "item1" ] } } }"#;
    assert_eq!(decode(arr, "path.to.arr,,c").0, Ok("2".into()));
    let people = r#"{ "path": { "to": { "arr": [ {"name": "John Smith", "phone": "123"}, {"name": "Jane Doe", "phone": "234"} ] } } }"#;
    assert_eq!(
        decode(people, "path.to.arr.0.name,,c").0,
        Ok("John Smith".into())
    );
    let numbers = r#"{ "path": { "to": { "arr": [ {"name": 1, "phone": 123}, {"name": 2, "phone": 234} ] } } }"#;
    assert_eq!(decode(numbers, "path.to.arr.0.name,,c").0, Ok("1".into()));
    let nested = r#"{ "path": { "to": { "arr": [ {"name": [ "item11", "item12" ], "phone": [ "item13", "item14" ]}, {"name": [ "item15", "item16" ], "phone": [ "item17", "item18" ]} ] } } }"#;
    assert_eq!(
        decode(nested, "path.to.arr.0.name.1,,c").0,
        Ok("item12".into())
    );
    // An object is still given whole.
    assert_eq!(
        decode(r#"{"a":{"b":1}}"#, "a,,c").0,
        Ok(r#"{"b":1}"#.into())
    );
}

/// What the function says and goes on from (`ast_app_parse_options`, a separator longer
/// than one character) and what it refuses before reading anything.
#[test]
fn warnings_and_refusals_are_func_jsons() {
    let (result, log) = decode("[[1,2]]", "0,,xc");
    assert_eq!(result, Ok("2".into()));
    assert_eq!(log, ["WARNING: Unrecognized option: 'x'"]);
    let (result, log) = decode("[[1,2]]", "0,,cz(");
    assert_eq!(
        result,
        Ok("2".into()),
        "the letters before a bad one still count"
    );
    assert_eq!(
        log,
        ["WARNING: Missing closing parenthesis for argument 'z' in string ''"]
    );
    let (result, log) = decode(r#"{"a":{"b":1}}"#, "a.b,ab");
    assert_eq!(result, Ok("1".into()));
    assert_eq!(
        log,
        [
            "WARNING: Nesting separator 'ab' has length 2 and is invalid (must be a single character)"
        ]
    );
    let line = |r: Result<String, Complaint>| r.unwrap_err().line();
    assert_eq!(
        line(decode("[0, 1]", "").0).as_deref(),
        Some("WARNING: JSON_DECODE requires a key")
    );
    let mut env = TestEnv::with(&[("j", "[1]")]);
    let failed = json_decode("JSON_DECODE", b",0", &mut env).unwrap_err();
    assert_eq!(
        failed.line().as_deref(),
        Some("WARNING: JSON_DECODE requires a variable name")
    );
    // An empty or unset variable fails without a word.
    assert_eq!(line(decode("", "0").0), None);
    let mut env = TestEnv::default();
    assert_eq!(
        json_decode("JSON_DECODE", b"unset,0", &mut env)
            .unwrap_err()
            .line(),
        None
    );
    // Text that is not UTF-8 does not parse.
    assert_eq!(Json::parse(b"[\"\xff\"]"), None);
    assert_eq!(
        Json::parse(b"[\"\xc3\xa9\"]"),
        Some(Json::Array(vec![Json::String("é".into())]))
    );
}

/// The path is followed at most 32 levels deep (`MAX_JSON_STACK`), a missing level
/// counting too; jansson reads values up to 2048 deep.
#[test]
fn depth_limits_are_asterisks_and_janssons() {
    let nested = |levels: usize| "{\"a\":".repeat(levels) + "1" + &"}".repeat(levels);
    let path = |items: usize| vec!["a"; items].join(".");
    assert_eq!(decode(&nested(32), &path(32)).0, Ok("1".into()));
    let (too_deep, _) = decode(&nested(33), &path(33));
    assert_eq!(
        too_deep.unwrap_err().line().as_deref(),
        Some("WARNING: Max JSON stack (32) exceeded")
    );
    let (missing, _) = decode(&nested(32), &(path(32) + ".b"));
    assert_eq!(
        missing,
        Ok("1".into()),
        "a leaf ignores the rest of the path"
    );
    let (missing, _) = decode(&nested(33), &(path(32) + ".b"));
    assert_eq!(
        missing.unwrap_err().line().as_deref(),
        Some("WARNING: Max JSON stack (32) exceeded")
    );
    let arrays = |n: usize, inner: &str| "[".repeat(n) + inner + &"]".repeat(n);
    assert!(Json::parse(arrays(2048, "").as_bytes()).is_some());
    assert!(Json::parse(arrays(2049, "").as_bytes()).is_none());
    assert!(Json::parse(arrays(2047, "1").as_bytes()).is_some());
    assert!(Json::parse(arrays(2048, "1").as_bytes()).is_none());
    // Far deeper input fails the same way, without a deep stack.
    assert!(Json::parse(arrays(1_000_000, "").as_bytes()).is_none());
}

/// A value as deep as jansson reads is written back and dropped on a call's thread in
/// `pbx` (512 KiB of stack), with none of it recursing a level at a time.
#[test]
fn the_deepest_value_is_written_and_dropped_on_a_small_stack() {
    let deepest = "[".repeat(2048) + &"]".repeat(2048);
    let result = std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(move || decode(&deepest, "0").0)
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert_eq!(result, Ok("[".repeat(2047) + &"]".repeat(2047)));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            any::<i64>().prop_map(Json::Integer),
            any::<f64>()
                .prop_filter("finite", |r| r.is_finite())
                .prop_map(Json::Real),
            "\\PC{0,8}|[\\x01-\\x1f\"\\\\/]{0,4}".prop_map(Json::String),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
                prop::collection::vec(("[a-c]{0,2}", inner), 0..4).prop_map(|members| {
                    // Keys once each, as an object read back holds them.
                    let mut unique: Vec<(String, Json)> = Vec::new();
                    for (k, v) in members {
                        if !unique.iter().any(|(u, _)| *u == k) {
                            unique.push((k, v));
                        }
                    }
                    Json::Object(unique)
                }),
            ]
        })
    }

    proptest! {
        /// What the writer writes, the reader reads back as the same value (a real as
        /// the same number: `%.17g` is exact for a double).
        #[test]
        fn what_is_written_reads_back(inner in value()) {
            let top = Json::Array(vec![inner]);
            let text = top.compact();
            prop_assert_eq!(Json::parse(text.as_bytes()), Some(top));
        }

        /// Any bytes: an answer, never a panic.
        #[test]
        fn any_text_is_read_or_refused(text in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = Json::parse(&text);
        }
    }
}
