//! Reading substituted application data at run time: arguments (`__ast_app_separate_args`,
//! shared with the stdlib's functions), option letters (`ast_app_parse_options`) and time
//! lengths (`ast_app_parse_timelen`), as main/app.c does.

// Splitting is the stdlib's: the functions it implements and the applications run here cut
// their data with the same `__ast_app_separate_args`.
pub use pbxc_stdlib::functions::args::{
    AppOption, parse_options, parse_options_partly, raw, separate, standard, strsep,
};

/// `sscanf(s, "%30d")`: the leading integer, `None` when there is none.
pub fn scan_c_int(s: &[u8]) -> Option<i32> {
    match pbxc_stdlib::functions::cscan::int(s, 30) {
        pbxc_stdlib::functions::cscan::Scan::Ok(v, _) => Some(v),
        _ => None,
    }
}

/// Whether the option string has letter `letter` (a string that does not parse has none).
pub fn has_option(optstr: &[u8], letter: u8) -> bool {
    parse_options(optstr).is_ok_and(|o| o.iter().any(|(l, _)| *l == letter))
}

/// `ast_app_parse_timelen`: a number with an optional unit (`h`, `m`, `s`, `ms`, any case)
/// in milliseconds; `unit_ms` is what one unit-less unit is worth. `None` when unreadable.
pub fn timelen_ms(s: &[u8], unit_ms: i64) -> Option<i64> {
    let text = std::str::from_utf8(s).ok()?.trim_start();
    let number_len = text
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit()
                || c == '.'
                || (i == 0 && (c == '+' || c == '-'))
                || ((c == 'e' || c == 'E')
                    && text[i + 1..]
                        .starts_with(|d: char| d.is_ascii_digit() || d == '-' || d == '+')))
        })
        .map_or(text.len(), |(i, _)| i);
    let amount: f64 = text[..number_len].parse().ok()?;
    let unit = text[number_len..].trim_start();
    let unit = unit.split_ascii_whitespace().next().unwrap_or("");
    let factor = match unit.to_ascii_lowercase().as_str() {
        "" => unit_ms as f64,
        "h" => 3_600_000.0,
        "m" => 60_000.0,
        "s" => 1000.0,
        "ms" => 1.0,
        _ => return None,
    };
    let ms = amount * factor;
    Some(if ms > f64::from(i32::MAX) {
        i64::from(i32::MAX)
    } else {
        ms as i64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(args: Vec<Vec<u8>>) -> Vec<String> {
        args.into_iter()
            .map(|a| String::from_utf8_lossy(&a).into_owned())
            .collect()
    }

    #[test]
    fn gosub_arguments_keep_their_quotes_and_backslashes() {
        // Gosub's arguments are raw: quotes group but stay (dialplan-cases.md §E `gs`).
        assert_eq!(
            show(raw(br#""a,b",c\,d, e ,"f""#, 100)),
            [r#""a,b""#, r"c\,d", " e ", r#""f""#]
        );
        assert_eq!(show(standard(br#""a,b",c\,d"#, 100)), ["a,b", "c,d"]);
    }

    /// Section H of `dialplan-cases.md` (Asterisk's `tests/test_app.c`), inline.
    #[test]
    fn option_arguments_as_test_app_c_parses_them() {
        let cases: [(&[u8], [&[u8]; 3]); 3] = [
            (
                br#"a(simple)b("quoted")c(back\slash)"#,
                [b"simple", b"quoted", b"backslash"],
            ),
            (
                br#"b("((())))")a(simple)c(back\)slash)"#,
                [b"simple", b"((())))", b"back)slash"],
            ),
            (
                br#"b("((\"\)\(")a(simple)c(back\"\)\(\"slash)"#,
                [b"simple", br#"(("\)\("#, br#"back")("slash"#],
            ),
        ];
        for (input, [a, b, c]) in cases {
            let parsed = parse_options(input).unwrap();
            let arg = |l: u8| {
                parsed
                    .iter()
                    .find(|(x, _)| *x == l)
                    .and_then(|(_, a)| a.clone())
            };
            assert_eq!(
                arg(b'a').as_deref(),
                Some(a),
                "{}",
                String::from_utf8_lossy(input)
            );
            assert_eq!(
                arg(b'b').as_deref(),
                Some(b),
                "{}",
                String::from_utf8_lossy(input)
            );
            assert_eq!(
                arg(b'c').as_deref(),
                Some(c),
                "{}",
                String::from_utf8_lossy(input)
            );
        }
        assert!(
            parse_options(b"tTg")
                .unwrap()
                .iter()
                .all(|(_, a)| a.is_none())
        );
        assert!(parse_options(b"a(unclosed").is_err());
        assert_eq!(
            parse_options(b"G(ctx^s^1)g").unwrap(),
            [(b'G', Some(b"ctx^s^1".to_vec())), (b'g', None)]
        );
    }

    #[test]
    fn time_lengths() {
        assert_eq!(timelen_ms(b"1.5", 1000), Some(1500));
        assert_eq!(timelen_ms(b"500ms", 1000), Some(500));
        assert_eq!(timelen_ms(b" 2 M", 1000), Some(120_000));
        assert_eq!(timelen_ms(b"250", 1), Some(250));
        assert_eq!(timelen_ms(b"abc", 1000), None);
        assert_eq!(timelen_ms(b"1,2", 1000), None);
        assert_eq!(timelen_ms(b"1e9h", 1000), Some(i64::from(i32::MAX)));
    }

    #[test]
    fn nesting_empty_data_and_a_trailing_delimiter() {
        assert_eq!(
            show(standard(b"f(a,b),[c,d],e", 10)),
            ["f(a,b)", "[c,d]", "e"]
        );
        assert!(standard(b"", 3).is_empty());
        assert_eq!(show(standard(b"a,", 3)), ["a", ""]);
        assert_eq!(show(standard(b",", 3)), ["", ""]);
        assert_eq!(show(standard(b"a,b,c", 1)), ["a,b,c"]);
        // A backslash at the very end does not run past the data.
        assert_eq!(show(standard(b"a\\", 3)), ["a"]);
        // An unbalanced `)` does not go negative.
        assert_eq!(show(standard(b"a),b", 3)), ["a)", "b"]);
    }
}
